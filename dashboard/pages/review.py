"""The review page: the item analysis of one sitting, and the committee's decisions on it.

Left, the item grid (flagged items first, flags as coloured badges with the full sentence on
hover); right, beside it, the selected item: its text and options with the key, the flags, the
decisions in force on it (what, who, when, why), the distractor table and chart, and — for a
committee member — the actions void, accept extra answer(s), rekey, weight and withdraw, each
with a reason and a **preview** of its effect (maximum, cut, alpha, pass rate before -> after,
and the candidates whose outcome flips) computed by the scoring core before anything is stored.

Every number comes from :func:`itembank.services.item_analysis.analyze` over
:func:`itembank.services.administration_data.load_administration`; previews from
:mod:`itembank.services.previews`; recording from :mod:`itembank.services.committee`.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard import views
from dashboard.auth import current_user
from dashboard.components import cards, grid, message, numeric_column, sitting_tabs
from dashboard.guard import GuardedApp
from dashboard.pages import Page, allowed_tabs
from itembank import figures, scoring
from itembank.display import shown, shown_percent
from itembank.errors import UserError
from itembank.permissions import Permission, allowed
from itembank.services import administrations, committee
from itembank.services.administration_data import load_administration
from itembank.services.calibrations import SittingInformation, sitting_information
from itembank.services.dif import MIN_GROUP, SittingDif, sitting_dif
from itembank.services.item_analysis import analyze
from itembank.services.key_corrections import carry_rekey_into_lines
from itembank.services.overview import administration_states
from itembank.services.release_checklist import keep_flags, kept_flags
from itembank.services.previews import DecisionPreview, preview_decision, preview_withdrawal
from itembank.text import t

__all__ = ["PAGE", "register", "not_ready"]

ACTIONS = ("void", "accept", "rekey", "weight", "withdraw", "keep")
FLIPS_LISTED = 50  # candidates listed in a preview; the count is always complete


def not_ready(engine: Engine, code: str) -> Any | None:
    """A message saying what the sitting lacks before it can be analysed, or None when ready."""
    with Session(engine) as session:
        state = next((s for s in administration_states(session) if s.code == code), None)
    if state is None:
        return message(t("sitting_unknown", code=code), "error")
    if state.missing:
        return html.Div([message(t("sitting_not_ready", code=code)), html.Ul([html.Li(m) for m in state.missing])])
    return None


def _item_grid() -> Any:
    narrow = {"width": 58, "flex": 0}
    return grid("review-grid", [
        {"field": "item", "headerName": t("col_item"), "minWidth": 110, "flex": 0, "width": 118},
        numeric_column("p", "p", t("col_p"), t("explain_p"), shown=True, **narrow),
        numeric_column("rit", "rit", t("col_rit"), t("explain_rit"), **narrow),
        numeric_column("rir", "rir", t("col_rir"), t("explain_rir"), shown=True, **narrow),
        numeric_column("alpha_if_deleted", "alpha_if_deleted", t("col_alpha_if_deleted_short"),
                       t("explain_alpha_if_deleted"), width=64, flex=0),
        {"field": "flags", "headerName": t("col_flags"), "minWidth": 170, "flex": 3, "cellRenderer": "FlagBadges",
         "autoHeight": True, "wrapText": True, "cellClass": "flag-cell",
         "comparator": {"function": "nodeA.data.rank - nodeB.data.rank"}, "headerTooltip": t("explain_flags")},
        {"field": "dif", "headerName": t("col_dif"), "minWidth": 64, "flex": 1, "cellRenderer": "FlagBadges",
         "autoHeight": True, "wrapText": True, "headerTooltip": t("explain_dif")},
        {"field": "decision", "headerName": t("col_decision"), "minWidth": 80, "flex": 1, "tooltipField": "decision",
         "wrapText": True, "autoHeight": True},
        {"field": "position", "headerName": "#", "width": 56, "flex": 0, "type": "numericColumn", "hide": True},
    ], height="calc(100vh - 290px)", getRowId={"function": "params.data.item"},
        rowSelection={"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
        rowClassRules={"flag-critical": "params.data.severity == 'critical'",
                       "flag-warning": "params.data.severity == 'warning'"})


def _option_grid() -> Any:
    percent = {"valueFormatter": {"function": "params.value == null ? '–' : d3.format('.1f')(params.value) + ' %'"},
               "type": "numericColumn"}
    return grid("review-options", [
        {"field": "option", "headerName": t("col_option"), "minWidth": 90},
        {"field": "is_key", "headerName": t("col_is_key"), "maxWidth": 70},
        {"field": "n", "headerName": t("col_n"), "type": "numericColumn", "maxWidth": 70},
        *({"field": f, "headerName": t(f"col_{f}"), **percent} for f in ("proportion", "prop_low", "prop_high")),
        numeric_column("rar", "rar", t("col_rar"), t("explain_rar")),
    ])


def _actions() -> html.Div:
    return html.Div(id="review-actions", className="actions-box", children=[
        html.H3(t("actions_title")),
        dcc.RadioItems(id="review-action", options=[{"label": t(f"action_{a}"), "value": a} for a in ACTIONS],
                       value="void", inline=True, className="radio-row"),
        html.Div(id="review-options-box", children=[
            html.Label(t("action_options_label"), htmlFor="review-value-options"),
            dcc.Checklist(id="review-value-options", options=[], value=[], inline=True)]),
        html.Div(id="review-weight-box", children=[
            html.Label(t("action_weight_label"), htmlFor="review-value-weight"),
            dcc.Input(id="review-value-weight", type="text", inputMode="decimal", placeholder="0,5", debounce=False)]),
        html.Div(id="review-withdraw-box", children=[
            html.Label(t("action_withdraw_label"), htmlFor="review-value-withdraw"),
            dcc.Dropdown(id="review-value-withdraw", options=[], placeholder=t("action_withdraw_pick"))]),
        html.Label(t("action_reason_label"), htmlFor="review-reason"),
        dcc.Textarea(id="review-reason", placeholder=t("action_reason_placeholder"), className="reason"),
        html.Div(className="buttons", children=[
            html.Button(t("button_preview"), id="review-preview-button", className="primary"),
            html.Button(t("button_confirm"), id="review-confirm-button", disabled=True, className="confirm"),
            html.Button(t("button_cancel"), id="review-cancel-button", disabled=True)]),
        dcc.Loading(html.Div(id="review-preview"), type="dot", delay_show=300),
        dcc.Store(id="review-preview-scrolled"),
        html.Div(id="review-action-message"),
    ])


def layout(engine: Engine, user: dict[str, Any], code: str) -> html.Div:
    tabs = sitting_tabs(code, "review", allowed_tabs(user.get("roles", [])))
    missing = not_ready(engine, code)
    if missing is not None:
        return html.Div([tabs, missing])
    may_decide = allowed(user.get("roles", []), Permission.DECIDE)
    return html.Div(className="review-page", children=[
        tabs,
        html.Div(className="file-actions", children=[
            html.Span(t("report_download_label")),
            html.Button(t("report_html_button"), id="review-report-html"),
            html.Button(t("report_pdf_button"), id="review-report-pdf"),
            dcc.Loading(dcc.Download(id="review-report-download"), type="dot"),
            html.Div(id="review-report-message")]),
        dcc.Store(id="review-code", data=code),
        dcc.Store(id="review-refresh", data=0),
        dcc.Store(id="review-details"),
        dcc.Store(id="review-pending"),
        dcc.Loading(html.Div(id="review-summary", className="summary"), type="dot", delay_show=300),
        html.Div(className="review", children=[
            html.Section(className="review-left", children=[
                html.H2(t("item_table")), html.P(t("review_hint"), className="muted"), _item_grid()]),
            html.Section(className="review-right", id="review-panel", children=[
                html.H2(id="review-item-heading", children=t("pick_item")),
                dcc.Loading(html.Div(id="review-item-body"), type="dot", delay_show=300),
                html.Div(id="review-item-stats", hidden=True, children=[
                    html.H3(t("options_table")), _option_grid(),
                    dcc.Graph(id="review-groups", config={"displaylogo": False, "displayModeBar": False})]),
                html.Div(id="review-item-decisions"),
                _actions() if may_decide else html.P(t("decide_not_your_role"), className="muted"),
            ]),
        ]),
    ])


PAGE = Page("review", "/sitting/<code>/review", Permission.SEE_ANALYSIS, "review_title", layout)


# --- building blocks of the callbacks (no Dash state here) ---

def _keeps(session: Session, code: str) -> list[committee.DecisionRecord]:
    """Items the committee keeps as they are, shown beside the decisions (id 0: an audit event)."""
    return [committee.DecisionRecord(0, k.item, "keep", "", k.reason, k.by, k.at, None)
            for k in kept_flags(session, code).values()]


def _analysis(engine: Engine, code: str) -> tuple[Any, list[Any], SittingDif, SittingInformation | None]:
    with Session(engine) as session:
        data = load_administration(session, code)
        decisions = committee.list_decisions(session, code) + _keeps(session, code)
        attributes = administrations.get_attributes(session, code)
        a = analyze(data)
        cut = a.result.cuts.get("total")
        irt_view = sitting_information(session, code, cut=None if cut is None else float(cut),
                                       maximum=float(a.result.maxima["total"]))
    return a, decisions, sitting_dif(a.result, attributes), irt_view


def _irt_block(irt_view: SittingInformation | None) -> list[Any]:
    """The IRT card and the test information chart, when the sitting has a stored calibration."""
    if irt_view is None:
        return []
    when = f"{irt_view.created_at:%Y-%m-%d}"
    value = (t("irt_card_value", csem=f"{irt_view.csem_at_cut:.2f}", theta=f"{irt_view.cut_theta:.2f}")
             if irt_view.csem_at_cut is not None else t("none"))
    figure = figures.information_figure(irt_view.theta, irt_view.information, irt_view.csem, irt_view.cut_theta)
    return [*cards([(t("irt_card", model=irt_view.model), value, t("explain_irt", model=irt_view.model, when=when))]),
            html.Details([html.Summary(t("information_title")),
                          dcc.Graph(figure=figure, config={"displaylogo": False, "displayModeBar": False}),
                          html.P(t("irt_left_out", items=", ".join(irt_view.left_out)), className="muted")
                          if irt_view.left_out else None], className="irt", id="review-irt")]


def irt_items(irt_view: SittingInformation | None) -> dict[str, str]:
    """Per item, its parameters and fit in one sentence (for the item panel)."""
    if irt_view is None:
        return {}

    def num(x: float) -> str:
        return "–" if x != x else f"{x:.2f}"

    out = {}
    for item, r in irt_view.items.iterrows():
        c = f", c {num(r['c'])}" if irt_view.model == "3pl" else ""
        out[str(item)] = t("irt_item_line", model=irt_view.model, a=num(r["a"]), b=num(r["b"]), c=c,
                           infit=num(r.get("infit", float("nan"))), outfit=num(r.get("outfit", float("nan"))))
    return out


def _content(engine: Engine, code: str, item: str, counts: list[str]) -> list[Any]:
    """The item as the candidates saw it, with the bank's key and what counts now (``counts``)."""
    with Session(engine) as session:
        number, content = committee.item_on_sitting(session, code, item)
    options = [html.Li([html.Span(label, className="label"), " ", text,
                        html.Span(t("key_in_bank"), className="tag key") if label in content.key else None,
                        html.Span(t("counts_now"), className="tag counts") if label in counts and label not in content.key
                        else None],
                       className="option" + (" is-key" if label in content.key else ""))
               for label, text in content.options]
    return [html.P(t("item_version_line", version=number, language=content.language, variant=content.variant.value),
                   className="muted"),
            html.Blockquote(content.stem, className="stem"), html.Ol(options, className="options")]


