"""IRT calibrations as stored objects: fit a sitting, keep the parameters, read the current ones.

:func:`add_calibration` fits :func:`analysis.irt.fit` to the sitting's scored matrix — the
scoring core's item scores with the committee's decisions in force
(:meth:`itembank.services.administration_data.AdministrationData.item_scores`: the matrix the
classical analysis uses; voided items are not in it) — and stores the model, the engine and
the versions of the software, the SHA-256 of the fitted matrix (:func:`data_hash`), the fit
(log-likelihood, AIC, BIC, convergence), and per item version its parameters with standard
errors, the number of responses and the infit/outfit of :meth:`analysis.irt.IrtFit.item_fit`.
Calibrations are append-only: a new fit is a new calibration.

:func:`current_parameters` gives, per item version, the parameters of its newest calibration
(by date, then id). Those feed the assembly pool (:func:`itembank.services.forms.load_pool`:
``a``, ``b``, ``c`` of the newest *dichotomous* calibration — rasch, 1pl, 2pl, 3pl — with
``c`` missing outside 3PL, which the pool treats as 0). Each calibration has its own scale
(latent mean 0, SD 1 in its sitting); parameters of different sittings are comparable only
on one scale, the **bank scale** of the specification:

* the first calibration of a specification (or one stored with ``base=True``) defines it
  (θ ~ N(0, 1) in that sitting);
* every later calibration is linked to it (:func:`link_calibration`, called by
  :func:`add_calibration`) through its *common items*: the item versions it shares with
  calibrations already on the scale, whose bank-scale parameters serve as the reference.
  :func:`analysis.equating.link_common_items` gives θ_bank = A θ_own + B (Stocking–Lord by
  default; mean/sigma, mean/mean selectable), so a_bank = a / A, b_bank = A b + B (also each
  threshold b_k), c unchanged; standard errors scale with them (SE(a) / A, A SE(b); the
  uncertainty of A and B is not added). A recalibration of a sitting already on the scale
  takes over that sitting's A and B (method ``same_sitting``): the same candidates fix the
  same latent scale;
* with fewer than :data:`MIN_COMMON_ITEMS` common items the calibration is stored
  ``unlinked`` with a note saying so, and its parameters are not used as bank-scale
  parameters until it is linked (:func:`link_calibration` again, once enough of its items are
  on the scale).

Each decision is an append-only :class:`~itembank.storage.models.CalibrationLink` row (the
newest row of a calibration is in force); a new base makes calibrations linked to an older
base "not on the current scale" until they are linked again.
:func:`current_parameters` gives bank-scale parameters by default.

:func:`add_carried_cut` carries the cut of a reference sitting to a new sitting by IRT
true-score equating from the two sittings' stored calibrations, linked through their common
item versions (:func:`analysis.equating.carry_cut_score`), and records it as the new sitting's
cut-score rule with its method and provenance.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import re
import warnings
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import itembank
from analysis import equating, irt
from itembank.errors import NotFoundError, UserError
from itembank.services import committee
from itembank.services.administration_data import load_administration, released_inputs
from itembank.services.administrations import get_administration
from itembank.services.item_statistics import form_item_ids
from itembank.services.results import latest_release
from itembank.storage.models import (
    Administration,
    Calibration,
    CalibrationItem,
    CalibrationLink,
    Form,
    Item,
    ItemVersion,
)

__all__ = [
    "DICHOTOMOUS_MODELS",
    "ENGINES",
    "LINKING_METHODS",
    "MIN_COMMON_ITEMS",
    "SE_METHODS",
    "CalibrationResult",
    "CarriedCutDecision",
    "add_calibration",
    "add_carried_cut",
    "SittingInformation",
    "sitting_information",
    "calibration_table",
    "current_parameters",
    "data_hash",
    "get_calibration",
    "link_calibration",
    "link_in_force",
    "relink_newest",
]

DICHOTOMOUS_MODELS = ("rasch", "1pl", "2pl", "3pl")
ENGINES = ("em", "girth")
SE_METHODS = ("observed", "crossprod", "none")
LINKING_METHODS = ("stocking_lord", "mean_sigma", "mean_mean")

#: Fewest common items (item versions already on the bank scale) a calibration is linked
#: through. Two determine A and B mathematically, but with a handful each item's estimation
#: error and any drift move the constants a lot: mean/sigma rests on the SD of the common b's,
#: and one misfitting anchor among three shifts B by a third of its own error. Kolen &
#: Brennan (2004, sec. 8.1) advise an anchor of at least 20 items or 20 % of the test; 5 is
#: the floor below which the bank refuses to call parameters comparable, not a recommendation.
MIN_COMMON_ITEMS = 5


def data_hash(scores: pd.DataFrame) -> str:
    """SHA-256 of a scored matrix: item ids, candidate ids (in order, joined by newlines) and
    the values as little-endian float64 (NaN = not presented), so the same matrix always has
    the same hash and any changed score, candidate or item a different one."""
    h = hashlib.sha256()
    h.update("\n".join(map(str, scores.columns)).encode("utf-8") + b"\x00")
    h.update("\n".join(map(str, scores.index)).encode("utf-8") + b"\x00")
    h.update(np.ascontiguousarray(scores.to_numpy(dtype="<f8")).tobytes())
    return h.hexdigest()


def _engine_version(engine: str) -> str:
    parts = [f"itembank {itembank.__version__} (analysis.irt)", f"numpy {np.__version__}",
             f"scipy {metadata.version('scipy')}"]
    if "girth" in engine:
        parts.append(f"girth {metadata.version('girth')}")
    return ", ".join(parts)


def _number(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def _fit_defaults(model: str) -> dict[str, Any]:
    """The options :func:`analysis.irt.fit` used with its defaults, read from its signature (the
    one place they are set): the prior on c (3PL only), EM iterations and tolerance, nodes."""
    params = inspect.signature(irt.fit).parameters
    prior = params["c_prior"].default
    return {"c_prior": list(prior) if model == "3pl" and prior is not None else None,
            **{name: params[name].default for name in ("max_iter", "tol", "quadrature_points")}}


@dataclass(frozen=True)
class CalibrationResult:
    """A stored calibration and the fit it stores (for printing what was stored)."""

    calibration: Calibration
    fit: irt.IrtFit
    item_fit: pd.DataFrame
    notes: list[str]  # the fit's warnings (also stored in ``settings["warnings"]``)
    link: CalibrationLink | None = None  # how it stands to the bank scale (None: not linked yet)


def add_calibration(session: Session, administration: str, *, model: str, actor: str,
                    engine: Literal["em", "girth"] = "em", se: Literal["observed", "crossprod", "none"] = "observed",
                    base: bool = False, linking: str = "stocking_lord") -> CalibrationResult:
    """Calibrate ``model`` on the sitting's scored matrix and store it (see module docstring).

    ``engine="em"`` (default) is itembank's EM alone, the fast path (same optimum as
    ``"girth"``: girth's estimates polished by the EM); ``se`` as :func:`analysis.irt.fit`.
    A model the data cannot take (an item with points above 1 under a dichotomous model, a
    category nobody used, an item everybody got right) is a :class:`UserError` naming it.
    The stored calibration is then put on the bank scale (:func:`link_calibration` with
    ``base`` and ``linking``).
    """
    if linking not in LINKING_METHODS:
        raise UserError(f"linking must be one of {', '.join(LINKING_METHODS)}; got {linking!r}")
    if model not in irt.MODELS:
        raise UserError(f"model must be one of {', '.join(irt.MODELS)}; got {model!r}")
    if engine not in ENGINES:
        raise UserError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    admin = get_administration(session, administration)
    scored = load_administration(session, administration).item_scores().scored
    # The fit's warnings (no convergence, a slope above 10) are kept with the calibration and
    # returned, so the command line can show them as notes instead of Python warnings.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            fitted = irt.fit(scored, model, engine=engine, se=se)
        except ValueError as exc:
            raise UserError(f"cannot calibrate {administration} with the {model} model: {exc}") from None
        item_fit = fitted.item_fit()
    notes = list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)))
    ids = form_item_ids(session, admin)
    row = Calibration(
        administration_id=admin.id, model=model, engine=fitted.engine, engine_version=_engine_version(fitted.engine),
        data_hash=data_hash(scored), n_candidates=fitted.n_candidates, n_items=len(fitted.items),
        n_parameters=fitted.n_parameters, loglik=float(fitted.loglik), aic=float(fitted.aic), bic=float(fitted.bic),
        converged=bool(fitted.converged), iterations=int(fitted.iterations),
        settings={"se": se, "engine": engine, **_fit_defaults(model), "warnings": notes},
        created_by=actor)
    for code, params in fitted.items.iterrows():
        form_item_id, version_id = ids[str(code)]
        fit_row = item_fit.loc[code]
        row.items.append(CalibrationItem(
            form_item_id=form_item_id, item_version_id=version_id, n=int(params["n"]),
            parameters={str(k): _number(v) for k, v in params.items() if k != "n"},
            infit=_number(fit_row["infit"]), infit_z=_number(fit_row["infit_z"]),
            outfit=_number(fit_row["outfit"]), outfit_z=_number(fit_row["outfit_z"])))
    session.add(row)
    session.flush()
    link = link_calibration(session, row.id, method=linking, base=base, actor=actor)
    return CalibrationResult(row, fitted, item_fit, notes, link)


def relink_newest(session: Session, administration: str, *, actor: str, method: str = "stocking_lord",
                  base: bool = False) -> CalibrationLink:
    """:func:`link_calibration` on the newest calibration of ``administration`` (any model)."""
    admin = get_administration(session, administration)
    cal_id = session.scalar(select(Calibration.id).where(Calibration.administration_id == admin.id)
                            .order_by(Calibration.created_at.desc(), Calibration.id.desc()))
    if cal_id is None:
        raise UserError(f"administration {administration} has no stored calibration: run "
                        f"'itembank calibrate {administration} --model 2pl' first")
    return link_calibration(session, cal_id, actor=actor, method=method, base=base)


def get_calibration(session: Session, calibration_id: int) -> Calibration:
    row = session.scalar(select(Calibration).where(Calibration.id == calibration_id)
                         .options(selectinload(Calibration.items)))
    if row is None:
        raise NotFoundError(f"no calibration {calibration_id}")
    return row


def calibration_table(session: Session, calibration: Calibration) -> pd.DataFrame:
    """A stored calibration's item parameters as :attr:`analysis.irt.IrtFit.items` has them
    (indexed by item code, ``n`` last; None stored for NaN comes back as NaN)."""
    codes = {vid: code for code, vid in _version_ids(session, calibration)}
    records = {codes[ci.item_version_id]: {**ci.parameters, "n": ci.n} for ci in calibration.items}
    table = pd.DataFrame.from_dict(records, orient="index").astype(float)
    table["n"] = table["n"].astype(int)
    table.index.name = "item"
    return table


def _item_record(ci: CalibrationItem) -> dict[str, float]:
    """A stored item's parameters, infit and outfit, NaN where none was stored."""
    return {**{k: (np.nan if v is None else v) for k, v in ci.parameters.items()},
            "infit": np.nan if ci.infit is None else ci.infit, "outfit": np.nan if ci.outfit is None else ci.outfit}


