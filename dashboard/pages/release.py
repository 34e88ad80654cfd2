"""The release page (secretary). PLACEHOLDER: being built."""

from __future__ import annotations

from typing import Any

from dash import html
from sqlalchemy import Engine

from dashboard.components import sitting_tabs
from dashboard.guard import GuardedApp
from dashboard.pages import Page
from itembank.permissions import Permission
from itembank.text import t

__all__ = ["PAGE", "register"]


def layout(engine: Engine, user: dict[str, Any], code: str) -> html.Div:
    from dashboard.pages.review import allowed_tabs

    return html.Div([sitting_tabs(code, "release", allowed_tabs(user)), html.H1(t("release_page_title"))])


PAGE = Page("release", "/sitting/<code>/release", Permission.RELEASE, "release_page_title", layout)


def register(app: GuardedApp, engine: Engine) -> None:
    """No callbacks yet."""
