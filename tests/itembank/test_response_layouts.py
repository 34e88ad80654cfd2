"""Response files in the layouts test systems write: long, positions, string (issue 15, item 3).

The form is the one of ``test_response_io``: MC items Q1..Q3 keyed A (options A-D) and an
open question O1 worth 3 points. Every layout of the same answers must store exactly what
the wide file stores (the loaded matrices are compared cell for cell), and every mistake is
named by file, row and column, exits 2 on the command line and stores nothing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank.cli import app
from itembank.errors import InputFileError
from itembank.io import response_files
from itembank.services import administrations
from itembank.storage.models import Candidate, Registration, ResponseSet

WIDE = """candidate,Q1,Q2,Q3,O1,O1#2,language
c1,A,A,A,3,2,nl
c2,B,A,,1.5,1.5,en
c3,C,E,A|B,0,0,nl
c4,,,,,,en
"""

# The same answers, one row per answer; c4 omitted everything but still has a row (an
# omitted answer, empty response), c2's omitted Q3 has no row at all.
LONG = """candidate,item,response,grader,language
c1,Q1,A,,nl
c1,Q2,A,,nl
c1,Q3,A,,nl
c1,O1,3,1,nl
c1,O1,2,2,nl
c2,Q1,B,,en
c2,Q2,A,,en
c2,O1,"1,5",,en
c2,O1,1.5,2,en
c3,Q1,C,,nl
c3,Q2,E,,nl
c3,Q3,A|B,,nl
c3,O1,0,,nl
c3,O1,0,2,nl
c4,Q1,,,en
"""

POSITIONS = """candidate,1,2,3,4,4#2,language
c1,A,A,A,3,2,nl
c2,B,A,,1.5,1.5,en
c3,C,E,A|B,0,0,nl
c4,,,,,,en
"""

# The string holds Q1..Q3 (the closed items, in form order); A|B cannot be written in one
# character, so c3 answers "*" there (a scanner's double mark), scored invalid like A|B.
STRING = """candidate,responses,O1,O1#2,language
c1,AAA,3,2,nl
c2,BA-,1.5,1.5,en
c3,CE*,0,0,nl
c4,---,,,en
"""


@pytest.fixture
def session(engine: Engine, flextoets_exam):
    with Session(engine) as s:
        flextoets_exam(s, ["Q1", "Q2", "Q3", "O1"])
        s.commit()
        yield s


def write(tmp_path: Path, text: str, name: str = "responses.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored_rows(session: Session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Candidate, Registration, ResponseSet))


def loaded(session: Session) -> pd.DataFrame:
    """The stored responses as the loader gives them, as plain text (None = omitted)."""
    admin = administrations.get_administration(session, "ADM")
    coded = administrations.load_responses(session, admin)
    return coded.astype(object).where(coded.notna(), None)


def wide_reference(session: Session, tmp_path: Path, text: str = WIDE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the wide file stores: the loaded matrix and the attributes; then everything since
    the last commit is rolled back."""
    response_files.import_responses(session, "ADM", write(tmp_path, text, "wide.csv"), actor="sec",
                                    attributes=["language"])
    out = loaded(session), administrations.get_attributes(session, "ADM")
    assert len(out[0]) == 4
    session.rollback()
    assert stored_rows(session) == (0, 0, 0)
    return out


@pytest.mark.parametrize(("layout", "text"), [("long", LONG), ("positions", POSITIONS)])
def test_each_layout_stores_exactly_what_the_wide_file_stores(session: Session, tmp_path: Path,
                                                               layout: str, text: str) -> None:
    matrix, attrs = wide_reference(session, tmp_path)
    report = response_files.import_responses(session, "ADM", write(tmp_path, text), actor="sec",
                                             attributes=["language"], layout=layout)
    assert (report.layout, report.detected) == (layout, False)
    assert (report.candidates, report.invalid) == (4, {"Q2": 1, "Q3": 1})
    pd.testing.assert_frame_equal(loaded(session), matrix)
    pd.testing.assert_frame_equal(administrations.get_attributes(session, "ADM"), attrs)


def test_the_long_layout_is_detected(session: Session, tmp_path: Path) -> None:
    matrix, _ = wide_reference(session, tmp_path)
    report = response_files.import_responses(session, "ADM", write(tmp_path, LONG), actor="sec",
                                             attributes=["language"])
    assert (report.layout, report.detected) == ("long", True)
    pd.testing.assert_frame_equal(loaded(session), matrix)


