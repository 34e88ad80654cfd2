"""The scoring core: one pure function from form, responses, decisions and rule set to results.

Modules: :mod:`.form` (items, forms, decisions, the option-label separator), :mod:`.cuts` (the
void policy, chance score, cut formulas, cut round-up and the pass comparison, each once),
:mod:`.schema` (the rule-set TOML as declared pydantic models), :mod:`.rules` (rule sets and
cut-score rules), :mod:`.grades` (conversion, truncation, half-up rounding: the only place in
itembank), :mod:`.engine` (:func:`score`). File mode (CSV in and out) is
:mod:`itembank.io.scoring_files`.

This package is pure: it imports the standard library, numpy, pandas, pydantic and
:mod:`itembank.errors`, never storage, services, io or the CLI. ``analysis`` may import it
(standard setting uses :mod:`.cuts`).
"""

from .cuts import percent_guessing_cut, reaches, round_cut_up, voided_points
from .engine import ANNULLED, PENDING, ResponseError, ResponseProblem, ScoringResult, check_responses, invalid_answers, score
from .form import Decision, EffectiveItem, Form, Item, apply_decisions
from .grades import final_grade, format_fraction, linear_grade, nterm_grade, round_half_up, table_grade, truncate
from .rules import CutRule, RuleSet, RuleSetError, chance_score, effective_maximum, load_rule_set, parse_cut_rule

__all__ = [
    "ANNULLED",
    "PENDING",
    "CutRule",
    "Decision",
    "EffectiveItem",
    "Form",
    "Item",
    "ResponseError",
    "ResponseProblem",
    "RuleSet",
    "RuleSetError",
    "ScoringResult",
    "apply_decisions",
    "chance_score",
    "check_responses",
    "invalid_answers",
    "effective_maximum",
    "final_grade",
    "format_fraction",
    "linear_grade",
    "load_rule_set",
    "nterm_grade",
    "parse_cut_rule",
    "percent_guessing_cut",
    "reaches",
    "round_cut_up",
    "round_half_up",
    "score",
    "table_grade",
    "truncate",
    "voided_points",
]
