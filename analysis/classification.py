r"""How sure a pass/fail (or a grade) at a cut is: decision accuracy and decision consistency.

Two questions a committee asks of a cut score ``c`` (cesuur), answered from one sitting:

* **decision accuracy** -- the probability that a candidate's observed classification equals
  the classification of their *true* score (no false pass, no false fail);
* **decision consistency** -- the probability that two independent parallel sittings would
  classify the same candidate the same way; with **Cohen's kappa**, the consistency beyond
  what the two sittings' marginal pass rates would give by chance.

Livingston & Lewis (1995)
-------------------------
The method jMetrik, BB-CLASS and the R package ``betafunctions`` (``LL.CA``) implement. It
works for any total, including weighted and polytomous ones. With the observed totals
``X`` (mean :math:`\mu`, variance :math:`\sigma^2`, divisor ``N - 1``), their possible
range ``[Min, Max]`` and their reliability :math:`r` (Cronbach's alpha by default):

1. **Effective test length** -- the number of equally difficult, locally independent 0/1
   items that would give a total of the same reliability (LL eq. 7):

   .. math:: n = \frac{(\mu - Min)(Max - \mu) - r\sigma^2}{\sigma^2 (1 - r)},

   rounded to the nearest whole number (the binomial needs whole trials).
2. **True-score distribution** -- the proportional true score
   :math:`\tau \in [0, 1]` follows a four-parameter beta :math:`B(\alpha, \beta, l, u)`.
   Its raw moments follow from the observed ones on the effective length, ``X' = n (X -
   Min) / (Max - Min)``, because under binomial error the factorial moments of ``X'`` are
   those of :math:`\tau` times ``n`` falling (Lord 1965, eq. 12):

   .. math:: E[\tau^k] = \frac{E[X'(X'-1)\cdots(X'-k+1)]}{n(n-1)\cdots(n-k+1)}, \quad k = 1..4.

   The four parameters are fitted by the method of moments (mean, variance, skewness,
   kurtosis; Hanson 1991, eqs. 2-6). When that fit is inadmissible (``l < 0``, ``u > 1``,
   or no real solution) the offending bound is fixed (``u = 1`` or ``l = 0``) and the
   other three parameters are fitted to mean, variance and skewness (as BB-CLASS and
   BBClassify do); when that fails too, a two-parameter beta on ``[0, 1]`` is fitted to
   mean and variance. :attr:`ClassificationAccuracy.model` says which was used.
3. **Conditional error** -- given :math:`\tau`, the total on the effective length is
   binomial, :math:`X' \mid \tau \sim Bin(n, \tau)`; observed category ``k`` has
   probability :math:`p_k(\tau)` (the binomial mass of the scores in it).
4. **Accuracy and consistency** integrate over the true-score distribution ``g``:

   .. math::

      A_{jk} = \int_{\tau \in \text{true cat. } j} p_k(\tau)\, g(\tau)\, d\tau, \qquad
      \text{accuracy} = \sum_k A_{kk},

      C_{kk'} = \int_0^1 p_k(\tau)\, p_{k'}(\tau)\, g(\tau)\, d\tau, \qquad
      \text{consistency} = \sum_k C_{kk}, \qquad
      \kappa = \frac{\text{consistency} - \sum_k C_{k\cdot}^2}{1 - \sum_k C_{k\cdot}^2}.

   The true cut is the observed cut on the proportional scale, :math:`(c - Min)/(Max -
   Min)`, unless given. The integrals are computed by Gauss-Legendre quadrature in the
   beta's probability scale (``q = G(\tau)``) on each true category, so a U- or J-shaped
   density is integrated as accurately as a bell.

Huynh (1976)
------------
For ``n`` equally weighted 0/1 items the beta-binomial model can be fitted from KR-21
alone: :math:`\tau \sim Beta(a, b)` with :math:`a = (1/\rho_{21} - 1)\mu`, :math:`b =
(1/\rho_{21} - 1)(n - \mu)` (Huynh 1976, eq. 8), and the sums are exact:

.. math::

   P(X_1 = x, X_2 = y) = \binom{n}{x}\binom{n}{y}\frac{B(a + x + y,\; b + 2n - x - y)}{B(a, b)}.

Sources
-------
* Livingston, S. A., & Lewis, C. (1995). Estimating the consistency and accuracy of
  classifications based on test scores. *Journal of Educational Measurement* 32(2), 179-197.
* Lord, F. M. (1965). A strong true-score theory, with applications. *Psychometrika* 30,
  239-270.
* Hanson, B. A. (1991). *Method of moments estimates for the four-parameter beta compound
  binomial model and the calculation of classification consistency indexes*. ACT Research
  Report 91-5.
* Huynh, H. (1976). On the reliability of decisions in domain-referenced testing. *Journal
  of Educational Measurement* 13(4), 253-264.
* Brennan, R. L. (2004). *BB-CLASS: A computer program that uses the beta-binomial model
  for classification consistency and accuracy* (CASMA Report 9). Checked against
  BBClassify 1.0.0 (Haakstad 2025, the corrected successor of BB-CLASS) on BB-CLASS's ACT
  Mathematics example (tests/analysis/test_classification.py).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

__all__ = [
    "ClassificationAccuracy",
    "TrueScoreModel",
    "effective_test_length",
    "fit_true_score_beta",
    "huynh",
    "livingston_lewis",
    "true_score_moments",
]

_NODES = 160  # Gauss-Legendre nodes per true category (error < 1e-9 on the tests' cases)


@dataclass(frozen=True)
class TrueScoreModel:
    """A beta distribution of the proportional true score on ``[lower, upper]``.

    ``parameters`` is 4 when all four were fitted, 3 when one bound was fixed at 0 or 1,
    2 for the two-parameter beta on ``[0, 1]``."""

    alpha: float
    beta: float
    lower: float
    upper: float
    parameters: int

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """The quantile function (inverse distribution function)."""
        return self.lower + (self.upper - self.lower) * stats.beta.ppf(q, self.alpha, self.beta)

    def cdf(self, x: float) -> float:
        """The distribution function at ``x``."""
        return float(stats.beta.cdf((x - self.lower) / (self.upper - self.lower), self.alpha, self.beta))


@dataclass(frozen=True)
class ClassificationAccuracy:
    """Decision accuracy and consistency at one or more cuts.

    Attributes
    ----------
    accuracy:
        P(observed category = true category).
    consistency:
        P(two parallel sittings give the same category).
    kappa:
        Cohen's kappa of the consistency table (agreement beyond chance).
    chance_consistency:
        :math:`\\sum_k C_{k\\cdot}^2`, the agreement two independent sittings with these
        marginals would reach by chance.
    false_pass, false_fail:
        P(observed category above the true one) and P(below): with one cut, passing
        while the true score is below the cut, and failing while it is at or above it.
    effective_length:
        The effective test length ``n`` (LL) or the number of items (Huynh).
    reliability:
        The reliability used.
    cuts, true_cuts:
        The observed cuts (score scale) and the true cuts (proportion of the range).
    model:
        The fitted true-score distribution.
    accuracy_table:
        True category (rows) x observed category (columns), joint probabilities.
    consistency_table:
        Observed category on sitting 1 x on sitting 2, joint probabilities (symmetric).
    method:
        ``"livingston_lewis"`` or ``"huynh"``.
    """

    accuracy: float
    consistency: float
    kappa: float
    chance_consistency: float
    false_pass: float
    false_fail: float
    effective_length: int
    reliability: float
    cuts: tuple[float, ...]
    true_cuts: tuple[float, ...]
    model: TrueScoreModel
    accuracy_table: pd.DataFrame
    consistency_table: pd.DataFrame
    method: str


# ------------------------------------------------------------------ pieces


def effective_test_length(mean: float, variance: float, reliability: float, *,
                          min_score: float = 0.0, max_score: float) -> float:
    r"""Livingston & Lewis (1995, eq. 7) effective test length (not rounded).

    .. math:: n = \frac{(\mu - Min)(Max - \mu) - r\sigma^2}{\sigma^2 (1 - r)}

    ``min_score`` and ``max_score`` are the *possible* extremes of the score, not the
    observed ones (using the observed ones was BB-CLASS's error; Haakstad 2025).

    >>> # 40 items, mean 16.4987, variance 64.7823, r = .873 (BB-CLASS ACT example): n = 40
    >>> round(effective_test_length(16.4987, 64.7823, 0.873, max_score=40), 2)
    40.25
    """
    if not 0.0 < reliability < 1.0:
        raise ValueError(f"reliability must lie strictly between 0 and 1 for an effective test length; got {reliability}")
    if not variance > 0.0:
        raise ValueError(f"the scores' variance must be positive; got {variance}")
    return ((mean - min_score) * (max_score - mean) - reliability * variance) / (variance * (1.0 - reliability))


def true_score_moments(scores: np.ndarray, n: int, *, min_score: float = 0.0, max_score: float,
                       order: int = 4) -> np.ndarray:
    r"""The first ``order`` raw moments :math:`E[\tau^k]` of the proportional true score (Lord
    1965): the factorial moments of ``X' = n (X - Min) / (Max - Min)`` divided by ``n``
    falling ``k``. Needs ``n >= order``; moments beyond ``order`` come back as NaN.

    >>> # Two candidates scoring 1 and 3 on 4 items: E[X'] = 2, E[X'(X'-1)] = (0 + 6)/2 = 3
    >>> true_score_moments(np.array([1.0, 3.0]), 4, max_score=4)[:2].tolist()
    [0.5, 0.25]
    """
    if n < order:
        raise ValueError(f"the effective test length must be at least {order} to fit {order} true-score moments; got {n}")
    x = n * (np.asarray(scores, dtype=float) - min_score) / (max_score - min_score)
    out = np.full(4, math.nan)
    falling_x = np.ones_like(x)
    falling_n = 1.0
    for k in range(order):
        falling_x = falling_x * (x - k)
        falling_n *= n - k
        out[k] = falling_x.mean() / falling_n
    return out


def _standardized(raw: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, variance, skewness and kurtosis (not excess) from four raw moments."""
    m1, m2, m3, m4 = raw
    var = m2 - m1**2
    if not var > 0:
        return m1, var, math.nan, math.nan
    c3 = m3 - 3 * m1 * m2 + 2 * m1**3
    c4 = m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4
    return m1, var, c3 / var**1.5, c4 / var**2


def _fit_four(mean: float, var: float, skew: float, kurt: float) -> TrueScoreModel | None:
    r"""Four-parameter beta by the method of moments (Hanson 1991, eqs. 2-6; Johnson, Kotz &
    Balakrishnan 1995, §25.4): with :math:`r = 6(\beta_2 - \beta_1 - 1) / (6 + 3\beta_1 -
    2\beta_2)` (:math:`\beta_1` the squared skewness, :math:`\beta_2` the kurtosis), the
    shapes are :math:`\tfrac r2 (1 \pm \sqrt{1 - 24(r+1)/((r+2)(r+3)\beta_2 - 3(r+1)(r-6))})`,
    the smaller one first when the skew is positive; the range follows from the variance."""
    b1 = skew**2
    denom = 6 + 3 * b1 - 2 * kurt
    if not (np.isfinite(denom) and denom != 0):
        return None
    r = 6 * (kurt - b1 - 1) / denom
    inner = (r + 2) * (r + 3) * kurt - 3 * (r + 1) * (r - 6)
    if not (r > 0 and inner > 0):
        return None
    disc = 1 - 24 * (r + 1) / inner
    if disc < 0:
        return None
    small, large = r / 2 * (1 - math.sqrt(disc)), r / 2 * (1 + math.sqrt(disc))
    a, b = (small, large) if skew > 0 else (large, small)
    if not (a > 0 and b > 0):
        return None
    width = math.sqrt(var) * (a + b) * math.sqrt((a + b + 1) / (a * b))
    lower = mean - width * a / (a + b)
    return TrueScoreModel(a, b, lower, lower + width, 4)


def _fit_three_fixed_upper(mean: float, var: float, skew: float, upper: float) -> TrueScoreModel | None:
    r"""Beta on ``[l, upper]`` with ``upper`` fixed, fitted to mean, variance and skewness.

    With :math:`p = \beta/(\alpha+\beta)`, :math:`\nu = \alpha + \beta` and ``d = upper -
    mean``: the mean gives the width ``d / p``, the variance :math:`\nu + 1 = (1-p)d^2 /
    (p\sigma^2)`, and ``p`` solves the skewness equation
    :math:`\gamma_1 = 2(2p-1)\sqrt{\nu+1} / ((\nu+2)\sqrt{p(1-p)})` (one unknown; bracketed
    on a grid and solved with Brent's method)."""
    d = upper - mean
    if not (d > 0 and var > 0):
        return None
    p_max = d**2 / (d**2 + var)  # nu > 0

    def shapes(p: float) -> tuple[float, float]:
        nu = (1 - p) * d**2 / (p * var) - 1
        return nu, 2 * (2 * p - 1) * math.sqrt(nu + 1) / ((nu + 2) * math.sqrt(p * (1 - p)))

    grid = np.linspace(0, p_max, 2002)[1:-1]
    values = np.array([shapes(p)[1] - skew for p in grid])
    for i in np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:])):
        p = optimize.brentq(lambda q: shapes(q)[1] - skew, grid[i], grid[i + 1], xtol=1e-14)
        nu = shapes(p)[0]
        model = TrueScoreModel(nu * (1 - p), nu * p, upper - d / p, upper, 3)
        if model.alpha > 0 and model.beta > 0 and model.lower >= 0:
            return model
    return None


