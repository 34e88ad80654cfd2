"""Carry a committee's key correction into the bank (issue 12, item 8).

A ``rekey`` decision fixes the key *for one sitting*; the bank still holds the wrong key, and
the next form would reuse it. :func:`carry_rekey_into_bank` makes the corrected next version
of the item as a *draft* — it goes through review like any edit — with the decision's key, a
change note naming the decision, and an audit event linking the two.

Only a rekey is carried: an ``accept`` says that a second answer is also defensible, which a
key cannot express for a single-answer item — the item's text needs rewording, which is an
item writer's edit, not a key change; the function says so instead of guessing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from itembank.errors import NotFoundError, RuleError
from itembank.scoring.form import split_labels
from itembank.services import bank
from itembank.storage import audit
from itembank.storage.models import Administration, Decision, FormItem, ItemVersion

__all__ = ["carry_rekey_into_bank"]


def carry_rekey_into_bank(session: Session, decision_id: int, *, actor: str) -> ItemVersion:
    """The corrected next version (draft) of the item a rekey decision is about."""
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
    if tuple(version.key) == new_key:
        raise RuleError(f"item {code} version {number} has the key {decision.value} already")
    note = (f"key corrected to {decision.value} after committee decision {decision_id} on {admin.code} "
            f"({decision.reason})")
    # Based on the version that was on the form: if a newer one exists, revise_item refuses
    # with a conflict message, so a writer's later edit is never overwritten.
    corrected = bank.revise_item(session, code, based_on=number, author=actor, change_note=note, key=new_key)
    audit.record(session, actor=actor, action="carry_key", entity_type="item", entity_id=code,
                 detail={"decision": decision_id, "administration": admin.code, "from_version": number,
                         "version": corrected.number, "key": decision.value}, reason=decision.reason)
    return corrected
