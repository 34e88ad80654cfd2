"""Administrations (sittings of a frozen form), their candidates, group attributes and responses.

Responses are stored per import as one immutable response matrix (a response set: the chosen
option label(s) per item, the points of each grader for open items, coded once per column);
:func:`load_responses` reads them coded for computation, :func:`get_responses` as text, and
:func:`scoring_form` gives the frozen form as the scoring core takes it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload
from itembank import scoring
from itembank.storage import audit
from itembank.errors import MAX_LISTED, NotFoundError, UserError
from itembank.services.bank import LANGUAGES
from itembank.services.forms import get_form
from itembank.storage.models import (
    Administration,
    Candidate,
    Form,
    ItemType,
    Registration,
    ResponseSet,
    utcnow,
)
from itembank.storage.response_matrix import concat_responses, content_hash, decode_responses, encode_responses

__all__ = [
    "add_administration",
    "get_administration",
    "lock_administration",
    "list_administrations",
    "scoring_form",
    "as_scoring_form",
    "add_responses",
    "get_attributes",
    "get_responses",
    "load_responses",
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
    """Register a sitting of a frozen form (``language``: an ISO 639-1 code, as for items)."""
    if language not in LANGUAGES:
        raise UserError(f"unknown language code '{language}' (expected an ISO 639-1 code such as nl, en, de)")
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


def lock_administration(session: Session, code: str) -> Administration:
    """The administration ``code``, locked for writing until the session's transaction ends.

    Every write of the committee's work on a sitting (responses, decisions, cut scores,
    releases, objections, annulments) first checks what is stored and then writes; two such
    commands at the same moment must not both pass the check. So each takes this lock
    *before* reading: the second waits until the first has committed or rolled back, then
    sees its rows (a duplicate decision is refused, a second identical release finds nothing
    changed).

    * PostgreSQL: ``SELECT ... FOR UPDATE`` on the administration's row. Under READ COMMITTED
      every later statement of the transaction reads a fresh snapshot, so it sees what the
      other transaction committed.
    * SQLite locks the whole database, not rows, and Python's driver opens a transaction only
      at the first write, so the reads before it are not protected: two sessions could both
      read, and the second to write would fail with "database is locked" (SQLite refuses to
      wait when waiting could deadlock). A no-op write on the administration's row as the first
      statement takes the write lock at once (what ``BEGIN IMMEDIATE`` does, without taking the
      transaction out of SQLAlchemy's hands); a second writer then waits for it for the
      bank's busy timeout (:mod:`itembank.storage.db`, which also turns a wait past it into
      "the bank is busy"), and every read after the lock is consistent.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Administration).where(Administration.code == code)
                        .values(id=Administration.id).execution_options(synchronize_session=False))
        return get_administration(session, code)
    admin = session.scalar(select(Administration).where(Administration.code == code)
                           .with_for_update().execution_options(populate_existing=True))
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
    return as_scoring_form(get_form(session, get_administration(session, administration).form.code))


def as_scoring_form(form: Form) -> scoring.Form:
    """A frozen form (loaded with its items) as the scoring core takes it."""
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


def _coded(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 = missing) and distinct values of a column, categorical or not."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(dtype=np.int64), np.asarray(column.cat.categories, dtype=object)
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def _as_stored_text(choices: pd.DataFrame) -> pd.DataFrame:
    """The responses as stored text, one categorical column per response column.

    Each *distinct* value of a column is normalised once (:func:`_cell`: blank or NaN =
    omitted, a spreadsheet's 2.0 = "2", surrounding blanks dropped), not each cell: a national
    sitting has millions of cells but a handful of distinct answers per item.
    """
    data = {}
    for name in choices.columns:
        codes, uniques = _coded(choices[name])
        texts = [_cell(u) for u in uniques]
        answers = list(dict.fromkeys(x for x in texts if x is not None))
        position = {a: k for k, a in enumerate(answers)}
        remap = np.asarray([position[x] if x is not None else -1 for x in texts] + [-1], dtype=np.int64)
        data[str(name)] = pd.Categorical.from_codes(remap[codes], categories=pd.Index(answers, dtype=object))
    index = pd.Index([str(c).strip() for c in choices.index], name="candidate")
    return pd.DataFrame(data, index=index, columns=[str(c) for c in choices.columns])