@dataclass
class _CalibrationState:
    """What the bank scale needs to know of one stored calibration."""

    id: int
    administration_id: int
    administration: str
    specification_id: int | None
    model: str
    created_at: Any
    link: CalibrationLink | None  # the newest link row (in force), None when never linked


@dataclass
class _ScaleState:
    calibrations: dict[int, _CalibrationState]  # in order: oldest first (created_at, id)
    bases: dict[int | None, int]  # specification id -> the calibration whose base row is newest

    def on_scale(self, cal_id: int) -> bool:
        """Is this calibration's link in force one onto its specification's current scale?"""
        c = self.calibrations[cal_id]
        return (c.link is not None and c.link.status in ("base", "linked")
                and c.link.base_id == self.bases.get(c.specification_id))


def _scale_state(session: Session) -> _ScaleState:
    cals = session.execute(
        select(Calibration.id, Calibration.administration_id, Administration.code, Form.specification_id,
               Calibration.model, Calibration.created_at)
        .join(Administration, Administration.id == Calibration.administration_id)
        .join(Form, Form.id == Administration.form_id)
        .order_by(Calibration.created_at, Calibration.id)).all()
    state = {cid: _CalibrationState(cid, aid, code, spec, model, at, None) for cid, aid, code, spec, model, at in cals}
    bases: dict[int | None, tuple[Any, int, int]] = {}
    # by id, the order the rows were written in (a created_at can be back-dated by recorded_at)
    for link in session.scalars(select(CalibrationLink).order_by(CalibrationLink.id)):
        c = state[link.calibration_id]
        c.link = link  # ordered oldest first: the last row of a calibration is in force
        if link.status == "base":
            bases[c.specification_id] = link.calibration_id  # type: ignore[assignment]
    return _ScaleState(state, bases)  # type: ignore[arg-type]


