"""The assembly model as a 0/1 linear programme, solved with ``scipy.optimize.milp`` (HiGHS).

Variables: ``x[f, j] = 1`` when eligible item version ``j`` is on form ``f``; for partial item
sets a 0/1 ``z[f, s]``; for the overlap limit a continuous ``y[f, g, code] >= x_f + x_g - 1``
(1 exactly when both forms hold the code; continuous suffices because ``y`` is only pushed
up); one continuous auxiliary for the maximin / minimax objectives (van der Linden 2005,
*Linear Models for Optimal Test Design*, Springer, ch. 4-6).

Constraints, each added by one named step of :func:`_build`: the blueprint rows on every form
(:func:`_add_blueprint_rows`), one version per item code (:func:`_add_one_version_per_code`),
enemies (:func:`_add_enemy_rows`), item sets (:func:`_add_item_set_rows`), the include list
(:func:`_add_include_list`), target information (:func:`_add_target_information`) and the
overlap limit (:func:`_add_overlap_rows`); then the objective (:func:`_add_objective`) and the
tie-breaking costs (:func:`_add_tie_break`).

* ``max_information``: maximise ``t`` with ``I_f(theta_cut) >= t`` on every form (maximin, so
  parallel forms are equally informative) plus ``1e-5`` x the mean information of the forms.
* ``target_information``: minimise ``d >= floor`` with ``|I_f(theta_k) - T_k| <= d`` for every
  form and target point (minimax deviation from a target test information function; van der
  Linden 2005, ch. 5). The floor (``deviation_floor``) keeps the optimum away from 0, with an
  absolute MIP gap of ``floor x mip_rel_gap``: when the target can be met exactly a relative
  gap (best - bound) / best is undefined at 0 and the solver would run to its time limit
  trying to prove it; with the floor, any forms within ``floor (1 + mip_rel_gap)`` of the
  target at every point are optimal and end the search.
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
import warnings
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from itembank.assembly.blueprint import BlueprintConstraint
from itembank.assembly.errors import AssemblyError, AssemblyInputError, InfeasibleAssemblyError, VerificationError
from itembank.assembly.pool import AssemblyOptions, Prepared, item_information, prepare

__all__ = ["AssemblyResult", "assemble", "order_form", "reference_targets", "target_points"]

BINARY_TOLERANCE = 1e-6


@dataclass
class AssemblyResult:
    """Verified forms and how the solver got there.

    ``forms[k]`` lists the ``item_version_id``\\ s of form ``k + 1`` in booklet order (see
    :func:`order_form`). ``status`` is ``optimal`` (proven within ``mip_rel_gap``) or
    ``time_limit`` (best form found when the time ran out; ``gap`` says how far from proven).
    ``objective_value`` is recomputed from the chosen items in natural units: the lowest
    information at the cut over the forms (``max_information``), the largest deviation from
    the target or the reference over forms and points (``target_information``,
    ``match_reference``), the summed earlier uses ``times_used +
    exposure_rate`` (``spread_exposure``) or 0 (``feasible``). ``verification`` is the table of
    every independent check (all passed, else :class:`VerificationError` was raised).
    ``target_information`` (objective ``target_information`` only): each form's test
    information at the target thetas, in the order of ``target_tif``.
    """

    forms: list[list[int]]
    status: str
    objective: str
    objective_value: float
    gap: float | None
    solve_seconds: float
    verification: pd.DataFrame
    message: str = ""
    target_information: list[list[float]] | None = None  # per form, I(theta_k) at the target points


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


def target_points(opts: AssemblyOptions) -> tuple[np.ndarray, np.ndarray]:
    """The ``target_information`` objective's thetas and target informations T_k."""
    pts = np.asarray([(float(th), float(v)) for th, v in opts.target_tif], dtype=float).reshape(-1, 2)
    return pts[:, 0], pts[:, 1]


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


