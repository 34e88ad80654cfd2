"""Encodings and separators (issue 17, item 2): every reader of itembank.io.tables —
``read_table``, ``read_matrix`` and ``read_text`` (rule sets) — reads UTF-8 with or without a
byte-order mark and UTF-16 with one (Notepad's "Unicode" and "Unicode big endian"), refuses
anything else naming the file and what to do, and names both separators when a file mixes
them."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from itembank.errors import InputFileError
from itembank.io import tables
from itembank.io.scoring_files import read_rule_set_text, read_rules
from itembank.io.tables import read_matrix, read_table, read_text

TEXT = "candidate;Q1;Q2;O1\r\nc1;A;B|C;2,5\r\nc2;één;;3\r\n"
EXPECTED_ROWS = [(2, {"candidate": "c1", "Q1": "A", "Q2": "B|C", "O1": "2,5"}),
                 (3, {"candidate": "c2", "Q1": "één", "Q2": "", "O1": "3"})]

# How each encoding a user's program can write is stored on disk.
ACCEPTED = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 with BOM (Excel 'CSV UTF-8')": lambda t: t.encode("utf-8-sig"),
    "utf-16 LE with BOM (Notepad 'Unicode')": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16 BE with BOM (Notepad 'Unicode big endian')": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
}


@pytest.mark.parametrize("encode", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_every_accepted_encoding_reads_the_same_table(tmp_path: Path, encode) -> None:
    path = tmp_path / "responses.csv"
    path.write_bytes(encode(TEXT))
    assert read_table(path).rows == EXPECTED_ROWS
    matrix = read_matrix(path)
    assert matrix.header == ["candidate", "Q1", "Q2", "O1"]
    assert matrix.frame.astype(object).to_dict(orient="records") == [cells for _, cells in EXPECTED_ROWS]


@pytest.mark.parametrize("encode", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_rule_set_in_every_accepted_encoding_is_read(tmp_path: Path, encode) -> None:
    text = (Path(__file__).resolve().parents[2] / "itembank" / "rules" / "flextoets.toml").read_text(encoding="utf-8")
    path = tmp_path / "rules.toml"
    path.write_bytes(encode(text))
    assert read_text(path) == text
    assert read_rules(path).text == text


REFUSED = {
    "cp1252 (Excel 'CSV')": (lambda t: t.encode("cp1252"), "is not UTF-8 text (byte"),
    "utf-16 without BOM": (lambda t: t.encode("utf-16-le"), "UTF-16 without a byte-order mark"),
    "utf-32 with BOM": (lambda t: t.encode("utf-32"), "is UTF-32 text"),
    "an XLSX workbook named .csv": (lambda t: b"PK\x03\x04" + b"\x14\x00" * 40, "is a zip archive (an XLSX workbook?)"),
    "a SQLite database named .csv": (lambda t: b"SQLite format 3\x00" + b"\x00" * 100, "is not a text file"),
    "utf-16 with BOM and a broken tail": (lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le") + b"\x00\xd8",
                                          "starts as UTF-16 text but byte"),
}


@pytest.mark.parametrize(("encode", "message"), REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("reader", [read_table, read_matrix], ids=["read_table", "read_matrix"])
def test_every_other_encoding_is_refused_naming_the_file_and_what_to_do(tmp_path: Path, encode, message: str,
                                                                        reader) -> None:
    path = tmp_path / "responses.csv"
    path.write_bytes(encode(TEXT))
    with pytest.raises(InputFileError) as err:
        reader(path)
    first = str(err.value).splitlines()[0]
    assert first.startswith("responses.csv: ") and message in first
    assert "save it as 'CSV UTF-8'" in first
    assert [(p.file, p.row, p.column) for p in err.value.problems] == [("responses.csv", None, None)]


@pytest.mark.parametrize(("encode", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_a_rule_set_in_another_encoding_is_refused_saying_save_as_utf8(tmp_path: Path, encode, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(encode("name = 'één'\n[parts.mc]\n"))
    with pytest.raises(InputFileError) as err:
        read_rule_set_text(path)
    assert str(err.value).startswith("rules.toml: ") and message in str(err.value)
    assert "save it as UTF-8" in str(err.value)


def test_a_csv_file_named_xlsx_is_refused_saying_it_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "items.xlsx"
    path.write_text("code,stem\nQ1,Wat?\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"^items.xlsx: is not an XLSX workbook .* must have a name ending in .csv"):
        read_table(path)


# --------------------------------------------------------------------------- separators


@pytest.mark.parametrize("reader", [read_table, read_matrix], ids=["read_table", "read_matrix"])
def test_a_tab_separated_file_names_the_tab_and_the_expected_separators(tmp_path: Path, reader) -> None:
    path = tmp_path / "responses.csv"
    path.write_text("candidate\tQ1\tQ2\nc1\tA\tB\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        reader(path)
    [problem] = err.value.problems
    assert (problem.file, problem.row) == ("responses.csv", 1)
    assert "found a tab between the names, expected a comma or a semicolon" in problem.message


@pytest.mark.parametrize("reader", [read_table, read_matrix], ids=["read_table", "read_matrix"])
def test_rows_with_the_other_separator_than_the_header_name_both(tmp_path: Path, reader) -> None:
    # The header typed by hand with commas, the rows pasted from Dutch Excel with semicolons:
    # every row would otherwise be one candidate id "c1;A;B" with every answer omitted.
    path = tmp_path / "responses.csv"
    path.write_text("candidate,Q1,Q2\nc1;A;B\nc2,A,B\nc3;B;\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        reader(path)
    assert [str(p) for p in err.value.problems] == [
        "responses.csv, row 2: found 3 cells separated by ';', but the header row separates its 3 columns by ','; "
        "use one separator in the whole file",
        "responses.csv, row 4: found 3 cells separated by ';', but the header row separates its 3 columns by ','; "
        "use one separator in the whole file",
    ]


def test_a_one_column_header_with_longer_rows_names_the_rows_separator(tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    path.write_text("item\nQ1,void,,typo\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_table(path)
    assert str(err.value.problems[0]) == ("decisions.csv, row 2: expected 1 fields, found 4 separated by ',', "
                                          "but the header row has one column and no separator")


def test_a_candidate_id_holding_a_comma_with_every_answer_omitted_is_still_read(tmp_path: Path) -> None:
    # Only a first cell that splits into exactly the header's columns is taken for mixed separators.
    path = tmp_path / "responses.csv"
    path.write_text("candidate;Q1;Q2\nJansen, P.;;\nc2;A;B\n", encoding="utf-8")
    assert [cells["candidate"] for _, cells in read_table(path).rows] == ["Jansen, P.", "c2"]
    assert read_matrix(path).frame["candidate"].astype(object).tolist() == ["Jansen, P.", "c2"]


def test_separator_detection_is_one_function_used_by_both_readers() -> None:
    assert tables._separator("a;b;c\n1,5;2;3") == ";"
    assert tables._separator("a,b\n1;2") == ","
    assert tables._separator("a\n1") == ","


def test_a_header_row_in_one_quoted_cell_says_to_remove_the_quotes(tmp_path: Path) -> None:
    path = tmp_path / "FORM.csv"
    path.write_text('"item;part;type"\n"M1;mc;mc"\n', encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_table(path)
    assert str(err.value.problems[0]) == ("FORM.csv, row 1: the header row is one cell 'item;part;type' in double "
                                          "quotes: found ';' inside the quotes, expected the names separated by it; "
                                          "remove the quotes around the header row")


def test_a_workbook_whose_columns_were_never_split_says_how_to_split_them(tmp_path: Path) -> None:
    # A comma CSV opened in Dutch Excel lands in column A; saved as XLSX it stays one column.
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["candidate,Q1,Q2"])
    book.active.append(["c1,A,B"])
    book.save(tmp_path / "responses.xlsx")
    for reader in (read_table, read_matrix):
        with pytest.raises(InputFileError) as err:
            reader(tmp_path / "responses.xlsx")
        assert str(err.value.problems[0]) == (
            "responses.xlsx, row 1: the header row is one cell 'candidate,Q1,Q2' holding ',': the columns were never "
            "split; split them in the workbook (Excel: Data, Text to Columns) or import the CSV file itself")
