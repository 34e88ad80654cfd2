"""Commands for the exam committee and its secretary: rule sets, decisions, release,
results, objections and annulments. Each parses, calls one :mod:`itembank.services.committee` or :mod:`itembank.services.results` function
and prints."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from itembank.cli.choices import LinkingChoice, ResultsFormat
from itembank.cli.common import DbOption, UserOption, bank_session, current_user, echo_table, fail

__all__ = ["register"]

rules_app = typer.Typer(help="Store rule sets and assign them to administrations.", no_args_is_help=True)
decide_app = typer.Typer(help="Record the committee's decisions on an administration.", no_args_is_help=True)

ReasonOption = Annotated[str, typer.Option("--reason", help="Why (reported to the committee and audited)")]


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    app.add_typer(decide_app, name="decide")
    app.command("release")(release_cli)
    app.command("audit")(audit_cli)
    decisions_app = typer.Typer(help="Read the committee's decisions back.", no_args_is_help=True)
    decisions_app.command("list")(decisions_list_cli)
    app.add_typer(decisions_app, name="decisions")
    app.command("results")(results_cli)
    app.command("objection")(objection_cli)
    app.command("annul")(annul_cli)


@rules_app.command("add")
def rules_add_cli(code: str, file: Path, db: DbOption = None, user: UserOption = None) -> None:
    """Store FILE (a TOML rule set) as the next version of rule set CODE."""
    from itembank.io.scoring_files import read_rule_set_text
    from itembank.services import committee

    with bank_session(db) as session:
        # Checked under the file's name first, so a mistake reads "rules.toml: key.path: ...".
        row = committee.add_rule_set(session, code, read_rule_set_text(file), actor=current_user(user))
        typer.echo(f"rule set {row.code} version {row.version} stored")


@rules_app.command("assign")
def rules_assign_cli(admin: str, code: str, db: DbOption = None, user: UserOption = None,
                     version: Annotated[int | None, typer.Option(help="[default: newest]")] = None) -> None:
    """Score administration ADMIN with rule set CODE."""
    from itembank.services import committee

    with bank_session(db) as session:
        committee.assign_rule_set(session, admin, code, version, actor=current_user(user))
    typer.echo(f"administration {admin} is scored with rule set {code}")


def _decide(action: str, admin: str, item: str, value: str, reason: str, db: str | None, user: str | None) -> None:
    from itembank.services import committee

    with bank_session(db) as session:
        row = committee.add_decision(session, admin, item, action, value, reason=reason, actor=current_user(user))
        typer.echo(f"decision {row.id}: {action} {item}{' ' + value if value else ''} recorded")


@decide_app.command("void")
def void_cli(admin: str, item: str, reason: ReasonOption, db: DbOption = None, user: UserOption = None) -> None:
    """Void ITEM: it no longer counts, and the cut is recomputed over the remaining items."""
    _decide("void", admin, item, "", reason, db, user)


@decide_app.command("accept")
def accept_cli(admin: str, item: str, answers: Annotated[str, typer.Argument(help="Extra correct label(s): B or B|C")],
               reason: ReasonOption, db: DbOption = None, user: UserOption = None) -> None:
    """Accept extra answer(s) for ITEM."""
    _decide("accept", admin, item, answers, reason, db, user)


@decide_app.command("rekey")
def rekey_cli(admin: str, item: str, key: Annotated[str, typer.Argument(help="The new key: A, or A|C")],
              reason: ReasonOption, db: DbOption = None, user: UserOption = None) -> None:
    """Replace the key of ITEM."""
    _decide("rekey", admin, item, key, reason, db, user)


@decide_app.command("weight")
def weight_cli(admin: str, item: str, weight: str, reason: ReasonOption, db: DbOption = None,
               user: UserOption = None) -> None:
    """Change the weight of ITEM."""
    _decide("weight", admin, item, weight, reason, db, user)


@decide_app.command("withdraw")
def withdraw_cli(decision: int, reason: ReasonOption, db: DbOption = None, user: UserOption = None) -> None:
    """Withdraw decision number DECISION (it stays on record)."""
    from itembank.services import committee

    with bank_session(db) as session:
        committee.withdraw_decision(session, decision, reason=reason, actor=current_user(user))
    typer.echo(f"decision {decision} withdrawn")


@decide_app.command("fix-cut")
def fix_cut_cli(admin: str, reason: ReasonOption, db: DbOption = None, user: UserOption = None) -> None:
    """Fix the cut score in force (the secretary's step after the committee's proposal); a
    release needs a fixed cut. A cut recorded later is a new proposal, to be fixed again."""
    from itembank.services import committee

    with bank_session(db) as session:
        committee.fix_cut(session, admin, reason=reason, actor=current_user(user))
    typer.echo(f"cut score of {admin} fixed")


@decide_app.command("cut")
def cut_cli(admin: str, reason: ReasonOption,
            rule: Annotated[str | None, typer.Argument(
                help='Or the rule as JSON, e.g. \'{"kind": "percent", "value": 70}\'')] = None,
            percent: Annotated[float | None, typer.Option(help="Cut at this % of the remaining maximum")] = None,
            points: Annotated[float | None, typer.Option(help="Cut at this many points")] = None,
            percent_guessing: Annotated[float | None, typer.Option(
                "--percent-guessing", help="Cut at this % of the score above chance: g + p/100 x (max - g)")] = None,
            carry_from: Annotated[str | None, typer.Option(
                "--carry-from", help="Carry this reference sitting's cut by IRT true-score equating "
                "(both sittings calibrated: itembank calibrate)")] = None,
            linking: Annotated[LinkingChoice, typer.Option(
                "--linking", help="With --carry-from: how the common items link the scales")] = LinkingChoice.stocking_lord,
            round_up: Annotated[bool, typer.Option("--round-up", help="Round a fractional cut up")] = False,
            part: Annotated[str, typer.Option(help="Part, or total")] = "total",
            db: DbOption = None, user: UserOption = None) -> None:
    """Set the cut score (cesuur) of ADMIN: --percent 65, --points 28 or --percent-guessing 70
    (or a JSON rule: points, percent, percent_guessing or item_ratings), or --carry-from REF."""
    from itembank.services import committee

    given = {k: v for k, v in (("percent", percent), ("points", points), ("percent_guessing", percent_guessing))
             if v is not None}
    if len(given) + (rule is not None) + (carry_from is not None) != 1:
        raise fail("give exactly one of --percent, --points, --percent-guessing, --carry-from or a JSON rule")
    if carry_from is not None:
        if part != "total":
            raise fail("--carry-from carries the cut of the total; leave out --part")
        _carry_cut(admin, carry_from, linking.value, round_up=round_up, reason=reason, db=db, user=user)
        return
    if rule is not None:
        try:
            document = json.loads(rule)
        except json.JSONDecodeError as exc:
            raise fail(f"the rule is not valid JSON: {exc}") from None
        if not isinstance(document, dict):
            raise fail('the rule must be a JSON object such as {"kind": "points", "value": 28}')
    else:
        (kind, value), = given.items()
        document = {"kind": kind, "value": int(value) if float(value).is_integer() else value}
        if round_up:
            document["round_up"] = True
    with bank_session(db) as session:
        committee.set_cut_score(session, admin, document, part=part, reason=reason, actor=current_user(user))
    typer.echo(f"cut score for {part} of {admin} recorded: {json.dumps(document)}")


def _carry_cut(admin: str, reference: str, linking: str, *, round_up: bool, reason: str, db: str | None,
               user: str | None) -> None:
    from itembank.display import shown
    from itembank.progress import step
    from itembank.services import calibrations

    with bank_session(db) as session, step(f"Carrying the cut of {reference} to {admin}"):
        done = calibrations.add_carried_cut(session, admin, reference=reference, reason=reason,
                                            actor=current_user(user), round_up=round_up, linking=linking)
    c, source = done.carried, done.rule["source"]
    typer.echo(f"cut score for total of {admin} recorded: {c.cut_new:.4f} points"
               f"{' (rounded up when scored)' if round_up else ''}, carried from the cut {done.reference_cut:g} of "
               f"{reference} by IRT true-score equating")
    typer.echo(f"ability at the cut theta {shown(c.theta, 'irt_parameter')} on {reference}'s scale; linking "
               f"{c.linking.method} A {shown(c.linking.A, 'irt_parameter')}, B {shown(c.linking.B, 'irt_parameter')} "
               f"through {len(c.linking.common_items)} common items; calibrations {source['reference_calibration']} "
               f"and {source['new_calibration']} ({' and '.join(source['models'])})")


def decisions_list_cli(admin: str, db: DbOption = None) -> None:
    """Every decision on ADMIN: what, on which item, who, when, why, and whether it was withdrawn."""
    from itembank.services import committee

    with bank_session(db) as session:
        rows = [[str(d.id), d.item, d.action, d.value, d.decided_by, f"{d.decided_at:%Y-%m-%d %H:%M}",
                 "in force" if d.withdrawn_by is None else f"withdrawn ({d.withdrawn_by})", d.reason]
                for d in committee.list_decisions(session, admin)]
    echo_table(rows, ["id", "item", "action", "value", "by", "when (UTC)", "state", "reason"])
    typer.echo(f"{len(rows)} decision(s)")


def audit_cli(admin: Annotated[str | None, typer.Option("--admin", help="Only this administration")] = None,
              user: Annotated[str | None, typer.Option("--user", help="Only what this user did")] = None,
              action: Annotated[str | None, typer.Option(help="Only this action, e.g. release")] = None,
              since: Annotated[str | None, typer.Option(help="From this date, YYYY-MM-DD")] = None,
              db: DbOption = None) -> None:
    """The audit trail: who did what, when and why; oldest first."""
    from datetime import datetime, timezone

    from itembank.storage import audit

    start = None
    if since is not None:
        try:
            start = datetime.fromisoformat(since).replace(tzinfo=timezone.utc)
        except ValueError:
            raise fail(f"--since must be a date written YYYY-MM-DD, got {since!r}") from None
    with bank_session(db) as session:
        rows = [[f"{e.at:%Y-%m-%d %H:%M}", e.actor, e.action, f"{e.entity_type} {e.entity_id}",
                 json.dumps(e.detail, ensure_ascii=False, default=str)[:80], e.reason]
                for e in audit.get_events(session, administration=admin, actor=user, action=action, since=start)]
    echo_table(rows, ["when (UTC)", "who", "action", "about", "detail", "reason"])
    typer.echo(f"{len(rows)} event(s)")


def release_cli(admin: str, db: DbOption = None, user: UserOption = None,
                note: Annotated[str, typer.Option(help="A note stored with the release")] = "",
                dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; release nothing")] = False,
                details: Annotated[bool, typer.Option("--details", help="Also list every changed value per candidate")]
                = False,
                force: Annotated[bool, typer.Option("--force", help="Release although the checklist fails "
                                                    "(needs --reason; audited)")] = False,
                reason: Annotated[str, typer.Option("--reason", help="Why the release is forced")] = "") -> None:
    """Release the results of ADMIN as an immutable snapshot. First the checklist (every
    critical flag decided or kept, a cut score fixed, every decision reasoned; a failing
    checklist refuses the release unless --force --reason says why), then the summary of what
    changes (maximum, cut, pass rate, outcome flips), then the candidates whose outcome flips."""
    from itembank.progress import step
    from itembank.services import previews, release_checklist

    if force and not reason.strip():
        raise fail("--force needs --reason: why the results are released although the checklist fails")
    if dry_run:
        with bank_session(db) as session, step(f"Scoring {admin}"):
            checklist = release_checklist.release_checklist(session, admin)
            change, against = previews.preview_release(session, admin)
        _echo_checklist(checklist)
        typer.echo(f"Dry run: releasing {admin} now would change, against "
                   f"{f'release {against}' if against else 'nothing (a first release)'}:")
        _echo_change(change)
        return
    with bank_session(db) as session:
        try:
            with step(f"Checking, scoring and releasing {admin}"):
                checked = release_checklist.release_with_checklist(session, admin, actor=current_user(user),
                                                                   note=note, force_reason=reason if force else None)
        except release_checklist.ChecklistNotMet as exc:  # raised before anything was written; rolled back
            _echo_checklist(exc.checklist)
            raise fail(f"the checklist of {admin} is not met; nothing was released. Decide or keep the flagged "
                       "items (itembank decide … / decide keep), fix the cut score, or give --force --reason WHY") \
                from None
        outcome = checked.outcome
        revision, content_hash = outcome.release.revision, outcome.release.content_hash
    _echo_checklist(checked.checklist)
    # Printed after the commit: "stored" is never said of a release that was not.
    if outcome.unchanged:
        typer.echo(f"nothing changed since release {revision} ({content_hash[:12]}); no new release made")
        return
    typer.echo(f"release {revision} of {admin} stored, content hash {content_hash}"
               + (" (forced: the checklist was not met)" if checked.forced else ""))
    with bank_session(db) as session:
        change = previews.compare_releases(session, admin, revision)
    _echo_change(change)
    if details and revision > 1 and len(outcome.changed):
        echo_table(outcome.changed.astype(str).values.tolist(), list(outcome.changed.columns))


def _echo_checklist(checklist: object) -> None:
    typer.echo("Checklist before release:")
    for line in checklist.lines():  # type: ignore[attr-defined]
        typer.echo(f"  {line}")


@decide_app.command("keep")
def keep_cli(admin: str, item: str, reason: ReasonOption, db: DbOption = None, user: UserOption = None) -> None:
    """Keep ITEM as it is despite its critical flags (the release checklist then counts them as answered)."""
    from itembank.services import release_checklist

    with bank_session(db) as session:
        kept = release_checklist.keep_flags(session, admin, item, reason=reason, actor=current_user(user))
        codes = ", ".join(kept.codes)
    typer.echo(f"{item} kept as it is despite its critical flag(s) {codes}")


def _echo_change(change: object) -> None:
    for line in change.lines():  # type: ignore[attr-defined]
        typer.echo(f"  {line}")
    flips = change.flips  # type: ignore[attr-defined]
    if len(flips):
        echo_table(flips.astype(str).values.tolist(), list(flips.columns))


def results_cli(admin: str, db: DbOption = None,
                format: Annotated[ResultsFormat, typer.Option("--format", help="Output format")] = ResultsFormat.csv,
                out: Annotated[Path | None, typer.Option(help="File to write [default: stdout]")] = None) -> None:
    """Print or export the released results of ADMIN, with objections and annulments applied."""
    from itembank.io.results_files import results_csv
    from itembank.io.tables import write_text
    from itembank.services import results

    with bank_session(db) as session:
        table = results.current_results(session, admin)
    text = results_csv(table) if format is ResultsFormat.csv else table.to_json(orient="records", indent=1)
    if out is None:
        sys.stdout.write(text)
    else:
        write_text(out, text)
        typer.echo(f"{len(table)} results written to {out}")


def objection_cli(admin: str, candidate: str, item: str,
                  points: Annotated[str, typer.Argument(help="The points the candidate gets for ITEM")],
                  reason: ReasonOption, db: DbOption = None, user: UserOption = None) -> None:
    """Judge an objection: re-score one CANDIDATE with an individual score for ITEM."""
    from itembank.io.numbers import parse_number
    from itembank.services import results

    try:
        value = parse_number(points)
    except ValueError:
        raise fail(f"POINTS must be a number (a decimal comma is fine), got '{points.strip()}'") from None
    with bank_session(db) as session:
        rev = results.add_objection(session, admin, candidate, item, value, reason=reason, actor=current_user(user))
        row = rev.result["row"]
        typer.echo(f"{candidate}: result revision {rev.revision}: total {row['total']}, "
                   f"grade {row['grade'] or '-'}, outcome {row['outcome']}")


def annul_cli(admin: str, candidate: str, reason: ReasonOption, db: DbOption = None, user: UserOption = None) -> None:
    """Annul the result of CANDIDATE (irregularity or fraud); it stays annulled in later releases."""
    from itembank.services import results

    with bank_session(db) as session:
        results.annul_result(session, admin, candidate, reason=reason, actor=current_user(user))
    typer.echo(f"result of {candidate} in {admin} annulled")