def link_in_force(session: Session, calibration_id: int) -> CalibrationLink | None:
    """The calibration's link row in force (its newest), or None when it was never linked."""
    return session.scalar(select(CalibrationLink).where(CalibrationLink.calibration_id == calibration_id)
                          .order_by(CalibrationLink.id.desc()))


def bank_scale_constants(session: Session, calibration_id: int) -> tuple[float, float] | None:
    """(A, B) with θ_bank = A θ + B when the calibration is on its specification's current bank
    scale (the base: (1, 0), or linked to it), else None (unlinked, never linked, or linked to
    a scale that a newer base replaced)."""
    state = _scale_state(session)
    if calibration_id not in state.calibrations or not state.on_scale(calibration_id):
        return None
    link = state.calibrations[calibration_id].link
    assert link is not None and link.A is not None and link.B is not None
    return float(link.A), float(link.B)


_B_PARAMETER = re.compile(r"b\d*")


def _to_bank_scale(params: dict[str, float], A: float, B: float) -> dict[str, float]:
    """θ_bank = A θ + B: a / A, b (and each threshold b_k) A b + B, c unchanged; SE(a) / A and
    SE(b) A (Kolen & Brennan 2004, eq. 6.2-6.3; the constants' own uncertainty is not added)."""
    out = dict(params)
    for k, v in params.items():
        name = k.removeprefix("se_")
        if name == "a":
            out[k] = v / A
        elif _B_PARAMETER.fullmatch(name):
            out[k] = A * v if k.startswith("se_") else A * v + B
    return out


