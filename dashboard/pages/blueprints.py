"""Blueprints (toetsmatrijzen): the objective x level grid with its counts, the versions and their
approval, and the gap report — per cell, the approved items, how many K forms need and how many
more to write (:func:`itembank.services.forms.gap_for_blueprint`, as ``itembank blueprint gap``).

Item writers and the committee read it (the gap report tells writers what to write); only the
committee approves a blueprint (:class:`~itembank.permissions.Permission` ``ASSEMBLE``).
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.auth import current_user
from dashboard.components import message
from dashboard.guard import GuardedApp
from dashboard.pages import Page
from dashboard.pages.assembly import row_label
from itembank.assembly import AssemblyOptions
from itembank.errors import UserError
from itembank.permissions import Permission, allowed
from itembank.services import blueprints
from itembank.services.forms import gap_for_blueprint
from itembank.storage import audit
from itembank.text import TEXT, t

__all__ = ["PAGE", "register", "grid_table", "versions_table"]


def grid_table(objectives: list[str], levels: list[str], counts: dict[tuple[str, str], int]) -> html.Table:
    """The objective x level grid with row and column totals."""
    head = html.Tr([html.Th(t("col_objective")), *[html.Th(lv) for lv in levels], html.Th(t("total"))])
    body = [html.Tr([html.Th(o), *[html.Td(counts.get((o, lv), 0), className="num") for lv in levels],
                     html.Td(sum(counts.get((o, lv), 0) for lv in levels), className="num total")])
            for o in objectives]
    foot = html.Tr([html.Th(t("total")), *[html.Td(sum(counts.get((o, lv), 0) for o in objectives), className="num total")
                                           for lv in levels], html.Td(sum(counts.values()), className="num total")])
    return html.Table([html.Thead(head), html.Tbody([*body, foot])], className="blueprint-grid", id="blueprint-grid")


def versions_table(versions: list[Any], events: list[Any]) -> html.Table:
    """Every version of one blueprint with its status and its review steps (the audit trail's
    ``status`` events of that blueprint: who moved which version to what, when, and why)."""
    steps: dict[int, list[Any]] = {}
    for e in events:
        steps.setdefault(int((e.detail or {}).get("version", 0)), []).append(e)
    rows = [html.Tr([
        html.Td(v.version, className="num"), html.Td(v.status.value), html.Td(f"{v.created_at:%Y-%m-%d}"),
        html.Td(html.Ul([html.Li(t("bp_step", status=_step_words((e.detail or {}).get("to")), actor=e.actor,
                                   at=f"{e.at:%Y-%m-%d}", comment=f": {e.reason}" if e.reason else ""))
                         for e in steps.get(v.version, [])]) if steps.get(v.version) else t("bp_no_steps"))])
        for v in versions]
    head = html.Tr([html.Th(t(k)) for k in ("bp_version", "bp_status", "bp_stored", "bp_steps")])
    return html.Table([html.Thead(head), html.Tbody(rows)], className="history", id="bp-versions")


def _step_words(status: str | None) -> str:
    """A review step as the committee says it ("submitted for review"), the status if unknown."""
    key = f"bp_to_{status}"
    return t(key) if key in TEXT else str(status)


def layout(engine: Engine, user: dict[str, Any]) -> html.Div:
    with Session(engine) as session:
        choices = [{"label": t("bp_choice", code=b.code, version=b.version, status=b.status.value),
                    "value": f"{b.code}@{b.version}"}
                   for b in blueprints.list_blueprints(session)]
    if not choices:
        return html.Div([html.H1(t("blueprints_title")), message(t("no_blueprints"))])
    approve = allowed(user.get("roles", []), Permission.ASSEMBLE)
    return html.Div([
        html.H1(t("blueprints_title")),
        html.Label([t("blueprint_label"), dcc.Dropdown(choices, choices[-1]["value"], id="bp-choice", clearable=False)]),
        html.Div(className="two-columns", children=[
            html.Section([html.Div(id="bp-grid"),
                          html.Div(id="bp-status-box", className="actions-box", hidden=not approve, children=[
                              html.H3(t("bp_status_title")),
                              dcc.Input(id="bp-comment", className="wide", placeholder=t("review_comment_placeholder")),
                              html.Div(className="buttons", children=[
                                  html.Button(t("step_submit"), id="bp-to-in_review"),
                                  html.Button(t("step_approve"), id="bp-to-approved"),
                                  html.Button(t("step_retire"), id="bp-to-retired")])]),
                          html.Div(id="bp-message")]),
            html.Section([html.H3(t("gap_title")),
                          html.P(t("gap_intro"), className="muted"),
                          html.Div(className="pair", children=[
                              html.Label([t("gap_forms"), dcc.Input(id="bp-forms", type="number", min=1, value=2)]),
                              html.Label([t("gap_overlap"), dcc.Input(id="bp-overlap", type="number", min=0, max=1,
                                                                      step=0.05, value=0.1)])]),
                          dcc.Loading(html.Div(id="bp-gap"), type="dot", delay_show=300)]),
        ]),
    ])


PAGE = Page("blueprints", "/blueprints", Permission.READ_ITEMS, "blueprints_title", layout, in_menu=True)


def _split(choice: str) -> tuple[str, int]:
    code, _, version = choice.rpartition("@")
    return code, int(version)


def register(app: GuardedApp, engine: Engine) -> None:
    @app.callback(Permission.READ_ITEMS, Output("bp-grid", "children"), Input("bp-choice", "value"),
                  Input("bp-message", "children"))
    def show_grid(choice: str, _changed: Any):
        code, version = _split(choice)
        with Session(engine) as session:
            bp = blueprints.get_blueprint(session, code, version)
            objectives, levels, counts = blueprints.blueprint_grid(bp)
            meta = t("bp_meta", code=bp.code, version=bp.version, status=bp.status.value, items=bp.total_items,
                     points=f"{bp.total_points:g}", minutes=bp.duration_minutes or "–", spec=bp.specification.code)
            versions = [b for b in blueprints.list_blueprints(session) if b.code == code]
            events = audit.get_events(session, entity_type="blueprint", entity_id=code, action="status")
            history = versions_table(versions, events)
        return [html.P(meta, className="muted"), grid_table(objectives, levels, counts),
                html.H3(t("bp_versions_title")), history]

    @app.callback(Permission.READ_ITEMS, Output("bp-gap", "children"), Input("bp-choice", "value"),
                  Input("bp-forms", "value"), Input("bp-overlap", "value"))
    def show_gap(choice: str, forms: int | None, overlap: float | None):
        code, version = _split(choice)
        try:
            options = AssemblyOptions(forms=int(forms or 1), max_overlap=overlap, objective="feasible")
            with Session(engine) as session:
                spec = blueprints.get_blueprint(session, code, version).specification.code
                gap = gap_for_blueprint(session, spec, code, options=options)
        except (UserError, ValueError) as exc:
            return message(str(exc), "error")
        columns = ["per_form", "approved", "eligible", "needed", "to_write"]
        to_write = int(gap.loc[gap["condition"] != "", "to_write"].sum())
        caption = t("gap_for", forms=options.forms, overlap=t("gap_any_overlap") if overlap is None
                    else t("gap_share", share=f"{overlap:.0%}"))
        return html.Div([
            html.P(caption + " " + (t("gap_to_write_total", n=to_write) if to_write else t("gap_enough")),
                   id="bp-gap-caption"),
            html.Table([
                html.Thead(html.Tr([html.Th(t("gap_constraint_id")), *[html.Th(t(f"gap_{c}")) for c in columns]])),
                html.Tbody([html.Tr([html.Td(row_label(r["constraint_id"], r["condition"], "items")),
                                     *[html.Td(f"{r[c]:g}", className="num") for c in columns]],
                                    className="to-write" if r["to_write"] > 0 else "")
                            for _, r in gap.iterrows()])], className="history", id="bp-gap-table")])

    @app.callback(Permission.ASSEMBLE, Output("bp-message", "children"),
                  Input("bp-to-in_review", "n_clicks"), Input("bp-to-approved", "n_clicks"),
                  Input("bp-to-retired", "n_clicks"), State("bp-choice", "value"), State("bp-comment", "value"),
                  prevent_initial_call=True)
    def change_status(_a, _b, _c, choice: str, comment: str | None):
        if ctx.triggered_id is None or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        status = str(ctx.triggered_id).removeprefix("bp-to-")
        code, version = _split(choice)
        try:
            with Session(engine) as session:
                blueprints.set_blueprint_status(session, code, version, status, actor=current_user()["username"],
                                                comment=comment or "")
                session.commit()
        except UserError as exc:
            return message(str(exc), "error")
        return message(t("bp_status_done", code=code, version=version, status=status), "ok") if status else no_update
