"""Item statistics stored per item version: what the committee saw, kept (SQLite and PostgreSQL).

Two cases:

* the demo sitting (600 candidates, 40 items) with a rekey, an extra answer and a void: the
  stored numbers must equal ``analyze(load_administration(...))`` exactly, item by item;
* a hand-made form F (four MC items keyed A, rule set Flextoets) sat twice by six candidates:

      ADM (2025-11-01)          ADM2 (2026-01-15)
      c1  A A A A               d1  A A A A
      c2  A A A B               d2  B A A B
      c3  A A B B               d3  B A B B
      c4  A B B B               d4  A B B B
      c5  B B B B               d5  B B B B
      c6  B A A A               d6  B A A A

  Only Q1 changed: p(Q1) = 4/6 at ADM and 2/6 at ADM2 (Δp = −1/3); Q2, Q3, Q4 keep
  p = 4/6, 3/6, 2/6 (Δp = 0). Rir changes for every item (the rest score contains Q1), so the
  test checks Rir against a direct Pearson correlation r(x_j, T − x_j) computed here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank import demo
from itembank.cli import app
from itembank.errors import RuleError, UserError
from itembank.services import administrations, committee, results
from itembank.services import item_statistics as st
from itembank.services.administration_data import load_administration
from itembank.services.item_analysis import analyze
from itembank.storage.models import (
    Administration,
    Item,
    ItemStatistic,
    ItemVersion,
    Release,
)

FIRST = pd.DataFrame([list("AAAA"), list("AAAB"), list("AABB"), list("ABBB"), list("BBBB"), list("BAAA")],
                     index=[f"c{i}" for i in range(1, 7)], columns=["Q1", "Q2", "Q3", "Q4"])
SECOND = pd.DataFrame([list("AAAA"), list("BAAB"), list("BABB"), list("ABBB"), list("BBBB"), list("BAAA")],
                      index=[f"d{i}" for i in range(1, 7)], columns=["Q1", "Q2", "Q3", "Q4"])


def rir(choices: pd.DataFrame, item: str) -> float:
    """Item-rest correlation computed directly: r(x_j, T - x_j) on the 0/1 matrix."""
    x = (choices == "A").astype(float)
    return float(np.corrcoef(x[item], x.sum(axis=1) - x[item])[0, 1])


@pytest.fixture
def session(engine: Engine, flextoets_exam):
    with Session(engine) as s:
        flextoets_exam(s, FIRST.columns, FIRST)
        administrations.add_administration(s, "ADM2", "F", on=date(2026, 1, 15), actor="sec")
        administrations.add_responses(s, "ADM2", SECOND, actor="sec")
        committee.assign_rule_set(s, "ADM2", "FLEX", actor="sec")
        s.commit()
        yield s


def stored(session: Session, *, release: Release | None = None, administration: str | None = None) -> dict[str, ItemStatistic]:
    """Item code -> stored row: of one release, or the provisional rows of one sitting."""
    query = (select(Item.code, ItemStatistic).join(ItemVersion, ItemVersion.id == ItemStatistic.item_version_id)
             .join(Item, Item.id == ItemVersion.item_id))
    if release is not None:
        query = query.where(ItemStatistic.release_id == release.id)
    else:
        query = query.join(Administration, Administration.id == ItemStatistic.administration_id).where(
            ItemStatistic.release_id.is_(None), Administration.code == administration)
    return {code: row for code, row in session.execute(query).all()}


def same(stored_value: object, expected: object) -> bool:
    """Equal as stored: NaN is kept as NULL (None)."""
    if isinstance(expected, float) and np.isnan(expected):
        return stored_value is None
    return stored_value == expected


# --- the demo sitting: stored = what analyze() gives -------------------------------------


def test_statistics_stored_on_release_equal_the_analysis_of_the_demo_sitting(engine: Engine) -> None:
    with Session(engine) as s:
        demo.build_demo(s)
        form = load_administration(s, demo.ADMIN_CODE).form
        new_key = next(label for label in "ABCD" if label not in form[demo.MISKEYED].key)
        extra = next(label for label in "ABCD" if label not in form[demo.TWO_ANSWERS].key)
        voided, weighted = [i.item for i in form.items if i.item not in (demo.MISKEYED, demo.TWO_ANSWERS)][:2]
        committee.add_decision(s, demo.ADMIN_CODE, demo.MISKEYED, "rekey", new_key, reason="key error", actor="c")
        committee.add_decision(s, demo.ADMIN_CODE, demo.TWO_ANSWERS, "accept", extra, reason="two", actor="c")
        committee.add_decision(s, demo.ADMIN_CODE, weighted, "weight", "2", reason="core", actor="c")
        committee.add_decision(s, demo.ADMIN_CODE, voided, "void", reason="picture missing", actor="c")
        outcome = results.release_results(s, demo.ADMIN_CODE, actor="sec")
        s.commit()

        expected = analyze(load_administration(s, demo.ADMIN_CODE))
        rows = stored(s, release=outcome.release)
        assert set(rows) == set(form.item_ids) and len(rows) == 40
        stats = expected.statistics
        assert voided not in stats.index
        for code, row in rows.items():
            assert row.release_id == outcome.release.id and not row.provisional
            if code == voided:
                assert row.voided and row.decision["voided"]
                assert [getattr(row, c) for c in st.STAT_COLUMNS] == [None] * len(st.STAT_COLUMNS)
                assert row.options == [] and row.flags == []
                continue
            for column in st.STAT_COLUMNS:
                assert same(getattr(row, column), stats.at[code, column]), (code, column)
            assert row.flags == [f for f in stats.at[code, "flags"].split(", ") if f]
            mine = expected.distractors[expected.distractors["item"] == code]
            assert len(row.options) == len(mine)
            for option, (_, want) in zip(row.options, mine.iterrows()):
                for column in st.OPTION_COLUMNS:
                    assert same(option[column], want[column].item() if hasattr(want[column], "item")
                                else want[column]), (code, option["option"], column)
        # the decisions in force, as the scoring core applied them
        assert rows[demo.MISKEYED].decision["rekeyed"] and rows[demo.MISKEYED].decision["key"] == [new_key]
        assert rows[demo.MISKEYED].decision["frozen_key"] == list(form[demo.MISKEYED].key)
        assert rows[demo.TWO_ANSWERS].decision["accepted"] == [extra]
        assert not rows[demo.TWO_ANSWERS].decision["rekeyed"]
        assert (rows[weighted].decision["weight"], rows[weighted].decision["frozen_weight"]) == ("2", "1")
        assert sum(r.decision["voided"] for r in rows.values()) == 1


# --- permanent once released; provisional rows are replaced ------------------------------


def test_released_statistics_cannot_be_changed_or_deleted(session: Session, engine: Engine) -> None:
    release = results.release_results(session, "ADM", actor="sec").release
    session.commit()
    row = stored(session, release=release)["Q1"]
    row.p = 0.5
    with pytest.raises(RuleError, match="released item statistics cannot be changed"):
        session.flush()
    session.rollback()
    session.delete(stored(session, release=release)["Q1"])
    with pytest.raises(RuleError, match="cannot be deleted"):
        session.flush()
    session.rollback()
    with engine.connect() as conn:
        for statement in ("UPDATE item_statistics SET p = 0.5", "DELETE FROM item_statistics"):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
    assert stored(session, release=release)["Q1"].p == pytest.approx(4 / 6)


def test_a_provisional_run_replaces_the_last_and_the_release_supersedes_it(session: Session, engine: Engine) -> None:
    first = st.add_provisional_statistics(session, "ADM", actor="c")
    assert [r.provisional for r in first.rows] == [True] * 4
    assert stored(session, administration="ADM")["Q4"].p == pytest.approx(2 / 6)
    committee.add_decision(session, "ADM", "Q4", "accept", "B", reason="B defensible", actor="c")
    st.add_provisional_statistics(session, "ADM", actor="c")
    session.commit()
    provisional = stored(session, administration="ADM")
    assert len(provisional) == 4  # replaced, not added
    assert provisional["Q4"].p == pytest.approx(6 / 6) and provisional["Q4"].decision["accepted"] == ["B"]
    with engine.connect() as conn:  # the database lets a provisional row go (no release)
        assert conn.execute(text("DELETE FROM item_statistics WHERE release_id IS NULL")).rowcount == 4
        conn.rollback()
    release = results.release_results(session, "ADM", actor="sec").release
    session.commit()
    assert stored(session, administration="ADM") == {}
    assert stored(session, release=release)["Q4"].p == pytest.approx(1.0)


def test_a_new_release_adds_rows_and_keeps_the_old_ones(session: Session) -> None:
    r1 = results.release_results(session, "ADM", actor="sec").release
    committee.add_decision(session, "ADM", "Q4", "void", reason="ambiguous", actor="c")
    r2 = results.release_results(session, "ADM", actor="sec").release
    again = results.release_results(session, "ADM", actor="sec")  # nothing changed: nothing stored
    session.commit()
    assert again.unchanged
    assert stored(session, release=r1)["Q4"].p == pytest.approx(2 / 6) and not stored(session, release=r1)["Q4"].voided
    assert stored(session, release=r2)["Q4"].voided and stored(session, release=r2)["Q4"].p is None
    assert session.scalar(select(func.count()).select_from(ItemStatistic)) == 8
    history = st.get_history(session, "Q4")
    assert history[["administration", "release", "in_force"]].values.tolist() == [["ADM", 1, False], ["ADM", 2, True]]


# --- history and drift -------------------------------------------------------------------


def test_history_of_provisional_rows_only(session: Session) -> None:
    # No row released yet (itembank analyze --store before any release): the release column is
    # all None, and the history still lists the provisional row as the one in force.
    st.add_provisional_statistics(session, "ADM", actor="c")
    session.commit()
    history = st.get_history(session, "Q4")
    assert history[["administration", "release", "in_force", "drift"]].values.tolist() == [["ADM", None, True, False]]
    assert history["p"].tolist() == pytest.approx([2 / 6])


def test_drift_flags_the_item_whose_p_moved_between_two_sittings(session: Session) -> None:
    results.release_results(session, "ADM", actor="sec")
    results.release_results(session, "ADM2", actor="sec")
    session.commit()
    band = st.DriftBand(p=0.10, rir=2.0)  # p only: Rir moves for every item (its rest contains Q1)
    drifted = {}
    for code in FIRST.columns:
        h = st.get_history(session, code, band=band)
        assert h["administration"].tolist() == ["ADM", "ADM2"] and h["in_force"].all()
        p_first, p_second = (FIRST[code] == "A").mean(), (SECOND[code] == "A").mean()
        assert h["p"].tolist() == pytest.approx([p_first, p_second])
        assert np.isnan(h["delta_p"].iloc[0]) and h["delta_p"].iloc[1] == pytest.approx(p_second - p_first)
        assert h["rir"].tolist() == pytest.approx([rir(FIRST, code), rir(SECOND, code)], abs=1e-12)
        assert h["delta_rir"].iloc[1] == pytest.approx(rir(SECOND, code) - rir(FIRST, code), abs=1e-12)
        drifted[code] = bool(h["drift"].iloc[1])
        assert not h["drift"].iloc[0]
    assert drifted == {"Q1": True, "Q2": False, "Q3": False, "Q4": False}  # Δp(Q1) = -1/3, others 0
    # the Rir band alone: an item drifts exactly when its Rir moved more than the band
    h = st.get_history(session, "Q2", band=st.DriftBand(p=1.0, rir=0.0))
    change = abs(rir(SECOND, "Q2") - rir(FIRST, "Q2"))
    assert change > 0 and bool(h["drift"].iloc[1])
    h = st.get_history(session, "Q2", band=st.DriftBand(p=1.0, rir=change + 1e-9))
    assert not h["drift"].iloc[1]


def test_drift_skips_a_sitting_where_the_item_was_voided() -> None:
    rows = pd.DataFrame({"version": [1, 1, 1, 2], "p": [0.70, np.nan, 0.45, 0.30], "rir": [0.3, np.nan, 0.32, 0.2]})
    out = st.drift_table(rows)
    assert out["delta_p"].iloc[2] == pytest.approx(-0.25)  # against the first sitting, not the voided one
    assert out["drift"].tolist() == [False, False, True, False]  # version 2 starts its own history
    assert np.isnan(out["delta_p"].iloc[3])


def test_a_drift_band_out_of_range_is_refused() -> None:
    with pytest.raises(UserError, match="drift band for p"):
        st.DriftBand(p=-0.1)


def test_history_of_an_unknown_item_or_version_is_a_message(session: Session) -> None:
    with pytest.raises(UserError, match="no item 'NOPE'"):
        st.get_history(session, "NOPE")
    with pytest.raises(UserError, match="no version 3"):
        st.get_history(session, "Q1", version=3)
    assert st.get_history(session, "Q1").empty


def test_items_stats_prints_the_history_with_drift(session: Session, db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI is exercised on the SQLite file")
    results.release_results(session, "ADM", actor="sec")
    session.commit()
    runner = CliRunner()
    db = db_url.removeprefix("sqlite:///")
    done = runner.invoke(app, ["analyze", "ADM2", "--store", "--db", db, "--user", "c"])
    assert done.exit_code == 0, done.output
    assert "Stored as provisional" in done.output
    done = runner.invoke(app, ["items", "stats", "Q1", "--db", db])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    adm = next(line for line in lines if line.startswith("1 ") and "ADM " in line)
    adm2 = next(line for line in lines if "ADM2" in line)
    assert "release 1" in adm and "0.67" in adm
    assert "provisional" in adm2 and "0.33" in adm2 and "DRIFT (p -0.33" in adm2
    done = runner.invoke(app, ["items", "stats", "Q1", "--p-band", "0.5", "--rir-band", "2", "--db", db])
    assert "DRIFT" not in done.output.split("Drift:")[0] and "p -0.33" in done.output


def test_the_migrations_build_exactly_the_models(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from itembank.storage.models import Base

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []


def test_a_sitting_of_one_candidate_is_released_without_statistics(engine: Engine, flextoets_exam) -> None:
    with Session(engine) as s:
        flextoets_exam(s, FIRST.columns, FIRST.iloc[:1])
        release = results.release_results(s, "ADM", actor="sec").release  # the release never waits on them
        assert release.revision == 1 and stored(s, release=release) == {}
        with pytest.raises(UserError, match="has 1 candidate.*at least 2"):
            st.add_provisional_statistics(s, "ADM", actor="c")
