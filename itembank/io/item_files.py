"""Item import and export as CSV or XLSX: one row per item version.

Columns (see the README for the full description)::

    code, version, status, item_type, language, variant, stem, option_<label>..., key,
    max_score, author, created_at, change_note, specification, objective, topic, level,
    item_set

An option is one ``option_<label>`` column (``option_A`` ... ``option_D``); an empty cell
means the item has no option with that label. ``key``, ``objective``, ``topic`` and
``level`` hold one or more codes joined by ``|``.

Import is all-or-nothing: every row is checked first and any problem — each named by file,
row (as a spreadsheet numbers it, header = row 1), column and what was expected — raises
:class:`~itembank.errors.InputFileError` before anything is written; the caller's single
transaction covers the writes. Re-importing a version that already exists with the same
content is a no-op, so export -> import is lossless and idempotent.
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from itembank.storage import audit
from itembank.services.bank import add_version
from itembank.services.bank import ItemContent, parse_decimal
from itembank.errors import InputFileError, Problem, UserError
from itembank.storage.models import (
    Dimension,
    Item,
    ItemSet,
    ItemType,
    ItemVersion,
    ReviewState,
    ReviewStatus,
    Tag,
    TestSpecification,
    Variant,
)

__all__ = ["import_items", "export_items", "read_table", "write_table", "ImportReport", "FIXED_COLUMNS"]

LEADING = ["code", "version", "status", "item_type", "language", "variant", "stem"]
TRAILING = ["key", "max_score", "author", "created_at", "change_note",
            "specification", "objective", "topic", "level", "item_set"]
FIXED_COLUMNS = LEADING + TRAILING
OPTION_PREFIX = "option_"
TAG_COLUMNS = {"objective": Dimension.OBJECTIVE, "topic": Dimension.TOPIC, "level": Dimension.LEVEL}


# --------------------------------------------------------------------------- reading files


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a user typed (1.0 -> '1', dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def read_table(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and rows of a CSV (UTF-8, with or without BOM) or XLSX file (first sheet).

    Rows come with their spreadsheet row number (header = 1); fully empty rows are skipped.
    """
    name = path.name
    if not path.exists():
        raise UserError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                reader = csv.reader(fh)
                lines = list(reader)
        except UnicodeDecodeError as exc:
            raise InputFileError([Problem(name, None, None,
                                          f"not UTF-8 text ({exc.reason}); save the file as CSV UTF-8")]) from exc
        except csv.Error as exc:
            raise InputFileError([Problem(name, None, None, f"not a valid CSV file: {exc}")]) from exc
    elif suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a damaged file
            raise InputFileError([Problem(name, None, None, f"not a readable XLSX workbook: {exc}")]) from exc
        sheet = workbook.worksheets[0]
        lines = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    else:
        raise UserError(f"{path}: expected a .csv or .xlsx file")
    if not lines or not any(c.strip() for c in lines[0]):
        raise InputFileError([Problem(name, 1, None, "the file has no header row")])
    header = [h.strip() for h in lines[0]]
    while header and header[-1] == "":
        header.pop()
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in line):
            continue
        if len(line) > len(header) and any(c.strip() for c in line[len(header):]):
            raise InputFileError([Problem(name, number, None,
                                          f"the row has {len(line)} cells but the header only {len(header)}")])
        rows.append((number, {h: (line[i] if i < len(line) else "") for i, h in enumerate(header)}))
    return header, rows


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


def _enum_value(enum_cls: Any, text: str, default: Any) -> Any:
    if not text:
        return default
    try:
        return enum_cls(text.strip().lower())
    except ValueError:
        return None


