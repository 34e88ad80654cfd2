"""The scoring core: one pure function from form, responses, decisions and rule set to results.

Modules: :mod:`.form` (items, forms, decisions), :mod:`.rules` (rule sets from TOML, cut-score
rules), :mod:`.grades` (conversion, truncation, half-up rounding: the only place in itembank),
:mod:`.engine` (:func:`score`). File mode (CSV in and out) is :mod:`itembank.io.scoring_files`.
"""

from .engine import ANNULLED, PENDING, ResponseError, ResponseProblem, ScoringResult, check_responses, invalid_answers, score
from .form import Decision, EffectiveItem, Form, Item, apply_decisions
from .grades import format_fraction, linear_grade, nterm_grade, round_half_up, table_grade, truncate
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
    "format_fraction",
    "linear_grade",
    "load_rule_set",
    "nterm_grade",
    "parse_cut_rule",
    "round_half_up",
    "score",
    "table_grade",
    "truncate",
]
