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

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from itembank.errors import RuleError, list_problems

from .cuts import Reach, VoidPolicy, chance_score, effective_maximum, percent_guessing_cut, round_cut_up, voided_points
from .form import EffectiveItem, Form
from .schema import TOTAL, CutModel, GradeModel, OpenModel, OutcomeModel, RuleSetModel, validate

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



class RuleSetError(RuleError):
    """A rule set that cannot be used; the message names the source and the TOML key path."""


@dataclass(frozen=True)
class CutRule:
    """A cut score stored as a rule and evaluated on the final scored data (DESIGN §3 rule 2).

    * ``points``: cut = value;
    * ``percent``: cut = value/100 * M, M the effective maximum over the remaining items
      (:func:`~itembank.scoring.cuts.effective_maximum`);
    * ``percent_guessing``: cut = g + value/100 * (M - g)
      (:func:`~itembank.scoring.cuts.percent_guessing_cut`), g the expected chance score
      (:func:`~itembank.scoring.cuts.chance_score`) or the explicit ``chance``;
    * ``item_ratings`` (Angoff, Nedelsky): cut = sum over remaining items of w_j * rating_j.

    With ``round_up`` a fractional cut is rounded up to the next whole score
    (:func:`~itembank.scoring.cuts.round_cut_up`). A voided item counts as
    :func:`~itembank.scoring.cuts.voided_points` says. All in exact arithmetic.
    """

    kind: Literal["points", "percent", "percent_guessing", "item_ratings"]
    value: Fraction | None = None
    chance: Fraction | None = None
    ratings: Mapping[str, Fraction] = field(default_factory=dict)
    round_up: bool = False
    source: Mapping[str, Any] = field(default_factory=dict)

    def evaluate(self, items: Sequence[EffectiveItem], *, void: VoidPolicy, where: str = "cut") -> Fraction:
        """The cut in weighted points over ``items`` (the part's or the form's items)."""
        if self.kind != "item_ratings" and self.value is None:
            raise RuleSetError(f"{where}.value: a {self.kind!r} cut needs a value")
        if self.kind == "points":
            assert self.value is not None
            cut = self.value
        elif self.kind == "percent":
            assert self.value is not None
            cut = self.value / 100 * effective_maximum(items, void=void)
        elif self.kind == "percent_guessing":
            assert self.value is not None
            g = self.chance if self.chance is not None else chance_score(items, void=void)
            cut = percent_guessing_cut(self.value, maximum=effective_maximum(items, void=void), chance=g)
        else:
            cut = self._ratings_cut(items, void=void, where=where)
        return round_cut_up(cut) if self.round_up else cut

    def _ratings_cut(self, items: Sequence[EffectiveItem], *, void: VoidPolicy, where: str) -> Fraction:
        """Angoff/Nedelsky: c = sum over remaining items of w_j r_j, plus the voided items'
        :func:`~itembank.scoring.cuts.voided_points`."""
        cut = Fraction(0)
        for e in items:
            if e.voided:
                cut += voided_points(e, void=void)
                continue
            if e.id not in self.ratings:
                raise RuleSetError(f"{where}.ratings: no rating for item {e.id!r}")
            rating = self.ratings[e.id]
            if not 0 <= rating <= e.item.max_score:
                raise RuleSetError(f"{where}.ratings.{e.id}: {rating} is outside [0, {e.item.max_score}]")
            cut += e.weight * rating
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
    reach: Reach = ">="
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
        part has items, listed items exist, ratings name items of the form. Raises one
        :class:`RuleSetError` listing every problem (up to :data:`~itembank.errors.MAX_LISTED`),
        each naming the key path."""
        problems = self.problems(form)
        if problems:
            raise RuleSetError("\n".join(list_problems(problems)))

    def problems(self, form: Form) -> list[str]:
        """Every problem :meth:`check` finds, one line each: ``<source>: <key path>: <message>``."""
        src = self.source
        form_ids = set(form.item_ids)
        out: list[str] = []
        listed: dict[str, str] = {}
        for p in self.parts:
            for item_id in p.items or ():
                if item_id not in form_ids:
                    out.append(f"{src}: parts.{p.name}.items: item {item_id!r} is not on the form")
                elif item_id in listed:
                    out.append(f"{src}: parts.{p.name}.items: item {item_id!r} is also in part {listed[item_id]!r}")
                else:
                    listed[item_id] = p.name
        mapping = self.part_of(form)
        declared = set(self.part_names)
        out += [f"{src}: parts: item {item_id!r} belongs to part {part!r}, which the rule set does not declare "
                f"(declared: {', '.join(self.part_names)})"
                for item_id, part in mapping.items() if part not in declared]
        out += [f"{src}: parts.{p.name}: no item of the form belongs to this part"
                for p in self.parts if not any(part == p.name for part in mapping.values())]
        cuts = [(f"parts.{p.name}.cut", p.cut) for p in self.parts] + [("total.cut", self.total_cut)]
        for path, cut in cuts:
            if cut is not None and cut.kind == "item_ratings":
                out += [f"{src}: {path}.ratings: item {item_id!r} is not on the form"
                        for item_id in cut.ratings if item_id not in form_ids]
        return out

    def cut_names(self) -> tuple[str, ...]:
        """Score names that have a cut: parts with a cut, then ``total``."""
        names = [p.name for p in self.parts if p.cut is not None]
        if self.total_cut is not None:
            names.append(TOTAL)
        return tuple(names)


# --------------------------------------------------------------------------- parsing
# The TOML is checked against the declared models of :mod:`.schema`; what follows only turns
# a valid model into the frozen dataclasses above.


def _cut_rule(m: CutModel) -> CutRule:
    return CutRule(
        kind=m.kind,  # type: ignore[arg-type]
        value=m.value,
        chance=m.chance if m.kind == "percent_guessing" else None,
        ratings=dict(m.ratings or {}),
        round_up=m.round_up,
        source=dict(m.source),
    )


def _open_scoring(m: OpenModel) -> OpenScoring:
    return OpenScoring(combine=m.combine, round_up=m.round_up, disagreement_threshold=m.disagreement_threshold)  # type: ignore[arg-type]


def _grade_rule(m: GradeModel) -> GradeRule:
    return GradeRule(
        method=m.method,  # type: ignore[arg-type]
        anchor=m.anchor if m.method == "linear" else "zero",  # type: ignore[arg-type]
        n=m.n if m.method == "nterm" and m.n is not None else Fraction(1),
        table=tuple(m.table or ()) if m.method == "table" else (),
        interpolate=m.interpolate if m.method == "table" else False,
    )


def _outcome_rules(m: OutcomeModel | None) -> tuple[OutcomeRule, ...]:
    if m is None:
        return ()
    return tuple(OutcomeRule(label=r.label, below=r.below, reached=r.reached, grade_below=r.grade_below) for r in m.rules)


def parse_cut_rule(rule: Mapping[str, Any], *, source: str) -> CutRule:
    """A :class:`CutRule` from a cut-score-rule document (a dict, e.g. a standard-setting
    method's ``to_rule()`` or a committee's cut-score decision stored as JSON).

    Errors name ``source`` and the key, like those of a rule-set file.
    """
    if not isinstance(rule, Mapping):
        raise RuleSetError(f"{source}: expected a table such as {{kind = \"points\", value = 28}}, got {rule!r}")
    model, problems = validate(CutModel, rule, source=source)
    if model is None:
        raise RuleSetError("\n".join(problems))
    return _cut_rule(model)


def load_rule_set(text: str, *, source: str) -> RuleSet:
    """Parse and validate a rule set from TOML text.

    ``source`` names the text in messages (a file name, or a database version label). The
    document is checked against the declared schema (:class:`~itembank.scoring.schema.RuleSetModel`);
    a problem raises :class:`RuleSetError` with one line per problem naming the TOML key path,
    e.g. ``"rules.toml: parts.mc.cut.kind: expected one of ..."``. See
    ``itembank/rules/*.toml`` for annotated examples.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(f"{source}: not valid TOML: {exc}") from None
    model, problems = validate(RuleSetModel, data, source=source)
    if model is None:
        raise RuleSetError("\n".join(problems))
    return RuleSet(
        name=model.name,
        source=source,
        text=text,
        parts=tuple(
            PartRule(name=name, items=part.items, cut=_cut_rule(part.cut) if part.cut else None) for name, part in model.parts.items()
        ),
        total_cut=_cut_rule(model.total_cut) if model.total_cut else None,
        void=model.scoring.void,  # type: ignore[arg-type]
        multiple_response=model.scoring.multiple_response,  # type: ignore[arg-type]
        reach=model.scoring.reach,  # type: ignore[arg-type]
        open=_open_scoring(model.scoring.open),
        grade=_grade_rule(model.grade),
        outcomes=_outcome_rules(model.outcome),
        pass_label=model.outcome.pass_label if model.outcome else "pass",
        judicium=tuple(JudiciumBand(low=b.low, label=b.label) for b in model.judicium.bands) if model.judicium else (),
        inspection=InspectionRule(low=model.inspection.low, high=model.inspection.high, decimals=model.inspection.decimals) if model.inspection else None,
    )
