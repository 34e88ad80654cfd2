"""Standard setting: methods that turn judgements and score distributions into a cut score.

Every method returns a :class:`StandardSettingResult` holding the cut on the raw-score scale,
the inputs, and -- when ``totals`` are given -- the pass rate it implies on them; its
``.to_rule()`` gives the shared cut-score rule dict (``kind`` = ``"item_ratings"``,
``"points"`` or ``"percent_guessing"``, optional ``round_up``, a ``source`` table with the
method and its inputs) that the scoring core evaluates on the final scored data.

Conventions that sources disagree on are keyword parameters with a stated default:

* ``pass_if`` -- ``">="`` (default: a candidate passes when total >= cut, so "fail" means
  total < cut) or ``">"``.
* ``round_up`` -- ``False`` (default): a fractional cut stays fractional; ``True`` rounds it
  up to the next whole score (``ceil``).
* Hofstee and Beuk: ``curve`` -- ``"interpolated"`` (default: the observed fail/pass-rate
  curve is joined linearly between whole scores and the exact crossing point is reported) or
  ``"step"`` (only whole-score cuts; the first whole score where the curve reaches the line);
  ``tie_break`` -- ``"lowest"`` (default) or ``"highest"`` when the line touches the curve
  over a stretch; ``on_miss`` -- ``"nearest"`` (default: the end of the allowed range closest
  to the curve, flagged in ``details["intersection"] = False``) or ``"raise"``.
* Cohen-Schotanus: ``percentile`` = 95 and ``percentage`` = 60 (Cohen-Schotanus & van der
  Vleuten, 2010); ``percentile_method`` = ``"linear"`` (numpy / R type 7 / Excel
  ``PERCENTILE.INC``).
* Borderline group: ``statistic`` = ``"median"`` (Livingston & Zieky, 1982) or ``"mean"``.
* Contrasting groups: ``tie_break`` = ``"lowest"`` (the benefit of the doubt goes to the
  candidate) among cuts with equally few misclassifications.

One source with the scoring core: the chance score, the voided-item policy, the
percentage-above-chance formula, the rounding of a cut up and the pass comparison come from
:mod:`itembank.scoring.cuts` (``chance_score``, ``voided_points``, ``percent_guessing_cut``,
``round_cut_up``, ``reaches``), the functions the scoring core applies, so the cut shown here
is the cut the candidates get.

Exact arithmetic: the percentage and rating methods compute the cut with
:class:`fractions.Fraction` from the decimal text of their inputs (0.1 is 1/10, not the
binary float), so a cut of 16.8 and a total of 16.8 compare equal. ``cut`` is given as a
float, ``cut_exact`` as the Fraction.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd

from itembank.scoring.cuts import REACH_CHOICES, Reach, VoidPolicy, chance_score, percent_guessing_cut, reaches, round_cut_up
from itembank.scoring.form import EffectiveItem, Item

__all__ = [
    "StandardSettingResult",
    "fixed_percentage",
    "angoff",
    "nedelsky",
    "hofstee",
    "beuk",
    "cohen_schotanus",
    "borderline_group",
    "contrasting_groups",
    "pass_rate",
]

PassIf = Reach  # the scoring core's comparison: ">=" (default) or ">"
Curve = Literal["interpolated", "step"]
TieBreak = Literal["lowest", "highest"]
OnMiss = Literal["nearest", "raise"]

Number = int | float | Fraction


def _exact(x: Number | np.number, what: str) -> Fraction:
    """A number as an exact Fraction of its decimal text (0.1 -> 1/10)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (bool, np.bool_)):
        raise ValueError(f"{what} must be a number, got {x!r}")
    try:
        f = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {x!r}") from None
    if not math.isfinite(f):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    return Fraction(repr(f))


def _plain(x: Fraction | float) -> int | float:
    """A number for a TOML/JSON rule: an int when whole, else the nearest float."""
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    f = float(x)
    return int(f) if f.is_integer() else f


def _totals_array(totals: Sequence[float] | np.ndarray | pd.Series | None, func: str) -> np.ndarray | None:
    if totals is None:
        return None
    t = np.asarray(totals, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"{func}: totals must be a non-empty 1-D sequence of scores")
    if np.isnan(t).any():
        i = int(np.flatnonzero(np.isnan(t))[0])
        label = totals.index[i] if isinstance(totals, pd.Series) else i
        raise ValueError(f"{func}: totals has a missing value at {label!r}")
    return t


def _check_choice(func: str, name: str, value: object, options: Sequence[object]) -> None:
    if value not in options:
        raise ValueError(f"{func}: {name} must be one of {list(options)!r}, got {value!r}")


def _failing_side(pass_if: PassIf) -> Literal["left", "right"]:
    """The ``numpy.searchsorted`` side that counts the sorted totals *not* reaching a cut: a
    total equal to the cut fails only when :func:`~itembank.scoring.cuts.reaches` says so."""
    return "right" if not reaches(0, 0, reach=pass_if) else "left"


def pass_rate(
    totals: Sequence[float] | np.ndarray | pd.Series,
    cut: Number,
    *,
    pass_if: PassIf = ">=",
    round_up: bool = False,
) -> float:
    """The proportion of ``totals`` that pass ``cut`` (exact comparison, see module docstring).

    >>> pass_rate([10, 16.8, 17, 20], Fraction(84, 5))   # 84/5 = 16.8; 16.8 >= 16.8 passes
    0.75
    """
    _check_choice("pass_rate", "pass_if", pass_if, REACH_CHOICES)
    t = _totals_array(totals, "pass_rate")
    assert t is not None  # _totals_array returns None only for None input
    c = _exact(cut, "cut")
    if round_up:
        c = round_cut_up(c)
    values, counts = np.unique(t, return_counts=True)
    passed = 0
    for v, n in zip(values, counts):
        if reaches(_exact(float(v), "total"), c, reach=pass_if):
            passed += int(n)
    return passed / t.size


