"""Equating: put scores of a new form X on the scale of a reference form Y.

* :func:`linear_equating` -- random-groups linear equating (Kolen & Brennan, 2004, ch. 2).
* :func:`equipercentile_equating` -- random-groups equipercentile equating with the usual
  uniform-kernel continuization / percentile-rank definition (Kolen & Brennan, 2004, ch. 2).
* :func:`link_common_items` -- mean/sigma, mean/mean or Stocking-Lord linking of IRT item
  parameters through common items (Kolen & Brennan, 2004, ch. 6).
* :func:`irt_true_score_equating` -- IRT true-score equating of whole number-correct scores
  (Lord, 1980; Kolen & Brennan, 2004, ch. 6).
* :func:`carry_cut_score` -- carries a cut score fixed on the reference form to the new form
  through common items (linking + true-score equating).

IRT conventions: item parameter tables are DataFrames indexed by item with columns ``a``,
``b`` and optionally ``c`` (the 3PL lower asymptote; 0 when absent), on the **logistic
metric, D = 1**: P(θ) = c + (1 - c) / (1 + exp(-a (θ - b))). Any object with an ``.items``
attribute holding such a DataFrame (e.g. an IRT fit) is accepted too. Dichotomous items only.
A linking (A, B) puts the new form's θ on the reference scale: θ_ref = A θ_new + B, so
a_ref = a_new / A, b_ref = A b_new + B, c unchanged.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize

__all__ = [
    "LinearEquating",
    "EquipercentileEquating",
    "Linking",
    "CarriedCut",
    "linear_equating",
    "theta_for_true_score",
    "equipercentile_equating",
    "percentile_rank",
    "link_common_items",
    "true_score_curve",
    "irt_true_score_equating",
    "carry_cut_score",
]

ArrayLike = Sequence[float] | np.ndarray | pd.Series


def _scores(x: ArrayLike, name: str, func: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 1 or a.size < 2:
        raise ValueError(f"{func}: {name} must be a 1-D sequence of at least 2 scores")
    if np.isnan(a).any():
        raise ValueError(f"{func}: {name} has a missing score at position {int(np.flatnonzero(np.isnan(a))[0])}")
    return a


# --------------------------------------------------------------------------------------------
# Observed-score equating, random groups


@dataclass(frozen=True)
class LinearEquating:
    """l_Y(x) = slope x + intercept, with slope = σ_Y / σ_X, intercept = μ_Y - slope μ_X."""

    slope: float
    intercept: float
    mean_x: float
    sd_x: float
    mean_y: float
    sd_y: float

    def __call__(self, x: ArrayLike | float) -> np.ndarray | float:
        """Form-Y equivalents of form-X scores."""
        out = self.slope * np.asarray(x, dtype=float) + self.intercept
        return float(out) if np.ndim(out) == 0 else out

    def inverse(self, y: ArrayLike | float) -> np.ndarray | float:
        """Form-X equivalents of form-Y scores (e.g. a cut fixed on form Y)."""
        out = (np.asarray(y, dtype=float) - self.intercept) / self.slope
        return float(out) if np.ndim(out) == 0 else out


def linear_equating(x_scores: ArrayLike, y_scores: ArrayLike) -> LinearEquating:
    """Random-groups linear equating (Kolen & Brennan, 2004, ch. 2).

    .. math:: l_Y(x) = \\frac{\\sigma_Y}{\\sigma_X} (x - \\mu_X) + \\mu_Y

    with population moments (n divisor) of the two groups' observed scores on forms X and Y.

    >>> eq = linear_equating([0, 2, 4], [10, 14, 18])   # σ_Y/σ_X = 2; 2(x - 2) + 14
    >>> eq(3.0), eq.inverse(14.0)
    (16.0, 2.0)
    """
    func = "linear_equating"
    x = _scores(x_scores, "x_scores", func)
    y = _scores(y_scores, "y_scores", func)
    sx, sy = float(np.std(x)), float(np.std(y))
    if sx == 0 or sy == 0:
        raise ValueError(f"{func}: every {'x' if sx == 0 else 'y'} score is the same; the SD is 0")
    slope = sy / sx
    return LinearEquating(slope, float(y.mean() - slope * x.mean()), float(x.mean()), sx, float(y.mean()), sy)


def _relative_freq(scores: np.ndarray, max_score: int, name: str, func: str) -> np.ndarray:
    if (scores != np.round(scores)).any() or scores.min() < 0 or scores.max() > max_score:
        bad = scores[(scores != np.round(scores)) | (scores < 0) | (scores > max_score)][0]
        raise ValueError(f"{func}: {name} must be whole scores 0..{max_score}; found {bad:g}")
    return np.bincount(scores.astype(int), minlength=max_score + 1) / scores.size


def percentile_rank(x: ArrayLike | float, freq: ArrayLike) -> np.ndarray | float:
    """Percentile rank P(x) under the uniform-kernel continuization (Kolen & Brennan, 2004, ch. 2).

    For whole scores 0..K with relative frequencies f and cumulative F, x* the integer
    closest to x, and -0.5 <= x < K + 0.5:

    .. math:: P(x) = 100 [F(x^* - 1) + (x - x^* + 0.5) f(x^*)]

    P = 0 below -0.5 and 100 from K + 0.5 on.

    >>> percentile_rank(2, [0.2, 0.3, 0.2, 0.2, 0.1])   # 100 (0.5 + 0.5 x 0.2)
    60.0
    """
    f = np.asarray(freq, dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(f)])  # cum[i] = F(i - 1)
    xv = np.asarray(x, dtype=float)
    k = f.size - 1
    xs = np.clip(np.floor(xv + 0.5), 0, k).astype(int)
    pr = 100.0 * (cum[xs] + (xv - xs + 0.5) * f[xs])
    pr = np.where(xv < -0.5, 0.0, np.where(xv >= k + 0.5, 100.0, pr))
    return float(pr) if np.ndim(pr) == 0 else pr


def _percentile_inverse(p: np.ndarray, freq: np.ndarray) -> np.ndarray:
    """P^{-1}: the score with percentile rank p (Kolen & Brennan, 2004, ch. 2, the "upper" version).

    y_U* = the smallest whole score with F(y) > p/100, and
    P^{-1}(p) = (p/100 - F(y_U* - 1)) / f(y_U*) + y_U* - 0.5; p = 100 maps to K + 0.5 and
    p = 0 to -0.5.
    """
    cum = np.cumsum(freq)
    k = freq.size - 1
    q = p / 100.0
    out = np.empty_like(q)
    for i, qi in enumerate(q):
        if qi <= 0:
            # the lowest score with any frequency starts at its lower real limit
            out[i] = float(np.flatnonzero(freq > 0)[0]) - 0.5
            continue
        if qi >= 1 - 1e-12:
            out[i] = float(np.flatnonzero(freq > 0)[-1]) + 0.5
            continue
        yu = int(np.flatnonzero(cum > qi + 1e-12)[0]) if (cum > qi + 1e-12).any() else k
        below = cum[yu - 1] if yu > 0 else 0.0
        out[i] = (qi - below) / freq[yu] + yu - 0.5
    return out


@dataclass(frozen=True)
class EquipercentileEquating:
    """e_Y(x) = P_Y^{-1}[P_X(x)] on the whole scores 0..max_x (``table``)."""

    freq_x: np.ndarray
    freq_y: np.ndarray
    table: pd.Series = field(repr=False)

    def __call__(self, x: ArrayLike | float) -> np.ndarray | float:
        """Form-Y equivalents of (possibly fractional) form-X scores."""
        xv = np.atleast_1d(np.asarray(x, dtype=float))
        out = _percentile_inverse(np.atleast_1d(percentile_rank(xv, self.freq_x)), self.freq_y)
        return float(out[0]) if np.ndim(x) == 0 else out

    def inverse(self, y: ArrayLike | float) -> np.ndarray | float:
        """Form-X equivalents of form-Y scores: e_X(y) = P_X^{-1}[P_Y(y)]."""
        yv = np.atleast_1d(np.asarray(y, dtype=float))
        out = _percentile_inverse(np.atleast_1d(percentile_rank(yv, self.freq_y)), self.freq_x)
        return float(out[0]) if np.ndim(y) == 0 else out


def equipercentile_equating(
    x_scores: ArrayLike,
    y_scores: ArrayLike,
    *,
    max_x: int,
    max_y: int,
) -> EquipercentileEquating:
    """Random-groups equipercentile equating without smoothing (Kolen & Brennan, 2004, ch. 2).

    Scores are whole numbers 0..max_x (form X) and 0..max_y (form Y). Discrete distributions
    are made continuous by spreading each score's frequency uniformly over [x - 0.5, x + 0.5]
    (percentile ranks, :func:`percentile_rank`), and

    .. math:: e_Y(x) = P_Y^{-1}[P_X(x)]

    with the "upper" inverse of Kolen & Brennan (the smallest score whose cumulative
    proportion exceeds the percentile). The result's ``table`` holds e_Y(x) for x = 0..max_x.
    No presmoothing or postsmoothing; with small groups the function is irregular.

    Kolen & Brennan's (2004, 2nd ed., pp. 41-42) small example: X frequencies .2 .3 .2 .2 .1 and
    Y .1 .2 .2 .3 .2 on 0..4. P_X(2) = 60; in Y, F(2) = .5 < .6 <= F(3) = .8, so
    e_Y(2) = (.6 - .5)/.3 + 3 - .5 = 2.8333.

    >>> eq = equipercentile_equating([0, 0, 1, 1, 1, 2, 2, 3, 3, 4], [0, 1, 1, 2, 2, 3, 3, 3, 4, 4], max_x=4, max_y=4)
    >>> round(eq(2), 4)
    2.8333
    """
    func = "equipercentile_equating"
    if int(max_x) != max_x or int(max_y) != max_y or max_x < 1 or max_y < 1:
        raise ValueError(f"{func}: max_x and max_y must be positive whole numbers, got {max_x!r}, {max_y!r}")
    fx = _relative_freq(_scores(x_scores, "x_scores", func), int(max_x), "x_scores", func)
    fy = _relative_freq(_scores(y_scores, "y_scores", func), int(max_y), "y_scores", func)
    xs = np.arange(int(max_x) + 1, dtype=float)
    values = _percentile_inverse(np.atleast_1d(percentile_rank(xs, fx)), fy)
    table = pd.Series(values, index=pd.Index(xs.astype(int), name="x"), name="e_y")
    return EquipercentileEquating(fx, fy, table)


# --------------------------------------------------------------------------------------------
# IRT linking and true-score equating


def _item_table(items: Any, name: str, func: str) -> pd.DataFrame:
    """The a/b/c DataFrame of a parameter table or of an object with an ``.items`` table."""
    table = items.items if hasattr(items, "items") and isinstance(getattr(items, "items"), pd.DataFrame) else items
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{func}: {name} must be a DataFrame with columns a, b[, c] or have such an .items table")
    missing = [c for c in ("a", "b") if c not in table.columns]
    if missing:
        raise ValueError(f"{func}: {name} has no column {missing[0]!r} (needs a, b and optionally c; D = 1)")
    out = pd.DataFrame(
        {
            "a": table["a"].astype(float),
            "b": table["b"].astype(float),
            "c": table["c"].astype(float) if "c" in table.columns else 0.0,
        },
        index=table.index,
    )
    if out.isna().any().any():
        item = out.index[out.isna().any(axis=1)][0]
        raise ValueError(f"{func}: {name} has a missing parameter for item {item!r}")
    if (out["a"] <= 0).any():
        raise ValueError(f"{func}: {name} item {out.index[out['a'] <= 0][0]!r} has a <= 0")
    if ((out["c"] < 0) | (out["c"] >= 1)).any():
        raise ValueError(f"{func}: {name} item {out.index[(out['c'] < 0) | (out['c'] >= 1)][0]!r} has c outside [0, 1)")
    if out.index.has_duplicates:
        raise ValueError(f"{func}: {name} lists item {out.index[out.index.duplicated()][0]!r} twice")
    return out


def _p3pl(theta: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """3PL probabilities, θ points x items, logistic metric (D = 1)."""
    z = a[None, :] * (theta[:, None] - b[None, :])
    return c[None, :] + (1 - c[None, :]) / (1 + np.exp(-z))


def true_score_curve(items: Any, theta: ArrayLike | float) -> np.ndarray | float:
    """The test characteristic curve: expected number-correct τ(θ) = Σ_i P_i(θ) (3PL, D = 1).

    >>> items = pd.DataFrame({"a": [1.0, 1.0], "b": [0.0, 0.0]}, index=["Q1", "Q2"])
    >>> true_score_curve(items, 0.0)   # 0.5 + 0.5
    1.0
    """
    t = _item_table(items, "items", "true_score_curve")
    th = np.atleast_1d(np.asarray(theta, dtype=float))
    out = _p3pl(th, t["a"].to_numpy(), t["b"].to_numpy(), t["c"].to_numpy()).sum(axis=1)
    return float(out[0]) if np.ndim(theta) == 0 else out


@dataclass(frozen=True)
class Linking:
    """θ_ref = A θ_new + B; ``transform`` applies it to a new-form parameter table."""

    A: float
    B: float
    method: str
    common_items: tuple[Hashable, ...]

    def transform(self, items: Any) -> pd.DataFrame:
        """a / A, A b + B, c: the new form's parameters on the reference scale."""
        t = _item_table(items, "items", "Linking.transform")
        return pd.DataFrame({"a": t["a"] / self.A, "b": self.A * t["b"] + self.B, "c": t["c"]}, index=t.index)


