"""The committee's inputs for an administration: rule sets, decisions and cut scores.

* A rule set is stored as its TOML text, versioned by code, and assigned to an administration.
* Decisions (void, accept, rekey, weight) are append-only: withdrawing one is a new
  ``withdraw`` decision; every decision is also an audit event.
* A cut score (cesuur) is stored as a *rule* evaluated on the final data (seed 004 §5.26).
  The committee proposes: every recorded rule is a proposal, and the newest per part is in
  force. The secretary fixes the cut in force (:func:`fix_cut`): an audit event
  ``cut_fixed`` naming the newest cut-score rule; :func:`cut_fixed` reads it back, and a cut
  recorded after the fixing is a new proposal that needs fixing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from collections.abc import Sequence
from typing import Any
from sqlalchemy import select
from sqlalchemy.orm import Session
from itembank import scoring
from itembank.io.numbers import WEIGHT, parse_number
from itembank.scoring.form import ACTIONS
from itembank.storage import audit
from itembank.errors import NotFoundError, RuleError, UserError
from itembank.services.administrations import as_scoring_form, get_administration, lock_administration, scoring_form
from itembank.services.bank import ItemContent
from itembank.services.forms import get_form
from itembank.services.administration_data import (
    as_scoring_decisions,
    decision_rows,
    decisions_in_force,
    in_force,
    load_administration,
    withdrawals,
)
from itembank.storage.versioned import get_versioned, latest_version
from itembank.storage.models import (
    Administration,
    AuditEvent,
    Form,
    CutScoreRule,
    Decision,
    FormItem,
    RuleSet,
)

__all__ = [
    "add_rule_set",
    "item_on_sitting",
    "checked_weight",
    "get_rule_set",
    "assign_rule_set",
    "add_decision",
    "withdraw_decision",
    "active_decisions",
    "set_cut_score",
    "list_decisions",
    "DecisionRecord",
    "CutRecord",
    "cut_rules",
    "fix_cut",
    "cut_fixed",
]


def add_rule_set(session: Session, code: str, text: str, *, actor: str) -> RuleSet:
    """Store a rule set (TOML) as the next version of ``code``; it is validated first."""
    latest = latest_version(session, RuleSet, code)
    version = latest.version + 1 if latest else 1
    scoring.load_rule_set(text, source=f"rule set '{code}' v{version}")
    if latest is not None and latest.text == text:
        return latest
    row = RuleSet(code=code, version=version, text=text, created_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="rule_set", entity_id=f"{code} v{version}")
    return row


def get_rule_set(session: Session, code: str, version: int | None = None) -> RuleSet:
    return get_versioned(session, RuleSet, code, version, what="rule set")


def assign_rule_set(session: Session, administration: str, code: str, version: int | None = None,
                    *, actor: str, reason: str = "") -> None:
    """Fix the rule set an administration is scored with (seed 004 §5.25: before the exam)."""
    admin = lock_administration(session, administration)
    rule_set = get_rule_set(session, code, version)
    scoring.load_rule_set(rule_set.text, source=f"rule set '{code}' v{rule_set.version}").check(
        scoring_form(session, administration))
    admin.rule_set_id = rule_set.id
    session.flush()
    audit.record(session, actor=actor, action="assign_rule_set", entity_type="administration",
                 entity_id=administration, detail={"rule_set": code, "version": rule_set.version},
                 reason=reason)


def get_form_item(session: Session, admin: Administration, item_code: str, *, form: Form | None = None) -> FormItem:
    """The position of ``item_code`` on the sitting's form (``form``: the form, when loaded)."""
    form = form or get_form(session, admin.form.code)
    for fi in form.items:
        if fi.item_version.item.code == item_code:
            return fi
    raise NotFoundError(f"item {item_code} is not on form {form.code} of administration {admin.code}")


def item_on_sitting(session: Session, administration: str, item_code: str) -> tuple[int, ItemContent]:
    """The version number and content (stem, options, key as the bank holds it) of ``item_code``
    as it was on the sitting's form — what the candidates saw, not a later revision."""
    fi = get_form_item(session, get_administration(session, administration), item_code)
    return fi.item_version.number, ItemContent.of(fi.item_version)


