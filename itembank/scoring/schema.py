"""The rule-set TOML, declared: one pydantic model per TOML table.

Each model lists the keys its table may hold, their types, defaults and choices; rules that
tie keys together (a ``percent`` cut needs a ``value``, a ``table`` grade needs rows that go
up) are the models' validators. :func:`validate` turns every problem pydantic finds into one
line ``<source>: <key path>: <what was expected, what was found>``, e.g.
``rules.toml: parts.mc.cut.value: a percentage must be at most 100, got 120``.

The models only check and hold the text's values; :mod:`.rules` turns them into the frozen
dataclasses the scoring core works on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.functional_validators import PlainValidator
from pydantic_core import PydanticCustomError

from itembank.errors import list_problems

from .cuts import REACH_CHOICES, VOID_POLICIES
from .grades import to_fraction

__all__ = ["RuleSetModel", "CutModel", "validate", "TOTAL", "CUT_KINDS"]

TOTAL = "total"
CUT_KINDS: tuple[str, ...] = ("points", "percent", "percent_guessing", "item_ratings")


# --------------------------------------------------------------------------- value types


def _number(value: Any) -> Fraction:
    # TOML floats are read via their repr, so 0.1 means exactly 1/10.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        return to_fraction(value)
    except ValueError:
        raise ValueError(f"expected a finite number, got {value!r}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of names, got {value!r}")
    return tuple(value)


def _choice(*choices: str) -> PlainValidator:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {value!r}")
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(repr(c) for c in choices)}, got {value!r}")
        return value

    return PlainValidator(check)


def _table(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"expected a table, got {value!r}")
    return dict(value)


Number = Annotated[Fraction, PlainValidator(_number)]
Text = Annotated[str, PlainValidator(_text)]
Flag = Annotated[bool, PlainValidator(_flag)]
Names = Annotated[tuple[str, ...], PlainValidator(_names)]
AnyTable = Annotated[dict[str, Any], PlainValidator(_table)]


def _typed(value: Fraction) -> str:
    """A number as the user typed it in TOML: ``27/5`` -> ``5.4``, ``4`` -> ``4``.

    >>> _typed(Fraction(27, 5)), _typed(Fraction(4)), _typed(Fraction(1, 3))
    ('5.4', '4', '0.3333333333333333')
    """
    if value.denominator == 1:
        return str(value.numerator)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return format(exact.normalize(), "f") if Fraction(exact) == value else str(float(value))


def _problem(key: str | int | tuple[str | int, ...], message: str) -> PydanticCustomError:
    """A problem found by a validator that concerns ``key`` (a key path below the model)."""
    at = key if isinstance(key, tuple) else (key,)
    return PydanticCustomError("rule_set", "{message}", {"message": message, "at": at})


class _Table(BaseModel):
    """A TOML table: known keys only, each named in the message when another one appears."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True, populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise _problem((), f"expected a table, got {data!r}")
        known = sorted(f.alias or name for name, f in cls.model_fields.items())
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise _problem(unknown[0], f"unknown key (known here: {', '.join(known)})")
        return data

    def given(self, key: str) -> bool:
        return key in self.model_fields_set


# --------------------------------------------------------------------------- the tables


class CutModel(_Table):
    """``[parts.<name>.cut]`` / ``[total.cut]``, or a cut-score decision: the cut as a rule."""

    kind: Annotated[str, _choice(*CUT_KINDS)]
    value: Number | None = None
    chance: Number | None = None
    ratings: dict[str, Number] | None = None
    round_up: Flag = False
    source: AnyTable = Field(default_factory=dict)

    @field_validator("ratings", mode="before")
    @classmethod
    def _ratings_table(cls, value: Any) -> Any:
        return _table(value)

    @model_validator(mode="after")
    def _keys_fit_the_kind(self) -> CutModel:
        if self.kind == "item_ratings":
            if self.given("value"):
                raise _problem("value", "not used with kind = 'item_ratings' (give ratings per item)")
            if self.ratings is None:
                raise _problem("ratings", "missing table")
            if not self.ratings:
                raise _problem("ratings", "needs at least one item rating")
        else:
            if self.value is None:
                raise _problem("value", "missing number")
            if self.value < 0:
                raise _problem("value", f"must be 0 or more, got {self.value}")
            if self.kind != "points" and self.value > 100:
                raise _problem("value", f"a percentage must be at most 100, got {self.value}")
            if self.given("ratings"):
                raise _problem("ratings", f"only used with kind = 'item_ratings', not {self.kind!r}")
        if self.kind != "percent_guessing" and self.given("chance"):
            raise _problem("chance", f"only used with kind = 'percent_guessing', not {self.kind!r}")
        return self


