"""Classical test theory: item statistics, reliability, distractors, score distribution.

The scored matrix ``scores`` (DESIGN §5) is a DataFrame with one row per candidate (index =
candidate id) and one column per item (columns = item id); ids may be strings or ints and
are kept as given. Item scores are numbers ``x_ij`` in ``[0, m_j]``.

Missing data
------------
* ``NaN`` in ``scores`` means the item was **not presented** to the candidate (it was not on
  their form). An **omitted** answer to a presented item is scored 0 by the scoring core, so
  it is a 0 here and counts as 0 in the total.
* The **total** of a candidate is the sum of their scores over the items they saw,
  ``T_i = sum_{j seen by i} x_ij`` (``NaN`` treated as "not part of this candidate's test");
  with ``weights=`` it is the weighted total ``T_i = sum_{j seen by i} w_j x_ij`` (DESIGN §5),
  the one the candidate is judged on.
* Per-item statistics use only the candidates who saw that item, so the items of several
  forms can be analysed in one matrix. Reliability uses pairwise-complete item covariances
  (see :mod:`analysis.reliability`).

``reliability`` / ``Reliability`` live in :mod:`analysis.reliability` and ``distractors`` in
:mod:`analysis.distractors`; they are re-exported here so ``analysis.ctt.<name>`` works.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._matrix import (
    ItemNumbers,
    _as_score_matrix,
    _covariance,
    _item_weights,
    _per_item_numbers,
    _py,
    _totals,
)
from analysis.distractors import OMITTED, distractors
from analysis.reliability import Reliability, _alpha_from_cov, reliability

__all__ = [
    "OMITTED",
    "Reliability",
    "ScoreDistribution",
    "distractors",
    "item_statistics",
    "reliability",
    "score_distribution",
]

#: Percentiles reported by :func:`score_distribution` unless asked otherwise.
DEFAULT_PERCENTILES: tuple[float, ...] = (5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0)


def _max_scores(scores: pd.DataFrame, x: np.ndarray, max_scores: ItemNumbers | None) -> np.ndarray:
    """Maximum attainable score per item, validated against the observed scores."""
    if max_scores is None:
        # Without a scoring model the best guess is the highest observed score; an item
        # nobody got right (all 0) is taken as a 0/1 item rather than dividing by zero.
        return np.maximum(np.nanmax(x, axis=0), 1.0)
    m = _per_item_numbers(scores, max_scores, name="max_scores")
    over = x > m  # NaN compares False: not presented is never "over"
    if over.any():
        i, j = np.argwhere(over)[0]
        raise ValueError(
            f"scores: candidate {_py(scores.index[i])!r}, item {_py(scores.columns[j])!r} has score "
            f"{_py(x[i, j])!r} above the item's maximum {_py(m[j])!r}"
        )
    return m


@dataclass(frozen=True)
class _ItemTotalMoments:
    """Per item j, over the candidates who saw it: the moments Rit, Rir and alpha need.

    ``var_item`` = v_j, ``cov_it`` = c_j = cov(x_j, T), ``var_total`` = V_j = var(T); and of
    the item covariance matrix C: its trace, its grand sum, its row sums and diagonal, and
    (incomplete data) per item the number of undefined C entries left without j.
    """

    n: np.ndarray
    mean: np.ndarray
    var_item: np.ndarray
    cov_it: np.ndarray
    var_total: np.ndarray
    trace: float
    grand: float
    rows: np.ndarray
    diag: np.ndarray
    undefined_left: np.ndarray | None


def _moments_complete(x: np.ndarray, t: np.ndarray) -> _ItemTotalMoments:
    """Moments when every candidate saw every item (``t``: the totals, row sums of ``x``).

    One matrix-vector product gives every item-total covariance (sum(tc) = 0 makes tc'x the
    centred cross product); alpha if deleted then needs only the item variances, those
    covariances and var(T): no k x k matrix, no copy of x. The raw second moment loses
    about 1e-16 * mean^2 / variance relative (1e-13 at p = .999).
    """
    k = x.shape[1]
    tc = t - t.mean()  # shift for accuracy; covariances do not change
    n = x.shape[0]
    mean = x.sum(axis=0) / n
    # One candidate: variances and covariances (divisor n - 1) are undefined, so every
    # correlation is NaN, as R's var() and cor() give NA; p and the means are still defined.
    dof = np.float64(n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_item = (np.einsum("ij,ij->j", x, x) - n * mean * mean) / dof
        # Below a relative 1e-12 the difference is rounding noise: the item is constant.
        var_item[var_item <= 1e-12 * (mean * mean + 1e-300)] = 0.0
        cov_it = (tc @ x) / dof
        var_total = np.full(k, np.float64(tc @ tc) / dof)
    return _ItemTotalMoments(
        n=np.full(k, x.shape[0]), mean=mean, var_item=var_item, cov_it=cov_it, var_total=var_total,
        trace=var_item.sum(), grand=var_total[0], rows=cov_it, diag=var_item, undefined_left=None,
    )


def _moments_incomplete(x: np.ndarray) -> _ItemTotalMoments:
    """Moments when some items were not presented to some candidates (NaN in ``x``).

    Per item, only the candidates who saw it: matrix-vector products give the item-total
    cross products and the per-item moments of T. Alpha if deleted needs the
    pairwise-complete covariance matrix (see :mod:`analysis.reliability`).
    """
    seen = ~np.isnan(x)
    n_j = seen.sum(axis=0)
    t = _totals(x)
    tc = t - t.mean()
    mask = seen.astype(np.float64)
    mean = np.nansum(x, axis=0) / n_j
    xc = np.where(seen, x - mean, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = n_j - 1.0
        var_item = np.einsum("ij,ij->j", xc, xc) / denom
        cov_it = (tc @ xc) / denom  # sum over seen of xc_j is 0, so no mean term
        sum_t = tc @ mask
        sum_t2 = (tc * tc) @ mask
        var_total = (sum_t2 - sum_t * sum_t / n_j) / denom
        # A difference of sums: at a relative 1e-12 it is rounding noise, and the totals
        # of the candidates who saw the item are all equal.
        var_total[~(var_total > 1e-12 * np.maximum(sum_t2 / n_j, 1e-300))] = np.nan
    cov = _covariance(x)
    # A pair never seen together makes C_jk undefined (NaN); alpha without item j is
    # still defined when every such pair involves j, so count the NaNs per row.
    undefined = np.isnan(cov)
    cov = np.where(undefined, 0.0, cov)
    diag = np.diag(cov)
    return _ItemTotalMoments(
        n=n_j, mean=mean, var_item=var_item, cov_it=cov_it, var_total=var_total,
        trace=diag.sum(), grand=cov.sum(), rows=cov.sum(axis=1), diag=diag,
        undefined_left=undefined.sum() - 2 * undefined.sum(axis=1) + np.diag(undefined),
    )


def _item_total_moments(x: np.ndarray) -> _ItemTotalMoments:
    """:func:`_moments_complete` or :func:`_moments_incomplete`, whichever ``x`` needs."""
    t = x.sum(axis=1)  # the totals, and NaN among them tells "incomplete" in the same pass
    return _moments_incomplete(x) if np.isnan(t).any() else _moments_complete(x, t)


def _item_rest_correlations(mo: _ItemTotalMoments) -> tuple[np.ndarray, np.ndarray]:
    r"""Rit and Rir: :math:`c_j / \sqrt{v_j V_j}` and
    :math:`(c_j - v_j) / \sqrt{v_j (V_j + v_j - 2 c_j)}`; NaN for an item without variance."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rit = mo.cov_it / np.sqrt(mo.var_item * mo.var_total)
        var_rest = mo.var_total + mo.var_item - 2.0 * mo.cov_it
        # var_rest is a difference of sums; below a relative 1e-12 it is rounding noise
        # (e.g. a one-item test), and the rest score is constant.
        var_rest = np.where(var_rest > 1e-12 * np.maximum(mo.var_total, 1e-300), var_rest, np.nan)
        rir = (mo.cov_it - mo.var_item) / np.sqrt(mo.var_item * var_rest)
    no_var = ~(mo.var_item > 0)
    rit[no_var] = np.nan
    rir[no_var] = np.nan
    return rit, rir


