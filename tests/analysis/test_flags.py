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
from analysis.flags import (
    MESSAGES,
    MESSAGES_SEVERAL,
    SEVERITIES,
    FlagThresholds,
    item_flags,
    item_messages,
)

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
    assert crit["message"].tolist() == [
        ("Option B has a higher option-rest correlation than the key A: Rar 0.25 against 0.10. Candidates "
        "who chose B did better on the rest of the exam than those who did not; it may be a correct answer. "
        "Check the key."),
        "In the high score group, option B was chosen more often (60.0%) than the key A (30.0%). Check the key.",
    ]


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
    # shares in per cent with the option table's one decimal; no item code (shown under its heading)
    assert flags["message"].iloc[0] == "Option B was chosen more often (45.0%) than the key A (30.0%)."


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
    assert flags["message"].iloc[0] == (
        "8.0% of the candidates left it unanswered or gave an invalid answer, more than usual on this exam "
        "(typical item 1.5%, limit 5.0%). It may be unclear, too long, or placed where time ran out.")


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
    # the codes raised per option have a sentence naming several options
    assert set(MESSAGES_SEVERAL) == {"miskey_rar", "miskey_high_group", "key_less_popular",
                                     "distractor_unused", "distractor_rare"}
    # no sentence names the item: the dashboard shows them under the item's heading
    assert not [m for m in (*MESSAGES.values(), *MESSAGES_SEVERAL.values()) if "{item}" in m or m.startswith("Item")]


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


# ------------------------------------------------------------ sentences: what was measured, shown once


@pytest.mark.parametrize(
    ("rir", "sentence_rir"),
    [
        (0.197, "0.197"),    # rounds to 0.20, the limit itself: one more decimal shows it is below
        (0.1999, "0.1999"),  # 0.200 at three decimals is still the limit: four
        (0.19, "0.19"),      # clearly below at two decimals: no more
        (0.0, "0.00"),       # exactly 0: rir_low (0 <= Rir < 0.20), shown as it is
    ],
)
def test_a_rir_just_below_the_limit_is_shown_below_it(rir: float, sentence_rir: str) -> None:
    flags = item_flags(_stats({"q1": (0.60, rir)}), pd.DataFrame(_options("q1", GOOD)))
    assert flags["code"].tolist() == ["rir_low"]
    assert flags["value"].iloc[0] == rir  # the table keeps the unrounded value
    assert flags["message"].iloc[0] == (
        f"The item score correlates {sentence_rir} with the score on the rest of the exam (item-rest "
        "correlation Rir, limit 0.20): the item hardly separates candidates who do well on the other "
        "items from those who do not.")


def test_p_and_a_negative_rir_next_to_their_limits() -> None:
    # p = 0.2999 rounds to 0.30 = the lower limit; Rir -0.003 rounds to 0.00 = the limit 0
    flags = item_flags(_stats({"q1": (0.2999, -0.003)}), pd.DataFrame(_options("q1", GOOD)))
    assert flags["code"].tolist() == ["rir_negative", "p_low"]
    rir_sentence, p_sentence = flags["message"]
    assert rir_sentence.startswith("The item score correlates -0.003 with the score on the rest of the exam "
                                   "(item-rest correlation Rir, limit 0.00).")
    assert p_sentence.startswith("p = 0.2999 (lower limit 0.30): ")
    easy = item_flags(_stats({"q1": (0.9004, 0.35)}), pd.DataFrame(_options("q1", GOOD)))
    assert easy["message"].iloc[0].startswith("p = 0.9004 (upper limit 0.90): ")


def test_several_options_of_one_code_make_one_sentence() -> None:
    # Key B chosen by 16 %; A, C and D each more often: one sentence names the three (in the
    # option table's order, shares as the table shows them), repeated on each option's row.
    rows = [("A", False, 0.31, 0.30, -0.05), ("B", True, 0.16, 0.40, 0.30),
            ("C", False, 0.28, 0.20, -0.10), ("D", False, 0.25, 0.10, -0.15)]
    flags = item_flags(_stats({"q1": (0.16, 0.30)}), pd.DataFrame(_options("q1", rows)))
    popular = flags[flags["code"] == "key_less_popular"]
    assert popular["option"].tolist() == ["A", "C", "D"]  # one row per option stays
    assert popular["value"].tolist() == [0.31, 0.28, 0.25]
    sentence = "Options A, C and D were each chosen more often (31.0%, 28.0% and 25.0%) than the key B (16.0%)."
    assert popular["message"].tolist() == [sentence] * 3
    assert item_messages(flags, "q1") == [
        ("warning", ("p = 0.16 (lower limit 0.30): few candidates answered it correctly. The item may be too "
                    "hard, unclear, or have a wrong key.")),
        ("warning", sentence),
    ]


