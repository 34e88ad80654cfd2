"""The one scoring function: form + responses + decisions + rule set -> results.

:func:`score` is pure (no I/O). The dashboard preview, the analysis input, the released results
and an objection's re-score all come from it (DESIGN §4), so a number can never differ between
what the committee saw and what the candidate received.

Exactness: every item score is kept as an integer numerator over a per-item denominator, part
and total scores as integer numerators over one common denominator, so sums are exact in
int64. Cuts, grades and outcomes are then computed with :class:`fractions.Fraction` once per
*distinct* combination of part scores (``np.unique``), not per candidate.

Conventions (documented defaults):

* missing (empty) and invalid responses (unknown label, two labels on an mc item) score 0 and
  are counted per candidate in ``missing`` / ``invalid`` over the non-voided items;
* the scored matrix holds the non-voided items only; a missing/invalid cell holds 0;
* a candidate reaches a cut when score >= cut (``reach = ">"`` in the rule set for strictly;
  :func:`~itembank.scoring.cuts.reaches`);
* ``annulled`` candidates get outcome ``annulled``, no grade, no judicium, no inspection
  (seed 004 §5.19, §5.31); a candidate with an unresolved grader disagreement under
  ``combine = "agreed"`` gets outcome ``pending`` and no grade.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from itembank.errors import MAX_LISTED, UserError, list_problems

from .cuts import chance_score, effective_maximum, reaches, voided_points
from .form import Decision, EffectiveItem, Form, apply_decisions, join_labels, split_labels
from .grades import final_grade, format_fraction, linear_grade, nterm_grade, table_grade, to_fraction, truncate
from .rules import TOTAL, OpenScoring, RuleSet, RuleSetError

__all__ = ["ResponseProblem", "ResponseError", "ScoringResult", "check_responses", "invalid_answers", "score", "ANNULLED", "PENDING"]

ANNULLED = "annulled"
PENDING = "pending"
_INT_LIMIT = 2**62


@dataclass(frozen=True)
class ResponseProblem:
    """One problem in the responses: the candidate (index value) and column it concerns."""

    candidate: Hashable | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.candidate is not None:
            where.append(f"candidate {self.candidate!r}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ResponseError(UserError):
    """The responses cannot be scored; ``problems`` names candidate and column of each."""

    def __init__(self, problems: Sequence[ResponseProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(list_problems(self.problems)))


@dataclass(frozen=True)
class ScoringResult:
    """Everything :func:`score` computes.

    * ``scored``: candidates x non-voided items, the item score in [0, max_score] (unweighted,
      after key and decisions and adjustments; missing/invalid -> 0). Input of
      ``analysis.ctt.item_statistics``.
    * ``part_scores``: candidates x parts, weighted part scores (float); ``total``: their sum
      (plus full marks of voided items under ``void = "full_marks"``).
    * ``maxima``: effective maximum per part and ``"total"``; ``cuts``: the evaluated cut per
      part that has one and ``"total"``; ``chance``: expected chance score per part and total.
    * ``candidates``: one row per candidate with exact values: ``score_<part>`` and ``total``
      (Fraction), ``grade_exact`` (Fraction or None), ``grade`` (Decimal, truncated to 3
      decimals; one decimal for the N-term method), ``grade_rounded`` (int or None, half up),
      ``outcome``, ``judicium``, ``inspection`` (bool), ``missing``, ``invalid`` (counts).
    * ``disagreements``: open-item cells whose graders differ by more than the threshold, for a
      third grading: ``candidate, item, points`` ("3|5"), ``difference`` (Fraction).
    * ``items``: the effective items (after decisions); ``voided``: the voided item ids.
    """

    scored: pd.DataFrame
    part_scores: pd.DataFrame
    total: pd.Series
    maxima: dict[str, Fraction]
    cuts: dict[str, Fraction]
    chance: dict[str, Fraction]
    candidates: pd.DataFrame
    disagreements: pd.DataFrame
    items: dict[str, EffectiveItem]
    voided: tuple[str, ...]
    rules: RuleSet
    # Per distinct combination of part scores: its typed row; and for each candidate the
    # position of its combination. Lets results_table format once per distinct row.
    _distinct: list[list[Any]] = field(repr=False, default_factory=list)
    _inverse: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def max_scores(self) -> pd.Series:
        """Maximum score m_j per column of ``scored`` (float), for
        ``analysis.ctt.item_statistics(result.scored, max_scores=result.max_scores)``."""
        return pd.Series({i: float(self.items[i].item.max_score) for i in self.scored.columns}, name="max_score", dtype=float)

    def conversion_table(self, scores: Iterable[Fraction | int] | None = None) -> pd.DataFrame:
        """The conversion table (omzettingstabel, seed 004 §5.27) in force, one row per score:
        ``score`` (Fraction), ``grade_exact`` (Fraction), ``grade`` (Decimal: truncated to 3
        decimals, one decimal for the N-term method), ``grade_rounded`` (int, half up) and
        ``reaches_cut`` (bool; None without a total cut) -- by the same function that grades
        every candidate (:func:`_grade`), with this result's rules, maxima, cuts and chance
        scores, so the table and the results can never disagree. The cut-score page and the
        administration report both show it.

        ``scores`` defaults to every whole score from 0 to the maximum, and the maximum itself
        when it is fractional (after a weight decision). With ``[grade] method = "none"`` the
        grade columns are None.

        >>> from itembank.scoring import Form, Item, load_rule_set, score
        >>> form = Form((Item("Q1", "mc", "mc", ("A", "B"), ("A",)), Item("Q2", "mc", "mc", ("A", "B"), ("A",))))
        >>> rules = load_rule_set('[parts.mc]\\n[total.cut]\\nkind = "points"\\nvalue = 1\\n', source="x")
        >>> r = score(form, pd.DataFrame({"Q1": ["A"], "Q2": ["B"]}, index=["c1"]), rules=rules)
        >>> [(int(s), str(g), ok) for s, g, ok in r.conversion_table()[["score", "grade", "reaches_cut"]].itertuples(index=False)]
        [(0, '1.000', False), (1, '5.500', True), (2, '10.000', True)]
        """
        maximum = self.maxima[TOTAL]
        if scores is None:
            scores = [Fraction(s) for s in range(math.floor(maximum) + 1)]
            if maximum.denominator != 1:
                scores.append(maximum)
        cut = self.cuts.get(TOTAL)
        rows = []
        for s in scores:
            s = Fraction(s)
            grade_exact, grade, grade_rounded, _ = _grade(self.rules, s, self.maxima, self.cuts, self.chance)
            rows.append({"score": s, "grade_exact": grade_exact, "grade": grade, "grade_rounded": grade_rounded,
                         "reaches_cut": None if cut is None else bool(reaches(s, cut, reach=self.rules.reach))})
        return pd.DataFrame(rows, columns=["score", "grade_exact", "grade", "grade_rounded", "reaches_cut"])

    def results_table(self) -> pd.DataFrame:
        """Exactly the RESULTS.csv columns, as text: ``candidate``, ``score_<part>`` per part,
        ``total``, ``max``, ``cut``, ``cut_<part>`` per part with a cut, ``grade_exact`` (6
        decimals, truncated), ``grade``, ``grade_rounded``, ``outcome``, ``judicium``,
        ``inspection`` (true/false), ``missing``, ``invalid``. Empty text = not applicable."""
        parts = self.rules.part_names
        c = self.candidates
        names = _row_columns(parts)
        cache: dict[tuple[int, int], str] = {}

        def text(value: Any) -> str:
            if value is None:
                return ""
            if isinstance(value, Fraction):
                key = (value.numerator, value.denominator)
                if key not in cache:
                    cache[key] = format_fraction(value)
                return cache[key]
            return str(value)

        def column(name: str) -> np.ndarray:
            k = names.index(name)
            distinct = np.empty(len(self._distinct), dtype=object)
            distinct[:] = [text(row[k]) for row in self._distinct]
            return distinct[self._inverse]

        table: dict[str, Any] = {"candidate": np.asarray(c.index.astype(str), dtype=object)}
        for p in parts:
            table[f"score_{p}"] = column(f"score_{p}")
        table["total"] = column("total")
        n = len(c)
        table["max"] = np.full(n, format_fraction(self.maxima[TOTAL]), dtype=object)
        table["cut"] = np.full(n, format_fraction(self.cuts.get(TOTAL)), dtype=object)
        for p in parts:
            if p in self.cuts:
                table[f"cut_{p}"] = np.full(n, format_fraction(self.cuts[p]), dtype=object)
        for name in ("grade_exact", "grade", "grade_rounded"):
            table[name] = column(name)
        table["outcome"] = c["outcome"].to_numpy(dtype=object)
        table["judicium"] = column("judicium")
        # Annulled and pending results (outcome overridden per candidate) carry no grade.
        overridden = c["outcome"].isin([ANNULLED, PENDING]).to_numpy()
        for name in ("grade_exact", "grade", "grade_rounded", "judicium"):
            table[name][overridden] = ""
        table["inspection"] = np.where(c["inspection"].to_numpy(dtype=bool), "true", "false").astype(object)
        table["missing"] = c["missing"].to_numpy().astype(str).astype(object)
        table["invalid"] = c["invalid"].to_numpy().astype(str).astype(object)
        return pd.DataFrame(table)


# --------------------------------------------------------------------------- item scoring


def _factorize(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 = missing) and unique values of a response column; categorical columns
    (as a storage layer or ``read_csv(dtype="category")`` gives them) cost nothing here."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(dtype=np.int64), np.asarray(col.cat.categories, dtype=object)
    codes, uniques = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _lcm_denominators(values: Iterable[Fraction]) -> int:
    q = 1
    for v in values:
        q = math.lcm(q, v.denominator)
    return q


@dataclass
class _ItemScores:
    numer: np.ndarray  # int64 (or object for huge denominators): score = numer / denom
    denom: int
    missing: np.ndarray  # bool
    invalid: np.ndarray  # bool
    unresolved: np.ndarray | None = None  # bool, "agreed" mode only


def _closed_value_score(e: EffectiveItem, value: Any, partial: bool) -> tuple[Fraction, str]:
    """Score of one distinct response value: (points, status) with status ok|missing|invalid."""
    if _is_blank(value):
        return Fraction(0), "missing"
    labels = split_labels(str(value))
    item = e.item
    if not labels:
        return Fraction(0), "missing"
    if any(label not in item.options for label in labels) or len(set(labels)) != len(labels):
        return Fraction(0), "invalid"
    if item.type == "mc":
        if len(labels) != 1:
            return Fraction(0), "invalid"
        return (item.max_score if labels[0] in e.correct_options else Fraction(0)), "ok"
    chosen = frozenset(labels)
    if chosen == frozenset(e.key) or any(chosen == frozenset(group) for group in e.accepted):
        return item.max_score, "ok"
    if not partial:
        return Fraction(0), "ok"
    # Right-minus-wrong partial credit, floored at 0: max * (hits - false alarms) / n_keys.
    key = frozenset(e.key)
    hits, wrong = len(chosen & key), len(chosen - key)
    return item.max_score * Fraction(max(0, hits - wrong), len(key)), "ok"


def _score_closed(e: EffectiveItem, col: pd.Series, partial: bool) -> _ItemScores:
    codes, uniques = _factorize(col)
    results = [_closed_value_score(e, u, partial) for u in uniques]
    denom = _lcm_denominators(points for points, _ in results)
    # The last slot serves code -1 (a NaN cell): missing, 0 points.
    table = np.array([int(points * denom) for points, _ in results] + [0], dtype=np.int64)
    status = np.array([s for _, s in results] + ["missing"], dtype=object)
    missing_table = status == "missing"
    invalid_table = status == "invalid"
    # Skip the lookups when no distinct value is invalid (the common case).
    invalid = invalid_table[codes] if invalid_table.any() else np.zeros(len(codes), dtype=bool)
    return _ItemScores(table[codes], denom, missing_table[codes], invalid)


def _grader_columns(item_id: str, columns: Sequence[str]) -> list[str]:
    graders = [item_id]
    k = 2
    while f"{item_id}#{k}" in columns:
        graders.append(f"{item_id}#{k}")
        k += 1
    return graders


def _score_open(
    e: EffectiveItem,
    responses: pd.DataFrame,
    graders: list[str],
    open_rules: OpenScoring,
    problems: list[ResponseProblem],
    disagreements: list[dict[str, Any]],
) -> _ItemScores:
    """An open item's score from its graders' points: read and checked per grader
    (:func:`_grader_points`), then combined by the rule set's ``[scoring.open]``
    (:func:`_combine_graders`)."""
    ints, present, q = _grader_points(e, responses, graders, problems)
    some = present.any(axis=1)
    partial_rows = np.flatnonzero(some & ~present.all(axis=1))
    for row in partial_rows[:MAX_LISTED]:
        lacking = [graders[j] for j in range(len(graders)) if not present[row, j]]
        # A blank cell among graded ones is either an invalid value (reported above) or a
        # grading that was never entered; an omitted answer is graded 0 by every grader.
        if all(not _is_blank(responses[c].iloc[row]) for c in lacking):
            continue
        problems.append(ResponseProblem(responses.index[row], lacking[0], "no points here while another grader gave points; enter 0 for an unanswered question"))
    numer, denom, unresolved = _combine_graders(e, ints, q, some, open_rules, responses.index, disagreements)
    return _ItemScores(np.asarray(numer, dtype=np.int64), int(denom), ~some, np.zeros(len(responses), dtype=bool), unresolved)


def _grader_points(
    e: EffectiveItem, responses: pd.DataFrame, graders: list[str], problems: list[ResponseProblem]
) -> tuple[np.ndarray, np.ndarray, int]:
    """Each grader's points as integer numerators over one denominator q: (candidates x
    graders numerators, which cells hold valid points, q). Points that are not a number from 0
    to the maximum are listed in ``problems`` (the first 5 rows of each distinct value)."""
    n = len(responses)
    index = responses.index
    maximum = e.item.max_score
    parsed: list[tuple[np.ndarray, list[Fraction | None]]] = []
    for column in graders:
        codes, uniques = _factorize(responses[column])
        values: list[Fraction | None] = []
        for u in uniques:
            if _is_blank(u):
                values.append(None)
                continue
            try:
                points = to_fraction(u if not isinstance(u, (np.integer, np.floating)) else u.item())
            except ValueError:
                points = None
                bad = f"expected points (a number from 0 to {maximum}), got {u!r}"
            else:
                bad = "" if 0 <= points <= maximum else f"points {u!r} outside 0..{format_fraction(maximum)}"
            if bad:
                for row in np.flatnonzero(codes == len(values))[:5]:
                    problems.append(ResponseProblem(index[row], column, bad))
                points = None
            values.append(points)
        parsed.append((codes, values))
    q = _lcm_denominators(v for _, values in parsed for v in values if v is not None)
    ints = np.zeros((n, len(graders)), dtype=np.int64)
    present = np.zeros((n, len(graders)), dtype=bool)
    for j, (codes, values) in enumerate(parsed):
        table = np.array([int(v * q) if v is not None else 0 for v in values] + [0], dtype=np.int64)
        ok = np.array([v is not None for v in values] + [False], dtype=bool)
        ints[:, j] = table[codes]
        present[:, j] = ok[codes]
    return ints, present, q


def _combine_graders(
    e: EffectiveItem,
    ints: np.ndarray,
    q: int,
    some: np.ndarray,
    open_rules: OpenScoring,
    index: pd.Index,
    disagreements: list[dict[str, Any]],
) -> tuple[np.ndarray, int, np.ndarray | None]:
    """The open-item grader combination (seed 001 art. 4 and 6; ``[scoring.open]``): one
    grader's points as they are; with several, ``mean`` (optionally rounded up to a whole
    point), ``median`` or ``agreed`` (a cell where graders differ is unresolved). Cells whose
    graders differ by more than ``disagreement_threshold`` go to ``disagreements``. Returns
    (numerators, denominator, unresolved cells or None)."""
    g = ints.shape[1]
    if g == 1:
        return ints[:, 0], q, None
    low, high = ints.min(axis=1), ints.max(axis=1)
    spread = high - low
    t = open_rules.disagreement_threshold
    flagged = np.flatnonzero(some & (spread * t.denominator > t.numerator * q))
    for row in flagged:
        disagreements.append(
            {
                "candidate": index[row],
                "item": e.id,
                "points": join_labels(format_fraction(Fraction(int(v), q)) for v in ints[row]),
                "difference": Fraction(int(spread[row]), q),
            }
        )
    combine = open_rules.combine
    if combine == "mean":
        numer, denom = ints.sum(axis=1), q * g
        if open_rules.round_up:
            numer, denom = -(-numer // denom), 1
        return numer, denom, None
    if combine == "median":
        ordered = np.sort(ints, axis=1)
        if g % 2:
            return ordered[:, g // 2], q, None
        return ordered[:, g // 2 - 1] + ordered[:, g // 2], 2 * q, None
    unresolved = some & (spread != 0)  # agreed
    return np.where(unresolved, 0, low), q, unresolved


# --------------------------------------------------------------------------- the core


def _check_columns(form: Form, responses: pd.DataFrame) -> list[ResponseProblem]:
    problems: list[ResponseProblem] = []
    if responses.index.has_duplicates:
        for cand in responses.index[responses.index.duplicated()].unique()[:MAX_LISTED]:
            problems.append(ResponseProblem(cand, None, "candidate appears more than once"))
    if responses.index.hasnans:
        problems.append(ResponseProblem(None, None, "a candidate id is empty"))
    columns = [str(c) for c in responses.columns]
    if len(set(columns)) != len(columns):
        problems.append(ResponseProblem(None, None, "a column name is repeated"))
    ids = set(form.item_ids)
    for column in columns:
        base, _, grader = column.partition("#")
        if base not in ids:
            problems.append(ResponseProblem(None, column, "column is not an item of the form"))
        elif grader:
            if form[base].type != "open":
                problems.append(ResponseProblem(None, column, f"grader columns ('#') are only for open items; {base!r} is {form[base].type}"))
            elif not grader.isdigit() or int(grader) < 2:
                problems.append(ResponseProblem(None, column, "a second grader's column is named '<item>#2', a third '<item>#3'"))
    for item_id in form.item_ids:
        if item_id not in columns:
            problems.append(ResponseProblem(None, item_id, "no column for this item of the form"))
        elif form[item_id].type == "open":
            graders = [c for c in columns if c.startswith(f"{item_id}#")]
            expected = [f"{item_id}#{k}" for k in range(2, len(graders) + 2)]
            for column in sorted(set(graders) - set(expected)):
                problems.append(ResponseProblem(None, column, f"grader columns must be numbered without gaps: {', '.join(expected[:1] or [item_id + '#2'])} first"))
    return problems


def check_responses(form: Form, responses: pd.DataFrame) -> list[ResponseProblem]:
    """Problems that stop :func:`score` under any rule set, for checking responses on import.

    Columns (one per item, ``<item>#2`` ... only for open items, numbered without gaps),
    candidates (unique, not empty), open items' points (numbers from 0 to the maximum, no
    grader left blank next to another's points). An unknown option label is not a problem:
    it is an *invalid* answer, scored 0 and counted (DESIGN §5).
    """
    responses = responses.copy(deep=False)
    responses.columns = [str(c) for c in responses.columns]
    problems = _check_columns(form, responses)
    if any(p.candidate is None for p in problems):
        return problems
    items = apply_decisions(form, ())
    columns = list(responses.columns)
    for it in form.items:
        if it.type == "open":
            _score_open(items[it.item], responses, _grader_columns(it.item, columns), OpenScoring(), problems, [])
    return problems


def invalid_answers(form: Form, responses: pd.DataFrame) -> dict[str, int]:
    """Per closed item, the answers :func:`score` counts as *invalid* (scored 0): a label that
    is not an option, a label given twice, or several labels for a single-answer item."""
    items = apply_decisions(form, ())
    out: dict[str, int] = {}
    for it in form.items:
        if it.type != "open" and it.item in responses.columns:
            n = int(_score_closed(items[it.item], responses[it.item], partial=False).invalid.sum())
            if n:
                out[it.item] = n
    return out


def _adjust(
    items: dict[str, EffectiveItem],
    scores: dict[str, _ItemScores],
    responses: pd.DataFrame,
    adjustments: Mapping[tuple[Hashable, str], Any],
) -> None:
    """Individual changes for an objection (seed 004 §6.2): a cell for one candidate only."""
    problems: list[ResponseProblem] = []
    positions = pd.Index(responses.index)
    for (cand, item_id), value in adjustments.items():
        if item_id not in items:
            problems.append(ResponseProblem(cand, item_id, "adjustment names an item that is not on the form"))
            continue
        if items[item_id].voided:
            problems.append(ResponseProblem(cand, item_id, "adjustment of a voided item"))
            continue
        if cand not in positions:
            problems.append(ResponseProblem(cand, item_id, "adjustment names a candidate without responses"))
            continue
        try:
            points = to_fraction(value, what="adjusted points")
        except ValueError as exc:
            problems.append(ResponseProblem(cand, item_id, str(exc)))
            continue
        maximum = items[item_id].item.max_score
        if not 0 <= points <= maximum:
            problems.append(ResponseProblem(
                cand, item_id, f"{format_fraction(points)} points is outside 0..{format_fraction(maximum)} for item {item_id}"))
            continue
        s = scores[item_id]
        new = math.lcm(s.denom, points.denominator)
        if new != s.denom:
            s.numer = s.numer * (new // s.denom)
            s.denom = new
        row = positions.get_loc(cand)
        s.numer = s.numer.copy()
        s.numer[row] = int(points * new)
        # An adjusted cell is a judged answer, not a missing/invalid one, and is final.
        s.missing = s.missing.copy()
        s.missing[row] = False
        s.invalid = s.invalid.copy()
        s.invalid[row] = False
        if s.unresolved is not None:
            s.unresolved = s.unresolved.copy()
            s.unresolved[row] = False
    if problems:
        raise ResponseError(problems)


def score(
    form: Form,
    responses: pd.DataFrame,
    *,
    rules: RuleSet,
    decisions: Sequence[Decision] = (),
    adjustments: Mapping[tuple[Hashable, str], Any] | None = None,
    annulled: Iterable[Hashable] = frozenset(),
) -> ScoringResult:
    """Score a form's responses under a rule set, after the committee's decisions.

    Parameters
    ----------
    form:
        The administered :class:`~itembank.scoring.form.Form`.
    responses:
        Wide DataFrame, index = candidate id, one column per item; a closed item's cell holds
        the chosen label(s) joined by :data:`~itembank.scoring.form.LABEL_SEPARATOR` (``A|C``), an open item's cell the points of grader 1, with
        columns ``<item>#2``, ``<item>#3`` for further graders. Empty/NaN = omitted.
    rules:
        A :class:`~itembank.scoring.rules.RuleSet`; it is checked against the form first.
    decisions:
        Committee decisions, applied in order (:func:`~itembank.scoring.form.apply_decisions`).
    adjustments:
        ``{(candidate, item): points}``: an individual re-score for an objection (seed 004
        §6.2); it replaces that one cell for that one candidate, nothing else changes.
    annulled:
        Candidates whose result is annulled (seed 004 §5.19, §5.31).

    Formulas: item score x_ij in [0, m_j]; part score P_ip = sum_{j in p} w_j x_ij; total
    T_i = sum_p P_ip (DESIGN §5), plus sum w_j m_j over voided items when ``void =
    "full_marks"``. Cuts, grades and outcomes: see :mod:`itembank.scoring.rules` and
    :mod:`itembank.scoring.grades`.

    Raises :class:`ResponseError` (a :class:`~itembank.errors.UserError`) naming candidate and
    column, or :class:`~itembank.scoring.rules.RuleSetError` / :class:`~itembank.errors.RuleError`.
    """
    rules.check(form)
    items = apply_decisions(form, tuple(decisions))
    responses = responses.copy(deep=False)
    responses.columns = [str(c) for c in responses.columns]
    annulled_set, problems = _check_candidates(form, responses, annulled)
    scores, disagreements = _score_items(form, items, responses, rules, problems)
    if adjustments:
        _adjust(items, scores, responses, adjustments)
    kept = [it.item for it in form.items if not items[it.item].voided]
    voided = tuple(it.item for it in form.items if items[it.item].voided)
    scored = _scored_matrix(responses, kept, scores)
    part_numer, d = _part_numerators(form, items, scores, rules, n=len(responses), kept=kept, voided=voided)
    maxima, chance, cuts = _maxima_chance_and_cuts(form, items, rules)
    counts = _response_counts(scores, kept, n=len(responses))
    candidates, rows, inverse = _candidate_table(rules, part_numer, d, maxima, cuts, chance, counts, responses.index, annulled_set)
    parts = rules.part_names
    index = responses.index
    part_scores = pd.DataFrame(part_numer.astype(float) / d, index=index, columns=list(parts))
    # From the exact numerators, so the float total is the nearest float to the exact one.
    total = pd.Series(part_numer.sum(axis=1).astype(float) / d, index=index, name=TOTAL)
    dis = pd.DataFrame(disagreements, columns=["candidate", "item", "points", "difference"])
    return ScoringResult(
        scored=scored,
        part_scores=part_scores,
        total=total,
        maxima=maxima,
        cuts=cuts,
        chance=chance,
        candidates=candidates,
        disagreements=dis,
        items=items,
        voided=voided,
        rules=rules,
        _distinct=rows,
        _inverse=inverse,
    )


# --------------------------------------------------------------------------- the steps of score()


def _check_candidates(form: Form, responses: pd.DataFrame, annulled: Iterable[Hashable]) -> tuple[set[Hashable], list[ResponseProblem]]:
    """The columns can be scored and every annulled candidate has responses; returns the
    annulled candidates and the row problems found so far (duplicate ids), which are reported
    together with the item scoring's."""
    problems = _check_columns(form, responses)
    if any(p.candidate is None for p in problems):
        # Without the right columns nothing can be scored; row problems are collected on.
        raise ResponseError(problems)
    annulled_set = set(annulled)
    unknown = [c for c in annulled_set if c not in responses.index]
    if unknown:
        raise ResponseError([ResponseProblem(c, None, "annulment names a candidate without responses") for c in unknown[:MAX_LISTED]])
    return annulled_set, problems


def _score_items(
    form: Form, items: dict[str, EffectiveItem], responses: pd.DataFrame, rules: RuleSet, problems: list[ResponseProblem]
) -> tuple[dict[str, _ItemScores], list[dict[str, Any]]]:
    """Each non-voided item's scores (closed: key and accepted answers; open: the graders'
    points combined) and the open items' grader disagreements; raises every problem found,
    ``problems`` (found before) first."""
    partial = rules.multiple_response == "partial"
    columns = list(responses.columns)
    scores: dict[str, _ItemScores] = {}
    disagreements: list[dict[str, Any]] = []
    for it in form.items:
        e = items[it.item]
        if e.voided:
            continue
        if it.type == "open":
            scores[it.item] = _score_open(e, responses, _grader_columns(it.item, columns), rules.open, problems, disagreements)
        else:
            scores[it.item] = _score_closed(e, responses[it.item], partial)
    if problems:
        raise ResponseError(problems)
    return scores, disagreements


def _scored_matrix(responses: pd.DataFrame, kept: Sequence[str], scores: Mapping[str, _ItemScores]) -> pd.DataFrame:
    """Candidates x non-voided items, the unweighted item score x_ij as a float."""
    # Column-major, so each item is one contiguous write and pandas takes it without a copy.
    matrix = np.empty((len(responses), len(kept)), dtype=float, order="F")
    for k, i in enumerate(kept):
        matrix[:, k] = scores[i].numer / scores[i].denom
    scored = pd.DataFrame(matrix, index=responses.index, columns=pd.Index(kept))
    scored.index.name = responses.index.name or "candidate"
    scored.columns.name = "item"
    return scored


def _part_numerators(
    form: Form,
    items: Mapping[str, EffectiveItem],
    scores: Mapping[str, _ItemScores],
    rules: RuleSet,
    *,
    n: int,
    kept: Sequence[str],
    voided: Sequence[str],
) -> tuple[np.ndarray, int]:
    """Exact weighted part scores P_ip = sum_{j in p} w_j x_ij (plus each voided item's
    :func:`~itembank.scoring.cuts.voided_points`) as integer numerators over one common
    denominator d; returns (candidates x parts numerators, d)."""
    part_of = rules.part_of(form)
    fixed = {i: voided_points(items[i], void=rules.void) for i in voided}
    d = 1
    for i in kept:
        d = math.lcm(d, items[i].weight.denominator * scores[i].denom)
    for points in fixed.values():
        d = math.lcm(d, points.denominator)
    parts = rules.part_names
    grand_max = effective_maximum(list(items.values()), void=rules.void)
    big = grand_max * d > _INT_LIMIT
    part_numer = np.zeros((n, len(parts)), dtype=object if big else np.int64, order="F")
    for i in kept:
        w = items[i].weight
        coef = w.numerator * (d // (w.denominator * scores[i].denom))
        column = scores[i].numer.astype(object) if big else scores[i].numer
        part_numer[:, parts.index(part_of[i])] += coef * column
    for i, points in fixed.items():
        if points:
            part_numer[:, parts.index(part_of[i])] += int(points * d)
    return part_numer, d
def _maxima_chance_and_cuts(
    form: Form, items: Mapping[str, EffectiveItem], rules: RuleSet
) -> tuple[dict[str, Fraction], dict[str, Fraction], dict[str, Fraction]]:
    """Per part and ``total``: the effective maximum, the chance score and (where the rule set
    has one) the evaluated cut; checks that the grade conversion can use them."""
    part_of = rules.part_of(form)
    scope = {p: [items[i] for i in form.item_ids if part_of[i] == p] for p in rules.part_names}
    scope[TOTAL] = list(items.values())
    maxima = {name: effective_maximum(group, void=rules.void) for name, group in scope.items()}
    chance = {name: chance_score(group, void=rules.void) for name, group in scope.items()}
    cuts: dict[str, Fraction] = {}
    for p in rules.parts:
        if p.cut is not None:
            cuts[p.name] = p.cut.evaluate(scope[p.name], void=rules.void, where=f"{rules.source}: parts.{p.name}.cut")
    if rules.total_cut is not None:
        cuts[TOTAL] = rules.total_cut.evaluate(scope[TOTAL], void=rules.void, where=f"{rules.source}: total.cut")
    _check_conversion(rules, maxima, chance, cuts)
    return maxima, chance, cuts


def _check_conversion(rules: RuleSet, maxima: Mapping[str, Fraction], chance: Mapping[str, Fraction], cuts: Mapping[str, Fraction]) -> None:
    """The grade conversion exists for these maxima and cuts (after voids it may not)."""
    if rules.grade.method == "linear":
        anchor = chance[TOTAL] if rules.grade.anchor == "chance" else Fraction(0)
        if not anchor < maxima[TOTAL] or not anchor <= cuts[TOTAL] <= maxima[TOTAL]:
            raise RuleSetError(
                f"{rules.source}: total.cut: the linear conversion needs {'the chance score' if rules.grade.anchor == 'chance' else '0'} "
                f"({format_fraction(anchor)}) <= cut ({format_fraction(cuts[TOTAL])}) <= maximum ({format_fraction(maxima[TOTAL])})"
            )
    if rules.grade.method == "nterm" and maxima[TOTAL] <= 0:
        raise RuleSetError(f"{rules.source}: grade.method: the N-term conversion needs a positive maximum; every item is voided")
    # Whatever the conversion, a cut outside 0..maximum passes everybody or nobody: a typing
    # error (45 points on a 40-point form), refused in file mode and database mode alike.
    for name, cut in cuts.items():
        if not Fraction(0) <= cut <= maxima[name]:
            where = "total.cut" if name == TOTAL else f"parts.{name}.cut"
            raise RuleSetError(f"{rules.source}: {where}: the cut ({format_fraction(cut)}) must be from 0 to the "
                               f"maximum ({format_fraction(maxima[name])}) of the items that count")


@dataclass(frozen=True)
class _Counts:
    missing: np.ndarray  # int64 per candidate, over the non-voided items
    invalid: np.ndarray  # int64 per candidate
    pending: np.ndarray  # bool: an unresolved grader disagreement under "agreed"


def _response_counts(scores: Mapping[str, _ItemScores], kept: Sequence[str], *, n: int) -> _Counts:
    """Per candidate: omitted and invalid answers over the non-voided items, and whether an
    open item's graders have yet to agree."""
    missing = np.zeros(n, dtype=np.int64)
    invalid = np.zeros(n, dtype=np.int64)
    pending = np.zeros(n, dtype=bool)
    for i in kept:
        missing += scores[i].missing
        invalid += scores[i].invalid
        if scores[i].unresolved is not None:
            pending |= scores[i].unresolved
    return _Counts(missing, invalid, pending)


def _candidate_table(
    rules: RuleSet,
    part_numer: np.ndarray,
    d: int,
    maxima: Mapping[str, Fraction],
    cuts: Mapping[str, Fraction],
    chance: Mapping[str, Fraction],
    counts: _Counts,
    index: pd.Index,
    annulled: set[Hashable],
) -> tuple[pd.DataFrame, list[list[Any]], np.ndarray]:
    """The ``candidates`` table (exact scores, grade, outcome, judicium, inspection, counts),
    the distinct rows it was built from and each candidate's position among them."""
    parts = rules.part_names
    # Everything here depends on a candidate's part scores only: compute it once per
    # distinct combination.
    keys, inverse = _distinct_rows(part_numer)
    grades: dict[Fraction, tuple[Any, ...]] = {}
    rows = [_evaluate(rules, parts, [Fraction(v, d) for v in key], maxima, cuts, chance, grades) for key in keys]
    names = _row_columns(parts)
    columns: dict[str, np.ndarray] = {}
    for k, name in enumerate(names):
        distinct = np.empty(len(rows), dtype=object)
        distinct[:] = [row[k] for row in rows]
        columns[name] = distinct[inverse]
    # Pending (unresolved grader disagreement) and annulled results carry no grade.
    for label, positions in ((PENDING, np.flatnonzero(counts.pending)), (ANNULLED, np.flatnonzero(index.isin(list(annulled))))):
        if len(positions):
            for name in ("grade_exact", "grade", "grade_rounded", "judicium"):
                columns[name][positions] = None
            columns["outcome"][positions] = label
            columns["inspection"][positions] = False
    columns["inspection"] = columns["inspection"].astype(bool)
    columns["missing"] = counts.missing
    columns["invalid"] = counts.invalid
    return pd.DataFrame(columns, index=index), rows, inverse

def _row_columns(parts: Sequence[str]) -> list[str]:
    return [f"score_{p}" for p in parts] + ["total", "grade_exact", "grade", "grade_rounded", "outcome", "judicium", "inspection"]


def _distinct_rows(matrix: np.ndarray) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """Distinct rows and, per row of ``matrix``, the position of its distinct row."""
    if matrix.dtype != object and len(matrix):
        # Mixed-radix packing into one int64 makes this a 1-D unique (a fast sort) when the
        # ranges allow; otherwise the slower row-wise unique.
        low = matrix.min(axis=0)
        span = matrix.max(axis=0) - low + 1
        if math.prod(int(v) for v in span) < _INT_LIMIT:
            packed = np.zeros(len(matrix), dtype=np.int64)
            for k in range(matrix.shape[1]):
                packed = packed * int(span[k]) + (matrix[:, k] - low[k])
            _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
            return [tuple(int(v) for v in matrix[i]) for i in first], np.asarray(inverse).reshape(-1)
        keys, inverse = np.unique(matrix, axis=0, return_inverse=True)
        return [tuple(int(v) for v in key) for key in keys], np.asarray(inverse).reshape(-1)
    seen: dict[tuple[int, ...], int] = {}
    inverse = np.array([seen.setdefault(tuple(int(v) for v in row), len(seen)) for row in matrix], dtype=np.int64)
    return list(seen), inverse


def _evaluate(
    rules: RuleSet,
    parts: Sequence[str],
    part_values: list[Fraction],
    maxima: Mapping[str, Fraction],
    cuts: Mapping[str, Fraction],
    chance: Mapping[str, Fraction],
    cache: dict[Fraction, tuple[Any, ...]],
) -> list[Any]:
    """Grade, outcome, judicium and inspection for one distinct combination of part scores."""
    total = sum(part_values, Fraction(0))
    values = dict(zip(parts, part_values)) | {TOTAL: total}
    if total not in cache:
        cache[total] = _grade(rules, total, maxima, cuts, chance)
    grade_exact, grade, grade_rounded, inspection = cache[total]
    outcome = rules.pass_label
    for rule in rules.outcomes:
        holds = all(not reaches(values[s], cuts[s], reach=rules.reach) for s in rule.below)
        holds = holds and all(reaches(values[s], cuts[s], reach=rules.reach) for s in rule.reached)
        if rule.grade_below is not None:
            holds = holds and (grade_rounded is None or grade_rounded < rule.grade_below)
        if holds:
            outcome = rule.label
            break
    judicium = None
    if outcome == rules.pass_label:
        for band in rules.judicium:
            if band.low <= total:
                judicium = band.label
    return [*part_values, total, grade_exact, grade, grade_rounded, outcome, judicium, inspection]


def _grade(
    rules: RuleSet, total: Fraction, maxima: Mapping[str, Fraction], cuts: Mapping[str, Fraction], chance: Mapping[str, Fraction]
) -> tuple[Fraction | None, Decimal | None, int | None, bool]:
    """(grade_exact, grade, grade_rounded, inspection) for a total score."""
    g = rules.grade
    grade_exact: Fraction | None
    if g.method == "linear":
        anchor = chance[TOTAL] if g.anchor == "chance" else Fraction(0)
        grade_exact = linear_grade(total, cut=cuts[TOTAL], maximum=maxima[TOTAL], anchor=anchor)
    elif g.method == "nterm":
        grade_exact = nterm_grade(total, length=maxima[TOTAL], n=g.n)
    elif g.method == "table":
        grade_exact = table_grade(total, g.table, interpolate=g.interpolate)
    else:
        grade_exact = None
    grade: Decimal | None = None
    grade_rounded: int | None = None
    if grade_exact is not None:
        # The CvTE publishes an N-term grade to one decimal; everything else is truncated to 3
        # decimals (seed 004 §5.26) before the half-up rounding (§5.32).
        grade, grade_rounded = final_grade(grade_exact, shown="one_decimal" if g.method == "nterm" else "truncated")
    inspection = False
    if rules.inspection is not None and grade_exact is not None:
        shown = truncate(grade if grade is not None else grade_exact, rules.inspection.decimals)
        inspection = rules.inspection.low <= Fraction(shown) <= rules.inspection.high
    return grade_exact, grade, grade_rounded, inspection

