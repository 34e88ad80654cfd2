"""Commands for the bank itself: ``init``, ``demo`` and ``items ...``."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from itembank.cli.choices import ReviewStatusChoice
from itembank.cli.common import DbOption, UserOption, bank_session, current_user, echo_table, fail, in_range

# Services are imported inside each command: `itembank --help` and `items list` start without
# pandas, SciPy or Alembic (each is imported only by the commands that use it).

__all__ = ["register"]

class VariantChoice(str, Enum):
    """= :class:`itembank.storage.models.Variant` (written out: ``--help`` starts without the models;
    tests/itembank/test_item_lines.py checks the two agree)."""

    standard = "standard"
    read_aloud = "read_aloud"


items_app = typer.Typer(help="List, show, import and export items.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init_cli)
    app.command("demo")(demo_cli)
    app.add_typer(items_app, name="items")


def init_cli(db: DbOption = None) -> None:
    """Create the bank's tables, or upgrade them to the newest schema."""
    from itembank.storage.db import resolve_url

    with bank_session(db, create=True):
        pass
    typer.echo(f"Item bank ready at {resolve_url(db)}")


def demo_cli(
    db: DbOption = None,
    replace: Annotated[bool, typer.Option("--replace", help="Delete an existing demo file first")] = False,
) -> None:
    """Build the demo bank: 320 approved items, a blueprint, a frozen form and 600 candidates."""
    from itembank import demo
    from itembank.storage.db import resolve_url

    target = db or "itembank-demo.db"
    url = resolve_url(target)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists():
            if not replace:
                raise fail(f"{path} exists already; use --replace to rebuild the demo there")
            path.unlink()
    from itembank.progress import step

    with bank_session(target, create=True) as session, step("Building the demo bank"):
        summary = demo.build_demo(session)
    truth = Path(url.removeprefix("sqlite:///") + ".true-parameters.csv") if url.startswith("sqlite:///") \
        else Path("itembank-demo.true-parameters.csv")
    demo.write_truth(truth)
    from dataclasses import replace as dc_replace

    typer.echo(dc_replace(summary, db=target, truth_file=str(truth)).text())


@items_app.command("list")
def list_cli(
    db: DbOption = None,
    tag: Annotated[str | None, typer.Option(help="Tag code, optionally with its dimension: objective:LO3")] = None,
    status: Annotated[ReviewStatusChoice | None, typer.Option(help="Review status")] = None,
    language: Annotated[str | None, typer.Option(help="Language code, e.g. nl or en")] = None,
    text: Annotated[str | None, typer.Option(help="Words in the code, stem or options")] = None,
    spec: Annotated[str | None, typer.Option(help="Test specification code")] = None,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Every version, not only the newest")] = False,
) -> None:
    """List items matching the filters: the newest version of each item's source line.

    An item's lines are its versions per language and variant (the source, translations, the
    read-aloud variant). Without --language each item is one row, the newest version of its
    source line, and "lines" lists its lines (source first, "(out of date)" when a line was
    made from an older source version); with --language the newest version of each line in
    that language."""
    from itembank.services import bank

    with bank_session(db) as session:
        listed = bank.list_items(session, specification=spec, tag=tag, status=status.value if status else None,
                                 language=language, text=text, all_versions=all_versions)
        rows = []
        for v, lines in listed:
            tags = ",".join(t.code for t in v.tags)
            stem = v.stem.replace("\n", " ")
            rows.append([v.item.code, str(v.number), v.review.status.value, v.language, lines, tags,
                         stem[:60] + ("..." if len(stem) > 60 else "")])
    echo_table(rows, ["code", "version", "status", "lang", "lines", "tags", "stem"])
    typer.echo(f"{len(rows)} item version(s)")


