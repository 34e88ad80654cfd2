"""The item writers' pages through plain HTTP: browse and search the bank, edit an item (the
next version; a stale edit is refused with both texts), review steps under the four-eyes rule,
the reviewer's queue, and who may do what."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from itembank.services import bank as item_bank
from itembank.storage.db import make_engine
from tests.dashboard.test_auth import callback_request, login

CODE = "VCA-LO2-K-01"


def post(client, body: dict) -> dict:
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)["response"]


def output_key(client, startswith: str) -> str:
    return next(k for k in client.dash_app.callback_map if k.startswith(startswith))


def step(client, to: str, number: int, comment: str = "checked") -> str:
    """Press one review-step button on the item page of CODE."""
    key = output_key(client, "..bank-item-message.children...bank-item-refresh")
    buttons = [{"id": {"type": "bank-step", "to": s}, "property": "n_clicks", "value": 1 if s == to else None}
               for s in ("in_review", "approved", "draft", "retired")]
    body = {"output": key, "outputs": [{"id": "bank-item-message", "property": "children"},
                                       {"id": "bank-item-refresh", "property": "data"}],
            "inputs": buttons,
            "state": [{"id": "bank-item-code", "property": "data", "value": CODE},
                      {"id": "bank-item-version", "property": "value", "value": number},
                      {"id": "bank-item-comment", "property": "value", "value": comment},
                      {"id": "bank-item-refresh", "property": "data", "value": 0}],
            "changedPropIds": [json.dumps({"to": to, "type": "bank-step"}, separators=(",", ":")) + ".n_clicks"]}
    return json.dumps(post(client, body))


def edit(client, base: int, stem: str, note: str = "clearer stem", language: str = "nl",
         variant: str = "standard", max_score: str = "1", objective: str = "LO2", level: str = "K",
         topic: str = "risk-assessment", code: str | None = None, seen: dict[str, int] | None = None,
         up_to_date: list[int] | None = None) -> str:
    """Press 'save' in the edit form of CODE (options 'option A'..'option D', key B); ``seen`` is
    the newest version per line the form was drawn with, ``up_to_date`` the ticked source version."""
    key = output_key(client, "..bank-item-message.children@")
    options = [{"id": {"type": "bank-edit-option", "label": x}, "property": "value", "value": f"option {x}"}
               for x in "ABCD"]
    body = {"output": key, "outputs": [{"id": "bank-item-message", "property": "children"},
                                       *({"id": i, "property": p} for i in ("bank-item-version", "bank-diff-a",
                                                                             "bank-diff-b")
                                         for p in ("options", "value"))],
            "inputs": [{"id": "bank-edit-save", "property": "n_clicks", "value": 1}],
            "state": [{"id": "bank-item-code", "property": "data", "value": CODE},
                      {"id": "bank-edit-base", "property": "data", "value": base},
                      {"id": "bank-edit-stem", "property": "value", "value": stem},
                      options,
                      {"id": "bank-edit-key", "property": "value", "value": "B"},
                      {"id": "bank-edit-note", "property": "value", "value": note},
                      {"id": "bank-edit-language", "property": "value", "value": language},
                      {"id": "bank-edit-variant", "property": "value", "value": variant},
                      {"id": "bank-edit-max-score", "property": "value", "value": max_score},
                      {"id": "bank-edit-objective", "property": "value", "value": objective},
                      {"id": "bank-edit-level", "property": "value", "value": level},
                      {"id": "bank-edit-topic", "property": "value", "value": topic},
                      {"id": "bank-edit-lines", "property": "data", "value": seen},
                      {"id": "bank-edit-up-to-date", "property": "value", "value": up_to_date or []}],
            "changedPropIds": ["bank-edit-save.n_clicks"]}
    if code:
        body["state"][0]["value"] = code
    return json.dumps(post(client, body))


def route(client, path: str) -> str:
    return json.dumps(post(client, callback_request(client.dash_app, "page-content.children", url=path)))


def test_a_writer_lands_on_the_bank_and_searches_it(client) -> None:
    login(client, "a.dekker")
    assert "bank-grid" in route(client, "/")  # a writer's home page is the bank
    out = "..bank-grid.rowData...bank-count.children.."
    every = post(client, callback_request(client.dash_app, out))["bank-grid"]["rowData"]
    assert len(every) == 320 and len({r["code"] for r in every}) == 320
    lo3 = post(client, callback_request(client.dash_app, out, **{"bank-tag": "objective:LO3"}))["bank-grid"]["rowData"]
    assert lo3 and all(r["objective"] == "LO3" for r in lo3) and len(lo3) < len(every)
    one = post(client, callback_request(client.dash_app, out, **{"bank-text": CODE.lower()}))["bank-grid"]["rowData"]
    assert [r["code"] for r in one] == [CODE]


def test_an_edit_saves_the_next_version_and_a_stale_edit_shows_both_texts(client, bank: Path) -> None:
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        current = item_bank.get_item(s, CODE).current_number
    login(client, "a.dekker")
    saved = edit(client, current, "Welke handschoen beschermt tegen snijwonden?")
    assert f"Saved: {CODE} version {current + 1}" in saved
    with Session(engine) as s:
        v = item_bank.get_version(s, CODE)
        assert (v.number, v.author, v.review.status.value, v.stem) == (
            current + 1, "a.dekker", "draft", "Welke handschoen beschermt tegen snijwonden?")
    stale = edit(client, current, "Een andere tekst van een collega?")  # started from the old version
    assert "has been saved since" in stale and "Welke" in stale and "collega" in stale  # both texts
    with Session(engine) as s:
        assert item_bank.get_item(s, CODE).current_number == current + 1  # nothing overwritten
    engine.dispose()


def test_review_steps_obey_the_four_eyes_rule_and_fill_the_queue(client, bank: Path) -> None:
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        current = item_bank.get_item(s, CODE).current_number
    login(client, "a.dekker")
    edit(client, current, "Welke handschoen beschermt tegen snijwonden?")
    new = current + 1
    assert "Write a comment" in step(client, "in_review", new, comment="  ")
    assert f"{CODE} version {new} is now in_review" in step(client, "in_review", new)
    assert "own author (four-eyes rule)" in step(client, "approved", new)
    assert CODE not in route(client, "/bank/review")  # not in her own queue
    client.get("/logout")
    login(client, "m.jansen")
    assert CODE in route(client, "/bank/review")
    assert "is now approved" in step(client, "approved", new, comment="clear now")
    with Session(engine) as s:
        assert item_bank.get_version(s, CODE).review.status.value == "approved"
        history = [(h.actor, h.detail) for h in item_bank.item_history(s, CODE) if h.version == new]
    engine.dispose()
    assert history[-1] == ("m.jansen", "in_review -> approved: clear now")


@pytest.mark.parametrize("username", ["admin"])
def test_roles_without_the_bank_get_no_item_text(client, username: str) -> None:
    login(client, username)
    page = route(client, f"/bank/item/{CODE}")
    assert "not for your role" in page and "Welke" not in page
    response = client.post("/_dash-update-component", json=callback_request(
        client.dash_app, "..bank-grid.rowData...bank-count.children.."))
    assert response.status_code == 403 and b"VCA-" not in response.data


def test_the_secretary_reads_the_bank_but_may_not_edit_or_review(client) -> None:
    login(client, "s.bakker")
    assert "bank-grid" in route(client, "/bank")
    page = route(client, f"/bank/item/{CODE}")
    assert CODE in page
    response = client.post("/_dash-update-component", json={"output": output_key(client, "..bank-item-message.children@"),
                                                             "inputs": [], "state": []})
    assert response.status_code == 403


def _upload(client, name: str, data: bytes) -> str:
    import base64

    body = callback_request(client.dash_app, "..bank-import-message.children...bank-text.value..",
                            **{"bank-upload": "data:text/csv;base64," + base64.b64encode(data).decode()})
    body["state"] = [{"id": "bank-upload", "property": "filename", "value": name}]
    body["inputs"][0]["property"] = "contents"
    return json.dumps(post(client, body))


def test_an_items_file_is_imported_all_or_nothing_with_the_cli_s_messages(client, bank: Path) -> None:
    login(client, "a.dekker")
    header = "code,status,language,stem,option_A,option_B,key,specification,objective\n"
    bad = header + "NEW-1,draft,nl,Wat is een RI&E?,Een risico-inventarisatie,Een regel,A,VCA-BASIS-2025,LO1\n" \
                   "NEW-2,draft,nl,Wie is BHV'er?,Een hulpverlener,Een monteur,C,VCA-BASIS-2025,LO1\n"
    shown = _upload(client, "nieuwe-items.csv", bad.encode())
    assert "nieuwe-items.csv, row 3, column 'key'" in shown and "Nothing was written" in shown
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        assert not item_bank.find_versions(s, text="NEW-1")  # all or nothing: the good row was not kept either
    good = bad.replace("Een monteur,C,", "Een monteur,A,")
    assert "2 new items" in _upload(client, "nieuwe-items.csv", good.encode())
    with Session(engine) as s:
        assert [v.item.code for v in item_bank.find_versions(s, text="NEW-")] == ["NEW-1", "NEW-2"]
        assert item_bank.get_version(s, "NEW-1").author == "a.dekker"
    engine.dispose()


def test_the_items_shown_download_as_the_cli_exports_them(client, bank: Path, tmp_path: Path) -> None:
    import base64

    from itembank.io import item_files

    login(client, "s.bakker")
    rows = [{"code": CODE}, {"code": "VCA-LO1-A-01"}]
    body = callback_request(client.dash_app, "bank-download.data", **{"bank-export-csv": 1, "bank-grid": rows,
                                                                      "bank-all": []})
    body["changedPropIds"] = ["bank-export-csv.n_clicks"]
    sent = post(client, body)["bank-download"]["data"]
    downloaded = base64.b64decode(sent["content"]).decode("utf-8-sig")
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        item_files.export_items(s, tmp_path / "cli.csv", codes=["VCA-LO1-A-01", CODE], latest_only=True)
    engine.dispose()
    assert sent["filename"] == "items.csv"
    assert downloaded.splitlines() == (tmp_path / "cli.csv").read_text(encoding="utf-8-sig").splitlines()
    # header + the two items shown, each line of an item its own row: CODE has one line,
    # VCA-LO1-A-01 three (Dutch source v1, English v2, Dutch read-aloud v3; the demo)
    import csv
    import io

    assert [(r["code"], r["version"], r["language"], r["variant"]) for r in csv.DictReader(io.StringIO(downloaded))] == [
        ("VCA-LO1-A-01", "1", "nl", "standard"), ("VCA-LO1-A-01", "2", "en", "standard"),
        ("VCA-LO1-A-01", "3", "nl", "read_aloud"), (CODE, "1", "nl", "standard")]


def test_the_item_page_shows_the_statistics_stored_at_release(client, bank: Path) -> None:
    from itembank import demo
    from itembank.services import item_statistics, results

    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        results.release_results(s, demo.ADMIN_CODE, actor="s.bakker")
        s.commit()
        stored = item_statistics.get_history(s, "VCA-LO1-A-01")
    engine.dispose()
    login(client, "a.dekker")
    body = callback_request(client.dash_app, "bank-item-stats.children", **{"bank-item-code": "VCA-LO1-A-01",
                                                                            "bank-item-refresh": 0})
    shown = json.dumps(post(client, body))
    (p,) = stored["p"]
    assert f'"{p:.2f}"' in shown and demo.ADMIN_CODE in shown and "provisional" not in shown


def test_a_translation_is_compared_side_by_side(client) -> None:
    login(client, "a.dekker")
    # VCA-LO1-A-02: version 1 in Dutch, version 2 its English translation (the demo)
    body = callback_request(client.dash_app, "bank-diff.children", **{"bank-diff-a": 1, "bank-diff-b": 2,
                                                                      "bank-item-refresh": 0,
                                                                      "bank-item-code": "VCA-LO1-A-02"})
    shown = json.dumps(post(client, body))
    assert "diff-old" in shown and "diff-new" in shown and "Ins" not in shown  # two texts, no word diff
    assert "language nl" in shown and "language en" in shown


def test_a_translation_is_saved_as_a_version_of_the_same_item(client, bank: Path) -> None:
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        current = item_bank.get_item(s, CODE).current_number
    login(client, "a.dekker")
    saved = edit(client, current, "Which glove protects against cuts?", note="English translation", language="en")
    assert f"version {current + 1}" in saved
    with Session(engine) as s:
        v = item_bank.get_version(s, CODE)
        assert (v.language, v.variant.value, v.key) == ("en", "standard", ["B"])
    engine.dispose()


def _new_item(client, **fields) -> str:
    values = {"bank-new-save": 1, "bank-new-code": "VCA-LO1-K-99", "bank-new-spec": "VCA-BASIS-2025",
              "bank-new-objective": "LO1", "bank-new-level": "K", "bank-new-topic": "", "bank-new-language": "nl",
              "bank-new-stem": "Wie is verantwoordelijk voor de RI&E?", "bank-new-option-A": "De werkgever",
              "bank-new-option-B": "De werknemer", "bank-new-option-C": "De klant", "bank-new-option-D": "",
              "bank-new-key": "A", **fields}
    body = callback_request(client.dash_app, "bank-new-message.children", **values)
    body["changedPropIds"] = ["bank-new-save.n_clicks"]
    return json.dumps(post(client, body))


def test_a_writer_writes_a_new_item_as_a_draft(client, bank: Path) -> None:
    login(client, "a.dekker")
    assert "key E is not among the options" in _new_item(client, **{"bank-new-key": "E"})
    assert "Give the new item a code" in _new_item(client, **{"bank-new-code": " "})
    assert "Saved: VCA-LO1-K-99 version 1" in _new_item(client)
    assert "already exists" in _new_item(client)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        v = item_bank.get_version(s, "VCA-LO1-K-99")
        assert (v.author, v.review.status.value, v.key, sorted(t.code for t in v.tags)) == (
            "a.dekker", "draft", ["A"], ["K", "LO1"])
    engine.dispose()


def test_an_edit_changes_max_score_and_tags_and_the_history_shows_the_tag_change(client, bank: Path) -> None:
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        current = item_bank.get_item(s, CODE).current_number  # demo: objective LO2, level K, topic risk-assessment
    login(client, "a.dekker")
    refused = edit(client, current, "Wat is een risico?", objective="LO2, LO9", level="X")
    assert ("unknown objective code 'LO9' in specification 'VCA-BASIS-2025'" in refused
            and "unknown level code 'X'" in refused and "A, K" in refused)
    assert "maximum score" in edit(client, current, "Wat is een risico?", max_score="veel").lower()
    saved = edit(client, current, "Wat is een risico?", max_score="1,5", objective="LO3", level="A",
                 note="reclassified")
    assert f"version {current + 1}" in saved
    with Session(engine) as s:
        new, old = item_bank.get_version(s, CODE), item_bank.get_version(s, CODE, current)
        assert (new.max_score, sorted(t.code for t in new.tags)) == (Decimal("1.5"), ["A", "LO3", "risk-assessment"])
        assert (old.max_score, sorted(t.code for t in old.tags)) == (Decimal(1), ["K", "LO2", "risk-assessment"])
    engine.dispose()
    body = callback_request(client.dash_app, output_key(client, "bank-item-history.children"),
                            **{"bank-item-code": CODE, "bank-item-refresh": 1})
    shown = json.dumps(post(client, body))
    assert "tags changed" in shown and "+objective LO3, +level A, -objective LO2, -level K" in shown


def _relations(client, code: str = CODE) -> str:
    body = callback_request(client.dash_app, "..bank-item-relations.children...bank-item-set-box.children..",
                            **{"bank-item-code": code, "bank-enemy-refresh": 0})
    return json.dumps(post(client, body))


def _enemy(client, *, add: bool = False, remove: str | None = None, other: str = "", reason: str = "") -> tuple[int, str]:
    """Press 'add enemy pair' or one pair's 'remove' button on the item page of CODE."""
    key = output_key(client, "..bank-enemy-message.children")
    body = {"output": key, "outputs": [{"id": "bank-enemy-message", "property": "children"},
                                       {"id": "bank-enemy-refresh", "property": "data"},
                                       {"id": "bank-enemy-code", "property": "value"},
                                       {"id": "bank-enemy-reason", "property": "value"}],
            "inputs": [{"id": "bank-enemy-add", "property": "n_clicks", "value": 1 if add else None},
                       [{"id": {"type": "bank-enemy-remove", "other": remove}, "property": "n_clicks", "value": 1}]
                       if remove else []],
            "state": [{"id": "bank-item-code", "property": "data", "value": CODE},
                      {"id": "bank-enemy-code", "property": "value", "value": other},
                      {"id": "bank-enemy-reason", "property": "value", "value": reason},
                      {"id": "bank-enemy-refresh", "property": "data", "value": 0}],
            "changedPropIds": [json.dumps({"other": remove, "type": "bank-enemy-remove"}, separators=(",", ":"))
                               + ".n_clicks" if remove else "bank-enemy-add.n_clicks"]}
    response = client.post("/_dash-update-component", json=body)
    return response.status_code, response.data.decode()


