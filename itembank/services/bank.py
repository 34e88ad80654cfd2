"""The item-bank service: items and their versions, review, tags, history, search, exposure.

Every function takes a :class:`~sqlalchemy.orm.Session` first and leaves the transaction to
the caller (the CLI command, the dashboard page or the test opens and commits it). Verbs:
``add_*`` creates, ``get_*`` reads one thing, ``find_*`` searches, ``revise_item`` and
``set_status`` change. Every change is an audit event.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.orm.exc import StaleDataError

from itembank.storage import audit
from itembank.errors import ConflictError, NotFoundError, RuleError, UserError
from itembank.storage.models import (
    Administration,
    AuditEvent,
    Dimension,
    EnemyPair,
    Form,
    FormItem,
    Item,
    ItemSet,
    ItemVersion,
    ItemVersionTag,
    Registration,
    ReviewState,
    ReviewStatus,
    StatusEvent,
    Tag,
    TestSpecification,
    utcnow,
)
from dataclasses import field, replace
from decimal import Decimal, InvalidOperation
from itembank.storage.models import ItemType, Variant
from itembank.io.numbers import MAX_SCORE, normalise_number

__all__ = [
    "ALLOWED_TRANSITIONS",
    "add_specification",
    "get_specification",
    "add_tag",
    "get_tag",
    "add_item",
    "add_version",
    "revise_item",
    "get_item",
    "get_version",
    "set_status",
    "word_diff",
    "list_specifications",
    "review_queue",
    "retire_item",
    "tag_version",
    "untag_version",
    "item_history",
    "HistoryEntry",
    "diff_versions",
    "FieldChange",
    "find_versions",
    "exposure",
    "Exposure",
    "add_enemy_pair",
    "remove_enemy_pair",
    "enemies",
    "Enemy",
    "is_translation",
    "tag_change_text",
    "tags_from_text",
    "add_item_set",
    "flush_or_conflict",
]

# Review workflow. 'in_review -> draft' sends an item back to its writer; retired is final.
ALLOWED_TRANSITIONS: dict[ReviewStatus, frozenset[ReviewStatus]] = {
    ReviewStatus.DRAFT: frozenset({ReviewStatus.IN_REVIEW, ReviewStatus.RETIRED}),
    ReviewStatus.IN_REVIEW: frozenset({ReviewStatus.APPROVED, ReviewStatus.DRAFT, ReviewStatus.RETIRED}),
    ReviewStatus.APPROVED: frozenset({ReviewStatus.RETIRED}),
    ReviewStatus.RETIRED: frozenset(),
}


# --------------------------------------------------------------------------- item content
__all__ += ["ItemContent", "LANGUAGES", "parse_decimal", "CONTENT_FIELDS"]

# ISO 639-1 codes of the languages exams are offered in. A bank that needs another language
# adds it here; an unknown code is refused so a typo ("nk") cannot split an item's statistics.
LANGUAGES: dict[str, str] = {
    "nl": "Dutch", "en": "English", "de": "German", "fr": "French", "es": "Spanish",
    "it": "Italian", "pt": "Portuguese", "pl": "Polish", "ro": "Romanian", "bg": "Bulgarian",
    "cs": "Czech", "sk": "Slovak", "hu": "Hungarian", "sl": "Slovenian", "hr": "Croatian",
    "sr": "Serbian", "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "fi": "Finnish",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian", "el": "Greek", "tr": "Turkish",
    "ar": "Arabic", "uk": "Ukrainian", "ru": "Russian", "fy": "Frisian", "pap": "Papiamento",
}

# The fields that make up a version's content (compared by diff and the import).
CONTENT_FIELDS = (
    "stem", "options", "key", "item_type", "max_score", "language", "variant",
)


def parse_decimal(value: Any) -> Decimal | None:
    """A finite decimal from a number or text, else None; text follows the one number rule
    of :func:`itembank.io.numbers.normalise_number` (decimal comma or point, no thousands
    separator)."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool) or value is None:
        return None
    text = normalise_number(str(value))
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


@dataclass(frozen=True)
class ItemContent:
    """What an item version says: stem, options (label, text), key, type, score, language."""

    stem: str
    options: tuple[tuple[str, str], ...] = ()
    key: tuple[str, ...] = ()
    item_type: ItemType = ItemType.MC
    max_score: Decimal = Decimal(1)
    language: str = "nl"
    variant: Variant = Variant.STANDARD
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # Accept plain values from callers (1, "mc", "A") and store the canonical types.
        score = parse_decimal(self.max_score)
        object.__setattr__(self, "max_score", score if score is not None else Decimal("NaN"))
        object.__setattr__(self, "item_type", ItemType(self.item_type))
        object.__setattr__(self, "variant", Variant(self.variant))
        key = (self.key,) if isinstance(self.key, str) else tuple(self.key)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "options", tuple((str(a), str(b)) for a, b in self.options))

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.options)

    def with_changes(self, **changes: Any) -> "ItemContent":
        return replace(self, **changes)

    def problems(self) -> list[tuple[str, str]]:
        """Every rule this content breaks, as (field, what was expected)."""
        out: list[tuple[str, str]] = []
        if not self.stem or not self.stem.strip():
            out.append(("stem", "the stem (question text) is empty"))
        closed = self.item_type in (ItemType.MC, ItemType.MR)
        labels = self.labels
        if closed:
            if len(self.options) < 2:
                out.append(("options", f"a {self.item_type.value} item needs at least two options, got {len(self.options)}"))
            if len(set(labels)) != len(labels):
                out.append(("options", f"option labels must be unique, got {', '.join(labels)}"))
            for label, text in self.options:
                if not label.strip():
                    out.append(("options", "an option has an empty label"))
                if not text.strip():
                    out.append(("options", f"option {label} has no text"))
            if not self.key:
                out.append(("key", "a closed item needs a key (the correct option label)"))
            missing = [k for k in self.key if k not in labels]
            if missing:
                out.append(("key", f"key {'|'.join(missing)} is not among the options {'|'.join(labels)}"))
            if self.item_type is ItemType.MC and len(self.key) > 1:
                out.append(("key", f"a single-answer MC item has one key, got {'|'.join(self.key)} (use item type 'mr' for multiple response)"))
            if len(set(self.key)) != len(self.key):
                out.append(("key", "the key names an option twice"))
        elif self.key:
            out.append(("key", f"an {self.item_type.value} item is scored with points and has no option key"))
        if (implausible := MAX_SCORE.problem(self.max_score)) is not None:
            out.append(("max_score", implausible))
        elif self.max_score != self.max_score.quantize(Decimal("0.001")):
            out.append(("max_score", f"the maximum score may have at most 3 decimals, got {self.max_score}"))
        if self.language not in LANGUAGES:
            out.append(("language", f"unknown language code '{self.language}' (expected an ISO 639-1 code such as nl, en, de)"))
        return out

    def as_columns(self) -> dict[str, Any]:
        """The stored representation (the columns of ``ItemVersion``)."""
        return {
            "stem": self.stem,
            "options": [{"label": label, "text": text} for label, text in self.options],
            "key": list(self.key),
            "item_type": self.item_type,
            "max_score": self.max_score,
            "language": self.language,
            "variant": self.variant,
        }

    @classmethod
    def of(cls, version: Any) -> "ItemContent":
        """The content of a stored ``ItemVersion``."""
        return cls(
            stem=version.stem,
            options=tuple((o["label"], o["text"]) for o in version.options),
            key=tuple(version.key),
            item_type=ItemType(version.item_type),
            max_score=Decimal(version.max_score),
            language=version.language,
            variant=Variant(version.variant),
        )


