"""The cut-score page (cesuur): the committee proposes, the secretary fixes.

Top, the cut in force: its rule and method, who decided it and why, the pass rate, whether
the secretary has fixed it; beside each other the score distribution with the cut drawn
between the bars and the pass rate for every possible cut. Below, the standard-setting
methods side by side, each with its inputs, the cut it proposes, the pass rate at that cut and
"use this cut": the fixed percentage with correction for guessing, Cohen-Schotanus, Hofstee
and Beuk (with their charts), Angoff/Nedelsky from an uploaded ratings file, and a cut typed
directly. "Use this cut" shows a **preview** (cut and pass rate before -> after, the
candidates whose outcome flips) computed by the scoring core; confirming with a reason
records the rule as a proposal (:func:`itembank.services.committee.set_cut_score`). The
secretary fixes the cut in force (:func:`itembank.services.committee.fix_cut`), which the
release checklist reads back (:func:`itembank.services.committee.cut_fixed`). Last, the
conversion table (score -> exact grade -> as shown -> rounded) of the rule set in force.

Numbers come from :func:`itembank.services.cut_scores.propose` (a method by name with its
inputs as typed: the rule, the cut, the pass rate and decision consistency at it, the same call
as ``itembank standards``), :func:`itembank.services.cut_scores.apply` (recording),
:func:`itembank.services.previews.preview_cut` and the scoring core's
:meth:`~itembank.scoring.ScoringResult.conversion_table`; nothing is computed here.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.auth import current_user
from dashboard.components import cards, grid, message, sitting_tabs
from dashboard.guard import GuardedApp
from dashboard.pages import Page, allowed_tabs
from itembank import figures
from itembank.display import shown_percent
from itembank.errors import UserError
from itembank.permissions import Permission, allowed
from itembank.scoring import format_fraction
from itembank.scoring.grades import to_fraction
from itembank.services import committee
from itembank.services import cut_scores as cs
from itembank.services.administration_data import load_administration
from itembank.services.item_analysis import CutClassification, classification_at_cut
from itembank.services.previews import CutPreview, pass_counts, preview_cut
from itembank.text import t

__all__ = ["PAGE", "decision_text", "method_of", "register", "rule_text"]

FLIPS_LISTED = 50  # candidates listed in a preview; the count is always complete
METHODS = ("fixed_percentage", "cohen_schotanus", "hofstee", "beuk", "ratings", "direct")
GRAPH_CONFIG = {"displaylogo": False, "displayModeBar": False}


def rule_text(rule: dict[str, Any] | None) -> str:
    """A cut-score rule in words ("70 % of the maximum", "26.2 points", Angoff ratings)."""
    from dashboard.pages.overview import cut_text

    if rule and rule.get("kind") == "item_ratings":
        return t("method_" + str(rule.get("source", {}).get("method", "angoff")))
    if rule and isinstance(rule.get("value"), (int, float, str)):
        # The rule's number as the scoring core writes a cut (exact up to 6 decimals).
        rule = {**rule, "value": format_fraction(to_fraction(rule["value"]))}
    text = cut_text(rule)
    return text + (" (" + t("input_round_up") + ")" if rule and rule.get("round_up") else "")


def method_of(rule: dict[str, Any] | None) -> str:
    """The method a rule came from, in words."""
    if not rule:
        return t("method_rule_set")
    method = (rule.get("source") or {}).get("method")
    return t(f"method_{method}") if method else t("method_direct")


# --- layout ---

def _number_input(input_id: str, label: str, value: str) -> html.Div:
    return html.Div(className="field", children=[
        html.Label(label, htmlFor=input_id),
        dcc.Input(id=input_id, type="text", inputMode="decimal", value=value, debounce=True, className="number",
                  style={"width": "6.5rem"})])


def _round_up(method: str) -> dcc.Checklist:
    return dcc.Checklist(id=f"cut-{method}-round-up", options=[{"label": " " + t("input_round_up"), "value": "yes"}],
                         value=[], className="round-up")


def _card(method: str, title: str, explanation: Any, inputs: list[Any], graph: bool = False) -> html.Section:
    return html.Section(className="method-card", id=f"cut-card-{method}", children=[
        html.H3(title), html.P(explanation, className="muted explain"),
        html.Div(inputs, className="inputs"),
        dcc.Loading(html.Div(id=f"cut-result-{method}", className="method-result"), type="dot"),
        dcc.Graph(id=f"cut-graph-{method}", config=GRAPH_CONFIG, style={"display": "none"}) if graph else None,
        html.Button(t("use_this_cut"), id={"type": "cut-use", "method": method}, className="primary", disabled=True),
        dcc.Store(id={"type": "cut-rule", "method": method}),
    ])


def _beuk_grid() -> Any:
    column = {"editable": True, "type": "numericColumn", "cellEditor": "agTextCellEditor"}
    judges = grid("cut-beuk-judges", [
        {"field": "judge", "headerName": t("col_judge"), "editable": True},
        {"field": "cut", "headerName": t("col_judge_cut"), **column},
        {"field": "pass_rate", "headerName": t("col_judge_pass_rate"), **column},
    ], singleClickEdit=True, stopEditingWhenCellsLoseFocus=True, rowHeight=28, headerHeight=30)
    judges.rowData = [{"judge": f"J{k}", "cut": "", "pass_rate": ""} for k in range(1, 7)]
    return judges


def _methods(chance: str, maximum: str) -> html.Div:
    direct_kinds = [{"label": t(f"direct_{k}"), "value": k} for k in cs.DIRECT_KINDS]
    return html.Div(className="methods", children=[
        _card("fixed_percentage", t("method_fixed_percentage"),
              t("explain_fixed_percentage", chance=chance, maximum=maximum),
              [_number_input("cut-fixed_percentage-percent", t("input_percent"), "55"), _round_up("fixed_percentage")]),
        _card("cohen_schotanus", t("method_cohen_schotanus"), t("explain_cohen_schotanus", chance=chance),
              [_number_input("cut-cohen_schotanus-percentage", t("input_percentage"), "60"),
               _number_input("cut-cohen_schotanus-percentile", t("input_percentile"), "95"),
               _round_up("cohen_schotanus")]),
        _card("direct", t("method_direct").capitalize(), t("explain_direct"),
              [html.Div(className="field", children=[
                  html.Label(t("direct_kind"), htmlFor="cut-direct-kind"),
                  dcc.Dropdown(id="cut-direct-kind", options=direct_kinds, value="percent", clearable=False)]),
               _number_input("cut-direct-value", t("input_value"), ""), _round_up("direct")]),
        _card("hofstee", t("method_hofstee"), t("explain_hofstee"),
              [_number_input("cut-hofstee-k_min", t("input_k_min"), "55"),
               _number_input("cut-hofstee-k_max", t("input_k_max"), "75"),
               _number_input("cut-hofstee-f_min", t("input_f_min"), "5"),
               _number_input("cut-hofstee-f_max", t("input_f_max"), "40"), _round_up("hofstee")], graph=True),
        _card("beuk", t("method_beuk"), t("explain_beuk"), [_beuk_grid(), _round_up("beuk")], graph=True),
        _card("ratings", t("method_ratings"), t("explain_ratings"), [
            html.Div(className="field", children=[
                html.Label(t("ratings_kind"), htmlFor="cut-ratings-kind"),
                dcc.RadioItems(id="cut-ratings-kind", value="angoff", inline=True, className="radio-row",
                               options=[{"label": t("ratings_angoff"), "value": "angoff"},
                                        {"label": t("ratings_nedelsky"), "value": "nedelsky"}])]),
            dcc.Upload(id="cut-ratings-upload", children=html.Div(t("upload_ratings")), className="upload",
                       accept=".csv,.xlsx", multiple=False),
            _round_up("ratings")]),
    ])


def _preview_box() -> html.Div:
    return html.Div(id="cut-preview-box", className="actions-box cut-preview-box", hidden=True, children=[
        dcc.Loading(html.Div(id="cut-preview"), type="dot"),
        html.Label(t("cut_reason_label"), htmlFor="cut-reason"),
        dcc.Textarea(id="cut-reason", placeholder=t("cut_reason_placeholder"), className="reason"),
        html.Div(className="buttons", children=[
            html.Button(t("button_confirm"), id="cut-confirm-button", disabled=True, className="confirm"),
            html.Button(t("button_cancel"), id="cut-cancel-button", disabled=True)]),
    ])


def _fix_box() -> html.Div:
    return html.Div(className="actions-box fix-box", children=[
        html.H3(t("fix_title")), html.P(t("fix_hint"), className="muted"),
        html.Label(t("action_reason_label"), htmlFor="cut-fix-reason"),
        dcc.Textarea(id="cut-fix-reason", placeholder=t("fix_reason_placeholder"), className="reason"),
        html.Div(className="buttons", children=[html.Button(t("fix_button"), id="cut-fix-button", className="primary")]),
        html.Div(id="cut-fix-message"),
    ])


def layout(engine: Engine, user: dict[str, Any], code: str) -> html.Div:
    from dashboard.pages.review import not_ready

    tabs = sitting_tabs(code, "cut_score", allowed_tabs(user.get("roles", [])))
    missing = not_ready(engine, code)
    if missing is not None:
        return html.Div([tabs, missing])
    try:
        with Session(engine) as session:
            basis = cs.cut_basis(load_administration(session, code))
    except UserError as exc:
        return html.Div([tabs, html.H1(t("cut_page_title")), message(str(exc), "error")])
    roles = user.get("roles", [])
    may_propose, may_fix = allowed(roles, Permission.PROPOSE_CUT), allowed(roles, Permission.RELEASE)
    return html.Div(className="cut-page", children=[
        tabs,
        dcc.Store(id="cut-code", data=code),
        dcc.Store(id="cut-refresh", data=0),
        dcc.Store(id="cut-fix-refresh", data=0),
        dcc.Store(id="cut-pending"),
        dcc.Store(id="cut-preview-scrolled"),
        html.H1(t("cut_page_title")),
        html.P(t("cut_intro"), className="muted"),
        html.H2(t("cut_in_force")),
        dcc.Loading(html.Div(id="cut-headline", className="summary"), type="dot"),
        html.Div(className="cut-top", children=[
            html.Div(className="cut-charts", children=[
                dcc.Graph(id="cut-distribution", config=GRAPH_CONFIG),
                dcc.Graph(id="cut-pass-rate", config=GRAPH_CONFIG)]),
            _fix_box() if may_fix else None,
        ]),
        html.Div(id="cut-action-message"),
        *([html.H2(t("methods_title")), html.P(t("methods_hint"), className="muted"),
           _methods(format_fraction(basis.chance), format_fraction(basis.maximum)), _preview_box()]
          if may_propose else [html.P(t("propose_not_your_role"), className="muted")]),
        html.H2(t("conversion_title")),
        html.Div(id="cut-conversion"),
    ])


PAGE = Page("cut_score", "/sitting/<code>/cut-score", Permission.SEE_ANALYSIS, "cut_page_title", layout)


# --- building blocks of the callbacks (no Dash state here) ---

def decision_text(c: CutClassification | None) -> str:
    """Decision consistency and accuracy at a cut in words (:func:`classification_at_cut`),
    "–" without a cut."""
    if c is None:
        return "–"
    if c.estimate is None:
        return t("decision_unavailable", reason=c.reason)
    return t("decision_at_cut", **c.shown())


def decision_block(c: CutClassification | None, block_id: str) -> html.Div:
    """The line next to a pass rate, with kappa, false pass/fail and the method below it."""
    detail = t("decision_detail", **c.shown()) if c is not None and c.estimate is not None else None
    return html.Div([html.P(decision_text(c), className="decision"),
                     html.P(detail, className="muted") if detail else None],
                    id=block_id, title=t("explain_decision"), className="decision-at-cut")


def headline(engine: Engine, code: str) -> tuple[list[Any], cs.CutBasis]:
    """The cut in force as headline cards: cut, rule, method, who and why, pass rate, status."""
    with Session(engine) as session:
        data = load_administration(session, code)
        records = [r for r in committee.cut_rules(session, code) if r.part == "total"]
        fixed, by, at = committee.cut_fixed(session, code)
    b = cs.cut_basis(data)
    cut = b.result.cuts.get("total")
    passed, judged = pass_counts(b.result.results_table(), pass_label=b.result.rules.pass_label)
    rate = shown_percent(passed / judged, "percent") if judged else "–"
    if records:
        last = records[-1]
        rule, who, why = last.rule, f"{last.decided_by}, {last.decided_at:%Y-%m-%d %H:%M}", last.reason
    else:
        own = b.result.rules.total_cut
        rule = {"kind": own.kind, "value": format_fraction(own.value)} if own is not None and own.value is not None else None
        who, why = t("cut_by_rule_set", rule_set=b.data.rule_set[1] if b.data.rule_set else ""), t("cut_rule_set_reason")
    status = t("cut_status_fixed", who=by, when=f"{at:%Y-%m-%d %H:%M}") if fixed else t("cut_status_proposed")
    pairs = [
        (t("cut_score"), f"{format_fraction(cut)} / {format_fraction(b.maximum)}" if cut is not None else t("none"),
         t("explain_cut")),
        (t("cut_rule"), rule_text(rule), t("explain_cut_rule")),
        (t("cut_method"), method_of(rule if records else None), None),
        (t("cut_decided_by"), who, None),
        (t("pass_rate"), t("cut_passed_value", rate=rate, passed=passed, n=judged), t("explain_passed")),
        (t("cut_status"), status, t("explain_cut_status")),
    ]
    blocks: list[Any] = cards(pairs)
    blocks.append(decision_block(classification_at_cut(b.result), "cut-decision"))
    blocks.append(html.P([html.Strong(t("cut_why") + ": "), why], className="cut-why", id="cut-why"))
    return blocks, b


def conversion_block(result: Any) -> Any:
    """The conversion table of ``result``'s rules (score -> exact -> shown -> rounded)."""
    rules = result.rules
    if rules.grade.method == "none":
        return html.P(t("conversion_none"), className="muted", id="cut-conversion-none")
    table = result.conversion_table()
    cut = result.cuts.get("total")
    shown_how = t("conversion_shown_one_decimal" if rules.grade.method == "nterm" else "conversion_shown_truncated")
    rows = [html.Tr([html.Td(format_fraction(r.score)), html.Td(format_fraction(r.grade_exact)),
                     html.Td("–" if r.grade is None else str(r.grade)),
                     html.Td("–" if r.grade_rounded is None else str(r.grade_rounded))],
                    className="at-cut" if cut is not None and r.score >= cut else "")
            for r in table.itertuples()]
    return html.Div([
        html.P(t("conversion_hint", method=rules.grade.method, shown=shown_how,
                 cut=format_fraction(cut) if cut is not None else "–"), className="muted"),
        html.Table([html.Thead(html.Tr([html.Th(t(k)) for k in ("col_score", "col_grade_exact", "col_grade_shown",
                                                                   "col_grade_rounded")])),
                    html.Tbody(rows)], className="conversion", id="cut-conversion-table")])


