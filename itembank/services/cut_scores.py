"""Standard setting on a sitting: the methods of :mod:`analysis.standard_setting` fed with the
sitting's own numbers, each giving a cut-score rule the committee may propose.

Every method works from one :class:`CutBasis`: the sitting scored once by the scoring core
(:meth:`~itembank.services.administration_data.AdministrationData.score`), its candidates'
totals (annulled and pending results left out), the maximum and the chance score over the items
that count after the committee's decisions, and the rule set's pass comparison. The methods
return a :class:`~analysis.standard_setting.StandardSettingResult`; :func:`rule_of` gives the
rule to record, and :func:`itembank.services.previews.preview_cut` what the scoring core makes
of it (the cut the candidates get and the pass rate at it).

:func:`propose` is the one entry the dashboard's cut-score page and ``itembank standards`` call:
a method by name with its inputs as typed, validated here (so both say the same thing about a
bad input), giving a :class:`CutProposal` (the rule to record, the method's own numbers, the
pass rate the scoring core gives at the cut and the decision consistency there);
:func:`apply` records a proposal as the committee's cut score.

Inputs a user typed (a percentage, a judge's cut) are read with the one rule for typed numbers
(:func:`itembank.io.numbers.parse_number`: a decimal comma is fine) by :func:`typed_number`;
a method's refusal of its inputs (``ValueError`` in :mod:`analysis`) becomes a
:class:`~itembank.errors.UserError` with the method's message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy.orm import Session

from analysis import ctt
from analysis import standard_setting as ss
from itembank import scoring
from itembank.errors import UserError
from itembank.io.numbers import parse_number
from itembank.io.ratings_files import read_ratings, read_ratings_upload
from itembank.services import committee
from itembank.services.administration_data import AdministrationData
from itembank.services.item_analysis import CutClassification, classification_at_cut
from itembank.services.previews import CutPreview, pass_counts, preview_cut
from itembank.storage.models import CutScoreRule
from itembank.text import t

__all__ = [
    "DIRECT_KINDS",
    "METHODS",
    "CutBasis",
    "CutProposal",
    "angoff",
    "apply",
    "beuk",
    "cohen_schotanus",
    "cut_basis",
    "direct_rule",
    "fixed_percentage",
    "histogram",
    "hofstee",
    "item_options",
    "nedelsky",
    "propose",
    "rule_of",
    "typed_number",
]

#: The cut-score rules a committee may type directly (the CLI's --percent, --points,
#: --percent-guessing).
DIRECT_KINDS = ("percent", "points", "percent_guessing")

T = TypeVar("T")


@dataclass(frozen=True)
class CutBasis:
    """What every method works from, all from the scoring core's result for the sitting now."""

    data: AdministrationData
    result: scoring.ScoringResult
    totals: pd.Series  # candidates judged (annulled and pending results left out)
    maximum: Fraction  # effective maximum of the total
    chance: Fraction  # expected chance score of the total
    reach: str  # the rule set's pass comparison, ">=" or ">"
    n_judged: int  # candidates whose results count in a pass rate (annulled ones left out, as in previews)


def cut_basis(data: AdministrationData, result: scoring.ScoringResult | None = None) -> CutBasis:
    """The sitting's numbers for standard setting (``result``: the sitting scored, if at hand)."""
    result = result or data.score()
    judged = ~result.candidates["outcome"].isin([scoring.ANNULLED, scoring.PENDING])
    return CutBasis(data, result, result.total[judged], result.maxima["total"], result.chance["total"],
                    result.rules.reach, int((result.candidates["outcome"] != scoring.ANNULLED).sum()))


def histogram(b: CutBasis) -> pd.DataFrame:
    """The totals' histogram (``lower``, ``upper``, ``count``; one bar per whole score on a
    whole-number scale) for :func:`itembank.figures.score_figure`."""
    return ctt.score_distribution(b.totals, float(b.maximum)).histogram()


