"""Item import and export as CSV or XLSX: one row per item version.

Columns (see the README for the full description)::

    code, version, status, item_type, language, variant, stem, option_<label>..., key,
    max_score, author, created_at, change_note, specification, objective, topic, level,
    item_set

An option is one ``option_<label>`` column (``option_A`` ... ``option_D``); an empty cell
means the item has no option with that label. ``key``, ``objective``, ``topic`` and
``level`` hold one or more codes joined by ``|`` (:data:`itembank.scoring.form.LABEL_SEPARATOR`).
Files are read and written by :mod:`itembank.io.tables` (CSV or XLSX, atomic writes); the
columns are declared in :data:`COLUMNS`; ``max_score`` follows :mod:`itembank.io.numbers`.

Import is all-or-nothing: every row is checked first and any problem — each named by file,
row (as a spreadsheet numbers it, header = row 1), column and what was expected — raises
:class:`~itembank.errors.InputFileError` before anything is written; the caller's single
transaction covers the writes. Re-importing a version that already exists with the same
content is a no-op, so export -> import is lossless and idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from itembank.storage import audit
from itembank.services.bank import add_version
from itembank.services.bank import ItemContent, parse_decimal
from itembank.errors import InputFileError, Problem
from itembank.io.tables import Column, Table, check_header, one_of, parse_cells, read_table, whole_number, write_table
from itembank.scoring.form import join_labels, split_labels
from itembank.storage.models import (
    Dimension,
    Item,
    ItemSet,
    ItemType,
    ItemVersion,
    ReviewState,
    StatusEvent,
    ReviewStatus,
    Tag,
    TestSpecification,
    Variant,
)

__all__ = ["import_items", "export_items", "read_table", "write_table", "ImportReport", "FIXED_COLUMNS", "COLUMNS"]

LEADING = ["code", "version", "status", "item_type", "language", "variant", "stem"]
TRAILING = ["key", "max_score", "author", "reviewed_by", "created_at", "change_note",
            "specification", "objective", "topic", "level", "item_set"]
FIXED_COLUMNS = LEADING + TRAILING
OPTION_PREFIX = "option_"
TAG_COLUMNS = {"objective": Dimension.OBJECTIVE, "topic": Dimension.TOPIC, "level": Dimension.LEVEL}


# --------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    file: str
    new_items: list[str] = field(default_factory=list)
    new_versions: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[tuple[str, int]] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.file}: {len(self.new_items)} new items, "
                f"{len(self.new_versions)} new versions, {len(self.unchanged)} unchanged")


@dataclass
class _Row:
    number: int
    code: str
    version: int | None
    status: ReviewStatus
    content: ItemContent
    author: str
    created_at: datetime | None
    change_note: str
    specification: str
    tags: list[tuple[Dimension, str]]
    item_set: str
    reviewed_by: str = ""


def _max_score(text: str) -> Decimal:
    # the sign is ItemContent's check ("must be a positive number"), so only the form is here
    value = parse_decimal(text)
    if value is None:
        raise ValueError(f"expected a positive number, got '{text}'")
    return value


def _created_at(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected an ISO date-time such as 2025-03-01T10:00:00+00:00, got '{text}'") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _version(text: str) -> int | None:
    return whole_number(minimum=1)(text) if text else None


COLUMNS: tuple[Column, ...] = (
    Column("code", required=True),
    Column("version", parse=_version),
    Column("status", default=ReviewStatus.DRAFT.value,
           parse=one_of([s.value for s in ReviewStatus], lower=True)),
    Column("item_type", default=ItemType.MC.value, parse=one_of([t.value for t in ItemType], lower=True)),
    Column("language", default="nl", parse=str.lower),
    Column("variant", default=Variant.STANDARD.value, parse=one_of([v.value for v in Variant], lower=True)),
    Column("stem", required=True),
    Column("key", parse=split_labels),
    Column("max_score", default="1", parse=_max_score),
    Column("author"),
    Column("reviewed_by"),
    Column("created_at", parse=_created_at),
    Column("change_note"),
    Column("specification"),
    *(Column(tag, parse=split_labels) for tag in ("objective", "topic", "level")),
    Column("item_set"),
)
"""The item file's columns, declared: what each accepts and what an empty cell means."""


