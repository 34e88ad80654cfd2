"""``itembank qti``: IMS QTI content packages out of and into the bank. Each command parses,
calls one :mod:`itembank.io.qti` function and prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from itembank.cli.choices import QtiVersion
from itembank.cli.common import DbOption, UserOption, bank_session, current_user

__all__ = ["register"]

qti_app = typer.Typer(help="IMS QTI packages: export items and forms, import items.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(qti_app, name="qti")


@qti_app.command("export")
def export_cli(
    out: Annotated[Path, typer.Argument(help="Target .zip file (a QTI content package)")],
    spec: Annotated[str | None, typer.Option("--spec", help="Only this test specification's items")] = None,
    form: Annotated[str | None, typer.Option("--form", help="A frozen form: its item versions and a test in its order")] = None,
    admin: Annotated[str | None, typer.Option(
        "--admin", help="A sitting: its form, with the committee's decisions in force (void = weight 0, "
                        "accepted answers, rekeys, weights)")] = None,
    version: Annotated[QtiVersion, typer.Option("--version", help="QTI version to write")] = QtiVersion.v3_0,
    partial: Annotated[bool, typer.Option(
        "--partial-credit/--all-or-nothing", help="How multiple-response items score in the package")] = False,
    statistics: Annotated[bool, typer.Option(
        "--statistics", help="Add each item's p, Rit and Rir per sitting as QTI usage data (3.0)")] = False,
    language: Annotated[str | None, typer.Option(
        help="Only this language's lines, e.g. en [default: every line of every item]")] = None,
    db: DbOption = None,
) -> None:
    """Write the newest version of every line of every item (or of --spec's items), or a frozen --form, to OUT.

    A line is an item's versions in one language and variant: the source and each translation
    or read-aloud variant are separate QTI items (xml:lang set; identifier CODE for the source,
    CODE-LANGUAGE for a translation). --language keeps one language's lines."""
    from itembank.io.qti.export import export_package

    with bank_session(db) as session:
        report = export_package(session, out, specification=spec, form=form, administration=admin,
                                version=version.value, mr_scoring="partial" if partial else "all_or_nothing",
                                statistics=statistics, language=language)
    what = f"{report.items} items" + (f" and the test of form {report.test}" if report.test else "")
    what += f", {report.statistics} item statistics" if report.statistics else ""
    typer.echo(f"{report.file}: QTI {report.version} package with {what}")
    for note in report.notes:
        typer.echo(f"  note: {note}")


@qti_app.command("import")
def import_cli(
    file: Annotated[Path, typer.Argument(help="A QTI 3.0 or 2.1/2.2 package (.zip) or one item file (.xml)")],
    spec: Annotated[str | None, typer.Option("--spec", help="File new items under this test specification")] = None,
    db: DbOption = None,
    user: UserOption = None,
) -> None:
    """Store the items in FILE: new items, or the next version of an existing code; all or nothing."""
    from itembank.io.qti.reader import import_package

    with bank_session(db) as session:
        report = import_package(session, file, actor=current_user(user), specification=spec)
    typer.echo(report.summary())
    for note in report.notes:
        typer.echo(f"  note: {note}")
