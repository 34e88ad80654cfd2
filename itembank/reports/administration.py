"""The administration report (toetsrapport): what the committee takes to its meeting and
sends to the external examiners (seed 001 art. 1.2), for one sitting.

Every number comes from the functions the dashboard and the command line use — the item
analysis (:func:`itembank.services.item_analysis.analyze_administration`: the scoring core
with every decision in force, then :mod:`analysis`), the decision list
(:func:`itembank.services.committee.list_decisions`), the pass rate
(:func:`itembank.services.previews.pass_rate`), the conversion table
(:meth:`itembank.scoring.ScoringResult.conversion_table`) and the release
(:func:`itembank.services.results.latest_release`, :func:`~itembank.services.results.release_snapshot`),
the stored IRT calibration (:func:`itembank.services.irt_summary.calibration_summary`: the
dashboard's test information and SEM at the cut, item fit with p-values)
— and is shown with the decimals of :mod:`itembank.display`. Nothing is computed here; this
module only arranges those results into the rows and sentences of the report.

:func:`build_administration_report` returns the report as data (strings ready to print and
the Plotly figures); :mod:`itembank.reports.render` turns it into HTML and PDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from analysis.distractors import OMITTED
from analysis.flags import SEVERITIES
from itembank import figures
from itembank.assembly import coverage_report
from itembank.display import fixed_or, rounded_percent, shown, shown_or, shown_percent
from itembank.errors import UserError
from itembank.scoring import ANNULLED, ScoringResult, format_fraction
from itembank.services import committee
from itembank.services.administration_data import load_administration
from itembank.services.administrations import get_administration, get_attributes
from itembank.services.blueprints import blueprint_constraints
from itembank.services.forms import get_form, load_pool
from itembank.services.irt_summary import MISFIT_ALPHA, MISFIT_MEAN_SQUARE, calibration_summary
from itembank.services.item_analysis import AdministrationAnalysis, CutClassification, analyze
from itembank.services.previews import pass_rate
from itembank.services.results import latest_release, release_snapshot, snapshot_hash
from itembank.storage.models import CutScoreRule, TestSpecification
from itembank.text import t

__all__ = ["AdministrationReport", "Chart", "blueprint_coverage", "build_administration_report", "describe_cut",
           "irt_section", "pass_rate_rows", "release_state"]


@dataclass
class Chart:
    """A figure of the report: its Plotly figure, and the SVG once drawn (or why not)."""

    figure: Any
    svg: str | None = None
    missing: str | None = None


@dataclass
class AdministrationReport:
    """The administration report as data: headings and values as display strings."""

    title: str
    facts: list[tuple[str, str]]  # exam, form, date, ... (label, value)
    release: dict[str, str]  # state: released/provisional/unscored, text, hash
    summary: list[tuple[str, str]]
    distribution_chart: Chart
    percentiles: list[tuple[str, str]]
    reliability: list[tuple[str, str]]  # alpha ... SEM, then decision consistency/accuracy at the cut
    item_header: list[str]
    items: list[dict[str, Any]]
    flagged: list[dict[str, Any]]
    decisions: list[dict[str, str]]
    cut: dict[str, Any]
    conversion_header: list[str]
    conversion: list[list[str]]
    conversion_note: str
    pass_rates: list[dict[str, Any]]
    not_available: list[str]
    generated: str
    coverage: list[list[str]] = field(default_factory=list)
    coverage_note: str = ""
    charts: list[Chart] = field(default_factory=list)
    reliability_note: str = ""  # how the reliability section's numbers were computed
    irt: dict[str, Any] = field(default_factory=dict)  # see irt_section


def _stat(value: float, kind: str) -> str:
    """A statistic with the decimals of :mod:`itembank.display`; an undefined one (NaN, e.g. a
    correlation of an item everybody answered correctly) as a dash."""
    return "–" if math.isnan(value) else shown(value, kind)


def describe_cut(result: ScoringResult) -> tuple[str, list[tuple[str, str]]]:
    """The total cut score's rule in words and its inputs (label, value), from the rule in
    force in ``result.rules`` and the numbers the scoring core evaluated it to."""
    rule = result.rules.total_cut
    cut = result.cuts.get("total")
    maximum = result.maxima["total"]
    if rule is None or cut is None:
        return t("report_cut_none"), []
    inputs = [(t("report_cut_maximum"), format_fraction(maximum))]
    value = format_fraction(rule.value) if rule.value is not None else ""
    if rule.kind == "points":
        text = t("report_cut_points", value=value)
    elif rule.kind == "percent":
        text = t("report_cut_percent", value=value, maximum=format_fraction(maximum))
        inputs.append((t("report_cut_percentage"), f"{value} %"))
    elif rule.kind == "percent_guessing":
        chance = rule.chance if rule.chance is not None else result.chance["total"]
        text = t("report_cut_percent_guessing", value=value, chance=format_fraction(chance),
                 maximum=format_fraction(maximum))
        inputs += [(t("report_cut_percentage"), f"{value} %"), (t("report_cut_chance"), format_fraction(chance))]
    else:
        text = t("report_cut_ratings", n=len(rule.ratings))
    method = rule.source.get("method") if rule.source else None
    if method:
        inputs.append((t("report_cut_method"), str(method)))
    if rule.round_up:
        text += " " + t("report_cut_round_up")
    inputs.append((t("report_cut_reach"), t("report_reach_ge" if result.rules.reach == ">=" else "report_reach_gt")))
    inputs.append((t("cut_score"), format_fraction(cut)))
    return text, inputs


def pass_rate_rows(result: ScoringResult, attributes: pd.DataFrame) -> list[dict[str, Any]]:
    """The pass rate over everybody, then per value of each group attribute: ``group``,
    ``value``, ``n`` (candidates judged, annulled left out), ``passed``, ``rate`` (text), all
    through :func:`itembank.services.previews.pass_rate` on the results table."""
    table = result.results_table()
    label = result.rules.pass_label

    def row(group: str, value: str, sub: pd.DataFrame) -> dict[str, Any]:
        judged = sub[sub["outcome"] != ANNULLED]
        rate = pass_rate(sub, pass_label=label)
        return {"group": group, "value": value, "n": len(judged), "passed": int((judged["outcome"] == label).sum()),
                "rate": "–" if math.isnan(rate) else shown_percent(rate, "pass_rate")}

    rows = [row(t("report_everybody"), "", table)]
    by_candidate = table.set_index("candidate", drop=False)
    for name in attributes.columns:
        values = attributes[name].reindex(by_candidate.index)
        for value in sorted({str(v) for v in values.dropna()}):
            rows.append(row(str(name), value, by_candidate[values.astype(str) == value]))
        if values.isna().any():
            rows.append(row(str(name), t("report_unknown"), by_candidate[values.isna()]))
    return rows


def release_state(session: Session, admin: Any, data: Any, result: ScoringResult) -> dict[str, str]:
    """Whether the report shows a released state: the content hash of what a release now
    would store equals the latest release's hash."""
    latest = latest_release(session, admin)
    if latest is None:
        return {"state": "provisional", "text": t("report_provisional_unreleased"), "hash": ""}
    digest = snapshot_hash(release_snapshot(data, result.results_table()))
    when = f"{latest.created_at:%Y-%m-%d %H:%M}"
    if digest == latest.content_hash:
        return {"state": "released", "text": t("report_released", revision=latest.revision, when=when,
                                                 by=latest.created_by), "hash": latest.content_hash}
    return {"state": "provisional", "text": t("report_provisional_changed", revision=latest.revision, when=when),
            "hash": latest.content_hash}


