"""Concurrent committee work on one sitting ends in a consistent state, with a clear message
for the loser; a killed import leaves the bank unchanged. On SQLite and PostgreSQL.

Every committee write locks its administration first
(:func:`itembank.services.administrations.lock_administration`). The thread races hold the
first writer's transaction open while the second one starts, so the second must wait for the
lock and then see what the first committed; the process races start two real ``itembank``
commands at once.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from itembank.errors import RuleError, UserError
from itembank.scoring import ResponseError
from itembank.services import administrations, committee, results
from itembank.storage.db import make_engine
from itembank.storage.models import Base, Decision, Release, ResultRevision

ITEMBANK = str(Path(sys.executable).parent / "itembank")
CODES = ["Q01", "Q02", "Q03", "Q04", "O1"]
RESPONSES = pd.DataFrame({"Q01": ["A", "B", "A"], "Q02": ["A", "A", "B"], "Q03": ["C", "A", "A"],
                          "Q04": ["A", "A", "A"], "O1": ["2", "3", "1"]},
                         index=pd.Index(["c1", "c2", "c3"], name="candidate"))


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its rows (order-independent)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in Base.metadata.sorted_tables:
                rows = sorted(repr(tuple(r)) for r in conn.execute(select(table)))
                out[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
            return out
    finally:
        engine.dispose()


@pytest.fixture
def exam(engine: Engine, flextoets_exam: Callable[..., None]) -> Engine:
    """The small Flextoets exam with three candidates' responses, committed."""
    with Session(engine) as session:
        flextoets_exam(session, CODES, RESPONSES)
        session.commit()
    return engine


def race(url: str, first: Callable[[Session], Any], second: Callable[[Session], Any]) -> dict[str, Any]:
    """Run ``first`` and keep its transaction open while ``second`` starts in another thread
    with its own engine; then commit the first. Returns the second's ``value`` or ``error``.

    The second must still be running when the first commits: it waits for the lock."""
    outcome: dict[str, Any] = {}

    def run_second() -> None:
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                try:
                    outcome["value"] = second(session)
                    session.commit()
                except Exception as exc:  # noqa: BLE001 - handed to the test to assert on
                    session.rollback()
                    outcome["error"] = exc
        finally:
            engine.dispose()

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            outcome["first"] = first(session)
            session.flush()
            thread = threading.Thread(target=run_second)
            thread.start()
            thread.join(timeout=1.0)  # time for the second to reach the lock; not an assertion on speed
            outcome["waited"] = thread.is_alive()
            session.commit()
        thread.join(timeout=60)
        assert not thread.is_alive()
    finally:
        engine.dispose()
    return outcome


def _count(engine: Engine, model: type, *where: Any) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _release(session: Session) -> tuple[int, bool]:
    """Release ADM: (revision, unchanged)."""
    outcome = results.release_results(session, "ADM", actor="sec")
    return outcome.release.revision, outcome.unchanged


def test_two_releases_at_once_make_one_release(exam: Engine, db_url: str) -> None:
    outcome = race(db_url, _release, _release)
    assert outcome["waited"]
    assert "error" not in outcome, outcome.get("error")
    assert outcome["first"] == (1, False)
    assert outcome["value"] == (1, True)  # the loser: "nothing changed since release 1"
    with Session(exam) as session:
        releases = session.scalars(select(Release)).all()
        assert [r.revision for r in releases] == [1]
        assert results.verify_release(releases[0])


