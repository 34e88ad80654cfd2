"""Tests for analysis.irt: agreement with mirt on public data, recovery, hand-computed cases.

Reference values and their provenance: tests/data/reference/irt_lsat7_mirt.json and
irt_science_mirt.json (mirt's own test suite and documentation). Data: tests/data/lsat7.csv
(Bock & Lieberman 1970, see lsat7.md) and tests/data/data_science.csv (see README.md).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import girth
import numpy as np
import pandas as pd
import pytest
from girth.utilities import INVALID_RESPONSE

from analysis import irt

DATA = Path(__file__).resolve().parents[1] / "data"


def _lsat7() -> pd.DataFrame:
    patterns = pd.read_csv(DATA / "lsat7.csv")
    # same row order as mirt's expand.table(LSAT7): pattern 00000 first
    return patterns.loc[patterns.index.repeat(patterns["freq"])].drop(columns="freq").reset_index(drop=True)


@pytest.fixture(scope="module")
def lsat7() -> pd.DataFrame:
    return _lsat7()


@pytest.fixture(scope="module")
def lsat7_ref() -> dict:
    return json.loads((DATA / "reference" / "irt_lsat7_mirt.json").read_text())


@pytest.fixture(scope="module")
def lsat7_2pl(lsat7: pd.DataFrame) -> irt.IrtFit:
    return irt.fit(lsat7, "2pl")


def _simulate_2pl(rng: np.random.Generator, theta: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-a * (theta[:, None] - b)))
    return (rng.random(p.shape) < p).astype(float)


def _frame(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(x.shape[1])])


def _rmse(est: np.ndarray, true: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(est) - np.asarray(true)) ** 2)))


# ---------------------------------------------------------------------------------------
# Published / reference-software values
# ---------------------------------------------------------------------------------------


def test_lsat7_fixture_matches_mirt_itemstats(lsat7: pd.DataFrame) -> None:
    # mirt reference/LSAT7.md, itemstats(expand.table(LSAT7)): N 1000, item means
    # 0.828 0.658 0.772 0.606 0.843, total score mean 3.707 and SD 1.199
    assert len(lsat7) == 1000
    np.testing.assert_allclose(lsat7.mean(), [0.828, 0.658, 0.772, 0.606, 0.843], atol=5e-4)
    total = lsat7.sum(axis=1)
    assert total.mean() == pytest.approx(3.707, abs=5e-4)
    assert total.std() == pytest.approx(1.199, abs=5e-4)


def test_lsat7_2pl_matches_mirt_estimates_and_loglik(lsat7_2pl: irt.IrtFit, lsat7_ref: dict) -> None:
    ref = lsat7_ref["twopl"]
    a_ref, d_ref = np.array(ref["a1"]), np.array(ref["d"])
    items = lsat7_2pl.items
    # mirt's own test tolerance on these coefficients is 1e-2
    np.testing.assert_allclose(items["a"], a_ref, atol=0.01)
    np.testing.assert_allclose(-items["a"] * items["b"], d_ref, atol=0.01)
    np.testing.assert_allclose(items["b"], -d_ref / a_ref, atol=0.01)
    # mirt summary(mirt(expand.table(LSAT7), 1)): logLik -2658.805, AIC 5337.61, BIC 5386.688
    assert lsat7_2pl.loglik == pytest.approx(ref["loglik"], abs=0.01)
    assert lsat7_2pl.aic == pytest.approx(5337.61, abs=0.01)
    assert lsat7_2pl.bic == pytest.approx(5386.688, abs=0.01)
    assert lsat7_2pl.converged


def test_lsat7_2pl_observed_information_se_matches_mirt_richardson(lsat7_2pl: irt.IrtFit, lsat7_ref: dict) -> None:
    # mirt SE.type='Richardson' prints 95% CIs; SE = (upper - lower) / (2 * 1.96)
    ci = np.array(lsat7_ref["twopl"]["richardson_ci_a1"])
    se_ref = (ci[:, 1] - ci[:, 0]) / (2 * 1.96)
    np.testing.assert_allclose(lsat7_2pl.items["se_a"], se_ref, rtol=0.03)


def test_lsat7_eap_matches_mirt_fscores(lsat7_2pl: irt.IrtFit, lsat7_ref: dict) -> None:
    # mirt fscores(full.scores=FALSE): patterns 00000, 00001, 00010, 00011, 00100, 00101,
    # which start at rows 0, 12, 31, 32, 39, 42 of the expanded data (frequencies 12, 19, 1, 7, 3)
    eap = lsat7_2pl.abilities()["eap"].iloc[[0, 12, 31, 32, 39, 42]]
    np.testing.assert_allclose(eap, lsat7_ref["twopl"]["eap_first_patterns"], atol=0.01)


def test_lsat7_1pl_matches_mirt_equal_slopes_model(lsat7: pd.DataFrame, lsat7_ref: dict) -> None:
    ref = lsat7_ref["onepl"]
    res = irt.fit(lsat7, "1pl", se="crossprod")
    np.testing.assert_allclose(res.items["a"], ref["a1"], atol=0.01)
    np.testing.assert_allclose(-res.items["a"] * res.items["b"], ref["d"], atol=0.01)
    lo, hi = ref["crossprod_ci_a1"]
    assert res.items["se_a"].iloc[0] == pytest.approx((hi - lo) / (2 * 1.96), rel=0.05)
    # mirt fscores(method='ML') of that model (test-01-mirtOne.R): rows 13, 34, 40 (1-based)
    # are -2.783489, -1.750890, -2.783489; row 1 (00000) is -Inf, row 1000 (11111) +Inf
    mle = res.abilities()["mle"]
    np.testing.assert_allclose(mle.iloc[[12, 33, 39]], [-2.783489, -1.750890, -2.783489], atol=0.01)
    assert np.isnan(mle.iloc[0]) and np.isnan(mle.iloc[999])


def test_lsat7_with_two_missing_cells_matches_mirt(lsat7: pd.DataFrame) -> None:
    # mirt test-01-mirtOne.R: data[1,1] <- data[2,2] <- NA; mirt(data, 1) gives (a1, d) =
    # (0.969, 1.851), (1.074, 0.808), (1.717, 1.811), (0.763, 0.486), (0.731, 1.852)
    data = lsat7.astype(float)
    data.iloc[0, 0] = np.nan
    data.iloc[1, 1] = np.nan
    res = irt.fit(data, "2pl", se="none")
    np.testing.assert_allclose(res.items["a"], [0.969, 1.074, 1.717, 0.763, 0.731], atol=0.01)
    np.testing.assert_allclose(-res.items["a"] * res.items["b"], [1.851, 0.808, 1.811, 0.486, 1.852], atol=0.01)
    assert res.items["n"].tolist() == [999, 999, 1000, 1000, 1000]


def test_lsat7_3pl_without_prior_reaches_mirt_loglik(lsat7: pd.DataFrame) -> None:
    # mirt reference/boot.LR.md, anova(mod1, mod2): mirt(dat, 1, '3PL') on LSAT7 has logLik -2658.055,
    # AIC 5346.11, BIC 5419.726 (15 parameters)
    res = irt.fit(lsat7, "3pl", c_prior=None, se="none", tol=1e-3)
    assert res.loglik == pytest.approx(-2658.055, abs=0.01)
    assert res.aic == pytest.approx(5346.11, abs=0.02)
    assert res.bic == pytest.approx(5419.726, abs=0.02)


def test_science_grm_matches_mirt() -> None:
    ref = json.loads((DATA / "reference" / "irt_science_mirt.json").read_text())
    science = pd.read_csv(DATA / "data_science.csv") - 1  # categories 1-4 -> scores 0-3
    res = irt.fit(science, "grm")
    a_ref, d_ref = np.array(ref["a1"]), np.array(ref["d"])
    np.testing.assert_allclose(res.items["a"], a_ref, atol=0.01)
    b = res.items[["b1", "b2", "b3"]].to_numpy()
    # intercepts d_k = -a b_k, mirt's tolerance 1e-2 (2e-2 allowed for the largest d ~ 5)
    np.testing.assert_allclose(-res.items["a"].to_numpy()[:, None] * b, d_ref, atol=0.02)
    # observed information vs mirt's Louis SEs: both estimate the observed information
    np.testing.assert_allclose(res.items["se_a"], ref["louis_se_a1"], rtol=0.03)
    # scoring a new response pattern on the calibrated items: mirt's fscores EAP for
    # categories (1, 2, 3, 4), i.e. scores (0, 1, 2, 3)
    new = pd.DataFrame([[0, 1, 2, 3]], columns=science.columns, index=["new"])
    eap = res.abilities(new).loc["new"]
    assert eap["eap"] == pytest.approx(ref["eap_pattern_1234"]["eap"], abs=1e-3)
    assert eap["eap_sd"] == pytest.approx(ref["eap_pattern_1234"]["se"], abs=1e-3)
    with pytest.raises(ValueError, match=r"item 'Work', candidate 'new': score 4.0 is not in 0..3"):
        res.abilities(new.assign(Work=4))


@pytest.mark.parametrize("model", ["1pl", "3pl", "grm"])
def test_louis_information_equals_numerical_hessian_of_the_marginal_loglik(model: str) -> None:
    # Two independent routes to the observed information: Louis's identity (used by fit)
    # and minus the central-difference Jacobian of the marginal score (Fisher's identity).
    from analysis import _irt_em as em

    data = (pd.read_csv(DATA / "data_science.csv") - 1).astype(float)
    if model != "grm":
        data = (data >= 2).astype(float)  # dichotomised Science items
    data.iloc[::7, 1] = np.nan
    y, n_cat = irt._validate(data, model)
    d = em.Data(y, n_cat)
    nodes, weights = em.quadrature()
    groups, _ = irt._build_groups(model, y, n_cat, 0.2, "em")
    prior = (5.0, 17.0) if model == "3pl" else None
    res = em.run_em(model, d, groups, nodes=nodes, weights=weights, max_iter=300, tol=1e-5, c_prior=prior)
    louis = em.louis_information(model, d, res.groups, nodes, weights, prior)
    numeric = em.observed_information(model, d, res.groups, nodes, weights, prior)
    np.testing.assert_allclose(louis, numeric, atol=1e-4 * np.abs(numeric).max())


# ---------------------------------------------------------------------------------------
# Parameter recovery on simulated data (known parameters)
# ---------------------------------------------------------------------------------------


def test_2pl_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(20261121)
    a = rng.uniform(0.7, 2.0, 12)
    b = rng.uniform(-1.5, 1.5, 12)
    x = _simulate_2pl(rng, rng.normal(size=1500), a, b)
    items = irt.fit(_frame(x), "2pl", se="none").items
    # development run: corr(b) 0.997, RMSE(b) 0.075; corr(a) 0.914, RMSE(a) 0.180
    assert np.corrcoef(items["b"], b)[0, 1] > 0.97
    assert _rmse(items["b"], b) < 0.15
    assert np.corrcoef(items["a"], a)[0, 1] > 0.8
    assert _rmse(items["a"], a) < 0.3


def test_3pl_recovers_simulated_parameters_and_girth_3pl_still_fails() -> None:
    rng = np.random.default_rng(11)
    a = rng.uniform(0.8, 2.0, 15)
    b = rng.uniform(-1.5, 1.5, 15)
    c = rng.uniform(0.1, 0.3, 15)
    theta = rng.normal(size=3000)
    p = c + (1 - c) / (1 + np.exp(-a * (theta[:, None] - b)))
    x = (rng.random(p.shape) < p).astype(float)
    items = irt.fit(_frame(x), "3pl", se="none", engine="em").items
    # development run: corr(a, b, c) = 0.94, 0.99, 0.62; RMSE(a, b, c) = 0.16, 0.15, 0.046
    assert np.corrcoef(items["b"], b)[0, 1] > 0.95
    assert _rmse(items["b"], b) < 0.25
    assert _rmse(items["a"], a) < 0.3
    assert _rmse(items["c"], c) < 0.08
    # why the EM exists: girth 0.8's threepl_mml breaks on current SciPy
    with pytest.raises(ValueError, match="sequence"):
        girth.threepl_mml(x[:300, :5].T.astype(int))


def test_grm_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(7)
    n_items, n = 8, 1500
    a = rng.uniform(0.8, 2.0, n_items)
    b = np.sort(rng.uniform(-2, 2, (n_items, 3)), axis=1)
    theta = rng.normal(size=n)
    star = 1 / (1 + np.exp(-a[None, :, None] * (theta[:, None, None] - b[None, :, :])))
    x = (rng.random((n, n_items))[:, :, None] < star).sum(axis=2).astype(float)
    items = irt.fit(_frame(x), "grm", se="none", engine="em").items
    est_b = items[["b1", "b2", "b3"]].to_numpy()
    # development run: corr(b) 0.998, RMSE(b) 0.084; RMSE(a) 0.080
    assert np.corrcoef(est_b.ravel(), b.ravel())[0, 1] > 0.97
    assert _rmse(est_b, b) < 0.2
    assert _rmse(items["a"], a) < 0.2


def test_pcm_recovers_simulated_step_difficulties() -> None:
    rng = np.random.default_rng(8)
    n_items, n = 8, 1500
    b = rng.uniform(-1.5, 1.5, (n_items, 2))
    theta = rng.normal(size=n)
    # P(x = k) ∝ exp(sum_{v<=k} (theta - b_v)), k = 0, 1, 2
    z = np.concatenate([np.zeros((n, n_items, 1)), np.cumsum(theta[:, None, None] - b[None], axis=2)], axis=2)
    p = np.exp(z) / np.exp(z).sum(axis=2, keepdims=True)
    x = (rng.random((n, n_items))[:, :, None] > np.cumsum(p, axis=2)).sum(axis=2).astype(float)
    items = irt.fit(_frame(x), "pcm", se="none").items
    est_b = items[["b1", "b2"]].to_numpy()
    # development run: corr(b) 0.995, RMSE(b) 0.080
    assert np.corrcoef(est_b.ravel(), b.ravel())[0, 1] > 0.97
    assert _rmse(est_b, b) < 0.2
    assert (items["a"] == 1.0).all()


def test_rasch_equals_pcm_on_dichotomous_data_and_grm_equals_2pl(lsat7: pd.DataFrame) -> None:
    # PCM with one step is the Rasch model and GRM with one threshold is the 2PL, so the
    # optima coincide (same likelihood, different code paths)
    rasch = irt.fit(lsat7, "rasch", se="none")
    pcm = irt.fit(lsat7, "pcm", se="none")
    np.testing.assert_allclose(pcm.items["b1"], rasch.items["b"], atol=2e-3)
    assert pcm.loglik == pytest.approx(rasch.loglik, abs=1e-3)
    grm = irt.fit(lsat7, "grm", se="none", engine="em")
    twopl = irt.fit(lsat7, "2pl", se="none", engine="em")
    np.testing.assert_allclose(grm.items["b1"], twopl.items["b"], atol=2e-3)
    np.testing.assert_allclose(grm.items["a"], twopl.items["a"], atol=2e-3)
    # nested models: 2PL fits at least as well as 1PL, 1PL at least as well as Rasch
    onepl = irt.fit(lsat7, "1pl", se="none")
    assert twopl.loglik >= onepl.loglik >= rasch.loglik - 1e-6


def test_grm_with_mixed_category_counts_and_missing_cells() -> None:
    # 2-, 3- and 4-category items, 20% of cells missing completely at random
    rng = np.random.default_rng(9)
    n_cat = [2, 2, 2, 3, 3, 3, 4, 4, 4]
    a = rng.uniform(0.8, 2.0, len(n_cat))
    theta = rng.normal(size=1500)
    b_true = [np.sort(rng.uniform(-1.8, 1.8, k - 1)) for k in n_cat]
    x = np.column_stack(
        [(rng.random(1500)[:, None] < 1 / (1 + np.exp(-a[j] * (theta[:, None] - b_true[j])))).sum(axis=1) for j in range(9)]
    ).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    items = irt.fit(_frame(x), "grm", engine="em").items
    est = [items.iloc[j][[f"b{k + 1}" for k in range(n_cat[j] - 1)]].to_numpy(float) for j in range(9)]
    se = [items.iloc[j][[f"se_b{k + 1}" for k in range(n_cat[j] - 1)]].to_numpy(float) for j in range(9)]
    # development run: RMSE(b) 0.071, corr 0.998, RMSE(a) 0.094
    assert _rmse(np.concatenate(est), np.concatenate(b_true)) < 0.15
    assert _rmse(items["a"], a) < 0.2
    # thresholds an item does not have are NaN, and so are their SEs
    assert items["b3"].isna().tolist() == [True] * 6 + [False] * 3
    assert items["se_b3"].isna().tolist() == [True] * 6 + [False] * 3
    # the SEs are calibrated: (estimate - truth) / SE has a root mean square near 1
    z = (np.concatenate(est) - np.concatenate(b_true)) / np.concatenate(se)
    assert 0.6 < np.sqrt(np.mean(z**2)) < 1.5


# ---------------------------------------------------------------------------------------
# Missing responses (item not on the candidate's form)
# ---------------------------------------------------------------------------------------


def test_missing_responses_are_left_out_not_scored_wrong() -> None:
    # Non-equivalent groups with an anchor: group 1 (mean -0.5) takes items 1-11, group 2
    # (mean +0.5) items 6-16. Scoring the unseen items 0 would make items 12-16 look far
    # too hard; leaving them out recovers the generating difficulties.
    rng = np.random.default_rng(5)
    a = rng.uniform(0.7, 2.0, 16)
    b = rng.uniform(-1.5, 1.5, 16)
    theta = np.concatenate([rng.normal(-0.5, 1, 800), rng.normal(0.5, 1, 800)])
    x = _simulate_2pl(rng, theta, a, b)
    x[:800, 11:] = np.nan
    x[800:, :5] = np.nan
    items = irt.fit(_frame(x), "2pl", se="none", engine="em").items
    # development run (seeds 5, 6, 7): RMSE(b) 0.20, 0.22, 0.28; corr(b) 0.98, 0.96, 0.97;
    # girth alone: RMSE(b) 0.42, 0.47, 0.58
    assert _rmse(items["b"], b) < 0.3
    assert np.corrcoef(items["b"], b)[0, 1] > 0.95
    assert items["n"].tolist() == [800] * 5 + [1600] * 6 + [800] * 5
    # girth alone (its difficulty step assumes the takers are a random sample) is further off
    raw = girth.twopl_mml(np.where(np.isnan(x), INVALID_RESPONSE, x).T.astype(int))
    assert _rmse(raw["Difficulty"], b) > _rmse(items["b"], b) + 0.1


def test_candidates_without_responses_change_nothing(lsat7: pd.DataFrame) -> None:
    # an all-NaN row contributes log(1) = 0 to the likelihood and nothing to any item
    extra = pd.DataFrame(np.nan, index=range(1000, 1050), columns=lsat7.columns)
    padded = pd.concat([lsat7.astype(float), extra])
    base = irt.fit(lsat7, "2pl", se="none", engine="em")
    res = irt.fit(padded, "2pl", se="none", engine="em")
    np.testing.assert_allclose(res.items[["a", "b"]], base.items[["a", "b"]], atol=1e-6)
    assert res.loglik == pytest.approx(base.loglik, abs=1e-6)
    ab = res.abilities()
    assert np.allclose(ab["eap"].iloc[-50:], 0.0, atol=1e-9)  # posterior = N(0, 1) prior
    assert ab["mle"].iloc[-50:].isna().all()


# ---------------------------------------------------------------------------------------
# Item-table functions: hand-computed cases
# ---------------------------------------------------------------------------------------


def test_probability_and_information_hand_computed() -> None:
    items = pd.DataFrame({"a": [1.5, 1.0], "b": [0.0, 0.0], "c": [0.0, 0.2]}, index=["x", "y"])
    p = irt.probability(items, [0.0, np.log(3) / 1.5])
    # item x at theta 0: 1 / (1 + e^0) = 0.5; at theta = ln 3 / 1.5: 1 / (1 + 1/3) = 0.75
    assert p.loc[0.0, "x"] == pytest.approx(0.5)
    assert p.iloc[1]["x"] == pytest.approx(0.75)
    # item y at theta 0: 0.2 + 0.8 * 0.5 = 0.6
    assert p.loc[0.0, "y"] == pytest.approx(0.6)
    info = irt.information(items, [0.0])
    # 2PL: a^2 P Q = 2.25 * 0.5 * 0.5 = 0.5625
    assert info.loc[0.0, "x"] == pytest.approx(0.5625, rel=1e-6)
    # 3PL (Lord 1980): a^2 (Q / P) ((P - c) / (1 - c))^2 = (0.4 / 0.6) * (0.4 / 0.8)^2 = 1/6
    assert info.loc[0.0, "y"] == pytest.approx(1 / 6, rel=1e-6)
    # expected score = 0.5 + 0.6
    assert irt.expected_score(items, 0.0).iloc[0] == pytest.approx(1.1)


def test_polytomous_tables_hand_computed() -> None:
    items = pd.DataFrame({"a": [1.0], "b1": [-1.0], "b2": [1.0]}, index=["essay"])
    probs = irt.category_probabilities(items, [0.0], model="grm").set_index("category")["p"]
    # GRM at theta 0: P(x>=1) = 1/(1+e^-1) = 0.731059, P(x>=2) = 1/(1+e) = 0.268941
    # P(0) = 0.268941, P(1) = 0.462117, P(2) = 0.268941
    np.testing.assert_allclose(probs, [0.268941, 0.462117, 0.268941], atol=1e-6)
    pcm = irt.category_probabilities(items, [0.0], model="pcm").set_index("category")["p"]
    # PCM at theta 0: numerators exp(0), exp(0 + 1), exp(1 - 1) = 1, e, 1; sum = 2 + e
    np.testing.assert_allclose(pcm, np.array([1, np.e, 1]) / (2 + np.e), atol=1e-9)
    # expected score of both: symmetric around 1
    assert irt.probability(items, 0.0, model="pcm").iloc[0, 0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="model='grm' or model='pcm'"):
        irt.probability(items, 0.0)


def test_test_information_and_sem_at_sum_item_information(lsat7_2pl: irt.IrtFit) -> None:
    items = lsat7_2pl.items
    theta = np.array([-1.0, 0.0, 1.5])
    p = 1 / (1 + np.exp(-items["a"].to_numpy() * (theta[:, None] - items["b"].to_numpy())))
    expected = (items["a"].to_numpy() ** 2 * p * (1 - p)).sum(axis=1)  # sum of a^2 P Q
    np.testing.assert_allclose(lsat7_2pl.test_information(theta), expected, rtol=1e-6)
    np.testing.assert_allclose(lsat7_2pl.sem_at(theta), 1 / np.sqrt(expected), rtol=1e-6)
    assert lsat7_2pl.item_information(theta).shape == (3, 5)


def test_fit_statistics_hand_computed() -> None:
    # One Rasch item (b = 0), three candidates at theta = 0, 0, ln 3:
    #   P = 0.5, 0.5, 0.75; W = PQ = 0.25, 0.25, 0.1875; responses 1, 0, 0
    #   squared residuals (x - P)^2 = 0.25, 0.25, 0.5625
    #   outfit = mean(resid^2 / W) = (1 + 1 + 3) / 3 = 5/3
    #   infit  = sum resid^2 / sum W = 1.0625 / 0.6875 = 1.545454...
    # C = PQ(1 - 3PQ) = 0.0625, 0.0625, 0.1875 * 0.4375 = 0.08203125
    #   outfit q^2 = sum(C / W^2) / n^2 - 1/n = (1 + 1 + 2.333333) / 9 - 1/3 = 0.148148
    #   infit  q^2 = sum(C - W^2) / (sum W)^2 = (0 + 0 + 0.046875) / 0.47265625 = 0.099174
    items = pd.DataFrame({"a": [1.0], "b": [0.0]}, index=["q1"])
    scores = pd.DataFrame({"q1": [1.0, 0.0, 0.0]})
    out = irt.fit_statistics(items, scores, [0.0, 0.0, np.log(3)]).loc["q1"]
    assert out["outfit"] == pytest.approx(5 / 3)
    assert out["infit"] == pytest.approx(1.0625 / 0.6875)
    q_out, q_in = np.sqrt(4.333333333 / 9 - 1 / 3), np.sqrt(0.046875 / 0.6875**2)
    assert out["outfit_z"] == pytest.approx((np.cbrt(5 / 3) - 1) * 3 / q_out + q_out / 3, rel=1e-6)
    assert out["infit_z"] == pytest.approx((np.cbrt(1.0625 / 0.6875) - 1) * 3 / q_in + q_in / 3, rel=1e-6)


def test_item_fit_is_near_one_when_the_model_holds() -> None:
    rng = np.random.default_rng(3)
    b = np.linspace(-2, 2, 20)
    x = _simulate_2pl(rng, rng.normal(size=800), np.ones(20), b)
    res = irt.fit(_frame(x), "rasch", se="none", engine="em")
    table = res.item_fit()
    assert list(table.columns) == ["n", "infit", "infit_z", "outfit", "outfit_z"]
    # data generated by the model: mean squares near 1 (Wright & Masters: 0.8-1.2 is good);
    # development run: infit 0.91-1.03, outfit 0.86-1.06; the reversed item: infit 1.69, z 20
    assert table["infit"].between(0.85, 1.15).all()
    assert table["outfit"].between(0.75, 1.25).all()
    # a miskeyed item (responses reversed) shows up as misfit
    bad = _frame(x)
    bad["q10"] = 1 - bad["q10"]
    misfit = irt.fit(bad, "rasch", se="none", engine="em").item_fit()
    assert misfit.loc["q10", "infit"] > 1.3 and misfit.loc["q10", "infit_z"] > 3


def test_mle_solves_the_likelihood_equation(lsat7_2pl: irt.IrtFit, lsat7: pd.DataFrame) -> None:
    # at the MLE, sum_j a_j (x_j - P_j(theta)) = 0 (Lord 1980, eq. 4-31 with D = 1)
    mle = lsat7_2pl.abilities()["mle"].to_numpy()
    ok = ~np.isnan(mle)
    a, b = lsat7_2pl.items["a"].to_numpy(), lsat7_2pl.items["b"].to_numpy()
    p = 1 / (1 + np.exp(-a * (mle[ok, None] - b)))
    score = (a * (lsat7.to_numpy()[ok] - p)).sum(axis=1)
    assert np.abs(score).max() < 1e-5
    # exactly the all-0 and all-1 patterns (12 + 308 candidates) have no finite MLE
    assert (~ok).sum() == 12 + 308


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------


def test_bad_input_names_item_and_candidate() -> None:
    scores = pd.DataFrame({"q1": [1, 0, 2], "q2": [0, 1, 1]}, index=["ann", "bob", "cas"])
    with pytest.raises(ValueError, match=r"item 'q1', candidate 'cas'.*0 or 1"):
        irt.fit(scores, "2pl")
    with pytest.raises(ValueError, match="model must be one of"):
        irt.fit(scores, "4pl")
    with pytest.raises(ValueError, match=r"item 'q2'.*every candidate has score 1"):
        irt.fit(pd.DataFrame({"q1": [0, 1, 1], "q2": [1, 1, np.nan]}), "rasch")
    with pytest.raises(ValueError, match=r"item 'q1': nobody has score 1"):
        irt.fit(pd.DataFrame({"q1": [0, 2, 2, 0], "q2": [0, 1, 1, 0]}), "grm")
    with pytest.raises(ValueError, match=r"item 'q1', candidate 1: score 'x'"):
        irt.fit(pd.DataFrame({"q1": [0, "x"], "q2": [0, 1]}), "grm")
    with pytest.raises(ValueError, match="se must be"):
        irt.fit(pd.DataFrame({"q1": [0, 1], "q2": [1, 0]}), "rasch", se="bootstrap")
    with pytest.raises(ValueError, match=r"item 'y': c must be in \[0, 1\)"):
        irt.probability(pd.DataFrame({"b": [0.0, 0.0], "c": [0.1, 1.2]}, index=["x", "y"]), 0.0)


def test_warns_on_non_convergence_and_on_a_duplicated_item(lsat7: pd.DataFrame) -> None:
    with pytest.warns(RuntimeWarning, match="did not converge in 1 EM iterations"):
        irt.fit(lsat7, "2pl", se="none", engine="em", max_iter=1)
    copy = lsat7.assign(**{"Item.6": lsat7["Item.3"]})  # a duplicated item: perfect local dependence
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        irt.fit(copy, "2pl", se="none", engine="em", max_iter=100)
    messages = [str(w.message) for w in caught]
    # the slope runs away (no finite MLE), so the EM also stops without converging
    assert any(re.search(r"item 'Item.(3|6)' has slope a = .* > 10", m) for m in messages)
