"""The review page's decision actions through plain HTTP, as the browser posts them: preview
(nothing stored), confirm (stored with the logged-in user), cancel, keep as it is, and the
refusals a committee member sees as messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from itembank import demo
from itembank.services import committee
from itembank.services.release_checklist import kept_flags, release_checklist
from itembank.storage.db import make_engine
from tests.dashboard.test_auth import login


def decide(client, trigger: str, *, action: str = "void", item: str = demo.MISKEYED, reason: str = "",
           options: list[str] | None = None, weight: str = "", pending: dict | None = None) -> dict:
    """Press Preview, Confirm or Cancel on the review page."""
    key = next(k for k in client.dash_app.callback_map if k.startswith("..review-preview.children"))
    clicks = {b: (1 if b == trigger else None) for b in ("review-preview-button", "review-confirm-button",
                                                          "review-cancel-button")}
    body = {"output": key,
            "outputs": [{"id": i, "property": p} for i, p in (
                ("review-preview", "children"), ("review-pending", "data"), ("review-confirm-button", "disabled"),
                ("review-cancel-button", "disabled"), ("review-action-message", "children"), ("review-refresh", "data"))],
            "inputs": [*({"id": b, "property": "n_clicks", "value": v} for b, v in clicks.items()), []],
            "state": [{"id": "review-code", "property": "data", "value": demo.ADMIN_CODE},
                      {"id": "review-grid", "property": "selectedRows", "value": [{"item": item}]},
                      {"id": "review-action", "property": "value", "value": action},
                      {"id": "review-value-options", "property": "value", "value": options or []},
                      {"id": "review-value-weight", "property": "value", "value": weight},
                      {"id": "review-value-withdraw", "property": "value", "value": None},
                      {"id": "review-reason", "property": "value", "value": reason},
                      {"id": "review-pending", "property": "data", "value": pending},
                      {"id": "review-refresh", "property": "data", "value": 0}],
            "changedPropIds": [f"{trigger}.n_clicks"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    return json.loads(response.data)["response"]


def test_a_void_is_previewed_then_confirmed_under_the_logged_in_users_name(client, bank: Path) -> None:
    login(client, "m.jansen")
    refused = decide(client, "review-preview-button", reason="  ")
    assert "Give a reason" in json.dumps(refused)
    shown = decide(client, "review-preview-button", reason="wrong key in the bank")
    pending = shown["review-pending"]["data"]
    assert pending == {"item": demo.MISKEYED, "action": "void", "value": "", "withdraw": None,
                       "reason": "wrong key in the bank"}
    assert "candidate(s) change outcome" in json.dumps(shown["review-preview"]["children"])
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        assert committee.list_decisions(s, demo.ADMIN_CODE) == []  # the preview stored nothing
    cancelled = decide(client, "review-cancel-button", pending=pending)
    assert "Nothing was recorded" in json.dumps(cancelled)
    done = decide(client, "review-confirm-button", pending=pending)
    assert "Recorded: decision" in json.dumps(done) and done["review-refresh"]["data"] == 1
    with Session(engine) as s:
        (d,) = committee.list_decisions(s, demo.ADMIN_CODE)
    engine.dispose()
    assert (d.item, d.action, d.decided_by, d.reason) == (demo.MISKEYED, "void", "m.jansen", "wrong key in the bank")


def test_an_impossible_decision_is_a_message_in_the_page(client) -> None:
    login(client, "m.jansen")
    refused = decide(client, "review-preview-button", action="weight", weight="twee", reason="r")
    assert "a weight must be a number" in json.dumps(refused)
    assert refused["review-pending"]["data"] is None


def test_keeping_an_item_as_it_is_answers_its_flags_in_the_release_checklist(client, bank: Path) -> None:
    login(client, "m.jansen")
    shown = decide(client, "review-preview-button", action="keep", item=demo.TWO_ANSWERS,
                   reason="both answers are defensible; the key stays")
    assert "changes no score" in json.dumps(shown)
    done = decide(client, "review-confirm-button", pending=shown["review-pending"]["data"])
    assert f"Recorded: {demo.TWO_ANSWERS} is kept as it is (negative Rir" in json.dumps(done["review-action-message"])
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        kept = kept_flags(s, demo.ADMIN_CODE)
        open_items = [f.item for f in release_checklist(s, demo.ADMIN_CODE).open_items]
    engine.dispose()
    assert kept[demo.TWO_ANSWERS].by == "m.jansen"
    assert demo.TWO_ANSWERS not in open_items and demo.MISKEYED in open_items


def test_a_secretary_cannot_post_a_decision(client) -> None:
    login(client, "s.bakker")
    key = next(k for k in client.dash_app.callback_map if k.startswith("..review-preview.children"))
    response = client.post("/_dash-update-component", json={"output": key, "inputs": [], "state": []})
    assert response.status_code == 403


def test_a_weight_with_a_decimal_comma_is_previewed_and_recorded_alike(client, bank: Path) -> None:
    login(client, "m.jansen")
    shown = decide(client, "review-preview-button", action="weight", weight="0,5", reason="half weight")
    assert shown["review-pending"]["data"]["value"] == "0.5"
    decide(client, "review-confirm-button", pending=shown["review-pending"]["data"])
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        (d,) = committee.list_decisions(s, demo.ADMIN_CODE)
    engine.dispose()
    assert (d.action, d.value) == ("weight", "0.5")


def test_the_report_downloads_as_the_command_writes_it(client, bank: Path, tmp_path: Path) -> None:
    import base64

    from itembank.reports import administration_report

    login(client, "s.bakker")
    key = "..review-report-download.data...review-report-message.children.."
    body = {"output": key, "outputs": [{"id": "review-report-download", "property": "data"},
                                       {"id": "review-report-message", "property": "children"}],
            "inputs": [{"id": "review-report-html", "property": "n_clicks", "value": 1},
                       {"id": "review-report-pdf", "property": "n_clicks", "value": None}],
            "state": [{"id": "review-code", "property": "data", "value": demo.ADMIN_CODE}],
            "changedPropIds": ["review-report-html.n_clicks"]}
    sent = json.loads(client.post("/_dash-update-component", json=body).data)["response"]["review-report-download"]["data"]
    html = base64.b64decode(sent["content"]).decode("utf-8")
    assert sent["filename"] == f"report-{demo.ADMIN_CODE}.html"
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        written = administration_report(s, demo.ADMIN_CODE, tmp_path / "cli.html").read_text(encoding="utf-8")
    engine.dispose()
    # the same report, but for the moment it was made (a date/time line) and the charts' SVG ids
    assert len(html) == pytest.approx(len(written), rel=0.02) and demo.ADMIN_CODE in html
    assert "414" in html and "PROVISIONAL" in html.upper()


def test_correcting_the_key_in_the_bank_after_a_rekey_corrects_every_line(client, bank: Path) -> None:
    # The button offered after a rekey: the corrected key goes into every line of the item as a
    # draft, and the page says which versions were made (key_corrections.KeyCarry.summary).
    from itembank.services import bank as bank_service

    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        item = bank_service.get_item(s, demo.MISKEYED)
        before = {v.number for v in item.versions}
        right = next(o["label"] for o in bank_service.get_version(s, demo.MISKEYED).options
                     if o["label"] not in bank_service.get_version(s, demo.MISKEYED).key)
        decision = committee.add_decision(s, demo.ADMIN_CODE, demo.MISKEYED, "rekey", right,
                                          reason="the bank's key is wrong", actor="m.jansen")
        s.commit()
        decision_id = decision.id
    login(client, "m.jansen")
    key = next(k for k in client.dash_app.callback_map if k.startswith("..review-preview.children"))
    button = {"type": "review-carry", "decision": decision_id}
    body = {"output": key,
            "outputs": [{"id": i, "property": p} for i, p in (
                ("review-preview", "children"), ("review-pending", "data"), ("review-confirm-button", "disabled"),
                ("review-cancel-button", "disabled"), ("review-action-message", "children"), ("review-refresh", "data"))],
            "inputs": [*({"id": b, "property": "n_clicks", "value": None} for b in (
                "review-preview-button", "review-confirm-button", "review-cancel-button")),
                [{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "review-code", "property": "data", "value": demo.ADMIN_CODE},
                      {"id": "review-grid", "property": "selectedRows", "value": [{"item": demo.MISKEYED}]},
                      {"id": "review-action", "property": "value", "value": "rekey"},
                      {"id": "review-value-options", "property": "value", "value": [right]},
                      {"id": "review-value-weight", "property": "value", "value": ""},
                      {"id": "review-value-withdraw", "property": "value", "value": None},
                      {"id": "review-reason", "property": "value", "value": ""},
                      {"id": "review-pending", "property": "data", "value": None},
                      {"id": "review-refresh", "property": "data", "value": 0}],
            "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    shown = json.dumps(json.loads(response.data)["response"]["review-action-message"])
    with Session(engine) as s:
        made = sorted({v.number for v in bank_service.get_item(s, demo.MISKEYED).versions} - before)
        assert made  # a new draft in the form's line (and in every other line of the item)
        for number in made:
            v = bank_service.get_version(s, demo.MISKEYED, number)
            assert list(v.key) == [right] and v.review.status.value == "draft"
    # the page shows the service's own summary (carry_rekey_into_lines(...).summary()), naming
    # every version it made
    for number in made:
        assert str(number) in shown
    assert f"the key is corrected to {right} in every line" in shown
    engine.dispose()
