"""The blueprint as a constraint table, and its small, safe condition language.

A blueprint is a list of :class:`BlueprintConstraint` rows, exactly the table a committee
keeps in a spreadsheet (see :mod:`itembank.io.blueprint_files`)::

    id          type   counts  condition                    lower  upper  on
    LO1/apply   count  items   objective=LO1; level=apply   3      3      yes
    total       count  items                                40     40     yes
    points      sum    points                               40     40     yes
    mean_p      mean   p                                    0.55   0.75   yes

Every row holds on every form.

* ``count`` — the number of items on the form that match ``condition``;
  ``counts`` is ``items`` (or blank).
* ``sum`` — the sum of the numeric pool column ``counts`` (e.g. ``points``) over
  the matching items.
* ``mean`` — the mean of the numeric pool column ``counts`` over the matching items *that
  have a value* (items with a missing value, e.g. no p-value yet, are left out of the mean;
  a form with no such item meets the row trivially).

Condition language (no ``eval``): clauses joined by ``;`` and all of them must hold.
A clause is ``column=value``, ``column!=value``, ``column in a, b, c`` or
``column not in a, b, c``. Blank or ``*`` means every item. Matching ignores case and
surrounding spaces; a numeric pool column is compared as a number (``level=1`` matches
``1.0``). A missing pool value never equals anything (so ``!=`` and ``not in`` match it).

What a row may name is checked against :class:`KnownNames` when a blueprint is stored: a
condition only columns the pool has (a typo such as ``objectiv`` would otherwise make a row
that no item ever meets), a tag column only codes of the specification, and a ``sum`` or
``mean`` only a number column of the pool (:data:`NUMBER_COLUMNS`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from itembank.assembly.errors import AssemblyInputError

__all__ = [
    "CONSTRAINT_TYPES",
    "NUMBER_COLUMNS",
    "KnownNames",
    "BlueprintConstraint",
    "Clause",
    "Condition",
    "blueprint_from_cells",
    "parse_condition",
]

CONSTRAINT_TYPES = ("count", "sum", "mean")

NUMBER_COLUMNS = ("points", "p", "a", "b", "c", "times_used", "forms_since_last_use", "exposure_rate")
"""The pool's number columns: what a ``sum`` or ``mean`` row may add up (see
:data:`itembank.assembly.pool.POOL_COLUMNS` for every column)."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CLAUSE = re.compile(
    r"^\s*(?P<col>[^\s=!]+)\s*(?:(?P<op>!=|=)\s*(?P<val>.*?)|\s+(?P<inop>not\s+in|in)\s+(?P<list>.*?))\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Clause:
    """One condition clause: ``column op values`` with ``op`` in ``=``, ``!=``, ``in``, ``not in``."""

    column: str
    op: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        if self.op in ("=", "!="):
            return f"{self.column}{self.op}{self.values[0]}"
        return f"{self.column} {self.op} {', '.join(self.values)}"


@dataclass(frozen=True)
class Condition:
    """An AND of :class:`Clause`; no clauses means "every item"."""

    clauses: tuple[Clause, ...] = ()

    def __str__(self) -> str:
        return "; ".join(str(c) for c in self.clauses)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.clauses)

    def mask(self, pool: pd.DataFrame) -> np.ndarray:
        """Boolean array over ``pool`` rows: which items meet every clause."""
        out = np.ones(len(pool), dtype=bool)
        for clause in self.clauses:
            if clause.column not in pool.columns:
                raise AssemblyInputError(
                    f"condition '{self}' uses column '{clause.column}', which the pool does not have "
                    f"(pool columns: {', '.join(map(str, pool.columns))})"
                )
            hit = _matches(pool[clause.column], clause.values)
            out &= hit if clause.op in ("=", "in") else ~hit
        return out


def _norm(value: object) -> str:
    return str(value).strip().casefold()


