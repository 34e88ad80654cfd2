"""Blueprints (toetsmatrijzen): versioned by code, reviewed like items, imported and exported
as a constraint table.

A blueprint is a document: item counts per objective x level cell, total items and points,
duration. Only an *approved* blueprint can freeze forms (:mod:`itembank.services.forms`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping
from sqlalchemy import select
from sqlalchemy.orm import Session
from itembank.storage import audit
from itembank.services.bank import get_specification, get_tag
from itembank.errors import RuleError, UserError
from itembank.storage.versioned import get_versioned, latest_version
from itembank.storage.models import (
    Blueprint,
    BlueprintCell,
    Dimension,
    ReviewStatus,
    Tag,
    TestSpecification,
)
from pathlib import Path
from itembank.assembly import (
    POOL_COLUMNS,
    BlueprintConstraint,
    blueprint_from_cells,
)
from itembank.assembly.blueprint import NUMBER_COLUMNS, KnownNames
from itembank.io.numbers import BLUEPRINT_BOUND
from itembank.services.bank import ALLOWED_TRANSITIONS, flush_or_conflict
from itembank.io.blueprint_files import read_blueprint_table, write_blueprint_table

__all__ = [
    "add_blueprint",
    "get_blueprint",
    "list_blueprints",
    "blueprint_grid",
    "blueprint_constraints",
    "import_blueprint",
    "export_blueprint",
    "set_blueprint_status",
    "known_names",
]


def add_blueprint(
    session: Session,
    specification: str,
    code: str,
    *,
    cells: Mapping[tuple[str, str], int],
    total_points: Decimal | int,
    duration_minutes: int | None = None,
    name: str = "",
    actor: str,
) -> Blueprint:
    """A blueprint: item counts per (objective, level) cell; total items is their sum."""
    spec = get_specification(session, specification)
    for (objective, level), n in cells.items():
        if (implausible := BLUEPRINT_BOUND.problem(n)) is not None:
            raise UserError(f"blueprint {code}: cell {objective} x {level}: the item count: {implausible}")
    if (implausible := BLUEPRINT_BOUND.problem(total_points)) is not None:
        raise UserError(f"blueprint {code}: total points: {implausible}")
    latest = latest_version(session, Blueprint, code)
    blueprint = Blueprint(
        specification=spec,
        code=code,
        version=(latest.version + 1) if latest else 1,
        name=name,
        total_items=sum(cells.values()),
        total_points=Decimal(total_points),
        duration_minutes=duration_minutes,
    )
    for (objective, level), n in cells.items():
        if n < 0:
            raise UserError(f"blueprint {code}: cell {objective} x {level} has a negative count {n}")
        blueprint.cells.append(BlueprintCell(
            objective=get_tag(session, spec.id, Dimension.OBJECTIVE, objective),
            level=get_tag(session, spec.id, Dimension.LEVEL, level),
            n_items=n,
        ))
    session.add(blueprint)
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="blueprint", entity_id=code,
                 detail={"version": blueprint.version, "total_items": blueprint.total_items})
    return blueprint


def list_blueprints(session: Session) -> list[Blueprint]:
    """Every version of every blueprint, by code and version."""
    return list(session.scalars(select(Blueprint).order_by(Blueprint.code, Blueprint.version)))


def blueprint_grid(blueprint: Blueprint) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """The blueprint as the objective x level grid a committee reads: the objective codes (rows),
    the level codes (columns) and the item count of each cell."""
    counts = {(c.objective.code, c.level.code): c.n_items for c in blueprint.cells}
    objectives = sorted({o for o, _ in counts})
    levels = sorted({lv for _, lv in counts})
    return objectives, levels, counts


def get_blueprint(session: Session, code: str, version: int | None = None) -> Blueprint:
    return get_versioned(session, Blueprint, code, version, what="blueprint")


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
    rows = read_blueprint_table(Path(path), known=known_names(session, spec))
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


def known_names(session: Session, spec: TestSpecification) -> KnownNames:
    """What a blueprint of ``spec`` may name: the columns of the pool
    (:func:`itembank.services.forms.load_pool`: :data:`~itembank.assembly.POOL_COLUMNS` and
    ``language``), its number columns for sums and means, and the specification's tag codes
    per dimension for conditions on ``objective``, ``level`` and ``topic``."""
    codes: dict[str, list[str]] = {d.value: [] for d in Dimension}
    for dimension, tag_code in session.execute(
            select(Tag.dimension, Tag.code).where(Tag.specification_id == spec.id).order_by(Tag.code)):
        codes[Dimension(dimension).value].append(tag_code)
    return KnownNames((*POOL_COLUMNS, "language"), NUMBER_COLUMNS,
                      {d: c for d, c in codes.items() if d in POOL_COLUMNS})


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
