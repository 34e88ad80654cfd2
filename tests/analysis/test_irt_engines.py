"""Tests for the fast IRT paths: closed-form observed information, SQUAREM-accelerated EM,
the default engine and the standard-error options.

Independent values: a second-difference Hessian of the marginal log-likelihood itself
(no Fisher or Louis identity involved), plain (unaccelerated) EM run to a tight tolerance,
direct sums for the pair weights, and the girth-started fit that was the default before.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import _irt_em as em
from analysis import irt

DATA = Path(__file__).resolve().parents[1] / "data"


def _lsat7() -> pd.DataFrame:
    patterns = pd.read_csv(DATA / "lsat7.csv")
    return patterns.loc[patterns.index.repeat(patterns["freq"])].drop(columns="freq").reset_index(drop=True)


def _simulated_2pl(n: int, k: int, missing: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n)
    a = rng.uniform(0.7, 2.0, k)
    b = rng.uniform(-1.5, 1.5, k)
    x = (rng.random((n, k)) < 1 / (1 + np.exp(-a * (theta[:, None] - b)))).astype(float)
    x[rng.random(x.shape) < missing] = np.nan
    return pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(k)])


def _setup(data: pd.DataFrame, model: str, tol: float = 1e-7):
    y, n_cat = irt._validate(data, model)
    d = em.Data(y, n_cat)
    nodes, weights = em.quadrature()
    groups, _ = irt._build_groups(model, y, n_cat, 0.2, "em")
    prior = (5.0, 17.0) if model == "3pl" else None
    res = em.run_em(model, d, groups, nodes=nodes, weights=weights, max_iter=3000, tol=tol, c_prior=prior)
    assert res.converged
    return d, res, nodes, weights, prior


def _marginal_loglik(model: str, d: em.Data, groups: list[em.Group], nodes, weights) -> float:
    logp = em.full_log_prob(model, groups, d.y.shape[1], int(d.n_cat.max()), nodes)
    return em.e_step(d, logp, np.log(weights))[2]


def _second_difference_hessian(model, d, groups, nodes, weights, h=1e-3) -> np.ndarray:
    """-d2 log L by central second differences of the marginal loglik (O(h^2) error)."""
    vec = em._pack(model, groups)
    p = vec.size

    def f(v: np.ndarray) -> float:
        return _marginal_loglik(model, d, em._unpack(model, groups, v), nodes, weights)

    f0 = f(vec)
    hess = np.zeros((p, p))
    for i in range(p):
        ei = np.zeros(p)
        ei[i] = h
        hess[i, i] = (f(vec + ei) - 2 * f0 + f(vec - ei)) / h**2
        for j in range(i + 1, p):
            ej = np.zeros(p)
            ej[j] = h
            v = (f(vec + ei + ej) - f(vec + ei - ej) - f(vec - ei + ej) + f(vec - ei - ej)) / (4 * h**2)
            hess[i, j] = hess[j, i] = v
    return -hess


@pytest.mark.parametrize("missing", [0.0, 0.1, 0.7])
@pytest.mark.parametrize("model", ["rasch", "1pl", "2pl"])
def test_closed_form_information_equals_second_differences_of_the_marginal_loglik(model: str, missing: float) -> None:
    # 0.1 missing takes the "missing cells are the sparse ones" route of _pair_weights,
    # 0.7 the "observed cells are" route, 0.0 the complete-data shortcut
    data = _simulated_2pl(600, 6, missing, seed=int(missing * 10) + 1)
    d, res, nodes, weights, _ = _setup(data, model)
    fast = em.logistic_information(model, d, res.groups, nodes, weights)
    numeric = _second_difference_hessian(model, d, res.groups, nodes, weights)
    # development run: largest difference 1.7e-7 of the largest entry (h^2 truncation error)
    np.testing.assert_allclose(fast, numeric, atol=1e-5 * np.abs(numeric).max())
    # and the per-node Louis sum it replaces (finite-difference item derivatives; development
    # run: largest difference 2.2e-7 of the largest entry)
    generic = em.louis_information_generic(model, d, res.groups, nodes, weights, None)
    np.testing.assert_allclose(fast, generic, atol=2e-6 * np.abs(generic).max())


def test_pair_weights_equal_the_direct_sum() -> None:
    rng = np.random.default_rng(4)
    for missing in (0.1, 0.8):
        y = (rng.random((50, 5)) < 0.5).astype(np.int64)
        y[rng.random(y.shape) < missing] = -1
        y[:, 0] = np.where(y[:, 0] < 0, 1, y[:, 0])  # one item fully observed
        d = em.Data(y, np.full(5, 2))
        post = rng.random((50, 7))
        post /= post.sum(axis=1, keepdims=True)
        o = (y >= 0).astype(float)
        direct = np.einsum("ij,il,iq->jlq", o, o, post)
        np.testing.assert_allclose(em._pair_weights(d, post), direct, atol=1e-12)
    complete = em.Data(np.ones((3, 2), dtype=np.int64) - np.eye(3, 2, dtype=np.int64), np.full(2, 2))
    assert complete.complete and em._pair_weights(complete, post[:3]) is None


@pytest.mark.parametrize("model", ["1pl", "2pl", "3pl", "grm"])
def test_squarem_reaches_the_plain_em_optimum_in_fewer_steps(model: str) -> None:
    science = pd.read_csv(DATA / "data_science.csv") - 1
    data = science.astype(float) if model == "grm" else (science >= 2).astype(float)
    data.iloc[::5, 2] = np.nan
    y, n_cat = irt._validate(data, model)
    d = em.Data(y, n_cat)
    nodes, weights = em.quadrature()
    prior = (5.0, 17.0) if model == "3pl" else None
    runs = {}
    for accelerate in (False, True):
        groups, _ = irt._build_groups(model, y, n_cat, 0.2, "em")
        runs[accelerate] = em.run_em(model, d, groups, nodes=nodes, weights=weights, max_iter=5000,
                                     tol=1e-7, c_prior=prior, accelerate=accelerate)
    plain, fast = runs[False], runs[True]
    assert plain.converged and fast.converged
    for g_plain, g_fast in zip(plain.groups, fast.groups):
        np.testing.assert_allclose(em._convergence_scale(model, g_fast.eta),
                                   em._convergence_scale(model, g_plain.eta), atol=5e-5)
    assert fast.loglik == pytest.approx(plain.loglik, abs=1e-6)
    # development run (EM steps plain -> SQUAREM): 1pl 29 -> 13, 2pl 326 -> 50,
    # 3pl 1119 -> 127, grm 122 -> 49
    assert fast.iterations < 0.6 * plain.iterations


@pytest.mark.parametrize("accelerate", [False, True])
def test_objective_never_drops_between_accepted_points(accelerate: bool) -> None:
    # EM is monotone, and the SQUAREM fallback keeps it so: each cycle ends at a point at
    # least as good as its first EM iterate. A slow 3PL (with the c prior) case.
    data = (pd.read_csv(DATA / "data_science.csv") - 1 >= 2).astype(float)
    y, n_cat = irt._validate(data, "3pl")
    d = em.Data(y, n_cat)
    nodes, weights = em.quadrature()
    groups, _ = irt._build_groups("3pl", y, n_cat, 0.2, "em")
    res = em.run_em("3pl", d, groups, nodes=nodes, weights=weights, max_iter=3000, tol=1e-6,
                    c_prior=(5.0, 17.0), accelerate=accelerate)
    history = np.array(res.history)
    assert res.converged and history.size > 5
    assert (np.diff(history) >= -1e-8 * np.abs(history[:-1])).all()
    final = res.loglik + em.log_prior("3pl", res.groups, (5.0, 17.0))
    assert final >= history[-1] - 1e-8 * abs(final)


def test_default_engine_is_em_and_matches_the_girth_started_fit() -> None:
    lsat7 = _lsat7()
    default = irt.fit(lsat7, "2pl")
    girth_start = irt.fit(lsat7, "2pl", engine="girth")
    assert default.engine == "em" and girth_start.engine == "girth+em"
    cols = ["a", "b", "se_a", "se_b"]
    # same optimum: parameters and SEs agree far inside mirt's 0.01 tolerance
    np.testing.assert_allclose(default.items[cols], girth_start.items[cols], atol=2e-3)
    assert default.loglik == pytest.approx(girth_start.loglik, abs=1e-3)


def test_default_engine_matches_the_girth_started_grm_on_science() -> None:
    science = pd.read_csv(DATA / "data_science.csv") - 1
    default = irt.fit(science, "grm")
    girth_start = irt.fit(science, "grm", engine="girth")
    cols = ["a", "b1", "b2", "b3", "se_a", "se_b1", "se_b2", "se_b3"]
    np.testing.assert_allclose(default.items[cols], girth_start.items[cols], atol=2e-3)
    assert default.loglik == pytest.approx(girth_start.loglik, abs=1e-3)


def test_se_options_observed_crossprod_none() -> None:
    data = _simulated_2pl(3000, 10, 0.05, seed=9)
    fits = {se: irt.fit(data, "2pl", se=se) for se in ("observed", "crossprod", "none")}
    assert fits["none"].items[["se_a", "se_b"]].isna().all().all()
    obs, xpd = fits["observed"].items, fits["crossprod"].items
    # both estimate the same Fisher information when the model holds: within 10% here
    # (development run: largest relative difference 3.5% for se_a, 1.2% for se_b), never identical
    for col in ("se_a", "se_b"):
        ratio = xpd[col] / obs[col]
        assert ratio.between(0.9, 1.1).all(), ratio
        assert not np.allclose(ratio, 1.0, atol=1e-6)
    # the estimates themselves do not depend on the SE method
    np.testing.assert_array_equal(obs[["a", "b"]], fits["none"].items[["a", "b"]])


def test_observed_se_of_a_matches_the_spread_over_replications() -> None:
    # property: the SE estimates the sampling SD of the estimate (20 replications of
    # 1,000 x 6; the SD of 20 estimates is itself uncertain by about 16%; development run:
    # SE / SD per item 0.79..1.27, mean 1.00 for a and 1.05 for b)
    rng = np.random.default_rng(12)
    a = np.array([0.8, 1.0, 1.2, 1.5, 1.8, 2.0])
    b = np.array([-1.0, -0.5, 0.0, 0.3, 0.7, 1.2])
    est, ses = [], []
    for _ in range(20):
        theta = rng.normal(size=1000)
        x = (rng.random((1000, 6)) < 1 / (1 + np.exp(-a * (theta[:, None] - b)))).astype(float)
        items = irt.fit(pd.DataFrame(x, columns=list("abcdef")), "2pl").items
        est.append(items[["a", "b"]].to_numpy())
        ses.append(items[["se_a", "se_b"]].to_numpy())
    ratio = np.mean(ses, axis=0) / np.std(est, axis=0, ddof=1)
    assert ((ratio > 0.7) & (ratio < 1.4)).all(), ratio
    assert 0.85 < ratio.mean() < 1.15, ratio.mean()