def typed_number(text: str | float | None, what: str) -> float:
    """A number the user typed (decimal point or comma), or a UserError naming ``what``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    try:
        return float(parse_number(str(text or "")))
    except ValueError:
        raise UserError(f"{what}: expected a number (a decimal comma is fine), got '{(text or '').strip()}'") from None


def _run(method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return method(*args, **kwargs)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def direct_rule(kind: str, value: str | float, *, round_up: bool = False) -> dict[str, Any]:
    """A rule typed directly, as ``itembank decide cut --percent/--points/--percent-guessing``
    records it: ``{"kind": kind, "value": value}`` (and ``round_up`` when asked)."""
    if kind not in DIRECT_KINDS:
        raise UserError(f"unknown kind of cut '{kind}'; expected one of {', '.join(DIRECT_KINDS)}")
    number = typed_number(value, "the cut")
    rule: dict[str, Any] = {"kind": kind, "value": int(number) if number.is_integer() else number}
    if round_up:
        rule["round_up"] = True
    return rule


def rule_of(result: ss.StandardSettingResult) -> dict[str, Any]:
    """The rule to record for a method's result: its :meth:`~StandardSettingResult.to_rule`,
    except that a fixed percentage's chance score is left to the scoring core, which computes
    it on the final data (after a later void, over the remaining items: seed 004 §5.26), as
    for ``itembank decide cut --percent-guessing``; the method's chance stays in ``source``."""
    rule = result.to_rule()
    if result.method == "fixed_percentage":
        rule.pop("chance", None)
    return rule


def fixed_percentage(b: CutBasis, *, percent: float, round_up: bool = False) -> ss.StandardSettingResult:
    """Fixed percentage of the score above chance: c = g + p/100 (M - g), with the scoring
    core's chance score g and maximum M (:func:`analysis.standard_setting.fixed_percentage`)."""
    return _run(ss.fixed_percentage, b.totals, percent=percent, max_score=b.maximum, chance=b.chance,
                pass_if=b.reach, round_up=round_up)


def cohen_schotanus(b: CutBasis, *, percentage: float = 60.0, percentile: float = 95.0,
                    round_up: bool = False) -> ss.StandardSettingResult:
    """Cohen-Schotanus: c = g + percentage/100 (P - g), P the totals' ``percentile``-th
    percentile (:func:`analysis.standard_setting.cohen_schotanus`)."""
    return _run(ss.cohen_schotanus, b.totals, chance=float(b.chance), percentage=percentage, percentile=percentile,
                max_score=float(b.maximum), pass_if=b.reach, round_up=round_up)


def hofstee(b: CutBasis, *, k_min: float, k_max: float, f_min: float, f_max: float,
            round_up: bool = False) -> ss.StandardSettingResult:
    """Hofstee with the panel's acceptable cuts (percent of the maximum) and fail rates
    (percent) (:func:`analysis.standard_setting.hofstee`)."""
    return _run(ss.hofstee, b.totals, k_min=k_min, k_max=k_max, f_min=f_min, f_max=f_max,
                max_score=float(b.maximum), pass_if=b.reach, round_up=round_up)


def beuk(b: CutBasis, *, judge_cuts: Sequence[float], judge_pass_rates: Sequence[float],
         round_up: bool = False) -> ss.StandardSettingResult:
    """Beuk with each judge's cut (percent of the maximum) and expected pass rate (percent)
    (:func:`analysis.standard_setting.beuk`)."""
    return _run(ss.beuk, b.totals, judge_cuts=list(judge_cuts), judge_pass_rates=list(judge_pass_rates),
                max_score=float(b.maximum), pass_if=b.reach, round_up=round_up)


def item_options(b: CutBasis) -> tuple[dict[str, int], set[str]]:
    """Every item of the form with its number of options (for a ratings file), and the voided
    items (which a ratings file may leave out)."""
    return ({it.item: len(it.options) for it in b.data.form.items},
            {i for i, e in b.result.items.items() if e.voided})


