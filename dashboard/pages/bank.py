"""The item bank: browse, search and filter the items (item writers, committee, secretary).

Filters: test specification, tag (objective, topic or level), status, language and free text
(code, stem or an option), through :func:`itembank.services.bank.list_items` — what
``itembank items list`` shows. Without a language, one row per item: the newest version of its
source line, with a Languages column listing its lines (translations, the read-aloud variant,
"(out of date)" when made from an older source version); with a language, that language's
lines. A click on an item opens its page (:mod:`dashboard.pages.bank_item`).
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.auth import current_user
from dashboard.components import grid, message
from dashboard.guard import GuardedApp
from dashboard.pages import Page
from itembank.errors import UserError
from itembank.permissions import Permission, allowed
from itembank.services import bank
from itembank.text import t

__all__ = ["PAGE", "register", "version_rows", "item_path"]

LIMIT = 2000
STATUSES = ("draft", "in_review", "approved", "retired")


def item_path(code: str) -> str:
    from urllib.parse import quote

    return f"/bank/item/{quote(code, safe='')}"


def version_rows(versions: list[Any], lines: list[str] | None = None) -> list[dict[str, Any]]:
    """Item versions as grid rows: code, version, status, language, variant, the item's lines
    (``lines``, one text per version, :func:`itembank.services.bank.lines_text`), the stem's
    start, the key, the tags per dimension, the author."""
    rows = []
    for k, v in enumerate(versions):
        tags: dict[str, list[str]] = {}
        for tag in v.tags:
            tags.setdefault(tag.dimension.value, []).append(tag.code)
        stem = v.stem.replace("\n", " ")
        rows.append({"code": v.item.code, "version": v.number, "status": v.review.status.value,
                     "language": v.language, "variant": v.variant.value,
                     "lines": lines[k] if lines is not None else "",
                     "stem": stem if len(stem) <= 120 else stem[:117] + "…", "key": "|".join(v.key),
                     "objective": ", ".join(tags.get("objective", [])), "level": ", ".join(tags.get("level", [])),
                     "topic": ", ".join(tags.get("topic", [])), "author": v.author})
    return rows


def _new_item_form(specs: list[str]) -> html.Details:
    """Write a new item: its first version, a draft for review."""
    def field(label: str, component: Any) -> html.Label:
        return html.Label([label, component])

    return html.Details(id="bank-new", children=[
        html.Summary(t("new_item_title")),
        html.Div(className="filters", children=[
            field(t("col_code"), dcc.Input(id="bank-new-code", placeholder="VCA-LO1-K-99")),
            field(t("filter_specification"), dcc.Dropdown(specs, specs[0] if specs else None, id="bank-new-spec")),
            field(t("col_objective"), dcc.Input(id="bank-new-objective", placeholder="LO1")),
            field(t("col_level"), dcc.Input(id="bank-new-level", placeholder="K")),
            field(t("col_topic"), dcc.Input(id="bank-new-topic")),
            field(t("edit_language"), dcc.Input(id="bank-new-language", value="nl")),
        ]),
        html.Label(t("edit_stem"), htmlFor="bank-new-stem"),
        dcc.Textarea(id="bank-new-stem", className="reason"),
        html.Div(className="filters", children=[
            field(f"{t('edit_option')} {x}", dcc.Input(id=f"bank-new-option-{x}", className="wide")) for x in "ABCD"]),
        field(t("edit_key"), dcc.Input(id="bank-new-key")),
        html.Div(html.Button(t("new_item_save"), id="bank-new-save", className="primary"), className="buttons"),
        html.Div(id="bank-new-message"),
    ])


def layout(engine: Engine, user: dict[str, Any]) -> html.Div:
    with Session(engine) as session:
        specs = [s.code for s in bank.list_specifications(session)]
    columns = [{"field": "code", "headerName": t("col_code"), "minWidth": 130, "flex": 0, "width": 140},
               {"field": "version", "headerName": "v", "width": 50, "flex": 0},
               {"field": "status", "headerName": t("col_status"), "width": 95, "flex": 0},
               {"field": "language", "headerName": t("col_language"), "width": 70, "flex": 0},
               {"field": "lines", "headerName": t("col_lines"), "width": 130, "flex": 0, "tooltipField": "lines"},
               {"field": "stem", "headerName": t("col_stem"), "flex": 3, "tooltipField": "stem"},
               {"field": "key", "headerName": t("col_is_key"), "width": 60, "flex": 0},
               {"field": "objective", "headerName": t("col_objective"), "width": 90, "flex": 0},
               {"field": "level", "headerName": t("col_level"), "width": 60, "flex": 0},
               {"field": "topic", "headerName": t("col_topic"), "flex": 1},
               {"field": "author", "headerName": t("col_author"), "width": 100, "flex": 0}]
    return html.Div([
        html.H1(t("bank_title")),
        dcc.Location(id="bank-go", refresh=True),
        html.Div(className="filters", children=[
            html.Label([t("filter_specification"), dcc.Dropdown(specs, id="bank-spec", placeholder=t("all"))]),
            html.Label([t("filter_tag"), dcc.Input(id="bank-tag", placeholder="objective:LO3", debounce=True)]),
            html.Label([t("filter_status"), dcc.Dropdown(list(STATUSES), id="bank-status", placeholder=t("all"))]),
            html.Label([t("filter_language"), dcc.Dropdown(["nl", "en", "de", "fr"], id="bank-language",
                                                           placeholder=t("all"))]),
            html.Label([t("filter_text"), dcc.Input(id="bank-text", placeholder=t("filter_text_hint"), debounce=True)]),
            html.Label([dcc.Checklist([{"label": t("filter_all_versions"), "value": "all"}], [], id="bank-all")]),
        ]),
        html.Div(className="file-actions", children=[
            dcc.Upload(html.Button(t("import_items_button")), id="bank-upload", multiple=False,
                       accept=".csv,.xlsx,.txt") if allowed(user.get("roles", []), Permission.EDIT_ITEMS) else None,
            html.Button(t("export_csv_button"), id="bank-export-csv"),
            html.Button(t("export_xlsx_button"), id="bank-export-xlsx"),
            dcc.Download(id="bank-download"),
        ]),
        _new_item_form(specs) if allowed(user.get("roles", []), Permission.EDIT_ITEMS) else None,
        dcc.Loading(html.Div(id="bank-import-message"), type="dot", delay_show=300),
        html.Div(id="bank-count", className="muted"),
        html.Div(t("bank_lines_note"), id="bank-lines-note", className="muted"),
        grid("bank-grid", columns, height="calc(100vh - 260px)", pagination=True, paginationPageSize=100,
             getRowId={"function": "params.data.code + '@' + params.data.version"}),
    ])


PAGE = Page("bank", "/bank", Permission.READ_ITEMS, "bank_title", layout, in_menu=True)


def import_upload(engine: Engine, filename: str, contents: str, actor: str) -> tuple[bool, str]:
    """Import an uploaded items file (a ``dcc.Upload`` data URL) all or nothing, exactly as
    ``itembank items import`` does: (imported?, what to tell the user)."""
    import base64
    import tempfile
    from pathlib import Path

    from itembank.io import item_files

    data = base64.b64decode(contents.split(",", 1)[1])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(filename).name  # the user's file name, so messages name it
        path.write_bytes(data)
        try:
            with Session(engine) as session:
                report = item_files.import_items(session, path, actor=actor)
                session.commit()
        except UserError as exc:
            return False, str(exc)
    return True, report.summary()


def register(app: GuardedApp, engine: Engine) -> None:
    @app.callback(Permission.EDIT_ITEMS, Output("bank-new-message", "children"), Input("bank-new-save", "n_clicks"),
                  State("bank-new-code", "value"), State("bank-new-spec", "value"), State("bank-new-objective", "value"),
                  State("bank-new-level", "value"), State("bank-new-topic", "value"), State("bank-new-language", "value"),
                  State("bank-new-stem", "value"), *(State(f"bank-new-option-{x}", "value") for x in "ABCD"),
                  State("bank-new-key", "value"), prevent_initial_call=True)
    def new_item(clicks, code, spec, objective, level, topic, language, stem, a, b, c, d, key):
        if not clicks:
            raise PreventUpdate
        if not (code or "").strip():
            return message(t("new_item_code_needed"), "error")
        options = tuple((label, (text or "").strip()) for label, text in zip("ABCD", (a, b, c, d)) if (text or "").strip())
        tags = [(dim, (value or "").strip()) for dim, value in (("objective", objective), ("level", level),
                                                                ("topic", topic)) if (value or "").strip()]
        try:
            content = bank.ItemContent(stem=(stem or "").strip(), options=options, language=(language or "nl").strip(),
                                       key=tuple(k.strip() for k in (key or "").split("|") if k.strip()))
            with Session(engine) as session:
                version = bank.add_item(session, (code or "").strip(), content, author=current_user()["username"],
                                        specification=spec or None, tags=tags)
                number = version.number
                session.commit()
        except UserError as exc:
            return message(str(exc), "error")
        return html.Div([t("new_item_saved", code=code.strip(), version=number), " ",
                         dcc.Link(t("open_item"), href=item_path(code.strip()))], className="message message-ok")

    @app.callback(Permission.EDIT_ITEMS, Output("bank-import-message", "children"),
                  Output("bank-text", "value"), Input("bank-upload", "contents"),
                  State("bank-upload", "filename"), prevent_initial_call=True)
    def upload(contents: str | None, filename: str | None):
        if not contents or not filename:
            raise PreventUpdate
        ok, text = import_upload(engine, filename, contents, current_user()["username"])
        lines = [html.Div(line) for line in text.splitlines()]
        return html.Div(lines, className=f"message message-{'ok' if ok else 'error'}"), "" if ok else no_update

    @app.callback(Permission.READ_ITEMS, Output("bank-download", "data"),
                  Input("bank-export-csv", "n_clicks"), Input("bank-export-xlsx", "n_clicks"),
                  State("bank-grid", "rowData"), State("bank-all", "value"), prevent_initial_call=True)
    def download(_csv, _xlsx, rows: list[dict[str, Any]] | None, every: list[str] | None):
        import tempfile
        from pathlib import Path

        from itembank.io import item_files

        suffix = ".xlsx" if ctx.triggered_id == "bank-export-xlsx" else ".csv"
        codes = sorted({r["code"] for r in rows or []})
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"items{suffix}"
            with Session(engine) as session:
                item_files.export_items(session, path, codes=codes, latest_only=not every)
            return dcc.send_bytes(path.read_bytes(), path.name)

    @app.callback(Permission.READ_ITEMS, Output("bank-grid", "rowData"), Output("bank-count", "children"),
                  Input("bank-spec", "value"), Input("bank-tag", "value"), Input("bank-status", "value"),
                  Input("bank-language", "value"), Input("bank-text", "value"), Input("bank-all", "value"),
                  Input("bank-import-message", "children"))
    def search(spec: str | None, tag: str | None, status: str | None, language: str | None, text: str | None,
               every: list[str] | None, _imported: Any):
        try:
            with Session(engine) as session:
                listed = bank.list_items(session, specification=spec or None, tag=(tag or "").strip() or None,
                                         status=status or None, language=language or None,
                                         text=(text or "").strip() or None, all_versions=bool(every),
                                         limit=LIMIT + 1)
                rows = version_rows([v for v, _ in listed[:LIMIT]], [lines for _, lines in listed[:LIMIT]])
                versions = listed
        except (UserError, ValueError) as exc:
            return [], message(str(exc), "error")
        note = t("bank_count", n=len(rows)) + (" " + t("bank_limited", limit=LIMIT) if len(versions) > LIMIT else "")
        return rows, note

    @app.callback(Permission.READ_ITEMS, Output("bank-go", "href"), Input("bank-grid", "cellClicked"),
                  State("bank-grid", "rowData"), prevent_initial_call=True)
    def open_item(clicked: dict[str, Any] | None, _rows: Any):
        if not clicked or not clicked.get("rowId"):
            raise PreventUpdate
        return item_path(str(clicked["rowId"]).rsplit("@", 1)[0])
