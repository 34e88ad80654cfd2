"""The blueprint and assembly pages in a real browser.

A committee member reads the blueprint grid and the gap report for nine forms, assembles two
forms on the assembly page (a progress line while the optimiser runs; then the coverage heatmap
and the independent verification report) and freezes them; the frozen forms, read back from the
database, pass the same verification ``itembank assemble`` runs (:func:`itembank.assembly.verify`
on the pool of :func:`itembank.services.forms.load_pool`) and hold exactly the blueprint's
objective x level counts, counted here from the items' own tags. An impossible request shows the
explanation of :func:`itembank.assembly.explain_infeasibility`, word for word what the CLI prints.
An item writer gets no assembly page and no freeze button. Screenshots of each step are saved.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy.orm import Session

from itembank import demo
from itembank.assembly import AssemblyOptions, explain_infeasibility, verify
from itembank.services import blueprints
from itembank.services.blueprints import blueprint_constraints
from itembank.services.forms import get_form, load_pool
from itembank.storage.db import make_engine
from itembank.storage.models import Dimension
from itembank.text import t
from tests.dashboard.conftest import needs_browser
from tests.itembank.bad_input_helpers import run_main

pytestmark = needs_browser
BLUEPRINT, SPEC = "VCA-BASIS-40", "VCA-BASIS-2025"


def _waiter(browser, seconds: float = 60, poll: float = 0.5):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, seconds, poll_frequency=poll,
                         ignored_exceptions=[StaleElementReferenceException, NoSuchElementException])


def _type(browser, element_id: str, value: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = browser.find_element(By.ID, element_id)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(str(value))


def _open_assembly(browser, server: str, wait) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.get(server + "/assembly")
    wait.until(ec.presence_of_element_located((By.ID, "asm-try")))
    # the aims are offered once the pool is read (the objective-note callback has run)
    wait.until(lambda d: d.find_element(By.ID, "asm-objective-note").text.strip())


def _cell_text(browser, table_id: str, row: str) -> list[str]:
    from selenium.webdriver.common.by import By

    for tr in browser.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr"):
        cells = [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        if cells and cells[0] == row:
            return cells
    raise AssertionError(f"no row {row} in #{table_id}")


def test_a_committee_member_assembles_and_freezes_two_forms(server: str, browser, log_in, screenshot,
                                                             bank: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait = _waiter(browser)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        bp = blueprints.get_blueprint(s, BLUEPRINT)
        _, _, cells = blueprints.blueprint_grid(bp)
        constraints = blueprint_constraints(bp)
        # the demo's one earlier form: its items are the ones "used in the last 1 sitting"
        earlier = {fi.item_version.item.code for fi in get_form(s, demo.FORM_CODE).items}

    log_in("m.jansen")
    browser.get(server + "/blueprints")
    wait.until(ec.presence_of_element_located((By.ID, "blueprint-grid")))
    grid = browser.find_element(By.ID, "blueprint-grid").text
    assert "LO1" in grid and "LO8" in grid and "40" in grid
    # The gap report for 9 forms without overlap. By hand: a cell of L items per form needs 9 L
    # different items (no item on two forms); the demo bank has 20 approved items per cell, so
    # LO1/A (2 per form) needs 18 and nothing to write, LO1/K (3 per form) needs 27: write 7.
    _type(browser, "bp-forms", 9)
    _type(browser, "bp-overlap", 0)
    wait.until(lambda d: _cell_text(d, "bp-gap-table", "LO1/K")[4] == "27")
    assert _cell_text(browser, "bp-gap-table", "LO1/K")[1:] == ["3", "20", "20", "27", "7"]
    assert _cell_text(browser, "bp-gap-table", "LO1/A")[1:] == ["2", "20", "20", "18", "0"]
    assert "to-write" in browser.find_element(By.XPATH, "//table[@id='bp-gap-table']//td[text()='LO1/K']/..") \
        .get_attribute("class")
    assert browser.find_element(By.ID, "bp-gap-caption").text == \
        "For 9 form(s), two forms sharing at most 0% of their items: 56 more items to write, in the highlighted cells."
    # the versions and their review: the demo's version 1 went through review to approved
    versions = browser.find_element(By.ID, "bp-versions").text
    assert "approved by m.jansen" in versions and "submitted for review by m.jansen" in versions
    screenshot("assembly-1-blueprint")

    _open_assembly(browser, server, wait)
    aims = browser.find_element(By.ID, "asm-objective-note").text
    assert "itembank calibrate" in aims  # the demo pool has no stored IRT parameters
    _type(browser, "asm-forms", 2)
    _type(browser, "asm-overlap", 0.1)
    _type(browser, "asm-exclude", 1)
    browser.find_element(By.ID, "asm-try").click()
    # the progress line shows while the callback runs (the button is disabled meanwhile)
    _waiter(browser, 30, poll=0.05).until(ec.visibility_of_element_located((By.ID, "asm-running")))
    assert browser.find_element(By.ID, "asm-try").get_attribute("disabled")
    screenshot("assembly-2-running")
    wait.until(ec.presence_of_element_located((By.ID, "asm-verification")))
    wait.until(ec.invisibility_of_element_located((By.ID, "asm-running")))
    output = browser.find_element(By.ID, "asm-output").text
    assert t("asm_verified") in output
    # the heatmap is drawn once plotly's bundle has loaded: one text label per form and blueprint row (2 x 18)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#asm-coverage .heatmaplayer text")) == 36)
    labels = browser.find_elements(By.CSS_SELECTOR, "#asm-coverage .ytick text")
    assert "LO1/A (needs 2)" in [e.text for e in labels] and "whole form: items (needs 40)" in [e.text for e in labels]
    # the verification report: every kind of check, all passed, including the overlap of forms 1 and 2
    checks = browser.find_element(By.CSS_SELECTOR, "#asm-verification table.verification").text
    rows = checks.splitlines()[1:]
    assert {"Blueprint count 34 all", "Blueprint sum 2 all", "Overlap between forms 1 all"} <= set(rows)
    assert all(row.endswith(" all") for row in rows)  # 16 cells + whole form, 2 forms: 34 counts
    assert "Traceback" not in output and "nan" not in output.lower().split()
    screenshot("assembly-3-result")
    browser.execute_script("document.getElementById('asm-coverage').scrollIntoView()")
    screenshot("assembly-4-heatmap")

    freeze = browser.find_element(By.ID, "asm-freeze")
    assert freeze.is_enabled()
    freeze.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "asm-frozen"), "Frozen: "))
    wait.until(lambda d: not d.find_element(By.ID, "asm-freeze").is_enabled())  # no second freeze
    screenshot("assembly-5-frozen")
    codes = browser.find_element(By.ID, "asm-frozen").text.split("Frozen: ")[1].split(".")[0].split(", ")
    assert len(codes) == 2

    with Session(engine) as s:
        forms = [get_form(s, code) for code in codes]
        ids = [[fi.item_version_id for fi in f.items] for f in forms]
        assert all(f.frozen_at is not None and f.blueprint.code == BLUEPRINT for f in forms)
        # The same check `itembank assemble` runs on its answer before freezing (assemble ->
        # verify), on the pool as the dry run saw it: the two new forms are not yet "used", so
        # the exclusion is checked separately below.
        pool, enemies = load_pool(s, SPEC, language="nl")
        report = verify(pool, ids, constraints, enemies, options=AssemblyOptions(forms=2, max_overlap=0.1))
        assert report["passed"].all() and {"blueprint count", "overlap between forms"} <= set(report["check"])
        shared = {fi.item_version.item.code for fi in forms[0].items} & {fi.item_version.item.code for fi in forms[1].items}
        assert len(shared) <= 4  # 0.1 x 40
        for form in forms:
            # each frozen form holds the blueprint's counts, counted from its items' own tags
            tags = [{tag.dimension: tag.code for tag in fi.item_version.tags} for fi in form.items]
            got = Counter((tg[Dimension.OBJECTIVE], tg[Dimension.LEVEL]) for tg in tags)
            assert got == Counter({cell: n for cell, n in cells.items() if n}) and len(form.items) == 40
            # "used in the last 1 sitting": nothing of the demo's earlier form
            assert not earlier & {fi.item_version.item.code for fi in form.items}
    assert len(earlier) == 40  # the demo's form, whose items the exclusion left out
    engine.dispose()


def test_an_impossible_request_is_explained_as_the_cli_explains_it(server: str, browser, log_in, screenshot,
                                                                   bank: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait = _waiter(browser)
    log_in("m.jansen")
    _open_assembly(browser, server, wait)
    # 12 forms without overlap need 12 x 3 = 36 items in a 3-per-form cell; the bank has 20
    _type(browser, "asm-forms", 12)
    _type(browser, "asm-overlap", 0)
    browser.find_element(By.ID, "asm-try").click()
    wait.until(ec.presence_of_element_located((By.ID, "asm-infeasible")))
    shown = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#asm-infeasible li")]
    assert not browser.find_element(By.ID, "asm-freeze").is_enabled()
    screenshot("assembly-6-infeasible")

    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        pool, enemies = load_pool(s, SPEC, language="nl")
        constraints = blueprint_constraints(blueprints.get_blueprint(s, BLUEPRINT))
    engine.dispose()
    expected = explain_infeasibility(pool, constraints, enemies, options=AssemblyOptions(forms=12, max_overlap=0.0))
    assert shown == expected and any("LO1/K" in r and "Write at least 16 more" in r for r in expected)
    cli = run_main(["assemble", "--spec", SPEC, "--blueprint", BLUEPRINT, "--forms", "12", "--max-overlap", "0",
                    "--language", "nl", "--dry-run", "--db", str(bank), "--user", "m.jansen"])
    assert cli.exit_code == 2 and cli.escaped is None
    assert [line.strip()[2:] for line in cli.output.splitlines() if line.startswith("  - ")] == expected


def test_an_item_writer_cannot_assemble_or_freeze(server: str, browser, log_in, screenshot) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait = _waiter(browser)
    log_in("a.dekker")
    browser.get(server + "/assembly")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#page-content .message-error")))
    assert not browser.find_elements(By.ID, "asm-freeze") and not browser.find_elements(By.ID, "asm-try")
    assert "Assembly" not in [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav.menu a")]
    screenshot("assembly-7-item-writer")
    # the blueprint page is theirs to read (the gap report says what to write), not to approve
    browser.get(server + "/blueprints")
    wait.until(ec.presence_of_element_located((By.ID, "bp-gap-table")))
    assert not browser.find_element(By.ID, "bp-status-box").is_displayed()
    screenshot("assembly-8-item-writer-blueprint")
