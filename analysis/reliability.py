"""Reliability of a test score: Cronbach's alpha, Guttman's lambda-2, odd-even split half, SEM.

Input is the scored matrix ``scores`` (DESIGN §5): a DataFrame with one row per candidate
(index = candidate id), one column per item (columns = item id) and numeric item scores
``x_ij >= 0``.

Missing data
------------
``NaN`` means *the item was not on this candidate's form* (it was not presented). An
omitted answer to a presented item is not ``NaN``: the scoring core scores it 0, and it
counts as 0 in the total. The total of a candidate is the sum over the items they saw,
``T_i = sum_{j seen by i} x_ij``; with item weights ``w_j`` it is ``T_i = sum_{j seen by i}
w_j x_ij`` and the coefficients are those of the weighted components ``w_j x_ij``.

Reliability coefficients need the item covariance matrix ``C``. Each entry ``C_jk`` is the
sample covariance (divisor ``n_jk - 1``) over the ``n_jk`` candidates who saw *both* items
(pairwise-complete covariances, as ``cov(x, use = "pairwise")`` in R and as
``psych::alpha`` does). With complete data this is the ordinary covariance matrix and every
coefficient below is the textbook one. When two items were never given to two or more
candidates together, ``C_jk`` is undefined and so are the coefficients: they come back as
``NaN``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._matrix import ItemNumbers, _as_score_matrix, _covariance, _item_weights, _totals

__all__ = ["Reliability", "reliability"]


@dataclass(frozen=True)
class Reliability:
    """Reliability of the total score of one test administration.

    Attributes
    ----------
    alpha:
        Cronbach's coefficient alpha; equals KR-20 for 0/1 items.
    sem:
        Standard error of measurement, ``SD(T) * sqrt(1 - alpha)``, in total-score points.
    n_items, n_candidates:
        Size of the scored matrix the coefficients were computed on (with weights: the
        items of non-zero weight).
    lambda2:
        Guttman's lambda-2 (always >= alpha).
    split_half:
        Odd-even split-half correlation, Spearman-Brown corrected to full length.
    """

    alpha: float
    sem: float
    n_items: int
    n_candidates: int
    lambda2: float
    split_half: float


def _total_varies(total_var: float, cov: np.ndarray) -> bool:
    """The total's variance ``sum(C)`` is finite and more than rounding noise: a sum of
    covariances below a relative 1e-12 of the item variances means a constant total."""
    return bool(np.isfinite(total_var) and total_var > 1e-12 * np.trace(cov))


def _alpha_from_cov(cov: np.ndarray) -> float:
    r"""Cronbach's alpha from the covariance matrix ``C`` of the ``k`` (weighted) components.

    .. math:: \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\operatorname{tr} C}{\mathbf 1' C \mathbf 1}\Bigr)

    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika* 16, 297-334. Checked against R ``psych::alpha`` (``raw_alpha``).

    >>> # In R: k <- 2; C <- matrix(c(1, .5, .5, 1), 2); k / (k - 1) * (1 - sum(diag(C)) / sum(C))
    >>> round(_alpha_from_cov(np.array([[1.0, 0.5], [0.5, 1.0]])), 4)
    0.6667
    """
    k = cov.shape[0]
    total_var = cov.sum()
    if k < 2 or not _total_varies(total_var, cov):
        return math.nan
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total_var))


def _lambda2_from_cov(cov: np.ndarray) -> float:
    r"""Guttman's lambda-2 from the covariance matrix ``C`` of the ``k`` components.

    .. math::

        \lambda_2 = \frac{\sum_{j \ne l} C_{jl} + \sqrt{\tfrac{k}{k-1}\sum_{j \ne l} C_{jl}^2}}
                         {\mathbf 1' C \mathbf 1}

    Guttman, L. (1945). A basis for analyzing test-retest reliability. *Psychometrika* 10,
    255-282. Checked against R ``psych::splitHalf`` (``lambda2``). Always >= alpha.

    >>> # In R: C <- matrix(c(1, .5, .5, 1), 2); (1 + sqrt(2 * 2 * .25)) / sum(C)
    >>> round(_lambda2_from_cov(np.array([[1.0, 0.5], [0.5, 1.0]])), 4)
    0.6667
    """
    k = cov.shape[0]
    total_var = cov.sum()
    if k < 2 or not _total_varies(total_var, cov):
        return math.nan
    off = cov - np.diag(np.diag(cov))
    return float((off.sum() + math.sqrt(k / (k - 1) * float((off**2).sum()))) / total_var)


def _split_half_from_cov(cov: np.ndarray) -> float:
    r"""Odd-even split half: r between the half totals, stepped up by Spearman-Brown.

    Odd half ``O`` = components 1, 3, 5, ... in column order (1-based), even half ``E`` =
    components 2, 4, ...

    .. math::

        r = \frac{\sum C_{OE}}{\sqrt{\sum C_{OO} \sum C_{EE}}}, \qquad
        r_{SB} = \frac{2r}{1 + r}

    Spearman, C. (1910) and Brown, W. (1910), *British Journal of Psychology* 3.
    Checked by hand (tests/analysis/test_ctt.py); R: ``psych::spearman.brown``-style step-up
    of ``cor(rowSums(x[, odd]), rowSums(x[, even]))``.

    >>> # In R: r <- .5 / sqrt(1 * 1); 2 * r / (1 + r)
    >>> round(_split_half_from_cov(np.array([[1.0, 0.5], [0.5, 1.0]])), 4)
    0.6667
    """
    k = cov.shape[0]
    if k < 2:
        return math.nan
    odd = np.arange(0, k, 2)
    even = np.arange(1, k, 2)
    c_oe = cov[np.ix_(odd, even)].sum()
    v_o = cov[np.ix_(odd, odd)].sum()
    v_e = cov[np.ix_(even, even)].sum()
    constant_half = not (_total_varies(v_o, cov[np.ix_(odd, odd)]) and _total_varies(v_e, cov[np.ix_(even, even)]))
    if not np.isfinite(c_oe) or constant_half:
        return math.nan
    r = c_oe / math.sqrt(v_o * v_e)
    if r <= -1.0:
        return math.nan
    return float(2.0 * r / (1.0 + r))


def _sem(alpha: float, totals: np.ndarray) -> float:
    r"""Standard error of measurement, :math:`SEM = SD(T)\sqrt{1 - \alpha}`, in total-score points.

    ``SD(T)`` is the sample SD (divisor ``n - 1``) of the totals. Lord, F. M. & Novick,
    M. R. (1968). *Statistical theories of mental test scores*, §3.8 (eq. 3.8.4).

    >>> # In R: sd(c(3, 2, 2, 0)) * sqrt(1 - 0.75)
    >>> round(_sem(0.75, np.array([3.0, 2.0, 2.0, 0.0])), 4)
    0.6292
    """
    sd_total = float(np.std(totals, ddof=1)) if totals.size > 1 else math.nan
    return sd_total * math.sqrt(1.0 - alpha) if np.isfinite(alpha) and alpha <= 1 else math.nan


def _reliability_from(x: np.ndarray, cov: np.ndarray, totals: np.ndarray) -> Reliability:
    alpha = _alpha_from_cov(cov)
    return Reliability(
        alpha=alpha,
        sem=_sem(alpha, totals),
        n_items=int(x.shape[1]),
        n_candidates=int(x.shape[0]),
        lambda2=_lambda2_from_cov(cov),
        split_half=_split_half_from_cov(cov),
    )


def _weighted_components(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The weighted components ``w_j x_ij`` of the items with a non-zero weight (NaN kept).

    An item of weight 0 adds nothing to the total, so it is no component of it: it is left
    out rather than kept as a constant column, which would change ``k`` in alpha.
    """
    keep = w > 0
    return x[:, keep] * w[keep]


def reliability(scores: pd.DataFrame, *, weights: ItemNumbers | None = None) -> Reliability:
    r"""Reliability of the total score: alpha (KR-20), SEM, lambda-2 and odd-even split half.

    Parameters
    ----------
    scores:
        Scored matrix, candidates x items; ``NaN`` = item not presented.
    weights:
        Item weight ``w_j`` (mapping or Series keyed by item id, every weight >= 0, not all
        0). The total is the weighted one, ``T_i = sum_j w_j x_ij``, and every coefficient is
        computed over the weighted components ``w_j x_ij`` of the items with ``w_j > 0`` (an
        item of weight 0 is no part of the total and is left out). Default (or all weights
        1): ``T_i = sum_j x_ij``, exactly the unweighted numbers.

    With ``C`` the covariance matrix of the ``k`` components (pairwise-complete, divisor
    ``n - 1``; see the module docstring for missing data):

    .. math::

        \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\operatorname{tr} C}{\mathbf 1' C \mathbf 1}\Bigr)
        \qquad
        \lambda_2 = \frac{\sum_{j \ne l} C_{jl} + \sqrt{\tfrac{k}{k-1}\sum_{j \ne l} C_{jl}^2}}
                         {\mathbf 1' C \mathbf 1}

    ``sem = SD(T) * sqrt(1 - alpha)`` with ``SD(T)`` the sample SD (divisor ``n - 1``) of the
    candidates' totals (sum over the items they saw). ``split_half`` correlates the total on
    the odd-numbered components (1st, 3rd, ... column) with the total on the even-numbered
    ones and applies Spearman-Brown, ``2r / (1 + r)``.

    For 0/1 items alpha equals KR-20 (Kuder & Richardson 1937). Coefficients that are
    undefined (fewer than 2 items, zero total variance, item pairs never seen together)
    are ``NaN``.

    References: Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika* 16, 297-334. Guttman, L. (1945). A basis for analyzing
    test-retest reliability. *Psychometrika* 10, 255-282. Spearman (1910), Brown (1910).
    Lord & Novick (1968), §3.8, for the SEM.

    Checked against R ``psych::alpha`` (``raw_alpha``) and ``psych::splitHalf``
    (``lambda2``) on the SAT12 data (fixtures in ``tests/data/reference/``, made by
    ``ctt_make_reference.R``).

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"i1": [1, 1, 0, 0], "i2": [1, 0, 1, 0], "i3": [1, 1, 1, 0]})
    >>> # In R: psych::alpha(x)$total$raw_alpha
    >>> rel = reliability(x)
    >>> round(rel.alpha, 4), rel.n_items, rel.n_candidates
    (0.6316, 3, 4)
    >>> # Weighted total T = i1 + 2 i2 + i3: alpha over the components (i1, 2 i2, i3),
    >>> # tr C = 1/3 + 4/3 + 1/4 = 23/12, sum C = 35/12, alpha = 3/2 (1 - 23/35) = 18/35
    >>> round(reliability(x, weights={"i1": 1, "i2": 2, "i3": 1}).alpha, 4)
    0.5143
    """
    x = _as_score_matrix(scores)
    w = _item_weights(scores, weights)
    if w is not None:
        x = _weighted_components(x, w)
    cov = _covariance(x)
    return _reliability_from(x, cov, _totals(x))
