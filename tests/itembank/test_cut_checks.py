"""A cut score is checked against the form's maximum in database mode exactly as in file mode:
``set_cut_score`` runs the scoring core's own check (:func:`itembank.scoring.score` with no
candidates, via :meth:`AdministrationData.check_rules`) before it records anything."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank import scoring
from itembank.cli import app
from itembank.errors import RuleError, UserError
from itembank.services import administrations, committee, results
from itembank.services.administration_data import load_administration
from itembank.storage.models import AuditEvent, CutScoreRule

# Four one-point MC items and one three-point open item: the form's maximum is 7 points.
CODES = ["Q01", "Q02", "Q03", "Q04", "O1"]
RESPONSES = pd.DataFrame({"Q01": ["A", "B"], "Q02": ["A", "A"], "Q03": ["C", "A"], "Q04": ["A", "A"],
                          "O1": ["2", "3"]}, index=pd.Index(["c1", "c2"], name="candidate"))
TOO_HIGH = {"kind": "points", "value": 45}


@pytest.fixture
def exam(engine: Engine, flextoets_exam: Callable[..., None]) -> Engine:
    """The small Flextoets exam (linear grade conversion) stored and committed."""
    with Session(engine) as session:
        flextoets_exam(session, CODES, RESPONSES)
        session.commit()
    return engine


def _counts(session: Session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(CutScoreRule)),
            session.scalar(select(func.count()).select_from(AuditEvent)))


def test_file_mode_refuses_a_cut_above_the_maximum(exam: Engine) -> None:
    """The reference behaviour: the scoring core itself (what file mode runs) refuses it."""
    with Session(exam) as session:
        data = load_administration(session, "ADM")
        rules = dataclasses.replace(data.rules, total_cut=scoring.parse_cut_rule(TOO_HIGH, source="cut"))
        with pytest.raises(scoring.RuleSetError, match=r"cut \(45\) <= maximum \(7\)"):
            scoring.score(data.form, data.responses, rules=rules)


def test_database_mode_refuses_the_same_cut_and_records_nothing(exam: Engine) -> None:
    with Session(exam) as session:
        before = _counts(session)
        with pytest.raises(RuleError) as caught:
            committee.set_cut_score(session, "ADM", TOO_HIGH, reason="too high", actor="sec")
        session.rollback()
        assert _counts(session) == before
    message = str(caught.value)
    assert "nothing was recorded" in message
    assert "cut (45) <= maximum (7)" in message  # the scoring core's own wording: one check


def test_a_cut_within_the_maximum_is_recorded_and_scores(exam: Engine) -> None:
    with Session(exam) as session:
        committee.set_cut_score(session, "ADM", {"kind": "points", "value": 5}, reason="ok", actor="sec")
        session.commit()
        assert results.score_administration(session, "ADM").cuts["total"] == 5


def test_the_check_uses_the_decisions_in_force(exam: Engine) -> None:
    """A cut of 7 fits the whole form, but not after voiding a one-point item (maximum 6),
    exactly as file mode scores the form with DECISIONS.csv applied."""
    with Session(exam) as session:
        committee.add_decision(session, "ADM", "Q03", "void", reason="flawed", actor="c")
        session.commit()
        with pytest.raises(RuleError, match=r"cut \(7\) <= maximum \(6\)"):
            committee.set_cut_score(session, "ADM", {"kind": "points", "value": 7}, reason="r", actor="sec")
        session.rollback()
        form = administrations.scoring_form(session, "ADM")
        rules = dataclasses.replace(load_administration(session, "ADM").rules,
                                    total_cut=scoring.parse_cut_rule({"kind": "points", "value": 7}, source="cut"))
        with pytest.raises(scoring.RuleSetError, match=r"cut \(7\) <= maximum \(6\)"):
            scoring.score(form, RESPONSES, rules=rules,
                          decisions=[scoring.Decision("Q03", "void", "", "flawed")])


def test_decide_cut_command_exits_2_and_changes_nothing(exam: Engine, db_url: str) -> None:
    with Session(exam) as session:
        before = _counts(session)
    result = CliRunner().invoke(app, ["decide", "cut", "ADM", '{"kind": "points", "value": 45}',
                                      "--reason", "typo", "--db", db_url, "--user", "sec"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "cut (45) <= maximum (7)" in result.output
    with Session(exam) as session:
        assert _counts(session) == before


def test_a_cut_above_the_maximum_is_refused_whatever_the_grade_conversion(exam: Engine) -> None:
    """Without a grade conversion (the demo's rule set) a cut of 45 on 7 points would fail
    everybody; the core refuses it in both modes (a negative cut is refused by the rule's schema)."""
    no_grade = "[parts.theory]\n[total.cut]\nkind = \"points\"\nvalue = 4\n[grade]\nmethod = \"none\"\n"
    with Session(exam) as session:
        committee.add_rule_set(session, "NOGRADE", no_grade, actor="sec")
        committee.assign_rule_set(session, "ADM", "NOGRADE", actor="sec")
        data = load_administration(session, "ADM")
        for cut, shown in ((TOO_HIGH, "45"),):
            rules = dataclasses.replace(data.rules, total_cut=scoring.parse_cut_rule(cut, source="cut"))
            with pytest.raises(scoring.RuleSetError, match=rf"total.cut: the cut \({shown}\) must be from 0 to the "
                                                           r"maximum \(7\)"):
                scoring.score(data.form, data.responses, rules=rules)
            with pytest.raises(RuleError, match=rf"the cut \({shown}\) must be from 0 to the maximum \(7\)"):
                committee.set_cut_score(session, "ADM", cut, reason="typo", actor="sec")
            session.rollback()


def test_a_weight_decision_is_a_plausible_number_as_in_a_decisions_file(exam: Engine) -> None:
    with Session(exam) as session:
        with pytest.raises(UserError, match="the weight must be a number from 0 to 100, got 250"):
            committee.add_decision(session, "ADM", "Q01", "weight", "250", reason="typo", actor="c")
        with pytest.raises(UserError, match="a weight must be a number"):
            committee.add_decision(session, "ADM", "Q01", "weight", "twee", reason="typo", actor="c")
        row = committee.add_decision(session, "ADM", "Q01", "weight", "1,5", reason="core item", actor="c")
        assert row.value == "1.5"


def test_decide_cut_takes_a_percentage_or_points_without_json(exam: Engine, db_url: str) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["decide", "cut", "ADM", "--percent", "60", "--round-up", "--reason", "committee",
                              "--db", db_url])
    assert out.exit_code == 0, out.output
    with Session(exam) as session:
        assert session.scalars(select(CutScoreRule.rule).order_by(CutScoreRule.id)).all()[-1] == {
            "kind": "percent", "value": 60, "round_up": True}
        # 60 % of 7 = 4.2, rounded up to 5
        assert load_administration(session, "ADM").score().cuts["total"] == 5
    both = runner.invoke(app, ["decide", "cut", "ADM", "--percent", "60", "--points", "4", "--reason", "x",
                               "--db", db_url])
    assert both.exit_code == 2 and "give exactly one of --percent, --points" in both.output


def test_a_cut_for_a_part_the_rule_set_does_not_have_is_refused_and_not_recorded(exam: Engine) -> None:
    with Session(exam) as session:
        before = _counts(session)
        with pytest.raises(RuleError, match=r"names part 'practical', which rule set FLEX does not have"):
            committee.set_cut_score(session, "ADM", {"kind": "points", "value": 2}, part="practical",
                                    reason="typo", actor="sec")
        session.rollback()
        assert _counts(session) == before