def _alpha_if_deleted(mo: _ItemTotalMoments) -> np.ndarray:
    r"""Alpha without item j, from C's trace, grand sum, row sums and diagonal:
    :math:`\frac{k-1}{k-2}(1 - \frac{\operatorname{tr} C - C_{jj}}{\mathbf 1'C\mathbf 1 - 2 (C\mathbf 1)_j + C_{jj}})`."""
    k = mo.diag.size
    if k < 3:
        return np.full(k, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        tr_d = mo.trace - mo.diag
        grand_d = mo.grand - 2.0 * mo.rows + mo.diag
        alpha_del = (k - 1) / (k - 2) * (1.0 - tr_d / grand_d)
    # The remaining items' total variance is a difference of sums: below a relative 1e-12 of
    # their variances it is rounding noise (their total is constant) and alpha is undefined.
    alpha_del[~(grand_d > 1e-12 * tr_d)] = np.nan
    if mo.undefined_left is not None:
        alpha_del[mo.undefined_left > 0] = np.nan
    return alpha_del


def _item_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n, mean and sample variance (divisor n - 1) of each item over the candidates who saw it."""
    seen = ~np.isnan(x)
    n_j = seen.sum(axis=0)
    mean = np.nansum(x, axis=0) / n_j
    xc = np.where(seen, x - mean, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        var_item = np.einsum("ij,ij->j", xc, xc) / (n_j - 1.0)
    var_item[var_item <= 1e-12 * (mean * mean + 1e-300)] = 0.0
    return n_j, mean, var_item


def _correlation_with_total(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Pearson r(x_j, t) per column over the candidates who saw j; NaN without variance."""
    seen = ~np.isnan(x)
    mask = seen.astype(np.float64)
    n_j = mask.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xc = np.where(seen, x - np.nansum(x, axis=0) / n_j, 0.0)
        tc = np.where(seen, t[:, None] - (t @ mask) / n_j, 0.0)
        sxx, stt = (xc * xc).sum(axis=0), (tc * tc).sum(axis=0)
        r = (xc * tc).sum(axis=0) / np.sqrt(sxx * stt)
    r[~(sxx > 1e-12 * n_j) | ~(stt > 1e-12 * np.maximum((t * t) @ mask, 1e-300))] = np.nan
    return r


def _weighted_item_columns(x: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """n, mean, var, Rit, Rir and alpha if deleted against the weighted total T = sum w_j x_j.

    For w_j > 0, r(x_j, T) = r(w_j x_j, T) and r(x_j, T - w_j x_j) = r(w_j x_j, T - w_j x_j)
    (a correlation does not change when one variable is multiplied by a positive number),
    so the unweighted formulas run on the weighted components. An item of weight 0 is no
    part of T: its Rit and Rir are both r(x_j, T), and alpha without it is the test's alpha.
    """
    keep = w > 0
    y = x[:, keep] * w[keep]
    mo = _item_total_moments(y)
    rit_y, rir_y = _item_rest_correlations(mo)
    n_j, mean, var_item = _item_moments(x)
    rit, rir, alpha_del = (np.full(x.shape[1], np.nan) for _ in range(3))
    rit[keep], rir[keep], alpha_del[keep] = rit_y, rir_y, _alpha_if_deleted(mo)
    if not keep.all():
        r0 = _correlation_with_total(x[:, ~keep], _totals(y))
        r0[~(var_item[~keep] > 0)] = np.nan
        rit[~keep] = rir[~keep] = r0
        alpha_del[~keep] = _alpha_from_cov(_covariance(y))
    return {"n": n_j, "mean": mean, "var_item": var_item, "rit": rit, "rir": rir, "alpha_del": alpha_del}


def item_statistics(
    scores: pd.DataFrame,
    *,
    max_scores: ItemNumbers | None = None,
    weights: ItemNumbers | None = None,
) -> pd.DataFrame:
    r"""Classical item statistics: n, mean, sd, p, Rit, Rir and alpha if item deleted.

    Parameters
    ----------
    scores:
        Scored matrix, candidates x items; ``NaN`` = item not presented (see module
        docstring). Omitted answers must already be scored 0.
    max_scores:
        Maximum score ``m_j`` per item (mapping or Series keyed by item id). Default: the
        highest observed score of the item, at least 1 -- right for 0/1 items; pass it for
        partial-credit items whose top score may not have been reached.
    weights:
        Item weight ``w_j`` (mapping or Series keyed by item id; each >= 0, not all 0): the
        total is the weighted one the candidate is judged on, ``T_i = sum_j w_j x_ij``.
        Rit is ``r(x_j, T)``, Rir is ``r(x_j, T - w_j x_j)`` and alpha if deleted is
        computed over the weighted components ``w_j x_ij``; an item of weight 0 is no part
        of ``T`` (its Rit = Rir = r(x_j, T), its alpha if deleted is the test's alpha).
        ``n``, ``mean``, ``sd`` and ``p`` describe the item itself and do not change.
        Default (or all weights 1): exactly the unweighted numbers.

    Returns
    -------
    DataFrame indexed by item id (same order as ``scores.columns``) with columns

    * ``n``: number of candidates who saw the item (non-missing scores);
    * ``mean``: mean item score over them;
    * ``sd``: sample standard deviation of the item score (divisor ``n - 1``, as R's ``sd``);
    * ``max_score``: ``m_j`` used for ``p``;
    * ``p``: ``mean / m_j`` (the p-value, proportion of the maximum obtained);
    * ``rit``: Pearson ``r(x_j, T)`` item-total correlation, over the candidates who saw j;
    * ``rir``: Pearson ``r(x_j, T - w_j x_j)`` item-rest correlation, same candidates;
    * ``alpha_if_deleted``: Cronbach's alpha of the test without item j.

    With ``v_j`` the item variance, ``c_j = cov(x_j, T)`` and ``V_j = var(T)`` (all over the
    candidates who saw j), unweighted:

    .. math::

        p_j = \frac{\bar x_j}{m_j}, \qquad
        r_{it} = \frac{c_j}{\sqrt{v_j V_j}}, \qquad
        r_{ir} = \frac{c_j - v_j}{\sqrt{v_j (V_j + v_j - 2 c_j)}}, \qquad
        \alpha_{(-j)} = \frac{k-1}{k-2}\Bigl(1 - \frac{\operatorname{tr} C - C_{jj}}
                        {\mathbf 1'C\mathbf 1 - 2 (C\mathbf 1)_j + C_{jj}}\Bigr)

    with ``C`` the (pairwise-complete) item covariance matrix. Correlations of an item with
    zero variance, and alpha of fewer than two remaining items, are ``NaN``.

    Definitions: DESIGN §5; Rir is the "corrected item-total correlation" (Henrysson 1963,
    Psychometrika 28, 211-218); alpha: Cronbach (1951). Checked against R
    ``psych::alpha`` (``item.stats$raw.r``, ``r.drop``, ``mean``, ``sd``,
    ``alpha.drop$raw_alpha``) on SAT12 (``tests/data/reference/``, made by
    ``ctt_make_reference.R``).

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"i1": [1, 1, 0, 0], "i2": [1, 0, 1, 0], "i3": [1, 1, 1, 0]})
    >>> # In R: psych::alpha(x)$item.stats[, c("n", "raw.r", "r.drop")]
    >>> stats = item_statistics(x)
    >>> stats.loc["i3", ["n", "p", "rit", "rir"]].round(4).tolist()
    [4.0, 0.75, 0.9272, 0.8165]
    >>> # Weighted total T = i1 + 2 i2 + i3 = (4, 2, 3, 0); rest of i2 = (2, 2, 1, 0)
    >>> w = item_statistics(x, weights={"i1": 1, "i2": 2, "i3": 1})
    >>> w.loc["i2", ["rit", "rir"]].round(4).tolist()  # 5 / sqrt(35), 1 / sqrt(11)
    [0.8452, 0.3015]
    """
    x = _as_score_matrix(scores)
    m = _max_scores(scores, x, max_scores)
    w = _item_weights(scores, weights)
    if w is None:
        mo = _item_total_moments(x)
        rit, rir = _item_rest_correlations(mo)
        n_j, mean, var_item, alpha_del = mo.n, mo.mean, mo.var_item, _alpha_if_deleted(mo)
    else:
        cols = _weighted_item_columns(x, w)
        n_j, mean, var_item, rit, rir, alpha_del = (
            cols[c] for c in ("n", "mean", "var_item", "rit", "rir", "alpha_del")
        )
    index = scores.columns.copy()
    if index.name is None:
        index = index.rename("item")
    with np.errstate(invalid="ignore"):
        sd = np.sqrt(var_item)
    return pd.DataFrame(
        {
            "n": n_j.astype(np.int64),
            "mean": mean,
            "sd": np.where(n_j > 1, sd, np.nan),
            "max_score": m,
            "p": mean / m,
            "rit": rit,
            "rir": rir,
            "alpha_if_deleted": alpha_del,
        },
        index=index,
    )


@dataclass(frozen=True)
class ScoreDistribution:
    """Summary of the total scores of one administration.

    ``percentiles`` maps a percentage (e.g. ``25.0``) to the score at that percentile;
    ``bin_edges`` (length ``len(counts) + 1``) and ``counts`` form the histogram, bins are
    closed on the left and open on the right except the last, which is closed.
    """

    n: int
    max_score: float
    mean: float
    sd: float
    min: float
    max: float
    median: float
    percentiles: Mapping[float, float]
    bin_edges: tuple[float, ...]
    counts: tuple[int, ...]

    def histogram(self) -> pd.DataFrame:
        """The histogram as a table: ``lower``, ``upper``, ``count``, ``proportion``."""
        edges = np.asarray(self.bin_edges)
        counts = np.asarray(self.counts)
        return pd.DataFrame(
            {
                "lower": edges[:-1],
                "upper": edges[1:],
                "count": counts,
                "proportion": counts / self.n,
            }
        )


def score_distribution(
    totals: pd.Series | Sequence[float] | np.ndarray,
    max_score: float,
    *,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    bins: int | None = None,
) -> ScoreDistribution:
    """Distribution of total scores: mean, SD, min, max, percentiles and a histogram.

    * ``sd`` is the sample SD (divisor ``n - 1``), as R's ``sd``; ``NaN`` for one candidate.
    * Percentiles use linear interpolation between order statistics (Hyndman & Fan 1996,
      definition 7: R's ``quantile`` default and numpy's ``"linear"``).
    * Histogram: when every total is a whole number and ``max_score`` is a whole number up
      to 500 and ``bins`` is not given, there is one bin per possible score ``0 ..
      max_score`` (edges at ``s - 0.5``, ``s + 0.5``). Otherwise ``bins`` (default 20)
      equal-width bins over ``[0, max_score]``.

    Raises ``ValueError`` naming the candidate when a total is missing, negative or above
    ``max_score``.

    Checked against R (``mean``, ``sd``, ``quantile(type = 7)``, ``tabulate``) on the SAT12
    totals (``tests/data/reference/r_sat12_score_distribution.json``).

    Examples
    --------
    >>> # In R: x <- c(1, 2, 2, 3); mean(x); median(x); tabulate(x + 1, 4)
    >>> d = score_distribution([1, 2, 2, 3], max_score=3)
    >>> d.mean, d.median, d.counts
    (2.0, 2.0, (0, 1, 2, 1))
    """
    series = totals if isinstance(totals, pd.Series) else pd.Series(np.asarray(totals))
    if not pd.api.types.is_numeric_dtype(series.dtype):
        raise ValueError(f"totals must be numbers; you provided dtype {series.dtype}")
    t = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if t.size == 0:
        raise ValueError("totals is empty: no candidates")
    try:
        ms = float(max_score)
    except (TypeError, ValueError):
        raise ValueError(f"max_score must be a positive number; you provided {max_score!r}") from None
    if not (math.isfinite(ms) and ms > 0):
        raise ValueError(f"max_score must be a positive number; you provided {max_score!r}")
    bad = ~np.isfinite(t)
    if bad.any():
        raise ValueError(f"totals: candidate {_py(series.index[int(np.flatnonzero(bad)[0])])!r} has no total (NaN)")
    out = (t < 0) | (t > ms)
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise ValueError(
            f"totals: candidate {_py(series.index[i])!r} has total {_py(t[i])!r}, outside 0 .. {ms:g}"
        )
    pcts = [float(q) for q in percentiles]
    for q in pcts:
        if not 0.0 <= q <= 100.0:
            raise ValueError(f"percentiles must lie in 0 .. 100; you provided {q!r}")
    if bins is not None and (not isinstance(bins, int) or bins < 1):
        raise ValueError(f"bins must be a positive integer; you provided {bins!r}")

    integral = bool(np.all(t == np.round(t))) and ms == round(ms) and ms <= 500
    if bins is None and integral:
        edges = np.arange(0, int(ms) + 2, dtype=np.float64) - 0.5
    else:
        edges = np.linspace(0.0, ms, (bins or 20) + 1)
    counts, _ = np.histogram(t, bins=edges)
    values = np.percentile(t, pcts) if pcts else np.array([])
    return ScoreDistribution(
        n=int(t.size),
        max_score=ms,
        mean=float(t.mean()),
        sd=float(t.std(ddof=1)) if t.size > 1 else math.nan,
        min=float(t.min()),
        max=float(t.max()),
        median=float(np.median(t)),
        percentiles={q: float(v) for q, v in zip(pcts, values)},
        bin_edges=tuple(float(e) for e in edges),
        counts=tuple(int(c) for c in counts),
    )
