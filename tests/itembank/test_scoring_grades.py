"""Grades: truncation, half-up rounding and the three conversions, all hand-computed."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itembank.scoring.grades import (
    final_grade,
    format_fraction,
    linear_grade,
    nterm_grade,
    round_half_up,
    table_grade,
    to_fraction,
    truncate,
)

# Expected grades below are written out by hand from seed 004 §5.26 (truncate the grade to 3
# decimals: cut off the digits after the third, never round them) and §5.32 (round that
# half up to a whole number: a fraction .5 or more goes up, below .5 goes down).


def test_exactly_at_the_cut_is_5_5_and_rounds_to_6() -> None:
    # cut 55 of 100: g(55) = 5.5 + 4.5 * 0/45 = 5.5
    assert linear_grade(F(55), cut=F(55), maximum=F(100)) == F(11, 2)
    # 5.5 has no digits past the third: shown 5.500; the fraction .500 is a half -> up to 6
    assert final_grade(F(11, 2)) == (Decimal("5.500"), 6)


def test_5_4999_truncates_to_5_499_and_rounds_to_5() -> None:
    # The example: 5.4999 -> the fourth decimal 9 is cut off (not rounded, which would
    # give 5.500) -> shown 5.499; its fraction .499 is below a half -> down to 5
    assert final_grade(F("5.4999")) == (Decimal("5.499"), 5)


@pytest.mark.parametrize(
    ("grade_exact", "shown", "rounded"),
    [
        (F(10), "10.000", 10),  # the maximum: nothing to cut, nothing to round
        (F(1), "1.000", 1),  # the minimum
        (F(2, 3), "0.666", 1),  # 0.6666... -> cut to 0.666 (not 0.667); .666 >= .5 -> 1
        (F(65, 13), "5.000", 5),  # 5 exactly
        (F(5499, 1000) + F(1, 10**9), "5.499", 5),  # 5.499000001 -> 5.499 -> 5
        (F(54995, 10000), "5.499", 5),  # 5.4995 would round to 5.500 and pass; cut to 5.499 it fails
        (F(95, 13), "7.307", 7),  # 7.307692... -> 7.307 -> .307 < .5 -> 7
        (F(13, 2) - F(1, 10**6), "6.499", 6),  # 6.499999 -> 6.499 -> 6
        (F(13, 2), "6.500", 7),  # 6.5 -> 7 (Python's round(6.5) gives 6)
    ],
)
def test_final_grade_table_by_hand(grade_exact: F, shown: str, rounded: int) -> None:
    assert final_grade(grade_exact) == (Decimal(shown), rounded)


def test_final_grade_of_an_nterm_grade_is_one_decimal_half_up() -> None:
    # CvTE: the N-term grade is published to one decimal, rounded half up:
    # 7.05 -> 7.1 (the 5 goes up) -> 7; 5.45 -> 5.5 -> 6; 5.449 -> 5.4 -> 5
    assert final_grade(F("7.05"), shown="one_decimal") == (Decimal("7.1"), 7)
    assert final_grade(F("5.45"), shown="one_decimal") == (Decimal("5.5"), 6)
    assert final_grade(F("5.449"), shown="one_decimal") == (Decimal("5.4"), 5)
    with pytest.raises(ValueError, match="shown must be"):
        final_grade(F(5), shown="rounded")  # type: ignore[arg-type]


def test_7_5_rounds_up_to_8_although_floats_say_7_4999() -> None:
    # max 28, cut 55 % = 15.4, S = 21: 5.5 + 4.5 * 5.6/12.6 = 5.5 + 2 = 7.5 exactly.
    grade = linear_grade(F(21), cut=F(55, 100) * 28, maximum=F(28))
    assert grade == F(15, 2)
    # 7.5 -> shown 7.500 -> the fraction .500 is a half -> up to 8
    assert final_grade(grade) == (Decimal("7.500"), 8)
    # Why exact arithmetic: the same formula in floats gives 7.499999999999999, which
    # truncates to 7.499 and rounds to 7; and Python's round() is banker's (round(6.5) == 6).
    cut = 0.55 * 28
    assert 5.5 + 4.5 * (21 - cut) / (28 - cut) < 7.5
    assert round(6.5) == 6 and round_half_up(Decimal("6.5")) == 7


def test_a_candidate_exactly_at_a_percentage_cut_passes() -> None:
    # max 100, cut 55 %: the float cut is 55.00000000000001, so in floats S = 55 is *below* it
    # (grade 5.4999999 -> 5, fail). Exactly, the cut is 55 and S = 55 gets 5.5 -> 6.
    assert 0.55 * 100 > 55
    grade = linear_grade(F(55), cut=F(55, 100) * 100, maximum=F(100))
    assert grade == F(11, 2)  # 5.5 + 4.5 * (55 - 55)/(100 - 55)
    assert final_grade(grade) == (Decimal("5.500"), 6)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", 1), ("2.5", 3), ("5.5", 6), ("5.499", 5), ("7.5", 8), ("9.4999", 9), ("-2.5", -3)],
)
def test_round_half_up_rounds_halves_away_from_zero(value: str, expected: int) -> None:
    # Arithmetic rounding (seed 004 §5.32); halves go up, e.g. 2.5 -> 3 where round() gives 2.
    assert round_half_up(Decimal(value)) == expected


def test_truncate_cuts_toward_zero_and_keeps_places() -> None:
    assert truncate(F(2, 3), 3) == Decimal("0.666")  # 0.6666... cut, not rounded to 0.667
    assert truncate(F(-2, 3), 3) == Decimal("-0.666")
    assert truncate(F(10), 3) == Decimal("10.000")
    assert round_half_up(F(1, 20), 1) == Decimal("0.1")  # 0.05 -> 0.1 at one decimal


def test_linear_grade_two_pieces_by_hand() -> None:
    # cut 13 of 20 (65 %): below, 1 + 4.5 * S/13; above, 5.5 + 4.5 * (S - 13)/7.
    assert linear_grade(F(0), cut=F(13), maximum=F(20)) == 1
    assert linear_grade(F(12), cut=F(13), maximum=F(20)) == 1 + F(54, 13)  # 5.153846...
    assert linear_grade(F(16), cut=F(13), maximum=F(20)) == F(11, 2) + F(27, 14)  # 7.428571...
    assert linear_grade(F(20), cut=F(13), maximum=F(20)) == 10


def test_linear_grade_anchored_at_the_chance_score() -> None:
    # 20 four-option items: chance score 5. S <= 5 -> 1.0; S = 9 -> 1 + 4.5 * (9-5)/(13-5) = 3.25
    assert linear_grade(F(3), cut=F(13), maximum=F(20), anchor=F(5)) == 1
    assert linear_grade(F(9), cut=F(13), maximum=F(20), anchor=F(5)) == F(13, 4)
    assert linear_grade(F(13), cut=F(13), maximum=F(20), anchor=F(5)) == F(11, 2)


def test_linear_grade_refuses_a_cut_above_the_maximum() -> None:
    with pytest.raises(ValueError, match="cut <= maximum"):
        linear_grade(F(1), cut=F(21), maximum=F(20))


def test_nterm_main_formula() -> None:
    # Public worked example (N = 1.0, 52 of 78 points): 9 * 52/78 + 1.0 = 7.0
    assert nterm_grade(F(52), length=F(78), n=F(1)) == 7
    # N = 1.2, L = 20, S = 10: 9 * 0.5 + 1.2 = 5.7; caps 1 + 2*4.5 = 10 and 10 - 0.5*4.5 = 7.75 not binding
    assert nterm_grade(F(10), length=F(20), n=F("1.2")) == F("5.7")


def test_nterm_boundaries_for_n_above_1() -> None:
    # N = 2, L = 40, S = 2: 9*2/40 + 2 = 2.45, but at most 1 + 2 * 0.45 = 1.9
    assert nterm_grade(F(2), length=F(40), n=F(2)) == F("1.9")
    # S = 39: 8.775 + 2 = 10.775, at most 10 - 0.5 * 9 * 1/40 = 9.8875 -> 9.9 at one decimal
    assert nterm_grade(F(39), length=F(40), n=F(2)) == F("9.8875")
    assert round_half_up(F("9.8875"), 1) == Decimal("9.9")


def test_nterm_boundaries_for_n_below_1() -> None:
    # N = 0, L = 40, S = 2: 0.45, but at least 1 + 0.5 * 0.45 = 1.225 -> 1.2
    assert nterm_grade(F(2), length=F(40), n=F(0)) == F("1.225")
    # S = 38: 8.55, but at least 10 - 2 * 9 * 2/40 = 9.1
    assert nterm_grade(F(38), length=F(40), n=F(0)) == F("9.1")


@given(
    n=st.fractions(min_value=0, max_value=3).map(lambda f: F(round(f * 10), 10)),
    length=st.integers(min_value=1, max_value=150),
    data=st.data(),
)
def test_nterm_ends_at_1_and_10_and_never_decreases(n: F, length: int, data: st.DataObject) -> None:
    # CvTE principles: 0 % -> 1.0, 100 % -> 10.0, every point counts (non-decreasing).
    assert nterm_grade(F(0), length=F(length), n=n) == 1
    assert nterm_grade(F(length), length=F(length), n=n) == 10
    s = data.draw(st.integers(min_value=0, max_value=length - 1))
    assert nterm_grade(F(s), length=F(length), n=n) <= nterm_grade(F(s + 1), length=F(length), n=n)


def test_table_grade_steps_and_interpolates() -> None:
    rows = ((F(0), F(1)), (F(10), F(4)), (F(20), F(10)))
    assert table_grade(F(-1), rows) is None
    assert table_grade(F(15), rows) == 4  # step: last row with from <= 15
    assert table_grade(F(15), rows, interpolate=True) == 7  # 4 + (10 - 4) * 5/10
    assert table_grade(F(20), rows, interpolate=True) == 10


def test_format_fraction_is_exact_when_it_can_be() -> None:
    assert format_fraction(F(429, 20)) == "21.45"
    assert format_fraction(F(55)) == "55"
    assert format_fraction(F(1, 3)) == "0.333333"  # truncated, 6 decimals
    assert format_fraction(None) == ""


def test_to_fraction_reads_what_the_user_typed() -> None:
    assert to_fraction(0.1) == F(1, 10)  # via repr, not the binary value 0.1000000000000000055...
    assert to_fraction("2.5") == F(5, 2)
    with pytest.raises(ValueError, match="expected a number"):
        to_fraction("two")
    with pytest.raises(ValueError, match="finite"):
        to_fraction(float("nan"))
