"""The item writers' pages in a real browser (issue 13's scenario):

* a writer finds an item, edits it (the next version, a draft; the old version intact),
  submits it for review, is refused when approving her own version (the service's four-eyes
  message in the page); a committee member finds it in the review queue, compares the versions
  word by word and approves it;
* an edit saved from a stale version (somebody saved in between) shows the conflict with both
  versions and overwrites nothing;
* a translator sees the source version beside the inputs while translating, and the item's enemy
  pairs are shown and added on the page.

Screenshots of each page are saved (tests/dashboard/conftest.py: test-artifacts/screenshots/)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from itembank.services import bank as item_bank
from itembank.storage.db import make_engine
from tests.dashboard.conftest import needs_browser

pytestmark = needs_browser
CODE = "VCA-LO3-K-02"


def _wait(browser):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 40, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException])


def _type(element, text: str) -> None:
    """Replace what an input shows, as a user does (select all, type), so React sees the change."""
    from selenium.webdriver.common.keys import Keys

    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.DELETE)
    element.send_keys(text)


def _choose(browser, dropdown: str, value: str) -> None:
    """Pick ``value`` in a dcc.Dropdown (Dash 4: a button opening a list of options)."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, dropdown).click()
    # narrow the list by typing in its search box, as a user does with a long list
    _wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, ".dash-dropdown-content input.dash-dropdown-search")
                         ).send_keys(value)
    option = _wait(browser).until(lambda d: d.find_element(
        By.XPATH, f"//div[contains(@class, 'dash-dropdown-content')]//label[.//input[@value='{value}']]"))
    option.click()
    _wait(browser).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content"))


def _open_item(browser, server: str, code: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.get(f"{server}/bank/item/{code}")
    _wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#bank-item-content blockquote")))


def _open_edit_form(browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.find_element(By.CSS_SELECTOR, "#bank-edit summary").click()
    _wait(browser).until(ec.visibility_of_element_located((By.ID, "bank-edit-stem")))


def test_a_writer_edits_and_a_committee_member_approves(server: str, browser, log_in, screenshot, bank: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    wait = _wait(browser)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        before = item_bank.get_item(s, CODE).current_number  # the English translation, the item's newest
        source = item_bank.get_line_version(s, CODE)  # the page opens on the Dutch source
        old_stem = source.stem

    log_in("a.dekker")
    wait.until(ec.presence_of_element_located((By.ID, "bank-grid")))
    browser.find_element(By.CSS_SELECTOR, "#bank-text").send_keys(CODE + Keys.ENTER)
    # the grid shows the item's source line (the Dutch version), not the newer English translation
    cell = f"#bank-grid [row-id='{CODE}@{source.number}'] [col-id='code']"
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#bank-grid .ag-center-cols-container [row-id]")) == 1)
    screenshot("writer-1-bank")
    browser.find_element(By.CSS_SELECTOR, cell).click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), f"Item {CODE}"))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#bank-item-content blockquote")))
    screenshot("writer-2-item")

    _open_edit_form(browser)
    browser.find_element(By.ID, "bank-edit-stem").send_keys(" (Choose the best answer.)")
    browser.find_element(By.ID, "bank-edit-note").send_keys("stem made unambiguous")
    browser.find_element(By.ID, "bank-edit-save").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), f"version {before + 1}"))
    # the new version is shown and offered; the history lists it
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-version"), f"v{before + 1}"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-content"), "(Choose the best answer.)"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-history"), "stem made unambiguous"))
    with Session(engine) as s:  # the old version is intact beside the new one
        old, new = item_bank.get_version(s, CODE, source.number), item_bank.get_version(s, CODE, before + 1)
        assert (old.stem, new.stem) == (old_stem, old_stem + " (Choose the best answer.)")
        assert (new.author, new.review.status.value) == ("a.dekker", "draft")

    browser.find_element(By.ID, "bank-item-comment").send_keys("ready for review")
    browser.find_element(By.XPATH, "//button[text()='Submit for review']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), "is now in_review"))
    browser.find_element(By.XPATH, "//button[text()='Approve']").click()
    refusal = (f"item {CODE} version {before + 1} was written by a.dekker; a version cannot be approved by its own "
               "author (four-eyes rule): another reviewer must approve it")
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), refusal))
    screenshot("writer-3-edited")
    with Session(engine) as s:
        assert item_bank.get_version(s, CODE).review.status.value == "in_review"  # the refusal changed nothing

    log_in("m.jansen")
    browser.get(server + "/bank/review")
    wait.until(ec.presence_of_element_located((By.ID, "review-queue")))
    assert CODE in browser.find_element(By.ID, "review-queue").text
    screenshot("committee-6-review-queue")
    browser.find_element(By.LINK_TEXT, CODE).click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#bank-diff ins")))
    assert "Choose the best answer." in " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, "#bank-diff ins"))
    browser.find_element(By.ID, "bank-item-comment").send_keys("clear now")
    browser.find_element(By.XPATH, "//button[text()='Approve']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), "is now approved"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-history"), "in_review -> approved: clear now"))
    screenshot("committee-7-approved")
    with Session(engine) as s:
        v = item_bank.get_version(s, CODE)
        assert (v.number, v.author, v.review.status.value) == (before + 1, "a.dekker", "approved")
        assert item_bank.get_version(s, CODE, source.number).stem == old_stem
    engine.dispose()


