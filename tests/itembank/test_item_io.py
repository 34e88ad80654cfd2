"""Item import/export: all-or-nothing, clear errors, lossless round trip (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from itembank.services import bank
from itembank.io import item_files
from itembank.services.bank import ItemContent
from itembank.errors import InputFileError
from itembank.storage.models import AuditEvent, Item, ItemVersion, ReviewStatus, StatusEvent

HEADER = ["code", "version", "status", "item_type", "language", "variant", "stem",
          "option_A", "option_B", "option_C", "option_D", "key", "max_score", "author",
          "created_at", "change_note", "specification", "objective", "topic", "level", "item_set"]


def good_row(code: str, **over: str) -> dict[str, str]:
    row = {h: "" for h in HEADER}
    row.update(code=code, status="approved", item_type="mc", language="en", stem=f"Question {code}?",
               option_A="alpha", option_B="beta", option_C="gamma", option_D="delta", key="C",
               max_score="1", author="writer", specification="SPEC", objective="LO1", level="K")
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        bank.add_specification(s, "SPEC", "Spec", objectives=[("LO1", "one"), ("LO2", "two")],
                               levels=[("K", "knowledge")], topics=[("fire", "Fire")], actor="admin")
        s.commit()
        yield s


def count_items(session: Session) -> int:
    return session.scalar(select(func.count(Item.id))) or 0


def test_import_creates_items_with_tags_and_status(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "items.csv", [good_row("Q1"), good_row("Q2", objective="LO2", topic="fire",
                                                                          key="A", status="draft")])
    report = item_files.import_items(session, path, actor="sec")
    session.commit()
    assert report.new_items == ["Q1", "Q2"]
    q2 = bank.get_version(session, "Q2")
    assert sorted(t.code for t in q2.tags) == ["K", "LO2", "fire"]
    assert q2.key == ["A"] and q2.review.status.value == "draft"
    assert bank.get_version(session, "Q1").review.status.value == "approved"


def test_an_item_reviewed_elsewhere_keeps_its_reviewer(session: Session, tmp_path: Path) -> None:
    header = [*HEADER, "reviewed_by"]
    path = write_csv(tmp_path / "items.csv", [good_row("Q1", reviewed_by="r.elsewhere"), good_row("Q2")], header)
    item_files.import_items(session, path, actor="sec")
    session.commit()
    approvals = dict(session.execute(select(Item.code, StatusEvent.actor).join(
        ItemVersion, ItemVersion.id == StatusEvent.item_version_id).join(Item, Item.id == ItemVersion.item_id)
        .where(StatusEvent.to_status == ReviewStatus.APPROVED)).all())
    assert approvals == {"Q1": "r.elsewhere",  # the other system's reviewer
                         "Q2": "sec"}  # none given: whoever imported it
    out = tmp_path / "out.csv"
    item_files.export_items(session, out)
    exported = {r["code"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert (exported["Q1"]["reviewed_by"], exported["Q1"]["author"]) == ("r.elsewhere", "writer")


def test_an_approved_version_reviewed_by_its_author_is_refused(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "items.csv", [good_row("Q1", reviewed_by="writer")], [*HEADER, "reviewed_by"])
    with pytest.raises(InputFileError) as refused:
        item_files.import_items(session, path, actor="sec")
    assert "row 2, column 'reviewed_by'" in str(refused.value) and "four-eyes" in str(refused.value)
    assert count_items(session) == 0


@pytest.mark.parametrize(
    ("override", "column", "expected"),
    [
        ({"objective": "LO9"}, "objective", "unknown objective code 'LO9'"),
        ({"key": "E"}, "key", "key E is not among the options"),
        ({"option_B": "", "option_C": "", "option_D": "", "key": "A"}, "option_A", "at least two options"),
        ({"stem": "   "}, "stem", "the stem (question text) is empty"),
        ({"max_score": "two"}, "max_score", "expected a positive number, got 'two'"),
        ({"max_score": "-1"}, "max_score", "must be a positive number"),
        ({"language": "xx"}, "language", "unknown language code 'xx'"),
        ({"status": "done"}, "status", "expected one of draft, in_review, approved, retired"),
        ({"version": "0"}, "version", "expected a whole number of 1 or more"),
        ({"specification": "NOPE"}, "specification", "unknown test specification 'NOPE'"),
    ],
)
def test_one_bad_row_writes_nothing_and_names_file_row_and_column(
    session: Session, tmp_path: Path, override: dict[str, str], column: str, expected: str
) -> None:
    rows = [good_row("Q1"), good_row("Q2"), good_row("Q3", **override)]
    path = write_csv(tmp_path / "batch.csv", rows)
    with pytest.raises(InputFileError) as info:
        item_files.import_items(session, path, actor="sec")
    session.rollback()
    message = str(info.value)
    # Q3 is the third data row: spreadsheet row 4 (the header is row 1)
    assert f"batch.csv, row 4, column '{column}'" in message
    assert expected in message
    assert "Nothing was written." in message
    assert count_items(session) == 0


def test_duplicate_code_in_file_is_reported_on_the_second_row(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", [good_row("Q1"), good_row("Q2"), good_row("Q1")])
    with pytest.raises(InputFileError, match=r"dup.csv, row 4, column 'code': duplicate item code 'Q1' \(also on row 2\)"):
        item_files.import_items(session, path, actor="sec")


def test_unknown_column_is_refused(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "typo.csv", [good_row("Q1") | {"stam": "x"}], HEADER + ["stam"])
    with pytest.raises(InputFileError, match=r"typo.csv, row 1, column 'stam': unknown column"):
        item_files.import_items(session, path, actor="sec")


def test_a_failure_while_writing_rolls_back_the_whole_file(session: Session, tmp_path: Path,
                                                          engine: Engine) -> None:
    """A row that passes validation but fails in the database undoes the rows before it."""
    bank.add_item(session, "EXISTING", ItemContent(stem="s?", options=(("A", "a"), ("B", "b")), key=("A",)),
                  author="w")
    session.commit()
    # version 1 of EXISTING with other content: refused before writing
    rows = [good_row("Q1"), good_row("EXISTING", version="1")]
    path = write_csv(tmp_path / "clash.csv", rows)
    with pytest.raises(InputFileError, match="version 1 of EXISTING already exists with different content"):
        item_files.import_items(session, path, actor="sec")
    session.rollback()
    with Session(engine) as fresh:
        assert fresh.scalars(select(Item.code)).all() == ["EXISTING"]
        assert fresh.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import")) == 0


def test_round_trip_is_lossless_and_idempotent(session: Session, tmp_path: Path, engine: Engine) -> None:
    bank.add_item(session, "Q1", ItemContent(stem="Line one\nline two, with \"quotes\"",
                                             options=(("A", "a, b"), ("B", "ß é ü"), ("C", "=1+1")),
                                             key=("B",), language="nl"),
                  author="ann", specification="SPEC", tags=[("objective", "LO2"), ("topic", "fire")])
    bank.revise_item(session, "Q1", based_on=1, author="bob", change_note="half points", max_score="0.5")
    bank.set_status(session, "Q1", 2, "in_review", actor="bob")
    bank.add_item(session, "Q2", ItemContent(stem="Pick two", options=(("A", "x"), ("B", "y"), ("C", "z")),
                                             key=("A", "C"), item_type="mr", max_score=2), author="ann")
    bank.add_item(session, "Q3", ItemContent(stem="Explain.", item_type="open", max_score=4), author="ann")
    session.commit()
    for suffix in ("csv", "xlsx"):
        first = tmp_path / f"first.{suffix}"
        assert item_files.export_items(session, first) == 4
        # import into an empty bank, export again: the same file
        other = tmp_path / f"other_{suffix}.db"
        from itembank.storage.db import make_engine, migrate

        eng2 = make_engine(f"sqlite:///{other}")
        migrate(eng2)
        with Session(eng2) as s2:
            bank.add_specification(s2, "SPEC", "Spec", objectives=[("LO1", "one"), ("LO2", "two")],
                                   levels=[("K", "knowledge")], topics=[("fire", "Fire")], actor="admin")
            report = item_files.import_items(s2, first, actor="sec")
            s2.commit()
            assert len(report.new_versions) == 4
            second = tmp_path / f"second.{suffix}"
            item_files.export_items(s2, second)
        eng2.dispose()
        assert _table(first) == _table(second)
        # re-importing into the original bank changes nothing
        report = item_files.import_items(session, first, actor="sec")
        session.commit()
        assert (report.new_versions, len(report.unchanged)) == ([], 4)
    assert session.scalar(select(func.count(ItemVersion.id))) == 4


def _table(path: Path) -> list[list[str]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.reader(fh))
    wb = openpyxl.load_workbook(path)
    return [[("" if c is None else str(c)) for c in row] for row in wb.worksheets[0].iter_rows(values_only=True)]


def test_xlsx_import_reports_rows_like_a_spreadsheet(session: Session, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append([good_row("Q1")[h] for h in HEADER])
    bad = good_row("Q2", key="Z")
    ws.append([bad[h] for h in HEADER])
    ws.cell(row=2, column=HEADER.index("max_score") + 1, value=1)  # a number cell, as Excel stores it
    path = tmp_path / "items.xlsx"
    wb.save(path)
    with pytest.raises(InputFileError, match=r"items.xlsx, row 3, column 'key': key Z is not among"):
        item_files.import_items(session, path, actor="sec")
    assert count_items(session) == 0


def test_new_version_by_import_continues_the_history(session: Session, tmp_path: Path) -> None:
    item_files.import_items(session, write_csv(tmp_path / "a.csv", [good_row("Q1", version="1")]), actor="s")
    item_files.import_items(session, write_csv(tmp_path / "b.csv", [good_row("Q1", stem="Better?")]), actor="s")
    assert [v.stem for v in bank.get_item(session, "Q1").versions] == ["Question Q1?", "Better?"]
    with pytest.raises(InputFileError, match="expected version 3 of Q1 next, got 5"):
        item_files.import_items(session, write_csv(tmp_path / "c.csv", [good_row("Q1", version="5")]), actor="s")


def test_latest_exports_the_newest_version_of_every_line(session: Session, tmp_path: Path) -> None:
    """Q1: Dutch v1 (source), English v2 translated later, Dutch v3. --latest writes the newest
    Dutch (v3) and the newest English (v2), the source first: not only the item's newest version."""
    from typer.testing import CliRunner

    from itembank.cli import app

    nl = (("A", "Handschoenen"), ("B", "Een veiligheidsbril"))
    bank.add_item(session, "Q1", ItemContent(stem="Wat beschermt je ogen?", options=nl, key=("B",), language="nl"),
                  author="ann")
    bank.revise_item(session, "Q1", based_on=1, author="tom", change_note="English translation", language="en",
                     stem="What protects your eyes?", options=(("A", "Gloves"), ("B", "Safety goggles")))
    bank.revise_item(session, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen het best?")
    bank.add_item(session, "Q2", ItemContent(stem="Vraag twee?", options=nl, key=("A",), language="nl"), author="ann")
    bank.revise_item(session, "Q2", based_on=1, author="tom", change_note="English translation", language="en",
                     stem="Question two?")
    session.commit()

    def rows(path: Path) -> list[tuple[str, str, str]]:
        with path.open(encoding="utf-8") as fh:
            return [(r["code"], r["version"], r["language"]) for r in csv.DictReader(fh)]

    assert item_files.export_items(session, tmp_path / "latest.csv", latest_only=True) == 4
    assert rows(tmp_path / "latest.csv") == [("Q1", "3", "nl"), ("Q1", "2", "en"), ("Q2", "1", "nl"), ("Q2", "2", "en")]
    assert item_files.export_items(session, tmp_path / "en.csv", latest_only=True, language="en") == 2
    assert rows(tmp_path / "en.csv") == [("Q1", "2", "en"), ("Q2", "2", "en")]
    assert item_files.export_items(session, tmp_path / "nl.csv", language="nl") == 3  # every Dutch version
    assert rows(tmp_path / "nl.csv") == [("Q1", "1", "nl"), ("Q1", "3", "nl"), ("Q2", "1", "nl")]
    # the export re-imports as unchanged: each row is the newest of its line already in the bank
    assert item_files.import_items(session, tmp_path / "latest.csv", actor="t").new_versions == []
    url = session.get_bind().url.render_as_string(hide_password=False)
    session.close()
    result = CliRunner().invoke(app, ["items", "export", str(tmp_path / "cli.csv"), "--latest", "--language", "nl",
                                      "--db", url])
    assert result.exit_code == 0 and "2 item version(s) written" in result.output, result.output
    assert rows(tmp_path / "cli.csv") == [("Q1", "3", "nl"), ("Q2", "1", "nl")]
    assert "newest version of each line" in CliRunner().invoke(app, ["items", "export", "--help"]).output
