"""Every file format through the one io layer: a decimal comma in every numeric column, a
semicolon CSV as Dutch Excel writes it, and every exporter writing atomically."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itembank.assembly import BlueprintConstraint
from itembank.errors import InputFileError, UserError
from itembank.io import item_files, response_files, tables
from itembank.io.blueprint_files import read_blueprint_table, write_blueprint_table
from itembank.io.scoring_files import read_decisions, read_form, read_responses, score_files, write_results
from itembank.scoring.form import apply_decisions
from itembank.services import administrations, bank

ROOT = Path(__file__).resolve().parents[2]
FLEX = ROOT / "tests" / "data" / "scoring" / "flextoets"
RULES = ROOT / "itembank" / "rules"

FORM = "item;part;type;options;key;max_score;weight\nQ1;p;mc;A|B;A;2,5;0,5\nO1;p;open;;;3;1\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------ decimal comma, every column


def test_form_max_score_and_weight_take_a_decimal_comma(tmp_path: Path) -> None:
    form = read_form(write(tmp_path / "FORM.csv", FORM, "utf-8-sig"))
    q1 = form.items[0]
    assert (q1.max_score, q1.weight) == (Fraction(5, 2), Fraction(1, 2))


def test_form_refuses_a_thousands_separator(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="FORM.csv, row 2, column 'max_score': expected a number, got '1.000,5'"):
        read_form(write(tmp_path / "FORM.csv", FORM.replace("2,5", "1.000,5")))


def test_decision_weight_takes_a_decimal_comma(tmp_path: Path) -> None:
    form = read_form(write(tmp_path / "FORM.csv", FORM))
    decisions = read_decisions(write(tmp_path / "D.csv", "item;action;value;reason\nQ1;weight;1,5;ok\n"), form)
    assert decisions[0].value == "1.5"
    assert apply_decisions(form, decisions)["Q1"].weight == Fraction(3, 2)


def test_graders_points_take_a_decimal_comma_in_file_mode(tmp_path: Path) -> None:
    form = write(tmp_path / "FORM.csv", FORM)
    responses = write(tmp_path / "R.csv", 'candidate,Q1,O1\na,A,"1,5"\nb,B,2.5\n')
    assert read_responses(responses, form=read_form(form))["O1"].tolist() == ["1.5", "2.5"]
    assert read_responses(responses)["O1"].tolist() == ["1,5", "2.5"]  # without a form: as typed
    rules = write(tmp_path / "R.toml", "[parts.p]\n[grade]\nmethod = 'none'\n")
    result = score_files(form=form, responses=responses, rules=rules, out=tmp_path / "OUT.csv")
    # Q1 (weight 0.5): a 2.5 x 0.5 = 1.25, O1 1.5 -> 2.75; b 0 + 2.5
    assert result.results_table().set_index("candidate")["total"].to_dict() == {"a": "2.75", "b": "2.5"}


def test_blueprint_bounds_take_a_decimal_comma(tmp_path: Path) -> None:
    path = write(tmp_path / "bp.csv", "id;type;counts;condition;lower;upper\nmean_p;mean;p;;0,55;0,75\n", "utf-8-sig")
    assert read_blueprint_table(path) == [BlueprintConstraint("mean_p", "mean", "p", "", 0.55, 0.75)]
    with pytest.raises(InputFileError, match="bp.csv, row 2, column 'upper': '1.000,5' is not a number"):
        read_blueprint_table(write(path, "id;type;counts;condition;lower;upper\nn;count;items;;1;1.000,5\n"))


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        bank.add_specification(s, "SPEC", "Spec", objectives=[("LO1", "one")], actor="admin")
        s.commit()
        yield s


def test_item_max_score_takes_a_decimal_comma_in_a_semicolon_file(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path / "items.csv", "code;item_type;stem;max_score\nQ1;open;Leg uit.;2,5\nQ2;open;Waarom?;0.5\n",
                 "utf-8-sig")
    item_files.import_items(session, path, actor="sec")
    assert [bank.get_version(session, c).max_score for c in ("Q1", "Q2")] == [Decimal("2.5"), Decimal("0.5")]
    bad = write(tmp_path / "bad.csv", "code;item_type;stem;max_score\nQ3;open;Leg uit.;1.000,5\n")
    with pytest.raises(InputFileError, match="bad.csv, row 2, column 'max_score': expected a positive number, got '1.000,5'"):
        item_files.import_items(session, bad, actor="sec")


@pytest.fixture
def exam(engine: Engine, flextoets_exam):
    with Session(engine) as s:
        flextoets_exam(s, ["Q1", "Q2", "Q3", "O1"])
        s.commit()
        yield s


def test_graders_points_with_a_decimal_comma_are_stored_with_a_point(exam: Session, tmp_path: Path) -> None:
    path = write(tmp_path / "responses.csv", "candidate;Q1;Q2;Q3;O1;O1#2\nc1;A;A;A;2,5;1,5\nc2;B;A;A;0;0\n",
                 "utf-8-sig")
    response_files.import_responses(exam, "ADM", path, actor="sec")
    stored = administrations.get_responses(exam, "ADM")
    assert [str(stored.loc["c1", c]) for c in ("O1", "O1#2")] == ["2.5", "1.5"]


# ------------------------------------------------------------------ every exporter is atomic


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch):
    def replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(tables.os, "replace", replace)


def assert_untouched(target: Path) -> None:
    assert target.read_bytes() == b"previous"
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def prepare(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / name
    target.write_bytes(b"previous")
    return target


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_blueprint_export_is_atomic(tmp_path: Path, suffix: str, full_disk: None) -> None:
    target = prepare(tmp_path, f"bp{suffix}")
    with pytest.raises(UserError, match="could not write the file \\(disk full\\)"):
        write_blueprint_table([BlueprintConstraint("n", "count", "items", "", 1, 1)], target)
    assert_untouched(target)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_items_export_is_atomic(session: Session, tmp_path: Path, suffix: str, full_disk: None) -> None:
    bank.add_item(session, "Q1", bank.ItemContent(stem="s?", options=(("A", "a"), ("B", "b")), key=("A",)), author="w")
    target = prepare(tmp_path, f"items{suffix}")
    with pytest.raises(UserError, match="could not write the file \\(disk full\\)"):
        item_files.export_items(session, target)
    assert_untouched(target)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_responses_export_is_atomic(exam: Session, tmp_path: Path, suffix: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "responses.csv", "candidate,Q1,Q2,Q3,O1,O1#2\nc1,A,A,A,2,1\n")
    response_files.import_responses(exam, "ADM", path, actor="sec")
    target = prepare(tmp_path, f"responses{suffix}")
    monkeypatch.setattr(tables.os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(UserError, match="could not write the file \\(disk full\\)"):
        response_files.export_responses(exam, "ADM", target)
    assert_untouched(target)


def test_results_are_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = score_files(form=FLEX / "FORM.csv", responses=FLEX / "RESPONSES.csv", rules=RULES / "flextoets.toml",
                         out=tmp_path / "first.csv")
    target = prepare(tmp_path, "RESULTS.csv")
    monkeypatch.setattr(tables.os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(UserError, match="could not write the file \\(disk full\\)"):
        write_results(result, target)
    assert_untouched(target)