def test_positions_are_detected_when_item_codes_do_not_look_like_positions(
        engine: Engine, flextoets_exam, tmp_path: Path) -> None:
    with Session(engine) as s:
        flextoets_exam(s, ["MC-A", "MC-B", "MC-C", "O-X"])
        wide = WIDE.replace("candidate,Q1,Q2,Q3,O1,O1#2", "candidate,MC-A,MC-B,MC-C,O-X,O-X#2")
        matrix, attrs = wide_reference(s, tmp_path, wide)
        flextoets_exam(s, ["MC-A", "MC-B", "MC-C", "O-X"])
        report = response_files.import_responses(s, "ADM", write(tmp_path, POSITIONS), actor="sec",
                                                 attributes=["language"])
        assert (report.layout, report.detected) == ("positions", True)
        pd.testing.assert_frame_equal(loaded(s), matrix)
        assert loaded(s).loc["c3", "MC-C"] == "A|B" and loaded(s).loc["c1", "O-X#2"] == "2"
        s.rollback()
        flextoets_exam(s, ["MC-A", "MC-B", "MC-C", "O-X"])
        report = response_files.import_responses(
            s, "ADM", write(tmp_path, POSITIONS.replace("candidate,1,2,3,4,4#2", "candidate,Q1,Q2,Q3,Q4,Q4#2")),
            actor="sec", attributes=["language"])
        assert (report.layout, report.detected) == ("positions", True)
        pd.testing.assert_frame_equal(loaded(s), matrix)


def test_the_string_layout_stores_what_the_wide_file_stores(session: Session, tmp_path: Path) -> None:
    matrix, attrs = wide_reference(session, tmp_path, WIDE.replace("A|B", "*"))
    report = response_files.import_responses(session, "ADM", write(tmp_path, STRING), actor="sec",
                                             attributes=["language"])
    assert (report.layout, report.detected, report.invalid) == ("string", True, {"Q2": 1, "Q3": 1})
    pd.testing.assert_frame_equal(loaded(session), matrix)
    pd.testing.assert_frame_equal(administrations.get_attributes(session, "ADM"), attrs)
    # hand-checked cells: '-' is an omitted answer, the characters go to Q1, Q2, Q3 in form order
    stored = loaded(session)
    assert stored.loc["c2", ["Q1", "Q2", "Q3"]].tolist() == ["B", "A", None]
    assert stored.loc["c3", ["Q1", "Q2", "Q3"]].tolist() == ["C", "E", "*"]


def test_q_numbered_positions_and_a_form_coded_q1_are_read_by_code(session: Session, tmp_path: Path) -> None:
    # This form's items are coded Q1..Q3, so a header Q1,Q2,Q3 names items (wide), never positions,
    # and a misspelt code (Q5, a position-like name) is never taken for a position either: the wide
    # checks name it. With --layout positions, "Q4" is position 4 (O1).
    matrix, _ = wide_reference(session, tmp_path)
    form = administrations.scoring_form(session, "ADM")
    assert response_files.detect_layout(["candidate", "Q1", "Q2", "Q3", "O1", "O1#2"], form) == "wide"
    assert response_files.detect_layout(["candidate", "1", "2", "3", "4", "4#2"], form) == "wide"
    assert response_files.detect_layout(["candidate", "Q1", "Q2", "Q5", "O1", "O1#2"], form) == "wide"
    text = POSITIONS.replace("candidate,1,2,3,4,4#2", "candidate,Q1,Q2,Q3,Q4,Q4#2")
    report = response_files.import_responses(session, "ADM", write(tmp_path, text), actor="sec",
                                             attributes=["language"], layout="positions")
    assert report.layout == "positions"
    pd.testing.assert_frame_equal(loaded(session), matrix)


def refused(session: Session, tmp_path: Path, text: str, expected: list[str], **options: object) -> None:
    with pytest.raises(InputFileError) as err:
        response_files.import_responses(session, "ADM", write(tmp_path, text), actor="sec", **options)
    assert [str(p) for p in err.value.problems] == expected
    assert str(err.value).endswith("Nothing was written.")
    assert stored_rows(session) == (0, 0, 0)


def test_long_layout_mistakes_name_row_and_column(session: Session, tmp_path: Path) -> None:
    refused(session, tmp_path, LONG + "c1,Q2,B,,nl\nc5,Q9,A,,nl\n,Q1,A,,nl\n", [
        "responses.csv, row 19, column 'candidate': empty candidate id",
        "responses.csv, row 18, column 'item': 'Q9' is not an item of form F",
    ], attributes=["language"])
    refused(session, tmp_path, LONG + "c1,Q2,B,,nl\nc1,O1,1,2,nl\n", [
        "responses.csv, row 17, column 'item': candidate 'c1' already has an answer to item Q2 on row 3",
        "responses.csv, row 18, column 'item': candidate 'c1' already has an answer to item O1, grader 2 on row 6",
    ], attributes=["language"])
    refused(session, tmp_path, LONG.replace("c1,Q1,A,,nl", "c1,Q1,A,2,nl").replace("c1,O1,2,2,nl", "c1,O1,2,two,nl"), [
        "responses.csv, row 6, column 'grader': expected a grader number (1, 2, 3 ... up to 99; empty = 1), got 'two'",
        "responses.csv, row 2, column 'grader': grader 2 is only for open items; item Q1 is mc",
    ], attributes=["language"])
    refused(session, tmp_path, LONG.replace("c2,Q2,A,,en", "c2,Q2,A,,nl"), [
        "responses.csv, row 8, column 'language': candidate 'c2' has language 'nl' here but 'en' on row 7",
    ], attributes=["language"])
    # the scoring core's checks, placed on the answer's own row
    refused(session, tmp_path, LONG.replace("c1,O1,3,1,nl", "c1,O1,4,1,nl").replace("c3,O1,0,2,nl\n", ""), [
        "responses.csv, row 5, column 'response': item O1: points '4' outside 0..3",
        "responses.csv, row 11, column 'grader': item O1, grader 2: no points here while another grader gave "
        "points; enter 0 for an unanswered question",
    ], attributes=["language"])
    refused(session, tmp_path, "candidate,item,answer\nc1,Q1,A\n", [
        "responses.csv, row 1, column 'response': required column 'response' is missing "
        "(the long layout has candidate, item, response, grader)",
        "responses.csv, row 1, column 'answer': not a column of the long layout: expected candidate, item, "
        "response, grader; for a candidate attribute such as language or location, name it with --attribute",
    ], layout="long")


