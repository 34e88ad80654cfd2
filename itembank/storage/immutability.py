"""Append-only tables: the ORM refuses updates and deletes, the database does too.

The ORM guard gives a clear error inside the application; the triggers (created by the first
migration, see :func:`trigger_statements`) stop anything that bypasses the ORM, such as a bulk
``UPDATE`` or a hand-written SQL statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from itembank.errors import RuleError
from itembank.storage.models import (
    AuditEvent,
    Calibration,
    CalibrationItem,
    CalibrationLink,
    CutScoreRule,
    Decision,
    ResponseSet,
    FormItem,
    ItemStatistic,
    ItemVersion,
    Release,
    ResultRevision,
    StatusEvent,
)

__all__ = ["APPEND_ONLY_TABLES", "RELEASED_ONLY_TABLES", "install_orm_guards", "trigger_statements",
           "drop_trigger_statements", "released_trigger_statements", "drop_released_trigger_statements"]

# table name -> what users call it, for the error message
APPEND_ONLY_TABLES: dict[str, str] = {
    "item_versions": "an item version",
    "form_items": "an item on a frozen form",
    "releases": "a release",
    "result_revisions": "a result revision",
    "audit_events": "an audit event",
    "status_events": "a review status event",
    "decisions": "a committee decision",
    "cut_score_rules": "a cut-score decision",
    "response_sets": "an imported set of responses",
    "calibrations": "an IRT calibration",
    "calibration_items": "an item's parameters in an IRT calibration",
    "calibration_links": "a calibration's link to the bank scale",
}
# The tables the first migration made append-only: a migration must keep building the schema it
# built then, whatever later migrations add (0002 adds response_sets).
INITIAL_APPEND_ONLY = ("item_versions", "form_items", "releases", "result_revisions", "audit_events",
                       "status_events", "decisions", "cut_score_rules")

_MODELS = (ItemVersion, FormItem, Release, ResultRevision, AuditEvent, StatusEvent, Decision, CutScoreRule,
           ResponseSet, Calibration, CalibrationItem, CalibrationLink)

# Tables whose rows are permanent once they belong to a release (``release_id`` set): never
# updated, and deleted only while provisional (``release_id`` NULL: a later provisional run
# replaces them). Migration 0004 adds item_statistics.
RELEASED_ONLY_TABLES: dict[str, str] = {
    "item_statistics": "released item statistics",
}
_RELEASED_MODELS = (ItemStatistic,)


def _guard_flush(session: Session, flush_context: Any, instances: Any) -> None:
    # before_flush sees deletes before relationship bookkeeping runs, unlike mapper events
    for verb, objects in (("deleted", session.deleted), ("changed", session.dirty)):
        for obj in objects:
            if isinstance(obj, _MODELS) and (verb == "deleted" or session.is_modified(obj)):
                what = APPEND_ONLY_TABLES[obj.__tablename__]
                raise RuleError(
                    f"{what} cannot be {verb}: it is part of the permanent record "
                    "(make a new version or a new event instead)"
                )
            if isinstance(obj, _RELEASED_MODELS) and (
                    (verb == "deleted" and obj.release_id is not None) or
                    (verb == "changed" and session.is_modified(obj))):
                what = RELEASED_ONLY_TABLES[obj.__tablename__]
                raise RuleError(
                    f"{what} cannot be {verb}: they are part of the permanent record of a release "
                    "(a new release adds new rows)"
                )


_installed = False


def install_orm_guards() -> None:
    """Refuse, in every ORM session, to flush a change to an append-only row (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _guard_flush)
        _installed = True


def trigger_statements(dialect: str, tables: Iterable[str] = INITIAL_APPEND_ONLY, *,
                       function: bool = True) -> list[str]:
    """SQL that makes the database itself refuse UPDATE and DELETE on ``tables``.

    ``function=False`` (PostgreSQL) reuses the trigger function an earlier migration made.
    """
    statements: list[str] = []
    tables = list(tables)
    if dialect == "sqlite":
        for table in tables:
            for op in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
                )
    elif dialect == "postgresql":
        if function:
            statements.append(
                "CREATE OR REPLACE FUNCTION itembank_refuse_change() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END; "
                "$$ LANGUAGE plpgsql"
            )
        for table in tables:
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION itembank_refuse_change()"
            )
    return statements


def drop_trigger_statements(dialect: str, tables: Iterable[str] = INITIAL_APPEND_ONLY, *,
                            function: bool = True) -> list[str]:
    statements: list[str] = []
    tables = list(tables)
    if dialect == "sqlite":
        for table in tables:
            for op in ("update", "delete"):
                statements.append(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
    elif dialect == "postgresql":
        for table in tables:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        if function:
            statements.append("DROP FUNCTION IF EXISTS itembank_refuse_change()")
    return statements


def released_trigger_statements(dialect: str, tables: Iterable[str] = tuple(RELEASED_ONLY_TABLES)) -> list[str]:
    """SQL that makes the database refuse every UPDATE on ``tables``, and a DELETE of a row that
    belongs to a release (``release_id`` not NULL); provisional rows may be deleted.

    PostgreSQL reuses the trigger function of the first migration.
    """
    statements: list[str] = []
    for table in tables:
        if dialect == "sqlite":
            statements.append(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END")
            statements.append(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} WHEN OLD.release_id IS NOT NULL "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE of a released row refused'); END")
        elif dialect == "postgresql":
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION itembank_refuse_change()")
            statements.append(
                f"CREATE TRIGGER {table}_released BEFORE DELETE ON {table} "
                "FOR EACH ROW WHEN (OLD.release_id IS NOT NULL) EXECUTE FUNCTION itembank_refuse_change()")
    return statements


def drop_released_trigger_statements(dialect: str, tables: Iterable[str] = tuple(RELEASED_ONLY_TABLES)) -> list[str]:
    statements: list[str] = []
    for table in tables:
        if dialect == "sqlite":
            statements += [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]
        elif dialect == "postgresql":
            statements += [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                           f"DROP TRIGGER IF EXISTS {table}_released ON {table}"]
    return statements
