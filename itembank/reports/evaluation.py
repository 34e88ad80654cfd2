"""The evaluation of a test specification over a period (jaarlijkse evaluatie, seed 001 art.
1.2; seed 003 "Kwaliteitsborging"): every sitting of its forms in the period, how the exams
did over time, which items keep causing trouble, and the state of the bank.

Per sitting the numbers are those of the administration report — the same
:func:`~itembank.services.item_analysis.analyze` on the same loaded inputs, the pass rate of
:func:`~itembank.services.previews.pass_rate`, the release state of
:mod:`itembank.reports.administration` — and the bank's health comes from the bank's own
services: :func:`~itembank.services.bank.find_versions` (items per blueprint cell and
status) and :func:`~itembank.services.forms.gap_for_blueprint` (the gap report, with the
assembly defaults: one form, no overlap or exposure rule).

Added for the committee's list (issue 16, item 2):

* decision consistency at the cut per sitting: the analysis's own
  :attr:`~itembank.services.item_analysis.AdministrationAnalysis.classification`
  (:func:`~itembank.services.item_analysis.classification_at_cut`, Livingston & Lewis 1995);
* drift: the rows of :func:`~itembank.services.item_statistics.get_history` (the history
  ``itembank items stats`` prints, with the same :data:`~itembank.services.item_statistics.DRIFT_BAND`)
  flagged as drifting whose later sitting is in the period: |Δp| or |ΔRir| above the band between
  consecutive sittings of one item version. Only stored statistics count (stored at every
  release, or with ``itembank analyze ADMIN --store``);
* IRT: per sitting in the period its stored calibration (the one the administration report
  shows, :func:`~itembank.services.irt_summary.find_calibration`), and for every item version
  calibrated at two or more of them its difficulty b per sitting and the change first → last.
  When two or more of these calibrations are on the bank scale (the base, or linked to it
  through common items: :func:`~itembank.services.calibrations.bank_scale_constants`), b is
  shown on that scale (A b + B) for those sittings only, and the change is the item's own
  change (drift). Otherwise each calibration is on its own scale (ability mean 0, SD 1 in its
  sitting), so a change mixes the item's change with the difference between the groups; the
  report says so, and does not call it drift;
* exposure in the period: an item's share of the period's sittings whose form holds it,
  listed when it exceeds ``exposure_limit`` (default :data:`EXPOSURE_LIMIT`; the same "above
  the cap" comparison as the assembly's ``max_exposure_rate``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from itembank import figures
from itembank.assembly import AssemblyOptions
from itembank.display import shown, shown_or, shown_percent
from itembank.errors import UserError
from itembank.reports.administration import Chart, release_state
from itembank.scoring import format_fraction
from itembank.services import irt_summary
from itembank.services.administration_data import load_administration
from itembank.services.bank import find_versions, get_specification, item_lines, line_heads
from itembank.services.forms import gap_for_blueprint
from itembank.services.calibrations import DICHOTOMOUS_MODELS, bank_scale_constants, calibration_table
from itembank.services.item_analysis import analyze
from itembank.services.item_statistics import DRIFT_BAND, DriftBand, form_item_ids, get_history
from itembank.services.overview import administration_states
from itembank.services.previews import pass_rate
from itembank.storage.models import Administration, Blueprint, Dimension, Form, ItemVersion
from itembank.text import t

__all__ = ["EXPOSURE_LIMIT", "DriftRow", "EvaluationReport", "ExposureRow", "IrtChange", "SittingSummary",
           "bank_health", "build_evaluation_report", "drift_in_period", "exposure_in_period", "irt_changes", "sittings_in_period"]

#: How many items the "most often voided or flagged" table lists.
TOP_ITEMS = 15
#: Flags that count as "flagged" for the evaluation (information flags, such as a rarely
#: chosen distractor, are everywhere and say little about an item's quality).
COUNTED_SEVERITIES = ("critical", "warning")
#: An item on more than this share of the period's sittings is listed as (near) over-exposed.
#: A committee's choice, not a published standard: above one half, most candidates of the
#: period have seen the item (the bank has no exposure rule of its own; the assembly's
#: ``max_exposure_rate`` is off by default).
EXPOSURE_LIMIT = 0.5


@dataclass(frozen=True)
class SittingSummary:
    """One sitting's figures (numbers, for tests and charts) and its table row (text)."""

    code: str
    date: date
    candidates: int
    pass_rate: float | None
    alpha: float | None
    row: list[str]
    consistency: float | None = None  # decision consistency at the cut (Livingston & Lewis)


