"""From analysis results to what the dashboard shows: table rows and Plotly figures.

Pure functions (no Dash, no database), so the numbers on screen are tested without a
browser. The statistics themselves come from :mod:`analysis` via
:func:`itembank.services.item_analysis.analyze_administration`; nothing here computes one.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from analysis.distractors import OMITTED
from analysis.flags import SEVERITIES
from itembank.text import t
from itembank.display import rounded, rounded_percent, shown, shown_percent
from itembank.services.item_analysis import AdministrationAnalysis
from itembank.scoring import format_fraction

__all__ = ["summary", "item_rows", "option_rows", "item_flags", "item_details"]

def summary(a: AdministrationAnalysis) -> list[tuple[str, str]]:
    """(label, value) pairs for the administration's headline figures."""
    result = a.result
    outcomes = result.candidates["outcome"].value_counts()
    n = len(result.candidates)
    passed = int(outcomes.get(result.rules.pass_label, 0))
    cut = result.cuts.get("total")
    maximum = result.maxima["total"]
    return [
        (t("candidates"), f"{n}"),
        (t("items"), f"{a.reliability.n_items}"),
        (t("mean_score"), f"{shown(a.distribution.mean, 'mean_total')} / {format_fraction(maximum)}"),
        (t("cut_score"), f"{format_fraction(cut)} / {format_fraction(maximum)}" if cut is not None else t("none")),
        (t("passed"), f"{passed} ({shown_percent(passed / n)})" if n else "0"),
        (t("alpha"), shown(a.reliability.alpha, "alpha")),
        (t("sem"), shown(a.reliability.sem, "sem")),
        (t("voided"), ", ".join(result.voided) or t("none")),
    ]


def item_rows(a: AdministrationAnalysis) -> list[dict[str, Any]]:
    """One row per item for the item table; ``severity`` is the worst flag (for colouring)."""
    worst = {}
    for item, group in a.flags.groupby("item", sort=False):
        present = set(group["severity"])
        worst[item] = next(s for s in SEVERITIES if s in present)
    rows = []
    for item, r in a.statistics.iterrows():
        rows.append({
            "item": str(item),
            "n": int(r["n"]),
            "p": rounded(r["p"], "p"),
            "rit": rounded(r["rit"], "rit"),
            "rir": rounded(r["rir"], "rir"),
            "alpha_if_deleted": rounded(r["alpha_if_deleted"], "alpha_if_deleted"),
            "flags": ", ".join(t(f"flag_{code}") for code in r["flags"].split(", ") if code),
            "severity": worst.get(item, ""),
        })
    return rows


def option_rows(a: AdministrationAnalysis, item: str) -> list[dict[str, Any]]:
    """The distractor table of one item: proportions in %, Rar and mean total rounded."""
    table = a.distractors[a.distractors["item"] == item]
    return [{
        "option": t("omitted") if r.option == OMITTED else str(r.option),
        "is_key": t("yes") if r.is_key else "",
        "n": int(r.n),
        "proportion": rounded_percent(r.proportion),
        "prop_low": rounded_percent(r.prop_low),
        "prop_mid": rounded_percent(r.prop_mid),
        "prop_high": rounded_percent(r.prop_high),
        "rar": rounded(r.rar, "rar"),
        "mean_total": rounded(r.mean_total, "mean_total"),
    } for r in table.itertuples()]


def item_flags(a: AdministrationAnalysis, item: str) -> list[tuple[str, str]]:
    """(severity, message) of each flag raised for one item, worst first."""
    rows = a.flags[a.flags["item"] == item]
    return list(zip(rows["severity"], rows["message"]))


def item_details(a: AdministrationAnalysis) -> dict[str, dict[str, Any]]:
    """Everything the item panel shows, for every item at once (plain JSON, so the page keeps
    it and a click on an item needs no new analysis): ``flags``, ``options`` (the rows of
    :func:`option_rows`) and ``groups`` (option labels and the share of each score group)."""
    details = {}
    for item in a.statistics.index:
        table = a.distractors[a.distractors["item"] == item]
        labels = [t("omitted") if o == OMITTED else (t("key_mark", option=o) if k else str(o))
                  for o, k in zip(table["option"], table["is_key"])]
        details[str(item)] = {
            "flags": item_flags(a, item),
            "options": option_rows(a, item),
            "groups": {"labels": labels, **{g: [None if math.isnan(v) else float(v) for v in table[f"prop_{g}"]]
                                            for g in ("low", "mid", "high")}},
        }
    return details
