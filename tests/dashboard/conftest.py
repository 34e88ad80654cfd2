"""Fixtures for the dashboard's browser tests: a served copy of the demo bank, a headless
Chromium at 1366x768 (the smallest screen the dashboard is made for), log-in, screenshots.

Screenshots of every page are saved as test artefacts in ``test-artifacts/screenshots/`` (or
``$ITEMBANK_SCREENSHOTS``); the README names the folder.

Without chromium/chromedriver the browser tests are skipped with the reason, unless
``ITEMBANK_REQUIRE_BROWSER=1`` (set by CI, which installs them), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from itembank import demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)
REQUIRED = os.environ.get("ITEMBANK_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(os.environ.get("ITEMBANK_SCREENSHOTS", Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"))

if not HAVE_BROWSER and REQUIRED:
    raise RuntimeError(f"ITEMBANK_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing")
needs_browser = pytest.mark.skipif(
    not HAVE_BROWSER, reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")


@pytest.fixture
def bank(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the demo bank the test may change."""
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    return db


@pytest.fixture
def client(bank: Path):
    """A Flask test client of the dashboard on ``bank``, for plain HTTP requests; its Dash app
    is ``client.dash_app`` (the tests list the callbacks it registered)."""
    from dashboard import create_app

    app = create_app(str(bank))
    test_client = app.server.test_client()
    test_client.dash_app = app
    return test_client


@pytest.fixture
def server(bank: Path) -> Iterator[str]:
    """The dashboard served over real HTTP on ``bank`` (base URL without the trailing slash)."""
    from werkzeug.serving import make_server

    from dashboard import create_app

    app = create_app(str(bank))
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1366,768"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1366, 768)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def log_in(browser, server: str) -> Callable[[str], None]:
    """Log in as a demo user (by user name) through the log-in form."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    def go(username: str) -> None:
        browser.get(server + "/logout")
        WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "username")))
        browser.find_element(By.ID, "username").send_keys(username)
        browser.find_element(By.ID, "password").send_keys(demo.demo_password(username))
        browser.find_element(By.ID, "login").click()
        WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".who")))

    return go


@pytest.fixture
def screenshot(browser) -> Callable[[str], Path]:
    """Save what the browser shows as ``<name>.png`` in the screenshots folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        browser.save_screenshot(str(path))
        return path

    return take
