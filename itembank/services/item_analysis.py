"""Classical item analysis of a stored administration, scored through the scoring core.

The scored matrix comes from :func:`itembank.results.score_administration`, so every
decision already taken (voids, extra answers, rekeys, weights) is applied and the numbers are
exactly those behind the results. The statistics themselves are the pure functions of
:mod:`analysis.ctt` and :mod:`analysis.flags`.

Choices and keys for the distractor table: single-answer MC items only; the key is the
effective key after decisions, including accepted extra answers. Multiple-response and open
items appear in the item statistics but have no distractor rows. Voided items are left out
of everything (they no longer count).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from analysis import ctt
from analysis.flags import FlagThresholds, item_flags
from itembank.services import administrations
from itembank.services import results
from itembank.scoring import ScoringResult

__all__ = ["AdministrationAnalysis", "analyze_administration"]


@dataclass(frozen=True)
class AdministrationAnalysis:
    administration: str
    statistics: pd.DataFrame  # analysis.ctt.item_statistics + a "flags" column (codes)
    distractors: pd.DataFrame
    flags: pd.DataFrame
    reliability: ctt.Reliability
    distribution: ctt.ScoreDistribution
    result: ScoringResult


def analyze_administration(
    session: Session, administration: str, *, thresholds: FlagThresholds | None = None
) -> AdministrationAnalysis:
    """Item statistics, distractors, flags, reliability and score distribution."""
    result = results.score_administration(session, administration)
    scored = result.scored
    stats = ctt.item_statistics(scored, max_scores=result.max_scores)
    closed = [i for i in scored.columns if result.items[i].item.type == "mc"]
    choices = administrations.get_responses(session, administration).reindex(index=scored.index)[closed]
    keys = {i: sorted(result.items[i].correct_options) for i in closed}
    options = {i: list(result.items[i].item.options) for i in closed}
    # Totals over the whole test (open items too), as in the item statistics' Rit and Rir.
    table = ctt.distractors(choices, keys, scored[closed], total=scored.sum(axis=1), options=options)
    flags = item_flags(stats, table, thresholds)
    codes = (flags.groupby("item", sort=False)["code"].agg(lambda s: ", ".join(dict.fromkeys(s)))
             if len(flags) else pd.Series(dtype=str))
    stats = stats.assign(flags=[codes.get(i, "") for i in stats.index])
    return AdministrationAnalysis(
        administration=administration,
        statistics=stats,
        distractors=table,
        flags=flags,
        reliability=ctt.reliability(scored),
        distribution=ctt.score_distribution(result.total, float(result.maxima["total"])),
        result=result,
    )
