"""The committee's reports as downloads: a sitting's administration report (toetsrapport) and
the evaluation of a specification over a period, each as HTML or PDF.

The files are made by :func:`itembank.reports.administration_report` and
:func:`itembank.reports.evaluation_report` — the functions ``itembank report ADMIN`` and
``itembank report evaluation SPEC --from --to`` call — written to a temporary folder and sent
with ``dcc.Download``. Who may: :data:`Permission.SEE_ANALYSIS` (committee and secretary; the
review page's report button needs the same), since the reports hold the item analysis.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.components import message
from dashboard.guard import GuardedApp
from dashboard.pages import Page
from itembank.errors import UserError
from itembank.permissions import Permission
from itembank.services import administrations, bank
from itembank.text import t

__all__ = ["PAGE", "default_period", "make_report", "register"]


def default_period(dates: list[date]) -> tuple[date, date]:
    """The calendar year of the newest sitting (the yearly evaluation); this year without one."""
    year = max(dates).year if dates else date.today().year
    return date(year, 1, 1), date(year, 12, 31)


def _busy() -> html.P:
    """What shows while a report is made (its buttons are disabled meanwhile)."""
    return html.P(t("reports_busy"), className="muted", role="status")


def layout(engine: Engine, user: dict[str, Any]) -> html.Div:
    with Session(engine) as session:
        sittings = administrations.list_administrations(session)
        admins = [{"label": f"{a.code} ({a.date:%Y-%m-%d}, {a.form.code})", "value": a.code} for a in sittings]
        specs = [{"label": f"{s.code} — {s.name}", "value": s.code} for s in bank.list_specifications(session)]
        start, end = default_period([a.date for a in sittings])
    return html.Div([
        html.H1(t("reports_title")),
        html.Section(className="actions-box", children=[
            html.H2(t("reports_admin_heading")),
            html.Label([t("reports_admin_sitting"),
                        dcc.Dropdown(admins, admins[0]["value"] if admins else None, id="reports-admin",
                                     clearable=False)]),
            html.Div(className="file-actions", children=[
                html.Button(t("report_html_button"), id="reports-admin-html"),
                html.Button(t("report_pdf_button"), id="reports-admin-pdf")]),
            dcc.Loading(custom_spinner=_busy(), children=[dcc.Download(id="reports-admin-download"),
                                                          html.Div(id="reports-admin-message")]),
        ]),
        html.Section(className="actions-box", children=[
            html.H2(t("reports_eval_heading")),
            html.Label([t("reports_eval_spec"),
                        dcc.Dropdown(specs, specs[0]["value"] if specs else None, id="reports-spec",
                                     clearable=False)]),
            html.Label([t("reports_eval_period"),
                        dcc.DatePickerRange(id="reports-period", start_date=start.isoformat(),
                                            end_date=end.isoformat(), display_format="YYYY-MM-DD")]),
            html.Div(className="file-actions", children=[
                html.Button(t("report_html_button"), id="reports-eval-html"),
                html.Button(t("report_pdf_button"), id="reports-eval-pdf")]),
            dcc.Loading(custom_spinner=_busy(), children=[dcc.Download(id="reports-eval-download"),
                                                          html.Div(id="reports-eval-message")]),
        ]),
    ])


PAGE = Page("reports", "/reports", Permission.SEE_ANALYSIS, "reports_title", layout, in_menu=True)


def make_report(engine: Engine, write: Callable[[Session, Path], Path], name: str) -> tuple[Any, Any]:
    """``write(session, target)`` into a temporary folder as ``name``; the file for
    ``dcc.Download`` and a line saying it was made, or no file and the error in words."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            with Session(engine) as session:
                out = write(session, Path(folder) / name)
        except UserError as exc:
            return no_update, message(str(exc), "error")
        content = out.read_bytes()
    size = max(1, round(len(content) / 1024))
    return dcc.send_bytes(content, name), message(t("reports_written", name=name, size=size), "ok")


def _suffix(pdf_button: str) -> str:
    return ".pdf" if ctx.triggered_id == pdf_button else ".html"


def register(app: GuardedApp, engine: Engine) -> None:
    from itembank.reports import administration_report, evaluation_report

    @app.callback(Permission.SEE_ANALYSIS, Output("reports-admin-download", "data"),
                  Output("reports-admin-message", "children"),
                  Input("reports-admin-html", "n_clicks"), Input("reports-admin-pdf", "n_clicks"),
                  State("reports-admin", "value"), prevent_initial_call=True,
                  running=[(Output("reports-admin-html", "disabled"), True, False),
                           (Output("reports-admin-pdf", "disabled"), True, False)])
    def admin_report(_html, _pdf, code: str | None):
        """The administration report of the chosen sitting (``itembank report ADMIN``)."""
        if not code:
            return no_update, message(t("reports_choose_sitting"), "error")
        return make_report(engine, lambda s, out: administration_report(s, code, out),
                           f"report-{code}{_suffix('reports-admin-pdf')}")

    @app.callback(Permission.SEE_ANALYSIS, Output("reports-eval-download", "data"),
                  Output("reports-eval-message", "children"),
                  Input("reports-eval-html", "n_clicks"), Input("reports-eval-pdf", "n_clicks"),
                  State("reports-spec", "value"), State("reports-period", "start_date"),
                  State("reports-period", "end_date"), prevent_initial_call=True,
                  running=[(Output("reports-eval-html", "disabled"), True, False),
                           (Output("reports-eval-pdf", "disabled"), True, False)])
    def eval_report(_html, _pdf, spec: str | None, start: str | None, end: str | None):
        """The evaluation of the chosen specification over the period (``itembank report
        evaluation SPEC --from --to``)."""
        if not (spec and start and end):
            return no_update, message(t("reports_choose_spec"), "error")
        first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
        return make_report(engine, lambda s, out: evaluation_report(s, spec, first, last, out),
                           f"evaluation-{spec}-{first:%Y%m%d}-{last:%Y%m%d}{_suffix('reports-eval-pdf')}")
