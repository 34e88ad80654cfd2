"""The IRT and DIF page of one sitting (``/sitting/<code>/irt``): the committee's post-exam IRT
and DIF work in the browser (issue 14).

* The sitting's stored calibrations, newest first: model, engine, date, who, candidates,
  convergence and how each stands to the bank scale (base, linked by which method through how
  many common items, or not linked and why) — :func:`itembank.services.irt_summary.sitting_calibrations`.
* For the chosen calibration: the item parameters with standard errors and the item fit
  (infit/outfit mean squares, their p-values, the misfit flag), the test information and
  conditional SEM curve with the cut's θ marked, and the numbers at the cut — all from
  :func:`itembank.services.irt_summary.calibration_summary`, the function ``itembank irt``
  prints, so the page and the command line show the same numbers.
* For a committee member (:attr:`Permission.DECIDE`, the committee's own acts on a sitting):
  calibrate a model (:func:`itembank.services.calibrations.add_calibration`, as
  ``itembank calibrate``); the new calibration is then shown.
* DIF by a candidate attribute and focal group:
  :func:`itembank.services.dif.attribute_dif` (Mantel–Haenszel with the ETS classes and
  logistic regression), as ``itembank dif``.

Callbacks only wire: each calls one service and formats its result for the grid or chart.
"""

from __future__ import annotations

import math
from typing import Any

from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.auth import current_user
from dashboard.components import cards, decimals_format, grid, message, sitting_tabs
from dashboard.guard import GuardedApp
from dashboard.pages import Page, allowed_tabs
from dashboard.pages.review import not_ready
from itembank import figures
from itembank.display import shown_or
from itembank.errors import UserError
from itembank.permissions import Permission, allowed
from itembank.services import administrations, calibrations, irt_summary
from itembank.services.administration_data import load_administration
from itembank.services.dif import MIN_GROUP, attribute_dif
from itembank.text import t

__all__ = ["PAGE", "register", "MODELS", "parameter_rows", "dif_rows", "calibration_rows"]

#: The models the page offers (those of ``itembank calibrate``; 1pl is rasch with a common slope).
MODELS = ("rasch", "2pl", "3pl", "grm", "pcm")

#: The plain-words header of each parameter (the technical letter in the key's text).
_PARAMETER_KEYS = {"a": "irt_col_a", "b": "irt_col_b", "c": "irt_col_c"}


def _number(value: Any) -> float | None:
    """A table cell: the number as stored, None for a missing one (NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# --- building blocks of the callbacks (no Dash state here) ---

def calibration_rows(facts: list[irt_summary.CalibrationFacts]) -> list[dict[str, Any]]:
    """One grid row per stored calibration, newest first, with its place on the bank scale."""
    rows = []
    for f in facts:
        if f.link_status == "base":
            scale = t("irt_scale_base")
        elif f.link_status == "linked" and f.link_method == "same_sitting":
            scale = t("irt_scale_same_sitting", to=f.linked_to, A=shown_or(f.A, "irt_parameter"),
                      B=shown_or(f.B, "irt_parameter"))
        elif f.link_status == "linked":
            scale = t("irt_scale_linked", method=f.link_method, n=f.n_common, A=shown_or(f.A, "irt_parameter"),
                      B=shown_or(f.B, "irt_parameter"))
        elif f.link_status == "unlinked":
            scale = t("irt_scale_unlinked", note=f.link_note)
        else:
            scale = t("irt_scale_never")
        rows.append({"id": f.id, "model": f.model, "engine": f.engine, "date": f"{f.created_at:%Y-%m-%d %H:%M}",
                     "by": f.created_by, "n": f.n_candidates, "items": f.n_items,
                     "converged": t("yes") if f.converged else t("irt_not_converged"), "scale": scale})
    return rows


def parameter_rows(summary: irt_summary.CalibrationSummary) -> list[dict[str, Any]]:
    """The chosen calibration's items: parameters and SEs, n, item fit with p-values, misfit."""
    rows = []
    for item, r in summary.items.iterrows():
        row: dict[str, Any] = {"item": str(item), "n": int(r["n"])}
        for p in summary.parameters:
            row[p], row[f"se_{p}"] = _number(r[p]), _number(r.get(f"se_{p}"))
        for f in ("infit", "infit_p", "outfit", "outfit_p"):
            row[f] = _number(r[f])
        row["misfit"] = t("irt_misfit_yes") if bool(r["misfit"]) else t("irt_misfit_no")
        rows.append(row)
    return rows