_THETA_GRID = np.linspace(-4.0, 4.0, 41)


def link_common_items(
    new_items: Any,
    reference_items: Any,
    *,
    common_items: Sequence[Hashable] | None = None,
    method: Literal["stocking_lord", "mean_sigma", "mean_mean"] = "stocking_lord",
    theta: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> Linking:
    """Linking constants (A, B) from common items (Kolen & Brennan, 2004, ch. 6).

    * ``mean_sigma`` (Marco, 1977): A = σ(b_ref) / σ(b_new), B = μ(b_ref) - A μ(b_new).
    * ``mean_mean`` (Loyd & Hoover, 1980): A = μ(a_new) / μ(a_ref), B as above.
    * ``stocking_lord`` (Stocking & Lord, 1983; default): the (A, B) minimising
      Σ_q w_q [Σ_i P_i(θ_q; ref) - Σ_i P_i(θ_q; new transformed)]² over the common items,
      started from mean/sigma. Default points θ_q: 41 equally spaced on [-4, 4] with
      standard-normal density weights (the reference group's N(0, 1) latent scale).

    ``common_items`` defaults to the items present in both tables (at least 2 needed).
    """
    func = "link_common_items"
    new = _item_table(new_items, "new_items", func)
    ref = _item_table(reference_items, "reference_items", func)
    if common_items is None:
        common = [i for i in new.index if i in set(ref.index)]
    else:
        common = list(common_items)
        for i in common:
            if i not in new.index or i not in ref.index:
                where = "new_items" if i not in new.index else "reference_items"
                raise ValueError(f"{func}: common item {i!r} is not in {where}")
    if len(common) < 2:
        raise ValueError(f"{func}: need at least 2 common items, found {len(common)}")
    if method not in ("stocking_lord", "mean_sigma", "mean_mean"):
        raise ValueError(f"{func}: method must be 'stocking_lord', 'mean_sigma' or 'mean_mean', got {method!r}")
    n, r = new.loc[common], ref.loc[common]
    sd_new = float(np.std(n["b"]))
    if sd_new == 0:
        raise ValueError(f"{func}: the common items' b parameters on the new form are all equal")
    a_ms = float(np.std(r["b"])) / sd_new
    if method == "mean_mean":
        a0 = float(n["a"].mean() / r["a"].mean())
    else:
        a0 = a_ms
    b0 = float(r["b"].mean() - a0 * n["b"].mean())
    if method != "stocking_lord":
        return Linking(a0, b0, method, tuple(common))
    th = _THETA_GRID if theta is None else np.asarray(theta, dtype=float)
    w = np.exp(-0.5 * th**2) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != th.shape:
        raise ValueError(f"{func}: theta and weights must have the same length")
    w = w / w.sum()
    target = _p3pl(th, r["a"].to_numpy(), r["b"].to_numpy(), r["c"].to_numpy()).sum(axis=1)
    na, nb, nc = n["a"].to_numpy(), n["b"].to_numpy(), n["c"].to_numpy()

    def loss(v: np.ndarray) -> float:
        big_a, big_b = v
        if big_a <= 0:
            return 1e12
        tcc = _p3pl(th, na / big_a, big_a * nb + big_b, nc).sum(axis=1)
        return float(np.sum(w * (target - tcc) ** 2))

    res = optimize.minimize(loss, x0=np.array([a0, b0]), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-16, "maxiter": 4000})
    return Linking(float(res.x[0]), float(res.x[1]), method, tuple(common))


