"""QTI 3.0 and 2.1/2.2 content packages and single item files into the bank.

What is read (and checked), everything else in a file is ignored only where it cannot
change an item (feedback, stylesheets, the test, webcontent assets):

* the package: a zip archive with ``imsmanifest.xml`` in a content-package namespace (QTI 3.0
  ``.../qtiv3p0/imscp_v1p1`` or IMS CP 1.1 ``.../imscp_v1p1``); with a QTI 3.0 manifest,
  ``schema``/``schemaversion`` must be values the QTI 3.0 CP XSD enumerates (``3.0.1``, which
  the 1EdTech samples write, is accepted too); every item resource
  (``imsqti_item_xmlv3p0``, ``imsqti_item_xmlv2p1``, ``imsqti_item_xmlv2p2``) must name a file
  that is in the archive; test resources are listed as not imported;
* an item: the root ``qti-assessment-item`` (QTI 3.0, ``imsqtiasi_v3p0``) or
  ``assessmentItem`` (QTI 2.1/2.2, renamed to 3.0's names first by
  :func:`itembank.io.qti._xml.from_v2`); exactly one interaction, a
  ``qti-choice-interaction`` (response cardinality single -> mc, multiple -> mr; the choices'
  identifiers are the labels, their text the option texts; the correct response the key) or a
  ``qti-extended-text-interaction`` (open); the stem is the text of the item body outside the
  interaction, one line per paragraph, then the interaction's prompt; whitespace inside a
  paragraph is collapsed as a browser shows it. The maximum score: ``MAXSCORE``'s default,
  else ``SCORE``'s ``normal-maximum``, else the mapping's upper bound, else the largest
  mapped value of a single-answer item, else 1 for a closed item (an open item without one
  is a problem);
* a shared stimulus (QTI 3.0 ``qti-assessment-stimulus-ref`` to a ``qti-assessment-stimulus``
  in the package): the item's item set, its title and text (one line per paragraph); a new
  set is created (:func:`itembank.services.bank.add_item_set`), an existing one must have
  the same text; the set's code is the one in itembank's metadata, else the stimulus'
  identifier;
* metadata: in an itembank package the LOM written by :mod:`itembank.io.qti.export` (code,
  type, variant, specification, item set, language, status, author, tags); otherwise the
  item's identifier is its code, ``xml:lang`` its language.

Refused, each named by file (``package.zip:items/x.xml``): XML that is not well-formed (with
line and column), a document with entity declarations, a root that is not a QTI item,
every unsupported interaction (by its QTI name: ``qti-order-interaction``,
``orderInteraction``), more than one interaction, media (``img``, ``object``, ``audio``,
``video``), which itembank items cannot hold, a shared stimulus a single item file refers to
(only its package holds it), and content the bank refuses (:meth:`itembank.services.bank.ItemContent.problems`).

An import is all or nothing: everything is read and checked first; then each item becomes
a new item (:func:`itembank.services.bank.add_item`, with its status when the package says
it, else draft) or the next draft version of the item with that code
(:func:`itembank.services.bank.revise_item`) in the item's line of the incoming language
and variant; a version equal to the newest of *that line* is left alone (an unchanged Dutch
item is unchanged although its English translation was saved later), a language or variant
the item lacks is a new translation made from the newest source version. A package may hold
several lines of one item (as :mod:`itembank.io.qti.export` writes them), not one line twice.
The caller's transaction covers every write.

Validation against the official XSDs is not done: their notice ("Copyright (c) IMS Global
Learning Consortium 1999-2019. All Rights Reserved.", use governed by the IMS licence, only
excerpts for requests for proposals permitted) gives no right to ship them, they are not
fetched at run time, and the standard library cannot validate against an XSD (lxml is not
installed). The parts above are what is checked.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from itembank.errors import InputFileError, NotFoundError, Problem, UserError
from itembank.io.qti._xml import (
    CP1, CP3, LOM, QTI3, QTI21, QTI22, SCHEMA_VERSIONS_READ, XML_LANG, from_v2, is_ncname, local,
)
from itembank.storage.models import Dimension, ItemType, ReviewStatus

__all__ = ["QtiImport", "ReadItem", "import_package", "read_package"]

_Q = f"{{{QTI3}}}"
_L = f"{{{LOM}}}"
ITEM_TYPES = {"imsqti_item_xmlv3p0": "3.0", "imsqti_item_xmlv2p1": "2.1", "imsqti_item_xmlv2p2": "2.2",
              "imsqti_item_xmlv2p0": "2.0"}
TEST_TYPES = {"imsqti_test_xmlv3p0", "imsqti_test_xmlv2p1", "imsqti_test_xmlv2p2"}
SCHEMAS3 = ("QTI Package", "QTI Test Bank", "QTI Item Bank", "QTI Object Bank", "QTI Test", "QTI Section", "QTI Item")
PURPOSES = {"educational objective": Dimension.OBJECTIVE, "idea": Dimension.TOPIC, "skill level": Dimension.LEVEL}
MEDIA = ("img", "object", "audio", "video", "picture", "svg", "math")
MAX_ARCHIVE_BYTES = 500_000_000  # uncompressed; a zip bomb is refused before it is read
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "ul", "ol", "table", "tr",
          "td", "th", "tbody", "thead", "dl", "dt", "dd", "section", "article"}
_SKIPPED = {"qti-modal-feedback", "qti-feedback-block", "qti-feedback-inline", "qti-rubric-block",
            "qti-template-block", "qti-template-inline"}


@dataclass
class ReadItem:
    """One item as read from a file, before it meets the bank."""

    file: str
    code: str
    item_type: ItemType
    stem: str
    options: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    max_score: Decimal
    language: str
    variant: str = "standard"
    status: str | None = None
    author: str | None = None
    specification: str | None = None
    item_set: str | None = None
    tags: list[tuple[Dimension, str, str | None]] = field(default_factory=list)  # dimension, code, spec
    stimulus: tuple[str, str] | None = None  # the shared stimulus of its item set: (title, text)


@dataclass
class QtiImport:
    """What an import stored."""

    file: str
    new_items: list[str] = field(default_factory=list)
    new_versions: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    new_item_sets: list[str] = field(default_factory=list)

    def summary(self) -> str:
        sets = f", {len(self.new_item_sets)} new item sets" if self.new_item_sets else ""
        return (f"{self.file}: {len(self.new_items)} new items, {len(self.new_versions)} new versions, "
                f"{len(self.unchanged)} unchanged{sets}")


# --------------------------------------------------------------------------- XML


def _parse(data: bytes, name: str, problems: list[Problem]) -> ET.Element | None:
    """A document's root, or None with a problem naming file, line and column."""
    if b"<!ENTITY" in data:
        problems.append(Problem(name, None, None, "declares XML entities (<!ENTITY ...>), which are not read "
                                                  "for safety; remove the DOCTYPE"))
        return None
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        problems.append(Problem(name, None, None, f"line {line}, column {column + 1}: not well-formed XML ({reason})"))
        return None