def test_positions_mistakes_name_the_column(session: Session, tmp_path: Path) -> None:
    refused(session, tmp_path, POSITIONS.replace("candidate,1,2,3,4,4#2", "candidate,1,2,5,4,Q1"), [
        "responses.csv, row 1, column '5': position 5 is not on form F, which has 4 items (positions 1 to 4)",
        "responses.csv, row 1, column 'Q1': position 1 is also column '1'",
    ], attributes=["language"], layout="positions")
    refused(session, tmp_path, "candidate,1,2,4\nc1,A,A,3\n", [
        "responses.csv, row 1: no column for position 3 (Q3) of form F",
    ], layout="positions")
    refused(session, tmp_path, POSITIONS.replace("c1,A,A,A,3,2", "c1,A,A,A,9,2"), [
        "responses.csv, row 2, column '4': points '9' outside 0..3",
    ], attributes=["language"], layout="positions")
    refused(session, tmp_path, "candidate,1,2,3,4,language\nc1,A,A,A,1,nl\n", [
        "responses.csv, row 1, column 'language': expected a position on form F (1 to 4, or Q1 to Q4); "
        "for a candidate attribute such as language or location, name it with --attribute",
    ], layout="positions")


def test_string_mistakes_name_row_and_column(session: Session, tmp_path: Path) -> None:
    refused(session, tmp_path, STRING.replace("c2,BA-,", "c2,BA,").replace("c3,CE*,", "c3,CEAD,"), [
        "responses.csv, row 3, column 'responses': expected 3 answers (one character per closed item of "
        "form F, in form order; '-' for an omitted answer), found 2",
        "responses.csv, row 4, column 'responses': expected 3 answers (one character per closed item of "
        "form F, in form order; '-' for an omitted answer), found 4",
    ], attributes=["language"])
    refused(session, tmp_path, "candidate,responses,Q1\nc1,AAA,A\n", [
        "responses.csv, row 1, column 'Q1': not a column of the string layout: expected candidate, responses, "
        "--attribute columns and the open items' columns (O1)",
        "responses.csv, row 1, column 'O1': no column for this open item of form F",
    ])
    refused(session, tmp_path, STRING.replace("c1,AAA,3,2", "c1,AAA,3,x"), [
        "responses.csv, row 2, column 'O1#2': expected points (a number from 0 to 3), got 'x'",
    ], attributes=["language"])
    refused(session, tmp_path, STRING.replace("c4,---", "c1,---"), [
        "responses.csv, row 5, column 'candidate': candidate 'c1' already on row 2",
    ], attributes=["language"])


def test_the_cli_states_the_layout_and_refuses_a_bad_file_with_exit_2(session: Session, tmp_path: Path) -> None:
    runner = CliRunner()
    url = session.get_bind().url.render_as_string(hide_password=False)
    session.close()
    args = ["responses", "import", "ADM", "--attribute", "language", "--db", url]
    bad = runner.invoke(app, [*args[:3], str(write(tmp_path, STRING.replace("c2,BA-,", "c2,BA,"))), *args[3:]])
    assert bad.exit_code == 2, bad.output
    assert ("Error: responses.csv, row 3, column 'responses': expected 3 answers (one character per closed "
            "item of form F, in form order; '-' for an omitted answer), found 2") in bad.output
    assert "Nothing was written." in bad.output
    bad = runner.invoke(app, [*args[:3], str(write(tmp_path, LONG)), *args[3:], "--layout", "positions"])
    assert bad.exit_code == 2 and "column 'item': expected a position on form F" in bad.output
    bad = runner.invoke(app, [*args[:3], str(write(tmp_path, LONG)), *args[3:], "--layout", "tall"])
    assert bad.exit_code == 2 and "'tall' is not one of" in bad.output
    good = runner.invoke(app, [*args[:3], str(write(tmp_path, LONG)), *args[3:]])
    assert good.exit_code == 0, good.output
    assert "layout: long (detected from the header row; choose with --layout)" in good.output
    assert "4 candidates, 20 responses stored for administration ADM" in good.output
