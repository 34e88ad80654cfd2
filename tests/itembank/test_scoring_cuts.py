"""The cut-score rules written once (itembank/scoring/cuts.py): void policy, chance score,
percentage above chance, rounding a cut up, the pass comparison. Every expected number is
hand-computed in the comment next to it."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itembank.scoring import Decision, Form, Item, apply_decisions, load_rule_set, score
from itembank.scoring.cuts import (
    chance_score,
    effective_maximum,
    item_chance,
    percent_guessing_cut,
    reaches,
    round_cut_up,
    voided_points,
)


def form() -> Form:
    return Form(
        (
            Item("A", "p", "mc", ("a", "b", "c", "d"), ("a",)),  # chance 1/4
            Item("B", "p", "mr", ("a", "b", "c", "d", "e"), ("a", "b"), max_score=2),  # 2/5 * 2 = 4/5
            Item("C", "p", "mc", ("a", "b", "c"), ("a",), max_score=3, weight=2),  # 2 * 1/3 * 3 = 2
            Item("O", "p", "open", max_score=5),  # 0
        )
    )


def test_a_voided_item_adds_nothing_when_dropped_and_its_weighted_maximum_under_full_marks() -> None:
    items = apply_decisions(form(), [Decision("C", "void")])
    # C: weight 2 x max 3 = 6 under full marks; 0 when dropped
    assert voided_points(items["C"], void="drop") == 0
    assert voided_points(items["C"], void="full_marks") == 6


def test_maximum_and_chance_follow_the_same_void_policy() -> None:
    items = list(apply_decisions(form(), [Decision("C", "void")]).values())
    # remaining maxima: A 1 + B 2 + O 5 = 8; C voided adds 0 (drop) or 6 (full marks)
    assert effective_maximum(items, void="drop") == 8
    assert effective_maximum(items, void="full_marks") == 14
    # chance: A 1/4 + B 4/5 + O 0 = 21/20; plus 6 under full marks
    assert chance_score(items, void="drop") == F(21, 20)
    assert chance_score(items, void="full_marks") == F(21, 20) + 6


def test_chance_counts_accepted_extra_answers() -> None:
    items = apply_decisions(form(), [Decision("A", "accept", "b|c")])
    # A now has 3 answers earning full marks out of 4 options: 3/4
    assert item_chance(items["A"]) == F(3, 4)
    assert item_chance(items["O"]) == 0


def test_percent_guessing_cut_by_hand() -> None:
    # 40 four-option items: g = 10; 60 % above chance: 10 + 0.6 x 30 = 28
    assert percent_guessing_cut(F(60), maximum=F(40), chance=F(10)) == 28
    # no chance: the plain percentage, 55 % of 40 = 22
    assert percent_guessing_cut(F(55), maximum=F(40), chance=F(0)) == 22


def test_round_cut_up_goes_to_the_next_whole_score_only_when_fractional() -> None:
    assert round_cut_up(F("21.45")) == 22
    assert round_cut_up(F(22)) == 22
    assert round_cut_up(F(1, 1000)) == 1


def test_reaches_ties_depend_on_the_comparison() -> None:
    assert reaches(F(55), F(55)) is True
    assert reaches(F(55), F(55), reach=">") is False
    assert reaches(F(56), F(55), reach=">") is True
    # element-wise on arrays, as standard setting uses it
    assert reaches(np.array([54, 55, 56]), 55).tolist() == [False, True, True]
    assert reaches(np.array([54, 55, 56]), 55, reach=">").tolist() == [False, False, True]


def test_the_engine_applies_the_rule_sets_reach() -> None:
    items = Form((Item("Q1", "p", "mc", ("A", "B"), ("A",)), Item("Q2", "p", "mc", ("A", "B"), ("A",))))
    resp = pd.DataFrame({"Q1": ["A", "A"], "Q2": ["B", "A"]}, index=pd.Index(["one", "two"], name="candidate"))
    base = "[parts.p]\n[total.cut]\nkind = 'points'\nvalue = 1\n[grade]\nmethod = 'none'\n[outcome]\nrules = [{ label = 'fail', below = ['total'] }]\n"
    # "one" has exactly the cut (1 point): passes with >=, fails with >
    ge = score(items, resp, rules=load_rule_set(base, source="r"))
    gt = score(items, resp, rules=load_rule_set("[scoring]\nreach = '>'\n" + base, source="r"))
    assert ge.candidates["outcome"].tolist() == ["pass", "pass"]
    assert gt.candidates["outcome"].tolist() == ["fail", "pass"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(2, 5), st.integers(1, 3), st.booleans()), min_size=1, max_size=6),
    st.sampled_from(["drop", "full_marks"]),
)
def test_totals_maximum_and_chance_agree_on_a_voided_item(spec: list[tuple[int, int, bool]], void: str) -> None:
    # One void policy for all three: a candidate with every remaining item right scores the
    # maximum, and the chance score never exceeds the maximum.
    labels = "ABCDE"
    it = Form(tuple(Item(f"Q{j}", "p", "mc", tuple(labels[:k]), ("A",), max_score=m) for j, (k, m, _) in enumerate(spec)))
    decisions = [Decision(f"Q{j}", "void") for j, (_, _, voided) in enumerate(spec) if voided]
    resp = pd.DataFrame({f"Q{j}": ["A"] for j in range(len(spec))}, index=pd.Index(["all"], name="candidate"))
    rules = load_rule_set(f"[scoring]\nvoid = '{void}'\n[parts.p]\n[grade]\nmethod = 'none'\n", source="r")
    result = score(it, resp, rules=rules, decisions=decisions)
    assert result.candidates.loc["all", "total"] == result.maxima["total"]
    assert 0 <= result.chance["total"] <= result.maxima["total"]


def test_voided_item_under_drop_with_everything_voided_has_maximum_zero() -> None:
    items = list(apply_decisions(form(), [Decision(i, "void") for i in "ABCO"]).values())
    assert effective_maximum(items, void="drop") == 0
    assert chance_score(items, void="drop") == 0


@pytest.mark.parametrize("void", ["drop", "full_marks"])
def test_ratings_cut_counts_a_voided_item_like_the_maximum(void: str) -> None:
    # Angoff ratings A 0.5, B 1, O 2.5 (C voided): 0.5 + 1 + 2.5 = 4; plus C's 6 under full marks
    text = (
        f"[scoring]\nvoid = '{void}'\n[parts.p]\n[total.cut]\nkind = 'item_ratings'\n"
        "ratings = { A = 0.5, B = 1, C = 1, O = 2.5 }\n[grade]\nmethod = 'none'\n"
    )
    rules = load_rule_set(text, source="r")
    items = list(apply_decisions(form(), [Decision("C", "void")]).values())
    assert rules.total_cut is not None
    assert rules.total_cut.evaluate(items, void=rules.void) == (4 if void == "drop" else 10)
