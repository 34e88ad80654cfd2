"""Item versions and frozen forms out of the bank as an IMS QTI content package (zip).

One ``qti-assessment-item`` per item version (``items/<id>.xml``), a ``qti-assessment-test``
for a frozen form (``tests/<id>.xml``) and ``imsmanifest.xml`` with each item's metadata as
IEEE LOM. What each item type becomes (QTI 3.0 names; 2.1 is the same model in camelCase):

* single-answer MC: ``qti-choice-interaction max-choices="1"``, the key as the correct
  response, ``match_correct`` response processing; with a maximum other than 1, or extra
  accepted answers, a ``qti-mapping`` (each correct label -> the maximum) and ``map_response``;
* multiple response: ``max-choices="0"``, every key in the correct response and a mapping
  holding itembank's partial-credit rule: key -> max/k, other option -> -max/k, bounded to
  0..max, i.e. max x max(0, right - wrong)/k (:mod:`itembank.scoring`). Scored
  all-or-nothing by default (explicit response processing: the response matches the correct
  response, or an accepted answer set -> max, else 0); ``mr_scoring="partial"`` uses
  ``map_response`` on that mapping instead;
* open and practical items: ``qti-extended-text-interaction``, no correct response, ``SCORE``
  with ``normal-maximum`` = the maximum and ``external-scored="human"`` (3.0);
* every item declares ``MAXSCORE`` with the item's maximum as default.

The stem is written as one ``<p>`` per line before the interaction; option texts as the
choices' text; option labels as the choices' identifiers (a label that is not an XML name,
such as ``1``, is written ``L_1``).

A form's test has one ``qti-test-part``, one ``qti-assessment-section`` per run of items
of the same form part (in form order), and per item a ``qti-weight`` ``W``; the test's
``SCORE`` is the sum of the weighted item scores. With ``administration=``, the committee's
decisions in force on that sitting are exported where QTI can express them (applied by
:func:`itembank.scoring.form.apply_decisions`, the rule's one place): a voided item gets
weight 0 (itembank's ``void = "drop"``; ``"full_marks"`` cannot be expressed), a weight
decision its weight, a rekey the new key as the correct response, accepted extra answers
the mapping (mc) or the all-or-nothing response processing (mr). An accepted answer set on a
multiple-response item under partial credit cannot be written as a mapping and is listed in
:attr:`QtiExport.notes`.

Manifest metadata per item (LOM, ``http://ltsc.ieee.org/xsd/LOM``): ``general/identifier``
with catalog ``itembank`` = the item code, and itembank's own fields as further identifiers
with catalogs ``itembank:item-type``, ``itembank:variant``, ``itembank:specification``,
``itembank:item-set``; ``general/language``; ``lifeCycle/version`` = the version number,
``lifeCycle/status`` (source ``itembank``) = the review status, ``lifeCycle/contribute`` =
the author (role author, a vCard); ``classification`` per tag: purpose ``educational
objective`` (objective), ``idea`` (topic) or ``skill level`` (level), the specification code
as taxon path source and the tag code as taxon id.

With ``statistics=True`` (QTI 3.0), ``usagedata.xml`` (resource type ``qtiusagedata/xml``)
holds each exported version's p, Rit and Rir per sitting that used that very version, as
``itembank analyze`` computes them (decisions in force applied): an ``ordinaryStatistic``
with the sitting as context (``urn:itembank:administration:<code>``) and the number of
candidates as ``caseCount``.

Item sets (items sharing a stimulus) become shared stimuli in QTI 3.0: one
``qti-assessment-stimulus`` per set (``stimuli/<id>.xml``, the stimulus text one ``<p>`` per
line, the set's title as title, its code in the resource's LOM), referenced from each item by
``qti-assessment-stimulus-ref`` and a manifest dependency. QTI 2.1 has no shared stimulus: the
set code stays in the metadata and :attr:`QtiExport.notes` says the texts are left out.
"""

from __future__ import annotations

import zipfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from sqlalchemy.orm import Session

from itembank.errors import UserError
from itembank.io.qti._xml import (
    CP1, CP3, LOM, MANIFEST_LOCATION, QTI3, QTI21, RESOURCE_TYPES, SCHEMA3, SCHEMA_LOCATION,
    SCHEMA_VERSION3, TEMPLATES, USAGE3, USAGE_TYPE, VERSIONS, XML_LANG, XSI, is_ncname, serialise, to_v2,
)
from itembank.io.tables import atomic_output
from itembank.storage.models import Dimension, ItemType

