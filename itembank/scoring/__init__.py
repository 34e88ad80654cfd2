"""The scoring core: one pure function from form, responses, decisions and rule set to results.

Modules: :mod:`.form` (items, forms, decisions), :mod:`.rules` (rule sets from TOML, cut-score
rules), :mod:`.grades` (conversion, truncation, half-up rounding: the only place in itembank),
:mod:`.engine` (:func:`score`), :mod:`.files` (CSV file mode).
"""

from .engine import ANNULLED, PENDING, ResponseError, ResponseProblem, ScoringResult, check_responses, invalid_answers, score
from .files import RESULTS_NAME, read_decisions, read_form, read_responses, score_files, write_results
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
    "RESULTS_NAME",
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
    "read_decisions",
    "read_form",
    "read_responses",
    "round_half_up",
    "score",
    "score_files",
    "table_grade",
    "truncate",
    "write_results",
]
