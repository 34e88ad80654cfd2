"""Forms: the pool from the bank, the optimiser, and frozen forms.

A form is frozen when it is created: its item *versions*, keys, maximum scores, weights and
parts are copied into ``form_items`` and can never change afterwards (the committee's later
decisions — void, extra answers, rekey — are separate records applied by the scoring core).

:mod:`itembank.assembly` is pure; this module feeds it from the database and stores what it
returns. The pool is the newest *approved* version of every item of a specification in one
language (``language``; by default each item's own, that of its first version, so a later
translation never stands in for the source item) and variant, with:

* ``p``: the classical p-value over every administration that used that version, with the
  key as frozen on the form (NaN for an item never administered);
* ``a``, ``b``, ``c``: from the version's newest stored dichotomous IRT calibration
  (``itembank calibrate``; :mod:`itembank.services.calibrations`), ``c`` NaN outside 3PL;
  NaN for a version never calibrated (the optimiser then treats it as giving no information;
  see the assembly docs);
* ``times_used``: forms (of any specification) that contain any version of the item;
  ``forms_since_last_use``: how many forms of this specification were frozen after the most
  recent one containing it (0 = on the latest form; NaN = never used);
  ``exposure_rate``: share of this specification's forms that contain it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Sequence
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload
from itembank.storage import audit
from itembank.services.bank import get_specification
from itembank.errors import NotFoundError, RuleError, UserError
from itembank.storage.models import (
    Blueprint,
    Dimension,
    Form,
    FormItem,
    ItemVersion,
    Administration,
    ReviewState,
    ReviewStatus,
    utcnow,
)
import numpy as np
from sqlalchemy import func
from itembank.assembly import (
    AssemblyOptions,
    AssemblyResult,
    assemble,
    coverage_report,
    expected_statistics,
    gap_report,
    verify,
)
from itembank.services.blueprints import blueprint_constraints, get_blueprint
from itembank.storage.models import (
    EnemyPair,
    Item,
    Variant,
)

__all__ = [
    "FormEntry",
    "freeze_form",
    "get_form",
    "load_pool",
    "AssembledForms",
    "assemble_forms",
    "freeze_assembled",
    "gap_for_blueprint",
]


@dataclass(frozen=True)
class FormEntry:
    """One position of a form to freeze: a version, with optional weight and part."""

    item_version_id: int
    weight: Decimal = Decimal(1)
    part: str = "MC"


def freeze_form(
    session: Session,
    code: str,
    entries: Sequence[FormEntry | int],
    *,
    name: str = "",
    blueprint: Blueprint | None = None,
    actor: str,
) -> Form:
    """Create a frozen form from approved item versions, in the given order.

    The key and maximum score of each version are copied as they are now, so a later
    revision of an item never changes a form that was administered.
    """
    if session.scalar(select(Form.id).where(Form.code == code)) is not None:
        raise UserError(f"a form with code '{code}' already exists")
    if not entries:
        raise UserError(f"form {code}: a form needs at least one item")
    entries = [e if isinstance(e, FormEntry) else FormEntry(e) for e in entries]
    ids = [e.item_version_id for e in entries]
    if len(set(ids)) != len(ids):
        raise UserError(f"form {code}: an item version appears twice")
    versions = {
        v.id: v
        for v in session.scalars(
            select(ItemVersion).where(ItemVersion.id.in_(ids)).options(selectinload(ItemVersion.item))
        )
    }
    states = {s.item_version_id: s.status for s in session.scalars(
        select(ReviewState).where(ReviewState.item_version_id.in_(ids)))}
    codes_seen: set[str] = set()
    for i in ids:
        v = versions.get(i)
        if v is None:
            raise NotFoundError(f"form {code}: no item version with id {i}")
        if states.get(i) is not ReviewStatus.APPROVED:
            raise RuleError(f"form {code}: {v.item.code} version {v.number} is "
                            f"{states.get(i).value if states.get(i) else 'unknown'}, not approved")
        if v.item.code in codes_seen:
            raise UserError(f"form {code}: item {v.item.code} appears twice")
        codes_seen.add(v.item.code)
    form = Form(code=code, name=name, blueprint=blueprint, created_by=actor,
                specification_id=blueprint.specification_id if blueprint else
                next(iter(versions.values())).item.specification_id)
    session.add(form)
    session.flush()
    session.execute(insert(FormItem), [
        {"form_id": form.id, "position": pos, "item_version_id": e.item_version_id,
         "key": list(versions[e.item_version_id].key),
         "max_score": versions[e.item_version_id].max_score,
         "weight": e.weight, "part": e.part}
        for pos, e in enumerate(entries, start=1)
    ])
    form.frozen_at = utcnow()
    session.flush()
    session.expire(form, ["items"])
    audit.record(session, actor=actor, action="freeze", entity_type="form", entity_id=code,
                 detail={"n_items": len(entries),
                         "blueprint": f"{blueprint.code} v{blueprint.version}" if blueprint else None})
    return form


def get_form(session: Session, code: str) -> Form:
    form = session.scalar(
        select(Form).where(Form.code == code).options(
            selectinload(Form.items).selectinload(FormItem.item_version).selectinload(ItemVersion.item)
        )
    )
    if form is None:
        raise NotFoundError(f"no form '{code}'")
    return form


def load_pool(
    session: Session, specification: str, *, language: str | None = None,
    variant: Variant | str = Variant.STANDARD,
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The assembly pool and enemy pairs of a specification (see module docstring)."""
    spec = get_specification(session, specification)
    query = (
        select(ItemVersion).join(Item, ItemVersion.item_id == Item.id)
        .join(ReviewState, ReviewState.item_version_id == ItemVersion.id)
        .where(Item.specification_id == spec.id, ReviewState.status == ReviewStatus.APPROVED,
               ItemVersion.variant == Variant(variant))
        .options(selectinload(ItemVersion.tags), selectinload(ItemVersion.item).selectinload(Item.item_set))
        .order_by(Item.code, ItemVersion.number)
    )
    if language:
        query = query.where(ItemVersion.language == language)
    else:
        # Without a language, each item in its own language (that of its first version): a
        # translation approved later is a newer version of the same item, but not the item a
        # form in the source language should hold.
        first = (select(ItemVersion.language).where(ItemVersion.item_id == Item.id, ItemVersion.number == 1)
                 .correlate(Item).scalar_subquery())
        query = query.where(ItemVersion.language == first)
    newest: dict[str, ItemVersion] = {}
    for v in session.scalars(query):
        newest[v.item.code] = v  # ordered by number: the last one wins
    versions = list(newest.values())
    forms = session.execute(
        select(Form.id, Form.specification_id).order_by(Form.frozen_at.desc(), Form.id.desc())).all()
    spec_forms = [f for f, s in forms if s == spec.id]
    rank = {form_id: i for i, form_id in enumerate(spec_forms)}
    uses = session.execute(
        select(ItemVersion.item_id, FormItem.form_id).join(FormItem, FormItem.item_version_id == ItemVersion.id)
    ).all()
    used_in: dict[int, set[int]] = {}
    for item_id, form_id in uses:
        used_in.setdefault(item_id, set()).add(form_id)
    p_values = _p_values(session, [v.id for v in versions])
    irt = _irt_parameters(session, [v.id for v in versions])
    rows = []
    for v in versions:
        tags = {d: [t.code for t in v.tags if t.dimension is d] for d in Dimension}
        forms_of_item = used_in.get(v.item_id, set())
        ranks = [rank[f] for f in forms_of_item if f in rank]
        rows.append({
            "item_version_id": v.id, "item_code": v.item.code,
            "objective": tags[Dimension.OBJECTIVE][0] if tags[Dimension.OBJECTIVE] else None,
            "level": tags[Dimension.LEVEL][0] if tags[Dimension.LEVEL] else None,
            "topic": tags[Dimension.TOPIC][0] if tags[Dimension.TOPIC] else None,
            "points": float(v.max_score), "p": p_values.get(v.id, np.nan),
            **irt.get(v.id, {"a": np.nan, "b": np.nan, "c": np.nan}),
            "set_id": v.item.item_set.code if v.item.item_set else None,
            "times_used": len(forms_of_item),
            "forms_since_last_use": min(ranks) if ranks else np.nan,
            "exposure_rate": (len(ranks) / len(spec_forms)) if spec_forms else 0.0,
            "language": v.language,
        })
    pool = pd.DataFrame(rows).set_index("item_version_id") if rows else pd.DataFrame(
        columns=["item_code", "objective", "level", "topic", "points", "p", "a", "b", "c", "set_id",
                 "times_used", "forms_since_last_use", "exposure_rate", "language"]).rename_axis("item_version_id")
    return pool, _enemies(session)


