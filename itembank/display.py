"""How numbers are shown: the decimals of every statistic, in one place.

The dashboard (:mod:`dashboard.views`), the command line (:mod:`itembank.cli.analyze`) and
the reports show statistics through the functions below, so a p-value has the same number
of decimals on every screen. Computation never rounds (the statistics keep full precision in
:mod:`analysis`); only what a person reads is rounded, here.

Rounding is half up on the value's shortest decimal spelling: the value is read as the
decimal Python prints for it, then halves go away from zero, as a committee rounds by hand
(0.125 -> 0.13, 2.675 -> 2.68, 27.25 -> 27.3; Python's ``round`` gives 0.12, 2.67 and 27.2,
ties to even on the binary value). This is display only: the rules that decide a result
(truncation of scores, half-up rounding of grades, DESIGN §3 rule 3) live in the scoring
core, :mod:`itembank.scoring`, whose ``round_half_up`` this rounding reuses.

A value shown next to a limit it was compared with (a flag's threshold) goes through
:func:`shown_against`: it gets extra decimals when rounding would hide on which side of the
limit it lies (a Rir of 0.197 against 0.20 reads "0.197", not "0.20").

Where the rules live: the table of decimals, the rounding and the limit rule are in
:mod:`analysis.decimals`, because the flag sentences of :mod:`analysis.flags` show numbers
too and ``analysis`` may not import ``itembank``; this module is the face the screens use.
It imports nothing else from the project.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from analysis.decimals import (
    DECIMALS,
    decimals,
    fixed,
    half_up,
    limit_text,
    places_against,
)

__all__ = ["DECIMALS", "chart_percent_format", "fixed_or", "rounded", "rounded_against", "rounded_percent", "shown",
           "shown_against", "shown_limit", "shown_or", "shown_percent"]


def _missing(value: object) -> bool:
    return value is None or not math.isfinite(float(value))  # type: ignore[arg-type]


def rounded(value: float | None, kind: str) -> float | None:
    """``value`` rounded half up to the decimals of ``kind``, as a number for a table cell; a
    missing value (``None`` or NaN, e.g. a correlation that is not defined) becomes ``None``.

    >>> rounded(0.8333, "p"), rounded(0.71249, "alpha_if_deleted"), rounded(float("nan"), "rar")
    (0.83, 0.712, None)
    >>> rounded(0.125, "p"), rounded(27.25, "percent")
    (0.13, 27.3)
    """
    return None if _missing(value) else float(half_up(value, decimals(kind)))  # type: ignore[arg-type]


def rounded_percent(share: float | None, kind: str = "percent") -> float | None:
    """A share (0 .. 1) as a rounded percentage for a table cell (``None`` if missing).

    >>> rounded_percent(1 / 3), rounded_percent(0.125), rounded_percent(0.27255, "p")
    (33.3, 12.5, 27.26)
    """
    return None if _missing(share) else float(half_up(share, decimals(kind), percent=True))  # type: ignore[arg-type]


def shown(value: float, kind: str) -> str:
    """``value`` as text with the decimals of ``kind`` (NaN reads ``nan``).

    >>> shown(0.8571, "alpha"), shown(1.2345, "sem"), shown(40, "n"), shown(2.675, "sem")
    ('0.857', '1.23', '40', '2.68')
    """
    return fixed(value, decimals(kind))


def shown_or(value: float | None, kind: str, missing: str = "-") -> str:
    """:func:`shown`, with ``missing`` for a value that is None or NaN (a parameter that is
    fixed or not estimated, a statistic of a voided item).

    >>> shown_or(float("nan"), "p"), shown_or(None, "n"), shown_or(0.8333, "p")
    ('-', '-', '0.83')
    """
    return missing if _missing(value) else shown(value, kind)  # type: ignore[arg-type]


def fixed_or(value: float | None, places: int, missing: str = "-") -> str:
    """A number without a kind in :data:`DECIMALS` (θ, information, a p-value) with ``places``
    decimals, half up (:func:`analysis.decimals.fixed`); ``missing`` for None or NaN.

    >>> fixed_or(0.4215, 3), fixed_or(float("nan"), 3), fixed_or(None, 2, "–")
    ('0.422', '-', '–')
    """
    if value is None or math.isnan(float(value)):
        return missing
    return fixed(float(value), places)


def shown_percent(share: float, kind: str = "pass_rate") -> str:
    """A share (0 .. 1) as text in per cent with the decimals of ``kind``.

    >>> shown_percent(0.8333), shown_percent(0.125), shown_percent(0.2725, "percent")
    ('83%', '13%', '27.3%')
    """
    return f"{fixed(share, decimals(kind), percent=True)}%"


def _limits(thresholds: float | Iterable[float]) -> list[float]:
    return [thresholds] if isinstance(thresholds, (int, float)) else list(thresholds)  # type: ignore[list-item]


def shown_against(value: float, thresholds: float | Iterable[float], kind: str, *, percent: bool = False) -> str:
    """``value`` as text for a place where it is read against ``thresholds`` (one limit or
    several, e.g. a Rir against 0 and 0.20): the decimals of ``kind``, plus as many as it
    takes for the value, as shown, to compare with each limit as the unrounded value does
    (:func:`analysis.decimals.places_against`). With ``percent`` a share is shown in per cent
    (``"29.99%"``). Show the limit itself with :func:`shown_limit`.

    >>> shown_against(0.197, 0.20, "rir"), shown_against(0.2, 0.20, "rir"), shown_against(0.35, 0.20, "rir")
    ('0.197', '0.20', '0.35')
    >>> shown_against(-0.003, [0.0, 0.20], "rir"), shown_against(0.2999, 0.30, "p", percent=True)
    ('-0.003', '29.99%')
    """
    if _missing(value):
        return fixed(None if value is None else float(value), 0)
    places = places_against([value], _limits(thresholds), decimals(kind), percent=percent)
    text = fixed(value, places, percent=percent)
    return f"{text}%" if percent else text


def rounded_against(value: float | None, thresholds: float | Iterable[float], kind: str) -> float | None:
    """:func:`shown_against` as a number for a table cell (``None`` if missing).

    >>> rounded_against(0.197, 0.20, "rir"), rounded_against(0.8333, [0.30, 0.90], "p")
    (0.197, 0.83)
    """
    return None if _missing(value) else float(shown_against(value, thresholds, kind))  # type: ignore[arg-type]


def shown_limit(threshold: float, kind: str, *, percent: bool = False) -> str:
    """A flag's threshold as text: exact (a limit is a chosen number, never rounded), with at
    least the decimals of ``kind``.

    >>> shown_limit(0.2, "rir"), shown_limit(0.205, "rir"), shown_limit(0.02, "percent", percent=True)
    ('0.20', '0.205', '2.0%')
    """
    text = limit_text(threshold, decimals(kind), percent=percent)
    return f"{text}%" if percent else text


def chart_percent_format(kind: str = "chart_share") -> str:
    """The Plotly (d3-format) spelling of a share in per cent with the decimals of ``kind``.

    Plotly rounds in the browser (d3-format), so chart labels are not half up: they are
    hover texts and axis ticks, not figures a committee quotes.

    >>> chart_percent_format()
    '.0%'
    """
    return f".{decimals(kind)}%"