def _stored_items(session: Session, version_ids: list[int] | None, models: tuple[str, ...]
                  ) -> list[tuple[CalibrationItem, int]]:
    """(stored item, calibration id) oldest calibration first, for ``version_ids`` (all: None)."""
    query = (select(CalibrationItem, Calibration.id)
             .join(Calibration, Calibration.id == CalibrationItem.calibration_id)
             .where(Calibration.model.in_(models))
             .order_by(Calibration.created_at, Calibration.id, CalibrationItem.id))
    if version_ids is not None:
        query = query.where(CalibrationItem.item_version_id.in_(version_ids))
    return [(ci, cid) for ci, cid in session.execute(query).all()]


def current_parameters(session: Session, version_ids: list[int] | None = None, *,
                       models: tuple[str, ...] = irt.MODELS,
                       scale: Literal["bank", "own"] = "bank") -> pd.DataFrame:
    """Per item version, its current parameters among calibrations of ``models``.

    ``scale="bank"`` (default): from the newest calibration that is on its specification's
    bank scale (the base or linked to it; see the module docstring), transformed to that scale
    (a / A, A b + B). ``scale="own"``: from the newest calibration whatever its link, on that
    calibration's own scale.

    Indexed by ``item_version_id``: ``model``, ``calibration_id``, ``administration``,
    ``calibrated_at``, ``scale`` (``base``, ``linked``, ``unlinked`` or ``not linked``),
    ``link_A``, ``link_B``, ``link_method`` (None for the base), ``newer_unlinked`` (the id of a newer calibration of this version
    that is not on the bank scale, else NaN), then every parameter column stored (``a``,
    ``b``, ``c``, ``b1``…, ``se_*``; NaN where a model has none) and ``infit``, ``outfit``.
    """
    head = ["model", "calibration_id", "administration", "calibrated_at", "scale", "link_A", "link_B",
            "link_method", "newer_unlinked"]
    if version_ids is not None and not version_ids:
        return pd.DataFrame(columns=head)
    state = _scale_state(session)
    chosen: dict[int, dict[str, Any]] = {}
    newest_any: dict[int, int] = {}
    for ci, cal_id in _stored_items(session, version_ids, models):
        c = state.calibrations[cal_id]
        newest_any[ci.item_version_id] = cal_id  # oldest first: the last one wins
        on = state.on_scale(cal_id)
        if scale == "bank" and not on:
            continue
        record = _item_record(ci)
        A, B = (c.link.A, c.link.B) if on and c.link is not None else (np.nan, np.nan)
        if scale == "bank":
            record = _to_bank_scale(record, float(A), float(B))
        status = c.link.status if c.link is not None else "not linked"
        if c.link is not None and c.link.status != "unlinked" and not on:
            status = "older scale"
        chosen[ci.item_version_id] = {
            "model": c.model, "calibration_id": cal_id, "administration": c.administration,
            "calibrated_at": c.created_at, "scale": status, "link_A": A, "link_B": B,
            "link_method": c.link.method if on and c.link is not None else None, **record}
    for vid, row in chosen.items():
        newer = newest_any[vid]
        row["newer_unlinked"] = float(newer) if newer != row["calibration_id"] else np.nan
    frame = pd.DataFrame.from_dict(chosen, orient="index")
    if frame.empty:
        frame = pd.DataFrame(columns=head)
    frame.index.name = "item_version_id"
    return frame