def test_a_release_that_loses_inside_the_database_says_so(exam: Engine, db_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The last line of defence, without the lock: the unique (administration, revision)
    constraint stops the second release, which says so instead of showing an IntegrityError."""
    monkeypatch.setattr(results, "lock_administration", administrations.get_administration)
    outcome = race(db_url, _release, _release)
    assert outcome["first"] == (1, False)
    error = outcome.get("error")
    assert isinstance(error, UserError) and not isinstance(error, RuleError), outcome
    assert str(error).startswith("another release of ADM was made at the same moment; nothing changed")
    assert _count(exam, Release) == 1


def test_a_decision_during_a_release_is_in_the_next_release_only(exam: Engine, db_url: str) -> None:
    """The release waits for the decision, so its snapshot holds the decision and its hash
    covers it."""
    outcome = race(db_url, lambda s: committee.add_decision(s, "ADM", "Q03", "void", reason="flawed", actor="c"),
                   _release)
    assert outcome["waited"] and "error" not in outcome, outcome.get("error")
    with Session(exam) as session:
        (release,) = session.scalars(select(Release)).all()
        assert [d["item"] for d in release.snapshot["decisions"]] == ["Q03"]
        assert results.verify_release(release)


def test_two_identical_decisions_at_once_record_one(exam: Engine, db_url: str) -> None:
    def decide(session: Session) -> Decision:
        return committee.add_decision(session, "ADM", "Q01", "accept", "B", reason="two answers", actor="c")

    outcome = race(db_url, decide, decide)
    assert outcome["waited"]
    assert isinstance(outcome.get("error"), RuleError)
    assert "is already in force" in str(outcome["error"])
    assert _count(exam, Decision) == 1


def test_two_withdrawals_at_once_record_one(exam: Engine, db_url: str) -> None:
    with Session(exam) as session:
        decision_id = committee.add_decision(session, "ADM", "Q01", "void", reason="r", actor="c").id
        session.commit()

    def withdraw(session: Session) -> Decision:
        return committee.withdraw_decision(session, decision_id, reason="mistake", actor="c")

    outcome = race(db_url, withdraw, withdraw)
    assert outcome["waited"]
    assert isinstance(outcome.get("error"), RuleError)
    assert "withdrawn already" in str(outcome["error"])
    assert _count(exam, Decision, Decision.action == "withdraw") == 1


def test_an_objection_during_an_annulment_is_refused(exam: Engine, db_url: str) -> None:
    with Session(exam) as session:
        _release(session)
        session.commit()
    outcome = race(db_url, lambda s: results.annul_result(s, "ADM", "c1", reason="fraud", actor="sec"),
                   lambda s: results.add_objection(s, "ADM", "c1", "O1", 3, reason="regraded", actor="sec"))
    assert outcome["waited"]
    assert isinstance(outcome.get("error"), RuleError)
    assert "annulled" in str(outcome["error"])
    assert [r.kind for r in _revisions(exam)] == ["annulment"]


def test_two_annulments_at_once_record_one(exam: Engine, db_url: str) -> None:
    with Session(exam) as session:
        _release(session)
        session.commit()

    def annul(session: Session) -> ResultRevision:
        return results.annul_result(session, "ADM", "c2", reason="fraud", actor="sec")

    outcome = race(db_url, annul, annul)
    assert outcome["waited"]
    assert isinstance(outcome.get("error"), RuleError)
    assert "annulled already" in str(outcome["error"])
    assert [r.kind for r in _revisions(exam)] == ["annulment"]


def test_two_objections_at_once_get_consecutive_revisions(exam: Engine, db_url: str) -> None:
    with Session(exam) as session:
        _release(session)
        session.commit()

    def object_(points: int) -> Callable[[Session], ResultRevision]:
        return lambda s: results.add_objection(s, "ADM", "c3", "O1", points, reason="regraded", actor="sec")

    outcome = race(db_url, object_(2), object_(3))
    assert outcome["waited"] and "error" not in outcome, outcome.get("error")
    assert [r.revision for r in _revisions(exam)] == [1, 2]


def test_two_imports_of_one_candidate_at_once_store_one(engine: Engine, db_url: str,
                                                        flextoets_exam: Callable[..., None]) -> None:
    with Session(engine) as session:
        flextoets_exam(session, CODES)
        session.commit()

    def import_(session: Session) -> int:
        return administrations.add_responses(session, "ADM", RESPONSES.iloc[:1], actor="sec")

    outcome = race(db_url, import_, import_)
    assert outcome["waited"]
    assert isinstance(outcome.get("error"), ResponseError)
    assert "already has responses in administration ADM" in str(outcome["error"])
    with Session(engine) as session:
        assert len(administrations.load_responses(session, administrations.get_administration(session, "ADM"))) == 1


def _revisions(engine: Engine) -> list[ResultRevision]:
    with Session(engine) as session:
        return list(session.scalars(select(ResultRevision).order_by(ResultRevision.id)))


def test_two_release_commands_racing_end_with_one_release(exam: Engine, db_url: str) -> None:
    """Two real ``itembank release`` processes started together: one stores release 1, the
    other reports that nothing changed since it (or, had it lost inside the database, that
    another release was made at the same moment); never a traceback. (Forced: the random
    sitting raises critical flags nobody decides here; the race is about the lock.)"""
    env = {**os.environ, "ITEMBANK_USER": "sec"}
    procs = [subprocess.Popen([ITEMBANK, "release", "ADM", "--db", db_url, "--force", "--reason", "racing"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, out, err in outputs:
        assert "Traceback" not in out + err, err
    stored = [o for o in outputs if o[0] == 0 and "release 1 of ADM stored" in o[1]]
    assert len(stored) == 1, outputs
    (loser,) = [o for o in outputs if o is not stored[0]]
    assert (loser[0] == 0 and "nothing changed since release 1" in loser[1]) or \
        (loser[0] == 2 and "another release of ADM was made at the same moment" in loser[2]), outputs
    with Session(exam) as session:
        releases = session.scalars(select(Release)).all()
        assert [r.revision for r in releases] == [1]
        assert results.verify_release(releases[0])


# --------------------------------------------------------------------------- kill -9 during an import

N_CANDIDATES, N_ITEMS = 20_000, 40


def _writing(url: str, db_file: Path | None, probe: Engine | None) -> bool:
    """True once the import holds the bank's write lock and has begun inserting: SQLite's
    rollback journal exists; on PostgreSQL another session holds an insert lock on this
    schema's candidates or registrations table."""
    if db_file is not None:
        return Path(f"{db_file}-journal").exists()
    assert probe is not None
    with probe.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
            "AND c.relname IN ('candidates', 'registrations') AND l.mode = 'RowExclusiveLock' "
            "AND l.pid <> pg_backend_pid()")))