def _worst(flags: pd.DataFrame) -> dict[str, str]:
    worst: dict[str, str] = {}
    for item, group in flags.groupby("item", sort=False):
        present = set(group["severity"])
        worst[str(item)] = next(s for s in SEVERITIES if s in present)
    return worst


def _option_rows(a: AdministrationAnalysis, item: str) -> list[list[str]]:
    table = a.distractors[a.distractors["item"] == item]

    def pct(v: float) -> str:
        r = rounded_percent(v)
        return "–" if r is None else f"{r:.1f}"

    return [[t("omitted") if r.option == OMITTED else str(r.option), t("yes") if r.is_key else "", str(int(r.n)),
             pct(r.proportion), pct(r.prop_low), pct(r.prop_mid), pct(r.prop_high), _stat(r.rar, "rar"),
             _stat(r.mean_total, "mean_total")] for r in table.itertuples()]


def blueprint_coverage(session: Session, form: Any) -> tuple[list[list[str]], str]:
    """The form against its blueprint's count and sum rows, from the assembly's own
    :func:`~itembank.assembly.coverage_report` (the check made when the form was assembled):
    rows ``constraint, required, on the form, met``, and a note. Mean rows (e.g. a band on p)
    are left out: the pool's p-values move with every new sitting, the form does not."""
    if form.blueprint is None:
        return [], t("report_coverage_none")
    bp = form.blueprint
    # the pool in the form's language: a translation approved later is a newer version of the
    # same item, and must not stand in for the version the candidates saw
    language = form.items[0].item_version.language if form.items else None
    pool, _ = load_pool(session, bp.specification.code, language=language)
    ids = [fi.item_version_id for fi in form.items]
    if not set(ids) <= set(pool.index):
        return [], t("report_coverage_retired")
    table = coverage_report(pool, [ids], blueprint_constraints(bp))
    def bound(value: float | None) -> str:
        return "" if value is None or math.isnan(value) else f"{value:g}"

    rows = []
    for r in table[table["type"] != "mean"].itertuples():
        low, high = bound(r.lower), bound(r.upper)
        required = (low if low == high else f"{low} – {high}" if low and high
                    else f"≥ {low}" if low else f"≤ {high}")
        rows.append([str(r.constraint_id), required, f"{r.value:g}", t("yes") if r.met else t("report_no")])
    return rows, t("report_coverage_note", code=bp.code, version=bp.version)


