"""Reliability of a test score: Cronbach's alpha, Guttman's lambda-2, odd-even split half, SEM.

Input is the scored matrix ``scores`` (DESIGN §5): a DataFrame with one row per candidate
(index = candidate id), one column per item (columns = item id) and numeric item scores
``x_ij >= 0``.

Missing data
------------
``NaN`` means *the item was not on this candidate's form* (it was not presented). An
omitted answer to a presented item is not ``NaN``: the scoring core scores it 0, and it
counts as 0 in the total. The total of a candidate is the sum over the items they saw,
``T_i = sum_{j seen by i} x_ij``.

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
        Size of the scored matrix the coefficients were computed on.
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


def _py(value: object) -> object:
    """A numpy scalar as the plain Python value, so messages read ``8``, not ``np.int64(8)``."""
    return value.item() if isinstance(value, np.generic) else value


def _as_score_matrix(scores: pd.DataFrame, *, name: str = "scores") -> np.ndarray:
    """Validate the scored matrix and return it as a float64 array (NaN = not presented).

    Raises ``ValueError`` naming the offending item (column) or candidate (row).
    """
    if not isinstance(scores, pd.DataFrame):
        raise ValueError(
            f"{name} must be a pandas DataFrame (candidates x items); "
            f"you provided {type(scores).__name__}"
        )
    if scores.shape[1] == 0:
        raise ValueError(f"{name} has no items (no columns)")
    if scores.shape[0] == 0:
        raise ValueError(f"{name} has no candidates (no rows)")
    if not scores.columns.is_unique:
        dup = _py(scores.columns[scores.columns.duplicated()][0])
        raise ValueError(f"{name}: item {dup!r} appears in more than one column")
    if not scores.index.is_unique:
        dup = _py(scores.index[scores.index.duplicated()][0])
        raise ValueError(f"{name}: candidate {dup!r} appears in more than one row")
    for item, dtype in scores.dtypes.items():
        if not pd.api.types.is_numeric_dtype(dtype):
            raise ValueError(
                f"{name}: item {_py(item)!r} holds non-numeric values (dtype {dtype}); "
                "expected item scores as numbers, NaN where the item was not presented"
            )
    if all(dt == np.float64 for dt in scores.dtypes):
        x = scores.to_numpy()  # a view for one float block: no copy of a large matrix
    else:
        x = scores.to_numpy(dtype=np.float64, na_value=np.nan)
    # Cheap reductions first; locate the offending cell only when something is wrong.
    lo, hi = np.min(x), np.max(x)
    complete = not np.isnan(lo + hi)
    if not complete:
        lo, hi = np.nanmin(x), np.nanmax(x)
    if np.isinf(hi) or np.isinf(lo):
        i, j = np.argwhere(np.isinf(x))[0]
        raise ValueError(
            f"{name}: candidate {_py(scores.index[i])!r}, item {_py(scores.columns[j])!r} has an "
            "infinite score"
        )
    if lo < 0:
        i, j = np.argwhere(x < 0)[0]
        raise ValueError(
            f"{name}: candidate {_py(scores.index[i])!r}, item {_py(scores.columns[j])!r} has a "
            f"negative score {_py(x[i, j])!r}; item scores must be >= 0"
        )
    if complete:
        return x
    seen = ~np.isnan(x)
    per_item = seen.sum(axis=0)
    if (per_item == 0).any():
        item = _py(scores.columns[int(np.flatnonzero(per_item == 0)[0])])
        raise ValueError(f"{name}: item {item!r} was not presented to any candidate (all NaN)")
    per_cand = seen.sum(axis=1)
    if (per_cand == 0).any():
        cand = _py(scores.index[int(np.flatnonzero(per_cand == 0)[0])])
        raise ValueError(
            f"{name}: candidate {cand!r} has no item scores at all (all NaN); "
            "remove absent candidates before the analysis"
        )
    return x


def _totals(x: np.ndarray) -> np.ndarray:
    """Total per candidate: the sum over the items they saw (NaN = not presented)."""
    t = x.sum(axis=1)  # one pass; nansum copies the matrix, so only use it when needed
    return np.nansum(x, axis=1) if np.isnan(t).any() else t


def _covariance(x: np.ndarray) -> np.ndarray:
    """Item covariance matrix, pairwise-complete when ``x`` has NaNs (divisor n_jk - 1).

    Complete data: one matrix product ``X'X`` of the raw scores, centred afterwards on the
    k x k result (no copy of ``X``). Its entries are exact for whole-number scores (every
    partial sum is an integer below 2**53); for fractional scores the relative error is
    about 1e-16 * mean^2 / variance. With NaNs the columns are centred on their own mean
    first, then per pair ``(sum x_j x_k - sum x_j sum x_k / n_jk) / (n_jk - 1)`` over the
    candidates who saw both.
    """
    n = x.shape[0]
    col_sum = x.sum(axis=0)
    if not np.isnan(col_sum).any():
        cross = x.T @ x
        return (cross - np.outer(col_sum, col_sum) / n) / (n - 1)
    seen = ~np.isnan(x)
    m = seen.astype(np.float64)
    col_mean = np.nansum(x, axis=0) / m.sum(axis=0)
    xc = np.where(seen, x - col_mean, 0.0)
    n_jk = m.T @ m
    s_jk = xc.T @ m  # s_jk[j, k] = sum of xc_j over candidates who saw j and k
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = ((xc.T @ xc) - s_jk * s_jk.T / n_jk) / (n_jk - 1)
    cov[n_jk < 2] = np.nan
    return cov


def _alpha_from_cov(cov: np.ndarray) -> float:
    """alpha = k/(k-1) * (1 - tr(C) / sum(C))  (Cronbach 1951)."""
    k = cov.shape[0]
    total_var = cov.sum()
    if k < 2 or not np.isfinite(total_var) or total_var <= 0:
        return math.nan
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total_var))


def _lambda2_from_cov(cov: np.ndarray) -> float:
    """lambda2 = (sum_{j!=k} C_jk + sqrt(k/(k-1) * sum_{j!=k} C_jk^2)) / sum(C)  (Guttman 1945)."""
    k = cov.shape[0]
    total_var = cov.sum()
    if k < 2 or not np.isfinite(total_var) or total_var <= 0:
        return math.nan
    off = cov - np.diag(np.diag(cov))
    return float((off.sum() + math.sqrt(k / (k - 1) * float((off**2).sum()))) / total_var)


def _split_half_from_cov(cov: np.ndarray) -> float:
    """Odd-even split half: r between the half totals, stepped up by Spearman-Brown.

    Odd half = items 1, 3, 5, ... in column order (1-based), even half = items 2, 4, ...
    r = sum C[O, E] / sqrt(sum C[O, O] * sum C[E, E]); split_half = 2 r / (1 + r).
    """
    k = cov.shape[0]
    if k < 2:
        return math.nan
    odd = np.arange(0, k, 2)
    even = np.arange(1, k, 2)
    c_oe = cov[np.ix_(odd, even)].sum()
    v_o = cov[np.ix_(odd, odd)].sum()
    v_e = cov[np.ix_(even, even)].sum()
    if not (np.isfinite(c_oe) and np.isfinite(v_o) and np.isfinite(v_e)) or v_o <= 0 or v_e <= 0:
        return math.nan
    r = c_oe / math.sqrt(v_o * v_e)
    if r <= -1.0:
        return math.nan
    return float(2.0 * r / (1.0 + r))


def _reliability_from(x: np.ndarray, cov: np.ndarray, totals: np.ndarray) -> Reliability:
    alpha = _alpha_from_cov(cov)
    sd_total = float(np.std(totals, ddof=1)) if totals.size > 1 else math.nan
    sem = sd_total * math.sqrt(1.0 - alpha) if np.isfinite(alpha) and alpha <= 1 else math.nan
    return Reliability(
        alpha=alpha,
        sem=sem,
        n_items=int(x.shape[1]),
        n_candidates=int(x.shape[0]),
        lambda2=_lambda2_from_cov(cov),
        split_half=_split_half_from_cov(cov),
    )


def reliability(scores: pd.DataFrame) -> Reliability:
    r"""Reliability of the total score: alpha (KR-20), SEM, lambda-2 and odd-even split half.

    With ``C`` the item covariance matrix (pairwise-complete, divisor ``n - 1``; see the
    module docstring for missing data) and ``k`` items:

    .. math::

        \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\operatorname{tr} C}{\mathbf 1' C \mathbf 1}\Bigr)
        \qquad
        \lambda_2 = \frac{\sum_{j \ne l} C_{jl} + \sqrt{\tfrac{k}{k-1}\sum_{j \ne l} C_{jl}^2}}
                         {\mathbf 1' C \mathbf 1}

    ``sem = SD(T) * sqrt(1 - alpha)`` with ``SD(T)`` the sample SD (divisor ``n - 1``) of the
    candidates' totals (sum over the items they saw). ``split_half`` correlates the total on
    the odd-numbered items (1st, 3rd, ... column) with the total on the even-numbered ones
    and applies Spearman-Brown, ``2r / (1 + r)``.

    For 0/1 items alpha equals KR-20 (Kuder & Richardson 1937). Coefficients that are
    undefined (fewer than 2 items, zero total variance, item pairs never seen together)
    are ``NaN``.

    References: Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika* 16, 297-334. Guttman, L. (1945). A basis for analyzing
    test-retest reliability. *Psychometrika* 10, 255-282. Spearman (1910), Brown (1910).

    Checked against R ``psych::alpha`` (``raw_alpha``) and ``psych::splitHalf``
    (``lambda2``) on the SAT12 data (fixtures in ``tests/data/reference/``).

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"i1": [1, 1, 0, 0], "i2": [1, 0, 1, 0], "i3": [1, 1, 1, 0]})
    >>> rel = reliability(x)
    >>> round(rel.alpha, 4), rel.n_items, rel.n_candidates
    (0.6316, 3, 4)
    """
    x = _as_score_matrix(scores)
    cov = _covariance(x)
    return _reliability_from(x, cov, _totals(x))

