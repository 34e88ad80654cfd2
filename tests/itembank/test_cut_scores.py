"""The cut-score page's services, worked by hand on a five-candidate sitting.

Four four-option items keyed A (the Flextoets rule set: cut 65 % of the maximum, linear
conversion 0 -> 1.0, cut -> 5.5, maximum -> 10.0, pass with a rounded grade of 6 or more):

    c1 AAAA 4, c2 AAAB 3, c3 AABA 3, c4 AABB 2, c5 ABBB 1      maximum M = 4, chance g = 4 x 1/4 = 1

The rule set's cut is 0.65 x 4 = 2.6: score 3 gets 5.5 + 4.5 x 0.4/1.4 = 6.79 (passes), score
2 gets 1 + 4.5 x 2/2.6 = 4.46 (fails): 3 of 5 pass.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from itembank import figures
from itembank.errors import InputFileError, RuleError, UserError
from itembank.io.ratings_files import read_ratings, read_ratings_upload
from itembank.services import committee
from itembank.services import cut_scores as cs
from itembank.services.administration_data import load_administration
from itembank.services.previews import preview_cut
from itembank.storage.models import AuditEvent, CutScoreRule

CODES = ["Q1", "Q2", "Q3", "Q4"]
ROWS = {"c1": "AAAA", "c2": "AAAB", "c3": "AABA", "c4": "AABB", "c5": "ABBB"}


@pytest.fixture
def session(engine: Engine, flextoets_exam):
    with Session(engine) as s:
        exam = pd.DataFrame([list(v) for v in ROWS.values()], index=list(ROWS), columns=CODES)
        flextoets_exam(s, CODES, exam)
        yield s


def test_a_cut_previewed_shows_cut_pass_rate_and_who_flips_and_stores_nothing(session: Session) -> None:
    data = load_administration(session, "ADM")
    p = preview_cut(data, {"kind": "points", "value": 2})
    # Cut 2: score 2 gets exactly 5.5, rounded 6: c4 now passes.
    assert (p.change.cut_before, p.change.cut_after) == ("2.6", "2")
    assert (p.change.pass_rate_before, p.change.pass_rate_after) == (pytest.approx(3 / 5), pytest.approx(4 / 5))
    assert p.change.flips[["candidate", "outcome_before", "outcome_after"]].values.tolist() == [["c4", "fail", "pass"]]
    guessing = preview_cut(data, {"kind": "percent_guessing", "value": 50})
    assert guessing.change.cut_after == "2.5" and guessing.change.n_flips == 0  # 1 + 0.5 x (4 - 1)
    assert session.scalar(select(func.count()).select_from(CutScoreRule)) == 0


def test_a_cut_the_scoring_core_refuses_is_refused_in_the_preview_as_when_recorded(session: Session) -> None:
    data = load_administration(session, "ADM")
    with pytest.raises(RuleError, match="maximum"):
        preview_cut(data, {"kind": "points", "value": 5})
    with pytest.raises(RuleError, match="maximum"):
        committee.set_cut_score(session, "ADM", {"kind": "points", "value": 5}, reason="r", actor="c")


def test_the_conversion_table_is_the_scoring_cores_grading(session: Session) -> None:
    data = load_administration(session, "ADM")
    after = preview_cut(data, {"kind": "points", "value": 2}).after
    table = after.conversion_table()
    # M = 4, cut 2: 1 + 4.5 x S/2 below the cut, 5.5 + 4.5 x (S - 2)/2 from it.
    assert table["score"].tolist() == [0, 1, 2, 3, 4]
    assert table["grade_exact"].tolist() == [1, Fraction(13, 4), Fraction(11, 2), Fraction(31, 4), 10]
    assert table["grade"].tolist() == [Decimal("1.000"), Decimal("3.250"), Decimal("5.500"), Decimal("7.750"),
                                       Decimal("10.000")]
    assert table["grade_rounded"].tolist() == [1, 3, 6, 8, 10]
    # The same function grades the candidates: c2 (3 points) has 7.750.
    results = after.results_table().set_index("candidate")
    assert results.loc["c2", "grade"] == "7.750" and results.loc["c4", "grade_rounded"] == "6"
    # Under the rule set's cut 2.6, score 1 gets 1 + 4.5/2.6 = 2.730769..., truncated 2.730.
    before = data.score().conversion_table([Fraction(1)])
    assert before["grade"].tolist() == [Decimal("2.730")] and before["grade_rounded"].tolist() == [3]


def test_the_methods_give_the_hand_computed_cuts_and_rules(session: Session) -> None:
    b = cs.cut_basis(load_administration(session, "ADM"))
    assert (b.maximum, b.chance, sorted(b.totals), b.n_judged) == (4, 1, [1, 2, 3, 3, 4], 5)
    fixed = cs.fixed_percentage(b, percent=50)
    assert fixed.cut == 2.5 and fixed.pass_rate == pytest.approx(3 / 5)
    # The chance score is left to the scoring core (recomputed after a void), kept as provenance.
    assert cs.rule_of(fixed) == {"kind": "percent_guessing", "value": 50, "round_up": False,
                                 "source": {"method": "fixed_percentage", "percent": 50, "max_score": 4, "chance": 1}}
    # P = 95th percentile of 1,2,3,3,4 (linear) = 3 + 0.8 x 1 = 3.8; c = 1 + 0.6 x 2.8 = 2.68.
    cohen = cs.cohen_schotanus(b)
    assert cohen.cut == pytest.approx(2.68) and cohen.details["reference_score"] == pytest.approx(3.8)
    assert preview_cut(b.data, cs.rule_of(cohen)).change.cut_after == "2.68"
    angoff = cs.angoff(b, pd.DataFrame({c: [Fraction(1, 2), Fraction(3, 4)] for c in CODES}, index=["J1", "J2"]))
    assert angoff.cut == 2.5  # mean 0.625 x 4 items
    assert preview_cut(b.data, cs.rule_of(angoff)).change.cut_after == "2.5"
    nedelsky = cs.nedelsky(b, pd.DataFrame({c: [2, 3] for c in CODES}, index=["J1", "J2"]))
    assert nedelsky.cut == 3.0  # J1: 4 x 1/(4-2) = 2; J2: 4 x 1/(4-3) = 4; mean 3
    with pytest.raises(UserError, match="k_min"):
        cs.hofstee(b, k_min=80, k_max=60, f_min=5, f_max=40)
    assert cs.direct_rule("percent", "62,5", round_up=True) == {"kind": "percent", "value": 62.5, "round_up": True}
    with pytest.raises(UserError, match="expected a number"):
        cs.direct_rule("points", "twenty")


def test_the_secretary_fixes_the_cut_in_force_and_a_new_proposal_needs_fixing_again(session: Session) -> None:
    assert committee.cut_fixed(session, "ADM") == (False, None, None)
    with pytest.raises(UserError, match="reason"):
        committee.fix_cut(session, "ADM", reason=" ", actor="sec")
    committee.fix_cut(session, "ADM", reason="the rule set's cut stands", actor="sec")  # the rule set's own cut
    fixed, by, at = committee.cut_fixed(session, "ADM")
    assert (fixed, by) == (True, "sec") and at is not None
    with pytest.raises(RuleError, match="fixed already"):
        committee.fix_cut(session, "ADM", reason="again", actor="sec")
    proposal = committee.set_cut_score(session, "ADM", {"kind": "points", "value": 2}, reason="Hofstee", actor="c")
    assert committee.cut_fixed(session, "ADM") == (False, None, None)  # a new proposal
    event = committee.fix_cut(session, "ADM", reason="agreed", actor="sec")
    assert event.action == "cut_fixed" and event.detail == {"cut_rule": proposal.id, "rule": {"kind": "points", "value": 2}}
    assert committee.cut_fixed(session, "ADM")[:2] == (True, "sec")
    assert [(r.rule, r.decided_by, r.reason) for r in committee.cut_rules(session, "ADM")] == [
        ({"kind": "points", "value": 2}, "c", "Hofstee")]
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "cut_fixed")) == 2


# --- the ratings file ---

OPTIONS = {"Q1": 4, "Q2": 4, "Q3": 3}


def test_a_ratings_file_is_read_with_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("judge;Q1;Q2;Q3\nJ1;0,5;0.75;1\nJ2;0;1;0,25\n", encoding="utf-8")
    table = read_ratings(path, kind="angoff", options=OPTIONS)
    assert table.to_dict(orient="index") == {"J1": {"Q1": Fraction(1, 2), "Q2": Fraction(3, 4), "Q3": 1},
                                             "J2": {"Q1": 0, "Q2": 1, "Q3": Fraction(1, 4)}}


def test_a_bad_ratings_file_names_file_row_and_column_and_reads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    path.write_text("judge,Q1,Q9\nJ1,0.5,1\nJ1,1.5,\n,x,0\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_ratings(path, kind="angoff", options=OPTIONS, optional={"Q3"})
    text = str(caught.value)
    assert "panel.csv, row 1, column 'Q9': not an item of this sitting's form" in text
    assert "panel.csv, row 1, column 'Q2': no column for this item" in text
    assert "panel.csv, row 3, column 'judge': judge 'J1' also has row 2" in text
    assert "panel.csv, row 3, column 'Q1': expected a probability from 0 to 1 (e.g. 0.65 or 0,65), got '1.5'" in text
    assert "panel.csv, row 4, column 'judge': the judge is not named" in text
    assert "panel.csv, row 4, column 'Q1': expected a probability from 0 to 1" in text
    assert "'Q3'" not in text  # a voided item may be left out


def test_nedelsky_ratings_are_whole_numbers_below_the_number_of_options(tmp_path: Path) -> None:
    path = tmp_path / "nedelsky.csv"
    path.write_text("judge,Q1,Q2,Q3\nJ1,3,1.5,3\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_ratings(path, kind="nedelsky", options=OPTIONS)
    text = str(caught.value)
    assert "row 2, column 'Q2': expected a whole number of options ruled out, from 0 to 3, got '1.5'" in text
    assert "row 2, column 'Q3': expected a whole number of options ruled out, from 0 to 2, got '3'" in text
    assert "column 'Q1'" not in text


def test_an_uploaded_ratings_file_is_read_under_its_own_name() -> None:
    import base64

    contents = "data:text/csv;base64," + base64.b64encode(b"judge,Q1,Q2,Q3\nJ1,1,1,x\n").decode()
    with pytest.raises(InputFileError, match=r"my ratings\.csv, row 2, column 'Q3'"):
        read_ratings_upload("C:\\fakepath\\my ratings.csv", contents, kind="angoff", options=OPTIONS)
    with pytest.raises(InputFileError, match="could not be read"):
        read_ratings_upload("r.csv", "not a data url", kind="angoff", options=OPTIONS)


# --- the charts ---

def test_the_hofstee_chart_draws_the_fail_curve_the_panels_line_and_their_crossing() -> None:
    from analysis.standard_setting import hofstee

    totals = [1, 2, 3, 3, 4]
    r = hofstee(totals, k_min=25, k_max=75, f_min=0, f_max=100, max_score=4)
    fig = figures.hofstee_figure(totals, r)
    curve, line, cut = fig.data
    assert list(curve.x) == [0, 1, 2, 3, 4] and list(curve.y) == [0, 0, 20, 40, 80]  # % below each cut
    assert list(line.x) == [1, 3] and list(line.y) == [100, 0]
    # F - L is -30 at 2 and +40 at 3: they cross at 2 + 30/70, where both are 28.57 %.
    assert cut.x[0] == pytest.approx(2 + 3 / 7) and cut.y[0] == pytest.approx(20 + 20 * 3 / 7)


def test_the_beuk_chart_draws_the_pass_curve_and_the_line_through_the_judges_mean() -> None:
    from analysis.standard_setting import beuk

    totals = [1, 2, 3, 3, 4]
    r = beuk(totals, judge_cuts=[50, 75], judge_pass_rates=[80, 40], max_score=4)
    curve, judges, line, cut = figures.beuk_figure(totals, r).data
    assert list(curve.y) == pytest.approx([100, 100, 80, 60, 20])  # % with total >= each cut
    assert list(judges.x) == [2, 3] and list(judges.y) == [80, 40]
    # Mean point (2.5 points, 60 %); slope s_p/s_k = 28.28/0.707 = 40 % per point.
    for x, y in zip(line.x, line.y):
        assert y == pytest.approx(60 + 40 * (x - 2.5))
    assert cut.x[0] == pytest.approx(r.cut)


# --- propose and apply: the one entry of the page and the CLI ---

def test_propose_gives_the_hand_computed_cut_rule_and_pass_counts(session: Session) -> None:
    data = load_administration(session, "ADM")
    # c = 1 + 0.5 x (4 - 1) = 2.5: score 3 gets 5.5 + 4.5 x 0.5/1.5 = 7 (pass), score 2 gets
    # 1 + 4.5 x 2/2.5 = 4.6 (fail): c1, c2, c3 pass, 3 of 5.
    p = cs.propose(data, "fixed_percentage", {"percent": "50"})
    assert (p.cut, p.maximum, p.passed, p.judged, p.pass_rate) == ("2.5", "4", 3, 5, pytest.approx(3 / 5))
    assert p.method_cut == 2.5 and p.n_flips == 0  # the rule set's 2.6 passes the same three
    assert p.rule == {"kind": "percent_guessing", "value": 50, "round_up": False,
                      "source": {"method": "fixed_percentage", "percent": 50, "max_score": 4, "chance": 1}}
    assert p.classification is not None and p.classification.cut == Fraction(5, 2)
    # Typed directly, 2 points: score 2 gets exactly 5.5, rounded 6: c4 passes too, 4 of 5.
    direct = cs.propose(data, "direct", {"kind": "points", "value": "2"})
    assert (direct.cut, direct.passed, direct.rule, direct.result, direct.method_cut) == (
        "2", 4, {"kind": "points", "value": 2}, None, None)
    assert direct.preview.change.flips["candidate"].tolist() == ["c4"]
    # Rounded up: Cohen-Schotanus' 2.68 becomes 3; c2 and c3 (3 points) still pass, c4 not.
    cohen = cs.propose(data, "cohen_schotanus", {}, round_up=True)
    assert (cohen.cut, cohen.passed, cohen.details["unrounded_cut"]) == ("3", 3, pytest.approx(2.68))
    # Angoff from a table already read: mean 0.625 x 4 = 2.5.
    angoff = cs.propose(data, "angoff", {"ratings": pd.DataFrame({c: [Fraction(1, 2), Fraction(3, 4)] for c in CODES},
                                                                 index=["J1", "J2"])})
    assert (angoff.cut, angoff.rule["kind"], angoff.rule["source"]["method"]) == ("2.5", "item_ratings", "angoff")


def test_propose_counts_every_beuk_judge_named_or_not(session: Session) -> None:
    b = cs.cut_basis(load_administration(session, "ADM"))
    both = cs.beuk(b, judge_cuts=[50, 75], judge_pass_rates=[80, 40])
    p = cs.propose(b, "beuk", {"judges": [("", "50", "80"), (None, "75", "40,0")]})
    assert p.method_cut == pytest.approx(float(both.cut)) and p.result.inputs == both.inputs


@pytest.mark.parametrize("method, inputs, says", [
    ("median", {}, "unknown standard-setting method 'median'; expected one of fixed_percentage, cohen_schotanus"),
    ("fixed_percentage", {"percent": "50", "k_min": "3"}, "k_min: not an input of the method fixed_percentage"),
    ("fixed_percentage", {"percent": ""}, "Percentage (%): expected a number (a decimal comma is fine), got ''"),
    ("hofstee", {"k_min": "80", "k_max": "60", "f_min": "5", "f_max": "40"},
     "Hofstee: the lowest acceptable cut (80 %) must be below the highest (60 %)"),
    ("hofstee", {"k_min": "50", "k_max": "60", "f_min": "45", "f_max": "40"},
     "Hofstee: the lowest acceptable fail rate (45 %) must not be above the highest (40 %)"),
    ("hofstee", {"k_min": "50", "k_max": "160", "f_min": "5", "f_max": "40"},
     "Highest acceptable cut (%): expected a percentage from 0 to 100, got 160"),
    ("fixed_percentage", {"percent": "-5"}, "Percentage (%): expected a percentage from 0 to 100, got -5"),
    ("cohen_schotanus", {"percentile": "0"},
     "Percentile P of the best candidates: expected a percentile above 0 and at most 100, got 0"),
    ("hofstee", {"k_min": "50", "k_max": "60", "f_min": "5"}, "Highest acceptable fail rate (%): expected a number"),
    ("beuk", {"judges": []}, "Beuk needs at least two judges, each with a cut and an expected pass rate (got 0)."),
    ("beuk", {"judges": [("Ann", "60", "70")]}, "Beuk needs at least two judges"),
    ("beuk", {"judges": [("Ann", "60", "70"), ("Bob", "60", "170")]},
     "Pass rate (%) of judge Bob: expected a percentage from 0 to 100, got 170"),
    ("beuk", {"judges": [("Ann", "6O", "70")]}, "Cut (%) of judge Ann: expected a number"),
    ("angoff", {}, "Angoff needs the judges' ratings file"),
    ("nedelsky", {"ratings": ""}, "Nedelsky needs the judges' ratings file"),
    ("direct", {"kind": "grade", "value": "5"}, "unknown kind of cut 'grade'"),
])
def test_propose_refuses_bad_inputs_with_a_message_naming_them(session: Session, method: str, inputs: dict,
                                                               says: str) -> None:
    with pytest.raises(UserError) as refused:
        cs.propose(load_administration(session, "ADM"), method, inputs)
    assert says in str(refused.value)


def test_apply_records_the_proposals_rule_with_its_method_and_needs_a_reason(session: Session) -> None:
    p = cs.propose(load_administration(session, "ADM"), "hofstee",
                   {"k_min": "25", "k_max": "75", "f_min": "0", "f_max": "100"})
    with pytest.raises(UserError, match="Give a reason"):
        cs.apply(session, "ADM", p, reason="  ", actor="c")
    assert committee.cut_rules(session, "ADM") == []
    row = cs.apply(session, "ADM", p, reason=" panel 3 June ", actor="c")
    (recorded,) = committee.cut_rules(session, "ADM")
    assert recorded.id == row.id and recorded.rule == p.rule and recorded.reason == "panel 3 June"
    assert recorded.rule["source"]["method"] == "hofstee"
    # The sitting is now scored with it: the cut the proposal showed. Hofstee on 1,2,3,3,4 with
    # these bounds crosses at 2 + 3/7 (see the chart test below).
    assert load_administration(session, "ADM").score().cuts["total"] == pytest.approx(2 + 3 / 7)
    assert p.cut == "2.428571"
    # A rule previewed before (the page keeps it as JSON) is recorded as it is.
    cs.apply(session, "ADM", {"kind": "points", "value": 2}, reason="typed", actor="c")
    assert committee.cut_rules(session, "ADM")[-1].rule == {"kind": "points", "value": 2}
