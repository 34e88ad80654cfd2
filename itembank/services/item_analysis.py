"""Classical item analysis of a stored administration, scored through the scoring core.

The inputs are read once (:func:`itembank.services.administration_data.load_administration`) and
scored once through the scoring core, so every
decision already taken (voids, extra answers, rekeys, weights) is applied and the numbers are
exactly those behind the results. The statistics themselves are the pure functions of
:mod:`analysis.ctt` and :mod:`analysis.flags`.

Choices and keys for the distractor table: single-answer MC items only; the key is the
effective key after decisions, including accepted extra answers. Multiple-response and open
items appear in the item statistics but have no distractor rows. Voided items are left out
of everything (they no longer count).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from analysis import classification, ctt
from analysis.flags import FlagThresholds, item_flags
from itembank import scoring
from itembank.display import shown, shown_percent
from itembank.scoring import format_fraction
from itembank.text import t
from itembank.services.administration_data import AdministrationData, load_administration
from itembank.scoring import ScoringResult

__all__ = ["AdministrationAnalysis", "CutClassification", "analyze", "analyze_administration", "classification_at_cut"]


@dataclass(frozen=True)
class CutClassification:
    """How sure a pass/fail at the sitting's total cut is (issue 14, item 5).

    ``estimate`` is :func:`analysis.classification.livingston_lewis` on the judged
    candidates' totals, or None when it cannot be estimated; ``reason`` then says why."""

    cut: Fraction
    maximum: Fraction
    reliability: float  # Cronbach's alpha of the sitting, the reliability the estimate uses
    candidates: int
    estimate: classification.ClassificationAccuracy | None
    reason: str | None = None

    def shown(self) -> dict[str, str]:
        """The numbers as every place writes them: ``cut``, ``maximum``, ``alpha`` and, with an
        estimate, ``consistency``, ``accuracy``, ``kappa`` (3 decimals, as alpha: they are
        coefficients of the same kind), ``false_pass``, ``false_fail`` (per cent, 1 decimal),
        ``n`` (effective test length) and ``model`` (the true-score model in words)."""
        out = {"cut": format_fraction(self.cut), "maximum": format_fraction(self.maximum),
               "alpha": shown(self.reliability, "alpha")}
        e = self.estimate
        if e is not None:
            out |= {"consistency": shown(e.consistency, "alpha"), "accuracy": shown(e.accuracy, "alpha"),
                    "kappa": shown(e.kappa, "alpha"), "false_pass": shown_percent(e.false_pass, "percent"),
                    "false_fail": shown_percent(e.false_fail, "percent"), "n": str(e.effective_length),
                    "model": t(f"decision_model_{e.model.parameters}")}
        return out


def classification_at_cut(result: ScoringResult, *, reliability: float | None = None) -> CutClassification | None:
    """Decision accuracy and consistency at ``result``'s total cut (None without a cut).

    The one function the analysis summary, ``itembank analyze``, the administration report
    and the cut-score page call; the cut-score page passes the sitting scored with the cut
    under consideration (:func:`itembank.services.previews.preview_cut`'s ``after``).

    Livingston & Lewis (1995) on the weighted totals the candidates are judged on, range 0 to
    the effective maximum, the rule set's pass comparison (``>=`` or ``>``; on whole-point
    totals the cut counts as the boundary below the lowest whole score reaching it), and Cronbach's
    alpha of the same scored matrix as the reliability (``reliability`` when the caller has
    it already). Annulled and pending results are left out, as in the pass rate
    (:func:`itembank.services.cut_scores.cut_basis`). A sitting the model cannot describe
    (too few candidates, alpha not in (0, 1), a total that does not vary) gets
    ``estimate=None`` and the reason, not an error: the rest of the analysis stands.
    """
    cut = result.cuts.get("total")
    if cut is None:
        return None
    maximum = result.maxima["total"]
    if reliability is None:
        weights = {i: float(result.items[i].weight) for i in result.scored.columns}
        reliability = float(ctt.reliability(result.scored, weights=weights).alpha)
    judged = ~result.candidates["outcome"].isin([scoring.ANNULLED, scoring.PENDING])
    totals = result.total[judged].astype(float).to_numpy()
    estimate, reason = None, None
    try:
        if not 0.0 < reliability < 1.0:  # also NaN
            raise ValueError(f"Cronbach's alpha is {reliability:.3f}; the estimate needs a reliability between 0 and 1")
        # Whole-point totals: a cut means "the lowest whole score reaching it", so 26.2 and
        # 26.5 (the same candidates pass) give the same estimate (score_step, see there).
        whole = float(maximum).is_integer() and bool(np.all(np.mod(totals, 1.0) == 0.0))
        estimate = classification.livingston_lewis(totals, reliability=reliability, cuts=float(cut),
                                                   max_score=float(maximum), reach=result.rules.reach,
                                                   score_step=1.0 if whole else None)
    except ValueError as exc:
        reason = str(exc)
    return CutClassification(cut, maximum, reliability, int(totals.size), estimate, reason)


