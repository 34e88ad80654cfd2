"""What a change would do, before anybody confirms it: a decision's preview and a release's
summary, both computed by the one scoring core.

* :func:`preview_decision` scores the loaded administration as it is and with one proposed
  decision added, and reports maximum, cut, alpha and pass rate before -> after and the
  candidates whose outcome flips. Nothing is stored: the committee confirms (and the service
  records the decision) or cancels, and nothing is left either way.
* :func:`preview_cut` does the same for a proposed cut-score rule: the administration scored
  with the rule added to the cut-score rules in force, as recording it would.
* :func:`compare_results` compares two results tables (RESULTS columns, as text) — the
  previous release and the one about to be made, or before and after a decision — into the
  summary a secretary reads first: maximum, cut, pass rate, outcome flips, then the list.

Pass rate = candidates whose outcome is the rule set's pass label / candidates scored,
annulled results left out of both counts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import ctt
from itembank import scoring
from itembank.errors import NotFoundError
from itembank.services.administration_data import AdministrationData, CutRuleInForce, load_administration
from itembank.services.administrations import get_administration
from itembank.services.results import latest_release, release_table
from itembank.storage.models import Release

__all__ = ["OutcomeChange", "DecisionPreview", "CutPreview", "compare_results", "pass_counts", "pass_rate", "preview_decision",
           "preview_withdrawal", "preview_cut", "preview_release", "compare_releases", "compare_release_rows"]


@dataclass(frozen=True)
class OutcomeChange:
    """Two results tables compared (``before`` may be None: a first release)."""

    max_before: str | None
    max_after: str
    cut_before: str | None
    cut_after: str
    pass_rate_before: float | None
    pass_rate_after: float
    flips: pd.DataFrame  # candidate, outcome_before, outcome_after, total_before, total_after

    @property
    def n_flips(self) -> int:
        return len(self.flips)

    def lines(self) -> list[str]:
        """The summary in words, for the terminal and the release page."""
        def pct(rate: float | None) -> str:
            return "-" if rate is None else f"{100 * rate:.1f} %"

        out = [f"maximum {self.max_before or '-'} -> {self.max_after}",
               f"cut score (cesuur) {self.cut_before or '-'} -> {self.cut_after}",
               f"pass rate {pct(self.pass_rate_before)} -> {pct(self.pass_rate_after)}",
               f"{self.n_flips} candidate(s) change outcome"]
        out += [f"  {before} -> {after}: {n}" for before, after, n in self.flip_counts()]
        return out

    def flip_counts(self) -> list[tuple[str, str, int]]:
        """(outcome before, outcome after, number of candidates) per kind of flip."""
        if not self.n_flips:
            return []
        counts = self.flips.groupby(["outcome_before", "outcome_after"]).size()
        return [(str(before), str(after), int(n)) for (before, after), n in counts.items()]


@dataclass(frozen=True)
class DecisionPreview:
    decision: scoring.Decision
    change: OutcomeChange
    alpha_before: float
    alpha_after: float


def pass_counts(table: pd.DataFrame, *, pass_label: str = "pass") -> tuple[int, int]:
    """(passed, judged) of a results table (or a scoring result's ``candidates``, any table
    with an ``outcome`` column): candidates whose outcome is ``pass_label``, and candidates
    scored, annulled results left out of both."""
    judged = table["outcome"] != scoring.ANNULLED
    return int((table["outcome"][judged] == pass_label).sum()), int(judged.sum())


def pass_rate(table: pd.DataFrame, *, pass_label: str = "pass") -> float:
    """The pass rate: passed / judged (:func:`pass_counts`; NaN when nobody is left). The one
    definition the previews, the release summary, the dashboard and the reports use."""
    passed, judged = pass_counts(table, pass_label=pass_label)
    return passed / judged if judged else float("nan")


def _one(table: pd.DataFrame, column: str) -> str:
    values = table[column].unique()
    return str(values[0]) if len(values) else ""


def compare_results(before: pd.DataFrame | None, after: pd.DataFrame, *, pass_label: str = "pass") -> OutcomeChange:
    """Summary of what changes from ``before`` to ``after`` (RESULTS tables as text)."""
    if before is None:
        return OutcomeChange(None, _one(after, "max"), None, _one(after, "cut"), None,
                             pass_rate(after, pass_label=pass_label), pd.DataFrame(
                                 columns=["candidate", "outcome_before", "outcome_after", "total_before", "total_after"]))
    joined = before[["candidate", "outcome", "total"]].merge(
        after[["candidate", "outcome", "total"]], on="candidate", how="inner", suffixes=("_before", "_after"))
    flipped = joined[joined["outcome_before"] != joined["outcome_after"]]
    return OutcomeChange(_one(before, "max"), _one(after, "max"), _one(before, "cut"), _one(after, "cut"),
                         pass_rate(before, pass_label=pass_label), pass_rate(after, pass_label=pass_label),
                         flipped[["candidate", "outcome_before", "outcome_after", "total_before", "total_after"]])


def _alpha(result: scoring.ScoringResult) -> float:
    scored = result.scored
    weights = {i: float(result.items[i].weight) for i in scored.columns}
    return float(ctt.reliability(scored, weights=weights).alpha)


def preview_decision(data: AdministrationData, decision: scoring.Decision, *,
                     before: scoring.ScoringResult | None = None) -> DecisionPreview:
    """The effect of adding ``decision`` to the decisions in force (nothing is stored).

    ``before`` may pass the current result when the caller has it already (the dashboard does).
    An impossible decision (an unknown option, a negative weight) raises the scoring core's
    error, exactly as recording it would.
    """
    before = before or data.score()
    after = dataclasses.replace(data, decisions=(*data.decisions, decision)).score()
    label = before.rules.pass_label
    change = compare_results(before.results_table(), after.results_table(), pass_label=label)
    return DecisionPreview(decision, change, _alpha(before), _alpha(after))


def preview_withdrawal(data: AdministrationData, decision_id: int, *,
                       before: scoring.ScoringResult | None = None) -> DecisionPreview:
    """The effect of withdrawing decision ``decision_id`` (one of the decisions in force; the
    withdrawn decision is reported as ``decision``). Nothing is stored."""
    if decision_id not in data.decision_ids:
        raise NotFoundError(f"decision {decision_id} is not in force on {data.code}; nothing to withdraw")
    at = data.decision_ids.index(decision_id)
    before = before or data.score()
    after = dataclasses.replace(data, decisions=data.decisions[:at] + data.decisions[at + 1:],
                                decision_ids=data.decision_ids[:at] + data.decision_ids[at + 1:]).score()
    change = compare_results(before.results_table(), after.results_table(), pass_label=before.rules.pass_label)
    return DecisionPreview(data.decisions[at], change, _alpha(before), _alpha(after))


@dataclass(frozen=True)
class CutPreview:
    """A proposed cut-score rule's effect: ``change`` (maximum, cut, pass rate before -> after
    and the candidates whose outcome flips) and ``after``, the administration scored with it
    (for its conversion table)."""

    rule: dict
    part: str
    change: OutcomeChange
    after: scoring.ScoringResult = dataclasses.field(repr=False)


def preview_cut(data: AdministrationData, rule: dict, *, part: str = "total",
                before: scoring.ScoringResult | None = None) -> CutPreview:
    """The effect of recording the cut-score ``rule`` for ``part`` (nothing is stored).

    The administration is scored through :meth:`AdministrationData.score` with the rule added
    as the newest cut-score rule — exactly what it is scored with once
    :func:`itembank.services.committee.set_cut_score` has recorded it — so a rule the scoring
    core refuses (a cut above the maximum, an unknown kind) raises the same error here.
    """
    before = before or data.score()
    proposed = dataclasses.replace(data, cut_rules=(*data.cut_rules, CutRuleInForce(part, dict(rule))))
    after = proposed.score()
    change = compare_results(before.results_table(), after.results_table(), pass_label=before.rules.pass_label)
    return CutPreview(dict(rule), part, change, after)


def preview_release(session: Session, administration: str) -> tuple[OutcomeChange, int | None]:
    """What releasing ``administration`` now would change against its latest release: the
    summary, and the revision it would be compared with (None for a first release). Nothing
    is stored; ``itembank release --dry-run`` and the release page show it before confirming."""
    result = load_administration(session, administration).score()
    latest = latest_release(session, get_administration(session, administration))
    before = release_table(latest.snapshot) if latest else None
    change = compare_results(before, result.results_table(), pass_label=result.rules.pass_label)
    return change, (latest.revision if latest else None)


def compare_releases(session: Session, administration: str, revision: int) -> OutcomeChange:
    """What release ``revision`` of ``administration`` changed against the one before it."""
    admin = get_administration(session, administration)
    rows = {r.revision: r for r in session.scalars(select(Release).where(
        Release.administration_id == admin.id, Release.revision.in_([revision - 1, revision])))}
    return compare_release_rows(rows.get(revision - 1), rows[revision])


def compare_release_rows(before: Release | None, after: Release) -> OutcomeChange:
    """What the stored release ``after`` changed against ``before`` (None: a first release),
    under the pass label of ``after``'s rule set."""
    pass_label = scoring.load_rule_set(after.snapshot["rule_set"]["text"], source="release").pass_label
    return compare_results(release_table(before.snapshot) if before is not None else None,
                           release_table(after.snapshot), pass_label=pass_label)