@dataclass
class _Bank:
    """What the checks need from the bank, loaded once: specifications, tags, item sets."""

    specs: dict[str, TestSpecification]
    tags: dict[tuple[int, Dimension, str], Tag]
    sets: dict[str, ItemSet]

    @classmethod
    def load(cls, session: Session) -> "_Bank":
        return cls(
            specs={s.code: s for s in session.scalars(select(TestSpecification))},
            tags={(t.specification_id, t.dimension, t.code): t for t in session.scalars(select(Tag))},
            sets={s.code: s for s in session.scalars(select(ItemSet))},
        )


def import_items(session: Session, path: str | Path, *, actor: str) -> ImportReport:
    """Import item versions from a CSV/XLSX file, all or nothing (see module docstring).

    The steps: read the file and check its header; check every row on its own (cells, tags,
    content); check the rows against each other and against the versions in the bank; only
    then write every new version.
    """
    table = read_table(path)
    problems = check_header(table, COLUMNS, also_allowed=lambda h: h.startswith(OPTION_PREFIX),
                            allowed_note="option_<label>")
    if not table.rows:
        # Without this the import "succeeded" with 0 new items and still wrote an audit event.
        problems.append(table.problem(None, None, "the file has no item rows (only a header row); nothing to import"))
    if problems:
        raise InputFileError(problems)
    known = _Bank.load(session)
    rows = []
    for number, cells in table.rows:
        row, row_problems = _check_row(table, number, cells, known, actor=actor)
        problems += row_problems
        if row is not None:
            rows.append(row)
    problems += _duplicates_in_file(table, rows)
    items = {i.code: i for i in session.scalars(
        select(Item).where(Item.code.in_({r.code for r in rows})).options(selectinload(Item.versions)))}
    plan, bank_problems = _plan_against_bank(table, rows, items, known)
    problems += bank_problems
    if problems:
        raise InputFileError(problems)
    return _write_plan(session, table.name, plan, items, known, actor=actor)


def _check_row(
    table: Table, number: int, cells: dict[str, str], known: _Bank, *, actor: str
) -> tuple[_Row | None, list[Problem]]:
    """One row on its own: its cells, its tags against the specification, its content."""
    values, problems = parse_cells(table, number, cells, COLUMNS)
    if not values.get("code"):
        problems.insert(0, table.problem(number, "code", "the item code is empty"))
    spec_code = values["specification"]
    spec = known.specs.get(spec_code) if spec_code else None
    if spec_code and spec is None:
        problems.append(table.problem(number, "specification", f"unknown test specification '{spec_code}'"))
    tags: list[tuple[Dimension, str]] = []
    for column, dimension in TAG_COLUMNS.items():
        for tag_code in values[column]:
            if spec_code == "":
                problems.append(table.problem(number, column, "a tag needs a test specification in column 'specification'"))
            elif spec is not None and (spec.id, dimension, tag_code) not in known.tags:
                codes = sorted(c for (s, d, c) in known.tags if s == spec.id and d == dimension)
                problems.append(table.problem(number, column, f"unknown {dimension.value} code '{tag_code}' in "
                                                              f"{spec_code} (known: {', '.join(codes) or 'none'})"))
            tags.append((dimension, tag_code))
    if values["item_set"] and values["item_set"] not in known.sets:
        problems.append(table.problem(number, "item_set", f"unknown item set '{values['item_set']}'"))
    if problems:
        return None, problems
    option_columns = [h for h in table.header if h.startswith(OPTION_PREFIX)]
    options = tuple((col[len(OPTION_PREFIX):], cells[col]) for col in option_columns if cells.get(col))
    content = ItemContent(stem=values["stem"], options=options, key=values["key"],
                          item_type=ItemType(values["item_type"]), max_score=values["max_score"],
                          language=values["language"], variant=Variant(values["variant"]))
    field_column = {"options": option_columns[0] if option_columns else "option_A"}
    problems = [table.problem(number, field_column.get(f, f), message) for f, message in content.problems()]
    author = values["author"] or actor
    if values["reviewed_by"] and values["reviewed_by"] == author and values["status"] == ReviewStatus.APPROVED.value:
        problems.append(table.problem(number, "reviewed_by", f"an approved version's reviewer must not be its author "
                                                             f"({author}): four-eyes rule"))
    row = _Row(number, values["code"], values["version"], ReviewStatus(values["status"]), content,
               author, values["created_at"], values["change_note"], spec_code, tags,
               values["item_set"], values["reviewed_by"])
    return row, problems