def _enemies(session: Session) -> list[tuple[str, str]]:
    items = dict(session.execute(select(Item.id, Item.code)).all())
    return [(items[a], items[b]) for a, b in session.execute(select(EnemyPair.item_a_id, EnemyPair.item_b_id))]


def _irt_parameters(session: Session, version_ids: list[int]) -> dict[int, dict[str, float]]:
    """a, b, c per item version from its newest stored dichotomous calibration
    (:func:`itembank.services.calibrations.current_parameters`); c is NaN outside 3PL (the
    pool reads a missing c as 0). Versions never calibrated are left out (a, b, c NaN), and so
    is a version whose newest calibration has a slope a <= 0 (a miskeyed or reversed item:
    stronger candidates do worse, so its "information" would mislead the optimiser; rekey and
    calibrate again)."""
    # Imported here: calibrations imports administration_data, which imports this module.
    from itembank.services.calibrations import DICHOTOMOUS_MODELS, current_parameters

    current = current_parameters(session, version_ids, models=DICHOTOMOUS_MODELS)
    return {int(vid): {k: float(row.get(k, np.nan)) for k in ("a", "b", "c")} for vid, row in current.iterrows()
            if float(row["a"]) > 0}


def _p_values(session: Session, version_ids: list[int]) -> dict[int, float]:
    """Classical p per item version over every scored sitting that used it: sum of its item
    scores / (candidates x max score), from the scoring core with the committee's decisions
    applied (a rekeyed item counts with its new key, an accepted answer as right, an open item
    as mean/max, a multiple-response answer in any label order). A voided item gives no p from
    that sitting. A sitting whose rule set is not assigned yet is scored with the scoring
    defaults (:func:`~itembank.services.administration_data.statistics_rules`).
    """
    # Imported here: administration_data imports this module (get_form).
    from itembank.services.administration_data import load_administration

    if not version_ids:
        return {}
    sittings = session.execute(
        select(Administration.code, FormItem.item_version_id, ItemVersion.item_id)
        .join(FormItem, FormItem.form_id == Administration.form_id)
        .join(ItemVersion, ItemVersion.id == FormItem.item_version_id)
        .where(FormItem.item_version_id.in_(version_ids))).all()
    codes = dict(session.execute(select(Item.id, Item.code).where(
        Item.id.in_({item_id for _, _, item_id in sittings}))).all()) if sittings else {}
    points: dict[int, float] = {}
    possible: dict[int, float] = {}
    for admin_code in dict.fromkeys(a for a, _, _ in sittings):
        result = load_administration(session, admin_code).item_scores()
        if result.scored.empty:
            continue
        for _, version_id, item_id in (s for s in sittings if s[0] == admin_code):
            item = codes[item_id]
            if item not in result.scored.columns:
                continue  # voided in that sitting
            column = result.scored[item].astype(float)
            points[version_id] = points.get(version_id, 0.0) + float(column.sum())
            possible[version_id] = possible.get(version_id, 0.0) + len(column) * float(result.max_scores[item])
    return {v: points[v] / possible[v] for v in points if possible[v] > 0}



