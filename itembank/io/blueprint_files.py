"""Read and write the blueprint constraint table (CSV or XLSX) that committees keep in a spreadsheet.

Columns, in this order (header names are matched case-insensitively, surrounding spaces
ignored; extra columns such as ``note`` are kept out of the model and ignored):

=========  ====================================================================================
id         unique name of the row, e.g. ``LO1/apply`` or ``total_points``
type       ``count`` (items), ``sum`` (of a pool column) or ``mean`` (of a pool column)
counts     ``items`` for ``count``; the pool column for ``sum``/``mean`` (``points``, ``time``, ``p``)
condition  which items the row is about, e.g. ``objective=LO1; level=apply``; blank = all items
lower      inclusive minimum per form (blank = none)
upper      inclusive maximum per form (blank = none)
on         ``yes``/``no`` (also ``true``/``false``, ``1``/``0``, ``on``/``off``); blank = yes
=========  ====================================================================================

Reading checks every row and raises :class:`~itembank.errors.InputFileError` listing every
problem with file, row (as the spreadsheet numbers it, header = row 1) and column; nothing is
returned from a file with a problem. The condition grammar is in
:mod:`itembank.assembly.blueprint`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from itembank.assembly.blueprint import CONSTRAINT_TYPES, BlueprintConstraint, parse_condition
from itembank.errors import InputFileError, Problem, UserError

__all__ = ["TABLE_COLUMNS", "blueprint_to_frame", "read_blueprint_table", "write_blueprint_table"]

TABLE_COLUMNS = ("id", "type", "counts", "condition", "lower", "upper", "on")
_TRUE = {"", "yes", "y", "true", "1", "on", "ja", "j"}
_FALSE = {"no", "n", "false", "0", "off", "nee"}


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _number(v: object) -> float:
    if isinstance(v, bool):
        raise ValueError
    if isinstance(v, str):
        v = v.strip().replace(",", ".") if v.count(",") == 1 and "." not in v else v.strip()
    x = float(v)  # type: ignore[arg-type]
    if not math.isfinite(x):
        raise ValueError
    return x


def _read_raw(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=True)
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=object, engine="openpyxl")
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except (ValueError, OSError, KeyError, pd.errors.ParserError) as exc:
        raise InputFileError([Problem(str(path), None, None, f"cannot be read as {suffix[1:].upper()}: {exc}")]) from None
    raise InputFileError([Problem(str(path), None, None, "must be a .csv or .xlsx file")])


def read_blueprint_table(path: str | Path) -> list[BlueprintConstraint]:
    """Read a blueprint constraint table from ``path`` (``.csv`` or ``.xlsx``, first sheet)."""
    path = Path(path)
    raw = _read_raw(path)
    name = str(path)
    header = {str(c).strip().lower(): c for c in raw.columns}
    missing = [c for c in TABLE_COLUMNS if c not in header and c != "on"]
    if missing:
        raise InputFileError([Problem(name, 1, c, "required column is missing") for c in missing])
    problems: list[Problem] = []
    rows: list[BlueprintConstraint] = []
    seen: dict[str, int] = {}
    for k, rec in enumerate(raw.to_dict("records")):
        row = k + 2  # header is row 1
        cell = {c: rec.get(header[c]) if c in header else None for c in TABLE_COLUMNS}
        if all(_blank(v) for v in cell.values()):
            continue  # spreadsheets keep empty rows at the end
        before = len(problems)

        def bad(col: str, msg: str) -> None:
            problems.append(Problem(name, row, col, msg))

        cid = "" if _blank(cell["id"]) else str(cell["id"]).strip()
        if not cid:
            bad("id", "is empty; every constraint needs a name")
        elif cid in seen:
            bad("id", f"'{cid}' already used in row {seen[cid]}")
        else:
            seen[cid] = row
        ctype = "" if _blank(cell["type"]) else str(cell["type"]).strip().lower()
        if ctype not in CONSTRAINT_TYPES:
            bad("type", f"'{cell['type']}' is not one of {', '.join(CONSTRAINT_TYPES)}")
        counts = "items" if _blank(cell["counts"]) else str(cell["counts"]).strip()
        if ctype in ("sum", "mean") and counts.lower() == "items":
            bad("counts", f"a {ctype} row needs the column it adds up (e.g. points, time, p)")
        if ctype == "count" and counts.lower() != "items":
            bad("counts", f"a count row counts 'items', not '{counts}'")
        try:
            cond = parse_condition(cell["condition"])
        except ValueError as exc:
            bad("condition", str(exc))
            cond = None
        bounds: dict[str, float | None] = {}
        for side in ("lower", "upper"):
            v = cell[side]
            if _blank(v):
                bounds[side] = None
                continue
            try:
                bounds[side] = _number(v)
            except (TypeError, ValueError):
                bad(side, f"'{v}' is not a number")
                bounds[side] = None
        if bounds.get("lower") is None and bounds.get("upper") is None and not any(p.column in ("lower", "upper") and p.row == row for p in problems):
            bad("lower", "the row has neither a lower nor an upper bound")
        elif bounds.get("lower") is not None and bounds.get("upper") is not None and bounds["lower"] > bounds["upper"]:  # type: ignore[operator]
            bad("upper", f"upper {bounds['upper']:g} is below lower {bounds['lower']:g}")
        on_raw = "" if _blank(cell["on"]) else str(cell["on"]).strip().lower()
        if on_raw not in _TRUE | _FALSE:
            bad("on", f"'{cell['on']}' is not yes/no")
        if len(problems) == before:
            rows.append(BlueprintConstraint(cid, ctype, counts, cond, bounds["lower"], bounds["upper"], on_raw in _TRUE))  # type: ignore[arg-type]
    if problems:
        raise InputFileError(problems)
    if not rows:
        raise InputFileError([Problem(name, None, None, "has no constraint rows")])
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
    """Write the constraint table to ``path`` (``.csv`` or ``.xlsx``); returns the path.

    Reading the file back gives equal constraints (round trip).
    """
    path = Path(path)
    frame = blueprint_to_frame(constraints)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False, sheet_name="blueprint", engine="openpyxl")
    else:
        raise UserError(f"{path}: the blueprint table must be written as .csv or .xlsx")
    return path
