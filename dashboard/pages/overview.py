"""The sittings overview (home page): every administration and where it stands.

One row per sitting from :func:`itembank.services.overview.administration_states`: candidates,
rule set, decisions in force, the committee's cut, releases, objections and annulments, and for
a sitting that is not ready, what is missing — in words, never a blank page. Each row links to
the sitting's pages this user may open.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.components import message
from dashboard.guard import GuardedApp
from dashboard.pages import SITTING_TABS, Page, allowed_tabs, sitting_path
from itembank.permissions import Permission
from itembank.services.overview import SittingState, administration_states
from itembank.text import t

__all__ = ["PAGE", "register", "cut_text"]

def cut_text(rule: dict[str, Any] | None) -> str:
    """A cut-score rule as the committee reads it: "65 %", "28 points", "70 % with guessing"."""
    if not rule:
        return t("cut_from_rule_set")
    kind, value = rule.get("kind"), rule.get("value")
    key = {"percent": "cut_percent", "points": "cut_points", "percent_guessing": "cut_percent_guessing"}.get(str(kind))
    return t(key, value=value) if key else t("cut_other", kind=kind)


def _row(state: SittingState, may_open: set[str]) -> html.Tr:
    links = [dcc.Link(t(key), href=sitting_path(state.code, name), className="button-link")
             for name, key in SITTING_TABS if name in may_open and not state.missing]
    status = (html.Ul([html.Li(m) for m in state.missing], className="missing") if state.missing
              else t(f"stage_{state.stage.replace(' ', '_')}"))
    return html.Tr([
        html.Td(html.Strong(state.code)), html.Td(state.form), html.Td(state.date.isoformat()),
        html.Td(f"{state.candidates}", className="num"), html.Td(state.rule_set or "–"),
        html.Td(f"{state.decisions}", className="num"), html.Td(cut_text(state.cut_rule) if not state.missing else "–"),
        html.Td(t("release_count", n=state.releases, latest=state.latest_release) if state.releases else "–"),
        html.Td(f"{state.objections} / {state.annulments}", className="num"),
        html.Td(status), html.Td(links, className="actions"),
    ], className="sitting-row" + (" waiting" if state.missing else ""), id={"type": "sitting-row", "code": state.code})


def layout(engine: Engine, user: dict[str, Any]) -> html.Div:
    with Session(engine) as session:
        states = administration_states(session)
    may_open = allowed_tabs(user.get("roles", []))
    if not states:
        return html.Div([html.H1(t("overview_title")), message(t("no_sittings"))])
    head = [t(k) for k in ("col_sitting", "col_form", "col_date", "col_candidates", "col_rule_set", "col_decisions",
                           "col_cut", "col_releases", "col_objections", "col_state", "col_open")]
    return html.Div([
        html.H1(t("overview_title")),
        html.P(t("overview_intro"), className="muted"),
        html.Table([html.Thead(html.Tr([html.Th(h) for h in head])),
                    html.Tbody([_row(s, may_open) for s in states])], className="overview", id="sittings"),
    ])


PAGE = Page("overview", "/", Permission.SEE_ANALYSIS, "overview_title", layout, in_menu=True)


def register(app: GuardedApp, engine: Engine) -> None:
    """The overview has no callbacks of its own (the router renders it)."""
