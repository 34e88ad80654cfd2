"""responses stored as one immutable response matrix per import (response_sets)

A row per response made reading a national sitting take minutes; a response set holds one
import as a coded, compressed matrix (see :mod:`itembank.storage.response_matrix`). Existing
responses are moved into one set per administration, exactly (answers and graders' points as
they were stored), and the responses table is dropped. The downgrade expands the sets again.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import sqlalchemy as sa
from alembic import op

from itembank.storage.immutability import drop_trigger_statements, trigger_statements
from itembank.storage.response_matrix import content_hash, decode_responses, encode_responses

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_ITEM_CODES = sa.text(
    "SELECT fi.id, i.code FROM form_items fi JOIN item_versions v ON v.id = fi.item_version_id "
    "JOIN items i ON i.id = v.item_id")


def _points_text(value: object) -> str | None:
    return None if value is None else format(Decimal(str(value)), "f")


def upgrade() -> None:
    op.create_table('response_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('n_candidates', sa.Integer(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['administration_id'], ['administrations.id'], name=op.f('fk_response_sets_administration_id_administrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_sets'))
    )
    with op.batch_alter_table('response_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_sets_administration_id'), ['administration_id'], unique=False)

    bind = op.get_bind()
    codes = dict(bind.execute(_ITEM_CODES).all())
    rows = bind.execute(sa.text(
        "SELECT r.administration_id, c.code, s.form_item_id, s.grader, s.choice, s.points, fi.position "
        "FROM responses s JOIN registrations r ON r.id = s.registration_id "
        "JOIN candidates c ON c.id = r.candidate_id JOIN form_items fi ON fi.id = s.form_item_id")).all()
    frame = pd.DataFrame(rows, columns=["administration", "candidate", "form_item", "grader", "choice", "points",
                                        "position"])
    sets = sa.table('response_sets', *(sa.column(c) for c in (
        'administration_id', 'n_candidates', 'columns', 'content_hash', 'payload', 'created_at', 'created_by')),
        sa.column('columns', sa.JSON()))
    for admin_id, group in frame.groupby("administration", sort=True):
        group = group.sort_values(["position", "grader"])
        value = [c if p is None else _points_text(p) for c, p in zip(group["choice"], group["points"])]
        column = [codes[f] if g == 1 else f"{codes[f]}#{g}" for f, g in zip(group["form_item"], group["grader"])]
        wide = (group.assign(value=value, column=column)
                .pivot(index="candidate", columns="column", values="value"))
        wide = wide[list(dict.fromkeys(column))].sort_index()
        wide.columns.name = None
        payload = encode_responses(wide)
        bind.execute(sa.insert(sets).values(
            administration_id=int(admin_id), n_candidates=len(wide), columns=list(wide.columns),
            content_hash=content_hash(payload), payload=payload, created_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
            created_by="migration 0002"))

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_registration_id'))
    op.drop_table('responses')
    for statement in trigger_statements(bind.dialect.name, ["response_sets"], function=False):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in drop_trigger_statements(bind.dialect.name, ["response_sets"], function=False):
        op.execute(statement)
    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('form_item_id', sa.Integer(), nullable=False),
    sa.Column('grader', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=100), nullable=True),
    sa.Column('points', sa.String(length=32), nullable=True),
    sa.CheckConstraint('grader >= 1', name=op.f('ck_responses_grader_positive')),
    sa.ForeignKeyConstraint(['form_item_id'], ['form_items.id'], name=op.f('fk_responses_form_item_id_form_items')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_responses_registration_id_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('registration_id', 'form_item_id', 'grader', name=op.f('uq_responses_registration_id_form_item_id_grader'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_registration_id'), ['registration_id'], unique=False)
    by_code = {}
    for fi_id, code in bind.execute(_ITEM_CODES).all():
        by_code.setdefault(code, []).append(fi_id)
    responses = sa.table('responses', *(sa.column(c) for c in ('registration_id', 'form_item_id', 'grader', 'choice', 'points')))
    for admin_id, payload in bind.execute(sa.text("SELECT administration_id, payload FROM response_sets")).all():
        form_items = dict(bind.execute(sa.text(
            "SELECT i.code, fi.id FROM administrations a JOIN form_items fi ON fi.form_id = a.form_id "
            "JOIN item_versions v ON v.id = fi.item_version_id JOIN items i ON i.id = v.item_id "
            "WHERE a.id = :a"), {"a": admin_id}).all())
        open_items = {c for c, t in bind.execute(sa.text(
            "SELECT i.code, v.item_type FROM administrations a JOIN form_items fi ON fi.form_id = a.form_id "
            "JOIN item_versions v ON v.id = fi.item_version_id JOIN items i ON i.id = v.item_id "
            "WHERE a.id = :a"), {"a": admin_id}).all() if t in ("open", "practical", "OPEN", "PRACTICAL")}
        regs = dict(bind.execute(sa.text(
            "SELECT c.code, r.id FROM registrations r JOIN candidates c ON c.id = r.candidate_id "
            "WHERE r.administration_id = :a"), {"a": admin_id}).all())
        wide = decode_responses(payload)
        out = []
        for column in wide.columns:
            base, _, grader = column.partition("#")
            for cand, value in zip(wide.index, wide[column].astype(object)):
                text = None if pd.isna(value) else str(value)
                is_open = base in open_items
                out.append({"registration_id": regs[cand], "form_item_id": form_items[base], "grader": int(grader or 1),
                            "choice": None if is_open else text, "points": text if is_open else None})
        if out:
            bind.execute(sa.insert(responses), out)
    with op.batch_alter_table('response_sets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_sets_administration_id'))
    op.drop_table('response_sets')
