"""The storage model: one declarative ``Base``, typed ``Mapped[...]`` columns, one file.

What is immutable and how it is enforced
-----------------------------------------
* ``ItemVersion`` content, ``FormItem`` rows of a frozen form, ``Release`` snapshots and
  ``AuditEvent`` rows are never updated or deleted. The ORM refuses it (see
  :mod:`itembank.storage.immutability`) and the database refuses it too (triggers created by the
  first migration), so neither a bug nor a hand-written SQL statement can rewrite history.
* Rows that users edit (``Item``, ``ReviewState``, ``Blueprint``, ``Form`` before freezing,
  ``User``) carry a ``lock_version`` column used by SQLAlchemy's ``version_id_col``: an update
  based on a stale read raises ``StaleDataError``, which the services turn into
  :class:`itembank.errors.ConflictError` (optimistic locking).

Scores and points are stored as exact decimals (:class:`ExactDecimal`) rather than floats, so
a max score of 0.5 or a weight of 1.5 round-trips exactly on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import enum
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Iterator, Optional

from sqlalchemy import (
    JSON,
    Float,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    CheckConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "ExactDecimal",
    "Role",
    "ItemType",
    "Variant",
    "ReviewStatus",
    "Dimension",
    "User",
    "UserRole",
    "AppSetting",
    "TestSpecification",
    "Tag",
    "ItemSet",
    "Item",
    "ItemVersion",
    "ItemVersionTag",
    "ReviewState",
    "StatusEvent",
    "EnemyPair",
    "Blueprint",
    "BlueprintCell",
    "Form",
    "FormItem",
    "Administration",
    "Candidate",
    "Registration",
    "ResponseSet",
    "RuleSet",
    "CutScoreRule",
    "Decision",
    "Release",
    "ResultRevision",
    "AuditEvent",
    "ItemStatistic",
    "Calibration",
    "CalibrationItem",
    "CalibrationLink",
    "utcnow",
    "recorded_at",
]


# A back-dated clock for one block of code (see :func:`recorded_at`); None = the real clock.
_BACKDATED: ContextVar[list[datetime] | None] = ContextVar("itembank_backdated", default=None)
_TICK = timedelta(seconds=1)


def utcnow() -> datetime:
    """Timezone-aware 'now' in UTC; every timestamp in the bank is UTC.

    Inside :func:`recorded_at` it is the block's moment instead, one second later at each
    call, so the events recorded there keep their order."""
    moment = _BACKDATED.get()
    if moment is None:
        return datetime.now(timezone.utc)
    now = moment[0]
    moment[0] = now + _TICK
    return now


@contextmanager
def recorded_at(start: datetime, session: Session | None = None) -> Iterator[None]:
    """Record everything done inside the block as happening from ``start`` (UTC) on.

    For a bank that tells a history, such as the demo: items reviewed and a form frozen months
    before the sitting they were used at. Every default timestamp (versions, status events,
    audit events, frozen forms) and every service that asks :func:`utcnow` sees the moment;
    an append-only row is thereby written once with the right time instead of being rewritten
    afterwards (which the immutability triggers refuse).

    A default timestamp is taken when its row is *flushed*, so pass the ``session``: its
    pending rows (an audit event added last, say) are flushed before the block ends and get
    the block's time, not the time of whatever flush comes next.

    Only code that builds a bank uses it (the demo, tests); no command or page does, so the
    events of a real bank carry the real time."""
    if start.tzinfo is None:
        raise ValueError("recorded_at needs a timezone-aware moment (UTC)")
    token = _BACKDATED.set([start.astimezone(timezone.utc)])
    try:
        if session is not None:
            session.flush()  # rows of an earlier block keep that block's time, not this one's
        yield
        if session is not None:
            session.flush()
    finally:
        _BACKDATED.reset(token)


class ExactDecimal(TypeDecorator[Decimal]):
    """A decimal stored as canonical text, so it is exact on every database.

    SQLite has no exact decimal type (its NUMERIC affinity turns 0.1 into a float); text keeps
    the value bit-for-bit and compares correctly for the equality checks the bank needs.
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Optional[str]:
        if value is None:
            return None
        d = Decimal(str(value))
        if not d.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        # normalize() would turn 10 into 1E+1; format keeps plain notation.
        text = format(d.normalize(), "f")
        return text

    def process_result_value(self, value: Any, dialect: Any) -> Optional[Decimal]:
        return None if value is None else Decimal(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (UTC)")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: Any, dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as the value text with a CHECK constraint (no native PG enum type to migrate).
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Role(str, enum.Enum):
    ITEM_WRITER = "item_writer"
    COMMITTEE = "committee"
    SECRETARY = "secretary"
    ADMIN = "admin"


class ItemType(str, enum.Enum):
    MC = "mc"  # single-answer multiple choice
    MR = "mr"  # multiple response
    OPEN = "open"  # open / constructed response, scored with points
    PRACTICAL = "practical"  # practical-exam criterion scored by assessors


class Variant(str, enum.Enum):
    STANDARD = "standard"
    READ_ALOUD = "read_aloud"


class ReviewStatus(str, enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"


class Dimension(str, enum.Enum):
    """The dimensions of a test specification an item version is tagged on."""

    OBJECTIVE = "objective"  # toetsterm / eindterm (learning objective)
    TOPIC = "topic"
    LEVEL = "level"  # cognitive level (e.g. knowledge / application)


# --------------------------------------------------------------------------- people


class User(Base):
    """Somebody who logs in to the dashboard, with one or more roles (DESIGN §7).

    ``password_hash`` is a standard KDF hash (werkzeug's scrypt) or None for a user who has no
    password yet; ``failed_logins`` and ``locked_until`` implement the back-off after repeated
    failed log-ins (see :mod:`itembank.services.users`).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[Optional[datetime]]
    last_login_at: Mapped[Optional[datetime]]
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    role_rows: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)


class UserRole(Base):
    """One role of a user; a person may hold several (DESIGN §7)."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), primary_key=True)


class AppSetting(Base):
    """Installation settings kept in the bank, e.g. the secret that signs session cookies
    (generated by the migration that made this table, so it is never in the source tree)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --------------------------------------------------------------------------- specifications


class TestSpecification(Base):
    """A test specification (toetsmatrijs), e.g. 'VCA Basis 2025', with its tag dimensions."""

    __tablename__ = "test_specifications"
    __test__ = False  # not a pytest test class, despite the name

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tags: Mapped[list["Tag"]] = relationship(
        back_populates="specification", order_by="Tag.id", cascade="all, delete-orphan"
    )


class Tag(Base):
    """A learning objective, topic or cognitive level of one specification."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("specification_id", "dimension", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    specification_id: Mapped[int] = mapped_column(ForeignKey("test_specifications.id"))
    dimension: Mapped[Dimension] = mapped_column(_enum(Dimension, "dimension"))
    code: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300), default="")

    specification: Mapped[TestSpecification] = relationship(back_populates="tags")


