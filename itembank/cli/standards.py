"""``itembank standards ADMIN --method ...``: a standard-setting method on the sitting's own
scores, the cut it gives and the pass rate that cut implies; with ``--apply --reason`` the cut
is recorded as the committee's cut-score rule.

The same calls as the dashboard's cut-score page: the method from
:mod:`itembank.services.cut_scores` on :func:`~itembank.services.cut_scores.cut_basis`, its
rule from :func:`~itembank.services.cut_scores.rule_of`, the cut and pass rate the scoring core
makes of that rule from :func:`itembank.services.previews.preview_cut`, and the recording by
:func:`itembank.services.committee.set_cut_score`.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from itembank.cli.common import DbOption, UserOption, bank_session, current_user, fail

__all__ = ["register", "REQUIRED"]


class StandardsMethod(str, Enum):
    """The methods of the cut-score page (``fixed`` = fixed percentage above chance)."""

    fixed = "fixed"
    angoff = "angoff"
    nedelsky = "nedelsky"
    hofstee = "hofstee"
    beuk = "beuk"
    cohen_schotanus = "cohen-schotanus"


#: The options each method needs (the message when one is missing names them all).
REQUIRED: dict[str, tuple[str, ...]] = {
    "fixed": ("--percent",),
    "angoff": ("--ratings",),
    "nedelsky": ("--ratings",),
    "hofstee": ("--k-min", "--k-max", "--f-min", "--f-max"),
    "beuk": ("--judge",),
    "cohen-schotanus": (),
}

_NAMES = {"fixed": "fixed percentage above chance", "angoff": "modified Angoff", "nedelsky": "Nedelsky",
          "hofstee": "Hofstee", "beuk": "Beuk", "cohen-schotanus": "Cohen-Schotanus"}


def register(app: typer.Typer) -> None:
    app.command("standards")(standards_cli)


def _judges(values: list[str]) -> tuple[list[float], list[float]]:
    """``--judge 55:70`` per judge: cut (% of the maximum) and expected pass rate (%)."""
    from itembank.services.cut_scores import typed_number

    cuts, rates = [], []
    for k, text in enumerate(values, start=1):
        cut, sep, rate = text.partition(":")
        if not sep:
            raise fail(f"--judge {text}: expected CUT:PASS_RATE (both in per cent), e.g. --judge 55:70")
        cuts.append(typed_number(cut, f"--judge {text} (judge {k}), the cut"))
        rates.append(typed_number(rate, f"--judge {text} (judge {k}), the pass rate"))
    return cuts, rates


def standards_cli(
    admin: str,
    method: Annotated[StandardsMethod, typer.Option("--method", help="The standard-setting method")],
    percent: Annotated[str | None, typer.Option(
        "--percent", help="fixed: the percentage of the score above chance, c = g + p/100 (max - g)")] = None,
    ratings: Annotated[Path | None, typer.Option(
        "--ratings", help="angoff/nedelsky: ratings file (CSV/XLSX), a 'judge' column and one column per item: "
        "Angoff the probability (0-1), Nedelsky the number of options ruled out")] = None,
    k_min: Annotated[str | None, typer.Option("--k-min", help="hofstee: lowest acceptable cut (% of the maximum)")] = None,
    k_max: Annotated[str | None, typer.Option("--k-max", help="hofstee: highest acceptable cut (% of the maximum)")] = None,
    f_min: Annotated[str | None, typer.Option("--f-min", help="hofstee: lowest acceptable fail rate (%)")] = None,
    f_max: Annotated[str | None, typer.Option("--f-max", help="hofstee: highest acceptable fail rate (%)")] = None,
    judge: Annotated[list[str] | None, typer.Option(
        "--judge", help="beuk: one judge's cut (% of the maximum) and expected pass rate (%), as CUT:RATE, "
        "e.g. --judge 55:70 --judge 60:65")] = None,
    percentage: Annotated[str, typer.Option(
        "--percentage", help="cohen-schotanus: the percentage of the reference score above chance")] = "60",
    percentile: Annotated[str, typer.Option(
        "--percentile", help="cohen-schotanus: the reference score is this percentile of the totals")] = "95",
    round_up: Annotated[bool, typer.Option("--round-up", help="Round a fractional cut up to a whole score")] = False,
    apply: Annotated[bool, typer.Option(
        "--apply",
        help="Record the cut as ADMIN's cut score (a proposal, as on the cut-score page); needs --reason")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="With --apply: why (kept in the audit trail)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
    db: DbOption = None,
    user: UserOption = None,
) -> None:
    """Standard setting (cesuurbepaling) for ADMIN: a method's cut score and its pass rate.

    Nothing is recorded without --apply --reason "..." (then the cut is the committee's
    proposal, as on the dashboard's cut-score page).

    Inputs per method: fixed --percent; angoff and nedelsky --ratings FILE; hofstee --k-min
    --k-max --f-min --f-max; beuk --judge CUT:RATE (one per judge); cohen-schotanus
    --percentage (60) and --percentile (95)."""
    from itembank.display import shown_percent
    from itembank.io.ratings_files import read_ratings
    from itembank.scoring import format_fraction
    from itembank.services import committee
    from itembank.services import cut_scores as cs
    from itembank.services.administration_data import load_administration
    from itembank.services.previews import pass_counts, preview_cut

    m = method.value
    given = {"--percent": percent, "--ratings": ratings, "--k-min": k_min, "--k-max": k_max, "--f-min": f_min,
             "--f-max": f_max, "--judge": judge or None}
    missing = [o for o in REQUIRED[m] if given[o] is None]
    if missing:
        raise fail(f"--method {m} needs {', '.join(missing)} ({'; '.join(f'{o}: ' + _option_help(o) for o in missing)})")
    unused = [o for o, v in given.items() if v is not None and o not in REQUIRED[m]]
    if unused:
        raise fail(f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} not an input of --method {m}")
    if apply and not (reason or "").strip():
        raise fail('--apply records the cut: give the reason with --reason "..."')
    if reason and not apply:
        raise fail("--reason goes with --apply (without --apply nothing is recorded)")

    with bank_session(db) as session:
        b = cs.cut_basis(load_administration(session, admin))
        r = _run_method(cs, b, m, percent=percent, ratings=ratings, hofstee=(k_min, k_max, f_min, f_max),
                        judge=judge or [], percentage=percentage, percentile=percentile, round_up=round_up,
                        read_ratings=read_ratings)
        rule = cs.rule_of(r)
        preview = preview_cut(b.data, rule, before=b.result)
        passed, judged = pass_counts(preview.after.results_table(), pass_label=b.result.rules.pass_label)
        recorded = None
        if apply:
            recorded = committee.set_cut_score(session, admin, rule, reason=(reason or "").strip(),
                                               actor=current_user(user)).id
    change = preview.change
    cut_now = b.result.cuts.get("total")
    out: dict[str, Any] = {
        "administration": admin, "method": m, "method_cut": r.cut, "unrounded_cut": r.details.get("unrounded_cut"),
        "cut": change.cut_after, "maximum": format_fraction(b.maximum), "pass_rate": change.pass_rate_after,
        "passed": passed, "judged": judged, "cut_in_force": None if cut_now is None else format_fraction(cut_now),
        "pass_rate_in_force": change.pass_rate_before, "would_change_outcome": change.n_flips,
        "rule": rule, "recorded": recorded}
    if as_json:
        typer.echo(json.dumps(out, indent=1, default=str))
        return
    typer.echo(f"{_NAMES[m]} on {admin} ({b.n_judged} candidates judged, maximum {out['maximum']}):")
    typer.echo(f"  cut score (cesuur) {change.cut_after} points"
               + (f" (the method's cut {r.details['unrounded_cut']:.4g}, rounded up)" if round_up else ""))
    rate = "-" if change.pass_rate_after is None else shown_percent(change.pass_rate_after, "percent")
    typer.echo(f"  pass rate at this cut {rate} ({passed} of {judged} passed)")
    if cut_now is not None:
        before = "-" if change.pass_rate_before is None else shown_percent(change.pass_rate_before, "percent")
        typer.echo(f"  cut in force now {out['cut_in_force']} (pass rate {before}); {change.n_flips} candidate(s) "
                   f"would change outcome")
    for key, value in r.details.items():
        if key != "unrounded_cut" and isinstance(value, (int, float)) and not isinstance(value, bool):
            typer.echo(f"  {key.replace('_', ' ')}: {value:.4g}")
    typer.echo(f"  rule: {json.dumps(rule, default=str)}")
    if recorded is not None:
        typer.echo(f"Recorded as the cut score of {admin} (rule {recorded}), a proposal: "
                   f"'itembank decide fix-cut {admin} --reason ...' fixes it.")
    else:
        typer.echo(f'Nothing recorded. With --apply --reason "..." this rule becomes the cut score of {admin}.')


def _option_help(option: str) -> str:
    return {"--percent": "the percentage above chance", "--ratings": "the judges' ratings file",
            "--k-min": "lowest acceptable cut %", "--k-max": "highest acceptable cut %",
            "--f-min": "lowest acceptable fail rate %", "--f-max": "highest acceptable fail rate %",
            "--judge": "CUT:RATE per judge"}[option]


def _run_method(cs: Any, b: Any, m: str, *, percent: str | None, ratings: Path | None,
                hofstee: tuple[str | None, ...], judge: list[str], percentage: str, percentile: str,
                round_up: bool, read_ratings: Any) -> Any:
    """The cut-score service's method for ``m`` with the typed inputs (decimal comma allowed)."""
    n = cs.typed_number
    if m == "fixed":
        return cs.fixed_percentage(b, percent=n(percent, "--percent"), round_up=round_up)
    if m == "cohen-schotanus":
        return cs.cohen_schotanus(b, percentage=n(percentage, "--percentage"), percentile=n(percentile, "--percentile"),
                                  round_up=round_up)
    if m == "hofstee":
        k_min, k_max, f_min, f_max = (n(v, o) for v, o in zip(hofstee, ("--k-min", "--k-max", "--f-min", "--f-max")))
        return cs.hofstee(b, k_min=k_min, k_max=k_max, f_min=f_min, f_max=f_max, round_up=round_up)
    if m == "beuk":
        cuts, rates = _judges(judge)
        return cs.beuk(b, judge_cuts=cuts, judge_pass_rates=rates, round_up=round_up)
    options, voided = cs.item_options(b)
    table = read_ratings(ratings, kind=m, options=options, optional=voided)
    return (cs.angoff if m == "angoff" else cs.nedelsky)(b, table, round_up=round_up)
