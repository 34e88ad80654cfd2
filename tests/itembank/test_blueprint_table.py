"""The blueprint constraint table as a committee's spreadsheet (CSV and XLSX)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from itembank.assembly import BlueprintConstraint, blueprint_from_cells
from itembank.io.blueprint_files import read_blueprint_table, write_blueprint_table
from itembank.errors import InputFileError, UserError


def sample() -> list[BlueprintConstraint]:
    rows = blueprint_from_cells({("LO1", "apply"): 2, ("LO2", "know"): 1}, total_items=4, total_points=5)
    rows.append(BlueprintConstraint("nl_only", "count", "items", "language not in EN, DE", None, 0, on=False))
    rows.append(BlueprintConstraint("mean_p", "mean", "p", "", 0.55, 0.75))
    return rows


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_then_read_gives_the_same_constraints(tmp_path: Path, suffix: str) -> None:
    path = write_blueprint_table(sample(), tmp_path / f"bp{suffix}")
    assert read_blueprint_table(path) == sample()


def test_csv_layout_is_the_documented_table(tmp_path: Path) -> None:
    path = write_blueprint_table(sample(), tmp_path / "bp.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == "id,type,counts,condition,lower,upper,on"
    assert lines[1] == "LO1/apply,count,items,objective=LO1; level=apply,2,2,yes"
    assert lines[5] == "nl_only,count,items,\"language not in EN, DE\",,0,no"


def write_csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bp.csv"
    p.write_text(text)
    return p


def test_every_bad_cell_is_reported_with_row_and_column(tmp_path: Path) -> None:
    p = write_csv(tmp_path, (
        "ID,Type,Counts,Condition,Lower,Upper,On\n"
        "a,count,items,objective=LO1,2,2,yes\n"
        "a,count,items,objective=LO2,1,1,yes\n"  # row 3: duplicate id
        "b,size,items,,1,1,yes\n"  # row 4: bad type
        "c,count,items,objective,1,1,yes\n"  # row 5: bad condition
        "d,count,items,,x,1,maybe\n"  # row 6: lower not a number, on not yes/no
        "e,sum,items,,1,2,yes\n"  # row 7: sum needs a column
        "f,count,items,,3,2,\n"  # row 8: upper below lower
        "g,count,items,,,,\n"  # row 9: no bound
    ))
    with pytest.raises(InputFileError) as err:
        read_blueprint_table(p)
    where = {(pr.row, pr.column) for pr in err.value.problems}
    assert where == {(3, "id"), (4, "type"), (5, "condition"), (6, "lower"), (6, "on"), (7, "counts"), (8, "upper"), (9, "lower")}
    assert all(pr.file == p.name for pr in err.value.problems)  # every reader names a file by its name
    assert "Nothing was written." in str(err.value)


def test_missing_column_is_named(tmp_path: Path) -> None:
    p = write_csv(tmp_path, "id,type,condition,lower,upper\na,count,,1,1\n")
    with pytest.raises(InputFileError, match="row 1, column 'counts': required column is missing"):
        read_blueprint_table(p)


def test_on_column_is_optional_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    p = write_csv(tmp_path, "id,type,counts,condition,lower,upper\na,count,,,1,1\n,,,,,\n")
    assert read_blueprint_table(p) == [BlueprintConstraint("a", "count", "items", "", 1, 1)]


def test_xlsx_errors_name_the_spreadsheet_row(tmp_path: Path) -> None:
    p = tmp_path / "bp.xlsx"
    pd.DataFrame({"id": ["a", "b"], "type": ["count", "count"], "counts": ["items", "items"],
                  "condition": ["", "level in"], "lower": [1, 1], "upper": [1, 1], "on": ["yes", "yes"]}).to_excel(p, index=False)
    with pytest.raises(InputFileError, match=r"row 3, column 'condition'"):
        read_blueprint_table(p)


def test_unknown_extension_and_missing_file_are_user_errors(tmp_path: Path) -> None:
    txt = tmp_path / "bp.txt"
    txt.write_text("id,type,counts,condition,lower,upper\n")
    with pytest.raises(UserError, match="csv or .xlsx"):
        read_blueprint_table(txt)
    with pytest.raises(UserError, match="not found"):
        read_blueprint_table(tmp_path / "missing.csv")
    with pytest.raises(UserError, match="csv or .xlsx"):
        write_blueprint_table(sample(), tmp_path / "bp.ods")
