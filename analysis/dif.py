"""Differential item functioning (DIF) for a two-group variable.

Two methods, both matched on an observed score (by default the total score over all items,
the studied item included, as Holland & Thayer (1988) recommend):

* :func:`mantel_haenszel` -- the Mantel-Haenszel common odds ratio, the ETS delta-scale
  effect size MH D-DIF, the MH chi-square and the ETS A/B/C classification.
* :func:`logistic_regression_dif` -- nested logistic regressions (Swaminathan & Rogers, 1990)
  with likelihood-ratio chi-squares for uniform and non-uniform DIF and the Nagelkerke R²
  change classified by Zumbo & Thomas (1997) and by Jodoin & Gierl (2001).

Conventions (both functions):

* ``scores`` is the scored matrix (index ``candidate_id``, one column per item) with 0/1 item
  scores; ``group`` gives each candidate's group label (a Series aligned on the index, or an
  array of the same length). Candidates whose group is missing or neither ``focal`` nor
  ``reference`` are left out.
* Sign: a negative MH D-DIF (``alpha_mh > 1``) means the item favours the **reference** group
  (at equal matching score the reference group has the higher odds of a correct answer);
  positive means it favours the focal group.
* Missing item scores are a named policy, ``nan_policy``: ``"raise"`` (default) or ``"omit"``
  (the matching score is the sum over the items a candidate answered, and the candidate drops
  out of the analysis of an item they have no score on).

Checked against R 4.2 ``stats::mantelhaen.test`` and ``stats::glm`` (values stored in
``tests/data/reference/dif_*.json`` with the script that produced them).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["mantel_haenszel", "logistic_regression_dif", "ets_class"]

NanPolicy = Literal["raise", "omit"]

#: The ETS constant: delta = -4 ln(odds) on the ETS delta scale, and 4/1.7 = 2.35.
_ETS_DELTA = 2.35


def _prepare(
    scores: pd.DataFrame,
    group: pd.Series | Sequence[Hashable] | np.ndarray,
    focal: Hashable,
    reference: Hashable | None,
    matching: pd.Series | Sequence[float] | np.ndarray | None,
    nan_policy: str,
    func: str,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None, Hashable]:
    """Validate the inputs; return (scores, is_focal, matching or None, reference label)."""
    if not isinstance(scores, pd.DataFrame):
        raise ValueError(f"{func}: scores must be a pandas DataFrame, got {type(scores).__name__}")
    if scores.shape[1] == 0 or scores.shape[0] == 0:
        raise ValueError(f"{func}: scores is empty (shape {scores.shape})")
    if nan_policy not in ("raise", "omit"):
        raise ValueError(f"{func}: nan_policy must be 'raise' or 'omit', got {nan_policy!r}")
    if isinstance(group, pd.Series):
        if not group.index.equals(scores.index):
            missing = scores.index.difference(group.index)
            if len(missing):
                raise ValueError(
                    f"{func}: group has no value for candidate {missing[0]!r} "
                    f"({len(missing)} candidates in scores are missing from group)"
                )
            group = group.reindex(scores.index)
        g = group.to_numpy(dtype=object)
    else:
        g = np.asarray(group, dtype=object)
        if g.shape != (scores.shape[0],):
            raise ValueError(
                f"{func}: group has {g.size} values but scores has {scores.shape[0]} rows"
            )
    labels = pd.unique(pd.Series(g).dropna())
    if focal not in set(labels):
        raise ValueError(f"{func}: focal group {focal!r} does not occur in group {list(labels)!r}")
    if reference is None:
        others = [lab for lab in labels if lab != focal]
        if len(others) != 1:
            raise ValueError(
                f"{func}: group has labels {list(labels)!r}; with more than two groups "
                f"pass reference= explicitly"
            )
        reference = others[0]
    elif reference not in set(labels):
        raise ValueError(
            f"{func}: reference group {reference!r} does not occur in group {list(labels)!r}"
        )
    if reference == focal:
        raise ValueError(f"{func}: focal and reference are both {focal!r}")
    gs = pd.Series(g)
    keep = (gs.eq(focal) | gs.eq(reference)).to_numpy(dtype=bool)

    values = scores.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(values) & (values != 0) & (values != 1)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(
            f"{func}: item {scores.columns[c]!r} has score {float(values[r, c])!r} for candidate "
            f"{scores.index[r]!r}; DIF here needs 0/1 item scores"
        )
    if nan_policy == "raise" and np.isnan(values[keep]).any():
        r, c = np.argwhere(np.isnan(values) & keep[:, None])[0]
        raise ValueError(
            f"{func}: item {scores.columns[c]!r} has no score for candidate {scores.index[r]!r}; "
            f"pass nan_policy='omit' to leave such cells out"
        )

    m: np.ndarray | None = None
    if matching is not None:
        if isinstance(matching, pd.Series):
            matching = matching.reindex(scores.index)
        m = np.asarray(matching, dtype=float)
        if m.shape != (scores.shape[0],):
            raise ValueError(
                f"{func}: matching has {m.size} values but scores has {scores.shape[0]} rows"
            )
        if np.isnan(m[keep]).any():
            r = int(np.flatnonzero(np.isnan(m) & keep)[0])
            raise ValueError(f"{func}: matching score missing for candidate {scores.index[r]!r}")
        m = m[keep]
    sub = scores.loc[keep]
    is_focal = gs[keep].eq(focal).to_numpy(dtype=bool)
    return sub, is_focal, m, reference


def _mh_item(
    y: np.ndarray, focal: np.ndarray, strata: np.ndarray, correct: bool
) -> tuple[float, float, float, float, int, int]:
    """MH statistics for one item; returns (alpha, se_ln_alpha, chi2, p, n_ref, n_foc).

    Per stratum k (a matching-score level) with reference right/wrong A_k, B_k, focal
    right/wrong C_k, D_k and total N_k (Holland & Thayer, 1988):

    alpha_MH = sum(A D / N) / sum(B C / N)
    chi2_MH  = (|sum A - sum E(A)| - 0.5)^2 / sum Var(A),
      E(A) = n_R m_1 / N,  Var(A) = n_R n_F m_1 m_0 / (N^2 (N - 1))
    The 0.5 continuity correction is applied only when |sum A - sum E(A)| >= 0.5, as in R's
    ``mantelhaen.test(correct = TRUE)``. Var(ln alpha_MH) is the Robins-Breslow-Greenland
    (1986) estimator.
    """
    ok = ~np.isnan(y)
    if not ok.all():
        y, focal, strata = y[ok], focal[ok], strata[ok]
    n_foc = int(focal.sum())
    n_ref = int(y.size - n_foc)
    if n_foc == 0 or n_ref == 0:
        return (np.nan, np.nan, np.nan, np.nan, n_ref, n_foc)
    # ``strata`` are integer stratum codes 0..K-1; one bincount gives all four cell counts.
    n_strata = int(strata.max()) + 1
    cells = np.bincount(strata * 4 + focal * 2 + y.astype(np.int64), minlength=4 * n_strata)
    cells = cells.reshape(n_strata, 4).astype(float)
    b, a, d, c = cells[:, 0], cells[:, 1], cells[:, 2], cells[:, 3]
    n = a + b + c + d
    # Strata of one candidate carry no information (and Var(A) divides by N - 1).
    use = n > 1
    a, b, c, d, n = a[use], b[use], c[use], d[use], n[use]
    r = a * d / n
    s = b * c / n
    sr, ss = r.sum(), s.sum()
    alpha = sr / ss if ss > 0 else (np.inf if sr > 0 else np.nan)
    if sr > 0 and ss > 0:
        p_ = (a + d) / n
        q_ = (b + c) / n
        var_ln = (
            (p_ * r).sum() / (2 * sr**2)
            + (p_ * s + q_ * r).sum() / (2 * sr * ss)
            + (q_ * s).sum() / (2 * ss**2)
        )
        se_ln = float(np.sqrt(var_ln))
    else:
        se_ln = np.nan
    n_r, n_f = a + b, c + d
    m1, m0 = a + c, b + d
    expected = n_r * m1 / n
    var_a = n_r * n_f * m1 * m0 / (n**2 * (n - 1))
    v = var_a.sum()
    delta = abs(a.sum() - expected.sum())
    if v > 0:
        yates = 0.5 if (correct and delta >= 0.5) else 0.0
        chi2 = float((delta - yates) ** 2 / v)
        p = float(stats.chi2.sf(chi2, 1))
    else:
        chi2, p = np.nan, np.nan
    return (float(alpha), se_ln, chi2, p, n_ref, n_foc)


def ets_class(mh_d_dif: float, se_mh_d_dif: float, p_value: float, *, alpha: float = 0.05) -> str:
    """The ETS DIF category of one item (Zwick, 2012, ETS RR-12-08; Dorans & Holland, 1993).

    * ``"C"`` (large): |D| >= 1.5 **and** |D| is significantly greater than 1.0, tested
      one-sided as (|D| - 1) / SE(D) > z_(1 - alpha) (1.645 at alpha = 0.05);
    * ``"A"`` (negligible): |D| < 1.0, **or** the MH chi-square is not significant at
      ``alpha`` (D not significantly different from 0);
    * ``"B"`` (moderate): every other item (|D| >= 1.0 and significant, but not C).

    An item without a usable statistic (NaN) gets ``""``. An infinite D (no discordant cases
    on one side) with a significant chi-square but no standard error is ``"B"``: it cannot be
    shown to exceed 1.0 significantly.

    >>> ets_class(-1.8, 0.3, 0.0001)
    'C'
    >>> ets_class(-1.2, 0.3, 0.0001)
    'B'
    >>> ets_class(-1.8, 0.3, 0.2)
    'A'
    """
    if np.isnan(mh_d_dif) or np.isnan(p_value):
        return ""
    big = abs(mh_d_dif)
    if big < 1.0 or p_value >= alpha:
        return "A"
    z = stats.norm.ppf(1 - alpha)
    if big >= 1.5 and np.isfinite(big) and se_mh_d_dif > 0 and (big - 1.0) / se_mh_d_dif > z:
        return "C"
    return "B"


def _mh_table(
    sub: pd.DataFrame,
    is_focal: np.ndarray,
    matching_for: dict[Hashable, np.ndarray],
    correct: bool,
    alpha: float,
) -> pd.DataFrame:
    rows = []
    codes: dict[int, np.ndarray] = {}
    focal_int = is_focal.astype(np.int64)
    values = sub.to_numpy(dtype=float, na_value=np.nan)
    for j, item in enumerate(sub.columns):
        y = values[:, j]
        m = matching_for[item]
        if id(m) not in codes:  # items sharing one matching score share its stratum codes
            codes[id(m)] = np.unique(m, return_inverse=True)[1].ravel().astype(np.int64)
        a_mh, se_ln, chi2, p, n_ref, n_foc = _mh_item(y, focal_int, codes[id(m)], correct)
        with np.errstate(divide="ignore"):
            d = -_ETS_DELTA * np.log(a_mh) if a_mh == a_mh else np.nan
        se_d = _ETS_DELTA * se_ln
        rows.append(
            {
                "alpha_mh": a_mh,
                "mh_d_dif": float(d) + 0.0,  # + 0.0 turns -0.0 into 0.0
                "se_mh_d_dif": se_d,
                "chi2_mh": chi2,
                "p_value": p,
                "ets_class": ets_class(float(d), se_d, p, alpha=alpha),
                "n_reference": n_ref,
                "n_focal": n_foc,
            }
        )
    out = pd.DataFrame(rows, index=pd.Index(sub.columns, name="item_id"))
    return out


def mantel_haenszel(
    scores: pd.DataFrame,
    group: pd.Series | Sequence[Hashable] | np.ndarray,
    *,
    focal: Hashable,
    reference: Hashable | None = None,
    matching: pd.Series | Sequence[float] | np.ndarray | None = None,
    purify: bool = False,
    max_iterations: int = 10,
    correct: bool = True,
    alpha: float = 0.05,
    nan_policy: NanPolicy = "raise",
) -> pd.DataFrame:
    """Mantel-Haenszel DIF per item, matched on the total score (Holland & Thayer, 1988).

    .. math::

        \\alpha_{MH} = \\frac{\\sum_k A_k D_k / N_k}{\\sum_k B_k C_k / N_k}, \\qquad
        \\text{MH D-DIF} = -2.35 \\ln \\alpha_{MH}

    with, in matching-score stratum k, A/B the reference group's right/wrong counts and C/D
    the focal group's. The MH chi-square (1 df) is

    .. math::

        \\chi^2_{MH} = \\frac{(|\\sum_k A_k - \\sum_k E(A_k)| - 0.5)^2}{\\sum_k Var(A_k)}

    with the 0.5 continuity correction when ``correct`` (default; applied only when the
    absolute difference is at least 0.5, as R's ``mantelhaen.test`` does). SE(D) is 2.35 times
    the Robins-Breslow-Greenland (1986) standard error of ln(alpha_MH).

    Parameters
    ----------
    scores : DataFrame, candidates x items, 0/1.
    group : the candidates' group labels (Series on the same index, or an array).
    focal : the focal group's label. reference : the reference group's label; by default the
        only other label (required when ``group`` has more than two labels).
    matching : the matching score per candidate; by default the row sum of ``scores`` over all
        items (the studied item included).
    purify : two-stage (iterative) purification of the matching score (Holland & Thayer, 1988;
        as in R difR ``difMH(purify = TRUE)``): items flagged in the previous round (MH
        p-value < ``alpha``) are left out of the matching total, except that each item's own
        score always stays in its own matching total; repeated until the flagged set stops
        changing or ``max_iterations`` rounds. Not allowed together with ``matching``.
    alpha : the significance level for the chi-square, the ETS class and purification.
    nan_policy : ``"raise"`` or ``"omit"`` (see the module docstring).

    Returns
    -------
    DataFrame indexed by item (``item_id``):

    * ``alpha_mh``: MH common odds ratio (reference vs focal); > 1 favours the reference group.
    * ``mh_d_dif``: -2.35 ln(alpha_mh); negative = the item favours the reference group.
    * ``se_mh_d_dif``: its standard error (Robins-Breslow-Greenland).
    * ``chi2_mh``, ``p_value``: MH chi-square (1 df, continuity corrected) and its p-value.
    * ``ets_class``: ``"A"``, ``"B"`` or ``"C"`` (see :func:`ets_class` for the exact rule).
    * ``n_reference``, ``n_focal``: candidates of each group in the item's analysis.

    The attribute ``.attrs["purified_anchor_excluded"]`` lists the items left out of the
    matching score after purification (empty without it).

    Examples
    --------
    Two matching-score strata; reference right/wrong 6/4 and 8/2, focal 3/7 and 6/4, so
    alpha_MH = (6*7/20 + 8*4/20) / (4*3/20 + 2*6/20) = 3.7 / 1.2:

    >>> import pandas as pd
    >>> def block(stratum, group, right, wrong):
    ...     return [(stratum, group, 1)] * right + [(stratum, group, 0)] * wrong
    >>> rows = (block(1, "ref", 6, 4) + block(1, "foc", 3, 7)
    ...         + block(2, "ref", 8, 2) + block(2, "foc", 6, 4))
    >>> df = pd.DataFrame(rows, columns=["stratum", "group", "Q1"])
    >>> res = mantel_haenszel(df[["Q1"]], df["group"], focal="foc", matching=df["stratum"])
    >>> round(float(res.loc["Q1", "alpha_mh"]), 4), round(float(res.loc["Q1", "mh_d_dif"]), 4)
    (3.0833, -2.6461)
    """
    func = "mantel_haenszel"
    if purify and matching is not None:
        raise ValueError(f"{func}: purify=True recomputes the matching score; do not pass matching")
    if not 0 < alpha < 1:
        raise ValueError(f"{func}: alpha must be between 0 and 1, got {alpha!r}")
    sub, is_focal, m, _ = _prepare(scores, group, focal, reference, matching, nan_policy, func)
    values = sub.to_numpy(dtype=float, na_value=np.nan)
    items = list(sub.columns)

    def matching_for(anchor: np.ndarray) -> dict[Hashable, np.ndarray]:
        base = np.nansum(values[:, anchor], axis=1)
        out: dict[Hashable, np.ndarray] = {}
        for j, item in enumerate(items):
            if anchor[j]:
                out[item] = base
            else:
                out[item] = base + np.nan_to_num(values[:, j])
        return out

    if m is not None:
        table = _mh_table(sub, is_focal, {it: m for it in items}, correct, alpha)
        table.attrs["purified_anchor_excluded"] = []
        return table
    anchor = np.ones(len(items), dtype=bool)
    table = _mh_table(sub, is_focal, matching_for(anchor), correct, alpha)
    if purify:
        for _ in range(max_iterations):
            flagged = (table["p_value"] < alpha).to_numpy()
            new_anchor = ~flagged
            if (new_anchor == anchor).all():
                break
            anchor = new_anchor
            table = _mh_table(sub, is_focal, matching_for(anchor), correct, alpha)
    table.attrs["purified_anchor_excluded"] = [it for it, a in zip(items, anchor) if not a]
    return table


# --------------------------------------------------------------------------------------------
# Logistic regression DIF


def _logit_fit(
    x: np.ndarray, s: np.ndarray, m: np.ndarray, beta0: np.ndarray | None = None, max_iter: int = 100
) -> tuple[float, np.ndarray]:
    """Maximum-likelihood logistic regression on grouped data by Newton-Raphson.

    Row r is a covariate pattern seen m_r times with s_r successes; the log-likelihood is the
    Bernoulli one, sum_r [s_r eta_r - m_r log(1 + exp(eta_r))], identical to fitting the
    ungrouped 0/1 data (no binomial coefficients), so Nagelkerke's R² can use it directly.
    Step halving keeps every step an ascent, so (quasi-)separated data end at a finite
    log-likelihood close to the supremum instead of diverging. Returns (loglik, beta).
    """
    beta = np.zeros(x.shape[1]) if beta0 is None else beta0.astype(float).copy()

    def loglik(bv: np.ndarray) -> float:
        eta = x @ bv
        return float(np.sum(s * eta - m * np.logaddexp(0.0, eta)))

    ll = loglik(beta)
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        grad = x.T @ (s - m * p)
        hess = (x * (m * p * (1 - p))[:, None]).T @ x
        try:
            step = np.linalg.solve(hess + 1e-10 * np.eye(x.shape[1]), grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        t = 1.0
        while True:
            new = beta + t * step
            new_ll = loglik(new)
            if new_ll >= ll - 1e-12 or t < 1e-8:
                break
            t /= 2
        converged = abs(new_ll - ll) < 1e-12 * (1 + abs(ll)) and np.max(np.abs(t * step)) < 1e-7
        beta, ll = new, new_ll
        if converged:
            break
    return ll, beta


def _nagelkerke(ll_model: float, ll_null: float, n: int) -> float:
    """Nagelkerke (1991) R²: Cox-Snell R² divided by its maximum 1 - exp(2 LL_0 / n)."""
    cox_snell = 1.0 - np.exp(2.0 * (ll_null - ll_model) / n)
    top = 1.0 - np.exp(2.0 * ll_null / n)
    return float(cox_snell / top) if top > 0 else np.nan


def _r2_class(delta: float, p: float, alpha: float, bounds: tuple[float, float]) -> str:
    if np.isnan(delta) or np.isnan(p):
        return ""
    if p >= alpha or delta < bounds[0]:
        return "A"
    return "B" if delta < bounds[1] else "C"


#: Zumbo & Thomas (1997): negligible < 0.13 <= moderate < 0.26 <= large.
_ZUMBO_THOMAS = (0.13, 0.26)
#: Jodoin & Gierl (2001): negligible < 0.035 <= moderate < 0.070 <= large.
_JODOIN_GIERL = (0.035, 0.070)


def logistic_regression_dif(
    scores: pd.DataFrame,
    group: pd.Series | Sequence[Hashable] | np.ndarray,
    *,
    focal: Hashable,
    reference: Hashable | None = None,
    matching: pd.Series | Sequence[float] | np.ndarray | None = None,
    alpha: float = 0.05,
    nan_policy: NanPolicy = "raise",
) -> pd.DataFrame:
    """Logistic-regression DIF, uniform and non-uniform (Swaminathan & Rogers, 1990).

    Three nested models per item, T the matching score and G = 1 for the focal group:

    .. math::

        M_0: \\operatorname{logit} P(x=1) = \\beta_0 + \\beta_1 T \\\\
        M_1: \\; \\ldots + \\beta_2 G \\\\
        M_2: \\; \\ldots + \\beta_2 G + \\beta_3 T G

    Likelihood-ratio chi-squares: uniform DIF = 2(LL_1 - LL_0) (1 df), non-uniform DIF =
    2(LL_2 - LL_1) (1 df), both together = 2(LL_2 - LL_0) (2 df). Effect size: the change in
    Nagelkerke R² (Zumbo, 1999), classified with the bounds of Zumbo & Thomas (1997)
    (A < 0.13 <= B < 0.26 <= C) and of Jodoin & Gierl (2001) (A < 0.035 <= B < 0.070 <= C);
    the classes use the 2-df comparison (M_0 vs M_2) and are ``"A"`` when its chi-square is
    not significant at ``alpha``. Checked against R ``glm(family = binomial)`` deviances.

    ``matching`` defaults to the total score over all items (studied item included).

    Returns
    -------
    DataFrame indexed by item (``item_id``):
    ``chi2_uniform``, ``p_uniform``, ``chi2_nonuniform``, ``p_nonuniform``, ``chi2_total``,
    ``p_total``, ``r2_delta_uniform`` (R²_1 - R²_0), ``r2_delta_nonuniform`` (R²_2 - R²_1),
    ``r2_delta_total`` (R²_2 - R²_0), ``zumbo_thomas_class``, ``jodoin_gierl_class``,
    ``n_reference``, ``n_focal``.
    """
    func = "logistic_regression_dif"
    if not 0 < alpha < 1:
        raise ValueError(f"{func}: alpha must be between 0 and 1, got {alpha!r}")
    sub, is_focal, m, _ = _prepare(scores, group, focal, reference, matching, nan_policy, func)
    values = sub.to_numpy(dtype=float, na_value=np.nan)
    total = np.nansum(values, axis=1) if m is None else m
    rows = []
    for j, item in enumerate(sub.columns):
        y = values[:, j]
        ok = ~np.isnan(y)
        yy, tt, gg = y[ok], total[ok], is_focal[ok].astype(float)
        n = yy.size
        n_foc = int(gg.sum())
        row: dict[str, float | int | str] = {"n_reference": n - n_foc, "n_focal": n_foc}
        if n_foc == 0 or n_foc == n or yy.min() == yy.max():
            row.update(
                {k: np.nan for k in ("chi2_uniform", "p_uniform", "chi2_nonuniform",
                                     "p_nonuniform", "chi2_total", "p_total",
                                     "r2_delta_uniform", "r2_delta_nonuniform",
                                     "r2_delta_total")}
            )
            row["zumbo_thomas_class"] = ""
            row["jodoin_gierl_class"] = ""
            rows.append(row)
            continue
        # Standardising the score changes no likelihood but keeps Newton well conditioned.
        tc = (tt - tt.mean()) / (tt.std() or 1.0)
        # Candidates sharing (score, group) share every model's prediction: fit on the
        # (at most 2 x number of score levels) covariate patterns instead of n rows.
        levels, level_of = np.unique(tc, return_inverse=True)
        key = level_of.ravel() * 2 + gg.astype(np.int64)
        cnt = np.bincount(key, minlength=2 * levels.size).astype(float)
        succ = np.bincount(key, weights=yy, minlength=2 * levels.size)
        seen = cnt > 0
        cnt, succ = cnt[seen], succ[seen]
        pt = np.repeat(levels, 2)[seen]
        pg = np.tile([0.0, 1.0], levels.size)[seen]
        one = np.ones(pt.size)
        # Intercept-only model in closed form: LL = n [p ln p + (1 - p) ln(1 - p)].
        pbar = yy.mean()
        ll_null = n * (pbar * np.log(pbar) + (1 - pbar) * np.log(1 - pbar))
        ll0, b0 = _logit_fit(np.column_stack([one, pt]), succ, cnt)
        ll1, b1 = _logit_fit(np.column_stack([one, pt, pg]), succ, cnt, np.append(b0, 0.0))
        ll2, _ = _logit_fit(np.column_stack([one, pt, pg, pt * pg]), succ, cnt, np.append(b1, 0.0))
        # A larger model can never fit worse; tiny negatives are convergence noise.
        chi_u = max(2 * (ll1 - ll0), 0.0)
        chi_n = max(2 * (ll2 - ll1), 0.0)
        chi_t = max(2 * (ll2 - ll0), 0.0)
        r0, r1, r2 = (_nagelkerke(ll, ll_null, n) for ll in (ll0, ll1, ll2))
        p_t = float(stats.chi2.sf(chi_t, 2))
        row.update(
            {
                "chi2_uniform": chi_u,
                "p_uniform": float(stats.chi2.sf(chi_u, 1)),
                "chi2_nonuniform": chi_n,
                "p_nonuniform": float(stats.chi2.sf(chi_n, 1)),
                "chi2_total": chi_t,
                "p_total": p_t,
                "r2_delta_uniform": r1 - r0,
                "r2_delta_nonuniform": r2 - r1,
                "r2_delta_total": r2 - r0,
                "zumbo_thomas_class": _r2_class(r2 - r0, p_t, alpha, _ZUMBO_THOMAS),
                "jodoin_gierl_class": _r2_class(r2 - r0, p_t, alpha, _JODOIN_GIERL),
            }
        )
        rows.append(row)
    cols = [
        "chi2_uniform", "p_uniform", "chi2_nonuniform", "p_nonuniform", "chi2_total",
        "p_total", "r2_delta_uniform", "r2_delta_nonuniform", "r2_delta_total",
        "zumbo_thomas_class", "jodoin_gierl_class", "n_reference", "n_focal",
    ]
    return pd.DataFrame(rows, index=pd.Index(sub.columns, name="item_id"))[cols]