@dataclass(frozen=True)
class DriftRow:
    """One drifting item version between two consecutive sittings (the later one in the period)."""

    item: str
    version: int
    before: str
    after: str
    p_before: float
    p_after: float
    rir_before: float
    rir_after: float

    def row(self) -> list[str]:
        return [self.item, str(self.version), f"{self.before} → {self.after}",
                f"{shown_or(self.p_before, 'p')} → {shown_or(self.p_after, 'p')}",
                f"{shown_or(self.rir_before, 'rir')} → {shown_or(self.rir_after, 'rir')}"]


@dataclass(frozen=True)
class IrtChange:
    """One item version's difficulty b at each calibrated sitting (None: not calibrated
    there), on each calibration's own scale, and the change from the first to the last."""

    item: str
    version: int
    b: list[float | None]
    change: float


@dataclass(frozen=True)
class ExposureRow:
    """An item's exposure in the period: on how many of its sittings (and distinct forms)."""

    item: str
    sittings: int
    share: float
    forms: int


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
    drift_header: list[str] = field(default_factory=list)
    drift: list[DriftRow] = field(default_factory=list)
    drift_note: str = ""
    irt_header: list[str] = field(default_factory=list)
    irt: list[list[str]] = field(default_factory=list)
    irt_note: str = ""
    period_exposure_header: list[str] = field(default_factory=list)
    period_exposure: list[list[str]] = field(default_factory=list)
    period_exposure_note: str = ""
    cells_note: str = ""

    @property
    def drift_rows(self) -> list[list[str]]:
        return [d.row() for d in self.drift]


BANK_STATUSES = ("draft", "in_review", "approved", "retired")


def bank_health(session: Session, specification: str) -> tuple[list[list[str]], str]:
    """Items per blueprint cell (objective × level) by review status, and the note saying how
    translations count.

    Each item counts once, by the newest version of its *source line* (the language and
    variant it was written in, :func:`~itembank.services.bank.source_line`): its tags and
    status. A committee asks "how many approved items does cell LO1 × K have?", and an item
    is one item however many languages it is in; counting the newest version of any line
    would let a draft translation saved after the source turn an approved item into a draft,
    and counting every line would count one item twice. The translations and read-aloud
    variants are summed in the note instead: how many, how many approved, how many out of
    date with their source (:attr:`~itembank.services.bank.Line.out_of_date`).
    """
    heads = line_heads(session)
    source = {h.version_id for lines in heads.values() for h in lines if h.is_source}
    per_cell: dict[tuple[str, str], Counter[str]] = {}
    codes = []
    for v in find_versions(session, specification=specification, latest_only=False):
        if v.id not in source:
            continue
        codes.append(v.item.code)
        tags = {d: sorted(tg.code for tg in v.tags if tg.dimension is d) for d in (Dimension.OBJECTIVE, Dimension.LEVEL)}
        cell = (", ".join(tags[Dimension.OBJECTIVE]) or "–", ", ".join(tags[Dimension.LEVEL]) or "–")
        per_cell.setdefault(cell, Counter())[v.review.status.value] += 1
    cells = [[obj, lvl, *(str(per_cell[(obj, lvl)][s]) for s in BANK_STATUSES), str(sum(per_cell[(obj, lvl)].values()))]
             for obj, lvl in sorted(per_cell)]
    others = [line for code in codes if len(heads[code]) > 1 for line in item_lines(session, code)
              if not line.is_source]
    note = t("report_eval_cells_lines_note", items=len(codes), lines=len(others),
             approved=sum(line.status.value == "approved" for line in others),
             stale=sum(line.out_of_date for line in others))
    return cells, note


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


def _item_codes(session: Session, admins: list[Administration]) -> dict[str, set[str]]:
    """Sitting code -> the item codes on its frozen form."""
    return {a.code: set(form_item_ids(session, a)) for a in admins}


def drift_in_period(session: Session, items: list[str], period: set[str], *,
                    band: DriftBand = DRIFT_BAND) -> list[DriftRow]:
    """The drift of ``items`` into the sittings of ``period`` (sitting codes).

    The rule is :func:`~itembank.services.item_statistics.get_history`'s (``itembank items
    stats``): among an item version's rows in force with a p, in sitting order, a row drifts
    when |Δp| > ``band.p`` or |ΔRir| > ``band.rir`` against the previous one. Listed: each
    drifting row whose sitting is in ``period``, with the previous row's sitting and values
    (that one may be before the period)."""
    out = []
    for code in sorted(items):
        history = get_history(session, code, band=band)
        if history.empty:
            continue
        rows = history[history["in_force"] & history["p"].notna()]
        for _, group in rows.groupby("version", sort=False):
            previous = None
            for r in group.itertuples():
                if previous is not None and r.drift and r.administration in period:
                    out.append(DriftRow(code, int(r.version), previous.administration, r.administration,
                                        float(previous.p), float(r.p), float(previous.rir), float(r.rir)))
                previous = r
    return out


