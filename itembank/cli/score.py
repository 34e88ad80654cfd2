"""``itembank score``: score a form's responses under a rule set.

Database mode — an administration, with every decision taken so far::

    itembank score ADMIN [--db URL] [--out RESULTS.csv]

File mode (no database)::

    itembank score --form FORM.csv --responses RESPONSES.csv --rules RULES.toml \\
        [--decisions DECISIONS.csv] --out RESULTS.csv

The command only parses options, calls :func:`itembank.io.scoring_files.score_files` and prints a
summary; a :class:`~itembank.errors.UserError` goes to stderr with exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from itembank.cli.common import DbOption, bank_session, fail, user_errors
from itembank.errors import UserError

if TYPE_CHECKING:
    from itembank.scoring.engine import ScoringResult

__all__ = ["register", "score_command", "summary"]


def summary(result: ScoringResult) -> str:
    """A few lines for the terminal: candidates, maxima and cuts, outcome counts."""
    from itembank.scoring.grades import format_fraction

    lines = [f"{len(result.candidates)} candidates scored; total maximum {format_fraction(result.maxima['total'])}"]
    if result.voided:
        lines.append(f"voided items: {', '.join(result.voided)}")
    if result.cuts:
        lines.append("cuts: " + ", ".join(f"{name} {format_fraction(cut)}" for name, cut in result.cuts.items()))
    counts = result.candidates["outcome"].value_counts()
    lines.append("outcomes: " + ", ".join(f"{label} {count}" for label, count in counts.items()))
    if len(result.disagreements):
        lines.append(f"{len(result.disagreements)} open-item gradings differ beyond the threshold: third grading needed")
    return "\n".join(lines)


def score_command(
    admin: Annotated[Optional[str], typer.Argument(help="Administration code (database mode)")] = None,
    db: DbOption = None,
    form: Annotated[Optional[Path], typer.Option("--form", help="FORM.csv: item, part, type, options, key, max_score, weight")] = None,
    responses: Annotated[Optional[Path], typer.Option("--responses", help="RESPONSES.csv: candidate, one column per item (<item>#2 for a second grader)")] = None,
    rules: Annotated[Optional[Path], typer.Option("--rules", help="RULES.toml rule set")] = None,
    decisions: Annotated[Optional[Path], typer.Option("--decisions", help="DECISIONS.csv: item, action, value, reason")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="where to write RESULTS.csv")] = None,
) -> None:
    """Score an administration (ADMIN), or FORM/RESPONSES/RULES files, and write RESULTS.csv."""
    # Imported here: `itembank --help` should not wait for pandas.
    from itembank.io.scoring_files import score_files, write_results
    from itembank.progress import step
    from itembank.services import results

    if admin is not None:
        if form or responses or rules or decisions:
            raise fail("give either ADMIN or --form/--responses/--rules, not both")
        with bank_session(db) as session, step(f"Scoring {admin}"):
            result = results.score_administration(session, admin)
        typer.echo(summary(result))
        if out is not None:
            with user_errors():  # e.g. --out in a folder that does not exist
                write_results(result, out)
            typer.echo(f"results written to {out}")
        return
    with user_errors():
        missing = [flag for flag, value in (("--form", form), ("--responses", responses), ("--rules", rules), ("--out", out)) if value is None]
        if missing:
            raise UserError(f"file mode needs {', '.join(missing)}")
        assert form and responses and rules and out  # narrowed above, for the type checker
        with step(f"Scoring {responses.name}"):
            result = score_files(form=form, responses=responses, rules=rules, decisions=decisions, out=out)
    typer.echo(summary(result))
    typer.echo(f"results written to {out}")


def register(app: typer.Typer) -> None:
    """Add ``score`` to the root app (called by :mod:`itembank.cli`)."""
    app.command("score")(score_command)