@dataclass(frozen=True)
class StandardSettingResult:
    """The outcome of one standard-setting method.

    ``cut`` is on the raw-score scale (after ``round_up`` when that was asked for),
    ``cut_exact`` the same as an exact Fraction where the method is exact (else the float
    as a Fraction), ``pass_rate`` the proportion of the given totals passing (``None``
    without totals), ``inputs`` the method's parameters, ``details`` method-specific
    intermediate values (e.g. the Angoff SE, the Hofstee line), ``rule_kind`` the kind of
    cut-score rule :meth:`to_rule` produces.
    """

    method: str
    cut: float
    cut_exact: Fraction
    max_score: float | None
    pass_rate: float | None
    pass_if: str
    round_up: bool
    inputs: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    rule_kind: str = "points"
    rule_value: Any = None
    rule_extra: dict[str, Any] = field(default_factory=dict)

    def to_rule(self) -> dict[str, Any]:
        """The shared cut-score rule dict (see the README's cut-score rule contract).

        Angoff and Nedelsky give ``kind = "item_ratings"`` (so a voided item drops out of the
        cut), the fixed percentage ``kind = "percent_guessing"``, the other methods
        ``kind = "points"``; ``source`` records the method and its inputs.
        """
        rule: dict[str, Any] = {"kind": self.rule_kind}
        if self.rule_kind == "item_ratings":
            rule["ratings"] = dict(self.rule_value)
        else:
            rule["value"] = self.rule_value
        rule.update(self.rule_extra)
        rule["round_up"] = self.round_up
        rule["source"] = {"method": self.method, **self.inputs}
        if self.pass_if != ">=":
            # The pass criterion belongs to the rule set; record the one the method assumed.
            rule["source"]["pass_if"] = self.pass_if
        return rule


def _result(
    method: str,
    cut: Fraction,
    *,
    totals: np.ndarray | None,
    max_score: Number | None,
    pass_if: str,
    round_up: bool,
    inputs: dict[str, Any],
    details: dict[str, Any],
    rule_kind: str = "points",
    rule_value: Any = None,
    rule_extra: dict[str, Any] | None = None,
    func: str,
) -> StandardSettingResult:
    _check_choice(func, "pass_if", pass_if, REACH_CHOICES)
    details = {"unrounded_cut": float(cut), **details}
    if rule_kind == "points" and rule_value is None:
        # The rule keeps the unrounded cut; its own round_up flag does the rounding.
        rule_value = _plain(cut)
    if round_up:
        cut = round_cut_up(cut)
    rate = None if totals is None else pass_rate(totals, cut, pass_if=pass_if)  # type: ignore[arg-type]
    return StandardSettingResult(
        method=method,
        cut=float(cut),
        cut_exact=cut,
        max_score=None if max_score is None else float(max_score),
        pass_rate=rate,
        pass_if=pass_if,
        round_up=round_up,
        inputs=inputs,
        details=details,
        rule_kind=rule_kind,
        rule_value=rule_value,
        rule_extra=rule_extra or {},
    )


def _guessing_items(
    n_options: Mapping[Hashable, int],
    max_scores: Mapping[Hashable, Number] | None,
    n_keys: Mapping[Hashable, int] | None,
    voided: Iterable[Hashable],
    func: str,
) -> list[EffectiveItem]:
    """The closed items as the scoring core sees them, for its chance score: item j with k_j
    options, n_keys_j answers earning full marks (the key and accepted extra answers) and
    maximum m_j, voided where ``voided`` says."""
    voided = set(voided)
    unknown = voided - set(n_options)
    if unknown:
        raise ValueError(f"{func}: voided names items without n_options: {sorted(map(str, unknown))}")
    items: list[EffectiveItem] = []
    for item, k in n_options.items():
        if not isinstance(k, (int, np.integer)) or k < 2:
            raise ValueError(f"{func}: item {item!r} needs at least 2 options, got {k!r}")
        m = _exact(max_scores[item], f"max score of item {item!r}") if max_scores is not None and item in max_scores else Fraction(1)
        keys = n_keys.get(item, 1) if n_keys is not None else 1
        if not 1 <= keys < k:
            raise ValueError(f"{func}: item {item!r} has {keys!r} keys for {k} options")
        if m == 0:
            continue  # adds nothing to the chance score
        if m < 0:
            raise ValueError(f"{func}: item {item!r} has a negative max score {max_scores[item]!r}")  # type: ignore[index]
        labels = tuple(str(i) for i in range(int(k)))
        mc = Item(str(item), "", "mc", labels, labels[:1], max_score=m)
        extra = tuple((label,) for label in labels[1:keys])
        items.append(EffectiveItem(mc, key=mc.key, accepted=extra, voided=item in voided))
    return items


