"""An item's lines: the versions of one language and variant (the Dutch source, its English
translation, the read-aloud variant) lock on their own, the source line is shown first, a
translation made from an older source version is out of date; and an item moves into an item
set. On SQLite and PostgreSQL.

The scenario of issue #13: nl v1 is written, its English translation saved as v2; the Dutch
writer then revises the source from v1 (no conflict: v2 is in another line), while an edit of
an old Dutch version is still refused."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank.cli import app
from itembank.errors import ConflictError, NotFoundError, UserError
from itembank.services import bank
from itembank.services.bank import ItemContent
from itembank.storage.db import make_engine
from itembank.storage.models import ReviewStatus, Variant

NL = (("A", "Handschoenen"), ("B", "Een veiligheidsbril"), ("C", "Een helm"))
EN = (("A", "Gloves"), ("B", "Safety goggles"), ("C", "A helmet"))


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        bank.add_item(s, "Q1", ItemContent(stem="Wat beschermt je ogen?", options=NL, key=("B",), language="nl"),
                      author="ann")
        bank.revise_item(s, "Q1", based_on=1, author="tom", change_note="English translation", language="en",
                         stem="What protects your eyes?", options=EN)
        s.commit()
        yield s


def test_the_source_is_revised_from_its_newest_version_after_a_translation_was_saved(session: Session) -> None:
    v3 = bank.revise_item(session, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen het best?")
    assert (v3.number, v3.language) == (3, "nl")  # one number sequence per item
    with pytest.raises(ConflictError) as stale:  # an edit of the old Dutch version: somebody saved v3 in its line
        bank.revise_item(session, "Q1", based_on=1, author="bob", change_note="typo", stem="Wat beschermt de ogen?")
    assert str(stale.value).startswith("item Q1: the newest Dutch (standard) version is 3, you edited 1")
    v4 = bank.revise_item(session, "Q1", based_on=2, author="tom", change_note="typo", stem="What protects the eyes?")
    assert (v4.number, v4.language) == (4, "en")  # the English line's newest was 2: no conflict from nl v3
    with pytest.raises(ConflictError, match="the newest English \\(standard\\) version is 4, you edited 2"):
        bank.revise_item(session, "Q1", based_on=2, author="bob", change_note="x", stem="Who protects the eyes?")


def test_a_translation_into_a_line_somebody_saved_since_is_a_conflict(session: Session) -> None:
    bank.revise_item(session, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen het best?")
    # a translator opened nl v3 while the English line's newest was 2; a colleague saves English v4
    bank.revise_item(session, "Q1", based_on=2, author="bob", change_note="typo", stem="What protects the eyes?")
    with pytest.raises(ConflictError, match="the newest English \\(standard\\) version is 4, you saw 2"):
        bank.revise_item(session, "Q1", based_on=3, target_based_on=2, author="tom", change_note="retranslated",
                         language="en", stem="What protects your eyes best?", options=EN)
    # without target_based_on (a script): an English version newer than the one edited counts as saved since
    with pytest.raises(ConflictError, match="English \\(standard\\) version is 4, saved after the version you edited \\(3\\)"):
        bank.revise_item(session, "Q1", based_on=3, author="tom", change_note="retranslated", language="en",
                         stem="What protects your eyes best?", options=EN)
    v5 = bank.revise_item(session, "Q1", based_on=3, target_based_on=4, author="tom", change_note="retranslated",
                          language="en", stem="What protects your eyes best?", options=EN)
    assert (v5.number, v5.language) == (5, "en")
    # the first read-aloud version: the writer saw no such line (0)
    v6 = bank.revise_item(session, "Q1", based_on=3, target_based_on=0, author="ann", change_note="voorleesversie",
                          variant="read_aloud")
    assert (v6.language, v6.variant) == ("nl", Variant.READ_ALOUD)


def test_the_lines_list_the_source_first_and_a_translation_of_an_older_source_is_out_of_date(session: Session) -> None:
    lines = bank.item_lines(session, "Q1")
    assert [(x.label, x.newest, x.is_source, x.translated_from, x.out_of_date) for x in lines] == [
        ("Dutch (standard)", 1, True, None, False), ("English (standard)", 2, False, 1, False)]
    bank.revise_item(session, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen het best?")
    english = bank.item_lines(session, "Q1")[1]
    assert (english.translated_from, english.source_newest, english.out_of_date) == (1, 3, True)
    assert bank.out_of_date(session, "Q1", 2) == (1, 3)
    # a typo fixed inside the English line is still made from source v1: still out of date
    bank.revise_item(session, "Q1", based_on=2, author="tom", change_note="typo", stem="What protects the eyes?")
    assert bank.out_of_date(session, "Q1", 4) == (1, 3)
    # the translator brings it up to date with the new source: the marker goes
    bank.revise_item(session, "Q1", based_on=4, author="tom", change_note="after nl v3", translated_from=3,
                     stem="What protects your eyes best?")
    english = bank.item_lines(session, "Q1")[1]
    assert (english.newest, english.translated_from, english.out_of_date) == (5, 3, False)
    assert bank.out_of_date(session, "Q1", 5) is None and bank.out_of_date(session, "Q1", 1) is None
    # a read-aloud variant made from the English version counts from the source version that one was made from
    v6 = bank.revise_item(session, "Q1", based_on=5, target_based_on=0, author="ann", change_note="read aloud",
                          variant="read_aloud")
    assert bank.translations(session, "Q1")[v6.number] == 3
    assert [x.label for x in bank.item_lines(session, "Q1")] == [
        "Dutch (standard)", "English (read-aloud)", "English (standard)"]


def test_translated_from_must_name_a_source_version_and_an_unchanged_check_is_a_version(session: Session) -> None:
    bank.revise_item(session, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen het best?")
    with pytest.raises(UserError, match="translated_from must be a Dutch \\(standard\\) \\(source\\) version, got 2"):
        bank.revise_item(session, "Q1", based_on=2, author="tom", change_note="x", translated_from=2, stem="Eyes?")
    with pytest.raises(UserError, match="it is translated from nothing"):
        bank.revise_item(session, "Q1", based_on=3, author="ann", change_note="x", translated_from=1, stem="Ogen?")
    with pytest.raises(UserError, match="changes nothing"):
        bank.revise_item(session, "Q1", based_on=2, author="tom", change_note="checked")
    # the translator checked the English text against nl v3 and it still fits: recorded as v4, made from v3
    v4 = bank.revise_item(session, "Q1", based_on=2, author="tom", change_note="checked against v3", translated_from=3)
    assert v4.stem == "What protects your eyes?" and bank.out_of_date(session, "Q1", 4) is None


def test_a_line_is_found_by_language_and_variant_and_the_source_is_the_default(session: Session) -> None:
    bank.revise_item(session, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen het best?")
    assert bank.get_version(session, "Q1").number == 3  # the newest of all, as before
    assert bank.get_line_version(session, "Q1").number == 3
    bank.revise_item(session, "Q1", based_on=2, author="tom", change_note="typo", stem="What protects the eyes?")
    assert bank.get_line_version(session, "Q1").number == 3  # not the English v4
    assert bank.get_line_version(session, "Q1", "en").number == 4
    with pytest.raises(NotFoundError, match="item Q1 has no Dutch \\(read-aloud\\) version \\(it has Dutch "
                                            "\\(standard\\), English \\(standard\\)\\)"):
        bank.get_line_version(session, "Q1", variant="read_aloud")


def test_an_item_moves_into_an_item_set_and_out_with_its_reason_in_the_history(session: Session) -> None:
    bank.add_item_set(session, "CASE1", title="Scaffold", stimulus="A scaffold of 6 m.", actor="ann")
    with pytest.raises(UserError, match="say why"):
        bank.assign_item_set(session, "Q1", "CASE1", actor="ann", reason=" ")
    with pytest.raises(NotFoundError, match="no item set 'CASE9' \\(the bank's item sets: CASE1\\)"):
        bank.assign_item_set(session, "Q1", "CASE9", actor="ann", reason="x")
    bank.assign_item_set(session, "Q1", "CASE1", actor="ann", reason="shares the scaffold case")
    session.commit()
    assert bank.get_item(session, "Q1").item_set.code == "CASE1"
    with pytest.raises(UserError, match="is in item set CASE1 already"):
        bank.assign_item_set(session, "Q1", "CASE1", actor="ann", reason="again")
    bank.assign_item_set(session, "Q1", None, actor="bob", reason="the case was dropped")
    session.commit()
    assert bank.get_item(session, "Q1").item_set is None
    moves = [(h.actor, h.what, h.detail) for h in bank.item_history(session, "Q1") if h.what == "item set"]
    assert moves == [("ann", "item set", "(none) -> CASE1: shares the scaffold case"),
                     ("bob", "item set", "CASE1 -> (none): the case was dropped")]


def _race(url: str, first, second) -> dict:
    """``first`` saves in one transaction and holds it open while ``second`` starts in another
    thread with its own engine (it must wait for the item's lock); then the first commits."""
    outcome: dict = {}

    def run_second() -> None:
        engine = make_engine(url)
        try:
            with Session(engine) as s:
                try:
                    outcome["value"] = second(s)
                    s.commit()
                except Exception as exc:  # noqa: BLE001 - handed to the test
                    s.rollback()
                    outcome["error"] = exc
        finally:
            engine.dispose()

    engine = make_engine(url)
    try:
        with Session(engine) as s:
            outcome["first"] = first(s)
            s.flush()
            thread = threading.Thread(target=run_second)
            thread.start()
            thread.join(timeout=1.0)  # time for the second to reach the lock; not an assertion on speed
            outcome["waited"] = thread.is_alive()
            s.commit()
        thread.join(timeout=60)
        assert not thread.is_alive()
    finally:
        engine.dispose()
    return outcome


def test_two_writers_in_two_lines_at_once_both_save_and_one_line_twice_conflicts(session: Session, db_url: str) -> None:
    def dutch(s: Session) -> int:
        return bank.revise_item(s, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen?!").number

    def english(s: Session) -> int:
        return bank.revise_item(s, "Q1", based_on=2, author="tom", change_note="typo", stem="What protects the eyes?").number

    both = _race(db_url, dutch, english)
    assert both["waited"] and "error" not in both, both.get("error")
    assert (both["first"], both["value"]) == (3, 4)
    stale = _race(db_url, lambda s: bank.revise_item(s, "Q1", based_on=3, author="ann", change_note="a", stem="Ogen?").number,
                  lambda s: bank.revise_item(s, "Q1", based_on=3, author="bob", change_note="b", stem="De ogen?").number)
    assert stale["first"] == 5
    assert isinstance(stale.get("error"), ConflictError), stale
    assert str(stale["error"]).startswith("item Q1: the newest Dutch (standard) version is 5, you edited 3")
    session.expire_all()
    assert [(v.number, v.language) for v in bank.get_item(session, "Q1").versions] == [
        (1, "nl"), (2, "en"), (3, "nl"), (4, "en"), (5, "nl")]


def test_items_show_opens_on_the_source_line_lists_the_lines_and_shows_one_line(session: Session, db_url: str) -> None:
    bank.revise_item(session, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen het best?")
    bank.set_status(session, "Q1", 2, ReviewStatus.IN_REVIEW, actor="tom", comment="ready")
    session.commit()
    runner = CliRunner()
    shown = runner.invoke(app, ["items", "show", "Q1", "--db", db_url])
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert out.startswith("Q1  version 3 (newest Dutch (standard), the source)  [draft]")
    assert "Wat beschermt je ogen het best?" in out and "What protects" not in out
    table = out[out.index("Lines (language"):].splitlines()[1:]
    assert [re.split(r"\s{2,}", row) for row in table if not row.startswith("--")] == [
        ["line", "newest", "status", "translated from"],
        ["Dutch (standard)", "3", "draft", "source"],
        ["English (standard)", "2", "in_review", "from v1, out of date: the source has changed since (v1 → v3)"]]
    english = runner.invoke(app, ["items", "show", "Q1", "--language", "en", "--db", db_url])
    assert english.exit_code == 0, english.output
    assert english.output.startswith("Q1  version 2 (newest English (standard))  [in_review]")
    assert "out of date: the source has changed since (v1 → v3)" in english.output.splitlines()[1]
    assert "What protects your eyes?" in english.output
    missing = runner.invoke(app, ["items", "show", "Q1", "--variant", "read_aloud", "--db", db_url])
    assert missing.exit_code == 2 and "item Q1 has no Dutch (read-aloud) version" in missing.output
    both = runner.invoke(app, ["items", "show", "Q1", "--version", "2", "--language", "en", "--db", db_url])
    assert both.exit_code == 2 and "--version or --language/--variant, not both" in both.output


def test_items_set_puts_an_item_into_a_set_from_the_command_line(session: Session, db_url: str) -> None:
    bank.add_item_set(session, "CASE1", title="Scaffold", stimulus="A scaffold of 6 m.", actor="ann")
    session.commit()
    runner = CliRunner()
    moved = runner.invoke(app, ["items", "set", "Q1", "CASE1", "--reason", "shares the case", "--user", "ann",
                                "--db", db_url])
    assert moved.exit_code == 0, moved.output
    assert moved.output.strip() == "Q1 is now in item set CASE1"
    out = runner.invoke(app, ["items", "set", "Q1", "--none", "--reason", "case dropped", "--user", "ann",
                              "--db", db_url])
    assert out.exit_code == 0 and out.output.strip() == "Q1 is now in no item set"
    refused = runner.invoke(app, ["items", "set", "Q1", "CASE9", "--reason", "x", "--user", "ann", "--db", db_url])
    assert refused.exit_code == 2 and "no item set 'CASE9'" in refused.output


def test_the_variant_choices_of_items_show_are_the_model_s_variants() -> None:
    from itembank.cli.bank import VariantChoice

    assert [c.value for c in VariantChoice] == [v.value for v in Variant]


def test_a_language_filter_finds_the_newest_version_of_that_language_s_lines(session: Session) -> None:
    """The English v2 is Q1's newest version; a search for Dutch items still finds Q1 (its v1)."""
    assert [(v.item.code, v.number) for v in bank.find_versions(session, language="nl")] == [("Q1", 1)]
    assert [(v.item.code, v.number) for v in bank.find_versions(session, language="en")] == [("Q1", 2)]
    bank.revise_item(session, "Q1", based_on=1, author="ann", change_note="read aloud", target_based_on=0,
                     variant="read_aloud")
    assert [(v.number, v.variant.value) for v in bank.find_versions(session, language="nl")] == [
        (1, "standard"), (3, "read_aloud")]
    assert [v.number for v in bank.find_versions(session)] == [3]  # without a language: the newest of all, as before
    assert [v.number for v in bank.find_versions(session, language="nl", latest_only=False)] == [1, 3]


def _old_style_version(session: Session, code: str, based_on: int, language: str, variant: str = "standard",
                       *, event: bool) -> int:
    """A version as older banks hold it: saved without ``translated_from`` in its revise event
    (``event``: only ``based_on``, as before translations were recorded) or with no revise event
    at all (a file import)."""
    from itembank.storage import audit

    item = bank.get_item(session, code)
    content = ItemContent.of(bank.get_version(session, code, based_on)).with_changes(language=language,
                                                                                    variant=Variant(variant))
    v = bank.add_version(session, item, content, author="imp", change_note="old", status=ReviewStatus.DRAFT,
                         actor="imp", tags=[], created_at=None)
    if event:
        audit.record(session, actor="imp", action="revise", entity_type="item", entity_id=code,
                     detail={"version": v.number, "based_on": based_on, "fields": []})
    return v.number


def test_the_lines_of_many_items_at_once_agree_with_the_single_item_answers(session: Session) -> None:
    """:func:`bank.translations_of` (one look-up for many items, used by ``items list`` and the
    bank grid) gives what :func:`bank.translations`, :func:`bank.item_lines` and
    :func:`bank.out_of_date` give per item, on a bank with translations up to date and out of date,
    a read-aloud variant made from a translation, an old-style event and an import without one;
    the expected values are worked out by hand from the rule in the docstring."""
    from sqlalchemy import event as sa_event

    s = session
    nl = ItemContent(stem="Vraag?", options=NL, key=("A",), language="nl")
    # Q1 (fixture): nl v1, en v2 from v1; the source revised to v3 -> en out of date
    bank.revise_item(s, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen het best?")
    # Q2: nl v1, en v2 from v1, nl v3, en v4 translated from v3 -> up to date; read-aloud v5 from en v4 -> from v3
    bank.add_item(s, "Q2", nl, author="ann")
    bank.revise_item(s, "Q2", based_on=1, author="tom", change_note="en", language="en", stem="Q?", options=EN)
    bank.revise_item(s, "Q2", based_on=1, author="ann", change_note="nl", stem="Vraag 2?")
    bank.revise_item(s, "Q2", based_on=2, author="tom", change_note="after v3", translated_from=3, stem="Q 2?")
    bank.revise_item(s, "Q2", based_on=4, target_based_on=0, author="ann", change_note="ra", variant="read_aloud")
    # Q3: source only
    bank.add_item(s, "Q3", nl, author="ann")
    # Q4: nl v1, an old-style en v2 based_on 1 (no translated_from), nl v3, old-style en v4 based_on en v2
    bank.add_item(s, "Q4", nl, author="ann")
    _old_style_version(s, "Q4", 1, "en", event=True)
    bank.revise_item(s, "Q4", based_on=1, author="ann", change_note="nl", stem="Vraag 4?")
    _old_style_version(s, "Q4", 2, "en", event=True)
    # Q5: nl v1, nl v2, an imported en v3 (no event: made from the newest source before it, v2), then nl v4
    bank.add_item(s, "Q5", nl, author="ann")
    bank.revise_item(s, "Q5", based_on=1, author="ann", change_note="nl", stem="Vraag 5?")
    _old_style_version(s, "Q5", 2, "en", event=False)
    bank.revise_item(s, "Q5", based_on=2, author="ann", change_note="nl", stem="Vraag 5!")
    # Q6: English source, a Dutch translation of v1 then brought up to date by checking it against v2
    bank.add_item(s, "Q6", ItemContent(stem="Question?", options=EN, key=("B",), language="en"), author="ann")
    bank.revise_item(s, "Q6", based_on=1, author="tom", change_note="nl", language="nl", stem="Vraag?", options=NL)
    bank.revise_item(s, "Q6", based_on=1, author="ann", change_note="en", stem="Question 6?")
    bank.revise_item(s, "Q6", based_on=2, author="tom", change_note="checked", translated_from=3)
    s.commit()

    codes = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
    expected = {"Q1": {2: 1}, "Q2": {2: 1, 4: 3, 5: 3}, "Q3": {}, "Q4": {2: 1, 4: 1}, "Q5": {3: 2}, "Q6": {2: 1, 4: 3}}
    batched = bank.translations_of(s, codes + ["NOPE"])
    assert batched == expected  # the unknown code is left out
    assert {code: bank.translations(s, code) for code in codes} == expected

    stale_by_hand = {"Q1": {("en", Variant.STANDARD)}, "Q2": set(), "Q4": {("en", Variant.STANDARD)},
                     "Q5": {("en", Variant.STANDARD)}, "Q6": set()}
    heads = bank.line_heads(s, codes)
    assert bank.stale_lines(s, heads) == stale_by_hand  # Q3 has one line: not looked up
    for code in codes:
        lines = bank.item_lines(s, code)
        assert {line.key for line in lines if line.out_of_date} == stale_by_hand.get(code, set())
        for line in lines:
            for number in line.numbers:
                stale = bank.out_of_date(s, code, number)
                made = expected[code].get(number)
                assert stale == ((made, lines[0].newest) if made is not None and made < lines[0].newest else None)

    statements: list[str] = []
    engine = s.get_bind()

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        listed = dict((v.item.code, text) for v, text in bank.list_items(s))
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert listed == {"Q1": "nl, en (out of date)", "Q2": "nl, en read-aloud, en", "Q3": "nl",
                      "Q4": "nl, en (out of date)", "Q5": "nl, en (out of date)", "Q6": "en, nl"}
    # the audit log is read once for the whole list, not once per item with more than one line
    assert sum("audit_events" in st for st in statements) == 1
    # and the list's cell is a single item's cell (its lines looked up on their own)
    assert listed == {code: bank.lines_text(s, code, heads[code]) for code in codes}
    with pytest.raises(NotFoundError):
        bank.translations(s, "NOPE")