@items_app.command("show")
def show_cli(
    code: str,
    db: DbOption = None,
    version: Annotated[int | None, typer.Option(help="Version number [default: the newest of the line]")] = None,
    language: Annotated[str | None, typer.Option(
        help="Show this language's line, e.g. en [default: the item's source language]")] = None,
    variant: Annotated[VariantChoice | None, typer.Option(help="Show this variant's line [default: standard]")] = None,
) -> None:
    """Show one item version: stem, options with the key marked, tags, status, exposure, and
    the item's lines (its versions per language and variant).

    By default the newest version of the item's source line (the language and variant of its
    first version), so a translation never hides the source; --language/--variant show another
    line's newest version, --version any one version."""
    from itembank.services import bank
    from itembank.storage.models import ReviewState
    from itembank.text import t

    if version is not None and (language or variant):
        raise fail("give --version or --language/--variant, not both")
    with bank_session(db) as session:
        if version is None:
            v = bank.get_line_version(session, code, language, variant.value if variant else None)
        else:
            v = bank.get_version(session, code, version)
        lines = bank.item_lines(session, code)
        state = session.get(ReviewState, v.id)
        exp = bank.exposure(session, code, v.number)[0]
        line = next(x for x in lines if x.key == bank.line_of(v))
        where = (f"newest {line.label}" + (", the source" if line.is_source else "")
                 if v.number == line.newest else f"{line.label}, newest of its line is {line.newest}")
        typer.echo(f"{v.item.code}  version {v.number} ({where})  [{state.status.value}]")
        stale = bank.out_of_date(session, code, v.number)
        if stale:
            typer.echo(t("line_out_of_date", made=stale[0], newest=stale[1]))
        typer.echo(f"type {v.item_type.value}, max score {v.max_score}, language {v.language}, "
                   f"variant {v.variant.value}, by {v.author} at {v.created_at:%Y-%m-%d %H:%M} UTC")
        typer.echo(f"tags: {', '.join(f'{t.dimension.value}:{t.code}' for t in v.tags) or '-'}")
        typer.echo(f"item set: {v.item.item_set.code if v.item.item_set else '-'}")
        typer.echo("")
        typer.echo(v.stem)
        for o in v.options:
            mark = "*" if o["label"] in v.key else " "
            typer.echo(f" {mark} {o['label']}) {o['text']}")
        typer.echo("")
        typer.echo(f"change note: {v.change_note or '-'}")
        typer.echo(f"used on {exp.n_forms} form(s) {', '.join(exp.forms)}; "
                   f"{exp.n_administrations} administration(s), {exp.n_candidates} candidates; "
                   f"last used {exp.last_used or 'never'}")
        from itembank.services.calibrations import current_parameters, link_in_force

        irt = current_parameters(session, [v.id])
        scale_notes = []
        if len(irt) == 0:  # calibrated, but not on the bank scale yet?
            own = current_parameters(session, [v.id], scale="own")
            if len(own):
                r = own.iloc[0]
                link = link_in_force(session, int(r["calibration_id"]))
                irt = None
                scale_notes.append(t("scale_show_none", id=int(r["calibration_id"]), admin=r["administration"],
                                     note=link.note if link is not None else "never linked"))
        elif irt.iloc[0]["newer_unlinked"] == irt.iloc[0]["newer_unlinked"]:  # not NaN
            scale_notes.append(t("scale_show_newer", id=int(irt.iloc[0]["newer_unlinked"])))
    if irt is not None:
        typer.echo(_irt_line(irt))
    for note in scale_notes:
        typer.echo(note)
    typer.echo("")
    typer.echo("Lines (language, variant): show one with --language/--variant")
    echo_table([[x.label, str(x.newest), x.status.value, _made_from(x)] for x in lines],
               ["line", "newest", "status", "translated from"])


def _made_from(line: object) -> str:
    """The source version a line's newest version was made from, and whether it is out of date."""
    from itembank.text import t

    if line.is_source:  # type: ignore[attr-defined]
        return t("line_source")
    made = line.translated_from  # type: ignore[attr-defined]
    if made is None:
        return t("line_unknown_source")
    text = t("line_from", made=made)
    return text + ", " + t("line_out_of_date", made=made, newest=line.source_newest) \
        if line.out_of_date else text  # type: ignore[attr-defined]


