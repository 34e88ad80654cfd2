"""Rule sets: how a form's scores become results, as a TOML document.

A rule set is configuration, not code (DESIGN §3 rule 4): parts and their cut scores, the
void convention, multiple-response and open-item scoring, the grade conversion, the pass
criteria and outcome labels, judicium bands and the inspection band. It is parsed from TOML
text with :func:`load_rule_set` (so the text can be stored and versioned as is) and checked
against a form with :meth:`RuleSet.check`. Every error names the TOML key path.

The cut-score rule follows the shared contract (a TOML table)::

    kind = "points" | "percent" | "percent_guessing" | "item_ratings"
    value = 55                  # points, or a percentage
    chance = 8.25               # optional, percent_guessing: overrides the expected chance score
    ratings = { Q1 = 0.62 }     # item_ratings: borderline candidate's expected item score
    round_up = false            # round a fractional cut up to the next whole score
    [source]                    # optional provenance, kept as is
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from itembank.errors import RuleError

from .form import EffectiveItem, Form
from .grades import to_fraction

__all__ = [
    "RuleSetError",
    "parse_cut_rule",
    "CutRule",
    "PartRule",
    "OpenScoring",
    "GradeRule",
    "OutcomeRule",
    "JudiciumBand",
    "InspectionRule",
    "RuleSet",
    "load_rule_set",
    "effective_maximum",
    "chance_score",
]

VoidPolicy = Literal["drop", "full_marks"]
TOTAL = "total"


class RuleSetError(RuleError):
    """A rule set that cannot be used; the message names the source and the TOML key path."""


def effective_maximum(items: Sequence[EffectiveItem], *, void: VoidPolicy) -> Fraction:
    """Maximum weighted score over ``items``: sum of w_j m_j over the remaining items; with
    ``void = "full_marks"`` voided items stay in (everybody gets their points), with ``"drop"``
    they leave the maximum (seed 004 §5.26)."""
    return sum((e.weight * e.item.max_score for e in items if void == "full_marks" or not e.voided), Fraction(0))


def _item_chance(e: EffectiveItem) -> Fraction:
    # The shared cut-score contract: an mc item with k options contributes (number of correct
    # options)/k of its maximum, an mr item n_keys/k, an open item nothing.
    if e.item.type == "open":
        return Fraction(0)
    correct = len(e.correct_options) if e.item.type == "mc" else len(e.key)
    return Fraction(correct, len(e.item.options)) * e.item.max_score


def chance_score(items: Sequence[EffectiveItem], *, void: VoidPolicy) -> Fraction:
    """Expected weighted score of a blind guesser over ``items`` (a voided item under
    ``full_marks`` is a sure ``max_score``; under ``drop`` it is left out)."""
    total = Fraction(0)
    for e in items:
        if e.voided:
            if void == "full_marks":
                total += e.weight * e.item.max_score
            continue
        total += e.weight * _item_chance(e)
    return total


@dataclass(frozen=True)
class CutRule:
    """A cut score stored as a rule and evaluated on the final scored data (DESIGN §3 rule 2).

    * ``points``: cut = value;
    * ``percent``: cut = value/100 * M, M the effective maximum over the remaining items;
    * ``percent_guessing``: cut = g + value/100 * (M - g), g the expected chance score
      (:func:`chance_score`) or the explicit ``chance``;
    * ``item_ratings`` (Angoff, Nedelsky): cut = sum over remaining items of w_j * rating_j.

    With ``round_up`` a fractional cut is rounded up to the next whole score. All in exact
    arithmetic.
    """

    kind: Literal["points", "percent", "percent_guessing", "item_ratings"]
    value: Fraction | None = None
    chance: Fraction | None = None
    ratings: Mapping[str, Fraction] = field(default_factory=dict)
    round_up: bool = False
    source: Mapping[str, Any] = field(default_factory=dict)

    def evaluate(self, items: Sequence[EffectiveItem], *, void: VoidPolicy, where: str = "cut") -> Fraction:
        """The cut in weighted points over ``items`` (the part's or the form's items)."""
        maximum = effective_maximum(items, void=void)
        if self.kind != "item_ratings" and self.value is None:
            raise RuleSetError(f"{where}.value: a {self.kind!r} cut needs a value")
        if self.kind == "points":
            assert self.value is not None
            cut = self.value
        elif self.kind == "percent":
            assert self.value is not None
            cut = self.value / 100 * maximum
        elif self.kind == "percent_guessing":
            assert self.value is not None
            g = self.chance if self.chance is not None else chance_score(items, void=void)
            cut = g + self.value / 100 * (maximum - g)
        else:
            cut = Fraction(0)
            for e in items:
                if e.voided:
                    if void == "full_marks":
                        cut += e.weight * e.item.max_score
                    continue
                if e.id not in self.ratings:
                    raise RuleSetError(f"{where}.ratings: no rating for item {e.id!r}")
                rating = self.ratings[e.id]
                if not 0 <= rating <= e.item.max_score:
                    raise RuleSetError(f"{where}.ratings.{e.id}: {rating} is outside [0, {e.item.max_score}]")
                cut += e.weight * rating
        if self.round_up:
            cut = Fraction(math.ceil(cut))
        return cut


@dataclass(frozen=True)
class PartRule:
    """A part of the exam (e.g. ``mc``, ``open``): optional explicit item list and cut."""

    name: str
    items: tuple[str, ...] | None = None
    cut: CutRule | None = None


@dataclass(frozen=True)
class OpenScoring:
    """How independent graders' points become an open item's score.

    * ``mean``: the arithmetic mean of the graders; with ``round_up`` rounded up to a whole
      point (the Dutch central-exam rule when examiner and second examiner do not agree,
      Eindexamenbesluit VO art. 42 as quoted in the CvTE correctievoorschriften);
    * ``median``: the median (with a third grader, the third grading decides);
    * ``agreed``: the graders' common value; a cell where they differ is unresolved and the
      candidate's outcome is ``pending`` until the points are agreed.

    Cells whose graders differ by more than ``disagreement_threshold`` points are listed for
    a third grading.
    """

    combine: Literal["mean", "median", "agreed"] = "mean"
    round_up: bool = False
    disagreement_threshold: Fraction = Fraction(0)


@dataclass(frozen=True)
class GradeRule:
    """Score -> grade conversion on the total (see :mod:`itembank.scoring.grades`).

    ``method``: ``linear`` (two-piece, ``anchor`` = ``zero`` or ``chance``), ``nterm`` (with
    ``n``), ``table`` (rows ``(from_score, grade)``, optionally ``interpolate``) or ``none``.
    """

    method: Literal["linear", "nterm", "table", "none"] = "linear"
    anchor: Literal["zero", "chance"] = "zero"
    n: Fraction = Fraction(1)
    table: tuple[tuple[Fraction, Fraction], ...] = ()
    interpolate: bool = False


@dataclass(frozen=True)
class OutcomeRule:
    """A non-passing outcome; it applies when all its conditions hold. ``below``: each named
    score (a part or ``total``) is below its cut; ``reached``: each reaches its cut;
    ``grade_below``: the rounded grade is below the value."""

    label: str
    below: tuple[str, ...] = ()
    reached: tuple[str, ...] = ()
    grade_below: Fraction | None = None


@dataclass(frozen=True)
class JudiciumBand:
    """A judicium for a passed candidate (seed 001 art. 6): a band runs from its ``low`` total
    up to, not including, the next band's ``low``; the last band has no upper end. Half-open
    bands leave no gap for fractional totals (64.5 is in "55 t/m 64")."""

    low: Fraction
    label: str


@dataclass(frozen=True)
class InspectionRule:
    """Inspection right (seed 004 §5.37a): grade, truncated to ``decimals``, in [low, high]."""

    low: Fraction
    high: Fraction
    decimals: int = 1


@dataclass(frozen=True)
class RuleSet:
    """A parsed, validated rule set. ``text`` is the TOML it was parsed from, ``source`` a name
    for messages (a file name or ``"rule set 'x' v3"``)."""

    name: str
    source: str
    text: str
    parts: tuple[PartRule, ...]
    total_cut: CutRule | None
    void: VoidPolicy = "drop"
    multiple_response: Literal["all_or_nothing", "partial"] = "all_or_nothing"
    reach: Literal[">=", ">"] = ">="
    open: OpenScoring = OpenScoring()
    grade: GradeRule = GradeRule()
    outcomes: tuple[OutcomeRule, ...] = ()
    pass_label: str = "pass"
    judicium: tuple[JudiciumBand, ...] = ()
    inspection: InspectionRule | None = None

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts)

    def part_of(self, form: Form) -> dict[str, str]:
        """Item id -> part name: explicit ``items`` lists in the rule set win, otherwise the
        form's ``part`` column. Raises :class:`RuleSetError` via :meth:`check` rules."""
        explicit = {item_id: p.name for p in self.parts if p.items for item_id in p.items}
        return {it.item: explicit.get(it.item, it.part) for it in form.items}

    def check(self, form: Form) -> None:
        """Validate this rule set against a form: every item in exactly one declared part, every
        part has items, listed items exist, ratings name items of the form, the grade method has
        the cut it needs. Raises :class:`RuleSetError` naming the key path."""
        src = self.source
        form_ids = set(form.item_ids)
        listed: dict[str, str] = {}
        for p in self.parts:
            for item_id in p.items or ():
                if item_id not in form_ids:
                    raise RuleSetError(f"{src}: parts.{p.name}.items: item {item_id!r} is not on the form")
                if item_id in listed:
                    raise RuleSetError(f"{src}: parts.{p.name}.items: item {item_id!r} is also in part {listed[item_id]!r}")
                listed[item_id] = p.name
        mapping = self.part_of(form)
        declared = set(self.part_names)
        for item_id, part in mapping.items():
            if part not in declared:
                raise RuleSetError(f"{src}: parts: item {item_id!r} belongs to part {part!r}, which the rule set does not declare (declared: {', '.join(self.part_names)})")
        for p in self.parts:
            if not any(part == p.name for part in mapping.values()):
                raise RuleSetError(f"{src}: parts.{p.name}: no item of the form belongs to this part")
        cuts = [(f"parts.{p.name}.cut", p.cut) for p in self.parts] + [("total.cut", self.total_cut)]
        for path, cut in cuts:
            if cut is not None and cut.kind == "item_ratings":
                for item_id in cut.ratings:
                    if item_id not in form_ids:
                        raise RuleSetError(f"{src}: {path}.ratings: item {item_id!r} is not on the form")

    def cut_names(self) -> tuple[str, ...]:
        """Score names that have a cut: parts with a cut, then ``total``."""
        names = [p.name for p in self.parts if p.cut is not None]
        if self.total_cut is not None:
            names.append(TOTAL)
        return tuple(names)


