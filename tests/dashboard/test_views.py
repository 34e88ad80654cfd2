"""What the dashboard shows equals what the analysis computed (no browser needed).

Built on a copy of the demo bank: its miskeyed item must come out as critical, and every
number on screen must be the analysis's number, rounded only for display.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from analysis.flags import MESSAGES
from dashboard import views
from dashboard.text import TEXT
from itembank import demo
from itembank.storage.db import make_engine
from itembank.services.item_analysis import AdministrationAnalysis, analyze_administration


@pytest.fixture(scope="module")
def analysis(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> AdministrationAnalysis:
    db = tmp_path_factory.mktemp("views") / "demo.db"
    shutil.copy(demo_db, db)
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        return analyze_administration(session, demo.ADMIN_CODE)


def test_summary_shows_the_scoring_core_figures(analysis: AdministrationAnalysis) -> None:
    shown = dict(views.summary(analysis))
    result = analysis.result
    assert shown["Candidates"] == "600"
    assert shown["Items"] == "40"
    # VCA-BASIS: pass at 70 % of 40 items = 28 (itembank/rules/vca_basis.toml)
    assert shown["Cut score (cesuur)"] == "28 / 40"
    passed = int((result.candidates["outcome"] == "pass").sum())
    assert shown["Passed"] == f"{passed} ({passed / 600:.0%})"
    assert shown["Reliability (Cronbach's alpha)"] == f"{analysis.reliability.alpha:.3f}"
    assert shown["Mean score"] == f"{float(result.total.mean()):.1f} / 40"


def test_item_rows_are_the_statistics_rounded(analysis: AdministrationAnalysis) -> None:
    rows = {r["item"]: r for r in views.item_rows(analysis)}
    stats = analysis.statistics
    assert list(rows) == [str(i) for i in stats.index]
    for item, r in rows.items():
        assert r["p"] == round(float(stats.loc[item, "p"]), 2)
        assert r["rir"] == round(float(stats.loc[item, "rir"]), 2)
    assert rows[demo.MISKEYED]["severity"] == "critical"
    assert "possible miskey (Rar)" in rows[demo.MISKEYED]["flags"]
    assert rows[demo.MISKEYED]["rir"] < 0


def test_every_flag_code_has_a_short_name() -> None:
    assert {f"flag_{code}" for code in MESSAGES} <= set(TEXT)


def test_option_rows_and_group_chart_of_the_miskeyed_item(analysis: AdministrationAnalysis) -> None:
    rows = views.option_rows(analysis, demo.MISKEYED)
    assert [r["option"] for r in rows] == ["A", "B", "C", "D", "omitted / invalid"]
    assert [r["is_key"] for r in rows] == ["", "", "", "yes", ""]  # the bank's (wrong) key D
    assert sum(r["proportion"] for r in rows) == pytest.approx(100, abs=0.3)
    table = analysis.distractors[analysis.distractors["item"] == demo.MISKEYED]
    fig = views.groups_figure(views.item_details(analysis)[demo.MISKEYED])
    assert [tr.name for tr in fig.data] == ["low 27 %", "middle", "high 27 %"]
    assert list(fig.data[0].x)[3] == "D (key)"
    np.testing.assert_allclose(fig.data[2].y, table["prop_high"])
    # the true answer C is what the high scorers chose
    assert fig.data[2].y[2] > 0.5 > fig.data[2].y[3]


def test_score_figure_counts_every_candidate_and_marks_the_cut(analysis: AdministrationAnalysis) -> None:
    fig = views.score_figure(analysis)
    assert sum(fig.data[0].y) == 600
    cut_lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(cut_lines) == 1 and cut_lines[0].x0 == 28
    assert fig.layout.annotations[0].text == "cut score (cesuur) 28"


def test_the_dashboard_command_serves_the_app(demo_db: Path, tmp_path: Path) -> None:
    """`itembank dashboard` (what `make demo` ends with) answers HTTP; a missing bank is a
    clear error, not a traceback."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli = [sys.executable, "-c", "from itembank.cli import main; main()", "dashboard"]
    proc = subprocess.Popen([*cli, "--db", str(demo_db), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = ""
        for _ in range(120):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.25)
        assert "<title>itembank</title>" in page
        layout = urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=5).read().decode()
        assert demo.ADMIN_CODE in layout
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    missing = subprocess.run([*cli, "--db", str(tmp_path / "nope.db")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert "Error:" in missing.stderr and "Traceback" not in missing.stderr