def test_a_stale_edit_shows_the_conflict_with_both_versions(server: str, browser, log_in, screenshot,
                                                            bank: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait = _wait(browser)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        before = item_bank.get_item(s, CODE).current_number
        source = item_bank.get_line_version(s, CODE).number
    log_in("a.dekker")
    _open_item(browser, server, CODE)
    _open_edit_form(browser)  # she starts from the newest Dutch version ...
    with Session(engine) as s:  # ... while a colleague saves a Dutch version of the same item
        item_bank.revise_item(s, CODE, based_on=source, author="p.dewit", change_note="colleague's edit",
                              stem="Whom do you tell about a near miss first?")
        s.commit()
    _type(browser.find_element(By.ID, "bank-edit-stem"), "Who must hear of a near miss?")
    browser.find_element(By.ID, "bank-edit-note").send_keys("shorter")
    browser.find_element(By.ID, "bank-edit-save").click()
    wait.until(ec.presence_of_element_located((By.ID, "bank-conflict")))
    conflict = browser.find_element(By.ID, "bank-conflict")
    assert f"the newest Dutch (standard) version is {before + 1}, you edited {source}" in conflict.text
    theirs, mine = (conflict.find_element(By.CSS_SELECTOR, f".diff > .diff-{side}").text for side in ("old", "new"))
    assert "Whom do you tell about a near miss first?" in theirs and "p.dewit" in theirs
    assert "Who must hear of a near miss?" in mine
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", conflict)
    screenshot("writer-4-conflict")
    with Session(engine) as s:  # nothing overwritten: the colleague's version is the newest
        v = item_bank.get_version(s, CODE)
        assert (v.number, v.author, v.stem) == (before + 1, "p.dewit", "Whom do you tell about a near miss first?")
    engine.dispose()


def test_a_translator_sees_the_source_beside_the_inputs_and_the_enemy_pairs(server: str, browser, log_in, screenshot,
                                                                             bank: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    code = "VCA-LO2-K-01"  # Dutch version 1; an enemy pair with VCA-LO2-K-02 in the demo
    wait = _wait(browser)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        source = item_bank.get_version(s, code)
    log_in("a.dekker")
    _open_item(browser, server, code)
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-enemies"), "VCA-LO2-K-02"))
    assert "same fact asked twice" in browser.find_element(By.ID, "bank-enemies").text
    browser.find_element(By.ID, "bank-enemy-code").send_keys("VCA-LO2-K-03")
    browser.find_element(By.ID, "bank-enemy-reason").send_keys("K-03 names the definition")
    browser.find_element(By.ID, "bank-enemy-add").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-enemies"), "K-03 names the definition"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-history"), "enemy pair added"))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", browser.find_element(By.ID, "bank-enemies"))
    screenshot("writer-5-enemy-pairs")

    _open_edit_form(browser)
    source_stem = browser.find_element(By.ID, "bank-edit-source-stem")
    assert not source_stem.is_displayed()  # same language: no source column
    _choose(browser, "bank-edit-language", "en")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#bank-edit-fields.translating")))
    wait.until(lambda d: d.find_element(By.ID, "bank-edit-source-stem").is_displayed())
    assert browser.find_element(By.ID, "bank-edit-source-stem").text == source.stem
    english = {"A": "There is no difference; both words mean exactly the same",
               "B": "A hazard is always more serious than a risk in the same situation",
               "C": "A hazard can cause harm; a risk combines the likelihood of harm with its severity",
               "D": "A risk can cause harm; a hazard is the likelihood that the harm actually occurs"}
    _type(browser.find_element(By.ID, "bank-edit-stem"), "What is the difference between a hazard and a risk?")
    for label, text in english.items():
        field = browser.find_element(By.CSS_SELECTOR, f"[id*='\"label\":\"{label}\"'][id*='bank-edit-option']")
        _type(field, text)
    browser.find_element(By.ID, "bank-edit-note").send_keys("English translation")
    # the source options stand beside the inputs, row by row
    rows = browser.find_elements(By.CSS_SELECTOR, "#bank-edit-fields .edit-row")
    option_a = next(r for r in rows if r.find_elements(By.CSS_SELECTOR, ".source-option"))
    source_box, input_box = (option_a.find_element(By.CSS_SELECTOR, c) for c in (".source", ".field"))
    assert source_box.location["y"] == input_box.location["y"] and source_box.location["x"] < input_box.location["x"]
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.ID, "bank-edit"))
    screenshot("writer-6-translation-beside-source")
    browser.find_element(By.ID, "bank-edit-save").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), f"{code} version {source.number + 1}"))
    with Session(engine) as s:
        new, old = item_bank.get_version(s, code), item_bank.get_version(s, code, source.number)
        assert (new.language, new.stem, [o["text"] for o in new.options], new.key) == (
            "en", "What is the difference between a hazard and a risk?", list(english.values()), ["C"])
        assert (old.language, old.stem) == ("nl", source.stem)
        assert [(e.code, e.reason) for e in item_bank.enemies(s, code)] == [
            ("VCA-LO2-K-02", "same fact asked twice"), ("VCA-LO2-K-03", "K-03 names the definition")]
    engine.dispose()