@dataclass
class _Model:
    """The 0/1 programme while it is being built: variables so far and constraint rows.

    Columns ``0 .. K*m - 1`` are the item choices ``x[f, j]`` (column ``f*m + j``); every
    auxiliary variable is appended after them by :meth:`new_vars`, in the order the steps of
    :func:`_build` ask for them, so the layout is the same on every run.
    """

    prep: Prepared
    sub: pd.DataFrame  # the eligible items in the model, sorted by item_version_id
    code_ids: np.ndarray  # the distinct item codes in ``sub``
    code_index: np.ndarray  # per item j: its code's position in ``code_ids``
    rows: _Rows = field(default_factory=_Rows)
    extra_int: list[int] = field(default_factory=list)  # auxiliary variables that are 0/1
    ub_extra: dict[int, float] = field(default_factory=dict)  # auxiliary upper bounds other than 1
    aux: int | None = None  # the objective's t (maximin) or d (minimax), when it has one
    scale: float = 1.0  # the objective's scale, for the size of the tie-breaking costs

    def __post_init__(self) -> None:
        self.m = len(self.sub)
        self.K = self.prep.options.forms
        self.nx = self.K * self.m
        self.n = self.nx
        self.j_all = np.arange(self.m)
        self.codes = self.sub["item_code"].to_numpy()
        self.lb = np.zeros(self.nx)
        self.ub = np.ones(self.nx)
        self.c_x = np.zeros(self.nx)

    def x(self, f: int, js: np.ndarray | int) -> np.ndarray:
        """Columns of ``x[f, j]`` for the items ``js`` on form ``f``."""
        return f * self.m + js

    def x_all_forms(self) -> np.ndarray:
        """Columns of every ``x[f, j]``, form by form."""
        return np.concatenate([self.x(f, self.j_all) for f in range(self.K)])

    def new_vars(self, count: int, *, integer: bool = False) -> int:
        """Append ``count`` auxiliary variables (bounds [0, 1] unless changed); the first column."""
        first = self.n
        self.n += count
        if integer:
            self.extra_int.extend(range(first, first + count))
        return first

    def arrays(self) -> dict[str, Any]:
        """``c, integrality, bounds, constraints`` for ``milp`` and the variable layout."""
        n, nx = self.n, self.nx
        c = np.zeros(n)
        c[:nx] = self.c_x
        lb_all = np.zeros(n)
        ub_all = np.ones(n)
        lb_all[:nx], ub_all[:nx] = self.lb, self.ub
        integrality = np.zeros(n)
        integrality[:nx] = 1
        integrality[self.extra_int] = 1
        for col, u in self.ub_extra.items():
            ub_all[col] = u
        if self.aux is not None:
            c[self.aux] = -1.0 if self.prep.options.objective == "max_information" else 1.0
            ub_all[self.aux] = np.inf
        return {
            "c": c,
            "integrality": integrality,
            "bounds": Bounds(lb_all, ub_all),
            "constraints": self.rows.constraint(n),
            "sub": self.sub,
            "m": self.m,
            "K": self.K,
        }


def _build(prep: Prepared, *, cuts: bool = True, reduce: bool = True, overlap_mode: str = "pairwise") -> dict[str, Any]:
    """Build ``c, integrality, bounds, constraints`` and the variable layout.

    The formulation (van der Linden 2005, *Linear Models for Optimal Test Design*, Springer:
    ch. 3 for the 0/1 variables and content constraints, ch. 4 for the minimax / maximin
    objectives, ch. 6 for parallel forms and overlap), with ``x[f, j]`` in {0, 1}:

    * blueprint rows on every form f: ``lo <= sum_{j in cell} v_j x[f, j] <= hi`` (``v = 1`` for
      a count, the summed column for a sum, ``v - L`` / ``v - U`` for a mean band);
    * at most one version of an item code per form; at most one item of an enemy pair;
    * item sets all-or-nothing (``x[f, j] = x[f, first]``) or, with set sizes, ``smin z <=
      sum x <= smax z`` with a 0/1 ``z[f, s]``;
    * include list: ``x[f, j] = 1`` for an included version, ``sum x = 1`` over an included
      code's versions;
    * target information ``lo <= sum_j I_j(theta_cut) x[f, j] <= hi``;
    * overlap (:func:`_add_overlap_rows`): disjoint, pairwise (exact), ``aggregate``
      (relaxation) or ``anchor`` (restriction);
    * objective (:func:`_add_objective`) plus the tie-breaking costs (:func:`_add_tie_break`).

    ``reduce`` leaves out items :func:`_dominance_keep` proves unnecessary; ``cuts`` adds the
    tangent cuts to the pairwise overlap model.
    """
    model = _start_model(prep, reduce=reduce)
    _add_blueprint_rows(model)
    _add_one_version_per_code(model)
    _add_enemy_rows(model)
    _add_item_set_rows(model)
    _add_include_list(model)
    info_cut = item_information(model.sub, prep.options.cut_theta)
    _add_target_information(model, info_cut)
    _add_overlap_rows(model, mode=overlap_mode, cuts=cuts)
    _add_objective(model, info_cut)
    _add_tie_break(model)
    return model.arrays()