def _bank_parameters(session: Session, state: _ScaleState, version_ids: list[int], *,
                     exclude: int) -> dict[int, tuple[dict[str, float], int]]:
    """Bank-scale a, b, c (c 0 when absent) of each version from its newest dichotomous
    calibration on the scale other than ``exclude``, with that calibration's id."""
    out: dict[int, tuple[dict[str, float], int]] = {}
    for ci, cal_id in _stored_items(session, version_ids, DICHOTOMOUS_MODELS):
        if cal_id == exclude or not state.on_scale(cal_id):
            continue
        link = state.calibrations[cal_id].link
        assert link is not None and link.A is not None and link.B is not None
        p = _to_bank_scale(_item_record(ci), link.A, link.B)
        out[ci.item_version_id] = ({"a": p["a"], "b": p["b"], "c": p.get("c", 0.0)}, cal_id)
    return out


def _usable(p: dict[str, float]) -> bool:
    """a, b usable for linking: finite, a > 0 (a negative slope is a miskey, not an anchor)."""
    a, b, c = p.get("a", np.nan), p.get("b", np.nan), p.get("c", 0.0)
    return bool(np.isfinite(a) and a > 0 and np.isfinite(b) and (c is None or np.isnan(c) or 0 <= c < 1))


def link_calibration(session: Session, calibration_id: int, *, actor: str, method: str = "stocking_lord",
                     base: bool = False) -> CalibrationLink:
    """Put a stored calibration on its specification's bank scale and record how (a new
    :class:`CalibrationLink` row; see the module docstring for the rules).

    ``base=True``, or no base yet for the specification: this calibration defines the scale
    (A = 1, B = 0). A sitting already on the scale: its A and B (``same_sitting``). Otherwise
    the common items (its item versions with bank-scale parameters from other calibrations,
    a > 0 on both) give A and B by ``method`` (:func:`analysis.equating.link_common_items`);
    fewer than :data:`MIN_COMMON_ITEMS` (or a polytomous model, which the characteristic-curve
    methods here do not cover) leave it ``unlinked`` with the reason in ``note``.
    """
    if method not in LINKING_METHODS:
        raise UserError(f"linking must be one of {', '.join(LINKING_METHODS)}; got {method!r}")
    cal = get_calibration(session, calibration_id)
    state = _scale_state(session)
    me = state.calibrations[cal.id]
    spec_base = state.bases.get(me.specification_id)

    def store(status: str, **fields: Any) -> CalibrationLink:
        row = CalibrationLink(calibration_id=cal.id, status=status, created_by=actor, **fields)
        session.add(row)
        session.flush()
        return row

    if base or spec_base is None:
        why = "marked as the base" if base else "the first calibration of its specification"
        return store("base", base_id=cal.id, A=1.0, B=0.0,
                     note=f"defines the bank scale ({why}): ability N(0, 1) in sitting {me.administration}")
    same = [c for c in state.calibrations.values()
            if c.administration_id == me.administration_id and c.id != cal.id and state.on_scale(c.id)]
    if same:
        ref = same[-1]
        assert ref.link is not None
        return store("linked", base_id=spec_base, linked_to_id=ref.id, method="same_sitting", A=ref.link.A,
                     B=ref.link.B, note=f"the same candidates as calibration {ref.id} of {me.administration}")
    if cal.model not in DICHOTOMOUS_MODELS:
        return store("unlinked", note=f"linking through common items covers rasch/1pl/2pl/3pl only, not {cal.model}")
    own = {ci.item_version_id: _item_record(ci) for ci in cal.items}
    bank_params = _bank_parameters(session, state, list(own), exclude=cal.id)
    common = [vid for vid in own if vid in bank_params and _usable(own[vid]) and _usable(bank_params[vid][0])]
    if len(common) < MIN_COMMON_ITEMS:
        return store("unlinked", n_common=len(common), common_items=[[v, bank_params[v][1]] for v in common],
                     note=f"only {len(common)} common item(s) on the bank scale; at least {MIN_COMMON_ITEMS} "
                          "are needed: not used as bank-scale parameters until linked")
    new_table = pd.DataFrame({v: {k: own[v].get(k, 0.0) for k in ("a", "b", "c")} for v in common}).T
    new_table["c"] = new_table["c"].fillna(0.0)
    ref_table = pd.DataFrame({v: bank_params[v][0] for v in common}).T
    ref_table["c"] = ref_table["c"].fillna(0.0)
    try:
        lk = equating.link_common_items(new_table, ref_table, common_items=common, method=method)  # type: ignore[arg-type]
    except ValueError as exc:
        return store("unlinked", n_common=len(common), common_items=[[v, bank_params[v][1]] for v in common],
                     note=f"linking failed: {exc}")
    sources = [bank_params[v][1] for v in common]
    linked_to = max(set(sources), key=lambda cid: (sources.count(cid), cid))
    return store("linked", base_id=spec_base, linked_to_id=linked_to, method=method, A=float(lk.A), B=float(lk.B),
                 n_common=len(common), common_items=[[v, bank_params[v][1]] for v in common],
                 note=f"linked through {len(common)} common items ({method})")