def _matches(column: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    """Elementwise "column value is one of ``values``"; missing never matches."""
    missing = column.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        numbers = []
        for v in values:
            try:
                numbers.append(float(v))
            except ValueError:
                continue  # a word can never equal a number: that value matches nothing
        arr = column.to_numpy(dtype=float)
        hit = np.isin(arr, np.array(numbers, dtype=float)) if numbers else np.zeros(len(arr), bool)
    else:
        wanted = {_norm(v) for v in values}
        hit = np.array([(not m) and _norm(v) in wanted for v, m in zip(column.tolist(), missing)], dtype=bool)
    return hit & ~missing


def parse_condition(text: object) -> Condition:
    """Parse the condition cell of a constraint row (see the module docstring for the grammar).

    Raises ``ValueError`` with the offending clause, so file readers can add row and column.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return Condition()
    s = str(text).strip()
    if s in ("", "*"):
        return Condition()
    clauses = []
    for part in s.split(";"):
        if not part.strip():
            continue
        m = _CLAUSE.match(part)
        if m is None:
            raise ValueError(
                f"cannot read condition clause '{part.strip()}': write column=value, column!=value, "
                "column in a, b or column not in a, b"
            )
        col = m.group("col")
        if not _NAME.match(col):
            raise ValueError(f"'{col}' in clause '{part.strip()}' is not a column name")
        if m.group("op"):
            val = m.group("val").strip().strip("'\"")
            if val.startswith(("=", "!")):
                raise ValueError(f"cannot read condition clause '{part.strip()}': write column=value or column!=value")
            if val == "":
                raise ValueError(f"clause '{part.strip()}' has no value after '{m.group('op')}'")
            clauses.append(Clause(col, m.group("op"), (val,)))
        else:
            op = "not in" if m.group("inop").lower().startswith("not") else "in"
            raw = m.group("list").strip()
            if raw.startswith("(") and raw.endswith(")"):
                raw = raw[1:-1]
            vals = tuple(v.strip().strip("'\"") for v in raw.split(",") if v.strip())
            if not vals:
                raise ValueError(f"clause '{part.strip()}' has an empty list after '{op}'")
            clauses.append(Clause(col, op, vals))
    return Condition(tuple(clauses))


@dataclass(frozen=True)
class BlueprintConstraint:
    """One row of the blueprint constraint table; it must hold on every form.

    ``lower``/``upper`` are inclusive; ``None`` means unbounded on that side.
    """

    id: str
    type: str
    counts: str = "items"
    condition: Condition = field(default_factory=Condition)
    lower: float | None = None
    upper: float | None = None
    on: bool = True

    def __post_init__(self) -> None:
        if not str(self.id).strip():
            raise AssemblyInputError("a blueprint constraint has an empty id")
        if self.type not in CONSTRAINT_TYPES:
            raise AssemblyInputError(
                f"constraint '{self.id}': type '{self.type}' is not one of {', '.join(CONSTRAINT_TYPES)}"
            )
        if isinstance(self.condition, str):
            try:
                object.__setattr__(self, "condition", parse_condition(self.condition))
            except ValueError as exc:
                raise AssemblyInputError(f"constraint '{self.id}': {exc}") from None
        if self.type == "count":
            if str(self.counts).strip().lower() not in ("", "items"):
                raise AssemblyInputError(
                    f"constraint '{self.id}': a count constraint counts 'items', not '{self.counts}'"
                )
            object.__setattr__(self, "counts", "items")
        elif not _NAME.match(str(self.counts)) or str(self.counts).lower() == "items":
            raise AssemblyInputError(
                f"constraint '{self.id}': a {self.type} constraint needs a pool column in 'counts' "
                f"(e.g. points, time, p), got '{self.counts}'"
            )
        if self.lower is None and self.upper is None:
            raise AssemblyInputError(f"constraint '{self.id}' has neither a lower nor an upper bound")
        for side in ("lower", "upper"):
            v = getattr(self, side)
            if v is not None and not math.isfinite(float(v)):
                raise AssemblyInputError(f"constraint '{self.id}': {side} bound {v!r} is not a finite number")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise AssemblyInputError(
                f"constraint '{self.id}': lower bound {self.lower:g} is above upper bound {self.upper:g}"
            )

    @property
    def is_cell(self) -> bool:
        """A counting row with a positive minimum: what gap and infeasibility reports list."""
        return self.type == "count" and (self.lower or 0) > 0

    def describe(self) -> str:
        """Committee wording, e.g. ``items with objective=LO1; level=apply``."""
        what = "items" if self.type == "count" else f"{self.type} of {self.counts}"
        cond = str(self.condition)
        return f"{what} with {cond}" if cond else f"{what} (whole form)"


def blueprint_from_cells(
    cells: Mapping[tuple[str, str], int] | pd.DataFrame,
    *,
    total_items: int,
    total_points: float | None = None,
    max_time: float | None = None,
) -> list[BlueprintConstraint]:
    """Build the constraint table from the classic objective x level matrix.

    ``cells`` is either ``{(objective, level): count}`` or a DataFrame with objectives as
    index and levels as columns (a toetsmatrijs as committees draw it). Each non-zero cell
    becomes an exact ``count`` row with id ``objective/level``; then ``total_items`` (exact),
    ``total_points`` (exact sum of ``points``) and ``max_time`` (upper bound on the sum of a
    pool column ``time``) when given. Zero cells are left out (items of that cell may still
    fill the total when the cells sum to less than ``total_items``).
    """
    if isinstance(cells, pd.DataFrame):
        pairs = {
            (str(obj), str(lvl)): cells.loc[obj, lvl] for obj in cells.index for lvl in cells.columns
        }
    else:
        pairs = dict(cells)
    rows: list[BlueprintConstraint] = []
    total = 0
    for (obj, lvl), n in sorted(pairs.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        if pd.isna(n) or float(n) != int(float(n)) or int(float(n)) < 0:
            raise AssemblyInputError(f"cell {obj} x {lvl}: count {n!r} is not a whole number >= 0")
        n = int(float(n))
        total += n
        if n == 0:
            continue
        cond = Condition((Clause("objective", "=", (str(obj),)), Clause("level", "=", (str(lvl),))))
        rows.append(BlueprintConstraint(f"{obj}/{lvl}", "count", "items", cond, n, n))
    if total > total_items:
        raise AssemblyInputError(f"the cells add up to {total} items, more than total_items={total_items}")
    rows.append(BlueprintConstraint("total_items", "count", "items", Condition(), total_items, total_items))
    if total_points is not None:
        rows.append(BlueprintConstraint("total_points", "sum", "points", Condition(), total_points, total_points))
    if max_time is not None:
        rows.append(BlueprintConstraint("max_time", "sum", "time", Condition(), None, max_time))
    return rows


@dataclass(frozen=True)
class KnownNames:
    """What the rows of a blueprint may name: ``columns`` a condition may test (the pool's),
    ``numbers`` a ``sum``/``mean`` may add up, and per tag column (``objective``, ``level``,
    ``topic``) the codes the specification has (compared ignoring case, like the matching).

    >>> known = KnownNames(("objective", "points"), ("points",), {"objective": ("LO1", "LO2")})
    >>> known.problems(BlueprintConstraint("r", "count", "items", "objectiv=LO2", 1, 1))
    [('condition', "unknown column 'objectiv' in 'objectiv=LO2'; expected one of objective, points")]
    >>> known.problems(BlueprintConstraint("r", "sum", "time", "objective=lo1", None, 60))
    [('counts', "unknown number column 'time'; a sum adds up one of points")]
    """

    columns: tuple[str, ...]
    numbers: tuple[str, ...]
    codes: Mapping[str, Collection[str]] = field(default_factory=dict)

    def problems(self, row: BlueprintConstraint) -> list[tuple[str, str]]:
        """(table column, what is wrong) for every name in ``row`` that is not known."""
        out: list[tuple[str, str]] = []
        for clause in row.condition.clauses:
            if clause.column not in self.columns:
                out.append(("condition", f"unknown column '{clause.column}' in '{clause}'; "
                                         f"expected one of {', '.join(self.columns)}"))
            elif clause.column in self.codes:
                known = {_norm(c) for c in self.codes[clause.column]}
                unknown = [v for v in clause.values if _norm(v) not in known]
                if unknown:
                    listed = ", ".join(sorted(self.codes[clause.column])) or "none"
                    out.append(("condition", f"unknown {clause.column} code '{unknown[0]}' in '{clause}'; "
                                             f"the specification has {listed}"))
        if row.type in ("sum", "mean") and row.counts not in self.numbers:
            out.append(("counts", f"unknown number column '{row.counts}'; a {row.type} adds up one of "
                                  f"{', '.join(self.numbers)}"))
        return out