def _decisions_block(decisions: list[Any], item: str) -> list[Any]:
    mine = [d for d in decisions if d.item == item]
    if not mine:
        return [html.P(t("no_decisions_on_item"), className="muted")]
    return [html.Ul([html.Li([
        html.Strong(views.decision_text(d.action, d.value)), " — ",
        (t("kept_by", who=d.decided_by, when=f"{d.decided_at:%Y-%m-%d %H:%M}") if d.action == "keep" else
         t("decision_by", who=d.decided_by, when=f"{d.decided_at:%Y-%m-%d %H:%M}", id=d.id)), html.Br(),
        html.Em(d.reason),
        html.Span(t("decision_withdrawn"), className="tag") if d.withdrawn_by is not None else None,
    ], className="withdrawn" if d.withdrawn_by is not None else "") for d in mine], className="decisions")]


def preview_block(p: DecisionPreview) -> html.Div:
    """A decision's effect, before -> after, then the candidates whose outcome flips."""
    c = p.change

    def rate(x: float | None) -> str:
        return "–" if x is None else shown_percent(x, "percent")

    rows = [(t("maximum"), c.max_before or "–", c.max_after), (t("cut_score"), c.cut_before or "–", c.cut_after),
            (t("alpha"), shown(p.alpha_before, "alpha"), shown(p.alpha_after, "alpha")),
            (t("pass_rate"), rate(c.pass_rate_before), rate(c.pass_rate_after))]
    flips = c.flips.head(FLIPS_LISTED)
    return html.Div(className="preview", children=[
        html.H4(t("preview_title")),
        html.Table([html.Thead(html.Tr([html.Th(""), html.Th(t("before")), html.Th(t("after"))])),
                    html.Tbody([html.Tr([html.Th(a), html.Td(b), html.Td(d, className="changed" if b != d else "")])
                                for a, b, d in rows])], className="before-after"),
        html.P(html.Strong(t("flips_count", n=c.n_flips)), id="review-flips-count"),
        html.Table([html.Thead(html.Tr([html.Th(t("col_candidate")), html.Th(t("col_total")), html.Th(t("col_outcome"))])),
                    html.Tbody([html.Tr([html.Td(r.candidate), html.Td(f"{r.total_before} → {r.total_after}"),
                                         html.Td(f"{r.outcome_before} → {r.outcome_after}")])
                                for r in flips.itertuples()])], className="flips") if c.n_flips else None,
        html.P(t("flips_more", n=c.n_flips - FLIPS_LISTED), className="muted") if c.n_flips > FLIPS_LISTED else None,
        html.P(t("preview_confirm_hint"), className="muted"),
    ])