def _fit_three_fixed_lower(mean: float, var: float, skew: float, lower: float) -> TrueScoreModel | None:
    """Beta on ``[lower, u]`` with ``lower`` fixed: the mirror image ``1 - tau`` of
    :func:`_fit_three_fixed_upper`."""
    m = _fit_three_fixed_upper(1 - mean, var, -skew, 1 - lower)
    return None if m is None else TrueScoreModel(m.beta, m.alpha, 1 - m.upper, 1 - m.lower, 3)


def _fit_two(mean: float, var: float) -> TrueScoreModel | None:
    r"""Two-parameter beta on [0, 1] by moments: :math:`\alpha = \mu(\mu(1-\mu)/\sigma^2 - 1)`,
    :math:`\beta = (1-\mu)(\mu(1-\mu)/\sigma^2 - 1)`."""
    if not (0 < mean < 1 and 0 < var < mean * (1 - mean)):
        return None
    common = mean * (1 - mean) / var - 1
    return TrueScoreModel(mean * common, (1 - mean) * common, 0.0, 1.0, 2)


def fit_true_score_beta(raw_moments: Sequence[float], *, parameters: int = 4) -> TrueScoreModel:
    """The beta true-score distribution matching ``raw_moments`` (:math:`E[\\tau^k]`, k=1..4).

    ``parameters=4`` tries the four-parameter fit, then three parameters with the offending
    bound fixed, then two parameters on [0, 1]; ``parameters=2`` fits two directly. A
    bound counts as admissible within 1e-12 of [0, 1].

    >>> # Beta(2, 3) on [0, 1] has raw moments 2/5, 1/5, 4/35, 1/14: it is found back
    >>> m = fit_true_score_beta([2 / 5, 1 / 5, 4 / 35, 1 / 14])
    >>> [round(float(v), 6) for v in (m.alpha, m.beta, m.lower, m.upper)], m.parameters
    ([2.0, 3.0, 0.0, 1.0], 4)
    """
    if parameters not in (2, 4):
        raise ValueError(f"parameters must be 2 or 4; got {parameters}")
    mean, var, skew, kurt = _standardized(np.asarray(raw_moments, dtype=float))
    if parameters == 4 and np.isfinite(skew):
        four = _fit_four(mean, var, skew, kurt)
        tol = 1e-12
        if four is not None and four.lower >= -tol and four.upper <= 1 + tol:
            return TrueScoreModel(four.alpha, four.beta, max(four.lower, 0.0), min(four.upper, 1.0), 4)
        tries = []
        if four is None or four.upper > 1 + tol:
            tries.append(lambda: _fit_three_fixed_upper(mean, var, skew, 1.0))
        if four is None or four.lower < -tol:
            tries.append(lambda: _fit_three_fixed_lower(mean, var, skew, 0.0))
        for attempt in tries:
            three = attempt()
            if three is not None and three.lower >= 0 and three.upper <= 1:
                return three
    two = _fit_two(mean, var)
    if two is None:
        raise ValueError(f"no beta true-score distribution fits: true-score mean {mean:.4g} and variance {var:.4g} "
                         "(the reliability is too low or the scores too spread for the binomial error model)")
    return two