def _parameter_columns(parameters: list[str]) -> list[dict[str, Any]]:
    number = {"type": "numericColumn", "valueFormatter": decimals_format("irt_parameter"), "minWidth": 70}
    fit = {"type": "numericColumn", "valueFormatter": decimals_format("item_fit"), "minWidth": 70}
    p_value = {"type": "numericColumn", "valueFormatter": {"function": "params.value == null ? '–' : "
                                                                       "d3.format('.3f')(params.value)"},
               "minWidth": 64}
    columns: list[dict[str, Any]] = [
        {"field": "item", "headerName": t("col_item"), "minWidth": 120, "pinned": "left"},
        {"field": "n", "headerName": t("col_n"), "type": "numericColumn", "minWidth": 56}]
    for p in parameters:
        header = t(_PARAMETER_KEYS.get(p, "irt_col_threshold"), name=p)
        columns.append({"field": p, "headerName": header, "headerTooltip": t(f"explain_irt_{p}")
                        if p in _PARAMETER_KEYS else t("explain_irt_threshold", name=p), **number})
        columns.append({"field": f"se_{p}", "headerName": t("irt_col_se", name=p),
                        "headerTooltip": t("explain_irt_se"), **number})
    columns += [
        {"field": "infit", "headerName": t("irt_col_infit"), "headerTooltip": t("explain_irt_infit"), **fit},
        {"field": "infit_p", "headerName": t("irt_col_infit_p"), "headerTooltip": t("explain_irt_fit_p"), **p_value},
        {"field": "outfit", "headerName": t("irt_col_outfit"), "headerTooltip": t("explain_irt_outfit"), **fit},
        {"field": "outfit_p", "headerName": t("irt_col_outfit_p"), "headerTooltip": t("explain_irt_fit_p"), **p_value},
        {"field": "misfit", "headerName": t("irt_col_misfit"), "headerTooltip": t(
            "explain_irt_misfit", limit=irt_summary.MISFIT_MEAN_SQUARE, alpha=irt_summary.MISFIT_ALPHA),
         "minWidth": 110,
         "cellClassRules": {"irt-misfit": f"params.value == '{t('irt_misfit_yes')}'"}},
    ]
    return [{**c, "wrapHeaderText": True, "autoHeaderHeight": True} for c in columns]


def _at_cut(summary: irt_summary.CalibrationSummary) -> list[Any]:
    """The headline cards: θ at the cut, the test information and the CSEM there."""
    info = summary.information
    c = summary.calibration
    facts = t("irt_facts", id=c.id, model=c.model, engine=c.engine, when=f"{c.created_at:%Y-%m-%d %H:%M}",
              by=c.created_by, n=c.n_candidates, loglik=f"{c.loglik:.1f}", aic=f"{c.aic:.1f}", bic=f"{c.bic:.1f}")
    if info.cut_theta is None:
        why = t("irt_no_cut_theta_polytomous") if c.model not in calibrations.DICHOTOMOUS_MODELS else (
            t("irt_no_cut") if summary.cut is None else t("irt_no_cut_theta"))
        return [html.P(facts, className="muted", id="irt-facts"), message(why)]
    at = float(1 / info.csem_at_cut ** 2) if info.csem_at_cut else None
    figures_at_cut = [
        (t("irt_card_theta"), f"{info.cut_theta:.2f}", t("explain_irt_theta_cut", cut=summary.cut,
                                                        maximum=summary.maximum)),
        (t("irt_card_information"), "–" if at is None else f"{at:.2f}", t("explain_irt_information")),
        (t("irt_card_csem"), "–" if info.csem_at_cut is None else f"{info.csem_at_cut:.2f}", t("explain_irt_csem")),
    ]
    left_out = ([html.P(t("irt_left_out", items=", ".join(info.left_out)), className="muted")]
                if info.left_out else [])
    return [html.P(facts, className="muted", id="irt-facts"),
            html.Div(cards(figures_at_cut), className="summary", id="irt-at-cut"), *left_out]


