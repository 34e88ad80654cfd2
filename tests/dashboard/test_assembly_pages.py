"""The blueprint and assembly pages through plain HTTP: the grid and the gap report, a dry
assembly whose coverage is verified, freezing exactly the forms shown, an impossible request
explained, and who may do what."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from itembank.services.forms import get_form, load_pool
from itembank.storage.models import Form
from itembank.storage.db import make_engine
from tests.dashboard.test_auth import callback_request, login

BLUEPRINT = "VCA-BASIS-40"


def _key(client, prefix: str) -> str:
    return next(k for k in client.dash_app.callback_map if k.startswith(prefix))


def post(client, key: str, trigger: str, **values: object) -> dict:
    body = callback_request(client.dash_app, key, **values)
    body["changedPropIds"] = [f"{trigger}.n_clicks"]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)["response"]


def assemble(client, *, forms: int = 2, overlap: float = 0.1, objective: str = "spread_exposure",
             exclude: int | None = None) -> dict:
    return post(client, _key(client, "..asm-output"), "asm-try", **{
        "asm-try": 1, "asm-blueprint": BLUEPRINT, "asm-forms": forms, "asm-overlap": overlap, "asm-exclude": exclude,
        "asm-objective": objective, "asm-language": "nl"})


def freeze(client, shown: dict) -> dict:
    return post(client, _key(client, "..asm-frozen.children@"), "asm-freeze",
                **{"asm-freeze": 1, "asm-result": shown})


def test_the_blueprint_grid_and_gap_report(client) -> None:
    login(client, "a.dekker")
    grid = json.dumps(json.loads(client.post("/_dash-update-component", json=callback_request(
        client.dash_app, "bp-grid.children", **{"bp-choice": f"{BLUEPRINT}@1"})).data))
    assert "40 items, 40 points, 60 minutes" in grid and '"LO8"' in grid
    gap = json.loads(client.post("/_dash-update-component", json=callback_request(
        client.dash_app, "bp-gap.children", **{"bp-choice": f"{BLUEPRINT}@1", "bp-forms": 9, "bp-overlap": 0})).data)
    text = json.dumps(gap)
    # 9 forms without overlap need 9 x 40 = 360 items from 320 approved ones: some cells must be written
    assert "to-write" in text


def test_a_committee_member_assembles_and_freezes_exactly_the_forms_shown(client, bank) -> None:
    login(client, "m.jansen")
    out = assemble(client)
    shown = out["asm-result"]["data"]
    assert out["asm-freeze"]["disabled"] is False and len(shown["forms"]) == 2
    assert all(len(f) == 40 for f in shown["forms"])
    assert "Every blueprint row is met on every form" in json.dumps(out["asm-output"])
    frozen = freeze(client, shown)
    assert frozen["asm-freeze"]["disabled"] is True  # no second freeze of the same forms
    text = json.dumps(frozen["asm-frozen"])
    assert "Frozen: " in text
    codes = text.split("Frozen: ")[1].split(".")[0].split(", ")
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        for code, ids in zip(codes, shown["forms"]):
            assert sorted(fi.item_version_id for fi in get_form(s, code).items) == sorted(ids)
    engine.dispose()


def test_an_impossible_assembly_is_explained(client) -> None:
    login(client, "m.jansen")
    out = assemble(client, forms=12, overlap=0.0)
    assert "cannot be assembled" in json.dumps(out["asm-output"]) and out["asm-freeze"]["disabled"] is True


def test_assembly_is_for_the_committee(client) -> None:
    for user in ("a.dekker", "s.bakker"):
        login(client, user)
        for prefix in ("..asm-output", "..asm-frozen.children@", "..asm-objective"):
            key = _key(client, prefix)
            assert client.post("/_dash-update-component", json={"output": key, "inputs": []}).status_code == 403
        client.get("/logout")


def test_forms_that_do_not_meet_the_blueprint_are_never_frozen(client, bank) -> None:
    """The forms to freeze come back from the browser (a dcc.Store): a changed list — or a dry
    run made stale by a new blueprint version — is checked again before anything is frozen."""
    login(client, "m.jansen")
    shown = assemble(client)["asm-result"]["data"]
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        pool, _ = load_pool(s, "VCA-BASIS-2025", language="nl")
    # swap one LO1/A item of form 1 for an LO1/K item that is on neither form: LO1/A is then 1, not 2
    first = shown["forms"][0]
    out_item = next(i for i in first if (pool.at[i, "objective"], pool.at[i, "level"]) == ("LO1", "A"))
    on_forms = {i for f in shown["forms"] for i in f}
    in_item = next(i for i in pool.index if (pool.at[i, "objective"], pool.at[i, "level"]) == ("LO1", "K")
                   and i not in on_forms)
    forged = {**shown, "forms": [[in_item if i == out_item else i for i in first], shown["forms"][1]]}
    text = json.dumps(freeze(client, forged)["asm-frozen"])
    assert "failed the independent check" in text and "LO1/A" in text and "Frozen" not in text
    with Session(engine) as s:
        assert not [f for f in s.scalars(select(Form)) if f.code.startswith(BLUEPRINT)]
    engine.dispose()


def objectives(client) -> tuple[list[str], str, str]:
    out = post(client, _key(client, "..asm-objective"), "asm-blueprint",
               **{"asm-blueprint": BLUEPRINT, "asm-language": "nl", "asm-objective": "max_information"})
    return ([o["value"] for o in out["asm-objective"]["options"]], out["asm-objective"]["value"],
            out["asm-objective-note"]["children"])


def test_most_information_is_offered_only_for_calibrated_items(client, bank) -> None:
    from itembank import demo
    from itembank.services.calibrations import add_calibration, calibration_table

    login(client, "m.jansen")
    aims, chosen, note = objectives(client)
    # the demo bank stores no IRT parameters: the aim is not offered and the page says what to do
    assert "max_information" not in aims and chosen == "spread_exposure" and "itembank calibrate" in note
    # a reference form or target information is asked for by itembank assemble only
    assert aims == ["spread_exposure", "feasible"]
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        result = add_calibration(s, demo.ADMIN_CODE, model="2pl", actor="m.jansen")
        s.commit()
        table = calibration_table(s, result.calibration)
    engine.dispose()
    # the sitting's items with a positive slope count as calibrated (a reversed item does not)
    usable = int((table["a"] > 0).sum())
    assert 30 < usable <= 40
    aims, chosen, note = objectives(client)
    assert "max_information" in aims and chosen == "max_information"
    assert note.startswith(f"{usable} of the 320 approved items have stored IRT parameters")


def test_the_verification_summary_counts_each_kind_of_check_in_order() -> None:
    import pandas as pd

    from dashboard.pages.assembly import verification_summary

    report = pd.DataFrame({"check": ["number of forms", "blueprint count", "blueprint count", "blueprint count"],
                           "form": [0, 1, 1, 2], "passed": [True, True, False, True]})
    summary = verification_summary(report)
    assert summary.to_dict("records") == [{"check": "number of forms", "checks": 1, "passed": 1},
                                          {"check": "blueprint count", "checks": 3, "passed": 2}]


def test_the_coverage_heatmap_names_rows_as_the_committee_does() -> None:
    import pandas as pd

    from dashboard.pages.assembly import coverage_figure

    nan = float("nan")
    coverage = pd.DataFrame([
        dict(form=1, constraint_id="LO1/A", type="count", counts="items", condition="objective=LO1; level=A",
             lower=2, upper=2, value=1, met=False),
        dict(form=1, constraint_id="total_items", type="count", counts="items", condition="", lower=40, upper=40,
             value=40, met=True),
        dict(form=1, constraint_id="mean_p_band", type="mean", counts="p", condition="", lower=0.5, upper=None,
             value=nan, met=True)])
    heat = coverage_figure(coverage).data[0]
    assert list(heat.y) == ["LO1/A (needs 2)", "whole form: items (needs 40)", "whole form: mean p (needs ≥ 0.5)"]
    assert [row[0] for row in heat.z] == [0.0, 1.0, 1.0] and [row[0] for row in heat.text] == ["1", "40", "–"]


def test_an_item_writer_cannot_freeze_even_a_complete_dry_run(client, bank) -> None:
    login(client, "m.jansen")
    shown = assemble(client)["asm-result"]["data"]
    client.get("/logout")
    login(client, "a.dekker")
    body = callback_request(client.dash_app, _key(client, "..asm-frozen.children@"),
                            **{"asm-freeze": 1, "asm-result": shown})
    body["changedPropIds"] = ["asm-freeze.n_clicks"]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 403 and b"Frozen" not in response.data
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as s:
        assert not [f for f in s.scalars(select(Form)) if f.code.startswith(BLUEPRINT)]
    engine.dispose()
