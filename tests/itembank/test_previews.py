"""A decision's preview and a release's summary (issue 12 groundwork), worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from itembank import scoring
from itembank.errors import RuleError
from itembank.services import committee
from itembank.services.administration_data import load_administration
from itembank.errors import NotFoundError
from itembank.services.previews import compare_results, preview_decision, preview_withdrawal
from itembank.storage.models import Decision


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        yield s


def test_a_void_previewed_shows_maximum_cut_pass_rate_and_who_flips(session: Session, flextoets_exam) -> None:
    # Q01..Q10 keyed A; c1 has Q01..Q06 right, c2 Q01..Q09, c3 Q01..Q06 plus Q10 right (7).
    codes = [f"Q{j:02d}" for j in range(1, 11)]
    rows = {"c1": "AAAAAABBBB", "c2": "AAAAAAAAAB", "c3": "AAAAAABBBA"}
    exam = pd.DataFrame([list(v) for v in rows.values()], index=list(rows), columns=codes)
    flextoets_exam(session, codes, exam)
    data = load_administration(session, "ADM")
    preview = preview_decision(data, scoring.Decision("Q10", "void", "", "picture missing"))
    change = preview.change
    # Before: max 10, cut 65 % = 6.5: c1 (6) fails, c2 (9) and c3 (7) pass -> 2/3.
    # After voiding Q10: max 9, cut 5.85: c1 (6) passes, c2 (9) passes, c3 (6) still passes.
    assert (change.max_before, change.max_after) == ("10", "9")
    assert (change.cut_before, change.cut_after) == ("6.5", "5.85")
    assert change.pass_rate_before == pytest.approx(2 / 3) and change.pass_rate_after == pytest.approx(1.0)
    assert change.flips[["candidate", "outcome_before", "outcome_after"]].values.tolist() == [["c1", "fail", "pass"]]
    assert change.lines()[:4] == ["maximum 10 -> 9", "cut score (cesuur) 6.5 -> 5.85",
                                  "pass rate 66.7 % -> 100.0 %", "1 candidate(s) change outcome"]
    assert preview.alpha_before != preview.alpha_after
    # Nothing was stored.
    assert session.scalar(select(func.count()).select_from(Decision)) == 0


def test_a_withdrawal_previewed_undoes_the_decision_and_stores_nothing(session: Session, flextoets_exam) -> None:
    # The same sitting as above, with Q10 voided: withdrawing the void is the way back.
    codes = [f"Q{j:02d}" for j in range(1, 11)]
    rows = {"c1": "AAAAAABBBB", "c2": "AAAAAAAAAB", "c3": "AAAAAABBBA"}
    flextoets_exam(session, codes, pd.DataFrame([list(v) for v in rows.values()], index=list(rows), columns=codes))
    void = committee.add_decision(session, "ADM", "Q10", "void", reason="picture missing", actor="c")
    session.flush()
    preview = preview_withdrawal(load_administration(session, "ADM"), void.id)
    change = preview.change
    assert preview.decision.action == "void" and preview.decision.item == "Q10"
    assert (change.max_before, change.max_after) == ("9", "10")
    assert (change.cut_before, change.cut_after) == ("5.85", "6.5")
    assert change.flips[["candidate", "outcome_before", "outcome_after"]].values.tolist() == [["c1", "pass", "fail"]]
    assert session.scalar(select(func.count()).select_from(Decision)) == 1  # only the void itself
    with pytest.raises(NotFoundError, match="not in force"):
        preview_withdrawal(load_administration(session, "ADM"), void.id + 99)


def test_an_impossible_decision_is_refused_in_the_preview_as_when_recorded(session: Session, flextoets_exam) -> None:
    codes = ["Q01", "Q02"]
    flextoets_exam(session, codes, pd.DataFrame([["A", "B"]], index=["c1"], columns=codes))
    data = load_administration(session, "ADM")
    with pytest.raises(RuleError, match="'Z'") as previewed:
        preview_decision(data, scoring.Decision("Q01", "accept", "Z", "r"))
    with pytest.raises(RuleError) as recorded:
        committee.add_decision(session, "ADM", "Q01", "accept", "Z", reason="r", actor="c")
    assert str(previewed.value) == str(recorded.value)


def test_a_first_release_summary_has_no_before() -> None:
    after = pd.DataFrame({"candidate": ["a", "b"], "total": ["3", "5"], "max": ["6", "6"], "cut": ["4", "4"],
                          "outcome": ["fail", "pass"]})
    change = compare_results(None, after)
    assert change.lines()[:4] == ["maximum - -> 6", "cut score (cesuur) - -> 4", "pass rate - -> 50.0 %",
                                  "0 candidate(s) change outcome"]


def test_a_release_preview_compares_with_the_latest_release(session: Session, flextoets_exam) -> None:
    from itembank.services import results
    from itembank.services.previews import preview_release

    codes = [f"Q{j:02d}" for j in range(1, 11)]
    rows = {"c1": "AAAAAABBBB", "c2": "AAAAAAAAAB"}
    flextoets_exam(session, codes, pd.DataFrame([list(v) for v in rows.values()], index=list(rows), columns=codes))
    first, against = preview_release(session, "ADM")
    assert against is None and first.lines()[:3] == ["maximum - -> 10", "cut score (cesuur) - -> 6.5",
                                                    "pass rate - -> 50.0 %"]
    results.release_results(session, "ADM", actor="s")
    committee.add_decision(session, "ADM", "Q10", "void", reason="r", actor="c")
    change, against = preview_release(session, "ADM")
    # Voiding Q10 (both wrong): max 9, cut 5.85, c1 (6) now passes.
    assert against == 1 and change.lines() == ["maximum 10 -> 9", "cut score (cesuur) 6.5 -> 5.85",
                                               "pass rate 50.0 % -> 100.0 %", "1 candidate(s) change outcome",
                                               "  fail -> pass: 1"]
    assert len(results.current_results(session, "ADM")) == 2  # nothing new was released


def test_a_rekey_is_carried_into_the_bank_as_a_draft_for_review(session: Session, flextoets_exam) -> None:
    from itembank.services import bank
    from itembank.services.key_corrections import carry_rekey_into_bank
    from itembank.storage.models import ReviewState

    codes = ["Q01", "Q02"]
    flextoets_exam(session, codes, pd.DataFrame([list("CA")], index=["c1"], columns=codes))
    rekey = committee.add_decision(session, "ADM", "Q01", "rekey", "C", reason="key error", actor="m.jansen")
    accept = committee.add_decision(session, "ADM", "Q02", "accept", "B", reason="B defensible", actor="m.jansen")
    corrected = carry_rekey_into_bank(session, rekey.id, actor="m.jansen")
    assert (corrected.item.code, corrected.number, tuple(corrected.key)) == ("Q01", 2, ("C",))
    assert session.get(ReviewState, corrected.id).status.value == "draft"
    assert "decision" in corrected.change_note and "ADM" in corrected.change_note
    assert tuple(bank.get_version(session, "Q01", 1).key) == ("A",)  # the approved version is untouched
    with pytest.raises(RuleError, match="not a rekey"):
        carry_rekey_into_bank(session, accept.id, actor="m.jansen")
    with pytest.raises(Exception, match="version 2 has been saved since"):
        carry_rekey_into_bank(session, rekey.id, actor="m.jansen")  # carried already: a newer version exists
