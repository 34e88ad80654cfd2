"""The administration report (issue 16, item 1): its numbers are the API's, read back from the
HTML; its PDF renders with every section; its conversion table is the scoring core's grades.

The expected numbers come from the functions the dashboard and the command line call
(:func:`analyze_administration`, :func:`list_decisions`, the results table of the scoring core)
shown through :mod:`itembank.display`, and, where a number is small enough, by hand (the
arithmetic is in the comments).
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from fractions import Fraction
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itembank.display import shown, shown_percent
from itembank.errors import UserError
from itembank.reports import administration_report, check_output
from itembank.reports import charts as report_charts
from itembank.reports.administration import build_administration_report
from itembank.services import administrations, committee, results
from itembank.services.item_analysis import analyze_administration
from itembank.storage.db import make_engine
from itembank.text import TEXT, t

# "Not in this report" appears only when something is left out; the administration report now
# leaves nothing out (IRT and decision consistency are in it).
HEADINGS = [k for k in TEXT if k.startswith("report_h_") and not k.startswith("report_h_eval")
            and k not in ("report_h_release", "report_h_not_available")]
# The evaluation leaves nothing out any more: no "Not in this report".
EVALUATION_HEADINGS = [k for k in TEXT if k.startswith("report_h_eval")]


class Tables(HTMLParser):
    """Every <table> of a page: its classes and its rows (cell texts), plus the text of
    elements with an id (the release box)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self.ids: dict[str, list[str]] = {}
        self._id: list[tuple[str, int]] = []
        self._depth = 0
        self.images: list[str] = []
        self.headings: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        self._depth += 1
        if "id" in a and tag == "div":
            self.ids[a["id"]] = []
            self._id.append((a["id"], self._depth))
        if tag == "table":
            self._stack.append({"class": (a.get("class") or "").split(), "rows": [], "items": []})
        elif tag == "tr" and self._stack:
            self._stack[-1]["rows"].append([])
            self._stack[-1]["items"].append(a.get("data-item"))
        elif tag in ("td", "th") and self._stack:
            self._cell = []
        elif tag == "img":
            self.images.append(a.get("src", ""))
        elif tag in ("h1", "h2", "h3"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if self._id and self._id[-1][1] == self._depth:
            self._id.pop()
        self._depth -= 1
        if tag in ("td", "th") and self._cell is not None and self._stack:
            self._stack[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)
        for key, _ in self._id:
            self.ids[key].append(data)

    def table(self, cls: str) -> dict:
        found = [tb for tb in self.tables if cls in tb["class"]]
        assert found, f"no table of class {cls}"
        return found[0]

    def pairs(self, cls: str) -> dict[str, str]:
        return {r[0]: r[1] for r in self.table(cls)["rows"]}

    def text(self, key: str) -> str:
        return " ".join("".join(self.ids[key]).split())


def parse(html: str) -> Tables:
    p = Tables()
    p.feed(html)
    return p


# --- a small sitting with decisions, a committee cut, attributes and a release --------------

CODES = [f"Q{j:02d}" for j in range(1, 11)]


def _responses(n: int = 40, seed: int = 16) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n candidates x 10 four-option items keyed A; an able candidate answers A more often.
    Q10's real answer is B (the bank's key A is wrong), so it is flagged as a possible miskey."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=n)
    difficulty = np.linspace(-1.5, 1.0, len(CODES))
    right = rng.random((n, len(CODES))) < 1 / (1 + np.exp(-(ability[:, None] - difficulty)))
    wrong = rng.choice(list("BCD"), size=(n, len(CODES)))
    choices = np.where(right, "A", wrong).astype(object)
    choices[:, 9] = np.where(right[:, 9], "B", rng.choice(list("ACD"), size=n))
    index = [f"c{i:02d}" for i in range(1, n + 1)]
    attrs = pd.DataFrame({"language": ["en" if i % 3 == 0 else "nl" for i in range(n)]}, index=index)
    return pd.DataFrame(choices, index=index, columns=CODES), attrs


