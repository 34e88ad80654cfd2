"""calibrations linked to the bank's IRT scale: one append-only row per linking decision
(base, linked with A, B, the method and the common items, or unlinked)

Calibrations stored before this migration get their row here, by the rules a new calibration
follows where they need no fitting: per specification the oldest calibration is the base, a
later calibration of the same sitting takes over its scale (``same_sitting``, A = 1, B = 0), and
every other one is ``unlinked`` with a note (``itembank calibrate ADMIN --relink`` links it
through its common items). So a bank upgraded from 0004 keeps the parameters its assembly pool
used for the base sitting, and never silently mixes scales.

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
    _link_existing_calibrations()
    for statement in trigger_statements(op.get_bind().dialect.name, LINK_TABLES, function=False):
        op.execute(statement)


def _link_existing_calibrations() -> None:
    """One link row per calibration stored before this migration (see the module docstring)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT c.id, c.administration_id, f.specification_id, c.created_at FROM calibrations c "
        "JOIN administrations a ON a.id = c.administration_id JOIN forms f ON f.id = a.form_id "
        "ORDER BY c.created_at, c.id")).all()
    links = sa.table("calibration_links", *(sa.column(n) for n in (
        "calibration_id", "status", "base_id", "linked_to_id", "method", "A", "B", "n_common", "note",
        "created_at", "created_by")), sa.column("common_items", sa.JSON()))
    base: dict[object, tuple[int, int]] = {}  # specification -> (base calibration, its sitting)
    out = []
    for cal_id, admin_id, spec, created_at in rows:
        row = {"calibration_id": cal_id, "base_id": None, "linked_to_id": None, "method": None, "A": None,
               "B": None, "n_common": 0, "common_items": [], "created_at": created_at, "created_by": "migration 0005"}
        if spec not in base:
            base[spec] = (cal_id, admin_id)
            row.update(status="base", base_id=cal_id, A=1.0, B=0.0,
                       note="defines the bank scale (the first calibration of its specification)")
        elif base[spec][1] == admin_id:
            row.update(status="linked", base_id=base[spec][0], linked_to_id=base[spec][0], method="same_sitting",
                       A=1.0, B=0.0, note=f"the same candidates as calibration {base[spec][0]}")
        else:
            row.update(status="unlinked", note="calibrated before linking was stored: link it through its common "
                                               "items with 'itembank calibrate ADMIN --relink'")
        out.append(row)
    if out:
        op.bulk_insert(links, out)


def downgrade() -> None:
    for statement in drop_trigger_statements(op.get_bind().dialect.name, LINK_TABLES, function=False):
        op.execute(statement)
    with op.batch_alter_table('calibration_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_links_calibration_id'))
    op.drop_table('calibration_links')
