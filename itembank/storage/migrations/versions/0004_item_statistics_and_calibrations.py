"""the bank remembers: item statistics per item version and sitting (provisional, or permanent
with the release that produced them), and IRT calibrations as stored objects

Released statistics are permanent: the database refuses every UPDATE, and a DELETE of a row
that belongs to a release (provisional rows, ``release_id`` NULL, are replaced by the next
run). Calibrations and their item parameters are append-only.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from itembank.storage.immutability import (
    drop_released_trigger_statements,
    drop_trigger_statements,
    released_trigger_statements,
    trigger_statements,
)

CALIBRATION_TABLES = ["calibrations", "calibration_items"]

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

    op.create_table('calibrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=10), nullable=False),
    sa.Column('engine', sa.String(length=50), nullable=False),
    sa.Column('engine_version', sa.String(length=200), nullable=False),
    sa.Column('data_hash', sa.String(length=64), nullable=False),
    sa.Column('n_candidates', sa.Integer(), nullable=False),
    sa.Column('n_items', sa.Integer(), nullable=False),
    sa.Column('n_parameters', sa.Integer(), nullable=False),
    sa.Column('loglik', sa.Float(), nullable=False),
    sa.Column('aic', sa.Float(), nullable=False),
    sa.Column('bic', sa.Float(), nullable=False),
    sa.Column('converged', sa.Boolean(), nullable=False),
    sa.Column('iterations', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['administration_id'], ['administrations.id'], name=op.f('fk_calibrations_administration_id_administrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibrations'))
    )
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibrations_administration_id'), ['administration_id'], unique=False)
    op.create_table('calibration_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calibration_id', sa.Integer(), nullable=False),
    sa.Column('form_item_id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('infit', sa.Float(), nullable=True),
    sa.Column('infit_z', sa.Float(), nullable=True),
    sa.Column('outfit', sa.Float(), nullable=True),
    sa.Column('outfit_z', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['calibration_id'], ['calibrations.id'], name=op.f('fk_calibration_items_calibration_id_calibrations')),
    sa.ForeignKeyConstraint(['form_item_id'], ['form_items.id'], name=op.f('fk_calibration_items_form_item_id_form_items')),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_calibration_items_item_version_id_item_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_items')),
    sa.UniqueConstraint('calibration_id', 'form_item_id', name=op.f('uq_calibration_items_calibration_id_form_item_id'))
    )
    with op.batch_alter_table('calibration_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_items_item_version_id'), ['item_version_id'], unique=False)
    for statement in trigger_statements(op.get_bind().dialect.name, CALIBRATION_TABLES, function=False):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_trigger_statements(op.get_bind().dialect.name, CALIBRATION_TABLES, function=False):
        op.execute(statement)
    with op.batch_alter_table('calibration_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_items_item_version_id'))
    op.drop_table('calibration_items')
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibrations_administration_id'))
    op.drop_table('calibrations')
    for statement in drop_released_trigger_statements(op.get_bind().dialect.name, ["item_statistics"]):
        op.execute(statement)
    with op.batch_alter_table('item_statistics', schema=None) as batch_op:
        batch_op.drop_index('ix_item_statistics_version')
        batch_op.drop_index(batch_op.f('ix_item_statistics_administration_id'))
    op.drop_table('item_statistics')
