"""The item writers' pages in a real browser: a writer finds an item, edits it (the next
version, a draft), submits it for review; a committee member finds it in the review queue,
compares the versions word by word and approves it. Screenshots of each page are saved."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from itembank.services import bank as item_bank
from itembank.storage.db import make_engine
from tests.dashboard.conftest import needs_browser

pytestmark = needs_browser
CODE = "VCA-LO3-K-02"


def test_a_writer_edits_and_a_committee_member_approves(server: str, browser, log_in, screenshot, bank: Path) -> None:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 40, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException])
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        before = current = item_bank.get_item(s, CODE).current_number

    log_in("a.dekker")
    wait.until(ec.presence_of_element_located((By.ID, "bank-grid")))
    browser.find_element(By.CSS_SELECTOR, "#bank-text").send_keys(CODE + Keys.ENTER)
    cell = f"#bank-grid [row-id='{CODE}@{current}'] [col-id='code']"
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#bank-grid .ag-center-cols-container [row-id]")) == 1)
    screenshot("writer-1-bank")
    browser.find_element(By.CSS_SELECTOR, cell).click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), f"Item {CODE}"))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#bank-item-content blockquote")))
    screenshot("writer-2-item")

    browser.find_element(By.CSS_SELECTOR, "#bank-edit summary").click()
    stem = browser.find_element(By.ID, "bank-edit-stem")
    stem.send_keys(" (Kies het beste antwoord.)")
    browser.find_element(By.ID, "bank-edit-note").send_keys("stem made unambiguous")
    browser.find_element(By.ID, "bank-edit-save").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), f"version {before + 1}"))
    browser.find_element(By.ID, "bank-item-comment").send_keys("ready for review")
    browser.find_element(By.XPATH, "//button[text()='Submit for review']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), "is now in_review"))
    browser.find_element(By.XPATH, "//button[text()='Approve']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), "four-eyes"))
    screenshot("writer-3-edited")

    log_in("m.jansen")
    browser.get(server + "/bank/review")
    wait.until(ec.presence_of_element_located((By.ID, "review-queue")))
    assert CODE in browser.find_element(By.ID, "review-queue").text
    screenshot("committee-6-review-queue")
    browser.find_element(By.LINK_TEXT, CODE).click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#bank-diff ins")))
    assert "Kies het beste antwoord." in " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, "#bank-diff ins"))
    browser.find_element(By.ID, "bank-item-comment").send_keys("clear now")
    browser.find_element(By.XPATH, "//button[text()='Approve']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), "is now approved"))
    screenshot("committee-7-approved")
    with Session(engine) as s:
        v = item_bank.get_version(s, CODE)
        assert (v.number, v.author, v.review.status.value) == (before + 1, "a.dekker", "approved")
    engine.dispose()