def irt_changes(session: Session, admins: list[Administration]
                ) -> tuple[list[tuple[str, str]], list[IrtChange], str, list[str]]:
    """The sittings compared, as (sitting code, model); per item version calibrated at two or
    more of them its b per sitting and the change from its first to its last calibrated
    sitting, largest absolute change first; the scale (``"bank"`` or ``"own"``); and the
    calibrated sittings left out because they are not on the bank scale.

    Each sitting's calibration is the one the administration report shows
    (:func:`~itembank.services.irt_summary.find_calibration`); see the module docstring for
    when the bank scale is used."""
    found: list[tuple[Administration, Any, pd.DataFrame, tuple[float, float] | None]] = []
    for admin in admins:
        try:
            row = irt_summary.find_calibration(session, admin.code)
        except UserError:  # not calibrated
            continue
        if row.model not in DICHOTOMOUS_MODELS:
            continue
        table = calibration_table(session, row)
        if "b" not in table.columns:
            continue
        found.append((admin, row, table, bank_scale_constants(session, row.id)))
    on_bank = [f for f in found if f[3] is not None]
    scale = "bank" if len(on_bank) >= 2 else "own"
    used = on_bank if scale == "bank" else found
    left_out = [f[0].code for f in found if f not in used]
    calibrated = [(admin.code, row.model) for admin, row, _, _ in used]
    per_version: dict[int, dict[str, float]] = {}
    codes: dict[int, str] = {}
    for admin, _, table, constants in used:
        A, B = constants if scale == "bank" and constants is not None else (1.0, 0.0)
        for item, (_, version_id) in form_item_ids(session, admin).items():
            if item in table.index and not math.isnan(table.loc[item, "b"]):
                per_version.setdefault(version_id, {})[admin.code] = A * float(table.loc[item, "b"]) + B
                codes[version_id] = item
    numbers = dict(session.execute(select(ItemVersion.id, ItemVersion.number)
                                   .where(ItemVersion.id.in_(list(per_version)))).all()) if per_version else {}
    out = []
    for version_id, values in per_version.items():
        if len(values) < 2:
            continue
        series = [values.get(c) for c, _ in calibrated]
        present = [v for v in series if v is not None]
        out.append(IrtChange(codes[version_id], int(numbers[version_id]), series, present[-1] - present[0]))
    out.sort(key=lambda c: (-abs(c.change), c.item, c.version))
    return calibrated, out, scale, left_out


def exposure_in_period(session: Session, admins: list[Administration], *,
                       limit: float = EXPOSURE_LIMIT) -> list[ExposureRow]:
    """Items on more than ``limit`` of the sittings in ``admins`` (share = sittings whose form
    holds the item / sittings in the period), highest share first."""
    if not 0 <= limit <= 1:
        raise UserError(f"the exposure limit must be a share from 0 to 1, got {limit!r}")
    if not admins:
        return []
    on_form = _item_codes(session, admins)
    sittings: Counter[str] = Counter()
    forms: dict[str, set[int]] = {}
    for admin in admins:
        for item in on_form[admin.code]:
            sittings[item] += 1
            forms.setdefault(item, set()).add(admin.form_id)
    rows = [ExposureRow(i, n, n / len(admins), len(forms[i])) for i, n in sittings.items() if n / len(admins) > limit]
    return sorted(rows, key=lambda r: (-r.share, r.item))


