"""Property tests on randomly generated small banks (hypothesis).

The expected answers come from an independent brute force: every subset of a tiny bank is
checked against the rules with plain Python, so the solver's forms, its optimum and its
"impossible" verdicts are all compared with an exhaustive search that shares no code with it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itembank.assembly import (
    AssemblyOptions,
    BlueprintConstraint,
    InfeasibleAssemblyError,
    assemble,
    explain_infeasibility,
)

OBJECTIVES = ["LO1", "LO2", "LO3"]
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def banks(draw: st.DrawFn, min_items: int = 4, max_items: int = 9) -> dict:
    n = draw(st.integers(min_items, max_items))
    items = []
    for k in range(n):
        items.append(dict(
            item_code=f"Q{k}",
            objective=draw(st.sampled_from(OBJECTIVES)),
            level="apply",
            topic=None,
            points=1.0,
            p=draw(st.one_of(st.just(math.nan), st.floats(0.2, 0.95).map(lambda v: round(v, 2)))),
            a=draw(st.floats(0.4, 2.5).map(lambda v: round(v, 2))),
            b=draw(st.floats(-2, 2).map(lambda v: round(v, 2))),
            c=0.0,
            set_id=draw(st.sampled_from([None, None, None, "S1", "S2"])),
            times_used=draw(st.integers(0, 3)),
            forms_since_last_use=draw(st.sampled_from([math.nan, math.nan, 0.0, 1.0, 3.0])),
            exposure_rate=draw(st.sampled_from([0.0, 0.1, 0.5])),
        ))
    pool = pd.DataFrame(items, index=pd.Index(range(1, n + 1), name="item_version_id"))
    codes = list(pool["item_code"])
    enemies = draw(st.lists(st.tuples(st.sampled_from(codes), st.sampled_from(codes)).filter(lambda t: t[0] != t[1]),
                            max_size=3, unique=True))
    cells = {o: draw(st.integers(0, 2)) for o in OBJECTIVES}
    total = sum(cells.values()) + draw(st.integers(0, 1))
    blueprint = [BlueprintConstraint(o, "count", "items", f"objective={o}", k, k) for o, k in cells.items() if k]
    blueprint.append(BlueprintConstraint("total", "count", "items", "", max(total, 1), max(total, 1)))
    return dict(pool=pool, enemies=enemies, blueprint=blueprint)


@st.composite
def rules(draw: st.DrawFn) -> dict:
    band = draw(st.sampled_from([None, (0.4, 0.8), (0.6, 0.7)]))
    return dict(
        exclude_used_in_last=draw(st.sampled_from([None, 1, 2])),
        max_exposure_rate=draw(st.sampled_from([None, 0.3])),
        mean_p_band=band,
    )


def eligible(row: pd.Series, opts: AssemblyOptions) -> bool:
    if opts.exclude_used_in_last and not math.isnan(row.forms_since_last_use) and row.forms_since_last_use < opts.exclude_used_in_last:
        return False
    if opts.max_exposure_rate is not None and row.exposure_rate > opts.max_exposure_rate:
        return False
    return True


def form_ok(pool: pd.DataFrame, ids: tuple[int, ...], blueprint, enemies, opts: AssemblyOptions) -> bool:
    """Plain-Python check of one form (the documented rules, written out again)."""
    rows = pool.loc[list(ids)]
    usable = {i for i, r in pool.iterrows() if eligible(r, opts)}
    # whole sets: a set with any unusable member is unusable
    for sid, grp in pool.groupby(pool["set_id"].where(pool["set_id"].notna())):
        if not set(grp.index) <= usable:
            usable -= set(grp.index)
    if not set(ids) <= usable:
        return False
    for con in blueprint:
        if con.condition.clauses:
            obj = con.condition.clauses[0].values[0]
            n = int((rows["objective"] == obj).sum())
        else:
            n = len(rows)
        if not (con.lower <= n <= con.upper):
            return False
    codes = set(rows["item_code"])
    if any(a in codes and b in codes for a, b in enemies):
        return False
    for sid in rows["set_id"].dropna().unique():
        if set(pool.index[pool["set_id"] == sid]) - set(ids):
            return False
    if opts.mean_p_band is not None:
        ps = rows["p"].dropna()
        if len(ps) and not (opts.mean_p_band[0] - 1e-12 <= ps.mean() <= opts.mean_p_band[1] + 1e-12):
            return False
    return True


def information(pool: pd.DataFrame, ids) -> float:
    a, b = pool.loc[list(ids), "a"].to_numpy(), pool.loc[list(ids), "b"].to_numpy()
    p = 1 / (1 + np.exp(a * b))  # P at theta 0 with c = 0
    return float((a * a * p * (1 - p)).sum())


def form_size(blueprint) -> int:
    return int(next(c.lower for c in blueprint if c.id == "total"))


@SETTINGS
@given(bank=banks(), rule=rules())
def test_one_form_matches_exhaustive_search(bank: dict, rule: dict) -> None:
    pool, enemies, bp = bank["pool"], bank["enemies"], bank["blueprint"]
    opts = AssemblyOptions(mip_rel_gap=0.0, **rule)
    size = form_size(bp)
    feasible = [s for s in itertools.combinations(pool.index, size) if form_ok(pool, s, bp, enemies, opts)]
    try:
        res = assemble(pool, bp, enemies, opts)
    except InfeasibleAssemblyError as err:
        assert not feasible, f"solver said impossible but {feasible[0]} meets every rule"
        assert err.reasons and all(isinstance(r, str) and r for r in err.reasons)
        return
    assert feasible, "solver returned a form although exhaustive search finds none"
    (form,) = res.forms
    assert form_ok(pool, tuple(form), bp, enemies, opts)
    best = max(information(pool, s) for s in feasible)
    assert res.objective_value == abs(res.objective_value) and math.isclose(res.objective_value, best, rel_tol=1e-6, abs_tol=1e-9)


@SETTINGS
@given(bank=banks(min_items=6, max_items=14), rule=rules(), forms=st.integers(2, 3), overlap=st.sampled_from([0, 1, 2]))
def test_parallel_forms_honour_every_rule_or_are_explained(bank: dict, rule: dict, forms: int, overlap: int) -> None:
    pool, enemies, bp = bank["pool"], bank["enemies"], bank["blueprint"]
    opts = AssemblyOptions(forms=forms, max_overlap_items=overlap, time_limit=20, **rule)
    try:
        res = assemble(pool, bp, enemies, opts)
    except InfeasibleAssemblyError as err:
        assert err.reasons and all(r.endswith(".") for r in err.reasons)
        return
    assert len(res.forms) == forms
    for form in res.forms:
        assert len(form) == len(set(form)) == form_size(bp)
        assert form_ok(pool, tuple(form), bp, enemies, opts)
    for f, g in itertools.combinations(res.forms, 2):
        assert len(set(f) & set(g)) <= overlap
    assert res.verification["passed"].all()


@SETTINGS
@given(supply=st.lists(st.integers(0, 4), min_size=3, max_size=3), demand=st.lists(st.integers(1, 3), min_size=3, max_size=3),
       forms=st.integers(1, 3))
def test_infeasibility_report_names_exactly_the_short_cells(supply: list[int], demand: list[int], forms: int) -> None:
    # forms share nothing (overlap 0), so a cell needs forms x demand items (items_needed with o = 0)
    rows = [dict(objective=o) for o, k in zip(OBJECTIVES, supply) for _ in range(k)]
    base = dict(level="apply", topic=None, points=1.0, p=0.5, a=1.0, b=0.0, c=0.0, set_id=None, times_used=0,
                forms_since_last_use=math.nan, exposure_rate=0.0)
    pool = pd.DataFrame([dict(base, item_code=f"Q{k}", **r) for k, r in enumerate(rows)],
                        index=pd.Index(range(1, len(rows) + 1), name="item_version_id"))
    if pool.empty:
        return
    bp = [BlueprintConstraint(o, "count", "items", f"objective={o}", d, d) for o, d in zip(OBJECTIVES, demand)]
    short = {o for o, s, d in zip(OBJECTIVES, supply, demand) if s < forms * d}
    reasons = explain_infeasibility(pool, bp, [], AssemblyOptions(forms=forms, max_overlap_items=0))
    named = {o for o in OBJECTIVES if any(f"Cell '{o}'" in r for r in reasons)}
    assert named == short
    for o, s, d in zip(OBJECTIVES, supply, demand):
        if o in short:
            (msg,) = [r for r in reasons if f"Cell '{o}'" in r]
            assert f"Write at least {forms * d - s} more." in msg


@settings(max_examples=10, deadline=None)
@given(bank=banks(min_items=6, max_items=12), seed=st.integers(0, 1000))
def test_assembling_twice_gives_the_same_forms(bank: dict, seed: int) -> None:
    pool, enemies, bp = bank["pool"], bank["enemies"], bank["blueprint"]
    opts = AssemblyOptions(forms=2, max_overlap_items=1)
    try:
        first = assemble(pool, bp, enemies, opts).forms
    except InfeasibleAssemblyError as err:
        again = None
        try:
            assemble(pool.sample(frac=1, random_state=seed), bp, enemies, opts)
        except InfeasibleAssemblyError as err2:
            again = err2.reasons
        assert again == err.reasons
        return
    assert assemble(pool, bp, enemies, opts).forms == first
    assert assemble(pool.sample(frac=1, random_state=seed), bp, enemies, opts).forms == first


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank=banks(min_items=4, max_items=8), rule=rules(), overlap=st.sampled_from([0, 1, 2]))
def test_two_forms_reach_the_exhaustive_maximin(bank: dict, rule: dict, overlap: int) -> None:
    # exhaustive: every pair of rule-abiding forms sharing <= overlap items; the best pair
    # maximises the smaller of the two forms' information at the cut (maximin)
    pool, enemies, bp = bank["pool"], bank["enemies"], bank["blueprint"]
    opts = AssemblyOptions(forms=2, max_overlap_items=overlap, mip_rel_gap=0.0, **rule)
    size = form_size(bp)
    ok = [s for s in itertools.combinations(pool.index, size) if form_ok(pool, s, bp, enemies, opts)]
    pairs = [(f, g) for f, g in itertools.combinations_with_replacement(ok, 2) if len(set(f) & set(g)) <= overlap]
    try:
        res = assemble(pool, bp, enemies, opts)
    except InfeasibleAssemblyError:
        assert not pairs
        return
    assert pairs
    best = max(min(information(pool, f), information(pool, g)) for f, g in pairs)
    assert math.isclose(res.objective_value, best, rel_tol=1e-6, abs_tol=1e-9)