def dif_rows(d: Any, focal: str) -> list[dict[str, Any]]:
    """One row per item of ``attribute_dif``'s tables for ``focal``: MH and logistic regression."""
    mh = d.mh.get(focal)
    lr = d.logistic.get(focal)
    index = (mh if mh is not None else lr).index
    rows = []
    for item in index:
        row: dict[str, Any] = {"item": str(item)}
        if mh is not None:
            m = mh.loc[item]
            row.update(n_reference=int(m["n_reference"]), n_focal=int(m["n_focal"]),
                       mh_d_dif=_number(m["mh_d_dif"]), se_mh_d_dif=_number(m["se_mh_d_dif"]),
                       chi2_mh=_number(m["chi2_mh"]), p_mh=_number(m["p_value"]), ets_class=str(m["ets_class"]))
        if lr is not None:
            r = lr.loc[item]
            row.update(chi2_uniform=_number(r["chi2_uniform"]), p_uniform=_number(r["p_uniform"]),
                       chi2_nonuniform=_number(r["chi2_nonuniform"]), p_nonuniform=_number(r["p_nonuniform"]),
                       r2_delta_total=_number(r["r2_delta_total"]),
                       zumbo_thomas_class=r["zumbo_thomas_class"] or "–",
                       jodoin_gierl_class=r["jodoin_gierl_class"] or "–")
        rows.append(row)
    return rows


def _dif_grid() -> Any:
    def num(field: str, key: str, places: int, **extra: Any) -> dict[str, Any]:
        return {"field": field, "headerName": t(key), "type": "numericColumn", "headerTooltip": t(f"explain_{key}"),
                "valueFormatter": {"function": f"params.value == null ? '–' : d3.format('.{places}f')(params.value)"},
                **extra}

    columns = [
        {"field": "item", "headerName": t("col_item"), "minWidth": 120, "pinned": "left"},
        {"field": "ets_class", "headerName": t("irtdif_col_ets"), "headerTooltip": t("explain_irtdif_col_ets"),
         "minWidth": 70, "cellClassRules": {"dif-c": "params.value == 'C'", "dif-b": "params.value == 'B'"}},
        num("mh_d_dif", "irtdif_col_mh", 2), num("se_mh_d_dif", "irtdif_col_se", 2), num("p_mh", "irtdif_col_p", 3),
        num("p_uniform", "irtdif_col_p_uniform", 3), num("p_nonuniform", "irtdif_col_p_nonuniform", 3),
        num("r2_delta_total", "irtdif_col_r2", 3),
        {"field": "zumbo_thomas_class", "headerName": t("irtdif_col_zt"), "headerTooltip": t("explain_irtdif_col_zt"),
         "minWidth": 70},
        {"field": "n_focal", "headerName": t("irtdif_col_n_focal"), "type": "numericColumn", "minWidth": 70},
        {"field": "n_reference", "headerName": t("irtdif_col_n_reference"), "type": "numericColumn", "minWidth": 70},
    ]
    return grid("irt-dif-grid", [{**c, "wrapHeaderText": True, "autoHeaderHeight": True} for c in columns],
                getRowId={"function": "params.data.item"})


def _calibrate_form() -> html.Div:
    return html.Div(className="actions-box irt-calibrate", children=[
        html.H3(t("irt_calibrate_title")),
        html.P(t("irt_calibrate_intro"), className="muted"),
        html.Label(t("irt_model_label"), htmlFor="irt-model"),
        dcc.RadioItems(id="irt-model", options=[{"label": t(f"irt_model_{m}"), "value": m} for m in MODELS],
                       value="2pl", className="radio-column"),
        html.Div(className="buttons", children=[
            html.Button(t("irt_calibrate_button"), id="irt-calibrate-button", className="primary")]),
        html.P(t("irt_calibrating"), id="irt-calibrating", className="progress", hidden=True),
        dcc.Loading(html.Div(id="irt-calibrate-message"), type="dot"),
    ])


