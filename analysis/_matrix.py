"""Private helpers shared by :mod:`analysis.ctt`, :mod:`analysis.distractors` and
:mod:`analysis.reliability`: validating the scored matrix, totals, the item covariance
matrix and per-item numbers (maximum scores, weights).

Not public API: names here may change without notice. Missing-data conventions are the
ones of :mod:`analysis.reliability` (``NaN`` = item not presented to the candidate).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

#: What callers may pass as per-item numbers (maximum scores, weights): keyed by item id.
ItemNumbers = Mapping[object, float] | pd.Series


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
        with np.errstate(divide="ignore", invalid="ignore"):  # one candidate: undefined, NaN
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


def _per_item_numbers(
    scores: pd.DataFrame, values: ItemNumbers, *, name: str, allow_zero: bool = False
) -> np.ndarray:
    """``values[item]`` for every column of ``scores``, as floats, each finite and > 0
    (>= 0 with ``allow_zero``); a ``ValueError`` names the item otherwise."""
    need = "a number >= 0" if allow_zero else "a positive number"
    out = np.empty(scores.shape[1])
    for j, item in enumerate(scores.columns):
        try:
            value = values[item]
        except (KeyError, IndexError):
            raise ValueError(f"{name} has no entry for item {_py(item)!r}") from None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name}[{_py(item)!r}] must be {need}; you provided {value!r}") from None
        if not (math.isfinite(number) and (number > 0 or (allow_zero and number == 0))):
            raise ValueError(f"{name}[{_py(item)!r}] must be {need}; you provided {value!r}")
        out[j] = number
    return out


def _item_weights(scores: pd.DataFrame, weights: ItemNumbers | None) -> np.ndarray | None:
    """Item weights ``w_j`` (finite, >= 0, not all 0) in column order; ``None`` when no
    weights are given or every weight is 1, so unweighted callers take the unweighted code
    path and get bit-for-bit the same numbers as before weights existed."""
    if weights is None:
        return None
    w = _per_item_numbers(scores, weights, name="weights", allow_zero=True)
    if not (w > 0).any():
        raise ValueError("weights: every item has weight 0, so there is no total score")
    return None if (w == 1.0).all() else w