@dataclass(frozen=True)
class AdministrationAnalysis:
    administration: str
    statistics: pd.DataFrame  # analysis.ctt.item_statistics + a "flags" column (codes)
    distractors: pd.DataFrame
    flags: pd.DataFrame
    reliability: ctt.Reliability
    distribution: ctt.ScoreDistribution
    result: ScoringResult
    thresholds: FlagThresholds = field(default_factory=FlagThresholds)  # the flags' limits, for showing values
    # decision accuracy and consistency at the sitting's total cut; None without a cut
    classification: CutClassification | None = None


def analyze_administration(
    session: Session, administration: str | AdministrationData, *, thresholds: FlagThresholds | None = None
) -> AdministrationAnalysis:
    """Item statistics, distractors, flags, reliability and score distribution.

    ``administration`` is a code, or the :class:`AdministrationData` already loaded. The
    responses are read once and scored once; the distractor table reads the same coded
    responses the scoring core scored.
    """
    data = administration if isinstance(administration, AdministrationData) else \
        load_administration(session, administration)
    return analyze(data, thresholds=thresholds)


def analyze(data: AdministrationData, *, thresholds: FlagThresholds | None = None) -> AdministrationAnalysis:
    """The analysis of loaded inputs (no database).

    One total everywhere: T_i = sum_j w_j x_ij, the weighted total the candidate is judged on
    (DESIGN §5). Rit, Rir, alpha, the distractor score groups and Rar, the score distribution
    and the cut all refer to it, so a ``weight`` decision moves them together.
    """
    result = data.score()
    scored = result.scored
    weights = {i: float(result.items[i].weight) for i in scored.columns}
    stats = ctt.item_statistics(scored, max_scores=result.max_scores, weights=weights)
    closed = [i for i in scored.columns if result.items[i].item.type == "mc"]
    choices = data.responses.reindex(index=scored.index)[closed]
    keys = {i: sorted(result.items[i].correct_options) for i in closed}
    options = {i: list(result.items[i].item.options) for i in closed}
    total = result.total.astype(float).reindex(scored.index)
    table = ctt.distractors(choices, keys, scored[closed], total=total, options=options, weights=weights)
    flags = item_flags(stats, table, thresholds=thresholds)
    codes = (flags.groupby("item", sort=False)["code"].agg(lambda s: ", ".join(dict.fromkeys(s)))
             if len(flags) else pd.Series(dtype=str))
    stats = stats.assign(flags=[codes.get(i, "") for i in stats.index])
    reliability = ctt.reliability(scored, weights=weights)
    return AdministrationAnalysis(
        administration=data.code,
        statistics=stats,
        distractors=table,
        flags=flags,
        reliability=reliability,
        distribution=ctt.score_distribution(result.total, float(result.maxima["total"])),
        result=result,
        thresholds=thresholds or FlagThresholds(),
        classification=classification_at_cut(result, reliability=float(reliability.alpha)),
    )
