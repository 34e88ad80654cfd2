"""Read and write the blueprint constraint table (CSV or XLSX) that committees keep in a spreadsheet.

Columns, in this order (header names are matched case-insensitively, surrounding spaces
ignored; extra columns such as ``note`` are kept out of the model and ignored):

=========  ====================================================================================
id         unique name of the row, e.g. ``LO1/apply`` or ``total_points``
type       ``count`` (items), ``sum`` (of a pool column) or ``mean`` (of a pool column)
counts     ``items`` for ``count``; the pool's number column for ``sum``/``mean`` (``points``, ``p``)
condition  which items the row is about, e.g. ``objective=LO1; level=apply``; blank = all items
lower      inclusive minimum per form (blank = none)
upper      inclusive maximum per form (blank = none)
on         ``yes``/``no`` (also ``true``/``false``, ``1``/``0``, ``on``/``off``); blank = yes
=========  ====================================================================================

Files are read and written by :mod:`itembank.io.tables` (CSV with comma or semicolon, XLSX;
atomic writes); ``lower``/``upper`` accept a decimal comma (:mod:`itembank.io.numbers`).
Reading checks every row and raises :class:`~itembank.errors.InputFileError` listing every
problem with file, row (as the spreadsheet numbers it, header = row 1) and column; nothing is
returned from a file with a problem. The condition grammar is in
:mod:`itembank.assembly.blueprint`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from itembank.assembly.blueprint import CONSTRAINT_TYPES, BlueprintConstraint, KnownNames, parse_condition
from itembank.errors import InputFileError, Problem
from itembank.io.numbers import BLUEPRINT_BOUND, parse_number
from itembank.io.tables import Column, Table, parse_cells, read_table, write_table

__all__ = ["TABLE_COLUMNS", "blueprint_to_frame", "read_blueprint_table", "write_blueprint_table"]

TABLE_COLUMNS = ("id", "type", "counts", "condition", "lower", "upper", "on")
_TRUE = {"", "yes", "y", "true", "1", "on", "ja", "j"}
_FALSE = {"no", "n", "false", "0", "off", "nee"}


def _kind(text: str) -> str:
    kind = text.lower()
    if kind not in CONSTRAINT_TYPES:
        raise ValueError(f"'{text}' is not one of {', '.join(CONSTRAINT_TYPES)}")
    return kind


def _bound_cell(text: str) -> float | None:
    if not text:
        return None
    try:
        value = parse_number(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    BLUEPRINT_BOUND.check(value)
    return float(value)


def _switch(text: str) -> bool:
    if text.lower() not in _TRUE | _FALSE:
        raise ValueError(f"'{text}' is not yes/no")
    return text.lower() in _TRUE


def _condition(text: str) -> object:
    return parse_condition(text)


COLUMNS: tuple[Column, ...] = (
    Column("id", required=True),
    Column("type", required=True, parse=_kind),
    Column("counts", required=True, default="items"),
    Column("condition", required=True, parse=_condition),
    Column("lower", required=True, parse=_bound_cell),
    Column("upper", required=True, parse=_bound_cell),
    Column("on", parse=_switch),
)
"""The constraint table's columns, declared: what each accepts and what an empty cell means."""


def _lower_case_header(table: Table) -> Table:
    """Header names matched case-insensitively; columns the format does not know are dropped."""
    names = {h: h.strip().lower() for h in table.header}
    known = {c.name for c in COLUMNS}
    rows = [(n, {names[h]: v for h, v in cells.items() if names[h] in known}) for n, cells in table.rows]
    return Table(table.name, [names[h] for h in table.header], rows)