# ----------------------------------------------------------------------------------------
# Carrying a cut from a reference sitting to a new one (IRT true-score equating)
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarriedCutDecision:
    """A carried cut as recorded: the stored cut-score rule and the equating behind it."""

    rule: dict[str, Any]
    carried: Any  # analysis.equating.CarriedCut
    reference_cut: float
    cut_score_rule_id: int


def _newest_dichotomous(session: Session, admin: Administration) -> Calibration:
    row = session.scalar(select(Calibration).where(Calibration.administration_id == admin.id,
                                                   Calibration.model.in_(DICHOTOMOUS_MODELS))
                         .order_by(Calibration.created_at.desc(), Calibration.id.desc())
                         .options(selectinload(Calibration.items)))
    if row is None:
        raise UserError(f"administration {admin.code} has no stored rasch/1pl/2pl/3pl calibration: run "
                        f"'itembank calibrate {admin.code} --model 2pl' first")
    return row


def _counting_items(data: Any, code: str) -> tuple[list[str], Any]:
    """The items that count (not voided) and the scored result without candidates; refuses a
    form whose total is not the number of right answers (true-score equating of number-correct
    scores: every counting item scored 0/1 with weight 1, no full marks for voided items)."""
    result = data.score(candidates=[])
    counting = [i for i, e in result.items.items() if not e.voided]
    odd = [i for i in counting if result.items[i].item.max_score != 1 or result.items[i].weight != 1]
    if odd or result.maxima["total"] != len(counting):
        raise UserError(f"administration {code}: a cut can be carried only between number-correct forms (every "
                        f"item worth 1 point with weight 1); {', '.join(odd) or 'the maximum'} is not")
    return counting, result