def _exact_points(texts: pd.DataFrame, open_columns: Sequence[str],
                  flagged: set[tuple[str, str]]) -> tuple[pd.DataFrame, list[scoring.ResponseProblem]]:
    """Open items' points as exact decimal text ("14.5"), checked once per distinct value;
    points with no finite decimal form (1/3) are a problem naming candidate and column."""
    problems: list[scoring.ResponseProblem] = []
    for column in open_columns:
        col = texts[column]
        categories = list(col.cat.categories)
        exact: list[str] = []
        for k, text in enumerate(categories):
            try:
                points = _points(text)
            except (ValueError, ZeroDivisionError):
                points = None  # not a number: check_responses has named it already
                exact.append(text)
                continue
            if points is None:
                rows = np.flatnonzero(col.cat.codes.to_numpy() == k)
                problems += [scoring.ResponseProblem(
                    texts.index[r], column, f"points {text!r} have no exact decimal form; write them as a decimal number")
                    for r in rows if (texts.index[r], column) not in flagged]
                exact.append(text)
            else:
                exact.append(format(points, "f"))
        if exact != categories:
            codes, uniques = pd.factorize(pd.Series(exact, dtype=object))
            texts[column] = pd.Categorical.from_codes(
                np.append(codes, -1)[col.cat.codes.to_numpy()], categories=pd.Index(uniques, dtype=object))
    return texts, problems


def add_responses(
    session: Session,
    administration: str,
    choices: pd.DataFrame,
    *,
    attributes: pd.DataFrame | None = None,
    actor: str,
) -> int:
    """Store an administration's responses (wide: candidate x item code) as one response set.

    ``choices`` is indexed by candidate code with one column per item code of the form, in
    the scoring core's layout: a closed item's cell holds the chosen label(s) joined by "|",
    an open item's cell grader 1's points, with ``<item>#2``, ``<item>#3`` for further
    graders; blank/NaN = omitted. ``attributes`` (same index) holds group variables for DIF.

    The administration is locked first (:func:`lock_administration`), so two imports at the
    same moment cannot both store responses for one candidate. Everything is checked before
    anything is written (:func:`itembank.scoring.check_responses`:
    columns, open items' points, missing gradings; candidates not yet registered for this
    administration); a problem raises :class:`~itembank.scoring.ResponseError` naming candidate
    and column. An unknown option label is stored as given: it scores as *invalid*.
    The responses are stored as one immutable response matrix
    (:class:`~itembank.storage.models.ResponseSet`). Returns the number of responses stored:
    candidates x response columns, omitted ones included.
    """
    admin = lock_administration(session, administration)
    form = get_form(session, admin.form.code)
    as_scored = as_scoring_form(form)
    texts = _as_stored_text(choices)
    problems = scoring.check_responses(as_scored, texts)
    if not any(p.candidate is None for p in problems):
        open_items = {it.item for it in as_scored.items if it.type == "open"}
        open_columns = [c for c in texts.columns if c.partition("#")[0] in open_items]
        texts, more = _exact_points(texts, open_columns, {(p.candidate, p.column) for p in problems})
        problems += more
    registered = set(session.scalars(
        select(Candidate.code).join(Registration, Registration.candidate_id == Candidate.id)
        .where(Registration.administration_id == admin.id)))
    problems += [scoring.ResponseProblem(c, None, f"already has responses in administration {administration}")
                 for c in texts.index if c in registered][:MAX_LISTED]
    if problems:
        raise scoring.ResponseError(problems)

    codes = list(texts.index)
    ids = _candidate_ids(session, codes)
    new = [c for c in codes if c not in ids]
    # Core inserts (executemany) rather than ORM objects: a national sitting registers 100,000
    # candidates, and these rows need no ORM bookkeeping.
    connection = session.connection()
    if new:
        now = utcnow()
        connection.execute(insert(Candidate.__table__), [{"code": c, "created_at": now} for c in new])
        ids.update(_candidate_ids(session, new))
    connection.execute(insert(Registration.__table__), _registrations(admin.id, codes, ids, choices, attributes))
    payload = encode_responses(texts)
    session.add(ResponseSet(administration_id=admin.id, n_candidates=len(codes), columns=list(texts.columns),
                            content_hash=content_hash(payload), payload=payload, created_by=actor))
    session.flush()
    stored = texts.size  # one response per candidate and column, omitted ones included
    audit.record(session, actor=actor, action="import_responses", entity_type="administration",
                 entity_id=administration, detail={"candidates": len(codes), "responses": stored})
    return stored