__all__ = ["ExportItem", "QtiExport", "export_package", "item_document", "choice_identifier",
           "LOM_PURPOSE", "MR_SCORING"]

MR_SCORING = ("all_or_nothing", "partial")
LOM_PURPOSE = {Dimension.OBJECTIVE: "educational objective", Dimension.TOPIC: "idea", Dimension.LEVEL: "skill level"}
"""The LOM classification purpose (LOMv1.0 vocabulary) each tag dimension is written as."""

_Q = f"{{{QTI3}}}"
_L = f"{{{LOM}}}"


@dataclass(frozen=True)
class ExportItem:
    """One item version as it is exported: its content, metadata and (on a form) the key,
    weight and decisions that hold there."""

    code: str
    version: int
    status: str
    item_type: ItemType
    stem: str
    options: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    max_score: Decimal
    language: str
    variant: str
    author: str
    specification: str | None
    tags: tuple[tuple[Dimension, str, str], ...]  # dimension, code, title
    item_set: str | None
    accepted: tuple[tuple[str, ...], ...] = ()
    item_set_title: str = ""
    stimulus: str = ""  # the item set's shared stimulus text
    weight: Fraction = Fraction(1)
    voided: bool = False
    part: str = ""


@dataclass(frozen=True)
class Statistic:
    """One item statistic of one sitting, as :mod:`itembank.services.item_analysis` computed it."""

    item: str  # item code
    administration: str
    name: str  # p, rit, rir
    value: float
    n: int
    version: int | None = None  # the item version the sitting used (which line's QTI item it belongs to)


USAGE_STATISTICS = ("p", "rit", "rir")
"""The statistics of ``analysis.ctt.item_statistics`` written as QTI usage data."""


@dataclass
class QtiExport:
    """What an export wrote."""

    file: str
    version: str
    items: int
    test: str | None = None
    notes: list[str] = field(default_factory=list)
    statistics: int = 0


def choice_identifier(label: str) -> str:
    """A choice's identifier: the option label, or ``L_<label>`` when the label is not an XML name."""
    return label if is_ncname(label) else f"L_{label}"


def _sub(parent: ET.Element, name: str, attrib: dict[str, str] | None = None, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, name if name.startswith("{") else _Q + name, attrib or {})
    if text is not None:
        element.text = text
    return element


def _number(value: Decimal | Fraction) -> str:
    """A score as QTI writes a float: exact decimals as they are, other fractions to 12 digits."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return format(exact.normalize(), "f") if Fraction(exact) == value else format(float(value), ".12g")
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def _value_list(parent: ET.Element, labels: tuple[str, ...]) -> None:
    for label in labels:
        _sub(parent, "qti-value", text=choice_identifier(label))


def stimulus_document(item: ExportItem, *, identifier: str) -> ET.Element:
    """The ``qti-assessment-stimulus`` of an item's set: its stimulus text, one ``<p>`` per line."""
    root = ET.Element(_Q + "qti-assessment-stimulus", {"identifier": identifier,
                                                        "title": item.item_set_title or item.item_set or identifier,
                                                        XML_LANG: item.language})
    body = _sub(root, "qti-stimulus-body")
    for line in item.stimulus.split("\n"):
        _sub(body, "p", text=line)
    return root


