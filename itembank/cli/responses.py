"""Commands for the secretary after a sitting: register the administration, import and
export its responses. Each parses, calls one :mod:`itembank` function and prints."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from itembank.cli.choices import ResponseLayout
from itembank.cli.common import DbOption, UserOption, bank_session, current_user, fail

__all__ = ["register"]

admin_app = typer.Typer(help="Register sittings (administrations) of frozen forms.", no_args_is_help=True)
responses_app = typer.Typer(help="Import and export candidates' responses (CSV/XLSX).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="administration")
    app.add_typer(responses_app, name="responses")


@admin_app.command("add")
def admin_add_cli(
    code: str,
    form: Annotated[str, typer.Option("--form", help="Code of the frozen form that was sat")],
    on: Annotated[str, typer.Option("--date", help="Date of the sitting, YYYY-MM-DD")],
    location: Annotated[str, typer.Option(help="Where it was sat")] = "",
    language: Annotated[str, typer.Option(help="Language of the sitting")] = "nl",
    db: DbOption = None,
    user: UserOption = None,
) -> None:
    """Register administration CODE: a sitting of FORM on a date."""
    try:
        sitting = date.fromisoformat(on)
    except ValueError:
        raise fail(f"--date must be a date written YYYY-MM-DD, got {on!r}") from None
    from itembank.services import administrations

    with bank_session(db) as session:
        administrations.add_administration(session, code, form, on=sitting, location=location, language=language,
                                 actor=current_user(user))
    typer.echo(f"administration {code} registered: form {form}, {sitting.isoformat()}")


@responses_app.command("import")
def import_cli(
    admin: str,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: candidate, one column per item, <item>#2 for graders")],
    attribute: Annotated[list[str] | None, typer.Option(
        "--attribute", help="A column holding a candidate attribute (e.g. language) for DIF; repeatable")] = None,
    layout: Annotated[ResponseLayout | None, typer.Option(
        "--layout", help="wide: a column per item code; long: candidate, item, response[, grader] rows; "
                         "positions: columns 1..N or Q1..QN; string: one 'responses' string per candidate "
                         "[default: detected from the header row]")] = None,
    db: DbOption = None,
    user: UserOption = None,
) -> None:
    """Store the responses in FILE for ADMIN; a file with any problem stores nothing."""
    from itembank.io import response_files
    from itembank.progress import step

    with bank_session(db) as session, step(f"Importing responses from {file.name}"):
        report = response_files.import_responses(session, admin, file, actor=current_user(user),
                                                 attributes=attribute or (),
                                                 layout=layout.value if layout is not None else None)
    how = "detected from the header row; choose with --layout" if report.detected else "as given with --layout"
    typer.echo(f"layout: {report.layout} ({how})")
    typer.echo(f"{report.file}: {report.candidates} candidates, {report.responses} responses stored "
               f"for administration {report.administration}")
    for item, n in report.invalid.items():
        typer.echo(f"  note: item {item} has {n} answer(s) that are not one of its options; they score 0 as invalid")


@responses_app.command("export")
def export_cli(
    admin: str,
    file: Annotated[Path, typer.Argument(help="Target .csv or .xlsx file")],
    db: DbOption = None,
) -> None:
    """Write ADMIN's responses in the import layout (attributes last)."""
    from itembank.io import response_files

    with bank_session(db) as session:
        n = response_files.export_responses(session, admin, file)
    typer.echo(f"{n} candidates written to {file}")