def _item_maxima(b: CutBasis, items: Sequence[str]) -> tuple[dict[str, Fraction], dict[str, Fraction]]:
    effective = b.result.items
    return ({i: effective[i].item.max_score for i in items}, {i: effective[i].weight for i in items})


def _counting(b: CutBasis, ratings: pd.DataFrame) -> pd.DataFrame:
    """The ratings of the items that count (a voided item's rating does not enter the cut)."""
    voided = set(b.result.voided)
    return ratings[[c for c in ratings.columns if c not in voided]]


def angoff(b: CutBasis, ratings: pd.DataFrame, *, round_up: bool = False) -> ss.StandardSettingResult:
    """Modified Angoff from the judges' probabilities (judges x items), in the items' own
    points and weights (:func:`analysis.standard_setting.angoff`)."""
    ratings = _counting(b, ratings)
    maxima, weights = _item_maxima(b, list(ratings.columns))
    return _run(ss.angoff, ratings, b.totals, max_scores=maxima, weights=weights, pass_if=b.reach, round_up=round_up)


def nedelsky(b: CutBasis, eliminated: pd.DataFrame, *, round_up: bool = False) -> ss.StandardSettingResult:
    """Nedelsky from the options each judge rules out (judges x items)
    (:func:`analysis.standard_setting.nedelsky`)."""
    eliminated = _counting(b, eliminated)
    options, _ = item_options(b)
    maxima, weights = _item_maxima(b, list(eliminated.columns))
    return _run(ss.nedelsky, eliminated, b.totals, n_options={i: options[i] for i in eliminated.columns},
                max_scores=maxima, weights=weights, pass_if=b.reach, round_up=round_up)


# --- one method by name, its inputs as typed: what the page and the CLI call ---

#: The methods :func:`propose` knows, with the inputs each takes (besides ``round_up``).
#: ``direct`` is a rule typed directly (``kind`` one of :data:`DIRECT_KINDS`, ``value``).
METHODS: dict[str, tuple[str, ...]] = {
    "fixed_percentage": ("percent",),
    "cohen_schotanus": ("percentage", "percentile"),
    "hofstee": ("k_min", "k_max", "f_min", "f_max"),
    "beuk": ("judges",),
    "angoff": ("ratings",),
    "nedelsky": ("ratings",),
    "direct": ("kind", "value"),
}

#: Inputs with a default (Cohen-Schotanus: 60 % of the 95th percentile above chance).
DEFAULTS: dict[str, Any] = {"percentage": 60, "percentile": 95}


@dataclass(frozen=True)
class CutProposal:
    """What a method proposes on a sitting, as the scoring core evaluates it.

    ``rule`` is the rule :func:`apply` records; ``result`` the method's own result (its cut
    before the scoring core reads the rule, and ``details``: Hofstee's intersection, Beuk's
    line, Angoff's judges' cuts; None for a rule typed directly); ``preview`` the sitting
    scored with the rule added (:func:`itembank.services.previews.preview_cut`: cut and pass
    rate before -> after, the candidates whose outcome flips); ``passed`` / ``judged`` the
    pass counts at the cut (:func:`itembank.services.previews.pass_counts`: annulled results
    left out of both); ``classification`` the decision consistency and accuracy at the cut
    (:func:`itembank.services.item_analysis.classification_at_cut` on ``preview.after``).
    """

    method: str
    inputs: dict[str, Any]
    rule: dict[str, Any]
    result: ss.StandardSettingResult | None
    basis: CutBasis = field(repr=False)
    preview: CutPreview = field(repr=False)
    passed: int
    judged: int
    classification: CutClassification | None

    @property
    def cut(self) -> str:
        """The cut the candidates get, as the scoring core writes it (e.g. ``"26.5"``)."""
        return self.preview.change.cut_after

    @property
    def maximum(self) -> str:
        return self.preview.change.max_after

    @property
    def pass_rate(self) -> float:
        """passed / judged at the cut (:func:`itembank.services.previews.pass_rate`)."""
        return self.preview.change.pass_rate_after

    @property
    def method_cut(self) -> float | None:
        """The method's own cut (before the scoring core reads the rule); None when typed directly."""
        return None if self.result is None else float(self.result.cut)

    @property
    def details(self) -> dict[str, Any]:
        """The method's own numbers (:attr:`StandardSettingResult.details`)."""
        return {} if self.result is None else dict(self.result.details)

    @property
    def n_flips(self) -> int:
        """Candidates whose outcome this cut changes against the cut in force."""
        return self.preview.change.n_flips


