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

from analysis import irt
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