def proposed_value(action: str, options: list[str] | None, weight: str | None) -> str:
    """The decision's value as the services take it: "B|C" for options; the weight checked and
    written as recording it would (:func:`itembank.services.committee.checked_weight`: a
    decimal comma is fine), so the preview and the record agree."""
    if action in ("accept", "rekey"):
        return "|".join(sorted(options or []))
    if action == "weight":
        return committee.checked_weight(weight) if (weight or "").strip() else ""
    return ""


def register(app: GuardedApp, engine: Engine) -> None:
    @app.callback(Permission.SEE_ANALYSIS,
                  Output("review-summary", "children"), Output("review-grid", "rowData"),
                  Output("review-details", "data"),
                  Input("review-code", "data"), Input("review-refresh", "data"))
    def load(code: str, _refresh: int):
        try:
            a, decisions, dif, irt_view = _analysis(engine, code)
        except UserError as exc:
            return message(str(exc), "error"), [], {}
        notes = [html.P(t("dif_too_small", attribute=attr, group=group, n=n, minimum=MIN_GROUP), className="muted")
                 for attr, group, n in dif.skipped]
        details = views.item_details(a, dif)
        for item, line in irt_items(irt_view).items():
            if item in details:
                details[item]["irt"] = line
        return ([*cards(views.summary(a)), *_irt_block(irt_view), *notes], views.item_rows(a, decisions, dif),
                details)

    @app.callback(Permission.SEE_ANALYSIS,
                  Output("review-item-heading", "children"), Output("review-item-body", "children"),
                  Output("review-item-decisions", "children"),
                  Output("review-options", "rowData"), Output("review-groups", "figure"),
                  Output("review-item-stats", "hidden"),
                  Output("review-value-options", "options"), Output("review-value-withdraw", "options"),
                  Input("review-grid", "selectedRows"), Input("review-details", "data"),
                  State("review-code", "data"), prevent_initial_call=True)
    def show_item(selected: list[dict[str, Any]] | None, details: dict[str, Any] | None, code: str):
        if not selected or not details or selected[0]["item"] not in details:
            raise PreventUpdate
        item = selected[0]["item"]
        detail = details[item]
        with Session(engine) as session:
            decisions = committee.list_decisions(session, code) + _keeps(session, code)
        body: list[Any] = []
        if allowed(current_user()["roles"], Permission.READ_ITEMS):
            body += _content(engine, code, item, detail["correct_now"])
        flags = [html.Li(sentence, className=f"flag-{severity}") for severity, sentence in detail["flags"]]
        body += [html.H3(t("item_flags")), html.Ul(flags or [html.Li(t("no_flags"), className="flag-none")],
                                                    className="flags")]
        if detail.get("irt"):
            body.append(html.P(detail["irt"], className="irt-line"))
        if detail["dif"]:
            body += [html.H3(t("dif_title")), html.Table([
                html.Thead(html.Tr([html.Th(t(k)) for k in ("col_attribute", "col_groups", "col_n_groups",
                                                            "col_mh_d_dif", "col_ets_class")])),
                html.Tbody([html.Tr([html.Td(r["attribute"]), html.Td(r["groups"]), html.Td(r["n"]),
                                     html.Td("–" if r["mh_d_dif"] is None else f"{r['mh_d_dif']:.2f}"),
                                     html.Td(r["ets_class"])]) for r in detail["dif"]])], className="dif")]
        in_force = [html.H3(t("decisions_on_item")), *_decisions_block(decisions, item)]
        if not detail["options"]:
            body.append(html.P(t("no_options"), className="muted"))
        labels = [o["option"] for o in detail["options"] if o["option"] != t("omitted")]
        withdrawable = [{"label": f"{d.id}: {views.decision_text(d.action, d.value)} ({d.decided_by})", "value": d.id}
                        for d in decisions if d.item == item and d.withdrawn_by is None and d.action != "keep"]
        figure = figures.groups_figure(detail["groups"], height=280) if detail["options"] else {}
        return (t("item_heading", item=item), body, in_force, detail["options"], figure, not detail["options"],
                labels, withdrawable)

    @app.callback(Permission.SEE_ANALYSIS, Output("review-report-download", "data"),
                  Output("review-report-message", "children"),
                  Input("review-report-html", "n_clicks"), Input("review-report-pdf", "n_clicks"),
                  State("review-code", "data"), prevent_initial_call=True)
    def report(_html, _pdf, code: str):
        """The administration report (``itembank report``), the same file the command writes."""
        import tempfile
        from pathlib import Path

        from itembank.reports import administration_report

        suffix = ".pdf" if ctx.triggered_id == "review-report-pdf" else ".html"
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / f"report-{code}{suffix}"
            try:
                with Session(engine) as session:
                    administration_report(session, code, out)
            except UserError as exc:
                return no_update, message(str(exc), "error")
            return dcc.send_bytes(out.read_bytes(), out.name), None

    # Show the preview where the committee member is looking (runs in the browser, no data).
    app.app.clientside_callback(
        "function(children) { var el = document.getElementById('review-preview');"
        " if (children && el) { el.scrollIntoView({behavior: 'smooth', block: 'nearest'}); } return ''; }",
        Output("review-preview-scrolled", "data"), Input("review-preview", "children"), prevent_initial_call=True)

    @app.callback(Permission.DECIDE,
                  Output("review-options-box", "hidden"), Output("review-weight-box", "hidden"),
                  Output("review-withdraw-box", "hidden"), Input("review-action", "value"))
    def value_inputs(action: str):
        return action not in ("accept", "rekey"), action != "weight", action != "withdraw"

    @app.callback(Permission.DECIDE,
                  Output("review-preview", "children"), Output("review-pending", "data"),
                  Output("review-confirm-button", "disabled"), Output("review-cancel-button", "disabled"),
                  Output("review-action-message", "children"), Output("review-refresh", "data"),
                  Input("review-preview-button", "n_clicks"), Input("review-confirm-button", "n_clicks"),
                  Input("review-cancel-button", "n_clicks"), Input({"type": "review-carry", "decision": ALL}, "n_clicks"),
                  State("review-code", "data"), State("review-grid", "selectedRows"), State("review-action", "value"),
                  State("review-value-options", "value"), State("review-value-weight", "value"),
                  State("review-value-withdraw", "value"), State("review-reason", "value"),
                  State("review-pending", "data"), State("review-refresh", "data"), prevent_initial_call=True)
    def decide(_p, _c, _x, _carry, code, selected, action, options, weight, withdraw_id, reason, pending, refresh):
        trigger = ctx.triggered_id
        keep = (no_update,) * 6
        if trigger is None:
            raise PreventUpdate
        if trigger == "review-cancel-button":
            return None, None, True, True, message(t("decision_cancelled")), no_update
        user = current_user() or {}
        if isinstance(trigger, dict):  # "correct the key in the bank" after a rekey
            if not any(_carry) or not allowed(user.get("roles", []), Permission.EDIT_ITEMS):
                raise PreventUpdate
            try:
                with Session(engine) as session:
                    # every line of the item (its translations too), as drafts for review
                    text = carry_rekey_into_lines(session, int(trigger["decision"]), actor=user["username"]).summary()
                    session.commit()
            except UserError as exc:
                return *keep[:4], message(str(exc), "error"), no_update
            return *keep[:4], message(text, "ok"), no_update
        if trigger == "review-preview-button":
            if not selected:
                return None, None, True, True, message(t("pick_item_first"), "error"), no_update
            item = selected[0]["item"]
            if not (reason or "").strip():
                return None, None, True, True, message(t("reason_needed"), "error"), no_update
            if action == "keep":  # keeping changes no score: nothing to compute
                pending = {"item": item, "action": "keep", "value": "", "withdraw": None, "reason": reason.strip()}
                return (html.Div(html.P(t("keep_preview", item=item)), className="preview"), pending, False, False,
                        None, no_update)
            try:
                with Session(engine) as session:
                    data = load_administration(session, code)
                if action == "withdraw":
                    if withdraw_id is None:
                        return None, None, True, True, message(t("withdraw_pick_first"), "error"), no_update
                    p = preview_withdrawal(data, int(withdraw_id))
                else:
                    value = proposed_value(action, options, weight)
                    if action in ("accept", "rekey", "weight") and not value:
                        return None, None, True, True, message(t(f"value_needed_{action}"), "error"), no_update
                    p = preview_decision(data, scoring.Decision(item, action, value, reason))
            except UserError as exc:
                return None, None, True, True, message(str(exc), "error"), no_update
            pending = {"item": item, "action": action, "value": p.decision.value if action != "withdraw" else "",
                       "withdraw": int(withdraw_id) if action == "withdraw" else None, "reason": reason.strip()}
            return preview_block(p), pending, False, False, None, no_update
        # confirm
        if not pending:
            raise PreventUpdate
        try:
            with Session(engine) as session:
                if pending["action"] == "keep":
                    kept = keep_flags(session, code, pending["item"], reason=pending["reason"], actor=user["username"])
                    session.commit()
                    text = t("kept_recorded", item=kept.item, flags=", ".join(t(f"flag_{c}") for c in kept.codes))
                    return None, None, True, True, message(text, "ok"), (refresh or 0) + 1
                if pending["action"] == "withdraw":
                    row = committee.withdraw_decision(session, pending["withdraw"], reason=pending["reason"],
                                                      actor=user["username"])
                else:
                    row = committee.add_decision(session, code, pending["item"], pending["action"], pending["value"],
                                                 reason=pending["reason"], actor=user["username"])
                decision_id = row.id
                session.commit()
        except UserError as exc:
            return None, None, True, True, message(str(exc), "error"), no_update
        done: list[Any] = [message(t("decision_recorded", id=decision_id,
                                     what=views.decision_text(pending["action"], pending["value"]),
                                     item=pending["item"]), "ok")]
        if pending["action"] == "rekey" and allowed(user.get("roles", []), Permission.EDIT_ITEMS):
            done.append(html.Div(className="offer", children=[
                html.P(t("carry_offer", item=pending["item"], new_key=pending["value"])),
                html.Button(t("carry_button"), id={"type": "review-carry", "decision": decision_id})]))
        return None, None, True, True, html.Div(done), (refresh or 0) + 1