# --------------------------------------------------------------------------- parsing


class _Reader:
    """Walks a TOML table, remembering the key path for messages and refusing unknown keys."""

    def __init__(self, source: str, table: Mapping[str, Any], path: str = ""):
        self.source = source
        self.table = table
        self.path = path
        self.used: set[str] = set()

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> RuleSetError:
        return RuleSetError(f"{self.source}: {self._where(key)}: {message}")

    def has(self, key: str) -> bool:
        return key in self.table

    def raw(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.table.get(key, default)

    def sub(self, key: str, *, required: bool = False) -> _Reader | None:
        value = self.raw(key)
        if value is None:
            if required:
                raise self.error(key, "missing table")
            return None
        if not isinstance(value, Mapping):
            raise self.error(key, f"expected a table, got {value!r}")
        return _Reader(self.source, value, self._where(key))

    def string(self, key: str, default: str | None = None, *, choices: Sequence[str] | None = None) -> str:
        value = self.raw(key, default)
        if value is None:
            raise self.error(key, "missing")
        if not isinstance(value, str):
            raise self.error(key, f"expected text, got {value!r}")
        if choices is not None and value not in choices:
            raise self.error(key, f"expected one of {', '.join(repr(c) for c in choices)}, got {value!r}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def number(self, key: str, default: Fraction | None = None, *, required: bool = False) -> Fraction | None:
        value = self.raw(key)
        if value is None:
            if required:
                raise self.error(key, "missing number")
            return default
        return self.as_number(key, value)

    def as_number(self, key: str, value: Any) -> Fraction:
        # TOML floats are read via their repr, so 0.1 means exactly 1/10.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {value!r}")
        try:
            return to_fraction(value)
        except ValueError:
            raise self.error(key, f"expected a finite number, got {value!r}") from None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.raw(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"expected a list of names, got {value!r}")
        return tuple(value)

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self.error(unknown[0], f"unknown key (known here: {', '.join(sorted(self.used)) or 'none'})")


_CUT_KINDS = ("points", "percent", "percent_guessing", "item_ratings")


def _parse_cut(r: _Reader) -> CutRule:
    kind = r.string("kind", choices=_CUT_KINDS)
    value = None
    if kind != "item_ratings":
        value = r.number("value", required=True)
        assert value is not None
        if value < 0:
            raise r.error("value", f"must be 0 or more, got {value}")
        if kind != "points" and value > 100:
            raise r.error("value", f"a percentage must be at most 100, got {value}")
    chance = r.number("chance") if kind == "percent_guessing" else None
    if kind != "percent_guessing" and r.has("chance"):
        raise r.error("chance", f"only used with kind = 'percent_guessing', not {kind!r}")
    ratings: dict[str, Fraction] = {}
    if kind == "item_ratings":
        table = r.sub("ratings", required=True)
        assert table is not None
        if not table.table:
            raise r.error("ratings", "needs at least one item rating")
        for item_id, rating in table.table.items():
            table.used.add(item_id)
            ratings[item_id] = table.as_number(item_id, rating)
    elif r.has("ratings"):
        raise r.error("ratings", f"only used with kind = 'item_ratings', not {kind!r}")
    round_up = r.boolean("round_up", False)
    source = r.raw("source", {})
    if not isinstance(source, Mapping):
        raise r.error("source", f"expected a table, got {source!r}")
    r.done()
    return CutRule(kind=kind, value=value, chance=chance, ratings=ratings, round_up=round_up, source=dict(source))  # type: ignore[arg-type]


def parse_cut_rule(rule: Mapping[str, Any], *, source: str) -> CutRule:
    """A :class:`CutRule` from a cut-score-rule document (a dict, e.g. a standard-setting
    method's ``to_rule()`` or a committee's cut-score decision stored as JSON).

    Errors name ``source`` and the key, like those of a rule-set file.
    """
    if not isinstance(rule, Mapping):
        raise RuleSetError(f"{source}: expected a table such as {{kind = \"points\", value = 28}}, got {rule!r}")
    return _parse_cut(_Reader(source, rule))


def _parse_grade(r: _Reader | None) -> GradeRule:
    if r is None:
        return GradeRule()
    method = r.string("method", "linear", choices=("linear", "nterm", "table", "none"))
    anchor = r.string("anchor", "zero", choices=("zero", "chance")) if method == "linear" else "zero"
    n = r.number("n", required=True) if method == "nterm" else Fraction(1)
    table: list[tuple[Fraction, Fraction]] = []
    interpolate = False
    if method == "table":
        rows = r.raw("table")
        if not isinstance(rows, list) or not rows:
            raise r.error("table", "expected a list of [from_score, grade] pairs")
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != 2:
                raise r.error(f"table[{i}]", f"expected [from_score, grade], got {row!r}")
            table.append((r.as_number(f"table[{i}]", row[0]), r.as_number(f"table[{i}]", row[1])))
        for i in range(1, len(table)):
            if table[i][0] <= table[i - 1][0]:
                raise r.error(f"table[{i}]", "scores must increase from row to row")
        interpolate = r.boolean("interpolate", False)
    for key in ("anchor", "n", "table", "interpolate"):
        if r.has(key) and key not in r.used:
            raise r.error(key, f"not used with method = {method!r}")
    r.done()
    return GradeRule(method=method, anchor=anchor, n=n, table=tuple(table), interpolate=interpolate)  # type: ignore[arg-type]


def load_rule_set(text: str, *, source: str) -> RuleSet:
    """Parse and validate a rule set from TOML text.

    ``source`` names the text in messages (a file name, or a database version label). Raises
    :class:`RuleSetError` with the TOML key path, e.g. ``"rules.toml: parts.mc.cut.kind:
    expected one of ..."``. See ``itembank/rules/*.toml`` for annotated examples.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(f"{source}: not valid TOML: {exc}") from None
    r = _Reader(source, data)
    name = r.string("name", "")
    r.raw("description")

    void: str = "drop"
    mr: str = "all_or_nothing"
    reach: str = ">="
    open_scoring = OpenScoring()
    scoring = r.sub("scoring")
    if scoring is not None:
        void = scoring.string("void", "drop", choices=("drop", "full_marks"))
        mr = scoring.string("multiple_response", "all_or_nothing", choices=("all_or_nothing", "partial"))
        reach = scoring.string("reach", ">=", choices=(">=", ">"))
        op = scoring.sub("open")
        if op is not None:
            threshold = op.number("disagreement_threshold", Fraction(0))
            assert threshold is not None
            if threshold < 0:
                raise op.error("disagreement_threshold", f"must be 0 or more, got {threshold}")
            open_scoring = OpenScoring(
                combine=op.string("combine", "mean", choices=("mean", "median", "agreed")),  # type: ignore[arg-type]
                round_up=op.boolean("round_up", False),
                disagreement_threshold=threshold,
            )
            op.done()
        scoring.done()

    parts_r = r.sub("parts", required=True)
    assert parts_r is not None
    if not parts_r.table:
        raise r.error("parts", "declare at least one part, e.g. [parts.mc]")
    parts: list[PartRule] = []
    for part_name in parts_r.table:
        if part_name == TOTAL:
            raise parts_r.error(part_name, "'total' is reserved for the whole exam; use [total]")
        pr = parts_r.sub(part_name)
        assert pr is not None
        items = pr.strings("items") if pr.has("items") else None
        cut_r = pr.sub("cut")
        parts.append(PartRule(name=part_name, items=items, cut=_parse_cut(cut_r) if cut_r else None))
        pr.done()
    parts_r.done()

    total_cut = None
    total_r = r.sub("total")
    if total_r is not None:
        cut_r = total_r.sub("cut")
        total_cut = _parse_cut(cut_r) if cut_r else None
        total_r.done()

    grade = _parse_grade(r.sub("grade"))
    if grade.method == "linear" and total_cut is None:
        raise r.error("grade.method", "the linear conversion needs a cut for the total: add [total.cut]")

    score_names = {p.name for p in parts} | {TOTAL}
    with_cut = {p.name for p in parts if p.cut is not None} | ({TOTAL} if total_cut else set())
    outcomes: list[OutcomeRule] = []
    pass_label = "pass"
    out_r = r.sub("outcome")
    if out_r is not None:
        pass_label = out_r.string("pass", "pass")
        rules = out_r.raw("rules", [])
        if not isinstance(rules, list):
            raise out_r.error("rules", "expected a list of tables like { label = 'fail', below = ['total'] }")
        for i, rule in enumerate(rules):
            if not isinstance(rule, Mapping):
                raise out_r.error(f"rules[{i}]", f"expected a table, got {rule!r}")
            rr = _Reader(source, rule, f"outcome.rules[{i}]")
            label = rr.string("label")
            below, reached = rr.strings("below"), rr.strings("reached")
            for key, names in (("below", below), ("reached", reached)):
                for score_name in names:
                    if score_name not in score_names:
                        raise rr.error(key, f"{score_name!r} is neither a part ({', '.join(sorted(score_names - {TOTAL}))}) nor 'total'")
                    if score_name not in with_cut:
                        raise rr.error(key, f"{score_name!r} has no cut score to compare with")
            grade_below = rr.number("grade_below")
            if grade_below is not None and grade.method == "none":
                raise rr.error("grade_below", "the rule set computes no grade ([grade] method = 'none')")
            if not (below or reached or grade_below is not None):
                raise rr.error("label", "a rule needs a condition: below, reached or grade_below")
            rr.done()
            outcomes.append(OutcomeRule(label=label, below=below, reached=reached, grade_below=grade_below))
        out_r.done()

    judicium: list[JudiciumBand] = []
    jr = r.sub("judicium")
    if jr is not None:
        bands = jr.raw("bands", [])
        if not isinstance(bands, list) or not bands:
            raise jr.error("bands", "expected a list of tables like { from = 55, label = '6 (voldoende)' }")
        for i, band in enumerate(bands):
            if not isinstance(band, Mapping):
                raise jr.error(f"bands[{i}]", f"expected a table, got {band!r}")
            br = _Reader(source, band, f"judicium.bands[{i}]")
            low = br.number("from", required=True)
            assert low is not None
            if judicium and low <= judicium[-1].low:
                raise br.error("from", f"bands must go up: {low} does not exceed the previous band's {judicium[-1].low}")
            judicium.append(JudiciumBand(low=low, label=br.string("label")))
            br.done()
        jr.done()

    inspection = None
    ir = r.sub("inspection")
    if ir is not None:
        low, high = ir.number("min", required=True), ir.number("max", required=True)
        assert low is not None and high is not None
        decimals = ir.raw("decimals", 1)
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 3:
            raise ir.error("decimals", f"expected a whole number 0..3, got {decimals!r}")
        if grade.method == "none":
            raise ir.error("min", "inspection is judged on the grade, but [grade] method = 'none'")
        inspection = InspectionRule(low=low, high=high, decimals=decimals)
        ir.done()
    r.done()
    return RuleSet(
        name=name,
        source=source,
        text=text,
        parts=tuple(parts),
        total_cut=total_cut,
        void=void,  # type: ignore[arg-type]
        multiple_response=mr,  # type: ignore[arg-type]
        reach=reach,  # type: ignore[arg-type]
        open=open_scoring,
        grade=grade,
        outcomes=tuple(outcomes),
        pass_label=pass_label,
        judicium=tuple(judicium),
        inspection=inspection,
    )
