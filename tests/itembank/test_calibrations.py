"""IRT calibrations stored in the bank (SQLite and PostgreSQL).

The stored parameters must be exactly those of a direct ``analysis.irt.fit`` on the same
scored matrix (the scoring core's item scores with the decisions in force), reloaded from the
database in a fresh session; the assembly pool must read a, b, c from the newest calibration.

Data: six MC items keyed A, 400 simulated candidates from a 2PL (seed 7; a and b below),
wrong answers spread over B, C, D.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from analysis import equating, irt
from itembank import demo
from itembank.assembly import AssemblyOptions
from itembank.cli import app
from itembank.errors import RuleError, UserError
from itembank.services import calibrations as cal
from itembank.services import committee, forms
from itembank.services.administration_data import load_administration

A = np.array([0.8, 1.0, 1.2, 1.5, 0.9, 1.1])
B = np.array([-1.0, -0.5, 0.0, 0.3, 0.8, 1.2])
ITEMS = [f"Q{j + 1}" for j in range(6)]


def simulated_choices(n: int = 400, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n)
    right = rng.random((n, 6)) < 1 / (1 + np.exp(-A * (theta[:, None] - B)))
    wrong = rng.choice(list("BCD"), size=(n, 6))
    return pd.DataFrame(np.where(right, "A", wrong), index=[f"c{i:03d}" for i in range(n)], columns=ITEMS)


@pytest.fixture
def session(engine: Engine, flextoets_exam):
    with Session(engine) as s:
        flextoets_exam(s, ITEMS, simulated_choices())
        s.commit()
        yield s


def _approved_form(s: Session, codes: list[str]) -> None:
    """Specification S, the items ``codes`` (two options, key A) approved by a second person,
    and the frozen form CAL holding them."""
    from itembank.services import bank
    from itembank.services.bank import ItemContent

    bank.add_specification(s, "S", "Spec", objectives=[("LO1", "one"), ("LO2", "two")],
                           levels=[("K", "know")], actor="admin")
    entries = []
    for code in codes:
        v = bank.add_item(s, code, ItemContent(stem=f"{code}?", options=(("A", "a"), ("B", "b")), key=("A",)),
                          author="w", specification="S", tags=[("objective", code[:3]), ("level", "K")])
        bank.set_status(s, code, 1, "in_review", actor="w")
        bank.set_status(s, code, 1, "approved", actor="c")
        entries.append(forms.FormEntry(v.id, part="theory"))
    forms.freeze_form(s, "CAL", entries, actor="c")


@pytest.mark.parametrize("model", ["rasch", "2pl", "3pl"])
def test_stored_parameters_equal_a_direct_fit_on_the_same_scored_matrix(session: Session, engine: Engine,
                                                                        model: str) -> None:
    stored = cal.add_calibration(session, "ADM", model=model, actor="analyst")
    session.commit()
    scored = load_administration(session, "ADM").item_scores().scored
    direct = irt.fit(scored, model, engine="em")
    with Session(engine) as fresh:  # reloaded from the database, not the objects in memory
        row = cal.get_calibration(fresh, stored.calibration.id)
        table = cal.calibration_table(fresh, row)
        pd.testing.assert_frame_equal(table, direct.items.astype({"n": int}), check_exact=True, check_names=False)
        assert (row.model, row.engine, row.n_candidates, row.n_items) == (model, direct.engine, 400, 6)
        assert row.loglik == direct.loglik and row.aic == direct.aic and row.bic == direct.bic
        assert row.data_hash == cal.data_hash(scored) and len(row.data_hash) == 64
        assert row.engine_version.startswith("itembank ") and "scipy" in row.engine_version
        fit = direct.item_fit()
        for item, ci in zip(ITEMS, sorted(row.items, key=lambda ci: ci.id)):
            assert (ci.infit, ci.outfit) == (fit.at[item, "infit"], fit.at[item, "outfit"])
    if model == "2pl":  # and the simulation's truth is recovered, roughly (n = 400)
        assert np.abs(table["a"].to_numpy() - A).max() < 0.5
        assert np.abs(table["b"].to_numpy() - B).max() < 0.5


def test_the_data_hash_changes_with_any_score_and_calibrations_are_permanent(session: Session,
                                                                              engine: Engine) -> None:
    first = cal.add_calibration(session, "ADM", model="2pl", actor="analyst").calibration
    committee.add_decision(session, "ADM", "Q6", "accept", "B", reason="B defensible", actor="c")
    second = cal.add_calibration(session, "ADM", model="2pl", actor="analyst").calibration
    session.commit()
    assert first.data_hash != second.data_hash
    scored = load_administration(session, "ADM").item_scores().scored
    changed = scored.copy()
    changed.iloc[0, 0] = 1 - changed.iloc[0, 0]
    assert cal.data_hash(changed) != cal.data_hash(scored) == second.data_hash
    first.loglik = 0.0
    with pytest.raises(RuleError, match="an IRT calibration cannot be changed"):
        session.flush()
    session.rollback()
    with engine.connect() as conn:
        for statement in ("UPDATE calibration_items SET n = 1", "DELETE FROM calibrations"):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
    # the newest calibration is the current one
    current = cal.current_parameters(session)
    assert set(current["calibration_id"]) == {second.id}


def test_a_model_the_data_cannot_take_is_a_message(session: Session) -> None:
    with pytest.raises(UserError, match="not a valid|model must be one of"):
        cal.add_calibration(session, "ADM", model="4pl", actor="a")
    committee.add_decision(session, "ADM", "Q1", "accept", "B|C|D", reason="all right", actor="c")
    with pytest.raises(UserError, match="cannot calibrate ADM with the 2pl model: item 'Q1'"):
        cal.add_calibration(session, "ADM", model="2pl", actor="a")


def test_the_pool_reads_a_b_c_from_the_newest_calibration(engine: Engine) -> None:
    with Session(engine) as s:
        demo.build_demo(s)
        before, _ = forms.load_pool(s, demo.SPEC_CODE)
        assert before[["a", "b", "c"]].isna().all().all()
        cal.add_calibration(s, demo.ADMIN_CODE, model="2pl", actor="analyst")
        newest = cal.add_calibration(s, demo.ADMIN_CODE, model="3pl", actor="analyst")
        s.commit()
        pool, _ = forms.load_pool(s, demo.SPEC_CODE)
        table = cal.calibration_table(s, newest.calibration)
        on_form = pool[pool["item_code"].isin(table.index)]
        assert len(on_form) == 40
        for _, row in on_form.iterrows():
            want = table.loc[row["item_code"]]
            if want["a"] > 0:
                assert (row["a"], row["b"], row["c"]) == (want["a"], want["b"], want["c"])
            else:  # a planted flaw: negative slope, so no information for the optimiser
                assert row["item_code"] in (demo.MISKEYED, demo.TWO_ANSWERS) and np.isnan(row["a"])
        assert pool.loc[~pool["item_code"].isin(table.index), ["a", "b", "c"]].isna().all().all()
        # max_information now has numbers: it picks calibrated items, spread_exposure unused ones
        picked = {}
        for objective in ("max_information", "spread_exposure"):
            res = forms.assemble_forms(s, demo.SPEC_CODE, demo.BLUEPRINT_CODE, freeze=False, actor="a",
                                       options=AssemblyOptions(forms=1, objective=objective, cut_theta=0.0,
                                                               time_limit=30))
            chosen = pool.loc[list(res.result.forms[0])]
            picked[objective] = int(chosen["a"].notna().sum())
        assert picked["max_information"] >= 35 and picked["spread_exposure"] == 0, picked


def test_calibrate_and_items_show_through_the_cli(session: Session, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI is exercised on the SQLite file")
    runner = CliRunner()
    db = db_url.removeprefix("sqlite:///")
    done = runner.invoke(app, ["calibrate", "ADM", "--model", "2pl", "--db", db, "--user", "analyst"])
    assert done.exit_code == 0, done.output
    assert "Calibration 1 of ADM stored: 2pl, 400 candidates" in done.output
    direct = irt.fit(load_administration(session, "ADM").item_scores().scored, "2pl", engine="em")
    q3 = next(line for line in done.output.splitlines() if line.startswith("Q3 "))
    assert f"{direct.items.at['Q3', 'a']:.3f}" in q3 and f"{direct.items.at['Q3', 'se_b']:.3f}" in q3
    shown = runner.invoke(app, ["items", "show", "Q3", "--db", db])
    assert shown.exit_code == 0, shown.output
    assert ("IRT parameters (2pl, calibration 1 on ADM" in shown.output
            and f"a {direct.items.at['Q3', 'a']:.3f} (SE {direct.items.at['Q3', 'se_a']:.3f})" in shown.output)


# --- carrying a cut from a reference sitting (IRT true-score equating) ----------------------
#
# Reference form F: Q01..Q20; new form G: Q01..Q10 (the same item versions: the anchor) and
# R11..R20. Responses simulated from a 2PL with the parameters below; the reference group
# has theta ~ N(0, 1) (so the true scale is the reference calibration's scale), the new group
# N(0.3, 1.1^2) (non-equivalent groups: the anchor must do the linking). The reference cut is
# Flextoets' 65 % of 20 = 13 points. Truth, computed here with the true parameters only:
# theta* solves sum_F P_j(theta) = 13, and the new cut is sum_G P_j(theta*).

RNG_PARAMS = np.random.default_rng(2026)
TRUE = pd.DataFrame({"a": RNG_PARAMS.uniform(0.7, 1.8, 30), "b": RNG_PARAMS.normal(-0.3, 0.9, 30)},
                    index=[f"Q{j:02d}" for j in range(1, 21)] + [f"R{j}" for j in range(11, 21)])
FORM_F = [f"Q{j:02d}" for j in range(1, 21)]
FORM_G = [f"Q{j:02d}" for j in range(1, 11)] + [f"R{j}" for j in range(11, 21)]


def simulate(items: list[str], n: int, mean: float, sd: float, seed: int, prefix: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    theta = rng.normal(mean, sd, n)
    t = TRUE.loc[items]
    right = rng.random((n, len(items))) < 1 / (1 + np.exp(-t["a"].to_numpy() * (theta[:, None] - t["b"].to_numpy())))
    return pd.DataFrame(np.where(right, "A", "B"), index=[f"{prefix}{i:04d}" for i in range(n)], columns=items)


def true_carried_cut(cut: float) -> float:
    from scipy.optimize import brentq

    def tcc(items: list[str], theta: float) -> float:
        t = TRUE.loc[items]
        return float((1 / (1 + np.exp(-t["a"] * (theta - t["b"])))).sum())

    theta = brentq(lambda th: tcc(FORM_F, th) - cut, -8, 8)
    return tcc(FORM_G, theta)


@pytest.fixture
def two_sittings(engine: Engine, flextoets_exam):
    from datetime import date

    from itembank.services import administrations, bank
    from itembank.services.bank import ItemContent

    with Session(engine) as s:
        flextoets_exam(s, FORM_F, simulate(FORM_F, 2000, 0.0, 1.0, 11, "r"))
        entries = []
        for code in FORM_G:
            if code.startswith("R"):
                content = ItemContent(stem=f"{code}?", options=tuple((x, x.lower()) for x in "ABCD"), key=("A",))
                version = bank.add_item(s, code, content, author="w")
                bank.set_status(s, code, 1, "in_review", actor="w")
                bank.set_status(s, code, 1, "approved", actor="c")
            else:
                version = bank.get_version(s, code, 1)
            entries.append(forms.FormEntry(version.id, part="theory"))
        forms.freeze_form(s, "G", entries, actor="c")
        administrations.add_administration(s, "NEW", "G", on=date(2026, 3, 1), actor="sec")
        administrations.add_responses(s, "NEW", simulate(FORM_G, 2000, 0.3, 1.1, 12, "n"), actor="sec")
        committee.assign_rule_set(s, "NEW", "FLEX", actor="sec")
        s.commit()
        yield s


def test_a_carried_cut_lands_within_half_a_point_of_the_truth(two_sittings: Session) -> None:
    s = two_sittings
    with pytest.raises(UserError, match="no stored rasch/1pl/2pl/3pl calibration"):
        cal.add_carried_cut(s, "NEW", reference="ADM", reason="same standard", actor="c")
    cal.add_calibration(s, "ADM", model="2pl", actor="analyst")
    cal.add_calibration(s, "NEW", model="2pl", actor="analyst")
    done = cal.add_carried_cut(s, "NEW", reference="ADM", reason="same standard as ADM", actor="c")
    s.commit()
    truth = true_carried_cut(13.0)
    assert done.reference_cut == 13.0
    assert abs(done.carried.cut_new - truth) < 0.5, (done.carried.cut_new, truth)
    assert done.carried.linking.common_items == tuple(FORM_F[:10])
    # the new group is abler (mean 0.3, SD 1.1): the linking finds it (B ~ 0.3, A ~ 1.1)
    assert abs(done.carried.linking.B - 0.3) < 0.15 and abs(done.carried.linking.A - 1.1) < 0.15
    # recorded as NEW's cut rule, with its method; the scoring core now uses it
    rule = done.rule
    assert (rule["kind"], rule["value"], rule["source"]["method"]) == ("points", done.carried.cut_new,
                                                                        "irt_true_score_equating")
    assert rule["source"]["reference_administration"] == "ADM" and rule["source"]["linking"] == "stocking_lord"
    cut = load_administration(s, "NEW").score(candidates=[]).cuts["total"]
    assert float(cut) == pytest.approx(done.carried.cut_new, abs=1e-9)


def test_carrying_a_cut_through_the_cli(two_sittings: Session, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI is exercised on the SQLite file")
    runner = CliRunner()
    db = db_url.removeprefix("sqlite:///")
    for admin in ("ADM", "NEW"):
        assert runner.invoke(app, ["calibrate", admin, "--model", "2pl", "--db", db]).exit_code == 0
    done = runner.invoke(app, ["decide", "cut", "NEW", "--carry-from", "ADM", "--round-up", "--reason", "same standard",
                               "--db", db, "--user", "c"])
    assert done.exit_code == 0, done.output
    assert "carried from the cut 13 of ADM by IRT true-score equating" in done.output
    assert "stocking_lord" in done.output and "10 common items" in done.output
    value = float(done.output.split("recorded: ")[1].split(" points")[0])
    assert abs(value - true_carried_cut(13.0)) < 0.5
    import math

    assert float(load_administration(two_sittings, "NEW").score(candidates=[]).cuts["total"]) == math.ceil(value)


# --- assembly from stored parameters: maximal information at the cut, checked exhaustively ---


def test_max_information_from_stored_parameters_is_the_best_of_all_forms(engine: Engine) -> None:
    """Ten items (LO1-1..6, LO2-1..4) sat together by 1,000 simulated candidates and
    calibrated (2PL, stored); a blueprint asks 2 LO1 items and 1 LO2 item. The form assembled
    with max_information at theta = 0.5 must have the largest test information there among all
    15 x 4 = 60 forms the blueprint allows, computed here from the stored parameters."""
    from datetime import date
    from itertools import combinations

    from itembank.services import administrations, bank, blueprints
    from itembank.services.bank import ItemContent

    codes = [f"LO1-{i}" for i in range(1, 7)] + [f"LO2-{i}" for i in range(1, 5)]
    rng = np.random.default_rng(5)
    a, b = rng.uniform(0.5, 2.0, 10), rng.normal(0.0, 1.0, 10)
    theta = rng.normal(size=1000)
    right = rng.random((1000, 10)) < 1 / (1 + np.exp(-a * (theta[:, None] - b)))
    with Session(engine) as s:
        _approved_form(s, codes)
        administrations.add_administration(s, "PILOT", "CAL", on=date(2026, 2, 1), actor="sec")
        administrations.add_responses(s, "PILOT", pd.DataFrame(np.where(right, "A", "B"), columns=codes,
                                                               index=[f"p{i}" for i in range(1000)]), actor="sec")
        stored = cal.add_calibration(s, "PILOT", model="2pl", actor="analyst")
        blueprints.add_blueprint(s, "S", "BP", cells={("LO1", "K"): 2, ("LO2", "K"): 1}, total_points=3, actor="c")
        s.commit()
        params = cal.calibration_table(s, stored.calibration)
        info = irt.information(params[["a", "b"]], [0.5]).iloc[0]
        best = max(info[list(lo1)].sum() + info[lo2] for lo1 in combinations(codes[:6], 2) for lo2 in codes[6:])
        out = forms.assemble_forms(s, "S", "BP", freeze=False, actor="c",
                                   options=AssemblyOptions(objective="max_information", cut_theta=0.5))
        pool, _ = forms.load_pool(s, "S")
        chosen = pool.loc[list(out.result.forms[0]), "item_code"].tolist()
        assert info[chosen].sum() == pytest.approx(best, rel=1e-9), (chosen, info.sort_values())


# --- linking to the bank scale ----------------------------------------------------------------
#
# The two sittings above are an anchor design: ADM (form F, theta ~ N(0, 1)) is the first
# calibration of the specification, so it defines the bank scale, which is then the scale of
# the generating parameters TRUE. NEW (form G) shares Q01..Q10 with F, and its group is
# N(0.3, 1.1^2): on NEW's own scale (N(0, 1) in NEW) theta_own = (theta - 0.3) / 1.1, so the
# linking theta_bank = A theta_own + B must find A ~ 1.1 and B ~ 0.3, and the bank-scale
# parameters of its new items R11..R20 must come back close to TRUE.


def _version_of(s: Session, code: str) -> int:
    from itembank.services import bank

    return bank.get_version(s, code, 1).id


@pytest.mark.parametrize("method", ["stocking_lord", "mean_sigma", "mean_mean"])
def test_linking_recovers_a_known_shift_and_scale(two_sittings: Session, engine: Engine, method: str) -> None:
    s = two_sittings
    first = cal.add_calibration(s, "ADM", model="2pl", actor="analyst", linking=method)
    second = cal.add_calibration(s, "NEW", model="2pl", actor="analyst", linking=method)
    s.commit()
    assert (first.link.status, first.link.A, first.link.B, first.link.base_id) == ("base", 1.0, 0.0,
                                                                                  first.calibration.id)
    link = second.link
    assert (link.status, link.method, link.base_id, link.linked_to_id) == ("linked", method, first.calibration.id,
                                                                         first.calibration.id)
    anchors = sorted(_version_of(s, c) for c in FORM_F[:10])
    assert link.n_common == 10 and sorted(v for v, _ in link.common_items) == anchors
    assert abs(link.A - 1.1) < 0.1 and abs(link.B - 0.3) < 0.1, (link.A, link.B)
    # the same numbers as analysis.equating on the two stored tables (one rule, one place)
    own = cal.calibration_table(s, second.calibration).loc[FORM_F[:10]]
    ref = cal.calibration_table(s, first.calibration).loc[FORM_F[:10]]
    direct = equating.link_common_items(own, ref, method=method)
    assert (link.A, link.B) == pytest.approx((direct.A, direct.B), abs=1e-9)
    # bank-scale parameters of the new items are close to the generating values
    new_items = [c for c in FORM_G if c.startswith("R")]
    current = cal.current_parameters(s, [_version_of(s, c) for c in new_items])
    assert set(current["calibration_id"]) == {second.calibration.id} and set(current["scale"]) == {"linked"}
    got = pd.DataFrame({c: current.loc[_version_of(s, c), ["a", "b"]] for c in new_items}).T.astype(float)
    err_a = got["a"] - TRUE.loc[new_items, "a"]
    err_b = got["b"] - TRUE.loc[new_items, "b"]
    assert np.sqrt((err_b**2).mean()) < 0.12 and err_b.abs().max() < 0.25, err_b
    assert np.sqrt((err_a**2).mean()) < 0.15 and err_a.abs().max() < 0.3, err_a
    # on NEW's own scale the same items are off by the group difference (the link matters)
    own_b = cal.current_parameters(s, [_version_of(s, c) for c in new_items], scale="own")["b"]
    assert abs(float(own_b.mean() - TRUE.loc[new_items, "b"].mean()) + 0.3 / 1.1) < 0.15
    # a / A and A b + B exactly, SEs scaled with them
    raw = cal.calibration_table(s, second.calibration).loc["R11"]
    row = current.loc[_version_of(s, "R11")]
    assert row["a"] == pytest.approx(raw["a"] / link.A, rel=1e-12)
    assert row["b"] == pytest.approx(link.A * raw["b"] + link.B, rel=1e-12)
    assert row["se_a"] == pytest.approx(raw["se_a"] / link.A, rel=1e-12)
    assert row["se_b"] == pytest.approx(raw["se_b"] * link.A, rel=1e-12)
    # reloaded in a fresh session: identical bank-scale parameters
    with Session(engine) as fresh:
        again = cal.current_parameters(fresh)
    pd.testing.assert_frame_equal(again, cal.current_parameters(s), check_exact=True)


def _third_sitting(s: Session, anchors: list[str], seed: int) -> None:
    """Form H: ``anchors`` (versions already on ADM's form) and R11..R20, sat by 2,000 candidates
    from N(-0.2, 0.9^2), as sitting THIRD."""
    from datetime import date

    from itembank.services import administrations, bank

    codes = anchors + [f"R{j}" for j in range(11, 21)]
    entries = [forms.FormEntry(bank.get_version(s, code, 1).id, part="theory") for code in codes]
    forms.freeze_form(s, "H", entries, actor="c")
    administrations.add_administration(s, "THIRD", "H", on=date(2026, 6, 1), actor="sec")
    administrations.add_responses(s, "THIRD", simulate(codes, 2000, -0.2, 0.9, seed, "t"), actor="sec")
    committee.assign_rule_set(s, "THIRD", "FLEX", actor="sec")


def test_too_few_common_items_leave_a_calibration_unlinked_until_it_can_be_linked(two_sittings: Session) -> None:
    s = two_sittings
    _third_sitting(s, FORM_F[10:10 + cal.MIN_COMMON_ITEMS - 1], seed=13)
    base = cal.add_calibration(s, "ADM", model="2pl", actor="analyst")
    third = cal.add_calibration(s, "THIRD", model="2pl", actor="analyst")
    assert third.link.status == "unlinked" and third.link.n_common == cal.MIN_COMMON_ITEMS - 1
    assert third.link.A is None and f"at least {cal.MIN_COMMON_ITEMS} are needed" in third.link.note
    r_ids = [_version_of(s, f"R{j}") for j in range(11, 21)]
    assert cal.current_parameters(s, r_ids).empty  # not bank-scale parameters
    own = cal.current_parameters(s, r_ids, scale="own")
    assert set(own["scale"]) == {"unlinked"} and own["link_A"].isna().all()
    # the anchors keep ADM's parameters on the bank scale, and say a newer one is unlinked
    anchor = cal.current_parameters(s, [_version_of(s, "Q11")]).iloc[0]
    assert (anchor["calibration_id"], anchor["newer_unlinked"]) == (base.calibration.id, third.calibration.id)
    # once NEW (10 anchors) puts R11..R20 on the scale, THIRD links through them
    cal.add_calibration(s, "NEW", model="2pl", actor="analyst")
    again = cal.link_calibration(s, third.calibration.id, actor="analyst")
    assert again.status == "linked" and again.n_common == 10 + cal.MIN_COMMON_ITEMS - 1
    # THIRD's group is N(-0.2, 0.9^2) on the bank scale
    assert abs(again.A - 0.9) < 0.1 and abs(again.B + 0.2) < 0.1, (again.A, again.B)
    # the newest calibration on the scale gives the current parameters: Q11 (on ADM and THIRD, not
    # NEW) now from THIRD, R11..R20 from NEW (calibrated after THIRD)
    assert cal.current_parameters(s, [_version_of(s, "Q11")]).iloc[0]["calibration_id"] == third.calibration.id
    assert set(cal.current_parameters(s, r_ids)["calibration_id"]) == {third.calibration.id + 1}
    # a new base makes the old links "older scale" until linked again
    rebased = cal.link_calibration(s, third.calibration.id, actor="analyst", base=True)
    assert rebased.status == "base"
    own = cal.current_parameters(s, [_version_of(s, "Q10")], scale="own")
    assert own.iloc[0]["scale"] == "older scale"
    assert cal.current_parameters(s, [_version_of(s, "Q10")]).empty


def test_an_unlinked_calibration_is_said_in_calibrate_and_items_show(two_sittings: Session, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI is exercised on the SQLite file")
    s = two_sittings
    _third_sitting(s, FORM_F[10:12], seed=14)
    s.commit()
    runner = CliRunner()
    db = db_url.removeprefix("sqlite:///")
    first = runner.invoke(app, ["calibrate", "ADM", "--model", "2pl", "--db", db])
    assert first.exit_code == 0, first.output
    assert "Bank scale: calibration 1 defines the bank scale" in first.output
    done = runner.invoke(app, ["calibrate", "THIRD", "--model", "2pl", "--linking", "mean_sigma", "--db", db])
    assert done.exit_code == 0, done.output
    assert (f"Warning: calibration 2 is NOT on the bank scale: only 2 common item(s) on the bank scale; at least "
            f"{cal.MIN_COMMON_ITEMS} are needed") in done.output
    shown = runner.invoke(app, ["items", "show", "R11", "--db", db])
    assert shown.exit_code == 0, shown.output
    assert "IRT parameters: not on the bank scale yet (calibration 2 on THIRD is unlinked: only 2" in shown.output
    anchor = runner.invoke(app, ["items", "show", "Q11", "--db", db])
    assert "calibration 1 on ADM" in anchor.output and "bank scale (base)" in anchor.output
    assert "A newer calibration (2) is not on the bank scale" in anchor.output
    new = runner.invoke(app, ["calibrate", "NEW", "--model", "2pl", "--db", db])
    assert "Bank scale: linked to calibration 1 through 10 common items (stocking_lord): A = " in new.output
    # now R11..R20 are on the scale through NEW: THIRD can be linked without fitting it again
    relinked = runner.invoke(app, ["calibrate", "THIRD", "--relink", "--db", db])
    assert relinked.exit_code == 0, relinked.output
    assert "Bank scale: linked to calibration 3 through 12 common items (stocking_lord)" in relinked.output
    shown = runner.invoke(app, ["items", "show", "R11", "--db", db])
    assert "IRT parameters (2pl, calibration 3 on NEW" in shown.output and "bank scale (linked: A " in shown.output


def test_the_link_table_migrates_up_and_down(db_url: str) -> None:
    """Migration 0005 on SQLite and PostgreSQL: down to 0004 drops calibration_links and its
    triggers, up again restores it (append-only)."""
    from alembic import command
    from sqlalchemy import inspect

    from itembank.storage.db import alembic_config, make_engine, migrate

    eng = make_engine(db_url)
    try:
        command.downgrade(alembic_config(eng), "0004")
        assert not inspect(eng).has_table("calibration_links") and inspect(eng).has_table("calibrations")
        migrate(eng)
        assert inspect(eng).has_table("calibration_links")
        with Session(eng) as s:
            demo.build_demo(s)
            done = cal.add_calibration(s, demo.ADMIN_CODE, model="rasch", actor="a")
            s.commit()
            assert done.link.status == "base"
        with eng.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("UPDATE calibration_links SET \"A\" = 2"))
    finally:
        eng.dispose()


def test_max_information_uses_linked_parameters_on_the_bank_scale(engine: Engine) -> None:
    """The same ten items (LO1-1..6, LO2-1..4) sat twice: PILOT by N(0, 1) (the base) and
    PILOT2 by N(0.6, 1.3^2), each calibrated (2PL). PILOT2 is linked through all ten, and the
    pool's a, b are then PILOT2's on the bank scale (a / A, A b + B). The form assembled with
    max_information at theta = 0.5 (on the bank scale) is the best of all 60 the blueprint
    allows, computed here from those bank-scale parameters; on PILOT2's own scale (where the
    bank's 0.5 is (0.5 - B) / A) a different form would be best."""
    from datetime import date
    from itertools import combinations

    from itembank.services import administrations, bank, blueprints
    from itembank.services.bank import ItemContent

    codes = [f"LO1-{i}" for i in range(1, 7)] + [f"LO2-{i}" for i in range(1, 5)]
    rng = np.random.default_rng(8)
    a, b = rng.uniform(0.5, 2.2, 10), rng.normal(0.0, 1.2, 10)

    def responses(n: int, mean: float, sd: float, prefix: str) -> pd.DataFrame:
        theta = rng.normal(mean, sd, n)
        right = rng.random((n, 10)) < 1 / (1 + np.exp(-a * (theta[:, None] - b)))
        return pd.DataFrame(np.where(right, "A", "B"), columns=codes, index=[f"{prefix}{i}" for i in range(n)])

    with Session(engine) as s:
        _approved_form(s, codes)
        for admin, on, (mean, sd) in (("PILOT", date(2026, 2, 1), (0.0, 1.0)), ("PILOT2", date(2026, 5, 1), (0.6, 1.3))):
            administrations.add_administration(s, admin, "CAL", on=on, actor="sec")
            administrations.add_responses(s, admin, responses(1500, mean, sd, admin), actor="sec")
        cal.add_calibration(s, "PILOT", model="2pl", actor="analyst")
        second = cal.add_calibration(s, "PILOT2", model="2pl", actor="analyst")
        blueprints.add_blueprint(s, "S", "BP", cells={("LO1", "K"): 2, ("LO2", "K"): 1}, total_points=3, actor="c")
        s.commit()
        link = second.link
        assert link.status == "linked" and link.n_common == 10
        assert abs(link.A - 1.3) < 0.15 and abs(link.B - 0.6) < 0.15, (link.A, link.B)
        own = cal.calibration_table(s, second.calibration)
        on_bank = pd.DataFrame({"a": own["a"] / link.A, "b": link.A * own["b"] + link.B})
        pool, _ = forms.load_pool(s, "S")
        pool_ab = pool.set_index("item_code").loc[codes, ["a", "b"]]
        np.testing.assert_allclose(pool_ab.to_numpy(), on_bank.loc[codes].to_numpy(), rtol=1e-12)

        def best_form(params: pd.DataFrame, theta: float) -> set[str]:
            info = irt.information(params[["a", "b"]], [theta]).iloc[0]
            return set(max(((*lo1, lo2) for lo1 in combinations(codes[:6], 2) for lo2 in codes[6:]),
                           key=lambda f: info[list(f)].sum()))

        out = forms.assemble_forms(s, "S", "BP", freeze=False, actor="c",
                                   options=AssemblyOptions(objective="max_information", cut_theta=0.5))
        chosen = set(pool.loc[list(out.result.forms[0]), "item_code"])
        assert chosen == best_form(on_bank, 0.5)
        assert best_form(own, 0.5) != chosen  # unlinked parameters would have picked another form
        info = irt.information(on_bank[["a", "b"]], [0.5]).iloc[0]
        assert out.result.objective_value == pytest.approx(info[list(chosen)].sum(), rel=1e-9)


def test_calibrations_stored_before_linking_get_their_link_in_the_migration(db_url: str, monkeypatch) -> None:
    """A bank at 0004 with three calibrations of one specification: 2PL and 3PL of the demo
    sitting, 2PL of a second sitting of the same form. Upgrading to 0005 makes the first the
    base, the second the same sitting's scale (A = 1, B = 0), the third unlinked with a note;
    the pool keeps the base sitting's parameters (the newest of its sitting: the 3PL)."""
    from datetime import date

    from alembic import command

    from itembank.services import administrations
    from itembank.storage.db import alembic_config, make_engine, migrate

    eng = make_engine(db_url)
    try:
        command.downgrade(alembic_config(eng), "0004")
        # as before 0005: nothing links, nothing reads links (the demo's assembly reads the pool)
        monkeypatch.setattr(cal, "link_calibration", lambda *args, **kwargs: None)
        monkeypatch.setattr(cal, "current_parameters", lambda *args, **kwargs: pd.DataFrame(columns=["a", "b", "c"]))
        with Session(eng) as s:
            demo.build_demo(s)
            choices = administrations.get_responses(s, demo.ADMIN_CODE)
            administrations.add_administration(s, "AGAIN", demo.FORM_CODE, on=date(2026, 5, 1), actor="sec")
            administrations.add_responses(s, "AGAIN", choices.iloc[:400], actor="sec")
            committee.assign_rule_set(s, "AGAIN", demo.RULE_SET_CODE, actor="sec")
            ids = [cal.add_calibration(s, admin, model=model, actor="a").calibration.id
                   for admin, model in ((demo.ADMIN_CODE, "2pl"), (demo.ADMIN_CODE, "3pl"), ("AGAIN", "2pl"))]
            s.commit()
        monkeypatch.undo()
        migrate(eng)
        with Session(eng) as s:
            links = [cal.link_in_force(s, i) for i in ids]
            assert [(k.status, k.method, k.A, k.B, k.base_id) for k in links] == [
                ("base", None, 1.0, 0.0, ids[0]), ("linked", "same_sitting", 1.0, 0.0, ids[0]),
                ("unlinked", None, None, None, None)]
            assert "--relink" in links[2].note
            current = cal.current_parameters(s)
            assert set(current["calibration_id"]) == {ids[1]}
            # and --relink's service links the unlinked one through its 38 usable common items
            again = cal.relink_newest(s, "AGAIN", actor="a")
            assert again.status == "linked" and again.n_common == 38
            s.rollback()
    finally:
        eng.dispose()