@dataclass(frozen=True)
class AssembledForms:
    result: AssemblyResult
    forms: list[str]  # codes of the frozen forms (empty on a dry run)
    coverage: pd.DataFrame
    statistics: pd.DataFrame
    pool_size: int


def assemble_forms(
    session: Session,
    specification: str,
    blueprint: str,
    *,
    options: AssemblyOptions,
    language: str | None = None,
    code_prefix: str | None = None,
    codes: list[str] | None = None,
    freeze: bool = True,
    part: str = "theory",
    actor: str,
) -> AssembledForms:
    """Assemble ``options.forms`` forms with the optimiser and freeze them (unless ``freeze``
    is False), every item in scoring part ``part``; ``codes`` names the forms, else
    ``<prefix>1``, ``<prefix>2``, ... . Only verified solutions come back from the optimiser, and only an approved
    blueprint may freeze forms."""
    bp = get_blueprint(session, blueprint)
    if freeze and bp.status is not ReviewStatus.APPROVED:
        raise RuleError(f"blueprint {bp.code} v{bp.version} is {bp.status.value}; only an approved "
                        "blueprint can be used to freeze forms (use --dry-run to try it out)")
    constraints = blueprint_constraints(bp)
    pool, enemies = load_pool(session, specification, language=language)
    result = assemble(pool, constraints, enemies=enemies, options=options)
    coverage = coverage_report(pool, result.forms, constraints, options=options)
    stats = expected_statistics(pool, result.forms, cut_theta=options.cut_theta)
    frozen: list[str] = []
    if codes is not None and len(codes) != len(result.forms):
        raise UserError(f"{len(codes)} form codes given for {len(result.forms)} forms")
    if freeze:
        # assemble() returned only verified forms: freeze them without a second check
        frozen = _freeze_checked(session, bp, result.forms, code_prefix=code_prefix, codes=codes, part=part,
                                 actor=actor, detail={"status": result.status, "gap": result.gap,
                                                      "objective": options.objective})
    return AssembledForms(result, frozen, coverage, stats, len(pool))


