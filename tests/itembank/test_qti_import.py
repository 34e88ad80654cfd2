"""QTI import (issue 15, item 2): packages and item files in, round trip, every refusal.

The fixtures are small items written the way other tools write them, after the public
examples: the IMS QTI 2.1 samples ``choice.xml`` ("Unattended Luggage") and
``choice_multiple.xml`` ("Composition of Water", with a mapping), an extended-text item,
and a QTI 3.0 item in kebab-case with a prompt, ``xml:lang="en-US"`` and a 1EdTech-style
manifest (``schemaversion`` 3.0.1).
"""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank.cli import app
from itembank.errors import InputFileError, UserError
from itembank.io.qti.export import export_package
from itembank.io.qti.reader import import_package
from itembank.services import bank
from itembank.services.bank import ItemContent
from itembank.storage.db import make_engine
from itembank.storage.models import Item, ItemVersion, TestSpecification

CHOICE_21 = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imsqti_v2p1 http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
    identifier="choice" title="Unattended Luggage" adaptive="false" timeDependent="false">
    <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
        <correctResponse>
            <value>ChoiceA</value>
        </correctResponse>
    </responseDeclaration>
    <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float">
        <defaultValue>
            <value>0</value>
        </defaultValue>
    </outcomeDeclaration>
    <itemBody>
        <p>Look at the text in the picture.</p>
        <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">
            <prompt>What does it say?</prompt>
            <simpleChoice identifier="ChoiceA">You must stay with your luggage at all times.</simpleChoice>
            <simpleChoice identifier="ChoiceB">Do not let someone else look after your luggage.</simpleChoice>
            <simpleChoice identifier="ChoiceC">Remember your luggage when you leave.</simpleChoice>
        </choiceInteraction>
    </itemBody>
    <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
</assessmentItem>
"""

CHOICE_MULTIPLE_21 = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"
    identifier="choiceMultiple" title="Composition of Water" adaptive="false" timeDependent="false">
    <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">
        <correctResponse>
            <value>H</value>
            <value>O</value>
        </correctResponse>
        <mapping lowerBound="0" upperBound="2" defaultValue="-2">
            <mapEntry mapKey="H" mappedValue="1"/>
            <mapEntry mapKey="O" mappedValue="1"/>
            <mapEntry mapKey="Cl" mappedValue="-1"/>
        </mapping>
    </responseDeclaration>
    <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
    <itemBody>
        <choiceInteraction responseIdentifier="RESPONSE" shuffle="true" maxChoices="0">
            <prompt>Which of the following elements are used to form water?</prompt>
            <simpleChoice identifier="H" fixed="false">Hydrogen</simpleChoice>
            <simpleChoice identifier="He" fixed="false">Helium</simpleChoice>
            <simpleChoice identifier="C" fixed="false">Carbon</simpleChoice>
            <simpleChoice identifier="O" fixed="false">Oxygen</simpleChoice>
            <simpleChoice identifier="N" fixed="false">Nitrogen</simpleChoice>
            <simpleChoice identifier="Cl" fixed="false">Chlorine</simpleChoice>
        </choiceInteraction>
    </itemBody>
    <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"/>
</assessmentItem>
"""

EXTENDED_TEXT_22 = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2"
    identifier="extendedText" title="Writing a Postcard" adaptive="false" timeDependent="false">
    <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string"/>
    <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float" normalMaximum="10"/>
    <itemBody>
        <div>
            <p>Read this postcard from your English pen-friend, Sam.</p>
            <p>Write Sam a postcard. Answer the questions. Write 25-35 words.</p>
        </div>
        <extendedTextInteraction responseIdentifier="RESPONSE" expectedLength="200"/>
    </itemBody>
</assessmentItem>
"""

CHOICE_30 = """<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
    identifier="q3-choice" title="Capital" adaptive="false" time-dependent="false" xml:lang="en-US">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-prompt>What is the capital of the
        Netherlands?</qti-prompt>
      <qti-simple-choice identifier="A">Rotterdam</qti-simple-choice>
      <qti-simple-choice identifier="B"><strong>Amsterdam</strong></qti-simple-choice>
      <qti-simple-choice identifier="C">The Hague</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>
