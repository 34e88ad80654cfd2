"""Documents versioned by code (blueprints, rule sets): a change is the next version."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from itembank.errors import NotFoundError

__all__ = ["get_versioned", "latest_version"]

T = TypeVar("T")


def latest_version(session: Session, model: type[T], code: str) -> T | None:
    """The newest version of document ``code``, or None."""
    m: Any = model
    return session.scalars(select(m).where(m.code == code).order_by(m.version.desc())).first()


def get_versioned(session: Session, model: type[T], code: str, version: int | None, *, what: str) -> T:
    """Version ``version`` of document ``code`` (the newest when None), or a clear error."""
    m: Any = model
    row = (latest_version(session, model, code) if version is None else
           session.scalars(select(m).where(m.code == code, m.version == version)).first())
    if row is None:
        raise NotFoundError(f"no {what} '{code}'" + (f" version {version}" if version else ""))
    return row
