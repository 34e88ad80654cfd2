"""The real dashboard in a real headless browser (Debian's chromium + chromium-driver), end to end.

The app is served over HTTP on a copy of the demo bank (fixtures in conftest.py). A committee
member logs in, opens the sitting from the overview, finds the planted miskeyed item flagged at
the top of the grid, reads it beside the grid, rekeys it with a reason, sees the preview (pass
rate before -> after, computed by the scoring core), confirms, and sees the grid and the
headline figures change; the decision is in the bank exactly as the service recorded it. A
secretary may read the analysis but gets no decision actions. Screenshots of every page are
saved (see conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from itembank import demo
from itembank.services import committee
from itembank.services.administration_data import load_administration
from itembank.services.previews import preview_decision
from itembank.scoring import Decision
from itembank.storage.db import make_engine
from tests.dashboard.conftest import needs_browser

pytestmark = needs_browser
REVIEW = f"/sitting/{demo.ADMIN_CODE}/review"


def _grid_row(driver, item: str) -> dict[str, str]:
    """The item grid's row for ``item``, as the browser shows it (column id -> text)."""
    from selenium.webdriver.common.by import By

    row = driver.find_element(By.CSS_SELECTOR, f"#review-grid .ag-center-cols-container [row-id='{item}']")
    cells = row.find_elements(By.CSS_SELECTOR, "[col-id]")
    return {c.get_attribute("col-id"): c.text for c in cells} | {"class": row.get_attribute("class")}


def _row_data(driver, item: str) -> dict:
    """The data of the grid's row for ``item`` (whether or not it is scrolled into view)."""
    return driver.execute_script("return dash_ag_grid.getApi('review-grid').getRowNode(arguments[0]).data", item)


def _summary(driver) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    cards = driver.find_elements(By.CSS_SELECTOR, "#review-summary .card")
    return {c.find_element(By.CLASS_NAME, "label").text: c.find_element(By.CLASS_NAME, "value").text for c in cards}


def test_committee_member_rekeys_the_miskeyed_item_with_a_preview(server: str, browser, log_in, screenshot,
                                                                  bank: Path, demo_db: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    # The grid re-renders its rows when the analysis changes: a row found a moment ago may be gone.
    wait = WebDriverWait(browser, 40, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException])
    browser.get(server + REVIEW)
    wait.until(ec.presence_of_element_located((By.ID, "username")))
    assert demo.MISKEYED not in browser.page_source  # nothing without a log-in
    log_in("m.jansen")
    assert "Logged in as Marieke Jansen (committee)" in browser.find_element(By.CSS_SELECTOR, ".who").text
    wait.until(ec.presence_of_element_located((By.ID, "sittings")))
    screenshot("committee-1-overview")
    browser.find_element(By.LINK_TEXT, "Review items").click()

    cell = f"#review-grid [row-id='{demo.MISKEYED}'] [col-id='item']"
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, cell)))
    wait.until(lambda d: _summary(d).get("Candidates") == "600")
    summary = _summary(browser)
    assert summary["Cut score (cesuur)"] == "28 / 40" and summary["Passed"] == "414 (69%)"
    first = browser.find_element(By.CSS_SELECTOR, "#review-grid .ag-center-cols-container [row-index='0']")
    assert "flag-critical" in first.get_attribute("class")  # flagged items first
    row = _grid_row(browser, demo.MISKEYED)
    assert "flag-critical" in row["class"] and "possible miskey (Rar)" in row["flags"]
    assert row["p"] == "0.04"  # two decimals, always
    screenshot("committee-2-review")

    browser.find_element(By.CSS_SELECTOR, cell).click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "review-item-heading"), f"Item {demo.MISKEYED}"))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#review-options .ag-center-cols-container [row-id]")) == 5)
    body = browser.find_element(By.ID, "review-item-body").text
    assert "key in the bank" in body  # the item's text and options, the key marked
    assert "selected" in browser.find_element(
        By.CSS_SELECTOR, f"#review-grid .ag-center-cols-container [row-id='{demo.MISKEYED}']").get_attribute("class")
    screenshot("committee-3-item")

    # Rekey to the answer the able candidates chose, with a reason; preview first.
    truth = pd.read_csv(f"{demo_db}.true-parameters.csv", index_col="item")
    key = str(truth.loc[demo.MISKEYED, "true_key"])
    browser.find_element(By.CSS_SELECTOR, "#review-action input[value='rekey']").click()
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, f"#review-value-options input[value='{key}']")))
    browser.find_element(By.CSS_SELECTOR, f"#review-value-options input[value='{key}']").click()
    browser.find_element(By.ID, "review-preview-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "review-action-message"), "reason"))  # refused: no reason
    browser.find_element(By.ID, "review-reason").send_keys("Key error: the bank records D, the answer is " + key)
    browser.find_element(By.ID, "review-preview-button").click()
    wait.until(ec.presence_of_element_located((By.ID, "review-flips-count")))
    preview = browser.find_element(By.ID, "review-preview").text

    # The same preview through the service, for the numbers the page must show.
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        expected = preview_decision(load_administration(session, demo.ADMIN_CODE),
                                    Decision(demo.MISKEYED, "rekey", key, "r")).change
    rate = f"{100 * expected.pass_rate_after:.1f}%"
    assert f"{expected.n_flips} candidate(s) change outcome" in preview and rate in preview
    screenshot("committee-4-preview")
    with Session(engine) as session:
        assert committee.list_decisions(session, demo.ADMIN_CODE) == []  # a preview stores nothing

    browser.find_element(By.ID, "review-confirm-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "review-action-message"), "Recorded"))
    # The rekeyed item is no longer flagged, so it moved down the grid (perhaps out of view):
    # read its row through the grid's own API.
    wait.until(lambda d: _row_data(d, demo.MISKEYED)["decision"] == f"key now {key}")
    row = _row_data(browser, demo.MISKEYED)
    assert row["rir"] > 0.2 and "miskey" not in " ".join(b["label"] for b in row["flags"])
    wait.until(lambda d: _summary(d)["Passed"].endswith(f"({100 * expected.pass_rate_after:.0f}%)"))
    assert "Create the corrected version in the bank" in browser.find_element(By.ID, "review-action-message").text
    screenshot("committee-5-recorded")
    with Session(engine) as session:
        recorded = committee.list_decisions(session, demo.ADMIN_CODE)
    engine.dispose()
    assert [(d.item, d.action, d.value, d.decided_by) for d in recorded] == [(demo.MISKEYED, "rekey", key, "m.jansen")]


def test_a_secretary_reads_the_analysis_without_decision_actions(server: str, browser, log_in, screenshot) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 40)
    log_in("s.bakker")
    browser.get(server + REVIEW)
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, f"#review-grid [row-id='{demo.MISKEYED}'] [col-id='item']")))
    assert not browser.find_elements(By.ID, "review-preview-button")
    assert "taken by the committee" in browser.find_element(By.ID, "review-panel").text
    screenshot("secretary-review")


@pytest.mark.parametrize("username", ["a.dekker", "admin"])
def test_roles_without_the_analysis_get_a_message_not_the_grid(server: str, browser, log_in, screenshot,
                                                               username: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    log_in(username)
    browser.get(server + REVIEW)
    WebDriverWait(browser, 30).until(ec.text_to_be_present_in_element((By.ID, "page-content"), "not for your role"))
    assert demo.MISKEYED not in browser.page_source
    screenshot(f"{username}-review-refused")
