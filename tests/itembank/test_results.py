"""Decisions, releases, objections and annulments in storage (SQLite and PostgreSQL).

The small administration below is scored by hand. Four MC items keyed A; six candidates:

    candidate  Q1 Q2 Q3 Q4   raw
    c1          A  A  A  A    4
    c2          A  A  A  B    3
    c3          A  A  B  B    2
    c4          A  B  B  B    1
    c5          B  B  B  B    0
    c6          B  A  A  A    3

Rule set: the seed 004 Flextoets example (cut 65 % of the remaining maximum, linear grade
0 -> 1.0, cut -> 5.5, max -> 10.0, pass at a rounded grade of 6).
With all four items: cut = 0.65 x 4 = 2.6.
  c2 (3):  5.5 + (3 - 2.6) / (4 - 2.6) x 4.5 = 6.7857...  -> grade 6.785, rounded 7, pass
  c3 (2):  1.0 + 2 / 2.6 x 4.5 = 4.4615...                  -> 4.461, rounded 4, fail
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from itembank.io.scoring_files import score_files
from itembank.services import committee
from itembank.services import results
from itembank.errors import RuleError, UserError
from itembank.storage.models import AuditEvent

CHOICES = pd.DataFrame(
    [list("AAAA"), list("AAAB"), list("AABB"), list("ABBB"), list("BBBB"), list("BAAA")],
    index=[f"c{i}" for i in range(1, 7)], columns=["Q1", "Q2", "Q3", "Q4"],
)


@pytest.fixture
def session(engine: Engine, flextoets_exam):
    with Session(engine) as s:
        flextoets_exam(s, CHOICES.columns, CHOICES)
        s.commit()
        yield s


def table(session: Session) -> pd.DataFrame:
    return results.score_administration(session, "ADM").results_table().set_index("candidate")


def test_scores_grades_and_outcomes_match_the_hand_computation(session: Session) -> None:
    t = table(session)
    assert t["total"].tolist() == ["4", "3", "2", "1", "0", "3"]
    assert t.loc["c2", ["grade", "grade_rounded", "outcome"]].tolist() == ["6.785", "7", "pass"]
    assert t.loc["c3", ["grade", "grade_rounded", "outcome"]].tolist() == ["4.461", "4", "fail"]
    assert t.loc["c1", "cut"] == "2.6"


def test_void_recomputes_the_cut_over_the_remaining_items(session: Session) -> None:
    committee.add_decision(session, "ADM", "Q4", "void", reason="ambiguous wording", actor="committee")
    t = table(session)
    # max 3, cut 0.65 x 3 = 1.95; c3 (Q1-Q3 = A A B) has 2: 5.5 + 0.05/1.05 x 4.5 = 5.714 -> 6
    assert t.loc["c3", ["total", "max", "cut", "grade", "outcome"]].tolist() == ["2", "3", "1.95", "5.714", "pass"]


def test_withdrawing_a_decision_restores_the_result_and_keeps_the_record(session: Session) -> None:
    d = committee.add_decision(session, "ADM", "Q4", "void", reason="ambiguous", actor="committee")
    committee.withdraw_decision(session, d.id, reason="wording was fine after all", actor="committee")
    assert table(session).loc["c3", "outcome"] == "fail"
    actions = [e.action for e in session.query(AuditEvent).filter(AuditEvent.entity_id == "ADM")]
    assert actions[-2:] == ["decision_void", "decision_withdraw"]
    with pytest.raises(RuleError, match="withdrawn already"):
        committee.withdraw_decision(session, d.id, reason="again", actor="committee")


def test_accepting_an_extra_answer_raises_scores_of_those_who_chose_it(session: Session) -> None:
    before = table(session)["total"].astype(int)
    committee.add_decision(session, "ADM", "Q4", "accept", "B", reason="B also defensible", actor="committee")
    after = table(session)["total"].astype(int)
    # c2, c3, c4, c5 chose B on Q4
    assert (after - before).to_dict() == {"c1": 0, "c2": 1, "c3": 1, "c4": 1, "c5": 1, "c6": 0}


def test_bad_decisions_are_refused_with_a_message(session: Session) -> None:
    with pytest.raises(UserError, match="needs a reason"):
        committee.add_decision(session, "ADM", "Q1", "void", reason=" ", actor="c")
    with pytest.raises(UserError, match="not on form F"):
        committee.add_decision(session, "ADM", "Q9", "void", reason="x", actor="c")
    with pytest.raises(UserError):
        committee.add_decision(session, "ADM", "Q1", "accept", "E", reason="no option E", actor="c")


def test_cut_score_decision_replaces_the_rule_set_cut(session: Session) -> None:
    committee.set_cut_score(session, "ADM", {"kind": "points", "value": 2}, reason="Hofstee", actor="committee")
    t = table(session)
    assert t.loc["c3", ["cut", "grade", "outcome"]].tolist() == ["2", "5.500", "pass"]


def test_release_is_immutable_and_hashed(session: Session, engine: Engine) -> None:
    outcome = results.release_results(session, "ADM", actor="secretary")
    session.commit()
    rel = outcome.release
    assert rel.revision == 1 and results.verify_release(rel) and len(rel.content_hash) == 64
    rel.note = "changed afterwards"
    with pytest.raises(RuleError, match="cannot be changed"):
        session.flush()
    session.rollback()
    with engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("UPDATE releases SET content_hash = 'x'"))
        conn.rollback()
    again = results.release_results(session, "ADM", actor="secretary")
    assert again.unchanged and again.release.id == rel.id


def test_re_release_after_a_decision_lists_exactly_the_changed_candidates(session: Session) -> None:
    results.release_results(session, "ADM", actor="secretary")
    committee.add_decision(session, "ADM", "Q4", "accept", "B", reason="B defensible", actor="committee")
    outcome = results.release_results(session, "ADM", actor="secretary")
    assert outcome.release.revision == 2
    # c2 3 -> 4 (grade 6.785 -> 10), c3 2 -> 3 (fail -> pass), c4 1 -> 2, c5 0 -> 1; c1, c6 unchanged
    assert sorted(outcome.changed["candidate"].unique()) == ["c2", "c3", "c4", "c5"]
    c3 = outcome.changed[outcome.changed["candidate"] == "c3"].set_index("column")
    assert (c3.loc["outcome", "before"], c3.loc["outcome", "after"]) == ("fail", "pass")


def test_objection_changes_only_that_candidate(session: Session) -> None:
    results.release_results(session, "ADM", actor="secretary")
    before = results.current_results(session, "ADM").set_index("candidate")
    results.add_objection(session, "ADM", "c3", "Q3", 1, reason="answer B accepted for c3 after objection",
                          actor="secretary")
    after = results.current_results(session, "ADM").set_index("candidate")
    assert after.loc["c3", ["total", "outcome", "result_revision"]].tolist() == ["3", "pass", 1]
    others = [c for c in before.index if c != "c3"]
    cols = [c for c in before.columns if c != "result_revision"]
    pd.testing.assert_frame_equal(before.loc[others, cols], after.loc[others, cols])


def test_annulment_survives_later_releases(session: Session) -> None:
    results.release_results(session, "ADM", actor="secretary")
    results.annul_result(session, "ADM", "c1", reason="fraud: phone in use", actor="committee")
    assert results.current_results(session, "ADM").set_index("candidate").loc["c1", "outcome"] == "annulled"
    committee.add_decision(session, "ADM", "Q2", "void", reason="printing error", actor="committee")
    outcome = results.release_results(session, "ADM", actor="secretary")
    t = results.current_results(session, "ADM").set_index("candidate")
    assert outcome.release.revision == 2
    assert t.loc["c1", ["outcome", "grade"]].tolist() == ["annulled", ""]
    with pytest.raises(RuleError, match="annulled"):
        results.add_objection(session, "ADM", "c1", "Q1", 1, reason="x", actor="s")


def test_file_mode_and_database_mode_give_identical_results(session: Session, tmp_path: Path,
                                                            flextoets_text: str) -> None:
    committee.add_decision(session, "ADM", "Q4", "accept", "B", reason="B defensible", actor="committee")
    form = tmp_path / "form.csv"
    form.write_text("item,part,type,options,key,max_score,weight\n" + "".join(
        f"{q},theory,mc,A|B|C|D,A,1,1\n" for q in CHOICES.columns), encoding="utf-8")
    responses = tmp_path / "responses.csv"
    CHOICES.rename_axis("candidate").to_csv(responses)
    rules = tmp_path / "rules.toml"
    rules.write_text(flextoets_text, encoding="utf-8")
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("item,action,value,reason\nQ4,accept,B,B defensible\n", encoding="utf-8")
    out = tmp_path / "results.csv"
    score_files(form=form, responses=responses, rules=rules, decisions=decisions, out=out)
    from_files = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("candidate")
    from_db = table(session)
    pd.testing.assert_frame_equal(from_files, from_db.loc[from_files.index, from_files.columns])