def flush_or_conflict(session: Session, what: str) -> None:
    """Flush, turning a stale optimistic-lock update into a clear :class:`ConflictError`."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(
            f"{what} was changed by somebody else since you opened it; reload it and "
            "apply your change again"
        ) from exc


# --------------------------------------------------------------------------- specifications


def add_specification(
    session: Session,
    code: str,
    name: str,
    *,
    objectives: Iterable[tuple[str, str]] = (),
    topics: Iterable[tuple[str, str]] = (),
    levels: Iterable[tuple[str, str]] = (),
    description: str = "",
    actor: str,
) -> TestSpecification:
    """Create a test specification with its learning objectives, topics and levels."""
    if session.scalar(select(TestSpecification).where(TestSpecification.code == code)):
        raise UserError(f"a test specification with code '{code}' already exists")
    spec = TestSpecification(code=code, name=name, description=description)
    session.add(spec)
    for dimension, pairs in (
        (Dimension.OBJECTIVE, objectives),
        (Dimension.TOPIC, topics),
        (Dimension.LEVEL, levels),
    ):
        for tag_code, title in pairs:
            spec.tags.append(Tag(dimension=dimension, code=tag_code, title=title))
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="specification",
                 entity_id=code, detail={"name": name})
    return spec


def list_specifications(session: Session) -> list[TestSpecification]:
    """Every test specification, by code."""
    return list(session.scalars(select(TestSpecification).order_by(TestSpecification.code)))


def get_specification(session: Session, code: str) -> TestSpecification:
    spec = session.scalar(select(TestSpecification).where(TestSpecification.code == code))
    if spec is None:
        raise NotFoundError(f"no test specification '{code}'")
    return spec


def add_tag(
    session: Session, specification: str, dimension: Dimension | str, code: str, title: str = "",
    *, actor: str,
) -> Tag:
    spec = get_specification(session, specification)
    tag = Tag(specification=spec, dimension=Dimension(dimension), code=code, title=title)
    session.add(tag)
    session.flush()
    audit.record(session, actor=actor, action="add_tag", entity_type="specification",
                 entity_id=specification, detail={"dimension": tag.dimension.value, "code": code})
    return tag


def get_tag(session: Session, specification_id: int, dimension: Dimension | str, code: str) -> Tag:
    tag = session.scalar(
        select(Tag).where(
            Tag.specification_id == specification_id,
            Tag.dimension == Dimension(dimension),
            Tag.code == code,
        )
    )
    if tag is None:
        spec = session.get(TestSpecification, specification_id)
        raise NotFoundError(
            f"unknown {Dimension(dimension).value} code '{code}' in specification "
            f"'{spec.code if spec else specification_id}'"
        )
    return tag


# --------------------------------------------------------------------------- items


def _check(content: ItemContent, code: str) -> None:
    problems = content.problems()
    if problems:
        raise UserError(
            f"item {code}: " + "; ".join(f"{field}: {msg}" for field, msg in problems)
        )


def get_item(session: Session, code: str) -> Item:
    item = session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise NotFoundError(f"no item with code '{code}'")
    return item


def _lock_item(session: Session, code: str) -> Item:
    """Item ``code``, locked for writing until the transaction ends, with its versions read
    after the lock: two writers saving at the same moment are served one after the other, so
    the second sees the first's version and is refused only when it was in the same line (the
    pattern of :func:`itembank.services.administrations.lock_administration`: ``SELECT ... FOR
    UPDATE`` on PostgreSQL, a no-op write that takes SQLite's database lock at once)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Item).where(Item.code == code).values(id=Item.id)
                        .execution_options(synchronize_session=False))
        query = select(Item).where(Item.code == code)
    else:
        query = select(Item).where(Item.code == code).with_for_update()
    item = session.scalar(query.execution_options(populate_existing=True))
    if item is None:
        raise NotFoundError(f"no item with code '{code}'")
    session.expire(item, ["versions"])
    return item


def get_version(session: Session, code: str, number: int | None = None) -> ItemVersion:
    """One version of an item; ``number=None`` gives the newest."""
    item = get_item(session, code)
    n = item.current_number if number is None else number
    version = session.scalar(
        select(ItemVersion).where(ItemVersion.item_id == item.id, ItemVersion.number == n)
    )
    if version is None:
        raise NotFoundError(f"item {code} has no version {n} (newest is {item.current_number})")
    return version


def add_item(
    session: Session,
    code: str,
    content: ItemContent,
    *,
    author: str,
    specification: str | None = None,
    tags: Sequence[tuple[Dimension | str, str]] = (),
    item_set: str | None = None,
    change_note: str = "new item",
    status: ReviewStatus = ReviewStatus.DRAFT,
    actor: str | None = None,
    created_at: datetime | None = None,
) -> ItemVersion:
    """Create an item with its first version (status draft unless stated)."""
    actor = actor or author
    _check(content, code)
    if session.scalar(select(Item.id).where(Item.code == code)) is not None:
        raise UserError(f"an item with code '{code}' already exists; revise it instead")
    spec = get_specification(session, specification) if specification else None
    item = Item(code=code, specification=spec, current_number=0)
    if item_set:
        item.item_set = session.scalar(select(ItemSet).where(ItemSet.code == item_set))
        if item.item_set is None:
            raise NotFoundError(f"no item set '{item_set}'")
    session.add(item)
    tag_rows = _resolve_tags(session, spec, tags, code)
    version = add_version(session, item, content, author=author, change_note=change_note,
                              status=status, actor=actor, tags=tag_rows, created_at=created_at)
    audit.record(session, actor=actor, action="create", entity_type="item", entity_id=code,
                 detail={"version": version.number, "status": status.value})
    return version


