"""``analyze_administration`` on a stored form that mixes MC items and an open question.

Eight candidates, MC items Q1..Q3 keyed A and an open question O1 worth 3 points. The
distractor table must measure the rest score over the whole test (MC and open), the way the
item statistics' Rir does; so for the single-key item Q1 its key row's Rar equals Q1's Rir,
and every Rar equals a direct Pearson correlation computed here.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itembank.services.item_analysis import analyze_administration

RESPONSES = pd.DataFrame(
    {
        "Q1": ["A", "A", "B", "A", "C", "B", "A", None],
        "Q2": ["A", "B", "A", "A", "B", "C", "A", "B"],
        "Q3": ["A", "A", "A", "B", "B", "B", "C", "A"],
        "O1": ["3", "2", "3", "0", "1", "0", "2", "1"],
    },
    index=[f"c{i}" for i in range(1, 9)],
)


@pytest.fixture
def session(engine: Engine, flextoets_exam):
    with Session(engine) as s:
        flextoets_exam(s, RESPONSES.columns, RESPONSES)
        s.commit()
        yield s


def test_distractor_rest_score_covers_the_open_question(session: Session) -> None:
    analysis = analyze_administration(session, "ADM")
    mc = RESPONSES[["Q1", "Q2", "Q3"]]
    x = (mc == "A").astype(float)
    total = x.sum(axis=1) + RESPONSES["O1"].astype(float)
    assert total.tolist() == [6, 4, 5, 2, 1, 0, 4, 2]
    table = analysis.distractors
    assert set(table["item"]) == {"Q1", "Q2", "Q3"}  # the open question has no options
    for row in table[~table["is_omitted"] & (table["n"] > 0)].itertuples():
        chose = (mc[row.item] == row.option).astype(float)
        rest = total - x[row.item]
        assert row.rar == pytest.approx(np.corrcoef(chose, rest)[0, 1], abs=1e-12), (row.item, row.option)
        assert row.mean_total == pytest.approx(total[chose == 1].mean())
    keys = table[table["is_key"]].set_index("item")["rar"]
    np.testing.assert_allclose(keys, analysis.statistics.loc[keys.index, "rir"], atol=1e-12)


# --- decision accuracy and consistency at the cut (issue 14, item 5) ------------------------

def _bigger_sitting(n: int = 300, k: int = 20, seed: int = 14) -> pd.DataFrame:
    """n candidates x k four-option items keyed A, answered by a Rasch-like model."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=n)
    right = rng.random((n, k)) < 1 / (1 + np.exp(-(ability[:, None] - np.linspace(-1.5, 1.5, k))))
    choices = np.where(right, "A", rng.choice(list("BCD"), size=(n, k))).astype(object)
    return pd.DataFrame(choices, index=[f"c{i:03d}" for i in range(n)], columns=[f"Q{j:02d}" for j in range(1, k + 1)])


def test_the_analysis_carries_decision_accuracy_and_consistency_at_the_sittings_cut(
        engine: Engine, flextoets_exam) -> None:
    from analysis.classification import livingston_lewis
    from analysis.reliability import reliability

    responses = _bigger_sitting()
    with Session(engine) as s:
        flextoets_exam(s, responses.columns, responses)
        s.commit()
        a = analyze_administration(s, "ADM")
    c = a.classification
    # The Flextoets rule set's cut: 65 % of the maximum 20 = 13 points, reached with >=.
    assert (c.cut, c.maximum, a.result.rules.reach) == (13, 20, ">=")
    totals = ((responses == "A").sum(axis=1)).astype(float)
    alpha = reliability((responses == "A").astype(float)).alpha
    assert c.reliability == pytest.approx(alpha, abs=1e-12) and c.candidates == 300
    direct = livingston_lewis(totals, reliability=alpha, cuts=13, max_score=20, score_step=1)  # whole points
    e = c.estimate
    assert (e.accuracy, e.consistency, e.kappa, e.false_pass, e.false_fail) == pytest.approx(
        (direct.accuracy, direct.consistency, direct.kappa, direct.false_pass, direct.false_fail), abs=1e-12)
    assert 0.5 < e.consistency <= e.accuracy < 1


def test_without_a_cut_there_is_nothing_to_estimate_and_a_hopeless_sitting_says_why(session: Session) -> None:
    import dataclasses

    from itembank.services.item_analysis import classification_at_cut

    a = analyze_administration(session, "ADM")
    assert classification_at_cut(dataclasses.replace(a.result, cuts={})) is None
    # Alpha below 0 (or NaN) gives no effective test length: the reason, not an error.
    c = classification_at_cut(a.result, reliability=-0.2)
    assert c.estimate is None and "reliability between 0 and 1" in c.reason
    assert c.cut == a.result.cuts["total"]


def test_itembank_analyze_prints_the_decision_line_and_json(demo_db, tmp_path) -> None:
    import json
    import shutil

    from typer.testing import CliRunner

    from analysis.classification import livingston_lewis
    from itembank import demo
    from itembank.cli import app
    from itembank.storage.db import make_engine
    from itembank.text import t

    db = tmp_path / "analyze.db"
    shutil.copy(demo_db, db)
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        a = analyze_administration(s, demo.ADMIN_CODE)
    engine.dispose()
    runner = CliRunner()
    out = runner.invoke(app, ["analyze", demo.ADMIN_CODE, "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert t("cli_decision", **a.classification.shown()) in out.output
    assert "Decision at the cut 28 / 40: consistency " in out.output
    raw = runner.invoke(app, ["analyze", demo.ADMIN_CODE, "--db", str(db), "--format", "json"])
    got = json.loads(raw.output)["decision_at_cut"]
    judged = a.result.total.astype(float)  # nobody annulled in the demo
    direct = livingston_lewis(judged, reliability=a.reliability.alpha, cuts=28, max_score=40,
                              score_step=1)  # whole points
    assert got["cut"] == 28 and got["effective_length"] == direct.effective_length
    assert got["consistency"] == pytest.approx(direct.consistency, abs=1e-12)
    assert got["accuracy"] == pytest.approx(direct.accuracy, abs=1e-12)
