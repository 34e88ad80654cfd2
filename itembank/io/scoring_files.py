"""File mode: score FORM.csv + RESPONSES.csv (+ DECISIONS.csv) under RULES.toml into RESULTS.csv.

Every reader collects all problems it finds and raises one
:class:`~itembank.errors.InputFileError` naming file, row (as a spreadsheet shows it, header =
row 1) and column. Results are written to a temporary file next to the target and renamed
only after everything succeeded, so a failed run writes nothing.

Formats (UTF-8, comma-separated, header row):

* FORM.csv: ``item, part, type (mc|mr|open), options ("A|B|C|D"), key ("B"; empty for open),
  max_score (default 1), weight (default 1)``;
* RESPONSES.csv: ``candidate``, then one column per item: chosen label(s) joined by "|", or an
  open item's points; ``<item>#2`` for a second grader; empty = omitted;
* DECISIONS.csv: ``item, action (void|accept|rekey|weight), value, reason``, applied in order;
* RESULTS.csv: see :meth:`~itembank.scoring.engine.ScoringResult.results_table`.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from itembank.errors import InputFileError, Problem, RuleError, UserError

from itembank.scoring.engine import ResponseError, ScoringResult, score
from itembank.scoring.form import ACTIONS, ITEM_TYPES, Decision, Form, Item, apply_decisions, split_labels
from itembank.scoring.grades import to_fraction
from itembank.scoring.rules import RuleSet, load_rule_set

__all__ = ["RESULTS_NAME", "file_error", "read_form", "read_responses", "read_decisions", "read_rules", "write_results", "score_files"]

RESULTS_NAME = "RESULTS.csv"
FORM_COLUMNS = ("item", "part", "type", "options", "key", "max_score", "weight")
DECISION_COLUMNS = ("item", "action", "value", "reason")


def _read_rows(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) per data row; checks the header."""
    name = path.name
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise InputFileError([Problem(name, None, None, "the file is empty; expected a header row")])
            header = [h.strip() for h in header]
            problems = [Problem(name, 1, col, "required column is missing") for col in required if col not in header]
            known = set(required) | set(optional)
            problems += [Problem(name, 1, col, f"unknown column (expected: {', '.join((*required, *optional))})") for col in header if col not in known]
            if len(set(header)) != len(header):
                problems.append(Problem(name, 1, None, "a column name is repeated"))
            if problems:
                raise InputFileError(problems)
            rows = []
            for number, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    problems.append(Problem(name, number, None, f"expected {len(header)} fields, found {len(cells)}"))
                    continue
                rows.append((number, {h: c.strip() for h, c in zip(header, cells)}))
    except FileNotFoundError:
        raise InputFileError([Problem(name, None, None, f"file not found: {path}")]) from None
    except UnicodeDecodeError:
        raise InputFileError([Problem(name, None, None, "not UTF-8 text")]) from None
    if problems:
        raise InputFileError(problems)
    return rows


def read_form(path: str | os.PathLike[str]) -> Form:
    """Read FORM.csv into a :class:`Form`."""
    path = Path(path)
    name = path.name
    rows = _read_rows(path, FORM_COLUMNS[:3], FORM_COLUMNS[3:])
    problems: list[Problem] = []
    items: list[Item] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        item_id = row["item"]
        if not item_id:
            problems.append(Problem(name, number, "item", "empty item id"))
            continue
        if item_id in seen:
            problems.append(Problem(name, number, "item", f"item {item_id!r} already on row {seen[item_id]}"))
            continue
        seen[item_id] = number
        if row["type"] not in ITEM_TYPES:
            problems.append(Problem(name, number, "type", f"expected one of {', '.join(ITEM_TYPES)}, got {row['type']!r}"))
            continue
        if not row["part"]:
            problems.append(Problem(name, number, "part", "empty part name"))
            continue
        numbers = {}
        for column in ("max_score", "weight"):
            text = row.get(column, "") or "1"
            try:
                numbers[column] = to_fraction(text, what=column)
            except ValueError:
                problems.append(Problem(name, number, column, f"expected a number, got {text!r}"))
        if len(numbers) < 2:
            continue
        try:
            items.append(
                Item(
                    item=item_id,
                    part=row["part"],
                    type=row["type"],  # type: ignore[arg-type]
                    options=split_labels(row.get("options", "")),
                    key=split_labels(row.get("key", "")),
                    max_score=numbers["max_score"],
                    weight=numbers["weight"],
                )
            )
        except RuleError as exc:
            column = "key" if "key" in str(exc) else "options" if "option" in str(exc) else None
            problems.append(Problem(name, number, column, str(exc)))
    if not rows and not problems:
        problems.append(Problem(name, None, None, "no items"))
    if problems:
        raise InputFileError(problems)
    return Form(tuple(items))


