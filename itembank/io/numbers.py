"""The one rule for numbers a user types in a file.

A number in any input file (an item's ``max_score``, a blueprint's ``lower``/``upper``, a
grader's points, a form's ``max_score``/``weight``, a decision's weight) may be written with a
decimal point or a decimal comma: ``2.5`` and ``2,5`` are the same number, as Dutch users
type it. There is no thousands separator: ``1.000,5`` and ``1,000.5`` are refused, and
``1,000`` is one (a decimal comma), not a thousand. Every reader in :mod:`itembank.io` goes
through :func:`normalise_number` or :func:`parse_number`, so the scoring core and storage
only ever see a decimal point.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["normalise_number", "parse_number"]

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