"""

MANIFEST_30 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="sample">
  <metadata><schema>QTI Package</schema><schemaversion>3.0.1</schemaversion></metadata>
  <organizations/>
  <resources>
    <resource identifier="item1" type="imsqti_item_xmlv3p0" href="items/capital.xml"><file href="items/capital.xml"/></resource>
    <resource identifier="style" type="webcontent" href="items/style.css"><file href="items/style.css"/></resource>
    <resource identifier="test1" type="imsqti_test_xmlv3p0" href="test.xml"><file href="test.xml"/></resource>
  </resources>
</manifest>
"""

ORDER_21 = CHOICE_21.replace("<choiceInteraction", "<orderInteraction").replace("</choiceInteraction>", "</orderInteraction>")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def package(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return path


def counts(session: Session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(Item)),
            session.scalar(select(func.count()).select_from(ItemVersion)))


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        yield s


def test_the_ims_samples_import_as_written(session: Session, tmp_path: Path) -> None:
    report = import_package(session, write(tmp_path, "choice.xml", CHOICE_21), actor="t")
    assert report.new_items == ["choice"]
    v = bank.get_version(session, "choice")
    assert ItemContent.of(v) == ItemContent(
        stem="Look at the text in the picture.\nWhat does it say?",
        options=(("ChoiceA", "You must stay with your luggage at all times."),
                 ("ChoiceB", "Do not let someone else look after your luggage."),
                 ("ChoiceC", "Remember your luggage when you leave.")),
        key=("ChoiceA",), item_type="mc", max_score=1, language="nl")
    assert v.review.status.value == "draft" and v.author == "t"
    import_package(session, write(tmp_path, "choice_multiple.xml", CHOICE_MULTIPLE_21), actor="t")
    v = bank.get_version(session, "choiceMultiple")
    # multiple response with a mapping: the keys from the correct response, the maximum the upper bound
    assert (v.item_type.value, tuple(v.key), Decimal(v.max_score)) == ("mr", ("H", "O"), Decimal(2))
    assert [o["label"] for o in v.options] == ["H", "He", "C", "O", "N", "Cl"]
    assert v.stem == "Which of the following elements are used to form water?"
    import_package(session, write(tmp_path, "extended_text.xml", EXTENDED_TEXT_22), actor="t")
    v = bank.get_version(session, "extendedText")
    assert (v.item_type.value, Decimal(v.max_score), tuple(v.key)) == ("open", Decimal(10), ())
    assert v.stem == ("Read this postcard from your English pen-friend, Sam.\n"
                      "Write Sam a postcard. Answer the questions. Write 25-35 words.")


def test_a_qti3_package_in_kebab_case_with_the_1edtech_schemaversion(session: Session, tmp_path: Path) -> None:
    path = package(tmp_path, "sample.zip", {"imsmanifest.xml": MANIFEST_30, "items/capital.xml": CHOICE_30,
                                            "items/style.css": "p {}", "test.xml": "<not-read/>"})
    report = import_package(session, path, actor="t")
    assert report.new_items == ["q3-choice"]
    assert report.notes == ["test test.xml is not imported (itembank forms are assembled from approved items)"]
    v = bank.get_version(session, "q3-choice")
    # the prompt's line break is whitespace as a browser shows it; inline markup keeps its text
    assert v.stem == "What is the capital of the Netherlands?"
    assert [(o["label"], o["text"]) for o in v.options] == [("A", "Rotterdam"), ("B", "Amsterdam"), ("C", "The Hague")]
    assert (tuple(v.key), v.language) == (("B",), "en")


def test_an_existing_code_gets_its_next_version_and_an_unchanged_one_is_left(session: Session, tmp_path: Path) -> None:
    import_package(session, write(tmp_path, "choice.xml", CHOICE_21), actor="t")
    report = import_package(session, write(tmp_path, "choice.xml", CHOICE_21), actor="t")
    assert (report.new_items, report.new_versions, report.unchanged) == ([], [], ["choice"])
    revised = CHOICE_21.replace("<value>ChoiceA</value>", "<value>ChoiceB</value>")
    report = import_package(session, write(tmp_path, "choice.xml", revised), actor="t")
    assert report.new_versions == [("choice", 2)]
    assert tuple(bank.get_version(session, "choice", 1).key) == ("ChoiceA",)  # version 1 as it was
    v2 = bank.get_version(session, "choice", 2)
    assert (tuple(v2.key), v2.review.status.value, v2.change_note) == (("ChoiceB",), "draft", "imported from choice.xml")


