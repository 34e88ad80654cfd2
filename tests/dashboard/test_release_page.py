"""The release page's callbacks over plain HTTP (no browser), as the secretary's browser would
post them: the checklist refuses on the demo, a forged click on the disabled release button is
refused by the service, keeping a flag and deciding one make it pass, a stale summary is not
released, objections and annulments are previewed without storing anything, and the downloads
are exactly the released results. (Refusals per role: tests/dashboard/test_auth.py.)"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank import demo
from itembank.io.results_files import xlsx_cell_value
from itembank.services import committee, results
from itembank.services.previews import preview_release
from itembank.storage import audit
from itembank.storage.db import make_engine
from itembank.storage.models import Release
from tests.dashboard.test_auth import callback_request, login

CODE = demo.ADMIN_CODE


@pytest.fixture
def client(client):
    """The dashboard's test client (conftest.py), the secretary logged in."""
    assert login(client, "s.bakker").status_code == 302
    return client


@pytest.fixture
def engine(bank: Path):
    engine = make_engine(f"sqlite:///{bank}")
    yield engine
    engine.dispose()


def call(client, part: str, trigger: str | None = None, **values: object) -> dict:
    """Post the callback whose output key contains ``part``; ``trigger`` is the input that
    fired it (default: the first). Returns the response's outputs by component id."""
    app = client.dash_app
    (output,) = [k for k in app.callback_map if part in k]
    body = callback_request(app, output, **values)
    if trigger is not None:
        body["changedPropIds"] = [trigger]
        for dep in body["inputs"]:
            if f"{dep['id']}.{dep['property']}" == trigger:
                dep["value"] = 1
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.data[:500]
    return json.loads(response.data)["response"] if response.status_code == 200 else {}


def text(component: object) -> str:
    """All the text in a rendered component tree."""
    if isinstance(component, dict):
        return text(component.get("props", {}).get("children")) if "props" in component else \
            " ".join(text(v) for v in component.values())
    if isinstance(component, list):
        return " ".join(text(c) for c in component)
    return "" if component is None else str(component)


def checklist(client) -> dict:
    return call(client, "release-checklist.children", **{"release-code": CODE})


def decide_both(engine) -> None:
    """The committee decides the two planted items as the demo's truth says (the true keys)."""
    rows = {r["code"]: r["key"] for r in demo._item_rows()}
    with Session(engine) as session:
        committee.add_decision(session, CODE, demo.MISKEYED, "rekey", rows[demo.MISKEYED], reason="key error",
                               actor="m.jansen")
        committee.add_decision(session, CODE, demo.TWO_ANSWERS, "accept", demo.second_answer(rows[demo.TWO_ANSWERS]),
                               reason="two defensible answers", actor="m.jansen")
        committee.fix_cut(session, CODE, reason="the rule set's 70 %", actor="s.bakker")  # the secretary fixes the cut
        session.commit()


def release(client, shown: str | None = None, note: str = "") -> dict:
    if shown is None:
        shown = checklist(client)["release-shown"]["data"]
    return call(client, "release-message.children", trigger="release-confirm-button.n_clicks",
                **{"release-code": CODE, "release-shown": shown, "release-refresh": 0, "release-note": note})


def test_the_checklist_refuses_on_the_demo_and_names_the_flagged_items(client) -> None:
    out = checklist(client)
    words = text(out["release-checklist"]["children"])
    assert "cannot be released yet" in words
    assert f"{demo.MISKEYED}: negative Rir" in words and f"{demo.TWO_ANSWERS}: negative Rir" in words
    assert out["release-confirm-button"]["disabled"] is True
    assert demo.MISKEYED in text(out["release-blocked"]["children"])
    assert [o["value"] for o in out["release-keep-item"]["options"]] == [demo.MISKEYED, demo.TWO_ANSWERS]
    assert out["release-keep-box"]["hidden"] is False


def test_a_forged_click_on_the_disabled_release_button_releases_nothing(client, engine) -> None:
    out = release(client)
    assert "checklist" in text(out["release-message"]["children"]) and "nothing was released" in \
        text(out["release-message"]["children"])
    with Session(engine) as session:
        assert session.scalars(select(Release)).all() == []


