"""Tests for analysis.standard_setting: every method on a small worked example.

All expected numbers are hand-computed; the arithmetic is in the comments. Where a method
has a convention the literature disagrees on, the test shows both settings.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from analysis.standard_setting import (
    angoff,
    beuk,
    borderline_group,
    cohen_schotanus,
    contrasting_groups,
    fixed_percentage,
    hofstee,
    nedelsky,
    pass_rate,
)
from itembank.scoring import Decision, Form, Item, apply_decisions, load_rule_set, parse_cut_rule, reaches, score

FOUR_OPTIONS_40 = {f"Q{i}": 4 for i in range(1, 41)}
UNIFORM_20 = np.arange(20)  # totals 0..19, one candidate each: 5% of candidates per score


# ---------------------------------------------------------------- fixed percentage


def test_fixed_percentage_with_guessing_correction() -> None:
    totals = [20, 26, 26.5, 27, 40]
    r = fixed_percentage(totals, percent=55, max_score=40, n_options=FOUR_OPTIONS_40)
    # g = 40 x 1/4 = 10; cut = 10 + 0.55 x (40 - 10) = 26.5
    assert r.cut == 26.5
    assert r.cut_exact == Fraction(53, 2)
    # 26.5, 27 and 40 reach 26.5: 3 of 5
    assert r.pass_rate == pytest.approx(3 / 5)
    assert r.to_rule() == {
        "kind": "percent_guessing",
        "value": 55,
        "round_up": False,
        "source": {"method": "fixed_percentage", "percent": 55, "max_score": 40, "chance": 10},
    }


def test_fixed_percentage_conventions_round_up_and_strict_pass() -> None:
    totals = [20, 26, 26.5, 27, 40]
    up = fixed_percentage(totals, percent=55, max_score=40, n_options=FOUR_OPTIONS_40, round_up=True)
    # ceil(26.5) = 27: 27 and 40 pass
    assert (up.cut, up.pass_rate) == (27.0, 2 / 5)
    strict = fixed_percentage(totals, percent=55, max_score=40, n_options=FOUR_OPTIONS_40, pass_if=">")
    # total > 26.5: 27 and 40
    assert strict.pass_rate == 2 / 5
    # the pass criterion is the rule set's; the rule records what the method assumed
    assert strict.to_rule()["source"]["pass_if"] == ">"
    assert "pass_if" not in strict.to_rule()


def test_fixed_percentage_explicit_chance_and_multiple_keys() -> None:
    r = fixed_percentage(None, percent=55, max_score=40, chance=8)
    # 8 + 0.55 x 32 = 25.6; an explicit chance is part of the rule
    assert r.cut == pytest.approx(25.6)
    assert r.pass_rate is None
    assert r.to_rule()["chance"] == 8
    # Q1: 4 options, 2 keys, 2 points -> 2/4 x 2 = 1; Q2: 5 options, 1 key, 1 point -> 0.2
    m = fixed_percentage(None, percent=50, max_score=3, n_options={"Q1": 4, "Q2": 5},
                         n_keys={"Q1": 2}, max_scores={"Q1": 2})
    # g = 1.2; cut = 1.2 + 0.5 x 1.8 = 2.1
    assert m.cut_exact == Fraction(21, 10)


def test_percentages_are_exact_not_binary_floats() -> None:
    # in binary floating point 0.07 x 100 = 7.000000000000001, which would fail a total of 7
    assert 0.07 * 100 > 7
    r = fixed_percentage([7, 6], percent=7, max_score=100)
    assert r.cut_exact == 7
    assert r.pass_rate == 0.5
    # 0.42 x 40 = 16.799999999999997 in floats; exactly 84/5 = 16.8
    assert fixed_percentage(None, percent=42, max_score=40).cut_exact == Fraction(84, 5)


# ---------------------------------------------------------------- Angoff / Nedelsky


def _angoff_ratings() -> pd.DataFrame:
    return pd.DataFrame(
        [[0.6, 0.5, 0.8, 0.4], [0.7, 0.6, 0.9, 0.5], [0.5, 0.4, 0.7, 0.6]],
        index=["J1", "J2", "J3"],
        columns=["Q1", "Q2", "Q3", "Q4"],
    )


def test_angoff_cut_and_se_across_judges() -> None:
    r = angoff(_angoff_ratings(), totals=[1, 2, 3, 4])
    # judge cuts: J1 .6+.5+.8+.4 = 2.3, J2 .7+.6+.9+.5 = 2.7, J3 .5+.4+.7+.6 = 2.2; mean 2.4
    assert r.cut_exact == Fraction(12, 5)
    assert r.details["judge_cuts"] == {"J1": 2.3, "J2": 2.7, "J3": 2.2}
    # deviations -.1, .3, -.2: SS = .14, SD = sqrt(.14 / 2) = .264575, SE = .264575 / sqrt 3
    assert r.details["se"] == pytest.approx(np.sqrt(0.07) / np.sqrt(3), rel=1e-12)
    assert r.details["se"] == pytest.approx(0.152753, abs=1e-6)
    # totals 3 and 4 reach 2.4
    assert r.pass_rate == 0.5
    rule = r.to_rule()
    # item means .6, .5, .8, .5
    assert rule["kind"] == "item_ratings"
    assert rule["ratings"] == {"Q1": 0.6, "Q2": 0.5, "Q3": 0.8, "Q4": 0.5}
    assert rule["source"]["method"] == "angoff"


def test_voided_item_drops_out_of_the_angoff_cut() -> None:
    rule = angoff(_angoff_ratings()).to_rule()
    # The scoring core evaluates the rule over the remaining items: void Q3 -> .6 + .5 + .5
    remaining = {k: Fraction(str(v)) for k, v in rule["ratings"].items() if k != "Q3"}
    assert sum(remaining.values()) == Fraction(8, 5)


def test_angoff_with_item_points_and_point_scale() -> None:
    r = angoff(_angoff_ratings(), max_scores={"Q4": 2})
    # Q4 is worth 2: its mean probability .5 is 1.0 point; 0.6 + 0.5 + 0.8 + 1.0 = 2.9
    assert r.cut_exact == Fraction(29, 10)
    # weight 2 on Q1: 2 x .6 + .5 + .8 + .5 = 3.0 (the rule's ratings stay unweighted)
    w = angoff(_angoff_ratings(), weights={"Q1": 2})
    assert w.cut_exact == 3
    assert w.to_rule()["ratings"]["Q1"] == 0.6
    pts = angoff(pd.DataFrame({"Q1": [1.5, 2.0]}, index=["J1", "J2"]), max_scores={"Q1": 3}, scale="points")
    # expected points directly: (1.5 + 2.0) / 2 = 1.75
    assert pts.cut == 1.75


def test_angoff_bad_ratings_name_judge_and_item() -> None:
    bad = _angoff_ratings()
    bad.loc["J2", "Q3"] = np.nan
    with pytest.raises(ValueError, match=r"judge 'J2' gave no rating for item 'Q3'"):
        angoff(bad)
    bad.loc["J2", "Q3"] = 1.2
    with pytest.raises(ValueError, match=r"judge 'J2' rated item 'Q3' 1.2"):
        angoff(bad)


def test_nedelsky_hand_example() -> None:
    e = pd.DataFrame({"Q1": [2, 3], "Q2": [1, 1], "Q3": [0, 2]}, index=["J1", "J2"])
    r = nedelsky(e, [0, 1, 2, 3], n_options={"Q1": 4, "Q2": 4, "Q3": 4})
    # Q1: (1/(4-2) + 1/(4-3)) / 2 = 3/4; Q2: 1/3; Q3: (1/4 + 1/2) / 2 = 3/8
    # cut = 3/4 + 1/3 + 3/8 = 18/24 + 8/24 + 9/24 = 35/24 = 1.458333
    assert r.cut_exact == Fraction(35, 24)
    assert r.pass_rate == 0.5  # totals 2 and 3
    assert r.to_rule()["kind"] == "item_ratings"
    assert r.to_rule()["ratings"]["Q3"] == 0.375
    with pytest.raises(ValueError, match=r"judge 'J1' eliminated 4 options of item 'Q1'"):
        nedelsky(e.replace({2: 4}), n_options={"Q1": 4, "Q2": 4, "Q3": 4})
    with pytest.raises(ValueError, match=r"n_options has no entry for item 'Q3'"):
        nedelsky(e, n_options={"Q1": 4, "Q2": 4})


# ---------------------------------------------------------------- Hofstee / Beuk


def test_hofstee_interpolated_intersection() -> None:
    # totals 0..19 once each: fail rate F(c) = share below c = 5c %
    # k 40%..60% of 20 = 8..12 points; line from (8, 60%) to (12, 20%): L(c) = 60 - 10 (c - 8)
    # 5c = 140 - 10c -> c = 140/15 = 9.3333, where 46.67% fail
    r = hofstee(UNIFORM_20, k_min=40, k_max=60, f_min=20, f_max=60, max_score=20)
    assert r.cut == pytest.approx(28 / 3, abs=1e-12)
    assert r.details["intersection"] is True
    assert r.details["fail_rate_at_cut"] == pytest.approx(140 / 3)
    assert r.pass_rate == 0.5  # totals 10..19
    assert r.to_rule()["kind"] == "points"
    assert r.to_rule()["value"] == pytest.approx(28 / 3)


def test_hofstee_step_curve_takes_the_first_whole_score_reaching_the_line() -> None:
    r = hofstee(UNIFORM_20, k_min=40, k_max=60, f_min=20, f_max=60, max_score=20, curve="step")
    # c = 9: F = 45% < L = 50%; c = 10: F = 50% >= L = 40%
    assert r.cut == 10.0


def test_hofstee_when_the_line_misses_the_curve() -> None:
    # f 10..30%: at k_min = 8 already 40% fail > f_max = 30%: curve above the line
    low = hofstee(UNIFORM_20, k_min=40, k_max=60, f_min=10, f_max=30, max_score=20)
    assert (low.cut, low.details["intersection"]) == (8.0, False)
    # f 70..90%: at k_max = 12 only 60% fail < f_min = 70%: curve below the line
    high = hofstee(UNIFORM_20, k_min=40, k_max=60, f_min=70, f_max=90, max_score=20)
    assert (high.cut, high.details["intersection"]) == (12.0, False)
    with pytest.raises(ValueError, match=r"does not meet the observed curve between 8 and 12"):
        hofstee(UNIFORM_20, k_min=40, k_max=60, f_min=10, f_max=30, max_score=20, on_miss="raise")


def test_hofstee_flat_line_tie_break() -> None:
    # totals: 10 x 5 and 10 x 15 -> F(c) = 0 up to 5, 50% for c in 6..15, 100% above
    totals = [5] * 10 + [15] * 10
    # f_min = f_max = 50: the line lies on the flat stretch from c = 6 to c = 15 (k range 6..14)
    lo = hofstee(totals, k_min=6, k_max=14, f_min=50, f_max=50, max_score=20, scale="points", curve="step")
    hi = hofstee(totals, k_min=6, k_max=14, f_min=50, f_max=50, max_score=20, scale="points",
                 curve="step", tie_break="highest")
    assert (lo.cut, hi.cut) == (6.0, 14.0)
    assert lo.pass_rate == hi.pass_rate == 0.5


def test_beuk_hand_example() -> None:
    # judges' cuts 50/60/70% of 20 = 10/12/14 points (mean 12, SD 2); pass rates 70/50/30%
    # (mean 50, SD 20): slope 20/2 = 10 % per point. Line 50 + 10 (c - 12) meets the observed
    # pass curve 100 - 5c at 15c = 170 -> c = 11.3333
    r = beuk(UNIFORM_20, judge_cuts=[50, 60, 70], judge_pass_rates=[70, 50, 30], max_score=20)
    assert r.cut == pytest.approx(34 / 3, abs=1e-12)
    assert r.details["slope_percent_per_point"] == pytest.approx(10.0)
    assert r.details["pass_rate_curve_at_cut"] == pytest.approx(100 - 5 * 34 / 3)
    assert r.pass_rate == pytest.approx(8 / 20)  # totals 12..19
    # step curve: c = 11: line 40 < curve 45; c = 12: line 50 >= curve 40
    s = beuk(UNIFORM_20, judge_cuts=[50, 60, 70], judge_pass_rates=[70, 50, 30], max_score=20, curve="step")
    assert s.cut == 12.0


def test_beuk_agreeing_judges_keep_their_cut() -> None:
    # every judge says 60% (SD 0): the line is vertical at 12 points
    r = beuk(UNIFORM_20, judge_cuts=[60, 60], judge_pass_rates=[40, 80], max_score=20)
    assert r.cut == 12.0


# ---------------------------------------------------------------- Cohen-Schotanus


def test_cohen_schotanus_defaults_from_the_literature() -> None:
    totals = np.arange(1, 21)  # 1..20
    r = cohen_schotanus(totals, chance=5)
    # numpy linear (R type 7): position 0.95 x 19 = 18.05 -> 19 + 0.05 x (20 - 19) = 19.05
    # cut = 5 + 0.60 x (19.05 - 5) = 5 + 8.43 = 13.43
    assert r.details["reference_score"] == pytest.approx(19.05)
    assert r.cut_exact == Fraction(1343, 100)
    assert r.pass_rate == pytest.approx(7 / 20)  # 14..20
    # another percentile definition moves the cut: nearest rank -> 19, cut 5 + .6 x 14 = 13.4
    n = cohen_schotanus(totals, chance=5, percentile_method="nearest")
    assert n.cut == pytest.approx(13.4)
    with pytest.raises(ValueError, match=r"percentile_method 'spline'"):
        cohen_schotanus(totals, chance=5, percentile_method="spline")


# ---------------------------------------------------------------- practical exams


def test_borderline_group_median_and_mean() -> None:
    totals = [10, 14, 15, 19, 25]
    ratings = ["fail", "borderline", "borderline", "borderline", "pass"]
    # borderline totals 14, 15, 19: median 15, mean 16
    med = borderline_group(totals, ratings)
    assert (med.cut, med.pass_rate) == (15.0, 3 / 5)
    assert borderline_group(totals, ratings, statistic="mean").cut == 16.0
    with pytest.raises(ValueError, match=r"no candidate has the rating 'bl'"):
        borderline_group(totals, ratings, borderline="bl")


def test_contrasting_groups_tie_breaks_and_weights() -> None:
    totals = [8, 10, 12, 12, 15, 18]
    competent = [False, False, False, True, True, True]
    # cut 12: the non-competent 12 passes (1 error); cut 15: the competent 12 fails (1 error)
    assert contrasting_groups(totals, competent).cut == 12.0
    assert contrasting_groups(totals, competent, tie_break="highest").cut == 15.0
    assert contrasting_groups(totals, competent, tie_break="middle").cut == 13.5
    # a false pass counting double makes 15 (1 error) better than 12 (2)
    assert contrasting_groups(totals, competent, false_pass_weight=2.0).cut == 15.0
    with pytest.raises(ValueError, match=r"position 1 is 'yes'"):
        contrasting_groups([1, 2], [True, "yes"])


def test_bad_options_are_named() -> None:
    with pytest.raises(ValueError, match=r"curve must be one of \['interpolated', 'step'\], got 'smooth'"):
        hofstee(UNIFORM_20, k_min=40, k_max=60, f_min=20, f_max=60, max_score=20, curve="smooth")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"pass_if must be one of"):
        fixed_percentage(None, percent=50, max_score=10, pass_if="=>")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"percent must be between 0 and 100, got 120"):
        fixed_percentage(None, percent=120, max_score=10)
    with pytest.raises(ValueError, match=r"totals has a missing value at 'c2'"):
        cohen_schotanus(pd.Series([1.0, np.nan], index=["c1", "c2"]), chance=0)


def test_hofstee_averages_per_judge_values() -> None:
    # judges' means: k_min (35 + 45)/2 = 40, k_max (55 + 65)/2 = 60, f_min 20, f_max 60:
    # the same line as test_hofstee_interpolated_intersection, so c = 28/3
    r = hofstee(UNIFORM_20, k_min=[35, 45], k_max=[55, 65], f_min=[10, 30], f_max=[60, 60], max_score=20)
    assert r.cut == pytest.approx(28 / 3, abs=1e-12)
    assert r.inputs["k_min"] == [35.0, 45.0]


def test_pass_rate_conventions() -> None:
    totals = [10, 16.8, 17, 20]
    # cut 84/5 = 16.8: 16.8, 17 and 20 reach it (>=); strictly above it only 17 and 20
    assert pass_rate(totals, Fraction(84, 5)) == 0.75
    assert pass_rate(totals, Fraction(84, 5), pass_if=">") == 0.5
    # rounded up to 17: 17 and 20
    assert pass_rate(totals, 16.8, round_up=True) == 0.5


# ---------------------------------------------------------------- one cut with the scoring core


def _core_form() -> Form:
    return Form(
        (
            Item("Q1", "mc", "mc", ("A", "B", "C", "D"), ("A",)),
            Item("Q2", "mc", "mc", ("A", "B", "C", "D"), ("B",)),
            Item("Q3", "mc", "mc", ("A", "B", "C"), ("C",), max_score=2),
            Item("R1", "mc", "mr", ("A", "B", "C", "D", "E"), ("A", "B"), max_score=2),
            Item("O1", "mc", "open", max_score=4),
        )
    )


@pytest.mark.parametrize("void", ["drop", "full_marks"])
@pytest.mark.parametrize("round_up", [False, True])
def test_fixed_percentage_cut_equals_the_scoring_cores_percent_guessing_cut(void: str, round_up: bool) -> None:
    form = _core_form()
    # Q1 also accepts C (2 of 4 options earn the point); Q2 is voided.
    decisions = [Decision("Q1", "accept", "C"), Decision("Q2", "void")]
    rules = load_rule_set(
        f"[scoring]\nvoid = '{void}'\n[parts.mc]\n[total.cut]\nkind = 'percent_guessing'\nvalue = 55\n"
        f"round_up = {str(round_up).lower()}\n[grade]\nmethod = 'none'\n",
        source="r",
    )
    responses = pd.DataFrame({"Q1": ["A"], "Q2": ["B"], "Q3": ["C"], "R1": ["A|B"], "O1": [3]}, index=pd.Index(["c1"], name="candidate"))
    core = score(form, responses, rules=rules, decisions=decisions)

    # By hand. Remaining: Q1 2/4 x 1 = 0.5; Q3 1/3 x 2 = 2/3; R1 2/5 x 2 = 0.8; O1 0.
    # drop:       g = 0.5 + 2/3 + 0.8 = 59/30;       M = 1 + 2 + 2 + 4 = 9
    # full_marks: g = 59/30 + 1 (Q2's point) = 89/30; M = 10
    g, m = (Fraction(59, 30), Fraction(9)) if void == "drop" else (Fraction(89, 30), Fraction(10))
    expected = g + Fraction(55, 100) * (m - g)  # drop: 59/30 + 0.55 x 211/30 = 5.8346...
    if round_up:
        expected = Fraction(-(-expected.numerator // expected.denominator))  # 6 either way
    assert core.chance["total"] == g and core.maxima["total"] == m
    assert core.cuts["total"] == expected

    shown = fixed_percentage(
        None,
        percent=55,
        max_score=core.maxima["total"],
        n_options={"Q1": 4, "Q2": 4, "Q3": 3, "R1": 5},
        n_keys={"Q1": 2, "R1": 2},
        max_scores={"Q3": 2, "R1": 2},
        voided=["Q2"],
        void=void,  # type: ignore[arg-type]
        round_up=round_up,
    )
    assert shown.cut_exact == core.cuts["total"]
    # and the rule it proposes evaluates to the same cut in the scoring core
    rule = parse_cut_rule(shown.to_rule(), source="standard setting")
    items = list(apply_decisions(form, decisions).values())
    assert rule.evaluate(items, void=rules.void) == core.cuts["total"]


def test_fixed_percentage_voided_must_name_an_item_with_options() -> None:
    with pytest.raises(ValueError, match=r"voided names items without n_options: \['Q9'\]"):
        fixed_percentage(None, percent=55, max_score=3, n_options={"Q1": 4}, voided=["Q9"])
    with pytest.raises(ValueError, match=r"void must be one of"):
        fixed_percentage(None, percent=55, max_score=3, n_options={"Q1": 4}, void="zero")  # type: ignore[arg-type]


def test_pass_rate_and_contrasting_groups_use_the_scoring_cores_comparison() -> None:
    totals = np.array([10, 12, 12, 15])
    for pass_if in (">=", ">"):
        expected = float(np.mean([bool(reaches(Fraction(int(t)), Fraction(12), reach=pass_if)) for t in totals]))
        assert pass_rate(totals, 12, pass_if=pass_if) == expected  # >=: 3 of 4; >: 1 of 4
    assert pass_rate(totals, 12) == 0.75 and pass_rate(totals, 12, pass_if=">") == 0.25
