"""``itembank dif ADMIN --group ATTRIBUTE``: differential item functioning between groups of
candidates (Mantel–Haenszel with the ETS A/B/C classes, logistic regression), through
:func:`itembank.services.dif.attribute_dif` — the numbers are :mod:`analysis.dif`'s."""

from __future__ import annotations

import json
import math
from enum import Enum
from typing import Annotated

import typer

from itembank.cli.choices import TableFormat
from itembank.cli.common import DbOption, bank_session, echo_table

__all__ = ["register"]


class DifMethodChoice(str, Enum):
    """= :data:`itembank.services.dif.DIF_METHODS`."""

    mh = "mh"
    logistic = "logistic"
    both = "both"


def register(app: typer.Typer) -> None:
    app.command("dif")(dif_cli)


def records(frame: object) -> list[dict[str, object]]:
    """A DataFrame's rows as JSON-ready dicts with every float in full (repr precision; NaN as
    null), so that a script reading ``--format json`` gets exactly the numbers computed."""
    out = []
    for row in frame.to_dict(orient="records"):  # type: ignore[attr-defined]
        clean = {}
        for k, v in row.items():
            v = v.item() if hasattr(v, "item") else v
            clean[str(k)] = None if isinstance(v, float) and math.isnan(v) else v
        out.append(clean)
    return out


def dif_cli(
    admin: str,
    group: Annotated[str, typer.Option("--group", help="The candidates' attribute that forms the groups, e.g. language")],
    focal: Annotated[str | None, typer.Option(
        "--focal",
        help="The focal group (a value of the attribute, e.g. en) [default: every group but the largest]")] = None,
    method: Annotated[DifMethodChoice, typer.Option(
        "--method", help="mh: Mantel-Haenszel with ETS classes A/B/C; logistic: logistic regression "
        "(uniform and non-uniform DIF); both")] = DifMethodChoice.both,
    format: Annotated[TableFormat, typer.Option("--format", help="Output format (csv and json: every number in full)")]
    = TableFormat.table,
    db: DbOption = None,
) -> None:
    """Differential item functioning (DIF) in ADMIN between groups of candidates.

    Do candidates with the same total score but from different groups (--group language
    --focal en) have different chances on an item? Each focal group is compared with the
    largest other group, matched on the total score: Mantel-Haenszel with the ETS classes
    A/B/C, and logistic regression for uniform and non-uniform DIF. Items worth one point
    only; each group needs at least 100 candidates."""
    from itembank.display import fixed_or
    from itembank.services import administrations
    from itembank.services.administration_data import load_administration
    from itembank.services.dif import MIN_GROUP, attribute_dif

    with bank_session(db) as session:
        result = load_administration(session, admin).score()
        attributes = administrations.get_attributes(session, admin)
        d = attribute_dif(result, attributes, group, focal=focal, method=method.value)

    import pandas as pd

    frames = []
    for f, ref in d.reference.items():
        parts = [d.mh[f]] if f in d.mh else []
        if f in d.logistic:  # the group sizes once: the MH table has them already
            parts.append(d.logistic[f].drop(columns=["n_reference", "n_focal"]) if parts else d.logistic[f])
        frame = pd.concat(parts, axis=1).reset_index(names="item")
        frame.insert(0, "reference", ref)
        frame.insert(0, "focal", f)
        frame.insert(0, "attribute", group)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    if format is TableFormat.csv:
        typer.echo(table.to_csv(index=False), nl=False)
        return
    if format is TableFormat.json:
        typer.echo(json.dumps({"administration": admin, "attribute": group, "method": method.value,
                               "groups": d.counts, "skipped": [{"group": g, "n": n} for g, n in d.skipped],
                               "rows": records(table)}, indent=1))
        return

    typer.echo(f"DIF in {admin} by {group}: groups " + ", ".join(f"{g} ({n})" for g, n in d.counts.items()))
    for f, ref in d.reference.items():
        typer.echo("")
        typer.echo(f"Focal group {group} = {f} against reference {group} = {ref}, matched on the total score")
        header = ["item"]
        if f in d.mh:
            header += ["n ref", "n foc", "MH D-DIF", "SE", "chi2", "p", "ETS"]
        if f in d.logistic:
            header += ["LR chi2 unif.", "p", "chi2 non-unif.", "p", "dR2", "Z&T", "J&G"]
        rows = []
        for item in (d.mh.get(f) if f in d.mh else d.logistic[f]).index:
            cells = [str(item)]
            if f in d.mh:
                m = d.mh[f].loc[item]
                cells += [str(int(m["n_reference"])), str(int(m["n_focal"])), fixed_or(m["mh_d_dif"], 2),
                          fixed_or(m["se_mh_d_dif"], 2), fixed_or(m["chi2_mh"], 2), fixed_or(m["p_value"], 3),
                          str(m["ets_class"])]
            if f in d.logistic:
                lr = d.logistic[f].loc[item]
                cells += [fixed_or(lr["chi2_uniform"], 2), fixed_or(lr["p_uniform"], 3),
                          fixed_or(lr["chi2_nonuniform"], 2),
                          fixed_or(lr["p_nonuniform"], 3), fixed_or(lr["r2_delta_total"], 3),
                          str(lr["zumbo_thomas_class"] or "-"), str(lr["jodoin_gierl_class"] or "-")]
            rows.append(cells)
        echo_table(rows, header)
    typer.echo("")
    if d.method in ("mh", "both"):
        typer.echo("MH D-DIF = -2.35 ln(alpha_MH): negative favours the reference group. ETS classes: A negligible, "
                   "B moderate, C large DIF (|MH D-DIF| >= 1.5 and significantly above 1): review C items.")
    if d.method in ("logistic", "both"):
        typer.echo("Logistic regression: likelihood-ratio chi-square for uniform and non-uniform DIF (1 df each); "
                   "dR2 = Nagelkerke R-squared change (2 df test), classed A/B/C by Zumbo & Thomas and Jodoin & Gierl.")
    for g, n in d.skipped:
        typer.echo(f"Not analysed: {group} = {g} has {n} candidates (at least {MIN_GROUP} needed).")