def test_two_unused_and_two_rare_options_each_make_one_sentence() -> None:
    rows = [("A", True, 0.9701, 0.99, 0.40), ("B", False, 0.0199, 0.0, -0.30), ("C", False, 0.01, 0.0, -0.20),
            ("D", False, 0.0, 0.0, np.nan), ("E", False, 0.0, 0.0, np.nan)]
    flags = item_flags(_stats({"q1": (0.85, 0.35)}), pd.DataFrame(_options("q1", rows)))
    assert _codes(flags) == [("q1", "distractor_unused", "D"), ("q1", "distractor_unused", "E"),
                             ("q1", "distractor_rare", "B"), ("q1", "distractor_rare", "C")]
    # 1.99 % reads 2.0 % at one decimal, the limit itself: both shares get a second decimal
    assert item_messages(flags, "q1") == [
        ("info", "Nobody chose options D and E, so they do not work as wrong answers."),
        ("info", ("Options B and C were chosen by only 1.99% and 1.00% of the candidates (limit 2.0%); "
                 "they hardly work as wrong answers.")),
    ]


def test_a_share_compared_with_the_key_is_not_rounded_to_the_same_number() -> None:
    # 33.17 % against the key's 33.15 %: both read 33.2 % at one decimal, so both get two
    rows = [("A", True, 0.3315, 0.60, 0.30), ("B", False, 0.3317, 0.20, -0.10),
            ("C", False, 0.2000, 0.10, -0.15), ("D", False, 0.1368, 0.10, -0.15)]
    flags = item_flags(_stats({"q1": (0.3315, 0.30)}), pd.DataFrame(_options("q1", rows)))
    assert flags["message"].tolist() == ["Option B was chosen more often (33.17%) than the key A (33.15%)."]


def test_a_small_positive_rar_is_not_shown_as_zero() -> None:
    # Rar 0.003 above the key's -0.10: the sentence says its choosers did better on the rest of
    # the exam (Rar > 0), so it must not read 0.00
    rows = [("A", True, 0.50, 0.60, -0.10), ("B", False, 0.20, 0.15, 0.003),
            ("C", False, 0.20, 0.15, -0.15), ("D", False, 0.10, 0.10, -0.15)]
    flags = item_flags(_stats({"q1": (0.50, 0.30)}), pd.DataFrame(_options("q1", rows)))
    assert "Rar 0.003 against -0.100." in flags.loc[flags["code"] == "miskey_rar", "message"].iloc[0]


def _with_groups(rows: list[dict], low: dict[object, float]) -> pd.DataFrame:
    return pd.DataFrame([{**r, "prop_low": low.get(r["option"], 0.0)} for r in rows])


def test_a_negative_rir_sentence_explains_a_key_chosen_more_by_the_high_group() -> None:
    # Rir -0.03 while the option table (groups on the total score) shows the key A in 36.9 %
    # of the high group and 29.1 % of the low group: the sentence states the correlation and
    # quotes the table's two shares, never that able candidates "did worse".
    rows = [("A", True, 0.32, 0.369, -0.03), ("B", False, 0.33, 0.25, -0.08),
            ("C", False, 0.17, 0.33, 0.30), ("D", False, 0.18, 0.05, -0.17)]
    d = _with_groups(_options("q1", rows), {"A": 0.291, "B": 0.405, "C": 0.034, "D": 0.27})
    message = item_flags(_stats({"q1": (0.32, -0.0347)}), d)["message"].iloc[0]
    assert message == (
        "The item score correlates -0.03 with the score on the rest of the exam (item-rest correlation Rir, "
        "limit 0.00). A negative Rir can mean a wrong key, a second correct answer or a misleading wording: "
        "check the key and the wording. The option table's score groups are formed on the total score, which "
        "includes this item's own points, so they can still show the key A chosen more often by the high "
        "group (36.9%) than by the low group (29.1%).")
    assert "did worse" not in message
    # the key chosen less by the high group (6 % against 27 %): the table agrees, no note
    d_low = _with_groups(_options("q1", rows), {"A": 0.27})
    d_low.loc[d_low["option"] == "A", "prop_high"] = 0.06
    message = item_flags(_stats({"q1": (0.32, -0.0347)}), d_low)["message"].iloc[0]
    assert message.endswith("check the key and the wording.")


def test_flagged_limits_per_statistic() -> None:
    th = FlagThresholds(p_low=0.25, rir_low=0.15)
    assert th.limits("p") == (0.25, 0.90)
    assert th.limits("rir") == (0.0, 0.15)
    assert th.limits("alpha_if_deleted") == ()
