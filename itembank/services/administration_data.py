"""An administration loaded once: everything scoring and analysis need, read in one go.

:func:`load_administration` reads the frozen form, the coded responses, the rule set, the
committee's cut-score rules and decisions in force, the objections' individual adjustments and
the annulments, with about ten SQL statements whatever the size of the sitting. The committee's
preview (``itembank score``), the analysis (``itembank analyze``, the dashboard), a release and
the reports all score this one object through :meth:`AdministrationData.score`, so they can
never disagree.

:func:`released_inputs` gives the same object with the inputs *of a release* (its rule-set
version, cut-score rules and decisions, as stored in the release snapshot): an objection
re-scores one candidate against exactly what the release it amends used (seed 004 §6.2), not
against a decision or cut recorded since and not yet released.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from itembank import scoring
from itembank.errors import RuleError, UserError
from itembank.services.administrations import as_scoring_form, get_administration, load_responses
from itembank.services.forms import get_form
from itembank.storage.models import (
    Administration,
    Candidate,
    CutScoreRule,
    Decision,
    Release,
    ResultRevision,
    RuleSet,
)

__all__ = ["AdministrationData", "CutRuleInForce", "as_scoring_decisions", "decision_rows", "decisions_in_force", "in_force", "withdrawals", "load_administration", "released_inputs", "rules_with_cuts",
           "statistics_rules"]


@dataclass(frozen=True)
class CutRuleInForce:
    """A committee cut-score rule as recorded (newest per part is in force)."""

    part: str
    rule: dict[str, Any]
    reason: str = ""
    id: int | None = None


@dataclass(frozen=True)
class AdministrationData:
    """The inputs of the scoring core for one administration, read once.

    ``responses`` is coded: one categorical column per response column (see
    :func:`itembank.services.administrations.load_responses`). ``rules`` is the assigned rule
    set with the committee's cut-score rules applied; ``rule_set`` the stored row's code,
    version and text (``None`` when no rule set is assigned yet: :meth:`score` then says so).
    """

    code: str
    form_code: str
    form: scoring.Form
    responses: pd.DataFrame
    rule_set: tuple[int, str, int, str] | None  # id, code, version, TOML text
    cut_rules: tuple[CutRuleInForce, ...]
    decisions: tuple[scoring.Decision, ...]
    adjustments: Mapping[tuple[str, str], Fraction] = field(default_factory=dict)
    annulled: frozenset[str] = frozenset()
    decision_ids: tuple[int, ...] = ()

    @property
    def rules(self) -> scoring.RuleSet:
        """The rule set in force: the assigned rule set with the committee's cut rules."""
        if self.rule_set is None:
            raise UserError(f"administration {self.code} has no rule set yet: assign one with "
                            f"'itembank rules assign {self.code} CODE'")
        _, code, version, text = self.rule_set
        return rules_with_cuts(text, code=code, version=version, cut_rules=self.cut_rules)

    def item_scores(self) -> scoring.ScoringResult:
        """Scores for item statistics: under the assigned rule set, or — for a sitting whose
        rule set is not assigned yet — under :func:`statistics_rules` (the scoring defaults;
        never used for results, which always need the assigned rule set)."""
        if self.rule_set is not None:
            return self.score()
        return scoring.score(self.form, self.responses, rules=statistics_rules(self.form),
                             decisions=self.decisions, adjustments=dict(self.adjustments) or None,
                             annulled=self.annulled)

    def check_rules(self) -> None:
        """Run every check the scoring core makes on the form and the rules in force, without
        scoring anybody: the rule set's parts against the form, each cut evaluated on the form
        after the decisions and checked against its maximum by the grade conversion
        (:func:`itembank.scoring.score`, as file mode runs it). Raises
        :class:`~itembank.scoring.RuleSetError` naming the rule and the numbers."""
        self.score(candidates=[])

    def score(self, *, extra_adjustments: Mapping[tuple[str, str], Any] | None = None,
              candidates: Iterable[Hashable] | None = None) -> scoring.ScoringResult:
        """Score through the one scoring core with everything in these inputs.

        ``extra_adjustments`` adds individual re-scores (an objection being judged);
        ``candidates`` restricts scoring to those candidates (an objection re-scores one
        candidate; cuts depend on the form and rules only, never on the other candidates).
        """
        adjustments = dict(self.adjustments)
        adjustments.update({k: Fraction(str(v)) for k, v in (extra_adjustments or {}).items()})
        responses = self.responses if candidates is None else self.responses.loc[list(candidates)]
        annulled = self.annulled if candidates is None else self.annulled & set(responses.index)
        if candidates is not None:
            adjustments = {k: v for k, v in adjustments.items() if k[0] in set(responses.index)}
        return scoring.score(self.form, responses, rules=self.rules, decisions=self.decisions,
                             adjustments=adjustments or None, annulled=annulled)


def statistics_rules(form: scoring.Form) -> scoring.RuleSet:
    """The scoring defaults (void = drop, multiple response all-or-nothing, open items the mean
    of the graders), with the form's parts and no cut or grade: item scores for statistics."""
    parts = "".join(f'[parts."{p}"]\n' for p in dict.fromkeys(it.part for it in form.items))
    text = f'name = "item statistics only (no rule set assigned)"\n{parts}[grade]\nmethod = "none"\n'
    return scoring.load_rule_set(text, source="the scoring defaults")


