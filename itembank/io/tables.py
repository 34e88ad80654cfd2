"""One reader and one writer for every table file: CSV (UTF-8) and XLSX.

Reading (:func:`read_table`):

* CSV in UTF-8, with or without a byte-order mark, or UTF-16 with a byte-order mark (little
  or big endian: what Notepad calls "Unicode"); the separator is a comma or a semicolon
  (Dutch Excel writes ``;``), detected from the header row. A file in another encoding
  (Excel's "CSV" is cp1252; UTF-32; UTF-16 without a byte-order mark) or one that is not
  text at all (a workbook or a database under a ``.csv`` name) is refused with a message
  saying what was found and to save it as "CSV UTF-8". A header row that is one column
  holding a tab or ``|`` (a tab-separated export), and a row whose only cell holds the other
  separator (``c1;A;B`` under ``candidate,Q1,Q2``), are refused naming both separators.
* XLSX (or XLSM): the first sheet; number cells are read as the text a user typed
  (``1.0`` -> ``"1"``), dates as ISO text.
* Every cell comes back as text, stripped of surrounding blanks. Rows carry their row number
  as a spreadsheet shows it (the header is row 1); fully empty rows are skipped; a row may be
  shorter than the header (spreadsheets drop trailing empty cells), but not longer.

Every problem is a :class:`~itembank.errors.Problem` in one
:class:`~itembank.errors.InputFileError`. **A file is named by its name** (``items.csv``, not
the folder it is in) in every message, by every reader: that is what the user sees in their
spreadsheet program; only "file not found" adds the path as given.

Writing (:func:`write_table`, :func:`atomic_output`): every output file is written to a
temporary file in the target's folder and renamed over the target only when complete, so a
failure leaves no partial file and an existing file untouched. In XLSX a text cell stays
text: a stem ``=1+1`` is never stored as a formula.

Checking rows declaratively: a reader lists its columns as :class:`Column` specs (name,
whether the header must have it, the parser for its cells) and :func:`check_header` /
:func:`parse_cells` turn every failing cell into a problem naming file, row and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from itembank.errors import InputFileError, Problem, UserError

__all__ = [
    "Table", "Column", "Matrix", "read_table", "read_matrix", "read_text", "check_header", "parse_cells", "one_of", "whole_number",
    "write_table", "write_text", "atomic_output", "TABLE_SUFFIXES",
]

TABLE_SUFFIXES = (".csv", ".xlsx")
_READ_SUFFIXES = (".csv", ".xlsx", ".xlsm")
_SEPARATORS = (",", ";")
_CHUNK_ROWS = 20_000


@dataclass(frozen=True)
class Table:
    """A table file as text: its ``name`` (used in every message), header and numbered rows."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]

    def problem(self, row: int | None, column: str | None, message: str) -> Problem:
        return Problem(self.name, row, column, message)


# --------------------------------------------------------------------------- reading