def _start_model(prep: Prepared, *, reduce: bool) -> _Model:
    """The items in the model (eligible, less the provably unneeded ones) and their codes."""
    sub = prep.pool.iloc[np.flatnonzero(prep.eligible)]
    if reduce:
        sub = sub[_dominance_keep(prep, sub)]
    code_ids, code_index = np.unique(sub["item_code"].to_numpy(), return_inverse=True)
    return _Model(prep=prep, sub=sub, code_ids=code_ids, code_index=code_index)


def _blueprint_coefficients(model: _Model, con: BlueprintConstraint) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    """One blueprint row as ``(items, coefficients, lo, hi)`` rows of a single form.

    A mean band over the items with a value, ``L <= sum v x / sum x <= U``, is linear as
    ``sum (v - L) x >= 0`` and ``sum (v - U) x <= 0``.
    """
    sub, j_all = model.sub, model.j_all
    mask = con.condition.mask(sub)
    lo = -np.inf if con.lower is None else float(con.lower)
    hi = np.inf if con.upper is None else float(con.upper)
    if con.type == "count":
        js = j_all[mask]
        return [(js, np.ones(len(js)), lo, hi)]
    if con.type == "sum":
        v = sub[con.counts].to_numpy(dtype=float)
        return [(j_all[mask], v[mask], lo, hi)]
    v = pd.to_numeric(sub[con.counts], errors="coerce").to_numpy(dtype=float)
    ok = mask & np.isfinite(v)
    js = j_all[ok]
    coef = []
    if con.lower is not None:
        coef.append((js, v[ok] - con.lower, 0.0, np.inf))
    if con.upper is not None:
        coef.append((js, v[ok] - con.upper, -np.inf, 0.0))
    return coef


def _add_blueprint_rows(model: _Model) -> None:
    """Every active blueprint row (and the mean-p band) on every form."""
    for con in model.prep.constraints:
        coef = _blueprint_coefficients(model, con)
        for f in range(model.K):
            for js, vals, lo, hi in coef:
                model.rows.add(model.x(f, js), vals, lo, hi)


def _add_one_version_per_code(model: _Model) -> None:
    """Versions of one item code are the same item: at most one of them per form."""
    counts = np.bincount(model.code_index, minlength=len(model.code_ids))
    for ci in np.flatnonzero(counts > 1):
        js = np.flatnonzero(model.code_index == ci)
        for f in range(model.K):
            model.rows.add(model.x(f, js), 1.0, -np.inf, 1.0)


def _add_enemy_rows(model: _Model) -> None:
    """At most one item of an enemy pair per form (on item codes, so over all their versions)."""
    pos = {c: i for i, c in enumerate(model.code_ids)}
    for a_code, b_code in model.prep.enemies:
        if a_code in pos and b_code in pos:
            js = np.flatnonzero((model.code_index == pos[a_code]) | (model.code_index == pos[b_code]))
            for f in range(model.K):
                model.rows.add(model.x(f, js), 1.0, -np.inf, 1.0)


def _add_item_set_rows(model: _Model) -> None:
    """Item sets: all-or-nothing, or with set sizes between ``smin`` and ``smax`` items or none."""
    prep, opts = model.prep, model.prep.options
    set_groups: dict[Any, list[int]] = {}
    for j, sid in enumerate(model.sub["set_id"].tolist()):
        if not pd.isna(sid):
            set_groups.setdefault(sid, []).append(j)
    for sid, members in sorted(set_groups.items(), key=lambda kv: str(kv[0])):
        js = np.asarray(members)
        full = int((prep.pool["set_id"] == sid).sum())
        if prep.whole_sets:
            for f in range(model.K):
                for j in js[1:]:
                    model.rows.add(np.array([model.x(f, js[0]), model.x(f, j)]), np.array([1.0, -1.0]), 0.0, 0.0)
            continue
        smin = min(opts.set_min_items or 1, full)
        smax = min(opts.set_max_items or full, full)
        for f in range(model.K):
            z = model.new_vars(1, integer=True)  # z[f, s] = 1 when form f uses set s
            ones = np.ones(len(js))
            model.rows.add(np.append(model.x(f, js), z), np.append(ones, -smin), 0.0, np.inf)
            model.rows.add(np.append(model.x(f, js), z), np.append(ones, -smax), -np.inf, 0.0)