def _label(name: str) -> str:
    """An input's name in words, as the page labels it (and every message names it)."""
    return t(f"input_{name}")


def _percent(value: Any, label: str, *, percentile: bool = False) -> float:
    """A typed percentage in 0-100 (a percentile in (0, 100]), or a UserError naming ``label``."""
    number = typed_number(value, label)
    if percentile and not 0 < number <= 100:
        raise UserError(t("cut_input_percentile_range", label=label, value=f"{number:g}"))
    if not 0 <= number <= 100:
        raise UserError(t("cut_input_range", label=label, value=f"{number:g}"))
    return number


def _number(inputs: Mapping[str, Any], name: str) -> float:
    """Input ``name`` (every number a method takes is a percentage or a percentile)."""
    return _percent(inputs.get(name, DEFAULTS.get(name)), _label(name), percentile=name == "percentile")


def _hofstee_bounds(inputs: Mapping[str, Any]) -> dict[str, float]:
    """The panel's bounds, in order: k_min < k_max (a cut range, not one point), f_min <= f_max."""
    bounds = {k: _number(inputs, k) for k in ("k_min", "k_max", "f_min", "f_max")}
    if not bounds["k_min"] < bounds["k_max"]:
        raise UserError(t("cut_hofstee_cut_order", low=f"{bounds['k_min']:g}", high=f"{bounds['k_max']:g}"))
    if not bounds["f_min"] <= bounds["f_max"]:
        raise UserError(t("cut_hofstee_fail_order", low=f"{bounds['f_min']:g}", high=f"{bounds['f_max']:g}"))
    return bounds


def _judges(judges: Sequence[Any] | None) -> tuple[list[float], list[float]]:
    """Beuk's panel: per judge (name, cut % of the maximum, expected pass rate %), numbers as typed.
    Every judge counts, named or not (two unnamed judges are two judges: J1, J2 by position);
    Beuk's line needs the spread of at least two judges."""
    cuts, rates = [], []
    for k, judge in enumerate(judges or [], start=1):
        name, cut, rate = judge
        name = str(name or "").strip() or f"J{k}"
        cuts.append(_percent(cut, t("input_judge_cut", judge=name)))
        rates.append(_percent(rate, t("input_judge_pass_rate", judge=name)))
    if len(cuts) < 2:
        raise UserError(t("cut_beuk_judges", n=len(cuts)))
    return cuts, rates


def _ratings(b: CutBasis, method: str, source: Any) -> pd.DataFrame:
    """The judges' ratings: a table already read, a file (path), or an upload (file name,
    data URL) — read by :mod:`itembank.io.ratings_files` against the sitting's form."""
    if isinstance(source, pd.DataFrame):
        return source
    if source is None or source == "":
        raise UserError(t("cut_ratings_missing", method=t(f"method_{method}")))
    options, voided = item_options(b)
    if isinstance(source, tuple):
        filename, contents = source
        return read_ratings_upload(filename or "ratings.csv", contents, kind=method, options=options, optional=voided)
    return read_ratings(Path(source), kind=method, options=options, optional=voided)


