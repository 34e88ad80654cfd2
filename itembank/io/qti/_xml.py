"""QTI names, namespaces and the small XML helpers the reader and the writer share.

Every document is built and read with the standard library's :mod:`xml.etree.ElementTree`
(lxml is not installed here; nothing is ever written by string concatenation). The trees are
built with QTI 3.0's kebab-case names (``qti-choice-interaction``, ``max-choices``);
QTI 2.1/2.2 uses camelCase (``choiceInteraction``, ``maxChoices``) for the same model, so
:func:`to_v2` and :func:`from_v2` convert one naming into the other mechanically.

Namespaces and enumerated values, with their sources:

* QTI 3.0 content package: the manifest namespace, ``schema`` and ``schemaversion`` and the
  resource types are the values the official XSD ``imsqtiv3p0_imscpv1p2_v1p0.xsd`` (IMS
  Global, "IMS CP 1.2 QTI 3.0", 14 March 2019) enumerates: ``schema`` one of "QTI Package",
  "QTI Test Bank", "QTI Item Bank", ... and ``schemaversion`` only "3.0.0" (read from the copy
  in oat-sa/qti-sdk, ``src/qtism/data/storage/xml/schemes/qtiv3p0/``, commit 634a9b89). The
  1EdTech sample packages (1EdTech/qti-examples, ``QTI3_BeginnersGuide_Examples/imsmanifest.xml``)
  write ``3.0.1``, which that XSD refuses; itembank writes "3.0.0" and reads both.
* QTI 3.0 items and tests: ``http://www.imsglobal.org/xsd/imsqtiasi_v3p0``; response
  processing templates under ``https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/``.
* QTI 2.1: ``http://www.imsglobal.org/xsd/imsqti_v2p1`` (2.2: ``imsqti_v2p2``), manifest
  ``http://www.imsglobal.org/xsd/imscp_v1p1``, templates under
  ``http://www.imsglobal.org/question/qti_v2p1/rptemplates/``.
* Metadata: IEEE LOM, loose binding ``http://ltsc.ieee.org/xsd/LOM`` (the namespace the QTI
  3.0 package XSD imports for ``lom:lom`` in resource metadata).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = [
    "VERSIONS", "QTI3", "QTI21", "QTI22", "CP3", "CP1", "LOM", "XSI", "XML_LANG",
    "SCHEMA3", "SCHEMA_VERSION3", "SCHEMA_VERSIONS_READ", "TEMPLATES", "is_ncname", "to_v2", "from_v2",
    "local", "serialise",
]

VERSIONS = ("3.0", "2.1")
"""The QTI versions ``itembank qti export`` writes."""

QTI3 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI22 = "http://www.imsglobal.org/xsd/imsqti_v2p2"
CP3 = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
CP1 = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
USAGE3 = "http://www.imsglobal.org/xsd/imsqti_usagedata_v3p0"  # imsqti_usagedatav3p0_v1p0.xsd
USAGE_TYPE = "qtiusagedata/xml"  # a resource type the QTI 3.0 CP XSD enumerates
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

SCHEMA3 = "QTI Package"
SCHEMA_VERSION3 = "3.0.0"  # the only value the QTI 3.0 CP XSD enumerates
SCHEMA_VERSIONS_READ = ("3.0.0", "3.0.1")  # 3.0.1: what the 1EdTech samples write; accepted on reading

SCHEMA_LOCATION = {
    "3.0": f"{QTI3} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd",
    "2.1": f"{QTI21} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd",
}
MANIFEST_LOCATION = {
    "3.0": f"{CP3} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd",
    "2.1": f"{CP1} http://www.imsglobal.org/xsd/imscp_v1p1.xsd",
}
TEMPLATES = {
    "3.0": "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{}.xml",
    "2.1": "http://www.imsglobal.org/question/qti_v2p1/rptemplates/{}",
}
RESOURCE_TYPES = {
    "3.0": {"item": "imsqti_item_xmlv3p0", "test": "imsqti_test_xmlv3p0", "stimulus": "imsqti_stimulus_xmlv3p0"},
    "2.1": {"item": "imsqti_item_xmlv2p1", "test": "imsqti_test_xmlv2p1"},
}

# XML 1.0 NCName, restricted to the characters item codes and option labels use in practice
# (letters, digits, '-', '_', '.'): what an identifier attribute must be.
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def is_ncname(text: str) -> bool:
    return bool(_NCNAME.match(text))


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rpartition("}")[2]


def _camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "-" + m.group(1).lower(), name)


# QTI 3.0 attributes that QTI 2.1 does not have: dropped when writing 2.1.
_NOT_IN_V21 = {"external-scored"}


def to_v2(element: ET.Element, namespace: str = QTI21) -> ET.Element:
    """A QTI 3.0 tree (kebab-case ``qti-*`` names) renamed to QTI 2.x's camelCase in ``namespace``;
    XHTML content (``p``, ``div``) keeps its name."""
    name = local(element.tag)
    new_name = _camel(name[4:]) if name.startswith("qti-") else name
    out = ET.Element(f"{{{namespace}}}{new_name}")
    for key, value in element.attrib.items():
        if key in _NOT_IN_V21:
            continue
        out.set(_camel(key) if "-" in key and not key.startswith("{") else key, value)
    out.text, out.tail = element.text, element.tail
    out.extend(to_v2(child, namespace) for child in element)
    return out


def from_v2(element: ET.Element) -> ET.Element:
    """A QTI 2.x tree renamed to QTI 3.0's names (the reader works on those only). Elements of
    QTI's own vocabulary get the ``qti-`` prefix; XHTML elements (lower case, no capitals:
    ``p``, ``div``, ``img``) keep their names."""
    name = local(element.tag)
    namespace = element.tag[1:].partition("}")[0] if element.tag.startswith("{") else ""
    qti = namespace in (QTI21, QTI22, "http://www.imsglobal.org/xsd/imsqti_v2p0")
    is_qti_word = qti and (name != name.lower() or name in _V2_SINGLE_WORDS)
    new_name = "qti-" + _kebab(name) if is_qti_word else name
    out = ET.Element(f"{{{QTI3}}}{new_name}" if qti else element.tag)
    for key, value in element.attrib.items():
        out.set(_kebab(key) if qti and not key.startswith("{") else key, value)
    out.text, out.tail = element.text, element.tail
    out.extend(from_v2(child) for child in element)
    return out


# QTI 2.x element names of one lower-case word (they cannot be told from XHTML by their case).
_V2_SINGLE_WORDS = {"prompt", "value", "mapping", "weight", "match", "member", "and", "or", "not", "variable",
                    "correct", "sum", "gt", "gte", "lt", "lte", "equal", "multiple", "ordered", "product",
                    "subtract", "divide", "power", "round", "truncate", "null", "default", "delete", "index",
                    "random", "contains", "substring", "inside", "durationLT", "anyN", "isNull", "selection",
                    "ordering", "rubricBlock"}


def serialise(root: ET.Element, *, default_namespace: str) -> bytes:
    """A document as UTF-8 bytes with an XML declaration, ``default_namespace`` unprefixed."""
    # ElementTree's default_namespace= refuses unprefixed attributes, so the default namespace
    # is registered under the empty prefix instead (a process-wide map, set before each write).
    ET.register_namespace("", default_namespace)
    ET.register_namespace("xsi", XSI)
    ET.register_namespace("lom", LOM)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
