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

import datetime as dt
import errno
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from itembank.errors import UserError

__all__ = ["GuardedGroup", "handle", "expected_message", "log_file", "LOG_DIR_ENV", "USER_ERROR", "BUG"]

LOG_DIR_ENV = "ITEMBANK_LOG_DIR"
LOG_NAME = "errors.log"
USER_ERROR = 2
"""Exit code of a user mistake (bad input, bad arguments, a busy or missing bank)."""
BUG = 1
"""Exit code of an internal error (a bug in itembank); the traceback is in :func:`log_file`."""

# Exits that click and typer handle themselves: usage errors with their own message, --help,
# typer.Exit raised by a command after printing, Ctrl-C.
# (typer carries its own copy of click: TyperException is the base of its ClickException.)
_PASS_THROUGH = (typer.TyperException, typer.Exit, typer.Abort)


def log_file() -> Path:
    """Where a bug's traceback is written: ``$ITEMBANK_LOG_DIR/errors.log``, else
    ``~/.itembank/logs/errors.log``; the first of them whose folder can be created."""
    configured = os.environ.get(LOG_DIR_ENV, "").strip()
    candidates = [Path(configured).expanduser()] if configured else []
    candidates += [Path.home() / ".itembank" / "logs", Path(tempfile.gettempdir()) / "itembank-logs"]
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder / LOG_NAME
    return candidates[-1] / LOG_NAME


def expected_message(exc: BaseException) -> str | None:
    """The message for an error the user can act on, or ``None`` when ``exc`` is a bug."""
    if isinstance(exc, UserError):
        return str(exc)
    if "sqlalchemy" in sys.modules:  # only a command that opened the bank can raise these
        from itembank.storage.db import bank_error

        translated = bank_error(exc)
        if translated is not None:
            return str(translated)
    if isinstance(exc, OSError) and exc.filename is not None:
        # a file named on the command line that the system refused (missing, no permission,
        # a folder where a file was expected)
        return f"{exc.filename}: {exc.strerror or exc}"
    return None


def _log(exc: BaseException) -> Path | None:
    path = log_file()
    entry = (f"--- {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC  itembank {' '.join(sys.argv[1:])}\n"
             + "".join(traceback.format_exception(exc)))
    try:
        with path.open("a", encoding="utf-8") as log:
            log.write(entry)
    except OSError:
        return None
    return path


def handle(exc: BaseException) -> int:
    """Print what the user needs to know about ``exc`` (one message, no traceback); the exit code."""
    message = expected_message(exc)
    if message is not None:
        typer.echo(f"Error: {message}", err=True)
        return USER_ERROR
    path = _log(exc)
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