def read_decisions(path: str | os.PathLike[str], form: Form) -> list[Decision]:
    """Read DECISIONS.csv; each row is checked against the form (item exists, labels valid)."""
    path = Path(path)
    name = path.name
    rows = _read_rows(path, DECISION_COLUMNS[:2], DECISION_COLUMNS[2:])
    problems: list[Problem] = []
    decisions: list[Decision] = []
    for number, row in rows:
        if row["action"] not in ACTIONS:
            problems.append(Problem(name, number, "action", f"expected one of {', '.join(ACTIONS)}, got {row['action']!r}"))
            continue
        decision = Decision(item=row["item"], action=row["action"], value=row.get("value", ""), reason=row.get("reason", ""))  # type: ignore[arg-type]
        try:
            apply_decisions(form, [decision])
        except RuleError as exc:
            column = "item" if "not on the form" in str(exc) else "value"
            problems.append(Problem(name, number, column, str(exc)))
            continue
        decisions.append(decision)
    if problems:
        raise InputFileError(problems)
    return decisions


def read_responses(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read RESPONSES.csv as text (empty cell = ``""``), index = ``candidate``."""
    path = Path(path)
    name = path.name
    try:
        # Text, not read_csv's "category": that infers numeric categories and would merge the
        # labels "01" and "1".
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=True)
    except FileNotFoundError:
        raise InputFileError([Problem(name, None, None, f"file not found: {path}")]) from None
    except pd.errors.EmptyDataError:
        raise InputFileError([Problem(name, None, None, "the file is empty; expected a header row")]) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError([Problem(name, None, None, f"not a well-formed CSV file: {exc}")]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if not len(frame.columns) or frame.columns[0] != "candidate":
        raise InputFileError([Problem(name, 1, frame.columns[0] if len(frame.columns) else None, "the first column must be 'candidate'")])
    frame["candidate"] = frame["candidate"].str.strip()
    empty = frame.index[frame["candidate"] == ""]
    if len(empty):
        raise InputFileError([Problem(name, int(i) + 2, "candidate", "empty candidate id") for i in empty])
    return frame.set_index("candidate")


def read_rules(path: str | os.PathLike[str]) -> RuleSet:
    """Read and parse a RULES.toml file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError([Problem(path.name, None, None, f"file not found: {path}")]) from None
    except UnicodeDecodeError:
        raise InputFileError([Problem(path.name, None, None, "not UTF-8 text")]) from None
    return load_rule_set(text, source=path.name)


def _as_file_error(exc: ResponseError, name: str, responses: pd.DataFrame) -> InputFileError:
    """Map candidate ids back to row numbers of RESPONSES.csv (data from row 2 on)."""
    rows: dict[Hashable, list[int]] = {}
    for position, cand in enumerate(responses.index):
        rows.setdefault(cand, []).append(position + 2)
    return file_error(exc, name, rows)


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
    out = Path(out)
    table = result.results_table()
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent if str(out.parent) else ".")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            table.to_csv(fh, index=False, lineterminator="\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    frame = read_responses(responses)
    out_path = Path(out)
    if not out_path.parent.is_dir():
        raise UserError(f"--out: folder {str(out_path.parent)!r} does not exist")
    try:
        result = score(the_form, frame, rules=rule_set, decisions=the_decisions)
    except ResponseError as exc:
        raise _as_file_error(exc, Path(responses).name, frame) from None
    write_results(result, out_path)
    return result