def fixed_percentage(
    totals: Sequence[float] | np.ndarray | pd.Series | None,
    *,
    percent: Number,
    max_score: Number,
    chance: Number | None = None,
    n_options: Mapping[Hashable, int] | None = None,
    n_keys: Mapping[Hashable, int] | None = None,
    max_scores: Mapping[Hashable, Number] | None = None,
    voided: Iterable[Hashable] = (),
    void: VoidPolicy = "drop",
    pass_if: PassIf = ">=",
    round_up: bool = False,
) -> StandardSettingResult:
    """Fixed percentage with a correction for guessing.

    .. math:: c = g + \\frac{p}{100} (\\text{max} - g)

    with g the expected chance score: either ``chance`` (points) or computed from
    ``n_options`` (item -> number of options k; an item contributes n_keys/k of its maximum,
    ``n_keys`` default 1 -- count accepted extra answers here --, ``max_scores`` default 1
    point; items not listed, e.g. open items, contribute 0). Items in ``voided`` count as the
    rule set's ``void`` policy says: left out (``"drop"``) or a sure maximum
    (``"full_marks"``); ``max_score`` is then the maximum the rule set counts (without the
    voided items under ``"drop"``). With neither ``chance`` nor ``n_options``, g = 0 (no
    correction). The Dutch "cesuur" practice, e.g. 55% of the score above chance; the rule
    form is the shared ``percent_guessing`` kind.

    g and c are computed by the scoring core's own functions
    (``itembank.scoring.cuts.chance_score`` and ``percent_guessing_cut``), so this cut equals
    the one the scoring core evaluates for ``kind = "percent_guessing"`` on the same form.

    >>> r = fixed_percentage([20, 25, 30], percent=55, max_score=40, n_options={f"Q{i}": 4 for i in range(40)})
    >>> r.cut   # g = 40/4 = 10; 10 + 0.55 x 30 = 26.5
    26.5
    """
    func = "fixed_percentage"
    voided = tuple(voided)
    if chance is not None and n_options is not None:
        raise ValueError(f"{func}: give chance or n_options, not both")
    p = _exact(percent, "percent")
    if not 0 <= p <= 100:
        raise ValueError(f"{func}: percent must be between 0 and 100, got {percent!r}")
    mx = _exact(max_score, "max_score")
    if mx <= 0:
        raise ValueError(f"{func}: max_score must be positive, got {max_score!r}")
    extra: dict[str, Any] = {}
    if chance is not None:
        g = _exact(chance, "chance")
        extra["chance"] = _plain(g)
    elif n_options is not None:
        _check_choice(func, "void", void, ("drop", "full_marks"))
        g = chance_score(_guessing_items(n_options, max_scores, n_keys, voided, func), void=void)
    else:
        g = Fraction(0)
        extra["chance"] = 0
    if not 0 <= g < mx:
        raise ValueError(f"{func}: chance score {float(g)} must be in [0, max_score={float(mx)})")
    cut = percent_guessing_cut(p, maximum=mx, chance=g)
    # Recorded only when used, so the rule of an exam without voids stays as it was.
    voids: dict[str, Any] = {"voided": sorted(map(str, voided)), "void": void} if voided and n_options is not None else {}
    return _result(
        "fixed_percentage",
        cut,
        totals=_totals_array(totals, func),
        max_score=mx,
        pass_if=pass_if,
        round_up=round_up,
        inputs={"percent": _plain(p), "max_score": _plain(mx), "chance": _plain(g), **voids},
        details={"chance": float(g)},
        rule_kind="percent_guessing",
        rule_value=_plain(p),
        rule_extra=extra,
        func=func,
    )


def _weight(weights: Mapping[Hashable, Number] | None, item: Hashable, func: str) -> Fraction:
    """An item's weight w_j (default 1), exact."""
    if weights is None or item not in weights:
        return Fraction(1)
    w = _exact(weights[item], f"weight of item {item!r}")
    if w < 0:
        raise ValueError(f"{func}: item {item!r} has a negative weight {weights[item]!r}")
    return w


def _ratings_frame(ratings: pd.DataFrame, func: str, what: str) -> pd.DataFrame:
    if not isinstance(ratings, pd.DataFrame) or ratings.empty:
        raise ValueError(f"{func}: {what} must be a non-empty DataFrame (judges x items)")
    if ratings.isna().any().any():
        r, c = np.argwhere(ratings.isna().to_numpy())[0]
        raise ValueError(
            f"{func}: judge {ratings.index[r]!r} gave no {what[:-1]} for item {ratings.columns[c]!r}"
        )
    return ratings


def _weighted_cut_and_max(
    item_values: Mapping[Any, Fraction],
    items: Iterable[Any],
    max_scores: Mapping[Any, Any] | None,
    weights: Mapping[Any, Any] | None,
    func: str,
) -> tuple[Fraction, Fraction]:
    """Cut = sum_j w_j v_j over the rated items; maximum = sum_j w_j m_j (m_j = 1 by default)."""
    cut = sum((_weight(weights, i, func) * v for i, v in item_values.items()), Fraction(0))
    mx = sum(
        (_weight(weights, i, func) * (_exact(max_scores[i], "max score") if max_scores and i in max_scores else Fraction(1))
         for i in items),
        Fraction(0),
    )
    return cut, mx


