"""The cut-score page in a real headless browser (Debian's chromium + chromium-driver).

A committee member opens the sitting's cut-score page, reads the cut in force, sees the
Hofstee method propose a cut with the panel's inputs, uses it, reads the preview (the cut and
the pass rate before -> after and the candidates whose outcome flips, the same numbers the
service computes), is refused without a reason, then records it as a proposal. A secretary
then sees the proposal (method, who, why) and fixes it; the bank holds exactly that rule and
the fixing. Screenshots: test-artifacts/screenshots/cut-score-*.png (see conftest.py).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from itembank import demo
from itembank.services import committee
from itembank.services import cut_scores as cs
from itembank.services.administration_data import load_administration
from itembank.services.previews import preview_cut
from itembank.storage.db import make_engine
from itembank.text import t
from tests.dashboard.conftest import needs_browser

pytestmark = needs_browser
PAGE = f"/sitting/{demo.ADMIN_CODE}/cut-score"


def _cards(driver) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, "#cut-headline .card")
    return {c.find_element(By.CLASS_NAME, "label").text: c.find_element(By.CLASS_NAME, "value").text for c in found}


def test_committee_proposes_a_hofstee_cut_with_a_preview_and_the_secretary_fixes_it(
        server: str, browser, log_in, screenshot, bank: Path) -> None:
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 40, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException])
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        data = load_administration(session, demo.ADMIN_CODE)
    basis = cs.cut_basis(data)
    # The page's default panel inputs: acceptable cuts 55-75 %, fail rates 5-40 %: the service's
    # proposal (what the CLI prints too), and the same through the method and the preview.
    proposal = cs.propose(basis, "hofstee", {"k_min": "55", "k_max": "75", "f_min": "5", "f_max": "40"})
    expected = preview_cut(data, cs.rule_of(cs.hofstee(basis, k_min=55, k_max=75, f_min=5, f_max=40)))
    assert proposal.rule == expected.rule and proposal.cut == expected.change.cut_after
    assert expected.change.cut_before == "28" and expected.change.n_flips > 0

    log_in("m.jansen")
    browser.get(server + PAGE)
    wait.until(lambda d: _cards(d).get("Cut score (cesuur)") == "28 / 40")
    cards = _cards(browser)
    assert cards["Rule"] == "70 % of the maximum" and cards["Method"] == "rule set"
    assert cards["Pass rate"] == "69.0% (414 of 600)" and cards["Status"] == "proposed, not fixed yet"
    assert not browser.find_elements(By.ID, "cut-fix-button")  # fixing is the secretary's
    wait.until(ec.text_to_be_present_in_element((By.ID, "cut-result-hofstee"),
                                                f"Proposed cut: {expected.change.cut_after} of 40"))
    rate = f"{100 * expected.change.pass_rate_after:.1f}%"
    hofstee_text = browser.find_element(By.ID, "cut-result-hofstee").text
    assert f"Pass rate at this cut: {rate} ({proposal.passed} of {proposal.judged})" in hofstee_text
    assert t("decision_at_cut", **proposal.classification.shown()) in hofstee_text
    wait.until(ec.text_to_be_present_in_element((By.ID, "cut-result-cohen_schotanus"), "Proposed cut:"))
    screenshot("cut-score-1-page")
    card = browser.find_element(By.ID, "cut-card-hofstee")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.ID, "cut-card-fixed_percentage"))
    wait.until(lambda d: d.find_element(By.ID, "cut-graph-hofstee").is_displayed())
    screenshot("cut-score-2-methods")

    # Beuk: three judges typed into the grid; the cut follows, with its chart.
    judges = [("J1", "65", "70"), ("J2", "70", "60"), ("J3", "72", "65")]
    for row, (_, cut, rate) in enumerate(judges):
        for column, value in (("cut", cut), ("pass_rate", rate)):
            cell = browser.find_element(By.CSS_SELECTOR, f"#cut-beuk-judges [row-index='{row}'] [col-id='{column}']")
            ActionChains(browser).click(cell).perform()
            ActionChains(browser).send_keys(value + Keys.ENTER).perform()
    beuk = preview_cut(data, cs.rule_of(cs.beuk(basis, judge_cuts=[65, 70, 72], judge_pass_rates=[70, 60, 65])))
    wait.until(ec.text_to_be_present_in_element((By.ID, "cut-result-beuk"), f"Proposed cut: {beuk.change.cut_after} of 40"))
    wait.until(lambda d: d.find_element(By.ID, "cut-graph-beuk").is_displayed())
    # Angoff: the judges' ratings uploaded as a file (Dutch Excel: semicolons, decimal commas);
    # every item rated 0,65 by both judges gives 0.65 x 40 = 26.
    ratings = bank.parent / "panel ratings.csv"
    items = [it.item for it in data.form.items]
    ratings.write_text("judge;" + ";".join(items) + "\n" + "".join(f"J{j};" + ";".join(["0,65"] * 40) + "\n"
                                                                  for j in (1, 2)), encoding="utf-8")
    browser.find_element(By.CSS_SELECTOR, "#cut-ratings-upload input[type=file]").send_keys(str(ratings))
    wait.until(ec.text_to_be_present_in_element((By.ID, "cut-result-ratings"), "Proposed cut: 26 of 40"))
    assert "File: panel ratings.csv · 2 judges" in browser.find_element(By.ID, "cut-result-ratings").text
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", card)
    screenshot("cut-score-2b-hofstee-beuk-angoff")

    use = card.find_element(By.CSS_SELECTOR, "button.primary")
    wait.until(lambda d: use.is_enabled())
    browser.execute_script("arguments[0].click()", use)
    wait.until(ec.presence_of_element_located((By.ID, "cut-flips-count")))
    preview = browser.find_element(By.ID, "cut-preview").text
    assert f"{expected.change.n_flips} candidate(s) change outcome" in preview
    assert f"{100 * expected.change.pass_rate_after:.1f}%" in preview and "Hofstee" in preview
    screenshot("cut-score-3-preview")
    with Session(engine) as session:
        assert committee.cut_rules(session, demo.ADMIN_CODE) == []  # a preview stores nothing

    browser.find_element(By.ID, "cut-confirm-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "cut-action-message"), "Give a reason"))
    browser.find_element(By.ID, "cut-reason").send_keys("Hofstee with the panel of 12 November")
    browser.find_element(By.ID, "cut-confirm-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "cut-action-message"), "Recorded"))
    wait.until(lambda d: _cards(d).get("Method") == "Hofstee")
    # The methods are counted again against the new cut in force: Hofstee's own cut flips nobody.
    wait.until(ec.text_to_be_present_in_element((By.ID, "cut-result-hofstee"), "0 candidate(s) would change outcome"))
    with Session(engine) as session:
        (recorded,) = committee.cut_rules(session, demo.ADMIN_CODE)
        assert committee.cut_fixed(session, demo.ADMIN_CODE) == (False, None, None)
    assert recorded.rule == expected.rule and recorded.decided_by == "m.jansen"
    assert recorded.reason == "Hofstee with the panel of 12 November"

    log_in("s.bakker")
    browser.get(server + PAGE)
    wait.until(lambda d: _cards(d).get("Method") == "Hofstee")
    cards = _cards(browser)
    assert cards["Cut score (cesuur)"] == f"{expected.change.cut_after} / 40"
    assert cards["Decided by"].startswith("m.jansen, ") and cards["Status"] == "proposed, not fixed yet"
    assert "Hofstee with the panel of 12 November" in browser.find_element(By.ID, "cut-why").text
    browser.find_element(By.ID, "cut-fix-reason").send_keys("Agreed in the committee meeting")
    browser.find_element(By.ID, "cut-fix-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "cut-fix-message"), "Fixed"))
    wait.until(lambda d: _cards(d).get("Status", "").startswith("fixed by s.bakker"))
    screenshot("cut-score-4-fixed")
    with Session(engine) as session:
        fixed, by, _ = committee.cut_fixed(session, demo.ADMIN_CODE)
    engine.dispose()
    assert (fixed, by) == (True, "s.bakker")