def add_carried_cut(session: Session, administration: str, *, reference: str, reason: str, actor: str,
                    round_up: bool = False, linking: str = "stocking_lord") -> CarriedCutDecision:
    """Carry the reference sitting's cut to ``administration`` and record it as its cut rule.

    The reference cut is the total cut of the reference sitting as released (its newest
    release's inputs; the inputs in force if it is not released yet), in raw points over its
    counting items. Each sitting's newest dichotomous calibration gives the item parameters;
    the common items (the same item *version* on both forms, counting on both) link the new
    calibration to the reference scale (``linking``: Stocking–Lord by default), and
    :func:`analysis.equating.carry_cut_score` finds θ_cut with τ_ref(θ_cut) = cut and returns
    τ_new(θ_cut) (IRT true-score equating; Kolen & Brennan 2004, ch. 6). The rule stored is
    ``{"kind": "points", "value": τ_new, "round_up": ..., "source": {...}}`` with the method,
    θ_cut, the linking constants and common items, and both sittings and calibrations.
    """
    if linking not in LINKING_METHODS:
        raise UserError(f"linking must be one of {', '.join(LINKING_METHODS)}; got {linking!r}")
    if reference == administration:
        raise UserError("the reference administration must be another sitting than the new one")
    ref_admin = get_administration(session, reference)
    new_admin = get_administration(session, administration)
    release = latest_release(session, ref_admin)
    ref_data = released_inputs(session, release) if release is not None else load_administration(session, reference)
    ref_items, ref_result = _counting_items(ref_data, reference)
    new_items, _ = _counting_items(load_administration(session, administration), administration)
    if "total" not in ref_result.cuts:
        raise UserError(f"administration {reference} has no cut score for the total to carry")
    cut = ref_result.cuts["total"]
    tables = {}
    versions = {}
    for admin, items in ((ref_admin, ref_items), (new_admin, new_items)):
        calibration = _newest_dichotomous(session, admin)
        table = calibration_table(session, calibration)
        missing = [i for i in items if i not in table.index]
        if missing:
            raise UserError(f"calibration {calibration.id} of {admin.code} has no parameters for "
                            f"{', '.join(missing)} (voided then?); calibrate {admin.code} again")
        tables[admin.code] = (calibration, table.loc[items])
        versions[admin.code] = dict(_version_ids(session, calibration))
    common = [i for i in new_items if i in set(ref_items) and versions[reference].get(i) == versions[administration].get(i)]
    (ref_cal, ref_table), (new_cal, new_table) = tables[reference], tables[administration]
    try:
        carried = equating.carry_cut_score(float(cut), reference_items=ref_table, new_items=new_table,
                                           common_items=common, method=linking)  # type: ignore[arg-type]
    except ValueError as exc:
        raise UserError(f"cannot carry the cut of {reference} to {administration}: {exc}") from None
    rule = carried.to_rule(round_up=round_up)
    rule["source"].update({
        "reference_administration": reference, "reference_release": release.revision if release else None,
        "reference_cut": str(cut), "reference_calibration": ref_cal.id, "new_calibration": new_cal.id,
        "models": [ref_cal.model, new_cal.model]})
    row = committee.set_cut_score(session, administration, rule, reason=reason, actor=actor)
    return CarriedCutDecision(rule, carried, float(cut), row.id)


def _version_ids(session: Session, calibration: Calibration) -> list[tuple[str, int]]:
    """(item code, item version id) of a calibration's items."""
    return [(code, vid) for vid, code in session.execute(
        select(ItemVersion.id, Item.code).join(Item, Item.id == ItemVersion.item_id)
        .where(ItemVersion.id.in_([ci.item_version_id for ci in calibration.items]))).all()]


