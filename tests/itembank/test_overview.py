"""The administrations overview: each sitting's state, and what a sitting that is not ready
is missing (issue 12, item 2)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itembank.services import administrations, committee, results
from itembank.services.overview import administration_states


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        yield s


def test_each_sitting_says_where_it_stands_and_what_is_missing(session: Session, flextoets_exam) -> None:
    codes = ["Q01", "Q02", "Q03"]
    flextoets_exam(session, codes, pd.DataFrame([list("AAB"), list("ABB")], index=["c1", "c2"], columns=codes))
    d = committee.add_decision(session, "ADM", "Q03", "void", reason="r", actor="c")
    committee.add_decision(session, "ADM", "Q02", "accept", "B", reason="r", actor="c")
    committee.withdraw_decision(session, d.id, reason="r", actor="c")
    committee.set_cut_score(session, "ADM", {"kind": "points", "value": 2}, reason="r", actor="c")
    results.release_results(session, "ADM", actor="s")
    results.add_objection(session, "ADM", "c2", "Q01", 1, reason="r", actor="s")
    administrations.add_administration(session, "ADM2", "F", on=date(2026, 3, 1), actor="s")  # nothing yet

    newest, done = administration_states(session)
    assert (newest.code, newest.stage, newest.ready, newest.candidates) == ("ADM2", "waiting", False, 0)
    assert newest.missing == ["no responses imported yet (itembank responses import ADM2 FILE)",
                              "no rule set assigned yet (itembank rules assign ADM2 CODE)"]
    assert (done.code, done.stage, done.candidates, done.rule_set) == ("ADM", "released", 2, "FLEX v1")
    assert (done.decisions, done.cut_rule, done.releases, done.latest_release) == (1, {"kind": "points", "value": 2}, 1, 1)
    assert (done.objections, done.annulments, done.missing) == (1, 0, [])


def test_the_audit_trail_filters_by_sitting_user_action_and_time(session: Session, flextoets_exam) -> None:
    from datetime import timedelta

    from itembank.storage import audit
    from itembank.storage.models import utcnow

    codes = ["Q01", "Q02"]
    flextoets_exam(session, codes, pd.DataFrame([list("AB"), list("BB")], index=["c1", "c2"], columns=codes))
    committee.add_decision(session, "ADM", "Q02", "accept", "B", reason="r", actor="m.jansen")
    results.release_results(session, "ADM", actor="s.bakker")
    results.annul_result(session, "ADM", "c2", reason="fraud", actor="s.bakker")
    administrations.add_administration(session, "OTHER", "F", on=date(2026, 3, 1), actor="s.bakker")
    mine = audit.get_events(session, administration="ADM")
    assert [e.action for e in mine] == ["create", "import_responses", "assign_rule_set", "decision_accept", "release",
                                        "annul"]
    assert [e.action for e in audit.get_events(session, administration="ADM", actor="s.bakker")] == ["release", "annul"]
    assert [e.entity_id for e in audit.get_events(session, action="create", entity_type="administration")] == [
        "ADM", "OTHER"]
    assert audit.get_events(session, since=utcnow() + timedelta(minutes=1)) == []
    assert len(audit.get_events(session, until=utcnow() + timedelta(minutes=1))) == len(audit.get_events(session))
