"""Exam assembly (committee): choose a blueprint, the number of forms, the largest overlap,
exclusions and the objective; the optimiser assembles blueprint-exact forms
(:func:`itembank.services.forms.assemble_forms`, as ``itembank assemble --dry-run``), every
constraint is re-checked independently, the coverage is shown as a heatmap against the
blueprint, and an assembly that cannot succeed is explained in committee words (the
optimiser's :class:`~itembank.assembly.InfeasibleAssemblyError`). Freezing stores exactly the
forms shown (:func:`itembank.services.forms.freeze_assembled`), not a new solve.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.auth import current_user
from dashboard.components import message
from dashboard.guard import GuardedApp
from dashboard.pages import Page
from itembank.assembly import OBJECTIVES, AssemblyOptions, InfeasibleAssemblyError
from itembank.errors import UserError
from itembank.figures import COLOURS
from itembank.permissions import Permission
from itembank.services import blueprints
from itembank.services.forms import assemble_forms, freeze_assembled
from itembank.text import t

__all__ = ["PAGE", "register", "coverage_figure"]


def coverage_figure(coverage: Any) -> go.Figure:
    """Forms x blueprint rows: each cell the form's value, coloured by whether the row is met."""
    rows = list(dict.fromkeys(coverage["constraint_id"]))
    forms = sorted(set(coverage["form"]))
    value = {(r.form, r.constraint_id): r for r in coverage.itertuples()}
    met = [[1.0 if value[(f, c)].met else 0.0 for f in forms] for c in rows]
    text = [[f"{value[(f, c)].value:g}" for f in forms] for c in rows]
    fig = go.Figure(go.Heatmap(z=met, x=[t("form_n", n=f) for f in forms], y=rows, text=text, texttemplate="%{text}",
                               colorscale=[[0, COLOURS["fail"]], [1, "#cfe3f3"]], zmin=0, zmax=1, showscale=False,
                               hovertemplate="%{y} · %{x}: %{text}<extra></extra>"))
    fig.update_layout(title=t("coverage_title"), height=max(260, 22 * len(rows) + 80), template="plotly_white",
                      margin={"l": 90, "r": 20, "t": 50, "b": 30}, yaxis={"autorange": "reversed"})
    return fig


def layout(engine: Engine, user: dict[str, Any]) -> html.Div:
    with Session(engine) as session:
        choices = [{"label": f"{b.code} v{b.version} ({b.status.value})", "value": b.code}
                   for b in blueprints.list_blueprints(session)]
    if not choices:
        return html.Div([html.H1(t("assembly_title")), message(t("no_blueprints"))])
    field = "assembly-field"
    return html.Div([
        html.H1(t("assembly_title")),
        html.P(t("assembly_intro"), className="muted"),
        html.Div(className="filters", children=[
            html.Label([t("blueprint_label"), dcc.Dropdown(choices, choices[-1]["value"], id="asm-blueprint",
                                                           clearable=False)], className=field),
            html.Label([t("gap_forms"), dcc.Input(id="asm-forms", type="number", min=1, value=2)], className=field),
            html.Label([t("gap_overlap"), dcc.Input(id="asm-overlap", type="number", min=0, max=1, step=0.05,
                                                    value=0.1)], className=field),
            html.Label([t("asm_exclude_last"), dcc.Input(id="asm-exclude", type="number", min=0)], className=field),
            html.Label([t("asm_objective"), dcc.Dropdown([{"label": t(f"objective_{o}"), "value": o}
                                                          for o in OBJECTIVES], "spread_exposure",
                                                         id="asm-objective", clearable=False)], className=field),
            html.Label([t("asm_language"), dcc.Input(id="asm-language", value="nl")], className=field),
        ]),
        html.Div(className="buttons", children=[
            html.Button(t("asm_try"), id="asm-try", className="primary"),
            html.Button(t("asm_freeze"), id="asm-freeze", disabled=True, className="confirm")]),
        dcc.Store(id="asm-result"),
        dcc.Loading(html.Div(id="asm-output"), type="default", delay_show=300),
    ])


PAGE = Page("assembly", "/assembly", Permission.ASSEMBLE, "assembly_title", layout, in_menu=True)


def register(app: GuardedApp, engine: Engine) -> None:
    @app.callback(Permission.ASSEMBLE, Output("asm-output", "children"), Output("asm-result", "data"),
                  Output("asm-freeze", "disabled"),
                  Input("asm-try", "n_clicks"), Input("asm-freeze", "n_clicks"),
                  State("asm-blueprint", "value"), State("asm-forms", "value"), State("asm-overlap", "value"),
                  State("asm-exclude", "value"), State("asm-objective", "value"), State("asm-language", "value"),
                  State("asm-result", "data"), prevent_initial_call=True)
    def assemble(_try, _freeze, code: str, forms: int | None, overlap: float | None, exclude: int | None,
                 objective: str, language: str | None, shown: dict[str, Any] | None):
        if ctx.triggered_id == "asm-freeze":
            if not shown:
                raise PreventUpdate
            try:
                with Session(engine) as session:
                    frozen = freeze_assembled(session, shown["blueprint"], shown["forms"],
                                              actor=current_user()["username"],
                                              detail={"objective": shown["objective"], "from": "dashboard"})
                    session.commit()
            except UserError as exc:
                return message(str(exc), "error"), no_update, no_update
            return message(t("asm_frozen", forms=", ".join(frozen)), "ok"), None, True
        try:
            options = AssemblyOptions(forms=int(forms or 1), max_overlap=overlap, exclude_used_in_last=exclude or None,
                                      objective=objective, time_limit=20.0, mip_rel_gap=0.01)
            with Session(engine) as session:
                spec = blueprints.get_blueprint(session, code).specification.code
                out = assemble_forms(session, spec, code, options=options, language=(language or "").strip() or None,
                                     freeze=False, actor=current_user()["username"])
        except InfeasibleAssemblyError as exc:
            return html.Div([message(t("asm_infeasible"), "error"),
                             html.Ul([html.Li(r) for r in exc.reasons])]), None, True
        except (UserError, ValueError) as exc:
            return message(str(exc), "error"), None, True
        r = out.result
        head = t("asm_done", n=len(r.forms), pool=out.pool_size, status=r.status,
                 gap=f"{(r.gap or 0):.2%}", seconds=f"{r.solve_seconds:.1f}")
        stats = [html.Li(t("asm_form_stats", n=k, items=f"{row['n_items']:.0f}", points=f"{row['total_points']:g}",
                           p="–" if row["n_with_p"] == 0 else f"{row['mean_p']:.2f}"))
                 for k, (_, row) in enumerate(out.statistics.iterrows(), start=1)]
        all_met = bool(out.coverage["met"].all())
        body = html.Div([
            message(head, "ok" if all_met else "error"),
            html.Ul(stats),
            dcc.Graph(figure=coverage_figure(out.coverage), config={"displaylogo": False, "displayModeBar": False}),
            html.P(t("asm_verified") if all_met else t("asm_not_verified"), className="muted"),
        ])
        keep = {"blueprint": code, "forms": [[int(i) for i in f] for f in r.forms], "objective": objective}
        return body, keep, not all_met
