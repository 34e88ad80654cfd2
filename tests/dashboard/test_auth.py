"""The dashboard's log-in, tested with plain HTTP requests (no browser): nothing but the log-in
page reaches a browser that is not logged in with a role that may see the item analysis.

The demo bank's users and their printed demo passwords are used (itembank.demo.USERS)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from itembank import demo

ITEM_TEXT = "VCA-LO"  # every demo item code starts so; none may leak to a refused request


def login(client, username: str, password: str | None = None):
    return client.post("/login", data={"username": username, "password": password or demo.demo_password(username),
                                       "next": "/"})


def callback_request(app, output: str, **values: object) -> dict:
    """A request for the callback writing ``output``, as the browser would post it; ``values``
    fill its inputs and states by component id."""
    spec = app.callback_map[output]
    def fill(deps):
        return [{**d, "value": values.get(d["id"]) if isinstance(d["id"], str) else None} for d in deps]
    def target(part: str) -> dict:
        component, prop = part.rsplit(".", 1)
        return {"id": component, "property": prop}
    outputs = ([target(p) for p in output[2:-2].split("...")] if output.startswith("..") else target(output))
    return {"output": output, "outputs": outputs, "inputs": fill(spec["inputs"]), "state": fill(spec["state"]),
            "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"] if spec["inputs"] else []}


REVIEW_LOAD = "..review-summary.children...review-grid.rowData...review-details.data.."
ROUTE = "page-content.children"
PAGES = ["/", f"/sitting/{demo.ADMIN_CODE}/review", f"/sitting/{demo.ADMIN_CODE}/cut-score",
         f"/sitting/{demo.ADMIN_CODE}/release", "/audit"]
#: demo users by role
ROLE_USER = {"committee": "m.jansen", "secretary": "s.bakker", "item_writer": "a.dekker", "admin": "admin"}


def route(client, app, path: str):
    return client.post("/_dash-update-component", json=callback_request(app, ROUTE, url=path))


def test_without_log_in_every_page_layout_and_callback_is_refused(client) -> None:
    app = client.dash_app
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200 and b'action="/login"' in page.data and ITEM_TEXT.encode() not in page.data
    for path in ("/_dash-layout", "/_dash-dependencies"):
        response = client.get(path)
        assert response.status_code == 401 and ITEM_TEXT.encode() not in response.data
    assert app.guarded.needs, "the app registers its callbacks through the guard"
    for output in app.callback_map:  # every callback the app has, by its id
        response = client.post("/_dash-update-component",
                               json=callback_request(app, output, **{"review-code": demo.ADMIN_CODE}))
        assert response.status_code == 401 and ITEM_TEXT.encode() not in response.data, output
    # The static bundles hold no data and are served (the log-in page needs its stylesheet).
    assert client.get("/assets/itembank.css").status_code == 200


def test_every_callback_carries_a_permission(client) -> None:
    """Every callback that runs on the server was registered with its permission; the others
    run in the browser only (no "callback" function on the server) and a request for them is
    refused as an unknown callback."""
    app = client.dash_app
    server_side = {output for output, spec in app.callback_map.items() if "callback" in spec}
    assert server_side == set(app.guarded.needs)
    login(client, "m.jansen")
    for output in set(app.callback_map) - server_side:
        assert client.post("/_dash-update-component", json=callback_request(app, output)).status_code == 403


@pytest.mark.parametrize("role", list(ROLE_USER))
def test_each_role_gets_exactly_the_callbacks_its_permissions_allow(client, role: str) -> None:
    from dashboard.guard import ANY_USER
    from itembank.permissions import allowed

    app = client.dash_app
    assert login(client, ROLE_USER[role]).status_code == 302
    for output, needs in app.guarded.needs.items():
        response = client.post("/_dash-update-component",
                               json=callback_request(app, output, **{"review-code": demo.ADMIN_CODE}))
        if needs == ANY_USER or allowed([role], needs):
            assert response.status_code not in (401, 403), (role, output)
        else:
            assert response.status_code == 403 and ITEM_TEXT.encode() not in response.data, (role, output)


def test_an_unknown_callback_is_refused_even_when_logged_in(client) -> None:
    login(client, "m.jansen")
    response = client.post("/_dash-update-component", json={"output": "..secret.children..", "inputs": []})
    assert response.status_code == 403


def test_a_committee_member_sees_the_analysis_and_its_callbacks(client) -> None:
    app = client.dash_app
    response = login(client, "m.jansen")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and b"Marieke Jansen" in layout.data
    assert ITEM_TEXT.encode() not in layout.data  # the shell holds no data; pages come from callbacks
    data = client.post("/_dash-update-component", json=callback_request(app, REVIEW_LOAD, **{"review-code": demo.ADMIN_CODE}))
    assert data.status_code == 200
    rows = json.loads(data.data)["response"]["review-grid"]["rowData"]
    assert len(rows) == 40 and all(r["item"].startswith(ITEM_TEXT) for r in rows)
    assert demo.ADMIN_CODE.encode() in route(client, app, "/").data  # the overview lists the sitting


@pytest.mark.parametrize("username", ["a.dekker", "admin"])
def test_roles_that_may_not_see_the_analysis_are_refused_on_the_server(client, username: str) -> None:
    app = client.dash_app
    assert login(client, username).status_code == 302
    response = client.post("/_dash-update-component", json=callback_request(app, REVIEW_LOAD,
                                                                           **{"review-code": demo.ADMIN_CODE}))
    assert response.status_code == 403 and ITEM_TEXT.encode() not in response.data
    for path in PAGES[1:4]:  # a sitting's pages: the router answers, but with a refusal and no data
        page = route(client, app, path)
        assert page.status_code == 200 and ITEM_TEXT.encode() not in page.data
        assert b"not for your role" in page.data
    home = route(client, app, "/")  # the home page: the bank for a writer, a word for the admin
    assert (b"bank-grid" in home.data) == (username == "a.dekker") and demo.ADMIN_CODE.encode() not in home.data


def test_the_audit_page_is_for_committee_secretary_and_admin_not_writers(client) -> None:
    app = client.dash_app
    login(client, "admin")
    assert b"audit-grid" in route(client, app, "/audit").data
    client.get("/logout")
    login(client, "a.dekker")
    page = route(client, app, "/audit")
    assert b"audit-grid" not in page.data and b"not for your role" in page.data


def test_the_release_page_is_for_the_secretary(client) -> None:
    app = client.dash_app
    login(client, "m.jansen")
    assert b"not for your role" in route(client, app, f"/sitting/{demo.ADMIN_CODE}/release").data
    client.get("/logout")
    login(client, "s.bakker")
    assert b"not for your role" not in route(client, app, f"/sitting/{demo.ADMIN_CODE}/release").data


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


def test_a_failing_callback_shows_one_message_and_logs_the_bug(client, monkeypatch, tmp_path: Path) -> None:
    """A bug in a callback: the page gets one sentence (no traceback) and the traceback goes to
    the log file, as on the command line."""
    from itembank.errors import LOG_DIR_ENV
    from itembank.storage import audit

    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "logs"))

    def broken(*args, **kwargs):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(audit, "get_events", broken)
    app = client.dash_app
    login(client, "m.jansen")
    response = client.post("/_dash-update-component",
                           json=callback_request(app, "..audit-grid.rowData...audit-count.children.."))
    assert response.status_code == 200
    shown = json.dumps(json.loads(response.data))
    assert "This is a bug, not your mistake" in shown and "ZeroDivisionError" in shown
    assert "Traceback" not in shown and "planted" not in shown
    log = (tmp_path / "logs" / "errors.log").read_text()
    assert "Traceback" in log and "planted" in log and "dashboard m.jansen" in log


def test_a_user_mistake_in_a_callback_is_shown_as_it_is(client, monkeypatch) -> None:
    from itembank.errors import UserError
    from itembank.storage import audit

    def refuse(*args, **kwargs):
        raise UserError("the bank is busy; try again")

    monkeypatch.setattr(audit, "get_events", refuse)
    app = client.dash_app
    login(client, "s.bakker")
    response = client.post("/_dash-update-component",
                           json=callback_request(app, "..audit-grid.rowData...audit-count.children.."))
    assert "the bank is busy; try again" in response.data.decode() and "bug" not in response.data.decode()
