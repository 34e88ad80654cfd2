"""The audit trail, filterable by administration, user, action and date.

Reads :func:`itembank.storage.audit.get_events` (the one query the CLI's ``itembank audit`` uses),
newest first in the grid.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from typing import Any

from dash import Input, Output, dcc, html
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.components import grid, message
from dashboard.guard import GuardedApp
from dashboard.pages import Page
from itembank.permissions import Permission
from itembank.services import administrations
from itembank.storage import audit
from itembank.text import t

__all__ = ["PAGE", "register", "event_rows"]

LIMIT = 2000  # rows shown at once; the filters narrow it


def event_rows(events: list[Any]) -> list[dict[str, Any]]:
    """Audit events as grid rows, newest first."""
    return [{"at": e.at.strftime("%Y-%m-%d %H:%M:%S"), "actor": e.actor, "action": e.action,
             "entity": f"{e.entity_type} {e.entity_id}", "reason": e.reason or "",
             "detail": json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else ""}
            for e in reversed(events)]


def layout(engine: Engine, user: dict[str, Any]) -> html.Div:
    with Session(engine) as session:
        admins = [a.code for a in administrations.list_administrations(session)]
        actors, actions = audit.filter_values(session)
    columns = [{"field": "at", "headerName": t("col_when"), "maxWidth": 170},
               {"field": "actor", "headerName": t("col_who"), "maxWidth": 130},
               {"field": "action", "headerName": t("col_action"), "maxWidth": 170},
               {"field": "entity", "headerName": t("col_about"), "maxWidth": 220},
               {"field": "reason", "headerName": t("col_reason"), "tooltipField": "reason", "flex": 2},
               {"field": "detail", "headerName": t("col_detail"), "tooltipField": "detail", "flex": 2}]
    return html.Div([
        html.H1(t("audit_title")),
        html.Div(className="filters", children=[
            html.Label([t("filter_sitting"), dcc.Dropdown(admins, id="audit-admin", placeholder=t("all"))]),
            html.Label([t("filter_user"), dcc.Dropdown(actors, id="audit-actor", placeholder=t("all"))]),
            html.Label([t("filter_action"), dcc.Dropdown(actions, id="audit-action", placeholder=t("all"))]),
            html.Label([t("filter_dates"), dcc.DatePickerRange(id="audit-dates", display_format="YYYY-MM-DD")]),
        ]),
        html.Div(id="audit-count", className="muted"),
        grid("audit-grid", columns, height="60vh", pagination=True, paginationPageSize=100),
    ])


PAGE = Page("audit", "/audit", Permission.READ_AUDIT, "audit_title", layout, in_menu=True)


def _day(value: str | None, end: bool) -> datetime | None:
    if not value:
        return None
    return datetime.combine(date.fromisoformat(value[:10]), time.max if end else time.min, tzinfo=timezone.utc)


def register(app: GuardedApp, engine: Engine) -> None:
    @app.callback(Permission.READ_AUDIT, Output("audit-grid", "rowData"), Output("audit-count", "children"),
                  Input("audit-admin", "value"), Input("audit-actor", "value"), Input("audit-action", "value"),
                  Input("audit-dates", "start_date"), Input("audit-dates", "end_date"))
    def show_events(admin: str | None, actor: str | None, action: str | None, start: str | None, end: str | None):
        with Session(engine) as session:
            events = audit.get_events(session, administration=admin or None, actor=actor or None,
                                      action=action or None, since=_day(start, False), until=_day(end, True))
        rows = event_rows(events)
        shown = rows[:LIMIT]
        note = t("audit_count", n=len(rows)) + (" " + t("audit_limited", limit=LIMIT) if len(rows) > LIMIT else "")
        return shown, note if rows else message(t("audit_none"))
