"""Specification of analysis.ctt: item statistics, reliability, distractors, score distribution.

Expected numbers come from (a) small matrices worked out by hand (arithmetic in the
comments), (b) R 4.2.2 + psych 2.2.9 on the public SAT12 data, stored as JSON fixtures in
tests/data/reference/ by tests/data/reference/ctt_make_reference.R, and (c) properties that
hold for any data.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis import ctt
from analysis.ctt import (
    OMITTED,
    Reliability,
    distractors,
    item_statistics,
    reliability,
    score_distribution,
)

DATA = Path(__file__).resolve().parents[1] / "data"
REF = DATA / "reference"


def _ref(name: str) -> dict:
    return json.loads((REF / name).read_text())


@pytest.fixture(scope="module")
def sat12_scored() -> pd.DataFrame:
    return pd.read_csv(DATA / "data_sat12_scored.csv")


@pytest.fixture(scope="module")
def sat12_choices() -> tuple[pd.DataFrame, dict]:
    raw = pd.read_csv(DATA / "data_sat12_raw.csv")
    key = pd.read_csv(DATA / "data_sat12_key.csv")
    # Code 8 = omitted / not reached (tests/data/README.md).
    return raw.where(raw != 8), dict(zip(key["item"], key["key"]))


# A 4 x 3 matrix used for the hand computations below.
#   i1 = [1,1,0,0], i2 = [1,0,1,0], i3 = [1,1,1,0]  ->  T = [3,2,2,0]
#   var(i1) = var(i2) = 1/3, var(i3) = 1/4, var(T) = 4.75/3 = 19/12  (divisor n-1 = 3)
#   cov(i1,i2) = 0, cov(i1,i3) = cov(i2,i3) = 1/6
SMALL = pd.DataFrame(
    {"i1": [1, 1, 0, 0], "i2": [1, 0, 1, 0], "i3": [1, 1, 1, 0]},
    index=pd.Index(["c1", "c2", "c3", "c4"], name="candidate_id"),
)


# ---------------------------------------------------------------- item_statistics, by hand


def test_item_statistics_small_matrix_by_hand() -> None:
    s = item_statistics(SMALL)
    assert list(s.index) == ["i1", "i2", "i3"]
    assert list(s.columns[:3]) == ["n", "mean", "sd"]
    assert s["n"].tolist() == [4, 4, 4]
    # means 2/4, 2/4, 3/4; sd = sqrt(1/3), sqrt(1/3), sqrt(1/4)
    np.testing.assert_allclose(s["mean"], [0.5, 0.5, 0.75])
    np.testing.assert_allclose(s["sd"], [math.sqrt(1 / 3), math.sqrt(1 / 3), 0.5])
    np.testing.assert_allclose(s["p"], [0.5, 0.5, 0.75])
    # rit(i1) = cov(i1,T)/sqrt(var i1 var T): centred i1 [.5,.5,-.5,-.5] . centred T
    # [1.25,.25,.25,-1.75] = 1.5, /3 = 0.5;  0.5 / sqrt(1/3 * 19/12) = 0.688247
    # rit(i2) the same by symmetry; rit(i3): cov = 1.75/3, / sqrt(1/4 * 19/12) = 0.927172
    np.testing.assert_allclose(
        s["rit"], [0.5 / math.sqrt(19 / 36), 0.5 / math.sqrt(19 / 36), (1.75 / 3) / math.sqrt(19 / 48)]
    )
    # rir(i1): rest = [2,1,2,0], var 2.75/3, cov(i1, rest) = 0.5/3
    #   -> (0.5/3) / sqrt(1/3 * 2.75/3) = 0.301511 (= 1/sqrt(11))
    # rir(i3): rest = [2,1,1,0], var 2/3, cov = 1/3 -> (1/3)/sqrt(1/4 * 2/3) = sqrt(6)/3 = 0.816497
    np.testing.assert_allclose(s["rir"], [1 / math.sqrt(11), 1 / math.sqrt(11), math.sqrt(6) / 3])
    # alpha without i1 (i2,i3): 2 * (1 - (1/3+1/4) / (1/3+1/4+2/6)) = 2 * 4/11 = 8/11; the
    # same without i2; without i3 (i1,i2, covariance 0): 2 * (1 - (2/3)/(2/3)) = 0
    np.testing.assert_allclose(s["alpha_if_deleted"], [8 / 11, 8 / 11, 0.0], atol=1e-12)


def test_item_statistics_keeps_ids_and_order_as_given() -> None:
    x = SMALL.copy()
    x.columns = [30, 10, 20]  # int item ids, deliberately unsorted
    s = item_statistics(x)
    assert list(s.index) == [30, 10, 20]
    np.testing.assert_allclose(s["p"], [0.5, 0.5, 0.75])  # same numbers as the hand case


def test_p_uses_max_scores_for_partial_credit_items() -> None:
    # Item "open" scored 0..4 with observed scores 0,2,2,4: mean 2 -> p = 2/4 with m = 4,
    # and 2/5 when the committee says the maximum is 5.
    x = pd.DataFrame({"mc": [0, 1, 1, 1], "open": [0, 2, 2, 4]})
    assert item_statistics(x)["p"].tolist() == [0.75, 0.5]
    s = item_statistics(x, max_scores={"mc": 1, "open": 5})
    assert s["p"].tolist() == [0.75, 0.4]
    assert s["max_score"].tolist() == [1.0, 5.0]


def test_item_statistics_with_items_not_presented_by_hand() -> None:
    # Candidate c4 did not get item i1 (NaN). Totals are sums over items seen:
    #   i1 = [1,1,0,-], i2 = [1,0,1,0], i3 = [1,1,0,0]  ->  T = [3,2,1,0]
    x = pd.DataFrame({"i1": [1, 1, 0, np.nan], "i2": [1, 0, 1, 0], "i3": [1, 1, 0, 0]})
    s = item_statistics(x)
    assert s["n"].tolist() == [3, 4, 4]
    # i1 over c1..c3: mean 2/3, var ((1/3)^2*2 + (2/3)^2)/2 = 1/3; T there [3,2,1], var 1,
    # cov(i1,T) = (1/3*1 + 0 + (-2/3)(-1))/2 = 1/2 -> rit = 0.5/sqrt(1/3) = 0.866025;
    # rest [2,1,1]: var 1/3, cov(i1,rest) = (2/9 - 1/9 + 2/9)/2 = 1/6 -> rir = (1/6)/(1/3) = 0.5
    # i2 over all: var 1/3, var T = 5/3, cov(i2,T) = 1/3 -> rit = 1/sqrt(5); rest [2,2,0,0]:
    #   cov(i2,rest) = 0 -> rir = 0
    # i3: cov(i3,T) = 2/3 -> rit = 2/sqrt(5); rest [2,1,1,0], var 2/3, cov 1/3 -> rir = 1/sqrt(2)
    np.testing.assert_allclose(s["mean"], [2 / 3, 0.5, 0.5])
    np.testing.assert_allclose(s["sd"], [math.sqrt(1 / 3)] * 3)
    np.testing.assert_allclose(s["rit"], [math.sqrt(3) / 2, 1 / math.sqrt(5), 2 / math.sqrt(5)])
    np.testing.assert_allclose(s["rir"], [0.5, 0.0, 1 / math.sqrt(2)], atol=1e-12)
    # Pairwise covariances: C11 = C22 = C33 = 1/3 (C11 over c1..c3);
    #   C12 over c1..c3: dev [1/3,1/3,-2/3].[1/3,-2/3,1/3] = -1/3, /2 = -1/6
    #   C13 over c1..c3: i3 equals i1 there -> 1/3;  C23 over all: 0
    # alpha without i1: 2*(1 - (2/3)/(2/3)) = 0; without i2: 2*(1 - (2/3)/(4/3)) = 1;
    # without i3: 2*(1 - (2/3)/(2/3 - 1/3)) = -2
    np.testing.assert_allclose(s["alpha_if_deleted"], [0.0, 1.0, -2.0], atol=1e-12)
    # alpha: sum C = 1 + 2*(-1/6 + 1/3 + 0) = 4/3, tr C = 1 -> 1.5*(1 - 3/4) = 0.375
    assert reliability(x).alpha == pytest.approx(0.375)


def test_nullable_integer_columns_mean_the_same_as_float_with_nan() -> None:
    x = pd.DataFrame({"i1": [1, 1, 0, np.nan], "i2": [1, 0, 1, 0], "i3": [1, 1, 0, 0]})
    pd.testing.assert_frame_equal(item_statistics(x.astype("Int64")), item_statistics(x))


def test_item_without_variance_has_no_correlations() -> None:
    x = pd.DataFrame({"easy": [1, 1, 1, 1], "i2": [1, 0, 1, 0], "i3": [1, 1, 0, 0]})
    s = item_statistics(x)
    assert s.loc["easy", "p"] == 1.0
    assert math.isnan(s.loc["easy", "rit"]) and math.isnan(s.loc["easy", "rir"])
    assert not math.isnan(s.loc["i2", "rit"])


def test_item_seen_only_by_candidates_with_equal_totals_has_no_correlation() -> None:
    # Non-regression (hypothesis found rit = -inf): item "a" was seen by c1 and c2, whose
    # totals are both 1, so r(x, T) is undefined there -> NaN, not +-inf.
    x = pd.DataFrame({"a": [1, 0, np.nan], "b": [0, 1, 1], "c": [np.nan, np.nan, 0]})
    s = item_statistics(x)
    assert math.isnan(s.loc["a", "rit"]) and math.isnan(s.loc["a", "rir"])
    assert math.isnan(s.loc["c", "sd"])  # one candidate: no sample SD


# ----------------------------------------------------------- weighted totals, by hand

# SMALL with weights (1, 2, 1): T = i1 + 2 i2 + i3 = [4, 2, 3, 0], mean 2.25,
# centred [1.75, -0.25, 0.75, -2.25], var(T) = 8.75 / 3 = 35/12.
WEIGHTS_121 = {"i1": 1, "i2": 2, "i3": 1}


def test_weighted_item_statistics_small_matrix_by_hand() -> None:
    s = item_statistics(SMALL, weights=WEIGHTS_121)
    # n, mean, sd and p describe the item itself: the same as unweighted.
    assert s["n"].tolist() == [4, 4, 4]
    np.testing.assert_allclose(s["mean"], [0.5, 0.5, 0.75])
    np.testing.assert_allclose(s["sd"], [math.sqrt(1 / 3), math.sqrt(1 / 3), 0.5])
    np.testing.assert_allclose(s["p"], [0.5, 0.5, 0.75])
    # cov(i1,T) = [.5,.5,-.5,-.5].[1.75,-.25,.75,-2.25] / 3 = 1.5/3 = 1/2
    #   rit = (1/2) / sqrt(1/3 * 35/12) = 3/sqrt(35)
    # cov(i2,T) = [.5,-.5,.5,-.5].[...] / 3 = 2.5/3 = 5/6 -> rit = 5/sqrt(35)
    # cov(i3,T) = [.25,.25,.25,-.75].[...] / 3 = 2.25/3 = 3/4 -> rit = (3/4)/sqrt(1/4 * 35/12) = 3 sqrt(12/35)/2
    np.testing.assert_allclose(s["rit"], [3 / math.sqrt(35), 5 / math.sqrt(35), 1.5 * math.sqrt(12 / 35)])
    # rest = T - w_j x_j:
    #   i1: [3,1,3,0], var 9/4, cov(i1, rest) = 1/2 - 1/3 = 1/6 -> (1/6)/sqrt(1/3 * 9/4) = 1/(3 sqrt 3)
    #   i2: [2,2,1,0], var 11/12, cov = 5/6 - 2/3 = 1/6 -> (1/6)/sqrt(1/3 * 11/12) = 1/sqrt(11)
    #   i3: [3,1,2,0], var 5/3, cov = 3/4 - 1/4 = 1/2 -> (1/2)/sqrt(1/4 * 5/3) = sqrt(3/5)
    np.testing.assert_allclose(s["rir"], [1 / (3 * math.sqrt(3)), 1 / math.sqrt(11), math.sqrt(3 / 5)])
    # Components (i1, 2 i2, i3): C = [[1/3, 0, 1/6], [0, 4/3, 1/3], [1/6, 1/3, 1/4]]
    #   without i1: tr 19/12, sum 27/12 -> 2 (1 - 19/27) = 16/27
    #   without i2: tr 7/12, sum 11/12 -> 2 (1 - 7/11) = 8/11
    #   without i3: tr 5/3, sum 5/3 -> 0
    np.testing.assert_allclose(s["alpha_if_deleted"], [16 / 27, 8 / 11, 0.0], atol=1e-12)


def test_weighted_reliability_small_matrix_by_hand() -> None:
    rel = reliability(SMALL, weights=WEIGHTS_121)
    # tr C = 1/3 + 4/3 + 1/4 = 23/12, sum C = 23/12 + 2 (0 + 1/6 + 1/3) = 35/12 (= var T)
    # alpha = 3/2 (1 - 23/35) = 18/35; SEM = sqrt(35/12) sqrt(17/35) = sqrt(17/12)
    assert rel.alpha == pytest.approx(18 / 35, abs=1e-12)
    assert rel.sem == pytest.approx(math.sqrt(17 / 12), abs=1e-12)
    # lambda-2: off-diagonal sum 1, squares 2 (0 + 1/36 + 1/9) = 5/18
    #   -> (1 + sqrt(3/2 * 5/18)) / (35/12) = (1 + sqrt(5/12)) * 12/35
    assert rel.lambda2 == pytest.approx((1 + math.sqrt(5 / 12)) * 12 / 35, abs=1e-12)
    # odd half (i1, i3), even half (2 i2): cov 0 + 1/3, var 1/3 + 1/4 + 2/6 = 11/12, var 4/3
    #   r = (1/3)/sqrt(11/12 * 4/3) = 1/sqrt(11); split half = 2r/(1+r)
    r = 1 / math.sqrt(11)
    assert rel.split_half == pytest.approx(2 * r / (1 + r), abs=1e-12)
    assert (rel.n_items, rel.n_candidates) == (3, 4)


def test_an_item_of_weight_zero_is_correlated_with_the_others_total_and_left_out_of_alpha() -> None:
    s = item_statistics(SMALL, weights={"i1": 1, "i2": 0, "i3": 1})
    # T = i1 + i3 = [2,2,1,0], var 11/12; cov(i2, T) = [.5,-.5,.5,-.5].[.75,.75,-.25,-1.25]/3 = 1/6
    #   -> rit(i2) = rir(i2) = (1/6)/sqrt(1/3 * 11/12) = 1/sqrt(11)
    assert s.loc["i2", "rit"] == pytest.approx(1 / math.sqrt(11), abs=1e-12)
    assert s.loc["i2", "rir"] == pytest.approx(1 / math.sqrt(11), abs=1e-12)
    # alpha of (i1, i3) = 2 (1 - 7/12 / 11/12) = 8/11: the test's alpha, and alpha without i2
    assert s.loc["i2", "alpha_if_deleted"] == pytest.approx(8 / 11, abs=1e-12)
    rel = reliability(SMALL, weights={"i1": 1, "i2": 0, "i3": 1})
    assert rel.alpha == pytest.approx(8 / 11, abs=1e-12)
    assert rel.n_items == 2
    # i1 and i3 get what a test of only i1 and i3 gives them.
    alone = item_statistics(SMALL[["i1", "i3"]])
    for col in ("rit", "rir"):
        np.testing.assert_allclose(s.loc[["i1", "i3"], col], alone[col], atol=1e-12)


@pytest.mark.parametrize("missing", [False, True])
def test_weights_of_one_give_exactly_the_unweighted_numbers(missing: bool) -> None:
    x = _random_scores(3, 60, 6, 0.2 if missing else 0.0)
    ones = {c: 1 for c in x.columns}
    pd.testing.assert_frame_equal(item_statistics(x, weights=ones), item_statistics(x), check_exact=True)
    assert reliability(x, weights=pd.Series(ones)) == reliability(x)


def test_bad_weights_are_refused_naming_the_item() -> None:
    with pytest.raises(ValueError, match=r"weights has no entry for item 'i3'"):
        item_statistics(SMALL, weights={"i1": 1, "i2": 1})
    with pytest.raises(ValueError, match=r"weights\['i2'\] must be a number >= 0; you provided -1"):
        reliability(SMALL, weights={"i1": 1, "i2": -1, "i3": 1})
    with pytest.raises(ValueError, match="every item has weight 0"):
        item_statistics(SMALL, weights={"i1": 0, "i2": 0, "i3": 0})


# ------------------------------------------------------------------ agreement with psych


def test_item_statistics_agree_with_psych_alpha_on_sat12(sat12_scored: pd.DataFrame) -> None:
    ref = _ref("psych_sat12_alpha.json")  # psych::alpha(scored), see its description
    s = item_statistics(sat12_scored)
    assert list(s.index) == ref["items"]
    assert s["n"].tolist() == ref["item_n"]
    np.testing.assert_allclose(s["mean"], ref["item_mean"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(s["sd"], ref["item_sd"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(s["rit"], ref["item_raw_r"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(s["rir"], ref["item_r_drop"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(s["alpha_if_deleted"], ref["alpha_drop"], rtol=0, atol=1e-10)


def test_reliability_agrees_with_psych_on_sat12(sat12_scored: pd.DataFrame) -> None:
    ref = _ref("psych_sat12_alpha.json")
    rel = reliability(sat12_scored)
    assert isinstance(rel, Reliability)
    assert rel.alpha == pytest.approx(ref["raw_alpha"], abs=1e-12)  # psych::alpha raw_alpha
    assert rel.lambda2 == pytest.approx(ref["lambda2"], abs=1e-12)  # psych::splitHalf(covar=TRUE)
    assert rel.split_half == pytest.approx(ref["split_half_odd_even"], abs=1e-12)  # base R
    assert rel.sem == pytest.approx(ref["sem"], abs=1e-12)  # sd(rowSums) * sqrt(1 - alpha)
    assert (rel.n_items, rel.n_candidates) == (32, ref["n_candidates"])


def test_alpha_equals_kr20_for_dichotomous_items(sat12_scored: pd.DataFrame) -> None:
    ref = _ref("psych_sat12_alpha.json")  # KR-20 computed in base R from p(1-p)
    assert reliability(sat12_scored).alpha == pytest.approx(ref["kr20"], abs=1e-12)


def test_items_from_several_forms_agree_with_psych_pairwise(sat12_scored: pd.DataFrame) -> None:
    # Same NA pattern as the R script: rows 1-200 lack items 1-4, rows 201-400 items 29-32.
    ref = _ref("psych_sat12_forms_alpha.json")
    x = sat12_scored.astype(float)
    x.iloc[0:200, 0:4] = np.nan
    x.iloc[200:400, 28:32] = np.nan
    s = item_statistics(x)
    assert s["n"].tolist() == ref["item_n"]
    np.testing.assert_allclose(s["mean"], ref["item_mean"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(s["sd"], ref["item_sd"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(s["rit"], ref["item_rit"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(s["rir"], ref["item_rir"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(s["alpha_if_deleted"], ref["alpha_drop"], rtol=0, atol=1e-10)
    rel = reliability(x)
    assert rel.alpha == pytest.approx(ref["raw_alpha"], abs=1e-10)
    assert rel.lambda2 == pytest.approx(ref["lambda2"], abs=1e-10)


def test_reliability_small_matrix_by_hand() -> None:
    rel = reliability(SMALL)
    # alpha = 3/2 * (1 - (11/12) / (19/12)) = 12/19
    assert rel.alpha == pytest.approx(12 / 19)
    # SEM = sqrt(19/12) * sqrt(1 - 12/19) = sqrt(7/12)
    assert rel.sem == pytest.approx(math.sqrt(7 / 12))
    # lambda2: off-diagonal sum 2*(0 + 1/6 + 1/6) = 2/3, squares 2*(1/36 + 1/36) = 1/9
    #   (2/3 + sqrt(3/2 * 1/9)) / (19/12)
    assert rel.lambda2 == pytest.approx((2 / 3 + math.sqrt(1 / 6)) / (19 / 12))
    # odd half {i1, i3}, even half {i2}: cov = 0 + 1/6, var O = 1/3 + 1/4 + 2/6 = 11/12,
    # var E = 1/3, r = (1/6)/sqrt(11/36) = 1/sqrt(11), split half = 2r/(1+r)
    r = 1 / math.sqrt(11)
    assert rel.split_half == pytest.approx(2 * r / (1 + r))


def test_reliability_is_nan_when_two_items_were_never_given_together() -> None:
    x = pd.DataFrame({"a": [1, 0, 1, np.nan, np.nan], "b": [np.nan, np.nan, 1, 0, 1], "c": [1, 0, np.nan, 1, 0]})
    # a and b share only candidate 3: their covariance is undefined, so is alpha.
    assert math.isnan(reliability(x).alpha)
    assert item_statistics(x)["n"].tolist() == [3, 3, 4]


def test_reliability_is_a_frozen_dataclass() -> None:
    rel = reliability(SMALL)
    with pytest.raises(AttributeError):
        rel.alpha = 1.0  # type: ignore[misc]


# ------------------------------------------------------------------------- properties

binary_matrix = st.integers(min_value=0, max_value=2**31 - 1).flatmap(
    lambda seed: st.tuples(st.just(seed), st.integers(5, 60), st.integers(2, 12))
)


def _random_scores(seed: int, n: int, k: int, missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(n, 1))
    x = (rng.normal(size=(n, k)) + ability > rng.normal(size=k)).astype(float)
    if missing:
        x[rng.random((n, k)) < missing] = np.nan
        x[np.isnan(x).all(axis=1), 0] = 1.0  # every candidate saw something
        for j in range(k):
            if np.isnan(x[:, j]).all():
                x[0, j] = 0.0
    return pd.DataFrame(x, columns=[f"q{j}" for j in range(k)])


@settings(max_examples=40, deadline=None)
@given(binary_matrix, st.sampled_from([0.0, 0.2]))
def test_p_is_a_proportion_and_correlations_are_bounded(params: tuple, missing: float) -> None:
    seed, n, k = params
    s = item_statistics(_random_scores(seed, n, k, missing))
    assert ((s["p"] >= 0) & (s["p"] <= 1)).all()
    for col in ("rit", "rir"):
        r = s[col].dropna()
        assert ((r >= -1 - 1e-9) & (r <= 1 + 1e-9)).all()


@settings(max_examples=40, deadline=None)
@given(binary_matrix, st.sampled_from([0.0, 0.2]))
def test_rir_is_at_most_rit_for_positively_related_items(params: tuple, missing: float) -> None:
    # cov(x, rest) >= 0 implies rit >= rir (Cauchy-Schwarz; see the derivation in the README)
    seed, n, k = params
    s = item_statistics(_random_scores(seed, n, k, missing)).dropna(subset=["rit", "rir"])
    pos = s[s["rir"] >= 0]
    assert (pos["rir"] <= pos["rit"] + 1e-12).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=9, max_size=9), st.sampled_from([(4, 2), (3, 3), (6, 1.5)]))
def test_alpha_of_a_lengthened_test_follows_spearman_brown(weights: list[int], split: tuple) -> None:
    # A data set that contains, for every row, all its column permutations is exchangeable:
    # all items have the same variance v and every pair the same covariance c. Then alpha
    # of k items is k c / (v + (k-1) c) and alpha of the first k of m*k such parallel items
    # obeys Spearman-Brown exactly: alpha_mk = m a / (1 + (m - 1) a).
    k_total = 8
    rows = []
    for n_ones, w in enumerate(weights):
        pattern_rows = [
            [1 if (bits >> b) & 1 else 0 for b in range(k_total)]
            for bits in range(2**k_total)
            if bin(bits).count("1") == n_ones
        ]
        rows.extend(pattern_rows * w)
    x = pd.DataFrame(rows, columns=[f"q{j}" for j in range(k_total)], dtype=float)
    k_short, factor = split[0], k_total / split[0]
    assume(len(x) >= 3 and x.to_numpy().std() > 0)
    short = reliability(x.iloc[:, :k_short]).alpha
    full = reliability(x).alpha
    assume(not math.isnan(short) and abs(1 + (factor - 1) * short) >= 1e-9)
    assert full == pytest.approx(factor * short / (1 + (factor - 1) * short), abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(binary_matrix, st.sampled_from([0.0, 0.2]), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_candidate_order(params: tuple, missing: float, rnd) -> None:
    seed, n, k = params
    x = _random_scores(seed, n, k, missing)
    perm = list(range(n))
    rnd.shuffle(perm)
    y = x.iloc[perm]
    pd.testing.assert_frame_equal(item_statistics(x), item_statistics(y), rtol=1e-9, atol=1e-12)
    a, b = reliability(x), reliability(y)
    for field in ("alpha", "sem", "lambda2", "split_half"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), abs=1e-10, nan_ok=True)
    labels = np.array(["A", "B", "C", "D"], dtype=object)
    rng = np.random.default_rng(seed)
    choices = pd.DataFrame(labels[rng.integers(0, 4, size=(n, k))], columns=x.columns)
    choices = choices.mask(rng.random((n, k)) < 0.05)
    key = {c: "A" for c in x.columns}
    pd.testing.assert_frame_equal(
        distractors(choices, key), distractors(choices.iloc[perm], key), rtol=1e-9, atol=1e-12
    )


def _naive_item_statistics(x: pd.DataFrame) -> pd.DataFrame:
    """Straightforward per-item pandas/numpy version of the documented definitions."""
    total = x.sum(axis=1, skipna=True)
    out = {}
    cov = x.cov()  # pandas: pairwise complete, divisor n - 1
    k = x.shape[1]
    for item in x.columns:
        seen = x[item].notna()
        xi, t = x.loc[seen, item], total[seen]
        c = cov.drop(index=item, columns=item).to_numpy()
        out[item] = {
            "n": int(seen.sum()),
            "mean": xi.mean(),
            "sd": xi.std(),
            "rit": np.corrcoef(xi, t)[0, 1],
            "rir": np.corrcoef(xi, t - xi)[0, 1],
            "alpha_if_deleted": (k - 1) / (k - 2) * (1 - np.trace(c) / c.sum()),
        }
    return pd.DataFrame(out).T


@settings(max_examples=25, deadline=None)
@given(binary_matrix.filter(lambda p: p[2] >= 3), st.sampled_from([0.0, 0.25]))
def test_item_statistics_agree_with_a_per_item_pandas_computation(params: tuple, missing: float) -> None:
    seed, n, k = params
    x = _random_scores(seed, n, k, missing)
    fast = item_statistics(x)
    # degenerate draws (constant items) are left to the hand cases
    assume(not fast["rit"].isna().any() and (x.notna().sum() >= 3).all())
    slow = _naive_item_statistics(x)
    for col in ("n", "mean", "sd", "rit", "rir", "alpha_if_deleted"):
        np.testing.assert_allclose(fast[col].astype(float), slow[col].astype(float), rtol=1e-9, atol=1e-9)


def _naive_weighted_statistics(x: pd.DataFrame, w: pd.Series) -> pd.DataFrame:
    """Per-item pandas version of the weighted definitions: T = sum_j w_j x_j over the items
    seen, Rit = r(x_j, T), Rir = r(x_j, T - w_j x_j), alpha without j over the components w x."""
    y = x * w
    total = y.sum(axis=1, skipna=True)
    cov = y.cov()
    k = x.shape[1]
    out = {}
    for item in x.columns:
        seen = x[item].notna()
        xi, t = x.loc[seen, item], total[seen]
        c = cov.drop(index=item, columns=item).to_numpy()
        out[item] = {
            "rit": np.corrcoef(xi, t)[0, 1],
            "rir": np.corrcoef(xi, t - w[item] * xi)[0, 1],
            "alpha_if_deleted": (k - 1) / (k - 2) * (1 - np.trace(c) / c.sum()),
        }
    return pd.DataFrame(out).T


weight_lists = st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0, 4.5]), min_size=12, max_size=12)


def _weighted_draw(params: tuple, missing: float, weights: list[float]) -> tuple[pd.DataFrame, pd.Series]:
    """A random scored matrix from a hypothesis draw, and one weight per item."""
    seed, n, k = params
    x = _random_scores(seed, n, k, missing)
    return x, pd.Series(weights[:k], index=x.columns)


@settings(max_examples=25, deadline=None)
@given(binary_matrix.filter(lambda p: p[2] >= 3), st.sampled_from([0.0, 0.25]), weight_lists)
def test_weighted_item_statistics_agree_with_a_per_item_pandas_computation(
    params: tuple, missing: float, weights: list[float]
) -> None:
    x, w = _weighted_draw(params, missing, weights)
    fast = item_statistics(x, weights=w)
    assume(not fast["rit"].isna().any() and (x.notna().sum() >= 3).all())
    slow = _naive_weighted_statistics(x, w)
    for col in ("rit", "rir", "alpha_if_deleted"):
        np.testing.assert_allclose(fast[col].astype(float), slow[col].astype(float), rtol=1e-9, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(binary_matrix, st.sampled_from([0.0, 0.2]), weight_lists)
def test_doubling_every_weight_leaves_rit_rir_and_alpha_unchanged(
    params: tuple, missing: float, weights: list[float]
) -> None:
    # Correlations and alpha do not change when the total is multiplied by a constant;
    # the SEM, in total-score points, doubles.
    x, w = _weighted_draw(params, missing, weights)
    one, two = item_statistics(x, weights=w), item_statistics(x, weights=2 * w)
    for col in ("rit", "rir", "alpha_if_deleted"):
        np.testing.assert_allclose(one[col], two[col], rtol=1e-9, atol=1e-12)
    a, b = reliability(x, weights=w), reliability(x, weights=2 * w)
    for field in ("alpha", "lambda2", "split_half"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), abs=1e-10, nan_ok=True)
    assert b.sem == pytest.approx(2 * a.sem, rel=1e-9, nan_ok=True)


# ------------------------------------------------------------------------ distractors


def test_distractors_small_table_by_hand() -> None:
    # 5 candidates, q1 key A, q2 key B:
    #   q1: A A B C -   -> scores 1 1 0 0 0
    #   q2: B B B A A   -> scores 1 1 1 0 0      totals T = 2 2 1 0 0
    # Mid-percentile ranks (below + tied/2)/5: T=0 -> 1/5 = .2 (low, < .27),
    # T=1 -> 2.5/5 = .5 (middle), T=2 -> 4/5 = .8 (high, > .73).
    # Groups: low {c4,c5}, middle {c3}, high {c1,c2}.
    ch = pd.DataFrame(
        {"q1": ["A", "A", "B", "C", None], "q2": ["B", "B", "B", "A", "A"]},
        index=["c1", "c2", "c3", "c4", "c5"],
    )
    t = distractors(ch, {"q1": "A", "q2": {"B"}})
    assert list(t.columns) == [
        "item", "option", "is_key", "is_omitted", "n", "proportion",
        "prop_low", "prop_mid", "prop_high", "rar", "mean_total",
    ]
    assert t["item"].tolist() == ["q1"] * 4 + ["q2"] * 3
    assert t["option"].tolist() == ["A", "B", "C", OMITTED, "A", "B", OMITTED]
    assert t["is_key"].tolist() == [True, False, False, False, False, True, False]
    assert t["is_omitted"].tolist() == [False, False, False, True, False, False, True]
    assert t["n"].tolist() == [2, 1, 1, 1, 2, 3, 0]
    np.testing.assert_allclose(t["proportion"], [0.4, 0.2, 0.2, 0.2, 0.4, 0.6, 0.0])
    np.testing.assert_allclose(t["prop_low"], [0, 0, 0.5, 0.5, 1, 0, 0])
    np.testing.assert_allclose(t["prop_mid"], [0, 1, 0, 0, 0, 1, 0])
    np.testing.assert_allclose(t["prop_high"], [1, 0, 0, 0, 0, 1, 0])
    # Rar for q1: rest = T - q1 = [1,1,1,0,0] (mean .6, var .24, population moments).
    #   A: D=[1,1,0,0,0]: cov = E[DR] - .4*.6 = .4 - .24 = .16; var D = .24 -> .16/.24 = 2/3
    #   B: D=[0,0,1,0,0]: cov = .2 - .12 = .08; var D = .16 -> .08/sqrt(.16*.24)
    #   C and omitted: D one of the rest-0 candidates: cov = 0 - .12 -> -.12/sqrt(.16*.24)
    # q2: rest = q1 score = [1,1,0,0,0] (mean .4, var .24)
    #   A: D=[0,0,0,1,1]: cov = 0 - .4*.4 = -.16 -> -2/3;  B: D=[1,1,1,0,0]: .4 - .24 = .16 -> 2/3
    #   omitted: nobody -> NaN
    s = math.sqrt(0.16 * 0.24)
    np.testing.assert_allclose(t["rar"], [2 / 3, 0.08 / s, -0.12 / s, -0.12 / s, -2 / 3, 2 / 3, np.nan])
    # mean_total: q1 A (2+2)/2, B 1, C 0, omitted 0; q2 A 0, B (2+2+1)/3, omitted nobody
    np.testing.assert_allclose(t["mean_total"], [2, 1, 0, 0, 0, 5 / 3, np.nan])


def test_labels_outside_the_given_options_are_invalid() -> None:
    ch = pd.DataFrame(
        {"q1": ["A", "A", "B", "C", None], "q2": ["B", "B", "B", "A", "A"]},
        index=["c1", "c2", "c3", "c4", "c5"],
    )
    t = distractors(ch, {"q1": "A", "q2": "B"}, options={"q1": ["A", "B", "D"], "q2": ["A", "B"]})
    q1 = t[t["item"] == "q1"]
    # C is not an option of q1: c4 joins c5 (omitted) in the OMITTED row; D nobody chose.
    assert q1["option"].tolist() == ["A", "B", "D", OMITTED]
    assert q1["n"].tolist() == [2, 1, 0, 2]
    # OMITTED row: D = [0,0,0,1,1] against rest [1,1,1,0,0]: cov = 0 - .4*.6 = -.24 -> -1
    assert q1["rar"].iloc[3] == pytest.approx(-1.0)
    np.testing.assert_allclose(q1["prop_low"], [0, 0, 0, 1.0])
    assert math.isnan(q1["rar"].iloc[2]) and math.isnan(q1["mean_total"].iloc[2])


def test_distractors_agree_with_r_on_sat12(sat12_choices: tuple) -> None:
    choices, key = sat12_choices
    ref = _ref("r_sat12_distractors.json")  # base R, see ctt_make_reference.R section 3
    exp = pd.DataFrame(ref["rows"])
    t = distractors(choices, key)
    assert len(t) == len(exp)
    assert t["item"].tolist() == exp["item"].tolist()
    assert [OMITTED if o == "omitted" else o for o in exp["option"]] == t["option"].tolist()
    assert t["is_key"].tolist() == exp["is_key"].tolist()
    assert t["n"].tolist() == exp["n"].tolist()
    for col in ("proportion", "prop_low", "prop_mid", "prop_high", "rar", "mean_total"):
        np.testing.assert_allclose(
            t[col].to_numpy(float), exp[col].to_numpy(float), rtol=0, atol=1e-10, err_msg=col
        )


def test_option_shares_agree_with_psych_response_frequencies(sat12_choices: tuple) -> None:
    # psych::response.frequencies gives each label's share among the non-missing answers.
    choices, key = sat12_choices
    ref = _ref("r_sat12_distractors.json")["response_frequencies"]
    t = distractors(choices, key)
    answered = t[~t["is_omitted"]].copy()
    answered["share"] = answered["n"] / answered.groupby("item")["n"].transform("sum")
    freq = pd.DataFrame(ref["values"], index=ref["items"], columns=ref["labels"])
    for row in answered.itertuples():
        assert row.share == pytest.approx(freq.loc[row.item, str(row.option)], abs=1e-12)


def test_key_rar_equals_rir_and_shares_add_up(sat12_choices: tuple, sat12_scored: pd.DataFrame) -> None:
    # For a single key with 0/1 scoring, "chose the key" is the item score, so the key's Rar
    # is the item's Rir (psych r.drop) -- a cross-check between two code paths.
    choices, key = sat12_choices
    t = distractors(choices, key)
    keys = t[t["is_key"]].set_index("item")
    np.testing.assert_allclose(keys["rar"], _ref("psych_sat12_alpha.json")["item_r_drop"], atol=1e-10)
    np.testing.assert_allclose(t.groupby("item", sort=False)["proportion"].sum(), 1.0)
    for g in ("prop_low", "prop_mid", "prop_high"):
        np.testing.assert_allclose(t.groupby("item", sort=False)[g].sum(), 1.0)
    # Passing the scored file gives the same table as scoring the choices internally.
    pd.testing.assert_frame_equal(distractors(choices, key, scores=sat12_scored), t)


def test_string_and_integer_labels_give_the_same_numbers(sat12_choices: tuple) -> None:
    choices, key = sat12_choices
    letters = {1: "A", 2: "B", 3: "C", 4: "D", 5: "E"}
    as_str = choices.apply(lambda col: col.map(letters))
    t_int = distractors(choices, key)
    t_str = distractors(as_str, {i: letters[k] for i, k in key.items()})
    assert t_str["option"].tolist() == [letters.get(o, o) for o in t_int["option"]]
    cols = ["n", "proportion", "prop_low", "prop_mid", "prop_high", "rar", "mean_total"]
    pd.testing.assert_frame_equal(t_int[cols], t_str[cols])


def test_categorical_columns_give_the_same_table_as_plain_labels(sat12_choices: tuple) -> None:
    # Categorical columns take their own coding path (category codes, no hashing); columns
    # with different category lists, unused categories and missing answers must not matter.
    choices, key = sat12_choices
    letters = {1: "A", 2: "B", 3: "C", 4: "D", 5: "E"}
    as_str = choices.apply(lambda col: col.map(letters))
    str_key = {i: letters[k] for i, k in key.items()}
    as_cat = as_str.copy()
    for j, item in enumerate(as_cat.columns):
        cats = list("EDCBAZ") if j % 2 else list("ABCDE")  # Z: a category nobody chose
        as_cat[item] = pd.Categorical(as_str[item], categories=cats)
    assert as_str.isna().to_numpy().any()
    pd.testing.assert_frame_equal(distractors(as_cat, str_key), distractors(as_str, str_key))
    # Integer categories behave like integer labels.
    int_cat = choices.astype("category")
    pd.testing.assert_frame_equal(distractors(int_cat, key), distractors(choices, key))


def test_total_over_the_whole_test_by_hand() -> None:
    # One MC item q1 (key A) on a test that also has open questions: totals T = [5, 2, 4, 0]
    # cover the whole test, the MC score x = [1, 1, 0, 0]; rest R = T - x = [4, 1, 4, 0].
    # Mid-percentile ranks of T: 0 -> .125 (low), 2 -> .375, 4 -> .625 (middle), 5 -> .875 (high).
    ch = pd.DataFrame({"q1": ["A", "A", "B", "C"]}, index=["c1", "c2", "c3", "c4"])
    x = pd.DataFrame({"q1": [1.0, 1.0, 0.0, 0.0]}, index=ch.index)
    total = pd.Series([4, 5, 0, 2], index=["c3", "c1", "c4", "c2"])  # any order
    t = distractors(ch, {"q1": "A"}, x, total=total).set_index("option")
    rest = np.array([4.0, 1.0, 4.0, 0.0])
    for option, chose in {"A": [1, 1, 0, 0], "B": [0, 0, 1, 0], "C": [0, 0, 0, 1]}.items():
        assert t.loc[option, "rar"] == pytest.approx(np.corrcoef(chose, rest)[0, 1], abs=1e-12)
    # A: cov = E[DR] - p mean(R) = 1.25 - .5 * 2.25 = .125; var R = 3.1875 -> .125 / sqrt(.25 * 3.1875)
    assert t.loc["A", "rar"] == pytest.approx(0.125 / math.sqrt(0.25 * 3.1875))
    assert t["mean_total"].tolist()[:3] == [3.5, 4.0, 0.0]
    assert t.loc["A", ["prop_low", "prop_mid", "prop_high"]].tolist() == [0.0, 0.5, 1.0]
    assert t.loc["C", ["prop_low", "prop_mid", "prop_high"]].tolist() == [1.0, 0.0, 0.0]
    # Without total, T is the MC score itself and the rest score is constant: no Rar.
    assert distractors(ch, {"q1": "A"}, x)["rar"].isna().all()


def test_bad_total_is_named() -> None:
    ch = pd.DataFrame({"q1": ["A", "B"]}, index=["ann", "bob"])
    with pytest.raises(ValueError, match="total has no value for candidate 'bob'"):
        distractors(ch, {"q1": "A"}, total=pd.Series([3.0], index=["ann"]))
    with pytest.raises(ValueError, match="total for candidate 'bob' must be a number; you provided 'x'"):
        distractors(ch, {"q1": "A"}, total=pd.Series([3.0, "x"], index=["ann", "bob"]))
    with pytest.raises(ValueError, match="total must be a pandas Series"):
        distractors(ch, {"q1": "A"}, total=[3.0, 4.0])


def test_fractional_and_large_numeric_labels_are_kept_as_labels() -> None:
    # Labels 0.5/1.5 and 10/5000 leave the small-whole-number fast path; the numbers must
    # not change: q1 key 0.5 chosen by 2 of 3, q2 key 5000 chosen by 1 of 3.
    ch = pd.DataFrame({"q1": [0.5, 0.5, 1.5], "q2": [10, 5000, 10]})
    t = distractors(ch, {"q1": 0.5, "q2": 5000})
    assert t["option"].tolist() == [0.5, 1.5, OMITTED, 10, 5000, OMITTED]
    assert t["n"].tolist() == [2, 1, 0, 2, 1, 0]


def test_candidates_who_did_not_see_an_item_are_left_out_of_its_rows() -> None:
    # c3 did not get q2 (NaN in scores): q2's shares are over c1, c2, c4 only.
    ch = pd.DataFrame({"q1": ["A", "B", "A", "B"], "q2": ["A", "B", "B", "A"]})
    sc = pd.DataFrame({"q1": [1, 0, 1, 0], "q2": [1, 0, np.nan, 1]})
    t = distractors(ch, {"q1": "A", "q2": "A"}, scores=sc)
    q2 = t[t["item"] == "q2"].set_index("option")
    assert q2.loc["A", "n"] == 2 and q2.loc["B", "n"] == 1
    assert q2.loc["A", "proportion"] == pytest.approx(2 / 3)


def test_multiple_keys_count_as_correct() -> None:
    # Committee accepted B as well as A for q1: both rows are keys and the default scores
    # count either as 1 (totals = [2,2,1,0] -> mean total of A-choosers 2, B-choosers 1.5).
    ch = pd.DataFrame({"q1": ["A", "B", "B", "C"], "q2": ["A", "A", "B", "B"]})
    t = distractors(ch, {"q1": ["A", "B"], "q2": "A"})
    q1 = t[t["item"] == "q1"].set_index("option")
    assert q1["is_key"].tolist() == [True, True, False, False]
    assert q1.loc["A", "mean_total"] == 2.0 and q1.loc["B", "mean_total"] == 1.5


def _naive_distractors(
    choices: pd.DataFrame, key: dict, scores: pd.DataFrame, weights: dict | None = None
) -> pd.DataFrame:
    """Per-item pandas version of the documented definitions (an independent implementation);
    with ``weights`` the total is sum_j w_j x_j and the rest score T - w_j x_j."""
    w = weights or {c: 1.0 for c in scores.columns}
    total = (scores * pd.Series(w)).sum(axis=1, skipna=True)
    pr = (total.rank(method="average") - 0.5) / len(total)
    group = np.where(pr < 0.27, "low", np.where(pr > 0.73, "high", "mid"))
    rows = []
    for item in choices.columns:
        seen = scores[item].notna().to_numpy()
        ch = choices.loc[seen, item]
        rest = (total - w[item] * scores[item].fillna(0))[seen]
        g = group[seen]
        opts = sorted(set(ch.dropna()) | {key[item]})
        for o in opts + [None]:
            d = (ch.isna() if o is None else ch == o).to_numpy().astype(float)
            rows.append({
                "item": item, "option": OMITTED if o is None else o, "n": int(d.sum()),
                "proportion": d.mean(),
                "prop_low": d[g == "low"].mean() if (g == "low").any() else np.nan,
                "prop_mid": d[g == "mid"].mean() if (g == "mid").any() else np.nan,
                "prop_high": d[g == "high"].mean() if (g == "high").any() else np.nan,
                "rar": np.corrcoef(d, rest)[0, 1] if 0 < d.sum() < len(d) and rest.std() > 0 else np.nan,
                "mean_total": total[seen][d == 1].mean() if d.sum() else np.nan,
            })
    return pd.DataFrame(rows)


@pytest.fixture(params=[None, 0], ids=["fast_path", "general_path"])
def bincount_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs a distractor test on both code paths: _MAX_BINS = 0 forces the general
    (weighted-bincount) path."""
    import analysis.distractors as dmod

    if request.param is not None:
        monkeypatch.setattr(dmod, "_MAX_BINS", request.param)


