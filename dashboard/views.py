"""From analysis results to what the dashboard shows: table rows and Plotly figures.

Pure functions (no Dash, no database), so the numbers on screen are tested without a
browser. The statistics themselves come from :mod:`analysis` via
:func:`itembank.services.item_analysis.analyze_administration`; nothing here computes one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from analysis.distractors import OMITTED
from analysis.flags import SEVERITIES, item_messages
from itembank.text import t
from itembank.display import rounded, rounded_against, rounded_percent, shown, shown_against, shown_percent
from itembank.services.dif import SittingDif
from itembank.services.previews import pass_counts
from itembank.services.item_analysis import AdministrationAnalysis
from itembank.scoring import format_fraction

__all__ = ["SEVERITY_RANK", "summary", "decision_text", "dif_badges", "dif_rows", "item_rows", "option_rows",
           "item_flags", "item_details"]

#: Sort order of the worst flag of an item: critical first, unflagged last.
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def summary(a: AdministrationAnalysis) -> list[tuple[str, str, str]]:
    """(label, value, explanation) for the administration's headline figures."""
    result = a.result
    passed, n = pass_counts(result.candidates, pass_label=result.rules.pass_label)
    cut = result.cuts.get("total")
    maximum = result.maxima["total"]
    return [
        (t("candidates"), f"{n}", t("explain_candidates")),
        (t("items"), f"{a.reliability.n_items}", t("explain_items")),
        (t("mean_score"), f"{shown(a.distribution.mean, 'mean_total')} / {format_fraction(maximum)}", t("explain_mean")),
        (t("cut_score"), f"{format_fraction(cut)} / {format_fraction(maximum)}" if cut is not None else t("none"),
         t("explain_cut")),
        (t("passed"), f"{passed} ({shown_percent(passed / n)})" if n else "0", t("explain_passed")),
        (t("alpha"), shown(a.reliability.alpha, "alpha"), t("explain_alpha")),
        (t("sem"), shown(a.reliability.sem, "sem"), t("explain_sem")),
        (t("voided"), ", ".join(result.voided) or t("none"), t("explain_voided")),
    ]


def decision_text(action: str, value: str) -> str:
    """A decision in a few words ("voided", "key now C", "also B counts", "weight 2")."""
    return t(f"decision_{action}", value=value)


def dif_badges(dif: SittingDif | None) -> dict[str, list[dict[str, str]]]:
    """Per item, a badge for each B or C class of Mantel–Haenszel DIF (C first), with the
    sentence saying which group the item is harder for."""
    out: dict[str, list[dict[str, str]]] = {}
    for item, found in (dif.worst() if dif is not None else {}).items():
        out[item] = [{
            "label": t("dif_badge", ets_class=f["ets_class"], attribute=f["attribute"], focal=f["focal"]),
            "severity": "critical" if f["ets_class"] == "C" else "warning",
            "sentence": t("dif_sentence", ets_class=f["ets_class"], attribute=f["attribute"], focal=f["focal"],
                          reference=f["reference"], d=f"{f['mh_d_dif']:.2f}",
                          harder=f["focal"] if f["mh_d_dif"] < 0 else f["reference"]),
        } for f in found]
    return out


