"""The assembly model as a 0/1 linear programme, solved with ``scipy.optimize.milp`` (HiGHS).

Variables: ``x[f, j] = 1`` when eligible item version ``j`` is on form ``f``; for partial item
sets a 0/1 ``z[f, s]``; for the overlap limit a continuous ``y[f, g, code] >= x_f + x_g - 1``
(1 exactly when both forms hold the code; continuous suffices because ``y`` is only pushed
up); one continuous auxiliary for the maximin / minimax objectives (van der Linden 2005,
*Linear Models for Optimal Test Design*, Springer, ch. 4-6).

* ``max_information``: maximise ``t`` with ``I_f(theta_cut) >= t`` on every form (maximin, so
  parallel forms are equally informative) plus ``1e-5`` x the mean information of the forms.
* ``match_reference``: minimise ``d`` with ``|I_f(theta_k) - I_ref(theta_k)| <= d`` (or the
  count of items per p-value bin) for every form and point (minimax deviation).
* ``spread_exposure``: minimise the summed ``times_used + exposure_rate`` of the chosen items.

Speed, without giving up exactness: interchangeable items beyond what K forms can use are
left out of the model (:func:`_dominance_keep`, with its proof), and several forms under an
overlap limit are solved as a fast restriction, a relaxation that bounds the optimum, and the
exact pairwise model within one time limit (:func:`_solve`); the reported gap is against a
valid bound of the exact model.

Determinism: the pool is sorted by ``item_version_id`` before the model is built, and every
``x[f, j]`` gets a tiny cost ``eps * r[f, j]`` with ``r[f, j] = ((j + f*m//K) mod m) / m``
(``m`` items in the model, ``K`` forms), so ties between equally good items go to the lower
``item_version_id`` and the forms start their preferences at different places (this breaks
the symmetry between interchangeable forms). ``eps`` keeps the total perturbation below
1e-6 of the objective's scale. HiGHS is deterministic for a given model, so the same input
gives the same forms unless the time limit stops the search (then the status says so).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from itembank.assembly.blueprint import BlueprintConstraint
from itembank.assembly.errors import AssemblyError, AssemblyInputError, InfeasibleAssemblyError, VerificationError
from itembank.assembly.pool import AssemblyOptions, Prepared, item_information, prepare

__all__ = ["AssemblyResult", "assemble", "order_form", "reference_targets"]

BINARY_TOLERANCE = 1e-6


@dataclass
class AssemblyResult:
    """Verified forms and how the solver got there.

    ``forms[k]`` lists the ``item_version_id``\\ s of form ``k + 1`` in booklet order (see
    :func:`order_form`). ``status`` is ``optimal`` (proven within ``mip_rel_gap``) or
    ``time_limit`` (best form found when the time ran out; ``gap`` says how far from proven).
    ``objective_value`` is recomputed from the chosen items in natural units: the lowest
    information at the cut over the forms (``max_information``), the largest deviation from
    the reference (``match_reference``), the summed earlier uses ``times_used +
    exposure_rate`` (``spread_exposure``) or 0 (``feasible``). ``verification`` is the table of
    every independent check (all passed, else :class:`VerificationError` was raised).
    """

    forms: list[list[int]]
    status: str
    objective: str
    objective_value: float
    gap: float | None
    solve_seconds: float
    verification: pd.DataFrame
    message: str = ""


class _Rows:
    """Accumulates sparse constraint rows ``lo <= A x <= hi``."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, cols: np.ndarray, vals: np.ndarray | float, lo: float, hi: float) -> None:
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.broadcast_to(np.asarray(vals, dtype=float), cols.shape)
        self.r.append(np.full(cols.shape, len(self.lo), dtype=np.int64))
        self.c.append(cols)
        self.v.append(vals)
        self.lo.append(lo)
        self.hi.append(hi)

    def add_many(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        """Add several rows at once; ``rows`` numbers them 0..len(lo)-1 locally."""
        base = len(self.lo)
        self.r.append(np.asarray(rows, dtype=np.int64) + base)
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.asarray(vals, dtype=float))
        self.lo.extend(np.asarray(lo, dtype=float).tolist())
        self.hi.extend(np.asarray(hi, dtype=float).tolist())

    def constraint(self, n_vars: int) -> LinearConstraint:
        r = np.concatenate(self.r) if self.r else np.zeros(0, np.int64)
        c = np.concatenate(self.c) if self.c else np.zeros(0, np.int64)
        v = np.concatenate(self.v) if self.v else np.zeros(0)
        a = sparse.csr_array((v, (r, c)), shape=(len(self.lo), n_vars))
        return LinearConstraint(a, np.array(self.lo), np.array(self.hi))


