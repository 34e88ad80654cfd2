"""``itembank standards ADMIN --method ...``: a standard-setting method on the sitting's own
scores, the cut it gives and the pass rate that cut implies; with ``--apply --reason`` the cut
is recorded as the committee's cut-score rule.

The same calls as the dashboard's cut-score page: :func:`itembank.services.cut_scores.propose`
(the method, its inputs checked, the rule, the cut and pass rate the scoring core makes of it,
the decision consistency there) and :func:`itembank.services.cut_scores.apply` (the recording).
This module only maps the options to the service's inputs and prints the proposal.
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


def _judges(values: list[str]) -> list[tuple[str, str, str]]:
    """``--judge 55:70`` per judge: (J1, cut, expected pass rate) as typed, judges J1, J2, ...
    in order (the page's default names)."""
    judges = []
    for k, text in enumerate(values, start=1):
        cut, sep, rate = text.partition(":")
        if not sep:
            raise fail(f"--judge {text}: expected CUT:PASS_RATE (both in per cent), e.g. --judge 55:70")
        judges.append((f"J{k}", cut, rate))
    return judges


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
    from itembank.scoring import format_fraction
    from itembank.services import cut_scores as cs
    from itembank.services.administration_data import load_administration
    from itembank.text import t

    m = method.value
    given = {"--percent": percent, "--ratings": ratings, "--k-min": k_min, "--k-max": k_max, "--f-min": f_min,
             "--f-max": f_max, "--judge": judge or None}
    # The command line's own syntax (which options go with which method, --apply with --reason);
    # what the inputs say is checked by the cut-score service, as for the dashboard.
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
    service_method, inputs = _inputs(m, percent=percent, ratings=ratings, hofstee=(k_min, k_max, f_min, f_max),
                                     judge=judge or [], percentage=percentage, percentile=percentile)

    with bank_session(db) as session:
        p = cs.propose(load_administration(session, admin), service_method, inputs, round_up=round_up)
        recorded = None
        if apply:
            recorded = cs.apply(session, admin, p, reason=reason or "", actor=current_user(user)).id
    b, change, rule, details = p.basis, p.preview.change, p.rule, p.details
    cut_now = b.result.cuts.get("total")
    c = p.classification
    e = c.estimate if c is not None else None
    out: dict[str, Any] = {
        "administration": admin, "method": m, "method_cut": p.method_cut, "unrounded_cut": details.get("unrounded_cut"),
        "cut": p.cut, "maximum": format_fraction(b.maximum), "pass_rate": p.pass_rate,
        "passed": p.passed, "judged": p.judged, "cut_in_force": None if cut_now is None else format_fraction(cut_now),
        "pass_rate_in_force": change.pass_rate_before, "would_change_outcome": p.n_flips,
        "decision_consistency": None if e is None else e.consistency,
        "decision_accuracy": None if e is None else e.accuracy,
        "rule": rule, "recorded": recorded}
    if as_json:
        typer.echo(json.dumps(out, indent=1, default=str))
        return
    typer.echo(f"{_NAMES[m]} on {admin} ({b.n_judged} candidates judged, maximum {out['maximum']}):")
    typer.echo(f"  cut score (cesuur) {p.cut} points"
               + (f" (the method's cut {details['unrounded_cut']:.4g}, rounded up)" if round_up else ""))
    rate = "-" if p.pass_rate is None else shown_percent(p.pass_rate, "percent")
    typer.echo(f"  pass rate at this cut {rate} ({p.passed} of {p.judged} passed)")
    if c is not None:
        typer.echo("  " + (t("cli_decision", **c.shown()) if e is not None
                           else t("cli_decision_unavailable", **c.shown(), reason=c.reason)))
    if cut_now is not None:
        before = "-" if change.pass_rate_before is None else shown_percent(change.pass_rate_before, "percent")
        typer.echo(f"  cut in force now {out['cut_in_force']} (pass rate {before}); {p.n_flips} candidate(s) "
                   f"would change outcome")
    for key, value in details.items():
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


#: The CLI's method names and the cut-score service's (:data:`itembank.services.cut_scores.METHODS`).
SERVICE_METHOD = {"fixed": "fixed_percentage", "angoff": "angoff", "nedelsky": "nedelsky", "hofstee": "hofstee",
                  "beuk": "beuk", "cohen-schotanus": "cohen_schotanus"}


def _inputs(m: str, *, percent: str | None, ratings: Path | None, hofstee: tuple[str | None, ...],
            judge: list[str], percentage: str, percentile: str) -> tuple[str, dict[str, Any]]:
    """The service's method and inputs for ``--method m`` and the options as typed (the
    numbers are read, and checked, by the service)."""
    if m == "fixed":
        return "fixed_percentage", {"percent": percent}
    if m == "cohen-schotanus":
        return "cohen_schotanus", {"percentage": percentage, "percentile": percentile}
    if m == "hofstee":
        return "hofstee", dict(zip(("k_min", "k_max", "f_min", "f_max"), hofstee))
    if m == "beuk":
        return "beuk", {"judges": _judges(judge)}
    return SERVICE_METHOD[m], {"ratings": ratings}