def test_kill_9_during_a_large_import_leaves_the_bank_unchanged(
        engine: Engine, db_url: str, tmp_path: Path, flextoets_exam: Callable[..., None]) -> None:
    codes = [f"Q{k:02d}" for k in range(1, N_ITEMS + 1)]
    with Session(engine) as session:
        flextoets_exam(session, codes)
        session.commit()
    rng = np.random.default_rng(17)
    frame = pd.DataFrame(rng.choice(list("ABCD"), size=(N_CANDIDATES, N_ITEMS)), columns=codes)
    frame.insert(0, "candidate", [f"k{i:05d}" for i in range(N_CANDIDATES)])
    csv = tmp_path / "responses.csv"
    frame.to_csv(csv, index=False)
    before = fingerprint(db_url)

    db_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite:///") else None
    probe = None if db_file else make_engine(db_url)
    proc = subprocess.Popen([ITEMBANK, "responses", "import", "ADM", str(csv), "--db", db_url],
                            env={**os.environ, "ITEMBANK_USER": "sec"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and not _writing(db_url, db_file, probe):
            time.sleep(0.005)
        assert proc.poll() is None, "the import ended before it was seen writing"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        if probe is not None:
            probe.dispose()

    assert fingerprint(db_url) == before
    if db_file is not None:
        check = make_engine(db_url)
        with check.connect() as conn:
            assert conn.scalar(text("PRAGMA integrity_check")) == "ok"
        check.dispose()
    # The bank still takes the import afterwards (a smaller file: the same path, all or nothing).
    with Session(engine) as session:
        administrations.add_responses(session, "ADM", frame.head(50).set_index("candidate"), actor="sec")
        session.commit()