def method_result(p: cs.CutProposal, detail: str | None = None) -> list[Any]:
    """What a method proposes: the cut the scoring core evaluates, the pass rate and the
    decision consistency at it (all from :func:`itembank.services.cut_scores.propose`)."""
    rate = "–" if p.pass_rate is None else shown_percent(p.pass_rate, "percent")
    return [html.P(html.Strong(t("proposed_cut", cut=p.cut, maximum=p.maximum)), className="proposed"),
            html.P(t("pass_rate_at_cut", rate=rate, passed=p.passed, n=p.judged)),
            html.P(decision_text(p.classification), className="decision", title=t("explain_decision")),
            html.P(detail, className="muted") if detail else None,
            html.P(t("flips_against_current", n=p.n_flips), className="muted")]


def preview_block(p: CutPreview) -> html.Div:
    """A proposed cut's effect, before -> after, then the candidates whose outcome flips."""
    c = p.change

    def rate(x: float | None) -> str:
        return "–" if x is None else shown_percent(x, "percent")

    rows = [(t("cut_score"), c.cut_before or "–", c.cut_after), (t("maximum"), c.max_before or "–", c.max_after),
            (t("pass_rate"), rate(c.pass_rate_before), rate(c.pass_rate_after))]
    flips = c.flips.head(FLIPS_LISTED)
    return html.Div(className="preview", children=[
        html.H4(t("cut_preview_title")),
        html.P(t("cut_preview_rule", rule=rule_text(p.rule), method=method_of(p.rule))),
        html.Table([html.Thead(html.Tr([html.Th(""), html.Th(t("before")), html.Th(t("after"))])),
                    html.Tbody([html.Tr([html.Th(a), html.Td(b), html.Td(d, className="changed" if b != d else "")])
                                for a, b, d in rows])], className="before-after"),
        html.P(html.Strong(t("flips_count", n=c.n_flips)), id="cut-flips-count"),
        html.Table([html.Thead(html.Tr([html.Th(t("col_candidate")), html.Th(t("col_total")), html.Th(t("col_outcome"))])),
                    html.Tbody([html.Tr([html.Td(r.candidate), html.Td(r.total_after),
                                         html.Td(f"{r.outcome_before} → {r.outcome_after}")])
                                for r in flips.itertuples()])], className="flips") if c.n_flips else None,
        html.P(t("flips_more", n=c.n_flips - FLIPS_LISTED), className="muted") if c.n_flips > FLIPS_LISTED else None,
        html.P(t("cut_preview_hint"), className="muted"),
    ])


