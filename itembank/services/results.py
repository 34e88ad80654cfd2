"""The committee's work on an administration: scoring, releases, objections and annulments — stored, audited, and always scored by the one scoring core.

Everything that produces a number goes through :func:`score_administration`, which builds
the pure inputs of :func:`itembank.scoring.score` from the database: the frozen form, the
responses, the active decisions, the committee's cut-score rules, the individual
adjustments of objections and the annulments. The dashboard preview, the analysis input, a
release and an objection's re-score therefore can never disagree.

* Decisions are append-only: withdrawing one is a new ``withdraw`` decision.
* A release is an immutable snapshot (results, decisions, rule set text, cut rules) with a
  SHA-256 content hash. Releasing again after a change makes the next revision and a diff
  listing every candidate whose score, grade or outcome changed.
* An objection (seed 004 §6.2) re-scores one candidate with an individual adjustment and
  stores a new result revision for that candidate only.
* An annulment (seed 004 §5.19, §5.31) is a result revision too; it stays in force in every
  later release.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from itembank import scoring
from itembank.storage import audit
from itembank.errors import NotFoundError, RuleError, UserError
from itembank.services.administration_data import AdministrationData, load_administration, released_inputs
from itembank.services.administrations import get_administration, lock_administration
from itembank.services import item_statistics
from itembank.services.committee import get_form_item
from itembank.storage.models import (
    Administration,
    Candidate,
    Registration,
    Release,
    ResultRevision,
)

if TYPE_CHECKING:  # only the type: the caller passes the analysis it made
    from itembank.services.item_analysis import AdministrationAnalysis

__all__ = [
    "score_administration",
    "ReleaseOutcome",
    "release_results",
    "verify_release",
    "latest_release",
    "release_snapshot",
    "snapshot_hash",
    "release_table",
    "current_results",
    "add_objection",
    "annul_result",
]


DIFF_COLUMNS = ("total", "grade", "grade_rounded", "outcome")


def score_administration(session: Session, administration: str | AdministrationData, *,
                         extra_adjustments: dict[tuple[str, str], str] | None = None) -> scoring.ScoringResult:
    """Score an administration through the scoring core with everything decided so far.

    ``administration`` is a code, or the :class:`AdministrationData` already loaded (the
    dashboard and the analysis load once and score that).
    """
    data = administration if isinstance(administration, AdministrationData) else \
        load_administration(session, administration)
    return data.score(extra_adjustments=extra_adjustments)


def _canonical_hash(snapshot: dict[str, Any]) -> str:
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def latest_release(session: Session, admin: Administration) -> Release | None:
    """The newest release of a sitting, or None before the first."""
    return session.scalar(select(Release).where(Release.administration_id == admin.id)
                          .order_by(Release.revision.desc()))


@dataclass(frozen=True)
class ReleaseOutcome:
    release: Release
    changed: pd.DataFrame  # candidate, column, before, after (empty for a first release)
    unchanged: bool  # True when nothing changed since the previous release (no new revision)


def release_results(session: Session, administration: str, *, actor: str, note: str = "",
                    data: AdministrationData | None = None,
                    analysis: AdministrationAnalysis | None = None) -> ReleaseOutcome:
    """Release the current results as an immutable snapshot (the next revision).

    If nothing changed since the last release, no new revision is made. Otherwise the outcome
    lists every candidate whose total, grade or outcome changed, and the item statistics of
    these inputs are stored with the release
    (:func:`itembank.services.item_statistics.add_release_statistics`).

    The administration is locked first (:func:`lock_administration`): of two releases at the
    same moment the second waits, then finds the first one's release (nothing changed since
    it) or releases what changed in between. ``data`` (and its ``analysis``) are the sitting
    as the caller loaded it after taking the lock (:func:`itembank.services.release_checklist.
    release_with_checklist` reads it once for the checklist and the release).
    """
    admin = lock_administration(session, administration)
    if data is None:
        data = load_administration(session, administration)
    result = data.score()  # checks the rule set is assigned
    assert data.rule_set is not None
    rule_set_id = data.rule_set[0]
    table = result.results_table()
    snapshot = release_snapshot(data, table)
    content_hash = _canonical_hash(snapshot)
    previous = latest_release(session, admin)
    if previous is not None and previous.content_hash == content_hash:
        return ReleaseOutcome(previous, _empty_diff(), True)
    row = Release(administration_id=admin.id, revision=(previous.revision + 1) if previous else 1,
                  rule_set_id=rule_set_id, content_hash=content_hash, snapshot=snapshot,
                  created_by=actor, note=note)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Only reachable if another transaction made the same revision without the lock.
        # ``administration``, not ``admin.code``: the failed flush expired the ORM objects.
        raise UserError(f"another release of {administration} was made at the same moment; nothing changed. "
                        f"Run 'itembank release {administration}' again to see it") from None
    # The bank remembers what the committee saw: the item statistics of exactly these inputs,
    # stored with the release in this transaction (itembank.services.item_statistics).
    item_statistics.add_release_statistics(session, row, data, actor=actor, analysis=analysis)
    changed = _diff(release_table(previous.snapshot), table) if previous else _empty_diff()
    audit.record(session, actor=actor, action="release", entity_type="administration", entity_id=admin.code,
                 detail={"revision": row.revision, "hash": content_hash, "changed_candidates":
                         int(changed["candidate"].nunique()) if len(changed) else 0}, reason=note)
    return ReleaseOutcome(row, changed, False)


def release_snapshot(data: AdministrationData, table: pd.DataFrame) -> dict[str, Any]:
    """What a release stores: the results table (RESULTS columns as text) with the inputs that
    made it — rule-set text and version, cut-score rules, decisions in force. Its
    :func:`snapshot_hash` is the release's content hash, so a report can tell whether the
    current state is exactly a stored release."""
    assert data.rule_set is not None
    _, code, version, text = data.rule_set
    return {
        "administration": data.code,
        "form": data.form_code,
        "rule_set": {"code": code, "version": version, "text": text},
        "cut_score_rules": [{"part": r.part, "rule": r.rule, "reason": r.reason} for r in data.cut_rules],
        "decisions": [dataclasses.asdict(d) for d in data.decisions],
        "columns": list(table.columns),
        "results": table.to_numpy().tolist(),
    }


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a release snapshot (sorted keys, no spaces, UTF-8)."""
    return _canonical_hash(snapshot)


