"""Reports around assembly: coverage, expected statistics, gap report, infeasibility.

All reports speak in blueprint terms (constraint ids and their conditions) so a committee can
act on them without knowing the optimiser.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy import sparse

from itembank.assembly.blueprint import BlueprintConstraint
from itembank.assembly.pool import AssemblyOptions, Prepared, item_information, prepare
from itembank.assembly.verify import constraint_value

__all__ = [
    "coverage_report",
    "expected_alpha",
    "expected_statistics",
    "explain_infeasibility",
    "gap_report",
    "information_curve",
    "items_needed",
]


def _sharing(limit: int) -> str:
    """'no items shared', 'at most 1 item shared', 'at most 3 items shared'."""
    if limit == 0:
        return "no items shared"
    return f"at most {limit} item{'' if limit == 1 else 's'} shared"


def items_needed(per_form: int, forms: int, overlap: int | None) -> int:
    """Fewest different items a cell needs so that ``forms`` forms each get ``per_form`` of them
    while any two forms share at most ``overlap`` items (``None``: no limit).

    If item t is on d_t forms, then sum d_t = K L and the pairs of forms sharing an item number
    sum C(d_t, 2) <= C(K, 2) o with o = min(L, overlap). By convexity sum C(d_t, 2) >= n C(KL/n, 2)
    for n different items, hence n >= K L^2 / (L + (K - 1) o). Example: 2 forms of 3 items
    sharing at most 1 need 2*9/(3+1) = 4.5 -> 5 items. This is a necessary minimum: the overlap
    limit is for the whole form, so the solver may need more in one cell.
    """
    L, K = int(per_form), int(forms)
    if L <= 0:
        return 0
    o = L if overlap is None else min(L, int(overlap))
    if K == 1 or o >= L:
        return L
    return int(math.ceil(K * L * L / (L + (K - 1) * o) - 1e-9))


def coverage_report(
    pool: pd.DataFrame,
    forms: Sequence[Sequence[int]],
    blueprint: Sequence[BlueprintConstraint],
    *,
    options: AssemblyOptions | None = None,
) -> pd.DataFrame:
    """One row per form and active blueprint row (plus ``mean_p_band`` when set in ``options``).

    Columns: ``form`` (1-based), ``constraint_id``, ``type``, ``counts``, ``condition``,
    ``lower``, ``upper``, ``value`` (count, sum, or mean over items with a value; NaN when no
    item has one) and ``met``.
    """
    prep = prepare(pool, blueprint, (), options=replace(options or AssemblyOptions(), forms=max(1, len(forms)), include=(), exclude=()))
    rows = []
    for f, ids in enumerate(forms, start=1):
        for con in prep.constraints:
            v = constraint_value(prep.pool, ids, con)
            met = True if np.isnan(v) else (
                (con.lower is None or v >= con.lower - 1e-9) and (con.upper is None or v <= con.upper + 1e-9)
            )
            rows.append(dict(form=f, constraint_id=con.id, type=con.type, counts=con.counts,
                             condition=str(con.condition), lower=con.lower, upper=con.upper, value=v, met=bool(met)))
    return pd.DataFrame(rows, columns=["form", "constraint_id", "type", "counts", "condition", "lower", "upper", "value", "met"])


def information_curve(
    pool: pd.DataFrame, forms: Sequence[Sequence[int]], *, thetas: Sequence[float] | None = None
) -> pd.DataFrame:
    """Test information per form (columns ``1..K``) at each theta (index ``theta``).

    Sum of 3PL item information (see :func:`itembank.assembly.item_information`); items
    without IRT parameters add 0. Default thetas: -4 to 4 in steps of 0.25.
    """
    th = np.arange(-4.0, 4.0001, 0.25) if thetas is None else np.asarray(thetas, dtype=float)
    pool = pool.sort_index()
    data = {f: item_information(pool.loc[list(ids)], th).sum(axis=0) for f, ids in enumerate(forms, start=1)}
    return pd.DataFrame(data, index=pd.Index(th, name="theta"))


def expected_alpha(items: pd.DataFrame, *, n_nodes: int = 61) -> float:
    """Model-implied coefficient alpha of a form of dichotomous items with 3PL parameters.

    With ability theta ~ N(0, 1) on the parameters' metric and local independence, the item
    means are pi_i = E[P_i], variances pi_i (1 - pi_i), covariances E[P_i P_j] - pi_i pi_j
    (Lord & Novick 1968, ch. 16; Lord 1980, ch. 4); alpha is Cronbach's (1951) formula on that
    covariance matrix: k/(k-1) (1 - sum var_i / var T). Expectations by Gauss-Hermite
    quadrature with ``n_nodes`` nodes. NaN if any item lacks ``a``/``b`` or has points != 1,
    or the form has fewer than 2 items: the value is only defined where the model is.
    """
    k = len(items)
    if k < 2 or items["a"].isna().any() or items["b"].isna().any() or (items["points"] != 1).any():
        return float("nan")
    nodes, weights = np.polynomial.hermite_e.hermegauss(n_nodes)
    weights = weights / weights.sum()
    a = items["a"].to_numpy(float)[:, None]
    b = items["b"].to_numpy(float)[:, None]
    c = np.nan_to_num(items["c"].to_numpy(float), nan=0.0)[:, None]
    P = c + (1 - c) / (1 + np.exp(-a * (nodes[None, :] - b)))  # k x nodes
    pi = P @ weights
    cov = (P * weights) @ P.T - np.outer(pi, pi)
    np.fill_diagonal(cov, pi * (1 - pi))
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def expected_statistics(pool: pd.DataFrame, forms: Sequence[Sequence[int]], *, cut_theta: float = 0.0) -> pd.DataFrame:
    """Expected statistics per form (index ``form``, 1-based).

    Columns: ``n_items``; ``total_points``; ``n_with_p`` and ``mean_p`` (mean classical p over
    the items that have one; NaN if none); ``n_with_irt``; ``information_at_cut`` (sum of 3PL
    item information at ``cut_theta``, items without parameters add 0); ``sem_at_cut``
    (1/sqrt(information), the conditional SEM of the ability estimate); ``expected_alpha``
    (see :func:`expected_alpha`; NaN unless every item has IRT parameters and 1 point).
    """
    pool = pool.sort_index()
    rows = []
    for f, ids in enumerate(forms, start=1):
        sub = pool.loc[list(ids)]
        p = pd.to_numeric(sub["p"], errors="coerce")
        info = float(item_information(sub, cut_theta).sum())
        rows.append(dict(
            form=f,
            n_items=len(sub),
            total_points=float(pd.to_numeric(sub["points"]).sum()),
            n_with_p=int(p.notna().sum()),
            mean_p=float(p.mean()) if p.notna().any() else float("nan"),
            n_with_irt=int((sub["a"].notna() & sub["b"].notna()).sum()),
            information_at_cut=info,
            sem_at_cut=1 / math.sqrt(info) if info > 0 else float("inf"),
            expected_alpha=expected_alpha(sub),
        ))
    return pd.DataFrame(rows).set_index("form")


def _codes(df: pd.DataFrame, mask: np.ndarray) -> set[str]:
    return set(df.loc[mask, "item_code"])


def gap_report(
    pool: pd.DataFrame,
    blueprint: Sequence[BlueprintConstraint],
    enemies: Iterable[tuple[str, str]] = (),
    *,
    options: AssemblyOptions | None = None,
) -> pd.DataFrame:
    """Per blueprint cell (``count`` row with a minimum): supply against what K forms need.

    Columns: ``constraint_id``, ``condition``, ``per_form`` (the row's minimum), ``approved``
    (different item codes in the pool that match), ``eligible`` (of those, usable under the
    exclude list and exposure rules), ``needed`` (:func:`items_needed` for ``options.forms``
    forms and the overlap limit), ``to_write`` (``needed - eligible``, at least 0) and
    ``needed_in_rotation`` (with ``exclude_used_in_last = N``: an item used on a form may return
    N + 1 forms later, so a steady stream of forms needs ``per_form * (N + 1)`` items; NaN
    without that rule).
    """
    prep = prepare(pool, blueprint, enemies, options=options)
    df, opts = prep.pool, prep.options
    rows = []
    for con in prep.constraints:
        if not con.is_cell:
            continue
        mask = con.condition.mask(df)
        L = int(math.ceil(con.lower - 1e-9))
        approved = len(_codes(df, mask))
        eligible = len(_codes(df, mask & prep.eligible))
        needed = items_needed(L, opts.forms, prep.overlap_limit)
        rows.append(dict(
            constraint_id=con.id, condition=str(con.condition), per_form=L, approved=approved,
            eligible=eligible, needed=needed, to_write=max(0, needed - eligible),
            needed_in_rotation=float(L * (opts.exclude_used_in_last + 1)) if opts.exclude_used_in_last else float("nan"),
        ))
    return pd.DataFrame(rows, columns=["constraint_id", "condition", "per_form", "approved", "eligible", "needed",
                                       "to_write", "needed_in_rotation"])


def _max_enemy_free(codes: list[str], enemies: list[tuple[str, str]]) -> int:
    """Largest number of the given codes with no enemy pair among them (a small 0/1 programme)."""
    idx = {c: i for i, c in enumerate(codes)}
    pairs = [(idx[a], idx[b]) for a, b in enemies if a in idx and b in idx]
    if not pairs:
        return len(codes)
    r = np.repeat(np.arange(len(pairs)), 2)
    c = np.array(pairs).ravel()
    A = sparse.csr_array((np.ones(len(c)), (r, c)), shape=(len(pairs), len(codes)))
    res = milp(-np.ones(len(codes)), integrality=np.ones(len(codes)), bounds=Bounds(0, 1),
               constraints=LinearConstraint(A, -np.inf, 1), options={"time_limit": 5.0})
    return int(round(-res.fun)) if res.x is not None else len(codes)


def explain_infeasibility(
    pool: pd.DataFrame,
    blueprint: Sequence[BlueprintConstraint],
    enemies: Iterable[tuple[str, str]] = (),
    *,
    options: AssemblyOptions | None = None,
    time_limit: float = 10.0,
) -> list[str]:
    """Why no forms exist, in committee words; an empty list means the forms do exist.

    First the counting checks (per cell: eligible items against :func:`items_needed`; items
    forced in by the include list against a cell maximum; enemy pairs inside a cell), which are
    exact reasons (:func:`_counting_reasons`). If they find nothing, each group of rules
    (exposure rules, overlap, enemies, item sets, include list, mean-p band, target
    information, number of forms) is relaxed in turn and the model re-solved (each within
    ``time_limit`` s); a group whose removal makes the forms possible is named
    (:func:`_relaxed_rule_reasons`). Last, blueprint rows that cannot hold together are named
    (:func:`_conflicting_row_reasons`).
    """
    enemies = list(enemies)
    prep = prepare(pool, blueprint, enemies, options=options)
    reasons = _counting_reasons(prep)
    if reasons:
        return reasons
    inputs = _Inputs(pool, blueprint, enemies, prep.options, time_limit)
    reasons = _relaxed_rule_reasons(inputs, prep)
    if reasons:
        return reasons
    return _conflicting_row_reasons(inputs, prep)


def _counting_reasons(prep: Prepared) -> list[str]:
    """The exact reasons found by counting, per blueprint row (see :func:`explain_infeasibility`)."""
    df = prep.pool
    reasons: list[str] = []
    for con in prep.constraints:
        mask = con.condition.mask(df)
        if con.type == "count" and con.upper is not None:
            reasons.extend(_forced_above_maximum(prep, con, mask))
        if con.is_cell:
            reasons.extend(_short_cell(prep, con, mask))
    return reasons


def _forced_above_maximum(prep: Prepared, con: BlueprintConstraint, mask: np.ndarray) -> list[str]:
    """The include list puts more items of this row on every form than the row allows."""
    df = prep.pool
    forced = mask & (df.index.isin(prep.include_ids) | df["item_code"].isin(prep.include_codes).to_numpy())
    n_forced = len(_codes(df, forced))
    if n_forced <= con.upper:  # type: ignore[operator]
        return []
    return [
        f"Constraint '{con.id}' ({con.describe()}) allows at most {con.upper:g} items per form, "
        f"but the include list puts {n_forced} such items on every form."
    ]


def _short_cell(prep: Prepared, con: BlueprintConstraint, mask: np.ndarray) -> list[str]:
    """A cell with fewer usable items than K forms need (:func:`items_needed`), or whose usable
    items cannot fill one form without an enemy pair."""
    df, K = prep.pool, prep.options.forms
    L = int(math.ceil(con.lower - 1e-9))  # type: ignore[operator]
    approved = _codes(df, mask)
    eligible = _codes(df, mask & prep.eligible)
    needed = items_needed(L, K, prep.overlap_limit)
    if len(eligible) < needed:
        why = df.loc[mask & ~prep.eligible, "item_code"].groupby(prep.reasons[mask & ~prep.eligible]).nunique()
        lost = "; ".join(f"{n} {r}" for r, n in why.items())
        forms_txt = (
            f"{K} forms with {_sharing(prep.overlap_limit)} between two forms need"
            if K > 1 and prep.overlap_limit is not None and prep.overlap_limit < L
            else (f"{K} forms need" if K > 1 else "one form needs")
        )
        return [
            f"Cell '{con.id}' ({con.describe()}): {L} per form; {forms_txt} at least {needed} different "
            f"approved items, but only {len(eligible)} can be used ({len(approved)} approved"
            + (f"; not usable: {lost}" if lost else "")
            + f"). Write at least {needed - len(eligible)} more."
        ]
    if prep.enemies:
        free = _max_enemy_free(sorted(eligible), prep.enemies)
        if free < L:
            inside = [f"{a}/{b}" for a, b in prep.enemies if a in eligible and b in eligible]
            return [
                f"Cell '{con.id}' ({con.describe()}): {L} per form, and {len(eligible)} items can be used, "
                f"but the enemy pairs {', '.join(inside)} leave at most {free} of them together on one form."
            ]
    return []


@dataclass(frozen=True)
class _Inputs:
    """The assembly inputs an explanation re-solves with some rules relaxed."""

    pool: pd.DataFrame
    blueprint: Sequence[BlueprintConstraint]
    enemies: list[tuple[str, str]]
    options: AssemblyOptions
    time_limit: float

    def feasible(self, **changes: object) -> bool | None:
        """Can the forms be assembled with these option changes (``enemies=`` replaces the
        pairs)? None when undecided or when the change makes the input invalid."""
        from itembank.assembly.solve import is_feasible

        o = replace(self.options, **{k: v for k, v in changes.items() if k != "enemies"})
        en = changes.get("enemies", self.enemies)
        try:
            p2 = prepare(self.pool, self.blueprint, en, options=o)  # type: ignore[arg-type]
        except Exception:  # a relaxation that makes the input invalid tells us nothing
            return None
        return is_feasible(p2, time_limit=self.time_limit)


def _relaxable_rules(prep: Prepared) -> list[tuple[bool, dict[str, object], str]]:
    """Each group of rules as ``(active, option changes that switch it off, its words)``."""
    opts, K = prep.options, prep.options.forms
    return [
        (bool(opts.exclude_used_in_last) or opts.max_exposure_rate is not None,
         dict(exclude_used_in_last=None, max_exposure_rate=None),
         "the exposure rules (" + ", ".join(filter(None, [
             f"not used in the last {opts.exclude_used_in_last} forms" if opts.exclude_used_in_last else "",
             f"exposure rate at most {opts.max_exposure_rate:g}" if opts.max_exposure_rate is not None else ""])) + ")"),
        (K > 1 and prep.overlap_limit is not None, dict(max_overlap=None, max_overlap_items=None),
         f"the overlap limit ({_sharing(prep.overlap_limit)} between any two of the {K} forms)"),
        (bool(prep.enemies), dict(enemies=[]), f"the enemy pairs ({len(prep.enemies)} pairs)"),
        (prep.whole_sets and prep.pool["set_id"].notna().any(), dict(set_min_items=1),
         "the rule that item sets are used all-or-nothing"),
        (bool(opts.include), dict(include=()), "the include list"),
        (opts.mean_p_band is not None, dict(mean_p_band=None), f"the mean p-value band {opts.mean_p_band}"),
        (opts.target_information is not None, dict(target_information=None),
         f"the target test information {opts.target_information} at theta {opts.cut_theta:g}"),
        (K > 1, dict(forms=1), f"asking for {K} forms at once"),
    ]


def _relaxed_rule_reasons(inputs: _Inputs, prep: Prepared) -> list[str]:
    """Each active group of rules whose removal alone makes the forms possible."""
    reasons: list[str] = []
    for active, change, words in _relaxable_rules(prep):
        if active and inputs.feasible(**change):
            if "forms" in change:
                reasons.append(f"One form can be assembled, but not {prep.options.forms} forms at once under these rules.")
            else:
                reasons.append(f"The forms can be assembled without {words}; with it they cannot.")
    return reasons


def _conflicting_row_reasons(inputs: _Inputs, prep: Prepared) -> list[str]:
    """When even one form without the other rules is impossible: the blueprint rows whose
    removal alone makes one form possible; else the rules only fail together."""
    base = dict(forms=1, max_overlap=None, max_overlap_items=None, include=(), exclude_used_in_last=None,
                max_exposure_rate=None, mean_p_band=None, target_information=None, objective="feasible")
    if inputs.feasible(**base) is not False:
        return ["Each rule can be met on its own, but not all together; loosen the overlap, exposure or enemy rules "
                "or add items (see the gap report)."]
    from itembank.assembly.solve import is_feasible

    culprits = []
    for con in prep.constraints:
        if con.id == "mean_p_band":
            continue
        rest = [r for r in inputs.blueprint if r.id != con.id]
        try:
            p2 = prepare(inputs.pool, rest, inputs.enemies, options=replace(inputs.options, **base))  # type: ignore[arg-type]
        except Exception:
            continue
        if is_feasible(p2, time_limit=inputs.time_limit):
            culprits.append(f"'{con.id}' ({con.describe()}, {con.lower}..{con.upper})")
    if culprits:
        return [f"Even one form is impossible with the approved items; switching off any one of these blueprint "
                f"rows would make it possible: {', '.join(culprits)}."]
    return ["Even one form is impossible with the approved items: several blueprint rows conflict "
            "(check that the cell counts, totals and points add up and that enough items match each row)."]