class ItemSet(Base):
    """Items sharing one stimulus (a case text, a figure): on a form all or nothing."""

    __tablename__ = "item_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    stimulus: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- items


class Item(Base):
    """An item's stable identity; its content lives in immutable :class:`ItemVersion` rows.

    ``current_number`` names the newest version; a revision based on an older number fails
    with a conflict (two writers revising the same item at once).
    """

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    specification_id: Mapped[Optional[int]] = mapped_column(ForeignKey("test_specifications.id"))
    item_set_id: Mapped[Optional[int]] = mapped_column(ForeignKey("item_sets.id"))
    current_number: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    specification: Mapped[Optional[TestSpecification]] = relationship()
    item_set: Mapped[Optional[ItemSet]] = relationship()
    versions: Mapped[list["ItemVersion"]] = relationship(
        back_populates="item", order_by="ItemVersion.number"
    )

    __mapper_args__ = {"version_id_col": lock_version}


class ItemVersion(Base):
    """One immutable version of an item's content.

    ``options`` is a list of ``{"label": "A", "text": "..."}``; ``key`` a list of labels (one
    for single-answer MC, one or more for multiple response, empty for open items).
    """

    __tablename__ = "item_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    number: Mapped[int]
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]]
    key: Mapped[list[Any]]
    item_type: Mapped[ItemType] = mapped_column(_enum(ItemType, "item_type"))
    max_score: Mapped[Decimal]
    language: Mapped[str] = mapped_column(String(10))
    variant: Mapped[Variant] = mapped_column(_enum(Variant, "variant"))
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    change_note: Mapped[str] = mapped_column(Text, default="")

    item: Mapped[Item] = relationship(back_populates="versions")
    tags: Mapped[list[Tag]] = relationship(secondary="item_version_tags", order_by="Tag.id")
    review: Mapped["ReviewState"] = relationship(back_populates="version", uselist=False)


class ItemVersionTag(Base):
    """Classification of a version against its specification (not part of its content)."""

    __tablename__ = "item_version_tags"

    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True)


