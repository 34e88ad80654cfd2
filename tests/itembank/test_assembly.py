"""Exam assembly: hand-checkable banks where the right forms are known in advance."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from itembank.assembly import (
    AssemblyError,
    AssemblyInputError,
    AssemblyOptions,
    BlueprintConstraint,
    InfeasibleAssemblyError,
    VerificationError,
    assemble,
    blueprint_from_cells,
    coverage_report,
    expected_alpha,
    expected_statistics,
    explain_infeasibility,
    gap_report,
    information_curve,
    item_information,
    items_needed,
    verify,
)
from itembank.errors import MAX_LISTED, UserError


def make_pool(rows: list[dict], start_id: int = 101) -> pd.DataFrame:
    """A pool with the documented columns; each dict overrides the defaults of one item."""
    base = dict(objective="LO1", level="apply", topic=None, points=1.0, p=0.6, a=np.nan, b=np.nan, c=np.nan,
                set_id=None, times_used=0, forms_since_last_use=np.nan, exposure_rate=0.0)
    recs = []
    for k, r in enumerate(rows):
        rec = dict(base)
        rec["item_code"] = f"Q{k + 1}"
        rec.update(r)
        recs.append(rec)
    return pd.DataFrame(recs, index=pd.Index(range(start_id, start_id + len(rows)), name="item_version_id"))


def count(cid: str, n: int, cond: str = "") -> BlueprintConstraint:
    return BlueprintConstraint(cid, "count", "items", cond, n, n)


def codes(pool: pd.DataFrame, form: list[int]) -> list[str]:
    return list(pool.loc[form, "item_code"])


# --- item information -------------------------------------------------------------------

def test_item_information_matches_hand_computed_3pl_values() -> None:
    pool = make_pool([dict(a=1.0, b=0.0, c=0.0), dict(a=1.5, b=0.0, c=0.2), dict()])
    info = item_information(pool, 0.0)
    # 2PL a=1,b=0 at theta=0: P=0.5, I = a^2 P Q = 1 * 0.5 * 0.5 = 0.25
    # 3PL a=1.5,c=0.2: P = 0.2 + 0.8*0.5 = 0.6; I = 2.25 * (0.4/0.6) * ((0.6-0.2)/0.8)^2 = 0.375
    # no parameters: 0 by the documented rule
    assert info == pytest.approx([0.25, 0.375, 0.0])


def test_item_information_peaks_at_b_for_2pl() -> None:
    # property (Lord 1980): a 2PL item's information is largest at theta = b, where it is a^2/4
    pool = make_pool([dict(a=1.7, b=0.8, c=0.0)])
    thetas = np.linspace(-3, 3, 601)
    curve = item_information(pool, thetas)[0]
    assert thetas[np.argmax(curve)] == pytest.approx(0.8, abs=0.01)
    assert curve.max() == pytest.approx(1.7**2 / 4, rel=1e-4)


# --- objectives --------------------------------------------------------------------------

def test_max_information_takes_the_most_informative_items_of_each_cell() -> None:
    # cell LO1: b = 0, 2, -2 (a=1) -> info at 0: 0.25, 0.105, 0.105 -> Q1 best
    # cell LO2: a = 0.5, 2.0, 1.0 with b=0 -> info a^2/4 = 0.0625, 1.0, 0.25 -> Q5 best
    pool = make_pool([
        dict(objective="LO1", a=1.0, b=0.0), dict(objective="LO1", a=1.0, b=2.0), dict(objective="LO1", a=1.0, b=-2.0),
        dict(objective="LO2", a=0.5, b=0.0), dict(objective="LO2", a=2.0, b=0.0), dict(objective="LO2", a=1.0, b=0.0),
    ])
    bp = [count("LO1", 1, "objective=LO1"), count("LO2", 1, "objective=LO2"), count("total", 2)]
    res = assemble(pool, bp, [], options=AssemblyOptions(cut_theta=0.0))
    assert res.status == "optimal"
    assert sorted(codes(pool, res.forms[0])) == ["Q1", "Q5"]
    assert res.objective_value == pytest.approx(0.25 + 1.0)  # recomputed from the chosen items


def test_spread_exposure_prefers_rarely_used_items() -> None:
    pool = make_pool([dict(times_used=5), dict(times_used=0), dict(times_used=2), dict(times_used=1)])
    res = assemble(pool, [count("total", 2)], [], options=AssemblyOptions(objective="spread_exposure"))
    assert sorted(codes(pool, res.forms[0])) == ["Q2", "Q4"]  # the two smallest: 0 and 1 uses
    assert res.objective_value == pytest.approx(0 + 1)


def test_match_reference_difficulty_reproduces_the_reference_bins() -> None:
    # reference: one easy (p=.85), one hard (p=.25) item; bins (0,.5], (.5,1] -> counts 1, 1
    pool = make_pool([dict(p=0.8), dict(p=0.9), dict(p=0.7), dict(p=0.3)])
    ref = pd.DataFrame({"p": [0.85, 0.25]})
    opts = AssemblyOptions(objective="match_reference", reference=ref, reference_target="difficulty",
                           difficulty_bins=(0.0, 0.5, 1.0))
    res = assemble(pool, [count("total", 2)], [], options=opts)
    assert "Q4" in codes(pool, res.forms[0])  # the only hard item must be there
    assert res.objective_value == pytest.approx(0.0)


def test_match_reference_information_minimises_the_largest_deviation() -> None:
    # reference = one 2PL item a=1, b=0; pool holds that exact item and others -> deviation 0
    pool = make_pool([dict(a=2.0, b=1.0), dict(a=1.0, b=0.0), dict(a=0.6, b=-1.0)])
    ref = pd.DataFrame({"a": [1.0], "b": [0.0], "c": [0.0]})
    res = assemble(pool, [count("total", 1)], [], options=AssemblyOptions(objective="match_reference", reference=ref))
    assert codes(pool, res.forms[0]) == ["Q2"]
    assert res.objective_value == pytest.approx(0.0, abs=1e-12)


# --- constraints -------------------------------------------------------------------------

def test_enemies_never_share_a_form() -> None:
    # Q1 and Q2 are the two best, but enemies: the form takes Q1 (best) and Q3
    pool = make_pool([dict(a=2.0, b=0.0), dict(a=1.9, b=0.0), dict(a=1.0, b=0.0), dict(a=0.5, b=0.0)])
    res = assemble(pool, [count("total", 2)], [("Q2", "Q1")], options=AssemblyOptions())
    assert sorted(codes(pool, res.forms[0])) == ["Q1", "Q3"]


def test_item_sets_are_all_or_nothing() -> None:
    # set S (Q2, Q3) has the two best items, but a 2-item form with Q4 the third best...
    # 3 items needed: the set (2 items) + Q4 beats Q1 + anything, and a half set is forbidden
    pool = make_pool([dict(a=0.5, b=0), dict(a=2.0, b=0, set_id="S"), dict(a=0.1, b=0, set_id="S"),
                      dict(a=1.5, b=0), dict(a=1.4, b=0)])
    res = assemble(pool, [count("total", 3)], [], options=AssemblyOptions())
    # with the set: 1.0 + 0.0025 + 0.5625 = 1.565; without: Q4+Q5+Q1 = 0.5625+0.49+0.0625 = 1.115
    assert sorted(codes(pool, res.forms[0])) == ["Q2", "Q3", "Q4"]
    res2 = assemble(pool, [count("total", 2)], [], options=AssemblyOptions())
    # 2 items: the set alone 1.0025 < Q4+Q5 = 1.0525, and Q2 alone is not allowed
    assert sorted(codes(pool, res2.forms[0])) == ["Q4", "Q5"]


def test_partial_sets_respect_size_bounds() -> None:
    pool = make_pool([dict(a=2.0, b=0, set_id="S"), dict(a=1.9, b=0, set_id="S"), dict(a=1.8, b=0, set_id="S"),
                      dict(a=0.2, b=0), dict(a=0.2, b=0)])
    res = assemble(pool, [count("total", 3)], [], options=AssemblyOptions(set_min_items=1, set_max_items=2))
    chosen = codes(pool, res.forms[0])
    assert sum(c in ("Q1", "Q2", "Q3") for c in chosen) == 2  # at most 2 of the set


def test_exposure_rules_exclude_recent_and_overexposed_items() -> None:
    # Q1 on the last form (forms_since_last_use=0), Q2 exposure .5 > cap .3; Q3 used 4 forms ago
    pool = make_pool([dict(a=2.0, b=0, forms_since_last_use=0), dict(a=1.9, b=0, exposure_rate=0.5),
                      dict(a=1.0, b=0, forms_since_last_use=4), dict(a=0.5, b=0), dict(a=0.4, b=0)])
    res = assemble(pool, [count("total", 2)], [], options=AssemblyOptions(exclude_used_in_last=3, max_exposure_rate=0.3))
    assert sorted(codes(pool, res.forms[0])) == ["Q3", "Q4"]


def test_include_list_overrides_exposure_and_exclude_list_wins_over_quality() -> None:
    pool = make_pool([dict(a=2.0, b=0), dict(a=1.9, b=0), dict(a=0.3, b=0, forms_since_last_use=0), dict(a=0.2, b=0)])
    res = assemble(pool, [count("total", 2)], [], options=AssemblyOptions(include=["Q3"], exclude=[101], exclude_used_in_last=2))
    assert sorted(codes(pool, res.forms[0])) == ["Q2", "Q3"]


def test_mean_p_band_uses_only_items_with_a_p_value() -> None:
    # Q1 p=.9 (most informative), Q2 p=.5, Q3 no statistics yet (p NaN), Q4 p=.7
    # band [.55, .65] on 2 items: {Q1,Q3} mean over items with p = .9 (out); {Q1,Q2} = .7 (out);
    # {Q2,Q3} = .5 (out); {Q3,Q4} = .7 (out); {Q2,Q4} = .6 (in); {Q1,Q4} = .8 (out) -> Q2,Q4
    pool = make_pool([dict(p=0.9, a=2, b=0), dict(p=0.5, a=1, b=0), dict(p=np.nan, a=1.5, b=0), dict(p=0.7, a=0.5, b=0)])
    res = assemble(pool, [count("total", 2)], [], options=AssemblyOptions(mean_p_band=(0.55, 0.65)))
    assert sorted(codes(pool, res.forms[0])) == ["Q2", "Q4"]
    stats = expected_statistics(pool, res.forms)
    assert stats.loc[1, "mean_p"] == pytest.approx(0.6)
    assert stats.loc[1, "n_with_p"] == 2


def test_item_without_p_is_allowed_when_the_band_holds_on_the_others() -> None:
    # {Q1 (p .6), Q2 (no p)}: mean over items with p = .6, inside [.55, .65] -> allowed
    pool = make_pool([dict(p=0.6, a=1, b=0), dict(p=np.nan, a=2, b=0), dict(p=0.95, a=0.1, b=0)])
    res = assemble(pool, [count("total", 2)], [], options=AssemblyOptions(mean_p_band=(0.55, 0.65)))
    assert sorted(codes(pool, res.forms[0])) == ["Q1", "Q2"]


def test_target_information_is_a_floor_on_every_form() -> None:
    # spread_exposure prefers the unused weak items, but the target 0.9 at theta 0 needs Q1 (a=2: 1.0)
    pool = make_pool([dict(a=2.0, b=0, times_used=9), dict(a=0.5, b=0), dict(a=0.5, b=0)])
    opts = AssemblyOptions(objective="spread_exposure", target_information=0.9)
    res = assemble(pool, [count("total", 1)], [], options=opts)
    assert codes(pool, res.forms[0]) == ["Q1"]


def test_parallel_forms_respect_the_overlap_limit() -> None:
    # 6 items, 2 forms of 4, at most 2 shared -> |F1 u F2| >= 6: every item used, overlap exactly 2
    pool = make_pool([dict(a=1.0 + k / 10, b=0) for k in range(6)])
    res = assemble(pool, [count("total", 4)], [], options=AssemblyOptions(forms=2, max_overlap_items=2))
    f1, f2 = (set(f) for f in res.forms)
    assert len(f1) == len(f2) == 4
    assert len(f1 & f2) == 2


def test_overlap_fraction_is_rounded_down_on_the_form_length() -> None:
    # 0.3 x 5 items = 1.5 -> at most 1 shared; 2 forms of 5 need >= 9 different items
    pool = make_pool([dict(a=1.0, b=0) for _ in range(8)])
    with pytest.raises(InfeasibleAssemblyError) as err:
        assemble(pool, [count("total", 5)], [], options=AssemblyOptions(forms=2, max_overlap=0.3))
    # items_needed(5, 2, 1) = 2*25/(5+1) = 8.33 -> 9
    assert "at least 9 different" in str(err.value)


def test_versions_of_one_item_count_once_per_form() -> None:
    pool = make_pool([dict(item_code="A", a=2, b=0), dict(item_code="A", a=1.9, b=0), dict(item_code="B", a=0.3, b=0)])
    res = assemble(pool, [count("total", 2)], [], options=AssemblyOptions())
    assert sorted(codes(pool, res.forms[0])) == ["A", "B"]


def test_sum_rows_bound_the_points() -> None:
    # 2 items with exactly 3 points: {Q1 (1), Q2 (2)} or {Q1, Q4}; Q3 (3 pts) cannot pair
    pool = make_pool([dict(points=1, a=1, b=0), dict(points=2, a=0.5, b=0), dict(points=3, a=3, b=0), dict(points=2, a=0.9, b=0)])
    bp = [count("total", 2), BlueprintConstraint("points", "sum", "points", "", 3, 3)]
    res = assemble(pool, bp, [], options=AssemblyOptions())
    assert sorted(codes(pool, res.forms[0])) == ["Q1", "Q4"]


# --- ordering and reports ----------------------------------------------------------------

def test_forms_are_ordered_by_objective_then_level_with_sets_kept_together() -> None:
    pool = make_pool([dict(objective="LO2", level="a"), dict(objective="LO1", level="b"),
                      dict(objective="LO1", level="a"), dict(objective="LO3", level="a", set_id="S"),
                      dict(objective="LO1", level="c", set_id="S")])
    res = assemble(pool, [count("total", 5)], [], options=AssemblyOptions(objective="feasible"))
    # LO1/a (Q3), LO1/b (Q2), set S at the place of its first item LO1/c: Q5 then Q4, then LO2/a (Q1)
    assert codes(pool, res.forms[0]) == ["Q3", "Q2", "Q5", "Q4", "Q1"]


def test_coverage_report_lists_every_row_per_form() -> None:
    pool = make_pool([dict(objective="LO1"), dict(objective="LO2", points=2), dict(objective="LO2")])
    bp = [count("LO1", 1, "objective=LO1"), BlueprintConstraint("points", "sum", "points", "", 2, 4)]
    rep = coverage_report(pool, [[101, 102]], bp, options=AssemblyOptions(mean_p_band=(0.5, 0.7)))
    assert list(rep["constraint_id"]) == ["LO1", "points", "mean_p_band"]
    assert list(rep["value"]) == pytest.approx([1, 3, 0.6])  # 1 LO1 item; 1+2 points; p .6,.6
    assert rep["met"].all()


def test_information_curve_sums_item_information() -> None:
    pool = make_pool([dict(a=1.0, b=0.0), dict(a=2.0, b=0.0)])
    curve = information_curve(pool, [[101, 102]], thetas=[0.0])
    assert curve.loc[0.0, 1] == pytest.approx(0.25 + 1.0)  # a^2/4 each at theta=b


def test_expected_alpha_agrees_with_simulated_data() -> None:
    # property: the model-implied alpha equals the alpha of a large sample drawn from the model
    rng = np.random.default_rng(12)
    pool = make_pool([dict(a=a, b=b, c=0.2) for a, b in zip(rng.uniform(0.6, 2.0, 15), rng.normal(0, 1, 15))])
    theta = rng.normal(0, 1, 40_000)
    P = 0.2 + 0.8 / (1 + np.exp(-pool["a"].to_numpy() * (theta[:, None] - pool["b"].to_numpy())))
    X = (rng.random(P.shape) < P).astype(float)
    k = X.shape[1]
    sample_alpha = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert expected_alpha(pool) == pytest.approx(sample_alpha, abs=0.01)


def test_expected_alpha_is_undefined_without_irt_parameters() -> None:
    pool = make_pool([dict(a=1.0, b=0.0), dict()])
    assert math.isnan(expected_alpha(pool))


# --- verification ------------------------------------------------------------------------

def test_verify_rejects_a_form_that_breaks_the_blueprint() -> None:
    pool = make_pool([dict(objective="LO1"), dict(objective="LO2"), dict(objective="LO2")])
    bp = [count("LO1", 1, "objective=LO1"), count("total", 2)]
    with pytest.raises(VerificationError) as err:
        verify(pool, [[102, 103]], bp)
    assert "LO1" in str(err.value)
    assert isinstance(err.value, UserError)


def test_verify_rejects_enemies_overlap_and_ineligible_items() -> None:
    pool = make_pool([dict(), dict(), dict(forms_since_last_use=0), dict()])
    bp = [count("total", 2)]
    with pytest.raises(VerificationError, match="enemies"):
        verify(pool, [[101, 102]], bp, [("Q1", "Q2")])
    with pytest.raises(VerificationError, match="overlap"):
        verify(pool, [[101, 102], [101, 102]], bp, [], options=AssemblyOptions(forms=2, max_overlap_items=1))
    with pytest.raises(VerificationError, match="used in the last 1 forms"):
        verify(pool, [[101, 103]], bp, [], options=AssemblyOptions(exclude_used_in_last=1))


def test_verify_report_has_a_passed_row_per_check() -> None:
    pool = make_pool([dict(), dict()])
    rep = verify(pool, [[101, 102]], [count("total", 2)])
    assert rep["passed"].all()
    assert "blueprint count" in set(rep["check"])


def test_a_fractional_solver_answer_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # simulate the known HiGHS failure mode: "optimal" with a fractional x
    import itembank.assembly.solve as solve_mod

    real = solve_mod.milp

    def fake(*args, **kwargs):
        res = real(*args, **kwargs)
        res.x = res.x.copy()
        res.x[0] = 0.5
        return res

    monkeypatch.setattr(solve_mod, "milp", fake)
    pool = make_pool([dict(), dict()])
    with pytest.raises(VerificationError, match="fractional"):
        assemble(pool, [count("total", 1)], [], options=AssemblyOptions())


def test_a_solver_answer_breaking_a_constraint_is_never_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    import itembank.assembly.solve as solve_mod

    real = solve_mod.milp

    def fake(*args, **kwargs):
        res = real(*args, **kwargs)
        res.x = res.x.copy()
        res.x[:3] = 1.0  # claim three items on a two-item form
        return res

    monkeypatch.setattr(solve_mod, "milp", fake)
    pool = make_pool([dict(), dict(), dict()])
    # the mean-p band keeps all three items in the model (no dominance reduction), so x[:3] are items
    with pytest.raises(VerificationError, match="total"):
        assemble(pool, [count("total", 2)], [], options=AssemblyOptions(mean_p_band=(0.0, 1.0)))


# --- infeasibility and gap report -------------------------------------------------------

@pytest.mark.parametrize(
    ("per_form", "forms", "overlap", "expected"),
    [
        (3, 1, None, 3),  # one form: the cell count itself
        (3, 2, 1, 5),  # 2*9/(3+1) = 4.5 -> 5 (two 3-sets sharing one item)
        (2, 3, 1, 3),  # 3*4/(2+2) = 3: {a,b},{b,c},{a,c}
        (4, 3, 0, 12),  # disjoint forms: 3 x 4
        (4, 3, None, 4),  # unlimited overlap: the same 4 items on every form
    ],
)
def test_items_needed_hand_computed(per_form: int, forms: int, overlap: int | None, expected: int) -> None:
    assert items_needed(per_form, forms, overlap) == expected


def test_infeasibility_names_the_short_cell_and_the_number_to_write() -> None:
    pool = make_pool([dict(objective="LO1")] * 5 + [dict(objective="LO2")] * 2 + [dict(objective="LO2", forms_since_last_use=0)])
    bp = [count("LO1", 2, "objective=LO1"), count("LO2", 3, "objective=LO2"), count("total", 5)]
    with pytest.raises(InfeasibleAssemblyError) as err:
        assemble(pool, bp, [], options=AssemblyOptions(exclude_used_in_last=1))
    reasons = err.value.reasons
    assert len(reasons) == 1 and "'LO2'" in reasons[0]
    # LO2 needs 3, 3 approved, 1 used on the last form -> 2 usable, write 1 more
    assert "only 2 can be used (3 approved; not usable: 1 used in the last 1 forms)" in reasons[0]
    assert "Write at least 1 more" in reasons[0]
    gap = err.value.gap.set_index("constraint_id")
    assert gap.loc["LO2", ["approved", "eligible", "needed", "to_write"]].tolist() == [3, 2, 3, 1]
    assert gap.loc["LO1", "to_write"] == 0


def test_infeasibility_names_enemies_inside_a_cell() -> None:
    pool = make_pool([dict(objective="LO1"), dict(objective="LO1"), dict(objective="LO2")])
    bp = [count("LO1", 2, "objective=LO1")]
    reasons = explain_infeasibility(pool, bp, [("Q1", "Q2")])
    assert len(reasons) == 1 and "Q1/Q2" in reasons[0] and "'LO1'" in reasons[0]


def test_infeasibility_names_the_whole_form_when_too_few_items_for_the_overlap() -> None:
    # 2 forms of 4 sharing at most 1 need 2*16/(4+1) = 6.4 -> 7 different items; 6 exist
    pool = make_pool([dict(objective="LO1")] * 3 + [dict(objective="LO2")] * 3)
    bp = [count("LO1", 2, "objective=LO1"), count("LO2", 2, "objective=LO2"), count("total", 4)]
    with pytest.raises(InfeasibleAssemblyError) as err:
        assemble(pool, bp, [], options=AssemblyOptions(forms=2, max_overlap_items=1))
    assert err.value.reasons == [
        "Cell 'total' (items (whole form)): 4 per form; 2 forms with at most 1 item shared between two forms "
        "need at least 7 different approved items, but only 6 can be used (6 approved). Write at least 1 more."
    ]


def test_infeasibility_names_the_overlap_limit_when_no_single_cell_is_short() -> None:
    # LO1 needs 2 of its 3 items on both forms, so the forms share >= 1 LO1 item (2+2 > 3);
    # the same for LO2 -> >= 2 shared > 1 allowed. Each cell alone: items_needed(2, 2, 1) = 3 <= 3,
    # the total: 8 items >= items_needed(4, 2, 1) = 7. Only the combination fails.
    pool = make_pool([dict(objective="LO1")] * 3 + [dict(objective="LO2")] * 3 + [dict(objective="LO3")] * 2)
    bp = [count("LO1", 2, "objective=LO1"), count("LO2", 2, "objective=LO2"), count("total", 4)]
    with pytest.raises(InfeasibleAssemblyError) as err:
        assemble(pool, bp, [], options=AssemblyOptions(forms=2, max_overlap_items=1))
    assert err.value.reasons == [
        "The forms can be assembled without the overlap limit (at most 1 item shared between any two of the "
        "2 forms); with it they cannot.",
        "One form can be assembled, but not 2 forms at once under these rules.",
    ]


def test_infeasibility_names_a_conflicting_blueprint_row() -> None:
    # 2 items of 1 point each cannot make 5 points
    pool = make_pool([dict(), dict(), dict()])
    bp = [count("total", 2), BlueprintConstraint("points", "sum", "points", "", 5, 5)]
    with pytest.raises(InfeasibleAssemblyError) as err:
        assemble(pool, bp, [], options=AssemblyOptions())
    assert "'points'" in str(err.value)


def test_gap_report_counts_rotation_needs() -> None:
    pool = make_pool([dict(objective="LO1")] * 4)
    rep = gap_report(pool, [count("LO1", 2, "objective=LO1")], [], options=AssemblyOptions(forms=2, max_overlap_items=0, exclude_used_in_last=2))
    row = rep.iloc[0]
    # 2 disjoint forms of 2 -> 4; a stream of forms with no reuse within 2 forms -> 2 x 3 = 6
    assert (row["needed"], row["to_write"], row["needed_in_rotation"]) == (4, 0, 6.0)


# --- input errors ------------------------------------------------------------------------

def test_bad_pool_values_name_the_item_and_column() -> None:
    pool = make_pool([dict(), dict(p=1.5)])
    with pytest.raises(AssemblyInputError, match=r"item_version_id 102 \(item Q2\): column 'p'"):
        assemble(pool, [count("total", 1)])


def test_unknown_condition_column_is_named() -> None:
    pool = make_pool([dict()])
    with pytest.raises(AssemblyInputError, match="'language'"):
        assemble(pool, [count("nl", 1, "language=NL")])


def test_include_and_exclude_of_the_same_item_is_an_input_error() -> None:
    pool = make_pool([dict(), dict()])
    with pytest.raises(AssemblyInputError, match="101"):
        assemble(pool, [count("total", 1)], [], options=AssemblyOptions(include=[101], exclude=[101]))


def test_bad_options_are_named() -> None:
    pool = make_pool([dict()])
    with pytest.raises(AssemblyInputError, match="max_overlap"):
        assemble(pool, [count("total", 1)], [], options=AssemblyOptions(forms=2, max_overlap=4))
    with pytest.raises(AssemblyInputError, match="objective"):
        assemble(pool, [count("total", 1)], [], options=AssemblyOptions(objective="best"))


def test_all_assembly_errors_are_user_errors() -> None:
    assert issubclass(AssemblyError, UserError)
    for cls in (AssemblyInputError, InfeasibleAssemblyError, VerificationError):
        assert issubclass(cls, AssemblyError)


def test_verification_failures_are_listed_with_the_shared_problem_listing() -> None:
    # 25 failures: the first MAX_LISTED are named, then one "... and N more" line
    failures = [f"check {k} failed" for k in range(1, 26)]
    text = str(VerificationError(failures))
    assert text.startswith("The assembled forms failed the independent check (nothing was frozen):\n")
    lines = text.splitlines()[1:]
    assert lines[:MAX_LISTED] == [f"- check {k} failed" for k in range(1, MAX_LISTED + 1)]
    assert lines[MAX_LISTED:] == [f"- ... and {25 - MAX_LISTED} more problems"]


# --- determinism -------------------------------------------------------------------------

def test_same_input_gives_the_same_forms_whatever_the_row_order() -> None:
    rng = np.random.default_rng(3)
    pool = make_pool([dict(objective=f"LO{k % 3}", level="ab"[k % 2], a=float(rng.uniform(0.5, 2)), b=float(rng.normal()))
                      for k in range(60)])
    bp = blueprint_from_cells({("LO0", "a"): 2, ("LO1", "b"): 2, ("LO2", "a"): 1}, total_items=8)
    opts = AssemblyOptions(forms=3, max_overlap_items=2)
    first = assemble(pool, bp, [], options=opts).forms
    again = assemble(pool, bp, [], options=opts).forms
    shuffled = assemble(pool.sample(frac=1.0, random_state=1), bp, [], options=opts).forms
    assert first == again == shuffled


def test_ties_go_to_the_lower_item_version_id() -> None:
    pool = make_pool([dict(a=1.0, b=0.0) for _ in range(4)])  # four identical items
    res = assemble(pool, [count("total", 2)], [], options=AssemblyOptions())
    assert res.forms[0] == [101, 102]


def test_time_limit_without_any_form_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # simulate HiGHS stopping at the time limit before finding any form (status 1, no x)
    import itembank.assembly.solve as solve_mod

    real = solve_mod.milp

    def fake(*args, **kwargs):
        res = real(*args, **kwargs)
        res.x, res.status = None, 1
        return res

    monkeypatch.setattr(solve_mod, "milp", fake)
    pool = make_pool([dict(), dict()])
    with pytest.raises(AssemblyError, match="time limit of 3 s"):
        assemble(pool, [count("total", 1)], [], options=AssemblyOptions(time_limit=3))