def test_the_item_page_shows_enemy_pairs_and_a_writer_adds_and_removes_one(client, bank: Path) -> None:
    login(client, "a.dekker")
    shown = _relations(client)  # the demo: VCA-LO2-K-01 and -02 ask the same fact
    assert "VCA-LO2-K-02" in shown and "same fact asked twice" in shown and "bank-enemy-remove" in shown
    assert "Not part of an item set" in shown
    assert "say why" in _enemy(client, add=True, other="VCA-LO2-K-03")[1]  # a reason is required
    assert "no item with code 'NOPE'" in _enemy(client, add=True, other="NOPE", reason="x")[1]
    status, text = _enemy(client, add=True, other=" VCA-LO2-K-03 ", reason="K-03 gives away the answer")
    assert status == 200 and "are now an enemy pair" in text
    assert "VCA-LO2-K-03" in _relations(client) and "VCA-LO2-K-01" in _relations(client, "VCA-LO2-K-03")
    assert "no longer an enemy pair" in _enemy(client, remove="VCA-LO2-K-02", reason="K-02 was rewritten")[1]
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        assert [(e.code, e.reason) for e in item_bank.enemies(s, CODE)] == [("VCA-LO2-K-03", "K-03 gives away the answer")]
        history = [(h.actor, h.what, h.detail) for h in item_bank.item_history(s, "VCA-LO2-K-02")]
    engine.dispose()
    assert history[-1] == ("a.dekker", "enemy pair removed", f"{CODE}: K-02 was rewritten")
    client.get("/logout")
    login(client, "s.bakker")  # the secretary reads the pairs but has no remove button and may not change them
    shown = _relations(client)
    assert "VCA-LO2-K-03" in shown and "bank-enemy-remove" not in shown
    assert _enemy(client, add=True, other="VCA-LO2-K-04", reason="x")[0] == 403


