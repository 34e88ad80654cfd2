"""Tests for analysis.equating: linear, equipercentile and IRT true-score equating.

Reference values: Kolen & Brennan's (2004, Test Equating, Scaling, and Linking, 2nd ed.,
pp. 41-42; also the example of R SNSequate::eqp.eq) small equipercentile example,
recomputed by hand below; identities
(a form equated onto itself), known shifts/scalings recovered exactly, and hand-computed
logistic values for the true-score equating.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.equating import (
    Linking,
    carry_cut_score,
    equipercentile_equating,
    irt_true_score_equating,
    link_common_items,
    linear_equating,
    percentile_rank,
    true_score_curve,
)

# K&B (2004, pp. 41-42): relative frequencies on 0..4, written as 10 scores each
KB_X = [0, 0, 1, 1, 1, 2, 2, 3, 3, 4]  # f_X = .2 .3 .2 .2 .1, F_X = .2 .5 .7 .9 1
KB_Y = [0, 1, 1, 2, 2, 3, 3, 3, 4, 4]  # f_Y = .1 .2 .2 .3 .2, F_Y = .1 .3 .5 .8 1


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_percentile_ranks_of_kolen_brennan_example() -> None:
    # P(x) = 100 [F(x-1) + .5 f(x)]: 100(0 + .1) = 10, 100(.2 + .15) = 35,
    # 100(.5 + .1) = 60, 100(.7 + .1) = 80, 100(.9 + .05) = 95
    f = [0.2, 0.3, 0.2, 0.2, 0.1]
    np.testing.assert_allclose(percentile_rank(np.arange(5), f), [10, 35, 60, 80, 95])
    # the real limits: -0.5 -> 0, 4.5 -> 100; 1.3 -> 100 (.2 + (1.3 - 1 + .5) x .3) = 44
    assert percentile_rank(-0.5, f) == 0
    assert percentile_rank(4.5, f) == 100
    assert percentile_rank(1.3, f) == pytest.approx(44.0)


def test_equipercentile_kolen_brennan_example() -> None:
    eq = equipercentile_equating(KB_X, KB_Y, max_x=4, max_y=4)
    # e_Y(x) = (P/100 - F_Y(yU - 1)) / f_Y(yU) + yU - .5, yU the smallest y with F_Y(y) > P/100
    # x=0: P=10, yU=1: (.1 - .1)/.2 + .5 = 0.5
    # x=1: P=35, yU=2: (.35 - .3)/.2 + 1.5 = 1.75
    # x=2: P=60, yU=3: (.6 - .5)/.3 + 2.5 = 2.8333
    # x=3: P=80, yU=4 (F_Y(3) = .8 is not > .8): (.8 - .8)/.2 + 3.5 = 3.5
    # x=4: P=95, yU=4: (.95 - .8)/.2 + 3.5 = 4.25
    np.testing.assert_allclose(eq.table.to_numpy(), [0.5, 1.75, 2.8 + 1 / 30, 3.5, 4.25], atol=1e-12)
    # the inverse carries a form-Y cut back to form X
    assert eq.inverse(2.8 + 1 / 30) == pytest.approx(2.0)


def test_equating_a_form_onto_itself_is_the_identity() -> None:
    rng = np.random.default_rng(1)
    x = rng.binomial(30, 0.6, size=2000)
    eq = equipercentile_equating(x, x, max_x=30, max_y=30)
    seen = np.unique(x)
    np.testing.assert_allclose(eq(seen.astype(float)), seen, atol=1e-9)
    lin = linear_equating(x, x)
    assert (lin.slope, lin.intercept) == pytest.approx((1.0, 0.0), abs=1e-12)


def test_linear_equating_recovers_a_shifted_and_scaled_form() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(20, 5, size=500)
    lin = linear_equating(x, 2 * x + 3)
    # σ_Y / σ_X = 2 and μ_Y - 2 μ_X = 3 exactly for y = 2x + 3
    assert lin.slope == pytest.approx(2.0, rel=1e-12)
    assert lin.intercept == pytest.approx(3.0, abs=1e-9)
    assert lin.inverse(lin(17.0)) == pytest.approx(17.0)


def test_linear_equating_hand_example() -> None:
    # X: 1, 3 (μ 2, σ 1); Y: 10, 14 (μ 12, σ 2): l(x) = 2 (x - 2) + 12, l(2.5) = 13
    lin = linear_equating([1, 3], [10, 14])
    assert lin(2.5) == pytest.approx(13.0)


def test_equipercentile_recovers_a_shifted_form() -> None:
    rng = np.random.default_rng(3)
    x = rng.binomial(40, 0.5, size=3000)
    eq = equipercentile_equating(x, x + 5, max_x=40, max_y=45)
    seen = np.unique(x)
    np.testing.assert_allclose(eq(seen.astype(float)), seen + 5, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 8), min_size=2, max_size=40),
    st.lists(st.integers(0, 8), min_size=2, max_size=40),
)
def test_equipercentile_is_monotone_and_inverts_on_observed_scores(xs: list[int], ys: list[int]) -> None:
    eq = equipercentile_equating(xs, ys, max_x=8, max_y=8)
    table = eq.table.to_numpy()
    assert (np.diff(table) >= -1e-9).all()
    assert (table >= -0.5 - 1e-9).all() and (table <= 8.5 + 1e-9).all()
    observed = np.unique(xs).astype(float)
    np.testing.assert_allclose(eq.inverse(eq(observed)), observed, atol=1e-7)


def _form(n: int, seed: int, prefix: str, c: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"a": rng.uniform(0.6, 2.0, n), "b": rng.normal(0, 1, n), "c": np.full(n, c)},
        index=[f"{prefix}{i}" for i in range(1, n + 1)],
    )


@pytest.mark.parametrize("method", ["stocking_lord", "mean_sigma", "mean_mean"])
def test_linking_recovers_known_scale_transformation(method: str) -> None:
    new = _form(15, 4, "C", c=0.15)
    big_a, big_b = 1.3, -0.4
    # reference scale: θ_ref = 1.3 θ_new - 0.4, so a_ref = a / 1.3 and b_ref = 1.3 b - 0.4
    ref = pd.DataFrame({"a": new["a"] / big_a, "b": big_a * new["b"] + big_b, "c": new["c"]})
    lk = link_common_items(new, ref, method=method)
    assert lk.A == pytest.approx(big_a, abs=1e-6)
    assert lk.B == pytest.approx(big_b, abs=1e-6)
    pd.testing.assert_frame_equal(lk.transform(new), ref, atol=1e-5)


def test_stocking_lord_is_close_with_estimation_noise() -> None:
    new = _form(20, 5, "C")
    rng = np.random.default_rng(6)
    ref = pd.DataFrame({"a": new["a"] / 0.8 * np.exp(rng.normal(0, 0.05, 20)),
                        "b": 0.8 * new["b"] + 0.5 + rng.normal(0, 0.05, 20), "c": 0.0}, index=new.index)
    lk = link_common_items(new, ref)
    # noise SD 0.05 on 20 items: the constants stay within a few hundredths
    assert lk.A == pytest.approx(0.8, abs=0.06)
    assert lk.B == pytest.approx(0.5, abs=0.06)


def test_true_score_curve_hand_values() -> None:
    items = pd.DataFrame({"a": [1.0, 2.0], "b": [0.0, 1.0], "c": [0.2, 0.0]}, index=["Q1", "Q2"])
    # θ = 1: Q1 .2 + .8 σ(1) = .2 + .8 x .7310586 = .7848469; Q2 σ(0) = .5
    assert true_score_curve(items, 1.0) == pytest.approx(0.2 + 0.8 * _sigmoid(1) + 0.5, rel=1e-12)


def test_true_score_equating_a_form_onto_itself_is_the_identity() -> None:
    form = _form(12, 7, "Q", c=0.2)
    table = irt_true_score_equating(form, form, linking=Linking(1.0, 0.0, "none", ()))
    np.testing.assert_allclose(table["reference_equivalent"], np.arange(13), atol=1e-8)
    # with Stocking-Lord on the form itself the linking is the identity too
    table2 = irt_true_score_equating(form, form)
    np.testing.assert_allclose(table2["reference_equivalent"], np.arange(13), atol=1e-5)


def test_carry_cut_score_hand_example() -> None:
    common = pd.DataFrame({"a": [1.0, 1.0], "b": [-1.0, 1.0]}, index=["C1", "C2"])
    ref = pd.concat([common, pd.DataFrame({"a": [1.0], "b": [0.0]}, index=["R3"])])
    new = pd.concat([common, pd.DataFrame({"a": [1.0], "b": [1.0]}, index=["N3"])])
    carried = carry_cut_score(1.5, reference_items=ref, new_items=new)
    # identical common items: A = 1, B = 0. τ_ref(0) = σ(1) + σ(-1) + σ(0) = 1 + .5 = 1.5,
    # so θ_cut = 0 and the new cut is τ_new(0) = σ(1) + σ(-1) + σ(-1) = 1 + .2689414 = 1.2689414
    assert carried.linking.A == pytest.approx(1.0, abs=1e-6)
    assert carried.theta == pytest.approx(0.0, abs=1e-6)
    assert carried.cut_new == pytest.approx(1 + _sigmoid(-1), abs=1e-6)
    rule = carried.to_rule(round_up=True)
    assert rule["kind"] == "points" and rule["round_up"] is True
    assert rule["value"] == pytest.approx(1.2689414, abs=1e-6)
    assert rule["source"]["common_items"] == ["C1", "C2"]


def test_carry_cut_score_to_a_rescaled_copy_keeps_the_cut() -> None:
    ref = _form(25, 8, "Q", c=0.2)
    # the same items calibrated on another scale: θ_new = (θ_ref + 0.3) / 1.2
    new = pd.DataFrame({"a": ref["a"] * 1.2, "b": (ref["b"] + 0.3) / 1.2, "c": ref["c"]})
    fit_like = SimpleNamespace(items=new)  # an IRT fit object with an .items table
    carried = carry_cut_score(15.0, reference_items=ref, new_items=fit_like)
    assert carried.cut_new == pytest.approx(15.0, abs=1e-4)


def test_cut_below_the_guessing_floor_maps_linearly() -> None:
    ref = _form(10, 9, "C", c=0.25)   # Σc_ref = 2.5
    new = ref.copy()
    new["c"] = 0.2                      # Σc_new = 2.0
    carried = carry_cut_score(2.0, reference_items=ref, new_items=new,
                              linking=Linking(1.0, 0.0, "given", ()))
    # K&B (2004) ch. 6: below Σc the equivalent is score x Σc_new / Σc_ref = 2 x 2.0 / 2.5 = 1.6
    assert carried.cut_new == pytest.approx(1.6)
    top = carry_cut_score(10.0, reference_items=ref, new_items=new.iloc[:8],
                          linking=Linking(1.0, 0.0, "given", ()))
    assert top.cut_new == 8.0


def test_bad_input_is_named() -> None:
    good = _form(5, 10, "Q")
    with pytest.raises(ValueError, match=r"new_items has no column 'a'"):
        link_common_items(good.drop(columns="a"), good)
    with pytest.raises(ValueError, match=r"need at least 2 common items, found 0"):
        link_common_items(_form(5, 1, "X"), good)
    with pytest.raises(ValueError, match=r"common item 'Z9' is not in new_items"):
        link_common_items(good, good, common_items=["Q1", "Z9"])
    with pytest.raises(ValueError, match=r"cut 7 is outside the reference form's score range 0..5"):
        carry_cut_score(7, reference_items=good, new_items=good)
    with pytest.raises(ValueError, match=r"x_scores must be whole scores 0..4; found 2.5"):
        equipercentile_equating([0, 2.5], [1, 2], max_x=4, max_y=4)
    with pytest.raises(ValueError, match=r"every x score is the same"):
        linear_equating([3, 3], [1, 2])
    bad = good.copy()
    bad.loc["Q2", "c"] = 1.2
    with pytest.raises(ValueError, match=r"item 'Q2' has c outside"):
        true_score_curve(bad, 0.0)
