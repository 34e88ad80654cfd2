"""Administrations (sittings of a frozen form), their candidates, group attributes and responses.

Responses are stored as the chosen option label(s) per item, or one row of points per grader
for open items; :func:`scoring_form` gives the frozen form as the scoring core takes it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Sequence
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload
from itembank import scoring
from itembank.storage import audit
from itembank.errors import NotFoundError, UserError
from itembank.services.forms import get_form
from itembank.storage.models import (
    Administration,
    Candidate,
    Form,
    ItemType,
    Registration,
    Response,
    utcnow,
)

__all__ = [
    "add_administration",
    "get_administration",
    "list_administrations",
    "scoring_form",
    "add_responses",
    "get_attributes",
    "get_responses",
]


def add_administration(
    session: Session,
    code: str,
    form: str,
    *,
    on: date,
    location: str = "",
    language: str = "nl",
    actor: str,
) -> Administration:
    """Register a sitting of a frozen form."""
    form_row = get_form(session, form)
    if session.scalar(select(Administration.id).where(Administration.code == code)) is not None:
        raise UserError(f"an administration with code '{code}' already exists")
    admin = Administration(code=code, form=form_row, date=on, location=location, language=language)
    session.add(admin)
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="administration",
                 entity_id=code, detail={"form": form, "date": on.isoformat()})
    return admin


def get_administration(session: Session, code: str) -> Administration:
    admin = session.scalar(select(Administration).where(Administration.code == code))
    if admin is None:
        raise NotFoundError(f"no administration '{code}'")
    return admin


def list_administrations(session: Session) -> list[Administration]:
    """Every administration, newest sitting first (then by code)."""
    return list(session.scalars(
        select(Administration).options(selectinload(Administration.form))
        .order_by(Administration.date.desc(), Administration.code)))


def scoring_form(session: Session, administration: str) -> scoring.Form:
    """The frozen form as the scoring core takes it (keys as frozen; item ids = item codes)."""
    return _as_scoring_form(get_form(session, get_administration(session, administration).form.code))


def _as_scoring_form(form: Form) -> scoring.Form:
    items = []
    for fi in form.items:
        v = fi.item_version
        kind = {ItemType.MC: "mc", ItemType.MR: "mr"}.get(v.item_type, "open")
        items.append(scoring.Item(
            item=v.item.code, part=fi.part, type=kind,  # type: ignore[arg-type]
            options=tuple(o["label"] for o in v.options) if kind != "open" else (),
            key=tuple(fi.key) if kind != "open" else (),
            max_score=Fraction(str(fi.max_score)), weight=Fraction(str(fi.weight)),
        ))
    return scoring.Form(tuple(items))


def _cell(value: Any) -> str | None:
    """A response cell as stored text; blank and NaN mean omitted (None)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's 2.0 is the 2 the grader typed
    text = str(value).strip()
    return text or None


def _points(text: str) -> Decimal | None:
    """Grader points as an exact decimal, or None when they have no finite decimal form (1/3)."""
    f = Fraction(text)
    d = Decimal(f.numerator) / Decimal(f.denominator)
    return d if Fraction(d) == f else None


