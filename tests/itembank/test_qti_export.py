"""QTI export (issue 15, item 1): the package, its items, its test and its metadata.

A small bank, hand-built so every expected value can be written down: a one-point MC item,
a two-point MC item, a multiple-response item keyed A|C worth 2 points (partial credit: a key
is worth 2/2 = 1, a wrong option -1, bounded to 0..2), an open question worth 4 points and a
practical criterion, tagged against specification S. Form F holds the first four; sitting
ADM of F has two decisions: M2 voided, M1 accepting B as a second answer.
"""

from __future__ import annotations

import zipfile
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank.cli import app
from itembank.errors import UserError
from itembank.io.qti.export import export_package
from itembank.services import administrations, bank, committee, forms
from itembank.services.bank import ItemContent

Q = "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}"
Q2 = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1}"
LOM = "{http://ltsc.ieee.org/xsd/LOM}"

ABCD = tuple((x, f"option {x}") for x in "ABCD")


def build_bank(s: Session, flextoets_text: str) -> None:
    bank.add_specification(s, "S", "Spec", objectives=[("LO1", "Safety"), ("LO2", "Health")],
                           topics=[("T1", "Ladders")], levels=[("K", "Knowledge"), ("A", "Application")], actor="w")
    items = {
        "M1": ItemContent(stem="Which one?\nPick one.", options=ABCD, key=("A",)),
        "M2": ItemContent(stem="Worth two?", options=ABCD, key=("D",), max_score=2, language="en"),
        "R1": ItemContent(stem="Which two?", options=ABCD, key=("A", "C"), item_type="mr", max_score=2),
        "O1": ItemContent(stem="Explain.", item_type="open", max_score=4, variant="read_aloud"),
        "P1": ItemContent(stem="Places the ladder.", item_type="practical", max_score=1),
    }
    tags = {"M1": [("objective", "LO1"), ("level", "K"), ("topic", "T1")], "M2": [("objective", "LO2")]}
    for code, content in items.items():
        bank.add_item(s, code, content, author="a.writer", specification="S", tags=tags.get(code, ()))
        bank.set_status(s, code, 1, "in_review", actor="w")
        bank.set_status(s, code, 1, "approved", actor="c")
    entries = [forms.FormEntry(bank.get_version(s, c).id, part=p) for c, p in
               (("M1", "mc"), ("M2", "mc"), ("R1", "mc"), ("O1", "open"))]
    forms.freeze_form(s, "F", entries, actor="c")
    administrations.add_administration(s, "ADM", "F", on=date(2025, 11, 1), actor="sec")
    committee.add_decision(s, "ADM", "M2", "void", reason="picture missing", actor="c")
    committee.add_decision(s, "ADM", "M1", "accept", "B", reason="two defensible answers", actor="c")


@pytest.fixture
def session(engine: Engine, flextoets_text: str):
    with Session(engine) as s:
        build_bank(s, flextoets_text)
        s.commit()
        yield s


def read(package: Path, name: str) -> ET.Element:
    with zipfile.ZipFile(package) as archive:
        return ET.fromstring(archive.read(name))