def angoff(
    ratings: pd.DataFrame,
    totals: Sequence[float] | np.ndarray | pd.Series | None = None,
    *,
    max_scores: Mapping[Hashable, Number] | None = None,
    weights: Mapping[Hashable, Number] | None = None,
    scale: Literal["probability", "points"] = "probability",
    pass_if: PassIf = ">=",
    round_up: bool = False,
) -> StandardSettingResult:
    """Modified Angoff (Angoff, 1971): judges x items ratings of a borderline candidate.

    Each rating is the probability that a minimally competent candidate answers the item
    correctly (``scale="probability"``, multiplied by the item's ``max_scores`` entry, default
    1 point) or the expected points directly (``scale="points"``). Judge j's cut is
    c_j = sum_i r_ji x m_i; the cut is the mean over the J judges,
    c = (1/J) sum_j c_j = sum_i mean_j(r_ji) m_i, and its standard error across judges is
    SE = SD(c_j) / sqrt(J) with the n - 1 SD (Hambleton & Pitoniak, 2006). ``details`` holds
    ``judge_cuts``, ``se`` and ``item_means``. The rule is ``kind = "item_ratings"`` with the
    per-item expected points (in the item's own points, before weighting), so a voided item
    drops out of the cut. With item ``weights`` (default 1) the cut here is
    sum_i w_i x mean rating_i, as the scoring core evaluates the rule.

    >>> r = angoff(pd.DataFrame({"Q1": [0.6, 0.8], "Q2": [0.5, 0.7]}, index=["J1", "J2"]))
    >>> r.cut, r.details["judge_cuts"]  # J1: 0.6 + 0.5 = 1.1; J2: 0.8 + 0.7 = 1.5; mean 1.3
    (1.3, {'J1': 1.1, 'J2': 1.5})
    """
    func = "angoff"
    _check_choice(func, "scale", scale, ("probability", "points"))
    ratings = _ratings_frame(ratings, func, "ratings")
    exact = {}
    judge_cuts: dict[Hashable, Fraction] = {j: Fraction(0) for j in ratings.index}
    for item in ratings.columns:
        m = _exact(max_scores[item], f"max score of item {item!r}") if max_scores and item in max_scores else Fraction(1)
        total = Fraction(0)
        for judge in ratings.index:
            r = _exact(ratings.at[judge, item], f"rating of judge {judge!r} for item {item!r}")
            upper = 1 if scale == "probability" else m
            if not 0 <= r <= upper:
                raise ValueError(
                    f"{func}: judge {judge!r} rated item {item!r} {float(r)}; "
                    f"ratings must be between 0 and {float(upper)} (scale={scale!r})"
                )
            pts = r * m if scale == "probability" else r
            judge_cuts[judge] += _weight(weights, item, func) * pts
            total += pts
        exact[item] = total / len(ratings.index)
    if max_scores:
        unknown = set(max_scores) - set(ratings.columns)
        if unknown:
            raise ValueError(f"{func}: max_scores names items without ratings: {sorted(map(str, unknown))}")
    cut, mx = _weighted_cut_and_max(exact, ratings.columns, max_scores, weights, func)
    jc = np.array([float(v) for v in judge_cuts.values()])
    se = float(np.std(jc, ddof=1) / np.sqrt(jc.size)) if jc.size > 1 else float("nan")
    return _result(
        "angoff",
        cut,
        totals=_totals_array(totals, func),
        max_score=mx,
        pass_if=pass_if,
        round_up=round_up,
        inputs={
            "n_judges": int(len(ratings.index)),
            "scale": scale,
            "ratings": {str(j): {str(i): float(ratings.at[j, i]) for i in ratings.columns} for j in ratings.index},
        },
        details={
            "judge_cuts": {j: float(v) for j, v in judge_cuts.items()},
            "se": se,
            "sd_judges": float(np.std(jc, ddof=1)) if jc.size > 1 else float("nan"),
            "item_means": {i: float(v) for i, v in exact.items()},
        },
        rule_kind="item_ratings",
        rule_value={str(i): _plain(v) for i, v in exact.items()},
        func=func,
    )


def nedelsky(
    eliminated: pd.DataFrame,
    totals: Sequence[float] | np.ndarray | pd.Series | None = None,
    *,
    n_options: Mapping[Hashable, int],
    max_scores: Mapping[Hashable, Number] | None = None,
    weights: Mapping[Hashable, Number] | None = None,
    pass_if: PassIf = ">=",
    round_up: bool = False,
) -> StandardSettingResult:
    """Nedelsky (1954): per item, the options a borderline candidate can eliminate.

    ``eliminated`` is judges x items: the number of wrong options judge j thinks the
    minimally competent candidate rules out (0 .. k_i - 1). That candidate guesses among the
    rest, so the expected item score is m_i / (k_i - e_ji). The cut is the mean over judges
    of the summed expectations, c = sum_i mean_j m_i / (k_i - e_ji). (Nedelsky's optional
    shift by a multiple of the SD of the borderline score distribution is not applied.)
    The rule is ``kind = "item_ratings"`` (ratings in the item's own points); with item
    ``weights`` (default 1) the cut here is sum_i w_i x rating_i, as the scoring core
    evaluates the rule.

    >>> e = pd.DataFrame({"Q1": [2, 3], "Q2": [1, 1]}, index=["J1", "J2"])
    >>> nedelsky(e, n_options={"Q1": 4, "Q2": 4}).cut   # Q1: (1/2 + 1/1)/2 = 3/4; Q2: 1/3
    1.0833333333333333
    """
    func = "nedelsky"
    eliminated = _ratings_frame(eliminated, func, "eliminations")
    means: dict[Hashable, Fraction] = {}
    for item in eliminated.columns:
        if item not in n_options:
            raise ValueError(f"{func}: n_options has no entry for item {item!r}")
        k = n_options[item]
        if not isinstance(k, (int, np.integer)) or k < 2:
            raise ValueError(f"{func}: item {item!r} needs at least 2 options, got {k!r}")
        m = _exact(max_scores[item], f"max score of item {item!r}") if max_scores and item in max_scores else Fraction(1)
        acc = Fraction(0)
        for judge in eliminated.index:
            raw = eliminated.at[judge, item]
            try:
                e = float(raw)
            except (TypeError, ValueError):
                e = float("nan")
            if not e.is_integer() or not 0 <= e <= k - 1:
                shown = f"{e:g}" if e == e else repr(raw)
                raise ValueError(
                    f"{func}: judge {judge!r} eliminated {shown} options of item {item!r}; "
                    f"must be a whole number from 0 to {k - 1}"
                )
            acc += m / (int(k) - int(e))
        means[item] = acc / len(eliminated.index)
    cut, mx = _weighted_cut_and_max(means, eliminated.columns, max_scores, weights, func)
    return _result(
        "nedelsky",
        cut,
        totals=_totals_array(totals, func),
        max_score=mx,
        pass_if=pass_if,
        round_up=round_up,
        inputs={
            "n_judges": int(len(eliminated.index)),
            "n_options": {str(i): int(n_options[i]) for i in eliminated.columns},
            "eliminated": {
                str(j): {str(i): int(float(eliminated.at[j, i])) for i in eliminated.columns}
                for j in eliminated.index
            },
        },
        details={"item_means": {i: float(v) for i, v in means.items()}},
        rule_kind="item_ratings",
        rule_value={str(i): _plain(v) for i, v in means.items()},
        func=func,
    )