def import_items(session: Session, path: str | Path, *, actor: str) -> ImportReport:
    """Import item versions from a CSV/XLSX file, all or nothing (see module docstring)."""
    path = Path(path)
    name = path.name
    header, raw_rows = read_table(path)
    problems: list[Problem] = []

    def problem(row: int | None, column: str | None, message: str) -> None:
        problems.append(Problem(name, row, column, message))

    option_columns = [h for h in header if h.startswith(OPTION_PREFIX)]
    for h in header:
        if h not in FIXED_COLUMNS and not h.startswith(OPTION_PREFIX):
            problem(1, h, f"unknown column; expected one of {', '.join(FIXED_COLUMNS)} or option_<label>")
    seen_header = set()
    for h in header:
        if h in seen_header:
            problem(1, h, "the column appears twice")
        seen_header.add(h)
    for required in ("code", "stem"):
        if required not in header:
            problem(1, None, f"missing column '{required}'")
    if problems:
        raise InputFileError(problems)

    specs = {s.code: s for s in session.scalars(select(TestSpecification))}
    tag_index: dict[tuple[int, Dimension, str], Tag] = {
        (t.specification_id, t.dimension, t.code): t for t in session.scalars(select(Tag))
    }
    sets = {s.code: s for s in session.scalars(select(ItemSet))}

    parsed: list[_Row] = []
    for number, cells in raw_rows:
        get = lambda col: cells.get(col, "").strip()  # noqa: E731
        before = len(problems)
        code = get("code")
        if not code:
            problem(number, "code", "the item code is empty")
        version: int | None = None
        if get("version"):
            try:
                version = int(get("version"))
                if version < 1:
                    raise ValueError
            except ValueError:
                problem(number, "version", f"expected a whole number of 1 or more, got '{get('version')}'")
        status = _enum_value(ReviewStatus, get("status"), ReviewStatus.DRAFT)
        if status is None:
            problem(number, "status", f"expected one of {', '.join(s.value for s in ReviewStatus)}, got '{get('status')}'")
        item_type = _enum_value(ItemType, get("item_type"), ItemType.MC)
        if item_type is None:
            problem(number, "item_type", f"expected one of {', '.join(t.value for t in ItemType)}, got '{get('item_type')}'")
        variant = _enum_value(Variant, get("variant"), Variant.STANDARD)
        if variant is None:
            problem(number, "variant", f"expected one of {', '.join(v.value for v in Variant)}, got '{get('variant')}'")
        language = get("language").lower() or "nl"
        max_score_text = get("max_score") or "1"
        max_score = parse_decimal(max_score_text)
        if max_score is None:
            problem(number, "max_score", f"expected a positive number, got '{max_score_text}'")
        options = tuple((col[len(OPTION_PREFIX):], cells[col]) for col in option_columns
                        if cells.get(col, "").strip())
        key = tuple(k.strip() for k in get("key").split("|") if k.strip())
        created_at = None
        if get("created_at"):
            try:
                created_at = datetime.fromisoformat(get("created_at"))
                if created_at.tzinfo is None:
                    created_at = created_at.replace(tzinfo=timezone.utc)
            except ValueError:
                problem(number, "created_at", f"expected an ISO date-time such as 2025-03-01T10:00:00+00:00, got '{get('created_at')}'")
        spec_code = get("specification")
        spec = specs.get(spec_code) if spec_code else None
        if spec_code and spec is None:
            problem(number, "specification", f"unknown test specification '{spec_code}'")
        tags: list[tuple[Dimension, str]] = []
        for column, dimension in TAG_COLUMNS.items():
            for tag_code in (t.strip() for t in get(column).split("|") if t.strip()):
                if spec_code == "":
                    problem(number, column, "a tag needs a test specification in column 'specification'")
                elif spec is not None and (spec.id, dimension, tag_code) not in tag_index:
                    known = sorted(c for (s, d, c) in tag_index if s == spec.id and d == dimension)
                    problem(number, column, f"unknown {dimension.value} code '{tag_code}' in {spec_code} "
                                            f"(known: {', '.join(known) or 'none'})")
                tags.append((dimension, tag_code))
        item_set = get("item_set")
        if item_set and item_set not in sets:
            problem(number, "item_set", f"unknown item set '{item_set}'")
        if len(problems) > before or status is None or item_type is None or variant is None or max_score is None:
            continue
        content = ItemContent(stem=cells.get("stem", "").strip(), options=options, key=key,
                              item_type=item_type, max_score=max_score, language=language, variant=variant)
        field_column = {"stem": "stem", "key": "key", "max_score": "max_score", "language": "language",
                        "options": option_columns[0] if option_columns else "option_A"}
        for field_name, message in content.problems():
            problem(number, field_column.get(field_name, field_name), message)
        parsed.append(_Row(number, code, version, status, content, get("author") or actor,
                           created_at, cells.get("change_note", "").strip(), spec_code, tags, item_set))

    # duplicates inside the file
    seen: dict[tuple[str, int | None], int] = {}
    for row in parsed:
        k = (row.code, row.version)
        if k in seen:
            what = f"version {row.version} of item" if row.version else "item code"
            problem(row.number, "code" if row.version is None else "version",
                    f"duplicate {what} '{row.code}' (also on row {seen[k]})")
        else:
            seen[k] = row.number

    # versions must continue each item's history without gaps
    items = {i.code: i for i in session.scalars(
        select(Item).where(Item.code.in_({r.code for r in parsed}))
        .options(selectinload(Item.versions)))}
    plan: list[tuple[_Row, str]] = []  # (row, "new" | "same")
    by_code: dict[str, list[_Row]] = {}
    for row in parsed:
        by_code.setdefault(row.code, []).append(row)
    for code, rows in by_code.items():
        item = items.get(code)
        current = item.current_number if item else 0
        stored = {v.number: v for v in item.versions} if item else {}
        explicit = sorted((r for r in rows if r.version is not None), key=lambda r: r.version or 0)
        implicit = [r for r in rows if r.version is None]
        nxt = current + 1
        for r in explicit:
            assert r.version is not None
            if r.version <= current:
                if ItemContent.of(stored[r.version]) != r.content:
                    problem(r.number, "version", f"version {r.version} of {code} already exists with "
                                                 "different content; leave 'version' empty to add a new version")
                else:
                    plan.append((r, "same"))
            elif r.version == nxt:
                plan.append((r, "new"))
                nxt += 1
            else:
                problem(r.number, "version", f"expected version {nxt} of {code} next, got {r.version} "
                                             "(versions must follow each other without gaps)")
        for r in implicit:
            plan.append((r, "new"))
        if item and rows and rows[0].specification and item.specification_id is not None:
            spec = specs.get(rows[0].specification)
            if spec is not None and spec.id != item.specification_id:
                problem(rows[0].number, "specification",
                        f"item {code} belongs to another test specification")
    if problems:
        raise InputFileError(problems)

    report = ImportReport(file=name)
    for row, action in plan:
        if action == "same":
            report.unchanged.append((row.code, row.version or 0))
            continue
        item = items.get(row.code)
        spec = specs.get(row.specification) if row.specification else None
        if item is None:
            item = Item(code=row.code, specification=spec, current_number=0,
                        item_set=sets.get(row.item_set) if row.item_set else None)
            session.add(item)
            items[row.code] = item
            report.new_items.append(row.code)
        tag_rows = [tag_index[(spec.id, d, c)] for d, c in row.tags] if spec else []
        version = add_version(session, item, row.content, author=row.author,
                                  change_note=row.change_note or f"imported from {name}",
                                  status=row.status, actor=actor, tags=tag_rows,
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
) -> int:
    """Write item versions to a CSV or XLSX file (by suffix); returns the number of rows.

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
    if latest_only:
        query = query.where(ItemVersion.number == Item.current_number)
    versions = list(session.scalars(query))
    states = {s.item_version_id: s.status for s in session.scalars(select(ReviewState))}
    labels: list[str] = []
    for v in versions:
        for o in v.options:
            if o["label"] not in labels:
                labels.append(o["label"])
    header = LEADING + [OPTION_PREFIX + label for label in labels] + TRAILING
    rows = []
    for v in versions:
        opts = {o["label"]: o["text"] for o in v.options}
        tags = {dim: "|".join(t.code for t in v.tags if t.dimension is d) for dim, d in TAG_COLUMNS.items()}
        row = {
            "code": v.item.code, "version": str(v.number), "status": states[v.id].value,
            "item_type": v.item_type.value, "language": v.language, "variant": v.variant.value,
            "stem": v.stem, "key": "|".join(v.key), "max_score": format(Decimal(v.max_score), "f"),
            "author": v.author, "created_at": v.created_at.isoformat(), "change_note": v.change_note,
            "specification": v.item.specification.code if v.item.specification else "",
            "item_set": v.item.item_set.code if v.item.item_set else "",
            **tags,
            **{OPTION_PREFIX + label: opts.get(label, "") for label in labels},
        }
        rows.append([row[h] for h in header])
    write_table(path, header, rows)
    return len(rows)


def _text_cell(sheet: Any, value: str) -> Any:
    """A cell that Excel shows as the text itself: a stem such as "=1+1" must not become a
    formula (it would be lost on reading, and formulas in exported files are a known attack)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def write_table(path: Path, header: list[str], rows: Iterable[list[str]], *, sheet_name: str = "items") -> None:
    """Write a CSV or XLSX (one sheet, every cell text) atomically: temporary file, then rename."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UserError(f"{path}: expected a .csv or .xlsx file name")
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        if suffix == ".csv":
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows(rows)
        else:
            import openpyxl

            workbook = openpyxl.Workbook(write_only=True)
            sheet = workbook.create_sheet(sheet_name)
            sheet.append(header)
            for row in rows:
                sheet.append([_text_cell(sheet, value) for value in row])
            workbook.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
