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
    assert (f"IRT parameters (2pl, calibration 1 on ADM" in shown.output
            and f"a {direct.items.at['Q3', 'a']:.3f} (SE {direct.items.at['Q3', 'se_a']:.3f})" in shown.output)