def test_keeping_one_item_and_deciding_the_other_lets_the_secretary_release(client, engine) -> None:
    kept = call(client, "release-keep-message.children", trigger="release-keep-button.n_clicks",
                **{"release-code": CODE, "release-keep-item": demo.TWO_ANSWERS, "release-refresh": 0,
                   "release-keep-reason": "content checked: both answers stay as keyed"})
    assert f"{demo.TWO_ANSWERS} is kept as it is" in text(kept["release-keep-message"]["children"])
    with Session(engine) as session:
        (event,) = audit.get_events(session, action="flag_kept")
        assert (event.actor, event.detail["item"]) == ("s.bakker", demo.TWO_ANSWERS)
        committee.add_decision(session, CODE, demo.MISKEYED, "void", reason="key error", actor="m.jansen")
        committee.fix_cut(session, CODE, reason="the rule set's 70 %", actor="s.bakker")
        session.commit()
        expected, against = preview_release(session, CODE)
    out = checklist(client)
    assert out["release-confirm-button"]["disabled"] is False and out["release-blocked"]["children"] is None
    summary = text(out["release-summary"]["children"])
    assert against is None and "A first release" in summary
    assert f"{expected.max_after}" in summary and f"{100 * expected.pass_rate_after:.1f}%" in summary
    done = release(client, out["release-shown"]["data"], note="meeting of 20 November")
    assert "Released: revision 1" in text(done["release-message"]["children"])
    assert done["release-note"]["value"] == ""
    with Session(engine) as session:
        (row,) = session.scalars(select(Release)).all()
        assert (row.created_by, row.note, results.verify_release(row)) == ("s.bakker", "meeting of 20 November", True)
    # the list of releases shows it, with its hash and that the snapshot verifies
    history = call(client, "release-list.children", **{"release-code": CODE})
    listed = text(history["release-list"]["children"])
    assert row.content_hash[:16] in listed and "matches its hash" in listed and "s.bakker" in listed
    assert "First release: maximum 39" in listed  # one item voided
    again = release(client)
    assert "Nothing changed since release 1" in text(again["release-message"]["children"])


def test_a_summary_that_changed_since_it_was_shown_is_not_released(client, engine) -> None:
    decide_both(engine)
    shown = checklist(client)["release-shown"]["data"]
    with Session(engine) as session:  # a committee member decides meanwhile
        committee.add_decision(session, CODE, "VCA-LO1-A-01", "void", reason="picture missing", actor="p.dewit")
        session.commit()
    out = release(client, shown)
    assert "changed since this summary was shown" in text(out["release-message"]["children"])
    with Session(engine) as session:
        assert session.scalars(select(Release)).all() == []


def _released(client, engine) -> pd.DataFrame:
    decide_both(engine)
    assert "Released: revision 1" in text(release(client)["release-message"]["children"])
    with Session(engine) as session:
        return results.current_results(session, CODE)


def test_an_objection_is_previewed_without_storing_then_recorded(client, engine) -> None:
    current = _released(client, engine)
    failing = current[current["outcome"] == "fail"].assign(t=current["total"].astype(float)).sort_values("t") \
        .iloc[-1]["candidate"]
    values = {"release-code": CODE, "release-objection-candidate": failing,
              "release-objection-item": demo.MISKEYED, "release-objection-points": "1",
              "release-objection-reason": "stem ambiguous", "release-objection-done": 0}
    preview = call(client, "release-objection-preview.children", trigger="release-objection-preview-button.n_clicks",
                   **values)
    shown = text(preview["release-objection-preview"]["children"])
    before = current.set_index("candidate").loc[failing]
    assert failing in shown and before["total"] in shown and "fail" in shown
    assert preview["release-objection-confirm-button"]["disabled"] is False
    pending = preview["release-objection-pending"]["data"]
    with Session(engine) as session:
        assert (results.current_results(session, CODE)["result_revision"] == 0).all()  # nothing stored
    done = call(client, "release-objection-preview.children", trigger="release-objection-confirm-button.n_clicks",
                **values, **{"release-objection-pending": pending})
    assert "Recorded: result revision 1" in text(done["release-objection-message"]["children"])
    with Session(engine) as session:
        after = results.current_results(session, CODE).set_index("candidate").loc[failing]
    assert after["result_revision"] == 1 and after["total"] in shown  # the preview said this total
    listed = call(client, "release-list.children", **{"release-code": CODE})["release-revisions"]["children"]
    assert failing in text(listed) and "objection" in text(listed)


