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
from hypothesis import HealthCheck, assume, event, given, settings
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


class FormRules:
    """Plain-Python check of forms (the documented rules, written out again).

    Which items are usable (eligibility, then whole sets: a set with any unusable member is
    unusable) is worked out once, so checking every subset of a bank stays fast.
    """

    def __init__(self, pool: pd.DataFrame, blueprint, enemies, opts: AssemblyOptions):
        self.pool, self.blueprint, self.enemies, self.opts = pool, blueprint, enemies, opts
        usable = {i for i, r in pool.iterrows() if eligible(r, opts)}
        self.set_of = {i: s for i, s in pool["set_id"].items() if isinstance(s, str)}
        self.set_members = {s: {i for i, t in self.set_of.items() if t == s} for s in set(self.set_of.values())}
        for members in self.set_members.values():
            if not members <= usable:
                usable -= members
        self.usable = usable
        self.objective = pool["objective"].to_dict()
        self.code = pool["item_code"].to_dict()
        self.p = pool["p"].to_dict()

    def in_row(self, con, i: int) -> bool:
        """Does item ``i`` count in blueprint row ``con`` (an objective cell, or the whole form)?"""
        return not con.condition.clauses or self.objective[i] == con.condition.clauses[0].values[0]

    def ok(self, ids) -> bool:
        ids = set(ids)
        if not ids <= self.usable:
            return False
        for con in self.blueprint:
            n = sum(self.in_row(con, i) for i in ids)
            if not (con.lower <= n <= con.upper):
                return False
        codes = {self.code[i] for i in ids}
        if any(a in codes and b in codes for a, b in self.enemies):
            return False
        if any(self.set_members[self.set_of[i]] - ids for i in ids if i in self.set_of):
            return False
        if self.opts.mean_p_band is not None:
            ps = [self.p[i] for i in ids if not math.isnan(self.p[i])]
            lo, hi = self.opts.mean_p_band
            if ps and not (lo - 1e-12 <= sum(ps) / len(ps) <= hi + 1e-12):
                return False
        return True


def form_ok(pool: pd.DataFrame, ids: tuple[int, ...], blueprint, enemies, opts: AssemblyOptions) -> bool:
    """Plain-Python check of one form (see :class:`FormRules`)."""
    return FormRules(pool, blueprint, enemies, opts).ok(ids)


def distinct_items_needed(per_form: int, forms: int, overlap: int) -> int:
    """Fewest different items K forms need when each holds ``per_form`` of them and two forms
    share at most ``overlap``: form k (k = 0, 1, ...) shares at most ``overlap`` items with each
    of the k forms before it, so it brings at least ``per_form - k * overlap`` new ones.

    Written here from that argument alone (not from :func:`itembank.assembly.items_needed`).
    """
    return sum(max(0, per_form - k * min(overlap, per_form)) for k in range(forms))


def test_the_counting_bound_of_the_infeasibility_proof_is_hand_checked() -> None:
    # 2 forms of 3 sharing <= 1: 3 + 2 = 5 items ({a,b,c}, {c,d,e}); 3 disjoint forms of 2: 6;
    # 3 forms of 4 sharing <= 1: 4 + 3 + 2 = 9 ({1,2,3,4}, {4,5,6,7}, {1,5,8,9}); no limit: 4
    assert distinct_items_needed(3, 2, 1) == 5
    assert distinct_items_needed(2, 3, 0) == 6
    assert distinct_items_needed(4, 3, 1) == 9
    assert distinct_items_needed(4, 3, 4) == 4


def short_cells(rules: FormRules, forms: int, overlap: int) -> list[str]:
    """Blueprint rows whose usable items are fewer than ``forms`` forms need (counting proof)."""
    short = []
    for con in rules.blueprint:
        available = sum(rules.in_row(con, i) for i in rules.usable)
        if available < distinct_items_needed(int(con.lower), forms, overlap):
            short.append(con.id)
    return short