def test_versions_by_language_mark_an_out_of_date_translation_and_a_review_step_keeps_the_typing(
        server: str, browser, log_in, screenshot, bank: Path) -> None:
    """VCA-LO1-A-02 (the demo): v1 Dutch, v2 its English translation; a colleague revises the Dutch
    source (v3). The page opens on v3, lists both lines and marks the English one out of date; a
    review step leaves what the writer typed in the edit form; the English line's editor shows the
    new source beside the inputs, and a save ticked 'up to date' removes the mark."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    code = "VCA-LO1-A-02"
    wait = _wait(browser)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        v3 = item_bank.revise_item(s, code, based_on=1, author="p.dewit", change_note="clearer stem",
                                   stem=item_bank.get_version(s, code, 1).stem + " (Kies het beste antwoord.)")
        s.commit()
        new_source = v3.stem
    log_in("a.dekker")
    _open_item(browser, server, code)
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-content"), "(Kies het beste antwoord.)"))
    wait.until(ec.presence_of_element_located((By.ID, "bank-lines-table")))
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#bank-lines-table tbody tr")]
    assert rows[0].startswith("Dutch (standard) v3 draft source")
    assert rows[1].startswith("English (standard) v2 approved from v1")
    assert "out of date: the source has changed since (v1 → v3)" in rows[1]
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.CLASS_NAME, "lines"))
    screenshot("writer-7-versions-by-language")

    # a review step while the writer has typed in the edit form: the form is not redrawn
    _open_edit_form(browser)
    browser.find_element(By.ID, "bank-edit-stem").send_keys(" NOT SAVED YET")
    browser.find_element(By.ID, "bank-item-comment").send_keys("ready for review")
    browser.find_element(By.XPATH, "//button[text()='Submit for review']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), f"{code} version 3 is now in_review"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-lines-table"), "v3 in_review"))
    assert browser.find_element(By.ID, "bank-edit-stem").get_attribute("value").endswith(" NOT SAVED YET")

    # the English line: its out-of-date mark, and its editor with the newest source beside it
    browser.find_element(By.CSS_SELECTOR, "#bank-lines-table button[id*='\"version\":2']").click()
    wait.until(ec.presence_of_element_located((By.ID, "bank-item-out-of-date")))
    assert browser.find_element(By.ID, "bank-item-out-of-date").text == \
        "out of date: the source has changed since (v1 → v3)"
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#bank-edit-fields.translating")))
    wait.until(lambda d: d.find_element(By.ID, "bank-edit-source-stem").text == new_source)
    english = browser.find_element(By.ID, "bank-edit-stem").get_attribute("value")
    assert "NOT SAVED" not in english  # the form now edits the English version shown
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.CLASS_NAME, "lines"))
    screenshot("writer-8-out-of-date-translation")
    browser.find_element(By.CSS_SELECTOR, "#bank-edit-up-to-date input").click()
    _type(browser.find_element(By.ID, "bank-edit-stem"), english + " (Choose the best answer.)")
    browser.find_element(By.ID, "bank-edit-note").send_keys("after the Dutch v3")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.ID, "bank-edit"))
    screenshot("writer-9-translation-update")
    browser.find_element(By.ID, "bank-edit-save").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-item-message"), f"{code} version 4"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "bank-lines-table"), "English (standard) v4 draft from v3"))
    assert "out of date" not in browser.find_element(By.ID, "bank-lines-table").text
    assert not browser.find_elements(By.ID, "bank-item-out-of-date")
    with Session(engine) as s:
        assert item_bank.translations(s, code)[4] == 3 and item_bank.out_of_date(s, code, 4) is None
    engine.dispose()
