"""The blueprint constraint rows and their condition language."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from itembank.assembly import AssemblyInputError, BlueprintConstraint, blueprint_from_cells, parse_condition


def pool() -> pd.DataFrame:
    return pd.DataFrame(
        {"objective": ["LO1", "LO1", "LO2", "lo3", None], "level": ["apply", "know", "apply", "apply", "know"],
         "language": ["NL", "EN", "NL", "DE", "NL"], "grade": [1.0, 2.0, 1.0, np.nan, 3.0]},
        index=pd.Index([1, 2, 3, 4, 5], name="item_version_id"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [1, 2, 3, 4, 5]),  # blank = every item
        ("*", [1, 2, 3, 4, 5]),
        ("objective=LO1", [1, 2]),
        ("objective=LO1; level=apply", [1]),  # AND of the clauses
        ("objective in LO1, LO3", [1, 2, 4]),  # matching ignores case: 'lo3' matches LO3
        ("objective in (LO2,LO3)", [3, 4]),
        ("objective != LO1", [3, 4, 5]),  # missing (item 5) never equals, so != matches it
        ("language not in NL, EN", [4]),
        ("grade=1", [1, 3]),  # numeric column compared as number: 1 matches 1.0
        ("grade in 2, 3", [2, 5]),
        ("grade=abc", []),  # a word never equals a number
        ("  level = 'apply' ", [1, 3, 4]),  # quotes and spaces are trimmed
    ],
)
def test_condition_selects_the_expected_items(text: str, expected: list[int]) -> None:
    df = pool()
    assert list(df.index[parse_condition(text).mask(df)]) == expected


@pytest.mark.parametrize("text", ["objective", "objective==", "objective=LO1; level", "obj ective=LO1", "x in", "1x=3"])
def test_malformed_conditions_are_rejected_with_the_clause(text: str) -> None:
    with pytest.raises(ValueError, match="clause|column"):
        parse_condition(text)


def test_condition_text_round_trips() -> None:
    for text in ["objective=LO1; level=apply", "objective in LO1, LO3", "language not in NL, EN", "level!=know"]:
        cond = parse_condition(text)
        assert parse_condition(str(cond)) == cond


def test_condition_on_unknown_column_names_it() -> None:
    with pytest.raises(AssemblyInputError, match="'topic'"):
        parse_condition("topic=x").mask(pool())


def test_constraint_rows_validate_their_fields() -> None:
    with pytest.raises(AssemblyInputError, match="'c1'.*type 'size'"):
        BlueprintConstraint("c1", "size", "items", "", 1, 1)
    with pytest.raises(AssemblyInputError, match="neither a lower nor an upper"):
        BlueprintConstraint("c2", "count")
    with pytest.raises(AssemblyInputError, match="lower bound 3 is above upper bound 2"):
        BlueprintConstraint("c3", "count", "items", "", 3, 2)
    with pytest.raises(AssemblyInputError, match="needs a pool column"):
        BlueprintConstraint("c4", "sum", "items", "", 1, 2)
    with pytest.raises(AssemblyInputError, match="'c5'.*cannot read"):
        BlueprintConstraint("c5", "count", "items", "objective", 1, 2)
    row = BlueprintConstraint("c6", "count", "", "objective=LO1", 1, None)
    assert row.counts == "items" and row.condition == parse_condition("objective=LO1")


def test_blueprint_from_cells_builds_exact_rows_and_totals() -> None:
    matrix = pd.DataFrame({"apply": [2, 0], "know": [1, 3]}, index=["LO1", "LO2"])
    rows = blueprint_from_cells(matrix, total_items=8, total_points=10, max_time=60)
    by_id = {r.id: r for r in rows}
    assert list(by_id) == ["LO1/apply", "LO1/know", "LO2/know", "total_items", "total_points", "max_time"]
    assert (by_id["LO1/apply"].lower, by_id["LO1/apply"].upper) == (2, 2)
    assert str(by_id["LO2/know"].condition) == "objective=LO2; level=know"
    assert (by_id["total_points"].type, by_id["total_points"].counts) == ("sum", "points")
    assert (by_id["max_time"].lower, by_id["max_time"].upper) == (None, 60)


def test_blueprint_from_cells_rejects_cells_above_the_total() -> None:
    with pytest.raises(AssemblyInputError, match="add up to 5 items, more than total_items=4"):
        blueprint_from_cells({("LO1", "a"): 3, ("LO2", "a"): 2}, total_items=4)
    with pytest.raises(AssemblyInputError, match="LO1 x a"):
        blueprint_from_cells({("LO1", "a"): 1.5}, total_items=4)
