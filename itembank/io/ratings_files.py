"""The judges' ratings file for Angoff and Nedelsky standard setting (CSV or XLSX).

One row per judge, one column per item of the sitting's form::

    judge,VCA-LO1-K-01,VCA-LO1-K-02,...
    J1,0.6,0.75,...
    J2,0,65,0,8,...          (a decimal comma is fine: itembank/io/numbers.py)

* ``angoff``: each cell is the probability (0 to 1) that a borderline candidate answers the
  item correctly (``analysis.standard_setting.angoff``, ``scale="probability"``);
* ``nedelsky``: each cell is the number of wrong options the borderline candidate can rule
  out, a whole number from 0 to the item's number of options minus 1
  (``analysis.standard_setting.nedelsky``).

Every item that counts needs a column (a voided item may be left out); the file is read with
the one table reader (:func:`itembank.io.tables.read_table`) and is accepted whole or not at
all: every problem names the file, row and column and says what was expected.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import Collection, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Literal

import pandas as pd

from itembank.errors import InputFileError, Problem
from itembank.io.numbers import parse_number
from itembank.io.tables import read_table

__all__ = ["JUDGE", "RatingsKind", "read_ratings", "read_ratings_upload"]

JUDGE = "judge"
RatingsKind = Literal["angoff", "nedelsky"]


def _cell(text: str, kind: RatingsKind, options: int) -> Fraction:
    """One rating; ``ValueError`` with what was expected."""
    if kind == "angoff":
        expected = "a probability from 0 to 1 (e.g. 0.65 or 0,65)"
    else:
        expected = f"a whole number of options ruled out, from 0 to {options - 1}"
    if not text:
        raise ValueError(f"no rating; expected {expected}")
    try:
        value = Fraction(parse_number(text))
    except ValueError:
        raise ValueError(f"expected {expected}, got '{text}'") from None
    upper = 1 if kind == "angoff" else options - 1
    if not 0 <= value <= upper or (kind == "nedelsky" and value.denominator != 1):
        raise ValueError(f"expected {expected}, got '{text}'")
    return value


def read_ratings(path: str | os.PathLike[str], *, kind: RatingsKind, options: Mapping[str, int],
                 optional: Collection[str] = ()) -> pd.DataFrame:
    """The judges x items ratings in ``path`` (index: judge, columns: items, cells: Fractions).

    ``options`` maps every item of the form to its number of options (used by ``nedelsky``);
    ``optional`` names items that may be left out (the voided ones). Raises one
    :class:`~itembank.errors.InputFileError` listing every problem.
    """
    table = read_table(path)
    problems: list[Problem] = []
    if JUDGE not in table.header:
        problems.append(table.problem(1, JUDGE, "required column is missing: the first column names the judge"))
    unknown = [h for h in table.header if h != JUDGE and h not in options]
    problems += [table.problem(1, h or None, "not an item of this sitting's form; expected the item codes "
                                             "as column names") for h in unknown]
    missing = [item for item in options if item not in table.header and item not in optional]
    problems += [table.problem(1, item, "no column for this item: every item that counts needs a rating")
                 for item in missing]
    items = [h for h in table.header if h in options]
    if not table.rows:
        problems.append(table.problem(None, None, "no judges: expected one row per judge"))
    judges: dict[str, int] = {}
    values: dict[str, dict[str, Fraction]] = {}
    for number, cells in table.rows:
        judge = cells.get(JUDGE, "")
        if JUDGE in table.header and not judge:
            problems.append(table.problem(number, JUDGE, "the judge is not named"))
        elif judge in judges:
            problems.append(table.problem(number, JUDGE, f"judge '{judge}' also has row {judges[judge]}"))
        judges.setdefault(judge, number)
        row: dict[str, Fraction] = {}
        for item in items:
            try:
                row[item] = _cell(cells.get(item, ""), kind, options[item])
            except ValueError as exc:
                problems.append(table.problem(number, item, str(exc)))
        values[judge or f"row {number}"] = row
    if problems:
        raise InputFileError(problems)
    return pd.DataFrame.from_dict(values, orient="index", columns=items, dtype=object).rename_axis(JUDGE)


def read_ratings_upload(filename: str, contents: str, *, kind: RatingsKind, options: Mapping[str, int],
                        optional: Collection[str] = ()) -> pd.DataFrame:
    """:func:`read_ratings` for a file uploaded in the browser (``contents`` as a data URL,
    ``data:<type>;base64,<data>``), read under its own name so messages name it."""
    name = Path((filename or "ratings.csv").replace("\\", "/")).name
    if not name or len(name.encode("utf-8")) > 200:  # not a name the file system takes
        name = "ratings" + Path(name).suffix[:8]
    try:
        data = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, ValueError, binascii.Error):
        raise InputFileError([Problem(name, None, None, "the upload could not be read; choose the file again")]) from None
    with tempfile.TemporaryDirectory(prefix="itembank-ratings-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return read_ratings(path, kind=kind, options=options, optional=optional)
