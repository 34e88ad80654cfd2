"""The command line's last line of defence: no traceback on the screen, ever.

Every command runs inside :class:`GuardedGroup` (the root app's group), and :func:`handle`
decides what the user sees when a command raises:

* an expected error — an :class:`~itembank.errors.UserError` (a mistake in the input or the
  request), one of the bank's own failures (:func:`itembank.storage.db.bank_error`: not a
  database, busy, unreachable, a collision with another command) or a file the system refused
  (an ``OSError`` naming a file) — is one message on stderr, exit code 2;
* anything else is a bug in itembank: one line on stderr saying so, with the path of the log
  file that holds the traceback (:func:`log_file`), exit code 1.

Typer's and click's own exits (usage errors, ``--help``, ``typer.Exit``, Ctrl-C) pass through
unchanged.
"""

from __future__ import annotations

import errno
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from itembank.errors import LOG_DIR_ENV, expected_message, log_bug, log_file

__all__ = ["GuardedGroup", "handle", "expected_message", "log_file", "LOG_DIR_ENV", "USER_ERROR", "BUG"]

USER_ERROR = 2
"""Exit code of a user mistake (bad input, bad arguments, a busy or missing bank)."""
BUG = 1
"""Exit code of an internal error (a bug in itembank); the traceback is in :func:`log_file`."""

# Exits that click and typer handle themselves: usage errors with their own message, --help,
# typer.Exit raised by a command after printing, Ctrl-C.
# (typer carries its own copy of click: TyperException is the base of its ClickException.)
_PASS_THROUGH = (typer.TyperException, typer.Exit, typer.Abort)


def handle(exc: BaseException) -> int:
    """Print what the user needs to know about ``exc`` (one message, no traceback); the exit code."""
    message = expected_message(exc)
    if message is not None:
        typer.echo(f"Error: {message}", err=True)
        return USER_ERROR
    path = log_bug(exc, f"itembank {' '.join(sys.argv[1:])}")
    where = f"the details are in {path}" if path else "no log file could be written"
    typer.echo(f"Error: internal error in itembank ({type(exc).__name__}); this is a bug, not your mistake: "
               f"{where} — please send it with your report.", err=True)
    return BUG


def _is_broken_pipe(exc: BaseException) -> bool:
    # `itembank results ADMIN | head`: typer exits quietly on a closed pipe
    return isinstance(exc, OSError) and exc.errno == errno.EPIPE


class GuardedGroup(TyperGroup):
    """The root group: every command's exception goes through :func:`handle`."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _PASS_THROUGH:
            raise
        except Exception as exc:
            if _is_broken_pipe(exc):
                raise
            raise typer.Exit(handle(exc)) from None