def test_the_item_page_shows_the_item_set_with_its_stimulus(client, bank: Path) -> None:
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        item_bank.add_item_set(s, "CASE-1", title="Steiger op de bouwplaats", stimulus="Een steiger van 6 meter.",
                               actor="m.jansen")
        item_bank.add_item(s, "CASE-1-Q1", item_bank.ItemContent(stem="Is de steiger veilig?", options=(
            ("A", "Ja"), ("B", "Nee")), key=("B",)), author="m.jansen", item_set="CASE-1")
        s.commit()
    engine.dispose()
    login(client, "a.dekker")
    shown = _relations(client, "CASE-1-Q1")
    assert "CASE-1 \\u2014 Steiger op de bouwplaats" in shown and "Een steiger van 6 meter." in shown
    assert "No enemy pairs" in shown


def test_a_translation_shows_the_source_beside_the_inputs(client) -> None:
    login(client, "a.dekker")
    form = json.dumps(post(client, callback_request(
        client.dash_app, "bank-edit-form.children", **{"bank-item-version": 1, "bank-item-code": CODE})))
    assert "bank-edit-source-stem" in form and "Wat is het verschil tussen een gevaar en een risico?" in form
    key = "bank-edit-fields.className"

    def view(language: str, variant: str) -> str:
        body = callback_request(client.dash_app, key, **{"bank-edit-language": language, "bank-edit-variant": variant,
                                                         "bank-edit-source-of": ["nl", "standard"]})
        return post(client, body)["bank-edit-fields"]["className"]

    assert view("nl", "standard") == "edit-fields"
    assert view("en", "standard") == "edit-fields translating"
    assert view("nl", "read_aloud") == "edit-fields translating"
    client.get("/logout")
    login(client, "s.bakker")  # a reader gets the version but no edit form, and not the editor's callback
    form = json.dumps(post(client, callback_request(
        client.dash_app, output_key(client, "..bank-item-content.children"),
        **{"bank-item-version": 1, "bank-item-refresh": 0, "bank-item-code": CODE})))
    assert "Wat is het verschil" in form and "bank-edit-stem" not in form
    assert client.post("/_dash-update-component", json=callback_request(
        client.dash_app, "bank-edit-form.children", **{"bank-item-version": 1, "bank-item-code": CODE})).status_code == 403
    assert client.post("/_dash-update-component", json=callback_request(
        client.dash_app, key, **{"bank-edit-language": "en", "bank-edit-source-of": ["nl", "standard"]})).status_code == 403


