"""The committee's round trips in the dashboard, measured in a real browser.

For each size (default 20,000 x 60 and 100,000 x 100) a bank with one sitting is built (the
items, form and responses of ``bench_storage.py``), the dashboard is served over HTTP (in this
process, werkzeug's threaded server), and headless Chromium — logged in as a committee member —
is timed from the user's action until the page shows its result:

* ``open review page``: the review page's URL until the grid and the headline figures show;
* ``click item``: a click on an item until its panel (text, options, distractors) shows;
* ``decision preview``: "Preview the effect" of a void until the before -> after table shows;
* ``confirm -> grid``: "Confirm and record" until the grid shows the decision and the pass
  rate card its new value (the analysis re-run on the stored decision).

Baseline in the same run: the services alone, in this process, without browser or HTTP —
``load_administration`` + ``analyze`` (what the page open and a confirm recompute) and
``preview_decision`` — so what the browser, Dash and the network add is visible.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_dashboard.py
    .venv/bin/python benchmarks/bench_dashboard.py --sizes 20000x60
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
USER, PASSWORD = "bench.committee", "bench-password-2026"


def _storage_bench():
    spec = importlib.util.spec_from_file_location("bench_storage", HERE / "bench_storage.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def build(folder: Path, n: int, n_items: int) -> str:
    """A SQLite bank with the sitting ``BENCH`` of ``n`` candidates and a committee user."""
    from itembank.io import response_files
    from itembank.services import users
    from itembank.storage.db import open_bank, session_scope

    storage = _storage_bench()
    url = f"sqlite:///{folder / 'bench.db'}"
    storage._build_bank(url, n_items)
    csv = folder / "responses.csv"
    storage._write_csv(csv, n, n_items)
    engine = open_bank(url)
    with session_scope(engine) as session:
        response_files.import_responses(session, storage.ADMIN, csv, actor="s")
        users.add_user(session, USER, roles=["committee"], display_name="Bench Committee", password=PASSWORD,
                       actor="admin")
    engine.dispose()
    return url


def services_baseline(url: str) -> dict[str, float]:
    from itembank import scoring
    from itembank.services.administration_data import load_administration
    from itembank.services.item_analysis import analyze
    from itembank.services.previews import preview_decision
    from itembank.storage.db import open_bank, session_scope

    engine = open_bank(url)
    with session_scope(engine) as session:
        load_administration(session, "BENCH")  # warm the response cache, as a served page is warm
        t0 = time.perf_counter()
        data = load_administration(session, "BENCH")
        analyze(data)
        t1 = time.perf_counter()
        preview_decision(data, scoring.Decision("I003", "void", "", "benchmark"))
        t2 = time.perf_counter()
    engine.dispose()
    return {"load + analyse": t1 - t0, "preview_decision": t2 - t1}


def _timed(action: Callable[[], None], done: Callable[[], bool], timeout: float = 120) -> float:
    started = time.perf_counter()
    action()
    while not done():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the page did not show the result in time")
        time.sleep(0.02)
    return time.perf_counter() - started


def browser_round_trips(url: str, repeats: int) -> dict[str, list[float]]:
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from werkzeug.serving import make_server

    from dashboard import create_app

    app = create_app(url)
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,768"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)

    def text(element_id: str) -> str:
        try:
            return driver.find_element(By.ID, element_id).text
        except (NoSuchElementException, StaleElementReferenceException):
            return ""

    def row_decision(item: str) -> str:
        return driver.execute_script(
            "var n = dash_ag_grid.getApi('review-grid').getRowNode(arguments[0]); return n ? n.data.decision : '';", item)

    timings: dict[str, list[float]] = {k: [] for k in ("open review page", "click item", "decision preview",
                                                        "confirm -> grid")}
    try:
        driver.get(base + "/login")
        driver.find_element(By.ID, "username").send_keys(USER)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "login").click()
        for k in range(repeats):
            item = f"I{10 + k:03d}"
            timings["open review page"].append(_timed(
                lambda: driver.get(base + "/sitting/BENCH/review"),
                lambda: "Candidates" in text("review-summary") and bool(driver.find_elements(
                    By.CSS_SELECTOR, "#review-grid .ag-center-cols-container [row-id]"))))
            timings["click item"].append(_timed(
                lambda: driver.execute_script(
                    "dash_ag_grid.getApi('review-grid').getRowNode(arguments[0]).setSelected(true);", item),
                lambda: f"Item {item}" in text("review-item-heading") and bool(driver.find_elements(
                    By.CSS_SELECTOR, "#review-options .ag-center-cols-container [row-id]"))))
            driver.find_element(By.ID, "review-reason").send_keys("benchmark")
            timings["decision preview"].append(_timed(
                lambda: driver.find_element(By.ID, "review-preview-button").click(),
                lambda: "change outcome" in text("review-preview")))
            summary_before = text("review-summary")
            try:
                timings["confirm -> grid"].append(_timed(
                    lambda: driver.find_element(By.ID, "review-confirm-button").click(),
                    lambda: row_decision(item) == "voided" and text("review-summary") != summary_before))
            except TimeoutError:
                raise TimeoutError(f"confirm: {text('review-action-message')!r}, row {row_decision(item)!r}") from None
    finally:
        driver.quit()
        httpd.shutdown()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000x60,100000x100", help="candidates x items, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="round trips per size (a decision each)")
    args = parser.parse_args()
    for size in args.sizes.split(","):
        n, n_items = (int(x) for x in size.lower().split("x"))
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.perf_counter()
            url = build(Path(folder), n, n_items)
            print(f"\n{n:,} candidates x {n_items} items (bank built in {time.perf_counter() - t0:.1f} s)")
            base = services_baseline(url)
            trips = browser_round_trips(url, args.repeats)
        print(f"  {'in the browser (median of ' + str(args.repeats) + ')':42s} {'median':>8s} {'max':>8s}")
        for name, values in trips.items():
            print(f"  {name:42s} {statistics.median(values):7.2f}s {max(values):7.2f}s")
        print("  baseline: the services alone, no browser")
        for name, value in base.items():
            print(f"  {name:42s} {value:7.2f}s")


if __name__ == "__main__":
    main()