def _resolve_tags(
    session: Session, spec: TestSpecification | None, tags: Sequence[tuple[Dimension | str, str]],
    code: str,
) -> list[Tag]:
    """The specification's tags named by ``(dimension, code)`` pairs, each once, in the order
    given. Every unknown code is named in one :class:`UserError`, with the codes the
    specification has in that dimension, so a writer fixes them all at once."""
    if tags and spec is None:
        raise UserError(f"item {code}: tags need a test specification")
    if spec is None:
        return []
    known: dict[tuple[Dimension, str], Tag] = {(tag.dimension, tag.code): tag for tag in spec.tags}
    found: list[Tag] = []
    unknown: list[tuple[Dimension, str]] = []
    for dim, tag_code in tags:
        try:
            dimension = Dimension(dim)
        except ValueError:
            raise UserError(f"item {code}: unknown tag dimension '{dim}' (expected "
                            f"{', '.join(d.value for d in Dimension)})") from None
        tag = known.get((dimension, tag_code))
        if tag is None:
            unknown.append((dimension, tag_code))
        elif tag not in found:
            found.append(tag)
    if unknown:
        def has(dimension: Dimension) -> str:
            codes = sorted(c for d, c in known if d is dimension)
            return f"its {dimension.value} codes are {', '.join(codes)}" if codes else f"it has no {dimension.value} codes"
        raise UserError(
            f"item {code}: " + "; ".join(
                f"unknown {d.value} code '{c}' in specification '{spec.code}' ({has(d)})" for d, c in unknown)
        )
    return found


def add_version(
    session: Session,
    item: Item,
    content: ItemContent,
    *,
    author: str,
    change_note: str,
    status: ReviewStatus,
    actor: str,
    tags: Sequence[Tag],
    created_at: datetime | None,
) -> ItemVersion:
    """Append the next version to ``item`` with its review state and first status event.

    The low-level step shared by :func:`add_item`, :func:`revise_item` and the file import;
    it does not check who edited what (callers do).
    """
    _check(content, item.code)
    item.current_number += 1
    version = ItemVersion(item=item, number=item.current_number, author=author,
                          change_note=change_note, **content.as_columns())
    if created_at is not None:
        version.created_at = created_at
    version.tags = list(tags)
    session.add(version)
    flush_or_conflict(session, f"item {item.code}")
    session.add(ReviewState(item_version_id=version.id, status=status))
    session.add(StatusEvent(item_version_id=version.id, from_status=None, to_status=status,
                            actor=actor, comment=change_note))
    session.flush()
    return version


def revise_item(
    session: Session,
    code: str,
    *,
    based_on: int,
    author: str,
    change_note: str,
    actor: str | None = None,
    tags: Sequence[tuple[Dimension | str, str]] | None = None,
    target_based_on: int | None = None,
    translated_from: int | None = None,
    **changes: Any,
) -> ItemVersion:
    """Save an edit as a new version (draft); the earlier versions stay as they were.

    Optimistic locking per *line* (the versions of one language and variant, see
    :func:`item_lines`); version numbers stay one sequence per item. ``based_on`` is the
    version the writer started from: it must be the newest version of its line, else somebody
    saved a newer one in that line meanwhile and the edit is refused with a
    :class:`ConflictError` naming the line ("the newest English (standard) version is 5, you
    edited 3"), instead of silently setting their work aside. A newer version in *another*
    line is no conflict: the Dutch source is revised from its newest Dutch version after the
    English translation was saved.

    An edit that changes the language or variant (a translation, the read-aloud variant) adds
    to the *target* line; ``target_based_on`` is the newest version of that line the writer
    saw (0: the line had none). A newer one there is a conflict too. Without it (a script, the
    QTI import) a target-line version newer than ``based_on`` counts as saved since.

    ``translated_from`` is the source-line version (:func:`source_line`) a translation or
    variant version was made from, recorded in the audit detail so :func:`item_lines` can tell
    when the translation is out of date. ``None`` derives it: ``based_on`` when the writer
    started from the source line, else what ``based_on`` was made from (a fix in the English
    line keeps its source version). Only a version outside the source line has one.

    ``tags`` are the new version's ``(dimension, code)`` tags, checked against the item's
    test specification (every unknown code named in one :class:`UserError`); ``None`` carries
    the edited version's tags over. The tags added and removed are recorded with the
    revision's audit event, so :func:`item_history` shows "tags changed: +objective LO2,
    -level K". A change of tags alone is a revision too (the classification is part of what
    a reviewer approves).
    """
    actor = actor or author
    item = _lock_item(session, code)
    by_number = {v.number: v for v in item.versions}
    previous = by_number.get(based_on)
    if previous is None:
        raise NotFoundError(f"item {code} has no version {based_on} (newest is {item.current_number})")
    line = line_of(previous)
    newest = _newest_in_line(item, line)
    if based_on != newest:
        raise ConflictError(
            f"item {code}: the newest {line_label(line)} version is {newest}, you edited {based_on} "
            f"(version {newest} has been saved since); reload the item and apply your change to version {newest}"
        )
    if not change_note.strip():
        raise UserError(f"item {code}: say what changed and why (change note)")
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise UserError(f"item {code}: cannot change {', '.join(sorted(unknown))}")
    content = ItemContent.of(previous).with_changes(**changes)
    target = (content.language, content.variant)
    if target != line:
        target_newest = _newest_in_line(item, target)
        if target_based_on is not None and target_newest != target_based_on:
            raise ConflictError(
                f"item {code}: the newest {line_label(target)} version is {target_newest}, you saw "
                f"{target_based_on or 'none'} (version {target_newest} has been saved since); reload the item "
                f"and apply your change to version {target_newest}")
        if target_based_on is None and target_newest > based_on:
            raise ConflictError(
                f"item {code}: the newest {line_label(target)} version is {target_newest}, saved after the "
                f"version you edited ({based_on}); open version {target_newest} and revise it instead")
    source = source_line(item)
    if target == source:
        if translated_from is not None:
            raise UserError(f"item {code}: a {line_label(source)} version is the source; it is translated from "
                            "nothing (translated_from)")
        made_from = None
    elif translated_from is not None:
        made = by_number.get(translated_from)
        if made is None or line_of(made) != source:
            raise UserError(f"item {code}: translated_from must be a {line_label(source)} (source) version, "
                            f"got {translated_from}")
        made_from = translated_from
    else:
        made_from = based_on if line == source else translations(session, code).get(based_on)
    old_tags = list(previous.tags)
    new_tags = old_tags if tags is None else _resolve_tags(session, item.specification, tags, code)
    added = [tag for tag in new_tags if tag not in old_tags]
    removed = [tag for tag in old_tags if tag not in new_tags]
    if content == ItemContent.of(previous) and not added and not removed:
        # a translator who checked an unchanged translation against the new source records that
        # as a version of its own (made from the newer source); anything else changes nothing
        if made_from is None or made_from == translations(session, code).get(based_on):
            raise UserError(f"item {code}: the revision changes nothing")
    version = add_version(session, item, content, author=author, change_note=change_note,
                              status=ReviewStatus.DRAFT, actor=actor, tags=new_tags,
                              created_at=None)
    before = ItemContent.of(previous)
    fields = sorted(name for name in changes if getattr(content, name) != getattr(before, name))
    detail: dict[str, Any] = {"version": version.number, "based_on": based_on, "fields": fields}
    if made_from is not None:
        detail["translated_from"] = made_from
    if added or removed:
        detail["tags_added"] = [[tag.dimension.value, tag.code] for tag in added]
        detail["tags_removed"] = [[tag.dimension.value, tag.code] for tag in removed]
    audit.record(session, actor=actor, action="revise", entity_type="item", entity_id=code,
                 detail=detail, reason=change_note)
    return version


