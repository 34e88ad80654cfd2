"""What the dashboard shows equals what the analysis computed (no browser needed).

Built on a copy of the demo bank: its miskeyed item must come out as critical, and every
number on screen must be the analysis's number, rounded only for display. Expected values
are written out (worked from the demo's counts in the comments, or chosen by hand for the
small tables below), not re-derived with the rounding the views use.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from analysis.distractors import OMITTED
from analysis.flags import MESSAGES
from analysis.flags import FlagThresholds
from dashboard import views
from itembank import figures
from itembank.text import TEXT
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
    shown = {label: value for label, value, _ in views.summary(analysis)}
    result = analysis.result
    assert shown["Candidates"] == "600"
    assert shown["Items"] == "40"
    # VCA-BASIS: pass at 70 % of 40 items = 28 (itembank/rules/vca_basis.toml)
    assert shown["Cut score (cesuur)"] == "28 / 40"
    passed = int((result.candidates["outcome"] == "pass").sum())
    assert passed == 414
    assert shown["Passed"] == "414 (69%)"  # 414 / 600 = 0.69
    assert 0.7915 <= analysis.reliability.alpha < 0.7925
    assert shown["Reliability (alpha)"] == "0.792"
    assert 2.455 <= analysis.reliability.sem < 2.465
    assert shown["SEM (meetfout)"] == "2.46"
    assert float(result.total.sum()) == 17714  # mean 17714 / 600 = 29.523
    assert shown["Mean score"] == "29.5 / 40"


def test_item_rows_are_the_statistics_rounded(analysis: AdministrationAnalysis) -> None:
    ordered = views.item_rows(analysis)
    rows = {r["item"]: r for r in ordered}
    stats = analysis.statistics
    assert sorted(rows) == sorted(str(i) for i in stats.index)
    # flagged items first: critical, then warning, then info, then unflagged; form order within
    assert [r["rank"] for r in ordered] == sorted(r["rank"] for r in ordered)
    assert [r["position"] for r in ordered if r["rank"] == 3] == sorted(r["position"] for r in ordered if r["rank"] == 3)
    assert ordered[0]["severity"] == "critical" and ordered[-1]["flags"] == []
    limits = {"p": (0.30, 0.90), "rir": (0.0, 0.20)}  # the default flag thresholds
    for item, r in rows.items():
        # two decimals, within half a unit of the last decimal of the analysis's number
        assert r["rit"] * 100 == pytest.approx(round(r["rit"] * 100), abs=1e-9)
        for col in ("p", "rit", "rir"):
            assert abs(r[col] - float(stats.loc[item, col])) <= 0.005 + 1e-12
        # p and Rir: more decimals only where two would put the value on the other side of a
        # flag's limit (VCA-LO2-A-01's Rir 0.2002 reads 0.2002, never "0.20" beside "limit 0.20")
        for col in ("p", "rir"):
            value = float(stats.loc[item, col])
            # half up on the decimal spelling (501/600 = 0.835 -> 0.84), as itembank.display rounds
            two = float(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))
            if all((two < limit) == (value < limit) and (two == limit) == (value == limit) for limit in limits[col]):
                assert r[col] == two and r[f"{col}_shown"] == f"{two:.2f}".replace("-0.00", "0.00")
            else:
                assert r[f"{col}_shown"] != f"{two:.2f}" and float(r[f"{col}_shown"]) == r[col]
        assert abs(r["alpha_if_deleted"] - float(stats.loc[item, "alpha_if_deleted"])) <= 0.0005 + 1e-12
    assert rows["VCA-LO2-A-01"]["rir_shown"] == "0.2002"
    # VCA-LO1-A-01: 571 of 600 right, p = 0.9517; Rit 0.3090, Rir 0.2724, alpha without it 0.7891
    assert stats.loc["VCA-LO1-A-01", "n"] * stats.loc["VCA-LO1-A-01", "p"] == pytest.approx(571)
    assert {k: rows["VCA-LO1-A-01"][k] for k in ("n", "p", "rit", "rir", "alpha_if_deleted")} == {
        "n": 600, "p": 0.95, "rit": 0.31, "rir": 0.27, "alpha_if_deleted": 0.789}
    # the miskeyed item: 25 of 600 chose the bank's key D, p = 0.0417
    assert rows[demo.MISKEYED]["p"] == 0.04
    assert rows[demo.MISKEYED]["severity"] == "critical"
    badges = rows[demo.MISKEYED]["flags"]
    assert "possible miskey (Rar)" in [b["label"] for b in badges]
    # one badge per flag code, the worst first, each with its full sentence for the tooltip
    assert len({b["label"] for b in badges}) == len(badges) and badges[0]["severity"] == "critical"
    assert all(b["sentence"] for b in badges)
    assert rows[demo.MISKEYED]["rir"] < 0


def test_every_flag_code_has_a_short_name() -> None:
    assert {f"flag_{code}" for code in MESSAGES} <= set(TEXT)


def test_option_rows_and_group_chart_of_the_miskeyed_item(analysis: AdministrationAnalysis) -> None:
    rows = views.option_rows(analysis, demo.MISKEYED)
    assert [r["option"] for r in rows] == ["A", "B", "C", "D", "omitted / invalid"]
    assert [r["is_key"] for r in rows] == ["", "", "", "yes", ""]  # the bank's (wrong) key D
    assert sum(r["proportion"] for r in rows) == pytest.approx(100, abs=0.3)
    # chosen by 45, 31, 494, 25 and 5 of 600: 7.5 %, 5.17 %, 82.33 %, 4.17 %, 0.83 %
    assert [r["n"] for r in rows] == [45, 31, 494, 25, 5]
    assert [r["proportion"] for r in rows] == [7.5, 5.2, 82.3, 4.2, 0.8]
    # high group (157 candidates): 147 chose C = 93.63 %; low group (148): 95 chose C = 64.19 %
    assert (rows[2]["prop_high"], rows[2]["prop_low"]) == (93.6, 64.2)
    table = analysis.distractors[analysis.distractors["item"] == demo.MISKEYED]
    fig = figures.groups_figure(views.item_details(analysis)[demo.MISKEYED]["groups"])
    assert [tr.name for tr in fig.data] == ["low 27 %", "middle", "high 27 %"]
    assert list(fig.data[0].x)[3] == "D (key)"
    np.testing.assert_allclose(fig.data[2].y, table["prop_high"])
    # the true answer C is what the high scorers chose
    assert fig.data[2].y[2] > 0.5 > fig.data[2].y[3]


def test_score_figure_counts_every_candidate_and_marks_the_cut(analysis: AdministrationAnalysis) -> None:
    fig = figures.score_figure(analysis.distribution.histogram(), analysis.result.cuts["total"])
    fail, passed = fig.data
    assert sum(fail.y) + sum(passed.y) == 600
    # every bar of 28 or more is drawn in the pass colour, every bar below it in the fail colour
    assert min(passed.x) == 28 and max(fail.x) == 27
    assert sum(passed.y) == int((analysis.result.total >= 28).sum())
    # the line stands between the bars of 27 and 28, not through the middle of the 28 bar
    cut_lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(cut_lines) == 1 and cut_lines[0].x0 == 27.5
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
        for _ in range(360):  # gunicorn's workers each build the app: allow a slow, busy machine 90 s
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.25)
        assert 'action="/login"' in page and demo.ADMIN_CODE not in page  # the log-in page first
        # Log in as the demo's committee member (a real HTTP session, cookie and all).
        import http.cookiejar
        import urllib.parse

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = urllib.parse.urlencode({"username": "m.jansen", "password": demo.demo_password("m.jansen"),
                                       "next": "/"}).encode()
        home = opener.open(f"http://127.0.0.1:{port}/login", data=form, timeout=10).read().decode()
        assert "<title>itembank</title>" in home
        layout = opener.open(f"http://127.0.0.1:{port}/_dash-layout", timeout=10).read().decode()
        assert "Marieke Jansen" in layout and demo.ADMIN_CODE not in layout  # the shell holds no data
        route = {"output": "page-content.children", "outputs": {"id": "page-content", "property": "children"},
                 "inputs": [{"id": "url", "property": "pathname", "value": "/"}], "changedPropIds": ["url.pathname"]}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/_dash-update-component",
                                         data=json.dumps(route).encode(), headers={"Content-Type": "application/json"})
        assert demo.ADMIN_CODE in opener.open(request, timeout=30).read().decode()  # the sittings overview
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    missing = subprocess.run([*cli, "--db", str(tmp_path / "nope.db")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert "Error:" in missing.stderr and "Traceback" not in missing.stderr


# ------------------------------------------------------------ rounding on small, hand-made tables


def _hand_analysis() -> SimpleNamespace:
    """The parts of an AdministrationAnalysis that item_rows and option_rows read, with
    numbers chosen so that the rounding is visible."""
    statistics = pd.DataFrame(
        {"n": [40, 40], "p": [5 / 6, 0.0449], "rit": [0.3051, math.nan], "rir": [-0.0456, math.nan],
         "alpha_if_deleted": [0.71249, 0.80051], "flags": ["p_high, rir_negative", ""]},
        index=pd.Index(["q1", "q2"], name="item"),
    )
    flags = pd.DataFrame({"item": ["q1", "q1"], "code": ["p_high", "rir_negative"],
                          "severity": ["warning", "critical"], "message": ["easy", "negative"]})
    distractors = pd.DataFrame({
        "item": ["q1", "q1", "q1"], "option": ["A", "B", OMITTED], "is_key": [True, False, False],
        "n": [30, 9, 1], "proportion": [0.75, 0.225, 0.025], "prop_low": [1 / 3, 0.6, math.nan],
        "prop_mid": [0.8, 0.2, 0.0], "prop_high": [0.96, 0.04, 0.0], "rar": [0.4167, -0.3849, math.nan],
        "mean_total": [27.3333, 19.86, 22.0],
    })
    # q3 was voided: no statistics, still a row (last) with its decision
    items = {code: SimpleNamespace(voided=code == "q3") for code in ("q1", "q2", "q3")}
    return SimpleNamespace(statistics=statistics, flags=flags, distractors=distractors, thresholds=FlagThresholds(),
                           result=SimpleNamespace(items=items))


def test_item_rows_round_by_hand_and_show_an_undefined_correlation_as_empty() -> None:
    q1, q2, q3 = views.item_rows(_hand_analysis(), [SimpleNamespace(item="q3", action="void", value="",
                                                                    withdrawn_by=None)])
    assert (q3["item"], q3["p"], q3["decision"], q3["position"]) == ("q3", None, "voided", 3)
    # 5/6 = 0.8333 -> 0.83; 0.3051 -> 0.31; -0.0456 -> -0.05; 0.71249 -> 0.712
    assert (q1["p"], q1["rit"], q1["rir"], q1["alpha_if_deleted"]) == (0.83, 0.31, -0.05, 0.712)
    # NaN (an item without variance has no correlation) is an empty cell
    assert (q2["p"], q2["rit"], q2["rir"], q2["alpha_if_deleted"]) == (0.04, None, None, 0.801)
    # the worst of q1's flags colours its row: critical before warning (analysis.flags.SEVERITIES)
    assert (q1["severity"], q2["severity"]) == ("critical", "")
    assert [b["label"] for b in q1["flags"]] == ["negative Rir", "easy (high p)"]  # worst first


def test_option_rows_show_percentages_with_one_decimal_by_hand() -> None:
    rows = views.option_rows(_hand_analysis(), "q1")
    assert [r["option"] for r in rows] == ["A", "B", "omitted / invalid"]
    assert [r["is_key"] for r in rows] == ["yes", "", ""]
    assert [r["proportion"] for r in rows] == [75.0, 22.5, 2.5]
    assert [r["prop_low"] for r in rows] == [33.3, 60.0, None]  # 1/3 -> 33.3 %; NaN -> empty
    assert [r["rar"] for r in rows] == [0.42, -0.38, None]
    assert [r["mean_total"] for r in rows] == [27.3, 19.9, 22.0]


def test_score_group_wording_follows_the_analysis_constant() -> None:
    # SCORE_GROUP_FRACTION = 0.27 (Kelley 1939): the dashboard says 27 %
    assert (TEXT["col_prop_low"], TEXT["col_prop_high"]) == ("Low 27 %", "High 27 %")
    assert (TEXT["group_low"], TEXT["group_high"]) == ("low 27 %", "high 27 %")


def test_display_rules_give_the_decimals_of_each_statistic() -> None:
    import doctest

    from itembank import display

    # the examples in itembank/display.py (not under pytest's doctest paths) run here
    outcome = doctest.testmod(display)
    assert outcome.attempted >= 4 and outcome.failed == 0
    assert display.shown(0.79236, "alpha") == "0.792"
    assert display.shown(2.4561, "sem") == "2.46"
    assert display.shown(29.5233, "score_mean") == "29.52"
    assert display.shown(float("nan"), "rit") == "nan"  # as the CLI printed before
    assert display.shown_percent(414 / 600) == "69%"
    assert display.rounded(None, "p") is None
    with pytest.raises(ValueError, match="no display rule for 'kappa'"):
        display.shown(0.5, "kappa")