def item_document(item: ExportItem, *, identifier: str, mr_scoring: str = "all_or_nothing",
                  stimulus: tuple[str, str] | None = None) -> ET.Element:
    """The ``qti-assessment-item`` of one version (QTI 3.0 names); ``stimulus``: the
    (identifier, href) of its set's shared stimulus."""
    closed = item.item_type in (ItemType.MC, ItemType.MR)
    root = ET.Element(_Q + "qti-assessment-item", {
        "identifier": identifier, "title": item.code, "adaptive": "false", "time-dependent": "false",
        XML_LANG: item.language})
    maximum = Fraction(str(item.max_score))
    if closed:
        single = item.item_type is ItemType.MC
        declaration = _sub(root, "qti-response-declaration", {
            "identifier": "RESPONSE", "cardinality": "single" if single else "multiple", "base-type": "identifier"})
        _value_list(_sub(declaration, "qti-correct-response"), item.key[:1] if single else item.key)
        extra = tuple(label for group in item.accepted for label in group)
        if single and (extra or maximum != 1):
            mapping = _sub(declaration, "qti-mapping", {"default-value": "0"})
            for label in dict.fromkeys(item.key + extra):
                _sub(mapping, "qti-map-entry", {"map-key": choice_identifier(label), "mapped-value": _number(maximum)})
        elif not single:
            # itembank's partial credit: max x max(0, right - wrong) / k, as a bounded mapping
            share = maximum / len(item.key)
            mapping = _sub(declaration, "qti-mapping", {"default-value": "0", "lower-bound": "0",
                                                        "upper-bound": _number(maximum)})
            for label, _ in item.options:
                value = share if label in item.key else -share
                _sub(mapping, "qti-map-entry", {"map-key": choice_identifier(label), "mapped-value": _number(value)})
    else:
        _sub(root, "qti-response-declaration", {"identifier": "RESPONSE", "cardinality": "single", "base-type": "string"})
    score = {"identifier": "SCORE", "cardinality": "single", "base-type": "float"}
    if not closed:
        score |= {"normal-maximum": _number(maximum), "external-scored": "human"}
    _sub(_sub(_sub(root, "qti-outcome-declaration", score), "qti-default-value"), "qti-value", text="0")
    _sub(_sub(_sub(root, "qti-outcome-declaration", {"identifier": "MAXSCORE", "cardinality": "single",
                                                      "base-type": "float"}), "qti-default-value"),
         "qti-value", text=_number(maximum))
    if stimulus is not None:
        _sub(root, "qti-assessment-stimulus-ref", {"identifier": stimulus[0], "href": stimulus[1],
                                                   "title": item.item_set_title or item.item_set or stimulus[0]})
    body = _sub(root, "qti-item-body")
    for line in item.stem.split("\n"):
        paragraph = ET.SubElement(body, _Q + "p")
        paragraph.text = line
    if closed:
        interaction = _sub(body, "qti-choice-interaction", {
            "response-identifier": "RESPONSE", "shuffle": "false",
            "max-choices": "1" if item.item_type is ItemType.MC else "0"})
        for label, text in item.options:
            _sub(interaction, "qti-simple-choice", {"identifier": choice_identifier(label)}, text)
        _response_processing(root, item, maximum, mr_scoring)
    else:
        _sub(body, "qti-extended-text-interaction", {"response-identifier": "RESPONSE"})
    return root


def _response_processing(root: ET.Element, item: ExportItem, maximum: Fraction, mr_scoring: str) -> None:
    template = TEMPLATES["3.0"]
    if item.item_type is ItemType.MC:
        simple = maximum == 1 and not item.accepted
        _sub(root, "qti-response-processing", {"template": template.format("match_correct" if simple else "map_response")})
        return
    if mr_scoring == "partial":
        _sub(root, "qti-response-processing", {"template": template.format("map_response")})
        return
    processing = _sub(root, "qti-response-processing")
    condition = _sub(processing, "qti-response-condition")
    branch = _sub(condition, "qti-response-if")
    test = _sub(branch, "qti-or") if item.accepted else branch
    match = _sub(test, "qti-match")
    _sub(match, "qti-variable", {"identifier": "RESPONSE"})
    _sub(match, "qti-correct", {"identifier": "RESPONSE"})
    for group in item.accepted:
        match = _sub(test, "qti-match")
        _sub(match, "qti-variable", {"identifier": "RESPONSE"})
        multiple = _sub(match, "qti-multiple")
        for label in group:
            _sub(multiple, "qti-base-value", {"base-type": "identifier"}, choice_identifier(label))
    for parent, points in ((branch, _number(maximum)), (_sub(condition, "qti-response-else"), "0")):
        _sub(_sub(parent, "qti-set-outcome-value", {"identifier": "SCORE"}), "qti-base-value",
             {"base-type": "float"}, points)


