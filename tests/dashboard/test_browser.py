"""The real dashboard in a real headless browser (Debian's chromium + chromium-driver).

The app is served by a real HTTP server on a copy of the demo bank. A committee member
logs in, sees the administration's figures, finds the planted miskeyed item flagged,
clicks it and sees its options; after the committee rekeys the item (through the service
layer, as the CLI does), a reload shows the corrected statistics — the dashboard reads
everything through the one scoring core.

Without chromium/chromedriver the test is skipped with the reason, unless
``ITEMBANK_REQUIRE_BROWSER=1`` (set by CI, which installs them), where it fails instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from itembank.services import committee
from itembank import demo
from itembank.storage.db import make_engine

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)
REQUIRED = os.environ.get("ITEMBANK_REQUIRE_BROWSER") == "1"

if not HAVE_BROWSER and REQUIRED:
    raise RuntimeError(f"ITEMBANK_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing")
pytestmark = pytest.mark.skipif(
    not HAVE_BROWSER, reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")


@pytest.fixture
def bank(demo_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    return db


@pytest.fixture
def server(bank: Path) -> Iterator[str]:
    from werkzeug.serving import make_server

    from dashboard import create_app

    app = create_app(str(bank))
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1300,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _grid_row(driver, item: str) -> dict[str, str]:
    """The item table's row for ``item``, as the browser shows it (column id -> text)."""
    from selenium.webdriver.common.by import By

    row = driver.find_element(By.CSS_SELECTOR, f"#item-grid .ag-center-cols-container [row-id='{item}']")
    cells = row.find_elements(By.CSS_SELECTOR, "[col-id]")
    return {c.get_attribute("col-id"): c.text for c in cells} | {"class": row.get_attribute("class")}


def test_committee_member_finds_and_inspects_the_miskeyed_item(server: str, browser, bank: Path,
                                                               demo_db: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(server)
    # Nothing without a log-in: the committee member logs in with her demo password.
    wait.until(ec.presence_of_element_located((By.ID, "username")))
    assert demo.MISKEYED not in browser.page_source
    browser.find_element(By.ID, "username").send_keys("m.jansen")
    browser.find_element(By.ID, "password").send_keys(demo.demo_password("m.jansen"))
    browser.find_element(By.ID, "login").click()
    cell = f"#item-grid [row-id='{demo.MISKEYED}'] [col-id='item']"
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, cell)))
    assert "Logged in as Marieke Jansen (committee)" in browser.find_element(By.CSS_SELECTOR, ".who").text
    summary = browser.find_element(By.ID, "summary").text
    assert "Candidates\n600" in summary and "Cut score (cesuur)\n28 / 40" in summary
    assert browser.find_elements(By.CSS_SELECTOR, "#score-distribution .bars path")  # the histogram drew

    row = _grid_row(browser, demo.MISKEYED)
    assert "flag-critical" in row["class"]
    assert "possible miskey (Rar)" in row["flags"]
    assert float(row["rir"]) < 0

    browser.find_element(By.CSS_SELECTOR, cell).click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "item-heading"), f"Item {demo.MISKEYED}"))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#option-grid .ag-center-cols-container [row-id]")) == 5)
    flags = browser.find_element(By.ID, "item-flags").text
    assert "Check the key" in flags
    options = [e.text for e in browser.find_elements(
        By.CSS_SELECTOR, "#option-grid .ag-center-cols-container [col-id='option']")]
    assert sorted(options) == ["A", "B", "C", "D", "omitted / invalid"]
    assert browser.find_elements(By.CSS_SELECTOR, "#option-groups .bars path")

    # The committee rekeys the item to the answer the able candidates chose; on reload the
    # dashboard shows the item as the scoring core now scores it.
    truth = pd.read_csv(f"{demo_db}.true-parameters.csv", index_col="item")
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        committee.add_decision(session, demo.ADMIN_CODE, demo.MISKEYED, "rekey", truth.loc[demo.MISKEYED, "true_key"],
                             reason="key error", actor="committee")
        session.commit()
    engine.dispose()
    browser.refresh()
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, cell)))
    row = _grid_row(browser, demo.MISKEYED)
    assert float(row["rir"]) > 0.2
    assert "miskey" not in row["flags"] and "flag-critical" not in row["class"]
