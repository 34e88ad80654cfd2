"""How numbers are shown: the decimals of every statistic, in one place.

The dashboard (:mod:`dashboard.views`) and the command line (:mod:`itembank.cli.analyze`)
show statistics through the functions below, so a p-value has the same number of decimals
on every screen. Computation never rounds (the statistics keep full precision in
:mod:`analysis`); only what a person reads is rounded, here.

Rounding is Python's: the value is rounded to the nearest number with that many decimals,
computed on the exact binary value, so a value whose decimal spelling ends in 5 may go
either way (``round(0.125, 2) == 0.12`` because 0.125 is exactly a tie and ties go to the
even digit; ``round(2.675, 2) == 2.67`` because 2.675 is stored as 2.67499...). This is
display only: the rules that decide a result (truncation of scores, half-up rounding of
grades, DESIGN §3 rule 3) live in the scoring core, :mod:`itembank.scoring`.

This module imports nothing from the project; anything may import it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["DECIMALS", "chart_percent_format", "rounded", "rounded_percent", "shown", "shown_or", "shown_percent"]

#: Decimals shown per statistic (the kinds the callers ask for).
DECIMALS: Mapping[str, int] = {
    "n": 0,
    "p": 2,
    "rit": 2,
    "rir": 2,
    "rar": 2,
    "alpha": 3,
    "alpha_if_deleted": 3,
    "lambda2": 3,
    "split_half": 3,
    "sem": 2,
    # a share shown as a percentage, e.g. 12.5 (distractor table)
    "percent": 1,
    # the share of candidates who passed, e.g. "83%" (dashboard summary)
    "pass_rate": 0,
    # a share on a chart axis or in its hover text, e.g. "64%" (score-group chart)
    "chart_share": 0,
    # mean total score in the dashboard (headline figure and distractor table)
    "mean_total": 1,
    # mean and SD of the total scores on the command line's score line
    "score_mean": 2,
    "score_sd": 2,
    # IRT item parameters and their standard errors (itembank calibrate, items show)
    "irt_parameter": 3,
    # infit / outfit mean squares
    "item_fit": 2,
    # log-likelihood, AIC, BIC of a calibration
    "loglik": 1,
}


def _decimals(kind: str) -> int:
    try:
        return DECIMALS[kind]
    except KeyError:
        raise ValueError(f"no display rule for {kind!r}; known: {', '.join(DECIMALS)}") from None


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def rounded(value: float | None, kind: str) -> float | None:
    """``value`` rounded to the decimals of ``kind``, as a number for a table cell; a missing
    value (``None`` or NaN, e.g. a correlation that is not defined) becomes ``None``.

    >>> rounded(0.8333, "p"), rounded(0.71249, "alpha_if_deleted"), rounded(float("nan"), "rar")
    (0.83, 0.712, None)
    """
    return None if _missing(value) else round(float(value), _decimals(kind))  # type: ignore[arg-type]


def rounded_percent(share: float | None, kind: str = "percent") -> float | None:
    """A share (0 .. 1) as a rounded percentage for a table cell (``None`` if missing).

    >>> rounded_percent(1 / 3), rounded_percent(0.125)
    (33.3, 12.5)
    """
    return None if _missing(share) else rounded(100 * share, kind)  # type: ignore[operator]


def shown(value: float, kind: str) -> str:
    """``value`` as text with the decimals of ``kind`` (NaN reads ``nan``).

    >>> shown(0.8571, "alpha"), shown(1.2345, "sem"), shown(40, "n")
    ('0.857', '1.23', '40')
    """
    return f"{value:.{_decimals(kind)}f}"


def shown_or(value: float | None, kind: str, missing: str = "-") -> str:
    """:func:`shown`, with ``missing`` for a value that is None or NaN (a parameter that is
    fixed or not estimated, a statistic of a voided item).

    >>> shown_or(float("nan"), "p"), shown_or(None, "n"), shown_or(0.8333, "p")
    ('-', '-', '0.83')
    """
    return missing if _missing(value) else shown(value, kind)  # type: ignore[arg-type]


def shown_percent(share: float, kind: str = "pass_rate") -> str:
    """A share (0 .. 1) as text in per cent with the decimals of ``kind``.

    >>> shown_percent(0.8333)
    '83%'
    """
    return f"{share:.{_decimals(kind)}%}"


def chart_percent_format(kind: str = "chart_share") -> str:
    """The Plotly (d3-format) spelling of a share in per cent with the decimals of ``kind``.

    >>> chart_percent_format()
    '.0%'
    """
    return f".{_decimals(kind)}%"
