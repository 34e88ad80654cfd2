"""The ``itembank`` command line: a thin layer over the services in :mod:`itembank`.

One root app with a sub-app per noun (``items``); each command parses its options, opens a
session, calls one service function and prints. A :class:`~itembank.errors.UserError` is
printed to stderr and exits with code 2 — never a traceback for a user mistake.
"""

from __future__ import annotations

import typer

from itembank.cli import analyze, assemble, bank, committee, responses, score, serve

app = typer.Typer(
    name="itembank",
    help="Item bank, scoring core and exam-committee workflow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module adds its commands through register(app); the list keeps the order of --help.
for _module in (bank, assemble, responses, score, analyze, committee, serve):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
