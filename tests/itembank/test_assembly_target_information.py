"""Assembly against a target test information function (minimax deviation) and maximal
information at the cut, checked against every alternative on small exhaustive cases.

The exhaustive truth is computed here with itertools and :func:`item_information` (whose
3PL values are hand-checked in test_assembly.py), independently of the solver.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from itembank.assembly import (
    DEVIATION_FLOOR,
    AssemblyInputError,
    AssemblyOptions,
    BlueprintConstraint,
    assemble,
    item_information,
)

THETAS = np.array([-1.0, 0.0, 1.0])


def pool_of(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "item_code": [f"I{j:03d}" for j in range(n)], "objective": "LO1", "level": "apply", "topic": None,
        "points": 1.0, "p": 0.6, "a": rng.uniform(0.6, 2.0, n), "b": rng.normal(0.0, 1.0, n),
        "c": np.where(np.arange(n) % 3 == 0, 0.2, np.nan), "set_id": None, "times_used": 0,
        "forms_since_last_use": np.nan, "exposure_rate": 0.0},
        index=pd.Index(range(1, n + 1), name="item_version_id"))


def choose(k: int) -> list[BlueprintConstraint]:
    return [BlueprintConstraint("total", "count", "items", "", k, k)]


def test_target_information_reaches_the_exhaustive_minimax_deviation() -> None:
    """12 items, forms of 4: the minimax deviation from a target at theta -1, 0, 1 over all
    495 forms, against the assembled form's deviation (floor far below the optimum)."""
    pool = pool_of(12, seed=3)
    target = np.array([1.1, 1.9, 1.2])  # not the information of any form: the optimum is > 0
    info = item_information(pool, THETAS)
    deviations = {ids: float(np.abs(info[list(ids)].sum(axis=0) - target).max())
                  for ids in combinations(range(12), 4)}
    best = min(deviations.values())
    assert best > 0.05  # the floor below does not decide the answer
    res = assemble(pool, choose(4), options=AssemblyOptions(
        objective="target_information", target_tif=tuple(zip(THETAS, target)), deviation_floor=1e-6))
    chosen = tuple(sorted(pool.index.get_indexer(res.forms[0])))
    assert res.status == "optimal"
    assert res.objective_value == pytest.approx(best, abs=1e-6), (res.objective_value, best)
    assert deviations[chosen] == pytest.approx(res.objective_value, abs=1e-12)


def test_max_information_at_the_cut_is_the_best_of_all_forms() -> None:
    """12 items (3PL for every third), forms of 4: the form's information at the cut is the
    largest of all 495 forms."""
    pool = pool_of(12, seed=4)
    for cut in (-0.5, 0.0, 0.8):
        info = item_information(pool, cut)
        best = max(info[list(ids)].sum() for ids in combinations(range(12), 4))
        res = assemble(pool, choose(4), options=AssemblyOptions(objective="max_information", cut_theta=cut))
        assert item_information(pool.loc[res.forms[0]], cut).sum() == pytest.approx(best, rel=1e-9)
        assert res.objective_value == pytest.approx(best, rel=1e-9)


def test_an_exactly_attainable_target_is_optimal_within_the_floor() -> None:
    """300 items, two parallel forms of 25 without overlap, the target the information of 25
    given items at five thetas: the target can be met exactly, so a relative MIP gap could
    never be proven (it is undefined at 0); the floor / absolute gap lets HiGHS stop. Had it
    run to the time limit the status would say ``time_limit``."""
    pool = pool_of(300, seed=5)
    thetas = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    target = item_information(pool.iloc[10:35], thetas).sum(axis=0)
    res = assemble(pool, choose(25), options=AssemblyOptions(
        forms=2, max_overlap_items=0, objective="target_information", target_tif=tuple(zip(thetas, target)),
        time_limit=120))
    assert res.status == "optimal", (res.status, res.gap, res.solve_seconds)
    within = DEVIATION_FLOOR * (1 + AssemblyOptions().mip_rel_gap)  # the floor, up to the MIP gap
    assert res.objective_value <= within
    for form in res.forms:  # both forms really are within the floor at every point
        got = item_information(pool.loc[form], thetas).sum(axis=0)
        assert np.abs(got - target).max() <= within
    assert not set(res.forms[0]) & set(res.forms[1])


@pytest.mark.parametrize("tif, match", [
    ((), "needs target points"),
    (((0.0, -1.0),), "information >= 0"),
    (((0.0, 1.0), (0.0, 2.0)), "names a theta twice"),
    (((float("nan"), 1.0),), "finite numbers"),
])
def test_bad_target_points_are_named(tif: tuple, match: str) -> None:
    with pytest.raises(AssemblyInputError, match=match):
        assemble(pool_of(12, seed=3), choose(4), options=AssemblyOptions(objective="target_information",
                                                                         target_tif=tif))


def test_target_tif_through_the_cli(demo_db, tmp_path) -> None:
    """`itembank assemble --objective target_information --target-tif ...` on a copy of the demo
    bank after `itembank calibrate`: the printed deviation and informations are those of the
    assembled form computed from the stored (bank-scale) parameters; a malformed target is an
    error naming the part, exit code 2."""
    import shutil

    from sqlalchemy.orm import Session
    from typer.testing import CliRunner

    from itembank import demo
    from itembank.cli import app
    from itembank.display import shown
    from itembank.services import forms
    from itembank.storage.db import make_engine

    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    runner = CliRunner()
    assert runner.invoke(app, ["calibrate", demo.ADMIN_CODE, "--model", "2pl", "--db", str(db)]).exit_code == 0
    bad = runner.invoke(app, ["assemble", "--spec", demo.SPEC_CODE, "--blueprint", demo.BLUEPRINT_CODE,
                              "--objective", "target_information", "--target-tif", "-1:4,zero:6", "--dry-run",
                              "--db", str(db)])
    assert bad.exit_code == 2 and "--target-tif: 'zero:6' is not theta:information" in bad.output
    done = runner.invoke(app, ["assemble", "--spec", demo.SPEC_CODE, "--blueprint", demo.BLUEPRINT_CODE,
                               "--objective", "target_information", "--target-tif", "-1:4,0:6,1:4", "--dry-run",
                               "--db", str(db)])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert "solver optimal" in lines[0]
    form_line = next(line for line in lines if line.startswith("form 1: information "))
    printed = [float(v) for v in form_line.removeprefix("form 1: information ").split(" at ")[0].split(", ")]
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        pool, _ = forms.load_pool(s, demo.SPEC_CODE)
        out = forms.assemble_forms(s, demo.SPEC_CODE, demo.BLUEPRINT_CODE, freeze=False, actor="t", options=AssemblyOptions(
            objective="target_information", target_tif=((-1, 4), (0, 6), (1, 4)), mip_rel_gap=0.01))
    engine.dispose()
    info = item_information(pool.loc[out.result.forms[0]], THETAS).sum(axis=0)
    assert printed == pytest.approx(info, abs=5e-4)
    deviation = float(np.abs(info - np.array([4, 6, 4])).max())
    assert f"Largest deviation from the target test information (-1: 4, 0: 6, 1: 4): {shown(deviation, 'irt_parameter')}" \
        in done.output
