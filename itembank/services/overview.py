"""Every sitting and where it stands: the administrations overview (issue 12, item 2).

One row per administration — responses imported, rule set, decisions in force, the
committee's cut, releases, objections, annulments — and, for a sitting that is not ready to
be analysed, what is missing, in words. A page or command shows that sentence instead of an
empty screen. A handful of aggregate queries, whatever the number of sittings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itembank.services.administration_data import in_force
from itembank.storage.models import (
    Administration,
    CutScoreRule,
    Decision,
    Form,
    Release,
    ResponseSet,
    ResultRevision,
    RuleSet,
)

__all__ = ["SittingState", "administration_states"]


@dataclass(frozen=True)
class SittingState:
    code: str
    form: str
    date: date
    location: str
    candidates: int
    rule_set: str | None  # "CODE vN"
    decisions: int  # in force (withdrawals netted out)
    cut_rule: dict | None  # the committee's newest total cut rule, if any
    releases: int
    latest_release: int | None
    objections: int
    annulments: int
    missing: list[str] = field(default_factory=list)  # what keeps the sitting from analysis

    @property
    def ready(self) -> bool:
        """Whether the sitting can be scored and analysed."""
        return not self.missing

    @property
    def stage(self) -> str:
        """One word for the overview: waiting, in review, released."""
        if self.missing:
            return "waiting"
        return "released" if self.releases else "in review"


def _counts(session: Session, statement) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return {k: int(v) for k, v in session.execute(statement).all()}


def administration_states(session: Session) -> list[SittingState]:
    """Every administration, newest sitting first, with its state and what is missing."""
    admins = session.execute(
        select(Administration.id, Administration.code, Form.code, Administration.date, Administration.location,
               RuleSet.code, RuleSet.version)
        .join(Form, Form.id == Administration.form_id)
        .outerjoin(RuleSet, RuleSet.id == Administration.rule_set_id)
        .order_by(Administration.date.desc(), Administration.code)).all()
    candidates = _counts(session, select(ResponseSet.administration_id, func.sum(ResponseSet.n_candidates))
                         .group_by(ResponseSet.administration_id))
    rows = session.execute(select(Decision.administration_id, Decision.id, Decision.action, Decision.withdraws_id)
                           .order_by(Decision.id)).all()
    decisions: dict[int, int] = {}
    for r in in_force(rows):  # decision ids are unique across sittings
        decisions[r.administration_id] = decisions.get(r.administration_id, 0) + 1
    cuts: dict[int, dict] = {}
    for admin_id, rule in session.execute(select(CutScoreRule.administration_id, CutScoreRule.rule)
                                          .where(CutScoreRule.part == "total").order_by(CutScoreRule.id)).all():
        cuts[admin_id] = rule  # the newest wins
    releases = {a: (int(n), int(r)) for a, n, r in session.execute(
        select(Release.administration_id, func.count(Release.id), func.max(Release.revision))
        .group_by(Release.administration_id)).all()}
    revisions: dict[tuple[int, str], int] = {
        (a, kind): int(n) for a, kind, n in session.execute(
            select(Release.administration_id, ResultRevision.kind, func.count(ResultRevision.id))
            .join(Release, Release.id == ResultRevision.release_id)
            .group_by(Release.administration_id, ResultRevision.kind)).all()}
    out = []
    for admin_id, code, form, on, location, rule_code, rule_version in admins:
        missing = []
        if not candidates.get(admin_id):
            missing.append(f"no responses imported yet (itembank responses import {code} FILE)")
        if rule_code is None:
            missing.append(f"no rule set assigned yet (itembank rules assign {code} CODE)")
        n_releases, latest = releases.get(admin_id, (0, None))
        out.append(SittingState(
            code=code, form=form, date=on, location=location, candidates=candidates.get(admin_id, 0),
            rule_set=f"{rule_code} v{rule_version}" if rule_code else None, decisions=decisions.get(admin_id, 0),
            cut_rule=cuts.get(admin_id), releases=n_releases, latest_release=latest,
            objections=revisions.get((admin_id, "objection"), 0), annulments=revisions.get((admin_id, "annulment"), 0),
            missing=missing))
    return out