# --------------------------------------------------------------------------- lines (language x variant)
__all__ += ["LineKey", "Line", "line_of", "line_label", "source_line", "get_line_version", "item_lines",
            "translations", "translations_of", "out_of_date", "assign_item_set", "list_item_sets"]

#: A line of an item: the versions of one (language, variant), e.g. ("en", Variant.STANDARD).
LineKey = tuple[str, Variant]


def line_of(version: Any) -> LineKey:
    """The line (language, variant) a version belongs to."""
    return (version.language, Variant(version.variant))


def line_label(line: Sequence[Any]) -> str:
    """How a line reads in messages and tables: ``English (standard)``, ``Dutch (read-aloud)``.

    >>> line_label(("en", "standard")), line_label(("nl", Variant.READ_ALOUD))
    ('English (standard)', 'Dutch (read-aloud)')
    """
    language, variant = line
    return f"{LANGUAGES.get(language, language)} ({Variant(variant).value.replace('_', '-')})"


def source_line(item: Item) -> LineKey:
    """The item's source line: the language and variant of its first version (a test
    specification names no language, so the item's first writing is its source); the
    translations and the read-aloud variant are made from it."""
    first = min(item.versions, key=lambda v: v.number)
    return line_of(first)


def _newest_in_line(item: Item, line: Sequence[Any]) -> int:
    """The newest version number in ``line``, 0 when the item has none there."""
    key = (line[0], Variant(line[1]))
    return max((v.number for v in item.versions if line_of(v) == key), default=0)


def get_line_version(session: Session, code: str, language: str | None = None,
                     variant: Variant | str | None = None) -> ItemVersion:
    """The newest version of one line of an item. Without ``language`` and ``variant`` the
    source line (:func:`source_line`), so a translation never hides the source; a language
    alone means its standard variant, a variant alone the source language."""
    item = get_item(session, code)
    source = source_line(item)
    if language is None and variant is None:
        line = source
    else:
        line = (language or source[0], Variant(variant) if variant else Variant.STANDARD)
    number = _newest_in_line(item, line)
    if not number:
        have = ", ".join(line_label(lk) for lk in _line_keys(item))
        raise NotFoundError(f"item {code} has no {line_label(line)} version (it has {have})")
    return next(v for v in item.versions if v.number == number)


def _line_keys(item: Item) -> list[LineKey]:
    """The item's lines, source first, then by language and variant."""
    source = source_line(item)
    others = sorted({line_of(v) for v in item.versions} - {source}, key=lambda lk: (lk[0], lk[1].value))
    return [source, *others]


#: How many item codes one query names: SQLite before 3.32 allows 999 bound parameters.
_CODES_PER_QUERY = 900


def _chunks(codes: Sequence[str]) -> Iterable[list[str]]:
    for at in range(0, len(codes), _CODES_PER_QUERY):
        yield list(codes[at:at + _CODES_PER_QUERY])


def _made_from(line: dict[int, LineKey], source: LineKey, events: dict[int, dict[str, Any]]) -> dict[int, int]:
    """The rule of :func:`translations_of` for one item: ``line`` maps its version numbers to
    their lines, ``events`` the version numbers to their (last) revise event's detail."""
    out: dict[int, int] = {}
    for number in sorted(line):
        if line[number] == source:
            continue
        detail = events.get(number)
        if detail is not None and isinstance(detail.get("translated_from"), int):
            out[number] = detail["translated_from"]
            continue
        base = detail.get("based_on") if detail is not None else None
        if isinstance(base, int) and base in line:
            made = base if line[base] == source else out.get(base)
            if made is not None:
                out[number] = made
                continue
        earlier = [n for n in line if n < number and line[n] == source]
        if earlier:
            out[number] = max(earlier)
    return out


def translations_of(session: Session, codes: Iterable[str]) -> dict[str, dict[int, int]]:
    """:func:`translations` of many items at once, per item code (an unknown code is left out):
    for each version outside the item's source line, the source version it was made from.

    Derived from the revisions' audit events (no column of its own): ``translated_from`` where
    the revision recorded it; in older events the version it was ``based_on`` when that is a
    source version, else (a fix inside the English line, a read-aloud variant made from the
    translation) what that version was made from. A version without a revision event (a file
    import) counts as made from the newest source version before it, the source as it stood
    when the version was written.

    Two queries per 900 codes (the versions' lines, the items' revise events), whatever the
    number of versions, so a list of the whole bank does not read the audit log item by item.
    """
    wanted = sorted(set(codes))
    lines: dict[str, dict[int, LineKey]] = {}
    events: dict[str, dict[int, dict[str, Any]]] = {}
    for chunk in _chunks(wanted):
        rows = session.execute(select(Item.code, ItemVersion.number, ItemVersion.language, ItemVersion.variant)
                               .join(Item, ItemVersion.item_id == Item.id).where(Item.code.in_(chunk)))
        for code, number, language, variant in rows:
            lines.setdefault(code, {})[number] = (language, Variant(variant))
        # two columns, not whole AuditEvent objects: a bank list reads thousands of these
        revisions = session.execute(select(AuditEvent.entity_id, AuditEvent.detail)
                                    .where(AuditEvent.entity_type == "item", AuditEvent.action == "revise",
                                           AuditEvent.entity_id.in_(chunk))
                                    .order_by(AuditEvent.id))
        for code, detail in revisions:  # oldest first: a later event about the same version wins, as before
            detail = detail or {}
            if isinstance(detail.get("version"), int):
                events.setdefault(code, {})[int(detail["version"])] = detail
    # the source line is the line of the item's first version (:func:`source_line`)
    return {code: _made_from(line, line[min(line)], events.get(code, {})) for code, line in lines.items()}


def translations(session: Session, code: str) -> dict[int, int]:
    """For each version outside the item's source line: the source version it was made from
    (the rule is :func:`translations_of`'s, for one item)."""
    get_item(session, code)  # NotFoundError for an unknown item
    return translations_of(session, [code]).get(code, {})