# --------------------------------------------------------------------------------------------
# Compromise methods: a judges' line against the observed curve


def _crossing(
    cuts: np.ndarray,
    h: np.ndarray,
    *,
    curve: str,
    tie_break: str,
    on_miss: str,
    func: str,
) -> tuple[float, bool]:
    """Where the non-decreasing h(c) = curve(c) - line(c) reaches 0 on [cuts[0], cuts[-1]].

    ``step``: whole-score cuts only -- the lowest (``tie_break="lowest"``) whole score with
    h >= 0, or the highest with h <= 0 (``"highest"``). ``interpolated``: h is joined
    linearly between whole scores and the exact root is returned (the lowest or the highest
    point of a flat stretch at 0). When h never changes sign the line misses the curve:
    ``on_miss="nearest"`` returns the end nearer the curve (the lower end when the curve is
    already above the line there, else the upper end); ``"raise"`` raises ValueError.
    Returns (cut, intersected).
    """
    tol = 1e-12
    if h[0] > tol or h[-1] < -tol:
        if on_miss == "raise":
            raise ValueError(
                f"{func}: the judges' line does not meet the observed curve between "
                f"{cuts[0]:g} and {cuts[-1]:g}; pass on_miss='nearest' to take the nearer end"
            )
        return (float(cuts[0]) if h[0] > tol else float(cuts[-1])), False
    if curve == "step":
        if tie_break == "lowest":
            return float(cuts[np.flatnonzero(h >= -tol)[0]]), True
        return float(cuts[np.flatnonzero(h <= tol)[-1]]), True
    # interpolated: first / last root of the piecewise-linear h
    if tie_break == "lowest":
        i = int(np.flatnonzero(h >= -tol)[0])
        if i == 0 or abs(h[i]) <= tol:
            return float(cuts[i]), True
        h0, h1 = h[i - 1], h[i]
        return float(cuts[i - 1] + (0 - h0) / (h1 - h0)), True
    i = int(np.flatnonzero(h <= tol)[-1])
    if i == len(h) - 1 or abs(h[i]) <= tol:
        return float(cuts[i]), True
    h0, h1 = h[i], h[i + 1]
    return float(cuts[i] + (0 - h0) / (h1 - h0)), True


def _to_points(x: float, scale: str, max_score: float) -> float:
    return x if scale == "points" else x / 100.0 * max_score


