"""The rules a cut score is made of, each written once.

Everything that decides where a cut lies and who reaches it lives here, and every caller uses
these functions: the scoring core (:mod:`.rules`, :mod:`.engine`) and standard setting
(:mod:`analysis.standard_setting`), so the cut a committee sees while setting the standard is
the cut the scoring core applies.

* :func:`voided_points` -- the void policy: what a voided item adds to maximum, totals, chance
  score and a ratings cut (seed 004 §5.26);
* :func:`item_chance`, :func:`chance_score` -- the expected score of a blind guesser;
* :func:`effective_maximum` -- the maximum over the remaining items;
* :func:`percent_guessing_cut` -- a percentage of the score above chance;
* :func:`round_cut_up` -- a fractional cut rounded up to the next whole score;
* :func:`reaches` -- the pass comparison (``>=``, or ``>`` with ``[scoring] reach = ">"``).

All arithmetic is exact (:class:`fractions.Fraction`). This module imports nothing from
itembank but the pure :mod:`.form`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal

from .form import EffectiveItem

__all__ = [
    "VoidPolicy",
    "Reach",
    "VOID_POLICIES",
    "REACH_CHOICES",
    "voided_points",
    "item_chance",
    "chance_score",
    "effective_maximum",
    "percent_guessing_cut",
    "round_cut_up",
    "reaches",
]

VoidPolicy = Literal["drop", "full_marks"]
Reach = Literal[">=", ">"]
VOID_POLICIES: tuple[str, ...] = ("drop", "full_marks")
REACH_CHOICES: tuple[str, ...] = (">=", ">")


def voided_points(e: EffectiveItem, *, void: VoidPolicy) -> Fraction:
    """The fixed points a voided item adds, the same to every candidate's total, to the
    maximum, to the chance score and to a ratings (Angoff, Nedelsky) cut.

    ``void = "drop"`` (seed 004 §5.26, "the cut score is computed over the remaining items"):
    0 -- the item leaves all of them. ``void = "full_marks"`` (the central-exam convention):
    w_j m_j -- everybody, the guesser and the borderline candidate included, gets its points.

    >>> from itembank.scoring.form import Item
    >>> e = EffectiveItem(Item("Q1", "p", "mc", ("A", "B"), ("A",), max_score=2), key=("A",), voided=True)
    >>> voided_points(e, void="drop"), voided_points(e, void="full_marks")
    (Fraction(0, 1), Fraction(2, 1))
    """
    if void == "full_marks":
        return e.weight * e.item.max_score
    return Fraction(0)


def item_chance(e: EffectiveItem) -> Fraction:
    """Expected unweighted score of a blind guesser on one (non-voided) item.

    A closed item with k options and n_keys answers that earn full marks contributes
    n_keys/k x m_j: for an mc item n_keys counts the key and the accepted extra answers, for an
    mr item the labels of the key; an open item contributes 0 (the shared cut-score contract).
    """
    if e.item.type == "open":
        return Fraction(0)
    correct = len(e.correct_options) if e.item.type == "mc" else len(e.key)
    return Fraction(correct, len(e.item.options)) * e.item.max_score


def chance_score(items: Sequence[EffectiveItem], *, void: VoidPolicy) -> Fraction:
    """Expected weighted score of a blind guesser over ``items``:

    .. math:: g = \\sum_{j \\text{ remaining}} w_j \\frac{n_j}{k_j} m_j + \\sum_{j \\text{ voided}} v_j

    with n_j/k_j from :func:`item_chance` (0 for open items) and v_j from
    :func:`voided_points`. The correction for guessing of the Dutch "cesuur" practice (e.g.
    Cito, "Cesuurbepaling"): the cut is set on the score above chance.
    """
    total = Fraction(0)
    for e in items:
        total += voided_points(e, void=void) if e.voided else e.weight * item_chance(e)
    return total


def effective_maximum(items: Sequence[EffectiveItem], *, void: VoidPolicy) -> Fraction:
    """Maximum weighted score over ``items``: M = sum of w_j m_j over the remaining items, plus
    :func:`voided_points` of the voided ones (seed 004 §5.26)."""
    total = Fraction(0)
    for e in items:
        total += voided_points(e, void=void) if e.voided else e.weight * e.item.max_score
    return total


def percent_guessing_cut(percent: Fraction, *, maximum: Fraction, chance: Fraction) -> Fraction:
    """A fixed percentage of the score above chance:

    .. math:: c = g + \\frac{p}{100} (M - g)

    with g the chance score (:func:`chance_score`) and M the maximum (:func:`effective_maximum`).

    >>> percent_guessing_cut(Fraction(55), maximum=Fraction(40), chance=Fraction(10))   # 10 + 0.55 x 30
    Fraction(53, 2)
    """
    return chance + percent / 100 * (maximum - chance)


def round_cut_up(cut: Fraction) -> Fraction:
    """A fractional cut rounded up to the next whole score (``round_up = true``): ceil(c).

    >>> round_cut_up(Fraction(429, 20)), round_cut_up(Fraction(22))   # 21.45 -> 22; 22 stays
    (Fraction(22, 1), Fraction(22, 1))
    """
    return Fraction(math.ceil(cut))


def reaches(score: Any, cut: Any, *, reach: Reach = ">=") -> Any:
    """Whether ``score`` reaches ``cut``: score >= cut (the default), or score > cut with
    ``reach = ">"``. Works element-wise on numpy arrays as on single numbers.

    >>> reaches(Fraction(55), Fraction(55)), reaches(Fraction(55), Fraction(55), reach=">")
    (True, False)
    """
    if reach == ">":
        return score > cut
    return score >= cut
