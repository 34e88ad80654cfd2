"""Connecting to the bank: URLs, engines, sessions and migrations.

``--db`` accepts a SQLite file path (the embedded default) or a SQLAlchemy URL such as
``postgresql+psycopg://user@host/dbname``. The schema is created and upgraded by Alembic
(:func:`migrate`), never by ``create_all``, so every installation has the same history.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from itembank.errors import UserError

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
]

DEFAULT_DB = "itembank.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def resolve_url(db: str | None = None) -> str:
    """The SQLAlchemy URL for ``--db``: explicit value, else ``ITEMBANK_DATABASE_URL``, else
    ``./itembank.db``. A value without ``://`` is a SQLite file path."""
    value = db or os.environ.get("ITEMBANK_DATABASE_URL") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine with the bank's connection policy (SQLite: enforce foreign keys)."""
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


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` with Alembic."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def open_bank(db: str | None = None, *, create: bool = False) -> Engine:
    """An engine for an existing bank; with ``create=True`` the schema is made or upgraded.

    A bank that has no schema yet gets a clear message naming ``itembank init``.
    """
    url = resolve_url(db)
    if url.startswith("sqlite:///") and not create:
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise UserError(f"no item bank at {path}: create one with 'itembank init --db {path}'")
    engine = make_engine(url)
    if create:
        migrate(engine)
    elif not inspect(engine).has_table("alembic_version"):
        raise UserError(
            f"{engine.url.render_as_string(hide_password=True)} holds no item bank: "
            "run 'itembank init' first"
        )
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
