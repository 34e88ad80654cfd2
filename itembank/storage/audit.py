"""The audit trail: every change and decision is recorded as an append-only event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from itembank.storage.models import AuditEvent

__all__ = ["record", "get_events"]


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
    session: Session, *, entity_type: str | None = None, entity_id: str | int | None = None
) -> list[AuditEvent]:
    """Audit events, oldest first, optionally for one entity."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if entity_type is not None:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    return list(session.scalars(query))
