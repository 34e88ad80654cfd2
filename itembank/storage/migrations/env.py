"""Alembic environment: the engine comes from :func:`itembank.storage.db.migrate` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from itembank.storage.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite has almost no ALTER TABLE; batch mode recreates tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
