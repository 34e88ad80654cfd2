"""The dashboard's pages through plain HTTP (the router and the callbacks, no browser): what a
sitting that is not ready shows, the overview's numbers, the audit filters."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from itembank import demo
from itembank.services import administrations, committee
from itembank.services.overview import administration_states
from itembank.storage.db import make_engine
from tests.dashboard.test_auth import callback_request, login

NEW = "VCA-B-2026-03-UTR"


@pytest.fixture
def bank(demo_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:  # a second sitting, registered but without responses or rule set
        administrations.add_administration(s, NEW, demo.FORM_CODE, on=date(2026, 3, 12), actor="s.bakker")
        committee.add_decision(s, demo.ADMIN_CODE, demo.MISKEYED, "void", reason="wrong key", actor="m.jansen")
        s.commit()
    engine.dispose()
    return db


def page(client, path: str) -> str:
    response = client.post("/_dash-update-component",
                           json=callback_request(client.dash_app, "page-content.children", url=path))
    assert response.status_code == 200
    return response.data.decode()


def test_a_sitting_that_is_not_ready_says_what_is_missing(client) -> None:
    login(client, "m.jansen")
    overview = page(client, "/")
    assert NEW in overview and "no responses imported yet" in overview and "no rule set assigned yet" in overview
    review = page(client, f"/sitting/{NEW}/review")
    assert "cannot be analysed yet" in review and "no responses imported yet" in review
    assert "review-grid" not in review  # a message, not an empty grid
    assert "There is no sitting NOPE" in page(client, "/sitting/NOPE/review")


def test_the_overview_shows_each_sittings_state(client, bank: Path) -> None:
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        states = {st.code: st for st in administration_states(s)}
    engine.dispose()
    login(client, "s.bakker")
    overview = json.loads(page(client, "/"))["response"]["page-content"]["children"]
    rows = {}

    def walk(node):  # the table rows by their id, as the browser gets them
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props.get("id"), dict) and props["id"].get("type") == "sitting-row":
                rows[props["id"]["code"]] = json.dumps(props)
            for child in (props.get("children") if isinstance(props.get("children"), list) else [props.get("children")]):
                walk(child)
        elif isinstance(node, list):
            for n in node:
                walk(n)

    walk(overview)
    assert set(rows) == {demo.ADMIN_CODE, NEW}
    ready = rows[demo.ADMIN_CODE]
    assert states[demo.ADMIN_CODE].decisions == 1 and '"1"' in ready  # the void in force
    assert f'"{states[demo.ADMIN_CODE].candidates}"' in ready and "in review" in ready
    assert "Release" in ready  # the secretary may open the release page; the committee may not
    assert "waiting" not in ready and "no responses" in rows[NEW]


def test_the_audit_filters_narrow_the_trail(client) -> None:
    login(client, "admin")
    app = client.dash_app
    out = "..audit-grid.rowData...audit-count.children.."

    def events(**values):
        response = client.post("/_dash-update-component", json=callback_request(app, out, **values))
        return json.loads(response.data)["response"]["audit-grid"]["rowData"]

    everything = events()
    decisions = events(**{"audit-action": "decision_void"})
    assert len(decisions) == 1 and decisions[0]["actor"] == "m.jansen" and decisions[0]["reason"] == "wrong key"
    mine = events(**{"audit-actor": "m.jansen"})
    assert 1 <= len(mine) < len(everything) and {e["actor"] for e in mine} == {"m.jansen"}
    assert events(**{"audit-dates": None, "audit-admin": NEW})  # its registration
    assert everything[0]["at"] >= everything[-1]["at"]  # newest first