# ------------------------------------------------------------------ integration


def _thresholds(cuts: Sequence[float], n: int, min_score: float, max_score: float, reach: str) -> np.ndarray:
    """For each cut, the smallest score on the effective length 0..n that reaches it: the
    score ``x'`` stands for ``Min + x' (Max - Min) / n`` on the score scale."""
    t = n * (np.asarray(cuts, dtype=float) - min_score) / (max_score - min_score)
    eps = 1e-9
    return np.ceil(t - eps).astype(int) if reach == ">=" else (np.floor(t + eps) + 1).astype(int)


def _category_probabilities(tau: np.ndarray, n: int, thresholds: np.ndarray) -> np.ndarray:
    """p_k(tau): rows = tau, columns = observed categories (0 = below the first cut)."""
    # P(X' >= t) = binomial survival at t - 1; categories are differences of it.
    reach = np.ones((len(tau), len(thresholds) + 2))
    reach[:, -1] = 0.0
    for j, t in enumerate(thresholds, start=1):
        reach[:, j] = stats.binom.sf(t - 1, n, tau)
    return reach[:, :-1] - reach[:, 1:]


@functools.lru_cache(maxsize=1)
def _gauss_legendre() -> tuple[np.ndarray, np.ndarray]:
    """The quadrature nodes and weights on [-1, 1], computed once (an eigenproblem)."""
    return np.polynomial.legendre.leggauss(_NODES)