def add_decision(session: Session, administration: str, item: str, action: str, value: str = "",
                 *, reason: str, actor: str) -> Decision:
    """Record a committee decision on an item: void, accept (extra answers), rekey, weight.

    The decision is checked against the form by applying it in the scoring core first, so
    an impossible decision (an unknown option, a negative weight) is refused with a message.
    """
    if action not in ACTIONS:
        raise UserError(f"unknown decision '{action}'; expected one of {', '.join(ACTIONS)}")
    if not reason.strip():
        raise UserError("a committee decision needs a reason (seed 004 §5.30: it is reported)")
    # Locked before the duplicate check, so two identical decisions at once cannot both pass it.
    admin = lock_administration(session, administration)
    form = get_form(session, admin.form.code)  # read once: the item, the codes, the scoring form
    fi = get_form_item(session, admin, item, form=form)
    active = in_force(decision_rows(session, admin))
    _refuse_duplicate(active, fi.id, item, action, value)
    if action == "weight":
        value = checked_weight(value)
    codes = {f.id: f.item_version.item.code for f in form.items}
    proposed = (*as_scoring_decisions(active, codes), scoring.Decision(item, action, value, reason))
    scoring.apply_decisions(as_scoring_form(form), proposed)
    row = Decision(administration_id=admin.id, form_item_id=fi.id, action=action, value=value or None,
                   reason=reason, decided_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action=f"decision_{action}", entity_type="administration",
                 entity_id=administration, detail={"decision": row.id, "item": item, "value": value},
                 reason=reason)
    return row


def checked_weight(value: str) -> str:
    """A weight decision as a user types it: a number (decimal comma or point) in the same
    plausible range as a weight in a DECISIONS or FORM file (itembank/io/numbers.py)."""
    try:
        weight = parse_number(value)
    except ValueError:
        raise UserError(f"a weight must be a number (a decimal comma is fine), got {value!r}") from None
    problem = WEIGHT.problem(weight)
    if problem:
        raise UserError(problem)
    return format(weight, "f")  # stored with a decimal point, as every number is


def _refuse_duplicate(active: Sequence[Decision], form_item_id: int, item: str, action: str, value: str) -> None:
    """The same decision (item, action, value) may be in force only once: recording it again
    would put it twice in the audit trail and the report. A withdrawn one may be decided again.
    ``active``: the decision rows in force."""
    for r in active:
        if r.action == action and r.form_item_id == form_item_id and (r.value or "") == (value or ""):
            what = f"{action} {item}" + (f" {value}" if value else "")
            raise RuleError(f"the decision '{what}' is already in force (decision {r.id} by {r.decided_by} on "
                            f"{r.decided_at:%Y-%m-%d}); withdraw it first if it should be decided again")


def withdraw_decision(session: Session, decision_id: int, *, reason: str, actor: str) -> Decision:
    """Withdraw an earlier decision: a new ``withdraw`` event; the original stays on record."""
    original = session.get(Decision, decision_id)
    if original is None or original.action == "withdraw":
        raise NotFoundError(f"no decision {decision_id} to withdraw")
    # Locked before the already-withdrawn check, so two withdrawals at once cannot both pass it.
    admin = lock_administration(session, session.get(Administration, original.administration_id).code)
    if session.scalar(select(Decision.id).where(Decision.withdraws_id == decision_id)) is not None:
        raise RuleError(f"decision {decision_id} has been withdrawn already")
    row = Decision(administration_id=original.administration_id, form_item_id=original.form_item_id,
                   action="withdraw", value=None, reason=reason, decided_by=actor, withdraws_id=decision_id)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="decision_withdraw", entity_type="administration",
                 entity_id=admin.code,
                 detail={"decision": row.id, "withdraws": decision_id}, reason=reason)
    return row


def active_decisions(session: Session, administration: str) -> list[scoring.Decision]:
    """The decisions in force, oldest first, as the scoring core takes them."""
    admin = get_administration(session, administration)
    codes = {fi.id: fi.item_version.item.code for fi in get_form(session, admin.form.code).items}
    return list(decisions_in_force(session, admin, codes)[0])


def set_cut_score(session: Session, administration: str, rule: dict[str, Any], *, part: str = "total",
                  reason: str, actor: str) -> CutScoreRule:
    """Record the committee's cut score for an administration, as a rule (DESIGN §3 rule 2).

    ``rule`` is a cut-score rule document (``{"kind": "percent", "value": 70}``, or the
    ``to_rule()`` of a standard-setting result); it replaces the rule set's cut for ``part``.

    Before it is recorded, the cut is checked exactly as file mode checks it: the scoring core
    scores the administration's form under the rule set in force with this cut and the
    decisions in force (:meth:`AdministrationData.check_rules`), so a cut the grade conversion
    cannot use (a 45-point cut on a 40-point form under a linear conversion) is refused here
    instead of failing every later score and release.
    """
    admin = lock_administration(session, administration)
    scoring.parse_cut_rule(rule, source="the cut-score rule")
    if not reason.strip():
        raise UserError("a cut-score decision needs a reason")
    row = CutScoreRule(administration_id=admin.id, part=part, rule=rule, decided_by=actor, reason=reason)
    session.add(row)
    session.flush()
    try:  # the rule set in force with this cut: its part must exist, its value must fit the form
        load_administration(session, administration).check_rules()
    except RuleError as exc:
        raise RuleError(f"the cut-score rule {rule} for {part} of {administration} cannot be used, "
                        f"nothing was recorded: {exc}") from None
    audit.record(session, actor=actor, action="cut_score", entity_type="administration",
                 entity_id=administration, detail={"part": part, "rule": rule}, reason=reason)
    return row


