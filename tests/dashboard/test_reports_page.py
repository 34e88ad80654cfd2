"""The reports page (issue 16: the dashboard offers the reports as downloads): over plain HTTP
the downloaded files are the reports ``itembank report`` writes, with the numbers of the
analysis; an item writer gets neither the page nor its callbacks. One headless-Chromium test
clicks a download and reads the page's confirmation (test browsers do not save downloads here).
"""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from itembank import demo
from itembank.display import shown, shown_percent
from itembank.services.administration_data import load_administration
from itembank.services.item_analysis import analyze
from itembank.services.previews import pass_rate
from itembank.storage.db import make_engine
from itembank.text import t
from tests.dashboard.conftest import needs_browser
from tests.dashboard.test_auth import ITEM_TEXT, callback_request, login, route
from tests.itembank.test_reports import parse

ADMIN_OUT = "..reports-admin-download.data...reports-admin-message.children.."
EVAL_OUT = "..reports-eval-download.data...reports-eval-message.children.."


def click(client, output: str, button: str, **values: object):
    """Post the callback writing ``output`` as a click on ``button`` would."""
    body = callback_request(client.dash_app, output, **{button: 1, **values})
    body["changedPropIds"] = [f"{button}.n_clicks"]
    return client.post("/_dash-update-component", json=body)


def download(response) -> tuple[str, bytes, object]:
    """The file name and bytes sent to dcc.Download, and the message shown."""
    assert response.status_code == 200, response.data[:300]
    sent = json.loads(response.data)["response"]
    data = next(v["data"] for k, v in sent.items() if k.endswith("-download"))
    shown_message = next(v["children"] for k, v in sent.items() if k.endswith("-message"))
    return data["filename"], base64.b64decode(data["content"]), shown_message


def api_numbers(bank: Path) -> dict:
    """The analysis of the demo sitting, as the dashboard's review page and the CLI get it."""
    engine = make_engine(f"sqlite:///{bank}")
    try:
        with Session(engine) as s:
            a = analyze(load_administration(s, demo.ADMIN_CODE))
    finally:
        engine.dispose()
    return {"n": len(a.result.candidates), "alpha": a.reliability.alpha, "sem": a.reliability.sem,
            "rate": pass_rate(a.result.results_table(), pass_label=a.result.rules.pass_label),
            "consistency": a.classification.shown().get("consistency") if a.classification else None}


@pytest.mark.parametrize("username", ["m.jansen", "s.bakker"])
def test_committee_and_secretary_get_the_page_with_the_sittings_and_specifications(client, username: str) -> None:
    login(client, username)
    page = route(client, client.dash_app, "/reports").data.decode()
    assert "reports-admin" in page and "reports-eval-html" in page
    assert demo.ADMIN_CODE in page and demo.SPEC_CODE in page
    # the period defaults to the calendar year of the newest sitting (the demo's: 2025)
    assert "2025-01-01" in page and "2025-12-31" in page
    assert t("menu_reports") in client.get("/_dash-layout").data.decode()


def test_the_default_period_is_the_year_of_the_newest_sitting() -> None:
    from dashboard.pages.reports import default_period

    assert default_period([date(2025, 11, 3), date(2024, 2, 1)]) == (date(2025, 1, 1), date(2025, 12, 31))
    assert default_period([])[0].month == 1


def test_an_item_writer_gets_neither_the_page_nor_a_report(client) -> None:
    login(client, "a.dekker")
    page = route(client, client.dash_app, "/reports")
    assert b"not for your role" in page.data and demo.ADMIN_CODE.encode() not in page.data
    assert t("menu_reports") not in client.get("/_dash-layout").data.decode()
    for output, button, values in ((ADMIN_OUT, "reports-admin-html", {"reports-admin": demo.ADMIN_CODE}),
                                   (EVAL_OUT, "reports-eval-html", {"reports-spec": demo.SPEC_CODE,
                                                                    "reports-period": None})):
        refused = click(client, output, button, **values)
        assert refused.status_code == 403 and ITEM_TEXT.encode() not in refused.data


def test_the_administration_report_downloads_with_the_analysis_numbers(client, bank: Path) -> None:
    login(client, "s.bakker")
    name, content, note = download(click(client, ADMIN_OUT, "reports-admin-html", **{"reports-admin": demo.ADMIN_CODE}))
    assert name == f"report-{demo.ADMIN_CODE}.html"
    page = parse(content.decode("utf-8"))
    want = api_numbers(bank)
    summary = page.pairs("summary")
    assert summary[t("candidates")] == str(want["n"]) == "600"
    assert shown(want["alpha"], "alpha") in [r[1] for r in page.table("reliability")["rows"]]
    assert t("reports_written", name=name, size=round(len(content) / 1024)) in json.dumps(note)


