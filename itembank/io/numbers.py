"""The one rule for numbers a user types in a file.

A number in any input file (an item's ``max_score``, a blueprint's ``lower``/``upper``, a
grader's points, a form's ``max_score``/``weight``, a decision's weight) may be written with a
decimal point or a decimal comma: ``2.5`` and ``2,5`` are the same number, as Dutch users
type it. There is no thousands separator: ``1.000,5`` and ``1,000.5`` are refused, and
``1,000`` is one (a decimal comma), not a thousand. Every reader in :mod:`itembank.io` goes
through :func:`normalise_number` or :func:`parse_number`, so the scoring core and storage
only ever see a decimal point.

**Plausible ranges.** A number far outside what an exam can hold is a mistake (a product
code pasted into ``max_score``), not data; each kind of number has one range here, checked
by every reader and service that takes it (:class:`Plausible`):

=====================  ==========================  ==========================================
number                 range                       where it is typed
=====================  ==========================  ==========================================
an item's max score    > 0 and <= 1000             items file ``max_score``, FORM ``max_score``
a weight               >= 0 and <= 100             FORM ``weight``, DECISIONS ``weight`` value
a blueprint bound      >= 0 and <= 10,000          blueprint ``lower``/``upper``, cell counts,
                                                   total points
a grader's points      0 .. the item's max score   responses (checked by the scoring core)
=====================  ==========================  ==========================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

__all__ = ["normalise_number", "parse_number", "Plausible", "MAX_SCORE", "WEIGHT", "BLUEPRINT_BOUND", "LIMITS"]

# one comma between digits (or before them: ",5"), nothing else: a decimal comma
_DECIMAL_COMMA = re.compile(r"[+-]?(\d+,\d*|,\d+)")


def normalise_number(text: str) -> str:
    """``"2,5"`` -> ``"2.5"``; any other text comes back stripped and otherwise unchanged.

    Only a lone decimal comma is rewritten, so text that is not a number (``"1.000,5"``,
    ``"two"``, ``"1/3"``) reaches the caller's own check and its message unchanged.

    >>> normalise_number(" 2,5 "), normalise_number("2.5"), normalise_number("1.000,5")
    ('2.5', '2.5', '1.000,5')
    """
    text = text.strip()
    if _DECIMAL_COMMA.fullmatch(text):
        return text.replace(",", ".")
    return text


def parse_number(text: str) -> Decimal:
    """A finite decimal from text a user typed (decimal point or comma); ``ValueError`` if not.

    >>> parse_number("2,5"), parse_number("-1"), parse_number("0.125")
    (Decimal('2.5'), Decimal('-1'), Decimal('0.125'))
    >>> parse_number("1.000,5")
    Traceback (most recent call last):
    ValueError: expected a number, got '1.000,5'
    """
    try:
        value = Decimal(normalise_number(text))
    except InvalidOperation:
        raise ValueError(f"expected a number, got '{text.strip()}'") from None
    if not value.is_finite():
        raise ValueError(f"expected a number, got '{text.strip()}'")
    return value


@dataclass(frozen=True)
class Plausible:
    """The plausible range of one kind of number: ``low`` <= x <= ``high`` (``low`` < x when
    ``low_open``). ``what`` names the number in messages, ``wording`` says the range.

    >>> MAX_SCORE.problem(Decimal("8712345678906"))
    'the maximum score must be a positive number at most 1000, got 8712345678906'
    >>> WEIGHT.problem(2), WEIGHT.problem(-1)
    (None, 'the weight must be a number from 0 to 100, got -1')
    """

    what: str
    low: int
    high: int
    low_open: bool = False

    @property
    def wording(self) -> str:
        if self.low_open and self.low == 0:
            return f"a positive number at most {self.high}"
        return f"a number from {self.low} to {self.high}"

    def contains(self, value: Decimal | Fraction | float | int) -> bool:
        try:
            x = Fraction(value)
        except (ValueError, OverflowError, TypeError):
            return False  # NaN, infinity
        above_low = x > self.low if self.low_open else x >= self.low
        return above_low and x <= self.high

    def problem(self, value: Decimal | Fraction | float | int) -> str | None:
        """``None`` when ``value`` is plausible, else the message: what, the range, what was found."""
        if self.contains(value):
            return None
        shown = format(value, "f") if isinstance(value, Decimal) and value.is_finite() else str(value)
        if isinstance(value, float) and value.is_integer():
            shown = str(int(value))
        return f"{self.what} must be {self.wording}, got {shown}"

    def check(self, value: Decimal | Fraction | float | int) -> None:
        """Raise ``ValueError`` with :meth:`problem`'s message when ``value`` is implausible."""
        message = self.problem(value)
        if message is not None:
            raise ValueError(message)


MAX_SCORE = Plausible("the maximum score", 0, 1000, low_open=True)
"""An item's maximum score: positive, at most 1000 points (an essay marked out of 100 fits ten times)."""

WEIGHT = Plausible("the weight", 0, 100)
"""An item's weight in its part and total: 0 (counts for nothing) up to 100."""

BLUEPRINT_BOUND = Plausible("a blueprint bound", 0, 10_000)
"""A blueprint row's ``lower``/``upper``, a cell's item count and a blueprint's total points."""

LIMITS: tuple[Plausible, ...] = (MAX_SCORE, WEIGHT, BLUEPRINT_BOUND)
"""Every documented range, for the README and the tests."""
