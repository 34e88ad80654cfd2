"""Item response theory: calibration, person estimates, information and item fit.

All models use the **logistic metric (D = 1)** and identify the scale by a **latent
ability distribution with mean 0 and SD 1** (standard normal, integrated on 61 equally
spaced quadrature nodes on [-6, 6], as mirt does for one dimension).

Models (``model=``), scored matrix X (candidates x items, NaN = item not on the form):

========  ====================================================================
model     item response function
========  ====================================================================
rasch     P(x=1) = logistic(theta - b)                       (a = 1 fixed)
1pl       P(x=1) = logistic(a (theta - b))                   (one common a)
2pl       P(x=1) = logistic(a_j (theta - b_j))               (Birnbaum 1968)
3pl       P(x=1) = c_j + (1 - c_j) logistic(a_j (theta - b_j))
grm       P(x>=k) = logistic(a_j (theta - b_jk)), k = 1..m_j (Samejima 1969)
pcm       P(x=k) ∝ exp(sum_{v<=k} (theta - b_jv))            (Masters 1982)
========  ====================================================================

Engines (``engine=``). ``"em"`` (the default): itembank's Bock–Aitkin EM
(``analysis/_irt_em.py``) from simple starting values (item logits, slope 1), its steps
extrapolated by SQUAREM (Varadhan & Roland 2008). ``"girth"``: girth 0.8 (``rasch_mml``,
``onepl_mml``, ``twopl_mml``, ``grm_mml``; for 3PL its ``twopl_mml``) gives the starting
values and the same EM iterates from them to the marginal-maximum-likelihood optimum. Both
reach the same optimum (tested); the default was chosen by measurement
(``benchmarks/bench_irt.py``, one thread each): girth's own 2PL fit takes far longer than
the whole EM fit with standard errors (CPU seconds, 5,000 x 40: 3.4 against 0.3; 20,000 x 60:
23.9 against 1.4), so its start costs more than the few EM steps it can save. The polishing EM matters when responses
are missing: girth solves each difficulty from the item's observed proportion against the
*population* N(0, 1) (its integral-equation step), which is only right when the candidates
who saw the item are a random sample; the EM uses each candidate's posterior, so
non-equivalent forms are handled. girth's ``threepl_mml`` fails with current SciPy
(1.17: its objective, built with ``integrate.fixed_quad`` over a constant array, is no
longer a scalar, and ``fmin_slsqp`` raises "setting an array element with a sequence"),
and its ``pcm_mml`` is really a generalised PCM (it frees the slopes), so PCM always uses
the EM alone (adjacent-category log-odds as starting values).
For 3PL a Beta(5, 17) prior on c (mean 0.2; the BILOG-MG-style prior
alpha = 20 p + 1, beta = 20 (1 - p) + 1 with p = 1/5 options) keeps the lower asymptote
away from 0 and 1 where the data say little; pass ``c_prior=None`` for plain MML. ``loglik``, AIC and BIC are always the marginal log-likelihood without the prior.

Standard errors (``se=``): ``"observed"`` (default) inverts the observed information of the
marginal likelihood, computed by Louis's (1982) identity (complete-data information minus
the posterior variance of the complete-data scores), in closed form for rasch, 1pl and 2pl
(checked in the tests against second differences of the marginal log-likelihood and the
central-difference Jacobian of the marginal score); ``"crossprod"`` uses the sum of squared
per-candidate scores (mirt's ``SE.type = "crossprod"``); ``"none"`` skips them. Errors of b
(= -d / a) come from the intercept/slope covariance by the delta method.

Results have been checked against mirt (Chalmers 2012) on LSAT7 (2PL, 1PL, 2PL with two
missing cells, 3PL log-likelihood without prior) and Science (GRM); see ``tests/analysis/test_irt.py`` and ``tests/data/reference/irt_*.json``.

Speed, measured with ``benchmarks/bench_irt.py`` (each fit in its own process, one thread,
default settings with observed SEs against the Python ``mirt`` 1.2.0 package with its
Oakes SEs, both 61 nodes and tolerance 1e-4; CPU seconds, best of 3, on a machine shared
with other jobs): 2PL 5,000 x 40 0.30 against 2.45; 2PL 20,000 x 60 1.39 against 18.75;
2PL 100,000 x 60 8.4 against 112.5 (one run); GRM 20,000 x 60 5.2 against 27.3; 3PL
20,000 x 60 5.5 against 17.7. Largest differences from mirt's estimates: a 0.0047, b 0.0058
(GRM), 2PL within 0.0008.

References
----------
Bock, R. D., & Aitkin, M. (1981). Marginal maximum likelihood estimation of item
parameters: application of an EM algorithm. Psychometrika, 46, 443-459.
Bock, R. D., & Lieberman, M. (1970). Fitting a response model for n dichotomously scored
items. Psychometrika, 35, 179-197.
Chalmers, R. P. (2012). mirt: a multidimensional item response theory package for the R
environment. Journal of Statistical Software, 48(6).
Louis, T. A. (1982). Finding the observed information matrix when using the EM
algorithm. JRSS B, 44, 226-233.
Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating
the convergence of any EM algorithm. Scandinavian Journal of Statistics, 35, 335-353.
Lord, F. M. (1980). Applications of Item Response Theory to Practical Testing Problems.
Masters, G. N. (1982). A Rasch model for partial credit scoring. Psychometrika, 47, 149-174.
Samejima, F. (1969). Estimation of latent ability using a response pattern of graded
scores. Psychometrika Monograph 17.
Wright, B. D., & Masters, G. N. (1982). Rating Scale Analysis. MESA Press (infit/outfit).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, logit

from analysis import _irt_em as em

__all__ = [
    "MODELS",
    "IrtFit",
    "fit",
    "probability",
    "category_probabilities",
    "information",
    "expected_score",
    "fit_statistics",
]

MODELS = ("rasch", "1pl", "2pl", "3pl", "grm", "pcm")
SeMethod = Literal["observed", "crossprod", "none"]
_THRESHOLD = re.compile(r"^b(\d+)$")


# ----------------------------------------------------------------------------------------
# Item tables -> category probabilities (shared by fitted models and plain tables)
# ----------------------------------------------------------------------------------------


def _table_kind(items: pd.DataFrame, model: str | None) -> str:
    if not isinstance(items, pd.DataFrame):
        raise ValueError(f"items must be a pandas DataFrame, got {type(items).__name__}")
    thresholds = [c for c in items.columns if _THRESHOLD.match(str(c))]
    if "b" in items.columns:
        if model not in (None, "rasch", "1pl", "2pl", "3pl"):
            raise ValueError(f"items has a 'b' column (dichotomous) but model={model!r}")
        return "dich"
    if thresholds:
        if model not in ("grm", "pcm"):
            raise ValueError(
                "items has threshold columns b1..bk; pass model='grm' or model='pcm' "
                f"(you provided model={model!r})"
            )
        return model
    raise ValueError(f"items needs a 'b' column or threshold columns b1..bk; got {list(items.columns)}")


def _column(items: pd.DataFrame, name: str, default: float) -> NDArray[np.float64]:
    if name not in items.columns:
        return np.full(len(items), default)
    values = pd.to_numeric(items[name], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values)
    if bad.any():
        raise ValueError(f"column {name!r} of items is missing or not numeric for item {items.index[bad][0]!r}")
    return values


def _thresholds(items: pd.DataFrame) -> NDArray[np.float64]:
    cols = sorted((c for c in items.columns if _THRESHOLD.match(str(c))), key=lambda c: int(str(c)[1:]))
    b = items[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    for j in range(b.shape[0]):
        row = b[j]
        n = int((~np.isnan(row)).sum())
        if n == 0 or np.isnan(row[:n]).any():
            raise ValueError(f"item {items.index[j]!r}: thresholds must be b1..bk without gaps")
    return b


def _log_cat_probs(items: pd.DataFrame, theta: NDArray[np.float64], model: str | None) -> NDArray[np.float64]:
    """log P(x = k | theta) as (items, categories, len(theta)); absent categories are -inf."""
    kind = _table_kind(items, model)
    a = _column(items, "a", 1.0)
    if kind == "dich":
        b = _column(items, "b", np.nan)
        c = _column(items, "c", 0.0)
        if ((c < 0) | (c >= 1)).any():
            raise ValueError(f"item {items.index[(c < 0) | (c >= 1)][0]!r}: c must be in [0, 1)")
        p1 = c[:, None] + (1 - c[:, None]) * expit(a[:, None] * (theta[None, :] - b[:, None]))
        # floor at 1e-300: a near-deterministic item must not make a log-likelihood -inf
        return np.log(np.maximum(np.stack([1 - p1, p1], axis=1), 1e-300))
    b = _thresholds(items)
    n_items, m = b.shape
    out = np.full((n_items, m + 1, theta.size), -np.inf)
    for j in range(n_items):
        bj = b[j][~np.isnan(b[j])]
        if kind == "grm":
            star = expit(a[j] * (theta[None, :] - bj[:, None]))
            cum = np.vstack([np.ones((1, theta.size)), star, np.zeros((1, theta.size))])
            out[j, : bj.size + 1] = np.log(np.maximum(cum[:-1] - cum[1:], 1e-300))
        else:
            z = np.vstack([np.zeros((1, theta.size)), np.cumsum(a[j] * (theta[None, :] - bj[:, None]), axis=0)])
            z -= z.max(axis=0, keepdims=True)
            out[j, : bj.size + 1] = z - np.log(np.exp(z).sum(axis=0, keepdims=True))
    return out


def _theta_array(theta: ArrayLike) -> NDArray[np.float64]:
    arr = np.atleast_1d(np.asarray(theta, dtype=float))
    if arr.ndim != 1 or not np.isfinite(arr).all():
        raise ValueError(f"theta must be a finite number or 1-D array of numbers; you provided {theta!r}")
    return arr


def category_probabilities(items: pd.DataFrame, theta: ArrayLike, *, model: str | None = None) -> pd.DataFrame:
    """P(x = k | theta) for every item and category.

    Returns a long DataFrame with columns ``item``, ``category``, ``theta``, ``p``
    (categories an item does not have are left out). ``items`` as in :func:`probability`.
    """
    th = _theta_array(theta)
    lp = _log_cat_probs(items, th, model)
    rows = []
    for j, item in enumerate(items.index):
        for k in range(lp.shape[1]):
            if np.isneginf(lp[j, k]).all() and k > 0:
                continue
            rows.append(pd.DataFrame({"item": item, "category": k, "theta": th, "p": np.exp(lp[j, k])}))
    return pd.concat(rows, ignore_index=True)


def probability(items: pd.DataFrame, theta: ArrayLike, *, model: str | None = None) -> pd.DataFrame:
    """Probability of a correct answer (dichotomous) or expected item score (polytomous).

    For a table with columns ``a`` (default 1), ``b`` and ``c`` (default 0):

    .. math:: P_j(\\theta) = c_j + (1 - c_j) / (1 + \\exp(-a_j (\\theta - b_j)))

    (logistic metric, D = 1; Birnbaum 1968). For a table with thresholds ``b1..bk`` pass
    ``model='grm'`` or ``'pcm'``; the value is then the expected score sum_k k P(x = k).

    Returns a DataFrame indexed by ``theta`` with one column per item.

    >>> items = pd.DataFrame({"a": [1.0], "b": [0.0], "c": [0.2]}, index=["q1"])
    >>> round(float(probability(items, 0.0).iloc[0, 0]), 3)  # 0.2 + 0.8 * 0.5
    0.6
    """
    th = _theta_array(theta)
    p = np.exp(_log_cat_probs(items, th, model))
    k = np.arange(p.shape[1])[None, :, None]
    expected = (k * p).sum(axis=1)
    return pd.DataFrame(expected.T, index=pd.Index(th, name="theta"), columns=items.index)


def expected_score(items: pd.DataFrame, theta: ArrayLike, *, model: str | None = None) -> pd.Series:
    """Test characteristic curve: sum over items of the expected item score at theta
    (Lord 1980); the basis of IRT true-score equating."""
    return probability(items, theta, model=model).sum(axis=1).rename("expected_score")


def information(items: pd.DataFrame, theta: ArrayLike, *, model: str | None = None) -> pd.DataFrame:
    """Item information I_j(theta) = sum_k (dP_jk/dtheta)^2 / P_jk (Samejima 1969).

    For 2PL this is a^2 P (1 - P); for 3PL a^2 (1 - P) / P ((P - c) / (1 - c))^2
    (Lord 1980, eq. 5-9 with D = 1). The derivative is taken numerically (central
    difference, h = 1e-5), so the same code serves every model. Returns a DataFrame
    indexed by ``theta`` with one column per item.
    """
    th = _theta_array(theta)
    h = 1e-5
    p = np.exp(_log_cat_probs(items, th, model))
    dp = (np.exp(_log_cat_probs(items, th + h, model)) - np.exp(_log_cat_probs(items, th - h, model))) / (2 * h)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, dp**2 / p, 0.0)
    return pd.DataFrame(terms.sum(axis=1).T, index=pd.Index(th, name="theta"), columns=items.index)


def fit_statistics(
    items: pd.DataFrame, scores: pd.DataFrame, theta: ArrayLike, *, model: str | None = None
) -> pd.DataFrame:
    """Infit and outfit mean squares with Wilson–Hilferty standardised values.

    For candidate i and item j with expected score E, variance W = sum_k (k - E)^2 P_k and
    fourth moment C = sum_k (k - E)^4 P_k at theta_i (Wright & Masters 1982, ch. 5):

    * outfit u_j = mean_i (x_ij - E_ij)^2 / W_ij,   q^2 = sum_i C/W^2 / n^2 - 1/n
    * infit  v_j = sum_i (x_ij - E_ij)^2 / sum_i W_ij,  q^2 = sum_i (C - W^2) / (sum_i W)^2
    * z = (MS^(1/3) - 1) (3 / q) + q / 3

    Missing responses and candidates whose theta is NaN are left out. Returns a DataFrame
    indexed by item with columns ``n``, ``infit``, ``infit_z``, ``outfit``, ``outfit_z``.
    """
    th = np.asarray(theta, dtype=float).ravel()
    if th.size != len(scores):
        raise ValueError(f"theta has {th.size} values but scores has {len(scores)} rows")
    missing = [c for c in items.index if c not in scores.columns]
    if missing:
        raise ValueError(f"item {missing[0]!r} is in items but not a column of scores")
    x = scores[list(items.index)].to_numpy(dtype=float)
    ok = ~np.isnan(th)
    x, th = x[ok], th[ok]
    p = np.exp(_log_cat_probs(items, th, model))  # (J, K, N)
    k = np.arange(p.shape[1])[None, :, None]
    e = (k * p).sum(axis=1)
    w = (((k - e[:, None, :]) ** 2) * p).sum(axis=1)
    c = (((k - e[:, None, :]) ** 4) * p).sum(axis=1)
    e, w, c = e.T, w.T, c.T
    valid = ~np.isnan(x)
    resid2 = np.where(valid, (np.nan_to_num(x) - e) ** 2, 0.0)
    w = np.where(valid, w, 0.0)
    c = np.where(valid, c, 0.0)
    n = valid.sum(axis=0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        outfit = np.where(valid, resid2 / w, 0.0).sum(axis=0) / n
        q_out = np.sqrt(np.maximum(np.where(valid, c / w**2, 0.0).sum(axis=0) / n**2 - 1 / n, 0.0))
        infit = resid2.sum(axis=0) / w.sum(axis=0)
        q_in = np.sqrt(np.maximum((c - w**2).sum(axis=0) / w.sum(axis=0) ** 2, 0.0))
        outfit_z = (np.cbrt(outfit) - 1) * (3 / q_out) + q_out / 3
        infit_z = (np.cbrt(infit) - 1) * (3 / q_in) + q_in / 3
    return pd.DataFrame(
        {"n": n.astype(int), "infit": infit, "infit_z": infit_z, "outfit": outfit, "outfit_z": outfit_z},
        index=items.index,
    )


# ----------------------------------------------------------------------------------------
# Fitting
# ----------------------------------------------------------------------------------------


@dataclass
class IrtFit:
    """A calibrated IRT model (logistic metric D = 1; latent mean 0, SD 1).

    Attributes
    ----------
    model : one of :data:`MODELS`.
    items : DataFrame indexed by item: ``a``, ``b`` (+ ``c`` for 3PL) or ``a``, ``b1..bk``
        (polytomous; b_k is where P(x >= k) = 0.5 for GRM and the k-th step difficulty for
        PCM), ``se_*`` for every free parameter (NaN where fixed: ``se_a`` for rasch/pcm),
        and ``n`` (responses to the item).
    loglik : marginal log-likelihood at the estimates.
    aic, bic : -2 loglik + 2 p and -2 loglik + p ln(N), p = ``n_parameters`` (free
        parameters), N = ``n_candidates``.
    converged, iterations : EM convergence flag and number of EM iterations.
    engine : what estimated the model: ``"girth+em"`` (girth's estimates polished by the EM),
        ``"em (start: girth 2pl)"`` (3PL) or ``"em"``.
    """

    model: str
    items: pd.DataFrame
    loglik: float
    n_parameters: int
    n_candidates: int
    converged: bool
    iterations: int
    engine: str
    _scores: pd.DataFrame = field(repr=False)
    _nodes: NDArray[np.float64] = field(repr=False)
    _weights: NDArray[np.float64] = field(repr=False)
    _abilities: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def aic(self) -> float:
        return -2.0 * self.loglik + 2.0 * self.n_parameters

    @property
    def bic(self) -> float:
        return -2.0 * self.loglik + self.n_parameters * float(np.log(self.n_candidates))

    def _table_model(self) -> str | None:
        return self.model if self.model in em.POLYTOMOUS else None

    def _person_loglik(self, x: NDArray[np.float64], theta: NDArray[np.float64]) -> NDArray[np.float64]:
        """(N, len(theta)) log-likelihood of each candidate's responses on a theta grid."""
        lp = _log_cat_probs(self.items, theta, self._table_model())
        out = np.zeros((x.shape[0], theta.size))
        for k in range(lp.shape[1]):
            ind = (x == k).astype(float)
            out += ind @ np.where(np.isneginf(lp[:, k, :]), 0.0, lp[:, k, :])
        return out

    def abilities(self, scores: pd.DataFrame | None = None) -> pd.DataFrame:
        """Person estimates, indexed by candidate, for the calibration sample or, with
        ``scores``, for other candidates scored on the calibrated items (columns = items;
        items absent from ``scores`` count as not presented).

        * ``eap``: posterior mean of theta under the N(0, 1) prior (Bock & Mislevy 1982),
        * ``eap_sd``: posterior SD,
        * ``mle``: maximum-likelihood theta (Newton from the best point of a 0.05 grid on
          [-8, 8]); NaN when it is not finite (all answers at the minimum or maximum
          score among the items taken, no items taken) or lies outside [-8, 8].
        """
        if scores is None and self._abilities is not None:
            return self._abilities.copy()
        frame = self._scores if scores is None else self._new_scores(scores)
        x = frame.to_numpy(dtype=float)
        ll = self._person_loglik(x, self._nodes) + np.log(self._weights)[None, :]
        post = np.exp(ll - ll.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        eap = post @ self._nodes
        eap_sd = np.sqrt(np.maximum(post @ self._nodes**2 - eap**2, 0.0))
        result = pd.DataFrame({"eap": eap, "eap_sd": eap_sd, "mle": self._mle(x)}, index=frame.index)
        if scores is None:
            self._abilities = result
        return result.copy()

    def _new_scores(self, scores: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(scores, pd.DataFrame):
            raise ValueError(f"scores must be a pandas DataFrame, got {type(scores).__name__}")
        unknown = [c for c in scores.columns if c not in self.items.index]
        if unknown:
            raise ValueError(f"item {unknown[0]!r} in scores was not calibrated in this fit")
        frame = scores.reindex(columns=self.items.index).apply(pd.to_numeric, errors="coerce").astype(float)
        max_score = self._max_scores()
        for j, item in enumerate(frame.columns):
            col = frame[item].to_numpy()
            bad = ~np.isnan(col) & ((col < 0) | (col > max_score[j]) | (col != np.round(col)))
            if bad.any():
                row = frame.index[bad][0]
                raise ValueError(
                    f"item {item!r}, candidate {row!r}: score {float(col[bad][0])!r} is not in 0..{int(max_score[j])}"
                )
        return frame

    def _max_scores(self) -> NDArray[np.float64]:
        if self.model in em.POLYTOMOUS:
            return self.items.filter(regex=r"^b\d+$").notna().sum(axis=1).to_numpy(dtype=float)
        return np.ones(len(self.items))

    def _mle(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        grid = np.linspace(-8.0, 8.0, 321)
        ll = self._person_loglik(x, grid)
        theta = grid[np.argmax(ll, axis=1)]
        max_score = self._max_scores()
        valid = ~np.isnan(x)
        lo = np.where(valid, x == 0, True).all(axis=1)
        hi = np.where(valid, x == max_score[None, :], True).all(axis=1)
        extreme = lo | hi | ~valid.any(axis=1)
        lp_model = self._table_model()
        h = 1e-4

        def person_ll(t: NDArray[np.float64]) -> NDArray[np.float64]:
            lp = _log_cat_probs(self.items, t, lp_model)  # (J, K, N)
            xi = np.nan_to_num(x, nan=0).astype(int).T  # (J, N)
            picked = np.take_along_axis(lp, xi[:, None, :], axis=1)[:, 0, :]
            return np.where(valid.T, picked, 0.0).sum(axis=0)

        for _ in range(30):
            f0, fp, fm = person_ll(theta), person_ll(theta + h), person_ll(theta - h)
            g = (fp - fm) / (2 * h)
            hess = (fp - 2 * f0 + fm) / h**2
            step = np.where(hess < 0, -g / np.where(hess < 0, hess, -1.0), 0.05 * np.sign(g))
            step = np.clip(step, -0.5, 0.5)
            theta = np.clip(theta + step, -8.5, 8.5)
            if np.abs(step[~extreme]).max(initial=0.0) < 1e-7:
                break
        theta[extreme | (np.abs(theta) > 8.0)] = np.nan
        return theta

    def item_information(self, theta: ArrayLike) -> pd.DataFrame:
        """Item information at theta (DataFrame theta x item); see :func:`information`."""
        return information(self.items, theta, model=self._table_model())

    def test_information(self, theta: ArrayLike) -> pd.Series:
        """Test information I(theta) = sum_j I_j(theta) (Lord 1980), indexed by theta."""
        return self.item_information(theta).sum(axis=1).rename("information")

    def sem_at(self, theta: ArrayLike) -> pd.Series:
        """Conditional standard error of measurement SE(theta) = 1 / sqrt(I(theta)), e.g.
        at the cut score on the theta scale. Returns a Series indexed by theta."""
        return (1.0 / np.sqrt(self.test_information(theta))).rename("sem")

    def item_fit(self, *, theta: Literal["eap", "mle"] = "mle") -> pd.DataFrame:
        """Infit/outfit mean squares and z values per item (see :func:`fit_statistics`).

        Evaluated at each candidate's MLE (default; candidates without a finite MLE are
        left out, as Winsteps leaves out extreme scores) or EAP (every candidate counts,
        but EAP shrinkage pulls the mean squares below 1 on short tests: on simulated
        30-item Rasch data the mean infit was 0.95 at EAP, 0.98 at MLE, 1.00 at true theta).
        Returns a DataFrame indexed by item: ``n``, ``infit``, ``infit_z``, ``outfit``,
        ``outfit_z``.
        """
        if theta not in ("eap", "mle"):
            raise ValueError(f"theta must be 'eap' or 'mle'; you provided {theta!r}")
        th = self.abilities()[theta].to_numpy()
        return fit_statistics(self.items, self._scores, th, model=self._table_model())


def _validate(scores: pd.DataFrame, model: str) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}; you provided {model!r}")
    if not isinstance(scores, pd.DataFrame):
        raise ValueError(f"scores must be a pandas DataFrame (candidates x items), got {type(scores).__name__}")
    if scores.shape[1] < 2 or scores.shape[0] < 2:
        raise ValueError(f"scores needs at least 2 candidates and 2 items; got shape {scores.shape}")
    if scores.columns.duplicated().any():
        raise ValueError(f"item {scores.columns[scores.columns.duplicated()][0]!r} appears twice in scores")
    y = np.full(scores.shape, -1, dtype=np.int64)
    n_cat = np.zeros(scores.shape[1], dtype=np.int64)
    for j, item in enumerate(scores.columns):
        col = pd.to_numeric(scores[item], errors="coerce").to_numpy(dtype=float)
        raw_bad = scores[item].notna().to_numpy() & np.isnan(col)
        bad = raw_bad | (~np.isnan(col) & ((col < 0) | (col != np.round(col))))
        if model in em.DICHOTOMOUS:
            bad |= ~np.isnan(col) & (col > 1)
        if bad.any():
            row = scores.index[bad][0]
            allowed = "0 or 1" if model in em.DICHOTOMOUS else "a whole number >= 0"
            raise ValueError(
                f"item {item!r}, candidate {row!r}: score {scores[item][row]!r} is not {allowed} (or NaN for not presented)"
            )
        ok = ~np.isnan(col)
        if not ok.any():
            raise ValueError(f"item {item!r} has no responses")
        y[ok, j] = col[ok].astype(np.int64)
        counts = np.bincount(y[ok, j])
        if np.count_nonzero(counts) < 2:
            raise ValueError(
                f"item {item!r}: every candidate has score {int(col[ok][0])}; it cannot be calibrated"
            )
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            raise ValueError(
                f"item {item!r}: nobody has score {int(empty[0])} (scores run 0..{counts.size - 1}); "
                "recode the item's categories so that each is used"
            )
        n_cat[j] = counts.size
    return y, n_cat


def _girth_start(model: str, y: NDArray[np.int64]) -> NDArray[np.float64] | None:
    """Item estimates from girth in the internal parameterisation, or None if girth fails."""
    import girth
    from girth.utilities import INVALID_RESPONSE

    data = np.where(y < 0, INVALID_RESPONSE, y).T.astype(int)  # girth wants items x persons
    try:
        with np.errstate(all="ignore"):  # girth's own log(0) warnings; the EM checks the result
            return _girth_estimates(girth, model, data)
    except Exception:  # noqa: BLE001 - girth is unmaintained; the EM starts from defaults instead
        return None


def _girth_estimates(girth: Any, model: str, data: NDArray[np.int64]) -> NDArray[np.float64] | None:
    """girth's item estimates converted to the internal slope–intercept parameters."""
    if model == "rasch":
        b = np.asarray(girth.rasch_mml(data)["Difficulty"], dtype=float)
        return (-b)[:, None]
    if model == "1pl":
        res = girth.onepl_mml(data)
        a = float(res["Discrimination"])
        b = np.asarray(res["Difficulty"], dtype=float)
        return np.column_stack([np.full(b.size, a), -a * b])
    if model in ("2pl", "3pl"):
        res = girth.twopl_mml(data)
        a = np.asarray(res["Discrimination"], dtype=float)
        b = np.asarray(res["Difficulty"], dtype=float)
        return np.column_stack([a, -a * b])
    if model == "grm":
        res = girth.grm_mml(data)
        a = np.asarray(res["Discrimination"], dtype=float)
        return np.column_stack([a, -a[:, None] * np.asarray(res["Difficulty"], dtype=float)])
    return None


def _default_start(model: str, y: NDArray[np.int64], n_cat: NDArray[np.int64]) -> list[NDArray[np.float64]]:
    """Per item: adjacent-category log-odds as intercepts, slope 1."""
    out = []
    for j in range(y.shape[1]):
        counts = np.bincount(y[y[:, j] >= 0, j], minlength=n_cat[j]).astype(float) + 0.5
        if model == "grm":
            cum = np.cumsum(counts[::-1])[::-1][1:] / counts.sum()
            d = logit(cum)
            out.append(np.array([1.0, d[0], *np.log(np.maximum(-np.diff(d), 1e-3))]))
        else:
            out.append(np.log(counts[:-1] / counts[1:]) * -1.0)
    return out


def _build_groups(
    model: str, y: NDArray[np.int64], n_cat: NDArray[np.int64], c_start: float, engine: str
) -> tuple[list[em.Group], str]:
    start = None if (model == "pcm" or engine == "em") else _girth_start(model, y)
    engine = "girth+em" if start is not None else "em"
    if model == "3pl":
        engine = "em (start: girth 2pl)" if start is not None else "em"
    if model in em.DICHOTOMOUS:
        if start is None:
            p = np.array([(y[y[:, j] >= 0, j] == 1).mean() for j in range(y.shape[1])])
            d = logit(np.clip(p, 0.01, 0.99))
            start = d[:, None] if model == "rasch" else np.column_stack([np.ones_like(d), d])
        if model == "3pl":
            start = np.column_stack([start, np.full(start.shape[0], logit(c_start))])
        return [em.Group(np.arange(y.shape[1]), 2, np.asarray(start, dtype=float))], engine
    per_item: list[NDArray[np.float64]]
    if model == "grm" and start is not None:
        per_item = []
        for j in range(y.shape[1]):
            d = start[j, 1 : n_cat[j]]
            if not np.all(np.isfinite(d)) or np.any(np.diff(d) >= 0):
                per_item.append(_default_start(model, y[:, [j]], n_cat[[j]])[0])
            else:
                per_item.append(np.array([start[j, 0], d[0], *np.log(-np.diff(d))]))
    else:
        per_item = _default_start(model, y, n_cat)
    groups = []
    for k in np.unique(n_cat):
        idx = np.flatnonzero(n_cat == k)
        groups.append(em.Group(idx, int(k), np.vstack([per_item[j] for j in idx])))
    return groups, engine


def _item_table(model: str, groups: list[em.Group], items: pd.Index) -> pd.DataFrame:
    rows: dict[int, dict[str, float]] = {}
    for g in groups:
        for r, j in enumerate(g.items):
            e = g.eta[r]
            if model == "rasch":
                rows[j] = {"a": 1.0, "b": -e[0]}
            elif model in ("1pl", "2pl"):
                rows[j] = {"a": e[0], "b": -e[1] / e[0]}
            elif model == "3pl":
                rows[j] = {"a": e[0], "b": -e[1] / e[0], "c": float(expit(e[2]))}
            elif model == "grm":
                d = np.concatenate([[e[1]], e[1] - np.cumsum(np.exp(e[2:]))])
                rows[j] = {"a": e[0], **{f"b{k + 1}": -d[k] / e[0] for k in range(d.size)}}
            else:
                rows[j] = {"a": 1.0, **{f"b{k + 1}": -e[k] for k in range(e.size)}}
    table = pd.DataFrame([rows[j] for j in range(len(items))], index=items)
    table.index.name = "item"
    return table


def _reported(model: str, groups: list[em.Group], items: pd.Index) -> NDArray[np.float64]:
    t = _item_table(model, groups, items)
    cols = [c for c in t.columns if not (c == "a" and model in ("rasch", "pcm"))]
    return t[cols].to_numpy(dtype=float).ravel()


def _perturbation_sets(model: str, groups: list[em.Group], n_items: int) -> list[NDArray[np.int64]]:
    """Sets of free parameters (positions in ``em._pack``) no two of which belong to the
    same item; each set is given per item (position of that item's member, -1 if none)."""
    if model == "1pl":
        return [np.zeros(n_items, dtype=np.int64), 1 + np.arange(n_items, dtype=np.int64)]
    sets = []
    for i in range(max(g.eta.shape[1] for g in groups)):
        owner = np.full(n_items, -1, dtype=np.int64)
        pos = 0
        for g in groups:
            p = g.eta.shape[1]
            if i < p:
                owner[g.items] = pos + np.arange(len(g.items)) * p + i
            pos += g.eta.size
        sets.append(owner)
    return sets


def _standard_errors(
    model: str, data: em.Data, groups: list[em.Group], nodes: NDArray[np.float64],
    weights: NDArray[np.float64], c_prior: tuple[float, float] | None, method: SeMethod, items: pd.Index,
) -> pd.DataFrame:
    table = _item_table(model, groups, items)
    cols = [c for c in table.columns if not (c == "a" and model in ("rasch", "pcm"))]
    se = pd.DataFrame(np.nan, index=items, columns=[f"se_{c}" for c in table.columns])
    if method == "none":
        return se
    if method == "observed":
        info = em.louis_information(model, data, groups, nodes, weights, c_prior)
    else:
        info = em.crossprod_information(model, data, groups, nodes, weights)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return se
    vec = em._pack(model, groups)
    base = _reported(model, groups, items)
    jac = np.zeros((base.size, vec.size))
    h = 1e-6
    # An item's reported values depend only on its own parameters (and the shared 1PL
    # slope), so one central difference can move the same parameter of every item at once:
    # a handful of table evaluations instead of two per free parameter.
    item_of_row = np.arange(base.size) // len(cols)
    for owner in _perturbation_sets(model, groups, len(items)):
        e = np.zeros(vec.size)
        e[owner[owner >= 0]] = h
        up = _reported(model, em._unpack(model, groups, vec + e), items)
        dn = _reported(model, em._unpack(model, groups, vec - e), items)
        col = owner[item_of_row]
        ok = col >= 0
        jac[np.flatnonzero(ok), col[ok]] = np.nan_to_num((up - dn) / (2 * h))[ok]
    var = np.einsum("ij,jk,ik->i", jac, cov, jac)
    with np.errstate(invalid="ignore"):
        values = np.sqrt(np.where(var >= 0, var, np.nan)).reshape(len(items), len(cols))
    values[np.isnan(base.reshape(len(items), len(cols)))] = np.nan
    se[[f"se_{c}" for c in cols]] = values
    return se


def fit(
    scores: pd.DataFrame,
    model: str,
    *,
    se: SeMethod = "observed",
    engine: Literal["em", "girth"] = "em",
    c_prior: tuple[float, float] | None = (5.0, 17.0),
    max_iter: int = 500,
    tol: float = 1e-4,
    quadrature_points: int = 61,
) -> IrtFit:
    """Calibrate an IRT model by marginal maximum likelihood (Bock & Aitkin 1981).

    Parameters
    ----------
    scores : scored matrix, index = candidates, columns = items. 0/1 for rasch, 1pl, 2pl,
        3pl; whole numbers 0..m_j for grm and pcm (every category must be used). NaN means
        the item was not on the candidate's form: it is left out of that candidate's
        likelihood (never scored as wrong).
    model : ``"rasch"``, ``"1pl"``, ``"2pl"``, ``"3pl"``, ``"grm"`` or ``"pcm"``.
    se : ``"observed"`` (default), ``"crossprod"`` or ``"none"`` (see module docstring).
    engine : ``"em"`` (default): itembank's SQUAREM-accelerated EM from simple starting
        values; ``"girth"``: girth's estimates (its 2PL for 3PL), polished by the same EM.
        Same optimum; the default is the EM because it was faster in every case measured by
        ``benchmarks/bench_irt.py`` (girth's fit alone took longer than the EM with
        standard errors). PCM always uses the EM.
    c_prior : Beta(alpha, beta) prior on the 3PL lower asymptote, or None.
    max_iter, tol : EM stops when no internal parameter changes by more than ``tol``.
    quadrature_points : nodes on [-6, 6] for the N(0, 1) latent distribution.

    Returns
    -------
    IrtFit
        Logistic metric (D = 1); latent mean 0 and SD 1.

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> theta = rng.normal(size=500)
    >>> b = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    >>> x = (rng.random((500, 5)) < 1 / (1 + np.exp(-(theta[:, None] - b)))).astype(float)
    >>> res = fit(pd.DataFrame(x, columns=list("abcde")), "rasch", se="none")
    >>> bool(np.abs(res.items["b"].to_numpy() - b).max() < 0.3)
    True
    """
    y, n_cat = _validate(scores, model)
    if model in em.DICHOTOMOUS and n_cat.max() > 2:
        raise ValueError(f"model {model!r} needs 0/1 scores")
    if engine not in ("girth", "em"):
        raise ValueError(f"engine must be 'girth' or 'em'; you provided {engine!r}")
    if se not in ("observed", "crossprod", "none"):
        raise ValueError(f"se must be 'observed', 'crossprod' or 'none'; you provided {se!r}")
    if c_prior is not None and (len(c_prior) != 2 or min(c_prior) <= 0):
        raise ValueError(f"c_prior must be two positive numbers (alpha, beta) or None; you provided {c_prior!r}")
    if not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer; you provided {max_iter!r}")
    prior = c_prior if model == "3pl" else None
    c_start = prior[0] / (prior[0] + prior[1]) if prior is not None else 0.1
    nodes, weights = em.quadrature(quadrature_points)
    data = em.Data(y, n_cat)
    groups, used = _build_groups(model, y, n_cat, c_start, engine)
    res = em.run_em(model, data, groups, nodes=nodes, weights=weights, max_iter=max_iter, tol=tol, c_prior=prior)
    table = _item_table(model, res.groups, scores.columns)
    if not res.converged:
        warnings.warn(
            f"IRT {model} calibration did not converge in {max_iter} EM iterations (tol={tol}); "
            "raise max_iter or check the items' statistics",
            RuntimeWarning,
            stacklevel=2,
        )
    steep = table.index[table["a"] > 10.0]
    if len(steep):
        warnings.warn(
            f"item {steep[0]!r} has slope a = {table.loc[steep[0], 'a']:.1f} > 10: its responses are "
            "almost determined by the others (local dependence or a duplicated item?); its "
            "estimates and standard errors are not trustworthy",
            RuntimeWarning,
            stacklevel=2,
        )
    se_table = _standard_errors(model, data, res.groups, nodes, weights, prior, se, scores.columns)
    table = pd.concat([table, se_table], axis=1)
    table["n"] = (y >= 0).sum(axis=0)
    n_par = {
        "rasch": y.shape[1],
        "1pl": y.shape[1] + 1,
        "2pl": 2 * y.shape[1],
        "3pl": 3 * y.shape[1],
        "grm": int(n_cat.sum()),
        "pcm": int((n_cat - 1).sum()),
    }[model]
    return IrtFit(
        model=model,
        items=table,
        loglik=res.loglik,
        n_parameters=n_par,
        n_candidates=y.shape[0],
        converged=res.converged,
        iterations=res.iterations,
        engine=used,
        _scores=scores.apply(pd.to_numeric, errors="coerce").astype(float),
        _nodes=nodes,
        _weights=weights,
    )