class ReviewState(Base):
    """The current review status of one version (mutable, optimistic-locked).

    Every transition is also a :class:`StatusEvent`, so the history is never lost.
    """

    __tablename__ = "review_states"

    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), primary_key=True)
    status: Mapped[ReviewStatus] = mapped_column(_enum(ReviewStatus, "review_status"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    version: Mapped[ItemVersion] = relationship(back_populates="review")

    __mapper_args__ = {"version_id_col": lock_version}


class StatusEvent(Base):
    """One review transition: who moved which version from what to what, when and why."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    from_status: Mapped[Optional[ReviewStatus]] = mapped_column(
        _enum(ReviewStatus, "from_status")
    )
    to_status: Mapped[ReviewStatus] = mapped_column(_enum(ReviewStatus, "to_status"))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")


class EnemyPair(Base):
    """Two items that must not appear on one form (one gives away the other's answer).

    Stored with ``item_a_id < item_b_id`` so a pair is stored once.
    """

    __tablename__ = "enemy_pairs"
    __table_args__ = (
        UniqueConstraint("item_a_id", "item_b_id"),
        CheckConstraint("item_a_id < item_b_id", name="ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_a_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    item_b_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item_a: Mapped[Item] = relationship(foreign_keys=[item_a_id])
    item_b: Mapped[Item] = relationship(foreign_keys=[item_b_id])


# --------------------------------------------------------------------------- blueprints & forms


class Blueprint(Base):
    """Required item counts per cell (objective x level) plus totals, for one specification.

    Versioned like an item: a change is a new row with the next ``version`` of the same
    ``code``; ``constraints`` can hold the full constraint table used by exam assembly.
    """

    __tablename__ = "blueprints"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    specification_id: Mapped[int] = mapped_column(ForeignKey("test_specifications.id"))
    code: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200), default="")
    total_items: Mapped[int]
    total_points: Mapped[Decimal]
    duration_minutes: Mapped[Optional[int]]
    status: Mapped[ReviewStatus] = mapped_column(
        _enum(ReviewStatus, "blueprint_status"), default=ReviewStatus.DRAFT
    )
    constraints: Mapped[Optional[list[Any]]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    specification: Mapped[TestSpecification] = relationship()
    cells: Mapped[list["BlueprintCell"]] = relationship(
        back_populates="blueprint", cascade="all, delete-orphan", order_by="BlueprintCell.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}


class BlueprintCell(Base):
    __tablename__ = "blueprint_cells"
    __table_args__ = (
        UniqueConstraint("blueprint_id", "objective_id", "level_id"),
        CheckConstraint("n_items >= 0", name="n_items_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("blueprints.id"))
    objective_id: Mapped[int] = mapped_column(ForeignKey("tags.id"))
    level_id: Mapped[int] = mapped_column(ForeignKey("tags.id"))
    n_items: Mapped[int]

    blueprint: Mapped[Blueprint] = relationship(back_populates="cells")
    objective: Mapped[Tag] = relationship(foreign_keys=[objective_id])
    level: Mapped[Tag] = relationship(foreign_keys=[level_id])


class Form(Base):
    """An exam form: an ordered list of item versions, frozen before it is administered."""

    __tablename__ = "forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    specification_id: Mapped[Optional[int]] = mapped_column(ForeignKey("test_specifications.id"))
    blueprint_id: Mapped[Optional[int]] = mapped_column(ForeignKey("blueprints.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    frozen_at: Mapped[Optional[datetime]]
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    items: Mapped[list["FormItem"]] = relationship(
        back_populates="form", order_by="FormItem.position"
    )
    blueprint: Mapped[Optional[Blueprint]] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class FormItem(Base):
    """One position on a form: the item *version* and its key and score as frozen."""

    __tablename__ = "form_items"
    __table_args__ = (
        UniqueConstraint("form_id", "position"),
        UniqueConstraint("form_id", "item_version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"))
    position: Mapped[int]
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    key: Mapped[list[Any]]
    max_score: Mapped[Decimal]
    weight: Mapped[Decimal] = mapped_column(default=Decimal(1))
    part: Mapped[str] = mapped_column(String(50), default="MC")

    form: Mapped[Form] = relationship(back_populates="items")
    item_version: Mapped[ItemVersion] = relationship()


class Administration(Base):
    """One sitting of a form: date, location, language."""

    __tablename__ = "administrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"))
    date: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(10), default="nl")
    rule_set_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rule_sets.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    form: Mapped[Form] = relationship()
    rule_set: Mapped[Optional["RuleSet"]] = relationship()


class Candidate(Base):
    """A pseudonymous candidate: no names in the bank, only a code."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Registration(Base):
    """A candidate sitting an administration, with group attributes for DIF at that sitting."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("administration_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)

    candidate: Mapped[Candidate] = relationship()


class ResponseSet(Base):
    """The responses of one import into an administration, as one immutable response matrix.

    One row per import, not per response: ``payload`` holds the candidates x columns matrix in
    the format of :mod:`itembank.storage.response_matrix` (each column coded once as small
    integers into its own list of distinct answers: the chosen label(s) joined by "|", or a
    grader's points as exact decimal text; ``<item>#2`` for a second grader), ``columns`` its
    column names, ``content_hash`` the SHA-256 of the payload. One query and a numpy decode
    read a national sitting (100,000 x 100) in a fraction of a second, where a row per response
    took minutes; responses never change after import, so the matrix is append-only like a
    release (a correction is a new administration or an objection, never an edit).
    """

    __tablename__ = "response_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    n_candidates: Mapped[int]
    columns: Mapped[list[Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")


# --------------------------------------------------------------------------- committee


class RuleSet(Base):
    """A scoring rule set (TOML text), versioned: a change is a new version of the code."""

    __tablename__ = "rule_sets"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class CutScoreRule(Base):
    """A cut score decided for an administration, stored as a rule (not only a number).

    ``rule`` is the cut-score-rule document (kind points / percent / percent_guessing /
    item_ratings, with its source method and inputs), evaluated on the final scored data.
    """

    __tablename__ = "cut_score_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    part: Mapped[str] = mapped_column(String(50), default="total")
    rule: Mapped[dict[str, Any]]
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class Decision(Base):
    """A committee decision on an item of an administration (void, accept, rekey, weight).

    Decisions are never deleted: withdrawing one is a new row with ``action = "withdraw"``
    pointing at the withdrawn decision in ``withdraws_id``.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    form_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("form_items.id"))
    action: Mapped[str] = mapped_column(String(20))
    value: Mapped[Optional[str]] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdraws_id: Mapped[Optional[int]] = mapped_column(ForeignKey("decisions.id"))


class Release(Base):
    """An immutable snapshot of released results, with the decisions and rule set used."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("administration_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"))
    revision: Mapped[int]
    rule_set_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rule_sets.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")


class ResultRevision(Base):
    """A later revision of one candidate's released result (objection, annulment)."""

    __tablename__ = "result_revisions"
    __table_args__ = (UniqueConstraint("release_id", "candidate_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    revision: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))  # objection | annulment
    result: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class AuditEvent(Base):
    """Who did what, when and why. Append-only."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")


# --------------------------------------------------------------------------- what the bank remembers


class ItemStatistic(Base):
    """The classical statistics of one item *version* at one sitting, as the committee saw them.

    Written by :mod:`itembank.services.item_statistics` from
    :func:`itembank.services.item_analysis.analyze` (never recomputed elsewhere): at every
    release (``release_id`` set; then permanent: the ORM and the database refuse any update or
    delete) and on demand for a sitting not yet released (``release_id`` NULL: *provisional*;
    a later provisional run deletes and replaces them, and the next release supersedes them).

    ``n, mean, sd, max_score, p, rit, rir, alpha_if_deleted`` are the columns of
    :func:`analysis.ctt.item_statistics` (NULL where NaN, and for a voided item, which the
    analysis leaves out); ``options`` the item's rows of the distractor table (option, is_key,
    is_omitted, n, proportion, prop_low, prop_mid, prop_high, rar, mean_total); ``flags`` the
    flag codes of :func:`analysis.flags.item_flags`; ``decision`` the decisions in force on the
    item at that moment (voided, key and frozen key, extra answers accepted, weight).
    """

    __tablename__ = "item_statistics"
    __table_args__ = (
        UniqueConstraint("release_id", "form_item_id"),
        Index("ix_item_statistics_version", "item_version_id", "administration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    release_id: Mapped[Optional[int]] = mapped_column(ForeignKey("releases.id"))
    form_item_id: Mapped[int] = mapped_column(ForeignKey("form_items.id"))
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_by: Mapped[str] = mapped_column(String(100))
    voided: Mapped[bool] = mapped_column(default=False)
    n: Mapped[Optional[int]]
    mean: Mapped[Optional[float]] = mapped_column(Float)
    sd: Mapped[Optional[float]] = mapped_column(Float)
    max_score: Mapped[Optional[float]] = mapped_column(Float)
    p: Mapped[Optional[float]] = mapped_column(Float)
    rit: Mapped[Optional[float]] = mapped_column(Float)
    rir: Mapped[Optional[float]] = mapped_column(Float)
    alpha_if_deleted: Mapped[Optional[float]] = mapped_column(Float)
    options: Mapped[list[Any]] = mapped_column(default=list)
    flags: Mapped[list[Any]] = mapped_column(default=list)
    decision: Mapped[dict[str, Any]] = mapped_column(default=dict)

    @property
    def provisional(self) -> bool:
        """True for statistics of a sitting not (yet) released: replaced by the next run."""
        return self.release_id is None


class Calibration(Base):
    """An IRT calibration of one sitting, stored as an object: model, engine and its version,
    the hash of the data it was fitted to, the fit, who and when. Append-only (a new fit is a
    new calibration; the newest per item version is the item's current parameters).

    ``data_hash`` is the SHA-256 of the scored matrix that was fitted
    (:func:`itembank.services.calibrations.data_hash`); ``settings`` the fit options (standard
    errors, prior on c, tolerance, iterations, quadrature points).
    """

    __tablename__ = "calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    model: Mapped[str] = mapped_column(String(10))
    engine: Mapped[str] = mapped_column(String(50))
    engine_version: Mapped[str] = mapped_column(String(200))
    data_hash: Mapped[str] = mapped_column(String(64))
    n_candidates: Mapped[int]
    n_items: Mapped[int]
    n_parameters: Mapped[int]
    loglik: Mapped[float] = mapped_column(Float)
    aic: Mapped[float] = mapped_column(Float)
    bic: Mapped[float] = mapped_column(Float)
    converged: Mapped[bool]
    iterations: Mapped[int]
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    items: Mapped[list["CalibrationItem"]] = relationship(
        back_populates="calibration", order_by="CalibrationItem.id")


class CalibrationItem(Base):
    """One item version's parameters in a calibration.

    ``parameters`` holds the row of :attr:`analysis.irt.IrtFit.items` for the item: ``a``,
    ``b`` (+ ``c``) or ``a``, ``b1..bk``, and ``se_*`` for each (None where fixed or not
    estimated); ``n`` the responses, ``infit``/``outfit`` (and their z) the item fit of
    :meth:`analysis.irt.IrtFit.item_fit`. Append-only.
    """

    __tablename__ = "calibration_items"
    __table_args__ = (UniqueConstraint("calibration_id", "form_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibrations.id"))
    form_item_id: Mapped[int] = mapped_column(ForeignKey("form_items.id"))
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    n: Mapped[int]
    parameters: Mapped[dict[str, Any]]
    infit: Mapped[Optional[float]] = mapped_column(Float)
    infit_z: Mapped[Optional[float]] = mapped_column(Float)
    outfit: Mapped[Optional[float]] = mapped_column(Float)
    outfit_z: Mapped[Optional[float]] = mapped_column(Float)

    calibration: Mapped[Calibration] = relationship(back_populates="items")


class CalibrationLink(Base):
    """How a calibration stands to the bank's IRT scale (one row per decision; the newest row
    of a calibration is the one in force). Append-only: linking again adds a row.

    ``status``: ``base`` (this calibration defines the scale of its specification: θ ~ N(0, 1)
    in its sitting), ``linked`` (put on the scale of ``base_id`` with θ_bank = A θ_own + B, so
    a_bank = a / A and b_bank = A b + B; :mod:`analysis.equating`) or ``unlinked`` (too few
    common items on the scale: kept, but not used as bank-scale parameters). ``linked_to_id``
    is the calibration that supplied most of the common items' bank-scale parameters;
    ``common_items`` lists ``[item_version_id, calibration_id]`` of each common item used.
    ``method`` is ``stocking_lord``, ``mean_sigma``, ``mean_mean`` or ``same_sitting`` (a
    recalibration of a sitting already on the scale: the same candidates fix the same scale).
    """

    __tablename__ = "calibration_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibrations.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    base_id: Mapped[Optional[int]] = mapped_column(ForeignKey("calibrations.id"))
    linked_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("calibrations.id"))
    method: Mapped[Optional[str]] = mapped_column(String(20))
    A: Mapped[Optional[float]] = mapped_column(Float)
    B: Mapped[Optional[float]] = mapped_column(Float)
    n_common: Mapped[int] = mapped_column(default=0)
    common_items: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
