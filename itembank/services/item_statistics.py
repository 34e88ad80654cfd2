"""The bank remembers: item statistics stored per item version and sitting, and their drift.

Every number comes from :func:`itembank.services.item_analysis.analyze` on the loaded
sitting (:func:`itembank.services.administration_data.load_administration`) — the analysis the
committee saw, with the decisions in force — and is stored as it came out (floats, NaN as
NULL). Nothing here computes a statistic.

* :func:`add_release_statistics` runs inside :func:`itembank.services.results.release_results`'s
  transaction: one row per item of the form, linked to the new release, permanent (the ORM and
  the database refuse any update or delete). A re-release adds new rows; old ones stay.
* :func:`add_provisional_statistics` stores the same for a sitting on demand, before (or
  between) releases, marked provisional (``release_id`` NULL). A later provisional run
  replaces the provisional rows; a release deletes them (they are superseded).
* :func:`get_history` lists an item's rows across sittings, oldest first, with the drift of
  p and Rir between consecutive sittings of the same version (:func:`drift_table`).

Drift (a warning for the item writer, not a statistical test): for one item version, take per
sitting the row in force — the newest release's row, or the provisional row of a sitting not
released — in order of the sitting's date, leaving out sittings where the item was voided (no
statistics). For each row after the first, Δp = p − p_prev and ΔRir = Rir − Rir_prev; the row
drifts when |Δp| > ``band.p`` or |ΔRir| > ``band.rir`` (defaults :data:`DRIFT_BAND`: 0.10 on
both; strictly greater, so a change of exactly the band does not drift). Sampling alone moves
p by about 2·√(p(1−p)/n) (±0.06 at p = 0.7 and n = 250), so the band should stay above that
for the sittings the bank sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from itembank.errors import NotFoundError, UserError
from itembank.services.administration_data import (
    AdministrationData,
    load_administration,
)
from itembank.services.administrations import lock_administration
from itembank.services.item_analysis import AdministrationAnalysis, analyze
from itembank.storage.models import (
    Administration,
    FormItem,
    Item,
    ItemStatistic,
    ItemVersion,
    Release,
)

__all__ = [
    "DRIFT_BAND",
    "HISTORY_COLUMNS",
    "MIN_CANDIDATES",
    "OPTION_COLUMNS",
    "STAT_COLUMNS",
    "DriftBand",
    "StoredStatistics",
    "add_provisional_statistics",
    "add_release_statistics",
    "drift_table",
    "form_item_ids",
    "get_history",
]

#: Fewest candidates for stored item statistics (an SD with divisor n - 1 needs two); a
#: release of a smaller sitting stores none.
MIN_CANDIDATES = 2

#: The columns of :func:`analysis.ctt.item_statistics` stored per item version.
STAT_COLUMNS = ("n", "mean", "sd", "max_score", "p", "rit", "rir", "alpha_if_deleted")
#: The columns of the distractor table stored per option (``options``).
OPTION_COLUMNS = ("option", "is_key", "is_omitted", "n", "proportion", "prop_low", "prop_mid", "prop_high", "rar",
                  "mean_total")


@dataclass(frozen=True)
class DriftBand:
    """How far p and Rir may move between consecutive sittings of one item version before
    the item is flagged (absolute differences; strictly greater drifts)."""

    p: float = 0.10
    rir: float = 0.10

    def __post_init__(self) -> None:
        for name in ("p", "rir"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value <= 2):
                raise UserError(f"the drift band for {name} must be a number from 0 to 2, got {value!r}")


#: The default drift band (one place: the CLI's defaults read it).
DRIFT_BAND = DriftBand()


def _value(x: Any) -> Any:
    """A table cell as JSON/SQL takes it: numpy scalars as Python, NaN as None."""
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return None if math.isnan(x) else float(x)
    return x


def _decision(effective: Any) -> dict[str, Any]:
    """The decisions in force on one item, from the scoring core's effective item
    (:func:`itembank.scoring.form.apply_decisions`: the one place decisions are applied)."""
    item = effective.item
    return {
        "voided": bool(effective.voided),
        "key": list(effective.key),
        "frozen_key": list(item.key),
        "rekeyed": list(effective.key) != list(item.key),
        "accepted": ["|".join(group) for group in effective.accepted],
        "weight": str(effective.weight),
        "frozen_weight": str(item.weight),
    }


def form_item_ids(session: Session, admin: Administration) -> dict[str, tuple[int, int]]:
    """Item code -> (form item id, item version id) on the sitting's frozen form."""
    rows = session.execute(
        select(Item.code, FormItem.id, FormItem.item_version_id)
        .join(ItemVersion, ItemVersion.id == FormItem.item_version_id).join(Item, Item.id == ItemVersion.item_id)
        .where(FormItem.form_id == admin.form_id)).all()
    return {code: (fi, iv) for code, fi, iv in rows}