def release_table(snapshot: dict[str, Any]) -> pd.DataFrame:
    """A release snapshot's results as the RESULTS table (text cells)."""
    return pd.DataFrame(snapshot["results"], columns=snapshot["columns"])


def _empty_diff() -> pd.DataFrame:
    return pd.DataFrame(columns=["candidate", "column", "before", "after"])


def _diff(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    b = before.set_index("candidate")
    a = after.set_index("candidate")
    rows = []
    for cand in a.index.union(b.index):
        for col in DIFF_COLUMNS:
            old = b.at[cand, col] if cand in b.index and col in b.columns else ""
            new = a.at[cand, col] if cand in a.index and col in a.columns else ""
            if old != new:
                rows.append({"candidate": cand, "column": col, "before": old, "after": new})
    return pd.DataFrame(rows, columns=["candidate", "column", "before", "after"])


def verify_release(release: Release) -> bool:
    """True when the stored snapshot still matches its content hash."""
    return _canonical_hash(release.snapshot) == release.content_hash


def current_results(session: Session, administration: str) -> pd.DataFrame:
    """The released results with every later per-candidate revision applied (RESULTS columns
    plus ``revision`` = the release revision and ``result_revision`` = 0 or the candidate's
    latest objection/annulment revision)."""
    admin = get_administration(session, administration)
    release = latest_release(session, admin)
    if release is None:
        raise UserError(f"administration {administration} has no released results yet")
    table = release_table(release.snapshot).set_index("candidate")
    table["revision"] = release.revision
    table["result_revision"] = 0
    rows = session.execute(
        select(Candidate.code, ResultRevision.revision, ResultRevision.result)
        .join(ResultRevision, ResultRevision.candidate_id == Candidate.id)
        .where(ResultRevision.release_id == release.id).order_by(ResultRevision.id)
    ).all()
    for code, revision, result in rows:
        for col, value in result["row"].items():
            if col in table.columns:
                table.at[code, col] = value
        table.at[code, "result_revision"] = revision
    return table.reset_index()


def _candidate(session: Session, admin: Administration, code: str) -> Candidate:
    cand = session.scalar(select(Candidate).join(Registration, Registration.candidate_id == Candidate.id)
                          .where(Candidate.code == code, Registration.administration_id == admin.id))
    if cand is None:
        raise NotFoundError(f"candidate {code} did not sit administration {admin.code}")
    return cand


def _next_revision(session: Session, release: Release, candidate: Candidate) -> int:
    last = session.scalar(select(ResultRevision.revision).where(
        ResultRevision.release_id == release.id, ResultRevision.candidate_id == candidate.id)
        .order_by(ResultRevision.revision.desc()))
    return (last or 0) + 1


def add_objection(session: Session, administration: str, candidate: str, item: str, points: str | int | Decimal,
                  *, reason: str, actor: str) -> ResultRevision:
    """Judge an objection individually (seed 004 §6.2): re-score one candidate with one
    adjusted item score; only that candidate's result gets a new revision."""
    # Locked first: an annulment, release or other objection at the same moment waits.
    admin = lock_administration(session, administration)
    release = latest_release(session, admin)
    if release is None:
        raise UserError(f"administration {administration} has no released results to object to")
    if not reason.strip():
        raise UserError("an objection decision needs a reason")
    cand = _candidate(session, admin, candidate)
    # Exactly the inputs of the release this objection amends (seed 004 §6.2): a decision or
    # cut recorded since, and not yet released, must not reach this one candidate alone.
    data = released_inputs(session, release)
    if candidate in data.annulled:
        raise RuleError(f"the result of {candidate} is annulled; an objection cannot change it")
    get_form_item(session, admin, item)
    points_text = format(Decimal(str(points)), "f")
    result = data.score(extra_adjustments={(candidate, item): points_text}, candidates=[candidate])
    row = result.results_table().set_index("candidate").loc[candidate]
    revision = ResultRevision(
        release_id=release.id, candidate_id=cand.id, revision=_next_revision(session, release, cand),
        kind="objection", reason=reason, created_by=actor,
        result={"adjustment": {"item": item, "points": points_text},
                "row": {k: str(v) for k, v in row.items()}},
    )
    session.add(revision)
    session.flush()
    audit.record(session, actor=actor, action="objection", entity_type="candidate", entity_id=candidate,
                 detail={"administration": administration, "item": item, "points": points_text,
                         "revision": revision.revision, "outcome": str(row["outcome"])}, reason=reason)
    return revision


def annul_result(session: Session, administration: str, candidate: str, *, reason: str, actor: str) -> ResultRevision:
    """Annul a candidate's result for irregularity or fraud (seed 004 §5.19, §5.31), also
    after release; it stays annulled in every later release revision."""
    # Locked before the already-annulled check, so two annulments at once cannot both pass it.
    admin = lock_administration(session, administration)
    release = latest_release(session, admin)
    if release is None:
        raise UserError(f"administration {administration} has no released results yet; "
                        "annul after the release, or exclude the candidate before it")
    if not reason.strip():
        raise UserError("an annulment needs a reason")
    cand = _candidate(session, admin, candidate)
    if session.scalar(select(ResultRevision.id).join(Release, Release.id == ResultRevision.release_id).where(
            Release.administration_id == admin.id, ResultRevision.candidate_id == cand.id,
            ResultRevision.kind == "annulment")) is not None:
        raise RuleError(f"the result of {candidate} is annulled already")
    row = {"outcome": scoring.ANNULLED, "grade_exact": "", "grade": "", "grade_rounded": "", "judicium": ""}
    revision = ResultRevision(release_id=release.id, candidate_id=cand.id,
                              revision=_next_revision(session, release, cand), kind="annulment",
                              reason=reason, created_by=actor, result={"row": row})
    session.add(revision)
    session.flush()
    audit.record(session, actor=actor, action="annul", entity_type="candidate", entity_id=candidate,
                 detail={"administration": administration}, reason=reason)
    return revision