def _registrations(admin_id: int, codes: Sequence[str], ids: Mapping[str, int], choices: pd.DataFrame,
                   attributes: pd.DataFrame | None) -> list[dict[str, Any]]:
    attrs = attributes if attributes is not None else pd.DataFrame(index=choices.index)
    attrs = attrs.set_axis([str(c).strip() for c in attrs.index], axis=0)
    if attrs.columns.empty:
        return [{"administration_id": admin_id, "candidate_id": ids[c], "attributes": {}} for c in codes]
    records = {c: {k: _plain(v) for k, v in row.items()}
               for c, row in zip(attrs.index, attrs.to_dict(orient="records"))}
    return [{"administration_id": admin_id, "candidate_id": ids[c], "attributes": records.get(c, {})}
            for c in codes]


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


def load_responses(session: Session, admin: Administration, *, order: Sequence[str] | None = None) -> pd.DataFrame:
    """An administration's responses as the scoring core takes them, coded: index candidate
    code (sorted), one categorical column per item code of the form in form order (chosen
    labels, or grader 1's points as decimal text), ``<item>#<g>`` for further graders; NaN =
    omitted.

    The response sets are read with one query for their ids and hashes; a set already decoded
    in this process is taken from the cache (:data:`_DECODED`, keyed by content hash: a set
    never changes, so a hit can never be stale), the others are read and decoded.
    """
    sets = session.execute(select(ResponseSet.id, ResponseSet.content_hash, ResponseSet.columns)
                           .where(ResponseSet.administration_id == admin.id).order_by(ResponseSet.id)).all()
    if order is None:
        order = [fi.item_version.item.code for fi in get_form(session, admin.form.code).items]
    order = list(order)
    if not sets:
        return pd.DataFrame({c: pd.Categorical([], categories=pd.Index([], dtype=object)) for c in order},
                            index=pd.Index([], name="candidate", dtype=object))
    missing = [s.id for s in sets if s.content_hash not in _DECODED]
    if missing:
        for set_id, digest, payload in session.execute(
                select(ResponseSet.id, ResponseSet.content_hash, ResponseSet.payload)
                .where(ResponseSet.id.in_(missing))).all():
            _remember(digest, decode_responses(payload))
    frames = [_DECODED[s.content_hash] for s in sets]
    extra = sorted({c for s in sets for c in s.columns} - set(order))
    wide = concat_responses(frames, order + extra)
    if len(frames) > 1 or not wide.index.is_monotonic_increasing:
        wide = wide.sort_index()
    return wide


def get_responses(session: Session, administration: str) -> pd.DataFrame:
    """An administration's responses, wide, as text: index candidate code, one column per
    item code (chosen labels, or grader 1's points), ``<item>#<g>`` for further graders; None
    = omitted. For files and people; computations take the coded :func:`load_responses`."""
    wide = load_responses(session, get_administration(session, administration))
    return wide.astype(object).where(wide.notna(), None)


# Decoded response sets of this process, by content hash (a set is immutable, so an entry is
# never stale). Bounded, so a long-running dashboard does not keep every sitting in memory.
_DECODED: OrderedDict[str, pd.DataFrame] = OrderedDict()
_DECODED_LIMIT = 8


def _remember(digest: str, frame: pd.DataFrame) -> None:
    _DECODED[digest] = frame
    _DECODED.move_to_end(digest)
    while len(_DECODED) > _DECODED_LIMIT:
        _DECODED.popitem(last=False)