def test_the_manifest_follows_the_qti3_package_xsd(session: Session, tmp_path: Path) -> None:
    report = export_package(session, tmp_path / "bank.zip")
    assert (report.items, report.version, report.test) == (5, "3.0", None)
    manifest = read(tmp_path / "bank.zip", "imsmanifest.xml")
    assert manifest.tag == f"{CP}manifest"
    # the only values imsqtiv3p0_imscpv1p2_v1p0.xsd enumerates for these two (see itembank/io/qti/_xml.py)
    assert manifest.findtext(f"{CP}metadata/{CP}schema") == "QTI Package"
    assert manifest.findtext(f"{CP}metadata/{CP}schemaversion") == "3.0.0"
    assert [child.tag for child in manifest] == [f"{CP}metadata", f"{CP}organizations", f"{CP}resources"]
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    assert [(r.get("identifier"), r.get("type"), r.get("href")) for r in resources] == [
        (f"R-{c}", "imsqti_item_xmlv3p0", f"items/{c}.xml") for c in ("M1", "M2", "O1", "P1", "R1")]
    with zipfile.ZipFile(tmp_path / "bank.zip") as archive:
        assert sorted(archive.namelist()) == ["imsmanifest.xml", *(f"items/{c}.xml" for c in ("M1", "M2", "O1", "P1", "R1"))]
    # the metadata of M1: code, version, status, language, author and its three tags
    lom = resources[0].find(f"{CP}metadata/{LOM}lom")
    identifiers = {i.findtext(f"{LOM}catalog"): i.findtext(f"{LOM}entry") for i in lom.iter(f"{LOM}identifier")}
    assert identifiers == {"itembank": "M1", "itembank:item-type": "mc", "itembank:variant": "standard",
                           "itembank:specification": "S"}
    assert lom.findtext(f"{LOM}general/{LOM}language") == "nl"
    assert lom.findtext(f"{LOM}lifeCycle/{LOM}version/{LOM}string") == "1"
    assert lom.findtext(f"{LOM}lifeCycle/{LOM}status/{LOM}value") == "approved"
    assert "FN:a.writer" in lom.findtext(f"{LOM}lifeCycle/{LOM}contribute/{LOM}entity")
    tags = [(c.findtext(f"{LOM}purpose/{LOM}value"), c.findtext(f"{LOM}taxonPath/{LOM}source/{LOM}string"),
             c.findtext(f"{LOM}taxonPath/{LOM}taxon/{LOM}id")) for c in lom.findall(f"{LOM}classification")]
    assert sorted(tags) == [("educational objective", "S", "LO1"), ("idea", "S", "T1"), ("skill level", "S", "K")]


def test_each_item_type_becomes_its_interaction_and_scoring(session: Session, tmp_path: Path) -> None:
    export_package(session, tmp_path / "bank.zip")
    m1 = read(tmp_path / "bank.zip", "items/M1.xml")
    assert m1.tag == f"{Q}qti-assessment-item" and m1.get("identifier") == "M1"
    declaration = m1.find(f"{Q}qti-response-declaration")
    assert (declaration.get("cardinality"), declaration.get("base-type")) == ("single", "identifier")
    assert [v.text for v in declaration.iter(f"{Q}qti-value")] == ["A"]
    interaction = m1.find(f"{Q}qti-item-body/{Q}qti-choice-interaction")
    assert interaction.get("max-choices") == "1"
    assert [(c.get("identifier"), c.text) for c in interaction] == list(ABCD)
    assert [p.text for p in m1.findall(f"{Q}qti-item-body/{Q}p")] == ["Which one?", "Pick one."]
    assert m1.find(f"{Q}qti-response-processing").get("template").endswith("/rptemplates/match_correct.xml")
    # two points: the key maps to 2, map_response
    m2 = read(tmp_path / "bank.zip", "items/M2.xml")
    assert [(e.get("map-key"), e.get("mapped-value")) for e in m2.iter(f"{Q}qti-map-entry")] == [("D", "2")]
    assert m2.find(f"{Q}qti-response-processing").get("template").endswith("/map_response.xml")
    assert m2.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    # multiple response: every key correct; the mapping is itembank's partial credit, 2 x (right - wrong)/2
    r1 = read(tmp_path / "bank.zip", "items/R1.xml")
    declaration = r1.find(f"{Q}qti-response-declaration")
    assert declaration.get("cardinality") == "multiple"
    assert [v.text for v in declaration.find(f"{Q}qti-correct-response")] == ["A", "C"]
    mapping = declaration.find(f"{Q}qti-mapping")
    assert (mapping.get("lower-bound"), mapping.get("upper-bound")) == ("0", "2")
    assert [(e.get("map-key"), e.get("mapped-value")) for e in mapping] == [("A", "1"), ("B", "-1"), ("C", "1"), ("D", "-1")]
    assert r1.find(f"{Q}qti-item-body/{Q}qti-choice-interaction").get("max-choices") == "0"
    # all or nothing by default: an explicit condition, 2 points when the response matches
    rp = r1.find(f"{Q}qti-response-processing")
    assert rp.get("template") is None
    assert rp.findtext(f"{Q}qti-response-condition/{Q}qti-response-if/{Q}qti-set-outcome-value/{Q}qti-base-value") == "2"
    # open: extended text, human scored, maximum 4
    o1 = read(tmp_path / "bank.zip", "items/O1.xml")
    assert o1.find(f"{Q}qti-item-body/{Q}qti-extended-text-interaction") is not None
    assert o1.find(f"{Q}qti-response-declaration/{Q}qti-correct-response") is None
    score = [d for d in o1.findall(f"{Q}qti-outcome-declaration") if d.get("identifier") == "SCORE"][0]
    assert (score.get("normal-maximum"), score.get("external-scored")) == ("4", "human")
    assert o1.find(f"{Q}qti-response-processing") is None


