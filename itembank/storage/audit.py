"""The audit trail: every change and decision is recorded as an append-only event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from itembank.storage.models import AuditEvent

__all__ = ["record", "get_events", "filter_values"]


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int,
    detail: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Add one audit event to the session (the caller commits)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        detail=detail or {},
        reason=reason,
    )
    session.add(event)
    return event


def get_events(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: str | int | None = None,
    administration: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEvent]:
    """Audit events, oldest first, filtered (every filter optional, all must hold).

    ``administration`` keeps the events about that sitting: its own (decisions, cut scores,
    releases, imports) and those about one of its candidates (objections, annulments), which
    name it in their detail. ``since``/``until`` bound the time (inclusive, UTC).
    """
    query = select(AuditEvent).order_by(AuditEvent.id)
    if entity_type is not None:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at <= until)
    if administration is not None:
        # Candidate events name the sitting in their JSON detail; JSON queries differ per
        # dialect, so those are narrowed here.
        query = query.where(or_(and_(AuditEvent.entity_type == "administration",
                                     AuditEvent.entity_id == administration),
                                AuditEvent.entity_type == "candidate"))
        return [e for e in session.scalars(query)
                if e.entity_type == "administration" or (e.detail or {}).get("administration") == administration]
    return list(session.scalars(query))


def filter_values(session: Session) -> tuple[list[str], list[str]]:
    """The distinct actors and actions in the trail, sorted (the choices of the audit filters)."""
    actors = sorted(session.scalars(select(AuditEvent.actor).distinct()))
    actions = sorted(session.scalars(select(AuditEvent.action).distinct()))
    return actors, actions