def _text(element: ET.Element) -> str:
    """An element's text as a browser shows it: all its text, whitespace runs as one space."""
    return " ".join("".join(element.itertext()).split())


def _namespace(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


# --------------------------------------------------------------------------- one item


def _label(identifier: str) -> str:
    """The option label of a choice identifier (the exporter writes a label that is not an XML
    name, such as ``1``, as ``L_1``)."""
    rest = identifier[2:]
    return rest if identifier.startswith("L_") and rest and not is_ncname(rest) else identifier


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _stem_lines(element: ET.Element, out: list[str]) -> None:
    """The lines of the item body outside the interaction, in document order: one per block
    element (an empty ``<p/>`` is an empty line, as the exporter writes a blank line), inline
    markup joined into the line it stands in, whitespace runs as one space."""
    buffer: list[str] = [element.text or ""]

    def flush() -> None:
        text = " ".join("".join(buffer).split())
        if text:
            out.append(text)
        buffer.clear()

    for child in element:
        name = local(child.tag)
        if name.endswith("-interaction") or name in _SKIPPED:
            flush()
        elif name in _BLOCK:
            flush()
            if any(local(c.tag) in _BLOCK or local(c.tag).endswith("-interaction") for c in child):
                _stem_lines(child, out)
            elif name == "p" or _text(child):
                out.append(_text(child))
        else:
            buffer.append("".join(child.itertext()))
        buffer.append(child.tail or "")
    flush()


Resolver = Callable[[str, str, list[Problem]], "dict | None"]


def read_item(root: ET.Element, name: str, problems: list[Problem], *, meta: dict | None = None,
              resolve: Resolver | None = None) -> ReadItem | None:
    """One ``qti-assessment-item`` (or 2.x ``assessmentItem``) as a :class:`ReadItem`."""
    namespace = _namespace(root.tag)
    if namespace in (QTI21, QTI22, "http://www.imsglobal.org/xsd/imsqti_v2p0") and local(root.tag) == "assessmentItem":
        root = from_v2(root)
    elif not (namespace == QTI3 and local(root.tag) == "qti-assessment-item"):
        problems.append(Problem(name, None, None, (
            f"not a QTI assessment item: the root element is <{local(root.tag)}>"
            + (f" in namespace {namespace}" if namespace else " without a namespace")
            + f"; expected <qti-assessment-item> in {QTI3} or <assessmentItem> in {QTI21}")))
        return None
    meta = meta or {}
    before = len(problems)
    body = root.find(f"{_Q}qti-item-body")
    if body is None:
        problems.append(Problem(name, None, None, "the item has no item body (qti-item-body / itemBody)"))
        return None
    interactions = [e for e in body.iter() if local(e.tag).endswith("-interaction")]
    supported = {"qti-choice-interaction", "qti-extended-text-interaction"}
    for e in interactions:
        if local(e.tag) not in supported:
            problems.append(Problem(name, None, None, f"unsupported interaction {_shown(e.tag, namespace)}; itembank "
                                                      "reads choice and extended-text interactions"))
    for e in body.iter():
        if local(e.tag) in MEDIA:
            problems.append(Problem(name, None, None, f"media <{local(e.tag)}> in the item body, which itembank items "
                                                      "cannot hold (text only)"))
    refs = root.findall(f"{_Q}qti-assessment-stimulus-ref")
    stimulus = None
    if len(refs) > 1:
        problems.append(Problem(name, None, None, f"{len(refs)} shared stimuli; an itembank item belongs to one item set"))
    elif refs and resolve is None:
        problems.append(Problem(name, None, None, f"refers to the shared stimulus {refs[0].get('href')}, which only "
                                                  "its package holds; import the package"))
    elif refs:
        stimulus = resolve(refs[0].get("href") or "", name, problems)
    if len(interactions) > 1:
        problems.append(Problem(name, None, None, f"{len(interactions)} interactions; an itembank item has one"))
    if not interactions:
        problems.append(Problem(name, None, None, "no interaction: nothing a candidate answers"))
    if len(problems) > before:
        return None
    interaction = interactions[0]
    response_id = interaction.get("response-identifier", "")
    declaration = next((d for d in root.findall(f"{_Q}qti-response-declaration")
                        if d.get("identifier") == response_id), None)
    lines: list[str] = []
    _stem_lines(body, lines)
    prompt = interaction.find(f"{_Q}qti-prompt")
    if prompt is not None and _text(prompt):
        lines.append(_text(prompt))
    outcomes = {d.get("identifier"): d for d in root.findall(f"{_Q}qti-outcome-declaration")}
    maximum = _decimal(outcomes["MAXSCORE"].findtext(f"{_Q}qti-default-value/{_Q}qti-value")) \
        if "MAXSCORE" in outcomes else None
    if maximum is None and "SCORE" in outcomes:
        maximum = _decimal(outcomes["SCORE"].get("normal-maximum"))
    options: tuple[tuple[str, str], ...] = ()
    key: tuple[str, ...] = ()
    if local(interaction.tag) == "qti-choice-interaction":
        if declaration is None:
            problems.append(Problem(name, None, None, f"no response declaration '{response_id}' for the choice interaction"))
            return None
        single = declaration.get("cardinality") == "single"
        item_type = ItemType.MC if single else ItemType.MR
        options = tuple((_label(c.get("identifier", "")), _text(c)) for c in interaction.findall(f"{_Q}qti-simple-choice"))
        key = tuple(_label(v.text or "") for v in declaration.findall(f"{_Q}qti-correct-response/{_Q}qti-value"))
        mapping = declaration.find(f"{_Q}qti-mapping")
        if maximum is None and mapping is not None:
            maximum = _decimal(mapping.get("upper-bound"))
            if maximum is None and single:
                values = [_decimal(e.get("mapped-value")) for e in mapping.findall(f"{_Q}qti-map-entry")]
                maximum = max((v for v in values if v is not None), default=None)
        if not key:
            problems.append(Problem(name, None, None, "the choice interaction has no correct response (qti-correct-response)"))
            return None
        if maximum is None:
            maximum = Decimal(1)
    else:
        item_type = ItemType(meta.get("item_type", "open")) if meta.get("item_type") in ("open", "practical") \
            else ItemType.OPEN
        if maximum is None:
            problems.append(Problem(name, None, None, "an open question needs its maximum score: a MAXSCORE outcome or "
                                                      "normal-maximum on SCORE"))
            return None
    language = root.get(XML_LANG) or meta.get("language") or "nl"
    return ReadItem(
        file=name, code=meta.get("code") or root.get("identifier", ""), item_type=item_type, stem="\n".join(lines),
        options=options, key=key, max_score=maximum, language=language.split("-")[0].lower(),
        variant=meta.get("variant", "standard"), status=meta.get("status"), author=meta.get("author"),
        specification=meta.get("specification"),
        item_set=stimulus["code"] if stimulus else meta.get("item_set"), tags=meta.get("tags", []),
        stimulus=(stimulus["title"], stimulus["text"]) if stimulus else None)


def _shown(tag: str, namespace: str) -> str:
    """An element's name as the file writes it (2.x camelCase for a 2.x file)."""
    name = local(tag)
    if namespace == QTI3:
        return name
    head, *rest = name.removeprefix("qti-").split("-")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


# --------------------------------------------------------------------------- manifest metadata


def _lom_meta(lom: ET.Element | None) -> dict:
    """The fields :mod:`itembank.io.qti.export` writes into a resource's LOM (see there)."""
    if lom is None:
        return {}
    meta: dict = {}
    for identifier in lom.iter(f"{_L}identifier"):
        catalog, entry = identifier.findtext(f"{_L}catalog"), identifier.findtext(f"{_L}entry")
        key = {"itembank": "code", "itembank:item-type": "item_type", "itembank:variant": "variant",
               "itembank:specification": "specification", "itembank:item-set": "item_set"}.get(catalog or "")
        if key and entry:
            meta[key] = entry.strip()
    language = lom.findtext(f"{_L}general/{_L}language")
    if language:
        meta["language"] = language.strip()
    status = lom.find(f"{_L}lifeCycle/{_L}status")
    if status is not None and status.findtext(f"{_L}source") == "itembank":
        meta["status"] = (status.findtext(f"{_L}value") or "").strip()
    entity = lom.findtext(f"{_L}lifeCycle/{_L}contribute/{_L}entity") or ""
    found = re.search(r"^FN:(.*)$", entity, flags=re.MULTILINE)
    if found:
        meta["author"] = found.group(1).strip()
    tags = []
    for classification in lom.findall(f"{_L}classification"):
        dimension = PURPOSES.get((classification.findtext(f"{_L}purpose/{_L}value") or "").strip())
        for path in classification.findall(f"{_L}taxonPath"):
            source = (path.findtext(f"{_L}source/{_L}string") or "").strip() or None
            for taxon in path.findall(f"{_L}taxon"):
                code = (taxon.findtext(f"{_L}id") or "").strip()
                if dimension is not None and code:
                    tags.append((dimension, code, source))
    meta["tags"] = tags
    return meta


# --------------------------------------------------------------------------- files


def read_package(path: str | Path) -> tuple[list[ReadItem], list[str]]:
    """Every item of a package (zip) or single item file (xml), checked on its own; notes
    about what was not imported. Raises :class:`InputFileError` listing every problem."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise InputFileError([Problem(name, None, None, f"file not found: {path}")])
    problems: list[Problem] = []
    notes: list[str] = []
    items: list[ReadItem] = []
    suffix = path.suffix.lower()
    if suffix == ".xml":
        root = _parse(path.read_bytes(), name, problems)
        item = read_item(root, name, problems) if root is not None else None
        items += [item] if item is not None else []
    elif suffix == ".zip":
        items += _read_zip(path, problems, notes)
    else:
        raise InputFileError([Problem(name, None, None, "expected a QTI package (.zip) or an item file (.xml)")])
    if problems:
        raise InputFileError(problems)
    if not items:
        raise InputFileError([Problem(name, None, None, "no items in the package")])
    return items, notes


def _read_zip(path: Path, problems: list[Problem], notes: list[str]) -> list[ReadItem]:
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        problems.append(Problem(name, None, None, "not a zip archive; a QTI package is a .zip file"))
        return []
    with archive:
        if sum(i.file_size for i in archive.infolist()) > MAX_ARCHIVE_BYTES:
            problems.append(Problem(name, None, None, f"unpacks to more than {MAX_ARCHIVE_BYTES // 1_000_000} MB; refused"))
            return []
        members = {posixpath.normpath(i.filename): i.filename for i in archive.infolist() if not i.is_dir()}
        if "imsmanifest.xml" not in members:
            problems.append(Problem(name, None, None, "no imsmanifest.xml at the top of the archive: not a QTI content package"))
            return []
        where = f"{name}:imsmanifest.xml"
        manifest = _parse(archive.read(members["imsmanifest.xml"]), where, problems)
        if manifest is None:
            return []
        cp = _namespace(manifest.tag)
        if local(manifest.tag) != "manifest" or cp not in (CP3, CP1):
            problems.append(Problem(where, None, None, f"the root element must be <manifest> in {CP3} (QTI 3.0) or "
                                                       f"{CP1} (QTI 2.x), found <{local(manifest.tag)}> in {cp or 'no namespace'}"))
            return []
        m = f"{{{cp}}}"
        if cp == CP3:
            schema, version = manifest.findtext(f"{m}metadata/{m}schema"), manifest.findtext(f"{m}metadata/{m}schemaversion")
            if schema is not None and schema.strip() not in SCHEMAS3:
                problems.append(Problem(where, None, None, f"<schema> is '{schema.strip()}'; the QTI 3.0 package XSD "
                                                           f"allows {', '.join(SCHEMAS3)}"))
            if version is not None and version.strip() not in SCHEMA_VERSIONS_READ:
                problems.append(Problem(where, None, None, f"<schemaversion> is '{version.strip()}'; expected 3.0.0"))
        stimulus_meta = {posixpath.normpath(r.get("href") or ""): _lom_meta(r.find(f"{m}metadata/{_L}lom"))
                         for r in manifest.iter(f"{m}resource") if r.get("type") == "imsqti_stimulus_xmlv3p0"}
        cache: dict[str, dict | None] = {}

        def resolve(href: str, item_file: str, found: list[Problem]) -> dict | None:
            """The shared stimulus ``href`` (relative to the item's file) as code, title and text."""
            member = posixpath.normpath(posixpath.join(posixpath.dirname(item_file[len(name) + 1:]), href))
            if member in cache:
                return cache[member]
            cache[member] = None
            if member not in members:
                found.append(Problem(item_file, None, None, f"shared stimulus {href} is not in the package"))
                return None
            where = f"{name}:{member}"
            root = _parse(archive.read(members[member]), where, found)
            if root is None:
                return None
            if root.tag != f"{_Q}qti-assessment-stimulus":
                found.append(Problem(where, None, None, f"not a shared stimulus: the root element is <{local(root.tag)}>, "
                                                        "expected <qti-assessment-stimulus>"))
                return None
            body = root.find(f"{_Q}qti-stimulus-body")
            lines: list[str] = []
            if body is not None:
                _stem_lines(body, lines)
                found += [Problem(where, None, None, f"media <{local(e.tag)}> in the stimulus, which itembank item "
                                                     "sets cannot hold (text only)") for e in body.iter() if local(e.tag) in MEDIA]
            code = stimulus_meta.get(member, {}).get("item_set") or root.get("identifier", "")
            cache[member] = {"code": code, "title": root.get("title", ""), "text": "\n".join(lines)}
            return cache[member]

        items = []
        for resource in manifest.iter(f"{m}resource"):
            kind = resource.get("type", "")
            identifier = resource.get("identifier", "?")
            if kind in TEST_TYPES:
                notes.append(f"test {resource.get('href') or identifier} is not imported (itembank forms are assembled "
                             "from approved items)")
                continue
            if kind not in ITEM_TYPES:
                continue  # webcontent, stylesheets, metadata: nothing an item holds
            href = resource.get("href") or next((f.get("href") for f in resource.findall(f"{m}file")), None)
            if not href:
                problems.append(Problem(where, None, None, f"resource {identifier} names no file"))
                continue
            member = posixpath.normpath(href)
            if member not in members:
                problems.append(Problem(where, None, None, f"resource {identifier}: file {href} is not in the package"))
                continue
            file_name = f"{name}:{member}"
            root = _parse(archive.read(members[member]), file_name, problems)
            if root is None:
                continue
            lom = resource.find(f"{m}metadata/{_L}lom")
            item = read_item(root, file_name, problems, meta=_lom_meta(lom), resolve=resolve)
            if item is not None:
                items.append(item)
        return items


# --------------------------------------------------------------------------- into the bank


def import_package(session: Session, path: str | Path, *, actor: str, specification: str | None = None) -> QtiImport:
    """Read a QTI package or item file and store its items, all or nothing (module docstring)."""
    from itembank.services import bank
    from itembank.services.bank import ItemContent
    from itembank.storage.models import Item, ItemSet, Tag, TestSpecification

    items, notes = read_package(path)
    name = Path(path).name
    if specification is not None:
        bank.get_specification(session, specification)  # an unknown --spec is a message, not a problem per item
    specs = {s.code: s for s in session.scalars(select(TestSpecification))}
    tags = {(t.specification_id, t.dimension, t.code) for t in session.scalars(select(Tag))}
    sets = {row.code: row.stimulus for row in session.scalars(select(ItemSet))}
    new_sets: dict[str, tuple[str, str, str]] = {}  # code -> title, text, the file that brought it
    existing = {i.code: i for i in session.scalars(select(Item).where(Item.code.in_({r.code for r in items})))}
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], str] = {}  # (code, language, variant): one version per line of an item
    plans = []
    for item in items:
        where = item.file
        if not item.code or len(item.code) > 50:
            problems.append(Problem(where, None, None, f"item code {item.code!r}: expected 1 to 50 characters"))
            continue
        line = (item.code, item.language, str(item.variant))
        if line in seen:
            problems.append(Problem(where, None, None, f"item {item.code} (language {item.language}, {item.variant}) is also in "
                                                       f"{seen[line]}"))
            continue
        seen[line] = where
        try:
            content = ItemContent(stem=item.stem, options=item.options, key=item.key, item_type=item.item_type,
                                  max_score=item.max_score, language=item.language, variant=item.variant)
        except ValueError as exc:
            problems.append(Problem(where, None, None, f"item {item.code}: {exc}"))
            continue
        problems += [Problem(where, None, None, f"item {item.code}: {f}: {message}") for f, message in content.problems()]
        spec_code = specification or item.specification or next((s for _, _, s in item.tags if s), None)
        spec = specs.get(spec_code) if spec_code else None
        if spec_code and spec is None:
            problems.append(Problem(where, None, None, f"item {item.code}: unknown test specification '{spec_code}'; "
                                                       "create it first or give --spec"))
        resolved = []
        for dimension, code, _source in item.tags:
            # A tag is looked up by its code in the specification the item is filed under (with
            # --spec, also a tag the package files under another one): never dropped unsaid.
            if spec is None and spec_code:
                continue  # the unknown specification is named once above
            if spec is None:
                problems.append(Problem(where, None, None, f"item {item.code}: tag {dimension.value} {code} needs a test "
                                                           "specification: give --spec"))
            elif (spec.id, dimension, code) not in tags:
                problems.append(Problem(where, None, None, f"item {item.code}: unknown {dimension.value} code '{code}' "
                                                           f"in specification {spec.code}"))
            else:
                resolved.append((dimension, code))
        if item.stimulus is not None and item.item_set:
            title, text = item.stimulus
            if item.item_set in sets and sets[item.item_set] != text:
                problems.append(Problem(where, None, None, f"item {item.code}: item set {item.item_set} is in the bank "
                                                           "with another stimulus text"))
            elif item.item_set in new_sets and new_sets[item.item_set][1] != text:
                problems.append(Problem(where, None, None, f"item {item.code}: item set {item.item_set} has another "
                                                           f"stimulus text in {new_sets[item.item_set][2]}"))
            elif item.item_set not in sets:
                new_sets.setdefault(item.item_set, (title, text, where))
        elif item.item_set and item.item_set not in sets:
            problems.append(Problem(where, None, None, f"item {item.code}: unknown item set '{item.item_set}'"))
        status = item.status
        if status is not None and status not in {s.value for s in ReviewStatus}:
            problems.append(Problem(where, None, None, f"item {item.code}: unknown status '{status}'"))
        plans.append((item, content, spec.code if spec else None, resolved))
    if problems:
        raise InputFileError(problems)
    report = QtiImport(name, notes=notes)
    for code, (title, text, _) in new_sets.items():
        bank.add_item_set(session, code, title=title, stimulus=text, actor=actor)
        report.new_item_sets.append(code)
    created: set[str] = set()
    for item, content, spec_code, resolved in plans:
        current = existing.get(item.code)
        if current is None and item.code not in created:
            bank.add_item(session, item.code, content, author=item.author or actor, specification=spec_code,
                          tags=resolved, item_set=item.item_set, change_note=f"imported from {name}",
                          status=ReviewStatus(item.status or "draft"), actor=actor)
            report.new_items.append(item.code)
            created.add(item.code)
            continue
        if item.code in created:
            # a further line (a translation) of an item this package brings: stored as the package
            # says, with its status, like the item's first line (not a draft edit of the bank)
            new_item = bank.get_item(session, item.code)
            wanted = set(resolved)
            tag_rows = [tag for tag in (new_item.specification.tags if new_item.specification else ())
                        if (tag.dimension, tag.code) in wanted]
            version = bank.add_version(session, new_item, content, author=item.author or actor,
                                       change_note=f"imported from {name}", status=ReviewStatus(item.status or "draft"),
                                       actor=actor, tags=tag_rows, created_at=None)
            report.new_versions.append((item.code, version.number))
            continue
        # Compared with the newest version of the incoming item's own line (language, variant),
        # not the item's newest of any language: an unchanged Dutch item whose English
        # translation was saved later is unchanged. A line the bank lacks is a new translation,
        # made from the newest source version.
        try:
            newest = bank.get_line_version(session, item.code, content.language, content.variant)
        except NotFoundError:
            newest = bank.get_line_version(session, item.code)
        else:
            if ItemContent.of(newest) == content:
                report.unchanged.append(item.code)
                continue
        changes = {f: getattr(content, f) for f in ("stem", "options", "key", "item_type", "max_score", "language",
                                                    "variant")}
        version = bank.revise_item(session, item.code, based_on=newest.number, author=item.author or actor,
                                   change_note=f"imported from {name}", actor=actor, **changes)
        report.new_versions.append((item.code, version.number))
    if not report.new_items and not report.new_versions and not report.unchanged:
        raise UserError(f"{name}: nothing to import")
    return report