def test_partial_credit_scores_multiple_response_with_the_mapping(session: Session, tmp_path: Path) -> None:
    export_package(session, tmp_path / "bank.zip", specification="S", mr_scoring="partial")
    r1 = read(tmp_path / "bank.zip", "items/R1.xml")
    assert r1.find(f"{Q}qti-response-processing").get("template").endswith("/map_response.xml")


def test_a_form_with_a_sittings_decisions_becomes_a_test(session: Session, tmp_path: Path) -> None:
    report = export_package(session, tmp_path / "form.zip", administration="ADM")
    assert (report.items, report.test) == (4, "F")
    test = read(tmp_path / "form.zip", "tests/F.xml")
    sections = test.findall(f"{Q}qti-test-part/{Q}qti-assessment-section")
    assert [s.get("title") for s in sections] == ["mc", "open"]
    refs = [(r.get("identifier"), r.get("href"), r.find(f"{Q}qti-weight").get("value"))
            for r in test.iter(f"{Q}qti-assessment-item-ref")]
    # form order; the voided M2 weighs 0
    assert refs == [("M1", "../items/M1.xml", "1"), ("M2", "../items/M2.xml", "0"), ("R1", "../items/R1.xml", "1"),
                    ("O1", "../items/O1.xml", "1")]
    # the accepted second answer of M1: both labels map to the maximum
    m1 = read(tmp_path / "form.zip", "items/M1.xml")
    assert [(e.get("map-key"), e.get("mapped-value")) for e in m1.iter(f"{Q}qti-map-entry")] == [("A", "1"), ("B", "1")]
    assert m1.find(f"{Q}qti-response-processing").get("template").endswith("/map_response.xml")
    manifest = read(tmp_path / "form.zip", "imsmanifest.xml")
    test_resource = manifest.findall(f"{CP}resources/{CP}resource")[-1]
    assert test_resource.get("type") == "imsqti_test_xmlv3p0"
    assert [d.get("identifierref") for d in test_resource.findall(f"{CP}dependency")] == ["R-M1", "R-M2", "R-R1", "R-O1"]
    # without the sitting, the frozen form as it is: no decisions
    export_package(session, tmp_path / "plain.zip", form="F")
    assert [r.find(f"{Q}qti-weight").get("value") for r in read(tmp_path / "plain.zip", "tests/F.xml").iter(
        f"{Q}qti-assessment-item-ref")] == ["1", "1", "1", "1"]


def test_qti21_uses_its_own_names_and_namespaces(session: Session, tmp_path: Path) -> None:
    export_package(session, tmp_path / "v21.zip", form="F", version="2.1")
    manifest = read(tmp_path / "v21.zip", "imsmanifest.xml")
    assert manifest.tag == "{http://www.imsglobal.org/xsd/imscp_v1p1}manifest"
    types = {r.get("type") for r in manifest.iter("{http://www.imsglobal.org/xsd/imscp_v1p1}resource")}
    assert types == {"imsqti_item_xmlv2p1", "imsqti_test_xmlv2p1"}
    m1 = read(tmp_path / "v21.zip", "items/M1.xml")
    assert m1.tag == f"{Q2}assessmentItem" and m1.get("timeDependent") == "false"
    assert m1.find(f"{Q2}itemBody/{Q2}choiceInteraction").get("maxChoices") == "1"
    assert m1.find(f"{Q2}responseProcessing").get("template") == \
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"
    o1 = read(tmp_path / "v21.zip", "items/O1.xml")
    assert "externalScored" not in ET.tostring(o1, encoding="unicode")  # not a QTI 2.1 attribute
    assert read(tmp_path / "v21.zip", "tests/F.xml").tag == f"{Q2}assessmentTest"


