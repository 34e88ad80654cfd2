"""File mode: score FORM.csv + RESPONSES.csv (+ DECISIONS.csv) under RULES.toml into RESULTS.csv.

Every reader collects all problems it finds and raises one
:class:`~itembank.errors.InputFileError` naming file, row (as a spreadsheet shows it, header =
row 1) and column. Results are written to a temporary file next to the target and renamed
only after everything succeeded, so a failed run writes nothing.

Files are read by :mod:`itembank.io.tables` (CSV UTF-8 with comma or semicolon, or XLSX)
and numbers follow :mod:`itembank.io.numbers` (decimal comma or point). Formats (header row):

* FORM.csv: ``item, part, type (mc|mr|open), options ("A|B|C|D"), key ("B"; empty for open),
  max_score (default 1), weight (default 1)``;
* RESPONSES.csv: ``candidate``, then one column per item: chosen label(s) joined by "|", or an
  open item's points; ``<item>#2`` for a second grader; empty = omitted;
* DECISIONS.csv: ``item, action (void|accept|rekey|weight), value, reason``, applied in order;
* RESULTS.csv: see :meth:`~itembank.scoring.engine.ScoringResult.results_table`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path

import pandas as pd

from itembank.errors import InputFileError, Problem, RuleError, UserError
from itembank.io.numbers import MAX_SCORE, WEIGHT, Plausible, normalise_number, parse_number
from itembank.io.tables import Column, Table, check_header, one_of, parse_cells, read_matrix, read_table, read_text, write_table

from itembank.scoring.engine import ResponseError, ScoringResult, score
from itembank.scoring.form import ACTIONS, ITEM_TYPES, Decision, Form, Item, apply_decisions, split_labels
from itembank.scoring.grades import to_fraction
from itembank.scoring.rules import RuleSet, load_rule_set

__all__ = ["RESULTS_NAME", "FORM_COLUMNS", "DECISION_COLUMNS", "file_error", "normalise_points", "read_form", "read_responses", "read_decisions", "read_rules", "read_rule_set_text", "write_results", "score_files"]

RESULTS_NAME = "RESULTS.csv"
FORM_COLUMNS = ("item", "part", "type", "options", "key", "max_score", "weight")
DECISION_COLUMNS = ("item", "action", "value", "reason")


def _required(message: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not text:
            raise ValueError(message)
        return text

    return parse


def _fraction(column: str, limit: Plausible) -> Callable[[str], Fraction]:
    def parse(text: str) -> Fraction:
        try:
            value = to_fraction(normalise_number(text), what=column)
        except ValueError:
            raise ValueError(f"expected a number, got '{text}'") from None
        limit.check(value)
        return value

    return parse


FORM_COLUMNS: tuple[Column, ...] = (
    Column("item", required=True, parse=_required("empty item id")),
    Column("part", required=True, parse=_required("empty part name")),
    Column("type", required=True, parse=one_of(ITEM_TYPES)),
    Column("options", parse=split_labels),
    Column("key", parse=split_labels),
    Column("max_score", default="1", parse=_fraction("max_score", MAX_SCORE)),
    Column("weight", default="1", parse=_fraction("weight", WEIGHT)),
)
"""FORM.csv, declared: what each column accepts and what an empty cell means."""

DECISION_COLUMNS: tuple[Column, ...] = (
    Column("item", required=True),
    Column("action", required=True, parse=one_of(ACTIONS)),
    Column("value"),
    Column("reason"),
)
"""DECISIONS.csv, declared."""


def _read_checked(path: str | os.PathLike[str], columns: Sequence[Column]) -> Table:
    table = read_table(path)
    problems = check_header(table, columns)
    if problems:
        raise InputFileError(problems)
    return table


def read_form(path: str | os.PathLike[str]) -> Form:
    """Read FORM.csv into a :class:`Form`."""
    table = _read_checked(path, FORM_COLUMNS)
    problems: list[Problem] = []
    items: list[Item] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        values, row_problems = parse_cells(table, number, cells, FORM_COLUMNS)
        item_id = values.get("item")
        if item_id in seen:
            row_problems.insert(0, table.problem(number, "item", f"item {item_id!r} already on row {seen[item_id]}"))
        elif item_id:
            seen[item_id] = number
        problems += row_problems
        if row_problems:
            continue
        try:
            items.append(Item(item=item_id, part=values["part"], type=values["type"], options=values["options"],
                              key=values["key"], max_score=values["max_score"], weight=values["weight"]))
        except RuleError as exc:
            column = "key" if "key" in str(exc) else "options" if "option" in str(exc) else None
            problems.append(table.problem(number, column, str(exc)))
    if not table.rows:
        problems.append(table.problem(None, None, "the file has no item rows (only a header row)"))
    if problems:
        raise InputFileError(problems)
    return Form(tuple(items))


def read_decisions(path: str | os.PathLike[str], form: Form) -> list[Decision]:
    """Read DECISIONS.csv; each row is checked against the form (item exists, labels valid).

    A weight may be written with a decimal comma (:mod:`itembank.io.numbers`)."""
    table = _read_checked(path, DECISION_COLUMNS)
    problems: list[Problem] = []
    decisions: list[Decision] = []
    for number, cells in table.rows:
        values, row_problems = parse_cells(table, number, cells, DECISION_COLUMNS)
        problems += row_problems
        if row_problems:
            continue
        value = normalise_number(values["value"]) if values["action"] == "weight" else values["value"]
        if values["action"] == "weight" and (implausible := _implausible_weight(value)) is not None:
            problems.append(table.problem(number, "value", implausible))
            continue
        decision = Decision(item=values["item"], action=values["action"], value=value, reason=values["reason"])
        try:
            apply_decisions(form, [decision])
        except RuleError as exc:
            column = "item" if "not on the form" in str(exc) else "value"
            problems.append(table.problem(number, column, str(exc)))
            continue
        decisions.append(decision)
    if problems:
        raise InputFileError(problems)
    return decisions


def _implausible_weight(text: str) -> str | None:
    """The range message for a weight decision's value; ``None`` when it is plausible or not a
    number at all (the scoring core's message then says "expected a number")."""
    try:
        return WEIGHT.problem(parse_number(text))
    except ValueError:
        return None


def normalise_points(frame: pd.DataFrame, form: Form) -> pd.DataFrame:
    """Graders' points of the form's open items with a decimal point ("2,5" -> "2.5"), so the
    scoring core and storage receive one spelling (:mod:`itembank.io.numbers`). Other cells,
    answers to closed items among them, are left as they are."""
    open_items = {it.item for it in form.items if it.type == "open"}
    columns = [c for c in frame.columns if str(c).partition("#")[0] in open_items]
    if not columns:
        return frame
    frame = frame.copy()
    for column in columns:
        col = frame[column]
        if isinstance(col.dtype, pd.CategoricalDtype):
            # Each distinct text once; "2,5" and "2.5" become one answer.
            normalised = [normalise_number(v) if isinstance(v, str) else v for v in col.cat.categories]
            if len(set(normalised)) == len(normalised):
                frame[column] = col.cat.rename_categories(normalised)
            else:
                frame[column] = col.astype(object).map(dict(zip(col.cat.categories, normalised))).astype("category")
        else:
            frame[column] = [normalise_number(v) if isinstance(v, str) else v for v in col]
    return frame


def _read_responses_table(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[Hashable, list[int]]]:
    """RESPONSES as text with index ``candidate``, and the row number(s) of each candidate."""
    table = read_matrix(path)
    if table.header[0] != "candidate":
        raise InputFileError([table.problem(1, table.header[0] or None,
                                            f"the first column must be 'candidate', found '{table.header[0]}'")])
    candidates = table.frame["candidate"].astype(object).tolist()
    problems = [table.problem(number, "candidate", "empty candidate id")
                for number, cand in zip(table.rows.tolist(), candidates) if not cand]
    if not candidates:
        problems.append(table.problem(None, None, "the file has no candidates (only a header row)"))
    if problems:
        raise InputFileError(problems)
    # Text cells (categorical), never inferred numbers: the labels "01" and "1" stay different.
    frame = table.frame[table.header[1:]].set_axis(pd.Index(candidates, name="candidate", dtype=object), axis=0)
    rows: dict[Hashable, list[int]] = {}
    for number, cand in zip(table.rows.tolist(), candidates):
        rows.setdefault(cand, []).append(number)
    return frame, rows


def read_responses(path: str | os.PathLike[str], *, form: Form | None = None) -> pd.DataFrame:
    """Read RESPONSES (CSV or XLSX) as text (empty cell = ``""``), index = ``candidate``.

    With ``form``, graders' points of its open items are normalised (:func:`normalise_points`).
    """
    frame, _ = _read_responses_table(path)
    return normalise_points(frame, form) if form is not None else frame


def read_rules(path: str | os.PathLike[str]) -> RuleSet:
    """Read and parse a RULES.toml file; every problem names the file and the key path
    (``rules.toml: parts.mc.cut.value: ...``)."""
    return load_rule_set(read_text(path), source=Path(path).name)


def read_rule_set_text(path: str | os.PathLike[str]) -> str:
    """The text of a rule-set file, checked first: what ``rules add`` stores.

    The rule set is validated against the schema with the file's name as source, so a mistake
    reads ``rules.toml: key.path: ...`` (the README's promise) before the text reaches
    :func:`itembank.services.committee.add_rule_set`, which checks it again under its
    version label. Raises :class:`~itembank.scoring.rules.RuleSetError` or
    :class:`~itembank.errors.InputFileError`.
    """
    return read_rules(path).text


def file_error(exc: ResponseError, name: str, rows: Mapping[Hashable, Sequence[int]]) -> InputFileError:
    """The problems of ``exc`` placed in file ``name``: ``rows`` maps each candidate id to the
    row number(s) it stands on (header = row 1); a column problem is placed on the header."""
    problems = []
    for p in exc.problems:
        found = rows.get(p.candidate, ()) if p.candidate is not None else ()
        row = found[0] if found else (1 if p.candidate is None and p.column is not None else None)
        message = p.message if p.candidate is None or found else f"candidate {p.candidate!r}: {p.message}"
        if len(found) > 1 and p.message == "candidate appears more than once":
            row, message = found[1], f"candidate {p.candidate!r} already on row {found[0]}"
        problems.append(Problem(name, row, p.column or ("candidate" if p.candidate is not None else None), message))
    return InputFileError(problems)


def write_results(result: ScoringResult, out: str | os.PathLike[str]) -> None:
    """Write RESULTS.csv atomically: a temporary file in the same folder, renamed at the end."""
    table = result.results_table()  # every cell is text already
    write_table(out, list(table.columns), table.itertuples(index=False, name=None), line_end="\n")


def score_files(
    *,
    form: str | os.PathLike[str],
    responses: str | os.PathLike[str],
    rules: str | os.PathLike[str],
    out: str | os.PathLike[str],
    decisions: str | os.PathLike[str] | None = None,
) -> ScoringResult:
    """Read the files, score them with :func:`~itembank.scoring.engine.score`, write RESULTS.

    Nothing is written unless every file was read and scored without a problem.
    """
    the_form = read_form(form)
    rule_set = read_rules(rules)
    the_decisions = read_decisions(decisions, the_form) if decisions is not None else []
    frame, rows = _read_responses_table(responses)
    frame = normalise_points(frame, the_form)
    out_path = Path(out)
    if not out_path.parent.is_dir():
        raise UserError(f"--out: folder {str(out_path.parent)!r} does not exist")
    try:
        result = score(the_form, frame, rules=rule_set, decisions=the_decisions)
    except ResponseError as exc:
        raise file_error(exc, Path(responses).name, rows) from None
    write_results(result, out_path)
    return result
