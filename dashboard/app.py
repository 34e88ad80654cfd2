"""The Dash app: the committee's workspace, one page per task.

``create_app(db)`` builds the app on a bank; ``serve(db)`` runs it (``itembank dashboard``).
The layout is a shell — the menu, who is logged in, and an empty page area; a router callback
fills the page area from the URL (:mod:`dashboard.pages`) after checking, on the server, that
the user's roles may open that page. Every other callback carries its own permission
(:class:`dashboard.guard.GuardedApp`), checked by :mod:`dashboard.auth` before it runs.

Callbacks only wire: they call one service (:mod:`itembank.services`) and hand its result to
:mod:`dashboard.views` for rows and to :mod:`itembank.figures` for charts. The server listens on
127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html, set_props
from flask import request
from sqlalchemy import Engine

from dashboard import pages as page_registry
from dashboard.auth import current_user, install_auth
from dashboard.components import message
from dashboard.guard import ANY_USER, GuardedApp
from itembank.errors import expected_message, log_bug
from itembank.permissions import Permission, allowed
from itembank.storage.db import open_bank
from itembank.text import t

__all__ = ["create_app", "serve"]

#: The menu: (path, text key, permission needed to see the link).
MENU = (("/", "menu_sittings", Permission.SEE_ANALYSIS), ("/bank", "menu_bank", Permission.READ_ITEMS),
        ("/bank/review", "menu_queue", Permission.REVIEW_ITEMS), ("/blueprints", "menu_blueprints", Permission.READ_ITEMS),
        ("/assembly", "menu_assembly", Permission.ASSEMBLE), ("/reports", "menu_reports", Permission.SEE_ANALYSIS),
        ("/audit", "menu_audit", Permission.READ_AUDIT))


def _shell() -> html.Div:
    """The page frame; holds no data but the user's own name and the links they may follow."""
    who = current_user() or {}
    roles = who.get("roles", [])
    links = [dcc.Link(t(key), href=path, className="menu-link") for path, key, needs in MENU if allowed(roles, needs)]
    return html.Div(className="page", children=[
        dcc.Location(id="url", refresh="callback-nav"),
        html.Header(className="top", children=[
            html.Div([html.A(t("title"), href="/", className="brand"), html.Nav(links, className="menu")]),
            html.P([t("logged_in_as", name=who.get("name", ""), roles=", ".join(roles)), " · ",
                    html.A(t("logout"), href="/logout", id="logout")], className="who"),
        ]),
        html.Div(id="global-error"),
        html.Main(id="page-content", children=html.P(t("loading"), className="muted")),
    ])


def render(engine: Engine, path: str | None) -> Any:
    """The content of the page at ``path`` for the logged-in user, or why it cannot be shown."""
    found = page_registry.resolve(path or "/")
    if found is None:
        return message(t("page_not_found", path=path or "/"), "error")
    page, parts = found
    roles = (current_user() or {}).get("roles", [])
    if not allowed(roles, page.permission):
        if page.name == "overview":  # the home page of a role without the analysis: the bank, or a word
            if allowed(roles, Permission.READ_ITEMS):
                bank_page = page_registry.resolve("/bank")
                assert bank_page is not None
                return bank_page[0].layout(engine, current_user() or {})
            return html.Div([html.H1(t("home_title")), html.P(t("home_no_sittings", roles=", ".join(roles)))])
        return message(t("page_forbidden", page=t(page.title), roles=", ".join(roles)), "error")
    return page.layout(engine, current_user() or {}, **parts)


def on_callback_error(err: Exception) -> None:
    """A callback failed: the user sees one message in the page, never a traceback. A mistake
    they can act on (:func:`itembank.errors.expected_message`) is shown as it is; anything
    else is a bug, logged with its traceback (:func:`itembank.errors.log_bug`) and reported as
    such. The callback's outputs stay as they were."""
    text = expected_message(err)
    if text is None:
        body = request.get_json(silent=True) or {}
        path = log_bug(err, f"dashboard {current_user_name()} {body.get('output', request.path)}")
        text = t("bug_message", kind=type(err).__name__, where=str(path) if path else t("bug_no_log"))
    set_props("global-error", {"children": message(text, "error")})


def current_user_name() -> str:
    return str((current_user() or {}).get("username", "-"))


def create_app(db: str | None = None, *, engine: Engine | None = None) -> Dash:
    """The dashboard on the bank at ``db`` (a SQLite path or SQLAlchemy URL), or on ``engine``."""
    engine = engine if engine is not None else open_bank(db)
    app = Dash(__name__, title="itembank", suppress_callback_exceptions=True, update_title=None,
               on_error=on_callback_error)
    guarded = GuardedApp(app)
    # Every request — the page, its layout, each callback — is checked on the server: log-in,
    # idle time-out, and, for a callback, the permission it was registered with.
    install_auth(app.server, engine, guarded)
    app.layout = _shell  # a function: who is logged in is read per request

    @guarded.callback(ANY_USER, Output("page-content", "children"), Input("url", "pathname"))
    def route(path: str | None) -> Any:
        return render(engine, path)

    for page in page_registry.pages():
        __import__(page.layout.__module__, fromlist=["register"]).register(guarded, engine)
    app.guarded = guarded  # type: ignore[attr-defined]  # for the tests that list every callback
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
