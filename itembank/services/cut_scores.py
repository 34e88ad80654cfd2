"""Standard setting on a sitting: the methods of :mod:`analysis.standard_setting` fed with the
sitting's own numbers, each giving a cut-score rule the committee may propose.

Every method works from one :class:`CutBasis`: the sitting scored once by the scoring core
(:meth:`~itembank.services.administration_data.AdministrationData.score`), its candidates'
totals (annulled and pending results left out), the maximum and the chance score over the items
that count after the committee's decisions, and the rule set's pass comparison. The methods
return a :class:`~analysis.standard_setting.StandardSettingResult`; :func:`rule_of` gives the
rule to record, and :func:`itembank.services.previews.preview_cut` what the scoring core makes
of it (the cut the candidates get and the pass rate at it).

Inputs a user typed (a percentage, a judge's cut) are read with the one rule for typed numbers
(:func:`itembank.io.numbers.parse_number`: a decimal comma is fine) by :func:`typed_number`;
a method's refusal of its inputs (``ValueError`` in :mod:`analysis`) becomes a
:class:`~itembank.errors.UserError` with the method's message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

import pandas as pd

from analysis import ctt
from analysis import standard_setting as ss
from itembank import scoring
from itembank.errors import UserError
from itembank.io.numbers import parse_number
from itembank.services.administration_data import AdministrationData

__all__ = [
    "DIRECT_KINDS",
    "CutBasis",
    "angoff",
    "beuk",
    "cohen_schotanus",
    "cut_basis",
    "direct_rule",
    "fixed_percentage",
    "histogram",
    "hofstee",
    "item_options",
    "nedelsky",
    "rule_of",
    "typed_number",
]

#: The cut-score rules a committee may type directly (the CLI's --percent, --points,
#: --percent-guessing).
DIRECT_KINDS = ("percent", "points", "percent_guessing")

T = TypeVar("T")


@dataclass(frozen=True)
class CutBasis:
    """What every method works from, all from the scoring core's result for the sitting now."""

    data: AdministrationData
    result: scoring.ScoringResult
    totals: pd.Series  # candidates judged (annulled and pending results left out)
    maximum: Fraction  # effective maximum of the total
    chance: Fraction  # expected chance score of the total
    reach: str  # the rule set's pass comparison, ">=" or ">"
    n_judged: int  # candidates whose results count in a pass rate (annulled ones left out, as in previews)


def cut_basis(data: AdministrationData, result: scoring.ScoringResult | None = None) -> CutBasis:
    """The sitting's numbers for standard setting (``result``: the sitting scored, if at hand)."""
    result = result or data.score()
    judged = ~result.candidates["outcome"].isin([scoring.ANNULLED, scoring.PENDING])
    return CutBasis(data, result, result.total[judged], result.maxima["total"], result.chance["total"],
                    result.rules.reach, int((result.candidates["outcome"] != scoring.ANNULLED).sum()))


def histogram(b: CutBasis) -> pd.DataFrame:
    """The totals' histogram (``lower``, ``upper``, ``count``; one bar per whole score on a
    whole-number scale) for :func:`itembank.figures.score_figure`."""
    return ctt.score_distribution(b.totals, float(b.maximum)).histogram()


def typed_number(text: str | float | None, what: str) -> float:
    """A number the user typed (decimal point or comma), or a UserError naming ``what``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    try:
        return float(parse_number(str(text or "")))
    except ValueError:
        raise UserError(f"{what}: expected a number (a decimal comma is fine), got '{(text or '').strip()}'") from None


def _run(method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return method(*args, **kwargs)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def direct_rule(kind: str, value: str | float, *, round_up: bool = False) -> dict[str, Any]:
    """A rule typed directly, as ``itembank decide cut --percent/--points/--percent-guessing``
    records it: ``{"kind": kind, "value": value}`` (and ``round_up`` when asked)."""
    if kind not in DIRECT_KINDS:
        raise UserError(f"unknown kind of cut '{kind}'; expected one of {', '.join(DIRECT_KINDS)}")
    number = typed_number(value, "the cut")
    rule: dict[str, Any] = {"kind": kind, "value": int(number) if number.is_integer() else number}
    if round_up:
        rule["round_up"] = True
    return rule


def rule_of(result: ss.StandardSettingResult) -> dict[str, Any]:
    """The rule to record for a method's result: its :meth:`~StandardSettingResult.to_rule`,
    except that a fixed percentage's chance score is left to the scoring core, which computes
    it on the final data (after a later void, over the remaining items: seed 004 §5.26), as
    for ``itembank decide cut --percent-guessing``; the method's chance stays in ``source``."""
    rule = result.to_rule()
    if result.method == "fixed_percentage":
        rule.pop("chance", None)
    return rule