def refused(session: Session, path: Path, expected: list[str], **options: object) -> None:
    before = counts(session)
    with pytest.raises(InputFileError) as err:
        import_package(session, path, actor="t", **options)
    assert [str(p) for p in err.value.problems] == expected
    assert counts(session) == before


def test_every_problem_is_named_by_file_and_nothing_is_stored(session: Session, tmp_path: Path) -> None:
    refused(session, write(tmp_path, "broken.xml", CHOICE_21.replace("</prompt>", "</promt>")), [
        # column 40 is the p of </promt>
        "broken.xml: line 19, column 40: not well-formed XML (mismatched tag)"])
    refused(session, write(tmp_path, "order.xml", ORDER_21), [
        "order.xml: unsupported interaction orderInteraction; itembank reads choice and extended-text interactions"])
    two = CHOICE_30.replace("</qti-item-body>", '<qti-extended-text-interaction response-identifier="R2"/></qti-item-body>')
    refused(session, write(tmp_path, "two.xml", two.replace("<qti-choice-interaction", "<qti-hotspot-interaction")
                           .replace("</qti-choice-interaction>", "</qti-hotspot-interaction>")), [
        "two.xml: unsupported interaction qti-hotspot-interaction; itembank reads choice and extended-text interactions",
        "two.xml: 2 interactions; an itembank item has one"])
    refused(session, write(tmp_path, "picture.xml", CHOICE_21.replace(
        "<p>Look at the text in the picture.</p>", '<p><img src="images/sign.png" alt="NEVER LEAVE LUGGAGE"/></p>')), [
        "picture.xml: media <img> in the item body, which itembank items cannot hold (text only)"])
    refused(session, write(tmp_path, "html.xml", "<html><body><p>hi</p></body></html>"), [
        "html.xml: not a QTI assessment item: the root element is <html> without a namespace; expected "
        "<qti-assessment-item> in http://www.imsglobal.org/xsd/imsqtiasi_v3p0 or <assessmentItem> in "
        "http://www.imsglobal.org/xsd/imsqti_v2p1"])
    refused(session, write(tmp_path, "entity.xml", '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'), [
        "entity.xml: declares XML entities (<!ENTITY ...>), which are not read for safety; remove the DOCTYPE"])
    refused(session, write(tmp_path, "nokey.xml", CHOICE_21.replace("<value>ChoiceA</value>", "<value>ChoiceZ</value>")), [
        "nokey.xml: item choice: key: key ChoiceZ is not among the options ChoiceA|ChoiceB|ChoiceC"])
    refused(session, write(tmp_path, "open.xml", EXTENDED_TEXT_22.replace(' normalMaximum="10"', "")), [
        "open.xml: an open question needs its maximum score: a MAXSCORE outcome or normal-maximum on SCORE"])


def test_package_problems_and_all_or_nothing(session: Session, tmp_path: Path) -> None:
    refused(session, package(tmp_path, "nomanifest.zip", {"items/capital.xml": CHOICE_30}), [
        "nomanifest.zip: no imsmanifest.xml at the top of the archive: not a QTI content package"])
    refused(session, package(tmp_path, "missing.zip", {"imsmanifest.xml": MANIFEST_30}), [
        "missing.zip:imsmanifest.xml: resource item1: file items/capital.xml is not in the package"])
    refused(session, package(tmp_path, "version.zip", {"imsmanifest.xml": MANIFEST_30.replace("3.0.1", "3.0"),
                                                      "items/capital.xml": CHOICE_30}), [
        "version.zip:imsmanifest.xml: <schemaversion> is '3.0'; expected 3.0.0"])
    refused(session, write(tmp_path, "fake.zip", "not a zip"), ["fake.zip: not a zip archive; a QTI package is a .zip file"])
    # one good item and one bad one: nothing is stored, the good one neither
    manifest = MANIFEST_30.replace(
        '<resource identifier="style"',
        '<resource identifier="item2" type="imsqti_item_xmlv3p0" href="items/order.xml"><file href="items/order.xml"/></resource>'
        '<resource identifier="style"')
    refused(session, package(tmp_path, "mixed.zip", {"imsmanifest.xml": manifest, "items/capital.xml": CHOICE_30,
                                                    "items/order.xml": ORDER_21}), [
        "mixed.zip:items/order.xml: unsupported interaction orderInteraction; itembank reads choice and "
        "extended-text interactions"])
    # the same code twice
    twice = manifest.replace("items/order.xml", "items/again.xml")
    refused(session, package(tmp_path, "twice.zip", {"imsmanifest.xml": twice, "items/capital.xml": CHOICE_30,
                                                    "items/again.xml": CHOICE_30}), [
        "twice.zip:items/again.xml: item q3-choice (language en, standard) is also in twice.zip:items/capital.xml"])
    with pytest.raises(UserError, match="no test specification 'NOPE'"):
        import_package(session, write(tmp_path, "choice.xml", CHOICE_21), actor="t", specification="NOPE")


