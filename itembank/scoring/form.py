"""The data the scoring core works on: a form's items, the committee's decisions.

A :class:`Form` is what was administered (item ids, type, options, key, maximum score,
weight, part). A :class:`Decision` is a committee decision taken after the exam (seed 004
§5.26, §5.30): void an item, accept extra answers, replace the key, change a weight.
Decisions are data, applied in order by :func:`apply_decisions`; a withdrawn decision is simply
not passed (the storage layer keeps the history).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from itembank.errors import RuleError

from .grades import to_fraction

__all__ = [
    "ItemType",
    "Action",
    "Item",
    "Form",
    "Decision",
    "EffectiveItem",
    "apply_decisions",
    "split_labels",
]

ItemType = Literal["mc", "mr", "open"]
Action = Literal["void", "accept", "rekey", "weight"]
ITEM_TYPES: tuple[str, ...] = ("mc", "mr", "open")
ACTIONS: tuple[str, ...] = ("void", "accept", "rekey", "weight")


LABEL_SEPARATOR = "|"
"""Joins several option labels in one cell: a multiple-response answer or key (``A|C``), the
options of a form item, several tag codes. Every file format and stored text uses it."""


def split_labels(text: str) -> tuple[str, ...]:
    """``"A|C"`` -> ``("A", "C")``; blanks around labels are ignored, empty text -> ``()``."""
    return tuple(part.strip() for part in text.split(LABEL_SEPARATOR) if part.strip())


def join_labels(labels: Iterable[str]) -> str:
    """``("A", "C")`` -> ``"A|C"``, the inverse of :func:`split_labels`."""
    return LABEL_SEPARATOR.join(labels)


@dataclass(frozen=True)
class Item:
    """One item of a form.

    ``options`` and ``key`` are option labels (empty for open items); ``max_score`` is the
    item's maximum in points, ``weight`` multiplies the item score in its part and total
    (DESIGN §5: T = sum of w_j x_ij). Numbers are exact Fractions.
    """

    item: str
    part: str
    type: ItemType
    options: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    max_score: Fraction = Fraction(1)
    weight: Fraction = Fraction(1)

    def __post_init__(self) -> None:
        where = f"item {self.item!r}"
        if not self.item:
            raise RuleError("an item needs a non-empty id")
        if self.type not in ITEM_TYPES:
            raise RuleError(f"{where}: type must be one of {', '.join(ITEM_TYPES)}, got {self.type!r}")
        object.__setattr__(self, "max_score", to_fraction(self.max_score, what=f"{where}: max_score"))
        object.__setattr__(self, "weight", to_fraction(self.weight, what=f"{where}: weight"))
        if self.max_score <= 0:
            raise RuleError(f"{where}: max_score must be positive, got {self.max_score}")
        if self.weight < 0:
            raise RuleError(f"{where}: weight must be 0 or more, got {self.weight}")
        if self.type == "open":
            if self.options or self.key:
                raise RuleError(f"{where}: an open item has no options or key")
            return
        if len(self.options) < 2 or len(set(self.options)) != len(self.options):
            raise RuleError(f"{where}: needs at least two distinct option labels, got {self.options!r}")
        if not self.key:
            raise RuleError(f"{where}: a {self.type} item needs a key")
        unknown = [k for k in self.key if k not in self.options]
        if unknown:
            raise RuleError(f"{where}: key {unknown!r} is not among the options {self.options!r}")
        if self.type == "mc" and len(self.key) != 1:
            raise RuleError(f"{where}: an mc item has exactly one key (use 'accept' decisions for extra answers), got {self.key!r}")


@dataclass(frozen=True)
class Form:
    """The administered form: items in presentation order, ids unique."""

    items: tuple[Item, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        if not self.items:
            raise RuleError("a form needs at least one item")
        seen: set[str] = set()
        for it in self.items:
            if it.item in seen:
                raise RuleError(f"item {it.item!r} appears twice in the form")
            if "#" in it.item:
                raise RuleError(f"item {it.item!r}: '#' is reserved for grader columns ('<item>#2')")
            seen.add(it.item)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(it.item for it in self.items)

    @property
    def parts(self) -> tuple[str, ...]:
        """Part names in order of first appearance."""
        return tuple(dict.fromkeys(it.part for it in self.items))

    def __getitem__(self, item_id: str) -> Item:
        for it in self.items:
            if it.item == item_id:
                return it
        raise KeyError(item_id)


@dataclass(frozen=True)
class Decision:
    """A committee decision on one item (seed 004 §5.26, §5.30).

    * ``void``: the item no longer counts (``value`` ignored);
    * ``accept``: the option label(s) in ``value`` ("B" or "B|C") are also correct; for an mr
      item ``value`` is one more answer *set* that earns full marks;
    * ``rekey``: ``value`` replaces the key, and drops answers accepted earlier;
    * ``weight``: ``value`` is the item's new weight (a number, 0 or more).
    """

    item: str
    action: Action
    value: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise RuleError(f"decision on item {self.item!r}: action must be one of {', '.join(ACTIONS)}, got {self.action!r}")


@dataclass(frozen=True)
class EffectiveItem:
    """An item after the decisions: what the scoring actually uses.

    ``accepted`` holds the extra correct answers: single labels for mc (each alone earns full
    marks), whole answer sets for mr.
    """

    item: Item
    key: tuple[str, ...]
    accepted: tuple[tuple[str, ...], ...] = ()
    weight: Fraction = Fraction(1)
    voided: bool = False
    decisions: tuple[Decision, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.item.item

    @property
    def correct_options(self) -> frozenset[str]:
        """For an mc item: every label that earns full marks (key plus accepted)."""
        return frozenset(self.key) | frozenset(label for group in self.accepted for label in group)


def _labels_for(item: Item, value: str, decision: Decision) -> tuple[str, ...]:
    labels = split_labels(value)
    where = f"decision '{decision.action}' on item {item.item!r}"
    if item.type == "open":
        raise RuleError(f"{where}: an open item has no key; adjust its points per candidate instead")
    if not labels:
        raise RuleError(f"{where}: value must name option label(s) like 'B' or 'A|C', got {value!r}")
    unknown = [label for label in labels if label not in item.options]
    if unknown:
        raise RuleError(f"{where}: {unknown!r} not among the options {item.options!r}")
    if len(set(labels)) != len(labels):
        raise RuleError(f"{where}: a label is repeated in {value!r}")
    if item.type == "mc" and decision.action == "rekey" and len(labels) != 1:
        raise RuleError(f"{where}: an mc item has one key; accept extra answers with 'accept'")
    return labels


def apply_decisions(form: Form, decisions: tuple[Decision, ...] | list[Decision] = ()) -> dict[str, EffectiveItem]:
    """Apply the decisions in order to the form; returns item id -> :class:`EffectiveItem`.

    A decision on an item that is not on the form raises :class:`~itembank.errors.RuleError`.
    """
    state: dict[str, dict[str, object]] = {
        it.item: {"key": it.key, "accepted": [], "weight": it.weight, "voided": False, "decisions": []} for it in form.items
    }
    for decision in decisions:
        if decision.item not in state:
            raise RuleError(f"decision '{decision.action}' names item {decision.item!r}, which is not on the form")
        item = form[decision.item]
        entry = state[decision.item]
        entry["decisions"].append(decision)  # type: ignore[attr-defined]
        if decision.action == "void":
            entry["voided"] = True
        elif decision.action == "weight":
            try:
                weight = to_fraction(decision.value, what=f"decision 'weight' on item {item.item!r}: value")
            except ValueError as exc:
                raise RuleError(str(exc)) from None
            if weight < 0:
                raise RuleError(f"decision 'weight' on item {item.item!r}: weight must be 0 or more, got {decision.value!r}")
            entry["weight"] = weight
        elif decision.action == "rekey":
            entry["key"] = _labels_for(item, decision.value, decision)
            entry["accepted"] = []
        else:  # accept
            labels = _labels_for(item, decision.value, decision)
            if item.type == "mc":
                entry["accepted"].extend((label,) for label in labels)  # type: ignore[attr-defined]
            else:
                entry["accepted"].append(labels)  # type: ignore[attr-defined]
    return {
        item_id: EffectiveItem(
            item=form[item_id],
            key=tuple(entry["key"]),  # type: ignore[arg-type]
            accepted=tuple(entry["accepted"]),  # type: ignore[arg-type]
            weight=entry["weight"],  # type: ignore[arg-type]
            voided=bool(entry["voided"]),
            decisions=tuple(entry["decisions"]),  # type: ignore[arg-type]
        )
        for item_id, entry in state.items()
    }
