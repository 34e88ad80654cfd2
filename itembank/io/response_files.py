"""Candidates' responses in and out of the bank as CSV/XLSX: the test system's export.

Four layouts, chosen with ``layout=`` (``--layout``) or detected from the header row
(:func:`detect_layout`; the import report says which one was used and whether it was detected):

* **wide** (the scoring core's RESPONSES layout, see :mod:`itembank.io.scoring_files`): a
  header row; the column ``candidate`` holds the candidate id; one column per item code of
  the administration's form: a closed item's cell holds the chosen label(s) joined by ``|``
  (``LABEL_SEPARATOR``), an open item's cell the points of the first grader (a decimal comma
  is accepted and stored as a point, see :mod:`itembank.io.numbers`); ``<item>#2``,
  ``<item>#3`` hold further graders' points; an empty cell = omitted;
* **positions**: the same, with the item columns named by their position on the form
  (``1`` .. ``40`` or ``Q1`` .. ``Q40``; ``3#2`` / ``Q3#2`` for a second grader);
* **long**: one row per answer, columns ``candidate, item, response`` and optionally
  ``grader`` (empty = 1; 2, 3 ... for further graders of an open item). An answer without a
  row is omitted;
* **string**: a column ``responses`` holding one character per closed (mc/mr) item of the
  form in form order (``ABDCA...``, a scanner's export); ``-`` or a blank inside the string
  is an omitted answer; open items, if the form has any, come as their own item columns as
  in the wide layout.

Every layout may carry candidate attributes for DIF (language, location, ...) in columns
named with ``--attribute`` (``attributes=``); in the long layout an attribute must have one
value per candidate. Any other column is an error, so a misspelt item code is never
silently dropped.

Each layout is turned into the wide frame and stored by the one path
(:func:`itembank.services.administrations.add_responses`, whose checks are those of the
scoring core), so every layout is checked by the same rules; only the place a problem is
reported at is translated back to the file's own row and column. An import is
all-or-nothing: every problem in the file is reported with its row (as a spreadsheet shows
it, header = row 1) and column, and nothing is written unless there are none. An answer
that is not an option is not an error: the scoring core counts it as *invalid* and scores it
0 (DESIGN §5); the import report says how many there are per item.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from itembank.services import administrations
from itembank.errors import InputFileError, Problem
from itembank.io.scoring_files import file_error, normalise_points
from itembank.io.tables import Matrix, read_matrix, write_table
from itembank.scoring import ResponseError, invalid_answers
from itembank.scoring.form import Form

__all__ = ["ResponseImport", "LAYOUTS", "detect_layout", "import_responses", "export_responses"]

CANDIDATE = "candidate"
LAYOUTS = ("wide", "long", "positions", "string")
LONG_COLUMNS = (CANDIDATE, "item", "response", "grader")
STRING_COLUMN = "responses"
OMITTED_MARKS = ("-", " ")
"""Characters that mark an omitted answer inside a response string."""
_POSITION = re.compile(r"^[Qq]?([0-9]+)(?:#([0-9]+))?$")


@dataclass(frozen=True)
class ResponseImport:
    """What an import stored, and in which layout the file was read."""

    file: str
    administration: str
    candidates: int
    responses: int
    invalid: dict[str, int]  # item code -> answers scored as invalid (see scoring.invalid_answers)
    layout: str = "wide"
    detected: bool = False  # True: the layout was detected from the header, not given


@dataclass(frozen=True)
class _Wide:
    """A file in any layout as the wide frame ``add_responses`` takes, with ``place``: where a
    problem about (candidate, column of the frame) stands in the file."""

    frame: pd.DataFrame
    attributes: pd.DataFrame | None
    place: Callable[[ResponseError], InputFileError]


def detect_layout(header: Sequence[str], form: Form, attributes: Sequence[str] = ()) -> str:
    """The layout a header row is written in (see the module docstring).

    ``item`` and ``response`` columns: long; a ``responses`` column: string; every other
    column a position (``7``, ``Q7``) and none an item code: positions; anything else is read
    as wide, whose checks then name the columns that are not items. Positions are never
    guessed when the form's own item codes look like positions (``Q01``, ``7``): a header
    ``Q01,Q02,Q5`` is then a misspelt wide file, not positions; give ``--layout positions``
    to mean positions.
    """
    names = [h for h in header if h != CANDIDATE and h not in attributes]
    if "item" in names and "response" in names:
        return "long"
    if STRING_COLUMN in names:
        return "string"
    ids = set(form.item_ids)
    if any(h.partition("#")[0] in ids for h in names) or any(_POSITION.match(i) for i in ids):
        return "wide"
    if names and all(_POSITION.match(h) for h in names):
        return "positions"
    return "wide"


def import_responses(
    session: Session,
    administration: str,
    path: str | Path,
    *,
    actor: str,
    attributes: Sequence[str] = (),
    layout: str | None = None,
) -> ResponseImport:
    """Read a responses file (CSV/XLSX) and store it for ``administration``, all or nothing.

    ``layout`` is one of :data:`LAYOUTS`; ``None`` detects it (:func:`detect_layout`).
    """
    table = read_matrix(path)
    form_code = administrations.get_administration(session, administration).form.code
    form = administrations.scoring_form(session, administration)
    attributes = [a.strip() for a in attributes]
    if layout is not None and layout not in LAYOUTS:
        raise InputFileError([table.problem(None, None, f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")])
    chosen = layout or detect_layout(table.header, form, attributes)
    wide = _READERS[chosen](table, form, form_code, attributes)
    frame = normalise_points(wide.frame, form)
    try:
        stored = administrations.add_responses(session, administration, frame, attributes=wide.attributes, actor=actor)
    except ResponseError as exc:
        raise wide.place(exc) from None
    return ResponseImport(table.name, administration, len(frame.index), stored, invalid_answers(form, frame),
                          layout=chosen, detected=layout is None)


# --------------------------------------------------------------------------- wide and positions


def _read_wide(table: Matrix, form: Form, form_code: str, attributes: Sequence[str]) -> _Wide:
    _check_header(table, form, form_code, attributes)
    return _by_columns(table, form, attributes, {})


def _by_columns(table: Matrix, form: Form, attributes: Sequence[str], renamed: dict[str, str]) -> _Wide:
    """A wide-shaped file (one row per candidate): its columns, renamed to item codes by
    ``renamed`` (file column -> item column), and the translation of problems back."""
    row_of = _check_candidates(table)
    columns = [h for h in table.header if h != CANDIDATE and h not in attributes]
    index = pd.Index(table.frame[CANDIDATE].astype(object), dtype=object)
    frame = table.frame[columns].set_axis(index, axis=0).rename(columns=renamed)
    attrs = table.frame[attributes].astype(object).set_axis(index, axis=0) if attributes else None
    back = {item: column for column, item in renamed.items()}

    def place(exc: ResponseError) -> InputFileError:
        if back:
            exc = ResponseError([type(p)(p.candidate, back.get(p.column, p.column) if p.column else None, p.message)
                                 for p in exc.problems])
        return file_error(exc, table.name, {cand: [row] for cand, row in row_of.items()})

    return _Wide(frame, attrs, place)


def _check_header(table: Matrix, form: Form, form_code: str, attributes: Sequence[str]) -> None:
    """The candidate column, every --attribute column, and no column that is not an item."""
    problems = _candidate_and_attributes(table, attributes)
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


def _candidate_and_attributes(table: Matrix, attributes: Sequence[str]) -> list[Problem]:
    problems = []
    if CANDIDATE not in table.header:
        found = ", ".join(h for h in table.header if h) or "no names"
        problems.append(table.problem(1, CANDIDATE, f"required column '{CANDIDATE}' is missing; the header row has {found}"))
    problems += [table.problem(1, a, "attribute column (--attribute) is not in the file")
                 for a in attributes if a not in table.header]
    return problems


def _read_positions(table: Matrix, form: Form, form_code: str, attributes: Sequence[str]) -> _Wide:
    """Item columns named by form position: ``1`` .. ``N`` or ``Q1`` .. ``QN`` (``#g`` for graders)."""
    problems = _candidate_and_attributes(table, attributes)
    ids = list(form.item_ids)
    n = len(ids)
    renamed: dict[str, str] = {}
    seen: dict[str, str] = {}
    for column in table.header:
        if column == CANDIDATE or column in attributes:
            continue
        match = _POSITION.match(column)
        if match is None:
            problems.append(table.problem(1, column or None, (
                f"expected a position on form {form_code} (1 to {n}, or Q1 to Q{n}); for a candidate "
                "attribute such as language or location, name it with --attribute")))
            continue
        position, grader = int(match.group(1)), match.group(2)
        if not 1 <= position <= n:
            problems.append(table.problem(1, column, f"position {position} is not on form {form_code}, "
                                                     f"which has {n} items (positions 1 to {n})"))
            continue
        item = ids[position - 1] + (f"#{grader}" if grader else "")
        if item in seen:
            problems.append(table.problem(1, column, f"position {position} is also column '{seen[item]}'"))
            continue
        seen[item] = column
        renamed[column] = item
    if problems:
        raise InputFileError(problems)
    missing = [f"{k} ({item})" for k, item in enumerate(ids, start=1) if item not in seen]
    if missing:
        raise InputFileError([table.problem(1, None, f"no column for position {m} of form {form_code}")
                              for m in missing])
    return _by_columns(table, form, attributes, renamed)


# --------------------------------------------------------------------------- string


def _read_string(table: Matrix, form: Form, form_code: str, attributes: Sequence[str]) -> _Wide:
    """One response string per candidate for the closed items, in form order."""
    problems = _candidate_and_attributes(table, attributes)
    closed = [it for it in form.items if it.type != "open"]
    open_ids = {it.item for it in form.items if it.type == "open"}
    if STRING_COLUMN not in table.header:
        problems.append(table.problem(1, STRING_COLUMN, f"required column '{STRING_COLUMN}' is missing (the string layout)"))
    for column in table.header:
        if column in (CANDIDATE, STRING_COLUMN) or column in attributes:
            continue
        if column.partition("#")[0] not in open_ids:
            expected = (f"the open items' columns ({', '.join(sorted(open_ids))})" if open_ids
                        else f"no other columns (form {form_code} has no open items)")
            problems.append(table.problem(1, column or None, (
                f"not a column of the string layout: expected candidate, {STRING_COLUMN}, --attribute columns "
                f"and {expected}")))
    if not closed:
        problems.append(table.problem(1, STRING_COLUMN, (
            f"form {form_code} has no closed (mc/mr) items, so a response string has nothing to hold; "
            "use the wide or long layout")))
    long_labels = [(it.item, label) for it in closed for label in it.options if len(label) != 1]
    if long_labels:
        item, label = long_labels[0]
        problems.append(table.problem(1, STRING_COLUMN, (
            f"a response string holds one character per item, but item {item} has the option label {label!r}; "
            "use the wide or long layout")))
    present = set(table.header)
    problems += [table.problem(1, item, f"no column for this open item of form {form_code}")
                 for item in sorted(open_ids) if item not in present]
    if problems:
        raise InputFileError(problems)
    row_of = _check_candidates(table)
    strings = table.frame[STRING_COLUMN]
    categories = [str(c) for c in strings.cat.categories]
    n = len(closed)
    codes = strings.cat.codes.to_numpy()
    wrong = [k for k, text in enumerate(categories) if len(text) != n]
    if wrong:
        bad = np.flatnonzero(np.isin(codes, wrong))
        raise InputFileError([table.problem(int(table.rows[r]), STRING_COLUMN, (
            f"expected {n} answers (one character per closed item of form {form_code}, in form order; "
            f"'-' for an omitted answer), found {len(categories[codes[r]])}"))
            for r in bad])
    # One row of characters per *distinct* string, then each item column picks its character.
    chars = (np.array(categories, dtype=f"U{max(n, 1)}").view("U1").reshape(len(categories), n)
             if categories else np.empty((0, n), dtype="U1"))
    index = pd.Index(table.frame[CANDIDATE].astype(object), dtype=object)
    data: dict[str, object] = {}
    for j, it in enumerate(closed):
        answers = np.where(np.isin(chars[:, j], OMITTED_MARKS), "", chars[:, j]).astype(object)
        data[it.item] = pd.Categorical(answers[codes]) if len(codes) else pd.Categorical([])
    others = [h for h in table.header if h.partition("#")[0] in open_ids]
    frame = pd.DataFrame(data, index=index)
    for column in others:
        frame[column] = table.frame[column].set_axis(index, axis=0)
    attrs = table.frame[attributes].astype(object).set_axis(index, axis=0) if attributes else None
    position = {it.item: k for k, it in enumerate(closed, start=1)}

    def place(exc: ResponseError) -> InputFileError:
        moved = [type(p)(p.candidate, STRING_COLUMN, f"item {p.column} (answer {position[p.column]}): {p.message}")
                 if p.column in position else p for p in exc.problems]
        return file_error(ResponseError(moved), table.name, {cand: [row] for cand, row in row_of.items()})

    return _Wide(frame, attrs, place)


# --------------------------------------------------------------------------- long


def _read_long(table: Matrix, form: Form, form_code: str, attributes: Sequence[str]) -> _Wide:
    """One row per answer: ``candidate, item, response[, grader]``, pivoted to the wide frame.

    Vectorised on the reader's category codes: a national sitting's long file has millions
    of rows but few distinct items, graders and answers.
    """
    problems = [table.problem(1, c, f"required column '{c}' is missing (the long layout has "
                                    f"{', '.join(LONG_COLUMNS)})")
                for c in LONG_COLUMNS[:3] if c not in table.header]
    problems += [table.problem(1, a, "attribute column (--attribute) is not in the file")
                 for a in attributes if a not in table.header]
    problems += [table.problem(1, h or None, (
        f"not a column of the long layout: expected {', '.join(LONG_COLUMNS)}; for a candidate attribute "
        "such as language or location, name it with --attribute"))
        for h in table.header if h not in LONG_COLUMNS and h not in attributes]
    if problems:
        raise InputFileError(problems)
    rows = table.rows
    if not len(rows):
        raise InputFileError([table.problem(None, None, "the file has no answers (only a header row)")])
    cand = table.frame[CANDIDATE]
    cand_codes = cand.cat.codes.to_numpy()
    cand_names = [str(c) for c in cand.cat.categories]
    empty_cand = {k for k, c in enumerate(cand_names) if c == ""}
    problems += [table.problem(int(rows[r]), CANDIDATE, "empty candidate id")
                 for r in np.flatnonzero(np.isin(cand_codes, list(empty_cand)))]

    item_col = table.frame["item"]
    ids = list(form.item_ids)
    column_of_item = {item: k for k, item in enumerate(ids)}
    item_index = np.asarray([column_of_item.get(str(c), -1) for c in item_col.cat.categories] + [-1], dtype=np.int64)
    item_pos = item_index[item_col.cat.codes.to_numpy()]
    for r in np.flatnonzero(item_pos < 0):
        problems.append(table.problem(int(rows[r]), "item", (
            f"'{item_col.iloc[r]}' is not an item of form {form_code}" if item_col.iloc[r]
            else "empty item code")))

    grader = np.ones(len(rows), dtype=np.int64)
    if "grader" in table.header:
        g_col = table.frame["grader"]
        values = []
        for text in map(str, g_col.cat.categories):
            # 1..99: a grader number, never a size (it indexes a small lookup table below)
            values.append(1 if text == "" else int(text) if text.isdigit() and 1 <= int(text) <= 99 else -1)
        grader = np.asarray(values + [1], dtype=np.int64)[g_col.cat.codes.to_numpy()]
        for r in np.flatnonzero(grader < 0):
            problems.append(table.problem(int(rows[r]), "grader", (
                f"expected a grader number (1, 2, 3 ... up to 99; empty = 1), got '{g_col.iloc[r]}'")))
        is_open = np.asarray([form[i].type == "open" for i in ids] + [True], dtype=bool)
        closed_graded = np.flatnonzero((grader > 1) & ~is_open[item_pos])
        for r in closed_graded:
            item = ids[item_pos[r]]
            problems.append(table.problem(int(rows[r]), "grader", (
                f"grader {grader[r]} is only for open items; item {item} is {form[item].type}")))
    if problems:
        raise InputFileError(problems)

    # Columns: every item of the form (an answer without a row is omitted), then further graders.
    extra = sorted({(int(i), int(g)) for i, g in set(zip(item_pos[grader > 1].tolist(), grader[grader > 1].tolist()))})
    columns = ids + [f"{ids[i]}#{g}" for i, g in extra]
    column_of = {(k, 1): k for k in range(len(ids))} | {key: len(ids) + j for j, key in enumerate(extra)}
    keys = np.asarray(list(column_of), dtype=np.int64).reshape(-1, 2)
    lookup = np.full((len(ids), int(grader.max()) + 1), -1, dtype=np.int64)
    lookup[keys[:, 0], keys[:, 1]] = list(column_of.values())
    col_pos = lookup[item_pos, grader]

    # Candidates in the order of their first row.
    uniq, first = np.unique(cand_codes, return_index=True)
    order = np.argsort(first, kind="stable")
    uniq, first = uniq[order], first[order]
    cand_pos = np.full(len(cand_names), -1, dtype=np.int64)
    cand_pos[uniq] = np.arange(len(uniq))
    row_cand = cand_pos[cand_codes]
    n_cols = len(columns)
    cell = row_cand * n_cols + col_pos
    duplicated = pd.Series(cell).duplicated().to_numpy()
    if duplicated.any():
        first_row = pd.Series(np.arange(len(cell))).groupby(cell).transform("first").to_numpy()
        for r in np.flatnonzero(duplicated):
            what = f"item {ids[item_pos[r]]}" + (f", grader {grader[r]}" if grader[r] > 1 else "")
            problems.append(table.problem(int(rows[r]), "item", (
                f"candidate '{cand_names[cand_codes[r]]}' already has an answer to {what} on row {int(rows[first_row[r]])}")))

    attrs = None
    if attributes:
        attr_data = {}
        for a in attributes:
            a_codes = table.frame[a].cat.codes.to_numpy()
            expected = a_codes[first][row_cand]
            for r in np.flatnonzero(a_codes != expected):
                problems.append(table.problem(int(rows[r]), a, (
                    f"candidate '{cand_names[cand_codes[r]]}' has {a} '{table.frame[a].iloc[r]}' here but "
                    f"'{table.frame[a].iloc[first[row_cand[r]]]}' on row {int(rows[first[row_cand[r]]])}")))
            attr_data[a] = table.frame[a].iloc[first].astype(object).to_numpy()
        attrs = pd.DataFrame(attr_data, index=pd.Index([cand_names[c] for c in uniq], dtype=object))
    if problems:
        raise InputFileError(problems)

    response = table.frame["response"]
    matrix = np.full((len(uniq), n_cols), -1, dtype=np.int64)
    matrix[row_cand, col_pos] = response.cat.codes.to_numpy()
    categories = pd.Index([str(c) for c in response.cat.categories], dtype=object)
    index = pd.Index([cand_names[c] for c in uniq], dtype=object)
    frame = pd.DataFrame({name: pd.Categorical.from_codes(matrix[:, j], categories=categories).remove_unused_categories()
                          for j, name in enumerate(columns)}, index=index)

    def place(exc: ResponseError) -> InputFileError:
        # Only now (a problem was found) is each cell's row looked up.
        where = pd.Series(rows, index=pd.MultiIndex.from_arrays([row_cand, col_pos]))
        cand_of = {name: k for k, name in enumerate(index)}
        out = []
        for p in exc.problems:
            k = cand_of.get(p.candidate) if p.candidate is not None else None
            j = columns.index(p.column) if p.column in columns else None
            item, _, g = (p.column or "").partition("#")
            what = f"item {item}" + (f", grader {g}" if g else "")
            if k is not None and j is not None and (k, j) in where.index:
                out.append(Problem(table.name, int(where[(k, j)]), "response", f"{what}: {p.message}"))
            elif k is not None:
                column = (("grader" if g else "item") if j is not None else CANDIDATE)
                out.append(Problem(table.name, int(rows[first[k]]), column,
                                   f"{what}: {p.message}" if j is not None else p.message))
            else:
                out.append(Problem(table.name, 1 if p.column else None, p.column, p.message))
        return InputFileError(out)

    return _Wide(frame, attrs, place)


_READERS: dict[str, Callable[[Matrix, Form, str, Sequence[str]], _Wide]] = {
    "wide": _read_wide, "positions": _read_positions, "string": _read_string, "long": _read_long,
}


def _check_candidates(table: Matrix) -> dict[Hashable, int]:
    """Each candidate's row number; an empty or repeated candidate id is a problem."""
    problems = []
    row_of: dict[Hashable, int] = {}
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