def copy_specifications(source: Session, target: Session) -> None:
    for spec in source.scalars(select(TestSpecification)):
        by = {d: [(t.code, t.title) for t in spec.tags if t.dimension.value == d] for d in ("objective", "topic", "level")}
        bank.add_specification(target, spec.code, spec.name, objectives=by["objective"], topics=by["topic"],
                               levels=by["level"], actor="t")


def snapshot(session: Session) -> dict[tuple[str, str, str], tuple]:
    """The newest version of every line of every item (the source and each translation)."""
    heads = {h.version_id for lines in bank.line_heads(session).values() for h in lines}
    return {(v.item.code, v.language, v.variant.value): (
                ItemContent.of(v), sorted((t.dimension.value, t.code) for t in v.tags),
                v.item.specification.code if v.item.specification else None, v.review.status.value, v.author)
            for v in bank.find_versions(session, latest_only=False) if v.id in heads}


@pytest.mark.parametrize("version", ["3.0", "2.1"])
def test_the_demo_bank_survives_a_round_trip(demo_db: Path, session: Session, tmp_path: Path, version: str) -> None:
    """Export the demo bank's newest versions, import them into an empty bank: the same items
    (content: stem, options, key, type, max score, language, variant; tags; status; author)."""
    demo = make_engine(f"sqlite:///{demo_db}")
    try:
        with Session(demo) as source:
            report = export_package(source, tmp_path / "demo.zip", version=version)
            expected = snapshot(source)
            copy_specifications(source, session)
    finally:
        demo.dispose()
    # 320 items, 48 of them with a second line (a translation or the read-aloud variant)
    assert report.items == len(expected) == 368 and len({code for code, _, _ in expected}) == 320
    imported = import_package(session, tmp_path / "demo.zip", actor="t")
    assert (len(imported.new_items), len(imported.new_versions)) == (320, 48)
    assert snapshot(session) == expected  # a 2.1 manifest carries the same LOM metadata
    # and again: nothing changes
    again = import_package(session, tmp_path / "demo.zip", actor="t")
    assert (len(again.unchanged), again.new_versions) == (368, [])