@pytest.fixture
def sitting(engine: Engine, flextoets_exam, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """ADM (Flextoets rules: cut 65 %, linear grades) with responses and attributes; decisions:
    void Q09 (then a second void withdrawn), accept B on Q10; the committee's cut 60 %."""
    # The numbers need no pictures: the charts (a browser start each) are tested on the demo.
    monkeypatch.setattr(report_charts, "browser_path", lambda: None)
    choices, attrs = _responses()
    with Session(engine) as s:
        flextoets_exam(s, CODES)
        administrations.add_responses(s, "ADM", choices, attributes=attrs, actor="sec")
        committee.add_decision(s, "ADM", "Q09", "void", reason="picture missing", actor="m.jansen")
        wrong = committee.add_decision(s, "ADM", "Q08", "void", reason="by mistake", actor="m.jansen")
        committee.withdraw_decision(s, wrong.id, reason="wrong item", actor="m.jansen")
        committee.add_decision(s, "ADM", "Q10", "accept", "B", reason="two defensible answers", actor="p.devries")
        committee.set_cut_score(s, "ADM", {"kind": "percent", "value": 60}, reason="meeting 2025-11-20", actor="sec")
        s.commit()
    return engine


def html_of(session: Session, tmp_path: Path, name: str = "r.html") -> Tables:
    path = administration_report(session, "ADM", tmp_path / name)
    return parse(path.read_text(encoding="utf-8"))


def test_summary_and_reliability_are_the_analysis_numbers(sitting: Engine, tmp_path: Path) -> None:
    with Session(sitting) as s:
        page = html_of(s, tmp_path)
        a = analyze_administration(s, "ADM")
    summary, rel = page.pairs("summary"), page.pairs("reliability")
    assert summary[t("candidates")] == "40"
    assert summary[t("items")] == "9" == str(a.reliability.n_items)  # Q09 voided
    assert summary[t("mean_score")] == f"{shown(a.distribution.mean, 'score_mean')} / 9"
    # 60 % of the remaining maximum 9 = 5.4 (the committee's cut, not the rule set's 65 %).
    assert summary[t("cut_score")] == "5.4 / 9"
    assert summary[t("voided")] == "Q09"
    c = a.classification.estimate
    assert rel == {t("alpha"): shown(a.reliability.alpha, "alpha"),
                   t("report_lambda2"): shown(a.reliability.lambda2, "lambda2"),
                   t("report_split_half"): shown(a.reliability.split_half, "split_half"),
                   t("sem"): shown(a.reliability.sem, "sem"),
                   t("report_decision_consistency", cut="5.4"): shown(c.consistency, "alpha"),
                   t("report_decision_kappa"): shown(c.kappa, "alpha"),
                   t("report_decision_accuracy", cut="5.4"): shown(c.accuracy, "alpha"),
                   t("report_false_pass"): shown_percent(c.false_pass, "percent"),
                   t("report_false_fail"): shown_percent(c.false_fail, "percent")}


def test_reliability_section_reports_decision_consistency_at_the_committee_cut(sitting: Engine,
                                                                               tmp_path: Path) -> None:
    """The report's decision consistency and accuracy are the API's (issue 16): Livingston-Lewis
    on the 40 judged totals, alpha as reliability, the committee's cut 5.4 of 9."""
    from analysis.classification import livingston_lewis

    with Session(sitting) as s:
        page = html_of(s, tmp_path)
        a = analyze_administration(s, "ADM")
    rel = page.pairs("reliability")
    direct = livingston_lewis(a.result.total.astype(float), reliability=a.reliability.alpha, cuts=5.4, max_score=9,
                              score_step=1)  # whole points: 5.4 means 6 or more
    assert a.classification.cut == Fraction(27, 5)
    assert a.classification.estimate.consistency == pytest.approx(direct.consistency, abs=1e-12)
    assert float(rel[t("report_decision_consistency", cut="5.4")]) == pytest.approx(direct.consistency, abs=5e-4)
    assert float(rel[t("report_decision_accuracy", cut="5.4")]) == pytest.approx(direct.accuracy, abs=5e-4)
    assert float(rel[t("report_false_pass")].rstrip("%")) == pytest.approx(100 * direct.false_pass, abs=0.05)
    # the note says how (effective test length, true-score model); "not available" is gone
    text = " ".join(unescape((tmp_path / "r.html").read_text(encoding="utf-8")).split())
    assert t("report_reliability_note_decisions", n=direct.effective_length,
             model=t(f"decision_model_{direct.model.parameters}")) in text
    assert "Decision consistency at the cut: not available" not in text  # the wording before it was computed


def test_the_item_table_is_the_analysis_with_flags_in_words(sitting: Engine, tmp_path: Path) -> None:
    with Session(sitting) as s:
        page = html_of(s, tmp_path)
        a = analyze_administration(s, "ADM")
    table = page.table("items")
    rows = {r[0]: r for r in table["rows"][1:]}
    assert list(rows) == list(a.statistics.index)
    for item, r in a.statistics.iterrows():
        assert rows[item][1:6] == [str(int(r["n"])), shown(r["p"], "p"), shown(r["rit"], "rit"),
                                   shown(r["rir"], "rir"), shown(r["alpha_if_deleted"], "alpha_if_deleted")]
        words = [t(f"flag_{c}") for c in r["flags"].split(", ") if c]
        assert rows[item][6] == "; ".join(words)
    assert len(a.flags) > 0  # the test needs flagged items


def test_every_flagged_item_has_its_messages_options_and_chart(sitting: Engine, tmp_path: Path) -> None:
    with Session(sitting) as s:
        report = build_administration_report(s, "ADM")
        a = analyze_administration(s, "ADM")
    assert [f["item"] for f in report.flagged] == list(dict.fromkeys(a.flags["item"]))
    for f in report.flagged:
        assert [x["message"] for x in f["flags"]] == list(a.flags.loc[a.flags["item"] == f["item"], "message"])
        options = a.distractors[a.distractors["item"] == f["item"]]
        assert [row[2] for row in f["options"]] == [str(int(n)) for n in options["n"]]
        assert [row[3] for row in f["options"]] == [f"{100 * p:.1f}" for p in options["proportion"]]
        assert f["chart"] is not None


def test_decisions_are_listed_with_reason_who_and_when(sitting: Engine, tmp_path: Path) -> None:
    with Session(sitting) as s:
        page = html_of(s, tmp_path)
        recorded = committee.list_decisions(s, "ADM")
    rows = page.table("decisions")["rows"][1:]
    assert [r[:6] for r in rows] == [
        [str(recorded[0].id), "Q09", t("report_action_void"), "–", "picture missing", "m.jansen"],
        [str(recorded[1].id), "Q08", t("report_action_void"), "–", "by mistake", "m.jansen"],
        [str(recorded[2].id), "Q10", t("report_action_accept"), "B", "two defensible answers", "p.devries"],
    ]
    assert [r[6] for r in rows] == [f"{d.decided_at:%Y-%m-%d %H:%M}" for d in recorded]
    assert [r[7] for r in rows] == [t("report_in_force"), t("report_withdrawn", by=recorded[1].withdrawn_by),
                                    t("report_in_force")]


def test_the_cut_section_names_rule_inputs_and_who_decided(sitting: Engine, tmp_path: Path) -> None:
    with Session(sitting) as s:
        report = build_administration_report(s, "ADM")
    assert report.cut["text"] == t("report_cut_percent", value="60", maximum="9")
    inputs = dict(report.cut["inputs"])
    assert inputs[t("report_cut_percentage")] == "60 %"
    assert inputs[t("cut_score")] == "5.4"
    assert "sec" in report.cut["decided"] and "meeting 2025-11-20" in report.cut["decided"]


def test_the_conversion_table_is_the_grades_the_candidates_get(sitting: Engine, tmp_path: Path) -> None:
    with Session(sitting) as s:
        page = html_of(s, tmp_path)
        result = results.score_administration(s, "ADM")
    conv = page.table("conversion")["rows"]
    width = len(dict.fromkeys(conv[0]))  # the rows stand side by side in groups of the header's columns
    rows = [r[k:k + width] for r in conv[1:] for k in range(0, len(r), width) if r[k]]
    table = {r[0]: r for r in rows}
    assert sorted(table, key=int) == [str(s) for s in range(10)]  # every whole score 0 .. 9
    # By hand (linear, cut c = 5.4, maximum 9): 5 -> 1 + 4.5*5/5.4 = 5.1666.. -> 5.166 -> 5;
    # 6 -> 5.5 + 4.5*(6-5.4)/(9-5.4) = 6.25 -> 6.250 -> 6; 9 -> 10.
    assert table["5"][2:5] == ["5.166", "5", t("report_no")]
    assert table["6"][2:5] == ["6.250", "6", t("yes")]
    assert table["9"][2:4] == ["10.000", "10"]
    # Every candidate's released-style row agrees with the table at their total.
    for _, cand in result.results_table().iterrows():
        assert table[cand["total"]][1:4] == [cand["grade_exact"], cand["grade"], cand["grade_rounded"]]


def test_conversion_table_of_the_core_covers_a_fractional_maximum() -> None:
    from itembank.scoring import Decision, Form, Item, load_rule_set, score

    form = Form(tuple(Item(f"Q{j}", "mc", "mc", ("A", "B"), ("A",)) for j in range(1, 4)))
    rules = load_rule_set('[parts.mc]\n[total.cut]\nkind = "points"\nvalue = 2\n', source="x")
    r = score(form, pd.DataFrame({"Q1": ["A"], "Q2": ["A"], "Q3": ["A"]}, index=["c"]), rules=rules,
              decisions=[Decision("Q3", "weight", "0.5", "half")])
    conv = r.conversion_table()
    assert list(conv["score"]) == [0, 1, 2, Fraction(5, 2)]
    assert conv["grade_exact"].iloc[-1] == 10 and conv["reaches_cut"].tolist() == [False, False, True, True]


def test_pass_rates_in_total_and_per_language(sitting: Engine, tmp_path: Path) -> None:
    with Session(sitting) as s:
        page = html_of(s, tmp_path)
        table = results.score_administration(s, "ADM").results_table()
    _, attrs = _responses()
    expected = [[t("report_everybody"), "", "40", str((table["outcome"] == "pass").sum()),
                 shown_percent((table["outcome"] == "pass").mean())]]
    for lang in ("en", "nl"):
        sub = table[table["candidate"].map(attrs["language"]) == lang]
        expected.append(["language", lang, str(len(sub)), str((sub["outcome"] == "pass").sum()),
                         shown_percent((sub["outcome"] == "pass").mean())])
    assert page.table("pass-rates")["rows"][1:] == expected
    assert expected[1][2] == "14" and expected[2][2] == "26"  # every third of 40 candidates is "en"


def test_provisional_until_released_then_the_release_hash_then_provisional_again(sitting: Engine,
                                                                                  tmp_path: Path) -> None:
    with Session(sitting) as s:
        assert html_of(s, tmp_path).text("release").endswith(t("report_provisional_unreleased"))
        outcome = results.release_results(s, "ADM", actor="sec")
        page = html_of(s, tmp_path)
        assert t("report_released", revision=1, when=f"{outcome.release.created_at:%Y-%m-%d %H:%M}", by="sec") \
            in page.text("release")
        assert outcome.release.content_hash in page.text("release")
        committee.add_decision(s, "ADM", "Q01", "void", reason="late change", actor="m.jansen")
        page = html_of(s, tmp_path)
        assert "PROVISIONAL" in page.text("release") and outcome.release.content_hash in page.text("release")


def test_a_report_target_must_be_html_or_pdf_in_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"\.html or \.pdf"):
        check_output(tmp_path / "report.docx")
    with pytest.raises(UserError, match="does not exist"):
        check_output(tmp_path / "missing" / "report.pdf")
    assert check_output(tmp_path / "report.PDF") == tmp_path / "report.PDF"


