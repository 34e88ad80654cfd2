"""calibrations linked to the bank's IRT scale: one append-only row per linking decision
(base, linked with A, B, the method and the common items, or unlinked)

Existing calibrations get no row here: the first call that reads the bank scale treats a
specification without a base as not yet having one, and a new calibration (or
``itembank calibrate --base``) defines it.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from itembank.storage.immutability import drop_trigger_statements, trigger_statements

LINK_TABLES = ["calibration_links"]

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calibration_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calibration_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('base_id', sa.Integer(), nullable=True),
    sa.Column('linked_to_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('A', sa.Float(), nullable=True),
    sa.Column('B', sa.Float(), nullable=True),
    sa.Column('n_common', sa.Integer(), nullable=False),
    sa.Column('common_items', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['calibration_id'], ['calibrations.id'], name=op.f('fk_calibration_links_calibration_id_calibrations')),
    sa.ForeignKeyConstraint(['base_id'], ['calibrations.id'], name=op.f('fk_calibration_links_base_id_calibrations')),
    sa.ForeignKeyConstraint(['linked_to_id'], ['calibrations.id'], name=op.f('fk_calibration_links_linked_to_id_calibrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_links'))
    )
    with op.batch_alter_table('calibration_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_links_calibration_id'), ['calibration_id'], unique=False)
    for statement in trigger_statements(op.get_bind().dialect.name, LINK_TABLES, function=False):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_trigger_statements(op.get_bind().dialect.name, LINK_TABLES, function=False):
        op.execute(statement)
    with op.batch_alter_table('calibration_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_links_calibration_id'))
    op.drop_table('calibration_links')
