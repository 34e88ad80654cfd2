"""Specification of analysis.flags.item_flags: which flags a committee sees, and when.

Most tests feed small hand-made statistics tables so that each rule is checked at its
boundary; one test runs the whole chain on SAT12, whose item 32 has a key the original
documentation itself calls uncertain (5 or 3; tests/data/README.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.ctt import OMITTED, distractors, item_statistics
from analysis.flags import MESSAGES, SEVERITIES, FlagThresholds, item_flags

DATA = Path(__file__).resolve().parents[1] / "data"


def _stats(rows: dict[str, tuple[float, float]], n: int = 100) -> pd.DataFrame:
    """item -> (p, rir); other columns are not used by the flags."""
    return pd.DataFrame(
        {"n": [n] * len(rows), "p": [r[0] for r in rows.values()], "rir": [r[1] for r in rows.values()]},
        index=pd.Index(list(rows), name="item"),
    )


def _options(item: str, rows: list[tuple[object, bool, float, float, float]], omitted: float = 0.0) -> list[dict]:
    """(option, is_key, proportion, prop_high, rar) rows plus the OMITTED row of one item."""
    out = [
        {"item": item, "option": o, "is_key": k, "is_omitted": False, "n": round(p * 100),
         "proportion": p, "prop_high": h, "rar": r}
        for o, k, p, h, r in rows
    ]
    out.append({"item": item, "option": OMITTED, "is_key": False, "is_omitted": True,
                "n": round(omitted * 100), "proportion": omitted, "prop_high": 0.0, "rar": np.nan})
    return out


# A well-behaved item: key chosen most, by the high group most, with the highest Rar.
GOOD = [("A", True, 0.60, 0.90, 0.40), ("B", False, 0.20, 0.05, -0.20),
        ("C", False, 0.10, 0.03, -0.15), ("D", False, 0.10, 0.02, -0.10)]


def _codes(flags: pd.DataFrame) -> list[tuple[str, str, object]]:
    return list(zip(flags["item"], flags["code"], flags["option"]))


def test_a_well_behaved_item_raises_no_flag() -> None:
    flags = item_flags(_stats({"q1": (0.60, 0.35)}), pd.DataFrame(_options("q1", GOOD)))
    assert list(flags.columns) == ["item", "code", "severity", "option", "value", "message"]
    assert flags.empty


@pytest.mark.parametrize(
    ("p", "rir", "expected"),
    [
        (0.30, 0.20, []),  # exactly on the default limits: not flagged
        (0.2999, 0.35, [("p_low", "warning")]),
        (0.9001, 0.35, [("p_high", "warning")]),
        (0.60, 0.1999, [("rir_low", "warning")]),
        (0.60, -0.05, [("rir_negative", "critical")]),
        (0.20, -0.05, [("rir_negative", "critical"), ("p_low", "warning")]),  # critical first
    ],
)
def test_difficulty_and_discrimination_flags_at_their_limits(p: float, rir: float, expected: list) -> None:
    flags = item_flags(_stats({"q1": (p, rir)}), pd.DataFrame(_options("q1", GOOD)))
    assert list(zip(flags["code"], flags["severity"])) == expected


def test_thresholds_are_configurable_in_one_place() -> None:
    stats = _stats({"q1": (0.35, 0.25)})
    d = pd.DataFrame(_options("q1", GOOD))
    assert item_flags(stats, d).empty
    strict = FlagThresholds(p_low=0.40, rir_low=0.30)
    assert [c for _, c, _ in _codes(item_flags(stats, d, thresholds=strict))] == ["p_low", "rir_low"]


def test_distractor_with_higher_rar_than_the_key_is_a_possible_miskey() -> None:
    rows = [("A", True, 0.40, 0.30, 0.10), ("B", False, 0.35, 0.60, 0.25),
            ("C", False, 0.15, 0.05, -0.20), ("D", False, 0.10, 0.05, -0.25)]
    flags = item_flags(_stats({"q1": (0.40, 0.10)}), pd.DataFrame(_options("q1", rows)))
    crit = flags[flags["severity"] == "critical"]
    assert _codes(crit) == [("q1", "miskey_rar", "B"), ("q1", "miskey_high_group", "B")]
    assert crit["value"].tolist() == [0.25, 0.60]
    assert "option B" in crit["message"].iloc[0] and "key A" in crit["message"].iloc[0]


def test_negative_rar_above_the_key_is_not_a_miskey() -> None:
    # Key Rar -0.30, distractor Rar -0.10: higher, but not positive -> no miskey_rar
    rows = [("A", True, 0.40, 0.30, -0.30), ("B", False, 0.30, 0.20, -0.10),
            ("C", False, 0.20, 0.20, 0.00), ("D", False, 0.10, 0.05, -0.05)]
    flags = item_flags(_stats({"q1": (0.40, -0.30)}), pd.DataFrame(_options("q1", rows)))
    assert "miskey_rar" not in flags["code"].tolist()


def test_key_chosen_less_than_a_distractor() -> None:
    rows = [("A", True, 0.30, 0.80, 0.40), ("B", False, 0.45, 0.15, -0.10),
            ("C", False, 0.15, 0.03, -0.20), ("D", False, 0.10, 0.02, -0.20)]
    flags = item_flags(_stats({"q1": (0.30, 0.40)}), pd.DataFrame(_options("q1", rows)))
    assert _codes(flags) == [("q1", "key_less_popular", "B")]
    assert flags["message"].iloc[0] == MESSAGES["key_less_popular"].format(
        item="q1", option="B", proportion=0.45, key="A", key_proportion=0.30
    )


def test_unused_and_rarely_chosen_distractors() -> None:
    rows = [("A", True, 0.78, 0.95, 0.40), ("B", False, 0.20, 0.05, -0.30),
            ("C", False, 0.0199, 0.0, -0.10), ("D", False, 0.0, 0.0, np.nan),
            ("E", False, 0.02, 0.0, -0.05)]  # exactly 2 %: not flagged
    flags = item_flags(_stats({"q1": (0.78, 0.40)}), pd.DataFrame(_options("q1", rows, omitted=0.0001)))
    assert _codes(flags) == [("q1", "distractor_unused", "D"), ("q1", "distractor_rare", "C")]
    assert {s for s in flags["severity"]} == {"info"}


def test_more_omissions_than_usual() -> None:
    # Omission shares 1 %, 1 %, 2 %, 8 %: median 1.5 %, limit max(5 %, 2 x 1.5 %) = 5 %
    d = pd.DataFrame(
        _options("q1", GOOD, 0.01) + _options("q2", GOOD, 0.01)
        + _options("q3", GOOD, 0.02) + _options("q4", GOOD, 0.08)
    )
    stats = _stats({q: (0.60, 0.35) for q in ("q1", "q2", "q3", "q4")})
    flags = item_flags(stats, d)
    assert _codes(flags) == [("q4", "omissions_high", None)]
    assert "8%" in flags["message"].iloc[0] and "2%" in flags["message"].iloc[0]  # median 1.5 % shown as 2 %


def test_key_comparisons_need_enough_candidates() -> None:
    rows = [("A", True, 0.40, 0.30, 0.10), ("B", False, 0.45, 0.60, 0.25),
            ("C", False, 0.10, 0.05, -0.20), ("D", False, 0.05, 0.05, -0.25)]
    flags = item_flags(_stats({"q1": (0.40, 0.25)}, n=19), pd.DataFrame(_options("q1", rows)))
    assert not set(flags["code"]) & {"miskey_rar", "miskey_high_group", "key_less_popular"}
    assert item_flags(_stats({"q1": (0.40, 0.25)}, n=19), pd.DataFrame(_options("q1", rows)),
                      thresholds=FlagThresholds(min_n=10))["code"].tolist() == ["miskey_rar", "miskey_high_group", "key_less_popular"]


def test_every_flag_code_has_a_message_and_a_known_severity() -> None:
    from analysis.flags import _SEVERITY

    assert set(MESSAGES) == set(_SEVERITY)
    assert set(_SEVERITY.values()) <= set(SEVERITIES)


def test_sat12_item_32_with_its_uncertain_key_is_flagged_as_a_possible_miskey() -> None:
    # tests/data/README.md: "item 32's key is uncertain in the original documentation (5 or 3)".
    raw = pd.read_csv(DATA / "data_sat12_raw.csv")
    key = pd.read_csv(DATA / "data_sat12_key.csv")
    scored = pd.read_csv(DATA / "data_sat12_scored.csv")
    choices = raw.where(raw != 8)
    flags = item_flags(item_statistics(scored), distractors(choices, dict(zip(key["item"], key["key"]))))
    critical = flags[flags["severity"] == "critical"]
    # Only item 32 is critical, and the suspected option is 3, the alternative key.
    assert _codes(critical) == [("Item32", "miskey_rar", 3), ("Item32", "miskey_high_group", 3)]
    # The p-value band flags match psych::alpha's item means (psych_sat12_alpha.json):
    # below .30: items 1, 3, 6, 8, 32; above .90: items 11, 17, 21, 22.
    p_flags = flags[flags["code"].isin(["p_low", "p_high"])]
    assert sorted(p_flags["item"], key=lambda s: int(s[4:])) == [
        "Item1", "Item3", "Item6", "Item8", "Item11", "Item17", "Item21", "Item22", "Item32"
    ]


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match=r"stats lacks column\(s\) \['rir'\]"):
        item_flags(pd.DataFrame({"n": [1], "p": [0.5]}), pd.DataFrame(_options("q1", GOOD)))
    with pytest.raises(ValueError, match="distractors has item 'q9', which is not in stats"):
        item_flags(_stats({"q1": (0.5, 0.3)}), pd.DataFrame(_options("q9", GOOD)))
    with pytest.raises(ValueError, match="p_low <= p_high"):
        FlagThresholds(p_low=0.9, p_high=0.3)