def find_parallel_forms(rules: FormRules, size: int, forms: int, overlap: int) -> list[tuple[int, ...]] | None:
    """Exhaustive search for ``forms`` forms that each meet every rule and pairwise share at most
    ``overlap`` items; None when there are none."""
    valid = [s for s in itertools.combinations(rules.pool.index, size) if rules.ok(s)]
    masks = [sum(1 << int(i) for i in s) for s in valid]

    def extend(chosen: list[int], start: int) -> list[int] | None:
        if len(chosen) == forms:
            return chosen
        for k in range(start, len(valid)):  # the same form twice is allowed when it fits the overlap
            if all(bin(masks[k] & masks[c]).count("1") <= overlap for c in chosen):
                found = extend(chosen + [k], k)
                if found is not None:
                    return found
        return None

    found = extend([], 0)
    return None if found is None else [valid[k] for k in found]


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
    check = FormRules(pool, bp, enemies, opts)
    feasible = [s for s in itertools.combinations(pool.index, size) if check.ok(s)]
    try:
        res = assemble(pool, bp, enemies, options=opts)
    except InfeasibleAssemblyError as err:
        assert not feasible, f"solver said impossible but {feasible[0]} meets every rule"
        assert err.reasons and all(isinstance(r, str) and r for r in err.reasons)
    else:
        assert feasible, "solver returned a form although exhaustive search finds none"
        (form,) = res.forms
        assert check.ok(form)
        best = max(information(pool, s) for s in feasible)
        assert res.objective_value == abs(res.objective_value)
        assert math.isclose(res.objective_value, best, rel_tol=1e-6, abs_tol=1e-9)


@SETTINGS
@given(bank=banks(min_items=6, max_items=14), rule=rules(), forms=st.integers(2, 3), overlap=st.sampled_from([0, 1, 2]))
def test_parallel_forms_honour_every_rule_or_are_explained(bank: dict, rule: dict, forms: int, overlap: int) -> None:
    pool, enemies, bp = bank["pool"], bank["enemies"], bank["blueprint"]
    opts = AssemblyOptions(forms=forms, max_overlap_items=overlap, time_limit=20, **rule)
    check = FormRules(pool, bp, enemies, opts)
    try:
        res = assemble(pool, bp, enemies, options=opts)
    except InfeasibleAssemblyError as err:
        assert err.reasons and all(r.endswith(".") for r in err.reasons)
        # the claim "impossible" is proved here without the solver: by counting the usable items
        # of some blueprint row against what the forms need, else by exhaustive search
        if short_cells(check, forms, overlap):
            event("infeasible: a blueprint row has too few usable items (counting)")
        else:
            event("infeasible: no counting proof, exhaustive search")
            found = find_parallel_forms(check, form_size(bp), forms, overlap)
            assert found is None, f"solver said impossible but the forms {found} meet every rule"
    else:
        event("feasible")
        assert len(res.forms) == forms
        for form in res.forms:
            assert len(form) == len(set(form)) == form_size(bp)
            assert check.ok(form)
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
    assume(not pool.empty)
    bp = [BlueprintConstraint(o, "count", "items", f"objective={o}", d, d) for o, d in zip(OBJECTIVES, demand)]
    short = {o for o, s, d in zip(OBJECTIVES, supply, demand) if s < forms * d}
    reasons = explain_infeasibility(pool, bp, [], options=AssemblyOptions(forms=forms, max_overlap_items=0))
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
        first = assemble(pool, bp, enemies, options=opts).forms
    except InfeasibleAssemblyError as err:
        again = None
        try:
            assemble(pool.sample(frac=1, random_state=seed), bp, enemies, options=opts)
        except InfeasibleAssemblyError as err2:
            again = err2.reasons
        assert again == err.reasons
    else:
        assert assemble(pool, bp, enemies, options=opts).forms == first
        assert assemble(pool.sample(frac=1, random_state=seed), bp, enemies, options=opts).forms == first


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank=banks(min_items=4, max_items=8), rule=rules(), overlap=st.sampled_from([0, 1, 2]))
def test_two_forms_reach_the_exhaustive_maximin(bank: dict, rule: dict, overlap: int) -> None:
    # exhaustive: every pair of rule-abiding forms sharing <= overlap items; the best pair
    # maximises the smaller of the two forms' information at the cut (maximin)
    pool, enemies, bp = bank["pool"], bank["enemies"], bank["blueprint"]
    opts = AssemblyOptions(forms=2, max_overlap_items=overlap, mip_rel_gap=0.0, **rule)
    size = form_size(bp)
    check = FormRules(pool, bp, enemies, opts)
    ok = [s for s in itertools.combinations(pool.index, size) if check.ok(s)]
    pairs = [(f, g) for f, g in itertools.combinations_with_replacement(ok, 2) if len(set(f) & set(g)) <= overlap]
    try:
        res = assemble(pool, bp, enemies, options=opts)
    except InfeasibleAssemblyError:
        assert not pairs
    else:
        assert pairs
        best = max(min(information(pool, f), information(pool, g)) for f, g in pairs)
        assert math.isclose(res.objective_value, best, rel_tol=1e-6, abs_tol=1e-9)