def theta_for_true_score(tau: float, t: pd.DataFrame) -> float:
    """The θ with τ(θ) = tau on the test characteristic curve of ``t`` (a, b, c; 3PL, D = 1),
    by Brent's method on a bracket (τ is strictly increasing in θ). ``tau`` must lie between
    Σ c and the number of items.

    >>> items = pd.DataFrame({"a": [1.0, 1.0], "b": [0.0, 0.0], "c": [0.0, 0.0]}, index=["Q1", "Q2"])
    >>> round(theta_for_true_score(1.0, items), 9)   # τ(0) = 0.5 + 0.5
    0.0
    """
    a, b, c = t["a"].to_numpy(), t["b"].to_numpy(), t["c"].to_numpy()

    def f(th: float) -> float:
        return float(_p3pl(np.array([th]), a, b, c).sum() - tau)

    lo, hi = -20.0, 20.0
    while f(lo) > 0:
        lo *= 2
    while f(hi) < 0:
        hi *= 2
    return float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-14, maxiter=500))


def _equate_true(score: float, src: pd.DataFrame, dst: pd.DataFrame) -> tuple[float, float]:
    """Destination-form equivalent of a source-form score (Kolen & Brennan, 2004, ch. 6); returns (score, θ).

    Between Σc_src and the source maximum: θ solves τ_src(θ) = score and the equivalent is
    τ_dst(θ). At or below Σc_src (no θ exists), Kolen & Brennan's linear segment from (0, 0) to
    (Σc_src, Σc_dst). At the maximum, the destination maximum (θ = +inf).
    """
    csum_s, csum_d = float(src["c"].sum()), float(dst["c"].sum())
    n_s, n_d = float(len(src)), float(len(dst))
    if score >= n_s:
        return n_d, float("inf")
    if score <= csum_s:
        return (score * csum_d / csum_s if csum_s > 0 else 0.0), float("-inf")
    th = theta_for_true_score(score, src)
    tau = float(_p3pl(np.array([th]), dst["a"].to_numpy(), dst["b"].to_numpy(), dst["c"].to_numpy()).sum())
    return tau, th


