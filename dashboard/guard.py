"""Every Dash callback with the permission it needs, checked on the server.

Pages register their callbacks through :meth:`GuardedApp.callback` with one
:class:`~itembank.permissions.Permission` (or ``ANY_USER`` for the page router, which checks
each page's own permission). The permission is recorded against the callback's output key —
the ``output`` field Dash posts to ``/_dash-update-component`` — and
:func:`dashboard.auth.install_auth` refuses a request whose output is unknown or whose user
lacks the permission, *before* the callback runs. The callback itself checks again when it runs
(defence in depth: a bug in the request parsing must not open a door), so a forged request
gets a refusal and no data either way.

Callbacks only wire: a :class:`~itembank.errors.UserError` they raise becomes a message for the
page (:func:`message_for`), never a traceback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

from dash import Dash
from dash.exceptions import PreventUpdate

from itembank.permissions import Permission, allowed

__all__ = ["ANY_USER", "GuardedApp", "current_roles"]

log = logging.getLogger(__name__)

#: For callbacks any logged-in user may trigger (the page router: it checks the page's own
#: permission before rendering anything).
ANY_USER: Final = "any logged-in user"


def current_roles() -> list[str]:
    """The roles of the user of this request ([] when nobody is logged in)."""
    from dashboard.auth import current_user

    return list((current_user() or {}).get("roles", []))


class GuardedApp:
    """A Dash app whose callbacks each carry the permission they need."""

    def __init__(self, app: Dash) -> None:
        self.app = app
        self._needs: dict[str, Permission | str] = {}

    @property
    def needs(self) -> Mapping[str, Permission | str]:
        """Output key (as Dash posts it) -> the permission it needs, for every callback."""
        return self._needs

    def callback(self, permission: Permission | str, *dependencies: Any, **options: Any) -> Callable[[Callable], Callable]:
        """``app.callback(*dependencies, **options)``, refused unless the user may ``permission``."""
        if permission != ANY_USER and not isinstance(permission, Permission):
            raise TypeError(f"a callback needs a Permission or ANY_USER, not {permission!r}")

        def register(function: Callable) -> Callable:
            @functools.wraps(function)
            def checked(*args: Any, **kwargs: Any) -> Any:
                roles = current_roles()
                if not roles or (permission != ANY_USER and not allowed(roles, permission)):
                    raise PreventUpdate  # install_auth refused it already; never reached in practice
                return function(*args, **kwargs)

            before = set(self.app.callback_map)
            wrapped = self.app.callback(*dependencies, **options)(checked)
            for key in set(self.app.callback_map) - before:
                self._needs[key] = permission
            return wrapped

        return register

    def permission_for(self, output: str) -> Permission | str | None:
        """What the callback writing ``output`` needs; None for an unknown callback (refused)."""
        return self._needs.get(output)
