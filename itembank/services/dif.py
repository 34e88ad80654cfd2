"""Differential item functioning per group attribute of a sitting (the review page's DIF view).

For every candidate attribute of the sitting (language, attempt, ...) and every group of that
attribute, Mantel–Haenszel DIF of each one-point item, focal group against the largest group
as reference, matched on the total score the candidates are judged on
(:func:`analysis.dif.mantel_haenszel`; Holland & Thayer 1988; ETS classes A/B/C after Zwick
2012). A group smaller than :data:`MIN_GROUP` candidates is not analysed (the MH statistic is
unstable below it; Zwick 2012 advises at least 100 to 200 in the focal group) and is listed as
such. Items worth more than one point are left out (MH here is the dichotomous statistic).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.dif import mantel_haenszel
from itembank.scoring import ScoringResult

__all__ = ["MIN_GROUP", "SittingDif", "sitting_dif"]

MIN_GROUP = 100


@dataclass(frozen=True)
class SittingDif:
    """``table``: one row per (attribute, focal, item) with ``reference``, ``n_focal``,
    ``n_reference``, ``mh_d_dif``, ``ets_class``; ``skipped``: groups too small, in words
    (attribute, group, n)."""

    table: pd.DataFrame
    skipped: list[tuple[str, str, int]] = field(default_factory=list)

    def worst(self) -> dict[str, list[dict[str, str]]]:
        """Per item, its B and C classes as badges: attribute, focal group and class."""
        out: dict[str, list[dict[str, str]]] = {}
        flagged = self.table[self.table["ets_class"].isin(["B", "C"])].sort_values("ets_class", ascending=False)
        for r in flagged.itertuples():
            out.setdefault(str(r.item), []).append({"attribute": str(r.attribute), "focal": str(r.focal),
                                                    "reference": str(r.reference), "ets_class": str(r.ets_class),
                                                    "mh_d_dif": float(r.mh_d_dif)})
        return out


def sitting_dif(result: ScoringResult, attributes: pd.DataFrame) -> SittingDif:
    """MH DIF of ``result``'s one-point items for each attribute in ``attributes`` (index
    candidate, one column per attribute), matched on ``result.total``."""
    columns = ["attribute", "focal", "reference", "item", "n_focal", "n_reference", "mh_d_dif", "ets_class"]
    scored = result.scored
    dichotomous = [i for i in scored.columns if float(result.items[i].item.max_score) == 1]
    rows: list[pd.DataFrame] = []
    skipped: list[tuple[str, str, int]] = []
    if not dichotomous or attributes.empty:
        return SittingDif(pd.DataFrame(columns=columns))
    matching = result.total.astype(float)
    for attribute in attributes.columns:
        groups = attributes[attribute].reindex(scored.index)
        counts = groups.value_counts()
        if len(counts) < 2:
            continue
        reference = counts.index[0]  # the largest group
        for focal, n in counts.iloc[1:].items():
            if n < MIN_GROUP or counts.iloc[0] < MIN_GROUP:
                skipped.append((str(attribute), str(focal), int(n)))
                continue
            keep = groups.isin([focal, reference]).to_numpy()
            mh = mantel_haenszel(scored.loc[keep, dichotomous], groups[keep], focal=focal, reference=reference,
                                 matching=matching[keep])
            rows.append(pd.DataFrame({"attribute": attribute, "focal": str(focal), "reference": str(reference),
                                      "item": mh.index.astype(str), "n_focal": mh["n_focal"].to_numpy(),
                                      "n_reference": mh["n_reference"].to_numpy(), "mh_d_dif": mh["mh_d_dif"].to_numpy(),
                                      "ets_class": mh["ets_class"].to_numpy()}))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    return SittingDif(table, skipped)