def build_evaluation_report(session: Session, specification: str, start: date, end: date, *,
                            exposure_limit: float = EXPOSURE_LIMIT, band: DriftBand = DRIFT_BAND) -> EvaluationReport:
    """Everything the evaluation shows, for the sittings of ``specification`` from ``start``
    to ``end``; ``exposure_limit`` and ``band`` as :func:`exposure_in_period` and
    :func:`drift_in_period`."""
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
                "–", "–", "–", "–", "–", "–", "; ".join(state.missing)]))
            continue
        data = load_administration(session, admin.code)
        a = analyze(data)
        result = a.result
        table = result.results_table()
        rate = pass_rate(table, pass_label=result.rules.pass_label)
        cut = result.cuts.get("total")
        release = release_state(session, admin, data, result)
        estimate = a.classification.estimate if a.classification is not None else None
        sittings.append(SittingSummary(admin.code, admin.date, len(result.candidates), rate, a.reliability.alpha, [
            admin.code, f"{admin.date:%Y-%m-%d}", data.form_code, str(len(result.candidates)),
            shown(a.distribution.mean, "score_mean"),
            f"{format_fraction(cut)} / {format_fraction(result.maxima['total'])}" if cut is not None else "–",
            "–" if math.isnan(rate) else shown_percent(rate, "pass_rate"),
            shown(a.reliability.alpha, "alpha"), shown(a.reliability.sem, "sem"),
            a.classification.shown()["consistency"] if estimate is not None else "–",
            t("report_eval_released") if release["state"] == "released" else t("report_eval_provisional")],
            None if estimate is None else float(estimate.consistency)))
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

    # Bank health: each item of the specification once, by its source line (see bank_health).
    statuses = BANK_STATUSES
    cells, cells_note = bank_health(session, specification)

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

    drift = drift_in_period(session, sorted(administered), {a.code for a in admins}, band=band)
    calibrated, changes, irt_scale, irt_left_out = irt_changes(session, admins)
    irt_rows = [[c.item, str(c.version), *("–" if b is None else shown(b, "irt_parameter") for b in c.b),
                 ("+" if c.change > 0 else "") + shown(c.change, "irt_parameter")] for c in changes[:TOP_ITEMS]]
    if len(calibrated) < 2:
        irt_note = t("report_eval_irt_too_few", n=len(calibrated))
    elif irt_scale == "bank":
        irt_note = t("report_eval_irt_bank_scale", n=len(changes), shown=len(irt_rows))
        if irt_left_out:
            irt_note += " " + t("report_eval_irt_left_out", sittings=", ".join(irt_left_out))
    else:
        irt_note = t("report_eval_irt_own_scale", n=len(changes), shown=len(irt_rows))
    over = exposure_in_period(session, admins, limit=exposure_limit)

    return EvaluationReport(
        title=t("report_eval_title", code=spec.code),
        facts=[(t("report_exam"), f"{spec.name} ({spec.code})"),
               (t("report_eval_period"), f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"),
               (t("report_eval_sittings"), str(len(admins))),
               (t("candidates"), str(sum(s.candidates for s in sittings)))],
        sitting_header=[t("report_eval_sitting"), t("report_date"), t("report_form"), t("candidates"),
                        t("mean_score"), t("cut_score"), t("pass_rate_axis"), t("report_eval_alpha"), t("report_eval_sem"),
                        t("report_eval_consistency"), t("report_h_release")],
        sittings=sittings,
        trend_chart=trend,
        item_header=[t("col_item"), t("report_eval_administered"), t("report_eval_voided"), t("report_eval_flagged"),
                     t("report_eval_critical"), t("col_flags")],
        items=items,
        cells_header=[t("report_eval_objective"), t("report_eval_level"),
                      *(t(f"report_status_{s}") for s in statuses), t("report_eval_total")],
        cells=cells,
        cells_note=cells_note,
        gaps=gaps,
        exposure_header=[t("col_item"), t("report_eval_times_used"), t("report_eval_exposure_rate"), t("col_p")],
        exposure=exposure,
        not_available=[],
        generated=t("report_generated", when=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"),
        charts=charts,
        drift_header=[t("col_item"), t("report_eval_version"), t("report_eval_drift_sittings"),
                      t("report_eval_drift_p"), t("report_eval_drift_rir")],
        drift=drift,
        drift_note=t("report_eval_drift_note", p=f"{band.p:g}", rir=f"{band.rir:g}"),
        irt_header=[t("col_item"), t("report_eval_version"),
                    *(t("report_eval_irt_b", code=c, model=m) for c, m in calibrated),
                    t("report_eval_irt_change")],
        irt=irt_rows,
        irt_note=irt_note,
        period_exposure_header=[t("col_item"), t("report_eval_sittings"), t("report_eval_period_share"),
                                t("report_eval_period_forms")],
        period_exposure=[[r.item, str(r.sittings), shown_percent(r.share, "pass_rate"), str(r.forms)] for r in over],
        period_exposure_note=t("report_eval_period_exposure_note", limit=shown_percent(exposure_limit, "pass_rate"),
                               n=len(admins)),
    )