def _fail(name: str, message: str) -> InputFileError:
    return InputFileError([Problem(name, None, None, message)])


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a user typed (1.0 -> '1', dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


_SAVE_CSV = "save it as 'CSV UTF-8' (Excel: Save As, CSV UTF-8)"
_SAVE_TEXT = "save it as UTF-8"
# A header row with one column holding one of these was written with another separator.
_FOREIGN_SEPARATORS = {"\t": "a tab", "|": "'|'"}


def _decode(data: bytes, name: str, *, advice: str) -> str:
    """The text of a file's bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM.

    The byte-order mark decides, because it is the only reliable sign: Notepad's "Unicode" is
    UTF-16 LE with a BOM, "Unicode big endian" UTF-16 BE with one. UTF-32 starts with the
    UTF-16 LE mark, so it is tested first. Anything else must be valid UTF-8; NUL bytes mean
    UTF-16 without a mark or a binary file, and a zip header an XLSX workbook named .csv.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise _fail(name, f"is UTF-32 text, which is not read here; {advice}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")  # the BOM picks the byte order and is dropped
        except UnicodeDecodeError as exc:
            raise _fail(name, f"starts as UTF-16 text but byte {exc.start + 3} cannot be read; {advice}") from None
    if data.startswith(b"PK\x03\x04"):
        raise _fail(name, "is a zip archive (an XLSX workbook?), not text; give a workbook the "
                          f"name .xlsx, or {advice}")
    if b"\x00" in data[:65536]:
        raise _fail(name, "is not a text file, or is UTF-16 without a byte-order mark (it holds NUL "
                          f"bytes); {advice}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(name, f"is not UTF-8 text (byte {exc.start + 1} cannot be read); {advice}") from None


def _csv_text(path: Path, name: str) -> str:
    return _decode(path.read_bytes(), name, advice=_SAVE_CSV)


def _separator(text: str) -> str:
    """The separator of a CSV text, read from its header row: the more frequent of ``,`` and
    ``;`` (Dutch Excel separates with ``;`` because ``,`` is its decimal mark)."""
    first_line = text.split("\n", 1)[0]
    return max(_SEPARATORS, key=first_line.count)


def _csv_lines(path: Path, name: str) -> tuple[list[list[str]], str]:
    text = _csv_text(path, name)
    separator = _separator(text)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator)), separator
    except csv.Error as exc:
        raise _fail(name, f"not a valid CSV file: {exc}") from None


def _header_problems(name: str, header: list[str], separator: str | None) -> list[Problem]:
    """A repeated column name; a header of one column that holds a separator (no file format
    here has one column, so the names were never split)."""
    problems = [Problem(name, 1, h, "the column appears more than once")
                for i, h in enumerate(header) if h and h in header[:i]]
    if len(header) == 1:
        message = _one_column_header(header[0], separator)
        if message is not None:
            problems.append(Problem(name, 1, None, message))
    return problems


def _one_column_header(cell: str, separator: str | None) -> str | None:
    """Why a one-column header row holding a separator was not split, and what to do."""
    marks = {**_FOREIGN_SEPARATORS, ",": "','", ";": "';'"}
    found = next((what for mark, what in marks.items() if mark in cell), None)
    if found is None:
        return None
    if separator is None:
        return (f"the header row is one cell '{cell}' holding {found}: the columns were never split; split "
                "them in the workbook (Excel: Data, Text to Columns) or import the CSV file itself")
    if found in _FOREIGN_SEPARATORS.values():
        return (f"the header row is read as one column '{cell}': found {found} between the names, "
                "expected a comma or a semicolon; save the file as 'CSV UTF-8'")
    return (f"the header row is one cell '{cell}' in double quotes: found {found} inside the quotes, "
            "expected the names separated by it; remove the quotes around the header row")


def _other_separator_problem(name: str, number: int, line: Sequence[str], width: int,
                             separator: str | None) -> Problem | None:
    """A row whose only filled cell is the first and holds the other separator, while the
    header has more columns: the rows were written with another separator than the header."""
    if separator is None or width < 2 or not line or any(c.strip() for c in line[1:]):
        return None
    other = ";" if separator == "," else ","
    cells = next(csv.reader([line[0]], delimiter=other), [])
    if len(cells) != width:
        return None  # e.g. a candidate id "Jansen, P." whose answers are all omitted
    return Problem(name, number, None, (
        f"found {len(cells)} cells separated by '{other}', but the header row separates its "
        f"{width} columns by '{separator}'; use one separator in the whole file"))


def _xlsx_lines(path: Path, name: str) -> list[list[str]]:
    import openpyxl

    with open(path, "rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            raise _fail(name, "is not an XLSX workbook (a workbook is a zip archive); a CSV "
                              "file must have a name ending in .csv")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise _fail(name, f"not a readable XLSX workbook: {exc}") from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise _fail(path.name, f"file not found: {path}")
    if path.is_dir():
        raise _fail(path.name, "is a folder, not a file")


def read_text(path: str | os.PathLike[str]) -> str:
    """A whole text file (e.g. a rule set's TOML), with the same file policy as
    :func:`read_table`: UTF-8 with or without BOM or UTF-16 with BOM; missing, a folder or
    another encoding is an ``InputFileError``."""
    path = Path(path)
    _check_exists(path)
    return _decode(path.read_bytes(), path.name, advice=_SAVE_TEXT)


def _lines(path: Path) -> tuple[list[list[str]], str | None]:
    """The file's rows of cells and its CSV separator (``None`` for a workbook)."""
    name = path.name
    _check_exists(path)
    suffix = path.suffix.lower()
    if suffix not in _READ_SUFFIXES:
        raise _fail(name, "expected a .csv or .xlsx file")
    return _csv_lines(path, name) if suffix == ".csv" else (_xlsx_lines(path, name), None)


def read_table(path: str | os.PathLike[str]) -> Table:
    """Header and rows of a CSV or XLSX file, every cell as stripped text (see module docstring).

    Raises :class:`~itembank.errors.InputFileError` for a missing, unreadable or empty file,
    a repeated column name and rows with more cells than the header.
    """
    path = Path(path)
    name = path.name
    lines, separator = _lines(path)
    if not lines or not any(c.strip() for c in lines[0]):
        raise _fail(name, "the file is empty; expected a header row")
    header = [h.strip() for h in lines[0]]
    while header and header[-1] == "":
        header.pop()
    problems = _header_problems(name, header, separator)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in line):
            continue
        if len(line) > len(header) and any(c.strip() for c in line[len(header):]):
            message = f"expected {len(header)} fields, found {len(line)}"
            if len(header) == 1 and separator is not None:
                message += f" separated by '{separator}', but the header row has one column and no separator"
            problems.append(Problem(name, number, None, message))
            continue
        mixed = _other_separator_problem(name, number, line, len(header), separator)
        if mixed is not None:
            problems.append(mixed)
            continue
        rows.append((number, {h: (line[i].strip() if i < len(line) else "") for i, h in enumerate(header)}))
    if problems:
        raise InputFileError(problems)
    return Table(name, header, rows)


# --------------------------------------------------------------------------- large matrices


@dataclass(frozen=True)
class Matrix:
    """A table file read column-wise, for the one kind that is large: a sitting's responses.

    ``frame`` has the header's columns, each a ``pandas.Categorical`` of stripped text ("" for
    an empty cell); ``rows`` the row number of each frame row as a spreadsheet shows it. The
    file policy (encodings, separators, names in messages, empty rows, long rows) is exactly
    :func:`read_table`'s; only the cells are never turned into one Python object each.
    """

    name: str
    header: list[str]
    frame: Any  # pandas.DataFrame
    rows: Any  # numpy array of row numbers

    def problem(self, row: int | None, column: str | None, message: str) -> Problem:
        return Problem(self.name, row, column, message)


def read_matrix(path: str | os.PathLike[str]) -> Matrix:
    """A CSV or XLSX table as categorical text columns (see :class:`Matrix`).

    CSV is parsed by pandas' C reader into categorical columns (each distinct cell text once),
    so 100,000 candidates x 100 items read in seconds; XLSX goes through :func:`read_table`.
    """
    import numpy as np
    import pandas as pd

    path = Path(path)
    name = path.name
    _check_exists(path)
    if path.suffix.lower() != ".csv":
        table = read_table(path)
        frame = pd.DataFrame([[cells[h] for h in table.header] for _, cells in table.rows],
                             columns=table.header, dtype="category")
        return Matrix(name, table.header, frame, np.asarray([n for n, _ in table.rows], dtype=np.int64))
    text = _csv_text(path, name)
    separator = _separator(text)
    header_line = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=separator), [])
    if not any(c.strip() for c in header_line):
        raise _fail(name, "the file is empty; expected a header row")
    header = [h.strip() for h in header_line]
    while header and header[-1] == "":
        header.pop()
    problems = _header_problems(name, header, separator)
    if problems:
        raise InputFileError(problems)
    try:
        # Read as text (dtype=str: "01" and "1" stay different labels; dtype="category" would
        # infer numbers), in chunks coded as categoricals, so a national sitting never holds
        # ten million Python strings at once.
        chunks = pd.read_csv(io.StringIO(text), sep=separator, header=None, skiprows=1, dtype=str,
                             keep_default_na=False, na_filter=False, skip_blank_lines=False,
                             names=range(len(header_line)), index_col=False, quotechar='"', engine="c",
                             chunksize=_CHUNK_ROWS)
        with warnings.catch_warnings():
            # pandas only warns when a row is longer than the header, and drops its cells
            warnings.simplefilter("error", pd.errors.ParserWarning)
            parts = [chunk.astype("category") for chunk in chunks]
        raw = pd.DataFrame({j: pd.api.types.union_categoricals([p[j] for p in parts]) if parts
                            else pd.Categorical([], categories=pd.Index([], dtype=object))
                            for j in range(len(header_line))})
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        # A row longer than the header: the row-by-row reader names every such row.
        read_table(path)
        raise _fail(name, f"a row has more cells than the header ({exc})") from None
    numbers = np.arange(2, len(raw) + 2, dtype=np.int64)
    # Cells beyond the named columns (the header ended in empty names) must be empty.
    for j in range(len(header), len(header_line)):
        extra = _stripped(raw[j])
        full = np.flatnonzero(extra.to_numpy(dtype=object) != "")
        problems += [Problem(name, int(numbers[r]), None, f"expected {len(header)} fields, found {j + 1}")
                     for r in full]
    if problems:
        raise InputFileError(sorted(set(problems), key=lambda p: p.row or 0))
    frame = pd.DataFrame({h: _stripped(raw[j]) for j, h in enumerate(header)})
    other = ";" if separator == "," else ","
    if len(header) > 1 and any(other in str(c) for c in frame[header[0]].cat.categories):
        # Perhaps rows written with the other separator: the row-by-row reader names them.
        read_table(path)
    filled = np.zeros(len(frame), dtype=bool)
    for h in header:
        col = frame[h]
        empty = np.asarray([c == "" for c in col.cat.categories], dtype=bool)
        codes = col.cat.codes.to_numpy()
        filled |= (codes >= 0) & ~empty[codes] if len(empty) else codes >= 0
    if not filled.all():
        frame, numbers = frame[filled].reset_index(drop=True), numbers[filled]
    return Matrix(name, header, frame, numbers)