def layout(engine: Engine, user: dict[str, Any], code: str) -> html.Div:
    roles = user.get("roles", [])
    tabs = sitting_tabs(code, "irt", allowed_tabs(roles))
    missing = not_ready(engine, code)
    if missing is not None:
        return html.Div([tabs, missing])
    with Session(engine) as session:
        attributes = list(administrations.get_attributes(session, code).columns)
    side = [_calibrate_form()] if allowed(roles, Permission.DECIDE) else [
        html.P(t("irt_calibrate_committee_only"), className="muted")]
    return html.Div(className="irt-page", children=[
        tabs,
        dcc.Store(id="irt-code", data=code),
        dcc.Store(id="irt-refresh", data=0),
        html.P(t("irt_intro"), className="intro"),
        html.Div(className="irt-top", children=[
            html.Section(className="irt-list", children=[
                html.H2(t("irt_calibrations_title")),
                dcc.Loading(html.Div(id="irt-calibrations-message"), type="dot", delay_show=300),
                grid("irt-calibrations", [
                    {"field": "id", "headerName": t("irt_col_id"), "type": "numericColumn", "maxWidth": 70},
                    {"field": "model", "headerName": t("irt_col_model"), "maxWidth": 90},
                    {"field": "engine", "headerName": t("irt_col_engine"), "maxWidth": 90},
                    {"field": "date", "headerName": t("irt_col_date"), "minWidth": 130},
                    {"field": "by", "headerName": t("irt_col_by"), "minWidth": 90},
                    {"field": "n", "headerName": t("irt_col_candidates"), "type": "numericColumn", "maxWidth": 110},
                    {"field": "converged", "headerName": t("irt_col_converged"), "maxWidth": 110},
                    {"field": "scale", "headerName": t("irt_col_scale"), "minWidth": 260, "flex": 3,
                     "wrapText": True, "autoHeight": True, "tooltipField": "scale",
                     "headerTooltip": t("explain_irt_scale")},
                ], getRowId={"function": "String(params.data.id)"}),
                html.Label(t("irt_choose_label"), htmlFor="irt-calibration"),
                dcc.Dropdown(id="irt-calibration", options=[], clearable=False, placeholder=t("irt_choose_none")),
            ]),
            html.Aside(side, className="irt-side"),
        ]),
        dcc.Loading(html.Div(id="irt-summary", className="irt-chosen"), type="dot", delay_show=300),
        # hidden until a calibration is chosen (no empty chart and table before the first one)
        html.Section(className="irt-chosen", id="irt-chosen", style={"display": "none"}, children=[
            dcc.Graph(id="irt-information", config={"displaylogo": False, "displayModeBar": False}),
            html.H3(t("irt_parameters_title")),
            html.P(t("irt_parameters_intro"), className="muted"),
            grid("irt-parameters", [], getRowId={"function": "params.data.item"},
                 rowClassRules={"flag-warning": f"params.data.misfit == '{t('irt_misfit_yes')}'"}),
        ]),
        html.Section(className="irt-dif", children=[
            html.H2(t("irtdif_title")),
            html.P(t("irtdif_intro", minimum=MIN_GROUP), className="muted"),
            html.Div(className="dif-choice", children=[
                html.Div([html.Label(t("irtdif_group_label"), htmlFor="irt-dif-group"),
                          dcc.Dropdown(id="irt-dif-group", options=attributes, clearable=False,
                                       placeholder=t("irtdif_group_pick" if attributes else "irtdif_group_none"))]),
                html.Div([html.Label(t("irtdif_focal_label"), htmlFor="irt-dif-focal"),
                          dcc.Dropdown(id="irt-dif-focal", options=[], placeholder=t("irtdif_focal_pick"))]),
                html.Button(t("irtdif_button"), id="irt-dif-button", className="primary"),
            ]),
            dcc.Loading(html.Div(id="irt-dif-message"), type="dot", delay_show=300),
            _dif_grid(),
            html.P(t("irtdif_legend"), className="muted"),
        ]),
    ])


PAGE = Page("irt", "/sitting/<code>/irt", Permission.SEE_ANALYSIS, "tab_irt", layout)


def _cut_and_maximum(session: Session, code: str) -> tuple[float | None, float]:
    """The sitting's total cut and maximum as the scoring core has them (as ``itembank irt``)."""
    result = load_administration(session, code).score(candidates=[])
    cut = result.cuts.get("total")
    return None if cut is None else float(cut), float(result.maxima["total"])


