"""How numbers are shown (itembank/display.py, rules in analysis/decimals.py): half-up rounding
on the decimal spelling, and values shown against the limits they were flagged against.

Expected texts are written out by hand (the committee's way: a 5 in the first dropped decimal
rounds away from zero), not re-derived with the function under test.
"""

from __future__ import annotations

import doctest

import pytest

from analysis import decimals
from itembank import display


@pytest.mark.parametrize(
    ("value", "kind", "expected", "python_round"),
    [
        (0.125, "p", 0.13, 0.12),         # an exact binary tie: round() goes to the even digit
        (2.675, "sem", 2.68, 2.67),        # stored as 2.67499999...: round() goes down
        (27.25, "percent", 27.3, 27.2),    # exact tie again
        (0.71249, "alpha", 0.712, 0.712),  # not a tie: the same either way
        (-0.005, "rir", -0.01, -0.01),     # halves go away from zero on the negative side too
        (-0.125, "rar", -0.13, -0.12),
    ],
)
def test_rounding_is_half_up_on_the_decimal_spelling(value: float, kind: str, expected: float,
                                                     python_round: float) -> None:
    assert round(value, display.DECIMALS[kind]) == python_round  # what the display used to show
    assert display.rounded(value, kind) == expected


def test_texts_round_half_up() -> None:
    assert display.shown(0.125, "p") == "0.13"
    assert display.shown(2.675, "sem") == "2.68"
    assert display.shown(27.25, "percent") == "27.3"
    assert display.shown(29.5233, "score_mean") == "29.52"
    assert display.shown(-0.003, "rir") == "0.00"  # no "-0.00"
    assert display.shown_percent(0.125) == "13%"    # 12.5 % at no decimals
    assert display.shown_percent(0.2725, "percent") == "27.3%"
    # a share is moved to per cent on its decimal spelling: 0.27255 -> 27.255 -> 27.26
    assert display.rounded_percent(0.27255, "p") == 27.26
    assert display.rounded_percent(0.0125) == 1.3
    assert display.rounded_percent(float("nan")) is None


@pytest.mark.parametrize(
    ("value", "limits", "kind", "expected"),
    [
        (0.197, 0.20, "rir", "0.197"),          # flagged (< 0.20) yet 0.20 at two decimals
        (0.1999, 0.20, "rir", "0.1999"),
        (0.2004, 0.20, "rir", "0.2004"),        # not flagged, yet 0.20: shown above the limit
        (0.2, 0.20, "rir", "0.20"),             # on the limit: equal is shown equal
        (0.35, 0.20, "rir", "0.35"),
        (-0.003, (0.0, 0.20), "rir", "-0.003"),  # flagged negative, not "0.00"
        (0.9004, (0.30, 0.90), "p", "0.9004"),
        (0.8333, (0.30, 0.90), "p", "0.83"),
        (float("nan"), 0.20, "rir", "nan"),
    ],
)
def test_a_value_is_shown_on_its_side_of_the_limit(value: float, limits: object, kind: str, expected: str) -> None:
    assert display.shown_against(value, limits, kind) == expected


def test_shares_and_limits_against_each_other() -> None:
    assert display.shown_against(0.2999, 0.30, "p", percent=True) == "29.99%"
    assert display.shown_against(0.0199, 0.02, "percent", percent=True) == "1.99%"
    assert display.rounded_against(0.197, 0.20, "rir") == 0.197
    assert display.rounded_against(None, 0.20, "rir") is None
    # a limit is a chosen number: shown exactly, never rounded
    assert display.shown_limit(0.2, "rir") == "0.20"
    assert display.shown_limit(0.205, "rir") == "0.205"
    assert display.shown_limit(0.02, "percent", percent=True) == "2.0%"


def test_the_examples_in_the_docstrings_hold() -> None:
    for module in (display, decimals):
        outcome = doctest.testmod(module)
        assert outcome.attempted >= 8 and outcome.failed == 0, module.__name__
