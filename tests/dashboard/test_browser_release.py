"""The release page in a real headless browser, end to end (issue 12, item 6).

The secretary opens the release page of the demo sitting and finds the checklist refusing: the
demo's two planted items carry critical flags nobody has decided. The committee then decides
them (through the services, as the review page would), the secretary reloads, finds the
checklist complete and the summary of the release, confirms, and the released results are
exactly ``itembank results``. Then an objection is previewed and recorded, and the results
are downloaded. Screenshots: ``release-*.png`` (see conftest.py).
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank import demo
from itembank.cli import app as cli
from itembank.services import committee, results
from itembank.services.administrations import get_administration
from itembank.services.previews import preview_release
from itembank.storage.db import make_engine
from tests.dashboard.conftest import needs_browser

pytestmark = needs_browser
RELEASE = f"/sitting/{demo.ADMIN_CODE}/release"


def test_secretary_releases_after_the_checklist_passes(server: str, browser, log_in, screenshot, bank: Path,
                                                        demo_db: Path, tmp_path: Path) -> None:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException])
    log_in("s.bakker")
    browser.get(server + RELEASE)
    wait.until(ec.presence_of_element_located((By.ID, "release-checks")))
    checklist = browser.find_element(By.ID, "release-checklist").text
    assert "cannot be released yet" in checklist
    assert f"{demo.MISKEYED}: negative Rir" in checklist and f"{demo.TWO_ANSWERS}: negative Rir" in checklist
    wait.until(ec.presence_of_element_located((By.ID, "release-flips-count")))
    button = browser.find_element(By.ID, "release-confirm-button")
    assert button.get_attribute("disabled") is not None  # refused until the checklist passes
    blocked = browser.find_element(By.ID, "release-blocked").text
    assert "disabled until the checklist is complete" in blocked and demo.MISKEYED in blocked
    assert "A first release" in browser.find_element(By.ID, "release-summary").text
    screenshot("release-1-checklist-refuses")

    # The committee decides both flagged items (the review page calls these same services).
    truth = pd.read_csv(f"{demo_db}.true-parameters.csv", index_col="item")
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        committee.add_decision(session, demo.ADMIN_CODE, demo.MISKEYED, "rekey",
                               str(truth.loc[demo.MISKEYED, "true_key"]), reason="key error in the bank",
                               actor="m.jansen")
        committee.add_decision(session, demo.ADMIN_CODE, demo.TWO_ANSWERS, "accept",
                               demo.second_answer(str(truth.loc[demo.TWO_ANSWERS, "true_key"])),
                               reason="two defensible answers", actor="m.jansen")
        # the secretary fixed the cut on the cut-score page (test_browser_cut_score.py does it there)
        committee.fix_cut(session, demo.ADMIN_CODE, reason="the rule set's 70 %", actor="s.bakker")
        session.commit()
        expected, _ = preview_release(session, demo.ADMIN_CODE)

    browser.get(server + RELEASE)
    wait.until(ec.text_to_be_present_in_element((By.ID, "release-checklist"), "The checklist is complete"))
    wait.until(ec.presence_of_element_located((By.ID, "release-flips-count")))
    assert browser.find_element(By.ID, "release-keep-box").get_attribute("hidden") is not None
    summary = browser.find_element(By.ID, "release-summary").text
    assert f"{expected.max_after}" in summary and f"{100 * expected.pass_rate_after:.1f}%" in summary
    wait.until(lambda d: d.find_element(By.ID, "release-confirm-button").get_attribute("disabled") is None)
    screenshot("release-2-ready")
    browser.find_element(By.ID, "release-note").send_keys("after the committee meeting")
    browser.find_element(By.ID, "release-confirm-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "release-message"), "Released: revision 1"))
    wait.until(ec.presence_of_element_located((By.ID, "release-table")))
    table = browser.find_element(By.ID, "release-table").text
    assert "s.bakker" in table and "matches its hash" in table and "after the committee meeting" in table

    # The released results are exactly what `itembank results` prints.
    out = CliRunner().invoke(cli, ["results", demo.ADMIN_CODE, "--db", str(bank)])
    assert out.exit_code == 0, out.output
    printed = pd.read_csv(io.StringIO(out.output), dtype=str, keep_default_na=False)
    with Session(engine) as session:
        current = results.current_results(session, demo.ADMIN_CODE).astype(str)
        release = results.latest_release(session, get_administration(session, demo.ADMIN_CODE))
        assert release.created_by == "s.bakker" and release.note == "after the committee meeting"
        assert results.verify_release(release)
    pd.testing.assert_frame_equal(printed, current)
    passed = (current["outcome"] == "pass").mean()
    assert f"{100 * passed:.1f}" == f"{100 * expected.pass_rate_after:.1f}"  # what the summary said
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot("release-3-released")

    # An objection: previewed as the candidate's result before -> after, then recorded.
    failing = current[current["outcome"] == "fail"].assign(t=lambda f: f["total"].astype(float)) \
        .sort_values("t").iloc[-1]["candidate"]
    item_box = browser.find_element(By.ID, "release-objection-item")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", item_box)
    browser.find_element(By.ID, "release-objection-candidate").send_keys(failing)
    item_box.click()  # the dropdown opens with its search box focused
    time.sleep(0.5)
    browser.switch_to.active_element.send_keys(demo.MISKEYED)
    time.sleep(0.5)
    browser.switch_to.active_element.send_keys("\n")
    wait.until(ec.text_to_be_present_in_element((By.ID, "release-objection-item"), demo.MISKEYED))
    browser.find_element(By.ID, "release-objection-points").send_keys("1")
    browser.find_element(By.ID, "release-objection-reason").send_keys("objection upheld: the stem was ambiguous")
    browser.find_element(By.ID, "release-objection-preview-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "release-objection-preview"), "before"))
    preview = browser.find_element(By.ID, "release-objection-preview").text
    assert failing in preview and "fail" in preview
    screenshot("release-4-objection-preview")
    with Session(engine) as session:  # the preview recorded nothing
        assert (results.current_results(session, demo.ADMIN_CODE)["result_revision"] == 0).all()
    browser.find_element(By.ID, "release-objection-confirm-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "release-objection-message"), "Recorded"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "release-revisions"), failing))
    with Session(engine) as session:
        after = results.current_results(session, demo.ADMIN_CODE).set_index("candidate").loc[failing]
    assert after["result_revision"] == 1 and after["total"] in browser.find_element(By.ID, "release-revisions").text
    screenshot("release-5-objection-recorded")
    engine.dispose()
    time.sleep(0.2)