def decision_rows(c: CutClassification | None, rows: list[tuple[str, str]]) -> str:
    """Add decision consistency and accuracy at the cut (the analysis's
    :func:`~itembank.services.item_analysis.classification_at_cut`) to the reliability
    ``rows``; returns the section's note, which says how they were estimated."""
    if c is None:
        return t("report_reliability_note_no_cut")
    v = c.shown()
    if c.estimate is None:
        rows.append((t("report_decision_consistency", cut=v["cut"]), t("report_decision_none", reason=c.reason)))
        return t("report_reliability_note_sem")
    rows += [(t("report_decision_consistency", cut=v["cut"]), v["consistency"]),
             (t("report_decision_kappa"), v["kappa"]),
             (t("report_decision_accuracy", cut=v["cut"]), v["accuracy"]),
             (t("report_false_pass"), v["false_pass"]),
             (t("report_false_fail"), v["false_fail"])]
    return t("report_reliability_note_decisions", n=v["n"], model=v["model"])


def irt_section(session: Session, administration: str, result: ScoringResult) -> dict[str, Any]:
    """The IRT section: the sitting's stored calibration as ``itembank irt`` shows it
    (:func:`~itembank.services.irt_summary.calibration_summary` with the cut and maximum of
    ``result``, as the review page passes them), or ``{"calibrated": False, "text": ...}``.

    Keys when calibrated: ``text``, ``facts`` and ``at_cut`` (label, value), ``header`` and
    ``rows`` (the parameter table with SEs and item fit; ``item``, ``misfit``, ``cells``),
    ``misfit_text``, ``left_out``, ``note`` and ``chart`` (:func:`itembank.figures.information_figure`)."""
    cut = result.cuts.get("total")
    try:
        s = calibration_summary(session, administration, cut=None if cut is None else float(cut),
                                maximum=float(result.maxima["total"]))
    except UserError:
        return {"calibrated": False, "text": t("report_irt_none", code=administration)}
    cal, info = s.calibration, s.information
    when = f"{cal.created_at:%Y-%m-%d %H:%M}"
    facts = [(t("report_irt_model"), cal.model), (t("report_irt_engine"), f"{cal.engine} — {cal.engine_version}"),
             (t("report_irt_date"), when), (t("report_irt_hash"), cal.data_hash),
             (t("report_irt_loglik"), " / ".join(shown(v, "loglik") for v in (cal.loglik, cal.aic, cal.bic)))]
    at_cut = []
    if s.cut is not None:
        at_cut = [(t("report_irt_cut"), f"{s.cut:g} / {s.maximum:g}"),
                  (t("report_irt_cut_theta"), fixed_or(info.cut_theta, 3, "–") if info.cut_theta is not None
                   else t("report_irt_no_cut_theta")),
                  (t("report_irt_information"),
                   fixed_or(None if info.csem_at_cut is None else info.csem_at_cut ** -2, 3, "–")),
                  (t("report_irt_csem"), fixed_or(info.csem_at_cut, 3, "–"))]
    header = [t("col_item"), t("col_n")]
    for p in s.parameters:
        header += [p, f"SE({p})"]
    header += ["infit", t("report_irt_col_fit_p"), "outfit", t("report_irt_col_fit_p"), t("report_irt_col_misfit")]
    rows = []
    for item, r in s.items.iterrows():
        cells = [str(item), str(int(r["n"]))]
        for p in s.parameters:
            cells += [shown_or(r[p], "irt_parameter", "–"), shown_or(r.get(f"se_{p}"), "irt_parameter", "–")]
        cells += [shown_or(r["infit"], "item_fit", "–"), fixed_or(r["infit_p"], 3, "–"),
                  shown_or(r["outfit"], "item_fit", "–"), fixed_or(r["outfit_p"], 3, "–"),
                  t("report_irt_misfit") if r["misfit"] else ""]
        rows.append({"item": str(item), "misfit": bool(r["misfit"]), "cells": cells})
    return {
        "calibrated": True,
        "text": t("report_irt_intro", id=cal.id, model=cal.model, engine=cal.engine, when=when, by=cal.created_by,
                  n=cal.n_candidates),
        "facts": facts, "at_cut": at_cut, "header": header, "rows": rows,
        "misfit_text": (t("report_irt_misfitting", items=", ".join(s.misfitting)) if s.misfitting
                        else t("report_irt_all_fit")),
        "left_out": t("report_irt_left_out", items=", ".join(info.left_out)) if info.left_out else "",
        "note": t("report_irt_note", ms=f"{MISFIT_MEAN_SQUARE:g}", alpha=f"{MISFIT_ALPHA:g}"),
        "chart": Chart(figures.information_figure(info.theta, info.information, info.csem, info.cut_theta,
                                                  height=300)),
    }


