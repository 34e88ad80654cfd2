"""The conversion table (omzettingstabel, seed 004 §5.27): every whole total score with the
grade the scoring core gives it, for the committee's report.

Each row is computed by the same function that grades the candidates
(:func:`itembank.scoring.engine._grade`: the conversion of the rule set, truncation to 3
decimals, half-up rounding), so the table and the results can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

import pandas as pd

from .cuts import reaches
from .engine import ScoringResult, _grade
from .schema import TOTAL

__all__ = ["conversion_table"]


def conversion_table(result: ScoringResult, scores: Iterable[Fraction | int] | None = None) -> pd.DataFrame:
    """Per total score: ``score`` (Fraction), ``grade_exact`` (Fraction or None), ``grade``
    (Decimal as shown: truncated to 3 decimals, one decimal for the N-term method, or None),
    ``grade_rounded`` (int or None, half up) and ``reaches_cut`` (bool, None without a total
    cut), under the rules, maxima, cuts and chance scores of ``result``.

    ``scores`` defaults to every whole score from 0 to the maximum (and the maximum itself
    when it is fractional, e.g. after a weight decision).

    >>> from itembank.scoring import Form, Item, load_rule_set, score
    >>> form = Form((Item("Q1", "mc", "mc", ("A", "B"), ("A",)), Item("Q2", "mc", "mc", ("A", "B"), ("A",))))
    >>> rules = load_rule_set('[parts.mc]\\n[total.cut]\\nkind = "points"\\nvalue = 1\\n', source="x")
    >>> r = score(form, pd.DataFrame({"Q1": ["A"], "Q2": ["B"]}, index=["c1"]), rules=rules)
    >>> [(int(s), str(g), ok) for s, g, ok in conversion_table(r)[["score", "grade", "reaches_cut"]].itertuples(index=False)]
    [(0, '1.000', False), (1, '5.500', True), (2, '10.000', True)]
    """
    maximum = result.maxima[TOTAL]
    if scores is None:
        whole = [Fraction(s) for s in range(math.floor(maximum) + 1)]
        scores = whole + ([maximum] if maximum.denominator != 1 else [])
    cut = result.cuts.get(TOTAL)
    rows = []
    for s in scores:
        s = Fraction(s)
        grade_exact, grade, grade_rounded, _ = _grade(result.rules, s, result.maxima, result.cuts, result.chance)
        rows.append({"score": s, "grade_exact": grade_exact, "grade": grade, "grade_rounded": grade_rounded,
                     "reaches_cut": None if cut is None else bool(reaches(s, cut, reach=result.rules.reach))})
    return pd.DataFrame(rows, columns=["score", "grade_exact", "grade", "grade_rounded", "reaches_cut"])