def test_export_mistakes_are_messages_and_write_nothing(session: Session, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="a QTI package is a .zip file"):
        export_package(session, tmp_path / "bank.xml")
    with pytest.raises(UserError, match="give --form or --spec, not both"):
        export_package(session, tmp_path / "x.zip", form="F", specification="S")
    with pytest.raises(UserError, match="no form 'NOPE'|no frozen form|NOPE"):
        export_package(session, tmp_path / "x.zip", form="NOPE")
    assert not any(p.suffix in (".zip", ".xml", ".tmp") for p in tmp_path.iterdir())
    url = session.get_bind().url.render_as_string(hide_password=False)
    session.close()
    result = CliRunner().invoke(app, ["qti", "export", str(tmp_path / "x.zip"), "--version", "1.2", "--db", url])
    assert result.exit_code == 2 and "'1.2' is not one of" in result.output
    result = CliRunner().invoke(app, ["qti", "export", str(tmp_path / "x.zip"), "--spec", "S", "--db", url])
    assert result.exit_code == 0 and "x.zip: QTI 3.0 package with 5 items" in result.output


def test_codes_and_labels_that_are_not_xml_names_come_back_unchanged(engine: Engine, tmp_path: Path) -> None:
    """An identifier must be an XML name: code '2025 Q1' is written I_2025_Q1 (the code itself
    travels in the manifest's LOM), option label '1' as choice L_1; the import restores both."""
    from itembank.io.qti.reader import import_package

    with Session(engine) as s:
        content = ItemContent(stem="Which number?", options=(("1", "one"), ("2", "two")), key=("2",))
        bank.add_item(s, "2025 Q1", content, author="w")
        export_package(s, tmp_path / "odd.zip")
        item = read(tmp_path / "odd.zip", "items/I_2025_Q1.xml")
        assert item.get("identifier") == "I_2025_Q1"
        assert [c.get("identifier") for c in item.iter(f"{Q}qti-simple-choice")] == ["L_1", "L_2"]
        s.rollback()
        assert import_package(s, tmp_path / "odd.zip", actor="t").new_items == ["2025 Q1"]
        assert ItemContent.of(bank.get_version(s, "2025 Q1")) == content


# --- the package scores as the scoring core does ------------------------------------------


def qti_score(item: ET.Element, chosen: tuple[str, ...]) -> float:
    """SCORE of a response under the item's own declarations, evaluated as QTI defines them:
    ``match_correct`` (the response equals the correct response), ``map_response`` (the sum of
    the mapped values of the distinct chosen identifiers, the default value for one that is not
    mapped, then bounded by lower-bound/upper-bound), or the explicit all-or-nothing condition
    the exporter writes (response = correct response, or = one of the listed answer sets)."""
    declaration = item.find(f"{Q}qti-response-declaration")
    correct = {v.text for v in declaration.iter(f"{Q}qti-value")}
    processing = item.find(f"{Q}qti-response-processing")
    template = processing.get("template") or ""
    if not chosen:
        return 0.0
    if template.endswith("match_correct.xml"):
        return 1.0 if set(chosen) == correct else 0.0
    if template.endswith("map_response.xml"):
        mapping = declaration.find(f"{Q}qti-mapping")
        values = {e.get("map-key"): float(e.get("mapped-value")) for e in mapping}
        total = sum(values.get(c, float(mapping.get("default-value", "0"))) for c in set(chosen))
        if mapping.get("lower-bound") is not None:
            total = max(total, float(mapping.get("lower-bound")))
        if mapping.get("upper-bound") is not None:
            total = min(total, float(mapping.get("upper-bound")))
        return total
    branch = processing.find(f"{Q}qti-response-condition/{Q}qti-response-if")
    sets = [correct] + [{b.text for b in m.iter(f"{Q}qti-base-value")} for m in branch.iter(f"{Q}qti-multiple")]
    points = float(branch.findtext(f"{Q}qti-set-outcome-value/{Q}qti-base-value"))
    return points if set(chosen) in sets else 0.0