def _is_out_of_date(made_from: int | None, source_newest: int) -> bool:
    """The out-of-date rule, in one place: a line's newest version was made from a source
    version older than the source line's newest (None: a source version, or not known)."""
    return made_from is not None and made_from < source_newest


@dataclass(frozen=True)
class Line:
    """One line of an item (its versions of one language and variant), for the item page and
    ``itembank items show``.

    ``newest`` is the line's newest version and ``status`` its review status; ``translated_from``
    the source version that newest version was made from (None in the source line, or when not
    known); ``source_newest`` the newest version of the source line. The line is out of date when
    the source has a newer version than the one it was made from.
    """

    language: str
    variant: Variant
    newest: int
    status: ReviewStatus
    numbers: tuple[int, ...]
    is_source: bool
    translated_from: int | None
    source_newest: int

    @property
    def key(self) -> LineKey:
        return (self.language, self.variant)

    @property
    def label(self) -> str:
        return line_label(self.key)

    @property
    def out_of_date(self) -> bool:
        return _is_out_of_date(self.translated_from, self.source_newest)


def item_lines(session: Session, code: str) -> list[Line]:
    """Every line of an item, the source line first (:func:`source_line`), then by language
    and variant: its newest version, status, versions, and the source version it was made from."""
    item = get_item(session, code)
    made = translations(session, code)
    source = source_line(item)
    source_newest = _newest_in_line(item, source)
    out = []
    for key in _line_keys(item):
        versions = sorted((v for v in item.versions if line_of(v) == key), key=lambda v: v.number)
        newest = versions[-1]
        state = session.get(ReviewState, newest.id)
        out.append(Line(key[0], key[1], newest.number, state.status if state else ReviewStatus.DRAFT,
                        tuple(v.number for v in versions), key == source, made.get(newest.number), source_newest))
    return out


def out_of_date(session: Session, code: str, number: int) -> tuple[int, int] | None:
    """``(made from, newest source)`` when version ``number`` is a translation or variant made
    from an older source version than the source line's newest, else None."""
    item = get_item(session, code)
    made = translations(session, code).get(number)
    newest = _newest_in_line(item, source_line(item))
    return (made, newest) if made is not None and _is_out_of_date(made, newest) else None


def assign_item_set(session: Session, code: str, set_code: str | None, *, actor: str, reason: str) -> Item:
    """Put an item into the item set ``set_code`` (items sharing one stimulus), or take it out
    of its set with ``None``; the change and its reason are an audit event in the item's history.

    The set is the item's, not a version's: all its versions and lines move together.
    """
    if not (reason or "").strip():
        raise UserError(f"item {code}: say why the item moves to another item set (reason)")
    item = get_item(session, code)
    new = None
    if set_code:
        new = session.scalar(select(ItemSet).where(ItemSet.code == set_code))
        if new is None:
            known = ", ".join(x.code for x in list_item_sets(session)) or "none yet"
            raise NotFoundError(f"no item set '{set_code}' (the bank's item sets: {known})")
    old = item.item_set.code if item.item_set else None
    if old == (new.code if new else None):
        raise UserError(f"item {code} is {'in item set ' + old if old else 'in no item set'} already")
    item.item_set = new
    flush_or_conflict(session, f"item {code}")
    audit.record(session, actor=actor, action="item_set", entity_type="item", entity_id=code,
                 detail={"from": old, "to": new.code if new else None}, reason=reason.strip())
    return item


def set_status(
    session: Session,
    code: str,
    number: int,
    status: ReviewStatus | str,
    *,
    actor: str,
    comment: str = "",
    expected_lock: int | None = None,
) -> ReviewState:
    """Move one version through the review workflow (draft -> in_review -> approved -> retired).

    ``expected_lock`` is the ``lock_version`` of the review state the user saw; a stale value
    (somebody else changed the status meanwhile) raises :class:`ConflictError`.

    The four-eyes rule (DESIGN §7, separation of duties): a version is never approved by its
    own author. It is enforced here, so the dashboard, the command line and any script obey it.
    (An import of items reviewed in another system records their status as that system's
    reviewer set it: see :mod:`itembank.io.item_files`.)
    """
    new = ReviewStatus(status)
    version = get_version(session, code, number)
    state = session.get(ReviewState, version.id)
    assert state is not None
    if expected_lock is not None and expected_lock != state.lock_version:
        raise ConflictError(
            f"item {code} version {number}: its status was changed by somebody else "
            f"(now {state.status.value}); reload and try again"
        )
    if new not in ALLOWED_TRANSITIONS[state.status]:
        allowed = ", ".join(s.value for s in sorted(ALLOWED_TRANSITIONS[state.status], key=lambda s: s.value)) or "none"
        raise RuleError(
            f"item {code} version {number} is {state.status.value}; it cannot become "
            f"{new.value} (allowed next: {allowed})"
        )
    if new is ReviewStatus.APPROVED and actor == version.author:
        raise RuleError(f"item {code} version {number} was written by {actor}; a version cannot be approved by "
                        "its own author (four-eyes rule): another reviewer must approve it")
    old = state.status
    state.status = new
    state.changed_at = utcnow()
    session.add(StatusEvent(item_version_id=version.id, from_status=old, to_status=new,
                            actor=actor, comment=comment))
    flush_or_conflict(session, f"the status of item {code} version {number}")
    audit.record(session, actor=actor, action="status", entity_type="item", entity_id=code,
                 detail={"version": number, "from": old.value, "to": new.value}, reason=comment)
    return state


def retire_item(session: Session, code: str, *, actor: str, comment: str) -> list[int]:
    """Retire every version of an item that is not retired yet; returns their numbers."""
    item = get_item(session, code)
    retired = []
    for version in item.versions:
        state = session.get(ReviewState, version.id)
        if state is not None and state.status is not ReviewStatus.RETIRED:
            set_status(session, code, version.number, ReviewStatus.RETIRED, actor=actor, comment=comment)
            retired.append(version.number)
    return retired


def tag_version(
    session: Session, code: str, number: int, dimension: Dimension | str, tag_code: str, *, actor: str
) -> None:
    """Tag a version against its specification (classification, not content: no new version)."""
    version = get_version(session, code, number)
    spec_id = version.item.specification_id
    if spec_id is None:
        raise UserError(f"item {code} belongs to no test specification, so it cannot be tagged")
    tag = get_tag(session, spec_id, dimension, tag_code)
    if session.get(ItemVersionTag, (version.id, tag.id)) is None:
        session.add(ItemVersionTag(item_version_id=version.id, tag_id=tag.id))
        session.flush()
        session.expire(version, ["tags"])
        audit.record(session, actor=actor, action="tag", entity_type="item", entity_id=code,
                     detail={"version": number, "dimension": tag.dimension.value, "tag": tag_code})


