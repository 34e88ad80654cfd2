"""the bank remembers: item statistics per item version and sitting (provisional, or permanent
with the release that produced them)

Released rows are permanent: the database refuses every UPDATE, and a DELETE of a row that
belongs to a release (provisional rows, ``release_id`` NULL, are replaced by the next run).

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from itembank.storage.immutability import drop_released_trigger_statements, released_trigger_statements

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('item_statistics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=True),
    sa.Column('form_item_id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('computed_by', sa.String(length=100), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=True),
    sa.Column('mean', sa.Float(), nullable=True),
    sa.Column('sd', sa.Float(), nullable=True),
    sa.Column('max_score', sa.Float(), nullable=True),
    sa.Column('p', sa.Float(), nullable=True),
    sa.Column('rit', sa.Float(), nullable=True),
    sa.Column('rir', sa.Float(), nullable=True),
    sa.Column('alpha_if_deleted', sa.Float(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('decision', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['administration_id'], ['administrations.id'], name=op.f('fk_item_statistics_administration_id_administrations')),
    sa.ForeignKeyConstraint(['form_item_id'], ['form_items.id'], name=op.f('fk_item_statistics_form_item_id_form_items')),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_item_statistics_item_version_id_item_versions')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_item_statistics_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_statistics')),
    sa.UniqueConstraint('release_id', 'form_item_id', name=op.f('uq_item_statistics_release_id_form_item_id'))
    )
    with op.batch_alter_table('item_statistics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_statistics_administration_id'), ['administration_id'], unique=False)
        batch_op.create_index('ix_item_statistics_version', ['item_version_id', 'administration_id'], unique=False)
    for statement in released_trigger_statements(op.get_bind().dialect.name, ["item_statistics"]):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_released_trigger_statements(op.get_bind().dialect.name, ["item_statistics"]):
        op.execute(statement)
    with op.batch_alter_table('item_statistics', schema=None) as batch_op:
        batch_op.drop_index('ix_item_statistics_version')
        batch_op.drop_index(batch_op.f('ix_item_statistics_administration_id'))
    op.drop_table('item_statistics')
