"""``itembank assemble`` and ``itembank blueprint ...``: exam assembly from the bank."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from itembank.cli.choices import ObjectiveChoice, ReviewStatusChoice
from itembank.cli.common import DbOption, UserOption, bank_session, current_user, echo_table, fail, in_range

if TYPE_CHECKING:
    from itembank.assembly import AssemblyOptions

__all__ = ["register"]

blueprint_app = typer.Typer(help="Blueprints as constraint tables: import, export, review, gap report.",
                            no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("assemble")(assemble_cli)
    app.add_typer(blueprint_app, name="blueprint")


def parse_target_tif(text: str) -> tuple[tuple[float, float], ...]:
    """``"-1:6,0:10,1:6"`` -> ((-1.0, 6.0), (0.0, 10.0), (1.0, 6.0)): theta:information pairs."""
    points = []
    for part in (p.strip() for p in text.split(",")):
        theta, sep, value = part.partition(":")
        try:
            if not sep:
                raise ValueError
            points.append((float(theta), float(value)))
        except ValueError:
            raise fail(f"--target-tif: {part!r} is not theta:information (expected e.g. \"-1:6,0:10,1:6\")") from None
    return tuple(points)


def _options(forms: int, max_overlap: float | None, objective: str, exclude_last: int | None,
             max_exposure: float | None, cut_theta: float, time_limit: float,
             target_tif: str | None = None, deviation_floor: float | None = None) -> AssemblyOptions:
    from itembank.assembly import DEVIATION_FLOOR, OBJECTIVES, AssemblyOptions

    if objective not in OBJECTIVES:
        raise fail(f"--objective must be one of {', '.join(OBJECTIVES)}, got {objective}")
    if objective == "target_information" and not target_tif:
        raise fail("--objective target_information needs --target-tif, e.g. --target-tif=\"-1:6,0:10,1:6\"")
    if target_tif and objective != "target_information":
        raise fail("--target-tif is used only with --objective target_information")
    return AssemblyOptions(forms=forms, max_overlap=max_overlap, objective=objective,
                           exclude_used_in_last=exclude_last, max_exposure_rate=max_exposure,
                           cut_theta=cut_theta, time_limit=time_limit, mip_rel_gap=0.01,
                           target_tif=parse_target_tif(target_tif) if target_tif else (),
                           deviation_floor=DEVIATION_FLOOR if deviation_floor is None else deviation_floor)


def assemble_cli(
    spec: Annotated[str, typer.Option("--spec", help="Test specification code")],
    blueprint: Annotated[str, typer.Option("--blueprint", help="Blueprint code (newest version)")],
    forms: Annotated[int, typer.Option("--forms", callback=in_range(1), help="Number of parallel forms")] = 1,
    max_overlap: Annotated[float | None, typer.Option("--max-overlap", callback=in_range(0, 1),
                                                      help="Largest share of items two forms may share, e.g. 0.1")] = None,
    objective: Annotated[ObjectiveChoice, typer.Option(help="What the optimiser aims for")] = ObjectiveChoice.spread_exposure,
    exclude_last: Annotated[int | None, typer.Option("--exclude-used-in-last", callback=in_range(0),
                                                     help="Skip items used on the last N forms")] = None,
    max_exposure: Annotated[float | None, typer.Option("--max-exposure-rate", callback=in_range(0, 1),
                                                       help="Skip items above this exposure rate")] = None,
    cut_theta: Annotated[float, typer.Option("--cut-theta", help="Ability at the cut score, for information")] = 0.0,
    language: Annotated[str | None, typer.Option(help="Only items in this language")] = None,
    prefix: Annotated[str | None, typer.Option("--code-prefix", help="Form codes: PREFIX1, PREFIX2, ...")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit in seconds")] = 60.0,
    target_tif: Annotated[str | None, typer.Option(
        "--target-tif", help="Target test information for --objective target_information: theta:information "
                             "pairs, e.g. --target-tif=\"-1:6,0:10,1:6\"")] = None,
    deviation_floor: Annotated[float | None, typer.Option(
        "--deviation-floor", callback=in_range(0),
        help="Deviation from the target information that counts as met (default 0.05)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the forms, freeze nothing")] = False,
    db: DbOption = None,
    user: UserOption = None,
) -> None:
    """Assemble blueprint-exact forms with the optimiser, verify them, freeze them, and print the coverage report."""
    from itembank.assembly import InfeasibleAssemblyError
    from itembank.display import shown
    from itembank.progress import step
    from itembank.services.forms import assemble_forms

    options = _options(forms, max_overlap, objective.value, exclude_last, max_exposure, cut_theta, time_limit,
                       target_tif, deviation_floor)
    with bank_session(db) as session:
        try:
            with step(f"Assembling {forms} form(s) from blueprint {blueprint} (time limit {time_limit:g} s)"):
                out = assemble_forms(session, spec, blueprint, options=options, language=language,
                                     code_prefix=prefix, freeze=not dry_run, actor=current_user(user))
        except InfeasibleAssemblyError as exc:
            typer.echo("These forms cannot be assembled:", err=True)
            for reason in exc.reasons:
                typer.echo(f"  - {reason}", err=True)
            raise typer.Exit(2) from None
    # Only now is the transaction committed: "frozen" is never printed for forms that a failed
    # commit left unfrozen.
    r = out.result
    typer.echo(f"{len(r.forms)} form(s) from a pool of {out.pool_size} approved items: solver {r.status}, "
               f"gap {r.gap:.2%}, {r.solve_seconds:.1f} s; every constraint re-checked independently")
    if options.objective == "target_information":
        from itembank.text import t

        typer.echo(t("asm_target_deviation", deviation=shown(r.objective_value, "irt_parameter"),
                     floor=shown(options.deviation_floor, "irt_parameter"),
                     targets=", ".join(f"{th:g}: {v:g}" for th, v in options.target_tif)))
        for k, info in enumerate(r.target_information or (), start=1):
            typer.echo(t("asm_target_form", n=k, values=", ".join(shown(v, "irt_parameter") for v in info)))
    typer.echo("Forms frozen: " + ", ".join(out.forms) if out.forms else "Dry run: nothing frozen")
    cov = out.coverage
    rows = [[str(f), str(c), str(cond or "(all items)"), _bound(lo, hi), f"{v:g}", "yes" if met else "NO"]
            for f, c, cond, lo, hi, v, met in zip(cov["form"], cov["constraint_id"], cov["condition"],
                                                   cov["lower"], cov["upper"], cov["value"], cov["met"])]
    typer.echo("")
    echo_table(rows, ["form", "constraint", "condition", "required", "value", "met"])
    typer.echo("")
    for form, row in out.statistics.iterrows():
        mean_p = ("n/a (no statistics yet)" if row["n_with_p"] == 0
                  else f"{shown(row['mean_p'], 'p')} over {row['n_with_p']:.0f} items")
        typer.echo(f"form {form}: {row['n_items']:.0f} items, {row['total_points']:g} points, mean p {mean_p}")


def _bound(lo: float | None, hi: float | None) -> str:
    def fmt(x: float | None) -> str:
        return "" if x is None or x != x else f"{x:g}"

    if fmt(lo) == fmt(hi):
        return fmt(lo)
    return f"{fmt(lo) or '-'} .. {fmt(hi) or '-'}"


@blueprint_app.command("import")
def blueprint_import_cli(spec: str, code: str, file: Path, db: DbOption = None, user: UserOption = None,
                         duration: Annotated[int | None, typer.Option(callback=in_range(1), help="Minutes")] = None) -> None:
    """Store the constraint table FILE (CSV/XLSX) as the next draft version of blueprint CODE."""
    from itembank.services import blueprints

    with bank_session(db) as session:
        bp = blueprints.import_blueprint(session, spec, code, file, duration_minutes=duration,
                                            actor=current_user(user))
        typer.echo(f"blueprint {bp.code} version {bp.version} stored as draft ({len(bp.constraints or [])} rows)")


@blueprint_app.command("export")
def blueprint_export_cli(code: str, file: Path, db: DbOption = None,
                         version: Annotated[int | None, typer.Option()] = None) -> None:
    """Write blueprint CODE as a constraint table (CSV/XLSX)."""
    from itembank.services import blueprints

    with bank_session(db) as session:
        blueprints.export_blueprint(session, code, file, version=version)
    typer.echo(f"blueprint {code} written to {file}")


@blueprint_app.command("status")
def blueprint_status_cli(code: str, version: int, status: ReviewStatusChoice, db: DbOption = None, user: UserOption = None,
                         comment: Annotated[str, typer.Option()] = "") -> None:
    """Move blueprint CODE version VERSION to STATUS (in_review, approved, retired, draft)."""
    from itembank.services import blueprints

    with bank_session(db) as session:
        blueprints.set_blueprint_status(session, code, version, status.value, actor=current_user(user), comment=comment)
    typer.echo(f"blueprint {code} v{version} is now {status.value}")


@blueprint_app.command("gap")
def blueprint_gap_cli(spec: str, code: str, forms: Annotated[int, typer.Option(callback=in_range(1))] = 1,
                      max_overlap: Annotated[float | None, typer.Option("--max-overlap", callback=in_range(0, 1))] = None,
                      exclude_last: Annotated[int | None, typer.Option("--exclude-used-in-last", callback=in_range(0))] = None,
                      db: DbOption = None) -> None:
    """Per blueprint cell: approved items, how many K forms need, how many more to write."""
    from itembank.services.forms import gap_for_blueprint

    options = _options(forms, max_overlap, "feasible", exclude_last, None, 0.0, 60.0)
    with bank_session(db) as session:
        gap = gap_for_blueprint(session, spec, code, options=options)
    echo_table(gap.astype(str).values.tolist(), list(gap.columns))
