"""File mode: `itembank score --form --responses --rules [--decisions] --out`, bad files, and
nothing written on failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from itembank.cli import app
from itembank.errors import InputFileError
from itembank.scoring import load_rule_set, score
from itembank.io.scoring_files import read_decisions, read_form, read_responses, score_files

ROOT = Path(__file__).resolve().parents[2]
FLEX = ROOT / "tests" / "data" / "scoring" / "flextoets"
SEED1 = ROOT / "tests" / "data" / "scoring" / "seed001"
RULES = ROOT / "itembank" / "rules"

runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, ["score", *map(str, args)])


def copy_example(tmp_path: Path, source: Path = FLEX) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(source, folder)
    return folder


def test_cli_writes_results_with_the_documented_columns(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.csv"
    result = run("--form", SEED1 / "FORM.csv", "--responses", SEED1 / "RESPONSES.csv", "--rules", RULES / "seed001_art6.toml", "--out", out)
    assert result.exit_code == 0, result.output
    assert "6 candidates scored" in result.output
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns) == [
        "candidate", "score_mc", "score_open", "total", "max", "cut", "cut_mc", "cut_open",
        "grade_exact", "grade", "grade_rounded", "outcome", "judicium", "inspection", "missing", "invalid",
    ]  # fmt: skip
    # c02 sits exactly on every cut (18 + 37 = 55): seed 001 art. 6 passes it with judicium 6
    assert table.set_index("candidate").loc["c02", ["total", "outcome", "judicium"]].tolist() == ["55", "pass", "6 (voldoende)"]


def test_cli_applies_decisions(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.csv"
    result = run("--form", FLEX / "FORM.csv", "--responses", FLEX / "RESPONSES.csv", "--rules", RULES / "flextoets.toml", "--decisions", FLEX / "DECISIONS.csv", "--out", out)
    assert result.exit_code == 0, result.output
    assert "voided items: F20" in result.output
    table = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("candidate")
    assert set(table["max"]) == {"19"} and set(table["cut"]) == {"12.35"}  # 0.65 * 19


def test_file_mode_equals_the_core_on_the_same_inputs(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.csv"
    via_files = score_files(form=FLEX / "FORM.csv", responses=FLEX / "RESPONSES.csv", rules=RULES / "flextoets.toml", decisions=FLEX / "DECISIONS.csv", out=out)
    form = read_form(FLEX / "FORM.csv")
    direct = score(
        form,
        read_responses(FLEX / "RESPONSES.csv"),
        rules=load_rule_set((RULES / "flextoets.toml").read_text(encoding="utf-8"), source="x"),
        decisions=read_decisions(FLEX / "DECISIONS.csv", form),
    )
    pd.testing.assert_frame_equal(via_files.results_table(), direct.results_table())
    pd.testing.assert_frame_equal(pd.read_csv(out, dtype=str, keep_default_na=False), direct.results_table(), check_dtype=False)


def test_missing_options_is_an_error(tmp_path: Path) -> None:
    result = run("--form", FLEX / "FORM.csv", "--out", tmp_path / "R.csv")
    assert result.exit_code == 2
    assert "file mode needs --responses, --rules" in result.output


def bad_run(tmp_path: Path, folder: Path, rules: Path = RULES / "flextoets.toml", decisions: bool = False):
    out = tmp_path / "RESULTS.csv"
    out.write_text("previous results\n")
    args = ["--form", folder / "FORM.csv", "--responses", folder / "RESPONSES.csv", "--rules", rules, "--out", out]
    if decisions:
        args += ["--decisions", folder / "DECISIONS.csv"]
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    # nothing written: the old file is untouched and no temporary file is left behind
    assert out.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["RESULTS.csv"]
    return result.output


def test_bad_form_row_names_file_row_and_column(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    lines = (folder / "FORM.csv").read_text().splitlines()
    lines[3] = lines[3].replace(",mc,A|B|C|D,", ",mc,A|B|C|D,E|", 1)  # row 4: key E not an option
    lines[5] = lines[5].replace(",1,1", ",one,1")  # row 6: max_score not a number
    (folder / "FORM.csv").write_text("\n".join(lines) + "\n")
    output = bad_run(tmp_path, folder)
    assert "FORM.csv, row 4, column 'key'" in output
    assert "FORM.csv, row 6, column 'max_score': expected a number, got 'one'" in output
    assert "Nothing was written." in output


def test_bad_response_rows_name_the_row_and_item(tmp_path: Path) -> None:
    folder = copy_example(tmp_path, SEED1)
    frame = pd.read_csv(folder / "RESPONSES.csv", dtype=str, keep_default_na=False)
    frame.loc[2, "O2#2"] = "18"  # row 4 (c03): O2 is worth at most 17
    frame.loc[4, "candidate"] = "c01"  # row 6 repeats c01 of row 2
    frame.to_csv(folder / "RESPONSES.csv", index=False)
    output = bad_run(tmp_path, folder, RULES / "seed001_art6.toml")
    assert "RESPONSES.csv, row 4, column 'O2#2': points '18' outside 0..17" in output
    assert "RESPONSES.csv, row 6, column 'candidate': candidate 'c01' already on row 2" in output


def test_unknown_response_column_names_the_header(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    frame = pd.read_csv(folder / "RESPONSES.csv", dtype=str, keep_default_na=False)
    frame["F99"] = "A"
    frame.to_csv(folder / "RESPONSES.csv", index=False)
    assert "RESPONSES.csv, row 1, column 'F99': column is not an item of the form" in bad_run(tmp_path, folder)


def test_bad_decision_row_names_row_and_column(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    (folder / "DECISIONS.csv").write_text("item,action,value,reason\nF01,accept,B,ok\nF77,void,,typo\nF02,delete,,x\n")
    output = bad_run(tmp_path, folder, decisions=True)
    assert "DECISIONS.csv, row 3, column 'item'" in output and "'F77'" in output
    assert "DECISIONS.csv, row 4, column 'action': expected one of void, accept, rekey, weight, got 'delete'" in output


def test_bad_rule_file_names_the_key_path(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    rules = tmp_path / "in" / "bad.toml"
    rules.write_text("[parts.theory]\n[total.cut]\nkind = 'percent'\nvalue = 'sixty'\n")
    assert "bad.toml: total.cut.value: expected a number, got 'sixty'" in bad_run(tmp_path, folder, rules)


def test_reader_errors_are_input_file_errors(tmp_path: Path) -> None:
    empty = tmp_path / "FORM.csv"
    empty.write_text("")
    with pytest.raises(InputFileError, match="FORM.csv: the file is empty"):
        read_form(empty)
    ragged = tmp_path / "F2.csv"
    ragged.write_text("item,part,type\nQ1,p,mc,extra\n")
    with pytest.raises(InputFileError, match="F2.csv, row 2: expected 3 fields, found 4"):
        read_form(ragged)


def test_labels_are_read_as_text_so_01_and_1_stay_different(tmp_path: Path) -> None:
    # Regression guard: read_csv(dtype="category") would infer integer categories and merge them.
    (tmp_path / "FORM.csv").write_text("item,part,type,options,key\nQ1,p,mc,01|1|2,01\n")
    (tmp_path / "RESPONSES.csv").write_text("candidate,Q1\na,01\nb,1\n")
    (tmp_path / "R.toml").write_text("[parts.p]\n[grade]\nmethod = 'none'\n")
    result = score_files(form=tmp_path / "FORM.csv", responses=tmp_path / "RESPONSES.csv", rules=tmp_path / "R.toml", out=tmp_path / "OUT.csv")
    assert result.scored["Q1"].tolist() == [1, 0]
