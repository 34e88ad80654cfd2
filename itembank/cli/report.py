"""``itembank report``: the committee's reports as HTML or PDF.

``itembank report ADMIN --out report.pdf`` is short for ``itembank report administration
ADMIN --out report.pdf`` (the administration report); ``itembank report evaluation SPEC
--from DATE --to DATE --out …`` is the yearly evaluation. Each parses, calls one
:mod:`itembank.reports` function and prints where the file went.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from itembank.cli.common import DbOption, bank_session

__all__ = ["register"]

OutOption = Annotated[Path, typer.Option("--out", help="The report file: .html or .pdf (same content)")]


class _ReportGroup(TyperGroup):
    """``report ADMIN ...`` runs ``report administration ADMIN ...``: the administration
    report is the everyday one, so its subcommand name may be left out."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["administration", *args]
        return super().parse_args(ctx, args)


report_app = typer.Typer(
    cls=_ReportGroup, no_args_is_help=True,
    help="The committee's reports as HTML or PDF: 'itembank report ADMIN --out report.pdf' for one "
         "administration, 'itembank report evaluation SPEC --from DATE --to DATE --out ...' for a period.")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


def _written(path: Path) -> None:
    from itembank.reports.charts import browser_path

    if browser_path() is None:
        typer.echo("Note: no Chrome/Chromium for Kaleido, so the report has no charts "
                   "(apt-get install chromium); every number is in its tables.", err=True)
    typer.echo(f"report written to {path}")


@report_app.command("administration")
def administration_cli(admin: str, out: OutOption, db: DbOption = None) -> None:
    """The administration report (toetsrapport) of ADMIN: scores, reliability, items and flags,
    distractors of the flagged items, decisions, cut score, conversion table, pass rates, release."""
    from itembank.progress import step
    from itembank.reports import administration_report, check_output

    check_output(out)
    with bank_session(db) as session, step(f"Writing the report of {admin}"):
        path = administration_report(session, admin, out)
    _written(path)


@report_app.command("evaluation")
def evaluation_cli(
    spec: str,
    out: OutOption,
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First sitting date (YYYY-MM-DD)")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last sitting date (YYYY-MM-DD)")],
    db: DbOption = None,
) -> None:
    """The evaluation of test specification SPEC over the sittings from --from to --to: sittings,
    candidates, pass rates and reliability over time, items most often voided or flagged, bank health."""
    from itembank.progress import step
    from itembank.reports import check_output, evaluation_report

    check_output(out)
    with bank_session(db) as session, step(f"Writing the evaluation of {spec}"):
        path = evaluation_report(session, spec, start.date(), end.date(), out)
    _written(path)