def irt_true_score_equating(
    new_items: Any,
    reference_items: Any,
    *,
    linking: Linking | None = None,
    method: Literal["stocking_lord", "mean_sigma", "mean_mean"] = "stocking_lord",
    common_items: Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """IRT true-score equating of every whole score on the new form (Kolen & Brennan, 2004, ch. 6).

    The new form's parameters are first put on the reference scale (``linking``, or
    :func:`link_common_items` with ``method``; pass ``Linking(1, 0, ...)`` when both are
    already on one scale). For number-correct x on the new form, θ solves
    τ_new(θ) = x and the equivalent is τ_ref(θ). Scores at or below the sum of the new
    form's c parameters follow Kolen & Brennan's linear segment to (Σc_new, Σc_ref).

    Returns a DataFrame indexed by ``score`` (0..n_new items): ``theta`` and
    ``reference_equivalent``.
    """
    func = "irt_true_score_equating"
    new = _item_table(new_items, "new_items", func)
    ref = _item_table(reference_items, "reference_items", func)
    lk = linking or link_common_items(new, ref, common_items=common_items, method=method)
    new_on_ref = lk.transform(new)
    rows = [_equate_true(float(x), new_on_ref, ref) for x in range(len(new_on_ref) + 1)]
    return pd.DataFrame(
        {"theta": [r[1] for r in rows], "reference_equivalent": [r[0] for r in rows]},
        index=pd.Index(range(len(new_on_ref) + 1), name="score"),
    )


@dataclass(frozen=True)
class CarriedCut:
    """A reference-form cut carried to a new form by IRT true-score equating.

    ``cut_new`` is the new-form number-correct equivalent (fractional; a rule with
    ``round_up`` makes it a whole score), ``theta`` the ability at the cut on the reference
    scale, ``linking`` the constants used.
    """

    cut_reference: float
    cut_new: float
    theta: float
    linking: Linking

    def to_rule(self, *, round_up: bool = False) -> dict[str, Any]:
        """The shared cut-score rule (kind ``points``) with its provenance in ``source``."""
        return {
            "kind": "points",
            "value": self.cut_new,
            "round_up": round_up,
            "source": {
                "method": "irt_true_score_equating",
                "cut_reference": self.cut_reference,
                "theta": self.theta,
                "linking": self.linking.method,
                "A": self.linking.A,
                "B": self.linking.B,
                "common_items": [str(i) for i in self.linking.common_items],
            },
        }


def carry_cut_score(
    cut: float,
    *,
    reference_items: Any,
    new_items: Any,
    common_items: Sequence[Hashable] | None = None,
    method: Literal["stocking_lord", "mean_sigma", "mean_mean"] = "stocking_lord",
    linking: Linking | None = None,
) -> CarriedCut:
    """Carry a number-correct cut fixed on the reference form to a new form.

    ``reference_items`` are the parameters of the reference form's (non-voided) items on the
    reference scale, ``new_items`` those of the new form from its own calibration; the common
    items link the scales (:func:`link_common_items`). Then θ_cut solves
    τ_ref(θ) = cut, and the new-form cut is τ_new(θ_cut) with the new parameters on the
    reference scale -- the same ability, so the same standard (Kolen & Brennan, 2004, ch. 6).
    A cut at or below Σc_ref maps linearly to Σc_new; a cut at the maximum to the maximum.
    """
    func = "carry_cut_score"
    ref = _item_table(reference_items, "reference_items", func)
    new = _item_table(new_items, "new_items", func)
    if not 0 <= cut <= len(ref):
        raise ValueError(f"{func}: cut {cut!r} is outside the reference form's score range 0..{len(ref)}")
    lk = linking or link_common_items(new, ref, common_items=common_items, method=method)
    value, theta = _equate_true(float(cut), ref, lk.transform(new))
    return CarriedCut(float(cut), value, theta, lk)
