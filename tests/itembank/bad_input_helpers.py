"""Helpers for the bad-input corpus (tests/itembank/test_bad_input_corpus.py).

* :func:`run_main` runs the real console entry point :func:`itembank.cli.main` in this process,
  with ``sys.argv`` set and the output captured, so a top-level error handler in ``main`` is
  exercised exactly as a user's shell would (``CliRunner.invoke(app)`` would bypass it).
  Typer rebuilds the whole click command tree from the function signatures on every call
  (about two thirds of a quick command's time); the tree is the same each time, so it is built
  once per app here and reused — nothing else of ``main`` is replaced.
* :func:`fingerprint` is every table of a SQLite bank: its row count and a SHA-256 over its
  rows, independent of row order; two fingerprints are equal exactly when no table changed.
* :func:`xlsx_bytes` writes a one-sheet workbook, as a secretary's Excel would.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

__all__ = ["Run", "run_main", "fingerprint", "xlsx_bytes", "csv_bytes"]


@dataclass(frozen=True)
class Run:
    """What one command did: exit code, everything printed, and an exception that escaped
    ``main`` (``None`` when it ended by ``SystemExit`` or returned)."""

    exit_code: int
    output: str
    escaped: BaseException | None


_COMMANDS: dict[int, tuple[Any, Any]] = {}


def _command_once(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get_command(typer_app: Any) -> Any:
        if id(typer_app) not in _COMMANDS:
            _COMMANDS[id(typer_app)] = (typer_app, build(typer_app))  # the app is kept: its id stays unique
        return _COMMANDS[id(typer_app)][1]

    return get_command


def run_main(argv: Sequence[str]) -> Run:
    """``itembank ARGV...`` through :func:`itembank.cli.main`, stdout and stderr captured together."""
    import typer.main

    from itembank.cli import main

    runner = CliRunner()
    old_argv, old_hook, build = sys.argv, sys.excepthook, typer.main.get_command
    typer.main.get_command = _command_once(build)
    escaped: BaseException | None = None
    code = 0
    with runner.isolation(env={"ITEMBANK_DATABASE_URL": None, "ITEMBANK_USER": "corpus"}) as (_out, _err, mixed):
        sys.argv = ["itembank", *argv]
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if not isinstance(exc.code, int) and exc.code is not None:
                sys.stderr.write(str(exc.code))
        except BaseException as exc:  # noqa: BLE001 - an escaping exception is what we look for
            escaped, code = exc, 1
        finally:
            sys.argv, sys.excepthook, typer.main.get_command = old_argv, old_hook, build
            sys.stdout.flush()
            sys.stderr.flush()
        output = mixed.getvalue().decode("utf-8", errors="replace")
    return Run(code, output, escaped)


def fingerprint(path: Path) -> dict[str, tuple[int, str]]:
    """Every table of the SQLite file ``path``: (row count, SHA-256 of its sorted rows)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {}
        for table in tables:
            rows = sorted(repr(row) for row in con.execute(f'SELECT * FROM "{table}"'))
            digest = hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()
            out[table] = (len(rows), digest)
        return out
    finally:
        con.close()


def csv_bytes(lines: Sequence[str], *, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    """A CSV file's bytes from its lines."""
    return (newline.join(lines) + newline).encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    """A one-sheet XLSX workbook holding ``rows`` (the first is the header)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
