"""The scoring core: item scoring, decisions, open items, objections, annulment, properties,
the two shipped rule files on hand-computed example data, and SAT12 against its published
scored matrix."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itembank.scoring import ANNULLED, PENDING, Decision, Form, Item, ResponseError, RuleSetError, load_rule_set, score
from itembank.io.scoring_files import read_form, read_responses

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
RULES = ROOT / "itembank" / "rules"

NO_GRADE = "[parts.p]\n[grade]\nmethod = 'none'\n"


def rules(text: str = NO_GRADE):
    return load_rule_set(text, source="test.toml")


def frame(rows: dict[str, dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("candidate")


# --------------------------------------------------------------------------- item scoring


def test_mc_scoring_with_missing_and_invalid_counted_separately() -> None:
    form = Form((Item("Q1", "p", "mc", ("A", "B", "C", "D"), ("B",)),))
    resp = frame({"c1": {"Q1": "B"}, "c2": {"Q1": "A"}, "c3": {"Q1": ""}, "c4": {"Q1": "A|B"}, "c5": {"Q1": "X"}, "c6": {"Q1": None}})
    result = score(form, resp, rules=rules())
    assert result.scored["Q1"].tolist() == [1, 0, 0, 0, 0, 0]
    # c3 and c6 omitted; c4 (two marks on an mc item) and c5 (unknown label) invalid
    assert result.candidates["missing"].tolist() == [0, 0, 1, 0, 0, 1]
    assert result.candidates["invalid"].tolist() == [0, 0, 0, 1, 1, 0]


def test_multiple_response_all_or_nothing_and_partial_credit() -> None:
    form = Form((Item("R", "p", "mr", ("A", "B", "C", "D"), ("A", "C"), max_score=2),))
    resp = frame({"a": {"R": "A|C"}, "b": {"R": "C|A"}, "c": {"R": "A"}, "d": {"R": "A|B"}, "e": {"R": "A|B|C"}})
    aon = score(form, resp, rules=rules())
    assert aon.scored["R"].tolist() == [2, 2, 0, 0, 0]
    partial = score(form, resp, rules=rules("[scoring]\nmultiple_response = 'partial'\n" + NO_GRADE))
    # right-minus-wrong over 2 keys, max 2: A -> 2*(1-0)/2 = 1; A|B -> 2*(1-1)/2 = 0; A|B|C -> 2*(2-1)/2 = 1
    assert partial.scored["R"].tolist() == [2, 2, 1, 0, 1]


def test_open_items_mean_of_two_graders_and_disagreements_for_a_third_grading() -> None:
    form = Form((Item("O", "p", "open", max_score=10),))
    resp = frame({"a": {"O": "3", "O#2": "5"}, "b": {"O": "3", "O#2": "4"}, "c": {"O": "", "O#2": ""}})
    text = "[scoring.open]\ncombine = 'mean'\ndisagreement_threshold = 1\n" + NO_GRADE
    result = score(form, resp, rules=rules(text))
    assert result.scored["O"].tolist() == [4, 3.5, 0]  # (3+5)/2, (3+4)/2, omitted
    assert result.candidates["missing"].tolist() == [0, 0, 1]
    # only a's difference of 2 exceeds the threshold of 1
    assert result.disagreements.to_dict("records") == [{"candidate": "a", "item": "O", "points": "3|5", "difference": F(2)}]
    rounded = score(form, resp, rules=rules("[scoring.open]\nround_up = true\n" + NO_GRADE))
    assert rounded.scored["O"].tolist() == [4, 4, 0]  # 3.5 rounded up to 4


def test_open_items_median_lets_a_third_grader_decide() -> None:
    form = Form((Item("O", "p", "open", max_score=10),))
    resp = frame({"a": {"O": 2, "O#2": 6, "O#3": 5}})
    result = score(form, resp, rules=rules("[scoring.open]\ncombine = 'median'\n" + NO_GRADE))
    assert result.scored["O"].tolist() == [5]


def test_agreed_mode_holds_a_result_with_a_disagreement_as_pending() -> None:
    form = Form((Item("O", "p", "open", max_score=10),))
    resp = frame({"a": {"O": 3, "O#2": 3}, "b": {"O": 3, "O#2": 4}})
    text = "[scoring.open]\ncombine = 'agreed'\n[parts.p]\n[total.cut]\nkind='points'\nvalue=2\n"
    result = score(form, resp, rules=rules(text))
    assert result.candidates["outcome"].tolist() == ["pass", PENDING]
    assert result.candidates.loc["b", "grade"] is None
    # once the graders agree (an individual adjustment), the result is final
    settled = score(form, resp, rules=rules(text), adjustments={("b", "O"): 4})
    assert settled.candidates["outcome"].tolist() == ["pass", "pass"]


def test_open_points_out_of_range_or_half_graded_are_errors_naming_candidate_and_column() -> None:
    form = Form((Item("O", "p", "open", max_score=10),))
    with pytest.raises(ResponseError, match=r"candidate 'a', column 'O#2': points '11' outside 0..10"):
        score(form, frame({"a": {"O": "3", "O#2": "11"}}), rules=rules())
    with pytest.raises(ResponseError, match=r"candidate 'a', column 'O#2': no points here"):
        score(form, frame({"a": {"O": "3", "O#2": ""}}), rules=rules())
    with pytest.raises(ResponseError, match=r"column 'Q9': column is not an item of the form"):
        score(form, frame({"a": {"O": "3", "Q9": "A"}}), rules=rules())
    with pytest.raises(ResponseError, match=r"column 'O#3': grader columns must be numbered without gaps"):
        score(form, frame({"a": {"O": "3", "O#3": "4"}}), rules=rules())


def test_a_points_cut_above_the_remaining_maximum_is_a_rule_set_error() -> None:
    form = Form((Item("Q1", "p", "mc", ("A", "B"), ("A",)), Item("Q2", "p", "mc", ("A", "B"), ("A",))))
    text = "[parts.p]\n[total.cut]\nkind = 'points'\nvalue = 2\n[grade]\nmethod = 'linear'\n"
    resp = frame({"a": {"Q1": "A", "Q2": "A"}})
    assert score(form, resp, rules=rules(text)).candidates.loc["a", "grade_rounded"] == 10
    # after voiding Q2 the maximum is 1, below the fixed cut of 2: no linear table exists
    with pytest.raises(RuleSetError, match=r"test.toml: total.cut: the linear conversion needs 0 \(0\) <= cut \(2\) <= maximum \(1\)"):
        score(form, resp, rules=rules(text), decisions=[Decision("Q2", "void")])


# --------------------------------------------------------------------------- decisions


def three_items() -> tuple[Form, pd.DataFrame]:
    form = Form(
        (
            Item("Q1", "p", "mc", ("A", "B", "C"), ("A",)),
            Item("Q2", "p", "mc", ("A", "B", "C"), ("B",)),
            Item("Q3", "p", "mc", ("A", "B", "C"), ("C",), max_score=2),
        )
    )
    resp = frame({"x": {"Q1": "A", "Q2": "B", "Q3": "C"}, "y": {"Q1": "B", "Q2": "B", "Q3": "A"}, "z": {"Q1": "C", "Q2": "", "Q3": "C"}})
    return form, resp


def test_void_drops_the_item_from_scores_and_maximum() -> None:
    form, resp = three_items()
    result = score(form, resp, rules=rules(), decisions=[Decision("Q1", "void", reason="ambiguous")])
    assert list(result.scored.columns) == ["Q2", "Q3"]
    assert result.total.tolist() == [3, 1, 2]  # x: 1 + 2, y: 1 + 0, z: 0 + 2
    assert result.maxima["total"] == 3
    assert result.voided == ("Q1",)


def test_void_with_full_marks_gives_everybody_the_points() -> None:
    form, resp = three_items()
    text = "[scoring]\nvoid = 'full_marks'\n" + NO_GRADE
    result = score(form, resp, rules=rules(text), decisions=[Decision("Q1", "void")])
    assert result.total.tolist() == [4, 2, 3]  # 1 (Q1 for all) + the sums above
    assert result.maxima["total"] == 4


def test_accept_rekey_and_weight() -> None:
    form, resp = three_items()
    accepted = score(form, resp, rules=rules(), decisions=[Decision("Q1", "accept", "B")])
    assert accepted.scored["Q1"].tolist() == [1, 1, 0]  # A was and B now is correct
    rekeyed = score(form, resp, rules=rules(), decisions=[Decision("Q1", "accept", "B"), Decision("Q1", "rekey", "C")])
    assert rekeyed.scored["Q1"].tolist() == [0, 0, 1]  # a rekey replaces key and accepted answers
    weighted = score(form, resp, rules=rules(), decisions=[Decision("Q3", "weight", "1.5")])
    # totals: x = 1 + 1 + 1.5*2 = 5; y = 0 + 1 + 0 = 1; z = 0 + 0 + 3 = 3; max = 1 + 1 + 3 = 5
    assert weighted.total.tolist() == [5, 1, 3]
    assert weighted.scored["Q3"].tolist() == [2, 0, 2]  # the scored matrix stays unweighted
    assert weighted.maxima["total"] == 5


def test_an_objection_adjustment_changes_that_candidate_only() -> None:
    form, resp = three_items()
    text = "[parts.p]\n[total.cut]\nkind = 'percent'\nvalue = 50\n[grade]\nmethod = 'linear'\n"
    before = score(form, resp, rules=rules(text))
    after = score(form, resp, rules=rules(text), adjustments={("y", "Q3"): 2})
    old, new = before.results_table().set_index("candidate"), after.results_table().set_index("candidate")
    pd.testing.assert_frame_equal(old.drop(index="y"), new.drop(index="y"))
    assert (old.loc["y", "total"], new.loc["y", "total"]) == ("1", "3")
    with pytest.raises(ResponseError, match="outside 0..2"):
        score(form, resp, rules=rules(text), adjustments={("y", "Q3"): 3})
    with pytest.raises(ResponseError, match="candidate without responses"):
        score(form, resp, rules=rules(text), adjustments={("nobody", "Q3"): 1})


def test_annulled_candidates_have_no_grade_and_nobody_else_changes() -> None:
    form, resp = three_items()
    text = "[parts.p]\n[total.cut]\nkind = 'points'\nvalue = 2\n[grade]\nmethod = 'linear'\n[inspection]\nmin = 0\nmax = 10\n"
    before = score(form, resp, rules=rules(text)).results_table().set_index("candidate")
    after = score(form, resp, rules=rules(text), annulled={"x"})
    table = after.results_table().set_index("candidate")
    assert table.loc["x", ["outcome", "grade", "grade_rounded", "inspection"]].tolist() == [ANNULLED, "", "", "false"]
    assert after.candidates.loc["x", "grade_exact"] is None
    pd.testing.assert_frame_equal(before.drop(index="x"), table.drop(index="x"))


# --------------------------------------------------------------------------- properties


@st.composite
def exams(draw: st.DrawFn) -> tuple[Form, pd.DataFrame, int]:
    n_items = draw(st.integers(min_value=2, max_value=6))
    items = []
    for j in range(n_items):
        kind = draw(st.sampled_from(["mc", "mr"]))
        key = ("A",) if kind == "mc" else ("A", "B")
        items.append(Item(f"Q{j}", "p", kind, ("A", "B", "C"), key, max_score=draw(st.integers(1, 3))))
    answers = ["A", "B", "C", "A|B", "B|C", "", "X"]
    n = draw(st.integers(min_value=1, max_value=8))
    data = {f"Q{j}": [draw(st.sampled_from(answers)) for _ in range(n)] for j in range(n_items)}
    resp = pd.DataFrame(data, index=pd.Index([f"c{i}" for i in range(n)], name="candidate"))
    return Form(tuple(items)), resp, draw(st.integers(min_value=0, max_value=n_items - 1))


@settings(max_examples=40, deadline=None)
@given(exams(), st.sampled_from(["all_or_nothing", "partial"]))
def test_voiding_an_item_never_changes_another_items_scores(exam: tuple[Form, pd.DataFrame, int], mr: str) -> None:
    form, resp, j = exam
    rs = rules(f"[scoring]\nmultiple_response = '{mr}'\n" + NO_GRADE)
    before = score(form, resp, rules=rs).scored
    after = score(form, resp, rules=rs, decisions=[Decision(f"Q{j}", "void")]).scored
    pd.testing.assert_frame_equal(before.drop(columns=f"Q{j}"), after)


@settings(max_examples=40, deadline=None)
@given(exams(), st.sampled_from(["B", "C", "B|C"]), st.sampled_from(["all_or_nothing", "partial"]))
def test_accepting_an_extra_answer_never_lowers_a_score(exam: tuple[Form, pd.DataFrame, int], extra: str, mr: str) -> None:
    form, resp, j = exam
    rs = rules(f"[scoring]\nmultiple_response = '{mr}'\n" + NO_GRADE)
    before = score(form, resp, rules=rs)
    after = score(form, resp, rules=rs, decisions=[Decision(f"Q{j}", "accept", extra)])
    assert (after.scored.to_numpy() >= before.scored.to_numpy()).all()
    assert (after.total >= before.total).all()


# --------------------------------------------------------------------------- shipped rule sets on example data


def example(name: str, rule_file: str):
    form = read_form(DATA / "scoring" / name / "FORM.csv")
    resp = read_responses(DATA / "scoring" / name / "RESPONSES.csv")
    rs = load_rule_set((RULES / rule_file).read_text(encoding="utf-8"), source=rule_file)
    return form, resp, rs


def test_seed001_article_6_outcomes_and_judicium() -> None:
    form, resp, rs = example("seed001", "seed001_art6.toml")
    table = score(form, resp, rules=rs).results_table().set_index("candidate")
    # Hand-computed from tests/data/scoring/seed001 (mc = correct answers; open = mean of the
    # two graders per question, summed):
    #   c01 30 + (14+15+12+18 = 59) = 89 -> pass, 85-94 -> 9
    #   c02 18 + 37 = 55 -> exactly every cut -> pass, 6
    #   c03 17 + 40 = 57 -> total >= 55 but mc < 18 -> resit mc
    #   c04 25 + 36 = 61 -> open < 37 -> resit open
    #   c05 20 + 34 = 54 -> < 55 -> fail
    #   c06 18 + (12 + 9.5 + 8 + 10.5 = 40) = 58 -> pass, 6; 2 omitted + 1 double mark
    expected = {
        "c01": ("30", "59", "89", "pass", "9 (zeer goed)"),
        "c02": ("18", "37", "55", "pass", "6 (voldoende)"),
        "c03": ("17", "40", "57", "resit mc", ""),
        "c04": ("25", "36", "61", "resit open", ""),
        "c05": ("20", "34", "54", "fail", ""),
        "c06": ("18", "40", "58", "pass", "6 (voldoende)"),
    }
    got = {c: tuple(r) for c, r in table[["score_mc", "score_open", "total", "outcome", "judicium"]].iterrows()}
    assert got == expected
    assert table.loc["c06", ["missing", "invalid"]].tolist() == ["2", "1"]


def test_seed001_lists_only_grader_differences_above_two_points() -> None:
    form, resp, rs = example("seed001", "seed001_art6.toml")
    dis = score(form, resp, rules=rs).disagreements
    # c06 O1 graded 10 and 14 (difference 4); O2 9/10 and O4 10/11 differ by 1 only
    assert dis[["candidate", "item", "points"]].values.tolist() == [["c06", "O1", "10|14"]]


def test_flextoets_grades_outcomes_and_inspection() -> None:
    form, resp, rs = example("flextoets", "flextoets.toml")
    table = score(form, resp, rules=rs).results_table().set_index("candidate")
    # 20 items, cut 65 % = 13. Below: 1 + 4.5 S/13; from the cut: 5.5 + 4.5 (S-13)/7.
    #   20 -> 10; 16 -> 5.5 + 13.5/7 = 7.428571 -> 7.428 -> 7; 13 -> 5.5 -> 6 (pass at the cut)
    #   12 -> 1 + 54/13 = 5.153846 -> 5.153 -> 5, shown 5.1: inspection (4.5..5.4, §5.37a)
    #   11 -> 1 + 49.5/13 = 4.807692 -> 5, inspection; 10 -> 4.461538 -> 4, shown 4.4: none
    expected = {
        "f20": ("10.000", "10", "pass", "false"),
        "f16": ("7.428", "7", "pass", "false"),
        "f13": ("5.500", "6", "pass", "false"),
        "f12": ("5.153", "5", "fail", "true"),
        "f11": ("4.807", "5", "fail", "true"),
        "f10": ("4.461", "4", "fail", "false"),
        "f00": ("1.000", "1", "fail", "false"),
    }
    got = {c: tuple(r) for c, r in table[["grade", "grade_rounded", "outcome", "inspection"]].iterrows()}
    assert got == expected
    assert set(table["cut"]) == {"13"}


def test_flextoets_voided_item_recomputes_the_cut_over_the_remaining_items() -> None:
    form, resp, rs = example("flextoets", "flextoets.toml")
    result = score(form, resp, rules=rs, decisions=[Decision("F20", "void")])
    # 19 remaining items: cut = 0.65 * 19 = 12.35 (seed 004 §5.26)
    assert result.cuts["total"] == F("12.35")
    # f16: 5.5 + 4.5 * 3.65/6.65 = 7.969924... -> 7.969 -> 8 (it was 7 before the void)
    assert result.candidates.loc["f16", "grade"] == Decimal("7.969")
    assert result.candidates.loc["f16", "grade_rounded"] == 8
    # f10: 1 + 4.5 * 10/12.35 = 4.643724 -> shown 4.6 -> now inside the inspection band
    assert bool(result.candidates.loc["f10", "inspection"]) is True


def test_nterm_rule_file_grades_to_one_decimal() -> None:
    form, resp, _ = example("flextoets", "flextoets.toml")
    rs = load_rule_set((RULES / "central_exam_nterm.toml").read_text(encoding="utf-8").replace("[parts.exam]", "[parts.theory]"), source="nterm")
    result = score(form, resp, rules=rs)
    # N = 1.2, L = 20: S = 13 -> 9*13/20 + 1.2 = 7.05 -> 7.1 (one decimal, half up) -> 7;
    # S = 0 -> 1.0; S = 20 -> 10.0
    assert result.candidates.loc["f13", "grade_exact"] == F("7.05")
    assert result.candidates.loc["f13", "grade"] == Decimal("7.1")
    assert result.candidates.loc[["f00", "f20"], "grade"].tolist() == [Decimal("1.0"), Decimal("10.0")]


# --------------------------------------------------------------------------- real data


def test_sat12_scored_matrix_equals_the_published_scoring() -> None:
    # SAT12 (TESTFACT manual; data from the R package mirt): raw options 1-5, code 8 =
    # omitted. The published 0/1 matrix (data_sat12_scored.csv) scores omitted as 0.
    raw = pd.read_csv(DATA / "data_sat12_raw.csv").astype(str).replace("8", "")
    raw.index = pd.Index([f"p{i + 1}" for i in range(len(raw))], name="candidate")
    keys = pd.read_csv(DATA / "data_sat12_key.csv")
    form = Form(tuple(Item(r.item, "sat", "mc", ("1", "2", "3", "4", "5"), (str(r.key),)) for r in keys.itertuples()))
    result = score(form, raw, rules=load_rule_set("[parts.sat]\n[grade]\nmethod = 'none'\n", source="sat12"))
    published = pd.read_csv(DATA / "data_sat12_scored.csv")
    np.testing.assert_array_equal(result.scored.to_numpy(), published.to_numpy())
    np.testing.assert_array_equal(result.total.to_numpy(), published.sum(axis=1).to_numpy())
    assert result.candidates["missing"].sum() == 69  # the 69 cells coded 8 (tests/data/README.md)
    assert result.candidates["invalid"].sum() == 0


def test_weighted_totals_are_exact_where_floats_are_not() -> None:
    # weights 0.7 and 0.1: in floats 0.7 + 0.1 = 0.7999999999999999, below a 100 % cut of 0.8,
    # so a candidate with everything right would fail. Exactly, 7/10 + 1/10 = 8/10 reaches it.
    assert 0.7 + 0.1 < 0.8
    form = Form((Item("Q1", "p", "mc", ("A", "B"), ("A",), weight="0.7"), Item("Q2", "p", "mc", ("A", "B"), ("A",), weight="0.1")))
    text = "[parts.p]\n[total.cut]\nkind = 'percent'\nvalue = 100\n[grade]\nmethod = 'linear'\n[outcome]\nrules = [{ label = 'fail', below = ['total'] }]\n"
    result = score(form, frame({"a": {"Q1": "A", "Q2": "A"}}), rules=rules(text))
    assert result.candidates.loc["a", "total"] == F(4, 5)
    assert result.cuts["total"] == F(4, 5)
    assert result.candidates.loc["a", "outcome"] == "pass"
    assert result.candidates.loc["a", "grade"] == Decimal("10.000")


@settings(max_examples=30, deadline=None)
@given(exams(), st.lists(st.sampled_from(["0.5", "1", "1.5", "2"]), min_size=6, max_size=6))
def test_total_is_the_weighted_sum_of_the_scored_matrix(exam: tuple[Form, pd.DataFrame, int], weights: list[str]) -> None:
    # DESIGN §5: T_i = sum_j w_j x_ij over the non-voided items
    form, resp, _ = exam
    decisions = [Decision(item.item, "weight", w) for item, w in zip(form.items, weights)]
    result = score(form, resp, rules=rules(), decisions=decisions)
    w = np.array([float(wt) for _, wt in zip(form.items, weights)])
    np.testing.assert_allclose(result.total.to_numpy(), result.scored.to_numpy() @ w)
    maxima = np.array([float(it.max_score) for it in form.items])
    assert result.max_scores.tolist() == maxima.tolist()
    assert ((result.scored.to_numpy() >= 0) & (result.scored.to_numpy() <= maxima)).all()