def build_administration_report(session: Session, administration: str) -> AdministrationReport:
    """Everything the administration report shows, read and computed once."""
    admin = get_administration(session, administration)
    data = load_administration(session, administration)
    a = analyze(data)
    result = a.result
    form = admin.form
    spec = form.blueprint.specification if form.blueprint is not None else (
        session.get(TestSpecification, form.specification_id) if form.specification_id is not None else None)
    rel, dist = a.reliability, a.distribution
    n = len(result.candidates)
    pass_rates = pass_rate_rows(result, get_attributes(session, administration))
    everybody = pass_rates[0]  # passed / judged, annulled results left out (previews.pass_rate)
    cut = result.cuts.get("total")
    maximum = result.maxima["total"]

    facts = [
        (t("report_exam"), f"{spec.name} ({spec.code})" if spec is not None else t("none")),
        (t("report_form"), f"{form.code}" + (f" — {form.name}" if form.name else "")),
        (t("report_blueprint"), f"{form.blueprint.code} v{form.blueprint.version}" if form.blueprint else t("none")),
        (t("report_date"), f"{admin.date:%Y-%m-%d}"),
        (t("report_location"), admin.location or "–"),
        (t("report_rule_set"), f"{data.rule_set[1]} v{data.rule_set[2]} — {result.rules.name}" if data.rule_set else t("none")),
    ]
    summary = [
        (t("candidates"), str(n)),
        (t("items"), str(rel.n_items)),
        (t("mean_score"), f"{shown(dist.mean, 'score_mean')} / {format_fraction(maximum)}"),
        (t("report_sd"), shown(dist.sd, "score_sd")),
        (t("cut_score"), f"{format_fraction(cut)} / {format_fraction(maximum)}" if cut is not None else t("none")),
        (t("passed"), f"{everybody['passed']} ({everybody['rate']})"),
        (t("voided"), ", ".join(result.voided) or t("none")),
    ]
    percentiles = [(t("report_min"), f"{dist.min:g}"), *[(f"P{p:g}", f"{v:g}") for p, v in dist.percentiles.items()],
                   (t("report_max"), f"{dist.max:g}")]
    reliability = [
        (t("alpha"), shown(rel.alpha, "alpha")),
        (t("report_lambda2"), shown(rel.lambda2, "lambda2")),
        (t("report_split_half"), shown(rel.split_half, "split_half")),
        (t("sem"), shown(rel.sem, "sem")),
    ]
    reliability_note = decision_rows(a.classification, reliability)

    worst = _worst(a.flags)
    items = []
    for item, r in a.statistics.iterrows():
        codes = [c for c in str(r["flags"]).split(", ") if c]
        items.append({"item": str(item), "severity": worst.get(str(item), ""),
                      "cells": [str(item), str(int(r["n"])),
                                *(_stat(r[k], k) for k in ("p", "rit", "rir", "alpha_if_deleted")),
                                "; ".join(t(f"flag_{c}") for c in codes)]})

    charts: list[Chart] = []
    distribution_chart = Chart(figures.score_figure(dist.histogram(), cut, height=320))
    charts.append(distribution_chart)
    flagged = []
    for item in dict.fromkeys(a.flags["item"]) if len(a.flags) else []:
        rows = a.flags[a.flags["item"] == item]
        options = a.distractors[a.distractors["item"] == item]
        chart = Chart(figures.distractor_figure(options, height=280)) if len(options) else None
        if chart is not None:
            charts.append(chart)
        flagged.append({"item": str(item), "severity": worst.get(str(item), ""),
                        "flags": [{"severity": s, "severity_text": t(f"report_severity_{s}"), "message": m}
                                  for s, m in zip(rows["severity"], rows["message"])],
                        "options": _option_rows(a, item), "chart": chart})

    decisions = [{
        "id": str(d.id), "item": d.item, "action": t(f"report_action_{d.action}"), "value": d.value or "–",
        "reason": d.reason, "by": d.decided_by, "when": f"{d.decided_at:%Y-%m-%d %H:%M}",
        "status": t("report_withdrawn", by=d.withdrawn_by) if d.withdrawn_by else t("report_in_force"),
    } for d in committee.list_decisions(session, administration)]

    text, inputs = describe_cut(result)
    committee_cut = [r for r in data.cut_rules if r.part == "total"]
    cut_info: dict[str, Any] = {"text": text, "inputs": inputs, "decided": ""}
    if committee_cut and committee_cut[-1].id is not None:
        row = session.get(CutScoreRule, committee_cut[-1].id)
        cut_info["decided"] = t("report_cut_decided", by=row.decided_by, when=f"{row.decided_at:%Y-%m-%d %H:%M}",
                                reason=row.reason)
    elif cut is not None:
        cut_info["decided"] = t("report_cut_from_rule_set")

    conv = result.conversion_table()
    graded = result.rules.grade.method != "none"
    if graded:
        conversion_header = [t("report_conv_score"), t("report_conv_exact"), t("report_conv_shown"),
                             t("report_conv_rounded"), t("report_conv_reaches")]
        conversion = [[format_fraction(r.score), format_fraction(r.grade_exact) if r.grade_exact is not None else "–",
                       str(r.grade) if r.grade is not None else "–",
                       str(r.grade_rounded) if r.grade_rounded is not None else "–",
                       "–" if r.reaches_cut is None else (t("yes") if r.reaches_cut else t("report_no"))]
                      for r in conv.itertuples()]
        note = t("report_conv_note_nterm" if result.rules.grade.method == "nterm" else "report_conv_note",
                 method=result.rules.grade.method)
    else:
        conversion_header = [t("report_conv_score"), t("report_conv_reaches")]
        conversion = [[format_fraction(r.score), "–" if r.reaches_cut is None else
                       (t("yes") if r.reaches_cut else t("report_no"))] for r in conv.itertuples()]
        note = t("report_conv_no_grade")

    coverage, coverage_note = blueprint_coverage(session, get_form(session, form.code))
    irt = irt_section(session, administration, result)
    if irt["calibrated"]:
        charts.append(irt["chart"])
    return AdministrationReport(
        title=t("report_admin_title", code=admin.code),
        facts=facts,
        release=release_state(session, admin, data, result),
        summary=summary,
        distribution_chart=distribution_chart,
        percentiles=percentiles,
        reliability=reliability,
        reliability_note=reliability_note,
        item_header=[t("col_item"), t("col_n"), t("col_p"), t("col_rit"), t("col_rir"),
                     t("col_alpha_if_deleted"), t("col_flags")],
        items=items,
        flagged=flagged,
        decisions=decisions,
        cut=cut_info,
        conversion_header=conversion_header,
        conversion=conversion,
        conversion_note=note,
        pass_rates=pass_rates,
        not_available=[],
        generated=t("report_generated", when=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"),
        coverage=coverage,
        coverage_note=coverage_note,
        charts=charts,
        irt=irt,
    )