def _method_result(b: CutBasis, method: str, inputs: Mapping[str, Any],
                   round_up: bool) -> tuple[ss.StandardSettingResult | None, dict[str, Any]]:
    if method == "fixed_percentage":
        return fixed_percentage(b, percent=_number(inputs, "percent"), round_up=round_up), {}
    if method == "cohen_schotanus":
        return cohen_schotanus(b, percentage=_number(inputs, "percentage"), percentile=_number(inputs, "percentile"),
                               round_up=round_up), {}
    if method == "hofstee":
        return hofstee(b, **_hofstee_bounds(inputs), round_up=round_up), {}
    if method == "beuk":
        cuts, rates = _judges(inputs.get("judges"))
        return beuk(b, judge_cuts=cuts, judge_pass_rates=rates, round_up=round_up), {}
    if method in ("angoff", "nedelsky"):
        table = _ratings(b, method, inputs.get("ratings"))
        return (angoff if method == "angoff" else nedelsky)(b, table, round_up=round_up), {}
    # direct: the rule as typed
    return None, direct_rule(str(inputs.get("kind") or "percent"), inputs.get("value"), round_up=round_up)


def propose(data: AdministrationData | CutBasis, method: str, inputs: Mapping[str, Any] | None = None, *,
            round_up: bool = False) -> CutProposal:
    """``method`` (a key of :data:`METHODS`) on the sitting with ``inputs`` as typed (numbers as
    text with a decimal point or comma, or numbers), evaluated by the scoring core.

    Inputs: ``fixed_percentage`` ``percent`` (c = g + p/100 (M - g)); ``cohen_schotanus``
    ``percentage`` (60) and ``percentile`` (95) (c = g + percentage/100 (P - g)); ``hofstee``
    ``k_min``, ``k_max`` (% of the maximum), ``f_min``, ``f_max`` (fail rate %); ``beuk``
    ``judges``, (name, cut %, expected pass rate %) per judge; ``angoff`` / ``nedelsky``
    ``ratings``, a judges x items table, a file path or an upload (file name, data URL);
    ``direct`` ``kind`` and ``value``. The formulas and their sources are with the methods
    (:mod:`analysis.standard_setting`).

    A bad input (not a number, a percentage outside 0-100, Hofstee's bounds out of order, fewer
    than two Beuk judges, a bad ratings file, an input the method does not take) raises a :class:`~itembank.errors.UserError` naming it,
    the same on the page and in the CLI. Nothing is stored.
    """
    if method not in METHODS:
        raise UserError(t("cut_unknown_method", method=method, methods=", ".join(METHODS)))
    inputs = dict(inputs or {})
    unused = [k for k in inputs if k not in METHODS[method]]
    if unused:
        raise UserError(t("cut_input_not_taken", inputs=", ".join(unused), method=method))
    b = data if isinstance(data, CutBasis) else cut_basis(data)
    result, rule = _method_result(b, method, inputs, round_up)
    if result is not None:
        rule = rule_of(result)
    preview = preview_cut(b.data, rule, before=b.result)
    passed, judged = pass_counts(preview.after.results_table(), pass_label=b.result.rules.pass_label)
    return CutProposal(method, inputs, rule, result, b, preview, passed, judged, classification_at_cut(preview.after))


def apply(session: Session, administration: str, proposal: CutProposal | Mapping[str, Any], *, reason: str,
          actor: str) -> CutScoreRule:
    """Record ``proposal`` (or a rule document previewed before) as ``administration``'s cut
    score, a proposal until the secretary fixes it (:func:`itembank.services.committee.set_cut_score`,
    which checks it against the scoring core and writes the audit trail). The rule records
    the method and its inputs in ``source`` (none for a rule typed directly). Returns the
    :class:`~itembank.storage.models.CutScoreRule` row."""
    rule = proposal.rule if isinstance(proposal, CutProposal) else dict(proposal)
    if not (reason or "").strip():
        raise UserError(t("cut_reason_needed"))
    return committee.set_cut_score(session, administration, rule, reason=reason.strip(), actor=actor)
