"""The demo bank reads as a Dutch committee's bank (issue 12, item 12).

* every item's primary content is Dutch, and the sitting used the Dutch versions;
* the English translations and the read-aloud variants (voorleesversie) are later versions of
  the *same* items (DESIGN §3 rule 8), with the item's key and tags;
* everything reviewed or approved — item versions, the blueprint, the form — is dated before
  the sitting; only the sitting's own responses come after it;
* one user per role; the planted items say on their face what the committee should find.

Language is checked on the words themselves, not only on the ``language`` label: a stem and
its options in Dutch use more Dutch than English function words (lists below), and an English
translation the other way round.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, time, timezone
from importlib import resources

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank import demo
from itembank.cli import app
from itembank.services import administrations, forms, users
from itembank.storage.db import make_engine
from itembank.storage.models import (
    AuditEvent,
    Blueprint,
    Form,
    Item,
    ItemVersion,
    ReviewState,
    ReviewStatus,
    Role,
    RuleSet,
    StatusEvent,
    Variant,
)

# Function words that occur in almost every sentence of their language and (as whole words
# of two or more letters, lower-cased) hardly ever in the other one; words both languages
# share ("is", "in", "of") are in neither list.
DUTCH = {"de", "het", "een", "en", "je", "van", "wat", "welk", "welke", "niet", "met", "voor",
         "bij", "moet", "dat", "die", "zijn", "wordt", "als", "op", "te", "er", "hij", "naar",
         "om", "ook", "waarom", "dan", "zich", "ongeveer"}
ENGLISH = {"the", "an", "and", "you", "what", "which", "not", "with", "for", "must", "that",
           "be", "are", "when", "it", "to", "your", "why", "on", "by", "from", "about", "than"}


def words(*texts: str) -> list[str]:
    return [w for w in re.findall(r"[a-zà-ÿ']+", " ".join(texts).lower()) if len(w) > 1]


def dutch_minus_english(*texts: str) -> int:
    w = words(*texts)
    return sum(x in DUTCH for x in w) - sum(x in ENGLISH for x in w)


def test_the_word_lists_tell_the_languages_apart() -> None:
    """The language check can fail: it tells a known English sentence from its Dutch one."""
    assert dutch_minus_english("What must you do before you start the work?") < 0
    assert dutch_minus_english("Wat moet je doen voordat je aan het werk begint?") > 0


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory):
    """A demo bank of this module's own: the session-wide one collects log-ins and decisions
    of other tests, and the timeline checked here is the one the demo itself writes."""
    path = tmp_path_factory.mktemp("demo_content") / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", str(path)])
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as s:
        yield s
    engine.dispose()


def _data(name: str) -> list[dict[str, str]]:
    text = resources.files("itembank").joinpath(f"demo/data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_every_item_is_dutch_first(session: Session) -> None:
    items = list(session.scalars(select(Item)))
    assert len(items) == 320
    for item in items:
        first = min(item.versions, key=lambda v: v.number)
        assert (first.language, first.variant) == ("nl", Variant.STANDARD), item.code
        assert dutch_minus_english(first.stem, *(o["text"] for o in first.options)) > 0, item.code
    # the sitting was in Dutch, on the Dutch versions
    admin = administrations.get_administration(session, demo.ADMIN_CODE)
    assert admin.language == "nl"
    versions = [fi.item_version for fi in forms.get_form(session, demo.FORM_CODE).items]
    assert {(v.language, v.variant) for v in versions} == {("nl", Variant.STANDARD)}


def test_translations_and_read_aloud_variants_are_versions_of_the_same_items(session: Session) -> None:
    rows = _data("vca_versions.csv")
    form = {fi.item_version.item.code: fi for fi in forms.get_form(session, demo.FORM_CODE).items}
    assert sum(r["language"] == "en" for r in rows) == 38
    assert sum(r["variant"] == "read_aloud" for r in rows) == 10
    for r in rows:
        item = session.scalar(select(Item).where(Item.code == r["code"]))
        assert item is not None and r["code"] in form
        (version,) = [v for v in item.versions
                      if (v.language, v.variant.value) == (r["language"], r["variant"])]
        original = form[r["code"]].item_version  # the Dutch version the candidates saw
        assert version.number > original.number
        assert version.stem == r["stem"]
        assert list(version.key) == list(form[r["code"]].key)  # the bank's key, translated along
        assert {(t.dimension, t.code) for t in version.tags} == {(t.dimension, t.code) for t in original.tags}
        assert session.get(ReviewState, version.id).status is ReviewStatus.APPROVED
        assert f"of version {original.number}" in version.change_note
        texts = (version.stem, *(o["text"] for o in version.options))
        if r["language"] == "en":
            assert dutch_minus_english(*texts) < 0, r["code"]
        else:
            assert dutch_minus_english(*texts) > 0, r["code"]
    # the planted items keep their Dutch version as the newest (what `items show` shows)
    for code in (demo.MISKEYED, demo.TWO_ANSWERS):
        item = session.scalar(select(Item).where(Item.code == code))
        assert len(item.versions) == 1 and item.versions[0].language == "nl"


def _sentence_lengths(text: str) -> list[int]:
    return [len(s.split()) for s in re.split(r"[.?!:]\s+", text.strip()) if s.strip()]


def test_read_aloud_variants_are_simpler_and_spell_everything_out() -> None:
    primary = {r["code"]: r for r in _data("vca_items.csv")}
    for r in _data("vca_versions.csv"):
        if r["variant"] != "read_aloud":
            continue
        texts = [r["stem"], *(r[lab] for lab in "ABCD")]
        for text in texts:  # no abbreviations (LMRA, GHS, PBM ...), no symbols to decode
            assert not re.search(r"\b[A-Z]{2,}\b|%|°|\bm\b", text), (r["code"], text)
        assert max(_sentence_lengths(r["stem"])) <= 16, r["code"]
        assert max(_sentence_lengths(r["stem"])) <= max(_sentence_lengths(primary[r["code"]]["stem"])), r["code"]


def test_every_review_precedes_the_sitting(session: Session) -> None:
    admin = administrations.get_administration(session, demo.ADMIN_CODE)
    sitting = datetime.combine(admin.date, time(0, 0), tzinfo=timezone.utc)
    assert admin.date == demo.SITTING
    before = {
        "item versions": [v.created_at for v in session.scalars(select(ItemVersion))],
        "status events": [e.at for e in session.scalars(select(StatusEvent))],
        "review states": [r.changed_at for r in session.scalars(select(ReviewState))],
        "blueprint": [b.created_at for b in session.scalars(select(Blueprint))],
        "form": [f.frozen_at for f in session.scalars(select(Form))] + [f.created_at for f in session.scalars(select(Form))],
        "rule set": [r.created_at for r in session.scalars(select(RuleSet))],
        "administration": [admin.created_at],
    }
    events = list(session.scalars(select(AuditEvent)))
    before["audit events"] = [e.at for e in events if e.action != "import_responses"]
    for what, moments in before.items():
        assert moments and all(m is not None for m in moments), what
        assert max(moments) < sitting, (what, max(moments))
    # the blueprint's approval, the form's freezing and the item approvals are audited before too
    approvals = [e for e in events if e.action == "status" and e.detail.get("to") == "approved"]
    assert {e.entity_type for e in approvals} == {"item", "blueprint"}
    assert len(approvals) == 320 + 48 + 1
    # the responses come in after the sitting (they are the sitting's own data)
    (imported,) = [e.at for e in events if e.action == "import_responses"]
    assert imported > sitting
    # and the history is in order: written, reviewed, frozen, translated, registered
    assert [demo.TIMELINE[k] for k in demo.TIMELINE] == sorted(demo.TIMELINE.values())


def test_one_user_per_role(session: Session) -> None:
    """Every role of DESIGN §7 has a demo user to log in as (each user holds exactly one role)."""
    stored = {u.username: set(u.roles) for u in users.list_users(session)}
    assert stored == {name: {role} for name, _, role in demo.USERS}
    assert set().union(*stored.values()) == set(Role)


def test_the_planted_items_read_as_planted(session: Session) -> None:
    truth = {r["code"]: r["key"] for r in _data("vca_items.csv")}

    def option(code: str, label: str) -> str:
        v = session.scalar(select(ItemVersion).join(Item).where(Item.code == code))
        return {o["label"]: o["text"] for o in v.options}[label]

    # miskeyed: the bank's key names the long-term health hazard (GHS08), the true answer the
    # acute toxicity that the skull and crossbones stand for
    bank_key = demo._wrong_key(truth[demo.MISKEYED])
    assert "doodshoofd" in session.scalar(select(ItemVersion.stem).join(Item).where(Item.code == demo.MISKEYED))
    assert "lange termijn" in option(demo.MISKEYED, bank_key)
    assert "giftig" in option(demo.MISKEYED, truth[demo.MISKEYED])
    # two answers: both the key and the second answer supply air from outside the tank
    key, second = truth[demo.TWO_ANSWERS], demo.second_answer(truth[demo.TWO_ANSWERS])
    assert "ademluchttoestel" in option(demo.TWO_ANSWERS, key)
    assert "schone lucht van buiten" in option(demo.TWO_ANSWERS, second)


def test_recorded_at_back_dates_one_block_and_keeps_order() -> None:
    """The clock the demo's history is written with: inside the block ``utcnow`` starts at the
    given moment and ticks one second per call (so events keep their order); outside it is the
    real clock again, also after an error; a naive moment is refused."""
    from datetime import timedelta

    from itembank.storage.models import recorded_at, utcnow

    start = datetime(2025, 2, 10, 9, 0, tzinfo=timezone.utc)
    with recorded_at(start):
        assert [utcnow(), utcnow(), utcnow()] == [start + timedelta(seconds=k) for k in range(3)]
        with recorded_at(start - timedelta(days=1)):
            assert utcnow() == start - timedelta(days=1)
        assert utcnow() == start + timedelta(seconds=3)  # the outer block resumes
    with pytest.raises(RuntimeError), recorded_at(start):
        raise RuntimeError
    assert abs(utcnow() - datetime.now(timezone.utc)) < timedelta(seconds=5)  # the real clock
    with pytest.raises(ValueError, match="timezone-aware"), recorded_at(datetime(2025, 1, 1)):
        pass