@pytest.mark.parametrize("points, says", [("een", "must be a number"), ("5", "outside")])
def test_a_wrong_objection_is_a_message(client, engine, points: str, says: str) -> None:
    _released(client, engine)
    out = call(client, "release-objection-preview.children", trigger="release-objection-preview-button.n_clicks",
               **{"release-code": CODE, "release-objection-candidate": "C10001",
                  "release-objection-item": demo.MISKEYED, "release-objection-points": points,
                  "release-objection-reason": "x"})
    assert says in text(out["release-objection-message"]["children"])
    assert out["release-objection-confirm-button"]["disabled"] is True


def test_an_annulment_is_previewed_then_recorded(client, engine) -> None:
    _released(client, engine)
    values = {"release-code": CODE, "release-annul-candidate": "C10002", "release-annul-reason": "fraud",
              "release-annul-done": 0}
    preview = call(client, "release-annul-preview.children", trigger="release-annul-preview-button.n_clicks", **values)
    assert "annulled" in text(preview["release-annul-preview"]["children"])
    with Session(engine) as session:
        assert results.current_results(session, CODE).set_index("candidate").loc["C10002", "outcome"] != "annulled"
    done = call(client, "release-annul-preview.children", trigger="release-annul-confirm-button.n_clicks", **values,
                **{"release-annul-pending": preview["release-annul-pending"]["data"]})
    assert "C10002 is annulled" in text(done["release-annul-message"]["children"])
    with Session(engine) as session:
        assert results.current_results(session, CODE).set_index("candidate").loc["C10002", "outcome"] == "annulled"


def test_the_downloads_are_exactly_the_released_results(client, engine, bank: Path) -> None:
    before = call(client, "release-download.data", trigger="release-csv-button.n_clicks", **{"release-code": CODE})
    assert "no released results yet" in text(before["release-download-message"]["children"])
    current = _released(client, engine)
    csv = call(client, "release-download.data", trigger="release-csv-button.n_clicks",
               **{"release-code": CODE})["release-download"]["data"]
    from itembank.cli import app as cli

    printed = CliRunner().invoke(cli, ["results", CODE, "--db", str(bank)])
    assert printed.exit_code == 0 and csv["filename"] == f"{CODE}-results.csv"
    assert csv["content"] == printed.output  # byte for byte what `itembank results` prints
    xlsx = call(client, "release-download.data", trigger="release-xlsx-button.n_clicks",
                **{"release-code": CODE})["release-download"]["data"]
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(current.columns) and len(rows) == len(current) + 1
    for got, want in zip(rows[1:], current.itertuples(index=False)):
        assert got[0] == want[0]  # candidate codes stay text
        assert [("" if v is None else v) for v in got[1:]] == [xlsx_cell_value(v) for v in want[1:]]
    # the numbers are numbers, equal to the text of the release
    total = current.columns.get_loc("total")
    assert all(float(r[total]) == float(w) for r, w in zip(rows[1:], current["total"]))


@pytest.mark.parametrize("value, cell", [
    ("28", 28), ("27.5", 27.5), ("-1", -1), ("007", "007"), ("5.512", 5.512), ("pass", "pass"), ("", ""),
    ("1e3", "1e3"), ("12345678901234567", "12345678901234567")])
def test_only_plain_decimal_text_becomes_a_number_cell(value: str, cell: object) -> None:
    assert xlsx_cell_value(value) == cell and type(xlsx_cell_value(value)) is type(cell)