# The callbacks this page added, with what they need (tests/dashboard/test_auth.py also checks every
# callback x role; here each is called with a real item so a refusal is not an accident of empty input).
NEW_CALLBACKS = {
    "bank-edit-fields.className": ("edit", {"bank-edit-language": "en", "bank-edit-source-of": ["nl", "standard"]}),
    "bank-edit-form.children": ("edit", {"bank-item-version": 1, "bank-item-code": CODE}),
    "bank-item-lines.children": ("read", {"bank-item-version": 1, "bank-item-code": CODE}),
    "..bank-set-message.children...bank-enemy-refresh.data@": (
        "edit", {"bank-item-code": CODE, "bank-set-save": 1, "bank-set-code": "CASE-9", "bank-set-reason": "x"}),
    "..bank-item-relations.children...bank-item-set-box.children..": ("read", {"bank-item-code": CODE}),
    "bank-item-history.children": ("read", {"bank-item-code": CODE, "bank-item-refresh": 1}),
    "..bank-enemy-message.children...bank-enemy-refresh.data...bank-enemy-code.value...bank-enemy-reason.value..": (
        "edit", {"bank-item-code": CODE, "bank-enemy-add": 1, "bank-enemy-code": "VCA-LO2-K-03",
                 "bank-enemy-reason": "gives it away"}),
}


