"""Tests for analysis.dif: Mantel-Haenszel and logistic-regression DIF.

Reference values: hand-computed 2x2x2 tables (arithmetic in the comments), and R 4.2.2
``stats::mantelhaen.test`` / ``stats::glm`` on SAT12 stored in
``tests/data/reference/dif_*.csv`` by ``tests/data/reference/dif_make_reference.R``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.dif import _r2_class, ets_class, logistic_regression_dif, mantel_haenszel

DATA = Path(__file__).resolve().parents[1] / "data"
REF = DATA / "reference"
Z975 = 1.959963984540054  # qnorm(0.975): R's mantelhaen.test builds its 95% interval with it


def _block(stratum: int, group: str, right: int, wrong: int) -> list[tuple[int, str, int]]:
    return [(stratum, group, 1)] * right + [(stratum, group, 0)] * wrong


def _hand_table(scale: int = 1) -> pd.DataFrame:
    """Stratum 1: ref 6 right / 4 wrong, focal 3 / 7; stratum 2: ref 8 / 2, focal 6 / 4."""
    rows = (
        _block(1, "ref", 6 * scale, 4 * scale) + _block(1, "foc", 3 * scale, 7 * scale)
        + _block(2, "ref", 8 * scale, 2 * scale) + _block(2, "foc", 6 * scale, 4 * scale)
    )
    return pd.DataFrame(rows, columns=["stratum", "group", "Q1"])


def _mh(df: pd.DataFrame, **kw: object) -> pd.Series:
    return mantel_haenszel(df[["Q1"]], df["group"], focal="foc", matching=df["stratum"], **kw).loc["Q1"]


def test_mh_hand_computed_2x2x2() -> None:
    res = _mh(_hand_table())
    # R_k = A D / N: 6*7/20 = 2.1 and 8*4/20 = 1.6; S_k = B C / N: 4*3/20 = 0.6 and 2*6/20 = 0.6
    # alpha_MH = 3.7 / 1.2 = 37/12 = 3.08333
    assert res["alpha_mh"] == pytest.approx(37 / 12, rel=1e-12)
    # D = -2.35 ln(37/12) = -2.35 x 1.1260113 = -2.6461266
    assert res["mh_d_dif"] == pytest.approx(-2.35 * math.log(37 / 12), rel=1e-12)
    assert res["mh_d_dif"] == pytest.approx(-2.6461266, abs=1e-6)
    # E(A): 10*9/20 = 4.5 and 10*14/20 = 7 -> sum 11.5; sum A = 14; |14 - 11.5| = 2.5
    # Var(A): 10*10*9*11/(20^2*19) = 9900/7600 and 10*10*14*6/(20^2*19) = 8400/7600
    # chi2 = (2.5 - 0.5)^2 / (18300/7600) = 4 / 2.4078947 = 1.6612022
    assert res["chi2_mh"] == pytest.approx(4 / (18300 / 7600), rel=1e-12)
    assert res["p_value"] > 0.05
    # |D| >= 1.5 but the chi-square is not significant: ETS class A
    assert res["ets_class"] == "A"
    assert (res["n_reference"], res["n_focal"]) == (20, 20)


def test_mh_hand_table_times_four_matches_r_and_is_class_c() -> None:
    res = _mh(_hand_table(scale=4))
    # alpha_MH is unchanged by scaling all counts: 37/12.
    assert res["alpha_mh"] == pytest.approx(37 / 12, rel=1e-12)
    # sum A = 56, sum E(A) = 46; Var: 40*40*36*44/(80^2*79) + 40*40*56*24/(80^2*79)
    # = (2534400 + 2150400)/505600 = 9.2658228; chi2 = 9.5^2 / 9.2658228 = 9.7400956
    assert res["chi2_mh"] == pytest.approx(90.25 / (4684800 / 505600), rel=1e-12)
    r = pd.read_csv(REF / "dif_hand_2x2x2_r.csv", comment="#").iloc[0]
    assert res["chi2_mh"] == pytest.approx(r["mh_chi2"], rel=1e-9)
    assert res["p_value"] == pytest.approx(r["mh_p"], rel=1e-8)
    se_ln = math.log(r["mh_conf_high"] / r["mh_conf_low"]) / (2 * Z975)
    assert res["se_mh_d_dif"] == pytest.approx(2.35 * se_ln, rel=1e-8)
    # |D| = 2.646 >= 1.5 and (2.646 - 1) / 0.814 = 2.02 > 1.645: class C
    assert res["ets_class"] == "C"


def test_mh_agrees_with_r_mantelhaen_test_on_sat12() -> None:
    x = pd.read_csv(DATA / "data_sat12_scored.csv")
    group = np.where(np.arange(1, len(x) + 1) % 2 == 1, "odd", "even")
    res = mantel_haenszel(x, group, focal="odd", reference="even")
    r = pd.read_csv(REF / "dif_sat12_r.csv", comment="#").set_index("item")
    assert list(res.index) == list(r.index)
    np.testing.assert_allclose(res["chi2_mh"], r["mh_chi2"], rtol=1e-8)
    np.testing.assert_allclose(res["p_value"], r["mh_p"], rtol=1e-7)
    np.testing.assert_allclose(res["alpha_mh"], r["mh_estimate"], rtol=1e-9)
    se_ln = np.log(r["mh_conf_high"] / r["mh_conf_low"]) / (2 * Z975)
    np.testing.assert_allclose(res["se_mh_d_dif"], 2.35 * se_ln, rtol=1e-7)
    assert (res["n_reference"] == 300).all() and (res["n_focal"] == 300).all()


def _simulated(seed: int = 7, n: int = 1500, shift: float = 1.0) -> tuple[pd.DataFrame, np.ndarray]:
    """Rasch data, 20 items; item Q01 is `shift` logits harder for the focal group."""
    rng = np.random.default_rng(seed)
    b = np.linspace(-1.5, 1.5, 20)
    theta = rng.normal(size=2 * n)
    group = np.array(["ref"] * n + ["foc"] * n)
    bb = np.tile(b, (2 * n, 1))
    bb[n:, 0] += shift
    p = 1 / (1 + np.exp(-(theta[:, None] - bb)))
    x = (rng.random(p.shape) < p).astype(int)
    cols = [f"Q{i:02d}" for i in range(1, 21)]
    return pd.DataFrame(x, columns=cols), group


def test_item_harder_for_focal_group_has_negative_d_and_class_c() -> None:
    x, g = _simulated()
    res = mantel_haenszel(x, g, focal="foc")
    # Under the Rasch model the MH log odds ratio estimates the shift (Holland & Thayer, 1988),
    # so D is about -2.35 x 1.0; sampling error of D at n = 1500 per group is about 0.2.
    assert res.loc["Q01", "mh_d_dif"] == pytest.approx(-2.35, abs=0.6)
    assert res.loc["Q01", "ets_class"] == "C"
    assert (res.drop(index="Q01")["ets_class"] != "C").all()


def test_swapping_groups_negates_d_and_keeps_chi2() -> None:
    x, g = _simulated(seed=3, n=300)
    a = mantel_haenszel(x, g, focal="foc")
    b = mantel_haenszel(x, g, focal="ref")
    np.testing.assert_allclose(a["mh_d_dif"], -b["mh_d_dif"], atol=1e-12)
    np.testing.assert_allclose(a["chi2_mh"], b["chi2_mh"], rtol=1e-9)
    assert (a["n_reference"] == b["n_focal"]).all()


def test_identical_groups_give_odds_ratio_one_and_zero_chi2() -> None:
    x, _ = _simulated(seed=5, n=200)
    both = pd.concat([x, x], ignore_index=True)
    g = ["ref"] * len(x) + ["foc"] * len(x)
    res = mantel_haenszel(both, g, focal="foc")
    np.testing.assert_allclose(res["alpha_mh"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(res["chi2_mh"], 0.0, atol=1e-12)
    assert (res["ets_class"] == "A").all()


def test_purification_drops_the_dif_item_from_the_other_items_matching_score() -> None:
    x, g = _simulated(seed=11, n=800, shift=1.5)
    res = mantel_haenszel(x, g, focal="foc", purify=True)
    excluded = res.attrs["purified_anchor_excluded"]
    assert "Q01" in excluded
    # For an anchor item the purified matching score is the total over the anchor items.
    anchor_total = x.drop(columns=excluded).sum(axis=1)
    item = next(c for c in x.columns if c not in excluded)
    direct = mantel_haenszel(x[[item]], g, focal="foc", matching=anchor_total)
    assert res.loc[item, "chi2_mh"] == pytest.approx(direct.loc[item, "chi2_mh"], rel=1e-12)
    # A flagged item is matched on the anchor total plus its own score.
    own = mantel_haenszel(x[["Q01"]], g, focal="foc", matching=anchor_total + x["Q01"])
    assert res.loc["Q01", "alpha_mh"] == pytest.approx(own.loc["Q01", "alpha_mh"], rel=1e-12)


@pytest.mark.parametrize(
    ("d", "se", "p", "expected"),
    [
        (-0.99, 0.1, 1e-6, "A"),   # |D| < 1
        (-2.00, 0.3, 0.06, "A"),   # not significant at 0.05
        (-1.00, 0.1, 0.001, "B"),  # |D| = 1, significant, < 1.5
        (1.49, 0.1, 0.001, "B"),   # just under 1.5
        (1.50, 0.30, 0.001, "C"),  # (1.5 - 1)/0.3 = 1.667 > 1.645
        (1.50, 0.31, 0.001, "B"),  # (1.5 - 1)/0.31 = 1.613 < 1.645: not significantly > 1
        (-1.60, 0.36, 0.001, "C"),  # 0.6/0.36 = 1.667 > 1.645; sign does not matter
    ],
)
def test_ets_class_rule(d: float, se: float, p: float, expected: str) -> None:
    assert ets_class(d, se, p) == expected


def test_logistic_regression_dif_agrees_with_r_glm_on_sat12() -> None:
    x = pd.read_csv(DATA / "data_sat12_scored.csv")
    group = np.where(np.arange(1, len(x) + 1) % 2 == 1, "odd", "even")
    res = logistic_regression_dif(x, group, focal="odd", reference="even")
    r = pd.read_csv(REF / "dif_sat12_r.csv", comment="#").set_index("item")
    np.testing.assert_allclose(res["chi2_uniform"], r["dev0"] - r["dev1"], atol=2e-6)
    np.testing.assert_allclose(res["chi2_nonuniform"], r["dev1"] - r["dev2"], atol=2e-6)
    np.testing.assert_allclose(res["chi2_total"], r["dev0"] - r["dev2"], atol=2e-6)
    # Nagelkerke R² from R's deviances (LL = -deviance / 2 for 0/1 data), n = 600.
    n = 600

    def nagelkerke(dev: pd.Series) -> pd.Series:
        cs = 1 - np.exp((dev - r["devnull"]) / n)
        return cs / (1 - np.exp(-r["devnull"] / n))

    np.testing.assert_allclose(
        res["r2_delta_total"], nagelkerke(r["dev2"]) - nagelkerke(r["dev0"]), atol=1e-8
    )
    np.testing.assert_allclose(
        res["r2_delta_uniform"], nagelkerke(r["dev1"]) - nagelkerke(r["dev0"]), atol=1e-8
    )


def test_logistic_regression_finds_uniform_dif_in_simulated_item() -> None:
    x, g = _simulated(seed=2, n=1000, shift=1.0)
    res = logistic_regression_dif(x, g, focal="foc")
    assert res.loc["Q01", "p_uniform"] < 1e-6
    assert res["p_uniform"].idxmin() == "Q01"
    # uniform shift only: the interaction adds little
    assert res.loc["Q01", "chi2_nonuniform"] < res.loc["Q01", "chi2_uniform"] / 10


@pytest.mark.parametrize(
    ("delta", "p", "zt", "jg"),
    [
        (0.034, 0.001, "A", "A"),  # JG: < 0.035 negligible
        (0.035, 0.001, "A", "B"),  # JG: 0.035 <= moderate < 0.070
        (0.070, 0.001, "A", "C"),  # JG: >= 0.070 large
        (0.13, 0.001, "B", "C"),   # ZT: 0.13 <= moderate < 0.26
        (0.26, 0.001, "C", "C"),   # ZT: >= 0.26 large
        (0.30, 0.20, "A", "A"),    # not significant
    ],
)
def test_r2_effect_size_classes(delta: float, p: float, zt: str, jg: str) -> None:
    assert _r2_class(delta, p, 0.05, (0.13, 0.26)) == zt
    assert _r2_class(delta, p, 0.05, (0.035, 0.070)) == jg


def test_nan_policy_omit_drops_the_candidate_from_that_item_only() -> None:
    x, g = _simulated(seed=4, n=100)
    x = x.astype(float)
    x.iloc[0, 2] = np.nan
    with pytest.raises(ValueError, match=r"item 'Q03' has no score for candidate 0"):
        mantel_haenszel(x, g, focal="foc")
    res = mantel_haenszel(x, g, focal="foc", nan_policy="omit")
    assert res.loc["Q03", "n_reference"] == 99
    assert res.loc["Q04", "n_reference"] == 100


def test_bad_input_names_item_candidate_and_groups() -> None:
    x = pd.DataFrame({"Q1": [1, 0, 2], "Q2": [1, 1, 0]}, index=["c1", "c2", "c3"])
    with pytest.raises(ValueError, match=r"item 'Q1' has score 2.0 for candidate 'c3'"):
        mantel_haenszel(x, ["a", "b", "a"], focal="a")
    ok = x.replace(2, 1)
    with pytest.raises(ValueError, match=r"focal group 'z' does not occur"):
        mantel_haenszel(ok, ["a", "b", "a"], focal="z")
    with pytest.raises(ValueError, match=r"pass reference= explicitly"):
        mantel_haenszel(ok, ["a", "b", "c"], focal="a")
    with pytest.raises(ValueError, match=r"group has 2 values but scores has 3 rows"):
        logistic_regression_dif(ok, ["a", "b"], focal="a")
    with pytest.raises(ValueError, match=r"do not pass matching"):
        mantel_haenszel(ok, ["a", "b", "a"], focal="a", purify=True, matching=[1, 2, 3])
