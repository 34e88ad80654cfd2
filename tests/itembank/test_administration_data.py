"""An administration loaded once (issue 11): the stored response matrix, the loader, and the
four numbers that were wrong or inconsistent before it.

Every expected number here is worked out by hand in the comments, from the responses the test
writes; none is taken from the code under test.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank.assembly import AssemblyOptions
from itembank.cli import app
from itembank.errors import RuleError
from itembank.services import administrations, bank, blueprints, committee, forms, results
from itembank.services.administration_data import load_administration
from itembank.services.bank import ItemContent
from itembank.services.item_analysis import analyze_administration
from itembank.storage.models import ResponseSet
from itembank.storage.response_matrix import decode_responses, encode_responses

ABCD = tuple((x, x.lower()) for x in "ABCD")


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        yield s


# --------------------------------------------------------------------------- the stored matrix


answers = st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D", "A|C", "E", "12", "14.5", "0"]))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 12).flatmap(lambda n: st.lists(st.lists(answers, min_size=n, max_size=n), min_size=0,
                                                         max_size=25)))
def test_a_response_matrix_decodes_to_exactly_what_was_encoded(rows: list[list[str | None]]) -> None:
    width = len(rows[0]) if rows else 3
    frame = pd.DataFrame(rows, columns=[f"I{j}" for j in range(width)],
                         index=[f"c{i:03d}" for i in range(len(rows))], dtype=object)
    decoded = decode_responses(encode_responses(frame))
    assert list(decoded.columns) == list(frame.columns)
    assert list(decoded.index) == list(frame.index)
    as_text = decoded.astype(object).where(decoded.notna(), None)
    assert as_text.to_numpy().tolist() == frame.where(frame.notna(), None).to_numpy().tolist()


def test_a_column_with_more_distinct_answers_than_a_byte_holds_round_trips() -> None:
    # 300 different grader points: the codes no longer fit int8 and must not wrap around.
    frame = pd.DataFrame({"O1": [str(k / 2) for k in range(300)] + [None]}, index=[f"c{i}" for i in range(301)])
    decoded = decode_responses(encode_responses(frame))
    assert decoded["O1"].astype(object).tolist()[:3] == ["0.0", "0.5", "1.0"]
    assert decoded["O1"].astype(object).tolist()[299] == "149.5" and pd.isna(decoded["O1"].iloc[300])


# --------------------------------------------------------------------------- a small stored exam
# flextoets_exam (conftest): Q.. four-option MC items keyed A, O.. open items worth 3, on form F,
# sitting ADM, scored with the Flextoets rule set (cut 65 % of the remaining maximum, linear
# grade, a rounded grade of 6 passes).


def ten_items(n_right: dict[str, int]) -> pd.DataFrame:
    """Q01..Q10; each candidate answers the first n items right (A) and the rest wrong (B)."""
    codes = [f"Q{j:02d}" for j in range(1, 11)]
    return pd.DataFrame([["A"] * n + ["B"] * (10 - n) for n in n_right.values()], index=list(n_right), columns=codes)


def test_an_objection_is_judged_against_the_inputs_of_the_release_it_amends(session: Session, flextoets_exam) -> None:
    # c1 has 6 of 10 right. Released with the rule set's cut, 65 % of 10 = 6.5: 6 < 6.5 fails.
    exam = ten_items({"c1": 6, "c2": 9, "c3": 3})
    flextoets_exam(session, list(exam.columns), exam)
    results.release_results(session, "ADM", actor="sec")
    released = results.current_results(session, "ADM").set_index("candidate")
    assert (released.loc["c1", "cut"], released.loc["c1", "outcome"]) == ("6.5", "fail")
    # Recorded after the release and not released: a cut of 50 % (5 points) and a void of Q10
    # (which c1 got wrong: 6 of 9). Either would make c1 pass if it leaked into the objection.
    committee.set_cut_score(session, "ADM", {"kind": "percent", "value": 50}, reason="lower", actor="c")
    committee.add_decision(session, "ADM", "Q10", "void", reason="picture missing", actor="c")
    # The objection is rejected: c1's score on Q01 stays 1.
    committee_rev = results.add_objection(session, "ADM", "c1", "Q01", 1, reason="objection rejected", actor="sec")
    row = committee_rev.result["row"]
    assert (row["total"], row["max"], row["cut"], row["outcome"]) == ("6", "10", "6.5", "fail")
    # Granted on Q07 (c1 answered B): 7 of 10 >= 6.5 now passes, against the released cut.
    granted = results.add_objection(session, "ADM", "c1", "Q07", 1, reason="B defensible for c1", actor="sec")
    assert (granted.result["row"]["total"], granted.result["row"]["cut"], granted.result["row"]["outcome"]) == (
        "7", "6.5", "pass")
    after = results.current_results(session, "ADM").set_index("candidate")
    # Nobody else changed.
    assert after.drop(index="c1")[released.columns].equals(released.drop(index="c1")[released.columns])


def test_the_analysis_uses_the_weighted_total_after_a_weight_decision(session: Session, flextoets_exam) -> None:
    rng = np.random.default_rng(7)
    theta = rng.normal(size=40)
    right = rng.random((40, 6)) < 1 / (1 + np.exp(-(theta[:, None] - np.linspace(-1, 1, 6))))
    frame = pd.DataFrame(np.where(right, "A", "B"), columns=[f"Q{j}" for j in range(1, 7)],
                         index=[f"c{i:02d}" for i in range(40)])
    frame.iloc[::5, 2] = "C"  # a distractor for every fifth candidate on Q3
    right[::5, 2] = False
    flextoets_exam(session, list(frame.columns), frame)
    committee.add_decision(session, "ADM", "Q3", "weight", "3", reason="core item", actor="c")
    a = analyze_administration(session, "ADM")
    x = right.astype(float)
    w = np.array([1, 1, 3, 1, 1, 1.0])
    total = x @ w  # T = sum_j w_j x_j: the total the candidate is judged on
    assert a.result.total.astype(float).to_numpy() == pytest.approx(total)
    for j, item in enumerate(frame.columns):
        assert a.statistics.loc[item, "rit"] == pytest.approx(np.corrcoef(x[:, j], total)[0, 1])
        assert a.statistics.loc[item, "rir"] == pytest.approx(np.corrcoef(x[:, j], total - w[j] * x[:, j])[0, 1])
        key = a.distractors[(a.distractors["item"] == item) & a.distractors["is_key"]].iloc[0]
        # The key's option-rest correlation is the item-rest correlation (same rest score).
        assert key["rar"] == pytest.approx(a.statistics.loc[item, "rir"])
        assert key["mean_total"] == pytest.approx(total[x[:, j] == 1].mean())


def test_the_same_decision_twice_is_refused_until_it_is_withdrawn(session: Session, flextoets_exam) -> None:
    exam = ten_items({"c1": 6, "c2": 9})
    flextoets_exam(session, list(exam.columns), exam)
    first = committee.add_decision(session, "ADM", "Q03", "void", reason="ambiguous", actor="c")
    with pytest.raises(RuleError, match=r"'void Q03' is already in force \(decision \d+ by c on"):
        committee.add_decision(session, "ADM", "Q03", "void", reason="again", actor="c")
    committee.add_decision(session, "ADM", "Q03", "accept", "B", reason="B also right", actor="c")  # another kind
    committee.withdraw_decision(session, first.id, reason="not ambiguous after all", actor="c")
    committee.add_decision(session, "ADM", "Q03", "void", reason="ambiguous after all", actor="c")
    assert [d.action for d in committee.active_decisions(session, "ADM")] == ["accept", "void"]


def test_every_new_input_reaches_the_next_load(session: Session, flextoets_exam) -> None:
    """Responses are cached by content hash; everything else is read fresh: each of a new
    import, decision, withdrawal, cut, objection and annulment shows in the next load."""
    exam = ten_items({"c1": 6, "c2": 9})
    flextoets_exam(session, list(exam.columns), exam)

    def scored() -> pd.DataFrame:
        return load_administration(session, "ADM").score().results_table().set_index("candidate")

    assert list(scored().index) == ["c1", "c2"]
    administrations.add_responses(session, "ADM", ten_items({"c0": 2}), actor="sec")  # a second import
    assert list(scored().index) == ["c0", "c1", "c2"] and scored().loc["c0", "total"] == "2"
    d = committee.add_decision(session, "ADM", "Q10", "void", reason="r", actor="c")
    assert scored().loc["c2", "max"] == "9"  # 10 - 1 voided
    committee.withdraw_decision(session, d.id, reason="r", actor="c")
    assert scored().loc["c2", "max"] == "10"
    committee.set_cut_score(session, "ADM", {"kind": "points", "value": 6}, reason="r", actor="c")
    assert scored().loc["c1", "cut"] == "6" and scored().loc["c1", "outcome"] == "pass"
    results.release_results(session, "ADM", actor="sec")
    results.add_objection(session, "ADM", "c0", "Q05", 1, reason="r", actor="sec")
    assert scored().loc["c0", "total"] == "3"
    results.annul_result(session, "ADM", "c2", reason="fraud", actor="sec")
    assert scored().loc["c2", "outcome"] == "annulled"


def test_response_sets_are_append_only_in_the_database(session: Session, flextoets_exam) -> None:
    exam = ten_items({"c1": 6})
    flextoets_exam(session, list(exam.columns), exam)
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(update(ResponseSet).values(created_by="x"))
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM response_sets"))
    session.rollback()
    row = session.scalars(select(ResponseSet)).one()
    row.created_by = "x"
    with pytest.raises(RuleError, match="cannot be changed"):
        session.flush()


def test_two_processes_on_one_bank_see_the_same_numbers(engine: Engine, db_url: str, flextoets_exam) -> None:
    """Dashboard workers are separate processes, each with its own cache: a decision taken in
    one shows in the next read of another."""
    with Session(engine) as s:
        exam = ten_items({"c1": 6, "c2": 9})
        flextoets_exam(s, list(exam.columns), exam)
        s.commit()

    def max_in_another_process() -> str:
        out = subprocess.run([sys.executable, "-c", "from itembank.cli import main; main()", "score", "ADM", "--db", db_url],
                             capture_output=True, text=True, check=True).stdout
        return out

    before = max_in_another_process()
    with Session(engine) as s:
        committee.add_decision(s, "ADM", "Q10", "void", reason="r", actor="c")
        s.commit()
    after = max_in_another_process()
    assert before != after
    with Session(engine) as s:
        mine = load_administration(s, "ADM").score().results_table()
    assert set(mine["max"]) == {"9"}


# --------------------------------------------------------------------------- the assembly pool


def test_pool_p_values_come_from_the_scoring_core_with_decisions(session: Session) -> None:
    bank.add_specification(session, "S", "Spec", objectives=[("LO1", "one")], levels=[("K", "know")], actor="a")
    kinds = {"M1": ItemContent(stem="M1?", options=ABCD, key=("A",)),
             "M2": ItemContent(stem="M2?", options=ABCD, key=("A",)),
             "R1": ItemContent(stem="R1?", item_type="mr", options=ABCD, key=("A", "C")),
             "O1": ItemContent(stem="Explain.", item_type="open", max_score=4)}
    for code, content in kinds.items():
        bank.add_item(session, code, content, author="w", specification="S", tags=[("objective", "LO1"), ("level", "K")])
        bank.set_status(session, code, 1, "in_review", actor="w")
        bank.set_status(session, code, 1, "approved", actor="c")
    blueprints.add_blueprint(session, "S", "BP", cells={("LO1", "K"): 4}, total_points=7, actor="c")
    for status in ("in_review", "approved"):
        blueprints.set_blueprint_status(session, "BP", 1, status, actor="c")
    out = forms.assemble_forms(session, "S", "BP", actor="c", options=AssemblyOptions())
    administrations.add_administration(session, "ADM", out.forms[0], on=date(2025, 1, 1), actor="s")
    responses = pd.DataFrame({
        "M1": ["A", "B", "B", "B"],          # key A: 1 of 4
        "M2": ["B", "B", "C", None],         # key A, rekeyed to B below: 2 of 4
        "R1": ["C|A", "A|C", "A", "C|A|B"],  # key A|C in any order: 2 of 4 (all or nothing)
        "O1": ["4", "2", "0", "3"],          # open: mean 9/4 of max 4 -> 0.5625
    }, index=["c1", "c2", "c3", "c4"])
    administrations.add_responses(session, "ADM", responses, actor="s")
    committee.add_decision(session, "ADM", "M2", "rekey", "B", reason="key error", actor="c")
    pool = forms.load_pool(session, "S")[0].set_index("item_code")
    assert pool.loc["M1", "p"] == pytest.approx(0.25)
    assert pool.loc["M2", "p"] == pytest.approx(0.5)
    assert pool.loc["R1", "p"] == pytest.approx(0.5)
    assert pool.loc["O1", "p"] == pytest.approx(9 / 16)
    committee.add_decision(session, "ADM", "M1", "accept", "B", reason="B also right", actor="c")
    assert forms.load_pool(session, "S")[0].set_index("item_code").loc["M1", "p"] == pytest.approx(1.0)


def test_assemble_says_frozen_only_after_the_commit(demo_db, tmp_path, monkeypatch) -> None:
    import shutil

    from sqlalchemy.orm import Session as OrmSession

    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)

    def refuse(self: OrmSession) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(OrmSession, "commit", refuse)
    result = CliRunner().invoke(app, ["assemble", "--spec", "VCA-BASIS-2025", "--blueprint", "VCA-BASIS-40",
                                      "--db", str(db), "--time-limit", "30"])
    assert result.exit_code != 0
    assert "Forms frozen" not in result.output
    monkeypatch.undo()
    result = CliRunner().invoke(app, ["assemble", "--spec", "VCA-BASIS-2025", "--blueprint", "VCA-BASIS-40",
                                      "--db", str(db), "--time-limit", "30"])
    assert result.exit_code == 0 and "Forms frozen: VCA-BASIS-40-F" in result.output