@pytest.mark.parametrize("username", ["admin", "s.bakker", "a.dekker", "m.jansen"])
def test_each_new_callback_refuses_the_roles_without_its_permission(client, bank: Path, username: str) -> None:
    login(client, username)
    may = {"admin": set(), "s.bakker": {"read"}, "a.dekker": {"read", "edit"}, "m.jansen": {"read", "edit"}}[username]
    for prefix, (needs, values) in NEW_CALLBACKS.items():
        output = output_key(client, prefix) if "@" in prefix else prefix  # allow_duplicate outputs carry a hash
        assert output in client.dash_app.callback_map, output
        response = client.post("/_dash-update-component", json=callback_request(client.dash_app, output, **values))
        if needs in may:
            assert response.status_code == 200, (username, output)
        else:
            assert response.status_code == 403 and b"VCA-" not in response.data, (username, output)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:  # the enemy pair was added only by the roles that may
        added = [e.code for e in item_bank.enemies(s, CODE)]
    engine.dispose()
    assert ("VCA-LO2-K-03" in added) == ("edit" in may)


def _component(tree, component_id: str):
    """The props of the component with ``component_id`` in a rendered layout (JSON), or None."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props
        tree = list(tree.values())
    if isinstance(tree, list):
        for value in tree:
            found = _component(value, component_id)
            if found is not None:
                return found
    return None


def _lines(client, version: int, code: str = "VCA-LO1-A-02") -> str:
    return json.dumps(post(client, callback_request(client.dash_app, "bank-item-lines.children",
                                                    **{"bank-item-version": version, "bank-item-code": code})))


def test_the_item_page_opens_on_the_source_and_marks_a_translation_of_an_older_source(client, bank: Path) -> None:
    """VCA-LO1-A-02 (the demo): v1 Dutch, v2 its English translation. After a Dutch revision (v3,
    based on v1: no conflict with the English v2) the English line is out of date until the
    translator ticks that an edit brings it up to date with v3."""
    code = "VCA-LO1-A-02"
    login(client, "a.dekker")
    page = json.loads(route(client, f"/bank/item/{code}"))
    assert _component(page, "bank-item-version")["value"] == 1  # the Dutch source, not the newer English v2
    english = {"en|standard": 2, "nl|standard": 1}
    saved = edit(client, 1, "Een duidelijkere vraag?", code=code, objective="LO1", level="A", topic="", seen=english)
    assert f"Saved: {code} version 3" in saved  # the Dutch source revised after the translation: no conflict
    lines = _lines(client, 3)
    assert "Dutch (standard)" in lines and "English (standard)" in lines and "source" in lines
    assert "out of date: the source has changed since (v1 \\u2192 v3)" in lines
    content = json.dumps(post(client, callback_request(
        client.dash_app, output_key(client, "..bank-item-content.children"),
        **{"bank-item-version": 2, "bank-item-refresh": 0, "bank-item-code": code})))
    assert "bank-item-out-of-date" in content and "(v1 \\u2192 v3)" in content
    form = json.dumps(post(client, callback_request(client.dash_app, "bank-edit-form.children",
                                                    **{"bank-item-version": 2, "bank-item-code": code})))
    # the translation's editor shows the newest source (v3) beside the inputs and offers the tick
    assert "Een duidelijkere vraag?" in form and "up to date with source version 3" in form
    stale = edit(client, 1, "Nog een vraag?", code=code, objective="LO1", level="A", topic="")
    assert "the newest Dutch (standard) version is 3, you edited 1" in stale and "Een duidelijkere vraag?" in stale
    fixed = edit(client, 2, "A clearer question?", code=code, language="en", objective="LO1", level="A", topic="",
                 seen={"en|standard": 2, "nl|standard": 3}, up_to_date=[3])
    assert f"Saved: {code} version 4" in fixed
    assert "out of date" not in _lines(client, 4)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        assert item_bank.translations(s, code)[4] == 3
    engine.dispose()


def test_a_translation_into_a_line_a_colleague_saved_meanwhile_is_a_conflict(client, bank: Path) -> None:
    code = "VCA-LO1-A-02"
    login(client, "a.dekker")
    # the form was drawn when the item had no read-aloud line; a colleague saves one meanwhile
    drawn = {"nl|standard": 1, "en|standard": 2}
    first = edit(client, 1, "Voorgelezen vraag?", code=code, variant="read_aloud", objective="LO1", level="A",
                 topic="", seen=drawn)
    assert f"Saved: {code} version 3" in first
    second = edit(client, 1, "Mijn voorgelezen vraag?", code=code, variant="read_aloud", objective="LO1", level="A",
                  topic="", seen=drawn)
    assert "the newest Dutch (read-aloud) version is 3, you saw none" in second and "Voorgelezen vraag?" in second


def test_a_writer_moves_an_item_into_an_item_set(client, bank: Path) -> None:
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        item_bank.add_item_set(s, "CASE-1", title="Steiger", stimulus="Een steiger van 6 meter.", actor="m.jansen")
        s.commit()
    login(client, "a.dekker")
    key = output_key(client, "..bank-set-message.children...bank-enemy-refresh.data@")

    def move(set_code: str, reason: str) -> str:
        body = callback_request(client.dash_app, key, **{"bank-item-code": CODE, "bank-set-save": 1,
                                                         "bank-set-code": set_code, "bank-set-reason": reason,
                                                         "bank-enemy-refresh": 0})
        return json.dumps(post(client, body))

    assert "say why" in move("CASE-1", "")
    assert f"{CODE} is now in item set CASE-1." in move("CASE-1", "uses the scaffold case")
    assert "CASE-1" in _relations(client) and "Een steiger van 6 meter." in _relations(client)
    assert f"{CODE} is now in no item set." in move("", "case dropped")
    with Session(engine) as s:
        moves = [(h.actor, h.detail) for h in item_bank.item_history(s, CODE) if h.what == "item set"]
    engine.dispose()
    assert moves == [("a.dekker", "(none) -> CASE-1: uses the scaffold case"), ("a.dekker", "CASE-1 -> (none): case dropped")]


def test_the_review_queue_marks_a_translation_of_an_older_source(client, bank: Path) -> None:
    code = "VCA-LO1-A-02"
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        item_bank.revise_item(s, code, based_on=2, author="a.dekker", change_note="English typo", stem="Which one?")
        item_bank.set_status(s, code, 3, "in_review", actor="a.dekker", comment="ready")
        s.commit()
    login(client, "m.jansen")
    assert "out of date" not in route(client, "/bank/review")
    with Session(engine) as s:
        item_bank.revise_item(s, code, based_on=1, author="p.dewit", change_note="clearer", stem="Welke?")
        s.commit()
    engine.dispose()
    queue = route(client, "/bank/review")
    assert code in queue and "out of date: the source has changed since (v1 \\u2192 v4)" in queue


def test_only_a_change_of_the_version_shown_redraws_the_edit_form(client) -> None:
    """A review step (or any other refresh) must not throw away what a writer typed: the edit form's
    only input is the version shown, which changes when a line is chosen or after a save."""
    inputs = client.dash_app.callback_map["bank-edit-form.children"]["inputs"]
    assert [(i["id"], i["property"]) for i in inputs] == [("bank-item-version", "value")]


def test_a_line_s_button_shows_its_newest_version(client) -> None:
    login(client, "s.bakker")  # reading is enough
    key = output_key(client, "bank-item-version.value@")
    button = {"type": "bank-line-show", "version": 2}
    body = {"output": key, "outputs": {"id": "bank-item-version", "property": "value"},
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]], "state": [],
            "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}
    assert post(client, body)["bank-item-version"]["value"] == 2
    client.get("/logout")
    assert client.post("/_dash-update-component", json=body).status_code in (401, 403)


def test_the_grid_shows_each_item_s_source_line_with_its_languages(client, bank: Path) -> None:
    """VCA-LO1-A-02 (the demo): v1 Dutch (the source), v2 its English translation saved later.
    The grid shows v1 with its languages "nl, en", not the newer English v2; the language filter
    still finds the English line; after a Dutch revision the English line is marked out of date."""
    code = "VCA-LO1-A-02"
    login(client, "a.dekker")
    out = "..bank-grid.rowData...bank-count.children.."

    def grid(**filters) -> list[dict]:
        return post(client, callback_request(client.dash_app, out, **{"bank-text": code.lower(), **filters}))[
            "bank-grid"]["rowData"]

    assert [(r["version"], r["language"], r["lines"]) for r in grid()] == [(1, "nl", "nl, en")]
    assert [(r["version"], r["language"], r["lines"]) for r in grid(**{"bank-language": "en"})] == [(2, "en", "nl, en")]
    assert [r["version"] for r in grid(**{"bank-all": ["all"]})] == [1, 2]
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        item_bank.revise_item(s, code, based_on=1, author="a.dekker", change_note="clearer", stem="Een betere vraag?")
        s.commit()
    engine.dispose()
    assert [(r["version"], r["status"], r["lines"]) for r in grid()] == [(3, "draft", "nl, en (out of date)")]
    assert "Languages" in route(client, "/bank")


def test_items_list_shows_the_source_line_with_its_languages(bank: Path) -> None:
    from typer.testing import CliRunner

    from itembank.cli import app

    code = "VCA-LO1-A-02"
    runner = CliRunner()
    listed = runner.invoke(app, ["items", "list", "--text", code, "--db", str(bank)])
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if line.startswith(code))
    assert row.split()[:5] == [code, "1", "approved", "nl", "nl,"] and " nl, en " in row
    english = runner.invoke(app, ["items", "list", "--text", code, "--language", "en", "--db", str(bank)])
    fields = next(line for line in english.output.splitlines() if line.startswith(code)).split()
    assert (fields[0], fields[1], fields[3]) == (code, "2", "en")  # the English line's newest version