def _add_include_list(model: _Model) -> None:
    """An included version is on every form (its lower bound is 1); an included code has
    exactly one of its versions on every form."""
    sub_ids = model.sub.index.to_numpy()
    for iid in model.prep.include_ids:
        j = int(np.searchsorted(sub_ids, iid))
        for f in range(model.K):
            model.lb[model.x(f, j)] = 1.0
    for code in model.prep.include_codes:
        js = np.flatnonzero(model.codes == code)
        for f in range(model.K):
            model.rows.add(model.x(f, js), 1.0, 1.0, 1.0)


def _add_target_information(model: _Model, info_cut: np.ndarray) -> None:
    """Test information at the cut within the target (a floor, or ``(low, high)``) on every form."""
    t = model.prep.options.target_information
    if t is None:
        return
    tlo, thi = (t, None) if np.isscalar(t) else t
    for f in range(model.K):
        model.rows.add(model.x(f, model.j_all), info_cut, -np.inf if tlo is None else tlo,
                       np.inf if thi is None else thi)


def _add_overlap_rows(model: _Model, *, mode: str, cuts: bool) -> None:
    """The overlap limit O between any two forms, on item codes.

    ``O = 0`` gives disjoint forms; otherwise ``mode`` picks the exact pairwise model, the
    ``aggregate`` relaxation or the ``anchor`` restriction (see :func:`_solve`). Nothing is
    added for one form, no limit, or a limit of at least the number of codes.
    """
    limit = model.prep.overlap_limit
    if model.K == 1 or limit is None:
        return
    if limit == 0:
        _add_disjoint_forms(model)
    elif limit >= len(model.code_ids):
        return
    elif mode == "aggregate":
        _add_overlap_aggregate(model, limit)
    elif mode == "anchor":
        _add_overlap_anchor(model, limit)
    else:
        _add_overlap_pairwise(model, limit, cuts=cuts)


def _add_disjoint_forms(model: _Model) -> None:
    """Every code on at most one form: ``sum_f u[c, f] <= 1`` (no pair variables needed)."""
    K, m, n_codes = model.K, model.m, len(model.code_ids)
    r_local = np.concatenate([model.code_index] * K)
    model.rows.add_many(r_local, model.x_all_forms(), np.ones(K * m), np.full(n_codes, -np.inf), np.ones(n_codes))


