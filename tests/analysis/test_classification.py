"""Tests for analysis.classification: decision accuracy and consistency at a cut.

Independent values, in order of strength:

1. a reference-software fixture: BBClassify 1.0.0 (Haakstad 2025, the corrected successor of
   Brennan's BB-CLASS) on BB-CLASS's ACT Mathematics example (151,050 candidates, 40 items,
   reliability .873), output file ``dist/ccLL_act_output.txt`` of
   github.com/HaakonEidemHaakstad/BBClassify_Python, input ``dist/ccLL_act`` and data
   ``dist/act288m`` (the frequency table below);
2. exact sums: Huynh's beta-binomial model in closed form, checked against
   ``scipy.stats.betabinom`` and a ``scipy.integrate.quad`` integral, and Livingston-Lewis
   with a two-parameter beta reproducing it;
3. a simulation: true scores drawn from a known beta, two parallel binomial forms, the
   empirical agreement rates against the predicted ones within Monte-Carlo error;
4. properties: accuracy >= consistency, consistency -> 1 as reliability -> 1, mirrored cuts,
   a cut below every score.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from analysis.classification import (
    TrueScoreModel,
    effective_test_length,
    fit_true_score_beta,
    huynh,
    livingston_lewis,
    true_score_moments,
)

# BB-CLASS's ACT Mathematics example: number of candidates per raw score 0..40.
ACT_FREQUENCIES = [0, 23, 98, 384, 986, 2161, 3722, 5623, 7533, 8817, 9597, 9809, 9674, 8971, 8033, 7384, 6758,
                   6004, 5463, 4896, 4367, 4083, 3651, 3333, 3191, 2899, 2644, 2597, 2287, 2197, 1967, 1874, 1710,
                   1581, 1503, 1349, 1181, 994, 827, 585, 294]
ACT = np.repeat(np.arange(41), ACT_FREQUENCIES)


# ---------------------------------------------------------------- 1. BBClassify on the ACT example


def test_act_example_observed_moments_and_effective_length_match_bbclassify() -> None:
    # BBClassify: mean 16.4987, variance 64.7823; effective test length 40.
    assert ACT.size == 151050
    assert ACT.mean() == pytest.approx(16.4987, abs=5e-5)
    assert ACT.var(ddof=1) == pytest.approx(64.7823, abs=5e-5)
    n = effective_test_length(ACT.mean(), ACT.var(ddof=1), 0.873, max_score=40)
    assert round(n) == 40


def test_act_example_true_score_moments_match_bbclassify() -> None:
    # BBClassify "Proportional true-score distribution moments": mean 0.41247, variance
    # 0.03531, skewness 1.02143, kurtosis 3.15830.
    m1, m2, m3, m4 = true_score_moments(ACT, 40, max_score=40)
    var = m2 - m1**2
    skew = (m3 - 3 * m1 * m2 + 2 * m1**3) / var**1.5
    kurt = (m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4) / var**2
    assert (m1, var, skew, kurt) == pytest.approx((0.41247, 0.03531, 1.02143, 3.15830), abs=5e-6)


def test_act_example_falls_back_to_three_parameters_as_bbclassify() -> None:
    # BBClassify: "Four-parameter ... impermissible location parameter estimates. Reverted to a
    # three-parameter fitting procedure with u set to 1": alpha 0.52378, beta 1.62569,
    # l 0.22317, u 1.
    model = fit_true_score_beta(true_score_moments(ACT, 40, max_score=40))
    assert model.parameters == 3
    assert (model.alpha, model.beta, model.lower, model.upper) == pytest.approx((0.52378, 1.62569, 0.22317, 1.0),
                                                                                 abs=5e-6)


def test_act_example_accuracy_and_consistency_match_bbclassify() -> None:
    # BBClassify, three categories, true cuts 0.55 and 0.60. Its observed cut points "23, 25"
    # produce model-implied observed marginals 0.75250, 0.04775, 0.19974, which are
    # P(X' <= 21), P(X' in 22..23), P(X' >= 24): in our convention (a score reaches a cut
    # when it is >= the cut) those are the cuts 22 and 24.
    r = livingston_lewis(ACT, reliability=0.873, cuts=[22, 24], max_score=40, true_cuts=[0.55, 0.60])
    assert r.effective_length == 40
    # "Confusion matrix (transposed)": rows true category, columns observed category.
    expected = [[0.73124, 0.02566, 0.01802],
                [0.01452, 0.01105, 0.01992],
                [0.00674, 0.01104, 0.16180]]
    np.testing.assert_allclose(r.accuracy_table.to_numpy(), expected, atol=6e-6)
    np.testing.assert_allclose(r.consistency_table.to_numpy(), [[0.70700, 0.02297, 0.02253],
                                                                [0.02297, 0.00834, 0.01645],
                                                                [0.02253, 0.01645, 0.16076]], atol=6e-6)
    assert r.accuracy == pytest.approx(0.90409, abs=6e-6)
    assert r.consistency == pytest.approx(0.87610, abs=6e-6)
    # These two BBClassify computes from its matrix renormalised to sum 1 and prints cut
    # off, not rounded (0.608438 is printed 0.60843): agreement to 1e-5.
    assert r.chance_consistency == pytest.approx(0.60843, abs=1e-5)
    assert r.kappa == pytest.approx(0.68358, abs=1e-5)
    # Misclassified upwards (observed above true) and downwards, from the same matrix.
    assert r.false_pass == pytest.approx(0.02566 + 0.01802 + 0.01992, abs=2e-5)
    assert r.false_fail == pytest.approx(0.01452 + 0.00674 + 0.01104, abs=2e-5)


# ---------------------------------------------------------------- 2. exact beta-binomial sums

# A number-correct score on 20 items; 400 candidates, a bell with some spread.
ITEMS = 20
COUNTS = [1, 2, 3, 5, 8, 12, 17, 22, 28, 33, 37, 38, 37, 34, 30, 26, 22, 18, 13, 8, 6]
SCORES = np.repeat(np.arange(ITEMS + 1), COUNTS)


def _kr21(x: np.ndarray, n: int) -> float:
    mu, var = x.mean(), x.var()  # divisor N: the beta-binomial's method of moments
    return n / (n - 1) * (1 - mu * (n - mu) / (n * var))


def test_huynh_tables_equal_the_beta_binomial_from_scipy() -> None:
    r = huynh(SCORES, n_items=ITEMS, cuts=12)
    a, b = r.model.alpha, r.model.beta
    # KR-21 parameters (Huynh 1976, eq. 8)
    rho = _kr21(SCORES, ITEMS)
    assert a == pytest.approx((1 / rho - 1) * SCORES.mean())
    assert b == pytest.approx((1 / rho - 1) * (ITEMS - SCORES.mean()))
    pmf = stats.betabinom.pmf(np.arange(ITEMS + 1), ITEMS, a, b)
    # The consistency table's margins are the beta-binomial's fail and pass masses.
    assert r.consistency_table.sum(axis=1).to_numpy() == pytest.approx([pmf[:12].sum(), pmf[12:].sum()], abs=1e-12)
    # The accuracy table's observed-pass column split at the true cut 12/20, by direct integration.
    true_pass_observed_pass = integrate.quad(
        lambda t: stats.binom.sf(11, ITEMS, t) * stats.beta.pdf(t, a, b), 0.6, 1, epsabs=1e-13)[0]
    assert r.accuracy_table.loc[1, 1] == pytest.approx(true_pass_observed_pass, abs=1e-10)
    # Consistency: P(both pass) = int P(X >= 12 | t)^2 g(t) dt, by direct integration.
    both_pass = integrate.quad(lambda t: stats.binom.sf(11, ITEMS, t) ** 2 * stats.beta.pdf(t, a, b), 0, 1,
                               epsabs=1e-13)[0]
    assert r.consistency_table.loc[1, 1] == pytest.approx(both_pass, abs=1e-10)


def test_livingston_lewis_with_two_parameters_reproduces_huynh_on_number_correct_scores() -> None:
    # With the reliability KR-21 and the range 0..n the effective length is exactly n and the
    # two-parameter moment fit is Huynh's: the quadrature must give the exact sums.
    rho = _kr21(SCORES, ITEMS)
    # exactly n with the variance's divisor N; the function's N - 1 moves it by 0.05
    assert effective_test_length(SCORES.mean(), SCORES.var(), rho, max_score=ITEMS) == pytest.approx(ITEMS)
    assert round(effective_test_length(SCORES.mean(), SCORES.var(ddof=1), rho, max_score=ITEMS)) == ITEMS
    for cuts in (12, [8, 12, 16]):
        exact = huynh(SCORES, n_items=ITEMS, cuts=cuts)
        ll = livingston_lewis(SCORES, reliability=rho, cuts=cuts, max_score=ITEMS, parameters=2)
        assert ll.model.alpha == pytest.approx(exact.model.alpha, rel=1e-10)
        np.testing.assert_allclose(ll.accuracy_table, exact.accuracy_table, atol=1e-9)
        np.testing.assert_allclose(ll.consistency_table, exact.consistency_table, atol=1e-9)
        assert ll.kappa == pytest.approx(exact.kappa, abs=1e-8)


def test_quadrature_is_exact_for_a_j_shaped_true_score_density() -> None:
    # alpha < 1 puts an infinite density at 0; the beta-binomial sums are still exact.
    model = TrueScoreModel(0.6, 2.5, 0.0, 1.0, 2)
    from analysis.classification import _tables

    acc, con = _tables(model, 30, np.array([15]), [0.5])
    pmf = stats.betabinom.pmf(np.arange(31), 30, 0.6, 2.5)
    assert acc.sum(axis=0) == pytest.approx([pmf[:15].sum(), pmf[15:].sum()], abs=1e-10)
    assert con.sum() == pytest.approx(1.0, abs=1e-12)


# ---------------------------------------------------------------- 3. simulation


def test_predicted_accuracy_and_consistency_match_simulated_parallel_forms() -> None:
    rng = np.random.default_rng(20261202)
    n, size = 40, 200_000
    a, b, lo, hi = 3.0, 4.0, 0.1, 0.95
    tau = lo + (hi - lo) * rng.beta(a, b, size)
    form1, form2 = rng.binomial(n, tau), rng.binomial(n, tau)
    # Population reliability of a binomial-error score: n^2 var(tau) / var(X).
    mean = lo + (hi - lo) * a / (a + b)
    var_tau = (hi - lo) ** 2 * a * b / ((a + b) ** 2 * (a + b + 1))
    e_tau2 = var_tau + mean**2
    var_x = n**2 * var_tau + n * (mean - e_tau2)
    rho = n**2 * var_tau / var_x
    r = livingston_lewis(form1, reliability=rho, cuts=24, max_score=n, true_cuts=[0.6])
    assert r.effective_length == n
    assert r.model.parameters == 4
    empirical_consistency = np.mean((form1 >= 24) == (form2 >= 24))
    empirical_accuracy = np.mean((form1 >= 24) == (tau >= 0.6))
    # Monte-Carlo SE of a proportion near .9 with 200,000 draws is 0.0007; the fitted
    # moments add a little: 0.004 is about five SEs.
    assert r.consistency == pytest.approx(empirical_consistency, abs=0.004)
    assert r.accuracy == pytest.approx(empirical_accuracy, abs=0.004)
    assert r.false_pass == pytest.approx(np.mean((form1 >= 24) & (tau < 0.6)), abs=0.003)
    assert r.false_fail == pytest.approx(np.mean((form1 < 24) & (tau >= 0.6)), abs=0.003)


# ---------------------------------------------------------------- 4. properties


@pytest.mark.parametrize("cut", [10, 16, 23, 30])
def test_accuracy_is_at_least_consistency(cut: int) -> None:
    r = livingston_lewis(ACT, reliability=0.873, cuts=cut, max_score=40)
    assert r.accuracy >= r.consistency
    assert r.accuracy + r.false_pass + r.false_fail == pytest.approx(1.0, abs=1e-12)


def test_consistency_tends_to_one_as_reliability_tends_to_one() -> None:
    # From .873 up the true-score model keeps its form (three parameters, u = 1); below it
    # the four-moment fit changes shape with n, and consistency need not be monotone there.
    results = [livingston_lewis(ACT, reliability=rho, cuts=23, max_score=40) for rho in (0.873, 0.9, 0.95, 0.99, 0.999)]
    values = [r.consistency for r in results]
    assert values == sorted(values)
    assert values[-1] > 0.99
    assert all(r.accuracy >= r.consistency for r in results)


def test_mirrored_cut_on_mirrored_scores_swaps_false_pass_and_false_fail() -> None:
    # X >= c on the scores is X' = 40 - X <= 40 - c: with reach ">" at 40 - c on the mirrored
    # scores the pass side is exactly the other side of the same boundary.
    a = livingston_lewis(ACT, reliability=0.873, cuts=23, max_score=40, true_cuts=[0.55])
    b = livingston_lewis(40 - ACT, reliability=0.873, cuts=17, max_score=40, true_cuts=[0.45], reach=">")
    assert (b.model.alpha, b.model.beta) == pytest.approx((a.model.beta, a.model.alpha))
    assert (b.model.lower, b.model.upper) == pytest.approx((1 - a.model.upper, 1 - a.model.lower))
    assert b.accuracy == pytest.approx(a.accuracy, abs=1e-10)
    assert b.consistency == pytest.approx(a.consistency, abs=1e-10)
    assert b.kappa == pytest.approx(a.kappa, abs=1e-9)
    assert (b.false_pass, b.false_fail) == pytest.approx((a.false_fail, a.false_pass), abs=1e-10)


def test_a_cut_below_every_score_classifies_everybody_alike() -> None:
    r = livingston_lewis(ACT, reliability=0.873, cuts=0, max_score=40)
    assert r.accuracy == pytest.approx(1.0, abs=1e-12)
    assert r.consistency == pytest.approx(1.0, abs=1e-12)
    assert r.false_pass == pytest.approx(0.0, abs=1e-12)


def test_weighted_scores_on_another_scale_give_the_same_answer() -> None:
    # LL works on the proportion of the range: doubling scores, range and cut changes nothing.
    a = livingston_lewis(ACT, reliability=0.873, cuts=23, max_score=40)
    b = livingston_lewis(2 * ACT + 10, reliability=0.873, cuts=56, min_score=10, max_score=90)
    assert (b.accuracy, b.consistency, b.kappa) == pytest.approx((a.accuracy, a.consistency, a.kappa), abs=1e-10)


def test_on_whole_scores_cuts_that_pass_the_same_candidates_give_the_same_estimate() -> None:
    # Scores 0..40 in whole points: 26.1, 26.5 and 27 all mean "27 or more" (boundary 26.5).
    # The effective length (here not 40) would otherwise place them on different binomial scores.
    results = [livingston_lewis(ACT, reliability=0.8, cuts=c, max_score=40, score_step=1) for c in (26.1, 26.5, 27)]
    assert results[0].effective_length != 40
    assert {(r.accuracy, r.consistency) for r in results} == {(results[0].accuracy, results[0].consistency)}
    assert results[0].cuts == (26.5,)
    # With ">" a cut of 26 means 27 or more too.
    above = livingston_lewis(ACT, reliability=0.8, cuts=26, max_score=40, score_step=1, reach=">")
    assert (above.accuracy, above.consistency) == (results[0].accuracy, results[0].consistency)
    # Without the step the two differ: the reason for the option.
    plain = [livingston_lewis(ACT, reliability=0.8, cuts=c, max_score=40).consistency for c in (26.1, 27)]
    assert plain[0] != plain[1]


@pytest.mark.parametrize("kwargs, message", [
    ({"reliability": 1.0}, "reliability must lie strictly between 0 and 1"),
    ({"cuts": [25, 20]}, "cuts must be one or more increasing numbers"),
    ({"max_score": 30}, "score 31 lies outside the possible range"),
    ({"reach": "=>"}, "reach must be '>=' or '>'"),
    ({"true_cuts": [0.5, 0.6]}, "give one true cut per cut"),
])
def test_bad_input_is_refused_with_a_clear_message(kwargs: dict, message: str) -> None:
    args = {"reliability": 0.873, "cuts": 23, "max_score": 40, **kwargs}
    with pytest.raises(ValueError, match=message):
        livingston_lewis(ACT, **args)


@pytest.mark.parametrize("a, b, lower, upper", [(4.0, 2.0, 0.1, 0.9), (2.0, 5.0, 0.05, 0.8), (3.0, 3.0, 0.2, 1.0)])
def test_the_four_parameter_fit_recovers_a_beta_from_its_exact_moments(a, b, lower, upper) -> None:
    # Raw moments of the four-parameter beta from scipy (left- and right-skewed, symmetric).
    dist = stats.beta(a, b, loc=lower, scale=upper - lower)
    model = fit_true_score_beta([dist.moment(k) for k in range(1, 5)])
    assert model.parameters == 4
    assert (model.alpha, model.beta, model.lower, model.upper) == pytest.approx((a, b, lower, upper), abs=1e-6)
