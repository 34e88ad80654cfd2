"""``itembank irt ADMIN``: the sitting's stored IRT calibration for the committee — the model
and where it came from, the item parameters with standard errors, item fit with p-values, and
the test information with the conditional SEM at the cut (the dashboard's IRT view,
:func:`itembank.services.irt_summary.calibration_summary`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from itembank.cli.choices import IrtModelChoice
from itembank.cli.common import DbOption, bank_session, echo_table

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("irt")(irt_cli)


def irt_cli(
    admin: str,
    model: Annotated[IrtModelChoice | None, typer.Option(
        "--model", help="Show the newest calibration of this model [default: the newest rasch/1pl/2pl/3pl one]")] = None,
    calibration: Annotated[int | None, typer.Option(
        "--calibration", help="Show this calibration (its number, as 'itembank calibrate' printed it)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every number in full as JSON")] = False,
    db: DbOption = None,
) -> None:
    """The stored IRT calibration of ADMIN: parameters, item fit and the SEM at the cut score.

    Shows the newest calibration (rasch/1pl/2pl/3pl first) unless --model or --calibration
    says otherwise: model, engine, date and data hash; per item the parameters with standard
    errors and the infit/outfit with p-values; the test information and the conditional
    standard error of measurement at the cut score (cesuur) on the ability scale θ.
    Make a calibration first with 'itembank calibrate ADMIN --model 2pl'."""
    from itembank.cli.dif import records
    from itembank.display import fixed_or, shown, shown_or
    from itembank.services.administration_data import load_administration
    from itembank.services.calibrations import DICHOTOMOUS_MODELS
    from itembank.services.irt_summary import MISFIT_ALPHA, MISFIT_MEAN_SQUARE, calibration_summary

    with bank_session(db) as session:
        result = load_administration(session, admin).score(candidates=[])
        cut = result.cuts.get("total")
        s = calibration_summary(session, admin, cut=None if cut is None else float(cut),
                                maximum=float(result.maxima["total"]),
                                model=None if model is None else model.value, calibration_id=calibration)
        cal = s.calibration
        facts = {"calibration": cal.id, "administration": admin, "model": cal.model, "engine": cal.engine,
                 "engine_version": cal.engine_version, "created_at": f"{cal.created_at:%Y-%m-%d %H:%M}",
                 "created_by": cal.created_by, "data_hash": cal.data_hash, "n_candidates": cal.n_candidates,
                 "loglik": cal.loglik, "aic": cal.aic, "bic": cal.bic, "converged": cal.converged}
    info = s.information
    at_cut = {"cut": s.cut, "maximum": s.maximum, "cut_theta": info.cut_theta, "csem_at_cut": info.csem_at_cut,
              "information_at_cut": None if info.csem_at_cut is None else 1 / info.csem_at_cut ** 2}
    if as_json:
        items = s.items.reset_index(names="item")
        typer.echo(json.dumps({**facts, "parameters": s.parameters,
                               "items": records(items),
                               "misfitting": s.misfitting, **at_cut, "left_out": list(info.left_out),
                               "theta": info.theta.tolist(), "information": info.information.tolist()}, indent=1))
        return

    typer.echo(f"Calibration {cal.id} of {admin}: model {cal.model}, engine {cal.engine}, "
               f"{facts['created_at']} UTC by {cal.created_by}, {cal.n_candidates} candidates")
    typer.echo(f"  software: {cal.engine_version}")
    typer.echo(f"  data SHA-256: {cal.data_hash}")
    typer.echo(f"  log-likelihood {shown(cal.loglik, 'loglik')}, AIC {shown(cal.aic, 'loglik')}, "
               f"BIC {shown(cal.bic, 'loglik')}, {'converged' if cal.converged else 'NOT converged'}")
    typer.echo("")
    header = ["item", "n"]
    for p in s.parameters:
        header += [p, f"SE({p})"]
    header += ["infit", "z", "p", "outfit", "z", "p", "misfit"]
    rows = []
    for item, r in s.items.iterrows():
        cells = [str(item), str(int(r["n"]))]
        for p in s.parameters:
            cells += [shown_or(r[p], "irt_parameter"), shown_or(r.get(f"se_{p}"), "irt_parameter")]
        cells += [shown_or(r["infit"], "item_fit"), fixed_or(r["infit_z"], 2), fixed_or(r["infit_p"], 3),
                  shown_or(r["outfit"], "item_fit"), fixed_or(r["outfit_z"], 2), fixed_or(r["outfit_p"], 3),
                  "MISFIT" if r["misfit"] else ""]
        rows.append(cells)
    echo_table(rows, header)
    typer.echo("Logistic metric (D = 1), ability N(0, 1) in the calibrated sitting; '-' = fixed or not estimated.")
    typer.echo(f"Item fit: infit/outfit mean squares (about 1 is good), z (Wilson-Hilferty) and two-sided p; "
               f"MISFIT = mean square above {MISFIT_MEAN_SQUARE:g} with p < {MISFIT_ALPHA:g}.")
    typer.echo("")
    if s.cut is None:
        typer.echo("Cut score: none for the total, so no measurement error at the cut.")
    elif info.cut_theta is None:
        why = ("the model has no test characteristic curve for a number-correct cut here"
               if cal.model not in DICHOTOMOUS_MODELS
               else "the cut lies outside what the items' expected score can reach")
        typer.echo(f"Cut score {s.cut:g} of {s.maximum:g}: no θ for it ({why}).")
    else:
        typer.echo(f"Cut score {s.cut:g} of {s.maximum:g} points -> θ {fixed_or(info.cut_theta, 3)} on the "
                   f"test characteristic curve; test information there {fixed_or(at_cut['information_at_cut'], 3)}, "
                   f"conditional SEM {fixed_or(info.csem_at_cut, 3)} (in θ)")
    peak = int(info.information.argmax())
    typer.echo(f"Test information is highest at θ {fixed_or(float(info.theta[peak]), 2)} "
               f"({fixed_or(float(info.information[peak]), 3)}, SEM {fixed_or(float(info.csem[peak]), 3)}).")
    if info.left_out:
        typer.echo(f"Left out of the test information (slope a <= 0, usually a miskey): {', '.join(info.left_out)}")
