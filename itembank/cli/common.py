"""What every command shares: the --db and --user options, sessions, and error handling."""

from __future__ import annotations

import getpass
import os

from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Callable, Iterator, TypeVar

import typer

from itembank.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["DbOption", "UserOption", "bank_session", "user_errors", "fail", "current_user", "echo_table", "in_range"]

N = TypeVar("N", int, float)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite file path or SQLAlchemy URL "
                 "[default: $ITEMBANK_DATABASE_URL, else ./itembank.db]"),
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Who is acting, for the audit trail [default: $ITEMBANK_USER, else your login]"),
]


def current_user(user: str | None) -> str:
    return user or os.environ.get("ITEMBANK_USER") or getpass.getuser()


def in_range(low: float, high: float | None = None) -> Callable[[N | None], N | None]:
    """A typer option callback: the number must lie in ``low..high`` (inclusive).

    The usage error names the option (typer adds it), the range and the value given:
    ``Invalid value for '--forms': must be 1 or more, got 0``.
    """
    wanted = f"from {low:g} to {high:g}" if high is not None else f"{low:g} or more"

    def check(value: N | None) -> N | None:
        if value is not None and (value < low or (high is not None and value > high)):
            raise typer.BadParameter(f"must be {wanted}, got {value:g}")
        return value

    return check


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def bank_session(db: str | None, *, create: bool = False) -> Iterator[Session]:
    """Open the bank and one transaction; a :class:`UserError` becomes a message + exit 2.

    So do the bank's own failures (:func:`itembank.storage.db.bank_error`): a busy SQLite bank,
    a lost server connection, a write that collided with another command's. The transaction
    is rolled back first, so the message can say that nothing changed.
    """
    # Imported here so that `itembank --help` starts without SQLAlchemy.
    from itembank.storage.db import bank_error, open_bank, session_scope

    try:
        engine = open_bank(db, create=create)
        try:
            with session_scope(engine) as session:
                yield session
        except Exception as exc:
            translated = bank_error(exc, engine.url)
            if translated is None:
                raise
            raise translated from None
        finally:
            engine.dispose()
    except UserError as exc:
        raise fail(str(exc)) from None


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a :class:`UserError` raised outside a bank session into a message + exit 2."""
    try:
        yield
    except UserError as exc:
        raise fail(str(exc)) from None


def echo_table(rows: list[list[str]], header: list[str]) -> None:
    """A plain fixed-width table on stdout."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(header)]
    typer.echo("  ".join(str(h).ljust(w) for h, w in zip(header, widths)).rstrip())
    typer.echo("  ".join("-" * w for w in widths))
    for r in rows:
        typer.echo("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


