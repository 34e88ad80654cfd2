"""A sitting's releases and the per-candidate revisions made after them, as the secretary reads
them back (the release page, issue 12 item 6).

* :func:`list_releases`: every release, newest first, with who made it and when, its content
  hash, whether the stored snapshot still matches that hash
  (:func:`itembank.services.results.verify_release`) and what it changed against the release
  before it (:func:`itembank.services.previews.compare_release_rows`).
* :func:`list_result_revisions`: every objection and annulment, oldest first, with the
  candidate's result after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from itembank.services.administrations import get_administration
from itembank.services.previews import OutcomeChange, compare_release_rows
from itembank.services.results import verify_release
from itembank.storage.models import Candidate, Release, ResultRevision

__all__ = ["ReleaseRecord", "RevisionRecord", "list_releases", "list_result_revisions"]


@dataclass(frozen=True)
class ReleaseRecord:
    revision: int
    created_at: datetime
    created_by: str
    note: str
    content_hash: str
    verified: bool  # the stored snapshot still matches its content hash
    change: OutcomeChange  # against the release before it (a first release: against nothing)


@dataclass(frozen=True)
class RevisionRecord:
    release: int  # the release revision it amends
    candidate: str
    revision: int  # the candidate's result revision (1, 2, ...)
    kind: str  # objection | annulment
    item: str  # the item re-scored ("" for an annulment)
    points: str  # the adjusted points ("" for an annulment)
    reason: str
    created_by: str
    created_at: datetime
    total: str  # the candidate's result after it ("" when annulled)
    outcome: str


def list_releases(session: Session, administration: str) -> list[ReleaseRecord]:
    """Every release of ``administration``, newest first."""
    admin = get_administration(session, administration)
    rows = session.scalars(select(Release).where(Release.administration_id == admin.id)
                           .order_by(Release.revision)).all()
    # each release against the one loaded just before it: one query, each snapshot read here
    records = [ReleaseRecord(r.revision, r.created_at, r.created_by, r.note or "", r.content_hash, verify_release(r),
                             compare_release_rows(rows[k - 1] if k else None, r)) for k, r in enumerate(rows)]
    return records[::-1]


def list_result_revisions(session: Session, administration: str) -> list[RevisionRecord]:
    """Every objection and annulment on ``administration``'s releases, oldest first."""
    admin = get_administration(session, administration)
    rows = session.execute(
        select(Release.revision, Candidate.code, ResultRevision)
        .join(ResultRevision, ResultRevision.release_id == Release.id)
        .join(Candidate, Candidate.id == ResultRevision.candidate_id)
        .where(Release.administration_id == admin.id).order_by(ResultRevision.id)).all()
    out = []
    for release, candidate, r in rows:
        adjustment = r.result.get("adjustment", {})
        row = r.result.get("row", {})
        out.append(RevisionRecord(release, candidate, r.revision, r.kind, adjustment.get("item", ""),
                                  adjustment.get("points", ""), r.reason, r.created_by, r.created_at,
                                  str(row.get("total", "")), str(row.get("outcome", ""))))
    return out
