"""Carry a committee's key correction into the bank (issue 12, item 8), into every line.

A ``rekey`` decision fixes the key *for one sitting*; the bank still holds the wrong key, and
the next form would reuse it. :func:`carry_rekey_into_lines` makes the corrected next version
of the item as a *draft* — it goes through review like any edit — with the decision's key, a
change note naming the decision, and an audit event linking the two.

Every line of the item (its versions per language and variant, issue #13) gets the
correction, not only the line of the version the form used: a key names option *labels*, and
a translation or read-aloud variant keeps the source's options in the same order under the
same labels, so a wrong key in the Dutch source is wrong in the English translation too, and
a committee expects the next English form not to reuse it. Each line's correction is a draft
of its own, so the translator's reviewer sees it. A line is left alone, and named with the
reason, when its newest version already has the corrected key, holds another key than the
one the form used (somebody changed it: a person must look), or has no option with a
corrected label. A translation that was up to date with the source stays up to date (its
correction is recorded as made from the corrected source version); one that was out of date
stays out of date.

Only a rekey is carried: an ``accept`` says that a second answer is also defensible, which a
key cannot express for a single-answer item — the item's text needs rewording, which is an
item writer's edit, not a key change; the function says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from itembank.errors import ConflictError, NotFoundError, RuleError
from itembank.scoring.form import join_labels, split_labels
from itembank.services import bank
from itembank.storage import audit
from itembank.storage.models import Administration, Decision, FormItem, ItemVersion
from itembank.text import t

__all__ = ["KeyCarry", "carry_rekey_into_bank", "carry_rekey_into_lines"]


@dataclass
class KeyCarry:
    """What :func:`carry_rekey_into_lines` made: the corrected draft versions (the line of the
    form's version first) and the lines it left alone, each with the reason."""

    code: str
    key: str
    corrected: list[ItemVersion] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # line label, why

    def summary(self) -> str:
        """One message for the page and the command line."""
        made = ", ".join(f"{v.number} ({bank.line_label(bank.line_of(v))})" for v in self.corrected)
        text = t("carried_lines", item=self.code, new_key=self.key, versions=made)
        for label, why in self.skipped:
            text += " " + t("carry_skipped", line=label, why=why)
        return text


def carry_rekey_into_bank(session: Session, decision_id: int, *, actor: str) -> ItemVersion:
    """The corrected next version (draft) of the line of the version the form used; every
    other line of the item is corrected too (:func:`carry_rekey_into_lines`)."""
    return carry_rekey_into_lines(session, decision_id, actor=actor).corrected[0]


def carry_rekey_into_lines(session: Session, decision_id: int, *, actor: str) -> KeyCarry:
    """The corrected next version (draft) of every line of the item a rekey decision is about
    (see the module docstring for which lines and why)."""
    decision = session.get(Decision, decision_id)
    if decision is None or decision.action == "withdraw":
        raise NotFoundError(f"no decision {decision_id}")
    if decision.action != "rekey":
        raise RuleError(f"decision {decision_id} is '{decision.action}', not a rekey: only a new key can be carried "
                        "into the bank; an accepted extra answer means the item's text needs rewording by its "
                        "writer (a new version in the bank)")
    form_item = session.get(FormItem, decision.form_item_id)
    admin = session.get(Administration, decision.administration_id)
    assert form_item is not None and admin is not None
    version = form_item.item_version
    code, number = version.item.code, version.number
    new_key = split_labels(decision.value or "")
    old_key = tuple(version.key)
    if old_key == new_key:
        raise RuleError(f"item {code} version {number} has the key {decision.value} already")
    note = (f"key corrected to {decision.value} after committee decision {decision_id} on {admin.code} "
            f"({decision.reason})")
    form_line = bank.line_of(version)
    lines = bank.item_lines(session, code)
    # The line the form used must still end in that version: a writer's later edit is never
    # overwritten (checked before anything is written, so no line is corrected half).
    newest = next(line.newest for line in lines if line.key == form_line)
    if newest != number:
        raise ConflictError(f"item {code}: the newest {bank.line_label(form_line)} version is {newest}, the form used "
                            f"{number} (version {newest} has been saved since); correct the key in version {newest} "
                            "by hand if it is still wrong")
    carry = KeyCarry(code, join_labels(new_key))
    source_before = lines[0].newest  # item_lines lists the source line first
    corrected_source: int | None = None
    for line in lines:
        latest = version if line.key == form_line else bank.get_version(session, code, line.newest)
        labels = {o["label"] for o in latest.options}
        if line.key != form_line:
            if tuple(latest.key) == new_key:
                carry.skipped.append((line.label, f"version {line.newest} has the key {carry.key} already"))
                continue
            if tuple(latest.key) != old_key:
                carry.skipped.append((line.label, f"version {line.newest} has the key {join_labels(latest.key)}, "
                                                  f"not {join_labels(old_key)} as on the form: check it by hand"))
                continue
        missing = [label for label in new_key if label not in labels]
        if missing:
            carry.skipped.append((line.label, f"version {line.newest} has no option {join_labels(missing)}"))
            continue
        # a translation up to date with the source before stays up to date with the corrected source
        made_from = (corrected_source if not line.is_source and corrected_source is not None
                     and line.translated_from == source_before else None)
        own_note = note if line.key == form_line else f"{note}; carried into the {line.label} line"
        corrected = bank.revise_item(session, code, based_on=line.newest, author=actor, change_note=own_note,
                                     key=new_key, translated_from=made_from)
        if line.is_source:
            corrected_source = corrected.number
        carry.corrected.append(corrected)
    if not any(bank.line_of(v) == form_line for v in carry.corrected):
        raise RuleError(f"item {code}: " + "; ".join(f"{label}: {why}" for label, why in carry.skipped))
    # the form's line first: it is the correction the decision asked for
    carry.corrected.sort(key=lambda v: bank.line_of(v) != form_line)
    first = carry.corrected[0]
    audit.record(session, actor=actor, action="carry_key", entity_type="item", entity_id=code,
                 detail={"decision": decision_id, "administration": admin.code, "from_version": number,
                         "version": first.number, "key": decision.value,
                         "versions": [v.number for v in carry.corrected],
                         "skipped": [label for label, _ in carry.skipped]}, reason=decision.reason)
    return carry
