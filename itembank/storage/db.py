"""Connecting to the bank: URLs, engines, sessions and migrations.

``--db`` accepts a SQLite file path (the embedded default) or a SQLAlchemy URL such as
``postgresql+psycopg://user@host/dbname``. The schema is created and upgraded by Alembic
(:func:`migrate`), never by ``create_all``, so every installation has the same history.

The bank's own failures are user errors (:class:`~itembank.errors.BankError`), never a
driver's traceback: ``--db`` naming a file that is not a SQLite database, a server that cannot
be reached, and a SQLite bank that another process keeps locked for longer than the busy
timeout (:data:`DEFAULT_SQLITE_TIMEOUT` seconds, ``$ITEMBANK_SQLITE_TIMEOUT`` to change it).
:func:`bank_error` translates the driver's exception; :func:`open_bank` and the CLI use it.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import URL, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from itembank.errors import BankBusyError, BankError, UserError

if TYPE_CHECKING:
    from alembic.config import Config
from itembank.storage.immutability import install_orm_guards

__all__ = [
    "DEFAULT_DB",
    "resolve_url",
    "make_engine",
    "migrate",
    "open_bank",
    "session_scope",
    "alembic_config",
    "bank_error",
    "sqlite_timeout",
    "DEFAULT_SQLITE_TIMEOUT",
    "SQLITE_TIMEOUT_ENV",
    "BUSY_MESSAGE",
]

DEFAULT_DB = "itembank.db"
MIGRATIONS = Path(__file__).parent / "migrations"

DEFAULT_SQLITE_TIMEOUT = 30.0
"""Seconds a command waits for another process's SQLite write lock before it gives up.

Long enough for any other command's write (a 100,000-candidate import commits in seconds),
short enough that a forgotten open session does not hang a command for ever."""
SQLITE_TIMEOUT_ENV = "ITEMBANK_SQLITE_TIMEOUT"
BUSY_MESSAGE = "the bank is busy (another itembank command is writing); try again"
CONCURRENT_MESSAGE = ("another itembank command changed the same records at the same moment; "
                      "nothing was changed by this one. Run it again to see the current state")

# SQLSTATEs a PostgreSQL server gives when two transactions collide: serialization failure,
# deadlock, lock not available; and a unique violation (two writers adding the same row).
_PG_COLLISIONS = {"40001", "40P01", "55P03"}
_PG_UNIQUE = "23505"


def sqlite_timeout() -> float:
    """The SQLite busy timeout in seconds: ``$ITEMBANK_SQLITE_TIMEOUT``, else 30."""
    raw = os.environ.get(SQLITE_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_SQLITE_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise UserError(f"{SQLITE_TIMEOUT_ENV} must be a number of seconds (0 or more), got '{raw}'")
    return value


def _where(url: URL | None) -> str:
    """The bank as the user named it: the SQLite file, or the URL without its password."""
    if url is None:
        return "the bank"
    if url.get_backend_name() == "sqlite":
        return url.database or "the in-memory bank"
    return url.render_as_string(hide_password=True)


def _server(url: URL) -> str:
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"the {url.get_backend_name()} server at {host}{port}, database {url.database or '(default)'}"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0].strip() if lines else type(orig).__name__


def bank_error(exc: BaseException, url: URL | str | None = None, *, connecting: bool = False) -> BankError | None:
    """The user's message for a database failure, or ``None`` when ``exc`` is not one of the
    bank's own failures (then it is a bug, or already a user error, and is left as it is).

    ``connecting``: the error came from opening the bank, so an operational error means the
    server or file could not be reached (after the first query it could be anything).
    """
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    if isinstance(url, str):
        url = make_url(url)
    where, detail = _where(url), _first_line(exc)
    low = detail.lower()
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if "database is locked" in low or "database table is locked" in low:
        return BankBusyError(f"{BUSY_MESSAGE} (waited {sqlite_timeout():g} s; {SQLITE_TIMEOUT_ENV} sets how long)")
    if "file is not a database" in low or "file is encrypted" in low:
        return BankError(f"{where} is not an itembank database ({detail}); "
                         "--db takes an itembank SQLite file or a database URL")
    if "unable to open database file" in low:
        return BankError(f"cannot open the bank file {where} ({detail}); check that its folder exists "
                         "and that you may write there")
    if "readonly database" in low:
        return BankError(f"{where} is read-only for you ({detail}); nothing was changed")
    if "database or disk is full" in low:
        return BankError(f"the disk holding {where} is full ({detail}); nothing was changed")
    if sqlstate in _PG_COLLISIONS:
        return BankBusyError(f"{CONCURRENT_MESSAGE} ({detail})")
    if isinstance(exc, sa_exc.IntegrityError) and (sqlstate == _PG_UNIQUE or low.startswith("unique constraint failed")):
        return BankError(f"{CONCURRENT_MESSAGE} ({detail})")
    if isinstance(exc, sa_exc.OperationalError) and url is not None and url.get_backend_name() != "sqlite":
        if connecting:
            return BankError(f"cannot connect to {_server(url)}: {detail}")
        if exc.connection_invalidated:
            return BankError(f"lost the connection to {_server(url)}: {detail}; nothing was changed")
    return None


def resolve_url(db: str | None = None) -> str:
    """The SQLAlchemy URL for ``--db``: explicit value, else ``ITEMBANK_DATABASE_URL``, else
    ``./itembank.db``. A value without ``://`` is a SQLite file path."""
    value = db or os.environ.get("ITEMBANK_DATABASE_URL") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine with the bank's connection policy (SQLite: enforce foreign keys, and wait
    :func:`sqlite_timeout` seconds for another process's write lock)."""
    if make_url(url).get_backend_name() == "sqlite":
        connect_args = dict(kwargs.pop("connect_args", None) or {})  # type: ignore[call-overload]
        connect_args.setdefault("timeout", sqlite_timeout())
        kwargs["connect_args"] = connect_args
    engine = create_engine(url, **kwargs)  # type: ignore[arg-type]
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    install_orm_guards()
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # imported here: most commands never migrate

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