def _rows(session: Session, admin: Administration, analysis: AdministrationAnalysis, *,
          release: Release | None, actor: str) -> list[ItemStatistic]:
    stats = analysis.statistics
    table = analysis.distractors
    ids = form_item_ids(session, admin)
    out = []
    for code, effective in analysis.result.items.items():
        form_item_id, version_id = ids[code]
        numbers: dict[str, Any] = {c: None for c in STAT_COLUMNS}
        flags: list[str] = []
        options: list[dict[str, Any]] = []
        if code in stats.index:  # a voided item is left out of the analysis
            row = stats.loc[code]
            numbers = {c: _value(row[c]) for c in STAT_COLUMNS}
            flags = [f for f in str(row["flags"]).split(", ") if f]
            mine = table[table["item"] == code]
            options = [{c: _value(r[c]) for c in OPTION_COLUMNS} for _, r in mine.iterrows()]
        out.append(ItemStatistic(
            administration_id=admin.id, release_id=release.id if release is not None else None,
            form_item_id=form_item_id, item_version_id=version_id, computed_by=actor,
            voided=bool(effective.voided), options=options, flags=flags, decision=_decision(effective),
            **numbers))
    return out


def add_release_statistics(session: Session, release: Release, data: AdministrationData, *,
                           actor: str, analysis: AdministrationAnalysis | None = None) -> list[ItemStatistic]:
    """Store the item statistics of ``data`` (the inputs ``release`` was made from) with the
    release; the sitting's provisional rows are deleted (this release supersedes them).

    Called by :func:`itembank.services.results.release_results` in its transaction, after the
    release row is flushed. ``analysis`` is ``analyze(data)`` when the caller has it already.
    """
    admin = session.get(Administration, release.administration_id)
    assert admin is not None
    if len(data.responses) < MIN_CANDIDATES:
        # No item statistics for such a sitting (they need a variance); the release itself
        # must not depend on them.
        return []
    rows = _rows(session, admin, analysis if analysis is not None else analyze(data), release=release,
                 actor=actor)
    session.execute(delete(ItemStatistic).where(ItemStatistic.administration_id == admin.id,
                                                ItemStatistic.release_id.is_(None)))
    session.add_all(rows)
    session.flush()
    return rows


@dataclass(frozen=True)
class StoredStatistics:
    """What a provisional run stored, and the analysis it came from (to show it)."""

    analysis: AdministrationAnalysis
    rows: list[ItemStatistic]


def add_provisional_statistics(session: Session, administration: str, *, actor: str) -> StoredStatistics:
    """Store the current analysis of ``administration`` as provisional statistics, replacing
    the sitting's earlier provisional rows (released rows are never touched)."""
    admin = lock_administration(session, administration)
    data = load_administration(session, administration)
    if len(data.responses) < MIN_CANDIDATES:
        raise UserError(f"administration {administration} has {len(data.responses)} candidate(s); item statistics "
                        f"need at least {MIN_CANDIDATES}")
    analysis = analyze(data)
    rows = _rows(session, admin, analysis, release=None, actor=actor)
    session.execute(delete(ItemStatistic).where(ItemStatistic.administration_id == admin.id,
                                                ItemStatistic.release_id.is_(None)))
    session.add_all(rows)
    session.flush()
    return StoredStatistics(analysis, rows)


HISTORY_COLUMNS = ("item", "version", "administration", "date", "release", "provisional", "in_force", "voided",
                   *STAT_COLUMNS, "flags", "decision", "options", "delta_p", "delta_rir", "drift")