def freeze_assembled(session: Session, blueprint: str, forms: Sequence[Sequence[int]], *, code_prefix: str | None = None,
                     codes: list[str] | None = None, part: str = "theory", actor: str,
                     detail: dict[str, Any] | None = None, options: AssemblyOptions | None = None,
                     language: str | None = None) -> list[str]:
    """Freeze forms the optimiser assembled (lists of item-version ids) under the approved
    ``blueprint`` — the forms a committee saw in a dry run, exactly, not a new solve.

    The forms are checked again first, by the same independent check the optimiser's answer
    passes (:func:`itembank.assembly.verify`, with ``options`` — the dry run's — and the pool in
    ``language`` as it is now, against the newest version of ``blueprint``): the forms come back
    from a dry run shown earlier (in the dashboard, from the browser), and in between the list
    may have been changed, a new blueprint version stored or other forms frozen. A failed check
    raises :class:`~itembank.assembly.VerificationError` and nothing is frozen.
    """
    bp = get_blueprint(session, blueprint)
    _check_approved(bp)
    opts = replace(options or AssemblyOptions(objective="feasible"), forms=len(forms))
    pool, enemies = load_pool(session, bp.specification.code, language=language)
    verify(pool, [[int(i) for i in f] for f in forms], blueprint_constraints(bp), enemies, options=opts)
    return _freeze_checked(session, bp, forms, code_prefix=code_prefix, codes=codes, part=part, actor=actor,
                           detail=detail)


def _check_approved(bp: Blueprint) -> None:
    if bp.status is not ReviewStatus.APPROVED:
        raise RuleError(f"blueprint {bp.code} v{bp.version} is {bp.status.value}; only an approved "
                        "blueprint can be used to freeze forms")


def _freeze_checked(session: Session, bp: Blueprint, forms: Sequence[Sequence[int]], *, code_prefix: str | None,
                    codes: list[str] | None, part: str, actor: str, detail: dict[str, Any] | None) -> list[str]:
    """Freeze verified forms under the approved blueprint ``bp`` (see :func:`freeze_assembled`)."""
    _check_approved(bp)
    prefix = code_prefix or f"{bp.code}-F"
    start = 1 + (session.scalar(select(func.count(Form.id)).where(Form.code.like(f"{prefix}%"))) or 0)
    frozen: list[str] = []
    for k, ids in enumerate(forms):
        code = codes[k] if codes else f"{prefix}{start + k}"
        freeze_form(session, code, [FormEntry(int(i), part=part) for i in ids], blueprint=bp,
                    name=f"{bp.name or bp.code} — form {k + 1}", actor=actor)
        frozen.append(code)
    audit.record(session, actor=actor, action="assemble", entity_type="blueprint", entity_id=bp.code,
                 detail={"version": bp.version, "forms": frozen, **(detail or {})})
    return frozen


def gap_for_blueprint(session: Session, specification: str, blueprint: str, *, options: AssemblyOptions,
                      language: str | None = None) -> pd.DataFrame:
    """Per blueprint cell: approved items, how many K forms need, how many more to write."""
    pool, enemies = load_pool(session, specification, language=language)
    return gap_report(pool, blueprint_constraints(get_blueprint(session, blueprint)), enemies, options=options)