def _add_tangent_cuts(model: _Model, pair_cols: np.ndarray, n_pair_cols: int, k: int) -> None:
    """``sum pair_cols - k sum_f u[c, f] >= -k (k + 1) / 2`` for every code c.

    A code on s forms is shared by C(s, 2) pairs of forms, and C(s, 2) >= k s - k (k + 1) / 2
    for every whole k (tangents of a convex function at the integers).
    """
    K, m, n_codes = model.K, model.m, len(model.code_ids)
    r_local = np.concatenate([np.tile(np.arange(n_codes), n_pair_cols // n_codes), np.concatenate([model.code_index] * K)])
    c_cols = np.concatenate([pair_cols, model.x_all_forms()])
    vals = np.concatenate([np.ones(n_pair_cols), np.full(K * m, -float(k))])
    model.rows.add_many(r_local, c_cols, vals, np.full(n_codes, -k * (k + 1) / 2), np.full(n_codes, np.inf))


def _add_overlap_aggregate(model: _Model, limit: int) -> None:
    """Relaxation: ``q_c >= C(s_c, 2)`` (tangent cuts at the integers, ``s_c`` = forms holding
    code c) and all shared pairs within the budget of all pairs of forms, ``C(K, 2) O``.

    Every choice meeting the pairwise rule meets this, so its bound is a valid bound for the
    real model.
    """
    n_codes = len(model.code_ids)
    n_pairs = model.K * (model.K - 1) // 2
    q0 = model.new_vars(n_codes)
    for k in range(1, model.K):
        _add_tangent_cuts(model, q0 + np.arange(n_codes), n_codes, k)
    model.rows.add(q0 + np.arange(n_codes), 1.0, -np.inf, float(n_pairs * limit))
    for q in range(q0, q0 + n_codes):
        model.ub_extra[q] = float(n_pairs)


def _add_overlap_anchor(model: _Model, limit: int) -> None:
    """Restriction: at most O codes may be on more than one form (``w_c = 1``), each on any
    number of forms: ``sum_f u[c, f] - (K - 1) w_c <= 1`` and ``sum_c w_c <= O``.

    Two forms then share at most O codes, so every answer is valid for the pairwise rule; the
    restriction is what makes it fast (no variable per pair of forms).
    """
    K, m, n_codes = model.K, model.m, len(model.code_ids)
    w0 = model.new_vars(n_codes, integer=True)
    r_local = np.concatenate([np.concatenate([model.code_index] * K), np.arange(n_codes)])
    c_cols = np.concatenate([model.x_all_forms(), w0 + np.arange(n_codes)])
    vals = np.concatenate([np.ones(K * m), np.full(n_codes, -(K - 1.0))])
    model.rows.add_many(r_local, c_cols, vals, np.full(n_codes, -np.inf), np.ones(n_codes))
    model.rows.add(w0 + np.arange(n_codes), 1.0, -np.inf, float(limit))


def _add_overlap_pairwise(model: _Model, limit: int, *, cuts: bool) -> None:
    """The exact rule: for each pair of forms (f, g) a continuous ``y[f, g, c] >= u[c, f] +
    u[c, g] - 1`` (``u[c, f]`` sums the versions of code c on form f) and ``sum_c y <= O``.

    With ``cuts``, the tangent cuts (:func:`_add_tangent_cuts`) make the LP relaxation see the
    overlap; without them x = 1/2 on every form costs no overlap.
    """
    m, n_codes = model.m, len(model.code_ids)
    y_start = model.n
    for f, g in combinations(range(model.K), 2):
        y0 = model.new_vars(n_codes)
        r_local = np.concatenate([model.code_index, model.code_index, np.arange(n_codes)])
        c_cols = np.concatenate([model.x(f, model.j_all), model.x(g, model.j_all), y0 + np.arange(n_codes)])
        vals = np.concatenate([np.ones(m), np.ones(m), -np.ones(n_codes)])
        model.rows.add_many(r_local, c_cols, vals, np.full(n_codes, -np.inf), np.ones(n_codes))
        model.rows.add(y0 + np.arange(n_codes), 1.0, -np.inf, float(limit))
    n_pair_cols = model.n - y_start
    for k in range(1, model.K if cuts else 1):
        _add_tangent_cuts(model, y_start + np.arange(n_pair_cols), n_pair_cols, k)


def _add_objective(model: _Model, info_cut: np.ndarray) -> None:
    """The objective's costs on ``x`` and its auxiliary variable (van der Linden 2005, ch. 4).

    * ``max_information``: maximise ``t`` with ``sum_j I_j(theta_cut) x[f, j] >= t`` on every
      form, plus ``1e-5`` x the mean information of the forms (so small that it can cost the
      maximin at most 1e-5 of its value; it keeps the forms above the minimum good as well);
    * ``total_information`` (internal): the sum over forms, whose optimum / K bounds the
      maximin from above;
    * ``match_reference``: minimise ``d`` with ``|sum_j v_jk x[f, j] - T_k| <= d`` for every form
      and point k (information at a theta, or items in a p-value bin);
    * ``target_information``: the same with explicit targets T_k at theta_k
      (``target_tif``) and ``d >= deviation_floor``;
    * ``spread_exposure``: minimise ``sum (times_used + exposure_rate) x``;
    * ``feasible``: no cost.
    """
    opts, K, j_all = model.prep.options, model.K, model.j_all
    if opts.objective == "max_information":
        model.aux = model.new_vars(1)
        for f in range(K):
            model.rows.add(np.append(model.x(f, j_all), model.aux), np.append(info_cut, -1.0), 0.0, np.inf)
            model.c_x[model.x(f, j_all)] = -1e-5 * info_cut / K
        model.scale = max(1.0, float(info_cut.max(initial=0.0)))
    elif opts.objective == "total_information":
        for f in range(K):
            model.c_x[model.x(f, j_all)] = -info_cut
        model.scale = max(1.0, float(info_cut.max(initial=0.0)))
    elif opts.objective in ("match_reference", "target_information"):
        if opts.objective == "target_information":
            thetas, targets = target_points(opts)
            vals = item_information(model.sub, thetas)
        else:
            targets, kind = reference_targets(opts)
            if kind == "information":
                vals = item_information(model.sub, np.asarray(opts.reference_thetas, dtype=float))
            else:
                vals = _bin_membership(model.sub["p"].to_numpy(dtype=float), opts.difficulty_bins)
        model.aux = model.new_vars(1)
        if opts.objective == "target_information":
            # below the floor every form is as good: d >= floor makes "within the floor" optimal
            model.rows.add(np.array([model.aux]), 1.0, float(opts.deviation_floor), np.inf)
        for f in range(K):
            for k in range(vals.shape[1]):
                cols = np.append(model.x(f, j_all), model.aux)
                model.rows.add(cols, np.append(vals[:, k], -1.0), -np.inf, targets[k])
                model.rows.add(cols, np.append(vals[:, k], 1.0), targets[k], np.inf)
        model.scale = max(1.0, float(np.max(targets, initial=0.0)))
    elif opts.objective == "spread_exposure":
        w = (model.sub["times_used"] + model.sub["exposure_rate"]).to_numpy(dtype=float)
        for f in range(K):
            model.c_x[model.x(f, j_all)] = w
        model.scale = max(1.0, float(w.max(initial=0.0)))


def _add_tie_break(model: _Model) -> None:
    """The tiny cost ``eps * r[f, j]`` of the module docstring (determinism, form symmetry)."""
    m, K = model.m, model.K
    if not m:
        return
    length = model.prep.form_length or m
    eps = 1e-6 * model.scale / max(1, K * length)
    for f in range(K):
        r = ((model.j_all + f * m // K) % m) / m
        model.c_x[model.x(f, model.j_all)] += eps * r


def _run(prep: Prepared, time_limit: float | None = None, **build: Any) -> tuple[Any, dict[str, Any], float]:
    model = _build(prep, **build)
    opts = prep.options
    settings: dict[str, Any] = {"time_limit": float(time_limit or opts.time_limit),
                                "mip_rel_gap": float(opts.mip_rel_gap), "presolve": True}
    if opts.objective == "target_information" and opts.deviation_floor > 0:
        # HiGHS's absolute gap (scipy passes options it does not know to HiGHS verbatim, with a
        # RuntimeWarning we silence), set to the relative gap at the floor: forms within
        # floor x (1 + mip_rel_gap) of the target stop the search even where HiGHS's own
        # relative-gap arithmetic would not (its denominator can be the tiny tie-break costs)
        settings["mip_abs_gap"] = float(opts.deviation_floor * opts.mip_rel_gap)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unrecognized options detected", category=RuntimeWarning)
        res = milp(
            model["c"],
            integrality=model["integrality"],
            bounds=model["bounds"],
            constraints=model["constraints"],
            options=settings,
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


def is_feasible(prep: Prepared, *, time_limit: float) -> bool | None:
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
    *,
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

    prep = prepare(pool, blueprint, enemies, options=options)
    opts = prep.options
    res, model, seconds, gap = _solve(prep)
    if res.x is None:
        if res.status == 2:
            reasons = explain_infeasibility(pool, blueprint, enemies, options=opts)
            raise InfeasibleAssemblyError(reasons, gap_report(pool, blueprint, enemies, options=opts))
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
    report = verify(pool, forms, blueprint, enemies, options=opts)
    status = "optimal" if res.status == 0 else "time_limit"
    at_targets = None
    if opts.objective == "target_information":
        thetas, _ = target_points(opts)
        at_targets = [item_information(prep.pool.loc[f], thetas).sum(axis=0).tolist() for f in forms]
    return AssemblyResult(
        forms=forms,
        status=status,
        objective=opts.objective,
        objective_value=objective_value(prep, forms),
        gap=None if gap is None else float(gap),
        solve_seconds=seconds,
        verification=report,
        message=str(res.message),
        target_information=at_targets,
    )