def reference_targets(opts: AssemblyOptions) -> tuple[np.ndarray, str]:
    """Target values the ``match_reference`` objective aims at, and what they are."""
    ref = opts.reference
    if ref is None:
        raise AssemblyInputError("objective match_reference needs the reference form's rows (option reference)")
    if opts.reference_target == "information":
        r = ref.copy()
        if "c" not in r.columns:
            r["c"] = np.nan
        info = item_information(r, np.asarray(opts.reference_thetas, dtype=float))
        return info.sum(axis=0), "information"
    return _bin_counts(ref["p"].to_numpy(dtype=float), opts.difficulty_bins).astype(float), "difficulty"


def _bin_membership(p: np.ndarray, edges: Any) -> np.ndarray:
    """``(len(p), n_bins)`` 0/1 matrix; missing p is in no bin; bins right-closed, first closed."""
    e = np.asarray(edges, dtype=float)
    out = np.zeros((len(p), len(e) - 1))
    for k in range(len(e) - 1):
        lo, hi = e[k], e[k + 1]
        inside = (p > lo) & (p <= hi) if k > 0 else (p >= lo) & (p <= hi)
        out[:, k] = np.where(np.isfinite(p), inside, False)
    return out


def _bin_counts(p: np.ndarray, edges: Any) -> np.ndarray:
    return _bin_membership(p, edges).sum(axis=0)


def _dominance_keep(prep: Prepared, sub: pd.DataFrame) -> np.ndarray:
    """Which eligible items the model needs; the others are provably never required.

    Items are *interchangeable* when they match the same blueprint conditions, have the same
    values in every summed column, and none of them is in an item set, an enemy pair, the
    include list or shares its code with another version. From a class of interchangeable
    items a form holds at most U (the smallest upper bound of a count row the class matches),
    so K forms use at most K*U of them. If a solution used an item outside the K*U best of its
    class (best for the objective), one of the K*U best would be unused on every form, and
    putting it in the other's place on every form keeps every constraint and every pairwise
    overlap and does not worsen the objective. So keeping only the K*U best per class loses
    neither feasibility nor optimality. Applied for the objectives ``max_information`` (best =
    most information at the cut; not with an upper bound on target information),
    ``spread_exposure`` (fewest earlier uses) and ``feasible`` (the latter two only without a
    target information, which ranks items differently); not with ``mean`` rows (e.g. a
    mean-p band), whose two-sided bounds have no "better" item, nor for ``match_reference``.
    """
    opts = prep.options
    keep = np.ones(len(sub), dtype=bool)
    t = opts.target_information
    # a target-information floor favours informative items, so only "most information" ranks agree with it
    info_conflict = t is not None and (opts.objective != "max_information" or (not np.isscalar(t) and t[1] is not None))
    if opts.objective not in ("max_information", "spread_exposure", "feasible") or info_conflict:
        return keep
    if any(con.type == "mean" for con in prep.constraints):
        return keep
    if opts.objective == "max_information":
        score = -item_information(sub, opts.cut_theta)
    elif opts.objective == "spread_exposure":
        score = (sub["times_used"] + sub["exposure_rate"]).to_numpy(dtype=float)
    else:
        score = np.zeros(len(sub))
    masks = [con.condition.mask(sub) for con in prep.constraints]
    sig_parts: list[np.ndarray] = [m.astype(np.int8) for m in masks]
    sums = sorted({con.counts for con in prep.constraints if con.type == "sum"})
    special = sub["set_id"].notna().to_numpy().copy()
    codes = sub["item_code"]
    special |= codes.duplicated(keep=False).to_numpy()
    enemy_codes = {c for pair in prep.enemies for c in pair}
    special |= codes.isin(enemy_codes).to_numpy()
    special |= sub.index.isin(prep.include_ids) | codes.isin(prep.include_codes).to_numpy()
    frame = pd.DataFrame({f"m{i}": m for i, m in enumerate(sig_parts)}, index=sub.index)
    for col in sums:
        frame[f"s_{col}"] = pd.to_numeric(sub[col], errors="coerce").to_numpy()
    frame["_score"] = score
    frame["_pos"] = np.arange(len(sub))
    K = opts.forms
    sig_cols = [c for c in frame.columns if not c.startswith("_")]
    for _, grp in frame[~special].groupby(sig_cols, sort=False, dropna=False):
        mrow = grp.iloc[0]
        bounds = [con.upper for i, con in enumerate(prep.constraints)
                  if con.type == "count" and con.upper is not None and mrow[f"m{i}"] == 1]
        if not bounds:
            continue
        cap = K * int(np.floor(min(bounds) + 1e-9))
        if len(grp) <= cap:
            continue
        ranked = grp.sort_values(["_score", "_pos"], kind="mergesort")  # ties: lower item_version_id
        keep[ranked["_pos"].to_numpy()[cap:]] = False
    return keep