def _check_combination(table: Table, number: int, values: dict[str, Any], failed: set[str]) -> list[Problem]:
    """What one row's cells must satisfy together: counts fits type, at least one bound,
    lower not above upper."""
    problems = []
    kind, counts = values.get("type"), values["counts"]
    if kind in ("sum", "mean") and counts.lower() == "items":
        problems.append(table.problem(number, "counts", f"a {kind} row needs the number column it adds up (e.g. points, p)"))
    if kind == "count" and counts.lower() != "items":
        problems.append(table.problem(number, "counts", f"a count row counts 'items', not '{counts}'"))
    lower, upper = values.get("lower"), values.get("upper")
    if lower is None and upper is None and not failed & {"lower", "upper"}:
        problems.append(table.problem(number, "lower", "the row has neither a lower nor an upper bound"))
    elif lower is not None and upper is not None and lower > upper:
        problems.append(table.problem(number, "upper", f"upper {upper:g} is below lower {lower:g}"))
    if kind == "count":
        for side in ("lower", "upper"):
            bound = values.get(side)
            if bound is not None and not float(bound).is_integer():
                problems.append(table.problem(number, side, f"a count row counts whole items, got {bound:g}"))
    return problems


def read_blueprint_table(path: str | Path, *, known: KnownNames | None = None) -> list[BlueprintConstraint]:
    """Read a blueprint constraint table from ``path`` (``.csv`` or ``.xlsx``, first sheet).

    Bounds must lie in :data:`~itembank.io.numbers.BLUEPRINT_BOUND` (a count row's in whole
    items) and ``lower`` must not exceed ``upper``. With ``known``, every condition column,
    tag code and summed column must be one the pool and specification have
    (:class:`~itembank.assembly.blueprint.KnownNames`), each problem on its row."""
    table = _lower_case_header(read_table(path))
    missing = [c.name for c in COLUMNS if c.required and c.name not in table.header]
    if missing:
        found = ", ".join(h for h in table.header if h) or "no names"
        raise InputFileError([table.problem(1, c, f"required column is missing; the header row has {found}")
                              for c in missing])
    problems: list[Problem] = []
    rows: list[BlueprintConstraint] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        if not any(cells.values()):
            continue  # a row with text only in ignored columns, e.g. a note
        values, row_problems = parse_cells(table, number, cells, COLUMNS)
        cid = values["id"]
        if not cid:
            row_problems.insert(0, table.problem(number, "id", "is empty; every constraint needs a name"))
        elif cid in seen:
            row_problems.insert(0, table.problem(number, "id", f"'{cid}' already used in row {seen[cid]}"))
        else:
            seen[cid] = number
        row_problems += _check_combination(table, number, values, {p.column for p in row_problems if p.column})
        problems += row_problems
        if not row_problems:
            row = BlueprintConstraint(cid, values["type"], values["counts"], values["condition"],
                                      values["lower"], values["upper"], values["on"])
            unknown = known.problems(row) if known is not None else []
            problems += [table.problem(number, column, message) for column, message in unknown]
            rows.append(row)
    if problems:
        raise InputFileError(problems)
    if not rows:
        raise InputFileError([table.problem(None, None, "the file has no constraint rows (only a header row)")])
    return rows


def _bound(v: float | None) -> float | int | None:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else float(v)


def blueprint_to_frame(constraints: Sequence[BlueprintConstraint]) -> pd.DataFrame:
    """The constraint table as a DataFrame with the columns of :data:`TABLE_COLUMNS`."""
    records = [
        [c.id, c.type, c.counts, str(c.condition), _bound(c.lower), _bound(c.upper), "yes" if c.on else "no"]
        for c in constraints
    ]
    # object dtype keeps whole-number bounds as 2, not 2.0, in the committee's spreadsheet
    return pd.DataFrame(records, columns=list(TABLE_COLUMNS), dtype=object)


def write_blueprint_table(constraints: Sequence[BlueprintConstraint], path: str | Path) -> Path:
    """Write the constraint table to ``path`` (``.csv`` or ``.xlsx``) atomically; returns the path.

    Reading the file back gives equal constraints (round trip). Bounds are numbers (whole
    numbers without ``.0``); in XLSX they are number cells and every text stays text.
    """
    frame = blueprint_to_frame(constraints)
    rows = [[None if v is None else v for v in record] for record in frame.itertuples(index=False, name=None)]
    return write_table(path, list(frame.columns), rows, sheet_name="blueprint", line_end="\n")
