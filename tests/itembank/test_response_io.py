"""Responses in and out of the bank (CSV/XLSX), on SQLite and PostgreSQL.

The form: MC items Q1..Q3 keyed A (options A-D) and an open question O1 worth 3 points,
graded twice (O1, O1#2). The rule set is the seed 004 Flextoets example, whose open items
take the mean of the graders. Hand-scored, for candidate c1: Q1-Q3 = A A A (3) + O1 mean of
3 and 2 = 2.5 -> total 5.5 of 6.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank.io.scoring_files import score_files
from itembank.services import administrations
from itembank.services import committee
from itembank.services import results
from itembank.io import response_files
from itembank.cli import app
from itembank.errors import InputFileError
from itembank.storage.models import Candidate, Registration, ResponseSet

GOOD = """candidate,Q1,Q2,Q3,O1,O1#2,language
c1,A,A,A,3,2,nl
c2,B,A,,1.5,1.5,en
c3,C,E,A|B,0,0,nl
c4,,,,,,en
"""

FORM_CSV = "item,part,type,options,key,max_score,weight\n" + "".join(
    f"{q},theory,mc,A|B|C|D,A,1,1\n" for q in ("Q1", "Q2", "Q3")) + "O1,theory,open,,,3,1\n"


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


def stored_rows(session: Session) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Candidate, Registration, ResponseSet))


def test_import_stores_choices_and_each_graders_points(session: Session, tmp_path: Path) -> None:
    report = response_files.import_responses(session, "ADM", write(tmp_path, GOOD), actor="sec", attributes=["language"])
    assert (report.candidates, report.responses) == (4, 20)
    assert report.invalid == {"Q2": 1, "Q3": 1}  # E is no option; A|B is two answers to a single-answer item
    # The stored response matrix keeps each grader's points exactly, as decimal text.
    stored = administrations.get_responses(session, "ADM")
    points = [(c, g, stored.at[c, col]) for c in stored.index for g, col in ((1, "O1"), (2, "O1#2"))
              if stored.at[c, col] is not None]
    assert points[:4] == [("c1", 1, "3"), ("c1", 2, "2"), ("c2", 1, "1.5"), ("c2", 2, "1.5")]
    attrs = administrations.get_attributes(session, "ADM")
    assert attrs["language"].tolist() == ["nl", "en", "nl", "en"]
    t = results.score_administration(session, "ADM").results_table().set_index("candidate")
    assert t.loc["c1", "total"] == "5.5" and t.loc["c2", "total"] == "2.5"  # 1 + mean(1.5, 1.5)
    assert t.loc["c4", "total"] == "0"


def test_database_mode_scores_exactly_as_file_mode(session: Session, tmp_path: Path, flextoets_text: str) -> None:
    path = write(tmp_path, GOOD)
    response_files.import_responses(session, "ADM", path, actor="sec", attributes=["language"])
    files = tmp_path / "files"
    files.mkdir()
    plain = write(files, "\n".join(",".join(line.split(",")[:-1]) for line in GOOD.splitlines()) + "\n")
    from_files = score_files(form=write(files, FORM_CSV, "form.csv"), responses=plain,
                                     rules=write(files, flextoets_text, "rules.toml"), out=files / "results.csv")
    from_db = results.score_administration(session, "ADM")
    pd.testing.assert_frame_equal(from_db.results_table(), from_files.results_table())


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_gives_the_same_responses(session: Session, tmp_path: Path, suffix: str) -> None:
    response_files.import_responses(session, "ADM", write(tmp_path, GOOD), actor="sec", attributes=["language"])
    out = tmp_path / f"export{suffix}"
    assert response_files.export_responses(session, "ADM", out) == 4
    if suffix == ".csv":
        assert out.read_text(encoding="utf-8") == GOOD  # byte for byte: layout, order, empty cells
    administrations.add_administration(session, "ADM2", "F", on=date(2025, 12, 1), actor="sec")
    committee.assign_rule_set(session, "ADM2", "FLEX", actor="sec")
    response_files.import_responses(session, "ADM2", out, actor="sec", attributes=["language"])
    pd.testing.assert_frame_equal(administrations.get_responses(session, "ADM2"), administrations.get_responses(session, "ADM"))
    pd.testing.assert_frame_equal(administrations.get_attributes(session, "ADM2"), administrations.get_attributes(session, "ADM"))


def test_a_bad_file_names_every_row_and_column_and_stores_nothing(session: Session, tmp_path: Path) -> None:
    bad = write(tmp_path, GOOD.replace("c2,B,A,,1.5", "c2,B,A,,4").replace("c3,C,E,A|B,0,0", "c3,C,E,A|B,x,0")
                + "c1,A,A,A,1,1,nl\n,A,A,A,1,1,nl\n")
    with pytest.raises(InputFileError) as err:
        response_files.import_responses(session, "ADM", bad, actor="sec", attributes=["language"])
    assert [str(p) for p in err.value.problems] == [
        "responses.csv, row 6, column 'candidate': candidate 'c1' already on row 2",
        "responses.csv, row 7, column 'candidate': empty candidate id",
    ]
    assert stored_rows(session) == (0, 0, 0)
    bad = write(tmp_path, GOOD.replace("c2,B,A,,1.5", "c2,B,A,,4").replace("c3,C,E,A|B,0,0", "c3,C,E,A|B,x,0")
                .replace("c4,,,,,,en", "c4,,,,2,,en"))
    with pytest.raises(InputFileError) as err:
        response_files.import_responses(session, "ADM", bad, actor="sec", attributes=["language"])
    assert [str(p) for p in err.value.problems] == [
        "responses.csv, row 3, column 'O1': points '4' outside 0..3",
        "responses.csv, row 4, column 'O1': expected points (a number from 0 to 3), got 'x'",
        "responses.csv, row 5, column 'O1#2': no points here while another grader gave points; "
        "enter 0 for an unanswered question",
    ]
    assert "Nothing was written." in str(err.value)
    assert stored_rows(session) == (0, 0, 0)


def test_columns_that_are_not_items_of_the_form_are_refused(session: Session, tmp_path: Path) -> None:
    # Without --attribute, "language" is not an item; a missing item column is named too.
    bad = write(tmp_path, GOOD.replace("Q3,", "Q33,"))
    with pytest.raises(InputFileError) as err:
        response_files.import_responses(session, "ADM", bad, actor="sec")
    messages = [str(p) for p in err.value.problems]
    assert messages[0] == ("responses.csv, row 1, column 'Q33': not an item of form F; for a candidate "
                           "attribute such as language or location, name it with --attribute")
    assert messages[1].startswith("responses.csv, row 1, column 'language': not an item of form F")
    bad = write(tmp_path, "candidate,Q1,Q2,O1,O1#2\nc1,A,A,3,2\n")
    with pytest.raises(InputFileError, match="row 1, column 'Q3': no column for this item of the form"):
        response_files.import_responses(session, "ADM", bad, actor="sec")
    assert stored_rows(session) == (0, 0, 0)


def test_importing_a_candidate_twice_is_refused(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    response_files.import_responses(session, "ADM", path, actor="sec", attributes=["language"])
    before = stored_rows(session)
    with pytest.raises(InputFileError, match="row 2, column 'candidate': already has responses in administration ADM"):
        response_files.import_responses(session, "ADM", path, actor="sec", attributes=["language"])
    assert stored_rows(session) == before


def test_points_without_a_decimal_form_are_refused(session: Session, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="row 2, column 'O1': points '1/3' have no exact decimal form"):
        response_files.import_responses(session, "ADM", write(tmp_path, GOOD.replace("c1,A,A,A,3", "c1,A,A,A,1/3")),
                                     actor="sec", attributes=["language"])


def test_secretary_registers_a_sitting_and_imports_through_the_cli(session: Session, tmp_path: Path) -> None:
    runner = CliRunner()
    url = session.get_bind().url.render_as_string(hide_password=False)
    session.close()

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", url])
        assert result.exit_code == 0, result.output
        return result.output

    assert "administration ADM3 registered" in run("administration", "add", "ADM3", "--form", "F", "--date", "2026-01-15")
    out = run("responses", "import", "ADM3", str(write(tmp_path, GOOD)), "--attribute", "language")
    assert "4 candidates, 20 responses stored for administration ADM3" in out
    assert "item Q2 has 1 answer(s) that are not one of its options" in out
    run("rules", "assign", "ADM3", "FLEX")
    # c1 alone reaches the cut 0.65 x 6 = 3.9 (5.5); its graders differ (3 vs 2) beyond threshold 0.
    scored = run("score", "ADM3")
    assert "4 candidates scored; total maximum 6" in scored and "outcomes: fail 3, pass 1" in scored
    assert "1 open-item gradings differ beyond the threshold" in scored
    bad = runner.invoke(app, ["administration", "add", "ADM4", "--form", "F", "--date", "15-01-2026", "--db", url])
    assert bad.exit_code == 2 and "--date must be a date written YYYY-MM-DD" in bad.output
    bad = runner.invoke(app, ["responses", "import", "ADM3", str(write(tmp_path, GOOD.replace(",3,2,", ",9,2,"))),
                              "--attribute", "language", "--db", url])
    assert bad.exit_code == 2
    assert "row 2, column 'O1': points '9' outside 0..3" in bad.output and "Nothing was written." in bad.output