@items_app.command("set")
def set_cli(
    code: str,
    set_code: Annotated[str | None, typer.Argument(help="The item set's code (omit with --none)")] = None,
    no_set: Annotated[bool, typer.Option("--none", help="Take the item out of its item set")] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the item's history)")] = "",
    db: DbOption = None,
    user: UserOption = None,
) -> None:
    """Put an existing item into an item set (items sharing one stimulus), or out of it with --none."""
    from itembank.services import bank

    if no_set == bool(set_code):
        raise fail("name the item set (itembank items set CODE SET_CODE) or give --none, not both")
    with bank_session(db) as session:
        item = bank.assign_item_set(session, code, None if no_set else set_code, actor=current_user(user),
                                    reason=reason)
        now = item.item_set.code if item.item_set else None
    typer.echo(f"{code} is now in item set {now}" if now else f"{code} is now in no item set")


def _irt_line(current: object) -> str:
    """The version's current IRT parameters (its newest calibration) in one line."""
    import math

    from itembank.display import shown

    if len(current) == 0:  # type: ignore[arg-type]
        return "IRT parameters: none (not calibrated yet: itembank calibrate ADMIN)"
    r = current.iloc[0]  # type: ignore[attr-defined]
    names = [c for c in r.index if c in ("a", "b", "c") or (c.startswith("b") and c[1:].isdigit())]
    parts = []
    for c in names:
        if isinstance(r[c], float) and math.isnan(r[c]):
            continue
        se = r.get(f"se_{c}", float("nan"))
        fixed = isinstance(se, float) and math.isnan(se)
        parts.append(f"{c} {shown(r[c], 'irt_parameter')}" + ("" if fixed else f" (SE {shown(se, 'irt_parameter')})"))
    from itembank.text import t

    scale = (t("scale_show_base") if r.get("scale") == "base" else
             t("scale_show_linked", A=shown(r["link_A"], "irt_parameter"), B=shown(r["link_B"], "irt_parameter"),
               method=r.get("link_method") or "") if r.get("scale") == "linked" else "")
    return (f"IRT parameters ({r['model']}, calibration {r['calibration_id']} on {r['administration']}, "
            f"{r['calibrated_at']:%Y-%m-%d}{', ' + scale if scale else ''}): {', '.join(parts)}")


@items_app.command("history")
def history_cli(code: str, db: DbOption = None) -> None:
    """Everything that happened to an item: versions, review steps, tags."""
    from itembank.services import bank

    with bank_session(db) as session:
        entries = bank.item_history(session, code)
    echo_table([[f"{e.at:%Y-%m-%d %H:%M}", e.actor, str(e.version or ""), e.what, e.detail] for e in entries],
               ["when (UTC)", "who", "version", "what", "detail"])


@items_app.command("review")
def review_cli(code: str, version: int,
               status: Annotated[ReviewStatusChoice, typer.Argument(help="The next step: in_review, approved, draft "
                                                                         "(back to the writer) or retired")],
               comment: Annotated[str, typer.Option("--comment", help="Why (kept in the item's history)")],
               db: DbOption = None, user: UserOption = None) -> None:
    """Move one version of an item through the review workflow (draft -> in_review -> approved
    -> retired). A version cannot be approved by its own author (four-eyes rule)."""
    from itembank.services import bank

    if not comment.strip():
        raise fail("a review step needs a comment (--comment \"...\"): it is kept in the item's history")
    with bank_session(db) as session:
        state = bank.set_status(session, code, version, status.value, actor=current_user(user), comment=comment)
        now = state.status.value
    typer.echo(f"{code} version {version} is now {now}")


