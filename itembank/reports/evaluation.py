"""The evaluation of a test specification over a period (jaarlijkse evaluatie, seed 001 art.
1.2; seed 003 "Kwaliteitsborging"): every sitting of its forms in the period, how the exams
did over time, which items keep causing trouble, and the state of the bank.

Per sitting the numbers are those of the administration report — the same
:func:`~itembank.services.item_analysis.analyze` on the same loaded inputs, the pass rate of
:func:`~itembank.services.previews.pass_rate`, the release state of
:mod:`itembank.reports.administration` — and the bank's health comes from the bank's own
services: :func:`~itembank.services.bank.find_versions` (items per blueprint cell and
status) and :func:`~itembank.services.forms.gap_for_blueprint` (the gap report, with the
assembly defaults: one form, no overlap or exposure rule). IRT drift is left out: the bank
stores no calibrations yet.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from itembank import figures
from itembank.assembly import AssemblyOptions
from itembank.display import shown, shown_percent
from itembank.errors import UserError
from itembank.reports.administration import Chart, release_state
from itembank.scoring import format_fraction
from itembank.services.administration_data import load_administration
from itembank.services.bank import find_versions, get_specification
from itembank.services.forms import gap_for_blueprint
from itembank.services.item_analysis import analyze
from itembank.services.overview import administration_states
from itembank.services.previews import pass_rate
from itembank.storage.models import Administration, Blueprint, Dimension, Form
from itembank.text import t

__all__ = ["EvaluationReport", "SittingSummary", "build_evaluation_report", "sittings_in_period"]

#: How many items the "most often voided or flagged" table lists.
TOP_ITEMS = 15
#: Flags that count as "flagged" for the evaluation (information flags, such as a rarely
#: chosen distractor, are everywhere and say little about an item's quality).
COUNTED_SEVERITIES = ("critical", "warning")


@dataclass(frozen=True)
class SittingSummary:
    """One sitting's figures (numbers, for tests and charts) and its table row (text)."""

    code: str
    date: date
    candidates: int
    pass_rate: float | None
    alpha: float | None
    row: list[str]


@dataclass
class EvaluationReport:
    title: str
    facts: list[tuple[str, str]]
    sitting_header: list[str]
    sittings: list[SittingSummary]
    trend_chart: Chart | None
    item_header: list[str]
    items: list[list[str]]
    cells_header: list[str]
    cells: list[list[str]]
    gaps: list[dict[str, Any]]
    exposure_header: list[str]
    exposure: list[list[str]]
    not_available: list[str]
    generated: str
    charts: list[Chart] = field(default_factory=list)


def sittings_in_period(session: Session, specification: str, start: date, end: date) -> list[Administration]:
    """The sittings of the specification's forms dated ``start`` .. ``end`` (inclusive), oldest
    first. A form belongs to the specification directly or through its blueprint."""
    spec = get_specification(session, specification)
    return list(session.scalars(
        select(Administration).join(Form, Form.id == Administration.form_id)
        .outerjoin(Blueprint, Blueprint.id == Form.blueprint_id)
        .where(or_(Form.specification_id == spec.id, Blueprint.specification_id == spec.id),
               Administration.date >= start, Administration.date <= end)
        .order_by(Administration.date, Administration.code)))


def _newest_blueprints(session: Session, spec_id: int) -> list[Blueprint]:
    newest = select(Blueprint.code, func.max(Blueprint.version).label("v")).where(
        Blueprint.specification_id == spec_id).group_by(Blueprint.code).subquery()
    return list(session.scalars(select(Blueprint).join(
        newest, (Blueprint.code == newest.c.code) & (Blueprint.version == newest.c.v)).order_by(Blueprint.code)))


