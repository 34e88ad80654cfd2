"""Candidates' responses in and out of the bank as CSV/XLSX: the test system's export.

File layout (the scoring core's RESPONSES layout, see :mod:`itembank.io.scoring_files`):

* a header row; the column ``candidate`` holds the candidate id;
* one column per item code of the administration's form: a closed item's cell holds the
  chosen label(s) joined by ``|``, an open item's cell the points of the first grader;
  ``<item>#2``, ``<item>#3`` hold further graders' points; an empty cell = omitted;
* optionally, candidate attributes for DIF (language, location, ...): columns named with
  ``--attribute`` (``attributes=``); any other column is an error, so a misspelt item
  code is never silently dropped.

An import is all-or-nothing: every problem in the file is reported with its row (as a
spreadsheet shows it, header = row 1) and column, and nothing is written unless there are
none. An answer that is not an option is not an error: the scoring core counts it as
*invalid* and scores it 0 (DESIGN §5); the import report says how many there are per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd
from sqlalchemy.orm import Session

from itembank.services import administrations
from itembank.errors import InputFileError, Problem
from itembank.io.item_files import read_table, write_table
from itembank.scoring import ResponseError, invalid_answers
from itembank.io.scoring_files import file_error

__all__ = ["ResponseImport", "import_responses", "export_responses"]

CANDIDATE = "candidate"


@dataclass(frozen=True)
class ResponseImport:
    """What an import stored."""

    file: str
    administration: str
    candidates: int
    responses: int
    invalid: dict[str, int]  # item code -> answers scored as invalid (see scoring.invalid_answers)


def import_responses(
    session: Session,
    administration: str,
    path: str | Path,
    *,
    actor: str,
    attributes: Sequence[str] = (),
) -> ResponseImport:
    """Read a responses file (CSV/XLSX) and store it for ``administration``, all or nothing."""
    path = Path(path)
    name = path.name
    header, rows = read_table(path)
    form_code = administrations.get_administration(session, administration).form.code
    form = administrations.scoring_form(session, administration)
    problems: list[Problem] = []
    if CANDIDATE not in header:
        problems.append(Problem(name, 1, None, f"required column '{CANDIDATE}' is missing"))
    attributes = [a.strip() for a in attributes]
    problems += [Problem(name, 1, a, "attribute column (--attribute) is not in the file")
                 for a in attributes if a not in header]
    if len(set(header)) != len(header):
        repeated = next(h for h in header if header.count(h) > 1)
        problems.append(Problem(name, 1, repeated, "the column name appears more than once"))
    item_ids = set(form.item_ids)
    for column in header:
        if column == CANDIDATE or column in attributes:
            continue
        if column.partition("#")[0] not in item_ids:
            problems.append(Problem(name, 1, column or None, (
                f"not an item of form {form_code}; "
                "for a candidate attribute such as language or location, name it with --attribute")))
    if problems:
        raise InputFileError(problems)

    row_of: dict[str, int] = {}
    for number, cells in rows:
        cand = cells[CANDIDATE].strip()
        if not cand:
            problems.append(Problem(name, number, CANDIDATE, "empty candidate id"))
        elif cand in row_of:
            problems.append(Problem(name, number, CANDIDATE, f"candidate {cand!r} already on row {row_of[cand]}"))
        else:
            row_of[cand] = number
    if not rows:
        problems.append(Problem(name, None, None, "the file has no candidates (only a header row)"))
    if problems:
        raise InputFileError(problems)

    columns = [h for h in header if h != CANDIDATE and h not in attributes]
    index = [cells[CANDIDATE].strip() for _, cells in rows]
    frame = pd.DataFrame([[cells[c] for c in columns] for _, cells in rows], index=index, columns=columns, dtype=object)
    attrs = pd.DataFrame([[cells[a].strip() for a in attributes] for _, cells in rows], index=index,
                         columns=attributes, dtype=object) if attributes else None
    try:
        stored = administrations.add_responses(session, administration, frame, attributes=attrs, actor=actor)
    except ResponseError as exc:
        raise file_error(exc, name, {cand: [row] for cand, row in row_of.items()}) from None
    return ResponseImport(name, administration, len(index), stored, invalid_answers(form, frame))


def export_responses(session: Session, administration: str, path: str | Path) -> int:
    """Write an administration's responses in the import layout; returns the candidates written.

    Candidate attributes are written after the item columns, so the file imports again
    with ``--attribute`` for each of them.
    """
    path = Path(path)
    wide = administrations.get_responses(session, administration)
    attrs = administrations.get_attributes(session, administration).reindex(wide.index)
    header = [CANDIDATE, *map(str, wide.columns), *map(str, attrs.columns)]
    body = pd.concat([wide, attrs], axis=1)
    rows = [[str(cand), *("" if v is None or (isinstance(v, float) and v != v) else str(v) for v in values)]
            for cand, values in zip(body.index, body.itertuples(index=False, name=None))]
    write_table(path, header, rows, sheet_name="responses")
    return len(rows)
