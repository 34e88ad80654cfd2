"""Differential item functioning per group attribute of a sitting (the review page's DIF view).

For every candidate attribute of the sitting (language, attempt, ...) and every group of that
attribute, Mantel–Haenszel DIF of each one-point item, focal group against the largest group
as reference, matched on the total score the candidates are judged on
(:func:`analysis.dif.mantel_haenszel`; Holland & Thayer 1988; ETS classes A/B/C after Zwick
2012). A group smaller than :data:`MIN_GROUP` candidates is not analysed (the MH statistic is
unstable below it; Zwick 2012 advises at least 100 to 200 in the focal group) and is listed as
such. Items worth more than one point are left out (MH here is the dichotomous statistic).

:func:`attribute_dif` is the same analysis for one attribute as the command line asks for it
(``itembank dif ADMIN --group ATTRIBUTE [--focal VALUE] [--method mh|logistic|both]``), with
the full Mantel–Haenszel table and logistic-regression DIF (uniform and non-uniform;
:func:`analysis.dif.logistic_regression_dif`, Swaminathan & Rogers 1990) on the same items,
groups and matching score; a request it cannot answer is a :class:`UserError` saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.dif import logistic_regression_dif, mantel_haenszel
from itembank.errors import UserError
from itembank.scoring import ScoringResult

__all__ = ["DIF_METHODS", "MIN_GROUP", "AttributeDif", "SittingDif", "attribute_dif", "dichotomous_items",
           "sitting_dif"]

#: What ``attribute_dif`` can run: Mantel–Haenszel, logistic regression, or both.
DIF_METHODS = ("mh", "logistic", "both")

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


def dichotomous_items(result: ScoringResult) -> list[str]:
    """The items DIF is computed for: those worth one point (voided items are not scored)."""
    return [i for i in result.scored.columns if float(result.items[i].item.max_score) == 1]


def sitting_dif(result: ScoringResult, attributes: pd.DataFrame) -> SittingDif:
    """MH DIF of ``result``'s one-point items for each attribute in ``attributes`` (index
    candidate, one column per attribute), matched on ``result.total``."""
    columns = ["attribute", "focal", "reference", "item", "n_focal", "n_reference", "mh_d_dif", "ets_class"]
    scored = result.scored
    dichotomous = dichotomous_items(result)
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


@dataclass(frozen=True)
class AttributeDif:
    """DIF for one attribute: per focal group, ``mh`` (:func:`analysis.dif.mantel_haenszel`)
    and/or ``logistic`` (:func:`analysis.dif.logistic_regression_dif`) tables indexed by item,
    exactly as :mod:`analysis.dif` returns them; ``reference`` per focal group; ``skipped``:
    groups too small (group, n) when no focal group was asked for."""

    attribute: str
    method: str
    reference: dict[str, str]
    mh: dict[str, pd.DataFrame]
    logistic: dict[str, pd.DataFrame]
    counts: dict[str, int]
    skipped: list[tuple[str, int]] = field(default_factory=list)


def attribute_dif(result: ScoringResult, attributes: pd.DataFrame, attribute: str, *, focal: str | None = None,
                  method: str = "both") -> AttributeDif:
    """DIF of ``result``'s one-point items for ``attribute``, matched on ``result.total``.

    Reference group: the largest group other than the focal one (as :func:`sitting_dif`).
    Focal: ``focal``, or every other group of at least :data:`MIN_GROUP` candidates. Errors
    (:class:`UserError`): an attribute the sitting does not record (the known ones listed),
    a focal value nobody has (the values listed), a focal or reference group smaller than
    :data:`MIN_GROUP`, fewer than two groups, no one-point items.
    """
    if method not in DIF_METHODS:
        raise UserError(f"method must be one of {', '.join(DIF_METHODS)}; got {method!r}")
    if attribute not in attributes.columns:
        known = ", ".join(map(str, attributes.columns)) or "none recorded"
        raise UserError(f"the candidates of this sitting have no attribute '{attribute}'; known attributes: {known}")
    scored = result.scored
    items = dichotomous_items(result)
    if not items:
        raise UserError("no item worth one point: DIF (Mantel–Haenszel, logistic regression) needs 0/1 items")
    groups = attributes[attribute].reindex(scored.index).dropna().astype(str)
    counts = groups.value_counts()
    if focal is not None and focal not in counts.index:
        raise UserError(f"no candidate has {attribute} = '{focal}'; values present: "
                        f"{', '.join(f'{v} ({n})' for v, n in counts.items()) or 'none'}")
    if len(counts) < 2:
        raise UserError(f"{attribute} has only one group ({', '.join(counts.index)}): DIF compares two groups")
    focals = [focal] if focal is not None else list(counts.index[1:])
    reference: dict[str, str] = {}
    mh: dict[str, pd.DataFrame] = {}
    logistic: dict[str, pd.DataFrame] = {}
    skipped: list[tuple[str, int]] = []
    matching = result.total.astype(float)
    for f in focals:
        ref = str(next(g for g in counts.index if g != f))
        small = [(g, int(counts[g])) for g in (f, ref) if counts[g] < MIN_GROUP]
        if small:
            if focal is not None:
                raise UserError(f"too few candidates for DIF: {'; '.join(f'{attribute} = {g}: {n}' for g, n in small)} "
                                f"(at least {MIN_GROUP} per group needed)")
            skipped.append((f, int(counts[f])))
            continue
        keep = groups.index[groups.isin([f, ref])]
        args = (scored.loc[keep, items], groups[keep])
        kwargs = {"focal": f, "reference": ref, "matching": matching[keep]}
        reference[f] = ref
        if method in ("mh", "both"):
            mh[f] = mantel_haenszel(*args, **kwargs)
        if method in ("logistic", "both"):
            logistic[f] = logistic_regression_dif(*args, **kwargs)
    if not reference:
        raise UserError(f"too few candidates for DIF in every group of {attribute}: "
                        f"{', '.join(f'{g} ({n})' for g, n in counts.items())} (at least {MIN_GROUP} per group needed)")
    return AttributeDif(attribute, method, reference, mh, logistic, {str(g): int(n) for g, n in counts.items()}, skipped)
