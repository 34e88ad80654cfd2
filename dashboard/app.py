"""The Dash app: the committee's item-analysis screen for an administration.

``create_app(db)`` builds the app on a bank; ``serve(db)`` runs it (``itembank dashboard``).
Callbacks only wire: choosing an administration opens a session, calls
:func:`itembank.services.item_analysis.analyze_administration` (the scoring core with every decision
taken so far, then :mod:`analysis`) once and hands the result to :mod:`dashboard.views`; the
per-item details go to the page with it, so clicking an item reads no database.

Only a logged-in committee member or secretary gets anything but the log-in page
(:mod:`dashboard.auth` checks every request on the server). Item *content* (stems, option
texts) is not shown yet; statistics, item codes and option labels are. The server listens on
127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import Dash, Input, Output, State, dcc, html, no_update
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard import views
from itembank import figures
from dashboard.auth import current_user, install_auth
from itembank.text import t
from itembank.permissions import Permission
from itembank.services import administrations
from itembank.storage.db import open_bank
from itembank.services.item_analysis import analyze_administration

__all__ = ["create_app", "serve"]

_PERCENT = {"valueFormatter": {"function": "params.value == null ? '' : d3.format('.1f')(params.value) + ' %'"}}


def _grid(grid_id: str, columns: list[dict[str, Any]], **options: Any) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=[],
        defaultColDef={"sortable": True, "resizable": True, "flex": 1, "minWidth": 70},
        dashGridOptions={"domLayout": "autoHeight", "suppressCellFocus": True, **options},
        style={"height": None},
        className="ag-theme-alpine",
    )


def _item_grid() -> dag.AgGrid:
    numeric = {"type": "numericColumn"}
    columns = [
        {"field": "item", "headerName": t("col_item"), "minWidth": 150},
        {"field": "n", "headerName": t("col_n"), **numeric},
        {"field": "p", "headerName": t("col_p"), **numeric},
        {"field": "rit", "headerName": t("col_rit"), **numeric},
        {"field": "rir", "headerName": t("col_rir"), **numeric},
        {"field": "alpha_if_deleted", "headerName": t("col_alpha_if_deleted"), **numeric},
        {"field": "flags", "headerName": t("col_flags"), "minWidth": 260, "flex": 3},
    ]
    return _grid("item-grid", columns, getRowId={"function": "params.data.item"}, rowClassRules={
        "flag-critical": "params.data.severity == 'critical'",
        "flag-warning": "params.data.severity == 'warning'",
    })


def _option_grid() -> dag.AgGrid:
    numeric = {"type": "numericColumn"}
    columns = [
        {"field": "option", "headerName": t("col_option"), "minWidth": 120},
        {"field": "is_key", "headerName": t("col_is_key")},
        {"field": "n", "headerName": t("col_n"), **numeric},
        *({"field": f, "headerName": t(f"col_{f}"), **numeric, **_PERCENT}
          for f in ("proportion", "prop_low", "prop_mid", "prop_high")),
        {"field": "rar", "headerName": t("col_rar"), **numeric},
        {"field": "mean_total", "headerName": t("col_mean_total"), **numeric},
    ]
    return _grid("option-grid", columns)


def _layout(engine: Engine) -> html.Div:
    with Session(engine) as session:
        admins = administrations.list_administrations(session)
        choices = [{"label": t("administration_option", code=a.code, form=a.form.code, date=a.date.isoformat()),
                    "value": a.code} for a in admins]
    who = current_user() or {}
    return html.Div(className="page", children=[
        html.Header([html.H1(t("title")), html.P(t("subtitle"), className="subtitle"),
                     html.P([t("logged_in_as", name=who.get("name", ""), roles=", ".join(who.get("roles", []))), " · ",
                             html.A(t("logout"), href="/logout", id="logout")], className="who")]),
        html.Label(t("administration"), htmlFor="administration"),
        dcc.Dropdown(id="administration", options=choices, value=choices[0]["value"] if choices else None,
                     clearable=False, placeholder=t("no_administrations")),
        html.P(t("no_administrations"), className="notice") if not choices else None,
        dcc.Store(id="item-details"),
        dcc.Loading(html.Div(id="summary", className="summary")),
        dcc.Graph(id="score-distribution", config={"displaylogo": False}),
        html.H2(t("item_table")),
        _item_grid(),
        html.Div(id="item-detail", className="item-detail", children=[
            html.H2(id="item-heading", children=t("pick_item")),
            html.Ul(id="item-flags", className="flags"),
            html.H3(t("options_table")),
            _option_grid(),
            dcc.Graph(id="option-groups", config={"displaylogo": False}),
        ]),
    ])


def create_app(db: str | None = None, *, engine: Engine | None = None) -> Dash:
    """The dashboard on the bank at ``db`` (a SQLite path or SQLAlchemy URL), or on ``engine``."""
    engine = engine if engine is not None else open_bank(db)
    app = Dash(__name__, title="itembank", suppress_callback_exceptions=False)
    # Every request — the page, its layout, each callback — is checked on the server: log-in,
    # idle time-out, and a role that may see the item analysis (dashboard/auth.py).
    install_auth(app.server, engine, permission=Permission.SEE_ANALYSIS)
    app.layout = lambda: _layout(engine)  # a function: new administrations appear on reload

    @app.callback(
        Output("summary", "children"),
        Output("score-distribution", "figure"),
        Output("item-grid", "rowData"),
        Output("item-details", "data"),
        Input("administration", "value"),
    )
    def show_administration(code: str | None):
        if not code:
            return no_update, no_update, [], {}
        with Session(engine) as session:
            a = analyze_administration(session, code)
        cards = [html.Div([html.Span(label, className="label"), html.Span(value, className="value")],
                          className="card") for label, value in views.summary(a)]
        return cards, figures.score_figure(a.distribution.histogram(), a.result.cuts.get("total")), views.item_rows(a), views.item_details(a)

    @app.callback(
        Output("item-heading", "children"),
        Output("item-flags", "children"),
        Output("option-grid", "rowData"),
        Output("option-groups", "figure"),
        Input("item-grid", "cellClicked"),
        State("item-details", "data"),
        prevent_initial_call=True,
    )
    def show_item(clicked: dict[str, Any] | None, details: dict[str, Any] | None):
        detail = (details or {}).get((clicked or {}).get("rowId"))
        if detail is None:
            return no_update, no_update, no_update, no_update
        flags = [html.Li(message, className=f"flag-{severity}") for severity, message in detail["flags"]]
        notes = flags or [html.Li(t("no_flags"), className="flag-none")]
        if not detail["options"]:
            notes.append(html.Li(t("no_options"), className="flag-none"))
        figure = figures.groups_figure(detail["groups"]) if detail["options"] else {}
        return t("item_heading", item=clicked["rowId"]), notes, detail["options"], figure

    return app


def serve(db: str | None = None, *, host: str = "127.0.0.1", port: int = 8050, workers: int = 2,
          threads: int = 4) -> None:
    """Run the dashboard until interrupted, on gunicorn (a production WSGI server).

    ``workers`` processes each build their own app and engine (no state is shared between
    them but the bank, whose numbers every worker reads the same way; see the README's data
    model), each with ``threads`` threads for concurrent requests. Flask's development server
    is used only by the tests.
    """
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "worker_class": "gthread", "timeout": 120, "graceful_timeout": 5, "accesslog": None,
                               "errorlog": "-", "loglevel": "warning"}.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            # Called in each worker after the fork: every worker has its own engine.
            return create_app(db).server

    _Server().run()
