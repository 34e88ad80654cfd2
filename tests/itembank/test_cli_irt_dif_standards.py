"""``itembank irt``, ``itembank dif`` and ``itembank standards`` (issue 14, deliverable 4).

Each command's numbers are checked against an independent source:

* ``irt``: the stored calibration (reloaded), the dashboard's own function
  (:func:`itembank.services.calibrations.sitting_information`), and by hand from the printed
  parameters: the test characteristic curve at the printed θ_cut gives the cut scaled to the
  items (τ = cut × n / maximum), the SEM there is 1/√Σ a²PQ, and each p-value is
  erfc(|z|/√2) of the stored z;
* ``dif``: :func:`analysis.dif.mantel_haenszel` and :func:`analysis.dif.logistic_regression_dif`
  run here on the scored matrix and the stored attribute (a planted DIF item must be class C);
* ``standards``: the hand formula of each method where it is short (fixed percentage above
  chance c = g + p/100 (M − g); the pass rate counted from the totals), else the cut-score
  service the dashboard calls; ``--apply`` records exactly the rule printed.

Data: 12 four-option MC items keyed A, 360 candidates simulated from a 2PL (seed 14), language
nl (230) or en (130) with Q05 1.5 logits harder for en; attempt first (330) or resit (30).
The CLI runs on the SQLite file (as the other CLI tests); the services on both databases.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from analysis.dif import logistic_regression_dif, mantel_haenszel
from itembank.cli import app
from itembank.services import administrations, committee
from itembank.services import calibrations as cal
from itembank.services import cut_scores as cs
from itembank.services.administration_data import load_administration
from itembank.services.irt_summary import calibration_summary
from itembank.services.previews import preview_cut

runner = CliRunner()

CODES = [f"Q{j:02d}" for j in range(1, 13)]
A = np.linspace(0.7, 1.8, 12)
B = np.linspace(-1.6, 1.4, 12)


def simulated() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(14)
    n = 360
    theta = rng.normal(size=n)
    language = np.array(["nl"] * 230 + ["en"] * 130)
    logits = A * (theta[:, None] - B)
    logits[:, 4] -= 1.5 * (language == "en")  # Q05: DIF against en
    right = rng.random((n, 12)) < 1 / (1 + np.exp(-logits))
    wrong = rng.choice(list("BCD"), size=(n, 12))
    index = [f"c{i:03d}" for i in range(n)]
    attrs = pd.DataFrame({"language": language, "attempt": ["first"] * 330 + ["resit"] * 30}, index=index)
    return pd.DataFrame(np.where(right, "A", wrong), index=index, columns=CODES), attrs


@pytest.fixture
def sitting(engine: Engine, flextoets_exam) -> Engine:
    choices, attrs = simulated()
    with Session(engine) as s:
        flextoets_exam(s, CODES)
        administrations.add_responses(s, "ADM", choices, attributes=attrs, actor="sec")
        s.commit()
    return engine


@pytest.fixture
def db(sitting: Engine, db_url: str) -> str:
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI is exercised on the SQLite file")
    return db_url.removeprefix("sqlite:///")


def run(*args: str) -> tuple[int, str]:
    done = runner.invoke(app, list(args))
    assert "Traceback" not in done.output
    return done.exit_code, done.output


def calibrate(engine: Engine, model: str = "2pl") -> int:
    with Session(engine) as s:
        row = cal.add_calibration(s, "ADM", model=model, actor="analyst").calibration
        s.commit()
        return row.id


def cut_and_maximum(engine: Engine) -> tuple[float, float]:
    with Session(engine) as s:
        result = load_administration(s, "ADM").score()
    return float(result.cuts["total"]), float(result.maxima["total"])


# --- itembank irt -----------------------------------------------------------------------------

def test_irt_without_a_calibration_says_how_to_make_one(db: str) -> None:
    code, out = run("irt", "ADM", "--db", db)
    assert code == 2 and "ADM has no stored IRT calibration: run 'itembank calibrate ADM --model 2pl' first" in out
    code, out = run("irt", "ADM", "--model", "3pl", "--db", db)
    assert code == 2 and "no stored 3pl calibration" in out and "--model 3pl" in out
    code, out = run("irt", "ADM", "--calibration", "7", "--db", db)
    assert code == 2 and "no calibration 7" in out


def test_irt_prints_the_stored_calibration_and_the_dashboards_information(sitting: Engine, db: str) -> None:
    cal_id = calibrate(sitting)
    code, out = run("irt", "ADM", "--json", "--db", db)
    assert code == 0, out
    shown = json.loads(out)
    cut, maximum = cut_and_maximum(sitting)
    with Session(sitting) as s:
        row = cal.get_calibration(s, cal_id)
        table = cal.calibration_table(s, row)
        stored_fit = {ci.item_version_id: ci for ci in row.items}
        dashboard = cal.sitting_information(s, "ADM", cut=cut, maximum=maximum)
        versions = dict(cal._version_ids(s, row))
    assert (shown["calibration"], shown["model"], shown["engine"], shown["data_hash"]) == (
        cal_id, "2pl", row.engine, row.data_hash)
    assert shown["parameters"] == ["a", "b"]
    items = pd.DataFrame(shown["items"]).set_index("item")
    for col in ("a", "se_a", "b", "se_b", "n"):
        np.testing.assert_allclose(items[col].to_numpy(float), table.loc[items.index, col].to_numpy(float), rtol=1e-12)
    for item, r in items.iterrows():
        ci = stored_fit[versions[item]]
        assert (r["infit"], r["outfit"]) == pytest.approx((ci.infit, ci.outfit), rel=1e-12)
        # two-sided normal p of the stored z, by hand: erfc(|z| / sqrt 2)
        assert r["infit_p"] == pytest.approx(math.erfc(abs(ci.infit_z) / math.sqrt(2)), rel=1e-9)
        assert r["outfit_p"] == pytest.approx(math.erfc(abs(ci.outfit_z) / math.sqrt(2)), rel=1e-9)
        assert r["misfit"] == ((r["infit"] > 1.3 and r["infit_p"] < 0.05) or (r["outfit"] > 1.3 and r["outfit_p"] < 0.05))
    # the dashboard's numbers ...
    assert shown["cut"] == cut and shown["maximum"] == maximum
    assert shown["cut_theta"] == dashboard.cut_theta and shown["csem_at_cut"] == dashboard.csem_at_cut
    np.testing.assert_array_equal(shown["information"], dashboard.information)
    # ... and by hand from the printed parameters: tau(theta_cut) = cut x n / maximum, SEM = 1/sqrt(sum a^2 PQ)
    a, b, th = items["a"].to_numpy(), items["b"].to_numpy(), shown["cut_theta"]
    p = 1 / (1 + np.exp(-a * (th - b)))
    assert p.sum() == pytest.approx(cut * len(items) / maximum, abs=1e-9)
    assert shown["csem_at_cut"] == pytest.approx(1 / math.sqrt((a**2 * p * (1 - p)).sum()), rel=1e-9)
    assert shown["information_at_cut"] == pytest.approx((a**2 * p * (1 - p)).sum(), rel=1e-9)

    code, out = run("irt", "ADM", "--db", db)  # the table for people: the same numbers, rounded
    assert code == 0, out
    assert f"Calibration {cal_id} of ADM: model 2pl, engine {row.engine}" in out and row.data_hash in out
    q05 = next(line for line in out.splitlines() if line.startswith("Q05 ")).split()
    assert q05[:6] == ["Q05", str(int(table.at["Q05", "n"])), f"{table.at['Q05', 'a']:.3f}",
                       f"{table.at['Q05', 'se_a']:.3f}", f"{table.at['Q05', 'b']:.3f}", f"{table.at['Q05', 'se_b']:.3f}"]
    line = next(line for line in out.splitlines() if line.startswith("Cut score"))
    theta, sem = re.search(r"θ (-?\d+\.\d+) .* conditional SEM (\d+\.\d+)", line).groups()
    assert float(theta) == pytest.approx(dashboard.cut_theta, abs=5e-4)
    assert float(sem) == pytest.approx(dashboard.csem_at_cut, abs=5e-4)


def test_irt_of_an_older_calibration_computes_what_the_dashboard_computed_for_it(sitting: Engine, db: str) -> None:
    first = calibrate(sitting, "2pl")
    cut, maximum = cut_and_maximum(sitting)
    with Session(sitting) as s:
        then = cal.sitting_information(s, "ADM", cut=cut, maximum=maximum)
    second = calibrate(sitting, "rasch")  # now the newest: the dashboard shows this one
    code, out = run("irt", "ADM", "--json", "--db", db)
    assert code == 0 and json.loads(out)["calibration"] == second
    code, out = run("irt", "ADM", "--calibration", str(first), "--json", "--db", db)
    assert code == 0, out
    shown = json.loads(out)
    assert shown["calibration"] == first and shown["model"] == "2pl"
    assert shown["cut_theta"] == pytest.approx(then.cut_theta, rel=1e-12)
    assert shown["csem_at_cut"] == pytest.approx(then.csem_at_cut, rel=1e-12)
    np.testing.assert_allclose(shown["information"], then.information, rtol=1e-12)
    code, out = run("irt", "ADM", "--model", "2pl", "--json", "--db", db)
    assert code == 0 and json.loads(out)["calibration"] == first
    code, out = run("irt", "ADM", "--calibration", str(first), "--model", "rasch", "--db", db)
    assert code == 2 and f"calibration {first} is a 2pl calibration, not rasch" in out


def test_a_polytomous_calibration_shows_its_information_without_a_cut_theta(sitting: Engine) -> None:
    cal_id = calibrate(sitting, "pcm")
    cut, maximum = cut_and_maximum(sitting)
    with Session(sitting) as s:
        summary = calibration_summary(s, "ADM", cut=cut, maximum=maximum)
        table = cal.calibration_table(s, cal.get_calibration(s, cal_id))
    assert summary.calibration.id == cal_id and not summary.newest
    assert summary.information.cut_theta is None
    # PCM with one step on 0/1 items is the Rasch model: I(0) = sum P(1 - P), P = 1 / (1 + exp(-(0 - b1)))
    p = 1 / (1 + np.exp(table["b1"].to_numpy() * table["a"].to_numpy()))
    at_zero = summary.information.information[np.argmin(np.abs(summary.information.theta))]
    assert at_zero == pytest.approx((table["a"].to_numpy() ** 2 * p * (1 - p)).sum(), rel=1e-9)


# --- itembank dif -----------------------------------------------------------------------------

def test_dif_output_equals_analysis_dif_on_the_same_data(sitting: Engine, db: str) -> None:
    code, out = run("dif", "ADM", "--group", "language", "--format", "json", "--db", db)
    assert code == 0, out
    shown = json.loads(out)
    assert shown["groups"] == {"nl": 230, "en": 130, } and shown["skipped"] == []
    rows = pd.DataFrame(shown["rows"]).set_index("item")
    assert set(rows["focal"]) == {"en"} and set(rows["reference"]) == {"nl"}
    with Session(sitting) as s:
        result = load_administration(s, "ADM").score()
        group = administrations.get_attributes(s, "ADM")["language"].reindex(result.scored.index)
    total = result.total.astype(float)
    mh = mantel_haenszel(result.scored, group, focal="en", reference="nl", matching=total)
    lr = logistic_regression_dif(result.scored, group, focal="en", reference="nl", matching=total)
    for col in ("alpha_mh", "mh_d_dif", "se_mh_d_dif", "chi2_mh", "p_value"):
        np.testing.assert_allclose(rows[col].to_numpy(float), mh.loc[rows.index, col].to_numpy(float), rtol=1e-12)
    for col in ("chi2_uniform", "p_uniform", "chi2_nonuniform", "p_nonuniform", "r2_delta_total"):
        np.testing.assert_allclose(rows[col].to_numpy(float), lr.loc[rows.index, col].to_numpy(float), rtol=1e-12)
    assert rows["ets_class"].tolist() == mh.loc[rows.index, "ets_class"].tolist()
    assert rows["zumbo_thomas_class"].tolist() == lr.loc[rows.index, "zumbo_thomas_class"].tolist()
    assert rows.loc["Q05", "ets_class"] == "C" and rows.loc["Q05", "mh_d_dif"] < -1.5  # the planted item

    code, out = run("dif", "ADM", "--group", "language", "--focal", "en", "--method", "mh", "--db", db)
    assert code == 0, out
    q05 = next(line for line in out.splitlines() if line.startswith("Q05 ")).split()
    assert q05 == ["Q05", "230", "130", f"{mh.at['Q05', 'mh_d_dif']:.2f}", f"{mh.at['Q05', 'se_mh_d_dif']:.2f}",
                   f"{mh.at['Q05', 'chi2_mh']:.2f}", f"{mh.at['Q05', 'p_value']:.3f}", "C"]
    assert "LR chi2" not in out and "Focal group language = en against reference language = nl" in out
    code, out = run("dif", "ADM", "--group", "language", "--method", "logistic", "--format", "csv", "--db", db)
    assert code == 0, out
    csv = pd.read_csv(pd.io.common.StringIO(out)).set_index("item")
    assert "mh_d_dif" not in csv and list(csv["n_focal"]) == [130] * 12
    np.testing.assert_allclose(csv["chi2_uniform"].to_numpy(float), lr["chi2_uniform"].to_numpy(float), rtol=1e-12)


@pytest.mark.parametrize("args, says", [
    (["--group", "lang"], "no attribute 'lang'; known attributes: language, attempt"),
    (["--group", "language", "--focal", "fr"], "no candidate has language = 'fr'; values present: nl (230), en (130)"),
    (["--group", "attempt", "--focal", "resit"], "too few candidates for DIF: attempt = resit: 30 (at least 100"),
    (["--group", "attempt"], "too few candidates for DIF in every group of attempt: first (330), resit (30)"),
    (["--group", "language", "--method", "sibtest"], "Invalid value for '--method'"),
])
def test_dif_refuses_what_it_cannot_answer_with_a_message(db: str, args: list[str], says: str) -> None:
    code, out = run("dif", "ADM", *args, "--db", db)
    assert code == 2 and says in " ".join(out.split()), out


# --- itembank standards -----------------------------------------------------------------------

def standards(db: str, *args: str) -> dict:
    code, out = run("standards", "ADM", *args, "--json", "--db", db)
    assert code == 0, out
    return json.loads(out)


def test_a_fixed_percentage_gives_the_hand_computed_cut_and_pass_rate(sitting: Engine, db: str) -> None:
    shown = standards(db, "--method", "fixed", "--percent", "50")
    with Session(sitting) as s:
        totals = load_administration(s, "ADM").score().total
    # M = 12 one-point items, g = 12 x 1/4 = 3: c = 3 + 0.5 x (12 - 3) = 7.5; pass: total >= 7.5
    assert shown["cut"] == "7.5" and shown["maximum"] == "12"
    assert shown["passed"] == int((totals >= Fraction(15, 2)).sum()) and shown["judged"] == 360
    assert shown["pass_rate"] == pytest.approx(shown["passed"] / 360)
    assert shown["rule"]["kind"] == "percent_guessing" and shown["rule"]["value"] == 50
    assert shown["recorded"] is None
    with Session(sitting) as s:
        assert committee.cut_rules(s, "ADM") == []  # nothing recorded without --apply


def test_every_method_prints_the_cut_and_pass_rate_of_the_cut_score_service(sitting: Engine, db: str,
                                                                           tmp_path: Path) -> None:
    ratings = tmp_path / "angoff.csv"
    # J1 with decimal commas (quoted in the CSV), J2 with points
    ratings.write_text("judge," + ",".join(CODES) + "\nJ1," + ",".join(['"0,6"'] * 12) + "\nJ2,"
                       + ",".join(["0.7"] * 12) + "\n", encoding="utf-8")
    cases = {
        "hofstee": (["--k-min", "50", "--k-max", "70", "--f-min", "10", "--f-max", "40"],
                    lambda b: cs.hofstee(b, k_min=50, k_max=70, f_min=10, f_max=40)),
        "beuk": (["--judge", "60:70", "--judge", "65,5:60"],
                 lambda b: cs.beuk(b, judge_cuts=[60, 65.5], judge_pass_rates=[70, 60])),
        "cohen-schotanus": (["--percentage", "55"], lambda b: cs.cohen_schotanus(b, percentage=55)),
        "angoff": (["--ratings", str(ratings)], None),
    }
    for method, (args, direct) in cases.items():
        shown = standards(db, "--method", method, *args)
        with Session(sitting) as s:
            b = cs.cut_basis(load_administration(s, "ADM"))
        if direct is None:  # two judges, 0.6 and 0.7 on each of 12 items: (7.2 + 8.4) / 2 = 7.8
            assert shown["method_cut"] == pytest.approx(7.8)
            continue
        r = direct(b)
        preview = preview_cut(b.data, cs.rule_of(r), before=b.result)
        assert shown["method_cut"] == pytest.approx(r.cut, rel=1e-12), method
        assert shown["cut"] == preview.change.cut_after and shown["pass_rate"] == preview.change.pass_rate_after
        assert json.loads(json.dumps(cs.rule_of(r), default=str)) == shown["rule"], method


def test_apply_records_the_printed_rule_as_the_cut_score(sitting: Engine, db: str) -> None:
    code, out = run("standards", "ADM", "--method", "fixed", "--percent", "50", "--db", db)
    assert code == 0 and "pass rate at this cut" in out and "Nothing recorded" in out
    code, out = run("standards", "ADM", "--method", "fixed", "--percent", "50", "--apply",
                    "--reason", "meeting 2025-11-20", "--user", "sec", "--db", db)
    assert code == 0, out
    assert "cut score (cesuur) 7.5 points" in out and "Recorded as the cut score of ADM" in out
    with Session(sitting) as s:
        rules = committee.cut_rules(s, "ADM")
        assert len(rules) == 1 and rules[0].reason == "meeting 2025-11-20" and rules[0].decided_by == "sec"
        assert rules[0].rule["kind"] == "percent_guessing" and rules[0].rule["value"] == 50
        assert load_administration(s, "ADM").score().cuts["total"] == Fraction(15, 2)


@pytest.mark.parametrize("args, says", [
    (["--method", "fixed"], "--method fixed needs --percent"),
    (["--method", "hofstee", "--k-min", "50"], "--method hofstee needs --k-max, --f-min, --f-max"),
    (["--method", "angoff"], "--method angoff needs --ratings"),
    (["--method", "beuk"], "--method beuk needs --judge"),
    (["--method", "beuk", "--judge", "60"], "--judge 60: expected CUT:PASS_RATE"),
    (["--method", "fixed", "--percent", "fifty"], "Percentage (%): expected a number"),  # the page's words
    (["--method", "fixed", "--percent", "50", "--judge", "60:70"], "--judge is not an input of --method fixed"),
    (["--method", "fixed", "--percent", "50", "--apply"], "give the reason with --reason"),
    (["--method", "fixed", "--percent", "50", "--reason", "x"], "--reason goes with --apply"),
    (["--method", "hofstee", "--k-min", "80", "--k-max", "60", "--f-min", "5", "--f-max", "40"],
     "Hofstee: the lowest acceptable cut (80 %) must be below the highest (60 %)"),
    (["--method", "angoff", "--ratings", "missing.csv"], "missing.csv"),
    (["--method", "median"], "Invalid value for '--method'"),
])
def test_standards_refuses_missing_or_bad_inputs_and_records_nothing(sitting: Engine, db: str, args: list[str],
                                                                    says: str) -> None:
    code, out = run("standards", "ADM", *args, "--db", db)
    assert code == 2 and says in " ".join(out.split()), out
    with Session(sitting) as s:
        assert committee.cut_rules(s, "ADM") == []


def test_a_bad_ratings_file_names_its_row_and_column(db: str, tmp_path: Path) -> None:
    ratings = tmp_path / "angoff.csv"
    ratings.write_text("judge," + ",".join(CODES) + "\nJ1," + ",".join(["0.6"] * 11 + ["1.2"]) + "\n",
                       encoding="utf-8")
    code, out = run("standards", "ADM", "--method", "angoff", "--ratings", str(ratings), "--db", db)
    assert code == 2 and "angoff.csv" in out and "Q12" in out and "1.2" in out, out