def _duplicates_in_file(table: Table, rows: list[_Row]) -> list[Problem]:
    """A code (without version) or a code and version that appears twice in the file."""
    problems = []
    seen: dict[tuple[str, int | None], int] = {}
    for row in rows:
        k = (row.code, row.version)
        if k in seen:
            what = f"version {row.version} of item" if row.version else "item code"
            problems.append(table.problem(row.number, "code" if row.version is None else "version",
                                          f"duplicate {what} '{row.code}' (also on row {seen[k]})"))
        else:
            seen[k] = row.number
    return problems


def _plan_against_bank(
    table: Table, rows: list[_Row], items: dict[str, Item], known: _Bank
) -> tuple[list[tuple[_Row, str]], list[Problem]]:
    """Which rows add a version ("new") and which repeat a stored one ("same"); versions must
    continue each item's history without gaps, and an item keeps its specification."""
    plan: list[tuple[_Row, str]] = []
    problems: list[Problem] = []
    by_code: dict[str, list[_Row]] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    for code, code_rows in by_code.items():
        item = items.get(code)
        current = item.current_number if item else 0
        stored = {v.number: v for v in item.versions} if item else {}
        explicit = sorted((r for r in code_rows if r.version is not None), key=lambda r: r.version or 0)
        nxt = current + 1
        for r in explicit:
            assert r.version is not None
            if r.version <= current:
                if ItemContent.of(stored[r.version]) != r.content:
                    problems.append(table.problem(r.number, "version", (
                        f"version {r.version} of {code} already exists with "
                        "different content; leave 'version' empty to add a new version")))
                else:
                    plan.append((r, "same"))
            elif r.version == nxt:
                plan.append((r, "new"))
                nxt += 1
            else:
                problems.append(table.problem(r.number, "version", (
                    f"expected version {nxt} of {code} next, got {r.version} "
                    "(versions must follow each other without gaps)")))
        plan += [(r, "new") for r in code_rows if r.version is None]
        if item and code_rows[0].specification and item.specification_id is not None:
            spec = known.specs.get(code_rows[0].specification)
            if spec is not None and spec.id != item.specification_id:
                problems.append(table.problem(code_rows[0].number, "specification",
                                              f"item {code} belongs to another test specification"))
    return plan, problems


def _write_plan(
    session: Session, name: str, plan: list[tuple[_Row, str]], items: dict[str, Item], known: _Bank, *, actor: str
) -> ImportReport:
    """Add every planned version (the caller's transaction covers them all) and audit the import."""
    report = ImportReport(file=name)
    for row, action in plan:
        if action == "same":
            report.unchanged.append((row.code, row.version or 0))
            continue
        item = items.get(row.code)
        spec = known.specs.get(row.specification) if row.specification else None
        if item is None:
            item = Item(code=row.code, specification=spec, current_number=0,
                        item_set=known.sets.get(row.item_set) if row.item_set else None)
            session.add(item)
            items[row.code] = item
            report.new_items.append(row.code)
        tag_rows = [known.tags[(spec.id, d, c)] for d, c in row.tags] if spec else []
        version = add_version(session, item, row.content, author=row.author,
                              change_note=row.change_note or f"imported from {name}",
                              # an item reviewed in another system keeps its reviewer (column reviewed_by)
                              status=row.status, actor=row.reviewed_by or actor, tags=tag_rows,
                              created_at=row.created_at)
        report.new_versions.append((row.code, version.number))
    audit.record(session, actor=actor, action="import", entity_type="items", entity_id=name,
                 detail={"new_items": len(report.new_items), "new_versions": len(report.new_versions),
                         "unchanged": len(report.unchanged)})
    return report


