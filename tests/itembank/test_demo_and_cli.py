"""The demo bank and the bank CLI, through the real entry point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank import demo
from itembank.cli import app
from itembank.services import administrations, forms
from itembank.storage.db import make_engine
from itembank.storage.models import ItemVersion, ReviewState, ReviewStatus

runner = CliRunner()


def test_demo_summary_counts_the_approved_items(demo_db: Path, demo_output: str) -> None:
    assert "320 (approved: 320)" in demo_output


def test_demo_form_meets_the_blueprint_exactly(demo_db: Path) -> None:
    engine = make_engine(f"sqlite:///{demo_db}")
    with Session(engine) as s:
        form = forms.get_form(s, demo.FORM_CODE)
        cells: dict[tuple[str, str], int] = {}
        for fi in form.items:
            tags = {t.dimension.value: t.code for t in fi.item_version.tags}
            cells[(tags["objective"], tags["level"])] = cells.get((tags["objective"], tags["level"]), 0) + 1
        assert cells == demo.BLUEPRINT
        assert len(form.items) == 40
        # every item approved in Dutch, plus the approved translations and read-aloud variants
        approved = select(ItemVersion.language, ItemVersion.variant, func.count()).join(
            ReviewState, ReviewState.item_version_id == ItemVersion.id).where(
            ReviewState.status == ReviewStatus.APPROVED).group_by(ItemVersion.language, ItemVersion.variant)
        assert {(lang, var.value): n for lang, var, n in s.execute(approved)} == {
            ("nl", "standard"): 320, ("en", "standard"): 38, ("nl", "read_aloud"): 10}
    engine.dispose()


def test_demo_responses_show_the_planted_flaws(demo_db: Path) -> None:
    """Item-rest correlations computed here with numpy, independently of analysis/."""
    engine = make_engine(f"sqlite:///{demo_db}")
    with Session(engine) as s:
        choices = administrations.get_responses(s, demo.ADMIN_CODE)
        keys = {fi.item_version.item.code: fi.key[0] for fi in forms.get_form(s, demo.FORM_CODE).items}
    engine.dispose()
    assert choices.shape == (demo.N_CANDIDATES, 40)
    scored = pd.DataFrame({c: (choices[c] == keys[c]).astype(float) for c in choices.columns})
    total = scored.sum(axis=1)
    rir = {c: np.corrcoef(scored[c], total - scored[c])[0, 1] for c in scored.columns}
    planted = {demo.MISKEYED, demo.TWO_ANSWERS}
    assert rir[demo.MISKEYED] < 0 < min(v for c, v in rir.items() if c not in planted)
    assert rir[demo.TWO_ANSWERS] < 0.2  # able candidates split over two answers
    # the true answer of the miskeyed item is chosen by the best candidates
    truth = pd.read_csv(f"{demo_db}.true-parameters.csv", index_col="item")
    true_key = truth.loc[demo.MISKEYED, "true_key"]
    assert truth.loc[demo.MISKEYED, "bank_key"] == keys[demo.MISKEYED] != true_key
    chose_true = choices[demo.MISKEYED] == true_key
    assert total[chose_true].mean() > total[~chose_true].mean() + 3
    # two defensible answers: besides the key, one option is chosen by strong candidates
    item = choices[demo.TWO_ANSWERS]
    means = total.groupby(item).mean()
    others = means.drop(keys[demo.TWO_ANSWERS]).sort_values()
    assert others.iloc[-1] > others.iloc[-2] + 2
    assert others.iloc[-1] > total.mean() + 1
    # p-values spread realistically (written difficulty labels drive the true b)
    p = scored.mean()
    assert p.min() < 0.5 and p.max() > 0.9


def test_items_list_show_and_history(demo_db: Path) -> None:
    result = runner.invoke(app, ["items", "list", "--db", str(demo_db), "--tag", "objective:LO4"])
    assert result.exit_code == 0, result.output
    assert "40 item version(s)" in result.output
    result = runner.invoke(app, ["items", "show", demo.MISKEYED, "--db", str(demo_db)])
    assert result.exit_code == 0 and f"used on 1 form(s) {demo.FORM_CODE}" in result.output
    assert f"{demo.N_CANDIDATES} candidates" in result.output
    result = runner.invoke(app, ["items", "history", "VCA-LO1-K-08", "--db", str(demo_db)])
    assert result.exit_code == 0
    assert "review: stem made unambiguous" in result.output  # a revised item: version 2
    assert "approved -> retired" not in result.output or "replaced by version 2" in result.output


def test_cli_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"
    result = runner.invoke(app, ["items", "list", "--db", str(missing)])
    assert result.exit_code == 2
    assert "no item bank at" in result.output and "itembank init" in result.output
    assert "Traceback" not in result.output
    db = tmp_path / "bank.db"
    assert runner.invoke(app, ["init", "--db", str(db)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("code,stem,option_A,option_B,key\nQ1,Question?,yes,no,C\n", encoding="utf-8")
    result = runner.invoke(app, ["items", "import", str(bad), "--db", str(db)])
    assert result.exit_code == 2
    assert "bad.csv, row 2, column 'key': key C is not among the options A|B" in result.output
    assert "Nothing was written." in result.output
    result = runner.invoke(app, ["items", "list", "--db", str(db)])
    assert "0 item version(s)" in result.output


def test_export_import_round_trip_through_the_cli(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "items.xlsx"
    result = runner.invoke(app, ["items", "export", str(out), "--db", str(demo_db), "--latest"])
    # the newest version of every line: 320 items, 48 of them with a translation or read-aloud line
    assert result.exit_code == 0 and "368 item version(s)" in result.output
    result = runner.invoke(app, ["items", "import", str(out), "--db", str(demo_db)])
    assert result.exit_code == 0, result.output
    assert "0 new items, 0 new versions, 368 unchanged" in result.output


def test_committee_flow_on_the_demo(demo_db: Path, tmp_path: Path) -> None:
    """Score, decide, release, re-release, object and annul through the CLI on a copy of the demo."""
    import shutil

    db = tmp_path / "committee.db"
    shutil.copy(demo_db, db)
    admin = demo.ADMIN_CODE

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
        return result.output

    assert "600 candidates scored; total maximum 40" in run("score", admin)
    # The checklist refuses: the demo's two planted items carry critical flags nobody decided.
    refused = runner.invoke(app, ["release", admin, "--db", str(db)])
    assert refused.exit_code == 2 and "Checklist before release:" in refused.output
    assert f"missing: {demo.MISKEYED}: " in refused.output and f"missing: {demo.TWO_ANSWERS}: " in refused.output
    assert "nothing was released" in refused.output
    no_reason = runner.invoke(app, ["release", admin, "--force", "--db", str(db)])
    assert no_reason.exit_code == 2 and "--force needs --reason" in no_reason.output
    first = run("release", admin, "--force", "--reason", "provisional results for the board")
    assert "release 1 of" in first and "(forced: the checklist was not met)" in first
    assert "1 event(s)" in run("audit", "--admin", admin, "--action", "release_forced")
    truth = pd.read_csv(f"{demo_db}.true-parameters.csv", index_col="item")
    extra = demo.second_answer(truth.loc[demo.TWO_ANSWERS, "true_key"])
    run("decide", "accept", admin, demo.TWO_ANSWERS, extra, "--reason", "two defensible answers")
    run("decide", "rekey", admin, demo.MISKEYED, truth.loc[demo.MISKEYED, "true_key"], "--reason", "miskeyed")
    run("decide", "fix-cut", admin, "--reason", "the rule set's 70 %, as the committee proposed")
    dry = run("release", admin, "--dry-run")
    assert "Dry run: releasing" in dry and "against release 1" in dry and "stored" not in dry
    second = run("release", admin)
    # The checklist first (complete now), then the summary: maximum and cut unchanged (an
    # accept and a rekey void nothing), then the outcome flips; the dry run said the same.
    def after(text: str, marker: str) -> list[str]:
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith(marker)) + 1
        return [line.strip() for line in lines[start:start + 4]]

    assert "[x] Every critical flag decided or kept with a reason" in second
    assert "[ ]" not in second and "(forced" not in second
    summary = after(second, "release 2 of")
    assert summary[:2] == ["maximum 40 -> 40", "cut score (cesuur) 28 -> 28"]
    assert summary[3].endswith("candidate(s) change outcome") and summary == after(dry, "Dry run: releasing")
    decisions = run("decisions", "list", admin)
    assert "2 decision(s)" in decisions and demo.MISKEYED in decisions and "in force" in decisions
    assert "2 event(s)" in run("audit", "--admin", admin, "--action", "release")
    csv_text = run("results", admin, "--format", "csv")
    table = pd.read_csv(__import__("io").StringIO(csv_text), dtype=str)
    assert len(table) == 600 and set(table["outcome"]) == {"pass", "fail"}
    assert (table["cut"] == "28").all()
    failing = table[table["outcome"] == "fail"].sort_values("total").iloc[-1]["candidate"]
    out = run("objection", admin, failing, demo.MISKEYED, "1", "--reason", "objection upheld")
    assert f"{failing}: result revision 1" in out
    run("annul", admin, "C10001", "--reason", "irregularity reported by the invigilator")
    table = pd.read_csv(__import__("io").StringIO(run("results", admin, "--format", "csv")), dtype=str)
    assert table.set_index("candidate").loc["C10001", "outcome"] == "annulled"
    result = runner.invoke(app, ["decide", "void", admin, "NOPE", "--reason", "x", "--db", str(db)])
    assert result.exit_code == 2 and "not on form" in result.output


def test_analyze_applies_the_committee_decisions(demo_db: Path, tmp_path: Path) -> None:
    """The miskeyed item is flagged; after the committee rekeys it, its Rir turns positive."""
    import io
    import shutil

    db = tmp_path / "analyze.db"
    shutil.copy(demo_db, db)

    def stats() -> pd.DataFrame:
        result = runner.invoke(app, ["analyze", demo.ADMIN_CODE, "--db", str(db), "--format", "csv"])
        assert result.exit_code == 0, result.output
        return pd.read_csv(io.StringIO(result.output), index_col="item", keep_default_na=False)

    before = stats()
    assert before.loc[demo.MISKEYED, "rir"] < 0
    assert "miskey_rar" in before.loc[demo.MISKEYED, "flags"]
    assert "miskey_rar" in before.loc[demo.TWO_ANSWERS, "flags"]
    truth = pd.read_csv(f"{demo_db}.true-parameters.csv", index_col="item")
    result = runner.invoke(app, ["decide", "rekey", demo.ADMIN_CODE, demo.MISKEYED,
                                 truth.loc[demo.MISKEYED, "true_key"], "--reason", "key error", "--db", str(db)])
    assert result.exit_code == 0, result.output
    after = stats()
    assert after.loc[demo.MISKEYED, "rir"] > 0.2
    assert "miskey" not in after.loc[demo.MISKEYED, "flags"]
    table = runner.invoke(app, ["analyze", demo.ADMIN_CODE, "--db", str(db)]).output
    assert "Reliability: alpha" in table and "Flags for the committee" in table


def test_assemble_through_the_cli(demo_db: Path, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "assemble.db"
    shutil.copy(demo_db, db)
    base = ["assemble", "--spec", demo.SPEC_CODE, "--blueprint", "VCA-BASIS-40", "--db", str(db)]
    result = runner.invoke(app, [*base, "--forms", "2", "--max-overlap", "0.1", "--time-limit", "30"])
    assert result.exit_code == 0, result.output
    assert "Forms frozen: VCA-BASIS-40-F1, VCA-BASIS-40-F2" in result.output
    assert " NO" not in result.output  # every coverage row met
    # 8 objectives x 2 levels with 20 items each cannot give 12 disjoint 40-item forms
    result = runner.invoke(app, [*base, "--forms", "12", "--max-overlap", "0"])
    assert result.exit_code == 2
    assert "These forms cannot be assembled" in result.output
    assert "Cell 'LO1/K'" in result.output and "Write at least 16 more" in result.output
