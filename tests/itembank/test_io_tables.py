"""The one table reader and writer (itembank.io.tables) and the one number rule
(itembank.io.numbers): encodings, separators, file problems, atomic writes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from itembank.cli import app
from itembank.errors import InputFileError, UserError
from itembank.io import tables
from itembank.io.numbers import normalise_number, parse_number
from itembank.io.tables import atomic_output, read_table, read_text, write_table

ROOT = Path(__file__).resolve().parents[2]
FLEX = ROOT / "tests" / "data" / "scoring" / "flextoets"
RULES = ROOT / "itembank" / "rules"


def rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    return read_table(path).rows


def test_csv_with_and_without_byte_order_mark_reads_the_same(tmp_path: Path) -> None:
    plain, bom = tmp_path / "plain.csv", tmp_path / "bom.csv"
    plain.write_bytes("code,stem\nQ1,Één vraag\n".encode("utf-8"))
    bom.write_bytes("code,stem\nQ1,Één vraag\n".encode("utf-8-sig"))
    assert read_table(bom).header == ["code", "stem"]  # not "\ufeffcode"
    assert rows(plain) == rows(bom) == [(2, {"code": "Q1", "stem": "Één vraag"})]


def test_semicolon_csv_as_dutch_excel_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    # Dutch Excel: ";" between fields, "," as decimal mark, quotes around a field with ";"
    path.write_bytes('code;max_score;stem\r\nQ1;2,5;"Kies; één"\r\n'.encode("utf-8-sig"))
    assert rows(path) == [(2, {"code": "Q1", "max_score": "2,5", "stem": "Kies; één"})]


def test_comma_csv_with_a_semicolon_in_a_cell_stays_comma_separated(tmp_path: Path) -> None:
    path = tmp_path / "bp.csv"
    path.write_text('id,type,condition\na,count,"objective=LO1; level=K"\n', encoding="utf-8")
    assert rows(path) == [(2, {"id": "a", "type": "count", "condition": "objective=LO1; level=K"})]


def test_cp1252_file_is_refused_with_a_message_saying_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes("code,stem\nQ1,Wat is één?\n".encode("cp1252"))
    with pytest.raises(InputFileError) as err:
        read_table(path)
    message = str(err.value)
    assert message.startswith("items.csv: is not UTF-8 text")
    assert "save it as 'CSV UTF-8'" in message and "Nothing was written." in message


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing.csv", "missing.csv: file not found: "),
        (lambda d: (d / "folder.csv").mkdir() or d / "folder.csv", "folder.csv: is a folder, not a file"),
        (lambda d: (d / "x.txt").write_text("a,b\n") and d / "x.txt", "x.txt: expected a .csv or .xlsx file"),
        (lambda d: (d / "empty.csv").write_text("") or d / "empty.csv", "empty.csv: the file is empty; expected a header row"),
    ],
)
def test_every_file_problem_is_one_input_file_error_naming_the_file(tmp_path: Path, make, expected: str) -> None:
    with pytest.raises(InputFileError) as err:
        read_table(make(tmp_path))
    assert isinstance(err.value, UserError)
    assert str(err.value).startswith(expected)
    assert [p.file for p in err.value.problems] == [expected.split(":")[0]]


def test_empty_xlsx_and_text_file_follow_the_same_policy(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.save(tmp_path / "empty.xlsx")
    with pytest.raises(InputFileError, match="empty.xlsx: the file is empty"):
        read_table(tmp_path / "empty.xlsx")
    with pytest.raises(InputFileError, match="rules.toml: file not found"):
        read_text(tmp_path / "rules.toml")
    (tmp_path / "rules.toml").write_bytes("naam = 'één'\n".encode("cp1252"))
    with pytest.raises(InputFileError, match="rules.toml: is not UTF-8 text"):
        read_text(tmp_path / "rules.toml")


def test_rows_keep_spreadsheet_numbers_and_every_long_row_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,a\n1,2,3\n\n4,5,6,7\n8\n9,9,9,9\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_table(path)
    assert [str(p) for p in err.value.problems] == [
        "t.csv, row 1, column 'a': the column appears more than once",
        "t.csv, row 4: expected 3 fields, found 4",
        "t.csv, row 6: expected 3 fields, found 4",
    ]
    path.write_text("a,b\n1,2\n\n4\n", encoding="utf-8")
    assert rows(path) == [(2, {"a": "1", "b": "2"}), (4, {"a": "4", "b": ""})]  # short row: padded


def test_xlsx_numbers_read_as_typed(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["a", "b", "c"])
    book.active.append([1.0, 2.5, "x"])
    book.save(tmp_path / "t.xlsx")
    assert rows(tmp_path / "t.xlsx") == [(2, {"a": "1", "b": "2.5", "c": "x"})]


# ------------------------------------------------------------------ writing


def test_xlsx_text_stays_text_and_numbers_stay_numbers(tmp_path: Path) -> None:
    path = write_table(tmp_path / "t.xlsx", ["text", "number", "empty"], [["=1+1", 2, None]], sheet_name="s")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.title == "s"
    assert [(c.value, c.data_type) for c in sheet[2]] == [("=1+1", "s"), (2, "n"), (None, "n")]
    assert rows(path) == [(2, {"text": "=1+1", "number": "2", "empty": ""})]


def test_csv_line_end_is_kept_per_format(tmp_path: Path) -> None:
    assert write_table(tmp_path / "a.csv", ["x"], [["1"]]).read_bytes() == b"x\r\n1\r\n"
    assert write_table(tmp_path / "b.csv", ["x"], [[1.5]], line_end="\n").read_bytes() == b"x\n1.5\n"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_failing_write_leaves_no_partial_file_and_the_old_file_untouched(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"previous")

    def broken_rows():
        yield ["1"]
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_table(target, ["x"], broken_rows())
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    (tmp_path / "new").mkdir()
    with pytest.raises(RuntimeError):
        write_table(tmp_path / "new" / f"out{suffix}", ["x"], broken_rows())
    assert list((tmp_path / "new").iterdir()) == []


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_failing_rename_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"previous")

    def full_disk(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(tables.os, "replace", full_disk)
    with pytest.raises(UserError, match="could not write the file \\(disk full\\)"):
        write_table(target, ["x"], [["1"]])
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_write_text_is_atomic_and_keeps_the_text_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tables.write_text(tmp_path / "r.json", '[{"a": "é"}]\n')
    assert target.read_bytes() == '[{"a": "é"}]\n'.encode("utf-8")
    monkeypatch.setattr(tables.os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(UserError, match="disk full"):
        tables.write_text(target, "other")
    assert target.read_text(encoding="utf-8") == '[{"a": "é"}]\n'
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_atomic_output_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="out.csv: folder .* does not exist"):
        with atomic_output(tmp_path / "nope" / "out.csv"):
            pass
    with pytest.raises(UserError, match="expected a .csv or .xlsx file name"):
        write_table(tmp_path / "out.ods", ["x"], [])


def test_writer_and_reader_round_trip_every_kind_of_text(tmp_path: Path) -> None:
    text = ['a, b', 'quote "q"', "line\nbreak", "ß é ü", "; semi", " "]
    for suffix in (".csv", ".xlsx"):
        path = write_table(tmp_path / f"t{suffix}", ["k", "v"], [[str(i), t] for i, t in enumerate(text)])
        assert [cells["v"] for _, cells in rows(path)] == [t.strip() for t in text]


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(("typed", "number"), [
    ("2,5", "2.5"), ("2.5", "2.5"), (" 2,50 ", "2.50"), (",5", ".5"), ("-1,25", "-1.25"), ("3", "3"),
    ("1,000", "1.000"),  # a decimal comma, so one: there are no thousands separators
])
def test_a_decimal_comma_and_a_decimal_point_are_the_same_number(typed: str, number: str) -> None:
    assert normalise_number(typed) == number
    assert parse_number(typed) == Decimal(number)


@pytest.mark.parametrize("typed", ["1.000,5", "1,000.5", "1,000,000", "2,5x", "two", "", "nan", "inf"])
def test_thousands_separators_and_other_text_are_not_numbers(typed: str) -> None:
    with pytest.raises(ValueError, match="expected a number"):
        parse_number(typed)


def test_text_that_is_not_a_decimal_comma_is_left_for_the_caller(tmp_path: Path) -> None:
    assert normalise_number("1/3") == "1/3" and normalise_number("A,B") == "A,B"


# ------------------------------------------------------------------ through the CLI


def test_cp1252_file_through_the_cli_exits_2_with_the_message(tmp_path: Path) -> None:
    form = tmp_path / "FORM.csv"
    form.write_bytes((FLEX / "FORM.csv").read_text(encoding="utf-8").replace("theory", "théorie").encode("cp1252"))
    result = CliRunner().invoke(app, ["score", "--form", str(form), "--responses", str(FLEX / "RESPONSES.csv"),
                                      "--rules", str(RULES / "flextoets.toml"), "--out", str(tmp_path / "R.csv")])
    assert result.exit_code == 2
    assert "FORM.csv: is not UTF-8 text" in result.output and "CSV UTF-8" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "R.csv").exists()
    db = f"sqlite:///{tmp_path / 'bank.db'}"
    assert CliRunner().invoke(app, ["init", "--db", db]).exit_code == 0
    items = tmp_path / "items.csv"
    items.write_bytes("code,stem,item_type\nQ1,Wat is één?,open\n".encode("cp1252"))
    result = CliRunner().invoke(app, ["items", "import", str(items), "--db", db])
    assert result.exit_code == 2
    assert "items.csv: is not UTF-8 text" in result.output and "Nothing was written." in result.output
    (tmp_path / "folder.csv").mkdir()
    result = CliRunner().invoke(app, ["items", "export", str(tmp_path / "folder.csv"), "--db", db])
    assert result.exit_code == 2 and "folder.csv: could not write the file" in result.output
    assert "Traceback" not in result.output and list((tmp_path / "folder.csv").iterdir()) == []


def test_tables_module_is_the_only_reader(tmp_path: Path) -> None:
    # Every reader of io/ goes through read_table or read_text: none opens a file itself.
    for module in (ROOT / "itembank" / "io").glob("*.py"):
        if module.name == "tables.py":
            continue
        source = module.read_text(encoding="utf-8")
        for opener in ("open(", "read_csv(", "read_excel(", "load_workbook(", "csv.reader", "to_excel("):
            assert opener not in source, f"{module.name} reads/writes a file itself with {opener}"
    assert tables.TABLE_SUFFIXES == (".csv", ".xlsx")


# --------------------------------------------------------------------------- large matrices


MESSY = (
    "\ufeffcandidate;Q1;Q2;O1\r\n"
    "c1; A ;01;2,5\r\n"
    ";;;\r\n"                      # a fully empty row is skipped
    "c2;1;\"B\nC\";3\r\n"            # a quoted cell with a line break is one record
    "\r\n"
    "c3;A|C\r\n"                   # a short row: the missing cells are empty
)


def test_the_matrix_reader_follows_the_table_readers_policy_cell_for_cell(tmp_path: Path) -> None:
    path = tmp_path / "responses.csv"
    path.write_bytes(MESSY.encode("utf-8"))
    table = read_table(path)
    matrix = tables.read_matrix(path)
    assert matrix.header == table.header == ["candidate", "Q1", "Q2", "O1"]
    assert matrix.rows.tolist() == [n for n, _ in table.rows] == [2, 4, 6]
    as_rows = matrix.frame.astype(object).to_dict(orient="records")
    assert as_rows == [cells for _, cells in table.rows]
    # Labels stay text: "01" is not the number 1, and blanks around a label are dropped.
    assert as_rows[0] == {"candidate": "c1", "Q1": "A", "Q2": "01", "O1": "2,5"}
    assert as_rows[2] == {"candidate": "c3", "Q1": "A|C", "Q2": "", "O1": ""}


def test_the_matrix_reader_reports_a_row_longer_than_the_header(tmp_path: Path) -> None:
    path = tmp_path / "responses.csv"
    path.write_text("candidate,Q1,,\nc1,A,,\nc2,B,,X\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        tables.read_matrix(path)
    assert [(p.file, p.row) for p in err.value.problems] == [("responses.csv", 3)]
    assert "expected 2 fields, found 4" in str(err.value)
    path.write_text("candidate,Q1\nc1,A\nc2,A,B,C\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        tables.read_matrix(path)
    assert str(err.value).splitlines()[0] == "responses.csv, row 3: expected 2 fields, found 4"
