"""Item flags: the warnings an exam committee expects to see next to the item statistics.

All thresholds live in :class:`FlagThresholds`; all wording lives in :data:`MESSAGES`, one
template per flag code, so a translation replaces that one dict. Templates use
``str.format`` fields; percentages are formatted with ``{...:.0%}``.

Flag codes, severity and rule (defaults in brackets; ``rar``/``rir`` see
:func:`analysis.ctt.item_statistics` and :func:`analysis.ctt.distractors`):

============================  ========  ==================================================
code                          severity  raised when
============================  ========  ==================================================
``p_low``                     warning   p < ``p_low`` [0.30]
``p_high``                    warning   p > ``p_high`` [0.90]
``rir_negative``              critical  Rir < 0
``rir_low``                   warning   0 <= Rir < ``rir_low`` [0.20]
``miskey_rar``                critical  a distractor has Rar > 0 and Rar > the key's Rar
                                        (the highest key Rar when several keys count)
``miskey_high_group``         critical  a distractor is chosen by a larger share of the high
                                        group than the key (all keys together)
``key_less_popular``          warning   a distractor is chosen more often than the key
``distractor_unused``         info      nobody who saw the item chose the distractor
``distractor_rare``           info      0 < proportion < ``distractor_min`` [0.02]
``omissions_high``            warning   omitted/invalid share >= ``omit_min`` [0.05] and
                                        >= ``omit_ratio`` [2] x the median share of all
                                        items in the table ("more than usual")
============================  ========  ==================================================

Flags that compare a distractor with the key are only raised for items with at least
``min_n`` [20] candidates, below which the comparisons are mostly noise.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FlagThresholds", "MESSAGES", "SEVERITIES", "item_flags"]

#: Severity levels, most serious first.
SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")

#: Message template per flag code (plain English; translate this dict, nothing else).
MESSAGES: Mapping[str, str] = {
    "p_low": (
        "Item {item}: only {p:.0%} of the candidates answered correctly (limit {threshold:.0%}). "
        "The item may be too hard, unclear, or have a wrong key."
    ),
    "p_high": (
        "Item {item}: {p:.0%} of the candidates answered correctly (limit {threshold:.0%}). "
        "The item is very easy and hardly tells candidates apart."
    ),
    "rir_negative": (
        "Item {item}: candidates who did well on the rest of the exam did worse on this item "
        "than weaker candidates (item-rest correlation {rir:.2f}). Check the key and the wording."
    ),
    "rir_low": (
        "Item {item}: the item hardly separates strong from weak candidates "
        "(item-rest correlation {rir:.2f}, limit {threshold:.2f})."
    ),
    "miskey_rar": (
        "Item {item}: candidates choosing option {option} did better on the rest of the exam "
        "than those choosing the key {key} (option-rest correlation {rar:.2f} against "
        "{key_rar:.2f}). Option {option} may be a correct answer: check the key."
    ),
    "miskey_high_group": (
        "Item {item}: among the best-scoring candidates, more chose option {option} "
        "({prop_high:.0%}) than the key {key} ({key_prop_high:.0%}). Check the key."
    ),
    "key_less_popular": (
        "Item {item}: option {option} was chosen more often ({proportion:.0%}) than the key "
        "{key} ({key_proportion:.0%})."
    ),
    "distractor_unused": (
        "Item {item}: nobody chose option {option}, so it does not work as a wrong answer."
    ),
    "distractor_rare": (
        "Item {item}: only {proportion:.1%} of the candidates chose option {option} "
        "(limit {threshold:.0%}); it hardly works as a wrong answer."
    ),
    "omissions_high": (
        "Item {item}: {proportion:.0%} of the candidates left it unanswered or gave an invalid "
        "answer, more than usual on this exam (typical item: {median:.0%}). "
        "It may be unclear, too long, or placed where time ran out."
    ),
}

_SEVERITY: Mapping[str, str] = {
    "p_low": "warning",
    "p_high": "warning",
    "rir_negative": "critical",
    "rir_low": "warning",
    "miskey_rar": "critical",
    "miskey_high_group": "critical",
    "key_less_popular": "warning",
    "distractor_unused": "info",
    "distractor_rare": "info",
    "omissions_high": "warning",
}

_COLUMNS = ["item", "code", "severity", "option", "value", "message"]


@dataclass(frozen=True)
class FlagThresholds:
    """Every threshold the flags use, in one place (defaults: DESIGN §5 and common practice).

    * ``p_low``, ``p_high``: acceptable band for the p-value (0.30 .. 0.90).
    * ``rir_low``: minimum item-rest correlation (0.20); below 0 is always critical.
    * ``distractor_min``: minimum share choosing a distractor (0.02).
    * ``omit_min``, ``omit_ratio``: an item's omitted/invalid share is "more than usual"
      when it is at least ``omit_min`` (0.05) *and* at least ``omit_ratio`` (2) times the
      median share over the items analysed together.
    * ``min_n``: key-versus-distractor flags need at least this many candidates (20).
    """

    p_low: float = 0.30
    p_high: float = 0.90
    rir_low: float = 0.20
    distractor_min: float = 0.02
    omit_min: float = 0.05
    omit_ratio: float = 2.0
    min_n: int = 20

    def __post_init__(self) -> None:
        for name in ("p_low", "p_high", "rir_low", "distractor_min", "omit_min"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise ValueError(f"FlagThresholds.{name} must be a number; you provided {value!r}")
        if not 0.0 <= self.p_low <= self.p_high <= 1.0:
            raise ValueError(
                f"FlagThresholds needs 0 <= p_low <= p_high <= 1; you provided "
                f"p_low={self.p_low!r}, p_high={self.p_high!r}"
            )
        if not -1.0 <= self.rir_low <= 1.0:
            raise ValueError(f"FlagThresholds.rir_low must lie in -1 .. 1; you provided {self.rir_low!r}")
        for name in ("distractor_min", "omit_min"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"FlagThresholds.{name} must lie in 0 .. 1; you provided {getattr(self, name)!r}")
        if not (isinstance(self.omit_ratio, (int, float)) and self.omit_ratio >= 0):
            raise ValueError(f"FlagThresholds.omit_ratio must be >= 0; you provided {self.omit_ratio!r}")
        if not (isinstance(self.min_n, int) and self.min_n >= 0):
            raise ValueError(f"FlagThresholds.min_n must be a whole number >= 0; you provided {self.min_n!r}")


def _require(df: object, name: str, columns: list[str]) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{name} must be a DataFrame; you provided {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing!r}; pass the table returned by analysis.ctt")
    return df


def _label(value: object) -> str:
    return str(value)


def _flag(item: Hashable, code: str, value: float, option: object = None, **fields: object) -> dict[str, Any]:
    """One row of the flag table, its message filled in from :data:`MESSAGES`."""
    return {
        "item": item,
        "code": code,
        "severity": _SEVERITY[code],
        "option": option,
        "value": float(value),
        "message": MESSAGES[code].format(item=_label(item), option=_label(option), **fields),
    }


def _difficulty_and_discrimination_flags(stats: pd.DataFrame, th: FlagThresholds) -> list[dict[str, Any]]:
    """Item level: ``p_low``, ``p_high``, ``rir_negative``, ``rir_low`` (vectorised masks)."""
    found = []
    p = stats["p"].to_numpy(dtype=float)
    rir = stats["rir"].to_numpy(dtype=float)
    for i in np.flatnonzero(p < th.p_low):
        found.append(_flag(stats.index[i], "p_low", p[i], p=p[i], threshold=th.p_low))
    for i in np.flatnonzero(p > th.p_high):
        found.append(_flag(stats.index[i], "p_high", p[i], p=p[i], threshold=th.p_high))
    for i in np.flatnonzero(rir < 0):
        found.append(_flag(stats.index[i], "rir_negative", rir[i], rir=rir[i]))
    for i in np.flatnonzero((rir >= 0) & (rir < th.rir_low)):
        found.append(_flag(stats.index[i], "rir_low", rir[i], rir=rir[i], threshold=th.rir_low))
    return found


@dataclass(frozen=True)
class _KeySummary:
    """Per item of the distractor table (``codes`` maps each row to it): the highest Rar of
    its keys, the key(s)' share in the high group and overall, and the key labels; ``enough``
    per row: the item has a key and at least ``min_n`` candidates."""

    codes: np.ndarray
    rar: np.ndarray
    high: np.ndarray
    proportion: np.ndarray
    names: dict[int, str]
    enough: np.ndarray


def _key_summary(d: pd.DataFrame, stats: pd.DataFrame, th: FlagThresholds) -> _KeySummary:
    is_key = d["is_key"].to_numpy(dtype=bool)
    prop = d["proportion"].to_numpy(dtype=float)
    rar = d["rar"].to_numpy(dtype=float)
    high = d["prop_high"].to_numpy(dtype=float)
    options = d["option"].to_numpy(dtype=object)
    codes, uniq = pd.factorize(d["item"])
    n_items = len(uniq)
    key_rar = np.full(n_items, -np.inf)
    np.maximum.at(key_rar, codes[is_key & ~np.isnan(rar)], rar[is_key & ~np.isnan(rar)])
    key_rar[np.isneginf(key_rar)] = np.nan
    key_high = np.bincount(codes[is_key], weights=np.nan_to_num(high[is_key]), minlength=n_items)
    key_prop = np.bincount(codes[is_key], weights=prop[is_key], minlength=n_items)
    has_key = np.bincount(codes[is_key], minlength=n_items) > 0
    names = {j: ", ".join(_label(o) for o in options[is_key & (codes == j)]) for j in range(n_items)}
    n_seen = stats["n"].reindex(uniq).to_numpy(dtype=float)
    enough = (n_seen >= th.min_n)[codes] & has_key[codes]
    return _KeySummary(codes, key_rar, key_high, key_prop, names, enough)


def _miskey_flags(d: pd.DataFrame, key: _KeySummary) -> list[dict[str, Any]]:
    """A distractor that beats the key: ``miskey_rar``, ``miskey_high_group``,
    ``key_less_popular`` (only for items with at least ``min_n`` candidates)."""
    found = []
    prop = d["proportion"].to_numpy(dtype=float)
    rar = d["rar"].to_numpy(dtype=float)
    high = d["prop_high"].to_numpy(dtype=float)
    items = d["item"].to_numpy(dtype=object)
    options = d["option"].to_numpy(dtype=object)
    c = key.codes
    distractor = ~d["is_key"].to_numpy(dtype=bool) & ~d["is_omitted"].to_numpy(dtype=bool) & key.enough
    for r in np.flatnonzero(distractor & (rar > 0) & (rar > key.rar[c])):
        j = c[r]
        found.append(_flag(items[r], "miskey_rar", rar[r], options[r], rar=rar[r], key_rar=key.rar[j],
                           key=key.names[j]))
    for r in np.flatnonzero(distractor & (high > key.high[c])):
        j = c[r]
        found.append(_flag(items[r], "miskey_high_group", high[r], options[r], prop_high=high[r],
                           key_prop_high=key.high[j], key=key.names[j]))
    for r in np.flatnonzero(distractor & (prop > key.proportion[c])):
        j = c[r]
        found.append(_flag(items[r], "key_less_popular", prop[r], options[r], proportion=prop[r],
                           key_proportion=key.proportion[j], key=key.names[j]))
    return found


def _unused_option_and_omission_flags(d: pd.DataFrame, th: FlagThresholds) -> list[dict[str, Any]]:
    """``distractor_unused``, ``distractor_rare`` and ``omissions_high``."""
    found = []
    is_omit = d["is_omitted"].to_numpy(dtype=bool)
    distractor = ~d["is_key"].to_numpy(dtype=bool) & ~is_omit
    prop = d["proportion"].to_numpy(dtype=float)
    items = d["item"].to_numpy(dtype=object)
    options = d["option"].to_numpy(dtype=object)
    n_opt = d["n"].to_numpy(dtype=float)
    for r in np.flatnonzero(distractor & (n_opt == 0)):
        found.append(_flag(items[r], "distractor_unused", 0.0, options[r]))
    for r in np.flatnonzero(distractor & (n_opt > 0) & (prop < th.distractor_min)):
        found.append(_flag(items[r], "distractor_rare", prop[r], options[r], proportion=prop[r],
                           threshold=th.distractor_min))
    omit_rows = np.flatnonzero(is_omit)
    if omit_rows.size:
        median = float(np.median(prop[omit_rows]))
        limit = max(th.omit_min, th.omit_ratio * median)
        for r in omit_rows[prop[omit_rows] >= limit]:
            found.append(_flag(items[r], "omissions_high", prop[r], None, proportion=prop[r], median=median))
    return found


def _flag_table(found: list[dict[str, Any]], item_order: Mapping[Hashable, int]) -> pd.DataFrame:
    """The flags as a table, ordered by item, then severity (:data:`SEVERITIES`), then code."""
    out = pd.DataFrame(found, columns=_COLUMNS)
    # Keep option labels exactly as given (ints stay ints next to the None of item flags).
    out["option"] = pd.Series([f["option"] for f in found], dtype=object)
    if len(out):
        sev_rank = {s: i for i, s in enumerate(SEVERITIES)}
        code_rank = {c: i for i, c in enumerate(MESSAGES)}
        out = (
            out.assign(
                _i=out["item"].map(item_order),
                _s=out["severity"].map(sev_rank),
                _c=out["code"].map(code_rank),
            )
            .sort_values(["_i", "_s", "_c"], kind="stable")
            .drop(columns=["_i", "_s", "_c"])
            .reset_index(drop=True)
        )
    return out


def item_flags(
    stats: pd.DataFrame,
    distractors: pd.DataFrame,
    *,
    thresholds: FlagThresholds | None = None,
) -> pd.DataFrame:
    """Flags for the exam committee from the item statistics and the distractor table.

    Parameters
    ----------
    stats:
        :func:`analysis.ctt.item_statistics` output (index = item; uses ``n``, ``p``, ``rir``).
    distractors:
        :func:`analysis.ctt.distractors` output (uses ``item``, ``option``, ``is_key``,
        ``is_omitted``, ``n``, ``proportion``, ``prop_high``, ``rar``). May be empty or cover
        only some items (e.g. open questions have no options).
    thresholds:
        :class:`FlagThresholds`; default ``FlagThresholds()``.

    Returns
    -------
    DataFrame with one row per raised flag, ordered by item (as in ``stats``), then
    severity, then code: ``item``, ``code``, ``severity`` (``critical`` / ``warning`` /
    ``info``), ``option`` (the option concerned, ``None`` for item-level flags), ``value``
    (the statistic that raised it) and ``message`` (from :data:`MESSAGES`). The rules are
    listed in the module docstring.

    The thresholds are conventions, not estimates. Rir < 0.20: Ebel's guideline for the
    discrimination index, below .20 "poor, to be rejected or improved by revision" (Ebel,
    R. L. & Frisbie, D. A. (1991). *Essentials of Educational Measurement*, 5th ed.); the
    p band 0.30 .. 0.90 is DESIGN §5. A distractor chosen by (almost) nobody does not
    function (Haladyna, T. M. & Downing, S. M. (1993). How many options is enough for a
    multiple-choice test item? *Educational and Psychological Measurement* 53, 999-1010);
    a distractor that attracts the high group, or whose option-rest correlation is positive
    and above the key's, points to a miskey or a second correct answer. The flags are rules
    over the statistics of :mod:`analysis.ctt` (those are checked against R ``psych``);
    they have no reference software of their own, so tests/analysis/test_flags.py checks
    each rule by hand.

    Examples
    --------
    >>> import pandas as pd
    >>> stats = pd.DataFrame({"n": [100], "p": [0.25], "rir": [0.35]}, index=["q1"])
    >>> options = pd.DataFrame({
    ...     "item": ["q1"] * 3, "option": ["A", "B", "(omitted/invalid)"],
    ...     "is_key": [True, False, False], "is_omitted": [False, False, True],
    ...     "n": [25, 75, 0], "proportion": [0.25, 0.75, 0.0], "prop_high": [0.6, 0.4, 0.0],
    ...     "rar": [0.35, -0.35, float("nan")]})
    >>> item_flags(stats, options)[["code", "severity", "option"]].values.tolist()
    [['p_low', 'warning', None], ['key_less_popular', 'warning', 'B']]
    """
    th = thresholds if thresholds is not None else FlagThresholds()
    if not isinstance(th, FlagThresholds):
        raise ValueError(f"thresholds must be a FlagThresholds; you provided {type(th).__name__}")
    _require(stats, "stats", ["n", "p", "rir"])
    _require(
        distractors,
        "distractors",
        ["item", "option", "is_key", "is_omitted", "n", "proportion", "prop_high", "rar"],
    )
    item_order = {item: i for i, item in enumerate(stats.index)}
    stray = [it for it in pd.unique(distractors["item"]) if it not in item_order]
    if stray:
        raise ValueError(f"distractors has item {stray[0]!r}, which is not in stats")
    found = _difficulty_and_discrimination_flags(stats, th)
    if len(distractors):
        found += _miskey_flags(distractors, _key_summary(distractors, stats, th))
        found += _unused_option_and_omission_flags(distractors, th)
    return _flag_table(found, item_order)