def untag_version(
    session: Session, code: str, number: int, dimension: Dimension | str, tag_code: str, *, actor: str
) -> None:
    version = get_version(session, code, number)
    spec_id = version.item.specification_id
    if spec_id is None:
        raise UserError(f"item {code} belongs to no test specification")
    tag = get_tag(session, spec_id, dimension, tag_code)
    link = session.get(ItemVersionTag, (version.id, tag.id))
    if link is None:
        raise UserError(f"item {code} version {number} is not tagged {tag.dimension.value} {tag_code}")
    session.delete(link)
    session.flush()
    session.expire(version, ["tags"])
    audit.record(session, actor=actor, action="untag", entity_type="item", entity_id=code,
                 detail={"version": number, "dimension": tag.dimension.value, "tag": tag_code})


# --------------------------------------------------------------------------- history & diff


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    version: int | None
    what: str
    detail: str


def item_history(session: Session, code: str) -> list[HistoryEntry]:
    """Everything that happened to an item, oldest first: versions, status changes, tags."""
    item = get_item(session, code)
    entries: list[HistoryEntry] = []
    by_id = {v.id: v for v in item.versions}
    events = session.scalars(
        select(StatusEvent).where(StatusEvent.item_version_id.in_(by_id)).order_by(StatusEvent.id)
    )
    for ev in events:
        v = by_id[ev.item_version_id]
        if ev.from_status is None:
            entries.append(HistoryEntry(v.created_at, v.author, v.number, "version created",
                                        f"{ev.comment} (status {ev.to_status.value})"))
        else:
            entries.append(HistoryEntry(ev.at, ev.actor, v.number, "status",
                                        f"{ev.from_status.value} -> {ev.to_status.value}"
                                        + (f": {ev.comment}" if ev.comment else "")))
    for ev in audit.get_events(session, entity_type="item", entity_id=code):
        d = ev.detail
        if ev.action in ("tag", "untag"):
            entries.append(HistoryEntry(ev.at, ev.actor, d.get("version"), ev.action,
                                        f"{d.get('dimension')} {d.get('tag')}"))
        elif ev.action == "item_set":
            move = f"{d.get('from') or '(none)'} -> {d.get('to') or '(none)'}"
            entries.append(HistoryEntry(ev.at, ev.actor, None, "item set", f"{move}: {ev.reason}" if ev.reason else move))
        elif ev.action == "revise" and (d.get("tags_added") or d.get("tags_removed")):
            entries.append(HistoryEntry(ev.at, ev.actor, d.get("version"), "tags changed",
                                        tag_change_text(d.get("tags_added", []), d.get("tags_removed", []))))
    # enemy pairs are recorded under the item named first; both items' histories show them
    for ev in _enemy_events(session, code):
        d = ev.detail
        other = d.get("enemy") if ev.entity_id == code else ev.entity_id
        what = "enemy pair added" if ev.action == "enemy" else "enemy pair removed"
        entries.append(HistoryEntry(ev.at, ev.actor, None, what, f"{other}: {ev.reason}" if ev.reason else str(other)))
    # a stable sort: events of one moment keep the order above (a version before its tag change)
    entries.sort(key=lambda e: e.at)
    return entries


def tag_change_text(added: Sequence[Sequence[str]], removed: Sequence[Sequence[str]]) -> str:
    """How a revision's tag change reads in the history: ``+objective LO2, -level K``.

    >>> tag_change_text([["objective", "LO2"]], [["level", "K"]])
    '+objective LO2, -level K'
    """
    return ", ".join([f"+{dim} {code}" for dim, code in added] + [f"-{dim} {code}" for dim, code in removed])


def _enemy_events(session: Session, code: str) -> list[AuditEvent]:
    # a pair's events are recorded under the item named first, the other in detail["enemy"];
    # filtered here rather than in SQL as JSON queries differ per dialect (a bank has few pairs)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "item", AuditEvent.action.in_(("enemy", "unenemy")))
        .order_by(AuditEvent.id))
    return [ev for ev in events if ev.entity_id == code or ev.detail.get("enemy") == code]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str
    unified_diff: str = ""


def _render(field: str, content: ItemContent) -> str:
    if field == "options":
        return "\n".join(f"{label}) {text}" for label, text in content.options)
    if field == "key":
        return "|".join(content.key)
    value = getattr(content, field)
    return value.value if hasattr(value, "value") else str(value)


