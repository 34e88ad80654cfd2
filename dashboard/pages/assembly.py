"""Exam assembly (committee): choose a blueprint, the number of forms, the largest overlap,
exclusions and the objective; the optimiser assembles blueprint-exact forms
(:func:`itembank.services.forms.assemble_forms`, as ``itembank assemble --dry-run``), every
constraint is re-checked independently (:func:`itembank.assembly.verify`; its report is shown),
the coverage is shown as a heatmap against the blueprint, and an assembly that cannot succeed is
explained in committee words (the optimiser's :class:`~itembank.assembly.InfeasibleAssemblyError`,
whose reasons come from :func:`itembank.assembly.explain_infeasibility`, as in the CLI).
Freezing stores exactly the forms shown (:func:`itembank.services.forms.freeze_assembled`), not
a new solve, after checking them again by the dry run's rules (they come back from the
browser); it is a callback of its own, so it can be refused on its own.

The aim ``max_information`` is offered only when items of the pool have stored IRT parameters
(``itembank calibrate``): without them every item gives "no information" and the aim means
nothing.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.auth import current_user
from dashboard.components import message
from dashboard.guard import GuardedApp
from dashboard.pages import Page
from itembank.assembly import OBJECTIVES, AssemblyOptions, InfeasibleAssemblyError, expected_statistics
from itembank.errors import UserError
from itembank.figures import COLOURS
from itembank.permissions import Permission
from itembank.services import blueprints
from itembank.services.forms import assemble_forms, freeze_assembled, load_pool
from itembank.text import t

__all__ = ["PAGE", "register", "coverage_figure", "row_label", "verification_summary"]

#: The aim that needs stored IRT parameters (item information at the cut).
NEEDS_IRT = "max_information"
# Aims that need inputs this page does not ask for (a reference form; target information at
# several abilities): offered by `itembank assemble` only, never as a choice that must fail.
COMMAND_LINE_ONLY = ("match_reference", "target_information")


def row_label(constraint_id: str, condition: str, counts: str, kind: str = "count") -> str:
    """How a blueprint row is named to the committee: its own id, except the whole-form rows
    (no condition), which are named by what they count ("whole form: items", "whole form: mean p")."""
    if condition:
        return str(constraint_id)
    return t("asm_whole_form", counts=t("asm_mean_of", counts=counts) if kind == "mean" else counts)


def _bound(lower: float | None, upper: float | None) -> str:
    """The required value of a row as the committee writes it: "2", "2–4", "≥ 2", "≤ 4"."""
    def known(x: float | None) -> bool:
        return x is not None and not (isinstance(x, float) and math.isnan(x))

    if known(lower) and known(upper):
        return f"{lower:g}" if lower == upper else f"{lower:g}–{upper:g}"
    if known(lower):
        return f"≥ {lower:g}"
    return f"≤ {upper:g}" if known(upper) else "–"


def coverage_figure(coverage: pd.DataFrame) -> go.Figure:
    """Blueprint rows x forms: each cell the form's value, coloured by whether the row is met;
    each row labelled with what the blueprint requires, so the committee reads "2 of 2"."""
    first = coverage.drop_duplicates("constraint_id")
    rows = list(first["constraint_id"])
    labels = [t("asm_row_needs", row=row_label(r.constraint_id, r.condition, r.counts, r.type),
                bound=_bound(r.lower, r.upper)) for r in first.itertuples()]
    forms = sorted(set(coverage["form"]))
    value = {(r.form, r.constraint_id): r for r in coverage.itertuples()}
    met = [[1.0 if value[(f, c)].met else 0.0 for f in forms] for c in rows]
    text = [["–" if value[(f, c)].value != value[(f, c)].value else f"{value[(f, c)].value:g}" for f in forms]
            for c in rows]
    fig = go.Figure(go.Heatmap(z=met, x=[t("form_n", n=f) for f in forms], y=labels, text=text,
                               texttemplate="%{text}", textfont={"size": 13}, xgap=2, ygap=2,
                               colorscale=[[0, COLOURS["fail"]], [1, "#cfe3f3"]], zmin=0, zmax=1, showscale=False,
                               hovertemplate="%{y} · %{x}: %{text}<extra></extra>"))
    fig.update_layout(title=t("coverage_title"), height=max(260, 24 * len(rows) + 90), template="plotly_white",
                      width=max(420, 230 + 130 * len(forms)),
                      margin={"l": 10, "r": 10, "t": 50, "b": 30}, yaxis={"autorange": "reversed", "automargin": True},
                      xaxis={"side": "top"})
    return fig


def verification_summary(report: pd.DataFrame) -> pd.DataFrame:
    """The independent check (:func:`itembank.assembly.verify`'s report) per kind of check, in
    the order checked: ``check``, ``checks`` (how many), ``passed`` (how many passed)."""
    grouped = report.groupby("check", sort=False)["passed"]
    return pd.DataFrame({"checks": grouped.size(), "passed": grouped.sum().astype(int)}).reset_index()


def _verification_table(report: pd.DataFrame) -> html.Div:
    summary = verification_summary(report)
    head = html.Tr([html.Th(t("asm_check")), html.Th(t("asm_checks"), className="num"),
                    html.Th(t("asm_passed"), className="num")])
    body = [html.Tr([html.Td(r.check.capitalize()), html.Td(r.checks, className="num"),
                     html.Td(t("asm_all_passed") if r.passed == r.checks else f"{r.passed}", className="num")],
                    className="" if r.passed == r.checks else "to-write")
            for r in summary.itertuples()]
    detail_head = html.Tr([html.Th(t(k)) for k in ("asm_check", "asm_on_form", "asm_subject", "asm_value",
                                                   "asm_allowed", "asm_passed")])
    details = [html.Tr([html.Td(r.check.capitalize()), html.Td(t("asm_all_forms") if r.form == 0 else r.form),
                        html.Td(r.subject), html.Td("–" if r.value != r.value else f"{r.value:g}", className="num"),
                        html.Td(_bound(r.lower, r.upper)), html.Td(t("yes") if r.passed else t("asm_check_failed"))])
               for r in report.itertuples()]
    return html.Div(id="asm-verification", children=[
        html.H3(t("asm_verification_title")),
        html.P(t("asm_verification_intro", n=len(report)), className="muted"),
        html.Table([html.Thead(head), html.Tbody(body)], className="history verification"),
        html.Details([html.Summary(t("asm_verification_all", n=len(report))),
                      html.Table([html.Thead(detail_head), html.Tbody(details)], className="history")]),
    ])


def layout(engine: Engine, user: dict[str, Any]) -> html.Div:
    with Session(engine) as session:
        choices = [{"label": t("bp_choice", code=b.code, version=b.version, status=b.status.value), "value": b.code}
                   for b in blueprints.list_blueprints(session)]
    if not choices:
        return html.Div([html.H1(t("assembly_title")), message(t("no_blueprints"))])
    field = "assembly-field"
    return html.Div([
        html.H1(t("assembly_title")),
        html.P(t("assembly_intro"), className="muted"),
        html.Div(className="filters assembly-options", children=[
            html.Label([t("blueprint_label"), dcc.Dropdown(choices, choices[-1]["value"], id="asm-blueprint",
                                                           clearable=False)], className=field),
            html.Label([t("gap_forms"), dcc.Input(id="asm-forms", type="number", min=1, value=2)], className=field),
            html.Label([t("gap_overlap"), dcc.Input(id="asm-overlap", type="number", min=0, max=1, step=0.05,
                                                    value=0.1)], className=field),
            html.Label([t("asm_exclude_last"), dcc.Input(id="asm-exclude", type="number", min=0, placeholder="0")],
                       className=field),
            html.Label([t("asm_objective"), dcc.Dropdown(id="asm-objective", value="spread_exposure",
                                                         clearable=False)], className=field),
            html.Label([t("asm_language"), dcc.Input(id="asm-language", value="nl", debounce=True)], className=field),
        ]),
        html.P(id="asm-objective-note", className="muted"),
        html.Div(className="buttons", children=[
            html.Button(t("asm_try"), id="asm-try", className="primary"),
            html.Button(t("asm_freeze"), id="asm-freeze", disabled=True, className="confirm")]),
        html.P(t("asm_running"), id="asm-running", className="running", hidden=True, role="status"),
        html.Div(id="asm-frozen"),
        dcc.Store(id="asm-result"),
        dcc.Loading(html.Div(id="asm-output"), type="default", delay_show=300),
    ])


PAGE = Page("assembly", "/assembly", Permission.ASSEMBLE, "assembly_title", layout, in_menu=True)


def _result_view(out: Any) -> html.Div:
    """What a dry run shows: the headline, the forms' statistics, the coverage heatmap and the
    verification report."""
    r = out.result
    all_met = bool(out.coverage["met"].all())
    head = t("asm_done", n=len(r.forms), pool=out.pool_size, status=t(f"asm_status_{r.status}"),
             seconds=f"{r.solve_seconds:.1f}")
    stats = [html.Li(t("asm_form_stats", n=k, items=f"{row['n_items']:.0f}", points=f"{row['total_points']:g}",
                       p=t("asm_no_p") if row["n_with_p"] == 0
                       else t("asm_mean_p", p=f"{row['mean_p']:.2f}", n=f"{row['n_with_p']:.0f}")))
             for k, (_, row) in enumerate(out.statistics.iterrows(), start=1)]
    return html.Div([
        message(head, "ok" if all_met else "error"),
        html.Ul(stats),
        html.P(t("asm_verified") if all_met else t("asm_not_verified"), className="verdict"),
        html.Div(className="two-columns", children=[
            html.Section(dcc.Graph(id="asm-coverage", figure=coverage_figure(out.coverage),
                                   config={"displaylogo": False, "displayModeBar": False})),
            html.Section(_verification_table(r.verification)),
        ]),
    ])


def register(app: GuardedApp, engine: Engine) -> None:
    @app.callback(Permission.ASSEMBLE, Output("asm-objective", "options"), Output("asm-objective", "value"),
                  Output("asm-objective-note", "children"),
                  Input("asm-blueprint", "value"), Input("asm-language", "value"), State("asm-objective", "value"))
    def objectives(code: str, language: str | None, chosen: str | None):
        # the pool's calibrated items, counted by the rule the reports use (expected_statistics)
        with Session(engine) as session:
            spec = blueprints.get_blueprint(session, code).specification.code
            pool, _ = load_pool(session, spec, language=(language or "").strip() or None)
        calibrated = int(expected_statistics(pool, [list(pool.index)]).iloc[0]["n_with_irt"]) if len(pool) else 0
        aims = [o for o in OBJECTIVES if o not in COMMAND_LINE_ONLY and (o != NEEDS_IRT or calibrated)]
        options = [{"label": t(f"objective_{o}"), "value": o} for o in aims]
        note = (t("asm_irt_some", n=calibrated, pool=len(pool)) if calibrated
                else t("asm_irt_none", pool=len(pool)))
        return options, chosen if chosen in aims else "spread_exposure", note

    @app.callback(Permission.ASSEMBLE, Output("asm-output", "children"), Output("asm-result", "data"),
                  Output("asm-freeze", "disabled"), Output("asm-frozen", "children"),
                  Input("asm-try", "n_clicks"),
                  State("asm-blueprint", "value"), State("asm-forms", "value"), State("asm-overlap", "value"),
                  State("asm-exclude", "value"), State("asm-objective", "value"), State("asm-language", "value"),
                  running=[(Output("asm-try", "disabled"), True, False),
                           (Output("asm-running", "hidden"), False, True)],
                  prevent_initial_call=True)
    def assemble(_try, code: str, forms: int | None, overlap: float | None, exclude: int | None,
                 objective: str, language: str | None):
        try:
            options = AssemblyOptions(forms=int(forms or 1), max_overlap=overlap, exclude_used_in_last=exclude or None,
                                      objective=objective or "spread_exposure", time_limit=20.0, mip_rel_gap=0.01)
            with Session(engine) as session:
                spec = blueprints.get_blueprint(session, code).specification.code
                out = assemble_forms(session, spec, code, options=options, language=(language or "").strip() or None,
                                     freeze=False, actor=current_user()["username"])
        except InfeasibleAssemblyError as exc:
            return html.Div(id="asm-infeasible", children=[
                message(t("asm_infeasible"), "error"),
                html.Ul([html.Li(r) for r in exc.reasons]),
                html.P(t("asm_infeasible_next"), className="muted")]), None, True, None
        except (UserError, ValueError) as exc:
            return message(str(exc), "error"), None, True, None
        all_met = bool(out.coverage["met"].all())
        # what freezing needs to check the same forms by the same rules again (freeze_assembled)
        keep = {"blueprint": code, "forms": [[int(i) for i in f] for f in out.result.forms],
                "language": (language or "").strip() or None,
                "options": {"max_overlap": options.max_overlap, "exclude_used_in_last": options.exclude_used_in_last,
                            "objective": options.objective}}
        return _result_view(out), keep, not all_met, None

    @app.callback(Permission.ASSEMBLE, Output("asm-frozen", "children", allow_duplicate=True),
                  Output("asm-freeze", "disabled", allow_duplicate=True),
                  Input("asm-freeze", "n_clicks"), State("asm-result", "data"), prevent_initial_call=True)
    def freeze(clicks: int | None, shown: dict[str, Any] | None):
        if not clicks or not shown:
            raise PreventUpdate
        try:
            with Session(engine) as session:
                options = AssemblyOptions(**shown["options"])
                frozen = freeze_assembled(session, shown["blueprint"], shown["forms"], options=options,
                                          language=shown["language"], actor=current_user()["username"],
                                          detail={"objective": options.objective, "from": "dashboard"})
                session.commit()
        except (UserError, ValueError, TypeError, KeyError) as exc:  # a stale or changed dry run
            return message(t("asm_freeze_refused", reason=str(exc)), "error"), True
        return message(t("asm_frozen", forms=", ".join(frozen)), "ok"), True