@items_app.command("stats")
def stats_cli(
    code: str,
    db: DbOption = None,
    version: Annotated[int | None, typer.Option(help="Only this version [default: every version]")] = None,
    p_band: Annotated[float | None, typer.Option(
        "--p-band", help="Drift when p moves more than this between sittings [default: 0.10]",
        callback=in_range(0, 1))] = None,
    rir_band: Annotated[float | None, typer.Option(
        "--rir-band", help="Drift when Rir moves more than this between sittings [default: 0.10]",
        callback=in_range(0, 2))] = None,
) -> None:
    """The item's statistics at every sitting, per version, with drift between sittings."""
    from itembank.display import shown_or
    from itembank.services import item_statistics as st

    band = st.DriftBand(p=st.DRIFT_BAND.p if p_band is None else p_band,
                        rir=st.DRIFT_BAND.rir if rir_band is None else rir_band)
    with bank_session(db) as session:
        history = st.get_history(session, code, version=version, band=band)
    if history.empty:
        typer.echo(f"No item statistics stored for {code} yet: they are stored at every release, "
                   "or now with 'itembank analyze ADMIN --store'.")
        return
    rows = []
    for r in history.itertuples():
        release = "provisional" if r.provisional else f"release {r.release}"
        if not r.in_force:
            release += " (not in force)"
        rows.append([str(r.version), r.administration, f"{r.date:%Y-%m-%d}", release,
                     *(shown_or(getattr(r, c), c) for c in ("n", "p", "rit", "rir", "alpha_if_deleted")),
                     ", ".join(r.flags), _decision_text(r.decision), _drift_text(r.delta_p, r.delta_rir, r.drift)])
    echo_table(rows, ["version", "administration", "date", "statistics", "n", "p", "Rit", "Rir",
                      "alpha if del.", "flags", "decision", "drift"])
    typer.echo("")
    typer.echo(f"Drift: p or Rir moved more than {band.p:g} / {band.rir:g} since the item version's "
               "previous sitting (rows in force only).")


def _decision_text(decision: dict[str, object]) -> str:
    """The decisions in force on the item at that sitting, in short words."""
    parts = []
    if decision.get("voided"):
        parts.append("voided")
    if decision.get("rekeyed"):
        parts.append(f"rekeyed {'|'.join(decision['frozen_key'])} -> {'|'.join(decision['key'])}")
    if decision.get("accepted"):
        parts.append(f"also accepted {', '.join(decision['accepted'])}")
    if decision.get("weight") != decision.get("frozen_weight"):
        parts.append(f"weight {decision['weight']}")
    return "; ".join(parts) or "-"


def _drift_text(delta_p: float, delta_rir: float, drift: bool) -> str:
    """Δp and ΔRir since the version's previous sitting; blank on its first sitting."""
    import math

    if math.isnan(delta_p):
        return ""
    text = f"p {delta_p:+.2f}, Rir {delta_rir:+.2f}" if not math.isnan(delta_rir) else f"p {delta_p:+.2f}"
    return f"DRIFT ({text})" if drift else text


@items_app.command("import")
def import_cli(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file, one row per item version")],
    db: DbOption = None,
    user: UserOption = None,
) -> None:
    """Import item versions; a file with any problem imports nothing."""
    from itembank.io import item_files

    with bank_session(db) as session:
        report = item_files.import_items(session, file, actor=current_user(user))
    typer.echo(report.summary())


@items_app.command("export")
def export_cli(
    file: Annotated[Path, typer.Argument(help="Target .csv or .xlsx file")],
    db: DbOption = None,
    spec: Annotated[str | None, typer.Option(help="Only this test specification")] = None,
    latest: Annotated[bool, typer.Option("--latest", help=(
        "Only the newest version of each line of an item (per language and variant: the source and "
        "each translation, each its own row)"))] = False,
    language: Annotated[str | None, typer.Option(
        help="Only versions in this language, e.g. en [default: every language]")] = None,
) -> None:
    """Export item versions, one row per version (the import format).

    With --latest, the newest version of every line of an item (the source language and each
    translation or read-aloud variant, the source first), so a translation saved after the
    source never replaces the source in the file; --language keeps one language."""
    from itembank.io import item_files

    with bank_session(db) as session:
        n = item_files.export_items(session, file, specification=spec, latest_only=latest, language=language)
    typer.echo(f"{n} item version(s) written to {file}")