class OpenModel(_Table):
    """``[scoring.open]``: how graders' points become an open item's score."""

    combine: Annotated[str, _choice("mean", "median", "agreed")] = "mean"
    round_up: Flag = False
    disagreement_threshold: Number = Fraction(0)

    @model_validator(mode="after")
    def _threshold_not_negative(self) -> OpenModel:
        if self.disagreement_threshold < 0:
            raise _problem("disagreement_threshold", f"must be 0 or more, got {self.disagreement_threshold}")
        return self


class ScoringModel(_Table):
    """``[scoring]``: the void policy, multiple-response scoring, the pass comparison."""

    void: Annotated[str, _choice(*VOID_POLICIES)] = "drop"
    multiple_response: Annotated[str, _choice("all_or_nothing", "partial")] = "all_or_nothing"
    reach: Annotated[str, _choice(*REACH_CHOICES)] = ">="
    open: OpenModel = Field(default_factory=lambda: OpenModel.model_validate({}))


class PartModel(_Table):
    """``[parts.<name>]``: an optional explicit item list and an optional cut."""

    items: Names | None = None
    cut: CutModel | None = None


class TotalModel(_Table):
    """``[total]``: the cut on the whole exam."""

    cut: CutModel | None = None


def _grade_row(value: Any) -> tuple[Fraction, Fraction]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"expected [from_score, grade], got {value!r}")
    return _number(value[0]), _number(value[1])


GradeRow = Annotated[tuple[Fraction, Fraction], PlainValidator(_grade_row)]

_GRADE_KEYS = {"anchor": "linear", "n": "nterm", "table": "table", "interpolate": "table"}


class GradeModel(_Table):
    """``[grade]``: the score-to-grade conversion on the total."""

    method: Annotated[str, _choice("linear", "nterm", "table", "none")] = "linear"
    anchor: Annotated[str, _choice("zero", "chance")] = "zero"
    n: Number | None = None
    table: list[GradeRow] | None = None
    interpolate: Flag = False

    @field_validator("table", mode="before")
    @classmethod
    def _rows_given(cls, value: Any) -> Any:
        if not isinstance(value, list) or not value:
            raise ValueError("expected a list of [from_score, grade] pairs")
        return value

    @model_validator(mode="after")
    def _keys_fit_the_method(self) -> GradeModel:
        for key, method in _GRADE_KEYS.items():
            if self.given(key) and self.method != method:
                raise _problem(key, f"not used with method = {self.method!r}")
        if self.method == "nterm" and self.n is None:
            raise _problem("n", "missing number")
        if self.method == "table":
            if self.table is None:
                raise _problem("table", "expected a list of [from_score, grade] pairs")
            for i in range(1, len(self.table)):
                if self.table[i][0] <= self.table[i - 1][0]:
                    raise _problem(("table", i), "scores must increase from row to row")
                if self.table[i][1] < self.table[i - 1][1]:
                    raise _problem(("table", i), f"grades must not go down as scores go up: "
                                                 f"{_typed(self.table[i][1])} after {_typed(self.table[i - 1][1])}")
        return self


class OutcomeRuleModel(_Table):
    """One entry of ``[outcome] rules``: a non-passing outcome and its conditions."""

    label: Text
    below: Names = ()
    reached: Names = ()
    grade_below: Number | None = None

    @model_validator(mode="after")
    def _has_a_condition(self) -> OutcomeRuleModel:
        if not (self.below or self.reached or self.grade_below is not None):
            raise _problem("label", "a rule needs a condition: below, reached or grade_below")
        return self


