"""Exam assembly against the bank: the pool from storage, the optimiser, frozen forms.

:mod:`itembank.assembly` is pure; this module feeds it from the database and stores what it
returns. The pool is the newest *approved* version of every item of a specification in one
language and variant, with:

* ``p``: the classical p-value over every administration that used that version, with the
  key as frozen on the form (NaN for an item never administered);
* ``a``, ``b``, ``c``: not stored in the bank yet, so NaN (the optimiser then treats the item
  as giving no information; see the assembly docs) — the IRT calibration issue fills these;
* ``times_used``: forms (of any specification) that contain any version of the item;
  ``forms_since_last_use``: how many forms of this specification were frozen after the most
  recent one containing it (0 = on the latest form; NaN = never used);
  ``exposure_rate``: share of this specification's forms that contain it.

Blueprints are documents: versioned by code, approved like items (draft -> in_review ->
approved), and importable/exportable as the constraint table of
:mod:`itembank.blueprint_table`. Only an approved blueprint can freeze forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from itembank import audit
from itembank.assembly import (
    AssemblyOptions,
    AssemblyResult,
    BlueprintConstraint,
    assemble,
    blueprint_from_cells,
    coverage_report,
    expected_statistics,
    gap_report,
)
from itembank.bank import ALLOWED_TRANSITIONS, flush_or_conflict, get_specification
from itembank.blueprint_table import read_blueprint_table, write_blueprint_table
from itembank.errors import RuleError, UserError
from itembank.exams import FormEntry, freeze_form, get_blueprint
from itembank.versioned import latest_version
from itembank.models import (
    Blueprint,
    Dimension,
    EnemyPair,
    Form,
    FormItem,
    Item,
    ItemVersion,
    Response,
    ReviewState,
    ReviewStatus,
    Variant,
)

__all__ = [
    "gap_for_blueprint",
    "load_pool",
    "blueprint_constraints",
    "import_blueprint",
    "export_blueprint",
    "set_blueprint_status",
    "assemble_forms",
    "AssembledForms",
]


def load_pool(
    session: Session, specification: str, *, language: str | None = None,
    variant: Variant | str = Variant.STANDARD,
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The assembly pool and enemy pairs of a specification (see module docstring)."""
    spec = get_specification(session, specification)
    query = (
        select(ItemVersion).join(Item, ItemVersion.item_id == Item.id)
        .join(ReviewState, ReviewState.item_version_id == ItemVersion.id)
        .where(Item.specification_id == spec.id, ReviewState.status == ReviewStatus.APPROVED,
               ItemVersion.variant == Variant(variant))
        .options(selectinload(ItemVersion.tags), selectinload(ItemVersion.item).selectinload(Item.item_set))
        .order_by(Item.code, ItemVersion.number)
    )
    if language:
        query = query.where(ItemVersion.language == language)
    newest: dict[str, ItemVersion] = {}
    for v in session.scalars(query):
        newest[v.item.code] = v  # ordered by number: the last one wins
    versions = list(newest.values())
    forms = session.execute(
        select(Form.id, Form.specification_id).order_by(Form.frozen_at.desc(), Form.id.desc())).all()
    spec_forms = [f for f, s in forms if s == spec.id]
    rank = {form_id: i for i, form_id in enumerate(spec_forms)}
    uses = session.execute(
        select(ItemVersion.item_id, FormItem.form_id).join(FormItem, FormItem.item_version_id == ItemVersion.id)
    ).all()
    used_in: dict[int, set[int]] = {}
    for item_id, form_id in uses:
        used_in.setdefault(item_id, set()).add(form_id)
    p_values = _p_values(session, [v.id for v in versions])
    rows = []
    for v in versions:
        tags = {d: [t.code for t in v.tags if t.dimension is d] for d in Dimension}
        forms_of_item = used_in.get(v.item_id, set())
        ranks = [rank[f] for f in forms_of_item if f in rank]
        rows.append({
            "item_version_id": v.id, "item_code": v.item.code,
            "objective": tags[Dimension.OBJECTIVE][0] if tags[Dimension.OBJECTIVE] else None,
            "level": tags[Dimension.LEVEL][0] if tags[Dimension.LEVEL] else None,
            "topic": tags[Dimension.TOPIC][0] if tags[Dimension.TOPIC] else None,
            "points": float(v.max_score), "p": p_values.get(v.id, np.nan),
            "a": np.nan, "b": np.nan, "c": np.nan,
            "set_id": v.item.item_set.code if v.item.item_set else None,
            "times_used": len(forms_of_item),
            "forms_since_last_use": min(ranks) if ranks else np.nan,
            "exposure_rate": (len(ranks) / len(spec_forms)) if spec_forms else 0.0,
            "language": v.language,
        })
    pool = pd.DataFrame(rows).set_index("item_version_id") if rows else pd.DataFrame(
        columns=["item_code", "objective", "level", "topic", "points", "p", "a", "b", "c", "set_id",
                 "times_used", "forms_since_last_use", "exposure_rate", "language"]).rename_axis("item_version_id")
    return pool, _enemies(session)