def test_without_a_browser_the_report_says_so_and_keeps_every_table(sitting: Engine, tmp_path: Path) -> None:
    # (the sitting fixture takes the browser away)
    with Session(sitting) as s:
        page = html_of(s, tmp_path)
    assert not [src for src in page.images if src.startswith("data:image/svg")]
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Chart not drawn: no Chrome or Chromium" in html
    assert page.table("items") and page.table("pass-rates")


# --- the demo report, as PDF, with its charts ---------------------------------------------

def _browser_or_skip() -> None:
    if report_charts.browser_path() is None:
        if os.environ.get("ITEMBANK_REQUIRE_BROWSER"):
            pytest.fail("ITEMBANK_REQUIRE_BROWSER is set but no Chrome/Chromium was found for Kaleido")
        pytest.skip("no Chrome/Chromium for Kaleido (apt-get install chromium)")


@pytest.fixture(scope="module")
def demo_pdf(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo's administration report as HTML and as PDF, after the committee rekeys the
    planted miskeyed item to its true key (from the demo's true-parameters file)."""
    _browser_or_skip()
    folder = tmp_path_factory.mktemp("report")
    db = folder / "demo.db"
    shutil.copy(demo_db, db)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            from itembank import demo

            truth = pd.read_csv(f"{demo_db}.true-parameters.csv", index_col="item")
            committee.add_decision(s, demo.ADMIN_CODE, demo.MISKEYED, "rekey", truth.loc[demo.MISKEYED, "true_key"],
                                   reason="key error", actor="m.jansen")
            s.commit()
            html = administration_report(s, demo.ADMIN_CODE, folder / "report.html")
            pdf = administration_report(s, demo.ADMIN_CODE, folder / "report.pdf")
    finally:
        engine.dispose()
    return html, pdf


def test_the_demo_pdf_renders_with_every_section_heading(demo_pdf: tuple[Path, Path]) -> None:
    from pypdf import PdfReader

    reader = PdfReader(demo_pdf[1])
    assert len(reader.pages) > 0
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    for key in HEADINGS:
        assert t(key) in text, key
    assert "VCA-B-2025-11-ROT" in text and "PROVISIONAL" in text


def test_the_demo_html_has_a_chart_per_flagged_item_and_the_distribution(demo_pdf: tuple[Path, Path]) -> None:
    page = parse(demo_pdf[0].read_text(encoding="utf-8"))
    svgs = [src for src in page.images if src.startswith("data:image/svg+xml;base64,")]
    flagged = [h for h in page.headings if h.startswith("Item VCA-")]
    assert flagged and len(svgs) == 1 + len(flagged)
    for key in HEADINGS:
        assert t(key) in page.headings


def test_the_report_is_written_on_the_date_of_the_sitting(sitting: Engine, tmp_path: Path) -> None:
    with Session(sitting) as s:
        facts = html_of(s, tmp_path).pairs("sitting")
    assert facts[t("report_date")] == f"{date(2025, 11, 1):%Y-%m-%d}"
    assert facts[t("report_rule_set")].startswith("FLEX v1")


# --- the evaluation over a period: a bank with several sittings ---------------------------

SECOND = "VCA-B-2026-03-UTR"
#: The item whose p is planted to drop in the second sitting: 150 of its 300 candidates
#: omit it there (an omission scores 0).
DRIFTER = "VCA-LO1-A-01"


@pytest.fixture(scope="module")
def evaluation_html(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Tables, dict]:
    """The demo bank with a second sitting of the demo form (2026-03-10, the first 300 of the
    demo's response rows under new candidate codes, the miskeyed item voided there), a sitting
    without responses (2026-06-01) and one outside the period (2027-02-01); the evaluation of
    2025-01-01 .. 2026-12-31 as HTML, and the API's numbers for each sitting.

    For drift and IRT: in the second sitting the first 150 candidates omit :data:`DRIFTER`; both
    sittings' item statistics are stored (provisionally, as ``itembank analyze --store``) and
    both are calibrated (Rasch); the evaluation is also written as PDF."""
    from itembank import demo
    from itembank.assembly import AssemblyOptions
    from itembank.reports import evaluation_report
    from itembank.services.administration_data import load_administration
    from itembank.services.forms import gap_for_blueprint
    from itembank.services.item_analysis import analyze
    from itembank.services.previews import pass_rate

    folder = tmp_path_factory.mktemp("evaluation")
    db = folder / "demo.db"
    shutil.copy(demo_db, db)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            first = administrations.get_responses(s, demo.ADMIN_CODE).iloc[:300]
            first.index = [f"b-{c}" for c in first.index]
            assert DRIFTER not in (demo.MISKEYED, demo.TWO_ANSWERS)
            first.iloc[:150, first.columns.get_loc(DRIFTER)] = np.nan
            for code, on in ((SECOND, date(2026, 3, 10)), ("VCA-B-2026-06-EMPTY", date(2026, 6, 1)),
                             ("VCA-B-2027-02-LATE", date(2027, 2, 1))):
                administrations.add_administration(s, code, demo.FORM_CODE, on=on, actor="sec")
            administrations.add_responses(s, SECOND, first, actor="sec")
            committee.assign_rule_set(s, SECOND, "VCA-BASIS", actor="sec")
            committee.add_decision(s, SECOND, demo.MISKEYED, "void", reason="key error", actor="m.jansen")
            s.commit()
            from itembank.services.calibrations import add_calibration, bank_scale_constants, calibration_table
            from itembank.services.irt_summary import find_calibration
            from itembank.services.item_statistics import add_provisional_statistics, get_history

            # The first sitting released (its statistics stored with the release), the second
            # stored provisionally.
            results.release_results(s, demo.ADMIN_CODE, actor="sec")
            add_provisional_statistics(s, SECOND, actor="sec")
            for code in (demo.ADMIN_CODE, SECOND):
                add_calibration(s, code, model="rasch", actor="sec", se="none")
            s.commit()
            path = evaluation_report(s, demo.SPEC_CODE, date(2025, 1, 1), date(2026, 12, 31), folder / "e.html")
            api = {}
            for code in (demo.ADMIN_CODE, SECOND):
                a = analyze(load_administration(s, code))
                api[code] = {"n": len(a.result.candidates), "alpha": a.reliability.alpha, "sem": a.reliability.sem,
                             "rate": pass_rate(a.result.results_table(), pass_label=a.result.rules.pass_label),
                             "classification": a.classification,
                             "b": calibration_table(s, find_calibration(s, code))["b"],
                             "scale": bank_scale_constants(s, find_calibration(s, code).id),
                             "items": list(a.result.items)}
            api["gap"] = gap_for_blueprint(s, demo.SPEC_CODE, "VCA-BASIS-40", options=AssemblyOptions())
            api["history"] = {i: get_history(s, i) for i in api[demo.ADMIN_CODE]["items"]}
            api["html_path"] = path
            api["db"] = db
            api["pdf"] = evaluation_report(s, demo.SPEC_CODE, date(2025, 1, 1), date(2026, 12, 31),
                                           folder / "e.pdf")
    finally:
        engine.dispose()
    return parse(path.read_text(encoding="utf-8")), api


def test_the_evaluation_lists_the_sittings_of_the_period_with_the_api_numbers(evaluation_html) -> None:
    from itembank import demo

    page, api = evaluation_html
    rows = page.table("sittings")["rows"][1:]
    assert [r[0] for r in rows] == [demo.ADMIN_CODE, SECOND, "VCA-B-2026-06-EMPTY"]  # 2027 is outside
    for r in rows[:2]:
        want = api[r[0]]
        assert r[3] == str(want["n"]) and r[6] == shown_percent(want["rate"])
        assert r[7] == shown(want["alpha"], "alpha") and r[8] == shown(want["sem"], "sem")
    assert rows[1][3] == "300" and rows[1][5] == "27.3 / 39"  # 70 % of the 39 remaining items, not rounded
    assert "no responses imported yet" in rows[2][-1]
    assert page.pairs("period")[t("candidates")] == "900"
    assert [h for h in page.headings if h in {t(k) for k in EVALUATION_HEADINGS}] == [t(k) for k in EVALUATION_HEADINGS]
    if report_charts.browser_path() is not None:  # the trend chart
        assert sum(src.startswith("data:image/svg+xml") for src in page.images) == 1


def test_the_evaluation_counts_voided_and_flagged_items_over_the_sittings(evaluation_html) -> None:
    from itembank import demo

    page, _ = evaluation_html
    rows = {r[0]: r for r in page.table("trouble")["rows"][1:]}
    # The miskeyed item: on both forms, voided in the second sitting, flagged (critical) in
    # the first only (a voided item is not analysed). The two-answer item: flagged in both.
    assert rows[demo.MISKEYED][1:5] == ["2", "1", "1", "1"]
    assert rows[demo.TWO_ANSWERS][1:3] == ["2", "0"] and rows[demo.TWO_ANSWERS][3] == "2"


def test_the_evaluation_shows_bank_health_and_the_gap_report(evaluation_html) -> None:
    page, api = evaluation_html
    cells = page.table("cells")["rows"][1:]
    # The demo: 8 objectives x 2 levels, 20 approved items each (newest versions: the 8 revised
    # items' version 2 is approved, their retired version 1 is not the newest).
    assert len(cells) == 16 and all(r[2:] == ["0", "0", "20", "0", "20"] for r in cells)
    # the demo's 48 translations and read-aloud variants are not counted as items, but named
    html = unescape(api["html_path"].read_text(encoding="utf-8"))
    assert "Each of the 320 item(s) counts once" in html and "48 such line(s)" in html
    gap = page.table("gap")["rows"][1:]
    assert gap == [[str(r.constraint_id), str(r.per_form), str(r.approved), str(r.eligible), str(r.needed),
                    str(r.to_write)] for r in api["gap"].itertuples()]


def test_bank_health_counts_each_item_once_by_its_source_line(engine: Engine) -> None:
    """Q1 is written in Dutch and approved (v1); its English translation (v2, draft) is saved
    later, so the item's newest version of any language is a draft. Q2 (Dutch, approved v1,
    approved English translation v2) gets an approved Dutch v3, so its English line is out
    of date. Cell LO1 × K has two approved items, nothing in draft; the note counts the two
    translations: one approved, one out of date."""
    from itembank.reports.evaluation import bank_health
    from itembank.services import bank
    from itembank.services.bank import ItemContent

    nl = (("A", "Handschoenen"), ("B", "Een veiligheidsbril"))
    en = (("A", "Gloves"), ("B", "Safety goggles"))
    tags = [("objective", "LO1"), ("level", "K")]

    def approve(s: Session, code: str, number: int) -> None:
        bank.set_status(s, code, number, "in_review", actor="ann")
        bank.set_status(s, code, number, "approved", actor="bob")

    with Session(engine) as s:
        bank.add_specification(s, "S", "Spec", objectives=[("LO1", "one")], levels=[("K", "knowledge")], actor="w")
        for code in ("Q1", "Q2"):
            bank.add_item(s, code, ItemContent(stem=f"Vraag {code}?", options=nl, key=("B",), language="nl"),
                          author="ann", specification="S", tags=tags)
            approve(s, code, 1)
            bank.revise_item(s, code, based_on=1, author="tom", change_note="English", language="en",
                             stem=f"Question {code}?", options=en)
        approve(s, "Q2", 2)
        bank.revise_item(s, "Q2", based_on=1, author="ann", change_note="clearer", stem="Vraag Q2, beter?")
        approve(s, "Q2", 3)
        cells, note = bank_health(s, "S")
        # draft, in review, approved, retired, total
        assert cells == [["LO1", "K", "0", "0", "2", "0", "2"]]
        assert note == t("report_eval_cells_lines_note", items=2, lines=2, approved=1, stale=1)
        assert "Each of the 2 item(s) counts once" in note and "2 such line(s), 1 approved, 1 out of date" in note


def test_the_evaluation_period_must_be_in_order(sitting: Engine) -> None:
    from itembank.reports.evaluation import build_evaluation_report

    with Session(sitting) as s, pytest.raises(UserError, match="ends"):
        build_evaluation_report(s, "NOPE", date(2026, 1, 1), date(2025, 1, 1))


def test_the_command_line_writes_both_reports(sitting: Engine, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from itembank.cli import app

    url = sitting.url.render_as_string(hide_password=False)
    runner = CliRunner()
    done = runner.invoke(app, ["report", "ADM", "--out", str(tmp_path / "adm.html"), "--db", url])
    assert done.exit_code == 0, done.output
    assert f"report written to {tmp_path / 'adm.html'}" in done.output
    assert parse((tmp_path / "adm.html").read_text(encoding="utf-8")).pairs("summary")[t("candidates")] == "40"
    done = runner.invoke(app, ["report", "evaluation", "FLEX-SPEC", "--from", "2025-01-01", "--to", "2025-12-31",
                               "--out", str(tmp_path / "e.html"), "--db", url])
    assert done.exit_code == 2 and "FLEX-SPEC" in done.output  # the small bank has no specification


# --- the figures the reports added to itembank/figures.py -----------------------------------

def test_distractor_figure_marks_the_key_names_omissions_and_keeps_the_shares() -> None:
    from analysis.distractors import OMITTED
    from itembank import figures

    options = pd.DataFrame({"option": ["A", "B", OMITTED], "is_key": [False, True, False],
                            "prop_low": [0.5, 0.25, float("nan")], "prop_mid": [0.2, 0.7, 0.1],
                            "prop_high": [0.0, 1.0, 0.0]})
    fig = figures.distractor_figure(options)
    assert list(fig.data[0].x) == ["A", t("key_mark", option="B"), t("omitted")]
    assert [list(bar.y) for bar in fig.data] == [[0.5, 0.25, None], [0.2, 0.7, 0.1], [0.0, 1.0, 0.0]]


def test_trend_figure_has_one_line_per_series_and_gaps_for_missing_values() -> None:
    from itembank import figures

    fig = figures.trend_figure(["S1", "S2"], {"pass rate": [0.7, float("nan")], "alpha": [0.8, 0.81]})
    assert [tr.name for tr in fig.data] == ["pass rate", "alpha"]
    assert list(fig.data[0].y) == [0.7, None] and list(fig.data[1].x) == ["S1", "S2"]


def test_pass_rate_figure_hover_text_reaches_plotly_unformatted() -> None:
    from itembank import figures

    fig = figures.pass_rate_figure([1, 2, 3, 4], 4, Fraction(2))
    assert fig.data[0].hovertemplate.startswith("cut %{x}: %{y:.1%} pass")
    assert list(fig.data[0].y) == [1.0, 1.0, 0.75, 0.5, 0.25]  # share with total >= c, c = 0..4


def test_the_demo_report_shows_the_form_against_its_blueprint(demo_pdf: tuple[Path, Path], demo_db: Path) -> None:
    from itembank import demo

    page = parse(demo_pdf[0].read_text(encoding="utf-8"))
    rows = {r[0]: r[1:] for r in page.table("coverage")["rows"][1:]}
    # Independently: the demo's item codes name their cell (VCA-LO4-K-03: objective LO4, level K).
    engine = make_engine(f"sqlite:///{demo_db}")
    try:
        with Session(engine) as s:
            codes = list(administrations.scoring_form(s, demo.ADMIN_CODE).item_ids)
    finally:
        engine.dispose()
    cells = [k for k in rows if "/" in k]
    assert len(cells) == 16
    for cell in cells:
        objective, level = cell.split("/")
        on_form = sum(c.startswith(f"VCA-{objective}-{level}-") for c in codes)
        assert rows[cell] == [rows[cell][0], str(on_form), t("yes")] and rows[cell][0] == str(on_form)
    assert rows["total_items"] == ["40", "40", t("yes")]


def test_an_annulled_result_leaves_the_pass_rate_in_summary_and_table_alike(sitting: Engine, tmp_path: Path) -> None:
    with Session(sitting) as s:
        results.release_results(s, "ADM", actor="sec")
        results.annul_result(s, "ADM", "c01", reason="fraud", actor="sec")
        page = html_of(s, tmp_path)
        table = results.score_administration(s, "ADM").results_table()
    judged = table[table["outcome"] != "annulled"]
    passed = int((judged["outcome"] == "pass").sum())
    assert len(judged) == 39  # c01 annulled: out of the count and of the rate
    assert page.pairs("summary")[t("passed")] == f"{passed} ({shown_percent(passed / 39)})"
    assert page.table("pass-rates")["rows"][1][2:] == ["39", str(passed), shown_percent(passed / 39)]


# --- the IRT section (issue 16 item 1, from the calibrations of issue 14) --------------------

def test_the_irt_section_says_not_calibrated_then_shows_the_stored_calibration(sitting: Engine,
                                                                                tmp_path: Path) -> None:
    """The parameter table, item fit and the numbers at the cut read back from the HTML equal
    the API's (:func:`calibration_summary`, and the review page's ``sitting_information``); the
    SEM at the cut is 1/√Σ a²PQ at the printed θ from the printed (rounded) parameters, by hand."""
    from itembank.services import calibrations
    from itembank.services.administration_data import load_administration
    from itembank.services.irt_summary import calibration_summary

    with Session(sitting) as s:
        before = html_of(s, tmp_path)
    assert t("report_h_irt") in before.headings
    assert before.text("irt-section") == t("report_irt_none", code="ADM")
    assert not [tb for tb in before.tables if "irt-items" in tb["class"]]

    with Session(sitting) as s:
        stored = calibrations.add_calibration(s, "ADM", model="2pl", actor="analyst").calibration
        s.commit()
        page = html_of(s, tmp_path, "irt.html")
        result = load_administration(s, "ADM").score()
        cut, maximum = float(result.cuts["total"]), float(result.maxima["total"])
        api = calibration_summary(s, "ADM", cut=cut, maximum=maximum)
        review = calibrations.sitting_information(s, "ADM", cut=cut, maximum=maximum)
    assert api.calibration.id == stored.id and api.newest
    facts = page.pairs("irt-facts")
    assert facts[t("report_irt_model")] == "2pl" and facts[t("report_irt_hash")] == stored.data_hash
    assert facts[t("report_irt_engine")].startswith(stored.engine + " — itembank ")
    table = page.table("irt-items")
    header, rows = table["rows"][0], table["rows"][1:]
    assert header == [t("col_item"), t("col_n"), "a", "SE(a)", "b", "SE(b)", "infit", "p", "outfit", "p",
                      t("report_irt_col_misfit")]
    assert [r[0] for r in rows] == list(api.items.index) and "Q09" not in api.items.index  # voided: not fitted
    for r in rows:
        want = api.items.loc[r[0]]
        assert r[1:10] == [str(int(want["n"])), shown(want["a"], "irt_parameter"), shown(want["se_a"], "irt_parameter"),
                           shown(want["b"], "irt_parameter"), shown(want["se_b"], "irt_parameter"),
                           shown(want["infit"], "item_fit"), f"{want['infit_p']:.3f}", shown(want["outfit"], "item_fit"),
                           f"{want['outfit_p']:.3f}"], r[0]
        assert r[10] == (t("report_irt_misfit") if want["misfit"] else "")
    at_cut = page.pairs("irt-cut")
    assert at_cut[t("report_irt_cut")] == f"{cut:g} / {maximum:g}"
    theta = float(at_cut[t("report_irt_cut_theta")])
    sem = float(at_cut[t("report_irt_csem")])
    assert theta == pytest.approx(review.cut_theta, abs=5e-4) and sem == pytest.approx(review.csem_at_cut, abs=5e-4)
    printed = pd.DataFrame([[float(r[2]), float(r[4])] for r in rows], columns=["a", "b"])
    usable = printed[printed["a"] > 0]
    p = 1 / (1 + np.exp(-usable["a"] * (theta - usable["b"])))
    assert sem == pytest.approx(1 / np.sqrt((usable["a"] ** 2 * p * (1 - p)).sum()), abs=0.01)
    assert float(at_cut[t("report_irt_information")]) == pytest.approx(review.csem_at_cut ** -2, abs=5e-4)
    misfit_sentence = (t("report_irt_misfitting", items=", ".join(api.misfitting)) if api.misfitting
                       else t("report_irt_all_fit"))
    assert misfit_sentence in page.text("irt-section")
    # no longer listed as missing
    assert "IRT calibration, item fit and drift: not available" not in (tmp_path / "irt.html").read_text(encoding="utf-8")


def test_the_pdf_of_a_calibrated_sitting_renders_with_the_irt_section(sitting: Engine, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from itembank.services import calibrations

    with Session(sitting) as s:
        calibrations.add_calibration(s, "ADM", model="2pl", actor="analyst")
        s.commit()
        path = administration_report(s, "ADM", tmp_path / "irt.pdf")
    reader = PdfReader(path)
    assert len(reader.pages) > 0
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    for key in HEADINGS:
        assert t(key) in text, key
    assert t("report_irt_csem") in text and t("report_irt_none", code="ADM") not in text


# --- the evaluation's decision consistency, drift, IRT per sitting and exposure -----------

def test_the_evaluation_shows_each_sittings_decision_consistency_from_the_analysis(evaluation_html) -> None:
    from itembank import demo

    page, api = evaluation_html
    header, *rows = page.table("sittings")["rows"]
    col = header.index(t("report_eval_consistency"))
    for r in rows[:2]:
        c = api[r[0]]["classification"]
        assert c is not None and c.estimate is not None
        assert r[col] == c.shown()["consistency"] == shown(c.estimate.consistency, "alpha")
        assert 0.5 < c.estimate.consistency < 1  # a 40-item test with alpha about 0.8
    assert rows[2][col] == "–"  # no responses: nothing to estimate
    assert [r[0] for r in rows] == [demo.ADMIN_CODE, SECOND, "VCA-B-2026-06-EMPTY"]


def test_the_evaluation_lists_the_planted_drift_with_the_stored_statistics(evaluation_html) -> None:
    from itembank import demo
    from itembank.services.item_statistics import DRIFT_BAND

    page, api = evaluation_html
    rows = {r[0]: r for r in page.table("drift")["rows"][1:]}
    history = api["history"][DRIFTER]
    before, after = (history[history["in_force"] & (history["administration"] == c)].iloc[0]
                     for c in (demo.ADMIN_CODE, SECOND))
    # 150 of the 300 omit it: p about halves, far beyond the band of 0.10.
    assert before.p - after.p > 0.3 and bool(after.drift)
    assert rows[DRIFTER] == [DRIFTER, str(after.version), f"{demo.ADMIN_CODE} → {SECOND}",
                             f"{shown(before.p, 'p')} → {shown(after.p, 'p')}",
                             f"{shown(before.rir, 'rir')} → {shown(after.rir, 'rir')}"]
    # Every row is one the history flags as drift (the rule of itembank items stats), and
    # every flagged row of the period is listed; by hand: |Δp| or |ΔRir| above 0.10.
    flagged = {code for code, h in api["history"].items()
               if (h["in_force"] & h["drift"] & (h["administration"] == SECOND)).any()}
    assert set(rows) == flagged
    for code in flagged:
        h = api["history"][code]
        d = h[h["in_force"] & (h["administration"] == SECOND)].iloc[0]
        assert abs(d.delta_p) > DRIFT_BAND.p or abs(d.delta_rir) > DRIFT_BAND.rir
    assert t("report_h_not_available") not in page.headings


def test_the_evaluation_shows_irt_difficulty_per_sitting_on_the_bank_scale(evaluation_html) -> None:
    from itembank import demo

    page, api = evaluation_html
    header, *rows = page.table("irt-change")["rows"]
    assert header[2:4] == [t("report_eval_irt_b", code=demo.ADMIN_CODE, model="rasch"),
                           t("report_eval_irt_b", code=SECOND, model="rasch")]
    # The first calibration is the base of the bank scale; the second is linked to it through
    # the 39 items the two sittings share (Stocking-Lord), so b is compared as A b + B.
    assert api[demo.ADMIN_CODE]["scale"] == (1.0, 0.0)
    (A, B) = api[SECOND]["scale"]
    assert (A, B) != (1.0, 0.0)
    b1, b2 = api[demo.ADMIN_CODE]["b"], A * api[SECOND]["b"] + B
    both = [i for i in b1.index if i in b2.index]
    assert len(both) == 39  # the miskeyed item is voided in the second sitting: not calibrated there
    change = (b2[both] - b1[both]).abs().sort_values(ascending=False, kind="stable")
    assert len(rows) == 15
    for r in rows:
        assert r[2] == shown(b1[r[0]], "irt_parameter") and r[3] == shown(b2[r[0]], "irt_parameter")
        assert float(r[4]) == pytest.approx(b2[r[0]] - b1[r[0]], abs=6e-4)
    assert abs(float(rows[-1][4])) == pytest.approx(change.iloc[14], abs=6e-4)  # the 15 largest
    # The planted omissions make the drifter much harder in the second sitting.
    assert rows[0][0] == DRIFTER and float(rows[0][4]) > 1
    text = " ".join(unescape(api["html_path"].read_text(encoding="utf-8")).split())
    assert t("report_eval_irt_bank_scale", n=len(both), shown=15) in text


def test_the_evaluation_compares_irt_difficulties_on_their_own_scales_when_not_linked(evaluation_html,
                                                                                       tmp_path: Path) -> None:
    # The second sitting recalibrated as a new base: the first is on the old scale, so fewer
    # than two calibrations are on the bank scale and each b is shown on its own scale.
    from itembank import demo
    from itembank.reports.evaluation import irt_changes, sittings_in_period
    from itembank.services.calibrations import add_calibration, calibration_table
    from itembank.services.irt_summary import find_calibration

    _, api = evaluation_html
    db = tmp_path / "demo.db"
    shutil.copy(api["db"], db)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            add_calibration(s, SECOND, model="rasch", actor="sec", se="none", base=True)
            s.flush()
            admins = sittings_in_period(s, demo.SPEC_CODE, date(2025, 1, 1), date(2026, 12, 31))
            calibrated, changes, scale, left_out = irt_changes(s, admins)
            b1 = calibration_table(s, find_calibration(s, demo.ADMIN_CODE))["b"]
            b2 = calibration_table(s, find_calibration(s, SECOND))["b"]
    finally:
        engine.dispose()
    assert scale == "own" and left_out == []
    assert [c for c, _ in calibrated] == [demo.ADMIN_CODE, SECOND]
    for c in changes:
        assert c.b == pytest.approx([b1[c.item], b2[c.item]])


def test_the_evaluation_lists_items_over_the_exposure_limit_in_the_period(evaluation_html) -> None:
    from itembank import demo

    page, api = evaluation_html
    rows = page.table("period-exposure")["rows"][1:]
    # Three sittings of the period, all of the one demo form: each of its 40 items is on 3 of
    # 3 (100 %, one form) — above the limit of one half.
    assert sorted(r[0] for r in rows) == sorted(api[demo.ADMIN_CODE]["items"])
    assert all(r[1:] == ["3", "100%", "1"] for r in rows)


def test_exposure_in_the_period_counts_sittings_against_the_limit(evaluation_html, demo_db: Path) -> None:
    from itembank import demo
    from itembank.reports.evaluation import exposure_in_period, sittings_in_period

    engine = make_engine(f"sqlite:///{demo_db}")
    try:
        with Session(engine) as s:
            admins = sittings_in_period(s, demo.SPEC_CODE, date(2025, 1, 1), date(2026, 12, 31))
            assert len(admins) == 1  # the untouched demo: one sitting
            assert {r.share for r in exposure_in_period(s, admins, limit=0.5)} == {1.0}
            assert exposure_in_period(s, admins, limit=1.0) == []  # strictly above: 1/1 is not above 1
            with pytest.raises(UserError, match="exposure limit"):
                exposure_in_period(s, admins, limit=1.5)
    finally:
        engine.dispose()


def test_the_evaluation_pdf_renders_with_every_heading(evaluation_html) -> None:
    from pypdf import PdfReader

    _, api = evaluation_html
    reader = PdfReader(api["pdf"])
    assert len(reader.pages) > 0
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    for key in EVALUATION_HEADINGS:
        assert t(key) in text, key
    assert t("report_eval_period_exposure_title") in text and t("report_h_not_available") not in text


def test_the_evaluation_of_a_bank_with_only_provisional_statistics(demo_db: Path, tmp_path: Path) -> None:
    from itembank import demo
    from itembank.reports.evaluation import build_evaluation_report
    from itembank.services.item_statistics import add_provisional_statistics

    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            add_provisional_statistics(s, demo.ADMIN_CODE, actor="sec")  # itembank analyze ADMIN --store
            s.commit()
            report = build_evaluation_report(s, demo.SPEC_CODE, date(2025, 1, 1), date(2025, 12, 31))
    finally:
        engine.dispose()
    assert report.drift == []  # one sitting: nothing to drift from