class OutcomeModel(_Table):
    """``[outcome]``: the pass label and the non-passing outcomes, first match wins."""

    pass_label: Text = Field("pass", alias="pass")
    rules: list[OutcomeRuleModel] = Field(default_factory=list)

    @field_validator("rules", mode="before")
    @classmethod
    def _rules_listed(cls, value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError("expected a list of tables like { label = 'fail', below = ['total'] }")
        return value


class BandModel(_Table):
    """One judicium band: from its ``from`` total up to the next band's."""

    low: Number = Field(alias="from")
    label: Text


class JudiciumModel(_Table):
    """``[judicium]``: bands for a passed candidate (seed 001 art. 6)."""

    bands: list[BandModel]

    @field_validator("bands", mode="before")
    @classmethod
    def _bands_listed(cls, value: Any) -> Any:
        if not isinstance(value, list) or not value:
            raise ValueError("expected a list of tables like { from = 55, label = '6 (voldoende)' }")
        return value

    @model_validator(mode="after")
    def _bands_go_up(self) -> JudiciumModel:
        for i in range(1, len(self.bands)):
            low, previous = self.bands[i].low, self.bands[i - 1].low
            if low <= previous:
                raise _problem(("bands", i, "from"), f"bands must go up: {_typed(low)} does not exceed the previous band's {_typed(previous)}")
        return self


def _decimals(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
        raise ValueError(f"expected a whole number 0..3, got {value!r}")
    return value


class InspectionModel(_Table):
    """``[inspection]``: the grade band with a right to inspection (seed 004 §5.37a)."""

    low: Number = Field(alias="min")
    high: Number = Field(alias="max")
    decimals: Annotated[int, PlainValidator(_decimals)] = 1

    @model_validator(mode="after")
    def _band_in_order(self) -> InspectionModel:
        if self.low > self.high:
            raise _problem("max", f"the band must run from min up to max: max {_typed(self.high)} is below min {_typed(self.low)}")
        return self


class RuleSetModel(_Table):
    """The whole rule-set document."""

    name: Text = ""
    description: Any = None
    scoring: ScoringModel = Field(default_factory=lambda: ScoringModel.model_validate({}))
    parts: dict[str, PartModel]
    total: TotalModel | None = None
    grade: GradeModel = Field(default_factory=lambda: GradeModel.model_validate({}))
    outcome: OutcomeModel | None = None
    judicium: JudiciumModel | None = None
    inspection: InspectionModel | None = None

    @field_validator("parts", mode="before")
    @classmethod
    def _parts_declared(cls, value: Any) -> Any:
        if value is None:
            return value
        table = _table(value)
        if not table:
            raise ValueError("declare at least one part, e.g. [parts.mc]")
        if TOTAL in table:
            raise _problem(TOTAL, "'total' is reserved for the whole exam; use [total]")
        return table

    @property
    def total_cut(self) -> CutModel | None:
        return self.total.cut if self.total is not None else None

    @model_validator(mode="after")
    def _references_resolve(self) -> RuleSetModel:
        if self.grade.method == "linear" and self.total_cut is None:
            raise _problem(("grade", "method"), "the linear conversion needs a cut for the total: add [total.cut]")
        names = set(self.parts) | {TOTAL}
        with_cut = {p for p, part in self.parts.items() if part.cut is not None} | ({TOTAL} if self.total_cut else set())
        for i, rule in enumerate(self.outcome.rules if self.outcome else ()):
            at = ("outcome", "rules", i)
            for key, used in (("below", rule.below), ("reached", rule.reached)):
                for name in used:
                    if name not in names:
                        raise _problem((*at, key), f"{name!r} is neither a part ({', '.join(sorted(names - {TOTAL}))}) nor 'total'")
                    if name not in with_cut:
                        raise _problem((*at, key), f"{name!r} has no cut score to compare with")
            if rule.grade_below is not None and self.grade.method == "none":
                raise _problem((*at, "grade_below"), "the rule set computes no grade ([grade] method = 'none')")
        if self.inspection is not None and self.grade.method == "none":
            raise _problem(("inspection", "min"), "inspection is judged on the grade, but [grade] method = 'none'")
        return self


# --------------------------------------------------------------------------- messages

M = TypeVar("M", bound=BaseModel)


def _path(loc: Sequence[str | int]) -> str:
    """``("parts", "mc", "cut", "value")`` -> ``parts.mc.cut.value``; list positions as ``[i]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# What a missing required key should have held, where "missing" alone says too little.
_MISSING = {"parts": "missing table", "from": "missing number", "min": "missing number", "max": "missing number"}


def _message(error: Any) -> tuple[str, str]:
    """(key path, message) for one pydantic error, in this module's wording."""
    loc = [p for p in error["loc"] if not (isinstance(p, str) and "[" in p)]  # drop union-branch labels
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "rule_set":
        return _path([*loc, *ctx["at"]]), str(ctx["message"])
    if kind == "value_error":
        return _path(loc), str(ctx["error"])
    if kind == "missing":
        return _path(loc), _MISSING.get(str(loc[-1]), "missing")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _path(loc), f"expected a table, got {error['input']!r}"
    if kind == "list_type":
        return _path(loc), f"expected a list, got {error['input']!r}"
    return _path(loc), error["msg"]


def validate(model: type[M], data: Any, *, source: str, prefix: str = "") -> tuple[M | None, list[str]]:
    """Validate ``data`` against ``model``; returns the model, or ``None`` and the problem lines
    ``"<source>: <prefix><key path>: <message>"`` (at most :data:`~itembank.errors.MAX_LISTED`,
    then how many more), in the order of the document."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        seen: list[str] = []
        for error in exc.errors(include_url=False):
            path, message = _message(error)
            path = f"{prefix}{path}" if path else prefix.rstrip(".")
            line = f"{source}: {path}: {message}" if path else f"{source}: {message}"
            if line not in seen:
                seen.append(line)
        return None, list_problems(seen)