def _tables(model: TrueScoreModel, n: int, thresholds: np.ndarray,
            true_cuts: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The accuracy table (true x observed) and the consistency table (observed x observed)."""
    k = len(thresholds) + 1
    edges = [0.0, *[min(max(model.cdf(c), 0.0), 1.0) for c in true_cuts], 1.0]
    nodes, weights = _gauss_legendre()
    # Smoothstep substitution (q = 3s^2 - 2s^3 on each piece, dq = 6s(1-s) ds) softens the
    # endpoint singularities of tau(q) when a shape parameter is above 1.
    s = (nodes + 1) / 2
    smooth, dsmooth = s * s * (3 - 2 * s), 6 * s * (1 - s)
    accuracy = np.zeros((k, k))
    consistency = np.zeros((k, k))
    for j in range(k):
        lo, hi = edges[j], edges[j + 1]
        if hi <= lo:
            continue
        q = lo + (hi - lo) * smooth
        w = (hi - lo) * dsmooth * weights / 2
        p = _category_probabilities(model.ppf(q), n, thresholds)
        accuracy[j] = w @ p
        consistency += (p * w[:, None]).T @ p
    return accuracy, consistency


def _summary(accuracy: np.ndarray, consistency: np.ndarray, *, n: int, reliability: float,
             cuts: Sequence[float], true_cuts: Sequence[float], model: TrueScoreModel,
             method: str) -> ClassificationAccuracy:
    labels = list(range(len(cuts) + 1))
    marginal = consistency.sum(axis=1)
    chance = float((marginal**2).sum())
    agree = float(np.trace(consistency))
    return ClassificationAccuracy(
        accuracy=float(np.trace(accuracy)),
        consistency=agree,
        kappa=(agree - chance) / (1 - chance) if chance < 1 else math.nan,
        chance_consistency=chance,
        false_pass=float(np.triu(accuracy, 1).sum()),
        false_fail=float(np.tril(accuracy, -1).sum()),
        effective_length=int(n),
        reliability=float(reliability),
        cuts=tuple(float(c) for c in cuts),
        true_cuts=tuple(float(c) for c in true_cuts),
        model=model,
        accuracy_table=pd.DataFrame(accuracy, index=pd.Index(labels, name="true"),
                                    columns=pd.Index(labels, name="observed")),
        consistency_table=pd.DataFrame(consistency, index=pd.Index(labels, name="first"),
                                       columns=pd.Index(labels, name="second")),
        method=method,
    )


def _check(scores: np.ndarray, cuts: Sequence[float], min_score: float, max_score: float, reach: str) -> tuple[float, ...]:
    if reach not in (">=", ">"):
        raise ValueError(f"reach must be '>=' or '>'; got {reach!r}")
    if not max_score > min_score:
        raise ValueError(f"max_score ({max_score}) must be above min_score ({min_score})")
    if scores.size < 2 or not np.all(np.isfinite(scores)):
        raise ValueError("need at least two scores, all finite")
    outside = scores[(scores < min_score) | (scores > max_score)]
    if outside.size:
        raise ValueError(f"score {outside[0]:g} lies outside the possible range [{min_score:g}, {max_score:g}]")
    cuts = tuple(float(c) for c in np.atleast_1d(np.asarray(cuts, dtype=float)))
    if not cuts or any(b <= a for a, b in zip(cuts, cuts[1:])):
        raise ValueError(f"cuts must be one or more increasing numbers; got {list(cuts)}")
    return cuts


# ------------------------------------------------------------------ the two methods


def livingston_lewis(scores: Sequence[float] | np.ndarray | pd.Series, *, reliability: float,
                     cuts: float | Sequence[float], max_score: float, min_score: float = 0.0,
                     true_cuts: Sequence[float] | None = None, reach: str = ">=",
                     parameters: int = 4, score_step: float | None = None) -> ClassificationAccuracy:
    """Decision accuracy and consistency by Livingston & Lewis (1995); see the module text.

    ``scores`` are the observed totals (any scale, weighted or not), ``reliability`` their
    reliability (alpha), ``cuts`` one cut (pass/fail) or increasing cuts (grades), each on
    the score scale; a candidate reaches a cut when the score is ``>=`` it (``reach=">"``:
    strictly above). ``true_cuts`` are proportions of the range (default: the cuts
    themselves, ``(c - Min) / (Max - Min)``). ``parameters=2`` skips the four-parameter fit.

    ``score_step``: the scores lie on a grid ``Min, Min + step, ...`` (1 for whole points).
    Then a cut stands for the boundary halfway between the highest score below it and the
    lowest score reaching it (26.2 and 26.5 both mean "27 or more": boundary 26.5), and
    that boundary is mapped to the effective length and used as the true cut. Without it,
    two cuts that pass exactly the same candidates could get different estimates whenever
    the effective length differs from the number of score points.

    >>> # A flat distribution on 0..40: mean 20, variance 140.14, so n = (400 - .95 x 140.14) / (.05 x 140.14) = 38
    >>> x = np.repeat(np.arange(41), 25)
    >>> r = livingston_lewis(x, reliability=0.95, cuts=23, max_score=40)
    >>> r.effective_length, bool(r.accuracy >= r.consistency)
    (38, True)
    """
    x = np.asarray(scores, dtype=float)
    cuts = _check(x, cuts if not np.isscalar(cuts) else [cuts], min_score, max_score, reach)  # type: ignore[arg-type]
    if score_step is not None:
        if not score_step > 0:
            raise ValueError(f"score_step must be positive; got {score_step}")
        steps = np.asarray(cuts) - min_score
        first = (np.ceil(steps / score_step - 1e-9) if reach == ">=" else np.floor(steps / score_step + 1e-9) + 1)
        cuts = tuple(float(min_score + score_step * (f - 0.5)) for f in first)
        reach = ">"  # the boundary lies between two possible scores: > and >= agree there
    n = int(round(effective_test_length(float(x.mean()), float(x.var(ddof=1)), reliability,
                                        min_score=min_score, max_score=max_score)))
    order = 4 if n >= 4 and parameters == 4 else 2
    if n < order:
        raise ValueError(f"effective test length {n} is below 2: the reliability {reliability:.3g} is too low for "
                         "this score distribution")
    raw = true_score_moments(x, n, min_score=min_score, max_score=max_score, order=order)
    model = fit_true_score_beta(raw, parameters=order)
    truth = tuple((c - min_score) / (max_score - min_score) for c in cuts) if true_cuts is None else tuple(true_cuts)
    if len(truth) != len(cuts):
        raise ValueError(f"give one true cut per cut: {len(cuts)} cuts, {len(truth)} true cuts")
    thresholds = _thresholds(cuts, n, min_score, max_score, reach)
    accuracy, consistency = _tables(model, n, thresholds, truth)
    return _summary(accuracy, consistency, n=n, reliability=reliability, cuts=cuts, true_cuts=truth,
                    model=model, method="livingston_lewis")


def huynh(scores: Sequence[float] | np.ndarray | pd.Series, *, n_items: int, cuts: float | Sequence[float],
          reach: str = ">=") -> ClassificationAccuracy:
    r"""Decision consistency (and accuracy) of a number-correct score on ``n_items`` 0/1 items
    by the beta-binomial model fitted from KR-21 (Huynh 1976); the sums are exact.

    .. math::

       \rho_{21} = \frac{n}{n-1}\Bigl(1 - \frac{\mu(n-\mu)}{n\sigma^2}\Bigr) \ (\sigma^2 \text{ with divisor } N), \quad
       a = (1/\rho_{21} - 1)\mu, \quad b = (1/\rho_{21} - 1)(n - \mu)

    Consistency sums the bivariate beta-binomial above; accuracy uses
    :math:`P(X = x, \tau \ge t) = \binom nx B(a+x, b+n-x)/B(a,b) \cdot (1 - I_t(a+x, b+n-x))`.

    >>> x = np.repeat(np.arange(11), [1, 2, 4, 7, 10, 12, 10, 7, 4, 2, 1])
    >>> r = huynh(x, n_items=10, cuts=6)
    >>> round(r.consistency, 3), round(r.kappa, 3)
    (0.675, 0.329)
    """
    x = np.asarray(scores, dtype=float)
    n = int(n_items)
    cuts = _check(x, cuts if not np.isscalar(cuts) else [cuts], 0.0, float(n), reach)  # type: ignore[arg-type]
    # Divisor N: the beta-binomial's method of moments (and Lord's factorial moments in
    # livingston_lewis, which it then equals with parameters=2 and reliability KR-21).
    mu, var = float(x.mean()), float(x.var())
    if not var > 0:
        raise ValueError("the scores' variance must be positive")
    kr21 = n / (n - 1) * (1 - mu * (n - mu) / (n * var))
    if not 0 < kr21 < 1:
        raise ValueError(f"KR-21 is {kr21:.3g}; the beta-binomial model needs it strictly between 0 and 1")
    a, b = (1 / kr21 - 1) * mu, (1 / kr21 - 1) * (n - mu)
    thresholds = _thresholds(cuts, n, 0.0, float(n), reach)
    category = np.searchsorted(thresholds, np.arange(n + 1), side="right")  # observed category of each score
    k = len(cuts) + 1
    xs = np.arange(n + 1)
    log_choose = special.gammaln(n + 1) - special.gammaln(xs + 1) - special.gammaln(n - xs + 1)
    joint = np.exp(log_choose[:, None] + log_choose[None, :]
                   + special.betaln(a + xs[:, None] + xs[None, :], b + 2 * n - xs[:, None] - xs[None, :])
                   - special.betaln(a, b))
    onehot = np.eye(k)[category]  # scores x categories
    consistency = onehot.T @ joint @ onehot
    truth = tuple(c / n for c in cuts)
    marginal = np.exp(log_choose + special.betaln(a + xs, b + n - xs) - special.betaln(a, b))
    above = np.column_stack([np.ones(n + 1)] + [special.betaincc(a + xs, b + n - xs, t) for t in truth]
                            + [np.zeros(n + 1)])
    by_true = marginal[:, None] * (above[:, :-1] - above[:, 1:])  # scores x true categories
    accuracy = by_true.T @ onehot
    return _summary(accuracy, consistency, n=n, reliability=kr21, cuts=cuts, true_cuts=truth,
                    model=TrueScoreModel(a, b, 0.0, 1.0, 2), method="huynh")
