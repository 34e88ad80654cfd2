"""The ``itembank`` command line: a thin layer over the services in :mod:`itembank`.

One root app with a sub-app per noun (``items``); each command parses its options, opens a
session, calls one service function and prints. A :class:`~itembank.errors.UserError` is
printed to stderr and exits with code 2 — never a traceback for a user mistake. The root
group (:class:`~itembank.cli.guard.GuardedGroup`) does the same for the bank's own failures
(busy, not a database, unreachable) and turns any other exception into one line saying it is
a bug, with the log file that holds the traceback (exit code 1). Enumerated arguments are
choices (:mod:`itembank.cli.choices`), so a typo lists the valid values.
"""

from __future__ import annotations

import sys

import typer

from itembank.cli import (
    analyze,
    assemble,
    bank,
    calibrate,
    committee,
    dif,
    irt,
    qti,
    report,
    responses,
    score,
    serve,
    standards,
    users,
)
from itembank.cli.guard import GuardedGroup, handle

app = typer.Typer(
    name="itembank",
    help="Item bank, scoring core and exam-committee workflow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=GuardedGroup,
)

# Each module adds its commands through register(app); the list keeps the order of --help.
for _module in (bank, assemble, responses, score, analyze, calibrate, irt, dif, standards, committee, report, users, serve,
                qti):
    _module.register(app)


def main() -> None:
    """Console-script entry point: exit 0, 2 for a user mistake, 1 for a bug (logged)."""
    try:
        app()
    except Exception as exc:  # raised outside any command (GuardedGroup handles those)
        sys.exit(handle(exc))