def _panel_mean(value: float | Sequence[float], name: str, func: str) -> float:
    """One number, or the mean of the judges' values (each must be a number)."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1 or arr.size == 0:
        raise ValueError(f"{func}: {name} must be a number or one number per judge")
    if np.isnan(arr).any():
        raise ValueError(f"{func}: {name} is missing for judge {int(np.flatnonzero(np.isnan(arr))[0]) if arr.ndim else 0}")
    return float(arr.mean())


def hofstee(
    totals: Sequence[float] | np.ndarray | pd.Series,
    *,
    k_min: float | Sequence[float],
    k_max: float | Sequence[float],
    f_min: float | Sequence[float],
    f_max: float | Sequence[float],
    max_score: float,
    scale: Literal["percent", "points"] = "percent",
    curve: Curve = "interpolated",
    tie_break: TieBreak = "lowest",
    on_miss: OnMiss = "nearest",
    pass_if: PassIf = ">=",
    round_up: bool = False,
) -> StandardSettingResult:
    """Hofstee (1983) compromise: the judges' acceptable ranges against the fail-rate curve.

    Judges state the lowest and highest acceptable cut (``k_min``, ``k_max``; percent of
    ``max_score`` by default, raw points with ``scale="points"``) and the lowest and highest
    acceptable fail rate (``f_min``, ``f_max``, percent). Each may be one number (the panel's
    mean) or one value per judge, which is averaged (the judges' values are kept in
    ``inputs``). The line
    from (k_min, f_max) to (k_max, f_min),

    .. math:: L(c) = f_{max} - (f_{max} - f_{min}) \\frac{c - k_{min}}{k_{max} - k_{min}}

    is intersected with the observed fail-rate curve F(c) = 100 x share of totals below c
    (``pass_if=">="``) on [k_min, k_max]; the cut is the crossing (see the module docstring
    for ``curve``, ``tie_break``, ``on_miss``). When the curve lies above the line on the whole
    range (even the lowest acceptable cut fails more than f_max), ``on_miss="nearest"`` gives
    k_min; when it lies below (even the highest fails fewer than f_min), k_max; either way
    ``details["intersection"]`` is False.
    """
    func = "hofstee"
    _check_choice(func, "scale", scale, ("percent", "points"))
    _check_choice(func, "curve", curve, ("interpolated", "step"))
    _check_choice(func, "tie_break", tie_break, ("lowest", "highest"))
    _check_choice(func, "on_miss", on_miss, ("nearest", "raise"))
    _check_choice(func, "pass_if", pass_if, REACH_CHOICES)
    t = _totals_array(totals, func)
    assert t is not None  # totals is required here
    if max_score <= 0:
        raise ValueError(f"{func}: max_score must be positive, got {max_score!r}")
    judged = {"k_min": k_min, "k_max": k_max, "f_min": f_min, "f_max": f_max}
    k_min, k_max, f_min, f_max = (_panel_mean(v, name, func) for name, v in judged.items())
    lo, hi = _to_points(k_min, scale, max_score), _to_points(k_max, scale, max_score)
    if not 0 <= lo < hi <= max_score:
        raise ValueError(f"{func}: need 0 <= k_min < k_max <= max score; got k_min={k_min!r}, k_max={k_max!r} ({scale})")
    if not 0 <= f_min <= f_max <= 100:
        raise ValueError(f"{func}: need 0 <= f_min <= f_max <= 100 (percent); got f_min={f_min!r}, f_max={f_max!r}")
    slope = -(f_max - f_min) / (hi - lo)

    def line(c: np.ndarray) -> np.ndarray:
        return f_max + slope * (c - lo)

    # Whole scores inside the range, plus the range's ends (which may be fractional).
    inner = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=float)
    grid = np.unique(np.concatenate([[lo], inner, [hi]]))
    srt = np.sort(t)
    side = _failing_side(pass_if)

    def fail_at(c: np.ndarray) -> np.ndarray:
        if curve == "step":
            return 100.0 * np.searchsorted(srt, np.ceil(c), side=side) / t.size
        fl = np.floor(c)
        f0 = 100.0 * np.searchsorted(srt, fl, side=side) / t.size
        f1 = 100.0 * np.searchsorted(srt, fl + 1, side=side) / t.size
        return f0 + (c - fl) * (f1 - f0)

    if curve == "step":
        grid = inner if inner.size else np.array([math.ceil(lo)], dtype=float)
    h = fail_at(grid) - line(grid)
    cut, hit = _crossing(grid, h, curve=curve, tie_break=tie_break, on_miss=on_miss, func=func)
    if curve == "step" and not hit:
        cut = lo if h[0] > 0 else hi
    cut_f = _exact(cut, "cut")
    fail_at_cut = float(fail_at(np.array([cut]))[0])
    return _result(
        "hofstee",
        cut_f,
        totals=t,
        max_score=max_score,
        pass_if=pass_if,
        round_up=round_up,
        inputs={**{name: (float(v) if np.ndim(v) == 0 else [float(x) for x in v])  # type: ignore[union-attr]
                   for name, v in judged.items()}, "scale": scale,
                "max_score": max_score, "curve": curve, "tie_break": tie_break,
                "on_miss": on_miss, "n_candidates": int(t.size)},
        details={"intersection": hit, "fail_rate_at_cut": fail_at_cut,
                 "line": {"k_min_points": lo, "k_max_points": hi, "slope": slope}},
        func=func,
    )


def beuk(
    totals: Sequence[float] | np.ndarray | pd.Series,
    *,
    judge_cuts: Sequence[float],
    judge_pass_rates: Sequence[float],
    max_score: float,
    scale: Literal["percent", "points"] = "percent",
    curve: Curve = "interpolated",
    tie_break: TieBreak = "lowest",
    on_miss: OnMiss = "nearest",
    pass_if: PassIf = ">=",
    round_up: bool = False,
) -> StandardSettingResult:
    """Beuk (1984) compromise: judges' cuts and expected pass rates against the pass curve.

    Each judge j gives a cut k_j (percent of ``max_score``, or points with ``scale="points"``)
    and the pass rate p_j (percent) they expect. Through the mean point (k̄, p̄) runs the line

    .. math:: P(c) = \\bar p + \\frac{s_p}{s_k} (c - \\bar k)

    (s = SD over judges, n - 1; with the cut on the percent scale as Beuk defined it). Its
    crossing with the observed pass-rate curve (100 x share of totals >= c) is the cut: the
    more judges agree on the cut (small s_k), the steeper the line and the closer the cut
    stays to k̄. If s_k = 0 the cut is k̄; if s_p = 0 the line is flat at p̄. The curve is
    searched over the whole scale [0, max_score]; ``curve``, ``tie_break`` and ``on_miss`` as
    in the module docstring. ``details`` holds the means, SDs and the slope.
    """
    func = "beuk"
    _check_choice(func, "scale", scale, ("percent", "points"))
    _check_choice(func, "curve", curve, ("interpolated", "step"))
    _check_choice(func, "tie_break", tie_break, ("lowest", "highest"))
    _check_choice(func, "on_miss", on_miss, ("nearest", "raise"))
    _check_choice(func, "pass_if", pass_if, REACH_CHOICES)
    t = _totals_array(totals, func)
    assert t is not None  # totals is required here
    k = np.asarray(judge_cuts, dtype=float)
    p = np.asarray(judge_pass_rates, dtype=float)
    if k.ndim != 1 or k.size < 2 or k.shape != p.shape:
        raise ValueError(
            f"{func}: judge_cuts and judge_pass_rates need one value per judge, at least 2 judges "
            f"(got {k.size} and {p.size})"
        )
    if np.isnan(k).any() or np.isnan(p).any():
        raise ValueError(f"{func}: judge {int(np.flatnonzero(np.isnan(k) | np.isnan(p))[0])} has a missing value")
    if max_score <= 0:
        raise ValueError(f"{func}: max_score must be positive, got {max_score!r}")
    if ((p < 0) | (p > 100)).any():
        raise ValueError(f"{func}: judge {int(np.flatnonzero((p < 0) | (p > 100))[0])} gave a pass rate outside 0-100%")
    kp = k if scale == "points" else k / 100.0 * max_score
    if ((kp < 0) | (kp > max_score)).any():
        raise ValueError(f"{func}: judge {int(np.flatnonzero((kp < 0) | (kp > max_score))[0])} gave a cut outside the score range")
    k_mean, p_mean = float(kp.mean()), float(p.mean())
    s_k, s_p = float(np.std(kp, ddof=1)), float(np.std(p, ddof=1))
    # slope on the points scale: (s_p / s_k_percent) per percent = s_p / s_k_points per point
    srt = np.sort(t)
    side = _failing_side(pass_if)
    top = math.floor(max_score)

    def pass_at(c: np.ndarray) -> np.ndarray:
        if curve == "step":
            return 100.0 - 100.0 * np.searchsorted(srt, np.ceil(c), side=side) / t.size
        fl = np.floor(c)
        f0 = np.searchsorted(srt, fl, side=side) / t.size
        f1 = np.searchsorted(srt, fl + 1, side=side) / t.size
        return 100.0 - 100.0 * (f0 + (c - fl) * (f1 - f0))

    hit = True
    if s_k == 0:
        cut = k_mean
        slope = math.inf
    else:
        slope = s_p / s_k
        grid = np.arange(0, top + 1, dtype=float)
        # h = line - pass curve is non-decreasing in c
        h = (p_mean + slope * (grid - k_mean)) - pass_at(grid)
        cut, hit = _crossing(grid, h, curve=curve, tie_break=tie_break, on_miss=on_miss, func=func)
    cut_f = _exact(cut, "cut")
    return _result(
        "beuk",
        cut_f,
        totals=t,
        max_score=max_score,
        pass_if=pass_if,
        round_up=round_up,
        inputs={"judge_cuts": [float(v) for v in k], "judge_pass_rates": [float(v) for v in p],
                "scale": scale, "max_score": max_score, "curve": curve, "tie_break": tie_break,
                "on_miss": on_miss, "n_candidates": int(t.size)},
        details={"intersection": hit, "mean_cut_points": k_mean, "mean_pass_rate": p_mean,
                 "sd_cut_points": s_k, "sd_pass_rate": s_p,
                 "slope_percent_per_point": slope,
                 "pass_rate_curve_at_cut": float(pass_at(np.array([cut]))[0])},
        func=func,
    )


def cohen_schotanus(
    totals: Sequence[float] | np.ndarray | pd.Series,
    *,
    chance: float,
    percentage: float = 60.0,
    percentile: float = 95.0,
    percentile_method: str = "linear",
    max_score: float | None = None,
    pass_if: PassIf = ">=",
    round_up: bool = False,
) -> StandardSettingResult:
    """Cohen-Schotanus (Cohen-Schotanus & van der Vleuten, 2010, Med. Teach. 32:154-160).

    The best candidates are the point of reference: with P the score of the candidate at the
    ``percentile``-th percentile (95 by default) and g the chance score,

    .. math:: c = g + \\frac{\\text{percentage}}{100} (P - g)

    (percentage 60 by default, as in the original). The percentile uses
    ``numpy.percentile(method=percentile_method)``; the default ``"linear"`` is R's type 7
    and Excel's ``PERCENTILE.INC``. The rule is ``kind = "points"`` (it depends on this
    cohort's totals). ``details["reference_score"]`` is P.
    """
    func = "cohen_schotanus"
    t = _totals_array(totals, func)
    assert t is not None  # totals is required here
    if not 0 < percentile <= 100:
        raise ValueError(f"{func}: percentile must be in (0, 100], got {percentile!r}")
    if not 0 <= percentage <= 100:
        raise ValueError(f"{func}: percentage must be in [0, 100], got {percentage!r}")
    try:
        ref = float(np.percentile(t, percentile, method=percentile_method))
    except ValueError as exc:
        raise ValueError(f"{func}: percentile_method {percentile_method!r} is not a numpy percentile method") from exc
    if chance < 0 or ref <= chance:
        raise ValueError(
            f"{func}: the {percentile:g}th-percentile score {ref:g} must exceed the chance score {chance!r}"
        )
    g = _exact(chance, "chance")
    cut = g + _exact(percentage, "percentage") / 100 * (_exact(ref, "reference score") - g)
    return _result(
        "cohen_schotanus",
        cut,
        totals=t,
        max_score=max_score,
        pass_if=pass_if,
        round_up=round_up,
        inputs={"chance": chance, "percentage": percentage, "percentile": percentile,
                "percentile_method": percentile_method, "reference_score": ref,
                "n_candidates": int(t.size)},
        details={"reference_score": ref},
        func=func,
    )


def _labelled(totals: Sequence[float] | np.ndarray | pd.Series, labels: Sequence[Hashable] | np.ndarray | pd.Series, func: str) -> tuple[np.ndarray, np.ndarray]:
    t = _totals_array(totals, func)
    assert t is not None  # totals is required here
    if isinstance(totals, pd.Series) and isinstance(labels, pd.Series):
        labels = labels.reindex(totals.index)
    lab = np.asarray(labels, dtype=object)
    if lab.shape != t.shape:
        raise ValueError(f"{func}: got {t.size} totals but {lab.size} judgements")
    return t, lab


def borderline_group(
    totals: Sequence[float] | np.ndarray | pd.Series,
    ratings: Sequence[Hashable] | np.ndarray | pd.Series,
    *,
    borderline: Hashable = "borderline",
    statistic: Literal["median", "mean"] = "median",
    max_score: float | None = None,
    pass_if: PassIf = ">=",
    round_up: bool = False,
) -> StandardSettingResult:
    """Borderline-group method for practical exams (Livingston & Zieky, 1982).

    Each candidate's checklist/score total comes with the assessor's global rating
    (e.g. ``"fail"``, ``"borderline"``, ``"pass"``); the cut is the ``statistic`` (median by
    default, as Livingston & Zieky propose; or the mean) of the totals of the candidates
    rated ``borderline``.

    >>> borderline_group([10, 14, 15, 19, 25], ["fail", "borderline", "borderline", "borderline", "pass"]).cut
    15.0
    """
    func = "borderline_group"
    _check_choice(func, "statistic", statistic, ("median", "mean"))
    t, lab = _labelled(totals, ratings, func)
    sel = t[np.array([v == borderline for v in lab], dtype=bool)]
    if sel.size == 0:
        raise ValueError(f"{func}: no candidate has the rating {borderline!r}")
    c = float(np.median(sel)) if statistic == "median" else float(np.mean(sel))
    if statistic == "mean":
        cut = sum((_exact(float(v), "total") for v in sel), Fraction(0)) / sel.size
    else:
        cut = _exact(c, "cut")
    return _result(
        "borderline_group",
        cut,
        totals=t,
        max_score=max_score,
        pass_if=pass_if,
        round_up=round_up,
        inputs={"borderline": str(borderline), "statistic": statistic,
                "n_borderline": int(sel.size), "n_candidates": int(t.size)},
        details={"n_borderline": int(sel.size)},
        func=func,
    )


def contrasting_groups(
    totals: Sequence[float] | np.ndarray | pd.Series,
    competent: Sequence[bool] | np.ndarray | pd.Series,
    *,
    tie_break: Literal["lowest", "highest", "middle"] = "lowest",
    false_pass_weight: float = 1.0,
    max_score: float | None = None,
    pass_if: PassIf = ">=",
    round_up: bool = False,
) -> StandardSettingResult:
    """Contrasting-groups method (Livingston & Zieky, 1982) for assessor-judged exams.

    Assessors judge each candidate competent or not (``competent``, booleans); the cut is the
    cut c that minimises the misclassifications
    ``false_pass_weight`` x #(not competent, total passes c) + #(competent, total fails c),
    searched over the observed totals and the highest total + 1 (only these change who
    passes).
    ``tie_break`` picks among equally good cuts: ``"lowest"`` (default; the benefit of the
    doubt goes to the candidate), ``"highest"``, or ``"middle"`` (midpoint of the lowest and
    highest optimal cut, possibly fractional). ``details`` lists the optimal cuts and the
    error count.

    >>> r = contrasting_groups([8, 10, 12, 12, 15, 18], [False, False, False, True, True, True])
    >>> r.cut, r.details["optimal_cuts"]  # cut 12: 1 false pass; cut 15: 1 false fail
    (12.0, [12.0, 15.0])
    """
    func = "contrasting_groups"
    _check_choice(func, "tie_break", tie_break, ("lowest", "highest", "middle"))
    _check_choice(func, "pass_if", pass_if, REACH_CHOICES)
    t, lab = _labelled(totals, competent, func)
    if not all(isinstance(v, (bool, np.bool_)) for v in lab):
        bad = next(i for i, v in enumerate(lab) if not isinstance(v, (bool, np.bool_)))
        raise ValueError(f"{func}: competent must be True/False; position {bad} is {lab[bad]!r}")
    comp = lab.astype(bool)
    if comp.all() or (~comp).all():
        raise ValueError(f"{func}: need candidates judged competent and not competent")
    if false_pass_weight <= 0:
        raise ValueError(f"{func}: false_pass_weight must be positive, got {false_pass_weight!r}")
    # Only observed totals (and one above the highest) change who passes.
    cands = np.unique(np.concatenate([t, [math.floor(t.max()) + 1.0]]))
    passes = reaches(t[None, :], cands[:, None], reach=pass_if)
    errors = false_pass_weight * (passes & ~comp).sum(axis=1) + (~passes & comp).sum(axis=1)
    best = cands[errors == errors.min()]
    cut = {"lowest": best.min(), "highest": best.max(), "middle": (best.min() + best.max()) / 2}[tie_break]
    return _result(
        "contrasting_groups",
        _exact(float(cut), "cut"),
        totals=t,
        max_score=max_score,
        pass_if=pass_if,
        round_up=round_up,
        inputs={"tie_break": tie_break, "false_pass_weight": false_pass_weight,
                "n_competent": int(comp.sum()), "n_not_competent": int((~comp).sum())},
        details={"optimal_cuts": [float(c) for c in best], "misclassifications": float(errors.min())},
        func=func,
    )
