"""The reviewer's queue: item versions waiting for review that this user may review (not
their own: the four-eyes rule), oldest request first. Each links to the item's page, where the
review step is taken. A translation or read-aloud version made from an older source version than
the source's newest is marked out of date (:func:`itembank.services.bank.out_of_date`)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.components import message
from dashboard.guard import GuardedApp
from dashboard.pages import Page
from dashboard.pages.bank import item_path
from itembank.permissions import Permission
from itembank.services import bank
from itembank.text import t

__all__ = ["PAGE", "register"]


def layout(engine: Engine, user: dict[str, Any]) -> html.Div:
    with Session(engine) as session:
        queue = [(v.item.code, v.number, v.author, v.language, v.variant.value, v.change_note,
                  v.review.changed_at, bank.out_of_date(session, v.item.code, v.number))
                 for v in bank.review_queue(session, user.get("username", ""))]
    if not queue:
        return html.Div([html.H1(t("queue_title")), message(t("queue_empty"))])

    def stale(made_newest: tuple[int, int] | None) -> Any:
        # a translation made from an older source version than the newest: the reviewer should know
        if made_newest is None:
            return ""
        return html.Span(t("line_out_of_date", made=made_newest[0], newest=made_newest[1]), className="out-of-date")

    return html.Div([
        html.H1(t("queue_title")),
        html.P(t("queue_intro", n=len(queue)), className="muted"),
        html.Table([html.Thead(html.Tr([html.Th(t(k)) for k in ("col_code", "col_version", "col_author",
                                                                "col_language", "col_change_note", "col_since",
                                                                "queue_col_out_of_date")])),
                    html.Tbody([html.Tr([html.Td(dcc.Link(code, href=item_path(code))), html.Td(number),
                                         html.Td(author), html.Td(f"{language} {variant}"), html.Td(note),
                                         html.Td(f"{since:%Y-%m-%d}"), html.Td(stale(made))])
                                for code, number, author, language, variant, note, since, made in queue])],
                   className="overview", id="review-queue"),
    ])


PAGE = Page("bank_review", "/bank/review", Permission.REVIEW_ITEMS, "queue_title", layout, in_menu=True)


def register(app: GuardedApp, engine: Engine) -> None:
    """The queue has no callbacks of its own (the router renders it)."""