@dataclass(frozen=True)
class DecisionRecord:
    """One recorded decision as the committee reads it back."""

    id: int
    item: str
    action: str
    value: str
    reason: str
    decided_by: str
    decided_at: datetime
    withdrawn_by: int | None  # the id of the withdrawal, when withdrawn


def list_decisions(session: Session, administration: str) -> list[DecisionRecord]:
    """Every decision on a sitting, oldest first, with whether (and by which event) it was
    withdrawn; withdrawals themselves are not listed as decisions."""
    admin = get_administration(session, administration)
    codes = {fi.id: fi.item_version.item.code for fi in get_form(session, admin.form.code).items}
    rows = decision_rows(session, admin)
    withdrawn_by = withdrawals(rows)
    return [DecisionRecord(r.id, codes.get(r.form_item_id, ""), r.action, r.value or "", r.reason, r.decided_by,
                           r.decided_at, withdrawn_by.get(r.id)) for r in rows if r.action != "withdraw"]


@dataclass(frozen=True)
class CutRecord:
    """One recorded cut-score rule (a proposal; the newest per part is in force)."""

    id: int
    part: str
    rule: dict[str, Any]
    decided_by: str
    decided_at: datetime
    reason: str


def cut_rules(session: Session, administration: str) -> list[CutRecord]:
    """Every cut-score rule recorded for a sitting, oldest first."""
    admin = get_administration(session, administration)
    rows = session.scalars(select(CutScoreRule).where(CutScoreRule.administration_id == admin.id)
                           .order_by(CutScoreRule.id))
    return [CutRecord(r.id, r.part, dict(r.rule), r.decided_by, r.decided_at, r.reason) for r in rows]


def _newest_cut_rule_id(session: Session, admin: Administration) -> int | None:
    return session.scalar(select(CutScoreRule.id).where(CutScoreRule.administration_id == admin.id)
                          .order_by(CutScoreRule.id.desc()).limit(1))


def _last_fixing(session: Session, administration: str) -> AuditEvent | None:
    return session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "administration", AuditEvent.entity_id == administration,
        AuditEvent.action == "cut_fixed").order_by(AuditEvent.id.desc()).limit(1)).first()


def cut_fixed(session: Session, administration: str) -> tuple[bool, str | None, datetime | None]:
    """Whether the cut in force is fixed by the secretary, and by whom and when.

    Fixed means: the newest ``cut_fixed`` audit event of the sitting names the newest
    cut-score rule recorded for it (``None`` for the rule set's own cut when the committee
    recorded none). A cut recorded after the fixing is a new proposal: not fixed.
    Returns ``(fixed, by, at)``; ``by`` and ``at`` are None when not fixed.
    """
    admin = get_administration(session, administration)
    event = _last_fixing(session, administration)
    if event is None or (event.detail or {}).get("cut_rule") != _newest_cut_rule_id(session, admin):
        return False, None, None
    return True, event.actor, event.at


def fix_cut(session: Session, administration: str, *, reason: str, actor: str) -> AuditEvent:
    """The secretary fixes the cut in force (DESIGN §7: the committee proposes, the secretary
    fixes): recorded as the audit event ``cut_fixed`` with the id of the newest cut-score rule
    (None: the rule set's own cut) and its rule, read back by :func:`cut_fixed`.

    Refused without a reason, without a cut in force, or when the cut in force is fixed
    already. The rules in force are checked by the scoring core first, as when recording a cut.
    """
    if not reason.strip():
        raise UserError("fixing the cut score needs a reason")
    admin = lock_administration(session, administration)
    data = load_administration(session, administration)
    if not data.rules.cut_names():
        raise RuleError(f"{administration} has no cut score to fix: record one first")
    data.check_rules()
    fixed, by, at = cut_fixed(session, administration)
    if fixed:
        raise RuleError(f"the cut score of {administration} in force is fixed already (by {by} on {at:%Y-%m-%d %H:%M})")
    newest = _newest_cut_rule_id(session, admin)
    rule = next((dict(r.rule) for r in data.cut_rules if r.id == newest), None)
    event = audit.record(session, actor=actor, action="cut_fixed", entity_type="administration",
                         entity_id=administration, detail={"cut_rule": newest, "rule": rule}, reason=reason)
    session.flush()
    return event