def get_history(session: Session, code: str, *, version: int | None = None,
                band: DriftBand = DRIFT_BAND) -> pd.DataFrame:
    """Every stored statistics row of item ``code`` (or one ``version``), oldest sitting first.

    Columns :data:`HISTORY_COLUMNS`: ``version`` the item version number; ``release`` the
    release revision (None when provisional); ``in_force`` whether the row is the sitting's
    row in force (its newest release's, else its provisional one); the statistics; ``flags``
    (list of codes), ``decision`` and ``options`` as stored; ``delta_p``, ``delta_rir`` and
    ``drift`` from :func:`drift_table` (NaN/False on rows not in force).
    """
    item = session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise NotFoundError(f"no item '{code}'")
    query = (select(ItemStatistic, ItemVersion.number, Administration.code, Administration.date, Release.revision)
             .join(ItemVersion, ItemVersion.id == ItemStatistic.item_version_id)
             .join(Administration, Administration.id == ItemStatistic.administration_id)
             .outerjoin(Release, Release.id == ItemStatistic.release_id)
             .where(ItemVersion.item_id == item.id))
    if version is not None:
        if not any(v.number == version for v in item.versions):
            raise NotFoundError(f"item {code} has no version {version}")
        query = query.where(ItemVersion.number == version)
    records = []
    for stat, number, admin_code, on, revision in session.execute(query).all():
        records.append({
            "item": code, "version": number, "administration": admin_code, "date": on, "release": revision,
            "provisional": stat.provisional, "voided": stat.voided,
            **{c: (np.nan if getattr(stat, c) is None else getattr(stat, c)) for c in STAT_COLUMNS},
            "flags": list(stat.flags), "decision": dict(stat.decision), "options": list(stat.options),
            "_admin_id": stat.administration_id, "_id": stat.id,
        })
    if not records:
        return pd.DataFrame(columns=list(HISTORY_COLUMNS))
    frame = pd.DataFrame(records)
    # Provisional rows sort after the sitting's releases; a sitting's row in force is its last.
    # (as floats: when no row is released the column is all None, an object column)
    frame["_order"] = pd.to_numeric(frame["release"], errors="coerce").astype(float).fillna(np.inf)
    frame = frame.sort_values(["date", "_admin_id", "version", "_order", "_id"], kind="stable")
    last = frame.groupby(["_admin_id", "version"])["_order"].transform("max")
    released = frame.groupby(["_admin_id", "version"])["_order"].transform(lambda s: s[np.isfinite(s)].max())
    frame["in_force"] = np.where(released.notna(), frame["_order"] == released, frame["_order"] == last)
    drift = drift_table(frame[frame["in_force"]], band=band)
    frame = frame.join(drift)
    frame["drift"] = frame["drift"].fillna(False).astype(bool)
    frame["release"] = pd.Series([None if pd.isna(x) else int(x) for x in frame["release"]],
                                 index=frame.index, dtype=object)
    return frame.reset_index(drop=True)[list(HISTORY_COLUMNS)]


def drift_table(rows: pd.DataFrame, *, band: DriftBand = DRIFT_BAND) -> pd.DataFrame:
    """Δp, ΔRir and the drift flag for rows in force (one per sitting), in the order given.

    ``rows`` needs ``version``, ``p``, ``rir`` (and its index is kept). Within each version,
    rows without a p (voided at that sitting) are skipped; each other row is compared with the
    previous row that has one. Returns ``delta_p``, ``delta_rir`` (NaN for a version's first
    sitting) and ``drift`` = |Δp| > band.p or |ΔRir| > band.rir.
    """
    out = pd.DataFrame({"delta_p": np.nan, "delta_rir": np.nan, "drift": False}, index=rows.index)
    for _, group in rows.groupby("version", sort=False):
        group = group[group["p"].notna()]
        dp = group["p"].diff()
        dr = group["rir"].diff()
        out.loc[group.index, "delta_p"] = dp
        out.loc[group.index, "delta_rir"] = dr
        out.loc[group.index, "drift"] = (dp.abs() > band.p) | (dr.abs() > band.rir)
    out["drift"] = out["drift"].astype(bool)
    return out
