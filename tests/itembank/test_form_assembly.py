"""Exam assembly against the database (SQLite and PostgreSQL): pool, blueprint documents,
frozen forms."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itembank.services import administrations
from itembank.services import blueprints
from itembank.services import forms
from itembank.services import bank
from itembank.assembly import AssemblyOptions, InfeasibleAssemblyError
from itembank.services.bank import ItemContent
from itembank.errors import RuleError

CELLS = {("LO1", "K"): 2, ("LO2", "K"): 1}


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        bank.add_specification(s, "S", "Spec", objectives=[("LO1", "one"), ("LO2", "two")],
                               levels=[("K", "know")], actor="admin")
        for lo, n in (("LO1", 4), ("LO2", 3)):
            for i in range(1, n + 1):
                code = f"{lo}-{i}"
                bank.add_item(s, code, ItemContent(stem=f"{code}?", options=(("A", "a"), ("B", "b")), key=("A",)),
                              author="w", specification="S", tags=[("objective", lo), ("level", "K")])
                bank.set_status(s, code, 1, "in_review", actor="w")
                bank.set_status(s, code, 1, "approved", actor="c")
        bank.add_enemy_pair(s, "LO1-1", "LO1-2", reason="same fact", actor="c")
        bp = blueprints.add_blueprint(s, "S", "BP", cells=CELLS, total_points=3, actor="c")
        s.commit()
        s.info["bp_version"] = bp.version
        yield s


def approve(session: Session) -> None:
    for status in ("in_review", "approved"):
        blueprints.set_blueprint_status(session, "BP", 1, status, actor="c")


def cells_of(session: Session, form_code: str) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for fi in forms.get_form(session, form_code).items:
        tags = {t.dimension.value: t.code for t in fi.item_version.tags}
        out[(tags["objective"], tags["level"])] = out.get((tags["objective"], tags["level"]), 0) + 1
    return out


def test_only_an_approved_blueprint_freezes_forms(session: Session) -> None:
    with pytest.raises(RuleError, match="only an approved blueprint"):
        forms.assemble_forms(session, "S", "BP", options=AssemblyOptions(), actor="c")
    dry = forms.assemble_forms(session, "S", "BP", options=AssemblyOptions(), freeze=False, actor="c")
    assert dry.forms == [] and len(dry.result.forms[0]) == 3


def test_parallel_forms_meet_the_blueprint_and_respect_enemies(session: Session) -> None:
    approve(session)
    out = forms.assemble_forms(session, "S", "BP", actor="c",
                                       options=AssemblyOptions(forms=2, max_overlap_items=1))
    assert out.forms == ["BP-F1", "BP-F2"]
    codes = []
    for form in out.forms:
        assert cells_of(session, form) == CELLS
        items = {fi.item_version.item.code for fi in forms.get_form(session, form).items}
        assert not {"LO1-1", "LO1-2"} <= items
        codes.append(items)
    assert len(codes[0] & codes[1]) <= 1
    assert out.coverage["met"].all()


def test_infeasible_request_names_the_short_cell(session: Session) -> None:
    approve(session)
    # LO2 has 3 items: 4 forms without any shared item would need 4
    with pytest.raises(InfeasibleAssemblyError) as info:
        forms.assemble_forms(session, "S", "BP", actor="c",
                                     options=AssemblyOptions(forms=4, max_overlap_items=0, time_limit=10))
    text = " ".join(info.value.reasons)
    assert "LO2/K" in text and "LO1/K" not in text.split("LO2/K")[0].split("Cell")[-1]


def test_pool_carries_p_values_and_exposure_from_stored_administrations(session: Session) -> None:
    approve(session)
    out = forms.assemble_forms(session, "S", "BP", actor="c", options=AssemblyOptions())
    form = forms.get_form(session, out.forms[0])
    codes = [fi.item_version.item.code for fi in form.items]
    administrations.add_administration(session, "ADM", out.forms[0], on=date(2025, 1, 1), actor="s")
    # first item: 3 of 4 chose the key A -> p = 0.75; other items nobody right -> 0.0
    choices = pd.DataFrame({c: ["B"] * 4 for c in codes}, index=["c1", "c2", "c3", "c4"])
    choices[codes[0]] = ["A", "A", "A", None]
    administrations.add_responses(session, "ADM", choices, actor="s")
    pool, enemies = forms.load_pool(session, "S")
    by_code = pool.set_index("item_code")
    assert by_code.loc[codes[0], "p"] == 0.75
    assert by_code.loc[codes[1], "p"] == 0.0
    unused = [c for c in by_code.index if c not in codes]
    assert by_code.loc[unused, "p"].isna().all()
    assert (by_code.loc[codes, "times_used"] == 1).all() and (by_code.loc[codes, "forms_since_last_use"] == 0).all()
    assert (by_code.loc[codes, "exposure_rate"] == 1.0).all() and (by_code.loc[unused, "exposure_rate"] == 0).all()
    assert enemies == [("LO1-1", "LO1-2")]


def test_blueprint_table_round_trip_makes_a_new_draft_version(session: Session, tmp_path: Path) -> None:
    out = tmp_path / "bp.csv"
    blueprints.export_blueprint(session, "BP", out)
    text = out.read_text(encoding="utf-8")
    assert "objective=LO1; level=K" in text
    bp2 = blueprints.import_blueprint(session, "S", "BP", out, actor="c")
    assert (bp2.version, bp2.status.value, bp2.total_items) == (2, "draft", 3)
    assert blueprints.blueprint_constraints(bp2) == blueprints.blueprint_constraints(
        blueprints.get_blueprint(session, "BP", 1))
