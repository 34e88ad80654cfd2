"""Imports into the bank refuse the implausible and say everything (issue 17, items 2-4), on
SQLite and PostgreSQL, through the real CLI: items, blueprints and responses files with
mistakes a user makes. Each case asserts exit code 2, the message (file, row, column, what was
expected) and a bank that is unchanged in every table (a fingerprint of all rows).
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank.cli import app
from itembank.errors import UserError
from itembank.services import administrations, bank, blueprints, forms
from itembank.services.bank import ItemContent
from itembank.storage.models import Base

ITEM_HEADER = "code,item_type,stem,option_A,option_B,key,max_score,specification,objective,level"
BP_HEADER = "id,type,counts,condition,lower,upper,on"
BP_TOTAL = "total,count,items,,3,3,yes"


@pytest.fixture
def url(engine: Engine, db_url: str) -> str:
    """A bank with specification S (objectives LO1, LO2; levels K, A), four approved items,
    form F (LO1-1, LO1-2, LO2-1) and its sitting ADM without responses."""
    with Session(engine) as s:
        bank.add_specification(s, "S", "Spec", objectives=[("LO1", "one"), ("LO2", "two")],
                               levels=[("K", "know"), ("A", "apply")], actor="admin")
        entries = []
        for code in ("LO1-1", "LO1-2", "LO2-1", "LO2-2"):
            version = bank.add_item(s, code, ItemContent(stem=f"{code}?", options=(("A", "a"), ("B", "b")), key=("A",)),
                                    author="w", specification="S", tags=[("objective", code[:3]), ("level", "K")])
            bank.set_status(s, code, 1, "in_review", actor="w")
            bank.set_status(s, code, 1, "approved", actor="c")
            entries.append(forms.FormEntry(version.id, part="theory"))
        forms.freeze_form(s, "F", entries[:3], actor="c")
        administrations.add_administration(s, "ADM", "F", on=date(2026, 1, 15), actor="sec")
        s.commit()
    return db_url


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Every table: its row count and a hash of its rows in a fixed order."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            out[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


def refused(engine: Engine, argv: list[str], *expected: str) -> str:
    """Run ``itembank ARGV --db ...``: exit code 2, every ``expected`` text in the message,
    no traceback, and not one row of any table changed."""
    before = fingerprint(engine)
    result = CliRunner().invoke(app, [*argv, "--db", str(engine.url.render_as_string(hide_password=False))])
    assert result.exit_code == 2, result.output
    for text in expected:
        assert text in result.output, result.output
    assert "Traceback" not in result.output and "Nothing was written." in result.output
    assert fingerprint(engine) == before
    return result.output


def message_lines(output: str, name: str) -> list[str]:
    """The problem lines of a CLI message about file ``name`` (the first follows "Error: ")."""
    return [line.removeprefix("Error: ") for line in output.splitlines() if line.removeprefix("Error: ").startswith(name)]


def write(tmp_path: Path, name: str, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / name)
    return tmp_path / name


# --------------------------------------------------------------------------- items


ITEM_CASES: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "header only": (lambda d: write(d, "items.csv", ITEM_HEADER + "\n"),
                    ("items.csv: the file has no item rows (only a header row); nothing to import",)),
    "header and empty rows": (lambda d: write(d, "items.csv", ITEM_HEADER + "\n,,,,\n\n , ,\n"),
                              ("items.csv: the file has no item rows",)),
    "xlsx header only": (lambda d: xlsx(d, "items.xlsx", [ITEM_HEADER.split(",")]),
                         ("items.xlsx: the file has no item rows",)),
    "product code as max score": (
        lambda d: write(d, "items.csv", ITEM_HEADER + "\nN1,mc,Wat?,a,b,A,8712345678906,S,LO1,K\n"),
        ("items.csv, row 2, column 'max_score': the maximum score must be a positive number at most 1000, "
         "got 8712345678906",)),
    "max score just above the limit, every row listed": (
        lambda d: write(d, "items.csv", ITEM_HEADER + "\nN1,mc,Wat?,a,b,A,\"1000,5\",S,LO1,K\n"
                        "N2,open,Leg uit.,,,,0,S,LO1,K\n"),
        ("items.csv, row 2, column 'max_score': the maximum score must be a positive number at most 1000, got 1000.5",
         "items.csv, row 3, column 'max_score': the maximum score must be a positive number at most 1000, got 0")),
    "tab separated": (lambda d: write(d, "items.csv", ITEM_HEADER.replace(",", "\t") + "\nN1\tmc\tWat?\n"),
                      ("items.csv, row 1: the header row is read as one column", "found a tab")),
    "cp1252": (lambda d: write(d, "items.csv", ITEM_HEADER + "\nN1,mc,Wat is één?,a,b,A,1,S,LO1,K\n", encoding="cp1252"),
               ("items.csv: is not UTF-8 text", "CSV UTF-8")),
}


@pytest.mark.parametrize("make", [c[0] for c in ITEM_CASES.values()], ids=ITEM_CASES.keys())
def test_an_items_file_with_a_mistake_changes_nothing(url: str, engine: Engine, tmp_path: Path, make) -> None:
    expected = next(e for m, e in ITEM_CASES.values() if m is make)
    refused(engine, ["items", "import", str(make(tmp_path))], *expected)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_an_items_file_in_utf16_or_with_a_bom_is_imported(url: str, engine: Engine, tmp_path: Path,
                                                          encoding: str) -> None:
    path = write(tmp_path, "items.csv", ITEM_HEADER + "\nN1,mc,Wat is één?,a,b,A,\"2,5\",S,LO1,K\n", encoding=encoding)
    if encoding == "utf-16":
        assert path.read_bytes().startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    result = CliRunner().invoke(app, ["items", "import", str(path), "--db", url])
    assert result.exit_code == 0, result.output
    with Session(engine) as s:
        assert bank.get_version(s, "N1", 1).stem == "Wat is één?"


# --------------------------------------------------------------------------- blueprints


BLUEPRINT_CASES = {
    "unknown attribute": ("LO2,count,items,objectiv = LO2,1,1,yes",
                          "bp.csv, row 3, column 'condition': unknown column 'objectiv' in 'objectiv=LO2'; "
                          "expected one of item_code, objective, level, topic"),
    "unknown objective code": ("LO9,count,items,objective=LO9; level=K,1,1,yes",
                               "bp.csv, row 3, column 'condition': unknown objective code 'LO9' in 'objective=LO9'; "
                               "the specification has LO1, LO2"),
    "unknown level in a list": ("KA,count,items,\"level in K, X\",1,1,yes",
                                "column 'condition': unknown level code 'X' in 'level in K, X'; the specification has A, K"),
    "sum over a column no item has": ("time,sum,time,,,60,yes",
                                      "bp.csv, row 3, column 'counts': unknown number column 'time'; a sum adds up "
                                      "one of points, p, a, b, c, times_used, forms_since_last_use, exposure_rate"),
    "mean over a text column": ("obj,mean,objective,,0,1,yes", "column 'counts': unknown number column 'objective'"),
    "lower above upper": ("LO1,count,items,objective=LO1,3,2,yes", "bp.csv, row 3, column 'upper': upper 2 is below lower 3"),
    "bound too large": ("pts,sum,points,,0,87123456,yes",
                        "bp.csv, row 3, column 'upper': a blueprint bound must be a number from 0 to 10000, got 87123456"),
}


@pytest.mark.parametrize(("row", "message"), BLUEPRINT_CASES.values(), ids=BLUEPRINT_CASES.keys())
def test_a_blueprint_naming_the_unknown_or_out_of_range_is_not_stored(url: str, engine: Engine, tmp_path: Path,
                                                                      row: str, message: str) -> None:
    path = write(tmp_path, "bp.csv", f"{BP_HEADER}\n{BP_TOTAL}\n{row}\n")
    refused(engine, ["blueprint", "import", "S", "BP", str(path)], message)


def test_every_unknown_name_of_a_blueprint_is_listed_at_once(url: str, engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "bp.csv", f"{BP_HEADER}\n{BP_TOTAL}\na,count,items,objectiv=LO1,1,1,yes\n"
                                     "b,count,items,topic=T1,0,1,yes\nc,sum,tijd,,,60,yes\n")
    output = refused(engine, ["blueprint", "import", "S", "BP", str(path)])
    assert [line.split(":")[0] for line in message_lines(output, "bp.csv")] == [
        "bp.csv, row 3, column 'condition'", "bp.csv, row 4, column 'condition'", "bp.csv, row 5, column 'counts'"]
    assert "unknown topic code 'T1' in 'topic=T1'; the specification has none" in output


def test_a_blueprint_with_only_a_header_row_is_not_stored(url: str, engine: Engine, tmp_path: Path) -> None:
    refused(engine, ["blueprint", "import", "S", "BP", str(write(tmp_path, "bp.csv", BP_HEADER + "\n"))],
            "bp.csv: the file has no constraint rows (only a header row)")


def test_a_blueprint_naming_only_known_names_is_stored_as_a_draft(url: str, engine: Engine, tmp_path: Path) -> None:
    # Codes compare ignoring case, like the matching; every pool column may be tested.
    path = write(tmp_path, "bp.csv", f"{BP_HEADER}\n{BP_TOTAL}\na,count,items,\"objective=lo1; level in K, A\",1,2,yes\n"
                                     "b,count,items,language=nl; item_code not in LO2-2,0,3,yes\n"
                                     "c,sum,points,,0,\"3,0\",yes\nd,mean,p,,0,1,no\n")
    result = CliRunner().invoke(app, ["blueprint", "import", "S", "BP", str(path), "--db", url])
    assert result.exit_code == 0, result.output
    with Session(engine) as s:
        assert [r.id for r in blueprints.blueprint_constraints(blueprints.get_blueprint(s, "BP"))] == [
            "total", "a", "b", "c", "d"]


def test_the_known_names_are_the_pool_columns_and_the_specifications_tags(url: str, engine: Engine) -> None:
    with Session(engine) as s:
        pool, _ = forms.load_pool(s, "S")
        known = blueprints.known_names(s, bank.get_specification(s, "S"))
    assert set(known.columns) == set(pool.columns)
    assert set(known.numbers) <= set(pool.columns)
    assert {d: sorted(c) for d, c in known.codes.items()} == {"objective": ["LO1", "LO2"], "level": ["A", "K"],
                                                              "topic": []}


@pytest.mark.parametrize(("cells", "points", "message"), [
    ({("LO1", "K"): 20_000}, 40, "cell LO1 x K: the item count: a blueprint bound must be a number from 0 to 10000, got 20000"),
    ({("LO1", "K"): -1}, 40, "cell LO1 x K: the item count: a blueprint bound must be a number from 0 to 10000, got -1"),
    ({("LO1", "K"): 2}, 87_123_456, "total points: a blueprint bound must be a number from 0 to 10000, got 87123456"),
])
def test_add_blueprint_refuses_implausible_counts_and_points(url: str, engine: Engine, cells, points: int,
                                                             message: str) -> None:
    before = fingerprint(engine)
    with Session(engine) as s, pytest.raises(UserError, match=f"^blueprint BP2: {message}$"):
        blueprints.add_blueprint(s, "S", "BP2", cells=cells, total_points=points, actor="c")
    assert fingerprint(engine) == before


# --------------------------------------------------------------------------- responses


def test_a_responses_file_of_another_form_lists_the_foreign_and_the_missing_columns(url: str, engine: Engine,
                                                                                   tmp_path: Path) -> None:
    path = write(tmp_path, "responses.csv", "candidate,LO1-1,X-7,X-8\nc1,A,B,A\n")
    output = refused(engine, ["responses", "import", "ADM", str(path)])
    assert message_lines(output, "responses.csv") == [
        "responses.csv, row 1, column 'X-7': not an item of form F; for a candidate attribute such as language or "
        "location, name it with --attribute",
        "responses.csv, row 1, column 'X-8': not an item of form F; for a candidate attribute such as language or "
        "location, name it with --attribute",
        "responses.csv, row 1, column 'LO1-2': no column for this item of form F",
        "responses.csv, row 1, column 'LO2-1': no column for this item of form F",
    ]


def test_a_responses_file_with_only_a_header_row_is_not_stored(url: str, engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "responses.csv", "candidate;LO1-1;LO1-2;LO2-1\r\n")
    refused(engine, ["responses", "import", "ADM", str(path)],
            "responses.csv: the file has no candidates (only a header row)")


def test_responses_in_utf16_from_notepad_are_stored(url: str, engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "responses.csv", "candidate;LO1-1;LO1-2;LO2-1\r\nc1;A;B;A\r\n", encoding="utf-16")
    result = CliRunner().invoke(app, ["responses", "import", "ADM", str(path), "--db", url])
    assert result.exit_code == 0, result.output
    with Session(engine) as s:
        assert administrations.get_responses(s, "ADM").loc["c1"].tolist() == ["A", "B", "A"]


@pytest.mark.parametrize(("max_score", "shown"), [(8712345678906, "8712345678906"), ("1000.001", "1000.001"), (-2, "-2")])
def test_the_bank_refuses_an_implausible_max_score_however_the_item_arrives(url: str, engine: Engine, max_score,
                                                                            shown: str) -> None:
    # ItemContent holds the one check, so an edit in the dashboard and an import agree.
    before = fingerprint(engine)
    with Session(engine) as s:
        with pytest.raises(UserError, match=f"max_score: the maximum score must be a positive number at most 1000, got {shown}$"):
            bank.add_item(s, "N9", ItemContent(stem="Leg uit.", item_type="open", max_score=max_score), author="w")
        with pytest.raises(UserError, match="at most 1000"):
            bank.revise_item(s, "LO1-1", based_on=1, author="w", change_note="typo", max_score=max_score)
        s.rollback()
    assert fingerprint(engine) == before
