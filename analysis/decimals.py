"""How a statistic is written for a reader: its decimals, half-up rounding, and a value shown
against a limit.

Why this lives in ``analysis``: the flag sentences (:mod:`analysis.flags`) are written here
and show numbers, and ``analysis`` may not import :mod:`itembank.display` (the dashboard, the
command line and the reports show numbers through that module). So the rules sit in this
pure module, used by both: :mod:`itembank.display` is the face the screens call
(``rounded``, ``shown``, ``shown_against`` ...), built on the functions below; the flag
sentences call them directly. One table of decimals, one rounding, one rule for limits.

Rounding (display only) is *half up on the value's shortest decimal spelling*: the value is
read as the decimal Python prints for it (``repr``: 2.675 is "2.675", not the binary
2.67499999...), then rounded with halves away from zero by the scoring core's
:func:`itembank.scoring.grades.round_half_up` (the one half-up rule of itembank; "rekenkundig
afronden", as committees expect). So 0.125 -> 0.13, 2.675 -> 2.68, 27.25 -> 27.3, and
-0.005 -> -0.01. Python's ``round`` would give 0.12, 2.67 and 27.2 (ties to even, on the
binary value). A share shown in per cent is scaled on the decimal spelling as well
(0.27255 -> 27.255 % -> 27.26 %).

A value against a limit (:func:`against`): thresholds are compared on the unrounded value
(:mod:`analysis.flags`), so rounding must not make a value look equal to a limit it is not
equal to, or look on the other side of it. A Rir of 0.197 against the limit 0.20 would read
"0.20", and "0.20 is below the limit 0.20" contradicts itself; it is shown "0.197". The rule:
start at the statistic's decimals and add decimals until the value, as shown, compares with
the limit, as shown, exactly as the unrounded value compares with the limit (below, equal
or above). A limit is a chosen number, so it is shown exactly (0.2 -> "0.20", never rounded;
a limit of 0.205 reads "0.205"). The same rule shows two measured values that are compared
(an option's share against the key's): both get the extra decimals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from itembank.scoring.grades import round_half_up

__all__ = ["DECIMALS", "against", "decimals", "fixed", "half_up", "limit_text", "places_against"]

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
    # a share shown as a percentage, e.g. 12.5 (distractor table, and the flag sentences
    # that quote it)
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

# A float's shortest spelling has at most 17 significant digits: past that many extra
# decimals every two different values read differently.
_MOST_EXTRA = 17


def decimals(kind: str) -> int:
    """The decimals of ``kind`` (:data:`DECIMALS`); an unknown kind is a programming error."""
    try:
        return DECIMALS[kind]
    except KeyError:
        raise ValueError(f"no display rule for {kind!r}; known: {', '.join(DECIMALS)}") from None


def _finite(value: object) -> bool:
    return value is not None and math.isfinite(float(value))  # type: ignore[arg-type]


def _spelled(value: float, percent: bool) -> Decimal:
    """The shortest decimal spelling of ``value`` (in per cent: moved two places, exactly)."""
    exact = Decimal(repr(float(value)))  # float(): numpy scalars repr as "np.float64(...)"
    return exact.scaleb(2) if percent else exact


def half_up(value: float, places: int, *, percent: bool = False) -> Decimal:
    """``value`` (finite) rounded half up to ``places`` decimals on its shortest decimal
    spelling; with ``percent`` a share is first written in per cent.

    >>> half_up(0.125, 2), half_up(2.675, 2), half_up(27.25, 1), half_up(-0.005, 2)
    (Decimal('0.13'), Decimal('2.68'), Decimal('27.3'), Decimal('-0.01'))
    >>> half_up(0.27255, 2, percent=True)
    Decimal('27.26')
    """
    return round_half_up(_spelled(value, percent), places)


def fixed(value: float | None, places: int, *, percent: bool = False) -> str:
    """``value`` as text with ``places`` decimals, rounded by :func:`half_up`; NaN or infinity
    reads as Python prints it (``nan``), ``None`` as ``nan``.

    >>> fixed(0.8571, 3), fixed(40, 0), fixed(1 / 3, 1, percent=True), fixed(float("nan"), 2)
    ('0.857', '40', '33.3', 'nan')
    """
    if value is None:
        return "nan"
    if not math.isfinite(float(value)):
        return str(float(value))
    return format(half_up(value, places, percent=percent), "f")


def limit_text(limit: float, places: int, *, percent: bool = False) -> str:
    """A limit (a chosen number, such as a flag's threshold) as text: exactly, never rounded,
    with at least ``places`` decimals.

    >>> limit_text(0.2, 2), limit_text(0.205, 2), limit_text(0.02, 1, percent=True), limit_text(5, 0)
    ('0.20', '0.205', '2.0', '5')
    """
    if not _finite(limit):
        return fixed(limit, places)
    exact = _spelled(limit, percent).normalize()
    if exact.as_tuple().exponent > -places:  # type: ignore[operator]
        exact = exact.quantize(Decimal(1).scaleb(-places))
    return format(exact, "f")


def _shown_limit(limit: float, places: int, percent: bool, exact: bool) -> Decimal:
    return _spelled(limit, percent) if exact else half_up(limit, places, percent=percent)


def _agrees(value: float, limit: float, places: int, percent: bool, exact: bool) -> bool:
    """Does ``value`` at ``places`` decimals compare with ``limit`` as shown (exactly, or also
    at ``places`` decimals) the way the unrounded values compare (read on their shortest
    spelling)?"""
    truth = _spelled(value, percent).compare(_spelled(limit, percent))
    return half_up(value, places, percent=percent).compare(_shown_limit(limit, places, percent, exact)) == truth


def places_against(values: Iterable[float | None], limits: Iterable[float | None], places: int, *,
                   percent: bool = False, exact: bool = True) -> int:
    """The fewest decimals, at least ``places``, at which every value compares with every limit
    as its unrounded value does (see the module docstring). The limits are shown exactly
    (:func:`limit_text`); with ``exact=False`` they are measured values shown with the same
    decimals as the values. Missing values and limits (``None``, NaN) are left out: they
    compare with nothing.

    >>> places_against([0.197], [0.20], 2), places_against([0.2004], [0.20], 2)
    (3, 4)
    >>> places_against([0.21, 0.20], [0.20], 2), places_against([0.0199], [0.02], 1, percent=True)
    (2, 2)
    """
    vs = [float(v) for v in values if _finite(v)]  # type: ignore[arg-type]
    ls = [float(x) for x in limits if _finite(x)]  # type: ignore[arg-type]
    for d in range(places, places + _MOST_EXTRA + 1):
        if all(_agrees(v, x, d, percent, exact) for v in vs for x in ls):
            return d
    return places + _MOST_EXTRA


def against(values: Sequence[float], limit: float, places: int, *,
            percent: bool = False, exact: bool = True) -> tuple[list[str], str]:
    """The texts of ``values`` and of the ``limit`` they are compared with, with the fewest
    decimals (at least ``places``) that keep every comparison visible. All values get the same
    decimals (one sentence, one precision). The limit is shown exactly (:func:`limit_text`);
    with ``exact=False`` it is a measured value (the key's share) and gets the values'
    decimals.

    >>> against([0.197], 0.2, 2)              # a Rir just below the limit 0.20
    (['0.197'], '0.20')
    >>> against([0.21], 0.2, 2)               # clearly above: the usual decimals
    (['0.21'], '0.20')
    >>> against([0.3], 0.205, 2), against([0.2049], 0.205, 2)  # a limit is never rounded
    ((['0.30'], '0.205'), (['0.20'], '0.205'))
    >>> against([0.3317, 0.40], 0.3315, 1, percent=True, exact=False)  # shares against the key's
    (['33.17', '40.00'], '33.15')
    """
    d = places_against(values, [limit], places, percent=percent, exact=exact)
    shown_limit = limit_text(limit, places, percent=percent) if exact else fixed(limit, d, percent=percent)
    return [fixed(v, d, percent=percent) for v in values], shown_limit
