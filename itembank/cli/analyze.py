"""``itembank analyze ADMIN``: item statistics with flags, reliability and score distribution."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from itembank.cli.choices import TableFormat
from itembank.cli.common import DbOption, UserOption, bank_session, current_user, echo_table

if TYPE_CHECKING:
    from itembank.services.item_analysis import CutClassification

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_cli)


def _decision_line(c: CutClassification | None) -> str:
    """The decision accuracy/consistency line (:func:`classification_at_cut`'s numbers)."""
    from itembank.text import t

    if c is None:
        return t("cli_decision_no_cut")
    if c.estimate is None:
        return t("cli_decision_unavailable", **c.shown(), reason=c.reason)
    return t("cli_decision", **c.shown())


def _decision_json(c: CutClassification | None) -> dict[str, Any] | None:
    """The same numbers unrounded, for --format json (None without a cut)."""
    if c is None:
        return None
    e = c.estimate
    out = {"cut": float(c.cut), "maximum": float(c.maximum), "reliability": c.reliability,
           "candidates": c.candidates, "method": "livingston_lewis", "reason": c.reason}
    if e is not None:
        out |= {"consistency": e.consistency, "accuracy": e.accuracy, "kappa": e.kappa,
                "false_pass": e.false_pass, "false_fail": e.false_fail, "effective_length": e.effective_length,
                "true_score_model": {"alpha": float(e.model.alpha), "beta": float(e.model.beta),
                                     "lower": float(e.model.lower), "upper": float(e.model.upper),
                                     "parameters": e.model.parameters}}
    return out


def analyze_cli(
    admin: str,
    db: DbOption = None,
    format: Annotated[TableFormat, typer.Option("--format", help="Output format")] = TableFormat.table,
    store: Annotated[bool, typer.Option(
        "--store", help="Keep these item statistics in the bank as provisional (replaced by the next "
        "--store or release; 'itembank items stats CODE' shows them)")] = False,
    user: UserOption = None,
) -> None:
    """Classical item analysis of ADMIN, with the committee's decisions applied."""
    # Imported here: `itembank --help` should not wait for pandas and SciPy.
    from analysis.flags import item_messages
    from itembank.display import shown, shown_against
    from itembank.progress import step
    from itembank.services.item_analysis import analyze_administration
    from itembank.services.item_statistics import add_provisional_statistics

    with bank_session(db) as session, step(f"Analysing {admin}"):
        if store:
            a = add_provisional_statistics(session, admin, actor=current_user(user)).analysis
        else:
            a = analyze_administration(session, admin)
    stats = a.statistics
    if format is TableFormat.csv:
        typer.echo(stats.to_csv(index_label="item"), nl=False)
        return
    rel = a.reliability
    if format is TableFormat.json:
        typer.echo(json.dumps({
            "administration": admin,
            "items": json.loads(stats.reset_index(names="item").to_json(orient="records")),
            "flags": json.loads(a.flags.to_json(orient="records")),
            "reliability": {k: v for k, v in asdict(rel).items()},
            "distribution": {k: (dict(v) if k == "percentiles" else v) for k, v in asdict(a.distribution).items()},
            "decision_at_cut": _decision_json(a.classification),
        }, indent=1, default=str))
        return
    columns = ("n", "p", "rit", "rir", "alpha_if_deleted")
    # p and Rir are flagged against the analysis's limits: shown
    # so that rounding does not hide a flag (a Rir of 0.197 reads 0.197, not 0.20)
    limits = {c: a.thresholds.limits(c) for c in columns}
    rows = [[str(i), *(shown_against(r[c], limits[c], c) for c in columns), r["flags"]]
            for i, r in stats.iterrows()]
    echo_table(rows, ["item", "n", "p", "Rit", "Rir", "alpha if del.", "flags"])
    typer.echo("")
    typer.echo(f"Reliability: alpha {shown(rel.alpha, 'alpha')}, Guttman lambda-2 {shown(rel.lambda2, 'lambda2')}, "
               f"split-half {shown(rel.split_half, 'split_half')}, SEM {shown(rel.sem, 'sem')} "
               f"({rel.n_items} items, {rel.n_candidates} candidates)")
    typer.echo(_decision_line(a.classification))
    d = a.distribution
    typer.echo(f"Scores: mean {shown(d.mean, 'score_mean')}, SD {shown(d.sd, 'score_sd')}, min {d.min:g}, "
               f"median {d.median:g}, max {d.max:g} (maximum {d.max_score:g})")
    if len(a.flags):
        typer.echo("")
        typer.echo("Flags for the committee:")
        # The sentences do not name the item (the dashboard shows them under its heading):
        # the item code heads its sentences here, each sentence once.
        for item in dict.fromkeys(a.flags["item"]):
            typer.echo(f"  {item}")
            for severity, message in item_messages(a.flags, item):
                typer.echo(f"    [{severity}] {message}")
    if store:
        typer.echo("")
        typer.echo(f"Stored as provisional item statistics of {admin} (replaced by the next --store or the release).")