def diff_versions(session: Session, code: str, a: int, b: int) -> list[FieldChange]:
    """The content fields that differ between versions ``a`` and ``b`` of an item.

    Text fields (stem, options) also carry a unified line diff.
    """
    ca = ItemContent.of(get_version(session, code, a))
    cb = ItemContent.of(get_version(session, code, b))
    changes = []
    for name in CONTENT_FIELDS:
        old, new = _render(name, ca), _render(name, cb)
        if old != new:
            udiff = ""
            if name in ("stem", "options"):
                udiff = "\n".join(difflib.unified_diff(
                    old.splitlines(), new.splitlines(), f"{code} v{a}", f"{code} v{b}", lineterm=""))
            changes.append(FieldChange(name, old, new, udiff))
    return changes


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A word-level diff of two texts: ``(op, text)`` pieces in reading order, ``op`` one of
    ``same``, ``removed``, ``added`` (difflib's longest-matching-block algorithm on the words,
    whitespace kept with each word), for showing two versions side by side.

    >>> word_diff("Wear safety glasses always", "Wear safety goggles always")
    [('same', 'Wear safety '), ('removed', 'glasses '), ('added', 'goggles '), ('same', 'always')]
    """
    import re

    a, b = re.findall(r"\S+\s*|\s+", old), re.findall(r"\S+\s*|\s+", new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", "".join(b[j1:j2])))
    return out


def review_queue(session: Session, reviewer: str) -> list[ItemVersion]:
    """Versions waiting for review (status in_review) that ``reviewer`` may review: not their
    own (four-eyes rule), oldest request first."""
    query = (select(ItemVersion).join(ReviewState, ReviewState.item_version_id == ItemVersion.id)
             .where(ReviewState.status == ReviewStatus.IN_REVIEW, ItemVersion.author != reviewer)
             .options(selectinload(ItemVersion.item), selectinload(ItemVersion.tags), selectinload(ItemVersion.review))
             .order_by(ReviewState.changed_at, ItemVersion.id))
    return list(session.scalars(query))


# --------------------------------------------------------------------------- search


def find_versions(
    session: Session,
    *,
    specification: str | None = None,
    tag: str | None = None,
    status: ReviewStatus | str | None = None,
    language: str | None = None,
    text: str | None = None,
    latest_only: bool = True,
    limit: int | None = None,
) -> list[ItemVersion]:
    """Search item versions.

    ``tag`` matches a tag code in any dimension (``objective:LO3`` restricts the dimension);
    ``text`` is a case-insensitive substring of the code, stem or an option text;
    ``latest_only`` keeps only each item's newest version; with ``language``, the newest version
    of each of the item's lines in that language (see :func:`item_lines`).
    """
    query: Select[Any] = (
        select(ItemVersion)
        .join(Item, ItemVersion.item_id == Item.id)
        .join(ReviewState, ReviewState.item_version_id == ItemVersion.id)
        .options(selectinload(ItemVersion.tags), selectinload(ItemVersion.item),
                 selectinload(ItemVersion.review))
        .order_by(Item.code, ItemVersion.number)
    )
    if latest_only and language:
        # the newest version of each line in that language: a Dutch item whose English translation
        # was saved later is still found under nl (its newest Dutch version), not hidden by it
        other = aliased(ItemVersion)
        newest_in_line = (select(func.max(other.number))
                          .where(other.item_id == ItemVersion.item_id, other.language == ItemVersion.language,
                                 other.variant == ItemVersion.variant)
                          .correlate(ItemVersion).scalar_subquery())
        query = query.where(ItemVersion.number == newest_in_line)
    elif latest_only:
        query = query.where(ItemVersion.number == Item.current_number)
    if specification:
        spec = get_specification(session, specification)
        query = query.where(Item.specification_id == spec.id)
    if status:
        query = query.where(ReviewState.status == ReviewStatus(status))
    if language:
        query = query.where(ItemVersion.language == language)
    if tag:
        dim, _, tag_code = tag.rpartition(":")
        tag_query = select(ItemVersionTag.item_version_id).join(Tag).where(Tag.code == tag_code)
        if dim:
            tag_query = tag_query.where(Tag.dimension == Dimension(dim))
        query = query.where(ItemVersion.id.in_(tag_query))
    if text:
        like = f"%{text.lower()}%"
        # options are JSON; casting to text is enough for a substring search on both dialects
        from sqlalchemy import String, cast

        query = query.where(or_(
            func.lower(Item.code).like(like),
            func.lower(ItemVersion.stem).like(like),
            func.lower(cast(ItemVersion.options, String)).like(like),
        ))
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


# --------------------------------------------------------------------------- exposure


@dataclass(frozen=True)
class Exposure:
    """How often a version has been used: forms, administrations, candidates, last date."""

    code: str
    version: int
    forms: tuple[str, ...]
    n_forms: int
    n_administrations: int
    n_candidates: int
    last_used: date | None


def exposure(session: Session, code: str, number: int | None = None) -> list[Exposure]:
    """Exposure of one version, or of every version of the item when ``number`` is None."""
    item = get_item(session, code)
    versions = [v for v in item.versions if number is None or v.number == number]
    if number is not None and not versions:
        raise NotFoundError(f"item {code} has no version {number}")
    out = []
    for v in versions:
        forms = list(session.scalars(
            select(Form.code).join(FormItem, FormItem.form_id == Form.id)
            .where(FormItem.item_version_id == v.id).order_by(Form.code)
        ))
        admin_rows = session.execute(
            select(Administration.id, Administration.date)
            .join(FormItem, FormItem.form_id == Administration.form_id)
            .where(FormItem.item_version_id == v.id)
        ).all()
        admin_ids = [r[0] for r in admin_rows]
        n_candidates = session.scalar(
            select(func.count(Registration.id)).where(Registration.administration_id.in_(admin_ids))
        ) if admin_ids else 0
        last = max((r[1] for r in admin_rows), default=None)
        out.append(Exposure(code, v.number, tuple(forms), len(forms), len(admin_ids),
                            int(n_candidates or 0), last))
    return out


# --------------------------------------------------------------------------- enemies & sets


def add_enemy_pair(session: Session, code_a: str, code_b: str, *, reason: str, actor: str) -> EnemyPair:
    """Record that two items must never appear on one form, and why (the reason is required:
    the committee assembling a form reads it). Adding a pair that exists returns it."""
    if code_a == code_b:
        raise UserError(f"an item cannot be its own enemy ({code_a})")
    if not (reason or "").strip():
        raise UserError(f"enemy pair {code_a} – {code_b}: say why the two items may not share a form (reason)")
    a, b = get_item(session, code_a), get_item(session, code_b)
    low, high = sorted((a, b), key=lambda i: i.id)
    existing = session.scalar(select(EnemyPair).where(
        and_(EnemyPair.item_a_id == low.id, EnemyPair.item_b_id == high.id)))
    if existing:
        return existing
    pair = EnemyPair(item_a_id=low.id, item_b_id=high.id, reason=reason)
    session.add(pair)
    session.flush()
    audit.record(session, actor=actor, action="enemy", entity_type="item", entity_id=code_a,
                 detail={"enemy": code_b}, reason=reason)
    return pair


def add_item_set(session: Session, code: str, *, title: str, stimulus: str, actor: str) -> ItemSet:
    """Create a set of items sharing one stimulus (assign items with ``add_item(item_set=...)``)."""
    item_set = ItemSet(code=code, title=title, stimulus=stimulus)
    session.add(item_set)
    try:
        session.flush()
    except IntegrityError as exc:
        raise UserError(f"an item set with code '{code}' already exists") from exc
    audit.record(session, actor=actor, action="create", entity_type="item_set", entity_id=code)
    return item_set


def list_item_sets(session: Session) -> list[ItemSet]:
    """Every item set, by code."""
    return list(session.scalars(select(ItemSet).order_by(ItemSet.code)))


def remove_enemy_pair(session: Session, code_a: str, code_b: str, *, reason: str, actor: str) -> None:
    """Remove the enemy pair of two items (either order), with the reason why they may share
    a form after all; the removal is an audit event beside the one that added the pair.

    Forms frozen earlier keep the items they have: the pair constrains only later assembly.
    """
    if not (reason or "").strip():
        raise UserError(f"enemy pair {code_a} – {code_b}: say why the pair is removed (reason)")
    a, b = get_item(session, code_a), get_item(session, code_b)
    low, high = sorted((a, b), key=lambda i: i.id)
    pair = session.scalar(select(EnemyPair).where(EnemyPair.item_a_id == low.id, EnemyPair.item_b_id == high.id))
    if pair is None:
        raise NotFoundError(f"items {code_a} and {code_b} are not an enemy pair")
    session.delete(pair)
    session.flush()
    audit.record(session, actor=actor, action="unenemy", entity_type="item", entity_id=code_a,
                 detail={"enemy": code_b, "added_with_reason": pair.reason}, reason=reason.strip())


@dataclass(frozen=True)
class Enemy:
    """One enemy of an item: the other item's code, why they may not share a form, since when."""

    code: str
    reason: str
    since: datetime