def item_rows(a: AdministrationAnalysis, decisions: Sequence[Any] = (),
              dif: SittingDif | None = None) -> list[dict[str, Any]]:
    """One row per item for the item grid, flagged items first (worst flag, then form order).

    ``flags`` is a list of badges: one per flag code, its short name, severity and the full
    sentence(s) for the tooltip; ``decision`` says which decisions are in force on the item
    (``decisions``: :func:`itembank.services.committee.list_decisions` records); ``dif``
    adds the items' DIF badges (:func:`dif_badges`).
    """
    dif_by_item = dif_badges(dif)
    badges: dict[str, list[dict[str, str]]] = {}
    for item, group in a.flags.groupby("item", sort=False):
        per_code: dict[str, dict[str, str]] = {}
        for code, severity, message in zip(group["code"], group["severity"], group["message"]):
            badge = per_code.setdefault(code, {"label": t(f"flag_{code}"), "severity": severity, "sentence": ""})
            if message not in badge["sentence"]:
                badge["sentence"] = (badge["sentence"] + " " + message).strip()
        badges[str(item)] = sorted(per_code.values(), key=lambda b: SEVERITY_RANK[b["severity"]])
    in_force: dict[str, list[str]] = {}
    for d in decisions:
        if d.withdrawn_by is None:
            in_force.setdefault(d.item, []).append(decision_text(d.action, d.value))
    limits = {c: a.thresholds.limits(c) for c in ("p", "rir")}
    rows = []
    form_position = {str(code): k for k, code in enumerate(a.result.items, start=1)}
    for item, r in a.statistics.iterrows():
        position = form_position.get(str(item), 0)
        flags = badges.get(str(item), [])
        rows.append({
            "item": str(item),
            "position": position,
            "n": int(r["n"]),
            # p and Rir are read against the flags' limits: shown so that rounding does not
            # hide a flag (a Rir of 0.197 reads 0.197, not 0.20); the text is what the grid shows
            "p": rounded_against(r["p"], limits["p"], "p"),
            "p_shown": shown_against(r["p"], limits["p"], "p"),
            "rit": rounded(r["rit"], "rit"),
            "rir": rounded_against(r["rir"], limits["rir"], "rir"),
            "rir_shown": shown_against(r["rir"], limits["rir"], "rir"),
            "alpha_if_deleted": rounded(r["alpha_if_deleted"], "alpha_if_deleted"),
            "flags": flags,
            "flag_names": ", ".join(b["label"] for b in flags),
            "severity": flags[0]["severity"] if flags else "",
            "rank": SEVERITY_RANK[flags[0]["severity"]] if flags else len(SEVERITIES),
            "decision": "; ".join(in_force.get(str(item), [])),
            "dif": dif_by_item.get(str(item), []),
        })
    # A voided item no longer counts and has no statistics, but the committee still sees it,
    # with its decision, at the end of the grid.
    positions = {code: k for k, code in enumerate(a.result.items, start=1)}
    for code, effective in a.result.items.items():
        if effective.voided and str(code) not in {r["item"] for r in rows}:
            rows.append({"item": str(code), "position": positions[code], "n": None, "p": None, "p_shown": None,
                         "rit": None, "rir": None, "rir_shown": None, "alpha_if_deleted": None, "flags": [],
                         "flag_names": "", "severity": "", "rank": len(SEVERITIES) + 1,
                         "decision": "; ".join(in_force.get(str(code), [])), "dif": []})
    return sorted(rows, key=lambda row: (row["rank"], row["position"]))


def _option_rows(table: Any) -> list[dict[str, Any]]:
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


def option_rows(a: AdministrationAnalysis, item: str) -> list[dict[str, Any]]:
    """The distractor table of one item: proportions in %, Rar and mean total rounded."""
    return _option_rows(a.distractors[a.distractors["item"] == item])


def item_flags(a: AdministrationAnalysis, item: str) -> list[tuple[str, str]]:
    """(severity, sentence) of each flag raised for one item, worst first, each sentence once
    (:func:`analysis.flags.item_messages`)."""
    return item_messages(a.flags, item)


def _dif_rows(table: Any) -> list[dict[str, Any]]:
    return [{"attribute": r.attribute, "groups": f"{r.focal} / {r.reference}", "n": f"{r.n_focal} / {r.n_reference}",
             "mh_d_dif": None if math.isnan(r.mh_d_dif) else round(float(r.mh_d_dif), 2), "ets_class": r.ets_class}
            for r in table.itertuples()]


def dif_rows(dif: SittingDif | None, item: str) -> list[dict[str, Any]]:
    """The DIF table of one item: per attribute and focal group, MH D-DIF and the ETS class."""
    if dif is None or dif.table.empty:
        return []
    return _dif_rows(dif.table[dif.table["item"] == item])


def item_details(a: AdministrationAnalysis, dif: SittingDif | None = None) -> dict[str, dict[str, Any]]:
    """Everything the item panel shows, for every item at once (plain JSON, so the page keeps
    it and a click on an item needs no new analysis): ``flags``, ``options`` (the rows of
    :func:`option_rows`) and ``groups`` (option labels and the share of each score group).

    The tables are split by item once (``groupby``), not filtered once per item: with 100
    items that is the difference between a few and a hundred passes over each table.
    """
    distractors = {str(k): g for k, g in a.distractors.groupby("item", sort=False)}
    flags = {str(k): g for k, g in a.flags.groupby("item", sort=False)} if len(a.flags) else {}
    difs = ({str(k): g for k, g in dif.table.groupby("item", sort=False)}
            if dif is not None and not dif.table.empty else {})
    empty = a.distractors.iloc[:0]
    details = {}
    for item in a.statistics.index:
        table = distractors.get(str(item), empty)
        labels = [t("omitted") if o == OMITTED else (t("key_mark", option=o) if k else str(o))
                  for o, k in zip(table["option"], table["is_key"])]
        effective = a.result.items.get(item)
        details[str(item)] = {
            "correct_now": sorted(effective.correct_options) if effective is not None else [],
            "voided": bool(effective is not None and effective.voided),
            "flags": item_messages(flags[str(item)], item) if str(item) in flags else [],
            "dif": _dif_rows(difs[str(item)]) if str(item) in difs else [],
            "options": _option_rows(table),
            "groups": {"labels": labels, **{g: [None if math.isnan(v) else float(v) for v in table[f"prop_{g}"]]
                                            for g in ("low", "mid", "high")}},
        }
    return details