# --------------------------------------------------------------------------- export


def export_items(
    session: Session,
    path: str | Path,
    *,
    specification: str | None = None,
    latest_only: bool = False,
    codes: Sequence[str] | None = None,
    language: str | None = None,
) -> int:
    """Write item versions to a CSV or XLSX file (by suffix); returns the number of rows.
    ``codes`` restricts the export to those items (a selection in the dashboard).

    ``latest_only`` writes the newest version of each *line* of an item (its versions of one
    language and variant, :func:`itembank.services.bank.line_heads`), each a row of its own:
    a Dutch item whose English translation was saved later exports its newest Dutch version
    and its newest English one, the source first, not only the English. ``language`` keeps
    the versions in that language (with ``latest_only``: the newest of each line in it).

    The file is written to a temporary name and renamed, so a failed export leaves no
    half-written file.
    """
    path = Path(path)
    query = (select(ItemVersion).join(Item, ItemVersion.item_id == Item.id)
             .options(selectinload(ItemVersion.tags), selectinload(ItemVersion.item).selectinload(Item.specification),
                      selectinload(ItemVersion.item).selectinload(Item.item_set))
             .order_by(Item.code, ItemVersion.number))
    if specification:
        query = query.join(TestSpecification, Item.specification_id == TestSpecification.id).where(
            TestSpecification.code == specification)
    if language:
        query = query.where(ItemVersion.language == language)
    if codes is not None:
        query = query.where(Item.code.in_(list(codes)))
    versions = list(session.scalars(query))
    if latest_only:
        from itembank.services.bank import line_heads

        # the newest version of every line, source line first (not the newest of any language)
        order = {h.version_id: k for k, h in enumerate(h for heads in line_heads(session, codes).values()
                                                         for h in heads)}
        versions = sorted((v for v in versions if v.id in order), key=lambda v: (v.item.code, order[v.id]))
    states = {s.item_version_id: s.status for s in session.scalars(select(ReviewState))}
    # who approved each version (the newest approval), so an export re-imported elsewhere
    # keeps its reviewer
    reviewers = dict(session.execute(select(StatusEvent.item_version_id, StatusEvent.actor)
                                     .where(StatusEvent.to_status == ReviewStatus.APPROVED)
                                     .order_by(StatusEvent.id)).all())
    labels: list[str] = []
    for v in versions:
        for o in v.options:
            if o["label"] not in labels:
                labels.append(o["label"])
    header = LEADING + [OPTION_PREFIX + label for label in labels] + TRAILING
    rows = []
    for v in versions:
        opts = {o["label"]: o["text"] for o in v.options}
        tags = {dim: join_labels(t.code for t in v.tags if t.dimension is d) for dim, d in TAG_COLUMNS.items()}
        row = {
            "code": v.item.code, "version": str(v.number), "status": states[v.id].value,
            "item_type": v.item_type.value, "language": v.language, "variant": v.variant.value,
            "stem": v.stem, "key": join_labels(v.key), "max_score": format(Decimal(v.max_score), "f"),
            "author": v.author, "reviewed_by": reviewers.get(v.id, ""), "created_at": v.created_at.isoformat(),
            "change_note": v.change_note,
            "specification": v.item.specification.code if v.item.specification else "",
            "item_set": v.item.item_set.code if v.item.item_set else "",
            **tags,
            **{OPTION_PREFIX + label: opts.get(label, "") for label in labels},
        }
        rows.append([row[h] for h in header])
    write_table(path, header, rows)
    return len(rows)
