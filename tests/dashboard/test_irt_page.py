"""The IRT and DIF page (``/sitting/<code>/irt``) over plain HTTP: the numbers it sends are
those of the services ``itembank irt``, ``itembank calibrate`` and ``itembank dif`` call
(:func:`itembank.services.irt_summary.calibration_summary`,
:func:`itembank.services.calibrations.add_calibration`,
:func:`itembank.services.dif.attribute_dif`), the test information at the cut is the 2PL formula
by hand, and only a committee member may calibrate (issue 14)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from itembank import demo
from itembank.display import shown_or
from itembank.services import administrations, calibrations, irt_summary
from itembank.services.administration_data import load_administration
from itembank.services.dif import attribute_dif
from itembank.storage.db import make_engine
from itembank.storage.models import Administration, Calibration, Registration
from tests.dashboard.conftest import needs_browser
from tests.dashboard.test_auth import ITEM_TEXT, callback_request, login, route

CODE = demo.ADMIN_CODE
PAGE = f"/sitting/{CODE}/irt"
LIST = ("..irt-calibrations.rowData...irt-calibration.options...irt-calibration.value..."
        "irt-calibrations-message.children..")
SHOW = ("..irt-summary.children...irt-information.figure...irt-chosen.style...irt-parameters.columnDefs..."
        "irt-parameters.rowData..")
CALIBRATE = "..irt-calibrate-message.children...irt-refresh.data.."
FOCAL = "..irt-dif-focal.options...irt-dif-focal.value.."
DIF = "..irt-dif-message.children...irt-dif-grid.rowData.."
IRT_CALLBACKS = (LIST, SHOW, CALIBRATE, FOCAL, DIF)


def post(client, output: str, **values: object):
    return client.post("/_dash-update-component", json=callback_request(client.dash_app, output, **values))


def answer(client, output: str, **values: object) -> dict:
    response = post(client, output, **values)
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)["response"]


def _engine(bank: Path):
    return make_engine(f"sqlite:///{bank}")


def _cut_and_maximum(session: Session) -> tuple[float, float]:
    result = load_administration(session, CODE).score(candidates=[])
    return float(result.cuts["total"]), float(result.maxima["total"])


@pytest.fixture
def calibrated(bank: Path) -> int:
    """The demo sitting calibrated 2PL by the service (as ``itembank calibrate``); its id."""
    engine = _engine(bank)
    with Session(engine) as s:
        cal_id = calibrations.add_calibration(s, CODE, model="2pl", actor="m.jansen").calibration.id
        s.commit()
    engine.dispose()
    return cal_id


def test_the_page_is_a_sitting_tab_for_committee_and_secretary_and_refused_to_an_item_writer(client) -> None:
    app = client.dash_app
    login(client, "m.jansen")
    page = route(client, app, PAGE).data.decode()
    assert "IRT and DIF" in page and "irt-calibrate-button" in page and "irt-dif-group" in page
    assert '"language"' in page and '"attempt"' in page  # the sitting's attributes to choose from
    review = route(client, app, f"/sitting/{CODE}/review").data.decode()
    assert PAGE.replace("/", "\\u002f") in review  # the review tab links to it (Dash escapes "/")
    login(client, "s.bakker")
    page = route(client, app, PAGE).data.decode()
    assert "irt-parameters" in page and "irt-calibrate-button" not in page
    assert "Only a committee member can calibrate" in page
    login(client, "a.dekker")
    page = route(client, app, PAGE)
    assert b"not for your role" in page.data and ITEM_TEXT.encode() not in page.data
    for output in IRT_CALLBACKS:  # the item writer gets nothing from any of its callbacks
        refused = post(client, output, **{"irt-code": CODE, "irt-calibration": 1, "irt-dif-group": "language",
                                          "irt-dif-button": 1, "irt-calibrate-button": 1, "irt-model": "2pl"})
        assert refused.status_code == 403 and ITEM_TEXT.encode() not in refused.data, output


def test_without_a_calibration_the_page_says_how_to_make_one(client) -> None:
    login(client, "s.bakker")
    shown = answer(client, LIST, **{"irt-code": CODE, "irt-refresh": 0})
    assert shown["irt-calibrations"]["rowData"] == [] and shown["irt-calibration"]["value"] is None
    assert f"itembank calibrate {CODE} --model 2pl" in json.dumps(shown["irt-calibrations-message"])


def test_the_parameter_table_and_the_numbers_at_the_cut_are_calibration_summary(client, bank, calibrated) -> None:
    login(client, "s.bakker")  # the secretary sees the analysis too
    listed = answer(client, LIST, **{"irt-code": CODE, "irt-refresh": 0})
    (row,) = listed["irt-calibrations"]["rowData"]
    assert listed["irt-calibration"]["value"] == calibrated == row["id"]
    assert (row["model"], row["engine"], row["by"], row["n"]) == ("2pl", "em", "m.jansen", 600)
    assert row["scale"].startswith("defines the bank scale")  # the specification's first calibration

    shown = answer(client, SHOW, **{"irt-code": CODE, "irt-calibration": calibrated})
    engine = _engine(bank)
    with Session(engine) as s:
        cut, maximum = _cut_and_maximum(s)
        expected = irt_summary.calibration_summary(s, CODE, cut=cut, maximum=maximum, calibration_id=calibrated)
    engine.dispose()
    rows = {r["item"]: r for r in shown["irt-parameters"]["rowData"]}
    assert list(rows) == list(expected.items.index)
    for item, e in expected.items.iterrows():
        r = rows[item]
        for col in ("a", "b", "se_a", "se_b", "infit", "infit_p", "outfit", "outfit_p"):
            assert (r[col] is None and math.isnan(e[col])) or r[col] == pytest.approx(e[col], rel=1e-12), (item, col)
        assert r["n"] == e["n"] == 600 and r["misfit"] == ("misfit" if e["misfit"] else "fits")
    headers = [c["headerName"] for c in shown["irt-parameters"]["columnDefs"]]
    assert headers[:6] == ["Item", "n", "Discrimination (a)", "SE(a)", "Difficulty (b)", "SE(b)"]

    # the numbers at the cut: θ_cut, and the information there by hand (Lord 1980, eq. 5-9 with
    # c = 0: I(θ) = Σ a² P (1 − P) over the items with a > 0), CSEM = 1/√I
    info = expected.information
    usable = expected.items[expected.items["a"] > 0]
    a, b = usable["a"].to_numpy(), usable["b"].to_numpy()
    p = 1 / (1 + np.exp(-a * (info.cut_theta - b)))
    by_hand = float((a**2 * p * (1 - p)).sum())
    text = json.dumps(shown["irt-summary"])
    assert f'"{info.cut_theta:.2f}"' in text and f'"{by_hand:.2f}"' in text
    assert f'"{1 / math.sqrt(by_hand):.2f}"' in text and f'"{info.csem_at_cut:.2f}"' in text
    assert "left out of the test information" in text.lower() and demo.MISKEYED in text
    figure = shown["irt-information"]["figure"]
    assert figure["data"][0]["y"] == pytest.approx(list(info.information))
    assert any(s.get("x0") == pytest.approx(info.cut_theta) for s in figure["layout"]["shapes"])  # the cut marked


def test_calibrating_from_the_page_stores_what_add_calibration_stores(client, bank, tmp_path) -> None:
    twin = tmp_path / "twin.db"  # the same bank, calibrated by the service directly
    shutil.copy(bank, twin)
    login(client, "m.jansen")
    done = answer(client, CALIBRATE, **{"irt-code": CODE, "irt-model": "2pl", "irt-calibrate-button": 1})
    new_id = done["irt-refresh"]["data"]["id"]
    assert f"Stored calibration {new_id} (2pl, 600 candidates" in json.dumps(done["irt-calibrate-message"])
    again = answer(client, CALIBRATE, **{"irt-code": CODE, "irt-model": "rasch", "irt-calibrate-button": 1})
    newer = again["irt-refresh"]["data"]["id"]
    listed = answer(client, LIST, **{"irt-code": CODE, "irt-refresh": {"id": newer}, "irt-calibration": new_id})
    assert listed["irt-calibration"]["value"] == newer  # the new calibration is shown
    rows = listed["irt-calibrations"]["rowData"]
    assert [r["id"] for r in rows] == [newer, new_id]  # newest first
    # a recalibration of the same sitting takes over its scale (calibrations' same_sitting rule)
    engine = _engine(bank)
    with Session(engine) as s:
        link = calibrations.link_in_force(s, newer)
        assert (link.status, link.method, link.linked_to_id) == ("linked", "same_sitting", new_id)
        assert rows[0]["scale"] == (f"on the bank scale: same candidates as calibration {new_id} "
                                    f"(A {shown_or(link.A, 'irt_parameter')}, B {shown_or(link.B, 'irt_parameter')})")
    engine.dispose()

    engine, other = _engine(bank), _engine(twin)
    with Session(engine) as s, Session(other) as t:  # the first one against the service on the twin
        page_cal = calibrations.get_calibration(s, new_id)
        service_cal = calibrations.add_calibration(t, CODE, model="2pl", actor="m.jansen").calibration
        assert (page_cal.model, page_cal.engine, page_cal.data_hash, page_cal.created_by) == (
            service_cal.model, service_cal.engine, service_cal.data_hash, "m.jansen")
        pd.testing.assert_frame_equal(calibrations.calibration_table(s, page_cal),
                                      calibrations.calibration_table(t, service_cal))
        assert page_cal.loglik == service_cal.loglik
    engine.dispose()
    other.dispose()


def test_while_calibrating_the_button_is_disabled_and_a_progress_line_shown(client) -> None:
    login(client, "m.jansen")
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    (spec,) = [d for d in dependencies if d["output"] == CALIBRATE]
    assert spec["running"] == {"running": {"irt-calibrate-button.disabled": True, "irt-calibrating.hidden": False},
                               "runningOff": {"irt-calibrate-button.disabled": False, "irt-calibrating.hidden": True}}


def test_a_model_the_service_refuses_is_a_message_and_nothing_is_stored(client, bank) -> None:
    login(client, "m.jansen")
    done = answer(client, CALIBRATE, **{"irt-code": CODE, "irt-model": "4pl", "irt-calibrate-button": 1})
    text = json.dumps(done["irt-calibrate-message"])
    assert "Not calibrated: model must be one of" in text and "Traceback" not in text
    assert "irt-refresh" not in done  # no_update: nothing new to show
    engine = _engine(bank)
    with Session(engine) as s:
        assert s.scalar(select(Calibration.id)) is None
    engine.dispose()


def test_a_secretary_sees_the_calibrations_but_may_not_calibrate(client, bank, calibrated) -> None:
    login(client, "s.bakker")
    assert post(client, LIST, **{"irt-code": CODE, "irt-refresh": 0}).status_code == 200
    refused = post(client, CALIBRATE, **{"irt-code": CODE, "irt-model": "2pl", "irt-calibrate-button": 1})
    assert refused.status_code == 403
    engine = _engine(bank)
    with Session(engine) as s:
        assert list(s.scalars(select(Calibration.id))) == [calibrated]  # nothing was fitted
    engine.dispose()


def test_the_dif_table_is_attribute_dif(client, bank) -> None:
    login(client, "m.jansen")
    focal = answer(client, FOCAL, **{"irt-code": CODE, "irt-dif-group": "language"})
    assert focal["irt-dif-focal"]["options"] == [{"label": "nl (468 candidates)", "value": "nl"},
                                                 {"label": "en (132 candidates)", "value": "en"}]
    assert focal["irt-dif-focal"]["value"] == "en"  # the smaller group against the largest
    shown = answer(client, DIF, **{"irt-code": CODE, "irt-dif-group": "language", "irt-dif-focal": "en",
                                   "irt-dif-button": 1})
    engine = _engine(bank)
    with Session(engine) as s:
        d = attribute_dif(load_administration(s, CODE).score(), administrations.get_attributes(s, CODE), "language",
                          focal="en")
    engine.dispose()
    mh, lr = d.mh["en"], d.logistic["en"]
    rows = {r["item"]: r for r in shown["irt-dif-grid"]["rowData"]}
    assert list(rows) == list(mh.index)
    for item, r in rows.items():
        assert (r["n_focal"], r["n_reference"]) == (mh.at[item, "n_focal"], mh.at[item, "n_reference"])
        assert r["ets_class"] == mh.at[item, "ets_class"]
        for page_col, frame, col in (("mh_d_dif", mh, "mh_d_dif"), ("se_mh_d_dif", mh, "se_mh_d_dif"),
                                     ("p_mh", mh, "p_value"), ("p_uniform", lr, "p_uniform"),
                                     ("p_nonuniform", lr, "p_nonuniform"), ("r2_delta_total", lr, "r2_delta_total")):
            value = frame.at[item, col]
            assert (r[page_col] is None and math.isnan(value)) or r[page_col] == pytest.approx(value, rel=1e-12)
        assert r["zumbo_thomas_class"] == (lr.at[item, "zumbo_thomas_class"] or "–")
    heading = json.dumps(shown["irt-dif-message"])
    assert "focal group en against reference group nl" in heading and "nl (468), en (132)" in heading


def test_a_group_too_small_for_dif_is_the_service_s_message(client, bank) -> None:
    engine = _engine(bank)
    with Session(engine) as s:  # a new attribute on the sitting: 40 candidates in the north
        admin_id = s.scalar(select(Administration.id).where(Administration.code == CODE))
        for i, reg in enumerate(s.scalars(select(Registration).where(Registration.administration_id == admin_id)
                                          .order_by(Registration.id))):
            reg.attributes = {**(reg.attributes or {}), "region": "north" if i < 40 else "south"}
        s.commit()
        with pytest.raises(Exception) as refused:
            attribute_dif(load_administration(s, CODE).score(), administrations.get_attributes(s, CODE), "region",
                          focal="north")
    engine.dispose()
    login(client, "m.jansen")
    shown = answer(client, DIF, **{"irt-code": CODE, "irt-dif-group": "region", "irt-dif-focal": "north",
                                   "irt-dif-button": 1})
    assert shown["irt-dif-grid"]["rowData"] == []
    text = json.dumps(shown["irt-dif-message"], ensure_ascii=False)
    assert str(refused.value) in text and "region = north: 40" in text


@needs_browser
def test_a_committee_member_calibrates_2pl_reads_the_table_and_chart_and_runs_dif_in_chromium(
        server: str, browser, log_in, screenshot, bank: Path) -> None:
    import time

    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException])
    log_in("m.jansen")
    browser.get(server + PAGE)
    wait.until(ec.text_to_be_present_in_element((By.ID, "irt-calibrations-message"), "has no IRT calibration yet"))
    screenshot("irt-1-no-calibration")
    browser.find_element(By.CSS_SELECTOR, "#irt-model input[value='2pl']").click()
    browser.find_element(By.ID, "irt-calibrate-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "irt-calibrate-message"), "Stored calibration"))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#irt-parameters .ag-center-cols-container .ag-row"))
               >= 10)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#irt-information .main-svg"))
    engine = _engine(bank)
    with Session(engine) as s:
        (cal_id,) = s.scalars(select(Calibration.id)).all()
        cut, maximum = _cut_and_maximum(s)
        expected = irt_summary.calibration_summary(s, CODE, cut=cut, maximum=maximum, calibration_id=cal_id)
    engine.dispose()
    cards = browser.find_element(By.ID, "irt-at-cut").text
    assert f"{expected.information.cut_theta:.2f}" in cards and f"{expected.information.csem_at_cut:.2f}" in cards
    assert "Difficulty (b)" in browser.find_element(By.ID, "irt-parameters").text
    assert "defines the bank scale" in browser.find_element(By.ID, "irt-calibrations").text
    screenshot("irt-2a-calibrations")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.ID, "irt-facts"))
    screenshot("irt-2-calibrated")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})",
                           browser.find_element(By.CSS_SELECTOR, ".irt-chosen h3"))
    screenshot("irt-2b-parameters")

    group = browser.find_element(By.ID, "irt-dif-group")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", group)
    group.click()
    time.sleep(0.5)
    browser.switch_to.active_element.send_keys("language")
    time.sleep(0.5)
    browser.switch_to.active_element.send_keys("\n")
    wait.until(ec.text_to_be_present_in_element((By.ID, "irt-dif-focal"), "en (132 candidates)"))
    browser.find_element(By.ID, "irt-dif-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "irt-dif-message"), "focal group en against reference"))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#irt-dif-grid .ag-center-cols-container .ag-row"))
               >= 10)
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})",
                           browser.find_element(By.CSS_SELECTOR, ".irt-dif h2"))
    screenshot("irt-3-dif")
