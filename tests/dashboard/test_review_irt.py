"""The review page's IRT view, when the sitting has a stored calibration: the conditional SEM at
the cut score's ability and each item's parameters and fit (issue 12, item 3; issue 14)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy.orm import Session

from analysis.equating import true_score_curve
from itembank import demo
from itembank.services.calibrations import add_calibration, sitting_information
from itembank.storage.db import make_engine
from tests.dashboard.test_auth import callback_request, login

LOAD = "..review-summary.children...review-grid.rowData...review-details.data.."


@pytest.fixture
def calibrated(bank):
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        add_calibration(s, demo.ADMIN_CODE, model="2pl", actor="m.jansen")
        s.commit()
        view = sitting_information(s, demo.ADMIN_CODE, cut=28.0, maximum=40.0)
    engine.dispose()
    return view


def test_the_test_information_at_the_cut_is_the_2pl_formula(calibrated) -> None:
    view = calibrated
    assert view is not None and view.model == "2pl"
    assert demo.MISKEYED in view.left_out  # a negative slope carries no usable information
    usable = view.items.drop(index=list(view.left_out))
    # the cut's ability: the expected score on the usable items equals the cut scaled to them
    tau = 28.0 * len(usable) / 40.0
    assert true_score_curve(usable[["a", "b", "c"]], view.cut_theta) == pytest.approx(tau, abs=1e-8)
    # 2PL information by hand (Lord 1980, eq. 5-9 with c = 0): sum of a^2 P (1 - P)
    a, b = usable["a"].to_numpy(), usable["b"].to_numpy()
    p = 1 / (1 + np.exp(-a * (view.cut_theta - b)))
    assert view.csem_at_cut == pytest.approx(1 / np.sqrt((a**2 * p * (1 - p)).sum()), rel=1e-6)


def test_the_review_page_shows_it(client, calibrated) -> None:
    login(client, "m.jansen")
    response = client.post("/_dash-update-component",
                           json=callback_request(client.dash_app, LOAD, **{"review-code": demo.ADMIN_CODE}))
    shown = json.loads(response.data)["response"]
    text = json.dumps(shown["review-summary"]["children"])
    assert f"CSEM {calibrated.csem_at_cut:.2f} at the cut" in text and "IRT (2pl)" in text
    line = shown["review-details"]["data"]["VCA-LO1-A-01"]["irt"]
    a = calibrated.items.loc["VCA-LO1-A-01", "a"]
    assert line.startswith(f"IRT (2pl): a {a:.2f}, b ") and "infit" in line


def test_without_a_calibration_there_is_no_irt_view(client) -> None:
    login(client, "m.jansen")
    response = client.post("/_dash-update-component",
                           json=callback_request(client.dash_app, LOAD, **{"review-code": demo.ADMIN_CODE}))
    assert "IRT (" not in response.data.decode()
