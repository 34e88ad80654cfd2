"""The release checklist (itembank/services/release_checklist.py), on hand-made sittings.

The sitting: four one-point MC items keyed A, 30 candidates whose number i (0..29) orders their
ability. Q1..Q3 behave: candidate i answers Q1 right from i >= 5, Q2 from i >= 10, Q3 from
i >= 15. Q4 is built miskeyed: the 18 ablest (i >= 12) choose B, the 12 weakest the key A —
so Q4's item-rest correlation is negative and option B's Rar beats the key's: critical flags
``rir_negative`` and ``miskey_rar`` (analysis/flags.py), and no other item has a critical flag.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from itembank.errors import NotFoundError, RuleError, UserError
from itembank.services import committee, results
from itembank.services.release_checklist import (
    FORCED_ACTION,
    ChecklistNotMet,
    keep_flags,
    kept_flags,
    release_checklist,
    release_with_checklist,
)
from itembank.storage import audit
from itembank.storage.models import Administration, Decision, FormItem, Release

ITEMS = ["Q1", "Q2", "Q3", "Q4"]
WRONG = "BCD"


def _responses() -> pd.DataFrame:
    rows = {}
    for i in range(30):
        row = [("A" if i >= start else WRONG[i % 3]) for start in (5, 10, 15)]
        row.append("B" if i >= 12 else "A")
        rows[f"c{i:02d}"] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=ITEMS)


@pytest.fixture
def sitting(engine: Engine, flextoets_exam) -> Iterator[Session]:
    """The sitting on SQLite and (when configured) PostgreSQL, uncommitted."""
    with Session(engine) as session:
        flextoets_exam(session, ITEMS, _responses())
        # the secretary fixed the rule set's own cut (65 %), so only the flags hold a release back
        committee.fix_cut(session, "ADM", reason="the rule set's cut", actor="sec")
        yield session


def _check(checklist, name: str):
    return next(c for c in checklist.checks if c.name == name)


def test_the_hand_made_sitting_flags_only_q4_as_critical(sitting: Session) -> None:
    checklist = release_checklist(sitting, "ADM")
    assert [(f.item, set(f.codes)) for f in checklist.flagged] == [
        ("Q4", {"rir_negative", "miskey_rar"})]


def test_an_undecided_critical_flag_keeps_the_release_back(sitting: Session) -> None:
    checklist = release_checklist(sitting, "ADM")
    assert not checklist.ready
    flags = _check(checklist, "flags")
    assert not flags.passed and len(flags.problems) == 1
    assert flags.problems[0].startswith("Q4: ") and "no decision in force and not kept" in flags.problems[0]
    assert "negative Rir" in flags.problems[0]  # in words, not codes
    assert _check(checklist, "cut").passed and _check(checklist, "reasons").passed  # FLEX has its own cut
    assert checklist.missing == list(flags.problems)
    assert [f.item for f in checklist.open_items] == ["Q4"]


@pytest.mark.parametrize("action, value", [("rekey", "B"), ("void", ""), ("weight", "0.5")])
def test_a_decision_in_force_on_the_flagged_item_answers_its_flags(sitting: Session, action: str, value: str) -> None:
    committee.add_decision(sitting, "ADM", "Q4", action, value, reason="the committee looked at it", actor="c")
    checklist = release_checklist(sitting, "ADM")
    assert checklist.ready, checklist.missing
    flags = _check(checklist, "flags")
    if action == "weight":  # the flags stay raised (half the weight), but the item is decided
        (note,) = flags.notes
        assert note.startswith("Q4: negative Rir") and note.endswith(" — decided (weight 0.5)")
    else:  # a rekey to B or a void removes the flags themselves
        assert flags.notes == ("No item has a critical flag.",)


def test_a_decision_on_another_item_does_not_answer_the_flag(sitting: Session) -> None:
    committee.add_decision(sitting, "ADM", "Q1", "weight", "2", reason="counts double", actor="c")
    assert [f.item for f in release_checklist(sitting, "ADM").open_items] == ["Q4"]


def test_a_withdrawn_decision_no_longer_answers_the_flag(sitting: Session) -> None:
    row = committee.add_decision(sitting, "ADM", "Q4", "weight", "0.5", reason="keep but halve", actor="c")
    assert release_checklist(sitting, "ADM").ready
    committee.withdraw_decision(sitting, row.id, reason="mistake", actor="c")
    assert not release_checklist(sitting, "ADM").ready


def test_a_flag_kept_with_a_reason_answers_it(sitting: Session) -> None:
    kept = keep_flags(sitting, "ADM", "Q4", reason="content checked: A is right", actor="m.jansen")
    assert set(kept.codes) == {"rir_negative", "miskey_rar"}
    checklist = release_checklist(sitting, "ADM")
    assert checklist.ready
    note = _check(checklist, "flags").notes[0]
    assert note.startswith("Q4: ") and "kept by m.jansen" in note and note.endswith("content checked: A is right")
    # stored as one audit event on the sitting, read back by the service
    events = audit.get_events(sitting, action="flag_kept")
    assert [(e.entity_id, e.detail["item"], e.reason) for e in events] == [("ADM", "Q4", "content checked: A is right")]
    assert kept_flags(sitting, "ADM")["Q4"].by == "m.jansen"


def test_a_keep_covers_only_the_flags_it_named(sitting: Session) -> None:
    """A keep recorded for fewer flags than are raised now leaves the others open."""
    audit.record(sitting, actor="c", action="flag_kept", entity_type="administration", entity_id="ADM",
                 detail={"item": "Q4", "codes": ["rir_negative"]}, reason="only the Rir was discussed")
    sitting.flush()
    (open_item,) = release_checklist(sitting, "ADM").open_items
    assert open_item.open_codes == ("miskey_rar",)


@pytest.mark.parametrize("item, reason, error, says", [
    ("Q4", "  ", UserError, "reason"),
    ("Q1", "fine", RuleError, "Q1 has no critical flag"),
    ("NOPE", "fine", NotFoundError, "NOPE is not on form"),
])
def test_keeping_is_refused_without_reason_flag_or_item(sitting: Session, item: str, reason: str, error: type,
                                                       says: str) -> None:
    with pytest.raises(error, match=says):
        keep_flags(sitting, "ADM", item, reason=reason, actor="c")
    assert audit.get_events(sitting, action="flag_kept") == []


def test_keeping_twice_is_refused(sitting: Session) -> None:
    keep_flags(sitting, "ADM", "Q4", reason="checked", actor="c")
    with pytest.raises(RuleError, match="kept already"):
        keep_flags(sitting, "ADM", "Q4", reason="again", actor="c")


NO_CUT = '''name = "no cut"
[parts.theory]
[grade]
method = "none"
'''


def test_without_any_cut_the_checklist_says_so_and_a_committee_cut_fixes_it(sitting: Session) -> None:
    committee.add_rule_set(sitting, "NOCUT", NO_CUT, actor="sec")
    committee.assign_rule_set(sitting, "ADM", "NOCUT", actor="sec")
    committee.add_decision(sitting, "ADM", "Q4", "rekey", "B", reason="miskeyed", actor="c")
    cut = _check(release_checklist(sitting, "ADM"), "cut")
    assert not cut.passed and "neither the committee nor rule set NOCUT v1 fixes one" in cut.problems[0]
    committee.set_cut_score(sitting, "ADM", {"kind": "points", "value": 3}, reason="agreed", actor="c")
    proposed = _check(release_checklist(sitting, "ADM"), "cut")  # proposed by the committee, not fixed yet
    assert not proposed.passed and "proposed but not fixed" in proposed.problems[0]
    committee.fix_cut(sitting, "ADM", reason="as proposed", actor="sec")
    checklist = release_checklist(sitting, "ADM")
    notes = _check(checklist, "cut").notes
    assert checklist.ready and notes[0] == "the committee's cut for total: 3 points (agreed)"
    assert notes[1].startswith("Fixed by sec on ")


def test_a_cut_recorded_after_the_fixing_must_be_fixed_again(sitting: Session) -> None:
    committee.add_decision(sitting, "ADM", "Q4", "rekey", "B", reason="miskeyed", actor="c")
    assert release_checklist(sitting, "ADM").ready
    committee.set_cut_score(sitting, "ADM", {"kind": "percent", "value": 60}, reason="lower", actor="c")
    assert release_checklist(sitting, "ADM").missing == [
        'The cut score is proposed but not fixed: the secretary fixes it on the cut-score page '
        '(or: itembank decide fix-cut ADM --reason "...").']


def test_a_decision_without_a_reason_is_named(sitting: Session) -> None:
    # add_decision refuses a blank reason; a row written another way must still be caught.
    admin = sitting.scalar(select(Administration).where(Administration.code == "ADM"))
    q4 = next(fi for fi in sitting.scalars(select(FormItem)) if fi.item_version.item.code == "Q4")
    row = Decision(administration_id=admin.id, form_item_id=q4.id, action="rekey", value="B", reason=" ",
                   decided_by="c")
    sitting.add(row)
    sitting.flush()
    checklist = release_checklist(sitting, "ADM")
    assert _check(checklist, "flags").passed  # decided
    assert checklist.missing == [f"decision {row.id} (rekey B on Q4) has no reason"]


def test_a_release_is_refused_until_the_checklist_passes(sitting: Session) -> None:
    with pytest.raises(ChecklistNotMet, match="Q4") as refused:
        release_with_checklist(sitting, "ADM", actor="sec")
    assert not refused.value.checklist.ready
    assert sitting.scalars(select(Release)).all() == []
    committee.add_decision(sitting, "ADM", "Q4", "rekey", "B", reason="miskeyed", actor="c")
    checked = release_with_checklist(sitting, "ADM", actor="sec", note="n")
    assert not checked.forced and checked.outcome.release.revision == 1
    assert audit.get_events(sitting, action=FORCED_ACTION) == []
    assert results.verify_release(checked.outcome.release)


def test_a_forced_release_needs_a_reason_and_is_audited_with_what_was_missing(sitting: Session) -> None:
    with pytest.raises(ChecklistNotMet):
        release_with_checklist(sitting, "ADM", actor="sec", force_reason="  ")
    checked = release_with_checklist(sitting, "ADM", actor="sec", force_reason="court order")
    assert checked.forced and checked.outcome.release.revision == 1
    (event,) = audit.get_events(sitting, action=FORCED_ACTION)
    assert event.reason == "court order" and event.detail["revision"] == 1
    assert event.detail["missing"] == checked.checklist.missing and "Q4" in event.detail["missing"][0]
