"""The bank service on a real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from itembank.services import administrations
from itembank.services import forms
from itembank.services import bank
from itembank.services.bank import ItemContent
from itembank.errors import ConflictError, NotFoundError, RuleError, UserError
from itembank.storage.models import ItemVersion, ReviewState, ReviewStatus

FOUR = (("A", "Wear gloves"), ("B", "Wear goggles"), ("C", "Wear a helmet"), ("D", "Wear boots"))


def content(stem: str = "What protects your eyes against splashes?", key: str = "B",
            language: str = "en", **kw) -> ItemContent:
    return ItemContent(stem=stem, options=FOUR, key=(key,), language=language, **kw)


def make_spec(session: Session) -> None:
    bank.add_specification(
        session, "SPEC", "Safety basics",
        objectives=[("LO1", "PPE"), ("LO2", "Fire")], levels=[("K", "Knowledge"), ("A", "Application")],
        topics=[("eyes", "Eye protection")], actor="admin",
    )


def approved_item(session: Session, code: str, **kw) -> ItemVersion:
    v = bank.add_item(session, code, content(**kw), author="writer", specification="SPEC",
                      tags=[("objective", "LO1"), ("level", "K")])
    bank.set_status(session, code, v.number, "in_review", actor="writer")
    bank.set_status(session, code, v.number, "approved", actor="committee")
    return v


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        make_spec(s)
        s.commit()
        yield s


def test_revision_creates_a_new_version_and_keeps_the_old_one(session: Session) -> None:
    bank.add_item(session, "Q1", content(), author="writer", specification="SPEC")
    session.commit()
    v2 = bank.revise_item(session, "Q1", based_on=1, author="editor",
                          change_note="clearer stem", stem="Which equipment protects your eyes?")
    session.commit()
    v1 = bank.get_version(session, "Q1", 1)
    assert (v1.number, v1.stem) == (1, "What protects your eyes against splashes?")
    assert (v2.number, v2.stem, v2.author) == (2, "Which equipment protects your eyes?", "editor")
    assert bank.get_version(session, "Q1").number == 2
    assert v2.review.status is ReviewStatus.DRAFT


def test_item_version_cannot_be_changed_through_the_orm(session: Session) -> None:
    v = bank.add_item(session, "Q1", content(), author="writer")
    session.commit()
    v.stem = "tampered"
    with pytest.raises(RuleError, match="cannot be changed"):
        session.flush()
    session.rollback()
    assert bank.get_version(session, "Q1", 1).stem == "What protects your eyes against splashes?"


def test_item_version_cannot_be_deleted_through_the_orm(session: Session) -> None:
    v = bank.add_item(session, "Q1", content(), author="writer")
    session.commit()
    session.delete(v)
    with pytest.raises(RuleError, match="cannot be deleted"):
        session.flush()
    session.rollback()


def test_database_refuses_update_and_delete_of_item_versions(session: Session, engine: Engine) -> None:
    bank.add_item(session, "Q1", content(), author="writer")
    session.commit()
    with engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(update(ItemVersion).values(stem="tampered"))
        conn.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("DELETE FROM item_versions"))
        conn.rollback()
        assert conn.execute(text("SELECT stem FROM item_versions")).scalar_one() == \
            "What protects your eyes against splashes?"


def test_concurrent_revisions_conflict_instead_of_overwriting(session: Session, engine: Engine) -> None:
    bank.add_item(session, "Q1", content(), author="writer")
    session.commit()
    # Two writers open version 1 at the same time, in two sessions.
    with Session(engine) as first, Session(engine) as second:
        bank.get_item(first, "Q1")
        bank.get_item(second, "Q1")
        bank.revise_item(first, "Q1", based_on=1, author="ann", change_note="typo", stem="Ann's stem?")
        first.commit()
        with pytest.raises(ConflictError, match="changed by somebody else|has been saved since"):
            bank.revise_item(second, "Q1", based_on=1, author="bob", change_note="typo", stem="Bob's stem?")
            second.commit()
        second.rollback()
    session.expire_all()
    assert [v.stem for v in bank.get_item(session, "Q1").versions] == [
        "What protects your eyes against splashes?", "Ann's stem?"]


def test_revision_based_on_an_old_version_is_refused(session: Session) -> None:
    bank.add_item(session, "Q1", content(), author="writer")
    bank.revise_item(session, "Q1", based_on=1, author="ann", change_note="x", stem="Second?")
    with pytest.raises(ConflictError, match="version 2 has been saved since"):
        bank.revise_item(session, "Q1", based_on=1, author="bob", change_note="y", stem="Third?")


def test_stale_status_change_is_a_conflict(session: Session, engine: Engine) -> None:
    bank.add_item(session, "Q1", content(), author="writer")
    session.commit()
    with Session(engine) as first, Session(engine) as second:
        s1 = first.get(ReviewState, bank.get_version(first, "Q1").id)
        s2 = second.get(ReviewState, bank.get_version(second, "Q1").id)
        assert s1 is not None and s2 is not None
        bank.set_status(first, "Q1", 1, "in_review", actor="ann")
        first.commit()
        with pytest.raises(ConflictError):
            bank.set_status(second, "Q1", 1, "retired", actor="bob")
        second.rollback()
    # the same check with the lock number the user saw on screen
    state = session.get(ReviewState, bank.get_version(session, "Q1").id)
    session.refresh(state)
    with pytest.raises(ConflictError, match="changed by somebody else"):
        bank.set_status(session, "Q1", 1, "approved", actor="ann", expected_lock=state.lock_version - 1)


def test_review_workflow_records_every_transition(session: Session) -> None:
    bank.add_item(session, "Q1", content(), author="writer")
    bank.set_status(session, "Q1", 1, "in_review", actor="writer", comment="please review")
    bank.set_status(session, "Q1", 1, "draft", actor="reviewer", comment="key unclear")
    bank.set_status(session, "Q1", 1, "in_review", actor="writer")
    bank.set_status(session, "Q1", 1, "approved", actor="reviewer")
    with pytest.raises(RuleError, match="approved; it cannot become draft"):
        bank.set_status(session, "Q1", 1, "draft", actor="writer")
    assert bank.retire_item(session, "Q1", actor="reviewer", comment="outdated") == [1]
    history = [(h.what, h.detail) for h in bank.item_history(session, "Q1")]
    assert history == [
        ("version created", "new item (status draft)"),
        ("status", "draft -> in_review: please review"),
        ("status", "in_review -> draft: key unclear"),
        ("status", "draft -> in_review"),
        ("status", "in_review -> approved"),
        ("status", "approved -> retired: outdated"),
    ]


def test_a_version_is_never_approved_by_its_own_author(session: Session) -> None:
    bank.add_item(session, "Q1", content(), author="ann")
    bank.set_status(session, "Q1", 1, "in_review", actor="ann")
    with pytest.raises(RuleError, match="cannot be approved by its own author"):
        bank.set_status(session, "Q1", 1, "approved", actor="ann")
    assert session.get(ReviewState, bank.get_version(session, "Q1").id).status.value == "in_review"
    bank.set_status(session, "Q1", 1, "approved", actor="bob")
    # a revision is the reviser's own: ann may approve bob's revision of her item, bob not
    bank.revise_item(session, "Q1", based_on=1, author="bob", change_note="clearer stem", stem="Which gloves?")
    bank.set_status(session, "Q1", 2, "in_review", actor="bob")
    with pytest.raises(RuleError, match="four-eyes"):
        bank.set_status(session, "Q1", 2, "approved", actor="bob")
    bank.set_status(session, "Q1", 2, "approved", actor="ann")


def test_tag_untag_and_search(session: Session) -> None:
    approved_item(session, "Q1")
    bank.add_item(session, "Q2", content(stem="Which extinguisher for an oil fire?", key="C"),
                  author="writer", specification="SPEC", tags=[("objective", "LO2")])
    bank.add_item(session, "Q3", content(stem="Oogbescherming?", language="nl"), author="writer",
                  specification="SPEC")
    bank.tag_version(session, "Q3", 1, "topic", "eyes", actor="writer")
    assert [v.item.code for v in bank.find_versions(session, tag="objective:LO1")] == ["Q1"]
    assert [v.item.code for v in bank.find_versions(session, tag="LO2")] == ["Q2"]
    assert [v.item.code for v in bank.find_versions(session, tag="eyes")] == ["Q3"]
    assert [v.item.code for v in bank.find_versions(session, status="approved")] == ["Q1"]
    assert [v.item.code for v in bank.find_versions(session, language="nl")] == ["Q3"]
    assert [v.item.code for v in bank.find_versions(session, text="EXTINGUISHER")] == ["Q2"]
    assert [v.item.code for v in bank.find_versions(session, text="goggles")] == ["Q1", "Q2", "Q3"]
    bank.untag_version(session, "Q3", 1, "topic", "eyes", actor="writer")
    assert bank.find_versions(session, tag="eyes") == []
    with pytest.raises(UserError, match="unknown objective code 'LO9'"):
        bank.tag_version(session, "Q1", 1, "objective", "LO9", actor="writer")


def test_diff_lists_changed_fields_with_a_line_diff(session: Session) -> None:
    bank.add_item(session, "Q1", content(), author="writer")
    bank.revise_item(session, "Q1", based_on=1, author="ed", change_note="rekey and new option",
                     key="A", options=(("A", "Wear gloves"), ("B", "Wear safety goggles"),
                                       ("C", "Wear a helmet"), ("D", "Wear boots")))
    changes = {c.field: c for c in bank.diff_versions(session, "Q1", 1, 2)}
    assert set(changes) == {"options", "key"}
    assert (changes["key"].old, changes["key"].new) == ("B", "A")
    assert "-B) Wear goggles" in changes["options"].unified_diff
    assert "+B) Wear safety goggles" in changes["options"].unified_diff


def test_content_rules_are_enforced(session: Session) -> None:
    with pytest.raises(UserError, match="key X is not among the options"):
        bank.add_item(session, "Q1", content(key="X"), author="w")
    with pytest.raises(UserError, match="at least two options"):
        bank.add_item(session, "Q1", ItemContent(stem="s", options=(("A", "a"),), key=("A",)), author="w")
    with pytest.raises(UserError, match="stem .* is empty"):
        bank.add_item(session, "Q1", content(stem="  "), author="w")
    with pytest.raises(UserError, match="unknown language code 'xx'"):
        bank.add_item(session, "Q1", content(language="xx"), author="w")
    with pytest.raises(UserError, match="positive number"):
        bank.add_item(session, "Q1", content(max_score=Decimal(0)), author="w")


def test_exposure_counts_forms_administrations_and_candidates(session: Session) -> None:
    import pandas as pd

    v1 = approved_item(session, "Q1")
    v2 = approved_item(session, "Q2", stem="Second question?")
    forms.freeze_form(session, "F1", [v1.id, v2.id], actor="committee")
    forms.freeze_form(session, "F2", [v1.id], actor="committee")
    administrations.add_administration(session, "ADM1", "F1", on=date(2025, 3, 1), actor="sec")
    administrations.add_administration(session, "ADM2", "F2", on=date(2025, 6, 1), actor="sec")
    administrations.add_responses(session, "ADM1", pd.DataFrame({"Q1": ["B", "A", None], "Q2": ["B", "B", "C"]},
                                                      index=["c1", "c2", "c3"]), actor="sec")
    administrations.add_responses(session, "ADM2", pd.DataFrame({"Q1": ["B"]}, index=["c4"]), actor="sec")
    (e1,) = bank.exposure(session, "Q1", 1)
    assert (e1.forms, e1.n_forms, e1.n_administrations, e1.n_candidates, e1.last_used) == \
        (("F1", "F2"), 2, 2, 4, date(2025, 6, 1))
    (e2,) = bank.exposure(session, "Q2")
    assert (e2.n_forms, e2.n_candidates, e2.last_used) == (1, 3, date(2025, 3, 1))
    choices = administrations.get_responses(session, "ADM1")
    assert choices.loc["c2", "Q1"] == "A" and pd.isna(choices.loc["c3", "Q1"])


def test_form_keeps_the_key_it_was_frozen_with(session: Session) -> None:
    v1 = approved_item(session, "Q1")
    form = forms.freeze_form(session, "F1", [v1.id], actor="committee")
    bank.revise_item(session, "Q1", based_on=1, author="ed", change_note="rekey", key="A")
    session.expire_all()
    assert forms.get_form(session, "F1").items[0].key == ["B"]
    assert form.frozen_at is not None


def test_only_approved_versions_go_on_a_form(session: Session) -> None:
    v = bank.add_item(session, "Q1", content(), author="writer")
    with pytest.raises(RuleError, match="Q1 version 1 is draft, not approved"):
        forms.freeze_form(session, "F1", [v.id], actor="committee")


def test_database_refuses_changes_to_a_frozen_form(session: Session, engine: Engine) -> None:
    v1 = approved_item(session, "Q1")
    forms.freeze_form(session, "F1", [v1.id], actor="committee")
    session.commit()
    with engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("UPDATE form_items SET key = '[\"A\"]'"))
        conn.rollback()


def test_duplicate_item_code_is_refused(session: Session) -> None:
    bank.add_item(session, "Q1", content(), author="writer")
    with pytest.raises(UserError, match="already exists"):
        bank.add_item(session, "Q1", content(), author="writer")


def test_enemy_pairs_are_stored_once(session: Session) -> None:
    bank.add_item(session, "Q1", content(), author="w")
    bank.add_item(session, "Q2", content(), author="w")
    p1 = bank.add_enemy_pair(session, "Q2", "Q1", reason="same fact", actor="c")
    p2 = bank.add_enemy_pair(session, "Q1", "Q2", reason="same fact", actor="c")
    assert p1.id == p2.id
    with pytest.raises(IntegrityError):
        session.execute(text("INSERT INTO enemy_pairs (item_a_id, item_b_id, reason, created_at) "
                             "VALUES (2, 1, '', '2025-01-01')"))


def test_a_revision_changes_max_score_and_tags_and_the_history_shows_the_tag_change(session: Session) -> None:
    bank.add_item(session, "Q1", content(), author="writer", specification="SPEC",
                  tags=[("objective", "LO1"), ("level", "K")])
    v2 = bank.revise_item(session, "Q1", based_on=1, author="ed", change_note="reclassified, two points",
                          max_score="2", tags=[("objective", "LO2"), ("level", "K"), ("topic", "eyes")])
    session.commit()
    v1 = bank.get_version(session, "Q1", 1)
    assert (v1.max_score, sorted((t.dimension.value, t.code) for t in v1.tags)) == (
        Decimal(1), [("level", "K"), ("objective", "LO1")])  # the old version keeps its score and tags
    assert (v2.max_score, sorted((t.dimension.value, t.code) for t in v2.tags)) == (
        Decimal(2), [("level", "K"), ("objective", "LO2"), ("topic", "eyes")])
    changed = [(h.version, h.actor, h.detail) for h in bank.item_history(session, "Q1") if h.what == "tags changed"]
    assert changed == [(2, "ed", "+objective LO2, +topic eyes, -objective LO1")]
    # a change of tags alone is a revision too; tags=None carries them over
    v3 = bank.revise_item(session, "Q1", based_on=2, author="ed", change_note="topic was wrong", tags=[
        ("objective", "LO2"), ("level", "K")])
    v4 = bank.revise_item(session, "Q1", based_on=3, author="ed", change_note="typo", stem="What protects eyes?")
    assert [t.code for t in v3.tags] == [t.code for t in v4.tags] == ["LO2", "K"]
    assert [h.detail for h in bank.item_history(session, "Q1") if h.what == "tags changed"][-1] == "-topic eyes"
    with pytest.raises(UserError, match="changes nothing"):
        bank.revise_item(session, "Q1", based_on=4, author="ed", change_note="same", tags=[("level", "K"),
                                                                                           ("objective", "LO2")])


def test_unknown_tag_codes_in_a_revision_are_all_named_with_the_specification_s_codes(session: Session) -> None:
    bank.add_item(session, "Q1", content(), author="writer", specification="SPEC")
    with pytest.raises(UserError) as raised:
        bank.revise_item(session, "Q1", based_on=1, author="ed", change_note="tags",
                         tags=[("objective", "LO9"), ("level", "X"), ("objective", "LO1")])
    assert str(raised.value) == (
        "item Q1: unknown objective code 'LO9' in specification 'SPEC' (its objective codes are LO1, LO2); "
        "unknown level code 'X' in specification 'SPEC' (its level codes are A, K)")
    with pytest.raises(UserError, match="maximum score|max_score"):
        bank.revise_item(session, "Q1", based_on=1, author="ed", change_note="score", max_score="twee")
    assert bank.get_item(session, "Q1").current_number == 1  # nothing saved
    bank.add_item(session, "FREE", content(), author="writer")  # no specification: no tags
    with pytest.raises(UserError, match="tags need a test specification"):
        bank.revise_item(session, "FREE", based_on=1, author="ed", change_note="tags", tags=[("level", "K")])


def test_enemy_pairs_are_listed_from_both_sides_and_removed_with_an_audited_reason(session: Session) -> None:
    from itembank.storage import audit

    for code in ("Q1", "Q2", "Q3"):
        bank.add_item(session, code, content(), author="w")
    bank.add_enemy_pair(session, "Q2", "Q1", reason="same fact", actor="c")
    bank.add_enemy_pair(session, "Q1", "Q3", reason="Q3 shows the answer", actor="c")
    with pytest.raises(UserError, match="reason"):
        bank.add_enemy_pair(session, "Q2", "Q3", reason="  ", actor="c")
    assert [(e.code, e.reason) for e in bank.enemies(session, "Q1")] == [("Q2", "same fact"),
                                                                         ("Q3", "Q3 shows the answer")]
    assert [e.code for e in bank.enemies(session, "Q2")] == ["Q1"]
    with pytest.raises(UserError, match="reason"):
        bank.remove_enemy_pair(session, "Q1", "Q2", reason="", actor="c")
    bank.remove_enemy_pair(session, "Q1", "Q2", reason="Q1 was rewritten", actor="c2")
    session.commit()
    assert [e.code for e in bank.enemies(session, "Q1")] == ["Q3"] and bank.enemies(session, "Q2") == []
    with pytest.raises(NotFoundError, match="not an enemy pair"):
        bank.remove_enemy_pair(session, "Q2", "Q1", reason="again", actor="c")
    (removed,) = audit.get_events(session, entity_type="item", action="unenemy")
    assert (removed.actor, removed.entity_id, removed.detail, removed.reason) == (
        "c2", "Q1", {"enemy": "Q2", "added_with_reason": "same fact"}, "Q1 was rewritten")
    # both items' histories show the pair added and removed (recorded under the item named first)
    assert [(h.what, h.detail) for h in bank.item_history(session, "Q2") if h.what.startswith("enemy")] == [
        ("enemy pair added", "Q1: same fact"), ("enemy pair removed", "Q1: Q1 was rewritten")]