def _hidden() -> dict[str, str]:
    return {"display": "none"}


def register(app: GuardedApp, engine: Engine) -> None:
    @app.callback(Permission.SEE_ANALYSIS,
                  Output("cut-headline", "children"), Output("cut-distribution", "figure"),
                  Output("cut-pass-rate", "figure"), Output("cut-conversion", "children"),
                  Input("cut-code", "data"), Input("cut-refresh", "data"), Input("cut-fix-refresh", "data"))
    def load(code: str, _refresh: int, _fixed: int):
        if not code:
            raise PreventUpdate
        try:
            blocks, b = headline(engine, code)
        except UserError as exc:
            return message(str(exc), "error"), {}, {}, None
        cut = b.result.cuts.get("total")
        return (blocks, figures.score_figure(cs.histogram(b), cut, height=300),
                figures.pass_rate_figure(b.totals, float(b.maximum), cut, height=300), conversion_block(b.result))

    # The methods run again after a cut is recorded (cut-refresh): their "would change outcome
    # against the cut in force" is counted against the new cut.
    def run(code: str | None, card: str, method: str, inputs: dict[str, Any], round_up: list[str] | None,
            describe: Any = None) -> tuple[Any, Any, bool, Any]:
        """One method on the sitting through the service: (result block, rule, use-button
        disabled, chart). ``describe(proposal)`` gives the card's extra line and chart."""
        if not code:
            raise PreventUpdate
        try:
            with Session(engine) as session:
                data = load_administration(session, code)
            p = cs.propose(data, method, inputs, round_up=bool(round_up))
        except UserError as exc:
            return message(str(exc), "error"), None, True, no_update
        detail, chart = describe(p) if describe else (None, None)
        return method_result(p, detail), {"rule": p.rule, "method": card}, False, chart

    @app.callback(Permission.PROPOSE_CUT,
                  Output("cut-result-fixed_percentage", "children"), Output({"type": "cut-rule", "method": "fixed_percentage"}, "data"),
                  Output({"type": "cut-use", "method": "fixed_percentage"}, "disabled"),
                  Input("cut-code", "data"), Input("cut-refresh", "data"),
                  Input("cut-fixed_percentage-percent", "value"),
                  Input("cut-fixed_percentage-round-up", "value"))
    def fixed_percentage(code, _refresh, percent, round_up):
        return run(code, "fixed_percentage", "fixed_percentage", {"percent": percent}, round_up)[:3]

    @app.callback(Permission.PROPOSE_CUT,
                  Output("cut-result-cohen_schotanus", "children"), Output({"type": "cut-rule", "method": "cohen_schotanus"}, "data"),
                  Output({"type": "cut-use", "method": "cohen_schotanus"}, "disabled"),
                  Input("cut-code", "data"), Input("cut-refresh", "data"),
                  Input("cut-cohen_schotanus-percentage", "value"),
                  Input("cut-cohen_schotanus-percentile", "value"), Input("cut-cohen_schotanus-round-up", "value"))
    def cohen_schotanus(code, _refresh, percentage, percentile, round_up):
        def describe(p: cs.CutProposal):
            return t("cohen_detail", reference=f"{p.details['reference_score']:g}",
                     percentile=f"{p.result.inputs['percentile']:g}", chance=format_fraction(p.basis.chance)), None
        return run(code, "cohen_schotanus", "cohen_schotanus", {"percentage": percentage, "percentile": percentile},
                   round_up, describe)[:3]

    @app.callback(Permission.PROPOSE_CUT,
                  Output("cut-result-direct", "children"), Output({"type": "cut-rule", "method": "direct"}, "data"),
                  Output({"type": "cut-use", "method": "direct"}, "disabled"),
                  Input("cut-code", "data"), Input("cut-refresh", "data"),
                  Input("cut-direct-kind", "value"), Input("cut-direct-value", "value"),
                  Input("cut-direct-round-up", "value"))
    def direct(code, _refresh, kind, value, round_up):
        if not (value or "").strip():  # nothing typed yet
            return None, None, True
        return run(code, "direct", "direct", {"kind": kind, "value": value}, round_up)[:3]

    @app.callback(Permission.PROPOSE_CUT,
                  Output("cut-result-hofstee", "children"), Output({"type": "cut-rule", "method": "hofstee"}, "data"),
                  Output({"type": "cut-use", "method": "hofstee"}, "disabled"),
                  Output("cut-graph-hofstee", "figure"), Output("cut-graph-hofstee", "style"),
                  Input("cut-code", "data"), Input("cut-refresh", "data"),
                  Input("cut-hofstee-k_min", "value"), Input("cut-hofstee-k_max", "value"),
                  Input("cut-hofstee-f_min", "value"), Input("cut-hofstee-f_max", "value"),
                  Input("cut-hofstee-round-up", "value"))
    def hofstee(code, _refresh, k_min, k_max, f_min, f_max, round_up):
        def describe(p: cs.CutProposal):
            return (None if p.details["intersection"] else t("hofstee_no_crossing"),
                    figures.hofstee_figure(p.basis.totals, p.result))
        block, rule, disabled, chart = run(code, "hofstee", "hofstee",
                                           {"k_min": k_min, "k_max": k_max, "f_min": f_min, "f_max": f_max},
                                           round_up, describe)
        return block, rule, disabled, chart, _hidden() if chart is no_update else {}

    @app.callback(Permission.PROPOSE_CUT,
                  Output("cut-result-beuk", "children"), Output({"type": "cut-rule", "method": "beuk"}, "data"),
                  Output({"type": "cut-use", "method": "beuk"}, "disabled"),
                  Output("cut-graph-beuk", "figure"), Output("cut-graph-beuk", "style"),
                  Input("cut-code", "data"), Input("cut-refresh", "data"),
                  Input("cut-beuk-judges", "cellValueChanged"),
                  Input("cut-beuk-round-up", "value"), State("cut-beuk-judges", "rowData"))
    def beuk(code, _refresh, _changed, round_up, rows):
        filled = [r for r in rows or [] if str(r.get("cut") or "").strip() or str(r.get("pass_rate") or "").strip()]
        if not filled:  # nothing typed yet
            return html.P(t("explain_beuk"), className="muted"), None, True, no_update, _hidden()
        judges = [(r.get("judge"), r.get("cut"), r.get("pass_rate")) for r in filled]
        block, rule, disabled, chart = run(code, "beuk", "beuk", {"judges": judges}, round_up,
                                           lambda p: (None, figures.beuk_figure(p.basis.totals, p.result)))
        return block, rule, disabled, chart, _hidden() if chart is no_update else {}

    @app.callback(Permission.PROPOSE_CUT,
                  Output("cut-result-ratings", "children"), Output({"type": "cut-rule", "method": "ratings"}, "data"),
                  Output({"type": "cut-use", "method": "ratings"}, "disabled"),
                  Input("cut-code", "data"), Input("cut-refresh", "data"),
                  Input("cut-ratings-upload", "contents"), Input("cut-ratings-kind", "value"),
                  Input("cut-ratings-round-up", "value"), State("cut-ratings-upload", "filename"))
    def ratings(code, _refresh, contents, kind, round_up, filename):
        if not contents:  # nothing uploaded yet
            return html.P(t("upload_first"), className="muted"), None, True
        kind = "nedelsky" if kind == "nedelsky" else "angoff"

        def describe(p: cs.CutProposal):
            if kind == "angoff":
                judges = p.details["judge_cuts"].values()
                detail = t("angoff_detail", judges=p.result.inputs["n_judges"], low=f"{min(judges):.2f}",
                           high=f"{max(judges):.2f}", se=f"{p.details['se']:.2f}")
            else:
                detail = t("nedelsky_detail", judges=p.result.inputs["n_judges"])
            return t("uploaded", name=filename) + " · " + detail, None
        return run(code, "ratings", kind, {"ratings": (filename or "ratings.csv", contents)}, round_up, describe)[:3]

    # Show the preview where the committee member is looking (runs in the browser, no data).
    app.app.clientside_callback(
        "function(children) { var el = document.getElementById('cut-preview-box');"
        " if (children && el) { setTimeout(function() { el.scrollIntoView({behavior: 'smooth', block: 'start'}); }, 50); }"
        " return ''; }",
        Output("cut-preview-scrolled", "data"), Input("cut-preview", "children"), prevent_initial_call=True)

    @app.callback(Permission.PROPOSE_CUT,
                  Output("cut-preview", "children"), Output("cut-preview-box", "hidden"), Output("cut-pending", "data"),
                  Output("cut-confirm-button", "disabled"), Output("cut-cancel-button", "disabled"),
                  Output("cut-action-message", "children"), Output("cut-refresh", "data"),
                  Input({"type": "cut-use", "method": ALL}, "n_clicks"), Input("cut-confirm-button", "n_clicks"),
                  Input("cut-cancel-button", "n_clicks"),
                  State({"type": "cut-rule", "method": ALL}, "data"), State("cut-code", "data"),
                  State("cut-reason", "value"), State("cut-pending", "data"), State("cut-refresh", "data"),
                  prevent_initial_call=True)
    def propose(_use, _confirm, _cancel, rules, code, reason, pending, refresh):
        trigger = ctx.triggered_id
        if trigger is None or not code:
            raise PreventUpdate
        closed = (None, True, None, True, True)
        if trigger == "cut-cancel-button":
            return *closed, message(t("cut_cancelled")), no_update
        if isinstance(trigger, dict):  # "use this cut" on one method's card
            if not ctx.triggered[0].get("value"):
                raise PreventUpdate  # the button appeared; nobody clicked it
            stores = [s for s in (ctx.states_list[0] if ctx.states_list else []) if isinstance(s, dict)]
            chosen = next((s.get("value") for s in stores if s["id"].get("method") == trigger.get("method")), None)
            if not chosen or not chosen.get("rule"):
                raise PreventUpdate
            try:
                with Session(engine) as session:
                    data = load_administration(session, code)
                p = preview_cut(data, chosen["rule"])
            except UserError as exc:
                return *closed, message(str(exc), "error"), no_update
            return preview_block(p), False, {"rule": p.rule}, False, False, None, no_update
        # confirm
        if not pending or not _confirm:
            raise PreventUpdate
        if not (reason or "").strip():
            return no_update, False, no_update, False, False, message(t("cut_reason_needed"), "error"), no_update
        user = current_user() or {}
        try:
            with Session(engine) as session:
                row = cs.apply(session, code, pending["rule"], reason=reason, actor=user["username"])
                row_id = row.id
                session.commit()
        except UserError as exc:
            return *closed, message(str(exc), "error"), no_update
        done = t("cut_recorded", rule=rule_text(pending["rule"]), id=row_id, who=user["username"])
        return *closed, message(done, "ok"), (refresh or 0) + 1

    @app.callback(Permission.RELEASE,
                  Output("cut-fix-message", "children"), Output("cut-fix-refresh", "data"),
                  Input("cut-fix-button", "n_clicks"), State("cut-code", "data"), State("cut-fix-reason", "value"),
                  State("cut-fix-refresh", "data"), prevent_initial_call=True)
    def fix(clicks, code, reason, refresh):
        if not clicks or not code:
            raise PreventUpdate
        if not (reason or "").strip():
            return message(t("fix_reason_needed"), "error"), no_update
        user = current_user() or {}
        try:
            with Session(engine) as session:
                event = committee.fix_cut(session, code, reason=reason.strip(), actor=user["username"])
                rule = (event.detail or {}).get("rule")
                session.commit()
        except UserError as exc:
            return message(str(exc), "error"), no_update
        return message(t("fix_done", rule=rule_text(rule), who=user["username"]), "ok"), (refresh or 0) + 1