def build_evaluation_report(session: Session, specification: str, start: date, end: date) -> EvaluationReport:
    """Everything the evaluation shows, for the sittings of ``specification`` from ``start``
    to ``end``."""
    if end < start:
        raise UserError(f"the period ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})")
    spec = get_specification(session, specification)
    admins = sittings_in_period(session, specification, start, end)
    states = {s.code: s for s in administration_states(session)}

    sittings: list[SittingSummary] = []
    administered: Counter[str] = Counter()
    voided: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    critical: Counter[str] = Counter()
    flag_codes: dict[str, Counter[str]] = {}
    for admin in admins:
        state = states[admin.code]
        if not state.ready:
            sittings.append(SittingSummary(admin.code, admin.date, state.candidates, None, None, [
                admin.code, f"{admin.date:%Y-%m-%d}", admin.form.code, str(state.candidates),
                "–", "–", "–", "–", "–", "; ".join(state.missing)]))
            continue
        data = load_administration(session, admin.code)
        a = analyze(data)
        result = a.result
        table = result.results_table()
        rate = pass_rate(table, pass_label=result.rules.pass_label)
        cut = result.cuts.get("total")
        release = release_state(session, admin, data, result)
        sittings.append(SittingSummary(admin.code, admin.date, len(result.candidates), rate, a.reliability.alpha, [
            admin.code, f"{admin.date:%Y-%m-%d}", data.form_code, str(len(result.candidates)),
            shown(a.distribution.mean, "score_mean"),
            f"{format_fraction(cut)} / {format_fraction(result.maxima['total'])}" if cut is not None else "–",
            "–" if math.isnan(rate) else shown_percent(rate, "pass_rate"),
            shown(a.reliability.alpha, "alpha"), shown(a.reliability.sem, "sem"),
            t("report_eval_released") if release["state"] == "released" else t("report_eval_provisional")]))
        administered.update(data.form.item_ids)
        voided.update(result.voided)
        counted = a.flags[a.flags["severity"].isin(COUNTED_SEVERITIES)]
        flagged.update(set(counted["item"]))
        critical.update(set(counted.loc[counted["severity"] == "critical", "item"]))
        for item, code in zip(counted["item"], counted["code"]):
            flag_codes.setdefault(item, Counter())[code] += 1

    charts: list[Chart] = []
    scored = [s for s in sittings if s.pass_rate is not None]
    trend = None
    if scored:
        trend = Chart(figures.trend_figure([s.code for s in scored], {
            t("pass_rate_axis"): [s.pass_rate for s in scored],
            t("report_eval_alpha"): [s.alpha for s in scored]}, height=300))
        charts.append(trend)

    trouble = sorted((i for i in administered if voided[i] or flagged[i]),
                     key=lambda i: (-(voided[i] + flagged[i]), -critical[i], i))[:TOP_ITEMS]
    items = [[i, str(administered[i]), str(voided[i]), str(flagged[i]), str(critical[i]),
              "; ".join(f"{t(f'flag_{c}')} ({n}×)" for c, n in flag_codes.get(i, Counter()).most_common())]
             for i in trouble]

    # Bank health: the newest version of each item of the specification, by cell and status.
    statuses = ("draft", "in_review", "approved", "retired")
    per_cell: dict[tuple[str, str], Counter[str]] = {}
    for v in find_versions(session, specification=specification):
        tags = {d: sorted(tg.code for tg in v.tags if tg.dimension is d) for d in (Dimension.OBJECTIVE, Dimension.LEVEL)}
        cell = (", ".join(tags[Dimension.OBJECTIVE]) or "–", ", ".join(tags[Dimension.LEVEL]) or "–")
        per_cell.setdefault(cell, Counter())[v.review.status.value] += 1
    cells = [[obj, lvl, *(str(per_cell[(obj, lvl)][s]) for s in statuses), str(sum(per_cell[(obj, lvl)].values()))]
             for obj, lvl in sorted(per_cell)]

    gaps = []
    for bp in _newest_blueprints(session, spec.id):
        gap = gap_for_blueprint(session, specification, bp.code, options=AssemblyOptions())
        gaps.append({"title": t("report_eval_gap_title", code=bp.code, version=bp.version, status=bp.status.value),
                     "rows": [[str(r.constraint_id), str(r.per_form), str(r.approved), str(r.eligible), str(r.needed),
                               str(r.to_write)] for r in gap.itertuples()]})

    from itembank.services.forms import load_pool

    pool, _ = load_pool(session, specification)
    most_used = pool.sort_values(["times_used", "item_code"], ascending=[False, True]).head(TOP_ITEMS) if len(pool) else pool
    exposure = [[str(r.item_code), str(int(r.times_used)), shown_percent(float(r.exposure_rate), "pass_rate"),
                 "–" if math.isnan(r.p) else shown(float(r.p), "p")] for r in most_used.itertuples()]

    return EvaluationReport(
        title=t("report_eval_title", code=spec.code),
        facts=[(t("report_exam"), f"{spec.name} ({spec.code})"),
               (t("report_eval_period"), f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"),
               (t("report_eval_sittings"), str(len(admins))),
               (t("candidates"), str(sum(s.candidates for s in sittings)))],
        sitting_header=[t("report_eval_sitting"), t("report_date"), t("report_form"), t("candidates"),
                        t("mean_score"), t("cut_score"), t("pass_rate_axis"), t("report_eval_alpha"), t("report_eval_sem"),
                        t("report_h_release")],
        sittings=sittings,
        trend_chart=trend,
        item_header=[t("col_item"), t("report_eval_administered"), t("report_eval_voided"), t("report_eval_flagged"),
                     t("report_eval_critical"), t("col_flags")],
        items=items,
        cells_header=[t("report_eval_objective"), t("report_eval_level"),
                      *(t(f"report_status_{s}") for s in statuses), t("report_eval_total")],
        cells=cells,
        gaps=gaps,
        exposure_header=[t("col_item"), t("report_eval_times_used"), t("report_eval_exposure_rate"), t("col_p")],
        exposure=exposure,
        not_available=[t("report_na_drift")],
        generated=t("report_generated", when=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"),
        charts=charts,
    )