def _stripped(column: Any) -> Any:
    """A categorical column with its categories stripped of blanks (merged where equal)."""
    import pandas as pd

    if column.dtype != "category":
        column = column.astype(str).astype("category")
    cats = [str(c).strip() for c in column.cat.categories]
    if cats == list(column.cat.categories) and "" not in cats:
        return column.cat.add_categories([""]).fillna("") if column.isna().any() else column
    merged = list(dict.fromkeys(cats + [""]))
    position = {c: k for k, c in enumerate(merged)}
    import numpy as np

    remap = np.asarray([position[c] for c in cats] + [position[""]], dtype=np.int64)
    return pd.Series(pd.Categorical.from_codes(remap[column.cat.codes.to_numpy()], categories=merged))


# --------------------------------------------------------------------------- declared columns


def _text(text: str) -> str:
    return text


@dataclass(frozen=True)
class Column:
    """One column of a file format: its header name, whether the header must have it, the
    text an empty cell stands for, and the parser of a cell (raises ``ValueError`` with the
    message the user sees, e.g. "expected one of mc, mr, open, got 'x'")."""

    name: str
    required: bool = False
    default: str = ""
    parse: Callable[[str], Any] = _text


def one_of(values: Sequence[str], *, lower: bool = False) -> Callable[[str], str]:
    """A parser accepting only ``values`` (compared in lower case when ``lower``)."""

    def parse(text: str) -> str:
        value = text.lower() if lower else text
        if value not in values:
            raise ValueError(f"expected one of {', '.join(values)}, got '{text}'")
        return value

    return parse


