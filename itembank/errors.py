"""Errors a user can cause and understand.

Everything raised for a user mistake derives from :class:`UserError`; the CLI and the
dashboard show its message and never a stack trace. Programming errors stay ordinary
exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


MAX_LISTED = 20
"""How many problems a message lists before it says "... and N more problems"."""


def list_problems(problems: Sequence[object], *, limit: int = MAX_LISTED) -> list[str]:
    """The lines of a problem listing: the first ``limit`` problems, then how many more.

    >>> list_problems(["a", "b", "c"], limit=2)
    ['a', 'b', '... and 1 more problems']
    """
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more problems")
    return lines


class UserError(Exception):
    """A mistake in the user's input or request, with a message meant for that user."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file: where it is and what was expected there.

    ``file`` is the file's name, never its folder (one rule for every reader, see
    :mod:`itembank.io.tables`); ``row`` is the 1-based line number as a spreadsheet shows it
    (the header is row 1), ``column`` the header name; either is ``None`` when the problem is
    about the whole file.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class InputFileError(UserError):
    """One or more problems in an input file; nothing was written.

    The message lists every problem found (up to a limit), each naming file, row and column.
    """

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("InputFileError needs at least one problem")
        self.problems = list(problems)
        lines = list_problems(self.problems)
        lines.append("Nothing was written.")
        super().__init__("\n".join(lines))


class ConflictError(UserError):
    """Somebody else changed this record since you read it (optimistic locking)."""


class NotFoundError(UserError):
    """The thing asked for does not exist."""


class RuleError(UserError):
    """A business rule forbids the requested change (e.g. editing a frozen form)."""


class BankError(UserError):
    """The bank itself cannot be used as asked: ``--db`` is not an itembank database, the
    server cannot be reached, or another command holds the write lock. Nothing was changed."""


class BankBusyError(BankError):
    """Another process is writing to the bank and did not finish within the busy timeout."""


# --- what a user sees when something fails: the command line and the dashboard alike ---

LOG_DIR_ENV = "ITEMBANK_LOG_DIR"
LOG_NAME = "errors.log"


def log_file() -> Path:
    """Where a bug's traceback is written: ``$ITEMBANK_LOG_DIR/errors.log``, else
    ``~/.itembank/logs/errors.log``; the first of them whose folder can be created."""
    import os
    import tempfile

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
    import sys

    if isinstance(exc, UserError):
        return str(exc)
    if "sqlalchemy" in sys.modules:  # only code that opened the bank can raise these
        from itembank.storage.db import bank_error

        translated = bank_error(exc)
        if translated is not None:
            return str(translated)
    if isinstance(exc, OSError) and exc.filename is not None:
        # a file the system refused (missing, no permission, a folder where a file was expected)
        return f"{exc.filename}: {exc.strerror or exc}"
    return None


def log_bug(exc: BaseException, context: str) -> Path | None:
    """Append ``exc``'s traceback to :func:`log_file` under a line naming the time and
    ``context`` (the command, or the dashboard request); the file, or None if unwritable."""
    import datetime as dt
    import traceback

    path = log_file()
    entry = (f"--- {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC  {context}\n"
             + "".join(traceback.format_exception(exc)))
    try:
        with path.open("a", encoding="utf-8") as log:
            log.write(entry)
    except OSError:
        return None
    return path