def test_the_evaluation_downloads_with_each_sittings_numbers(client, bank: Path) -> None:
    login(client, "m.jansen")
    body = callback_request(client.dash_app, EVAL_OUT, **{"reports-eval-html": 1, "reports-spec": demo.SPEC_CODE})
    body["changedPropIds"] = ["reports-eval-html.n_clicks"]
    for part in body["state"]:  # the date picker's two properties share one id
        if part["id"] == "reports-period":
            part["value"] = "2025-01-01" if part["property"] == "start_date" else "2025-12-31"
    name, content, _ = download(client.post("/_dash-update-component", json=body))
    assert name == f"evaluation-{demo.SPEC_CODE}-20250101-20251231.html"
    page = parse(content.decode("utf-8"))
    header, *rows = page.table("sittings")["rows"]
    want = api_numbers(bank)
    (row,) = rows
    assert row[0] == demo.ADMIN_CODE and row[header.index(t("candidates"))] == str(want["n"])
    assert row[header.index(t("report_eval_alpha"))] == shown(want["alpha"], "alpha")
    assert row[header.index(t("report_eval_sem"))] == shown(want["sem"], "sem")
    assert row[header.index(t("pass_rate_axis"))] == shown_percent(want["rate"])
    assert row[header.index(t("report_eval_consistency"))] == want["consistency"]


def test_the_evaluation_downloads_as_pdf(client) -> None:
    login(client, "m.jansen")
    body = callback_request(client.dash_app, EVAL_OUT, **{"reports-eval-pdf": 1, "reports-spec": demo.SPEC_CODE})
    body["changedPropIds"] = ["reports-eval-pdf.n_clicks"]
    for part in body["state"]:
        if part["id"] == "reports-period":
            part["value"] = "2025-01-01" if part["property"] == "start_date" else "2025-12-31"
    name, content, _ = download(client.post("/_dash-update-component", json=body))
    assert name.endswith(".pdf") and content.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(content)).pages)
    assert t("report_h_eval_sittings") in " ".join(text.split()) and demo.ADMIN_CODE in text


def test_without_a_choice_or_with_a_bad_period_the_page_says_what_is_missing(client) -> None:
    login(client, "s.bakker")
    response = click(client, ADMIN_OUT, "reports-admin-html")
    assert t("reports_choose_sitting") in response.data.decode()
    assert t("reports_choose_spec") in click(client, EVAL_OUT, "reports-eval-html").data.decode()
    body = callback_request(client.dash_app, EVAL_OUT, **{"reports-eval-html": 1, "reports-spec": demo.SPEC_CODE})
    body["changedPropIds"] = ["reports-eval-html.n_clicks"]
    for part in body["state"]:
        if part["id"] == "reports-period":
            part["value"] = "2026-01-01" if part["property"] == "start_date" else "2025-01-01"
    answer = json.loads(client.post("/_dash-update-component", json=body).data)["response"]
    assert "reports-eval-download" not in answer  # no file
    assert "ends (2025-01-01) before it starts (2026-01-01)" in json.dumps(answer["reports-eval-message"])


@needs_browser
def test_a_committee_member_downloads_the_evaluation_in_the_browser(server: str, browser, log_in,
                                                                    screenshot) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 120)
    log_in("m.jansen")
    browser.get(server + "/reports")
    wait.until(ec.presence_of_element_located((By.ID, "reports-eval-html")))
    screenshot("reports-1-page")
    browser.find_element(By.ID, "reports-eval-html").click()
    name = f"evaluation-{demo.SPEC_CODE}-20250101-20251231.html"
    wait.until(ec.text_to_be_present_in_element((By.ID, "reports-eval-message"), name))
    assert "made" in browser.find_element(By.ID, "reports-eval-message").text
    screenshot("reports-2-evaluation-made")
    browser.find_element(By.ID, "reports-admin-pdf").click()
    # While the PDF is made (seconds: charts and WeasyPrint) its buttons are disabled, a spinner shows.
    WebDriverWait(browser, 10).until(
        lambda b: b.find_element(By.ID, "reports-admin-html").get_attribute("disabled") is not None)
    screenshot("reports-3-administration-pdf-running")
    assert t("reports_busy") in browser.find_element(By.TAG_NAME, "main").text
    wait.until(ec.text_to_be_present_in_element((By.ID, "reports-admin-message"), f"report-{demo.ADMIN_CODE}.pdf"))
    assert browser.find_element(By.ID, "reports-admin-html").get_attribute("disabled") is None
    screenshot("reports-4-administration-pdf-made")