def _lom(item: ExportItem) -> ET.Element:
    lom = ET.Element(_L + "lom")

    def sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, _L + name)
        if text is not None:
            element.text = text
        return element

    general = sub(lom, "general")
    fields = [("itembank", item.code), ("itembank:item-type", item.item_type.value), ("itembank:variant", item.variant)]
    if item.specification:
        fields.append(("itembank:specification", item.specification))
    if item.item_set:
        fields.append(("itembank:item-set", item.item_set))
    for catalog, entry in fields:
        identifier = sub(general, "identifier")
        sub(identifier, "catalog", catalog)
        sub(identifier, "entry", entry)
    sub(sub(general, "title"), "string", item.code).set("language", item.language)
    sub(general, "language", item.language)
    life = sub(lom, "lifeCycle")
    sub(sub(life, "version"), "string", str(item.version))
    status = sub(life, "status")
    sub(status, "source", "itembank")
    sub(status, "value", item.status)
    if item.author:
        contribute = sub(life, "contribute")
        role = sub(contribute, "role")
        sub(role, "source", "LOMv1.0")
        sub(role, "value", "author")
        sub(contribute, "entity", f"BEGIN:VCARD\nVERSION:3.0\nFN:{item.author}\nEND:VCARD")
    for dimension, code, title in item.tags:
        classification = sub(lom, "classification")
        purpose = sub(classification, "purpose")
        sub(purpose, "source", "LOMv1.0")
        sub(purpose, "value", LOM_PURPOSE[dimension])
        path = sub(classification, "taxonPath")
        sub(sub(path, "source"), "string", item.specification or "")
        taxon = sub(path, "taxon")
        sub(taxon, "id", code)
        if title:
            sub(sub(taxon, "entry"), "string", title)
    return lom


def _package_keys(items: list[ExportItem]) -> list[str]:
    """A key per exported item version, unique in the package: the item code for an item's
    first version in the package (its source line, :func:`export_package` writes it first),
    ``code-language`` (``-variant`` when not standard) for its further lines, so the Dutch
    source keeps the identifier an export before translations gave it.

    >>> base = dict(version=1, status="draft", item_type=ItemType.MC, stem="", options=(), key=(),
    ...             max_score=Decimal(1), author="", specification=None, tags=(), item_set=None)
    >>> _package_keys([ExportItem(code="Q1", language="nl", variant="standard", **base),
    ...                ExportItem(code="Q1", language="en", variant="standard", **base),
    ...                ExportItem(code="Q1", language="nl", variant="read_aloud", **base)])
    ['Q1', 'Q1-en', 'Q1-nl-read_aloud']
    """
    seen: set[str] = set()
    out = []
    for item in items:
        if item.code in seen:
            out.append(f"{item.code}-{item.language}" + ("" if item.variant == "standard" else f"-{item.variant}"))
        else:
            out.append(item.code)
        seen.add(item.code)
    return out