def register(app: GuardedApp, engine: Engine) -> None:
    @app.callback(Permission.SEE_ANALYSIS,
                  Output("irt-calibrations", "rowData"), Output("irt-calibration", "options"),
                  Output("irt-calibration", "value"), Output("irt-calibrations-message", "children"),
                  Input("irt-code", "data"), Input("irt-refresh", "data"), State("irt-calibration", "value"))
    def list_calibrations(code: str | None, refresh: Any, chosen: Any):
        if not code:
            raise PreventUpdate
        try:
            with Session(engine) as session:
                facts = irt_summary.sitting_calibrations(session, code)
        except UserError as exc:
            return [], [], None, message(str(exc), "error")
        if not facts:
            return [], [], None, message(t("irt_none_yet", code=code))
        options = [{"label": t("irt_choose_option", id=f.id, model=f.model, when=f"{f.created_at:%Y-%m-%d %H:%M}"),
                    "value": f.id} for f in facts]
        ids = [f.id for f in facts]
        if isinstance(refresh, dict) and refresh.get("id") in ids:
            value = refresh["id"]  # just calibrated: show the new one
        elif chosen in ids:
            value = chosen  # keep the one the user chose
        else:
            value = facts[0].id  # the newest
        return calibration_rows(facts), options, value, None

    @app.callback(Permission.SEE_ANALYSIS,
                  Output("irt-summary", "children"), Output("irt-information", "figure"),
                  Output("irt-chosen", "style"), Output("irt-parameters", "columnDefs"),
                  Output("irt-parameters", "rowData"),
                  Input("irt-calibration", "value"), State("irt-code", "data"))
    def show_calibration(calibration_id: Any, code: str | None):
        if not code or calibration_id is None:
            return None, no_update, {"display": "none"}, [], []
        try:
            with Session(engine) as session:
                cut, maximum = _cut_and_maximum(session, code)
                summary = irt_summary.calibration_summary(session, code, cut=cut, maximum=maximum,
                                                          calibration_id=int(calibration_id))
        except UserError as exc:
            return message(str(exc), "error"), no_update, {"display": "none"}, [], []
        info = summary.information
        figure = figures.information_figure(info.theta, info.information, info.csem, info.cut_theta, height=320)
        return (_at_cut(summary), figure, {}, _parameter_columns(summary.parameters), parameter_rows(summary))

    @app.callback(Permission.DECIDE,
                  Output("irt-calibrate-message", "children"), Output("irt-refresh", "data"),
                  Input("irt-calibrate-button", "n_clicks"), State("irt-code", "data"), State("irt-model", "value"),
                  running=[(Output("irt-calibrate-button", "disabled"), True, False),
                           (Output("irt-calibrating", "hidden"), False, True)])
    def calibrate(clicks: int | None, code: str | None, model: str | None):
        if not clicks or not code:
            raise PreventUpdate
        user = current_user() or {}
        try:
            with Session(engine) as session:
                stored = calibrations.add_calibration(session, code, model=str(model), actor=user["username"])
                cal = stored.calibration
                done = t("irt_calibrated", id=cal.id, model=cal.model, n=cal.n_candidates,
                         converged=t("yes") if cal.converged else t("irt_not_converged"))
                notes = list(stored.notes)
                new_id = cal.id
                session.commit()
        except UserError as exc:
            return message(t("irt_calibrate_failed", reason=str(exc)), "error"), no_update
        body: list[Any] = [message(done, "ok"), *(html.P(n, className="muted") for n in notes)]
        return html.Div(body), {"id": new_id}

    @app.callback(Permission.SEE_ANALYSIS,
                  Output("irt-dif-focal", "options"), Output("irt-dif-focal", "value"),
                  Input("irt-dif-group", "value"), State("irt-code", "data"))
    def focal_values(group: str | None, code: str | None):
        if not group or not code:
            return [], None
        with Session(engine) as session:
            attributes = administrations.get_attributes(session, code)
        if group not in attributes.columns:
            return [], None
        counts = attributes[group].dropna().astype(str).value_counts()
        options = [{"label": t("irtdif_focal_option", value=v, n=int(n)), "value": v} for v, n in counts.items()]
        # the default focal group: the second largest (the largest is the reference), as the service
        return options, (str(counts.index[1]) if len(counts) > 1 else None)

    @app.callback(Permission.SEE_ANALYSIS,
                  Output("irt-dif-message", "children"), Output("irt-dif-grid", "rowData"),
                  Input("irt-dif-button", "n_clicks"), State("irt-code", "data"), State("irt-dif-group", "value"),
                  State("irt-dif-focal", "value"))
    def run_dif(clicks: int | None, code: str | None, group: str | None, focal: str | None):
        if not clicks or not code:
            raise PreventUpdate
        if not group:
            return message(t("irtdif_pick_group"), "error"), []
        try:
            with Session(engine) as session:
                result = load_administration(session, code).score()
                attributes = administrations.get_attributes(session, code)
            d = attribute_dif(result, attributes, group, focal=focal or None, method="both")
        except UserError as exc:
            return message(str(exc), "error"), []
        shown_focal = next(iter(d.reference))
        sizes = ", ".join(f"{g} ({n})" for g, n in d.counts.items())
        text = [html.P(t("irtdif_heading", attribute=group, focal=shown_focal, reference=d.reference[shown_focal],
                         sizes=sizes), id="irt-dif-heading")]
        text += [html.P(t("dif_too_small", attribute=group, group=g, n=n, minimum=MIN_GROUP), className="muted")
                 for g, n in d.skipped]
        return html.Div(text), dif_rows(d, shown_focal)