def _random_choices(seed: int, n: int, k: int, score_kind: str) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Random A-D choices (5 % omitted), keys A, B, C, D, ... and their scored matrix:
    0/1 by the key, with 10 % of the cells not presented, or with half a point for B."""
    rng = np.random.default_rng(seed)
    labels = np.array(["A", "B", "C", "D"], dtype=object)
    choices = pd.DataFrame(labels[rng.integers(0, 4, (n, k))], columns=[f"q{j}" for j in range(k)])
    choices = choices.mask(rng.random((n, k)) < 0.05)
    key = {c: "ABCD"[j % 4] for j, c in enumerate(choices.columns)}
    scored = pd.DataFrame({c: (choices[c] == key[c]).astype(float) for c in choices.columns})
    if score_kind == "binary_with_gaps":
        scored = scored.mask(rng.random((n, k)) < 0.1)
    elif score_kind == "partial_credit":
        scored = scored + 0.5 * (choices == "B").astype(float)  # B earns half a point extra
    return choices, key, scored


def _assert_same_table(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert fast["option"].tolist() == slow["option"].tolist()
    assert fast["n"].tolist() == slow["n"].tolist()
    for col in ("proportion", "prop_low", "prop_mid", "prop_high", "rar", "mean_total"):
        np.testing.assert_allclose(fast[col].to_numpy(float), slow[col].to_numpy(float), atol=1e-10, err_msg=col)


@pytest.mark.parametrize("score_kind", ["default", "binary_with_gaps", "partial_credit"])
@pytest.mark.usefixtures("bincount_path")
def test_distractors_agree_with_a_per_item_pandas_computation(score_kind: str) -> None:
    choices, key, scored = _random_choices(7, 120, 6, score_kind)
    fast = distractors(choices, key, None if score_kind == "default" else scored)
    _assert_same_table(fast, _naive_distractors(choices, key, scored))


@pytest.mark.parametrize("score_kind", ["binary_with_gaps", "partial_credit"])
@pytest.mark.usefixtures("bincount_path")
def test_weighted_distractors_agree_with_a_per_item_pandas_computation(score_kind: str) -> None:
    choices, key, scored = _random_choices(11, 150, 5, score_kind)
    weights = {"q0": 1.0, "q1": 2.0, "q2": 0.5, "q3": 3.0, "q4": 0.0}
    total = (scored * pd.Series(weights)).sum(axis=1, skipna=True)
    fast = distractors(choices, key, scored, total=total, weights=weights)
    _assert_same_table(fast, _naive_distractors(choices, key, scored, weights))


# ---------------------------------------------------------------- score_distribution


def test_score_distribution_small_case_by_hand() -> None:
    d = score_distribution(pd.Series([1, 2, 2, 3]), max_score=3)
    assert (d.n, d.mean, d.min, d.max, d.median) == (4, 2.0, 1.0, 3.0, 2.0)
    assert d.sd == pytest.approx(math.sqrt(2 / 3))  # squares 1+0+0+1 over n-1 = 3
    # type 7: h = (n-1) q; q=.25 -> h=.75 -> 1 + .75*(2-1) = 1.75; q=.75 -> h=2.25 -> 2.25
    assert d.percentiles[25.0] == 1.75 and d.percentiles[75.0] == 2.25
    assert d.bin_edges == (-0.5, 0.5, 1.5, 2.5, 3.5)
    assert d.counts == (0, 1, 2, 1)
    assert d.histogram()["proportion"].tolist() == [0.0, 0.25, 0.5, 0.25]


def test_score_distribution_agrees_with_r_on_sat12(sat12_scored: pd.DataFrame) -> None:
    ref = _ref("r_sat12_score_distribution.json")  # R mean, sd, quantile(type=7), tabulate
    d = score_distribution(sat12_scored.sum(axis=1), max_score=32)
    assert d.mean == pytest.approx(ref["mean"], abs=1e-12)
    assert d.sd == pytest.approx(ref["sd"], abs=1e-12)
    assert (d.min, d.max) == (ref["min"], ref["max"])
    assert [d.percentiles[p] for p in ref["percent"]] == pytest.approx(ref["quantile"], abs=1e-12)
    assert list(d.counts) == ref["counts"]


def test_score_distribution_with_fractional_scores_uses_equal_bins() -> None:
    d = score_distribution([0.5, 1.25, 9.75, 10.0], max_score=10, bins=4)
    assert d.bin_edges == (0.0, 2.5, 5.0, 7.5, 10.0)
    assert d.counts == (2, 0, 0, 2)  # the last bin includes the maximum 10.0


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"q1": [1, 0], "q2": ["a", "b"]}), "item 'q2' holds non-numeric"),
        (pd.DataFrame({"q1": [1, -1], "q2": [0, 1]}, index=["ann", "bob"]), "candidate 'bob', item 'q1'.*negative"),
        (pd.DataFrame({"q1": [1, 0], "q2": [np.nan, np.nan]}), "item 'q2' was not presented"),
        (pd.DataFrame({"q1": [1, np.nan], "q2": [0, np.nan]}, index=[7, 8]), "candidate 8 has no item scores"),
        (pd.DataFrame([[1, 0]], columns=["q1", "q1"]), "item 'q1' appears in more than one column"),
    ],
)
def test_bad_scores_raise_value_error_naming_the_place(frame: pd.DataFrame, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        item_statistics(frame)
    with pytest.raises(ValueError, match=match):
        reliability(frame)


def test_bad_max_scores_are_named() -> None:
    x = pd.DataFrame({"q1": [1, 0], "q2": [2, 1]}, index=["ann", "bob"])
    with pytest.raises(ValueError, match="no entry for item 'q2'"):
        item_statistics(x, max_scores={"q1": 1})
    with pytest.raises(ValueError, match="candidate 'ann', item 'q2' has score 2.0 above"):
        item_statistics(x, max_scores={"q1": 1, "q2": 1})


def test_bad_distractor_input_is_named() -> None:
    ch = pd.DataFrame({"q1": ["A", "B"], "q2": ["C", "D"]}, index=["ann", "bob"])
    with pytest.raises(ValueError, match="key has no entry for item 'q2'"):
        distractors(ch, {"q1": "A"})
    with pytest.raises(ValueError, match="item 'q1': key label 'E' is not among its options"):
        distractors(ch, {"q1": "E", "q2": "C"}, options={"q1": list("ABCD"), "q2": list("ABCD")})
    with pytest.raises(ValueError, match="none of the key labels is of the kind found in choices"):
        distractors(ch, {"q1": 1, "q2": 3})
    with pytest.raises(ValueError, match="candidate 'bob' is in only one"):
        distractors(ch, {"q1": "A", "q2": "C"}, scores=pd.DataFrame({"q1": [1], "q2": [1]}, index=["ann"]))


def test_bad_totals_are_named() -> None:
    with pytest.raises(ValueError, match="candidate 'bob' has total 41.0, outside 0 .. 40"):
        score_distribution(pd.Series([10, 41], index=["ann", "bob"]), max_score=40)
    with pytest.raises(ValueError, match="candidate 'ann' has no total"):
        score_distribution(pd.Series([np.nan, 3], index=["ann", "bob"]), max_score=40)


def test_public_names_are_declared() -> None:
    assert {"item_statistics", "reliability", "Reliability", "distractors", "score_distribution"} <= set(ctt.__all__)


# ------------------------------------------------------------ distractors with weights


def test_score_groups_are_kelleys_27_percent_by_default() -> None:
    from analysis.distractors import SCORE_GROUP_FRACTION

    assert SCORE_GROUP_FRACTION == 0.27  # Kelley (1939)
    ch = pd.DataFrame({"q1": list("AABBACDAAB"), "q2": list("CCDCCCDCCD")})
    key = {"q1": "A", "q2": "C"}
    pd.testing.assert_frame_equal(distractors(ch, key), distractors(ch, key, group_fraction=0.27))


def test_distractors_rest_score_subtracts_the_weighted_item_score_by_hand() -> None:
    # q1 key A (weight 2), q2 key C (weight 1); weighted totals T = 2 q1 + q2:
    #   c1: A, C -> 3;  c2: A, D -> 2;  c3: B, C -> 1;  c4: B, D -> 0
    ch = pd.DataFrame({"q1": ["A", "A", "B", "B"], "q2": ["C", "D", "C", "D"]})
    key = {"q1": "A", "q2": "C"}
    scores = pd.DataFrame({"q1": [1.0, 1.0, 0.0, 0.0], "q2": [1.0, 0.0, 1.0, 0.0]})
    total = pd.Series([3.0, 2.0, 1.0, 0.0])
    t = distractors(ch, key, scores, total=total, weights={"q1": 2, "q2": 1})
    # rest of q1 = T - 2 q1 = q2 = (1, 0, 1, 0): choosing A (1, 1, 0, 0) is uncorrelated -> 0;
    # without the weight the rest would be T - q1 = (2, 1, 1, 0) and Rar(A) = 1/sqrt(2).
    q1 = t[t.item == "q1"].set_index("option")
    assert q1.loc["A", "rar"] == pytest.approx(0.0, abs=1e-12)
    unweighted = distractors(ch, key, scores, total=total)
    assert unweighted[unweighted.item == "q1"].set_index("option").loc["A", "rar"] == pytest.approx(
        1 / math.sqrt(2), abs=1e-12)
    # rest of q2 = T - q2 = 2 q1 = (2, 2, 0, 0); choosing C (1, 0, 1, 0): r = 0
    q2 = t[t.item == "q2"].set_index("option")
    assert q2.loc["C", "rar"] == pytest.approx(0.0, abs=1e-12)
    # weights of 1 give exactly the unweighted table
    pd.testing.assert_frame_equal(
        distractors(ch, key, scores, total=total, weights={"q1": 1, "q2": 1}), unweighted, check_exact=True)


def test_alpha_of_items_whose_total_is_constant_is_undefined() -> None:
    # Non-regression (hypothesis, test_results_do_not_depend_on_candidate_order): q0 + q2 is
    # 1 for every candidate, so without q1 the test's total has no variance. Rounding left
    # ~1e-17 instead of 0 and alpha without q1 came out as -1.9e16 or -3.8e16 depending on
    # the order of the candidates; it is undefined (NaN).
    x = pd.DataFrame({"q0": [1, 1, 1, 0, 0, 1], "q1": [0, 0, 0, 0, 1, 0], "q2": [0, 0, 0, 1, 1, 0]}, dtype=float)
    for order in ([0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0]):
        s = item_statistics(x.iloc[order])
        assert math.isnan(s.loc["q1", "alpha_if_deleted"])
        # without q0: C(q1, q2) = [[1/6, 2/15], [2/15, 4/15]] -> 2 (1 - (13/30) / (21/30)) = 16/21
        assert s.loc["q0", "alpha_if_deleted"] == pytest.approx(16 / 21, abs=1e-12)
        assert math.isnan(reliability(x.iloc[order][["q0", "q2"]]).alpha)


def test_split_half_with_a_constant_half_is_undefined() -> None:
    # Non-regression (hypothesis): over the candidates who saw both, q0 + q2 is constant, so
    # the odd half (q0, q2) has no variance; rounding noise made the split half 0, 9e-9 or
    # NaN depending on the order of the candidates. It is undefined (NaN).
    x = pd.DataFrame({"q0": [0, 0, 0, 0, np.nan, 1], "q1": [1, 0, np.nan, np.nan, 0, np.nan],
                      "q2": [1, 1, 1, 1, np.nan, 0]})
    for order in ([0, 1, 2, 3, 4, 5], [2, 3, 0, 4, 5, 1], [4, 0, 1, 5, 3, 2]):
        assert math.isnan(reliability(x.iloc[order]).split_half)


def test_one_candidate_gives_p_and_no_correlations() -> None:
    """With a single candidate the p-values are defined, every variance and correlation is not
    (divisor n - 1 = 0): NaN, as R's var() and cor() give NA, not a crash."""
    import warnings

    x = pd.DataFrame([[1, 0, 1]], columns=["a", "b", "c"], index=["c1"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no RuntimeWarning either
        stats = ctt.item_statistics(x)
        rel = ctt.reliability(x)
    assert stats["p"].tolist() == [1.0, 0.0, 1.0]
    assert stats[["rit", "rir", "alpha_if_deleted"]].isna().all().all()
    assert np.isnan(rel.alpha) and rel.n_candidates == 1
