"""The cut-score page over plain HTTP (no browser): what each callback answers, on a copy of
the demo bank (600 candidates, 40 four-option one-point items, cut 70 % = 28 of 40).

Hand-computed figures: the chance score is 40 x 1/4 = 10, so 55 % above chance is
10 + 0.55 x 30 = 26.5; the pass rate at a cut is counted directly from the scoring core's totals.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from itembank import demo
from itembank.services import committee
from itembank.services.administration_data import load_administration
from itembank.storage.db import make_engine
from tests.dashboard.test_auth import ROUTE, callback_request, login

CODE = demo.ADMIN_CODE
PAGE = f"/sitting/{CODE}/cut-score"
LOAD = "..cut-headline.children...cut-distribution.figure...cut-pass-rate.figure...cut-conversion.children.."
FIXED = ('..cut-result-fixed_percentage.children...{"method":"fixed_percentage","type":"cut-rule"}.data'
         '...{"method":"fixed_percentage","type":"cut-use"}.disabled..')
COHEN = ('..cut-result-cohen_schotanus.children...{"method":"cohen_schotanus","type":"cut-rule"}.data'
         '...{"method":"cohen_schotanus","type":"cut-use"}.disabled..')
RATINGS = ('..cut-result-ratings.children...{"method":"ratings","type":"cut-rule"}.data'
           '...{"method":"ratings","type":"cut-use"}.disabled..')
PROPOSE = ("..cut-preview.children...cut-preview-box.hidden...cut-pending.data...cut-confirm-button.disabled"
           "...cut-cancel-button.disabled...cut-action-message.children...cut-refresh.data..")
FIX = "..cut-fix-message.children...cut-fix-refresh.data.."
METHODS = ("fixed_percentage", "cohen_schotanus", "hofstee", "beuk", "ratings", "direct")


@pytest.fixture
def totals(bank: Path):
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        result = load_administration(session, CODE).score()
    engine.dispose()
    return result.total


def request_for(app, output: str, **values: object) -> dict:
    """:func:`callback_request`, with the pattern-matching output ids as the browser sends them (objects)."""
    request = callback_request(app, output, **values)
    outputs = request["outputs"] if isinstance(request["outputs"], list) else [request["outputs"]]
    for o in outputs:
        if o["id"].startswith("{"):
            o["id"] = json.loads(o["id"])
    return request


def post(client, output: str, **values: object) -> dict:
    response = client.post("/_dash-update-component", json=request_for(client.dash_app, output, **values))
    assert response.status_code == 200, response.data[:500]
    return json.loads(response.data)["response"]


def text(component: object) -> str:
    """All the text in a serialised Dash component tree."""
    if isinstance(component, str):
        return component
    if isinstance(component, (int, float)):
        return str(component)
    if isinstance(component, list):
        return " ".join(text(c) for c in component)
    if isinstance(component, dict):
        return text(component.get("props", {}).get("children")) if "props" in component else ""
    return ""


def propose_request(app, *, use: str | None = None, rule: dict | None = None, confirm: int | None = None,
                    cancel: int | None = None, reason: str | None = None, pending: dict | None = None) -> dict:
    """The "use this cut" / confirm / cancel request as the browser posts it (pattern-matching ids)."""
    def key(method: str, kind: str) -> dict:
        return {"method": method, "type": kind}

    inputs = [[{"id": key(m, "cut-use"), "property": "n_clicks", "value": 1 if m == use else None} for m in METHODS],
              {"id": "cut-confirm-button", "property": "n_clicks", "value": confirm},
              {"id": "cut-cancel-button", "property": "n_clicks", "value": cancel}]
    state = [[{"id": key(m, "cut-rule"), "property": "data",
               "value": {"rule": rule, "method": m} if m == use and rule else None} for m in METHODS],
             {"id": "cut-code", "property": "data", "value": CODE},
             {"id": "cut-reason", "property": "value", "value": reason},
             {"id": "cut-pending", "property": "data", "value": pending},
             {"id": "cut-refresh", "property": "data", "value": 0}]
    if use:
        changed = [json.dumps(key(use, "cut-use"), separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    else:
        changed = ["cut-confirm-button.n_clicks" if confirm else "cut-cancel-button.n_clicks"]
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in PROPOSE[2:-2].split("...")]
    return {"output": PROPOSE, "outputs": outputs, "inputs": inputs, "state": state, "changedPropIds": changed}


def test_the_page_and_its_methods_are_laid_out_for_the_committee(client) -> None:
    login(client, "m.jansen")
    page = client.post("/_dash-update-component", json=callback_request(client.dash_app, ROUTE, url=PAGE)).data
    for element in (b"cut-card-fixed_percentage", b"cut-card-cohen_schotanus", b"cut-card-hofstee", b"cut-card-beuk",
                    b"cut-card-ratings", b"cut-card-direct", b"cut-preview-box", b"cut-ratings-upload"):
        assert element in page
    assert b"cut-fix-button" not in page  # fixing is the secretary's


def test_the_cut_in_force_its_rule_who_and_the_pass_rate(client, totals) -> None:
    login(client, "s.bakker")
    response = post(client, LOAD, **{"cut-code": CODE, "cut-refresh": 0, "cut-fix-refresh": 0})
    headline = text(response["cut-headline"]["children"])
    passed = int((totals >= 28).sum())
    assert passed == 414
    for part in ("28 / 40", "70 % of the maximum", "rule set", "the rule set (VCA-BASIS)",
                 f"69.0% ({passed} of 600)", "proposed, not fixed yet", "set in the rule set before the exam"):
        assert part in headline, part
    # The chart draws the cut between bars 27 and 28; the pass-rate chart marks 69 % at 28.
    distribution = response["cut-distribution"]["figure"]
    assert distribution["layout"]["shapes"][0]["x0"] == 27.5
    marker = response["cut-pass-rate"]["figure"]["data"][1]
    assert marker["x"] == [28.0] and marker["y"] == [pytest.approx(passed / 600)]
    # The demo's rule set gives pass or fail only.
    assert "no grade" in text(response["cut-conversion"]["children"])


def test_a_method_proposes_the_cut_the_scoring_core_evaluates_with_its_pass_rate(client, totals) -> None:
    login(client, "m.jansen")
    response = post(client, FIXED, **{"cut-code": CODE, "cut-fixed_percentage-percent": "55",
                                       "cut-fixed_percentage-round-up": []})
    result = text(response["cut-result-fixed_percentage"]["children"])
    passed = int((totals >= 26.5).sum())
    assert "Proposed cut: 26.5 of 40" in result and f"({passed} of 600)" in result
    rule = response['{"method":"fixed_percentage","type":"cut-rule"}']["data"]["rule"]
    assert rule["kind"] == "percent_guessing" and rule["value"] == 55 and "chance" not in rule
    assert response['{"method":"fixed_percentage","type":"cut-use"}']["disabled"] is False
    # A decimal comma: 10 + 0.555 x 30 = 26.65.
    response = post(client, FIXED, **{"cut-code": CODE, "cut-fixed_percentage-percent": "55,5"})
    assert "Proposed cut: 26.65 of 40" in text(response["cut-result-fixed_percentage"]["children"])
    # Not a number: a message, and nothing to use.
    response = post(client, FIXED, **{"cut-code": CODE, "cut-fixed_percentage-percent": "vijftig"})
    assert "expected a number" in text(response["cut-result-fixed_percentage"]["children"])
    assert response['{"method":"fixed_percentage","type":"cut-use"}']["disabled"] is True


def test_angoff_from_an_uploaded_file_and_a_bad_file_named_by_row_and_column(client, bank: Path) -> None:
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        items = [it.item for it in load_administration(session, CODE).form.items]
    engine.dispose()
    # Dutch Excel: semicolons between the cells, decimal commas in them.
    csv = "judge;" + ";".join(items) + "\n" + "J1;" + ";".join(["0,6"] * 40) + "\n" + "J2;" + ";".join(["0.7"] * 40) + "\n"
    login(client, "m.jansen")
    upload = "data:text/csv;base64," + base64.b64encode(csv.encode()).decode()
    request = request_for(client.dash_app, RATINGS, **{"cut-code": CODE, "cut-ratings-upload": upload,
                                                       "cut-ratings-kind": "angoff", "cut-ratings-round-up": []})
    request["state"][0]["value"] = "ratings.csv"  # the upload's file name (same component id as its contents)
    response = json.loads(client.post("/_dash-update-component", json=request).data)["response"]
    # The cut is the mean rating 0.65 x 40 items = 26.
    assert "Proposed cut: 26 of 40" in text(response["cut-result-ratings"]["children"])
    assert response['{"method":"ratings","type":"cut-rule"}']["data"]["rule"]["kind"] == "item_ratings"
    bad = csv.replace("J2;0.7", "J2;7", 1)
    upload = "data:text/csv;base64," + base64.b64encode(bad.encode()).decode()
    request = request_for(client.dash_app, RATINGS, **{"cut-code": CODE, "cut-ratings-upload": upload,
                                                            "cut-ratings-kind": "angoff"})
    request["state"][0]["value"] = "panel.csv"
    response = json.loads(client.post("/_dash-update-component", json=request).data)["response"]
    message = text(response["cut-result-ratings"]["children"])
    assert f"panel.csv, row 3, column '{items[0]}': expected a probability from 0 to 1" in message
    assert "Nothing was written" in message


def test_use_shows_the_preview_a_reason_is_required_and_confirm_records_a_proposal(client, bank: Path, totals) -> None:
    app = client.dash_app
    login(client, "m.jansen")
    rule = {"kind": "points", "value": 27}
    response = client.post("/_dash-update-component", json=propose_request(app, use="direct", rule=rule))
    assert response.status_code == 200, response.data[:500]
    out = json.loads(response.data)["response"]
    preview = text(out["cut-preview"]["children"])
    flips = int(((totals >= 27) & (totals < 28)).sum())  # those with 27 points now pass
    assert f"{flips} candidate(s) change outcome" in preview and "28" in preview and "27" in preview
    assert out["cut-preview-box"]["hidden"] is False and out["cut-pending"]["data"] == {"rule": rule}
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        assert committee.cut_rules(session, CODE) == []  # a preview stores nothing
    out = json.loads(client.post("/_dash-update-component", json=propose_request(
        app, confirm=1, pending={"rule": rule}, reason="  ")).data)["response"]
    assert "Give a reason" in text(out["cut-action-message"]["children"])
    out = json.loads(client.post("/_dash-update-component", json=propose_request(
        app, confirm=2, pending={"rule": rule}, reason="Panel agreed 27 points")).data)["response"]
    assert "Recorded: 27 points" in text(out["cut-action-message"]["children"]) and out["cut-refresh"]["data"] == 1
    with Session(engine) as session:
        (recorded,) = committee.cut_rules(session, CODE)
        assert committee.cut_fixed(session, CODE) == (False, None, None)  # a proposal until the secretary fixes it
    engine.dispose()
    assert (recorded.rule, recorded.decided_by, recorded.reason) == (rule, "m.jansen", "Panel agreed 27 points")
    # Cancel clears the preview and records nothing.
    out = json.loads(client.post("/_dash-update-component", json=propose_request(app, cancel=1)).data)["response"]
    assert out["cut-preview-box"]["hidden"] is True and "Nothing was recorded" in text(out["cut-action-message"]["children"])


def test_only_the_secretary_fixes_with_a_reason_and_only_once(client, bank: Path) -> None:
    login(client, "m.jansen")
    refused = client.post("/_dash-update-component", json=callback_request(
        client.dash_app, FIX, **{"cut-fix-button": 1, "cut-code": CODE, "cut-fix-reason": "me"}))
    assert refused.status_code == 403
    client.get("/logout")
    login(client, "s.bakker")
    out = post(client, FIX, **{"cut-fix-button": 1, "cut-code": CODE, "cut-fix-reason": ""})
    assert "Give a reason" in text(out["cut-fix-message"]["children"])
    out = post(client, FIX, **{"cut-fix-button": 2, "cut-code": CODE, "cut-fix-reason": "Agreed", "cut-fix-refresh": 0})
    assert "Fixed: the cut in force (from the rule set) is fixed by s.bakker" in text(out["cut-fix-message"]["children"])
    assert out["cut-fix-refresh"]["data"] == 1
    out = post(client, FIX, **{"cut-fix-button": 3, "cut-code": CODE, "cut-fix-reason": "Again"})
    assert "fixed already" in text(out["cut-fix-message"]["children"])
    headline = text(post(client, LOAD, **{"cut-code": CODE})["cut-headline"]["children"])
    assert "fixed by s.bakker" in headline
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        assert committee.cut_fixed(session, CODE)[:2] == (True, "s.bakker")
    engine.dispose()


def test_the_conversion_table_shows_the_scoring_cores_grades_and_marks_the_scores_that_reach_the_cut(
        engine, flextoets_exam) -> None:
    import pandas as pd

    from dashboard.pages.cut_score import conversion_block

    codes = ["Q1", "Q2", "Q3", "Q4"]
    with Session(engine) as session:
        flextoets_exam(session, codes, pd.DataFrame([list("AAAB")], index=["c1"], columns=codes))
        result = load_administration(session, "ADM").score()
    block = conversion_block(result).to_plotly_json()
    table = next(c for c in block["props"]["children"] if getattr(c, "id", None) == "cut-conversion-table")
    rows = [[cell.children for cell in row.children] + [row.className] for row in table.children[1].children]
    # Cut 65 % of 4 = 2.6: 1 + 4.5 x 2/2.6 = 4.4615... for 2; 5.5 + 4.5 x 0.4/1.4 = 6.7857... for 3.
    assert rows[2] == ["2", "4.461538", "4.461", "4", ""]
    assert rows[3] == ["3", "6.785714", "6.785", "7", "at-cut"]
    assert rows[4] == ["4", "10", "10.000", "10", "at-cut"]



@pytest.fixture
def decision_at(bank: Path):
    """Consistency and accuracy at a cut as the page should show them: Livingston-Lewis on the
    600 totals with the sitting's alpha, the analysis functions called directly (not the
    service the page calls)."""
    from analysis.classification import livingston_lewis
    from analysis.ctt import reliability
    from itembank.display import shown

    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        result = load_administration(session, CODE).score()
    engine.dispose()
    alpha = float(reliability(result.scored).alpha)  # every demo item has weight 1

    def at(cut: float) -> tuple[str, str]:
        r = livingston_lewis(result.total.astype(float), reliability=alpha, cuts=cut, max_score=40, score_step=1)
        return shown(r.consistency, "alpha"), shown(r.accuracy, "alpha")

    return at


def test_the_headline_shows_decision_consistency_and_accuracy_at_the_cut_in_force(client, decision_at) -> None:
    login(client, "m.jansen")
    response = post(client, LOAD, **{"cut-code": CODE, "cut-refresh": 0, "cut-fix-refresh": 0})
    headline = text(response["cut-headline"]["children"])
    consistency, accuracy = decision_at(28)
    assert f"Decision consistency at this cut {consistency} · accuracy {accuracy}" in headline
    assert "Livingston–Lewis" in headline


def test_a_proposed_cut_shows_decision_consistency_recomputed_at_that_cut(client, decision_at) -> None:
    login(client, "m.jansen")
    response = post(client, FIXED, **{"cut-code": CODE, "cut-fixed_percentage-percent": "55",
                                       "cut-fixed_percentage-round-up": []})
    result = text(response["cut-result-fixed_percentage"]["children"])
    consistency, accuracy = decision_at(26.5)
    assert f"Decision consistency at this cut {consistency} · accuracy {accuracy}" in result
    assert decision_at(26.5) != decision_at(28)  # it moved with the cut
    # Cohen-Schotanus proposes 26.2: on whole points the same candidates pass as at 26.5, and
    # the page shows the same consistency for both.
    response = post(client, COHEN, **{"cut-code": CODE, "cut-cohen_schotanus-percentage": "60",
                                       "cut-cohen_schotanus-percentile": "95", "cut-cohen_schotanus-round-up": []})
    other = text(response["cut-result-cohen_schotanus"]["children"])
    assert "Proposed cut: 26.2 of 40" in other
    assert f"Decision consistency at this cut {consistency} · accuracy {accuracy}" in other


# --- one rule in one place: the page, the CLI and the service give the same proposal --------

HOFSTEE = ('..cut-result-hofstee.children...{"method":"hofstee","type":"cut-rule"}.data'
           '...{"method":"hofstee","type":"cut-use"}.disabled...cut-graph-hofstee.figure...cut-graph-hofstee.style..')
BEUK = ('..cut-result-beuk.children...{"method":"beuk","type":"cut-rule"}.data'
        '...{"method":"beuk","type":"cut-use"}.disabled...cut-graph-beuk.figure...cut-graph-beuk.style..')
CARD_OUTPUT = {"fixed_percentage": FIXED, "cohen_schotanus": COHEN, "hofstee": HOFSTEE, "beuk": BEUK,
               "angoff": RATINGS, "nedelsky": RATINGS}
CARD = {"angoff": "ratings", "nedelsky": "ratings"}


def _items(bank: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        items = [it.item for it in load_administration(session, CODE).form.items]
    engine.dispose()
    return items


def _ratings_csv(bank: Path, method: str, bad: bool = False) -> str:
    """Two judges on every item of the demo form, Dutch Excel style (semicolons, decimal commas):
    Angoff 0,6 and 0.7 (a bad file: 7 for J2's first item); Nedelsky 1 and 2 options ruled out."""
    items = _items(bank)
    one, two = ("0,6", "0.7") if method == "angoff" else ("1", "2")
    rows = [f"J1;{';'.join([one] * len(items))}", f"J2;{';'.join([two] * len(items))}"]
    if bad:
        rows[1] = rows[1].replace(f"J2;{two}", "J2;7", 1)
    return "judge;" + ";".join(items) + "\n" + "\n".join(rows) + "\n"


#: Per method: the page's inputs (component id -> value), the CLI's options and the service's
#: inputs, all the same numbers as typed. A ratings file is written per test (see _case).
CASES = {
    "fixed_percentage": ({"cut-fixed_percentage-percent": "55,5", "cut-fixed_percentage-round-up": []},
                         ["--method", "fixed", "--percent", "55,5"], {"percent": "55,5"}, False),
    "cohen_schotanus": ({"cut-cohen_schotanus-percentage": "55", "cut-cohen_schotanus-percentile": "90",
                         "cut-cohen_schotanus-round-up": []},
                        ["--method", "cohen-schotanus", "--percentage", "55", "--percentile", "90"],
                        {"percentage": "55", "percentile": "90"}, False),
    "hofstee": ({"cut-hofstee-k_min": "50", "cut-hofstee-k_max": "70", "cut-hofstee-f_min": "10",
                 "cut-hofstee-f_max": "40", "cut-hofstee-round-up": ["yes"]},
                ["--method", "hofstee", "--k-min", "50", "--k-max", "70", "--f-min", "10", "--f-max", "40", "--round-up"],
                {"k_min": "50", "k_max": "70", "f_min": "10", "f_max": "40"}, True),
    "beuk": ({"cut-beuk-judges": [{"judge": "J1", "cut": "60", "pass_rate": "70"},
                                  {"judge": "J2", "cut": "65,5", "pass_rate": "60"}], "cut-beuk-round-up": []},
             ["--method", "beuk", "--judge", "60:70", "--judge", "65,5:60"],
             {"judges": [("J1", "60", "70"), ("J2", "65,5", "60")]}, False),
    "angoff": ({"cut-ratings-kind": "angoff", "cut-ratings-round-up": []}, ["--method", "angoff"], {}, False),
    "nedelsky": ({"cut-ratings-kind": "nedelsky", "cut-ratings-round-up": []}, ["--method", "nedelsky"], {}, False),
}


def _page(client, method: str, values: dict, csv: str | None = None, filename: str = "ratings.csv") -> dict:
    """The method card's callback as the browser posts it: (result text, stored rule or None)."""
    card = CARD.get(method, method)
    values = {"cut-code": CODE, **values}
    if csv is not None:
        values["cut-ratings-upload"] = "data:text/csv;base64," + base64.b64encode(csv.encode()).decode()
    request = request_for(client.dash_app, CARD_OUTPUT[method], **values)
    if csv is not None:
        request["state"][0]["value"] = filename  # the upload's file name (same component id as its contents)
    response = client.post("/_dash-update-component", json=request)
    assert response.status_code == 200, response.data[:500]
    out = json.loads(response.data)["response"]
    stored = out[json.dumps({"method": card, "type": "cut-rule"}, separators=(",", ":"))]["data"]
    return {"text": " ".join(text(out[f"cut-result-{card}"]["children"]).split()),
            "rule": stored["rule"] if stored else None}


def _cli(bank: Path, args: list[str]) -> tuple[int, str]:
    from typer.testing import CliRunner

    from itembank.cli import app

    done = CliRunner().invoke(app, ["standards", CODE, *args, "--db", str(bank)])
    assert "Traceback" not in done.output
    return done.exit_code, done.output


def _case(method: str, bank: Path, tmp_path: Path, bad: bool = False) -> tuple[dict, list[str], dict, bool, str | None]:
    page, cli, inputs, round_up = CASES[method]
    csv = None
    if method in ("angoff", "nedelsky"):
        csv = _ratings_csv(bank, method, bad)
        path = tmp_path / "panel.csv"
        path.write_text(csv, encoding="utf-8")
        cli, inputs = [*cli, "--ratings", str(path)], {"ratings": path}
    return page, cli, inputs, round_up, csv


def _normal(rule: dict) -> dict:
    """A rule as JSON carries it (the page's store and the CLI's --json)."""
    return json.loads(json.dumps(rule, default=str))


@pytest.mark.parametrize("method", list(CASES))
def test_the_page_and_the_cli_give_the_services_cut_rule_and_pass_rate(client, bank: Path, tmp_path: Path,
                                                                       method: str) -> None:
    from itembank.services import cut_scores as cs
    from itembank.services.previews import pass_counts

    page_values, cli_args, inputs, round_up, csv = _case(method, bank, tmp_path)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        data = load_administration(session, CODE)
    engine.dispose()
    p = cs.propose(data, method, inputs, round_up=round_up)
    # The service's pass rate is the scoring core's outcomes counted independently here.
    after = p.preview.after.results_table()
    assert (p.passed, p.judged) == pass_counts(after) == (int((after["outcome"] == "pass").sum()), 600)
    assert p.rule["source"]["method"] == method and p.rule.get("round_up") is round_up

    login(client, "m.jansen")
    shown = _page(client, method, page_values, csv)
    assert _normal(shown["rule"]) == _normal(p.rule)
    assert f"Proposed cut: {p.cut} of 40" in shown["text"]
    assert f"({p.passed} of {p.judged})" in shown["text"]

    code, out = _cli(bank, [*cli_args, "--json"])
    assert code == 0, out
    printed = json.loads(out)
    assert (printed["cut"], printed["passed"], printed["judged"]) == (p.cut, p.passed, p.judged)
    assert printed["pass_rate"] == pytest.approx(p.pass_rate, abs=0) and printed["rule"] == _normal(p.rule)
    assert printed["method_cut"] == p.method_cut
    e = p.classification.estimate
    assert printed["decision_consistency"] == e.consistency
    # ... and the page shows the same decision consistency at that cut.
    assert t_decision(p) in shown["text"]


def t_decision(p) -> str:
    from itembank.text import t

    return t("decision_at_cut", **p.classification.shown())


#: Bad inputs: (method, the page's values, the CLI's options, the service's inputs, the message).
BAD = [
    ("fixed_percentage", {"cut-fixed_percentage-percent": "vijftig"}, ["--method", "fixed", "--percent", "vijftig"],
     {"percent": "vijftig"}, "Percentage (%): expected a number (a decimal comma is fine), got 'vijftig'"),
    ("hofstee", {"cut-hofstee-k_min": "80", "cut-hofstee-k_max": "60", "cut-hofstee-f_min": "5", "cut-hofstee-f_max": "40"},
     ["--method", "hofstee", "--k-min", "80", "--k-max", "60", "--f-min", "5", "--f-max", "40"],
     {"k_min": "80", "k_max": "60", "f_min": "5", "f_max": "40"},
     "Hofstee: the lowest acceptable cut (80 %) must be below the highest (60 %)"),
    ("beuk", {"cut-beuk-judges": [{"judge": "J1", "cut": "60", "pass_rate": "70"},
                                  {"judge": "J2", "cut": "60", "pass_rate": "veel"}]},
     ["--method", "beuk", "--judge", "60:70", "--judge", "60:veel"],
     {"judges": [("J1", "60", "70"), ("J2", "60", "veel")]},
     "Pass rate (%) of judge J2: expected a number (a decimal comma is fine), got 'veel'"),
    ("cohen_schotanus", {"cut-cohen_schotanus-percentage": "60", "cut-cohen_schotanus-percentile": "120"},
     ["--method", "cohen-schotanus", "--percentile", "120"], {"percentile": "120"},
     "Percentile P of the best candidates: expected a percentile above 0 and at most 100, got 120"),
    ("beuk", {"cut-beuk-judges": [{"judge": "J1", "cut": "60", "pass_rate": "70"}]},
     ["--method", "beuk", "--judge", "60:70"], {"judges": [("J1", "60", "70")]},
     "Beuk needs at least two judges, each with a cut and an expected pass rate (got 1)."),
    ("angoff", {"cut-ratings-kind": "angoff"}, ["--method", "angoff"], {}, "expected a probability from 0 to 1"),
]


@pytest.mark.parametrize("method, page_values, cli_args, inputs, says", BAD)
def test_a_bad_input_gives_the_same_message_on_the_page_and_in_the_cli(client, bank: Path, tmp_path: Path, method: str,
                                                                       page_values: dict, cli_args: list[str],
                                                                       inputs: dict, says: str) -> None:
    from itembank.errors import UserError
    from itembank.services import cut_scores as cs

    csv = None
    if method == "angoff":
        _, cli_args, inputs, _, csv = _case(method, bank, tmp_path, bad=True)
    engine = make_engine(f"sqlite:///{bank}")
    with Session(engine) as session:
        data = load_administration(session, CODE)
    engine.dispose()
    with pytest.raises(UserError) as refused:
        cs.propose(data, method, inputs)
    expected = " ".join(str(refused.value).replace(str(tmp_path) + "/", "").split())
    assert says in expected

    login(client, "m.jansen")
    shown = _page(client, method, page_values, csv, filename="panel.csv")
    assert shown["rule"] is None and expected in shown["text"]
    code, out = _cli(bank, cli_args)
    assert code == 2 and expected in " ".join(out.replace(str(tmp_path) + "/", "").split()), out
