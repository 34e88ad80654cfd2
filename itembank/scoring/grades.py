"""Score-to-grade conversion, truncation and half-up rounding: the only place in itembank.

Every function here works in exact arithmetic (:class:`fractions.Fraction` in,
:class:`fractions.Fraction` or :class:`decimal.Decimal` out). In binary floating point a
candidate exactly at the cut can come out as 5.4999999 and fail, and 7.5 can become 7
(Python's ``round`` is banker's rounding besides), so neither floats nor ``round`` are used.

Conventions (DESIGN §3 rule 3, seed 004 §5.26 and §5.32):

* ``truncate(x, 3)`` cuts a grade to 3 decimals toward zero ("afkappen", §5.26);
* ``round_half_up(x)`` rounds arithmetically, half away from zero (5.5 -> 6, §5.32);
* the grade of a candidate is ``grade_exact`` (a Fraction), ``grade = truncate(grade_exact, 3)``
  and ``grade_rounded = round_half_up(grade)``: :func:`final_grade`.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Literal

__all__ = [
    "truncate",
    "round_half_up",
    "final_grade",
    "linear_grade",
    "nterm_grade",
    "table_grade",
    "format_fraction",
    "to_fraction",
]

Number = int | Fraction | Decimal | str


def to_fraction(value: Number | float, *, what: str = "value") -> Fraction:
    """Convert an int, Decimal, decimal string or float to an exact Fraction.

    A float is read through its shortest ``repr`` (``0.1`` -> ``1/10``), which is what a user
    who typed ``0.1`` in a TOML or CSV file meant. ``bool``, NaN and infinities are refused.
    """
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{what}: expected a finite number, got {value!r}")
        return Fraction(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what}: expected a finite number, got {value!r}")
        return Fraction(value)
    if isinstance(value, str):
        try:
            result = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{what}: expected a number, got {value!r}") from None
        return result
    raise ValueError(f"{what}: expected a number, got {value!r}")


def truncate(value: Fraction | Decimal | int, places: int = 3) -> Decimal:
    """Cut ``value`` to ``places`` decimals toward zero, exactly (seed 004 §5.26).

    >>> truncate(Fraction(54999, 10000))   # 5.4999 -> 5.499
    Decimal('5.499')
    >>> truncate(Fraction(11, 2))
    Decimal('5.500')
    """
    x = Fraction(value)
    scale = 10**places
    scaled = x * scale
    whole = math.floor(scaled) if scaled >= 0 else math.ceil(scaled)
    return Decimal(whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def round_half_up(value: Fraction | Decimal | int, places: int = 0) -> Decimal:
    """Round arithmetically, halves away from zero ("rekenkundig afronden", seed 004 §5.32).

    >>> round_half_up(Decimal("5.5")), round_half_up(Decimal("7.5")), round_half_up(Decimal("5.499"))
    (Decimal('6'), Decimal('8'), Decimal('5'))
    """
    x = Fraction(value)
    scale = 10**places
    scaled = abs(x) * scale
    whole = math.floor(scaled + Fraction(1, 2))
    if x < 0:
        whole = -whole
    return Decimal(whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def final_grade(grade_exact: Fraction, *, shown: Literal["truncated", "one_decimal"] = "truncated") -> tuple[Decimal, int]:
    """The grade as shown and as rounded to a whole number, from the exact grade.

    ``shown="truncated"`` (seed 004 §5.26): the exact grade cut to 3 decimals toward zero;
    ``shown="one_decimal"`` (the CvTE's N-term grade): rounded half up to one decimal. Either
    is then rounded half up to an integer (§5.32); 6 or more passes.

    >>> final_grade(Fraction(54999, 10000))   # 5.4999 -> 5.499 -> 5
    (Decimal('5.499'), 5)
    >>> final_grade(Fraction(141, 20), shown="one_decimal")   # 7.05 -> 7.1 -> 7
    (Decimal('7.1'), 7)
    """
    if shown not in ("truncated", "one_decimal"):
        raise ValueError(f"shown must be 'truncated' or 'one_decimal', got {shown!r}")
    grade = round_half_up(grade_exact, 1) if shown == "one_decimal" else truncate(grade_exact, 3)
    return grade, int(round_half_up(grade))


def linear_grade(score: Fraction, *, cut: Fraction, maximum: Fraction, anchor: Fraction = Fraction(0)) -> Fraction:
    """The Dutch two-piece linear conversion (DESIGN §5; seed 004 §5.27 "omzettingstabel ... op
    basis van de Cesuur").

    .. math::

        g(S) = 1 + 4.5\\,\\frac{S - a}{c - a}  \\quad (a \\le S < c), \\qquad
        g(S) = 5.5 + 4.5\\,\\frac{S - c}{M - c} \\quad (c \\le S \\le M)

    with cut ``c``, maximum ``M`` and anchor ``a`` (0, or the expected chance score when the
    grade 1.0 is anchored at chance); a score at or below the anchor gets 1.0. A cut equal to
    the maximum gives 10.0 at the maximum.

    >>> linear_grade(Fraction(55), cut=Fraction(55), maximum=Fraction(100))
    Fraction(11, 2)
    """
    if not anchor <= cut <= maximum or anchor >= maximum:
        raise ValueError(f"linear grade needs anchor <= cut <= maximum and anchor < maximum; got anchor={anchor}, cut={cut}, maximum={maximum}")
    if score <= anchor:
        return Fraction(1)
    if score < cut:
        return 1 + Fraction(9, 2) * (score - anchor) / (cut - anchor)
    if maximum == cut:
        return Fraction(10)
    return Fraction(11, 2) + Fraction(9, 2) * (score - cut) / (maximum - cut)


def nterm_grade(score: Fraction, *, length: Fraction, n: Fraction) -> Fraction:
    """The central-exam conversion with normalisation term N (College voor Toetsen en Examens,
    "Regeling omzetting scores in cijfers centrale examens vo"; CvTE, "De normeringssystematiek
    van de centrale examens vo", 2016):

    .. math::  C = 9.0 \\cdot S/L + N

    with S the score and L the length of the score scale (maximum), and:

    * for N > 1: C <= 1 + 2 (9 S/L) and C <= 10 - 0.5 (9 (L - S)/L)  (the lower of the three);
    * for N < 1: C >= 1 + 0.5 (9 S/L) and C >= 10 - 2 (9 (L - S)/L)  (the higher of the three);
    * N = 1: C = 1 + 9 S/L exactly.

    So S = 0 always gives 1.0 and S = L gives 10.0. Returns the exact value; the CvTE publishes
    the grade to one decimal, which the caller takes with :func:`round_half_up` (``places=1``).

    Provenance: the main formula and the principles "0 % -> 1.0, 100 % -> 10.0, every point
    counts" were checked against public secondary sources (examenblad.nl "Het hoogst haalbare
    cijfer"; cijferrekenaar.nl); the four boundary relations are as stated in issue 3 and
    agree with those principles (tests check them), but the official regulation text was not
    available to verify them word for word.

    >>> nterm_grade(Fraction(39), length=Fraction(78), n=Fraction(1))   # 9*39/78 + 1
    Fraction(11, 2)
    """
    if length <= 0:
        raise ValueError(f"N-term conversion needs a positive scale length L, got {length}")
    base = 9 * score / length
    grade = base + n
    rest = 9 * (length - score) / length
    if n > 1:
        grade = min(grade, 1 + 2 * base, 10 - Fraction(1, 2) * rest)
    elif n < 1:
        grade = max(grade, 1 + Fraction(1, 2) * base, 10 - 2 * rest)
    return grade


def table_grade(score: Fraction, rows: tuple[tuple[Fraction, Fraction], ...], *, interpolate: bool = False) -> Fraction | None:
    """Look a score up in an explicit conversion table of ``(from_score, grade)`` rows sorted by
    score: the grade of the last row whose ``from_score <= score`` (a step table); with
    ``interpolate`` the grade is linear between neighbouring rows. ``None`` below the first row.

    >>> table_grade(Fraction(64), ((Fraction(55), Fraction(6)), (Fraction(65), Fraction(7))))
    Fraction(6, 1)
    """
    chosen: int | None = None
    for i, (start, _grade) in enumerate(rows):
        if start <= score:
            chosen = i
        else:
            break
    if chosen is None:
        return None
    start, grade = rows[chosen]
    if interpolate and chosen + 1 < len(rows):
        nxt, nxt_grade = rows[chosen + 1]
        return grade + (nxt_grade - grade) * (score - start) / (nxt - start)
    return grade


def format_fraction(value: Fraction | None, places: int = 6) -> str:
    """Write an exact number for a CSV: exactly when it has a finite decimal expansion of at
    most ``places`` decimals (``55``, ``21.45``), else truncated to ``places`` decimals."""
    if value is None:
        return ""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    # Integer arithmetic: this runs for every distinct number written to a results file.
    sign = "-" if value < 0 else ""
    whole, rest = divmod(abs(value.numerator) * 10**places, value.denominator)
    digits = str(whole).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")
    return sign + text if text != "0" else "0"