def fixed_percentage(b: CutBasis, *, percent: float, round_up: bool = False) -> ss.StandardSettingResult:
    """Fixed percentage of the score above chance: c = g + p/100 (M - g), with the scoring
    core's chance score g and maximum M (:func:`analysis.standard_setting.fixed_percentage`)."""
    return _run(ss.fixed_percentage, b.totals, percent=percent, max_score=b.maximum, chance=b.chance,
                pass_if=b.reach, round_up=round_up)


def cohen_schotanus(b: CutBasis, *, percentage: float = 60.0, percentile: float = 95.0,
                    round_up: bool = False) -> ss.StandardSettingResult:
    """Cohen-Schotanus: c = g + percentage/100 (P - g), P the totals' ``percentile``-th
    percentile (:func:`analysis.standard_setting.cohen_schotanus`)."""
    return _run(ss.cohen_schotanus, b.totals, chance=float(b.chance), percentage=percentage, percentile=percentile,
                max_score=float(b.maximum), pass_if=b.reach, round_up=round_up)


def hofstee(b: CutBasis, *, k_min: float, k_max: float, f_min: float, f_max: float,
            round_up: bool = False) -> ss.StandardSettingResult:
    """Hofstee with the panel's acceptable cuts (percent of the maximum) and fail rates
    (percent) (:func:`analysis.standard_setting.hofstee`)."""
    return _run(ss.hofstee, b.totals, k_min=k_min, k_max=k_max, f_min=f_min, f_max=f_max,
                max_score=float(b.maximum), pass_if=b.reach, round_up=round_up)


def beuk(b: CutBasis, *, judge_cuts: Sequence[float], judge_pass_rates: Sequence[float],
         round_up: bool = False) -> ss.StandardSettingResult:
    """Beuk with each judge's cut (percent of the maximum) and expected pass rate (percent)
    (:func:`analysis.standard_setting.beuk`)."""
    return _run(ss.beuk, b.totals, judge_cuts=list(judge_cuts), judge_pass_rates=list(judge_pass_rates),
                max_score=float(b.maximum), pass_if=b.reach, round_up=round_up)


def item_options(b: CutBasis) -> tuple[dict[str, int], set[str]]:
    """Every item of the form with its number of options (for a ratings file), and the voided
    items (which a ratings file may leave out)."""
    return ({it.item: len(it.options) for it in b.data.form.items},
            {i for i, e in b.result.items.items() if e.voided})


def _item_maxima(b: CutBasis, items: Sequence[str]) -> tuple[dict[str, Fraction], dict[str, Fraction]]:
    effective = b.result.items
    return ({i: effective[i].item.max_score for i in items}, {i: effective[i].weight for i in items})


def _counting(b: CutBasis, ratings: pd.DataFrame) -> pd.DataFrame:
    """The ratings of the items that count (a voided item's rating does not enter the cut)."""
    voided = set(b.result.voided)
    return ratings[[c for c in ratings.columns if c not in voided]]


def angoff(b: CutBasis, ratings: pd.DataFrame, *, round_up: bool = False) -> ss.StandardSettingResult:
    """Modified Angoff from the judges' probabilities (judges x items), in the items' own
    points and weights (:func:`analysis.standard_setting.angoff`)."""
    ratings = _counting(b, ratings)
    maxima, weights = _item_maxima(b, list(ratings.columns))
    return _run(ss.angoff, ratings, b.totals, max_scores=maxima, weights=weights, pass_if=b.reach, round_up=round_up)


def nedelsky(b: CutBasis, eliminated: pd.DataFrame, *, round_up: bool = False) -> ss.StandardSettingResult:
    """Nedelsky from the options each judge rules out (judges x items)
    (:func:`analysis.standard_setting.nedelsky`)."""
    eliminated = _counting(b, eliminated)
    options, _ = item_options(b)
    maxima, weights = _item_maxima(b, list(eliminated.columns))
    return _run(ss.nedelsky, eliminated, b.totals, n_options={i: options[i] for i in eliminated.columns},
                max_scores=maxima, weights=weights, pass_if=b.reach, round_up=round_up)
