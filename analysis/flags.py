"""Item flags: the warnings an exam committee expects to see next to the item statistics.

All thresholds live in :class:`FlagThresholds`; all wording lives in :data:`MESSAGES` (one
sentence per flag code), :data:`MESSAGES_SEVERAL` (the sentence naming several options) and
:data:`PHRASES`, so a translation replaces those dicts.

The sentences are written for the committee, under the item's heading (they do not repeat
the item code). Each says what was measured, with its number as the tables beside it show it
(p, Rir and Rar with 2 decimals, shares in per cent with 1: :mod:`analysis.decimals`) and
its limit; when rounding would hide on which side of the limit the number lies (a Rir of
0.197 against 0.20) it gets the decimals that show it. A flag about options is one row per
option in the table but one sentence per item and code ("Options A, B and C were each chosen
more often (7.5%, 5.2% and 82.3%) than the key D (4.2%)."), repeated on each of its rows;
:func:`item_messages` gives an item's sentences once each.

Rir correlates the item score with the score on the *rest* of the exam, while the option
table's low and high groups are formed on the *total* score, which includes the item itself;
so an item with a slightly negative Rir can still show its key chosen more often by the high
group than by the low group (the demo's two-answer item: Rir -0.03, key chosen by 36.9 % of
the high group and 29.1 % of the low group; with groups formed on the rest score it is 29.8 %
against 34.8 %). The ``rir_negative`` sentence therefore states the correlation measured and
says why the table may look otherwise, rather than claiming that able candidates "did worse".

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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.decimals import DECIMALS, against, fixed, limit_text, places_against

__all__ = ["MESSAGES", "MESSAGES_SEVERAL", "PHRASES", "SEVERITIES", "FlagThresholds", "item_flags", "item_messages"]

#: Severity levels, most serious first.
SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")

#: Sentence per flag code (plain English; translate this dict, :data:`MESSAGES_SEVERAL` and
#: :data:`PHRASES`, nothing else). The sentences are shown under the item's heading, so they
#: do not name the item. Each says what was measured, with the number as the tables beside it
#: show it (:mod:`analysis.decimals`), and its limit.
MESSAGES: Mapping[str, str] = {
    "p_low": (
        "p = {p} (lower limit {threshold}): few candidates answered it correctly. "
        "The item may be too hard, unclear, or have a wrong key."
    ),
    "p_high": (
        "p = {p} (upper limit {threshold}): almost every candidate answered it correctly, "
        "so it hardly tells candidates apart."
    ),
    "rir_negative": (
        "The item score correlates {rir} with the score on the rest of the exam "
        "(item-rest correlation Rir, limit {threshold}). A negative Rir can mean a wrong key, "
        "a second correct answer or a misleading wording: check the key and the wording."
    ),
    "rir_low": (
        "The item score correlates {rir} with the score on the rest of the exam "
        "(item-rest correlation Rir, limit {threshold}): the item hardly separates candidates "
        "who do well on the other items from those who do not."
    ),
    "miskey_rar": (
        "Option {options} has a higher option-rest correlation than {key}: Rar {values} against "
        "{key_value}. Candidates who chose {options} did better on the rest of the exam than "
        "those who did not; it may be a correct answer. Check the key."
    ),
    "miskey_high_group": (
        "In the high score group, option {options} was chosen more often ({values}) than "
        "{key} ({key_value}). Check the key."
    ),
    "key_less_popular": "Option {options} was chosen more often ({values}) than {key} ({key_value}).",
    "distractor_unused": "Nobody chose option {options}, so it does not work as a wrong answer.",
    "distractor_rare": (
        "Option {options} was chosen by only {values} of the candidates (limit {threshold}); "
        "it hardly works as a wrong answer."
    ),
    "omissions_high": (
        "{proportion} of the candidates left it unanswered or gave an invalid answer, more than "
        "usual on this exam (typical item {median}, limit {threshold}). "
        "It may be unclear, too long, or placed where time ran out."
    ),
}

#: The sentence of a per-option flag raised for several options of one item: one sentence
#: names them all (values in the same order as the options).
MESSAGES_SEVERAL: Mapping[str, str] = {
    "miskey_rar": (
        "Options {options} have higher option-rest correlations than {key}: Rar {values} against "
        "{key_value}. Candidates who chose them did better on the rest of the exam than those "
        "who did not; they may be correct answers. Check the key."
    ),
    "miskey_high_group": (
        "In the high score group, options {options} were each chosen more often ({values}) than "
        "{key} ({key_value}). Check the key."
    ),
    "key_less_popular": "Options {options} were each chosen more often ({values}) than {key} ({key_value}).",
    "distractor_unused": "Nobody chose options {options}, so they do not work as wrong answers.",
    "distractor_rare": (
        "Options {options} were chosen by only {values} of the candidates (limit {threshold}); "
        "they hardly work as wrong answers."
    ),
}

#: The pieces the sentences are built from.
PHRASES: Mapping[str, str] = {
    "and": "and",
    "percent": "{value}%",
    "key": "the key {keys}",
    # several keys (accepted extra answers): their shares count together ...
    "keys_together": "the keys {keys} together",
    # ... and the best of their option-rest correlations is the one compared (miskey_rar)
    "keys_best": "the best of the keys {keys}",
    # rir_negative when the option table's groups show the key more often in the high group:
    # the groups are formed on the total score, which includes the item itself, while Rir
    # correlates with the rest score; the sentence says so instead of contradicting the table.
    "groups_note": (
        " The option table's score groups are formed on the total score, which includes this "
        "item's own points, so they can still show {key} chosen more often by the high group "
        "({high}) than by the low group ({low})."
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

    def limits(self, statistic: str) -> tuple[float, ...]:
        """The limits a column of the item table is flagged against, for showing its values
        so that rounding does not hide a flag (:func:`itembank.display.shown_against`):
        ``p`` -> (p_low, p_high); ``rir`` -> (0, rir_low); any other column -> ().

        >>> FlagThresholds().limits("rir"), FlagThresholds().limits("rit")
        ((0.0, 0.2), ())
        """
        return {"p": (self.p_low, self.p_high), "rir": (0.0, self.rir_low)}.get(statistic, ())

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


def _listed(words: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {PHRASES['and']} {words[-1]}"


def _percent(texts: Sequence[str]) -> list[str]:
    return [PHRASES["percent"].format(value=t) for t in texts]


def _flag(item: Hashable, code: str, value: float, option: object = None, **context: object) -> dict[str, Any]:
    """One row of the flag table; ``context`` holds what its sentence needs (the message is
    written once all rows are known, so that one sentence covers every option of a code)."""
    return {"item": item, "code": code, "severity": _SEVERITY[code], "option": option, "value": float(value),
            "_context": context}


def _difficulty_and_discrimination_flags(stats: pd.DataFrame, th: FlagThresholds,
                                         groups: Mapping[Hashable, tuple[str, float, float]]) -> list[dict[str, Any]]:
    """Item level: ``p_low``, ``p_high``, ``rir_negative``, ``rir_low`` (vectorised masks).
    ``groups``: item -> (key phrase, key share in the high group, in the low group), for the
    items whose option table shows the key more often in the high group."""
    found = []
    p = stats["p"].to_numpy(dtype=float)
    rir = stats["rir"].to_numpy(dtype=float)
    for i in np.flatnonzero(p < th.p_low):
        found.append(_flag(stats.index[i], "p_low", p[i], threshold=th.p_low))
    for i in np.flatnonzero(p > th.p_high):
        found.append(_flag(stats.index[i], "p_high", p[i], threshold=th.p_high))
    for i in np.flatnonzero(rir < 0):
        found.append(_flag(stats.index[i], "rir_negative", rir[i], threshold=0.0, groups=groups.get(stats.index[i])))
    for i in np.flatnonzero((rir >= 0) & (rir < th.rir_low)):
        found.append(_flag(stats.index[i], "rir_low", rir[i], threshold=th.rir_low))
    return found


@dataclass(frozen=True)
class _KeySummary:
    """Per item of the distractor table (``codes`` maps each row to it): the highest Rar of
    its keys, the key(s)' share in the high group, in the low group (NaN without a
    ``prop_low`` column) and overall, and the key labels; ``enough`` per row: the item has a
    key and at least ``min_n`` candidates."""

    codes: np.ndarray
    items: pd.Index
    rar: np.ndarray
    high: np.ndarray
    low: np.ndarray
    proportion: np.ndarray
    names: dict[int, list[str]]
    enough: np.ndarray

    def phrase(self, j: int, several: str = "keys_together") -> str:
        """"the key C", or for several keys the ``several`` phrase of :data:`PHRASES`."""
        keys = self.names[j]
        return PHRASES["key" if len(keys) == 1 else several].format(keys=_listed(keys))


def _key_summary(d: pd.DataFrame, stats: pd.DataFrame, th: FlagThresholds) -> _KeySummary:
    is_key = d["is_key"].to_numpy(dtype=bool)
    prop = d["proportion"].to_numpy(dtype=float)
    rar = d["rar"].to_numpy(dtype=float)
    high = d["prop_high"].to_numpy(dtype=float)
    low = d["prop_low"].to_numpy(dtype=float) if "prop_low" in d.columns else np.full(len(d), np.nan)
    options = d["option"].to_numpy(dtype=object)
    codes, uniq = pd.factorize(d["item"])
    n_items = len(uniq)
    key_rar = np.full(n_items, -np.inf)
    np.maximum.at(key_rar, codes[is_key & ~np.isnan(rar)], rar[is_key & ~np.isnan(rar)])
    key_rar[np.isneginf(key_rar)] = np.nan
    key_high = np.bincount(codes[is_key], weights=np.nan_to_num(high[is_key]), minlength=n_items)
    # NaN stays NaN here (no prop_low column, or a group nobody is in): no note is written then
    key_low = np.bincount(codes[is_key], weights=low[is_key], minlength=n_items)
    key_prop = np.bincount(codes[is_key], weights=prop[is_key], minlength=n_items)
    has_key = np.bincount(codes[is_key], minlength=n_items) > 0
    names = {j: [_label(o) for o in options[is_key & (codes == j)]] for j in range(n_items)}
    n_seen = stats["n"].reindex(uniq).to_numpy(dtype=float)
    enough = (n_seen >= th.min_n)[codes] & has_key[codes]
    return _KeySummary(codes, uniq, key_rar, key_high, key_low, key_prop, names, enough)


def _key_groups(key: _KeySummary) -> dict[Hashable, tuple[str, float, float]]:
    """Items whose key(s) the high group chose more often than the low group: item -> (key
    phrase, high share, low share), for the note of ``rir_negative`` (see :data:`PHRASES`)."""
    return {key.items[j]: (key.phrase(j), key.high[j], key.low[j])
            for j in np.flatnonzero(key.high > key.low) if key.names[j]}


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
        found.append(_flag(items[r], "miskey_rar", rar[r], options[r], reference=key.rar[j],
                           key=key.phrase(j, "keys_best")))
    for r in np.flatnonzero(distractor & (high > key.high[c])):
        j = c[r]
        found.append(_flag(items[r], "miskey_high_group", high[r], options[r], reference=key.high[j],
                           key=key.phrase(j)))
    for r in np.flatnonzero(distractor & (prop > key.proportion[c])):
        j = c[r]
        found.append(_flag(items[r], "key_less_popular", prop[r], options[r], reference=key.proportion[j],
                           key=key.phrase(j)))
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
        found.append(_flag(items[r], "distractor_rare", prop[r], options[r], threshold=th.distractor_min))
    omit_rows = np.flatnonzero(is_omit)
    if omit_rows.size:
        median = float(np.median(prop[omit_rows]))
        limit = max(th.omit_min, th.omit_ratio * median)
        for r in omit_rows[prop[omit_rows] >= limit]:
            found.append(_flag(items[r], "omissions_high", prop[r], None, threshold=limit,
                               chosen=limit == th.omit_min, median=median))
    return found


def _sentence(code: str, rows: Sequence[dict[str, Any]]) -> str:
    """The one sentence of flag ``code`` on one item, naming every option in ``rows``.

    Numbers are shown as the tables beside the sentence show them (:data:`analysis.decimals.
    DECIMALS`: p, Rir and Rar with 2 decimals, shares in per cent with 1), with the extra
    decimals :func:`analysis.decimals.against` adds when rounding would hide on which side
    of its limit (or of the key's value) a number lies.
    """
    ctx = rows[0]["_context"]
    values = [r["value"] for r in rows]
    template = MESSAGES[code] if len(rows) == 1 else MESSAGES_SEVERAL[code]
    options = _listed([_label(r["option"]) for r in rows])
    if code in ("p_low", "p_high"):
        (p,), limit = against(values, ctx["threshold"], DECIMALS["p"])
        return template.format(p=p, threshold=limit)
    if code in ("rir_low", "rir_negative"):
        (rir,), limit = against(values, ctx["threshold"], DECIMALS["rir"])
        text = template.format(rir=rir, threshold=limit)
        if code == "rir_negative" and ctx["groups"] is not None:
            key, high, low = ctx["groups"]
            (high_text,), low_text = against([high], low, DECIMALS["percent"], percent=True, exact=False)
            text += PHRASES["groups_note"].format(key=key, high=_percent([high_text])[0],
                                                  low=_percent([low_text])[0])
        return text
    if code == "miskey_rar":
        # the sentence says these options did better than those who did not choose them:
        # a Rar above 0 must not read 0.00, nor equal the key's
        places = max(places_against(values, [0.0], DECIMALS["rar"]),
                     places_against(values, [ctx["reference"]], DECIMALS["rar"], exact=False))
        shown = [fixed(v, places) for v in values]
        return template.format(options=options, values=_listed(shown), key=ctx["key"],
                               key_value=fixed(ctx["reference"], places))
    if code in ("miskey_high_group", "key_less_popular"):
        shown, key_value = against(values, ctx["reference"], DECIMALS["percent"], percent=True, exact=False)
        return template.format(options=options, values=_listed(_percent(shown)), key=ctx["key"],
                               key_value=_percent([key_value])[0])
    if code == "distractor_rare":
        # chosen by someone (above 0) and below the limit: neither may be rounded away
        places = max(places_against(values, [0.0], DECIMALS["percent"], percent=True),
                     places_against(values, [ctx["threshold"]], DECIMALS["percent"], percent=True))
        shown = _percent([fixed(v, places, percent=True) for v in values])
        limit = limit_text(ctx["threshold"], DECIMALS["percent"], percent=True)
        return template.format(options=options, values=_listed(shown), threshold=_percent([limit])[0])
    if code == "omissions_high":
        # the limit is omit_min (a chosen number, shown exactly) or omit_ratio x the median
        # (a measured one, shown like the shares)
        (share,), limit = against(values, ctx["threshold"], DECIMALS["percent"], percent=True, exact=ctx["chosen"])
        median = fixed(ctx["median"], DECIMALS["percent"], percent=True)
        return template.format(proportion=_percent([share])[0], median=_percent([median])[0],
                               threshold=_percent([limit])[0])
    return template.format(options=options)


def _with_messages(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with the ``message`` of its item and code: one sentence per code and item,
    the same on every row of that code (one row per option concerned)."""
    groups: dict[tuple[Hashable, str], list[dict[str, Any]]] = {}
    for row in found:
        groups.setdefault((row["item"], row["code"]), []).append(row)
    for (_, code), rows in groups.items():
        message = _sentence(code, rows)
        for row in rows:
            row["message"] = message
    return [{k: v for k, v in row.items() if k != "_context"} for row in found]


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
    (the statistic that raised it, unrounded) and ``message``: the sentence of that code for
    that item (:data:`MESSAGES`), which names every option concerned, so it is the same on
    each of the code's rows; show an item's sentences with :func:`item_messages`. The rules
    are listed in the module docstring.

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
    >>> flags = item_flags(stats, options)
    >>> flags[["code", "severity", "option"]].values.tolist()
    [['p_low', 'warning', None], ['key_less_popular', 'warning', 'B']]
    >>> flags["message"].iloc[1]
    'Option B was chosen more often (75.0%) than the key A (25.0%).'
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
    if len(distractors):
        key = _key_summary(distractors, stats, th)
        found = _difficulty_and_discrimination_flags(stats, th, _key_groups(key))
        found += _miskey_flags(distractors, key)
        found += _unused_option_and_omission_flags(distractors, th)
    else:
        found = _difficulty_and_discrimination_flags(stats, th, {})
    return _flag_table(_with_messages(found), item_order)


def item_messages(flags: pd.DataFrame, item: Hashable) -> list[tuple[str, str]]:
    """(severity, sentence) of each flag code raised for ``item``, worst first, each sentence
    once: a code raised for several options has one row per option in ``flags`` (the table
    of :func:`item_flags`) but one sentence, naming them all. The dashboard and the command
    line show an item's flags through this function.

    >>> import pandas as pd
    >>> flags = pd.DataFrame({"item": ["q1", "q1", "q2"], "code": ["key_less_popular"] * 3,
    ...     "severity": ["warning"] * 3, "option": ["A", "C", "B"], "value": [0.31, 0.28, 0.4],
    ...     "message": ["Options A and C ...", "Options A and C ...", "Option B ..."]})
    >>> item_messages(flags, "q1")
    [('warning', 'Options A and C ...')]
    """
    rows = flags[flags["item"] == item]
    once: dict[str, tuple[str, str]] = {}
    for code, severity, message in zip(rows["code"], rows["severity"], rows["message"]):
        once.setdefault(code, (severity, message))
    return list(once.values())