def rules_with_cuts(text: str, *, code: str, version: int,
                    cut_rules: Sequence[CutRuleInForce]) -> scoring.RuleSet:
    """A stored rule set with the committee's cut-score rules in force (the newest per part
    replaces the rule set's own cut for that part)."""
    rules = scoring.load_rule_set(text, source=f"rule set '{code}' v{version}")
    latest = {r.part: r for r in cut_rules}
    for part, r in latest.items():
        cut = scoring.parse_cut_rule(r.rule, source=f"cut-score decision {r.id or ''} ({part})".replace("  ", " "))
        if part == "total":
            rules = dataclasses.replace(rules, total_cut=cut)
        else:
            if part not in rules.part_names:
                raise RuleError(f"cut-score decision {r.id} names part '{part}', which rule set "
                                f"{code} does not have")
            rules = dataclasses.replace(rules, parts=tuple(
                dataclasses.replace(p, cut=cut) if p.name == part else p for p in rules.parts))
    return rules


def withdrawals(rows: Iterable[Any]) -> dict[int, int]:
    """Withdrawn decision id -> id of the withdrawal. Decisions are append-only: withdrawing
    one is a ``withdraw`` row pointing at it (``withdraws_id``). ``rows`` are decision rows
    (ORM objects or result rows with ``id``, ``action``, ``withdraws_id``)."""
    return {r.withdraws_id: r.id for r in rows if r.action == "withdraw"}


def in_force(rows: Sequence[Any]) -> list[Any]:
    """The decision rows in force, in their order: neither a withdrawal nor withdrawn. The one
    definition used by scoring, the duplicate check, the decision list and the overview."""
    withdrawn = withdrawals(rows)
    return [r for r in rows if r.action != "withdraw" and r.id not in withdrawn]


def decision_rows(session: Session, admin: Administration) -> list[Decision]:
    """Every decision row of a sitting (withdrawals included), oldest first."""
    return list(session.scalars(select(Decision).where(Decision.administration_id == admin.id)
                                .order_by(Decision.id)))


def as_scoring_decisions(rows: Iterable[Decision], codes: Mapping[int, str]) -> tuple[scoring.Decision, ...]:
    """Decision rows as the scoring core takes them (``codes``: form item id -> item code)."""
    return tuple(scoring.Decision(codes[r.form_item_id], r.action, r.value or "", r.reason)  # type: ignore[arg-type]
                 for r in rows)


def decisions_in_force(session: Session, admin: Administration,
                       codes: Mapping[int, str]) -> tuple[tuple[scoring.Decision, ...], tuple[int, ...]]:
    active = in_force(decision_rows(session, admin))
    return as_scoring_decisions(active, codes), tuple(r.id for r in active)


def _revisions(session: Session, admin: Administration) -> tuple[dict[tuple[str, str], Fraction], frozenset[str]]:
    """Objection adjustments (in order of decision) and annulled candidates, in one query."""
    rows = session.execute(
        select(Candidate.code, ResultRevision.kind, ResultRevision.result)
        .join(ResultRevision, ResultRevision.candidate_id == Candidate.id)
        .join(Release, Release.id == ResultRevision.release_id)
        .where(Release.administration_id == admin.id).order_by(ResultRevision.id)).all()
    adjustments: dict[tuple[str, str], Fraction] = {}
    annulled: set[str] = set()
    for code, kind, result in rows:
        if kind == "objection":
            adj = result.get("adjustment", {})
            adjustments[(code, adj["item"])] = Fraction(adj["points"])
        elif kind == "annulment":
            annulled.add(code)
    return adjustments, frozenset(annulled)


def load_administration(session: Session, administration: str) -> AdministrationData:
    """Everything the scoring core needs for ``administration``, with the inputs in force now."""
    admin = get_administration(session, administration)
    form = get_form(session, admin.form.code)
    codes = {fi.id: fi.item_version.item.code for fi in form.items}
    order = [codes[fi.id] for fi in form.items]
    rule_row = session.get(RuleSet, admin.rule_set_id) if admin.rule_set_id is not None else None
    cut_rows = session.scalars(select(CutScoreRule).where(CutScoreRule.administration_id == admin.id)
                               .order_by(CutScoreRule.id)).all()
    decisions, decision_ids = decisions_in_force(session, admin, codes)
    adjustments, annulled = _revisions(session, admin)
    return AdministrationData(
        code=admin.code,
        form_code=form.code,
        form=as_scoring_form(form),
        responses=load_responses(session, admin, order=order),
        rule_set=(rule_row.id, rule_row.code, rule_row.version, rule_row.text) if rule_row else None,
        cut_rules=tuple(CutRuleInForce(r.part, r.rule, r.reason, r.id) for r in cut_rows),
        decisions=decisions,
        adjustments=adjustments,
        annulled=annulled,
        decision_ids=decision_ids,
    )


def released_inputs(session: Session, release: Release) -> AdministrationData:
    """The administration with the inputs a release used: its rule-set version, cut-score
    rules and decisions as stored in the release snapshot, the objections and annulments
    recorded so far, and the (immutable) responses."""
    current = load_administration(session, session.get(Administration, release.administration_id).code)
    snapshot = release.snapshot
    rule_row = session.get(RuleSet, release.rule_set_id) if release.rule_set_id is not None else None
    stored = snapshot["rule_set"]
    return dataclasses.replace(
        current,
        rule_set=(rule_row.id if rule_row else -1, stored["code"], stored["version"], stored["text"]),
        cut_rules=tuple(CutRuleInForce(r["part"], r["rule"], r.get("reason", ""), r.get("id"))
                        for r in snapshot["cut_score_rules"]),
        decisions=tuple(scoring.Decision(**d) for d in snapshot["decisions"]),
        decision_ids=(),
    )