@dataclass(frozen=True)
class SittingInformation:
    """What the review page shows of a sitting's newest dichotomous calibration: per item its
    parameters and fit, and the test information function with the conditional SEM.

    ``theta``: a grid; ``information``: I(θ) = Σ_j I_j(θ) over the items with a > 0
    (:func:`analysis.irt.information`); ``csem``: 1 / √I(θ), the conditional standard error
    of θ; ``cut_theta``: the θ whose expected score on those items equals the cut scaled to
    their number (cut × n_items / maximum; exact for a number-correct form), found on the test
    characteristic curve (:func:`analysis.equating.theta_for_true_score`); ``left_out``: items
    whose slope a <= 0 (a miskey, typically), which carry no usable information.
    """

    calibration_id: int
    model: str
    created_at: Any
    items: pd.DataFrame  # index item code; a, b, c (NaN where the model has none), infit, outfit
    theta: np.ndarray
    information: np.ndarray
    csem: np.ndarray
    cut_theta: float | None
    csem_at_cut: float | None
    left_out: tuple[str, ...]


def sitting_information(session: Session, administration: str, *, cut: float | None, maximum: float,
                        theta: np.ndarray | None = None) -> SittingInformation | None:
    """The newest rasch/1pl/2pl/3pl calibration of ``administration`` for the review page, or
    None when the sitting has none (see :class:`SittingInformation`)."""
    admin = get_administration(session, administration)
    try:
        row = _newest_dichotomous(session, admin)
    except UserError:
        return None
    return calibration_information(session, row, cut=cut, maximum=maximum, theta=theta)


def calibration_information(session: Session, row: Calibration, *, cut: float | None, maximum: float,
                            theta: np.ndarray | None = None) -> SittingInformation:
    """:class:`SittingInformation` of one stored calibration: I(θ) summed over the items with
    a > 0 (:func:`analysis.irt.information`), CSEM = 1/√I(θ), and for a dichotomous model the
    cut's θ on the test characteristic curve of those items at cut × n_items / maximum
    (:func:`analysis.equating.theta_for_true_score`). Polytomous models (grm, pcm) get the
    information curve only (no cut θ: their expected score is not a count of items)."""
    codes = {vid: code for code, vid in _version_ids(session, row)}
    items = pd.DataFrame.from_dict({codes[ci.item_version_id]: _item_record(ci) for ci in row.items},
                                   orient="index").astype(float)
    grid = np.linspace(-4.0, 4.0, 81) if theta is None else np.asarray(theta, dtype=float)
    dichotomous = row.model in DICHOTOMOUS_MODELS
    if dichotomous:
        # every dichotomous model stores a and b (rasch and 1pl a common slope); c only the 3pl
        items["c"] = items["c"].fillna(0.0) if "c" in items else 0.0
        usable = items[(items["a"] > 0) & items["b"].notna()]
        info = irt.information(usable[["a", "b", "c"]], grid, model="3pl").sum(axis=1).to_numpy()
    else:
        usable = items[items["a"] > 0]
        cols = ["a", *[c for c in usable.columns if c.startswith("b") and c[1:].isdigit()]]
        info = irt.information(usable[cols], grid, model=row.model).sum(axis=1).to_numpy()
    with np.errstate(divide="ignore"):
        csem = 1 / np.sqrt(info)
    cut_theta = csem_at_cut = None
    if dichotomous and cut is not None and maximum > 0 and len(usable):
        tau = float(cut) * len(usable) / float(maximum)
        if float(usable["c"].sum()) < tau < len(usable):
            cut_theta = equating.theta_for_true_score(tau, usable[["a", "b", "c"]])
            at = irt.information(usable[["a", "b", "c"]], [cut_theta], model="3pl").to_numpy().sum()
            csem_at_cut = float(1 / math.sqrt(at)) if at > 0 else None
    return SittingInformation(row.id, row.model, row.created_at, items, grid, info, csem, cut_theta, csem_at_cut,
                              tuple(sorted(set(items.index) - set(usable.index))))