#: The newest migration (``itembank/storage/migrations/versions``); a test checks it is
#: Alembic's head. Kept here so opening a bank needs no Alembic import (a fast start).
SCHEMA_REVISION = "0005"


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` with Alembic."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def open_bank(db: str | None = None, *, create: bool = False) -> Engine:
    """An engine for an existing bank; with ``create=True`` the schema is made or upgraded.

    A bank that has no schema yet gets a clear message naming ``itembank init``; a ``--db``
    that is not a database, a folder, an unknown URL scheme, a server that cannot be reached
    and a busy bank each get a :class:`~itembank.errors.BankError` (see :func:`bank_error`).
    """
    url = resolve_url(db)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.is_dir():
            raise BankError(f"{path} is a folder, not an itembank database")
        if not create and not path.exists():
            raise UserError(f"no item bank at {path}: create one with 'itembank init --db {path}'")
    try:
        engine = make_engine(url)
    except (sa_exc.ArgumentError, ImportError) as exc:
        shown = url.split("://")[0] + "://..."
        raise BankError(f"--db {shown} is not a bank itembank can open ({_first_line(exc)}); give a SQLite "
                        "file path or a URL such as postgresql+psycopg://user@host/dbname") from None
    try:
        if create:
            migrate(engine)
        elif not inspect(engine).has_table("alembic_version"):
            raise UserError(
                f"{engine.url.render_as_string(hide_password=True)} holds no item bank: "
                "run 'itembank init' first"
            )
        else:
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if stored != SCHEMA_REVISION:
                # An older bank (made before this version of itembank): say so, rather than
                # fail later on a table it does not have yet. Upgrading keeps every record.
                where = engine.url.render_as_string(hide_password=True)
                raise UserError(f"the bank at {where} has schema {stored}, this itembank needs {SCHEMA_REVISION}: "
                                f"upgrade it with 'itembank init --db {db or where}' (it keeps every record)")
    except BaseException as exc:
        engine.dispose()
        translated = bank_error(exc, engine.url, connecting=True)
        if translated is None:
            raise
        raise translated from None
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