def _identifiers(codes: list[str], prefix: str) -> dict[str, str]:
    """An XML identifier per code: the code itself when it is an XML name, else a cleaned one;
    unique within the package."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for code in codes:
        base = code if is_ncname(code) else prefix + "".join(c if is_ncname("a" + c) else "_" for c in code)
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        out[code] = name
    return out


def _test_document(code: str, entries: list[tuple[ExportItem, str, str]]) -> ET.Element:
    """The ``qti-assessment-test`` of a form: sections per run of one part, weights ``W``."""
    test = ET.Element(_Q + "qti-assessment-test", {"identifier": _identifiers([code], "T_")[code], "title": code})
    _sub(test, "qti-outcome-declaration", {"identifier": "SCORE", "cardinality": "single", "base-type": "float"})
    part = _sub(test, "qti-test-part", {"identifier": "P1", "navigation-mode": "nonlinear",
                                        "submission-mode": "simultaneous"})
    section = None
    current = None
    for k, (item, identifier, href) in enumerate(entries):
        if section is None or item.part != current:
            current = item.part
            section = _sub(part, "qti-assessment-section", {"identifier": f"S{k + 1}", "title": item.part or code,
                                                            "visible": "true"})
        ref = _sub(section, "qti-assessment-item-ref", {"identifier": identifier, "href": href})
        _sub(ref, "qti-weight", {"identifier": "W", "value": _number(Fraction(0) if item.voided else item.weight)})
    processing = _sub(test, "qti-outcome-processing")
    total = _sub(_sub(processing, "qti-set-outcome-value", {"identifier": "SCORE"}), "qti-sum")
    _sub(total, "qti-test-variables", {"variable-identifier": "SCORE", "weight-identifier": "W"})
    return test


def _for_version(root: ET.Element, version: str) -> tuple[ET.Element, str]:
    """The document in the requested QTI version, with its schema location; and its namespace."""
    if version == "2.1":
        root = to_v2(root, QTI21)
        namespace = QTI21
    else:
        namespace = QTI3
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION[version])
    return root, namespace


def usage_document(statistics: list[Statistic], identifiers: dict[str, str]) -> ET.Element:
    """QTI 3.0 usage data: one ``ordinaryStatistic`` per item, sitting and statistic, its context
    the sitting (``urn:itembank:administration:<code>``), ``caseCount`` the candidates it is over."""
    root = ET.Element(f"{{{USAGE3}}}usageData")
    for stat in statistics:
        element = ET.SubElement(root, f"{{{USAGE3}}}ordinaryStatistic", {
            "name": stat.name, "context": f"urn:itembank:administration:{stat.administration}",
            "caseCount": str(stat.n)})
        ET.SubElement(element, f"{{{USAGE3}}}targetObject", {"identifier": identifiers[stat.item], "objectType": "item"})
        ET.SubElement(element, f"{{{USAGE3}}}value", {"baseType": "float"}).text = repr(stat.value)
    return root


def write_package(path: str | Path, items: list[ExportItem], *, version: str = "3.0", form: str | None = None,
                  mr_scoring: str = "all_or_nothing", statistics: list[Statistic] | None = None) -> QtiExport:
    """Write ``items`` (and, with ``form``, a test holding them in this order) as a QTI package."""
    if version not in VERSIONS:
        raise UserError(f"QTI version must be one of {', '.join(VERSIONS)}, got {version!r}")
    if mr_scoring not in MR_SCORING:
        raise UserError(f"multiple-response scoring must be one of {', '.join(MR_SCORING)}, got {mr_scoring!r}")
    path = Path(path)
    if path.suffix.lower() != ".zip":
        raise UserError(f"{path.name}: a QTI package is a .zip file; give a name ending in .zip")
    if not items:
        raise UserError("nothing to export: no item versions match")
    report = QtiExport(path.name, version, len(items), form)
    keys = _package_keys(items)
    ids = _identifiers(keys, "I_")
    cp = CP3 if version == "3.0" else CP1
    manifest = ET.Element(f"{{{cp}}}manifest", {"identifier": "MANIFEST-" + (ids[keys[0]] if form is None else
                                                                               _identifiers([form], "T_")[form]),
                                                f"{{{XSI}}}schemaLocation": MANIFEST_LOCATION[version]})
    if version == "3.0":
        metadata = ET.SubElement(manifest, f"{{{cp}}}metadata")
        ET.SubElement(metadata, f"{{{cp}}}schema").text = SCHEMA3
        ET.SubElement(metadata, f"{{{cp}}}schemaversion").text = SCHEMA_VERSION3
    ET.SubElement(manifest, f"{{{cp}}}organizations")
    resources = ET.SubElement(manifest, f"{{{cp}}}resources")
    files: dict[str, bytes] = {}
    entries = []
    sets = {it.item_set: it for it in items if it.item_set}
    set_ids = _identifiers([f"S-{code}" for code in sets], "S_")
    if sets and version == "2.1":
        report.notes.append("QTI 2.1 has no shared stimulus: the stimulus texts of item sets "
                            f"{', '.join(sorted(sets))} are not in the package (the set codes are, in the metadata)")
    elif sets:
        for code, first in sets.items():
            identifier = set_ids[f"S-{code}"]
            href = f"stimuli/{identifier}.xml"
            document, namespace = _for_version(stimulus_document(first, identifier=identifier), version)
            document.set(f"{{{XSI}}}schemaLocation",
                         f"{QTI3} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd")
            files[href] = serialise(document, default_namespace=namespace)
            resource = ET.SubElement(resources, f"{{{cp}}}resource", {
                "identifier": f"R-{identifier}", "type": RESOURCE_TYPES[version]["stimulus"], "href": href})
            lom = ET.SubElement(ET.SubElement(resource, f"{{{cp}}}metadata"), _L + "lom")
            set_identifier = ET.SubElement(ET.SubElement(lom, _L + "general"), _L + "identifier")
            ET.SubElement(set_identifier, _L + "catalog").text = "itembank:item-set"
            ET.SubElement(set_identifier, _L + "entry").text = code
            ET.SubElement(resource, f"{{{cp}}}file", {"href": href})
    for item, package_key in zip(items, keys):
        identifier = ids[package_key]
        href = f"items/{identifier}.xml"
        if item.item_type is ItemType.MR and item.accepted and mr_scoring == "partial":
            report.notes.append(f"item {item.code}: accepted answer sets cannot be written as a partial-credit "
                                "mapping; they are not in the package")
        stimulus = None
        if item.item_set and version == "3.0":
            set_id = set_ids[f"S-{item.item_set}"]
            stimulus = (set_id, f"../stimuli/{set_id}.xml")
        document, namespace = _for_version(item_document(item, identifier=identifier, mr_scoring=mr_scoring,
                                                         stimulus=stimulus), version)
        if version == "2.1":
            for processing in document.iter(f"{{{QTI21}}}responseProcessing"):
                template = processing.get("template")
                if template:
                    name = template.rsplit("/", 1)[-1].removesuffix(".xml")
                    processing.set("template", TEMPLATES["2.1"].format(name))
        files[href] = serialise(document, default_namespace=namespace)
        resource = ET.SubElement(resources, f"{{{cp}}}resource", {
            "identifier": f"R-{identifier}", "type": RESOURCE_TYPES[version]["item"], "href": href})
        ET.SubElement(ET.SubElement(resource, f"{{{cp}}}metadata"), _L + "lom").extend(list(_lom(item)))
        ET.SubElement(resource, f"{{{cp}}}file", {"href": href})
        if stimulus is not None:
            ET.SubElement(resource, f"{{{cp}}}dependency", {"identifierref": f"R-{stimulus[0]}"})
        entries.append((item, identifier, f"../{href}"))
    if form is not None:
        test_id = _identifiers([form], "T_")[form]
        href = f"tests/{test_id}.xml"
        document, namespace = _for_version(_test_document(form, entries), version)
        files[href] = serialise(document, default_namespace=namespace)
        resource = ET.SubElement(resources, f"{{{cp}}}resource", {
            "identifier": f"R-{test_id}", "type": RESOURCE_TYPES[version]["test"], "href": href})
        ET.SubElement(resource, f"{{{cp}}}file", {"href": href})
        for _, identifier, _href in entries:
            ET.SubElement(resource, f"{{{cp}}}dependency", {"identifierref": f"R-{identifier}"})
    if statistics and version == "3.0":
        # a statistic belongs to the QTI item of the version the sitting used (one line of the item)
        key_of = {(it.code, it.version): k for it, k in zip(items, keys)}
        first = {}
        for it, k in zip(items, keys):
            first.setdefault(it.code, k)
        statistics = [replace(st, item=key_of.get((st.item, st.version), first.get(st.item, st.item)))
                      for st in statistics]
        files["usagedata.xml"] = serialise(usage_document(statistics, ids), default_namespace=USAGE3)
        resource = ET.SubElement(resources, f"{{{cp}}}resource", {
            "identifier": "R-usagedata", "type": USAGE_TYPE, "href": "usagedata.xml"})
        ET.SubElement(resource, f"{{{cp}}}file", {"href": "usagedata.xml"})
        report.statistics = len(statistics)
    elif statistics:
        report.notes.append("QTI 2.1 packages carry no usage data here: the item statistics are left out")
    with atomic_output(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", serialise(manifest, default_namespace=cp))
        for name, data in files.items():
            archive.writestr(name, data)
    return report


# --------------------------------------------------------------------------- from the bank


def export_package(
    session: Session,
    path: str | Path,
    *,
    specification: str | None = None,
    form: str | None = None,
    administration: str | None = None,
    version: str = "3.0",
    mr_scoring: str = "all_or_nothing",
    statistics: bool = False,
    language: str | None = None,
) -> QtiExport:
    """Export the newest version of every line of every item (of ``specification``): the
    source line and each translation or read-aloud variant, each its own QTI item with its
    ``xml:lang`` (identifier: the code for the source, ``code-language`` for a translation,
    :func:`_package_keys`), so a translation saved after the source never replaces it;
    ``language`` keeps the lines in that language. Or a frozen ``form``
    (with ``administration``: that sitting's form, with its decisions in force), as a QTI
    content package; see the module docstring. ``statistics``: add each exported version's
    item statistics per sitting (:func:`sitting_statistics`) as QTI usage data."""
    from itembank.services import bank, forms
    from itembank.services.administration_data import load_administration
    from itembank.scoring.form import apply_decisions

    if administration is not None:
        data = load_administration(session, administration)
        if form is not None and form != data.form_code:
            raise UserError(f"administration {administration} is a sitting of form {data.form_code}, not {form}")
        form = data.form_code
        effective = apply_decisions(data.form, data.decisions)
    else:
        effective = None
    if form is not None:
        if specification is not None:
            raise UserError("give --form or --spec, not both: a form's items are exported as frozen")
        if language is not None:
            raise UserError("give --form or --language, not both: a form's items are exported as frozen")
        frozen = forms.get_form(session, form)
        items = []
        for fi in frozen.items:
            base = _export_item(fi.item_version, key=tuple(fi.key), max_score=Decimal(fi.max_score), part=fi.part,
                                weight=Fraction(str(fi.weight)))
            if effective is not None:
                eff = effective[base.code]
                base = replace(base, key=tuple(eff.key), accepted=tuple(eff.accepted), weight=eff.weight,
                               voided=eff.voided)
            items.append(base)
        stats = sitting_statistics(session, {fi.item_version_id for fi in frozen.items}) if statistics else None
        return write_package(path, items, version=version, form=form, mr_scoring=mr_scoring, statistics=stats)
    if language is not None and not language.strip():
        raise UserError("--language: give a language code such as nl or en")
    found = bank.find_versions(session, specification=specification, language=language, latest_only=False)
    order = {h.version_id: k for k, h in enumerate(h for heads in bank.line_heads(session).values() for h in heads)}
    versions = sorted((v for v in found if v.id in order), key=lambda v: (v.item.code, order[v.id]))
    stats = sitting_statistics(session, {v.id for v in versions}) if statistics else None
    return write_package(path, [_export_item(v) for v in versions], version=version, mr_scoring=mr_scoring,
                         statistics=stats)


def sitting_statistics(session: Session, version_ids: set[int]) -> list[Statistic]:
    """p, Rit and Rir of the given item versions in every sitting whose form holds them, from
    :func:`itembank.services.item_analysis.analyze_administration` (the scoring core with the
    decisions in force; a voided item has none). A sitting without responses has none."""
    from itembank.services import administrations, forms
    from itembank.services.item_analysis import analyze_administration

    out: list[Statistic] = []
    for admin in sorted(administrations.list_administrations(session), key=lambda a: (a.date, a.code)):
        form = forms.get_form(session, admin.form.code)
        numbers = {fi.item_version.item.code: fi.item_version.number for fi in form.items
                   if fi.item_version_id in version_ids}
        codes = set(numbers)
        if not codes:
            continue
        if administrations.load_responses(session, admin).empty:
            continue
        table = analyze_administration(session, admin.code).statistics
        for code in sorted(codes & set(table.index)):
            row = table.loc[code]
            out += [Statistic(code, admin.code, name, float(row[name]), int(row["n"]), numbers[code])
                    for name in USAGE_STATISTICS if row[name] == row[name]]  # NaN: not computable, left out
    return out


def _export_item(version, *, key: tuple[str, ...] | None = None, max_score: Decimal | None = None, part: str = "",
                 weight: Fraction = Fraction(1)) -> ExportItem:
    item = version.item
    return ExportItem(
        code=item.code, version=version.number, status=version.review.status.value, item_type=ItemType(version.item_type),
        stem=version.stem, options=tuple((o["label"], o["text"]) for o in version.options),
        key=tuple(version.key) if key is None else key,
        max_score=Decimal(version.max_score) if max_score is None else max_score,
        language=version.language, variant=version.variant.value, author=version.author,
        specification=item.specification.code if item.specification else None,
        tags=tuple((t.dimension, t.code, t.title) for t in version.tags),
        item_set=item.item_set.code if item.item_set else None, part=part, weight=weight,
        item_set_title=item.item_set.title if item.item_set else "",
        stimulus=item.item_set.stimulus if item.item_set else "")