def _enemies(session: Session) -> list[tuple[str, str]]:
    items = dict(session.execute(select(Item.id, Item.code)).all())
    return [(items[a], items[b]) for a, b in session.execute(select(EnemyPair.item_a_id, EnemyPair.item_b_id))]


def _p_values(session: Session, version_ids: list[int]) -> dict[int, float]:
    """Classical p per version: share of its responses that chose the frozen key (MC only);
    counted per (form item, choice) in the database, so the responses never leave it."""
    if not version_ids:
        return {}
    meta = {fid: (vid, key) for fid, vid, key in session.execute(
        select(FormItem.id, FormItem.item_version_id, FormItem.key).where(FormItem.item_version_id.in_(version_ids)))}
    grouped = session.execute(
        select(Response.form_item_id, Response.choice, func.count(Response.id))
        .where(Response.form_item_id.in_(meta), Response.grader == 1)
        .group_by(Response.form_item_id, Response.choice)
    ).all() if meta else []
    counts = [(meta[fid][0], meta[fid][1], choice, n) for fid, choice, n in grouped]
    right: dict[int, int] = {}
    seen: dict[int, int] = {}
    for version_id, key, choice, n in counts:
        seen[version_id] = seen.get(version_id, 0) + n
        if choice is not None and choice.split("|") == list(key):
            right[version_id] = right.get(version_id, 0) + n
    return {v: right.get(v, 0) / n for v, n in seen.items() if n}


# --------------------------------------------------------------------------- blueprints


def blueprint_constraints(blueprint: Blueprint) -> list[BlueprintConstraint]:
    """The blueprint as constraint rows: its stored table, else built from its cells."""
    if blueprint.constraints:
        return [BlueprintConstraint(**row) for row in blueprint.constraints]
    cells = {(c.objective.code, c.level.code): c.n_items for c in blueprint.cells}
    return blueprint_from_cells(cells, total_items=blueprint.total_items, total_points=float(blueprint.total_points))


def import_blueprint(session: Session, specification: str, code: str, path: str | Path, *,
                     name: str = "", duration_minutes: int | None = None, actor: str) -> Blueprint:
    """Store a constraint table (CSV/XLSX) as the next draft version of blueprint ``code``."""
    spec = get_specification(session, specification)
    rows = read_blueprint_table(Path(path))
    totals = {(r.type, r.counts, not r.condition.clauses): r for r in rows if r.on}
    items = totals.get(("count", "items", True))
    points = totals.get(("sum", "points", True))
    if items is None or items.lower is None or items.lower != items.upper:
        raise UserError(f"{Path(path).name}: the table needs an active row 'count items' with an empty "
                        "condition and equal lower and upper bounds (the number of items on a form)")
    latest = latest_version(session, Blueprint, code)
    blueprint = Blueprint(
        specification=spec, code=code, version=(latest.version + 1) if latest else 1, name=name,
        total_items=int(items.lower),
        total_points=Decimal(str(points.lower)) if points is not None and points.lower is not None else Decimal(int(items.lower)),
        duration_minutes=duration_minutes, status=ReviewStatus.DRAFT,
        constraints=[_row_dict(r) for r in rows],
    )
    session.add(blueprint)
    session.flush()
    audit.record(session, actor=actor, action="import", entity_type="blueprint", entity_id=code,
                 detail={"version": blueprint.version, "rows": len(rows), "file": Path(path).name})
    return blueprint


