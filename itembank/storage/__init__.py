"""Storage: the database and nothing else.

``db`` (URLs, engines, sessions, migrations), ``models`` (the SQLAlchemy 2 typed models on one
``Base``), ``migrations/`` (Alembic: the only way the schema is built), ``immutability`` (the
ORM guard and database triggers that keep versions, frozen forms, releases and events
unchangeable), ``versioned`` (documents versioned by code) and ``audit`` (the audit trail).

May import: SQLAlchemy, Alembic, :mod:`itembank.errors`. Never services, io, the CLI or the
dashboard.
"""
