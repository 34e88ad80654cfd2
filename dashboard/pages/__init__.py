"""The dashboard's pages: each one path, one permission, a layout and its callbacks.

A page module defines ``PAGE`` (a :class:`Page`) and ``register(app, engine)``, which adds its
callbacks through :meth:`dashboard.guard.GuardedApp.callback` with the permission each one
needs. :data:`PAGES` lists them in menu order; :func:`resolve` finds the page of a URL path.

Paths: ``/`` the sittings overview, ``/sitting/<code>/review`` (item analysis and decisions),
``/sitting/<code>/irt`` (IRT calibrations and DIF), ``/sitting/<code>/cut-score``,
``/sitting/<code>/release``, ``/bank`` (browse the items),
``/bank/item/<code>`` (one item: versions, diff, review, editing), ``/bank/review`` (the
reviewer's queue), ``/blueprints``, ``/assembly``, ``/reports`` (the committee's reports as
downloads), ``/audit``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from itembank.permissions import Permission, allowed

__all__ = ["Page", "SITTING_TABS", "allowed_tabs", "resolve", "sitting_path"]


@dataclass(frozen=True)
class Page:
    """One page: ``pattern`` (a path with ``<name>`` parts), the permission to open it, the
    text key of its title, and ``layout(engine, user, **parts)`` returning its content."""

    name: str
    pattern: str
    permission: Permission
    title: str
    layout: Callable[..., Any]
    in_menu: bool = False

    def match(self, path: str) -> dict[str, str] | None:
        regex = "^" + re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", self.pattern) + "/?$"
        found = re.match(regex, path)
        return {k: unquote(v) for k, v in found.groupdict().items()} if found else None


#: The tabs of one sitting, in order: (page name, text key).
SITTING_TABS = (("review", "tab_review"), ("irt", "tab_irt"), ("cut_score", "tab_cut_score"),
                ("release", "tab_release"))


def sitting_path(code: str, page: str) -> str:
    """The URL of one of a sitting's pages (``review``, ``cut_score``, ``release``)."""
    from urllib.parse import quote

    return f"/sitting/{quote(code, safe='')}/{page.replace('_', '-')}"


def pages() -> list[Page]:
    """Every page, in menu order (imported here so a page module may import this one)."""
    from dashboard.pages import (assembly, audit, bank, bank_item, bank_review, blueprints, cut_score, overview,
                                 release, reports, review)
    from dashboard.pages import irt

    return [overview.PAGE, review.PAGE, irt.PAGE, cut_score.PAGE, release.PAGE, bank.PAGE, bank_review.PAGE,
            bank_item.PAGE, blueprints.PAGE, assembly.PAGE, reports.PAGE, audit.PAGE]


def allowed_tabs(roles: Iterable[str]) -> set[str]:
    """The sitting pages (:data:`SITTING_TABS`) ``roles`` may open, each by its own page's
    permission."""
    needs = {page.name: page.permission for page in pages()}
    return {name for name, _ in SITTING_TABS if allowed(roles, needs[name])}


def resolve(path: str) -> tuple[Page, dict[str, str]] | None:
    """The page of ``path`` and its parts (e.g. ``{"code": ...}``), or None."""
    for page in pages():
        parts = page.match(path or "/")
        if parts is not None:
            return page, parts
    return None
