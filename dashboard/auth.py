"""Log-in for the dashboard, checked on the server for every request.

Nothing of the dashboard reaches a browser that is not logged in with a role that may see
it: one ``before_request`` hook on the Flask server guards every page, the Dash layout
(``/_dash-layout``) and every callback (``/_dash-update-component``), so a forged request
gets a refusal, never item codes, item text or candidates' results. Only the log-in page and
the static JavaScript/CSS bundles (which hold no data) are served without a log-in.

* A page request and the layout need a logged-in, active user: the layout is the empty shell
  (menu and log-out); every page's content comes from callbacks.
* A callback request is allowed only when its output is a registered callback
  (:class:`dashboard.guard.GuardedApp`) and the user's roles hold the permission recorded for
  it (:mod:`itembank.permissions`); an unknown callback is refused too.

* The session is Flask's signed cookie; its secret is generated in the bank by a migration
  (:func:`itembank.services.users.session_secret`), never in the source tree. The cookie is
  HttpOnly and SameSite=Lax (another site cannot post with it).
* Every request re-reads the user's roles and whether the account is still active, so a
  disabled account or a changed role takes effect at once.
* After :data:`IDLE_MINUTES` without a request the session ends.
* Passwords, the back-off after failed log-ins and the audit of log-ins are
  :mod:`itembank.services.users`; who may do what is :mod:`itembank.permissions`.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, has_request_context, redirect, request, session
from markupsafe import escape
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.guard import ANY_USER, GuardedApp
from itembank.text import t
from itembank.errors import NotFoundError
from itembank.permissions import allowed
from itembank.services import users
from itembank.storage import audit

__all__ = ["IDLE_MINUTES", "install_auth", "current_user"]

IDLE_MINUTES = 30
#: Served without a log-in: the log-in page itself and static bundles (code and styles, no data).
_OPEN_PREFIXES = ("/login", "/logout", "/assets/", "/_dash-component-suites/", "/_favicon.ico")


def current_user() -> dict[str, Any] | None:
    """The logged-in user of this request (username, display name, roles) or None (also
    outside a request, e.g. when Dash checks the layout function at start-up)."""
    return session.get("user") if has_request_context() else None


def _login_page(message: str = "", username: str = "", next_url: str = "/", status: int = 200) -> Response:
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(t("login_title"))}</title>
<link rel="stylesheet" href="/assets/itembank.css"></head><body><main class="page login">
<h1>{escape(t("login_title"))}</h1><p class="subtitle">{escape(t("login_intro"))}</p>
{f'<p class="notice" role="alert">{escape(message)}</p>' if message else ''}
<form method="post" action="/login">
<input type="hidden" name="next" value="{escape(next_url)}">
<label for="username">{escape(t("login_user"))}</label>
<input id="username" name="username" autocomplete="username" value="{escape(username)}" required autofocus>
<label for="password">{escape(t("login_password"))}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="login" type="submit">{escape(t("login_button"))}</button>
</form></main></body></html>"""
    return Response(body, status=status, mimetype="text/html")


def _safe_next(url: str | None) -> str:
    """Only a path on this site (never another host) to go to after logging in."""
    parts = urlsplit(url or "/")
    return parts.path if not parts.netloc and not parts.scheme and parts.path.startswith("/") else "/"


def _refuse(status: int, message: str) -> Response:
    if request.path.startswith("/_dash-"):
        return Response(message, status=status, mimetype="text/plain")
    if status == 401:
        return _login_page(message, next_url=request.path, status=200)
    return Response(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(t('forbidden_title'))}"
                    f"</title><link rel='stylesheet' href='/assets/itembank.css'></head><body><main class='page'>"
                    f"<h1>{escape(t('forbidden_title'))}</h1><p>{escape(message)}</p><p><a href='/logout'>"
                    f"{escape(t('logout'))}</a></p></main></body></html>", status=status, mimetype="text/html")


def install_auth(server: Flask, engine: Engine, guard: GuardedApp) -> None:
    """Guard ``server``: log-in page, log-out, and the check of every other request; callbacks
    need the permission ``guard`` recorded for them."""
    with Session(engine) as s:
        server.secret_key = users.session_secret(s)
        s.commit()
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_NAME="itembank_session")

    @server.before_request
    def _check() -> Response | None:
        if request.path.startswith(_OPEN_PREFIXES):
            return None
        who = current_user()
        if who is None:
            return _refuse(401, t("login_needed"))
        if time.time() - who.get("seen", 0) > IDLE_MINUTES * 60:
            session.clear()
            return _refuse(401, t("login_expired", minutes=IDLE_MINUTES))
        with Session(engine) as s:
            try:
                user = users.get_user(s, who["username"])
            except NotFoundError:
                user = None
            roles = sorted(r.value for r in user.roles) if user is not None and user.active else []
        if not roles:
            session.clear()
            return _refuse(401, t("login_needed"))
        if request.path == "/_dash-update-component":
            body = request.get_json(silent=True) or {}
            needs = guard.permission_for(str(body.get("output", "")))
            if needs is None or (needs != ANY_USER and not allowed(roles, needs)):
                return _refuse(403, t("forbidden", roles=", ".join(roles)))
        session["user"] = {**who, "roles": roles, "seen": time.time()}
        return None

    @server.route("/login", methods=["GET", "POST"])
    def _login() -> Response:
        if request.method == "GET":
            return _login_page(next_url=_safe_next(request.args.get("next")))
        username = request.form.get("username", "").strip()
        next_url = _safe_next(request.form.get("next"))
        with Session(engine) as s:
            try:
                who = users.authenticate(s, username, request.form.get("password", ""))
            except users.LoginFailed as exc:
                s.commit()  # the failed attempt counts towards the back-off
                return _login_page(str(exc), username=username, next_url=next_url)
            s.commit()
        session.clear()
        session["user"] = {"username": who.username, "name": who.display_name,
                           "roles": sorted(r.value for r in who.roles), "seen": time.time()}
        return redirect(next_url)

    @server.route("/logout", methods=["GET", "POST"])
    def _logout() -> Response:
        who = current_user()
        if who is not None:
            with Session(engine) as s:
                audit.record(s, actor=who["username"], action="logout", entity_type="user", entity_id=who["username"])
                s.commit()
        session.clear()
        return redirect("/login")
