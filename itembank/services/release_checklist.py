"""The checklist a sitting must pass before its results are released (issue 12, item 6).

Three checks, each in words so the secretary knows what is missing:

* **flags** — every *critical* flag (:data:`analysis.flags.SEVERITIES`, as the review page
  shows them: the analysis of :func:`itembank.services.item_analysis.analyze` with the
  decisions in force applied) is either *decided* — a committee decision in force on the item
  (void, accept, rekey, weight) — or *kept*: the committee explicitly keeps the item as it is,
  with a reason (:func:`keep_flags`). A decision that removes the flag (a correct rekey)
  satisfies the check as well, since the flag is no longer raised.
* **cut** — a cut score (cesuur) is fixed: :func:`cut_fixed_check` (one function, so the
  rule can change in one place).
* **reasons** — every decision in force and every committee cut-score rule has a reason
  (seed 004 §5.30: decisions are reported with their reasons).

"Kept" is recorded as an audit event ``flag_kept`` on the administration (detail: the item
and the critical flag codes raised when it was kept; the event's reason is the committee's
reason) — no table of its own. A keep covers the codes it names: a new critical flag on the
same item (after another decision changed the totals) needs a decision or a keep of its own.

:func:`release_with_checklist` is the release the CLI and the dashboard run: the sitting is
locked, the checklist computed, and the release refused (:class:`ChecklistNotMet`) unless
it passes or a reason to force it is given (audited as ``release_forced``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from itembank import scoring
from itembank.errors import RuleError, UserError
from itembank.services import results
from itembank.services.administration_data import AdministrationData, load_administration
from itembank.services.administrations import lock_administration
from itembank.services.committee import get_form_item
from itembank.services.item_analysis import AdministrationAnalysis, analyze
from itembank.storage import audit
from itembank.text import t

__all__ = ["Check", "FlaggedItem", "KeptFlags", "ReleaseChecklist", "ChecklistNotMet", "CheckedRelease",
           "release_checklist", "checklist_of", "cut_fixed_check", "keep_flags", "kept_flags",
           "release_with_checklist", "KEEP_ACTION", "FORCED_ACTION"]

KEEP_ACTION = "flag_kept"  # audit action recording that the committee keeps a flagged item
FORCED_ACTION = "release_forced"  # audit action of a release made although the checklist failed
CRITICAL = "critical"


@dataclass(frozen=True)
class Check:
    """One line of the checklist: ``name`` (flags, cut, reasons), whether it passed, what it
    checks (``title``), what is missing (``problems``, empty when passed) and what satisfied
    it (``notes``)."""

    name: str
    passed: bool
    title: str
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeptFlags:
    """The committee keeps ``item`` as it is despite its critical flags ``codes``."""

    item: str
    codes: tuple[str, ...]
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class FlaggedItem:
    """An item with critical flags now, and what answers them."""

    item: str
    codes: tuple[str, ...]  # critical flag codes raised now
    decisions: tuple[str, ...]  # the decisions in force on it, e.g. "rekey C"
    kept: KeptFlags | None

    @property
    def open_codes(self) -> tuple[str, ...]:
        """The critical flags neither decided nor kept ("" when answered)."""
        if self.decisions:
            return ()
        kept = set(self.kept.codes) if self.kept else set()
        return tuple(c for c in self.codes if c not in kept)


@dataclass(frozen=True)
class ReleaseChecklist:
    administration: str
    checks: tuple[Check, ...]
    flagged: tuple[FlaggedItem, ...]

    @property
    def ready(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def missing(self) -> list[str]:
        """Everything that keeps the release back, in words."""
        return [p for c in self.checks for p in c.problems]

    @property
    def open_items(self) -> list[FlaggedItem]:
        """Items whose critical flags are neither decided nor kept."""
        return [f for f in self.flagged if f.open_codes]

    def lines(self) -> list[str]:
        """The checklist for the terminal: one line per check, then its details."""
        out = []
        for c in self.checks:
            out.append(f"[{'x' if c.passed else ' '}] {c.title}")
            out += [f"      missing: {p}" for p in c.problems] + [f"      {n}" for n in c.notes]
        return out


class ChecklistNotMet(RuleError):
    """The release checklist fails; ``checklist`` says what is missing."""

    def __init__(self, checklist: ReleaseChecklist) -> None:
        self.checklist = checklist
        super().__init__(t("checklist_refused", code=checklist.administration, missing="; ".join(checklist.missing)))


@dataclass(frozen=True)
class CheckedRelease:
    checklist: ReleaseChecklist
    outcome: results.ReleaseOutcome
    forced: bool  # released although the checklist failed (with a reason)


def _flag_names(codes: tuple[str, ...]) -> str:
    return ", ".join(t(f"flag_{c}") for c in codes)


def _decision_words(decision: scoring.Decision) -> str:
    return f"{decision.action} {decision.value}".strip()


def kept_flags(session: Session, administration: str) -> dict[str, KeptFlags]:
    """Item -> the newest record that the committee keeps it as it is (:func:`keep_flags`)."""
    out: dict[str, KeptFlags] = {}
    for e in audit.get_events(session, entity_type="administration", entity_id=administration, action=KEEP_ACTION):
        detail = e.detail or {}
        out[detail["item"]] = KeptFlags(detail["item"], tuple(detail.get("codes", ())), e.reason, e.actor, e.at)
    return out


def _critical_flags(data: AdministrationData,
                    analysis: AdministrationAnalysis | None = None) -> dict[str, tuple[str, ...]]:
    flags = (analysis if analysis is not None else analyze(data)).flags
    critical = flags[flags["severity"] == CRITICAL]
    out: dict[str, tuple[str, ...]] = {}
    for item, code in zip(critical["item"], critical["code"]):
        if code not in out.get(str(item), ()):
            out[str(item)] = (*out.get(str(item), ()), code)
    return out


def _cut_words(rule: dict) -> str:
    kind = rule.get("kind", "")
    value = rule.get("value", "")
    return t(f"cut_{kind}", value=value) if kind in ("percent", "points", "percent_guessing") else \
        t("cut_other", kind=kind)


def cut_fixed_check(session: Session, data: AdministrationData) -> Check:
    """Whether the cut score (cesuur) in force is fixed by the secretary (DESIGN §7: the
    committee proposes, the secretary fixes; :func:`itembank.services.committee.cut_fixed`).

    The cut in force is the committee's newest cut-score rule, or the rule set's own cut; a
    cut recorded after the fixing is a new proposal and has to be fixed again.
    """
    from itembank.services.committee import cut_fixed

    title = t("check_cut")
    if data.rule_set is None:
        return Check("cut", False, title, problems=(t("check_no_rule_set", code=data.code),))
    if data.cut_rules:
        newest = {r.part: r for r in data.cut_rules}
        notes = tuple(t("check_cut_committee", part=p, rule=_cut_words(r.rule), reason=r.reason)
                      for p, r in newest.items())
    else:
        _, code, version, text = data.rule_set
        own = scoring.load_rule_set(text, source=f"rule set '{code}' v{version}")
        cuts = ([("total", own.total_cut)] if own.total_cut else []) + [(p.name, p.cut) for p in own.parts if p.cut]
        if not cuts:
            return Check("cut", False, title, problems=(t("check_cut_missing", rule_set=f"{code} v{version}",
                                                           code=data.code),))
        notes = tuple(t("check_cut_rule_set", part=part, rule_set=f"{code} v{version}",
                        rule=_cut_words({"kind": c.kind, "value": scoring.format_fraction(c.value)
                                         if c.value is not None else ""})) for part, c in cuts)
    fixed, by, at = cut_fixed(session, data.code)
    if not fixed:
        return Check("cut", False, title, notes=notes, problems=(t("check_cut_not_fixed", code=data.code),))
    return Check("cut", True, title, notes=(*notes, t("check_cut_fixed_by", who=by, when=f"{at:%Y-%m-%d %H:%M}")))


def checklist_of(data: AdministrationData, kept: dict[str, KeptFlags], *, cut: Check,
                 analysis: AdministrationAnalysis | None = None) -> ReleaseChecklist:
    """The checklist of loaded inputs (no database): ``kept`` from :func:`kept_flags`, ``cut``
    from :func:`cut_fixed_check`; ``analysis`` is ``analyze(data)`` when the caller has it."""
    decided: dict[str, list[str]] = {}
    for d in data.decisions:
        decided.setdefault(d.item, []).append(_decision_words(d))
    flagged = tuple(FlaggedItem(item, codes, tuple(decided.get(item, ())), kept.get(item))
                    for item, codes in _critical_flags(data, analysis).items())
    problems, notes = [], []
    for f in flagged:
        names = _flag_names(f.codes)
        if f.open_codes:
            problems.append(t("check_flag_open", item=f.item, flags=_flag_names(f.open_codes)))
        elif f.decisions:
            notes.append(t("check_flag_decided", item=f.item, flags=names, decisions="; ".join(f.decisions)))
        else:
            assert f.kept is not None
            notes.append(t("check_flag_kept", item=f.item, flags=names, who=f.kept.by,
                           when=f"{f.kept.at:%Y-%m-%d}", reason=f.kept.reason))
    if not flagged:
        notes.append(t("check_no_critical"))
    flags = Check("flags", not problems, t("check_flags"), tuple(problems), tuple(notes))
    unreasoned = [t("check_reason_missing", id=i, what=_decision_words(d), item=d.item)
                  for d, i in zip(data.decisions, data.decision_ids or (None,) * len(data.decisions))
                  if not (d.reason or "").strip()]
    unreasoned += [t("check_cut_reason_missing", part=r.part) for r in data.cut_rules if not (r.reason or "").strip()]
    reasons = Check("reasons", not unreasoned, t("check_reasons"), tuple(unreasoned),
                    () if unreasoned else (t("check_reasons_ok", n=len(data.decisions)),))
    return ReleaseChecklist(data.code, (flags, cut, reasons), flagged)


def release_checklist(session: Session, administration: str, *, data: AdministrationData | None = None,
                      analysis: AdministrationAnalysis | None = None) -> ReleaseChecklist:
    """The release checklist of ``administration`` with everything recorded now (``data`` and
    ``analysis``: the sitting already loaded and analysed, when the caller has them)."""
    data = data if data is not None else load_administration(session, administration)
    return checklist_of(data, kept_flags(session, administration), cut=cut_fixed_check(session, data),
                        analysis=analysis)


def keep_flags(session: Session, administration: str, item: str, *, reason: str, actor: str) -> KeptFlags:
    """Record that the committee keeps ``item`` as it is despite its critical flags (the codes
    raised now), with ``reason``. Refused for an item without a critical flag, without a reason,
    or kept already for the same flags."""
    if not reason.strip():
        raise UserError(t("keep_reason_needed"))
    admin = lock_administration(session, administration)
    get_form_item(session, admin, item)  # names the form when the item is not on it
    data = load_administration(session, administration)
    codes = _critical_flags(data).get(item, ())
    if not codes:
        raise RuleError(t("keep_nothing", item=item))
    before = kept_flags(session, administration).get(item)
    if before is not None and set(codes) <= set(before.codes):
        raise RuleError(t("keep_already", item=item, who=before.by, when=f"{before.at:%Y-%m-%d}"))
    event = audit.record(session, actor=actor, action=KEEP_ACTION, entity_type="administration",
                         entity_id=admin.code, detail={"item": item, "codes": list(codes)}, reason=reason.strip())
    session.flush()
    return KeptFlags(item, codes, event.reason, actor, event.at)


def release_with_checklist(session: Session, administration: str, *, actor: str, note: str = "",
                           force_reason: str | None = None) -> CheckedRelease:
    """Release ``administration`` (:func:`itembank.services.results.release_results`) if its
    checklist passes; otherwise refuse with :class:`ChecklistNotMet`, unless ``force_reason``
    says why it is released anyway (audited as ``release_forced`` with what was missing).

    The sitting is locked first, so nothing can be decided between the check and the release.
    """
    lock_administration(session, administration)
    # Read and analysed once, under the lock: the checklist and the stored item statistics
    # come from the same inputs the release is made of.
    data = load_administration(session, administration)
    analysis = analyze(data)
    checklist = release_checklist(session, administration, data=data, analysis=analysis)
    forced = not checklist.ready
    if forced and not (force_reason or "").strip():
        raise ChecklistNotMet(checklist)
    outcome = results.release_results(session, administration, actor=actor, note=note, data=data,
                                      analysis=analysis)
    if forced and not outcome.unchanged:
        audit.record(session, actor=actor, action=FORCED_ACTION, entity_type="administration",
                     entity_id=administration, detail={"revision": outcome.release.revision,
                                                       "missing": checklist.missing},
                     reason=(force_reason or "").strip())
    return CheckedRelease(checklist, outcome, forced)