def add_responses(
    session: Session,
    administration: str,
    choices: pd.DataFrame,
    *,
    attributes: pd.DataFrame | None = None,
    actor: str,
) -> int:
    """Store an administration's responses (wide: candidate x item code).

    ``choices`` is indexed by candidate code with one column per item code of the form, in
    the scoring core's layout: a closed item's cell holds the chosen label(s) joined by "|",
    an open item's cell grader 1's points, with ``<item>#2``, ``<item>#3`` for further
    graders; blank/NaN = omitted. ``attributes`` (same index) holds group variables for DIF.

    Everything is checked before anything is written (:func:`itembank.scoring.check_responses`:
    columns, open items' points, missing gradings; candidates not yet registered for this
    administration); a problem raises :class:`~itembank.scoring.ResponseError` naming candidate
    and column. An unknown option label is stored as given: it scores as *invalid*.
    Returns the number of responses stored.
    """
    admin = get_administration(session, administration)
    form = get_form(session, admin.form.code)
    by_code = {fi.item_version.item.code: fi for fi in form.items}
    as_scored = _as_scoring_form(form)
    # Built cell by cell: DataFrame.map would turn the None of an omitted answer into NaN.
    texts = pd.DataFrame([[_cell(v) for v in row] for row in choices.to_numpy(dtype=object)],
                         index=[str(c).strip() for c in choices.index],
                         columns=[str(c) for c in choices.columns], dtype=object)
    problems = scoring.check_responses(as_scored, texts)
    open_items = {it.item for it in as_scored.items if it.type == "open"}
    cells: list[tuple[str, int, int, str | None, Decimal | None]] = []  # candidate, form item, grader, choice, points
    if not any(p.candidate is None for p in problems):
        flagged = {(p.candidate, p.column) for p in problems}
        for column in texts.columns:
            base, _, grader = column.partition("#")
            fid, g = by_code[base].id, int(grader or 1)
            for cand, text in zip(texts.index, texts[column]):
                if base not in open_items:
                    cells.append((cand, fid, g, text, None))
                elif text is None:
                    cells.append((cand, fid, g, None, None))
                elif (cand, column) not in flagged:
                    points = _points(text)
                    if points is None:
                        problems.append(scoring.ResponseProblem(
                            cand, column, f"points {text!r} have no exact decimal form; write them as a decimal number"))
                    cells.append((cand, fid, g, None, points))
    registered = set(session.scalars(
        select(Candidate.code).join(Registration, Registration.candidate_id == Candidate.id)
        .where(Registration.administration_id == admin.id)))
    problems += [scoring.ResponseProblem(c, None, f"already has responses in administration {administration}")
                 for c in texts.index if c in registered][:20]
    if problems:
        raise scoring.ResponseError(problems)

    codes = list(texts.index)
    existing = _candidate_ids(session, codes)
    new = [c for c in codes if c not in existing]
    if new:
        session.execute(insert(Candidate), [{"code": c, "created_at": utcnow()} for c in new])
        existing = _candidate_ids(session, codes)
    attrs = attributes if attributes is not None else pd.DataFrame(index=choices.index)
    attrs = attrs.set_axis([str(c).strip() for c in attrs.index], axis=0)
    session.execute(insert(Registration), [
        {"administration_id": admin.id, "candidate_id": existing[c],
         "attributes": {k: _plain(v) for k, v in attrs.loc[c].items()} if c in attrs.index else {}}
        for c in codes
    ])
    reg_ids = dict(session.execute(
        select(Candidate.code, Registration.id).join(Registration, Registration.candidate_id == Candidate.id)
        .where(Registration.administration_id == admin.id)).all())
    rows = [{"registration_id": reg_ids[cand], "form_item_id": fid, "grader": g, "choice": choice, "points": points}
            for cand, fid, g, choice, points in cells]
    if rows:
        session.execute(insert(Response), rows)
    audit.record(session, actor=actor, action="import_responses", entity_type="administration",
                 entity_id=administration, detail={"candidates": len(codes), "responses": len(rows)})
    return len(rows)


def _candidate_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """Candidate code -> id for the codes that exist, looked up in chunks: SQLite allows at
    most 32,766 parameters in one statement, and an exam can have more candidates."""
    found: dict[str, int] = {}
    for start in range(0, len(codes), 5000):
        chunk = codes[start : start + 5000]
        found.update(session.execute(select(Candidate.code, Candidate.id).where(Candidate.code.in_(chunk))).all())
    return found


def get_attributes(session: Session, administration: str) -> pd.DataFrame:
    """Candidates' group attributes at this administration (index candidate code; one column
    per attribute name, in order of first appearance), e.g. language for DIF."""
    admin = get_administration(session, administration)
    rows = session.execute(
        select(Candidate.code, Registration.attributes).join(Registration, Registration.candidate_id == Candidate.id)
        .where(Registration.administration_id == admin.id)
    ).all()
    names = list(dict.fromkeys(k for _, attrs in rows for k in (attrs or {})))
    frame = pd.DataFrame([[(attrs or {}).get(k) for k in names] for _, attrs in rows],
                         index=pd.Index([code for code, _ in rows], name="candidate"), columns=names, dtype=object)
    return frame.sort_index()


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return value


def get_responses(session: Session, administration: str) -> pd.DataFrame:
    """An administration's responses, wide, as the scoring core takes them: index candidate code, one column per
    item code (chosen labels, or grader 1's points), ``<item>#<g>`` for further graders."""
    admin = get_administration(session, administration)
    form = get_form(session, admin.form.code)
    rows = session.execute(
        select(Candidate.code, Response.form_item_id, Response.grader, Response.choice, Response.points)
        .join(Registration, Registration.candidate_id == Candidate.id)
        .join(Response, Response.registration_id == Registration.id)
        .where(Registration.administration_id == admin.id)
    ).all()
    codes = {fi.id: fi.item_version.item.code for fi in form.items}
    frame = pd.DataFrame(rows, columns=["candidate", "form_item", "grader", "choice", "points"])
    frame["value"] = frame["choice"].where(frame["points"].isna(), frame["points"].map(
        lambda p: None if p is None else format(Decimal(p), "f")))
    frame["column"] = [codes[f] if g == 1 else f"{codes[f]}#{g}"
                       for f, g in zip(frame["form_item"], frame["grader"])]
    wide = frame.pivot(index="candidate", columns="column", values="value")
    order = [codes[fi.id] for fi in form.items]
    extra = sorted(c for c in wide.columns if c not in order)
    wide = wide.reindex(columns=order + extra)
    wide.columns.name = None
    wide.index.name = "candidate"
    return wide.sort_index()
