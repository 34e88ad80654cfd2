"""``itembank calibrate ADMIN --model 2pl``: an IRT calibration of a sitting, stored in the bank."""

from __future__ import annotations

from typing import Annotated

import typer

from itembank.cli.choices import IrtEngineChoice, IrtModelChoice, IrtSeChoice, LinkingChoice
from itembank.cli.common import (
    DbOption,
    UserOption,
    bank_session,
    current_user,
    echo_table,
)

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate_cli)


def calibrate_cli(
    admin: str,
    model: Annotated[IrtModelChoice, typer.Option("--model", help="IRT model")] = IrtModelChoice.twopl,
    engine: Annotated[IrtEngineChoice, typer.Option(
        "--engine", help="em: itembank's EM (fast); girth: girth's estimates polished by the EM")] = IrtEngineChoice.em,
    se: Annotated[IrtSeChoice, typer.Option("--se", help="Standard errors")] = IrtSeChoice.observed,
    base: Annotated[bool, typer.Option(
        "--base", help="This calibration defines the bank scale of its specification (the first one does anyway)")
    ] = False,
    linking: Annotated[LinkingChoice, typer.Option(
        "--linking", help="How common items link it to the bank scale")] = LinkingChoice.stocking_lord,
    relink: Annotated[bool, typer.Option(
        "--relink", help="Fit nothing: link ADMIN's newest calibration to the bank scale again (after more of "
                         "its items are on the scale)")] = False,
    db: DbOption = None,
    user: UserOption = None,
) -> None:
    """Calibrate an IRT model on ADMIN's scored responses (decisions applied), store it and link
    it to the bank scale through the items it shares with calibrations already on that scale."""
    # Imported here: `itembank --help` should not wait for pandas and SciPy.
    from itembank.display import shown, shown_or
    from itembank.progress import step
    from itembank.services import calibrations

    if relink:
        with bank_session(db) as session:
            link = calibrations.relink_newest(session, admin, method=linking.value, base=base,
                                              actor=current_user(user))
            typer.echo(_scale_line(link, cal_id=link.calibration_id))
        return
    with bank_session(db) as session, step(f"Calibrating {admin} ({model.value})"):
        stored = calibrations.add_calibration(session, admin, model=model.value, engine=engine.value,
                                              se=se.value, base=base, linking=linking.value,
                                              actor=current_user(user))
        cal = stored.calibration
        summary = (cal.id, cal.engine, cal.engine_version, cal.data_hash, cal.loglik, cal.aic, cal.bic,
                   cal.converged, cal.iterations, cal.n_candidates)
        scale_line = _scale_line(stored.link, cal_id=cal.id)
    cal_id, eng, version, digest, loglik, aic, bic, converged, iterations, n = summary
    table = stored.fit.items
    params = [c for c in table.columns if c != "n" and not c.startswith("se_")]
    fit = stored.item_fit
    header = ["item", "n"]
    for c in params:
        header += [c, f"SE({c})"]
    header += ["infit", "outfit"]
    rows = []
    for item, r in table.iterrows():
        cells = [str(item), str(int(r["n"]))]
        for c in params:
            cells += [shown_or(r[c], "irt_parameter"), shown_or(r.get(f"se_{c}"), "irt_parameter")]
        cells += [shown_or(fit.at[item, "infit"], "item_fit"), shown_or(fit.at[item, "outfit"], "item_fit")]
        rows.append(cells)
    echo_table(rows, header)
    typer.echo("")
    typer.echo(f"Calibration {cal_id} of {admin} stored: {model.value}, {n} candidates, log-likelihood "
               f"{shown(loglik, 'loglik')}, AIC {shown(aic, 'loglik')}, BIC {shown(bic, 'loglik')}, "
               f"{'converged' if converged else 'NOT converged'} in {iterations} EM iterations")
    typer.echo(f"engine {eng} ({version}); data SHA-256 {digest}")
    typer.echo("Logistic metric (D = 1), ability N(0, 1) in this sitting; '-' = fixed or not estimated.")
    typer.echo(scale_line)
    for note in stored.notes:
        typer.echo(f"Note: {note}")



def _scale_line(link: object, *, cal_id: int) -> str:
    """How the stored calibration stands to the bank scale, in one line (text.py wording)."""
    from itembank.display import shown
    from itembank.text import t

    status = getattr(link, "status", "unlinked")
    if status == "base":
        return t("scale_base", id=cal_id)
    if status == "linked":
        A, B = shown(link.A, "irt_parameter"), shown(link.B, "irt_parameter")  # type: ignore[attr-defined]
        if link.method == "same_sitting":  # type: ignore[attr-defined]
            return t("scale_same_sitting", to=link.linked_to_id, A=A, B=B)  # type: ignore[attr-defined]
        return t("scale_linked", to=link.linked_to_id, n=link.n_common, method=link.method,  # type: ignore[attr-defined]
                 A=A, B=B)
    return t("scale_unlinked", id=cal_id, note=getattr(link, "note", "not linked"))