def test_the_cli_imports_and_refuses_with_exit_2(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    result = runner.invoke(app, ["qti", "import", str(write(tmp_path, "order.xml", ORDER_21)), "--db", url])
    assert result.exit_code == 2
    assert "Error: order.xml: unsupported interaction orderInteraction" in result.output
    assert "Nothing was written." in result.output
    result = runner.invoke(app, ["qti", "import", str(write(tmp_path, "choice.xml", CHOICE_21)), "--db", url,
                                 "--user", "t"])
    assert result.exit_code == 0, result.output
    assert "choice.xml: 1 new items, 0 new versions, 0 unchanged" in result.output


def test_stem_lines_blank_lines_and_inline_markup(session: Session, tmp_path: Path) -> None:
    # Exported: one <p> per line, a blank line an empty <p/>; inline markup stays in its line.
    export_stem = "First line.\n\nThird line after a blank one."
    bank.add_item(session, "B1", ItemContent(stem=export_stem, options=(("A", "a"), ("B", "b")), key=("A",)), author="w")
    export_package(session, tmp_path / "b.zip")
    session.rollback()
    import_package(session, tmp_path / "b.zip", actor="t")
    assert bank.get_version(session, "B1").stem == export_stem
    marked = CHOICE_30.replace("<qti-item-body>", "<qti-item-body>Read <em>carefully</em>, then answer.")
    import_package(session, write(tmp_path, "marked.xml", marked), actor="t")
    assert bank.get_version(session, "q3-choice").stem == ("Read carefully, then answer.\n"
                                                           "What is the capital of the Netherlands?")


def test_an_item_set_travels_as_a_shared_stimulus(session: Session, tmp_path: Path) -> None:
    from itembank.storage.models import ItemSet

    case = "A scaffold of 6 m stands next to a road.\n\nThe wind is force 7."
    bank.add_item_set(session, "CASE-1", title="Scaffold case", stimulus=case, actor="w")
    for code in ("S1", "S2"):
        bank.add_item(session, code, ItemContent(stem=f"{code}?", options=(("A", "a"), ("B", "b")), key=("A",)),
                      author="w", item_set="CASE-1")
    export_package(session, tmp_path / "set.zip")
    with zipfile.ZipFile(tmp_path / "set.zip") as archive:
        assert "stimuli/S-CASE-1.xml" in archive.namelist()
        stimulus = archive.read("stimuli/S-CASE-1.xml").decode()
        item = archive.read("items/S1.xml").decode()
        manifest = archive.read("imsmanifest.xml").decode()
    assert "<qti-assessment-stimulus " in stimulus and "<p>The wind is force 7.</p>" in stimulus
    assert '<qti-assessment-stimulus-ref identifier="S-CASE-1" href="../stimuli/S-CASE-1.xml" title="Scaffold case"' in item
    assert 'type="imsqti_stimulus_xmlv3p0"' in manifest and '<dependency identifierref="R-S-CASE-1" />' in manifest
    session.rollback()  # an empty bank again
    report = import_package(session, tmp_path / "set.zip", actor="t")
    assert (report.new_items, report.new_item_sets) == (["S1", "S2"], ["CASE-1"])
    stored = session.scalars(select(ItemSet)).one()
    assert (stored.code, stored.title, stored.stimulus) == ("CASE-1", "Scaffold case", case)
    assert {bank.get_item(session, c).item_set.code for c in ("S1", "S2")} == {"CASE-1"}
    # the same set with another text in the bank is refused; a lone item file cannot bring its stimulus
    with zipfile.ZipFile(tmp_path / "set.zip") as archive:
        files = {n: archive.read(n).decode() for n in archive.namelist()}
    files["stimuli/S-CASE-1.xml"] = files["stimuli/S-CASE-1.xml"].replace("force 7", "force 9")
    files["items/S1.xml"] = files["items/S1.xml"].replace("S1?", "S1 changed?")
    refused(session, package(tmp_path, "other.zip", files), [
        "other.zip:items/S1.xml: item S1: item set CASE-1 is in the bank with another stimulus text",
        "other.zip:items/S2.xml: item S2: item set CASE-1 is in the bank with another stimulus text"])
    refused(session, write(tmp_path, "S1.xml", files["items/S1.xml"]), [
        "S1.xml: refers to the shared stimulus ../stimuli/S-CASE-1.xml, which only its package holds; import the package"])
    # QTI 2.1 has no shared stimulus: said, not silently dropped
    assert export_package(session, tmp_path / "v21.zip", version="2.1").notes == [
        "QTI 2.1 has no shared stimulus: the stimulus texts of item sets CASE-1 are not in the package "
        "(the set codes are, in the metadata)"]


def test_spec_files_new_items_and_their_tags_under_it(session: Session, tmp_path: Path) -> None:
    bank.add_specification(session, "OLD", "Old", objectives=[("LO1", "x"), ("LO9", "y")], actor="t")
    bank.add_item(session, "T1", ItemContent(stem="?", options=(("A", "a"), ("B", "b")), key=("A",)), author="w",
                  specification="OLD", tags=[("objective", "LO1")])
    bank.add_item(session, "T2", ItemContent(stem="?", options=(("A", "a"), ("B", "b")), key=("A",)), author="w",
                  specification="OLD", tags=[("objective", "LO9")])
    export_package(session, tmp_path / "old.zip")
    session.rollback()
    bank.add_specification(session, "NEW", "New", objectives=[("LO1", "x")], actor="t")
    # LO9 is not in NEW: said, not dropped; nothing stored
    refused(session, tmp_path / "old.zip", [
        "old.zip:items/T2.xml: item T2: unknown objective code 'LO9' in specification NEW"], specification="NEW")
    session.rollback()
    bank.add_specification(session, "NEW", "New", objectives=[("LO1", "x"), ("LO9", "y")], actor="t")
    import_package(session, tmp_path / "old.zip", actor="t", specification="NEW")
    v = bank.get_version(session, "T1")
    assert (v.item.specification.code, [(t.dimension.value, t.code) for t in v.tags]) == ("NEW", [("objective", "LO1")])


# --- an item's lines: a Dutch source and its English translation saved later ---------------

NL = (("A", "Handschoenen"), ("B", "Een veiligheidsbril"), ("C", "Een helm"))
EN = (("A", "Gloves"), ("B", "Safety goggles"), ("C", "A helmet"))


def test_an_unchanged_line_is_left_although_another_line_is_newer(engine: Engine, tmp_path: Path) -> None:
    """Q1 is Dutch v1 with its English translation v2 saved later (the item's newest version is
    English). Re-importing the unchanged Dutch item adds nothing; a package with both lines
    builds both in an empty bank and re-imports as unchanged; an edited English line becomes
    the English line's next version, the Dutch one untouched."""
    with Session(engine) as s:
        bank.add_item(s, "Q1", ItemContent(stem="Wat beschermt je ogen?", options=NL, key=("B",), language="nl"),
                      author="ann")
        bank.revise_item(s, "Q1", based_on=1, author="tom", change_note="English translation", language="en",
                         stem="What protects your eyes?", options=EN)
        export_package(s, tmp_path / "nl.zip", language="nl")
        export_package(s, tmp_path / "both.zip")
        report = import_package(s, tmp_path / "nl.zip", actor="t")
        assert (report.new_items, report.new_versions, report.unchanged) == ([], [], ["Q1"])
        report = import_package(s, tmp_path / "both.zip", actor="t")
        assert (report.new_versions, report.unchanged) == ([], ["Q1", "Q1"])
        assert counts(s) == (1, 2)
        s.rollback()  # nothing was committed: the bank is empty again, the packages stay
    with Session(engine) as s:
        assert counts(s) == (0, 0)
        report = import_package(s, tmp_path / "both.zip", actor="t")
        assert (report.new_items, report.new_versions) == (["Q1"], [("Q1", 2)])
        assert [(line.label, line.newest, line.translated_from) for line in bank.item_lines(s, "Q1")] == [
            ("Dutch (standard)", 1, None), ("English (standard)", 2, 1)]
        again = import_package(s, tmp_path / "both.zip", actor="t")
        assert (again.new_versions, again.unchanged) == ([], ["Q1", "Q1"])
        # an edited English line: the next English version, based on the English newest
        with zipfile.ZipFile(tmp_path / "both.zip") as source, zipfile.ZipFile(tmp_path / "edited.zip", "w") as out:
            for member in source.namelist():
                data = source.read(member)
                out.writestr(member, data.replace(b"What protects your eyes?", b"What protects the eyes?")
                             if member == "items/Q1-en.xml" else data)
        edited = import_package(s, tmp_path / "edited.zip", actor="t")
        assert (edited.new_versions, edited.unchanged) == ([("Q1", 3)], ["Q1"])
        v3 = bank.get_line_version(s, "Q1", "en")
        assert (v3.number, v3.stem) == (3, "What protects the eyes?")
        assert bank.get_line_version(s, "Q1").number == 1  # the Dutch source untouched
        s.rollback()


def test_one_line_of_an_item_twice_in_a_package_is_refused(session: Session, tmp_path: Path) -> None:
    bank.add_item(session, "Q1", ItemContent(stem="Wat beschermt je ogen?", options=NL, key=("B",), language="nl"),
                  author="ann")
    export_package(session, tmp_path / "one.zip")
    with zipfile.ZipFile(tmp_path / "one.zip") as source, zipfile.ZipFile(tmp_path / "twice.zip", "w") as out:
        manifest = source.read("imsmanifest.xml").decode()
        start = manifest.index("<resource ")
        end = manifest.index("</resource>") + len("</resource>")
        copy = manifest[start:end].replace('identifier="R-Q1"', 'identifier="R-Q1b"').replace("items/Q1.xml", "items/Q1b.xml")
        out.writestr("imsmanifest.xml", manifest[:end] + copy + manifest[end:])
        out.writestr("items/Q1.xml", source.read("items/Q1.xml"))
        out.writestr("items/Q1b.xml", source.read("items/Q1.xml"))
    with pytest.raises(InputFileError, match=r"item Q1 \(language nl, standard\) is also in twice.zip:items/Q1.xml"):
        import_package(session, tmp_path / "twice.zip", actor="t")