def whole_number(*, minimum: int) -> Callable[[str], int]:
    """A parser for a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise ValueError(f"expected a whole number of {minimum} or more, got '{text}'")
        return value

    return parse


def check_header(
    table: Table,
    columns: Sequence[Column],
    *,
    also_allowed: Callable[[str], bool] = lambda column: False,
    allowed_note: str = "",
) -> list[Problem]:
    """Problems of the header row: required columns missing, columns the format does not know
    (unless ``also_allowed`` accepts them; ``allowed_note`` names those in the message)."""
    known = [c.name for c in columns]
    expected = ", ".join(known) + (f" or {allowed_note}" if allowed_note else "")
    found = ", ".join(h for h in table.header if h) or "no names"
    problems = [table.problem(1, c.name, f"required column is missing; the header row has {found}")
                for c in columns if c.required and c.name not in table.header]
    problems += [table.problem(1, h or None, f"unknown column; expected one of {expected}")
                 for h in table.header if h not in known and not also_allowed(h)]
    return problems


def parse_cells(
    table: Table, number: int, cells: dict[str, str], columns: Sequence[Column]
) -> tuple[dict[str, Any], list[Problem]]:
    """Every declared column of one row parsed: (values by column, problems of this row).

    A column that fails has no value in the result."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for column in columns:
        text = cells.get(column.name, "") or column.default
        try:
            values[column.name] = column.parse(text)
        except ValueError as exc:
            problems.append(table.problem(number, column.name, str(exc)))
    return values, problems


# --------------------------------------------------------------------------- writing


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path next to ``path``; renamed to ``path`` when the block ends without error,
    removed when it fails (an existing ``path`` is then left untouched)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UserError(f"{path.name}: folder '{directory}' does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UserError(f"{path.name}: cannot write in folder '{directory}': {exc.strerror or exc}") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        # a full disk, no permission, a folder in the way: the user can act on it
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"{path.name}: could not write the file ({exc.strerror or exc}); "
                        "an existing file was left as it was") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write a whole text file (UTF-8) atomically, e.g. a results export as JSON; returns the path."""
    path = Path(path)
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
    return path


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A cell that Excel shows as the value itself: a text such as "=1+1" must not become a
    formula (it would be lost on reading, and formulas in exported files are a known attack)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


Cell = str | int | float | None


def write_table(
    path: str | os.PathLike[str],
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet_name: str = "items",
    line_end: str = "\r\n",
) -> Path:
    """Write a CSV (UTF-8, comma-separated) or XLSX file (one sheet) atomically; returns the path.

    ``None`` is an empty cell; in XLSX numbers are number cells and text stays text.
    ``line_end`` keeps each format's existing line ending (the csv module's ``\\r\\n`` or
    ``\\n``) so files stay byte-compatible with earlier exports.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UserError(f"{path.name}: expected a .csv or .xlsx file name")
    rows = list(rows)  # a failing row source fails before anything is opened
    with atomic_output(path) as tmp:
        if suffix == ".csv":
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator=line_end)
                writer.writerow(header)
                writer.writerows(rows)
        else:
            import openpyxl

            workbook = openpyxl.Workbook(write_only=True)
            sheet = workbook.create_sheet(sheet_name)
            sheet.append(list(header))
            for row in rows:
                sheet.append([_xlsx_cell(sheet, value) for value in row])
            workbook.save(tmp)
    return path