@pytest.mark.parametrize("mr_scoring", ["all_or_nothing", "partial"])
@pytest.mark.parametrize(("kind", "key", "maximum", "accepted"), [
    ("mc", ("B",), 1, ()), ("mc", ("B",), 3, ()), ("mc", ("B",), 1, (("D",),)),
    ("mr", ("A", "C"), 2, ()), ("mr", ("A", "B", "D"), 3, ()), ("mr", ("A", "C"), 2, (("A", "B", "C"),)),
])
def test_every_response_scores_in_the_package_as_in_the_scoring_core(
        kind: str, key: tuple[str, ...], maximum: int, accepted: tuple, mr_scoring: str) -> None:
    """Every response the interaction allows (mc: none or one of A-D; mr: all 16 subsets) as
    responses: the QTI processing of the exported item gives the
    scoring core's item score (multiple response all-or-nothing or partial credit, accepted
    answers from an 'accept' decision)."""
    from decimal import Decimal
    from fractions import Fraction
    from itertools import combinations

    import pandas as pd

    from itembank.io.qti.export import ExportItem, item_document
    from itembank.scoring import Decision, Form, Item, load_rule_set, score
    from itembank.scoring.form import apply_decisions
    from itembank.storage.models import ItemType

    if kind == "mc" and mr_scoring == "partial":
        pytest.skip("partial credit is a multiple-response rule")
    if accepted and kind == "mr" and mr_scoring == "partial":
        pytest.skip("an accepted answer set has no partial-credit mapping (the export lists it in its notes)")
    form = Form((Item("X", "p", kind, tuple("ABCD"), key, max_score=Fraction(maximum)),))
    decisions = [Decision("X", "accept", "|".join(group), "") for group in accepted]
    effective = apply_decisions(form, decisions)["X"]
    exported = ExportItem(code="X", version=1, status="approved", item_type=ItemType(kind), stem="?",
                          options=tuple((x, x) for x in "ABCD"), key=tuple(effective.key), max_score=Decimal(maximum),
                          language="nl", variant="standard", author="", specification=None, tags=(), item_set=None,
                          accepted=tuple(effective.accepted))
    document = item_document(exported, identifier="X", mr_scoring=mr_scoring)
    # A single-answer interaction (max-choices 1, cardinality single) cannot deliver two marks;
    # itembank scores those (from paper) as invalid, QTI never sees them.
    subsets = [c for k in range(0, 2 if kind == "mc" else 5) for c in combinations("ABCD", k)]
    responses = pd.DataFrame({"X": ["|".join(c) for c in subsets]}, index=[f"c{i}" for i in range(len(subsets))])
    rules = load_rule_set(f"[parts.p]\n[scoring]\nmultiple_response = '{mr_scoring}'\n[grade]\nmethod = 'none'\n",
                          source="t.toml")
    core = score(form, responses, rules=rules, decisions=decisions).scored["X"].tolist()
    in_package = [qti_score(document, c) for c in subsets]
    assert in_package == pytest.approx([float(x) for x in core], abs=1e-9)


def test_item_statistics_per_sitting_as_usage_data(demo_db: Path, tmp_path: Path) -> None:
    """The demo sitting's p, Rit and Rir as QTI usage data, checked against values computed
    here from the stored answers and the frozen keys alone (40 one-point MC items, no
    decisions): p = share answering the key, Rit = r(x_j, T), Rir = r(x_j, T - x_j)."""
    import numpy as np

    from itembank.services import administrations
    from itembank.storage.db import make_engine

    engine = make_engine(f"sqlite:///{demo_db}")
    try:
        with Session(engine) as s:
            report = export_package(s, tmp_path / "stats.zip", form="VCA-B-2025-A", statistics=True)
            answers = administrations.get_responses(s, "VCA-B-2025-11-ROT")
            keys = {fi.item_version.item.code: fi.key[0] for fi in forms.get_form(s, "VCA-B-2025-A").items}
    finally:
        engine.dispose()
    assert report.statistics == 120  # 40 items x (p, rit, rir)
    usage = read(tmp_path / "stats.zip", "usagedata.xml")
    U = "{http://www.imsglobal.org/xsd/imsqti_usagedata_v3p0}"
    got = {(e.find(f"{U}targetObject").get("identifier"), e.get("name")): (float(e.findtext(f"{U}value")),
                                                                           e.get("caseCount"), e.get("context"))
           for e in usage.findall(f"{U}ordinaryStatistic")}
    x = np.column_stack([(answers[c].to_numpy(dtype=object) == k).astype(float) for c, k in keys.items()])
    total = x.sum(axis=1)
    for j, code in enumerate(keys):
        expected = {"p": x[:, j].mean(), "rit": np.corrcoef(x[:, j], total)[0, 1],
                    "rir": np.corrcoef(x[:, j], total - x[:, j])[0, 1]}
        for name, value in expected.items():
            assert got[(code, name)][0] == pytest.approx(value, abs=1e-12)
            assert got[(code, name)][1:] == ("600", "urn:itembank:administration:VCA-B-2025-11-ROT")
    manifest = read(tmp_path / "stats.zip", "imsmanifest.xml")
    assert [r.get("type") for r in manifest.iter(f"{CP}resource")][-1] == "qtiusagedata/xml"