def _row_dict(row: BlueprintConstraint) -> dict[str, Any]:
    return {"id": row.id, "type": row.type, "counts": row.counts, "condition": str(row.condition),
            "lower": row.lower, "upper": row.upper, "on": row.on}


def export_blueprint(session: Session, code: str, path: str | Path, *, version: int | None = None) -> Path:
    """Write a blueprint's constraint table to CSV/XLSX (built from its cells if needed)."""
    return write_blueprint_table(blueprint_constraints(get_blueprint(session, code, version)), Path(path))


def set_blueprint_status(session: Session, code: str, version: int, status: ReviewStatus | str, *,
                         actor: str, comment: str = "") -> Blueprint:
    """Move a blueprint version through the same review workflow as an item version."""
    blueprint = get_blueprint(session, code, version)
    new = ReviewStatus(status)
    if new not in ALLOWED_TRANSITIONS[blueprint.status]:
        raise RuleError(f"blueprint {code} v{version} is {blueprint.status.value}; it cannot become {new.value}")
    old = blueprint.status
    blueprint.status = new
    flush_or_conflict(session, f"blueprint {code} v{version}")
    audit.record(session, actor=actor, action="status", entity_type="blueprint", entity_id=code,
                 detail={"version": version, "from": old.value, "to": new.value}, reason=comment)
    return blueprint


# --------------------------------------------------------------------------- assembly


@dataclass(frozen=True)
class AssembledForms:
    result: AssemblyResult
    forms: list[str]  # codes of the frozen forms (empty on a dry run)
    coverage: pd.DataFrame
    statistics: pd.DataFrame
    pool_size: int


def assemble_forms(
    session: Session,
    specification: str,
    blueprint: str,
    *,
    options: AssemblyOptions,
    language: str | None = None,
    code_prefix: str | None = None,
    codes: list[str] | None = None,
    freeze: bool = True,
    part: str = "theory",
    actor: str,
) -> AssembledForms:
    """Assemble ``options.forms`` forms with the optimiser and freeze them (unless ``freeze``
    is False), every item in scoring part ``part``; ``codes`` names the forms, else
    ``<prefix>1``, ``<prefix>2``, ... . Only verified solutions come back from the optimiser, and only an approved
    blueprint may freeze forms."""
    bp = get_blueprint(session, blueprint)
    if freeze and bp.status is not ReviewStatus.APPROVED:
        raise RuleError(f"blueprint {bp.code} v{bp.version} is {bp.status.value}; only an approved "
                        "blueprint can be used to freeze forms (use --dry-run to try it out)")
    constraints = blueprint_constraints(bp)
    pool, enemies = load_pool(session, specification, language=language)
    result = assemble(pool, constraints, enemies=enemies, options=options)
    coverage = coverage_report(pool, result.forms, constraints, options)
    stats = expected_statistics(pool, result.forms, cut_theta=options.cut_theta)
    frozen: list[str] = []
    if codes is not None and len(codes) != len(result.forms):
        raise UserError(f"{len(codes)} form codes given for {len(result.forms)} forms")
    if freeze:
        prefix = code_prefix or f"{bp.code}-F"
        start = 1 + (session.scalar(select(func.count(Form.id)).where(Form.code.like(f"{prefix}%"))) or 0)
        for k, ids in enumerate(result.forms):
            code = codes[k] if codes else f"{prefix}{start + k}"
            freeze_form(session, code, [FormEntry(int(i), part=part) for i in ids], blueprint=bp,
                        name=f"{bp.name or bp.code} — form {k + 1}", actor=actor)
            frozen.append(code)
        audit.record(session, actor=actor, action="assemble", entity_type="blueprint", entity_id=bp.code,
                     detail={"version": bp.version, "forms": frozen, "status": result.status,
                             "gap": result.gap, "objective": options.objective})
    return AssembledForms(result, frozen, coverage, stats, len(pool))


def gap_for_blueprint(session: Session, specification: str, blueprint: str, *, options: AssemblyOptions,
                      language: str | None = None) -> pd.DataFrame:
    """Per blueprint cell: approved items, how many K forms need, how many more to write."""
    pool, enemies = load_pool(session, specification, language=language)
    return gap_report(pool, blueprint_constraints(get_blueprint(session, blueprint)), enemies, options)
