"""Candidates' responses in and out of the bank as CSV/XLSX: the test system's export.

File layout (the scoring core's RESPONSES layout, see :mod:`itembank.io.scoring_files`):

* a header row; the column ``candidate`` holds the candidate id;
* one column per item code of the administration's form: a closed item's cell holds the
  chosen label(s) joined by ``|`` (``LABEL_SEPARATOR``), an open item's cell the points of
  the first grader (a decimal comma is accepted and stored as a point, see
  :mod:`itembank.io.numbers`);
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
from itembank.errors import InputFileError
from itembank.io.scoring_files import file_error, normalise_points
from itembank.io.tables import Matrix, read_matrix, write_table
from itembank.scoring import ResponseError, invalid_answers
from itembank.scoring.form import Form

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
    table = read_matrix(path)
    form_code = administrations.get_administration(session, administration).form.code
    form = administrations.scoring_form(session, administration)
    attributes = [a.strip() for a in attributes]
    _check_header(table, form, form_code, attributes)
    row_of = _check_candidates(table)
    columns = [h for h in table.header if h != CANDIDATE and h not in attributes]
    index = pd.Index(table.frame[CANDIDATE].astype(object), dtype=object)
    frame = normalise_points(table.frame[columns].set_axis(index, axis=0), form)
    attrs = table.frame[attributes].astype(object).set_axis(index, axis=0) if attributes else None
    try:
        stored = administrations.add_responses(session, administration, frame, attributes=attrs, actor=actor)
    except ResponseError as exc:
        raise file_error(exc, table.name, {cand: [row] for cand, row in row_of.items()}) from None
    return ResponseImport(table.name, administration, len(index), stored, invalid_answers(form, frame))


def _check_header(table: Matrix, form: Form, form_code: str, attributes: Sequence[str]) -> None:
    """The candidate column, every --attribute column, and no column that is not an item."""
    problems = []
    if CANDIDATE not in table.header:
        found = ", ".join(h for h in table.header if h) or "no names"
        problems.append(table.problem(1, CANDIDATE, f"required column '{CANDIDATE}' is missing; the header row has {found}"))
    problems += [table.problem(1, a, "attribute column (--attribute) is not in the file")
                 for a in attributes if a not in table.header]
    item_ids = set(form.item_ids)
    for column in table.header:
        if column != CANDIDATE and column not in attributes and column.partition("#")[0] not in item_ids:
            problems.append(table.problem(1, column or None, (
                f"not an item of form {form_code}; "
                "for a candidate attribute such as language or location, name it with --attribute")))
    if problems:
        # With foreign columns the file is often another form's: say what this form lacks too.
        present = set(table.header)
        problems += [table.problem(1, item, f"no column for this item of form {form_code}")
                     for item in form.item_ids if item not in present]
        raise InputFileError(problems)


def _check_candidates(table: Matrix) -> dict[str, int]:
    """Each candidate's row number; an empty or repeated candidate id is a problem."""
    problems = []
    row_of: dict[str, int] = {}
    for number, cand in zip(table.rows.tolist(), table.frame[CANDIDATE].astype(object).tolist()):
        if not cand:
            problems.append(table.problem(number, CANDIDATE, "empty candidate id"))
        elif cand in row_of:
            problems.append(table.problem(number, CANDIDATE, f"candidate {cand!r} already on row {row_of[cand]}"))
        else:
            row_of[cand] = number
    if not len(table.rows):
        problems.append(table.problem(None, None, "the file has no candidates (only a header row)"))
    if problems:
        raise InputFileError(problems)
    return row_of


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
