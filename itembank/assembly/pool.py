"""Assembly inputs: the options, the checked pool, eligibility and item information.

Everything the solver, the independent verifier and the reports share is computed here once
(:func:`prepare`), so the three can never disagree about which items are eligible or what a
constraint means.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from itembank.assembly.blueprint import BlueprintConstraint, Condition
from itembank.assembly.errors import AssemblyInputError

__all__ = [
    "DEVIATION_FLOOR",
    "OBJECTIVES",
    "POOL_COLUMNS",
    "AssemblyOptions",
    "Prepared",
    "item_information",
    "prepare",
]

POOL_COLUMNS = (
    "item_code",
    "objective",
    "level",
    "topic",
    "points",
    "p",
    "a",
    "b",
    "c",
    "set_id",
    "times_used",
    "forms_since_last_use",
    "exposure_rate",
)

OBJECTIVES = ("max_information", "target_information", "match_reference", "spread_exposure", "feasible")

#: Default floor on the deviation from a target test information function (information
#: units). Any forms within this of the target at every point count as optimal, so when the
#: target can be met (almost) exactly the solver stops at the first such forms instead of
#: proving a relative gap that is undefined at a deviation of 0 (van der Linden 2005, sec. 4.4
#: on minimax targets; the issue "The bank remembers"). 0.05 is about 1 % of a usual target
#: of 5-15 at the cut and far below what the committee can tell apart (SE 1/sqrt(I)).
DEVIATION_FLOOR = 0.05


@dataclass(frozen=True)
class AssemblyOptions:
    """How to assemble; every field is optional.

    forms
        Number of parallel forms assembled at once (each meets the whole blueprint).
    max_overlap / max_overlap_items
        Most items two forms may share: a fraction of the form length (the lower bound of the
        blueprint's whole-form ``count`` row, rounded down: 0.1 x 40 = 4) or a count. Versions
        of one item code count as the same item. At most one of the two may be given.
    include / exclude
        ``int`` entries are ``item_version_id``\\ s, ``str`` entries ``item_code``\\ s. An included
        item is on *every* form (an anchor); an included code means exactly one of its versions.
        The include list overrides the exposure rules (the committee asked for the item),
        not the exclude list (both at once is an input error).
    exclude_used_in_last
        N: an item with ``forms_since_last_use < N`` is not eligible (0 = it was on the most
        recent form; never used = NaN = eligible).
    max_exposure_rate
        Items with ``exposure_rate`` above this cap are not eligible.
    mean_p_band
        ``(low, high)`` for the mean p-value of each form, taken over the items that have a
        p-value (items without statistics are left out of the mean, see the README).
    cut_theta
        Ability at the cut score, logistic metric (D = 1); used by ``max_information`` and
        ``target_information``.
    target_information
        Minimum test information at ``cut_theta`` on every form (or ``(low, high)``).
    objective
        ``max_information`` (maximin information at ``cut_theta`` over the forms),
        ``target_information`` (minimax absolute deviation from ``target_tif`` over forms and
        points), ``match_reference`` (minimax deviation from ``reference``), ``spread_exposure`` (fewest
        earlier uses) or ``feasible`` (any form meeting the constraints).
    reference, reference_target, reference_thetas, difficulty_bins
        The reference form's rows (columns ``a, b, c`` and/or ``p``); ``information`` matches
        its information at ``reference_thetas``, ``difficulty`` its count of items per p-value
        bin (bin edges ``difficulty_bins``, right-closed except the first bin, which also holds
        its lower edge).
    target_tif
        ``(theta_k, T_k)`` pairs: the target test information T_k at each theta_k for the
        ``target_information`` objective (e.g. ``((-1, 6), (0, 10), (1, 6))``).
    deviation_floor
        The deviation the ``target_information`` objective does not try to go below (see
        :data:`DEVIATION_FLOOR`); also HiGHS's absolute MIP gap for that objective.
    set_min_items / set_max_items
        When either is given, a form may use part of an item set (between these sizes, or none
        of it); by default sets are all-or-nothing.
    time_limit, mip_rel_gap
        Passed to HiGHS: stop after ``time_limit`` seconds or when the relative gap between the
        best form and the bound is at most ``mip_rel_gap``.
    """

    forms: int = 1
    max_overlap: float | None = None
    max_overlap_items: int | None = None
    include: Sequence[int | str] = ()
    exclude: Sequence[int | str] = ()
    exclude_used_in_last: int | None = None
    max_exposure_rate: float | None = None
    mean_p_band: tuple[float, float] | None = None
    cut_theta: float = 0.0
    target_information: float | tuple[float | None, float | None] | None = None
    objective: str = "max_information"
    reference: pd.DataFrame | None = None
    reference_target: str = "information"
    reference_thetas: Sequence[float] = (-2.0, -1.0, 0.0, 1.0, 2.0)
    difficulty_bins: Sequence[float] = (0.0, 0.3, 0.5, 0.7, 0.9, 1.0)
    set_min_items: int | None = None
    set_max_items: int | None = None
    time_limit: float = 60.0
    mip_rel_gap: float = 1e-3
    target_tif: Sequence[tuple[float, float]] = ()
    deviation_floor: float = DEVIATION_FLOOR


def item_information(pool: pd.DataFrame, theta: float | np.ndarray) -> np.ndarray:
    """Fisher information of each item at ``theta`` (3PL, logistic metric D = 1).

    .. math:: P = c + \\frac{1-c}{1+e^{-a(\\theta-b)}},\\qquad
              I(\\theta) = a^2\\,\\frac{1-P}{P}\\left(\\frac{P-c}{1-c}\\right)^2

    (Birnbaum 1968; Hambleton, Swaminathan & Rogers 1991, eq. 6.3 with D = 1). ``c`` missing
    means 0 (2PL). Items without ``a`` or ``b`` have information 0. Returns shape
    ``(len(pool),)`` for a scalar theta, else ``(len(pool), len(theta))``.
    """
    th = np.atleast_1d(np.asarray(theta, dtype=float))
    a = pool["a"].to_numpy(dtype=float)[:, None]
    b = pool["b"].to_numpy(dtype=float)[:, None]
    c = np.nan_to_num(pool["c"].to_numpy(dtype=float), nan=0.0)[:, None]
    has = np.isfinite(a) & np.isfinite(b)
    a0, b0 = np.where(has, a, 0.0), np.where(has, b, 0.0)
    logistic = 1.0 / (1.0 + np.exp(-a0 * (th[None, :] - b0)))
    p = c + (1.0 - c) * logistic
    info = a0**2 * ((1.0 - p) / p) * ((p - c) / (1.0 - c)) ** 2
    info = np.where(has, info, 0.0)
    return info[:, 0] if np.ndim(theta) == 0 else info


@dataclass
class Prepared:
    """The checked, sorted pool and everything derived from pool + blueprint + options."""

    pool: pd.DataFrame
    constraints: list[BlueprintConstraint]
    enemies: list[tuple[str, str]]
    options: AssemblyOptions
    reasons: pd.Series  # per item: '' if eligible, else why not (committee words)
    include_ids: list[int] = field(default_factory=list)
    include_codes: list[str] = field(default_factory=list)
    overlap_limit: int | None = None
    form_length: int | None = None
    whole_sets: bool = True

    @property
    def eligible(self) -> np.ndarray:
        return (self.reasons == "").to_numpy()


def _check_pool(pool: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(pool, pd.DataFrame):
        raise AssemblyInputError(f"the pool must be a DataFrame, got {type(pool).__name__}")
    missing = [c for c in POOL_COLUMNS if c not in pool.columns]
    if missing:
        raise AssemblyInputError(f"the pool lacks column(s): {', '.join(missing)}")
    if pool.index.has_duplicates:
        dup = pool.index[pool.index.duplicated()][0]
        raise AssemblyInputError(f"item_version_id {dup} occurs more than once in the pool")
    try:
        ids = pool.index.astype("int64")
    except (TypeError, ValueError):
        raise AssemblyInputError("the pool index (item_version_id) must hold integers") from None
    out = pool.copy()
    out.index = pd.Index(ids, name="item_version_id")
    out = out.sort_index()  # row order of the input must not change the forms

    def where(i: int) -> str:
        return f"item_version_id {out.index[i]} (item {out['item_code'].iloc[i]})"

    if out["item_code"].isna().any():
        i = int(np.flatnonzero(out["item_code"].isna().to_numpy())[0])
        raise AssemblyInputError(f"item_version_id {out.index[i]}: column 'item_code' is empty")
    out["item_code"] = out["item_code"].astype(str)
    for col in ("points", "p", "a", "b", "c", "times_used", "forms_since_last_use", "exposure_rate"):
        try:
            out[col] = pd.to_numeric(out[col], errors="raise").astype(float)
        except (TypeError, ValueError):
            bad = pd.to_numeric(out[col], errors="coerce").isna() & out[col].notna()
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise AssemblyInputError(
                f"{where(i)}: column '{col}' holds {out[col].iloc[i]!r}, not a number"
            ) from None
    rules: list[tuple[str, np.ndarray, str]] = [
        ("points", ~(out["points"] >= 0), "must be a number >= 0"),
        ("p", out["p"].notna() & ~out["p"].between(0, 1), "must be in [0, 1] or empty"),
        ("a", out["a"].notna() & ~(out["a"] > 0), "must be > 0 or empty"),
        ("c", out["c"].notna() & ~((out["c"] >= 0) & (out["c"] < 1)), "must be in [0, 1) or empty"),
        ("times_used", ~(out["times_used"] >= 0), "must be a whole number >= 0"),
        ("forms_since_last_use", out["forms_since_last_use"].notna() & ~(out["forms_since_last_use"] >= 0),
         "must be >= 0 or empty (never used)"),
        ("exposure_rate", ~out["exposure_rate"].between(0, 1), "must be in [0, 1] (0 if never used)"),
    ]
    for col, bad, msg in rules:
        bad = np.asarray(bad, dtype=bool)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise AssemblyInputError(f"{where(i)}: column '{col}' is {out[col].iloc[i]!r}; it {msg}")
    for col in ("a", "b"):
        other = "b" if col == "a" else "a"
        bad = (out[col].notna() & out[other].isna()).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise AssemblyInputError(f"{where(i)}: has '{col}' but no '{other}'; give both IRT parameters or neither")
    return out


def _resolve_list(pool: pd.DataFrame, entries: Iterable[int | str], name: str) -> tuple[list[int], list[str]]:
    ids: list[int] = []
    codes: list[str] = []
    known_codes = set(pool["item_code"])
    for e in entries:
        if isinstance(e, (int, np.integer)) and not isinstance(e, bool):
            if int(e) not in pool.index:
                raise AssemblyInputError(f"{name} list: item_version_id {e} is not in the pool")
            ids.append(int(e))
        elif isinstance(e, str):
            if e not in known_codes:
                raise AssemblyInputError(f"{name} list: item code '{e}' is not in the pool")
            codes.append(e)
        else:
            raise AssemblyInputError(f"{name} list: {e!r} is neither an item_version_id (int) nor an item code (str)")
    return sorted(set(ids)), sorted(set(codes))


def prepare(
    pool: pd.DataFrame,
    blueprint: Sequence[BlueprintConstraint],
    enemies: Iterable[tuple[str, str]] = (),
    *,
    options: AssemblyOptions | None = None,
) -> Prepared:
    """Check every input and derive eligibility, the overlap limit and the active constraints.

    Steps: the pool (:func:`_check_pool`), the options (:func:`_check_options`), the active
    blueprint rows plus the mean-p band (:func:`_active_constraints`), the enemy pairs
    (:func:`_enemy_pairs`), the include / exclude lists (:func:`_include_and_exclude`), why
    each item is or is not eligible (:func:`_ineligibility_reasons`), and the form length and
    overlap limit (:func:`_form_length`, :func:`_overlap_limit`).
    """
    opts = options or AssemblyOptions()
    if not isinstance(opts, AssemblyOptions):
        raise AssemblyInputError(f"options must be AssemblyOptions, got {type(opts).__name__}")
    df = _check_pool(pool)
    _check_options(opts)
    rows = _active_constraints(df, blueprint, opts)
    pairs = _enemy_pairs(enemies)
    inc_ids, inc_codes, excluded, forced = _include_and_exclude(df, opts)
    whole_sets = opts.set_min_items is None and opts.set_max_items is None
    reasons = _ineligibility_reasons(df, opts, excluded=excluded, forced=forced, whole_sets=whole_sets)
    form_length = _form_length(rows)
    return Prepared(
        pool=df,
        constraints=rows,
        enemies=pairs,
        options=opts,
        reasons=reasons,
        include_ids=inc_ids,
        include_codes=inc_codes,
        overlap_limit=_overlap_limit(opts, form_length),
        form_length=form_length,
        whole_sets=whole_sets,
    )


def _active_constraints(
    df: pd.DataFrame, blueprint: Sequence[BlueprintConstraint], opts: AssemblyOptions
) -> list[BlueprintConstraint]:
    """The blueprint rows that are on, checked against the pool, plus the mean-p band row."""
    rows = [r for r in blueprint if r.on]
    seen: set[str] = set()
    for r in blueprint:
        if not isinstance(r, BlueprintConstraint):
            raise AssemblyInputError(f"blueprint rows must be BlueprintConstraint, got {type(r).__name__}")
        if r.id in seen:
            raise AssemblyInputError(f"blueprint constraint id '{r.id}' occurs twice")
        seen.add(r.id)
    if not rows:
        raise AssemblyInputError("the blueprint has no active constraint")
    for r in rows:
        r.condition.mask(df)  # raises naming the unknown column
        if r.type != "count":
            _check_summed_column(df, r)
    if opts.mean_p_band is not None:
        lo, hi = opts.mean_p_band
        rows.append(BlueprintConstraint("mean_p_band", "mean", "p", Condition(), lo, hi))
    return rows


def _check_summed_column(df: pd.DataFrame, r: BlueprintConstraint) -> None:
    """A sum or mean row's column exists and holds numbers; a sum needs a value on every item it
    matches (a mean is taken over the items that have one)."""
    if r.counts not in df.columns:
        raise AssemblyInputError(f"constraint '{r.id}' sums column '{r.counts}', which the pool does not have")
    vals = pd.to_numeric(df[r.counts], errors="coerce")
    if (vals.isna() & df[r.counts].notna()).any():
        i = int(np.flatnonzero((vals.isna() & df[r.counts].notna()).to_numpy())[0])
        raise AssemblyInputError(
            f"constraint '{r.id}': item_version_id {df.index[i]} has {r.counts}={df[r.counts].iloc[i]!r}, not a number"
        )
    if r.type == "sum":
        bad = vals.isna().to_numpy() & r.condition.mask(df)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise AssemblyInputError(
                f"constraint '{r.id}' sums '{r.counts}' but item_version_id {df.index[i]} "
                f"(item {df['item_code'].iloc[i]}) has no value there"
            )


def _enemy_pairs(enemies: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The enemy pairs as sorted ``(lower code, higher code)`` tuples, without repeats."""
    pairs: list[tuple[str, str]] = []
    for pair in enemies:
        if len(tuple(pair)) != 2:
            raise AssemblyInputError(f"enemy entry {pair!r} is not a pair of item codes")
        x, y = (str(v) for v in pair)
        if x == y:
            raise AssemblyInputError(f"item {x} is listed as its own enemy")
        pairs.append((min(x, y), max(x, y)))
    return sorted(set(pairs))


def _include_and_exclude(
    df: pd.DataFrame, opts: AssemblyOptions
) -> tuple[list[int], list[str], np.ndarray, np.ndarray]:
    """Included ids and codes, and per item whether it is excluded and whether it is forced in."""
    inc_ids, inc_codes = _resolve_list(df, opts.include, "include")
    exc_ids, exc_codes = _resolve_list(df, opts.exclude, "exclude")
    code_of = df["item_code"]
    excluded = df.index.isin(exc_ids) | code_of.isin(exc_codes).to_numpy()
    for i in inc_ids:
        if excluded[df.index.get_loc(i)]:
            raise AssemblyInputError(f"item_version_id {i} is on both the include and the exclude list")
    for c in inc_codes:
        if excluded[(code_of == c).to_numpy()].all():
            raise AssemblyInputError(f"item {c} is on the include list but all its versions are excluded")
    forced = df.index.isin(inc_ids) | code_of.isin(inc_codes).to_numpy()
    return inc_ids, inc_codes, excluded, forced


def _ineligibility_reasons(
    df: pd.DataFrame, opts: AssemblyOptions, *, excluded: np.ndarray, forced: np.ndarray, whole_sets: bool
) -> pd.Series:
    """Per item: ``''`` when eligible, else the first rule that keeps it out, in committee words.

    The exclude list comes first; the exposure rules do not apply to items the include list
    forces in; with whole sets, a set with one ineligible member makes the others ineligible.
    """
    reasons = pd.Series("", index=df.index, dtype=object)
    reasons[excluded] = "on the exclude list"
    if opts.exclude_used_in_last:
        n = opts.exclude_used_in_last
        recent = (df["forms_since_last_use"] < n).to_numpy() & ~forced & (reasons == "").to_numpy()
        reasons[recent] = f"used in the last {n} forms"
    if opts.max_exposure_rate is not None:
        cap = opts.max_exposure_rate
        over = (df["exposure_rate"] > cap).to_numpy() & ~forced & (reasons == "").to_numpy()
        reasons[over] = f"exposure rate above {cap:g}"
    if whole_sets:
        sets = df["set_id"]
        for sid, members in df.groupby(sets.where(sets.notna()), sort=True).groups.items():
            r = reasons.loc[members]
            if (r != "").any() and (r == "").any():
                first = r[r != ""].index[0]
                reasons.loc[r[r == ""].index] = (
                    f"its item set {sid} is incomplete (item {df.at[first, 'item_code']} is {r.loc[first]})"
                )
    return reasons


def _form_length(rows: Sequence[BlueprintConstraint]) -> int | None:
    """The form length: the largest lower bound of a whole-form count row, rounded up."""
    totals = [r.lower for r in rows if r.type == "count" and not r.condition.clauses and r.lower is not None]
    if not totals:
        return None
    return int(math.ceil(max(totals) - 1e-9))


def _overlap_limit(opts: AssemblyOptions, form_length: int | None) -> int | None:
    """Most items two forms may share: ``max_overlap`` x form length rounded down, or the count."""
    if opts.max_overlap is not None:
        if form_length is None:
            raise AssemblyInputError(
                "max_overlap is a fraction of the form length, but the blueprint has no whole-form "
                "count row with a lower bound; give max_overlap_items instead"
            )
        return int(math.floor(opts.max_overlap * form_length + 1e-9))
    if opts.max_overlap_items is not None:
        return int(opts.max_overlap_items)
    return None


def _check_options(o: AssemblyOptions) -> None:
    def bad(name: str, value: object, want: str) -> AssemblyInputError:
        return AssemblyInputError(f"option {name}={value!r}: {want}")

    if not isinstance(o.forms, (int, np.integer)) or isinstance(o.forms, bool) or o.forms < 1:
        raise bad("forms", o.forms, "must be a whole number >= 1")
    if o.max_overlap is not None and o.max_overlap_items is not None:
        raise AssemblyInputError("give max_overlap (a fraction) or max_overlap_items (a count), not both")
    if o.max_overlap is not None and not (0 <= o.max_overlap <= 1):
        raise bad("max_overlap", o.max_overlap, "must be a fraction in [0, 1]; use max_overlap_items for a count")
    if o.max_overlap_items is not None and (int(o.max_overlap_items) != o.max_overlap_items or o.max_overlap_items < 0):
        raise bad("max_overlap_items", o.max_overlap_items, "must be a whole number >= 0")
    if o.exclude_used_in_last is not None and (int(o.exclude_used_in_last) != o.exclude_used_in_last or o.exclude_used_in_last < 0):
        raise bad("exclude_used_in_last", o.exclude_used_in_last, "must be a whole number >= 0")
    if o.max_exposure_rate is not None and not (0 <= o.max_exposure_rate <= 1):
        raise bad("max_exposure_rate", o.max_exposure_rate, "must be in [0, 1]")
    if o.mean_p_band is not None:
        lo, hi = o.mean_p_band
        if not (0 <= lo <= hi <= 1):
            raise bad("mean_p_band", o.mean_p_band, "must be (low, high) with 0 <= low <= high <= 1")
    if o.objective not in OBJECTIVES and o.objective != "total_information":
        raise bad("objective", o.objective, f"must be one of {', '.join(OBJECTIVES)}")
    if not math.isfinite(o.cut_theta):
        raise bad("cut_theta", o.cut_theta, "must be a finite number")
    if o.objective == "match_reference":
        if o.reference is None or len(o.reference) == 0:
            raise AssemblyInputError("objective match_reference needs the reference form's rows (option reference)")
        if o.reference_target not in ("information", "difficulty"):
            raise bad("reference_target", o.reference_target, "must be 'information' or 'difficulty'")
        need = ("a", "b") if o.reference_target == "information" else ("p",)
        miss = [c for c in need if c not in o.reference.columns]
        if miss:
            raise AssemblyInputError(f"the reference form lacks column(s) {', '.join(miss)} for reference_target={o.reference_target}")
        edges = list(o.difficulty_bins)
        if o.reference_target == "difficulty" and (len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:]))):
            raise bad("difficulty_bins", o.difficulty_bins, "must be at least two increasing edges")
    if o.objective == "target_information":
        if not o.target_tif:
            raise AssemblyInputError("objective target_information needs target points (option target_tif: "
                                     "(theta, information) pairs)")
        for point in o.target_tif:
            if len(point) != 2 or not all(math.isfinite(float(v)) for v in point) or float(point[1]) < 0:
                raise bad("target_tif", point, "each point must be (theta, information) with finite numbers and "
                                               "information >= 0")
        thetas = [float(th) for th, _ in o.target_tif]
        if len(set(thetas)) != len(thetas):
            raise bad("target_tif", tuple(o.target_tif), "names a theta twice")
    if not (math.isfinite(o.deviation_floor) and o.deviation_floor >= 0):
        raise bad("deviation_floor", o.deviation_floor, "must be a number >= 0")
    for name in ("set_min_items", "set_max_items"):
        v = getattr(o, name)
        if v is not None and (int(v) != v or v < 1):
            raise bad(name, v, "must be a whole number >= 1")
    if o.set_min_items and o.set_max_items and o.set_min_items > o.set_max_items:
        raise AssemblyInputError(f"set_min_items={o.set_min_items} is above set_max_items={o.set_max_items}")
    if not (o.time_limit > 0):
        raise bad("time_limit", o.time_limit, "must be > 0 seconds")
    if not (0 <= o.mip_rel_gap < 1):
        raise bad("mip_rel_gap", o.mip_rel_gap, "must be in [0, 1)")
