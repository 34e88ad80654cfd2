"""Validation that refuses the implausible and says everything (issue 17, items 3 and 4), for the
files that need no bank: file mode's FORM, RESPONSES, DECISIONS and RULES, and the blueprint
table. Each case is a realistic mistake; each asserts the error, the file, row and column, the
range or order that was expected, and — through the CLI — exit code 2 and no RESULTS file."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from itembank.cli import app
from itembank.errors import InputFileError
from itembank.io.blueprint_files import read_blueprint_table
from itembank.io.numbers import BLUEPRINT_BOUND, LIMITS, MAX_SCORE, WEIGHT
from itembank.io.scoring_files import read_decisions, read_form, read_responses, read_rule_set_text, read_rules
from itembank.scoring.rules import RuleSetError

ROOT = Path(__file__).resolve().parents[2]
FLEX = ROOT / "tests" / "data" / "scoring" / "flextoets"
FLEX_RULES = (ROOT / "itembank" / "rules" / "flextoets.toml").read_text(encoding="utf-8")
FORM_HEADER = "item,part,type,options,key,max_score,weight"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(err: pytest.ExceptionInfo[InputFileError]) -> list[str]:
    return [str(p) for p in err.value.problems]


# --------------------------------------------------------------------------- the ranges


def test_the_documented_ranges() -> None:
    # The numbers the README states; one place (itembank/io/numbers.py), used by every reader.
    assert [(r.what, r.low, r.high, r.low_open) for r in LIMITS] == [
        ("the maximum score", 0, 1000, True), ("the weight", 0, 100, False), ("a blueprint bound", 0, 10_000, False)]
    assert MAX_SCORE.contains(Decimal("1000")) and not MAX_SCORE.contains(Decimal("1000.001"))
    assert not MAX_SCORE.contains(0) and MAX_SCORE.contains(Fraction(1, 1000))
    assert WEIGHT.contains(0) and WEIGHT.contains(100) and not WEIGHT.contains(-0.5)
    assert BLUEPRINT_BOUND.contains(0.55) and not BLUEPRINT_BOUND.contains(10_001)
    assert not MAX_SCORE.contains(Decimal("NaN")) and not WEIGHT.contains(float("inf"))


# --------------------------------------------------------------------------- FORM.csv


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("M1,mc,mc,A|B,A,8712345678906,1", "max_score",
         "the maximum score must be a positive number at most 1000, got 8712345678906"),
        ("M1,mc,mc,A|B,A,0,1", "max_score", "the maximum score must be a positive number at most 1000, got 0"),
        ("M1,mc,mc,A|B,A,1,250", "weight", "the weight must be a number from 0 to 100, got 250"),
        ("M1,mc,mc,A|B,A,1,-1", "weight", "the weight must be a number from 0 to 100, got -1"),
        ("M1,mc,mc,A|B,A,1,\"0,5\"", None, None),  # a decimal comma is a plausible weight
    ],
    ids=["product-code-max-score", "zero-max-score", "weight-250", "negative-weight", "decimal-comma-weight"],
)
def test_form_numbers_outside_their_range_name_row_column_and_range(tmp_path: Path, row: str, column: str | None,
                                                                   message: str | None) -> None:
    path = write(tmp_path, "FORM.csv", f"{FORM_HEADER}\n{row}\n")
    if message is None:
        assert read_form(path).items[0].weight == Fraction(1, 2)
        return
    with pytest.raises(InputFileError) as err:
        read_form(path)
    assert problems(err) == [f"FORM.csv, row 2, column '{column}': {message}"]


def test_every_row_of_a_form_is_checked_before_anything_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "FORM.csv", f"{FORM_HEADER}\nM1,mc,mc,A|B,A,5000,1\nM2,mc,mc,A|B,A,1,101\nM3,mc,xx,A|B,A,1,1\n")
    with pytest.raises(InputFileError) as err:
        read_form(path)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "max_score"), (3, "weight"), (4, "type")]


def test_a_form_with_only_a_header_row_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        read_form(write(tmp_path, "FORM.csv", f"{FORM_HEADER}\n\n"))
    assert problems(err) == ["FORM.csv: the file has no item rows (only a header row)"]


# --------------------------------------------------------------------------- RESPONSES and DECISIONS


def test_responses_with_only_a_header_row_say_so(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        read_responses(write(tmp_path, "RESPONSES.csv", "candidate,F01,F02\n"))
    assert problems(err) == ["RESPONSES.csv: the file has no candidates (only a header row)"]


@pytest.mark.parametrize(("value", "shown"), [("250", "250"), ("-2", "-2"), ("1e3", "1000")])
def test_a_weight_decision_outside_the_range_is_refused_on_its_row(tmp_path: Path, value: str, shown: str) -> None:
    form = read_form(FLEX / "FORM.csv")
    path = write(tmp_path, "DECISIONS.csv", f"item,action,value,reason\nF01,weight,2,ok\nF02,weight,{value},typo\n")
    with pytest.raises(InputFileError) as err:
        read_decisions(path, form)
    assert problems(err) == [f"DECISIONS.csv, row 3, column 'value': the weight must be a number from 0 to 100, got {shown}"]


def test_a_weight_decision_that_is_not_a_number_keeps_the_cores_message(tmp_path: Path) -> None:
    form = read_form(FLEX / "FORM.csv")
    path = write(tmp_path, "DECISIONS.csv", "item,action,value,reason\nF01,weight,twee,typo\n")
    with pytest.raises(InputFileError) as err:
        read_decisions(path, form)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "value")]
    assert "twee" in problems(err)[0]


def test_a_decisions_file_with_only_a_header_is_no_decisions(tmp_path: Path) -> None:
    # Not a mistake: the committee's template before any decision; same as leaving --decisions out.
    assert read_decisions(write(tmp_path, "DECISIONS.csv", "item,action,value,reason\n"), read_form(FLEX / "FORM.csv")) == []


# --------------------------------------------------------------------------- RULES.toml


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("min = 4.5\nmax = 5.4", "min = 5.4\nmax = 4.5",
         "rules.toml: inspection.max: the band must run from min up to max: max 4.5 is below min 5.4"),
        ('method = "linear"              # 0 -> 1.0, cut -> 5.5, maximum -> 10.0\nanchor = "zero"',
         'method = "table"\ntable = [[0, 1], [10, 5.5], [20, 4]]',
         "rules.toml: grade.table[2]: grades must not go down as scores go up: 4 after 5.5"),
        ("[inspection]", '[judicium]\nbands = [{ from = 60, label = "goed" }, { from = 55, label = "voldoende" }]\n\n[inspection]',
         "rules.toml: judicium.bands[1].from: bands must go up: 55 does not exceed the previous band's 60"),
    ],
    ids=["inspection-min-above-max", "grade-table-going-down", "judicium-bands-out-of-order"],
)
def test_a_range_out_of_order_in_a_rule_set_is_refused_with_its_key_path(tmp_path: Path, old: str, new: str,
                                                                         message: str) -> None:
    assert old in FLEX_RULES
    path = write(tmp_path, "rules.toml", FLEX_RULES.replace(old, new))
    with pytest.raises(RuleSetError) as err:
        read_rules(path)
    assert str(err.value) == message


def test_an_equal_inspection_min_and_max_is_a_band_of_one_grade(tmp_path: Path) -> None:
    path = write(tmp_path, "rules.toml", FLEX_RULES.replace("min = 4.5\nmax = 5.4", "min = 5.4\nmax = 5.4"))
    assert read_rules(path).inspection.low == read_rules(path).inspection.high == Fraction(27, 5)


def test_rule_set_text_for_rules_add_is_checked_with_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "rules.toml", FLEX_RULES.replace('kind = "percent"', 'kind = "procent"'))
    with pytest.raises(RuleSetError) as err:
        read_rule_set_text(path)
    assert str(err.value).startswith("rules.toml: total.cut.kind: expected one of ")
    assert read_rule_set_text(write(tmp_path, "ok.toml", FLEX_RULES)) == FLEX_RULES


# --------------------------------------------------------------------------- the blueprint table

BP_HEADER = "id,type,counts,condition,lower,upper,on"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("LO1,count,items,objective=LO1,3,2,yes", "upper", "upper 2 is below lower 3"),
        ("LO1,count,items,objective=LO1,2,40000,yes", "upper", "a blueprint bound must be a number from 0 to 10000, got 40000"),
        ("LO1,count,items,objective=LO1,-1,2,yes", "lower", "a blueprint bound must be a number from 0 to 10000, got -1"),
        ("LO1,count,items,objective=LO1,\"2,5\",3,yes", "lower", "a count row counts whole items, got 2.5"),
    ],
    ids=["lower-above-upper", "bound-too-large", "negative-bound", "fractional-count"],
)
def test_a_blueprint_row_with_an_implausible_or_unordered_range_is_refused(tmp_path: Path, row: str, column: str,
                                                                           message: str) -> None:
    path = write(tmp_path, "bp.csv", f"{BP_HEADER}\ntotal,count,items,,40,40,yes\n{row}\n")
    with pytest.raises(InputFileError) as err:
        read_blueprint_table(path)
    assert problems(err) == [f"bp.csv, row 3, column '{column}': {message}"]


def test_a_blueprint_table_with_only_a_header_row_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        read_blueprint_table(write(tmp_path, "bp.csv", f"{BP_HEADER}\n"))
    assert problems(err) == ["bp.csv: the file has no constraint rows (only a header row)"]


def test_a_mean_p_band_is_a_plausible_fractional_bound(tmp_path: Path) -> None:
    path = write(tmp_path, "bp.csv", f"{BP_HEADER}\ntotal,count,items,,40,40,yes\nmp,mean,p,,\"0,55\",0.75,yes\n")
    assert [(r.lower, r.upper) for r in read_blueprint_table(path)] == [(40, 40), (0.55, 0.75)]


# --------------------------------------------------------------------------- through the CLI


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("FORM.csv", f"{FORM_HEADER}\n", "FORM.csv: the file has no item rows"),
        ("FORM.csv", (FLEX / "FORM.csv").read_text(encoding="utf-8").replace("F01,theory,mc,A|B|C|D,A,1,1",
                                                                             "F01,theory,mc,A|B|C|D,A,8712345678906,1"),
         "FORM.csv, row 2, column 'max_score': the maximum score must be a positive number at most 1000"),
        ("RESPONSES.csv", "candidate,F01\n", "RESPONSES.csv: the file has no candidates"),
        ("RULES.toml", FLEX_RULES.replace("min = 4.5\nmax = 5.4", "min = 5.4\nmax = 4.5"),
         "RULES.toml: inspection.max: the band must run from min up to max"),
        ("DECISIONS.csv", "item,action,value,reason\nF01,weight,8712345678906,typo\n",
         "DECISIONS.csv, row 2, column 'value': the weight must be a number from 0 to 100"),
    ],
    ids=["empty-form", "implausible-max-score", "empty-responses", "inspection-out-of-order", "implausible-weight"],
)
def test_file_mode_refuses_with_exit_code_2_and_writes_no_results(tmp_path: Path, name: str, text: str,
                                                                 expected: str) -> None:
    files = {"FORM.csv": FLEX / "FORM.csv", "RESPONSES.csv": FLEX / "RESPONSES.csv",
             "RULES.toml": ROOT / "itembank" / "rules" / "flextoets.toml", "DECISIONS.csv": FLEX / "DECISIONS.csv"}
    files[name] = write(tmp_path, name, text)
    out = tmp_path / "RESULTS.csv"
    result = CliRunner().invoke(app, ["score", "--form", str(files["FORM.csv"]), "--responses",
                                      str(files["RESPONSES.csv"]), "--rules", str(files["RULES.toml"]),
                                      "--decisions", str(files["DECISIONS.csv"]), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output and not out.exists()


# --------------------------------------------------------------------------- complete messages


def test_a_missing_column_is_reported_with_what_the_header_row_has(tmp_path: Path) -> None:
    # A decisions file given where the form was expected: say which columns were found.
    with pytest.raises(InputFileError) as err:
        read_form(write(tmp_path, "FORM.csv", "item,action,value,reason\nF01,void,,typo\n"))
    assert problems(err)[:2] == [
        "FORM.csv, row 1, column 'part': required column is missing; the header row has item, action, value, reason",
        "FORM.csv, row 1, column 'type': required column is missing; the header row has item, action, value, reason",
    ]
    with pytest.raises(InputFileError) as err:
        read_blueprint_table(write(tmp_path, "bp.csv", "id;type;lower;upper\nx;count;1;1\n"))
    assert problems(err)[0] == "bp.csv, row 1, column 'counts': required column is missing; the header row has id, type, lower, upper"


def test_a_responses_file_whose_first_column_is_not_candidate_says_what_it_found(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        read_responses(write(tmp_path, "RESPONSES.csv", "kandidaat,F01\nc1,A\n"))
    assert problems(err) == ["RESPONSES.csv, row 1, column 'kandidaat': the first column must be 'candidate', found 'kandidaat'"]


def test_file_mode_lists_both_the_foreign_and_the_missing_item_columns(tmp_path: Path) -> None:
    form = write(tmp_path, "FORM.csv", f"{FORM_HEADER}\nQ1,theory,mc,A|B,A,1,1\nQ2,theory,mc,A|B,B,1,1\n")
    responses = write(tmp_path, "RESPONSES.csv", "candidate,Q1,X7\nc1,A,B\n")
    rules = write(tmp_path, "rules.toml", "[parts.theory]\n[total.cut]\nkind = 'points'\nvalue = 1\n[grade]\nmethod = 'none'\n")
    result = CliRunner().invoke(app, ["score", "--form", str(form), "--responses", str(responses), "--rules", str(rules),
                                      "--out", str(tmp_path / "R.csv")])
    assert result.exit_code == 2, result.output
    assert "RESPONSES.csv, row 1, column 'X7': column is not an item of the form" in result.output
    assert "RESPONSES.csv, row 1, column 'Q2': no column for this item of the form" in result.output
    assert not (tmp_path / "R.csv").exists()


def test_a_rule_set_checked_against_a_form_lists_every_problem(tmp_path: Path) -> None:
    from itembank.scoring.form import Form, Item

    rules = read_rules(write(tmp_path, "rules.toml", "[parts.mc]\nitems = ['Q1', 'Q9']\n[parts.essay]\n"
                                                     "[grade]\nmethod = 'none'\n"))
    form = Form((Item("Q1", "mc", "mc", ("A", "B"), ("A",)), Item("O1", "open", "open"), Item("O2", "open", "open")))
    with pytest.raises(RuleSetError) as err:
        rules.check(form)
    assert str(err.value).splitlines() == [
        "rules.toml: parts.mc.items: item 'Q9' is not on the form",
        "rules.toml: parts: item 'O1' belongs to part 'open', which the rule set does not declare (declared: mc, essay)",
        "rules.toml: parts: item 'O2' belongs to part 'open', which the rule set does not declare (declared: mc, essay)",
        "rules.toml: parts.essay: no item of the form belongs to this part",
    ]
