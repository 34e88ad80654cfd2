"""The dashboard's log-in, tested with plain HTTP requests (no browser): nothing but the log-in
page reaches a browser that is not logged in with a role that may see the item analysis.

The demo bank's users and their printed demo passwords are used (itembank.demo.USERS)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from itembank import demo

ITEM_TEXT = "VCA-LO"  # every demo item code starts so; none may leak to a refused request


@pytest.fixture
def client(demo_db: Path, tmp_path: Path):
    from dashboard import create_app

    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    app = create_app(str(db))
    return app.server.test_client()


def login(client, username: str, password: str | None = None):
    return client.post("/login", data={"username": username, "password": password or demo.demo_password(username),
                                       "next": "/"})


def layout_callback_request() -> dict:
    """The request the page makes when an administration is chosen (show_administration)."""
    return {"output": "..summary.children...score-distribution.figure...item-grid.rowData...item-details.data..",
            "outputs": [{"id": "summary", "property": "children"}, {"id": "score-distribution", "property": "figure"},
                        {"id": "item-grid", "property": "rowData"}, {"id": "item-details", "property": "data"}],
            "inputs": [{"id": "administration", "property": "value", "value": demo.ADMIN_CODE}],
            "changedPropIds": ["administration.value"]}


def test_without_log_in_every_page_layout_and_callback_is_refused(client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and b'action="/login"' in page.data and ITEM_TEXT.encode() not in page.data
    for path in ("/_dash-layout", "/_dash-dependencies"):
        response = client.get(path)
        assert response.status_code == 401 and ITEM_TEXT.encode() not in response.data
    response = client.post("/_dash-update-component", json=layout_callback_request())
    assert response.status_code == 401 and ITEM_TEXT.encode() not in response.data
    # The static bundles hold no data and are served (the log-in page needs its stylesheet).
    assert client.get("/assets/itembank.css").status_code == 200


def test_a_committee_member_sees_the_analysis_and_its_callbacks(client) -> None:
    response = login(client, "m.jansen")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and b"Marieke Jansen" in layout.data
    data = client.post("/_dash-update-component", json=layout_callback_request())
    assert data.status_code == 200
    rows = json.loads(data.data)["response"]["item-grid"]["rowData"]
    assert len(rows) == 40 and all(r["item"].startswith(ITEM_TEXT) for r in rows)


@pytest.mark.parametrize("username", ["a.dekker", "admin"])
def test_roles_that_may_not_see_the_analysis_are_refused_on_the_server(client, username: str) -> None:
    assert login(client, username).status_code == 302
    for response in (client.get("/"), client.get("/_dash-layout"),
                     client.post("/_dash-update-component", json=layout_callback_request())):
        assert response.status_code == 403 and ITEM_TEXT.encode() not in response.data


def test_a_wrong_password_gets_the_log_in_page_again_and_no_session(client) -> None:
    response = login(client, "m.jansen", "not her password")
    assert response.status_code == 200 and b"wrong user name or password" in response.data
    assert client.get("/_dash-layout").status_code == 401


def test_a_tampered_session_cookie_is_refused(client) -> None:
    login(client, "a.dekker")  # an item writer, who may not see the analysis
    cookie = client.get_cookie("itembank_session")
    assert cookie is not None
    # Try to promote oneself: change the payload, keep the signature.
    payload, _, signature = cookie.value.partition(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    client.set_cookie("itembank_session", forged)
    assert client.get("/_dash-layout").status_code == 401


def test_the_session_ends_after_the_idle_time_and_on_log_out(client) -> None:
    from dashboard.auth import IDLE_MINUTES

    login(client, "s.bakker")
    assert client.get("/_dash-layout").status_code == 200
    with client.session_transaction() as s:
        s["user"] = {**s["user"], "seen": time.time() - IDLE_MINUTES * 60 - 1}
    response = client.get("/_dash-layout")
    assert response.status_code == 401 and b"without activity" in response.data
    login(client, "s.bakker")
    assert client.get("/logout").status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def test_a_disabled_account_loses_access_at_once(client, tmp_path: Path) -> None:
    from sqlalchemy.orm import Session

    from itembank.services import users
    from itembank.storage.db import make_engine

    login(client, "p.dewit")
    assert client.get("/_dash-layout").status_code == 200
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    with Session(engine) as s:
        users.disable_user(s, "p.dewit", actor="admin")
        s.commit()
    engine.dispose()
    assert client.get("/_dash-layout").status_code == 401


def test_after_log_in_only_a_path_on_this_site_is_followed(client) -> None:
    response = client.post("/login", data={"username": "m.jansen", "password": demo.demo_password("m.jansen"),
                                           "next": "https://evil.example/steal"})
    assert response.headers["Location"] == "/"