def enemies(session: Session, code: str) -> list[Enemy]:
    """The items that may never share a form with item ``code``, by code."""
    item = get_item(session, code)
    pairs = session.scalars(select(EnemyPair).where(or_(EnemyPair.item_a_id == item.id, EnemyPair.item_b_id == item.id))
                            .options(selectinload(EnemyPair.item_a), selectinload(EnemyPair.item_b)))
    return sorted((Enemy((p.item_b if p.item_a_id == item.id else p.item_a).code, p.reason, p.created_at)
                   for p in pairs), key=lambda e: e.code)


def is_translation(source: tuple[str, str], language: str | None, variant: str | None) -> bool:
    """Whether an edit of a version in ``source`` = (language, variant) into ``language`` and
    ``variant`` is a translation or the read-aloud variant, so the editor shows the source text
    beside the inputs. ``None`` keeps the source's own.

    >>> is_translation(("nl", "standard"), "en", "standard"), is_translation(("nl", "standard"), "nl", None)
    (True, False)
    >>> is_translation(("nl", "standard"), "nl", "read_aloud")
    True
    """
    from_language, from_variant = source
    return (language or from_language, Variant(variant or from_variant)) != (from_language, Variant(from_variant))


def tags_from_text(codes: dict[Dimension | str, str | None]) -> list[tuple[Dimension, str]]:
    """``(dimension, code)`` tags from the text a writer types per dimension, codes separated by
    commas or spaces (``{"objective": "LO1, LO2", "level": "K"}``), for :func:`revise_item`.

    >>> tags_from_text({"objective": "LO1, LO2", "level": " K ", "topic": None})
    [(<Dimension.OBJECTIVE: 'objective'>, 'LO1'), (<Dimension.OBJECTIVE: 'objective'>, 'LO2'), (<Dimension.LEVEL: 'level'>, 'K')]
    """
    import re

    return [(Dimension(dim), code) for dim, text in codes.items() for code in re.split(r"[,;\s]+", text or "") if code]


# --------------------------------------------------------------------------- line heads (many items at once)
__all__ += ["LineHead", "line_heads", "stale_lines", "lines_text", "list_items"]


@dataclass(frozen=True)
class LineHead:
    """The newest version of one line of an item (see :func:`item_lines`), cheap to list for a
    whole bank: no audit events are read, so no out-of-date mark (ask :func:`item_lines`)."""

    code: str
    language: str
    variant: Variant
    number: int
    version_id: int
    is_source: bool

    @property
    def key(self) -> LineKey:
        return (self.language, self.variant)


def line_heads(session: Session, codes: Iterable[str] | None = None) -> dict[str, list[LineHead]]:
    """Per item code: the newest version of each of its lines, the source line first (the line
    of the item's first version, :func:`source_line`), then by language and variant. One query
    over the version numbers, for lists and exports of many items; ``codes`` limits the items."""
    query = (select(Item.code, ItemVersion.id, ItemVersion.number, ItemVersion.language, ItemVersion.variant)
             .join(Item, ItemVersion.item_id == Item.id).order_by(Item.code, ItemVersion.number))
    if codes is not None:
        query = query.where(Item.code.in_(list(codes)))
    per_item: dict[str, dict[LineKey, tuple[int, int]]] = {}
    sources: dict[str, LineKey] = {}
    for code, version_id, number, language, variant in session.execute(query):
        key = (language, Variant(variant))
        sources.setdefault(code, key)  # ordered by number: the first row is the first version
        per_item.setdefault(code, {})[key] = (number, version_id)  # later rows overwrite: the newest
    out: dict[str, list[LineHead]] = {}
    for code, lines in per_item.items():
        source = sources[code]
        keys = [source, *sorted(set(lines) - {source}, key=lambda lk: (lk[0], lk[1].value))]
        out[code] = [LineHead(code, lk[0], lk[1], lines[lk][0], lines[lk][1], lk == source) for lk in keys]
    return out


def stale_lines(session: Session, heads: dict[str, Sequence[LineHead]]) -> dict[str, set[LineKey]]:
    """Per item code (of ``heads``, :func:`line_heads`): its lines whose newest version was made
    from an older source version than the source line's newest (:attr:`Line.out_of_date`), read
    for all the items at once (:func:`translations_of`); items with one line are not looked up."""
    several = {code: hs for code, hs in heads.items() if len(hs) > 1}
    made = translations_of(session, several)
    out: dict[str, set[LineKey]] = {}
    for code, hs in several.items():
        source_newest = next(h.number for h in hs if h.is_source)
        out[code] = {h.key for h in hs if not h.is_source
                     and _is_out_of_date(made.get(code, {}).get(h.number), source_newest)}
    return out


def lines_text(session: Session, code: str, heads: Sequence[LineHead],
               stale: set[LineKey] | None = None) -> str:
    """An item's lines in one cell of a list, the source first: ``nl, en, nl read-aloud``, a
    line made from an older source version marked ``(out of date)``. ``stale`` are those lines
    when the caller has them already (:func:`stale_lines` for many items), else they are read."""
    from itembank.text import t

    if stale is None:
        stale = stale_lines(session, {code: heads}).get(code, set())
    return ", ".join(h.language + ("" if h.variant is Variant.STANDARD else f" {h.variant.value.replace('_', '-')}")
                     + (" " + t("lines_out_of_date_mark") if h.key in stale else "") for h in heads)


def list_items(session: Session, *, language: str | None = None, all_versions: bool = False,
               limit: int | None = None, **filters: Any) -> list[tuple[ItemVersion, str]]:
    """What ``itembank items list`` and the dashboard's bank grid show, each version with its
    item's lines (:func:`lines_text`). Without ``language``: the newest version of each item's
    *source line* (a translation saved later never hides the source; the lines column says
    which translations exist); with ``language``: the newest version of each line in that
    language; ``all_versions``: every version. ``filters`` are :func:`find_versions`'s
    (specification, tag, status, text), applied to the version listed."""
    heads = line_heads(session)
    if all_versions or language:
        versions = find_versions(session, language=language, latest_only=not all_versions, **filters)
    else:
        source = {h.version_id for lines in heads.values() for h in lines if h.is_source}
        versions = [v for v in find_versions(session, latest_only=False, **filters) if v.id in source]
    versions = versions[:limit] if limit is not None else versions
    listed = {v.item.code: heads[v.item.code] for v in versions}
    stale = stale_lines(session, listed)  # one look-up for all the listed items, not one per item
    texts = {code: lines_text(session, code, hs, stale.get(code, set())) for code, hs in listed.items()}
    return [(v, texts[v.item.code]) for v in versions]
