"""A sitting's stored IRT calibration as the committee reads it (``itembank irt``, the
administration report): the calibration's facts, per item its parameters with standard errors
and its item fit with p-values and a misfit flag, and the test information with the
conditional SEM at the cut.

The information and the cut's θ come from
:func:`itembank.services.calibrations.calibration_information`, the function behind the
dashboard's IRT view (:func:`~itembank.services.calibrations.sitting_information` is it on the
sitting's newest rasch/1pl/2pl/3pl calibration, the default here), for whichever calibration
is shown (``--calibration ID`` or ``--model``).

Item fit: the stored infit and outfit mean squares and their Wilson–Hilferty z
(:func:`analysis.irt.fit_statistics`; Wright & Masters 1982, ch. 5). The p-value is the
two-sided normal tail of z, p = 2 Φ(−|z|) (the z is approximately standard normal under the
model). An item is flagged as misfitting (*underfit*: noisier than the model expects) when
its infit or outfit mean square exceeds :data:`MISFIT_MEAN_SQUARE` (1.3, the bound the
dashboard's item line names; Wright & Linacre 1994 give 0.7–1.3 for multiple-choice tests)
*and* that excess is significant (p < :data:`MISFIT_ALPHA`), so a short test's sampling noise
alone does not flag an item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from analysis import irt
from itembank.errors import UserError
from itembank.services import calibrations
from itembank.services.administrations import get_administration
from itembank.storage.models import Calibration, Item, ItemVersion

__all__ = ["MISFIT_ALPHA", "MISFIT_MEAN_SQUARE", "CalibrationFacts", "CalibrationSummary", "calibration_summary",
           "find_calibration", "no_calibration_message", "sitting_calibrations"]

#: An infit or outfit mean square above this is underfit (Wright & Linacre 1994: 0.7–1.3 for MC tests).
MISFIT_MEAN_SQUARE = 1.3
#: ... when also significant at this level (two-sided p of its z).
MISFIT_ALPHA = 0.05


@dataclass(frozen=True)
class CalibrationSummary:
    """What ``itembank irt`` prints and the report's IRT section shows.

    ``items``: indexed by item code, the stored parameters (``a``, ``b``, ``c``, ``b1``…) and
    ``se_*``, ``n``, then ``infit``, ``infit_z``, ``infit_p``, ``outfit``, ``outfit_z``,
    ``outfit_p`` and ``misfit`` (bool). ``information``: the dashboard's
    :class:`~itembank.services.calibrations.SittingInformation` (or one built the same way for
    another calibration); ``cut``/``maximum``: the total cut in raw points and the maximum the
    cut's θ was found from (None without a cut).
    """

    administration: str
    calibration: Calibration
    parameters: list[str]  # the model's parameter columns, in order (a, b, c / a, b1, b2, ...)
    items: pd.DataFrame
    information: calibrations.SittingInformation
    cut: float | None
    maximum: float
    newest: bool  # the calibration the dashboard shows (sitting_information)

    @property
    def misfitting(self) -> list[str]:
        return [str(i) for i in self.items.index[self.items["misfit"]]]


def no_calibration_message(administration: str, model: str | None = None) -> str:
    """The one sentence for a sitting without a (matching) stored calibration."""
    what = f"no stored {model} calibration" if model else "no stored IRT calibration"
    return (f"administration {administration} has {what}: run "
            f"'itembank calibrate {administration} --model {model or '2pl'}' first")


def find_calibration(session: Session, administration: str, *, model: str | None = None,
                     calibration_id: int | None = None) -> Calibration:
    """The calibration to show: ``calibration_id`` (which must belong to the sitting), else the
    sitting's newest calibration of ``model``, else its newest dichotomous one (the one the
    dashboard shows), else its newest of any model. A :class:`UserError` saying how to make
    one when there is none."""
    admin = get_administration(session, administration)
    if calibration_id is not None:
        row = calibrations.get_calibration(session, calibration_id)
        if row.administration_id != admin.id:
            raise UserError(f"calibration {calibration_id} is not a calibration of {administration}")
        if model is not None and row.model != model:
            raise UserError(f"calibration {calibration_id} is a {row.model} calibration, not {model}")
        return row
    if model is not None and model not in irt.MODELS:
        raise UserError(f"model must be one of {', '.join(irt.MODELS)}; got {model!r}")
    query = (select(Calibration).where(Calibration.administration_id == admin.id)
             .order_by(Calibration.created_at.desc(), Calibration.id.desc())
             .options(selectinload(Calibration.items)))
    rows = list(session.scalars(query))
    if model is not None:
        rows = [r for r in rows if r.model == model]
    else:  # the dashboard's choice first: the newest dichotomous calibration
        rows = ([r for r in rows if r.model in calibrations.DICHOTOMOUS_MODELS]
                or rows)
    if not rows:
        raise UserError(no_calibration_message(administration, model))
    return rows[0]


def _is_newest_dichotomous(session: Session, row: Calibration) -> bool:
    newest = session.scalar(select(Calibration.id).where(
        Calibration.administration_id == row.administration_id,
        Calibration.model.in_(calibrations.DICHOTOMOUS_MODELS))
        .order_by(Calibration.created_at.desc(), Calibration.id.desc()).limit(1))
    return newest == row.id


def _p_two_sided(z: pd.Series) -> pd.Series:
    return pd.Series(2 * stats.norm.sf(np.abs(z.to_numpy(dtype=float))), index=z.index)


def _fit_columns(session: Session, row: Calibration) -> pd.DataFrame:
    codes = dict(session.execute(select(ItemVersion.id, Item.code).join(Item, Item.id == ItemVersion.item_id)
                                 .where(ItemVersion.id.in_([ci.item_version_id for ci in row.items]))).all())
    nan = float("nan")

    def value(v: Any) -> float:
        return nan if v is None else float(v)

    return pd.DataFrame.from_dict(
        {codes[ci.item_version_id]: {"infit": value(ci.infit), "infit_z": value(ci.infit_z),
                                     "outfit": value(ci.outfit), "outfit_z": value(ci.outfit_z)}
         for ci in row.items}, orient="index")


def calibration_summary(session: Session, administration: str, *, cut: float | None, maximum: float,
                        model: str | None = None, calibration_id: int | None = None,
                        theta: np.ndarray | None = None) -> CalibrationSummary:
    """The calibration chosen by :func:`find_calibration` with its item fit and information.

    ``cut`` and ``maximum``: the sitting's total cut (raw points) and maximum as the scoring
    core has them (the dashboard passes the same two numbers to ``sitting_information``)."""
    row = find_calibration(session, administration, model=model, calibration_id=calibration_id)
    table = calibrations.calibration_table(session, row)
    fit = _fit_columns(session, row).reindex(table.index)
    parameters = [c for c in table.columns if c != "n" and not c.startswith("se_")]
    items = table.join(fit)
    items["infit_p"] = _p_two_sided(items["infit_z"])
    items["outfit_p"] = _p_two_sided(items["outfit_z"])
    items["misfit"] = (((items["infit"] > MISFIT_MEAN_SQUARE) & (items["infit_p"] < MISFIT_ALPHA))
                       | ((items["outfit"] > MISFIT_MEAN_SQUARE) & (items["outfit_p"] < MISFIT_ALPHA)))
    newest = _is_newest_dichotomous(session, row)
    # the function behind the review page's IRT view, so CLI, report and pages agree
    info = calibrations.calibration_information(session, row, cut=cut, maximum=maximum, theta=theta)
    return CalibrationSummary(administration, row, parameters, items, info, cut, maximum, newest)


@dataclass(frozen=True)
class CalibrationFacts:
    """One stored calibration of a sitting as the dashboard's IRT page lists it: the
    calibration's own facts and its link to the bank scale in force
    (:func:`itembank.services.calibrations.link_in_force`; None when never linked)."""

    id: int
    model: str
    engine: str
    created_at: Any
    created_by: str
    n_candidates: int
    n_items: int
    converged: bool
    link_status: str | None  # base, linked, unlinked (None: never linked)
    link_method: str | None  # stocking_lord, mean_sigma, mean_mean, same_sitting
    linked_to: int | None  # the calibration that supplied most of the common items' bank-scale parameters
    n_common: int
    A: float | None
    B: float | None
    link_note: str


def sitting_calibrations(session: Session, administration: str) -> list[CalibrationFacts]:
    """Every stored calibration of ``administration``, newest first (date, then id — the order
    :func:`find_calibration` picks from), each with its link to the bank scale in force."""
    admin = get_administration(session, administration)
    rows = session.scalars(select(Calibration).where(Calibration.administration_id == admin.id)
                           .order_by(Calibration.created_at.desc(), Calibration.id.desc()))
    out = []
    for row in rows:
        link = calibrations.link_in_force(session, row.id)
        facts = (row.id, row.model, row.engine, row.created_at, row.created_by, row.n_candidates, row.n_items,
                 bool(row.converged))
        if link is None:
            out.append(CalibrationFacts(*facts, None, None, None, 0, None, None, ""))
        else:
            out.append(CalibrationFacts(*facts, link.status, link.method, link.linked_to_id, int(link.n_common),
                                        link.A, link.B, link.note or ""))
    return out
