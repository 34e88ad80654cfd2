"""Shared fixtures: a freshly migrated bank on SQLite (always) and PostgreSQL (when
``ITEMBANK_TEST_POSTGRES_URL`` is set, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test).

The schema is built by the real Alembic migrations once per test run and per backend; each
test then starts from an empty copy: SQLite copies the migrated file, PostgreSQL truncates
every table of this run's own schema (a fresh schema per run, dropped at the end), so runs
never see each other's data and the server is left as it was.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from collections.abc import Callable, Sequence
from datetime import date
from importlib import resources
from typing import Iterator

import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from itembank.services import administrations
from itembank.services import committee
from itembank.services import forms
from itembank.services import bank
from itembank.services.bank import ItemContent
from itembank.storage.db import make_engine, migrate
from itembank.storage.models import Base

DATA = Path(__file__).parent / "data"
POSTGRES_URL = os.environ.get("ITEMBANK_TEST_POSTGRES_URL")


def _backends() -> list:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[pytest.mark.postgres,
                   pytest.mark.skipif(not POSTGRES_URL, reason="ITEMBANK_TEST_POSTGRES_URL is not set")],
        ),
    ]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "bank.db"
    eng = make_engine(f"sqlite:///{path}")
    migrate(eng)
    eng.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """This run's own PostgreSQL schema, migrated; dropped when the run ends."""
    assert POSTGRES_URL
    schema = f"itembank_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    eng = make_engine(url)
    migrate(eng)
    eng.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated, empty bank (SQLite file, or this run's PostgreSQL schema)."""
    if request.param == "sqlite":
        target = tmp_path / "bank.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_schema_url")
    eng = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with eng.begin() as conn:
        # TRUNCATE fires no row triggers, so append-only tables can be emptied between tests
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    eng.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty bank."""
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo bank, built once per run by the real CLI command (``itembank demo``); a test
    that changes it works on a copy."""
    from typer.testing import CliRunner

    from itembank.cli import app

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path, result.output


@pytest.fixture(scope="session")
def demo_db(demo_run: tuple[Path, str]) -> Path:
    return demo_run[0]


@pytest.fixture(scope="session")
def demo_output(demo_run: tuple[Path, str]) -> str:
    return demo_run[1]


@pytest.fixture(scope="session")
def flextoets_text() -> str:
    """The seed 004 Flextoets rule set shipped with itembank (TOML text)."""
    return resources.files("itembank").joinpath("rules/flextoets.toml").read_text(encoding="utf-8")


@pytest.fixture
def flextoets_exam(flextoets_text: str) -> Callable[..., None]:
    """Builds a small stored exam: ``build(session, codes, responses=None)``.

    Every code becomes an approved item on form ``F`` (part ``theory``): ``Q..`` a four-option
    MC item keyed A, ``O..`` an open question worth 3 points. Administration ``ADM``
    (2025-11-01) is scored with rule set ``FLEX`` (the Flextoets example); ``responses``, if
    given, are stored for it. Nothing is committed.
    """

    def build(session: Session, codes: Sequence[str], responses: pd.DataFrame | None = None) -> None:
        entries = []
        for code in codes:
            content = (ItemContent(stem="Explain.", item_type="open", max_score=3) if code.startswith("O")
                       else ItemContent(stem=f"{code}?", options=tuple((x, x.lower()) for x in "ABCD"), key=("A",)))
            version = bank.add_item(session, code, content, author="w")
            bank.set_status(session, code, 1, "in_review", actor="w")
            bank.set_status(session, code, 1, "approved", actor="c")
            entries.append(forms.FormEntry(version.id, part="theory"))
        forms.freeze_form(session, "F", entries, actor="c")
        administrations.add_administration(session, "ADM", "F", on=date(2025, 11, 1), actor="sec")
        if responses is not None:
            administrations.add_responses(session, "ADM", responses, actor="sec")
        committee.add_rule_set(session, "FLEX", flextoets_text, actor="sec")
        committee.assign_rule_set(session, "ADM", "FLEX", actor="sec")

    return build