def _build(prep: Prepared, *, cuts: bool = True, reduce: bool = True, overlap_mode: str = "pairwise") -> dict[str, Any]:
    """Build ``c, integrality, bounds, constraints`` and the variable layout."""
    opts = prep.options
    K = opts.forms
    elig = np.flatnonzero(prep.eligible)
    sub = prep.pool.iloc[elig]
    if reduce:
        sub = sub[_dominance_keep(prep, sub)]
    m = len(sub)
    nx = K * m
    codes = sub["item_code"].to_numpy()
    code_ids, code_index = np.unique(codes, return_inverse=True)
    rows = _Rows()
    extra_int: list[int] = []
    ub_extra: dict[int, float] = {}
    n = nx
    lb = np.zeros(nx)
    ub = np.ones(nx)

    def xcols(f: int, js: np.ndarray) -> np.ndarray:
        return f * m + js

    j_all = np.arange(m)
    # blueprint rows, on every form
    for con in prep.constraints:
        mask = con.condition.mask(sub)
        lo = -np.inf if con.lower is None else float(con.lower)
        hi = np.inf if con.upper is None else float(con.upper)
        if con.type == "count":
            js = j_all[mask]
            coef = [(js, np.ones(len(js)), lo, hi)]
        elif con.type == "sum":
            v = sub[con.counts].to_numpy(dtype=float)
            js = j_all[mask]
            coef = [(js, v[mask], lo, hi)]
        else:  # mean over items with a value: sum(v - L) x >= 0 and sum(v - U) x <= 0
            v = pd.to_numeric(sub[con.counts], errors="coerce").to_numpy(dtype=float)
            ok = mask & np.isfinite(v)
            js = j_all[ok]
            coef = []
            if con.lower is not None:
                coef.append((js, v[ok] - con.lower, 0.0, np.inf))
            if con.upper is not None:
                coef.append((js, v[ok] - con.upper, -np.inf, 0.0))
        for f in range(K):
            for js_, vals_, lo_, hi_ in coef:
                rows.add(xcols(f, js_), vals_, lo_, hi_)
    # one version of an item code per form
    counts = np.bincount(code_index, minlength=len(code_ids))
    multi = np.flatnonzero(counts > 1)
    for ci in multi:
        js = np.flatnonzero(code_index == ci)
        for f in range(K):
            rows.add(xcols(f, js), 1.0, -np.inf, 1.0)
    # enemies, on item codes
    pos = {c: i for i, c in enumerate(code_ids)}
    for a_code, b_code in prep.enemies:
        if a_code in pos and b_code in pos:
            js = np.flatnonzero((code_index == pos[a_code]) | (code_index == pos[b_code]))
            for f in range(K):
                rows.add(xcols(f, js), 1.0, -np.inf, 1.0)
    # item sets
    set_groups: dict[Any, list[int]] = {}
    for j, sid in enumerate(sub["set_id"].tolist()):
        if not pd.isna(sid):
            set_groups.setdefault(sid, []).append(j)
    for sid, js in sorted(set_groups.items(), key=lambda kv: str(kv[0])):
        js = np.asarray(js)
        full = int((prep.pool["set_id"] == sid).sum())
        if prep.whole_sets:
            for f in range(K):
                for j in js[1:]:
                    rows.add(np.array([xcols(f, js[0]), xcols(f, j)]), np.array([1.0, -1.0]), 0.0, 0.0)
        else:
            smin = min(opts.set_min_items or 1, full)
            smax = min(opts.set_max_items or full, full)
            for f in range(K):
                z = n
                n += 1
                extra_int.append(z)
                rows.add(np.append(xcols(f, js), z), np.append(np.ones(len(js)), -smin), 0.0, np.inf)
                rows.add(np.append(xcols(f, js), z), np.append(np.ones(len(js)), -smax), -np.inf, 0.0)
    # include lists
    sub_ids = sub.index.to_numpy()
    for iid in prep.include_ids:
        j = int(np.searchsorted(sub_ids, iid))
        for f in range(K):
            lb[xcols(f, j)] = 1.0
    for code in prep.include_codes:
        js = np.flatnonzero(codes == code)
        for f in range(K):
            rows.add(xcols(f, js), 1.0, 1.0, 1.0)
    info_cut = item_information(sub, opts.cut_theta)
    if opts.target_information is not None:
        t = opts.target_information
        tlo, thi = (t, None) if np.isscalar(t) else t
        for f in range(K):
            rows.add(xcols(f, j_all), info_cut, -np.inf if tlo is None else tlo, np.inf if thi is None else thi)
    # pairwise overlap on item codes
    n_codes = len(code_ids)
    if K > 1 and prep.overlap_limit == 0:
        # disjoint forms: every code on at most one form, no pair variables needed
        r_local = np.concatenate([code_index] * K)
        c_cols = np.concatenate([xcols(f, j_all) for f in range(K)])
        rows.add_many(r_local, c_cols, np.ones(K * m), np.full(n_codes, -np.inf), np.ones(n_codes))
    elif K > 1 and prep.overlap_limit is not None and prep.overlap_limit < n_codes and overlap_mode == "aggregate":
        # Relaxation: q_c >= C(s_c, 2) (tangent cuts at the integers, s_c = forms holding code c)
        # and all shared pairs within the budget of all pairs of forms, C(K, 2) O. Every choice
        # meeting the pairwise rule meets this, so its bound is a valid bound for the real model.
        q0 = n
        n += n_codes
        n_pairs = K * (K - 1) // 2
        for k in range(1, K):
            r_local = np.concatenate([np.arange(n_codes), np.concatenate([code_index] * K)])
            c_cols = np.concatenate([q0 + np.arange(n_codes), np.concatenate([xcols(f, j_all) for f in range(K)])])
            vals = np.concatenate([np.ones(n_codes), np.full(K * m, -float(k))])
            rows.add_many(r_local, c_cols, vals, np.full(n_codes, -k * (k + 1) / 2), np.full(n_codes, np.inf))
        rows.add(q0 + np.arange(n_codes), 1.0, -np.inf, float(n_pairs * prep.overlap_limit))
        for q in range(q0, q0 + n_codes):
            ub_extra[q] = float(n_pairs)
    elif K > 1 and prep.overlap_limit is not None and prep.overlap_limit < n_codes and overlap_mode == "anchor":
        # Restriction: at most O codes may be on more than one form (w_c = 1), each on any
        # number of forms. Two forms then share at most O codes, so every answer is valid for the
        # pairwise rule; the restriction is what makes it fast (no variable per pair of forms).
        w0 = n
        n += n_codes
        extra_int.extend(range(w0, w0 + n_codes))
        r_local = np.concatenate([np.concatenate([code_index] * K), np.arange(n_codes)])
        c_cols = np.concatenate([np.concatenate([xcols(f, j_all) for f in range(K)]), w0 + np.arange(n_codes)])
        vals = np.concatenate([np.ones(K * m), np.full(n_codes, -(K - 1.0))])
        rows.add_many(r_local, c_cols, vals, np.full(n_codes, -np.inf), np.ones(n_codes))
        rows.add(w0 + np.arange(n_codes), 1.0, -np.inf, float(prep.overlap_limit))
    elif K > 1 and prep.overlap_limit is not None and prep.overlap_limit < n_codes:
        y_start = n
        for f, g in combinations(range(K), 2):
            y0 = n
            n += n_codes
            # u_cf + u_cg - y_c <= 1, where u_cf sums the versions of code c on form f
            r_local = np.concatenate([code_index, code_index, np.arange(n_codes)])
            c_cols = np.concatenate([xcols(f, j_all), xcols(g, j_all), y0 + np.arange(n_codes)])
            vals = np.concatenate([np.ones(m), np.ones(m), -np.ones(n_codes)])
            rows.add_many(r_local, c_cols, vals, np.full(n_codes, -np.inf), np.ones(n_codes))
            rows.add(y0 + np.arange(n_codes), 1.0, -np.inf, float(prep.overlap_limit))
        # Valid cuts that make the LP relaxation see the overlap: a code on s forms is shared by
        # C(s, 2) pairs, and C(s, 2) >= k s - k (k + 1) / 2 for every whole k (tangents of a
        # convex function at the integers). Without them x = 1/2 on every form costs no overlap.
        n_pairs = K * (K - 1) // 2
        for k in range(1, K if cuts else 1):
            r_local = np.concatenate([np.tile(np.arange(n_codes), n_pairs), np.concatenate([code_index] * K)])
            c_cols = np.concatenate([y_start + np.arange(n_pairs * n_codes), np.concatenate([xcols(f, j_all) for f in range(K)])])
            vals = np.concatenate([np.ones(n_pairs * n_codes), np.full(K * m, -float(k))])
            rows.add_many(r_local, c_cols, vals, np.full(n_codes, -k * (k + 1) / 2), np.full(n_codes, np.inf))
    # objective
    c_x = np.zeros(nx)
    aux = None
    scale = 1.0
    if opts.objective == "max_information":
        aux = n
        n += 1
        for f in range(K):
            rows.add(np.append(xcols(f, j_all), aux), np.append(info_cut, -1.0), 0.0, np.inf)
            # 1e-5 x the mean information keeps the forms above the minimum good as well; so
            # small that it can cost the maximin at most 1e-5 of its value
            c_x[xcols(f, j_all)] = -1e-5 * info_cut / K
        scale = max(1.0, float(info_cut.max(initial=0.0)))
    elif opts.objective == "total_information":
        # internal: the sum over forms, whose optimum / K bounds the maximin from above
        for f in range(K):
            c_x[xcols(f, j_all)] = -info_cut
        scale = max(1.0, float(info_cut.max(initial=0.0)))
    elif opts.objective == "match_reference":
        targets, kind = reference_targets(opts)
        if kind == "information":
            vals = item_information(sub, np.asarray(opts.reference_thetas, dtype=float))
        else:
            vals = _bin_membership(sub["p"].to_numpy(dtype=float), opts.difficulty_bins)
        aux = n
        n += 1
        for f in range(K):
            for k in range(vals.shape[1]):
                cols = np.append(xcols(f, j_all), aux)
                rows.add(cols, np.append(vals[:, k], -1.0), -np.inf, targets[k])
                rows.add(cols, np.append(vals[:, k], 1.0), targets[k], np.inf)
        scale = max(1.0, float(np.max(targets, initial=0.0)))
    elif opts.objective == "spread_exposure":
        w = (sub["times_used"] + sub["exposure_rate"]).to_numpy(dtype=float)
        for f in range(K):
            c_x[xcols(f, j_all)] = w
        scale = max(1.0, float(w.max(initial=0.0)))
    if m:
        length = prep.form_length or m
        eps = 1e-6 * scale / max(1, K * length)
        for f in range(K):
            r = ((j_all + f * m // K) % m) / m
            c_x[xcols(f, j_all)] += eps * r
    c = np.zeros(n)
    c[:nx] = c_x
    lb_all = np.zeros(n)
    ub_all = np.ones(n)
    lb_all[:nx], ub_all[:nx] = lb, ub
    integrality = np.zeros(n)
    integrality[:nx] = 1
    integrality[extra_int] = 1
    for col, u in ub_extra.items():
        ub_all[col] = u
    if aux is not None:
        c[aux] = -1.0 if opts.objective == "max_information" else 1.0
        ub_all[aux] = np.inf
    return {
        "c": c,
        "integrality": integrality,
        "bounds": Bounds(lb_all, ub_all),
        "constraints": rows.constraint(n),
        "sub": sub,
        "m": m,
        "K": K,
    }


def _run(prep: Prepared, time_limit: float | None = None, **build: Any) -> tuple[Any, dict[str, Any], float]:
    model = _build(prep, **build)
    opts = prep.options
    t0 = time.perf_counter()
    res = milp(
        model["c"],
        integrality=model["integrality"],
        bounds=model["bounds"],
        constraints=model["constraints"],
        options={"time_limit": float(time_limit or opts.time_limit), "mip_rel_gap": float(opts.mip_rel_gap), "presolve": True},
    )
    return res, model, time.perf_counter() - t0


def _pairwise_ok(model: dict[str, Any], x: np.ndarray, limit: int) -> bool:
    """Does a 0/1 answer meet the pairwise overlap rule (on item codes)?"""
    m, K = model["m"], model["K"]
    codes = model["sub"]["item_code"].to_numpy()
    chosen = np.round(x[: m * K]).reshape(K, m) > 0.5
    sets = [set(codes[row]) for row in chosen]
    return all(len(a & b) <= limit for a, b in combinations(sets, 2))


def _solve(prep: Prepared) -> tuple[Any, dict[str, Any], float, float | None]:
    """Solve, returning (result, model, seconds, gap) of the best answer found.

    With several forms and an overlap limit, the exact pairwise model (a variable per item and
    pair of forms) can be slow to find a good answer and to bound it. So three models are
    solved, sharing ``time_limit``: (1) a restriction (``anchor``: at most O items may be on
    more than one form, each on any number of forms; every answer meets the pairwise rule),
    (2) a relaxation (``aggregate``: the shared pairs of all forms within C(K, 2) O; its bound
    is valid for the real model, and its answer is taken when it happens to meet the pairwise
    rule), (3) the exact pairwise model with the time left, skipped when (1)-(2) already prove
    the gap. The best answer meeting the real rule is returned; the gap is measured against
    the best valid bound, so it is honest.
    """
    opts = prep.options
    pairwise = opts.forms > 1 and prep.overlap_limit not in (None, 0)
    if not pairwise:
        res, model, secs = _run(prep)
        return res, model, secs, getattr(res, "mip_gap", None)
    t0 = time.perf_counter()
    limit = int(prep.overlap_limit)  # type: ignore[arg-type]
    candidates: list[tuple[Any, dict[str, Any]]] = []
    bounds: list[float] = []
    res_a, model_a, _ = _run(prep, time_limit=max(0.5, opts.time_limit / 4), overlap_mode="anchor")
    if res_a.x is not None:
        candidates.append((res_a, model_a))
    res_g, model_g, _ = _run(prep, time_limit=max(0.5, opts.time_limit / 4), overlap_mode="aggregate")
    if res_g.x is None and res_g.status == 2:
        return res_g, model_g, time.perf_counter() - t0, None  # the relaxation is impossible: so is the rule
    if res_g.x is not None and _pairwise_ok(model_g, res_g.x, limit):
        candidates.append((res_g, model_g))
    if getattr(res_g, "mip_dual_bound", None) is not None and np.isfinite(res_g.mip_dual_bound):
        bounds.append(float(res_g.mip_dual_bound))

    def gap_of(fun: float) -> float:
        if not bounds:
            return float("inf")
        return max(0.0, (fun - max(bounds)) / max(abs(fun), 1e-12))

    best = min(candidates, key=lambda rm: rm[0].fun, default=None)
    if best is None or gap_of(best[0].fun) > opts.mip_rel_gap:
        left = max(0.5, opts.time_limit - (time.perf_counter() - t0))
        res_p, model_p, _ = _run(prep, time_limit=left)
        if res_p.x is None and res_p.status == 2:
            return res_p, model_p, time.perf_counter() - t0, None
        if res_p.x is not None:
            candidates.insert(0, (res_p, model_p))  # preferred on ties: the exact model
        if getattr(res_p, "mip_dual_bound", None) is not None and np.isfinite(res_p.mip_dual_bound):
            bounds.append(float(res_p.mip_dual_bound))
        best = min(candidates, key=lambda rm: rm[0].fun, default=None)
    secs = time.perf_counter() - t0
    if best is None:
        res_none = res_a
        res_none.status = 1
        return res_none, model_a, secs, None
    res, model = best
    gap = gap_of(res.fun)
    res.status = 0 if gap <= opts.mip_rel_gap + 1e-12 else 1
    return res, model, secs, gap


def is_feasible(prep: Prepared, time_limit: float) -> bool | None:
    """True/False when HiGHS decides feasibility within ``time_limit``; None if undecided."""
    p2 = replace(prep, options=replace(prep.options, objective="feasible"))
    res, _, _ = _run(p2, time_limit=time_limit)
    if res.x is not None:
        return True
    if res.status == 2:
        return False
    return None


def order_form(pool: pd.DataFrame, ids: list[int]) -> list[int]:
    """Booklet order: by objective, then cognitive level, then item code, with the items of one
    set (shared stimulus) kept together at the place of the set's first item."""
    sub = pool.loc[ids]
    key = {
        i: (str(sub.at[i, "objective"]), str(sub.at[i, "level"]), str(sub.at[i, "item_code"]), int(i)) for i in ids
    }
    group_key: dict[int, tuple] = {}
    sets = sub["set_id"]
    for sid, members in sub.groupby(sets.where(sets.notna()), sort=True).groups.items():
        gk = min(key[int(i)] for i in members)
        for i in members:
            group_key[int(i)] = gk
    return sorted(ids, key=lambda i: (group_key.get(i, key[i]), key[i]))


def assemble(
    pool: pd.DataFrame,
    blueprint: list[BlueprintConstraint],
    enemies: list[tuple[str, str]] | tuple = (),
    options: AssemblyOptions | None = None,
) -> AssemblyResult:
    """Assemble ``options.forms`` forms that meet every blueprint row, then verify them.

    Raises :class:`InfeasibleAssemblyError` with the explanation in committee words when no
    forms exist, :class:`AssemblyError` when the time limit passed without any form, and
    :class:`VerificationError` when the solver's answer fails the independent re-check
    (:func:`itembank.assembly.verify`) or is not really 0/1. Never returns unverified forms.
    """
    from itembank.assembly.reports import explain_infeasibility, gap_report
    from itembank.assembly.verify import objective_value, verify

    prep = prepare(pool, blueprint, enemies, options)
    opts = prep.options
    res, model, seconds, gap = _solve(prep)
    if res.x is None:
        if res.status == 2:
            reasons = explain_infeasibility(pool, blueprint, enemies, opts)
            raise InfeasibleAssemblyError(reasons, gap_report(pool, blueprint, enemies, opts))
        if res.status == 1:
            raise AssemblyError(
                f"no form was found within the time limit of {opts.time_limit:g} s; raise time_limit, "
                "loosen the target information or the reference match, or check the blueprint"
            )
        raise AssemblyError(f"the optimiser stopped without a form ({res.message}); please report this input")
    m, K = model["m"], model["K"]
    x = np.asarray(res.x[: m * K])
    frac = np.abs(x - np.round(x))
    if frac.size and frac.max() > BINARY_TOLERANCE:
        j = int(np.argmax(frac))
        raise VerificationError(
            [f"the solver returned a fractional choice {x[j]:.6g} for item_version_id "
             f"{int(model['sub'].index[j % m])} on form {j // m + 1}; a form needs 0/1 choices"]
        )
    ids = model["sub"].index.to_numpy()
    chosen = np.round(x).astype(int).reshape(K, m)
    forms = [order_form(prep.pool, [int(i) for i in ids[chosen[f] == 1]]) for f in range(K)]
    report = verify(pool, forms, blueprint, enemies, opts)
    status = "optimal" if res.status == 0 else "time_limit"
    return AssemblyResult(
        forms=forms,
        status=status,
        objective=opts.objective,
        objective_value=objective_value(prep, forms),
        gap=None if gap is None else float(gap),
        solve_seconds=seconds,
        verification=report,
        message=str(res.message),
    )