# --- an item's lines: a Dutch source and its English translation saved later ---------------

NL = (("A", "Handschoenen"), ("B", "Een veiligheidsbril"), ("C", "Een helm"))
EN = (("A", "Gloves"), ("B", "Safety goggles"), ("C", "A helmet"))


def translated_bank(s: Session) -> None:
    """Q1: Dutch v1 (the source), English v2 translated from it, Dutch v3 (a later fix of the
    source); its newest version of any language is the Dutch v3, its newest English v2. Q2:
    Dutch v1 only, then English v2: its newest version of any language is English."""
    bank.add_item(s, "Q1", ItemContent(stem="Wat beschermt je ogen?", options=NL, key=("B",), language="nl"), author="ann")
    bank.revise_item(s, "Q1", based_on=1, author="tom", change_note="English translation", language="en",
                     stem="What protects your eyes?", options=EN)
    bank.revise_item(s, "Q1", based_on=1, author="ann", change_note="clearer", stem="Wat beschermt je ogen het best?")
    bank.add_item(s, "Q2", ItemContent(stem="Wat is rood?", options=NL, key=("C",), language="nl"), author="ann")
    bank.revise_item(s, "Q2", based_on=1, author="tom", change_note="English translation", language="en",
                     stem="What is red?", options=EN)


def test_every_line_of_an_item_is_its_own_qti_item_with_its_language(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        translated_bank(s)
        report = export_package(s, tmp_path / "lines.zip")
        assert report.items == 4
        manifest = read(tmp_path / "lines.zip", "imsmanifest.xml")
        # the source keeps the bare code as identifier, the translation is CODE-LANGUAGE
        assert [r.get("href") for r in manifest.iter(f"{CP}resource")] == [
            "items/Q1.xml", "items/Q1-en.xml", "items/Q2.xml", "items/Q2-en.xml"]
        got = {}
        for resource in manifest.iter(f"{CP}resource"):
            item = read(tmp_path / "lines.zip", resource.get("href"))
            lom = resource.find(f"{CP}metadata/{LOM}lom")
            code = next(i.findtext(f"{LOM}entry") for i in lom.iter(f"{LOM}identifier")
                        if i.findtext(f"{LOM}catalog") == "itembank")
            got[resource.get("href")] = (code, item.get("{http://www.w3.org/XML/1998/namespace}lang"),
                                         lom.findtext(f"{LOM}lifeCycle/{LOM}version/{LOM}string"),
                                         " ".join(item.find(f"{Q}qti-item-body").itertext()))
        assert got["items/Q1.xml"][:3] == ("Q1", "nl", "3") and "Wat beschermt je ogen het best?" in got["items/Q1.xml"][3]
        assert "What protects your eyes?" in got["items/Q1-en.xml"][3]
        assert got["items/Q1-en.xml"][:3] == ("Q1", "en", "2")
        assert got["items/Q2.xml"][:3] == ("Q2", "nl", "1")  # not hidden by the English v2 saved after it
        assert got["items/Q2-en.xml"][:3] == ("Q2", "en", "2")
        english = export_package(s, tmp_path / "en.zip", language="en")
        assert english.items == 2
        assert [r.get("href") for r in read(tmp_path / "en.zip", "imsmanifest.xml").iter(f"{CP}resource")] == [
            "items/Q1.xml", "items/Q2.xml"]  # the only line of each item in this package: the bare code
        with pytest.raises(UserError, match="give --form or --language, not both"):
            export_package(s, tmp_path / "x.zip", form="F", language="en")
        with pytest.raises(UserError, match="nothing to export"):
            export_package(s, tmp_path / "x.zip", language="de")
        s.commit()
        url = s.get_bind().url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["qti", "export", str(tmp_path / "cli.zip"), "--language", "nl", "--db", url])
    assert result.exit_code == 0 and "cli.zip: QTI 3.0 package with 2 items" in result.output, result.output
    assert "--language" in CliRunner().invoke(app, ["qti", "export", "--help"]).output
