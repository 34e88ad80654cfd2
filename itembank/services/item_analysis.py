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

import pandas as pd
from sqlalchemy.orm import Session

from analysis import ctt
from analysis.flags import FlagThresholds, item_flags
from itembank.services.administration_data import AdministrationData, load_administration
from itembank.scoring import ScoringResult

__all__ = ["AdministrationAnalysis", "analyze", "analyze_administration"]


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
    return AdministrationAnalysis(
        administration=data.code,
        statistics=stats,
        distractors=table,
        flags=flags,
        reliability=ctt.reliability(scored, weights=weights),
        distribution=ctt.score_distribution(result.total, float(result.maxima["total"])),
        result=result,
        thresholds=thresholds or FlagThresholds(),
    )
