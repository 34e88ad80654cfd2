"""A committee's key correction carried into every line of the item (issue #13): the Dutch
source, its English translation and its read-aloud variant share option labels in the same
order, so the wrong key is wrong in each; each line gets a draft with the corrected key,
a line whose key somebody changed is named, not overwritten. SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itembank.errors import ConflictError
from itembank.services import bank, committee
from itembank.services.key_corrections import carry_rekey_into_bank, carry_rekey_into_lines
from itembank.storage.models import ReviewState

EN = tuple((x, f"option {x} (en)") for x in "ABCD")


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        yield s


def exam(session: Session, flextoets_exam) -> int:
    """Q01 (Dutch, key A, v1 on form F of sitting ADM), its English translation v2 and its
    read-aloud variant v3, both made from v1; the committee rekeys Q01 to C."""
    codes = ["Q01", "Q02"]
    flextoets_exam(session, codes, pd.DataFrame([list("CA")], index=["c1"], columns=codes))
    bank.revise_item(session, "Q01", based_on=1, author="tom", change_note="English", language="en",
                     stem="Q01 in English?", options=EN)
    bank.revise_item(session, "Q01", based_on=1, author="tom", change_note="read aloud", target_based_on=0,
                     variant="read_aloud", stem="Q01, read aloud?")
    return committee.add_decision(session, "ADM", "Q01", "rekey", "C", reason="key error", actor="m.jansen").id


def test_a_rekey_is_carried_into_every_line_as_drafts(session: Session, flextoets_exam) -> None:
    rekey = exam(session, flextoets_exam)
    carry = carry_rekey_into_lines(session, rekey, actor="m.jansen")
    got = [(v.number, v.language, v.variant.value, tuple(v.key)) for v in carry.corrected]
    assert got == [(4, "nl", "standard", ("C",)), (5, "en", "standard", ("C",)), (6, "nl", "read_aloud", ("C",))]
    assert all(session.get(ReviewState, v.id).status.value == "draft" for v in carry.corrected)
    assert carry.skipped == []
    # the other content of each line is as it was; the earlier versions keep key A
    assert bank.get_version(session, "Q01", 5).stem == "Q01 in English?"
    assert [tuple(bank.get_version(session, "Q01", n).key) for n in (1, 2, 3)] == [("A",)] * 3
    # the translations were up to date with source v1, so they are up to date with the corrected v4
    assert [(line.newest, line.translated_from, line.out_of_date) for line in bank.item_lines(session, "Q01")] == [
        (4, None, False), (5, 4, False), (6, 4, False)]
    assert "carried into the English (standard) line" in bank.get_version(session, "Q01", 5).change_note
    assert carry.summary() == ("Q01: the key is corrected to C in every line as a draft for review: version(s) "
                               "4 (Dutch (standard)), 5 (English (standard)), 6 (Dutch (read-aloud)).")


def test_a_line_with_another_key_is_named_not_overwritten(session: Session, flextoets_exam) -> None:
    rekey = exam(session, flextoets_exam)
    # the English translator had already changed the key to B (v4): a person must look
    bank.revise_item(session, "Q01", based_on=2, author="tom", change_note="key", key=("B",))
    corrected = carry_rekey_into_bank(session, rekey, actor="m.jansen")
    assert (corrected.number, corrected.language, tuple(corrected.key)) == (5, "nl", ("C",))
    lines = {line.label: line for line in bank.item_lines(session, "Q01")}
    assert tuple(bank.get_version(session, "Q01", lines["English (standard)"].newest).key) == ("B",)
    assert lines["English (standard)"].newest == 4 and lines["English (standard)"].out_of_date  # made from v1 < v5
    assert lines["Dutch (read-aloud)"].newest == 6


def test_the_summary_names_the_lines_left_alone(session: Session, flextoets_exam) -> None:
    rekey = exam(session, flextoets_exam)
    bank.revise_item(session, "Q01", based_on=2, author="tom", change_note="key", key=("B",))
    carry = carry_rekey_into_lines(session, rekey, actor="m.jansen")
    assert [v.number for v in carry.corrected] == [5, 6]
    assert carry.skipped == [("English (standard)", "version 4 has the key B, not A as on the form: check it by hand")]
    assert carry.summary().endswith("Not in English (standard): version 4 has the key B, not A as on the form: "
                                    "check it by hand.")


def test_a_newer_version_in_the_form_s_line_refuses_before_any_line_is_written(session: Session,
                                                                              flextoets_exam) -> None:
    rekey = exam(session, flextoets_exam)
    bank.revise_item(session, "Q01", based_on=1, author="ann", change_note="typo", stem="Q01, better?")
    with pytest.raises(ConflictError, match="the newest Dutch \\(standard\\) version is 4, the form used 1 "
                                            "\\(version 4 has been saved since\\)"):
        carry_rekey_into_lines(session, rekey, actor="m.jansen")
    assert bank.get_item(session, "Q01").current_number == 4  # nothing written in the other lines


def test_a_rekey_on_a_form_of_the_translation_corrects_the_source_first(session: Session, flextoets_exam) -> None:
    """Form F2 used Q01's English v2; its rekey corrects the Dutch source (v4) and the English
    line (v5, the form's line, returned first), and the English stays up to date with the
    corrected source; the read-aloud variant (v6) too."""
    from datetime import date

    from itembank.services import administrations, forms

    exam(session, flextoets_exam)
    bank.set_status(session, "Q01", 2, "in_review", actor="tom")
    bank.set_status(session, "Q01", 2, "approved", actor="c")
    forms.freeze_form(session, "F2", [forms.FormEntry(bank.get_version(session, "Q01", 2).id, part="theory")],
                      actor="c")
    administrations.add_administration(session, "ADM2", "F2", on=date(2025, 12, 1), actor="sec")
    rekey = committee.add_decision(session, "ADM2", "Q01", "rekey", "D", reason="key error", actor="m.jansen").id
    carry = carry_rekey_into_lines(session, rekey, actor="m.jansen")
    assert [(v.number, v.language, v.variant.value, tuple(v.key)) for v in carry.corrected] == [
        (5, "en", "standard", ("D",)), (4, "nl", "standard", ("D",)), (6, "nl", "read_aloud", ("D",))]
    assert [(line.newest, line.translated_from, line.out_of_date) for line in bank.item_lines(session, "Q01")] == [
        (4, None, False), (5, 4, False), (6, 4, False)]
