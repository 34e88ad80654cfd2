"""One item of the bank: a version's content, its versions, exposure, history, a word-level diff
of any two versions, the review steps and editing (which saves the next version).

* Review (item writers and committee): submit for review, approve, send back, retire — each with
  a comment, through :func:`itembank.services.bank.set_status`, which enforces the four-eyes
  rule (a version is never approved by its own author).
* Editing (item writers and committee) saves the next version as a draft through
  :func:`itembank.services.bank.revise_item`; when somebody saved a newer version meanwhile the
  edit is refused and both texts are shown side by side — never a silent overwrite. The form also
  edits the maximum score and the tags (checked against the item's test specification); a
  translation or read-aloud variant shows the source version's texts beside the inputs.
* Versions by language (issue #13): the page opens on the newest version of the item's source
  line (:func:`itembank.services.bank.get_line_version`), lists its lines (language, variant,
  newest version, status, the source version a translation was made from, out of date or not:
  :func:`itembank.services.bank.item_lines`) with a button to show each; the edit form edits the
  line of the version shown and locks on that line only. A translation's editor shows the
  newest source version beside the inputs, and a tick records that the edit brings it up to date.
* Enemy pairs (items that may never share a form, with the reason) and the item set are shown;
  item writers and committee members add and remove enemy pairs (:func:`itembank.services.bank.
  add_enemy_pair`, :func:`~itembank.services.bank.remove_enemy_pair`) and move the item into
  another item set (:func:`~itembank.services.bank.assign_item_set`).
"""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.auth import current_user
from dashboard.components import message
from dashboard.guard import GuardedApp
from dashboard.pages import Page
from itembank.errors import ConflictError, UserError
from itembank.permissions import Permission, allowed
from itembank import figures
from itembank.services import bank, item_statistics
from itembank.services.bank import LANGUAGES, ItemContent, Variant
from itembank.text import t

__all__ = ["PAGE", "register", "diff_view", "lines_table"]

STEPS = (("in_review", "step_submit"), ("approved", "step_approve"), ("draft", "step_send_back"),
         ("retired", "step_retire"))
LABELS = "ABCDEF"


def _content_block(v: Any, stale: tuple[int, int] | None = None) -> list[Any]:
    """A version's content; ``stale`` = (made from, newest source) marks a translation made from
    an older source version (:func:`itembank.services.bank.out_of_date`)."""
    content = ItemContent.of(v)
    tags = ", ".join(f"{tag.dimension.value} {tag.code}" for tag in v.tags) or t("none")
    return [
        html.P(t("line_out_of_date", made=stale[0], newest=stale[1]), className="out-of-date",
               id="bank-item-out-of-date") if stale else None,
        html.P(t("version_meta", version=v.number, status=v.review.status.value, language=v.language,
                 variant=v.variant.value, author=v.author, when=f"{v.created_at:%Y-%m-%d}"), className="muted"),
        html.Blockquote(content.stem, className="stem"),
        html.Ol([html.Li([html.Span(label, className="label"), " ", text,
                          html.Span(t("key_in_bank"), className="tag key") if label in content.key else None],
                         className="option" + (" is-key" if label in content.key else ""))
                 for label, text in content.options], className="options"),
        html.P([html.Strong(t("tags_label")), " ", tags]),
        html.P([html.Strong(t("change_note_label")), " ", v.change_note or "–"]),
    ]


def diff_view(old: str, new: str) -> html.Div:
    """Two texts side by side, removed words struck through on the left, added words marked
    on the right (:func:`itembank.services.bank.word_diff`)."""
    pieces = bank.word_diff(old, new)
    left = [html.Del(x) if op == "removed" else html.Span(x) for op, x in pieces if op != "added"]
    right = [html.Ins(x) if op == "added" else html.Span(x) for op, x in pieces if op != "removed"]
    return html.Div([html.Div(left, className="diff-old"), html.Div(right, className="diff-new")], className="diff")


def statistics_history(history: Any) -> Any:
    """The item's stored statistics per sitting and version (:func:`itembank.services.
    item_statistics.get_history`): a table and a small chart of p and Rir, so a writer sees
    whether a revision helped; drift between sittings of one version is marked."""
    if history.empty:
        return html.P(t("stats_none"), className="muted")
    rows = history[history["in_force"]] if "in_force" in history else history

    def num(x: Any) -> str:
        return "–" if x is None or x != x else f"{x:.2f}"

    table = html.Table([
        html.Thead(html.Tr([html.Th(t(k)) for k in ("col_version", "col_sitting", "col_date", "col_n", "col_p",
                                                    "col_rit", "col_rir", "col_flags", "col_drift")])),
        html.Tbody([html.Tr([html.Td(r.version), html.Td(r.administration + ("" if r.release else " " + t("stats_provisional"))),
                             html.Td(f"{r.date:%Y-%m-%d}"), html.Td(int(r.n) if r.n == r.n else "–"), html.Td(num(r.p)),
                             html.Td(num(r.rit)), html.Td(num(r.rir)), html.Td(", ".join(t(f"flag_{c}") for c in r.flags)),
                             html.Td(t("stats_drift") if r.drift else "")], className="drift" if r.drift else "")
                    for r in rows.itertuples()])], className="history", id="bank-item-stats-table")
    labels = [f"v{r.version} {r.administration}" for r in rows.itertuples()]
    figure = figures.trend_figure(labels, {t("col_p"): list(rows["p"]), t("col_rir"): list(rows["rir"])},
                                  height=240, title=t("stats_history_title"), y_range=(-0.3, 1.02))
    return [table, dcc.Graph(figure=figure, config={"displaylogo": False, "displayModeBar": False})]


def _exposure(engine: Engine, code: str, number: int) -> str:
    with Session(engine) as session:
        e = bank.exposure(session, code, number)[0]
    if not e.n_forms:
        return t("exposure_none")
    return t("exposure_line", forms=", ".join(e.forms), sittings=e.n_administrations, candidates=e.n_candidates,
             last=e.last_used.isoformat() if e.last_used else "–")


def layout(engine: Engine, user: dict[str, Any], code: str) -> html.Div:
    try:
        with Session(engine) as session:
            item = bank.get_item(session, code)
            ordered = sorted(item.versions, key=lambda v: v.number)
            numbers = [v.number for v in ordered]
            # open on the newest version of the source line (a translation never hides the source),
            # compared with the one before it in its line (the version it revised), else with the first
            shown = bank.get_line_version(session, code)
            earlier = [v.number for v in ordered if v.number < shown.number and bank.line_of(v) == bank.line_of(shown)]
            compare_from = earlier[-1] if earlier else numbers[0]
            spec = item.specification.code if item.specification else "–"
            history = bank.item_history(session, code)
            sets = [{"label": f"{x.code} — {x.title}", "value": x.code} for x in bank.list_item_sets(session)]
            in_set = item.item_set.code if item.item_set else ""
    except UserError as exc:
        return message(str(exc), "error")
    roles = user.get("roles", [])
    choices = [{"label": f"v{n}", "value": n} for n in numbers]
    edit = allowed(roles, Permission.EDIT_ITEMS)
    review = allowed(roles, Permission.REVIEW_ITEMS)
    return html.Div(className="item-page", children=[
        html.P(dcc.Link(t("back_to_bank"), href="/bank")),
        html.H1(t("bank_item_title", code=code, spec=spec)),
        dcc.Store(id="bank-item-code", data=code),
        dcc.Store(id="bank-item-refresh", data=0),
        html.Div(className="two-columns", children=[
            html.Section([
                html.Label([t("version_label"), dcc.Dropdown(choices, shown.number, id="bank-item-version",
                                                              clearable=False)]),
                html.Div(className="lines", children=[html.H3(t("lines_title")), html.Div(id="bank-item-lines")]),
                html.Div(id="bank-item-content"),
                html.P(id="bank-item-exposure", className="muted"),
                html.Div(className="relations", children=[
                    html.H3(t("enemies_title")),
                    dcc.Store(id="bank-enemy-refresh", data=0),
                    html.Div(id="bank-item-relations"),
                    html.Div(id="bank-enemy-edit", hidden=not edit, className="enemy-add", children=[
                        html.Label([t("enemy_other"), dcc.Input(id="bank-enemy-code", placeholder="VCA-LO1-K-01")]),
                        html.Label([t("enemy_reason"), dcc.Input(id="bank-enemy-reason", className="wide",
                                                                 placeholder=t("enemy_reason_placeholder"))]),
                        html.Button(t("enemy_add"), id="bank-enemy-add"),
                    ]),
                    html.Div(id="bank-enemy-message"),
                    html.H3(t("item_set_title")),
                    html.Div(id="bank-item-set-box"),
                    html.Div(id="bank-set-edit", hidden=not edit, className="set-move", children=[
                        html.Label([t("item_set_move"), dcc.Dropdown(
                            [{"label": t("item_set_move_none"), "value": ""}, *sets], in_set, id="bank-set-code",
                            clearable=False)]),
                        html.Label([t("item_set_reason"), dcc.Input(id="bank-set-reason", className="wide",
                                                                    placeholder=t("item_set_reason_placeholder"))]),
                        html.Button(t("item_set_save"), id="bank-set-save"),
                    ]),
                    html.Div(id="bank-set-message"),
                ]),
                html.Div(id="bank-item-review", className="actions-box", hidden=not review, children=[
                    html.H3(t("review_steps_title")),
                    dcc.Textarea(id="bank-item-comment", placeholder=t("review_comment_placeholder"),
                                 className="reason"),
                    html.Div(className="buttons", children=[html.Button(t(key), id={"type": "bank-step", "to": to})
                                                            for to, key in STEPS]),
                ]),
                html.Div(id="bank-item-message"),
            ]),
            html.Section([
                html.H3(t("diff_title")),
                html.Div(className="pair", children=[
                    dcc.Dropdown(choices, compare_from, id="bank-diff-a", clearable=False),
                    dcc.Dropdown(choices, shown.number, id="bank-diff-b", clearable=False)]),
                html.Div(id="bank-diff"),
                html.Details([html.Summary(t("edit_title")), html.Div(id="bank-edit-form")], id="bank-edit",
                             hidden=not edit, open=False),
                html.H3(t("stats_history_title")),
                html.Div(id="bank-item-stats"),
                html.H3(t("history_title")),
                html.Div(history_table(history), id="bank-item-history"),
            ]),
        ]),
    ])


PAGE = Page("bank_item", "/bank/item/<code>", Permission.READ_ITEMS, "bank_title", layout)


def history_table(history: list[Any]) -> html.Table:
    """The item's history (:func:`itembank.services.bank.item_history`): versions, review steps,
    tag changes and enemy pairs, oldest first."""
    return html.Table([html.Thead(html.Tr([html.Th(t(k)) for k in ("col_when", "col_who", "col_version",
                                                                  "col_what", "col_detail")])),
                       html.Tbody([html.Tr([html.Td(f"{h.at:%Y-%m-%d %H:%M}"), html.Td(h.actor),
                                            html.Td(h.version or ""), html.Td(h.what), html.Td(h.detail)])
                                   for h in history])], className="history")


def relations(found: list[Any], item_set: Any, *, editable: bool) -> tuple[Any, Any]:
    """The item's enemy pairs (other item, reason, since; a remove button for editors) and its
    item set (code, title, stimulus)."""
    from dashboard.pages.bank import item_path

    if found:
        rows = [html.Tr([html.Td(dcc.Link(e.code, href=item_path(e.code))), html.Td(e.reason),
                         html.Td(f"{e.since:%Y-%m-%d}"),
                         html.Td(html.Button(t("enemy_remove"), id={"type": "bank-enemy-remove", "other": e.code},
                                             className="small") if editable else None)])
                for e in found]
        shown: Any = html.Table([html.Thead(html.Tr([html.Th(t(k)) for k in ("enemy_col_item", "enemy_col_reason",
                                                                            "enemy_col_since", "enemy_col_action")])),
                                 html.Tbody(rows)], className="history enemies", id="bank-enemies")
    else:
        shown = html.P(t("enemies_none"), className="muted", id="bank-enemies")
    if item_set is None:
        in_set: Any = html.P(t("item_set_none"), className="muted")
    else:
        in_set = html.Div(className="item-set", id="bank-item-set", children=[
            html.P([html.Strong(t("item_set_label")), " ", f"{item_set.code} — {item_set.title}"]),
            html.Blockquote(item_set.stimulus or t("item_set_no_stimulus"), className="stimulus")])
    return shown, in_set


def _score_text(value: Any) -> str:
    """A maximum score as a writer types it: 1, 0.5, 2.25 (no trailing zeros, no exponent)."""
    return format(value.normalize(), "f") if value == value else ""


def lines_table(lines: list[Any], shown: int) -> html.Table:
    """The item's lines (:func:`itembank.services.bank.item_lines`): language and variant, the
    newest version (a button that shows it), its status, the source version a translation was
    made from and whether the source has changed since; the line of the version shown is marked."""
    def made(line: Any) -> Any:
        if line.is_source:
            return t("line_source")
        if line.translated_from is None:
            return t("line_unknown_source")
        text = t("line_from", made=line.translated_from)
        if not line.out_of_date:
            return text
        return [text, " ", html.Span(t("line_out_of_date", made=line.translated_from, newest=line.source_newest),
                                     className="out-of-date")]

    rows = [html.Tr([html.Td(line.label),
                     html.Td(html.Button(f"v{line.newest}", id={"type": "bank-line-show", "version": line.newest},
                                         className="small", title=t("lines_show"))),
                     html.Td(line.status.value), html.Td(made(line))],
                    className="shown-line" if shown in line.numbers else "")
            for line in lines]
    return html.Table([html.Thead(html.Tr([html.Th(t(k)) for k in ("lines_col_line", "lines_col_newest",
                                                                  "lines_col_status", "lines_col_from")])),
                       html.Tbody(rows)], className="history lines-table", id="bank-lines-table")


def _edit_form(v: Any, source: Any = None, lines: dict[str, int] | None = None,
               stale: tuple[int, int] | None = None) -> list[Any]:
    """The edit form, prefilled with version ``v``. Each text field is a row with the source
    text beside it, shown while the writer makes a translation or the read-aloud variant (the
    ``translating`` class set by the ``translation_view`` callback) and always when ``v`` is a
    translation: then ``source`` is the newest source version, and when the translation is out
    of date (``stale``) a tick records that this edit brings it up to date with that version.
    ``lines`` is the newest version of each line as the writer saw it (``"en|standard": 5``),
    so a translation into a line somebody saved meanwhile is a conflict."""
    source = source if source is not None else v
    content = ItemContent.of(v)
    shown_source = ItemContent.of(source)
    options = dict(shown_source.options)
    tags: dict[str, list[str]] = {}
    for tag in v.tags:
        tags.setdefault(tag.dimension.value, []).append(tag.code)

    def row(source: Any, *field: Any) -> html.Div:
        return html.Div([html.Div(source, className="source"), html.Div(list(field), className="field")],
                        className="edit-row")

    own = dict(content.options)
    is_translation = source is not v
    source_head = html.Strong(
        t("edit_line_source", version=source.number, label=bank.line_label(bank.line_of(source))) if is_translation
        else t("edit_source", version=v.number, language=v.language, variant=t(f"variant_{v.variant.value}")))
    return [
        dcc.Store(id="bank-edit-base", data=v.number),
        # the line edited, and whether its editor always shows the source (a translation's line)
        dcc.Store(id="bank-edit-source-of", data=[v.language, v.variant.value, is_translation]),
        dcc.Store(id="bank-edit-lines", data=lines or {}),
        html.Div(className="pair", children=[
            html.Label([t("edit_language"), dcc.Dropdown([{"label": f"{code} – {LANGUAGES[code]}", "value": code}
                                                          for code in sorted(LANGUAGES)], content.language,
                                                         id="bank-edit-language", clearable=False)]),
            html.Label([t("edit_variant"), dcc.Dropdown([{"label": t(f"variant_{x.value}"), "value": x.value}
                                                         for x in Variant], content.variant.value,
                                                        id="bank-edit-variant", clearable=False)])]),
        html.P(t("edit_translation_hint"), className="muted"),
        html.Div(id="bank-edit-fields", className="edit-fields", children=[
            row(source_head, html.Strong(t("edit_target"))),
            row(html.Blockquote(shown_source.stem, className="stem", id="bank-edit-source-stem"),
                html.Label(t("edit_stem"), htmlFor="bank-edit-stem"),
                dcc.Textarea(id="bank-edit-stem", value=content.stem, className="reason")),
            *[row(html.P([html.Span(label, className="label"), " ", options.get(label, "")],
                         className="source-option") if label in options else None,
                  # the text area inside its label (a pattern-matching id cannot be named by htmlFor); a
                  # text area, not a one-line input, so a long option stays readable beside its source
                  html.Label([f"{t('edit_option')} {label}",
                              dcc.Textarea(id={"type": "bank-edit-option", "label": label},
                                           value=own.get(label, ""), className="option-text", rows=2)]))
              for label in LABELS[:max(4, len(options), len(own))]],
        ]),
        html.Div(className="pair", children=[
            html.Label([t("edit_key"), dcc.Input(id="bank-edit-key", value="|".join(content.key))]),
            html.Label([t("edit_max_score"), dcc.Input(id="bank-edit-max-score", value=_score_text(content.max_score),
                                                       inputMode="decimal")])]),
        html.Div(className="pair three", children=[
            html.Label([t(f"col_{dim}"), dcc.Input(id=f"bank-edit-{dim}", value=", ".join(tags.get(dim, [])))])
            for dim in ("objective", "level", "topic")]),
        html.P(t("edit_tags_hint"), className="muted"),
        dcc.Checklist([{"label": t("edit_up_to_date", newest=stale[1]), "value": stale[1]}] if stale else [], [],
                      id="bank-edit-up-to-date", className="up-to-date"),
        html.Label(t("edit_note"), htmlFor="bank-edit-note"),
        dcc.Input(id="bank-edit-note", className="wide", placeholder=t("edit_note_placeholder")),
        html.Div(html.Button(t("edit_save"), id="bank-edit-save", className="primary"), className="buttons"),
    ]


def register(app: GuardedApp, engine: Engine) -> None:
    @app.callback(Permission.READ_ITEMS, Output("bank-item-content", "children"),
                  Output("bank-item-exposure", "children"),
                  Input("bank-item-version", "value"), Input("bank-item-refresh", "data"),
                  State("bank-item-code", "data"))
    def show_version(number: int, _refresh: int, code: str):
        with Session(engine) as session:
            v = bank.get_version(session, code, number)
            body = _content_block(v, bank.out_of_date(session, code, number))
        return body, _exposure(engine, code, number)

    # The edit form only when the version shown changes (a save shows the new version): a review
    # step or another refresh must not throw away what the writer is typing.
    @app.callback(Permission.EDIT_ITEMS, Output("bank-edit-form", "children"), Input("bank-item-version", "value"),
                  State("bank-item-code", "data"))
    def edit_form(number: int, code: str):
        with Session(engine) as session:
            v = bank.get_version(session, code, number)
            lines = bank.item_lines(session, code)
            source = v if bank.line_of(v) == lines[0].key else bank.get_line_version(session, code)
            seen = {f"{x.language}|{x.variant.value}": x.newest for x in lines}
            return _edit_form(v, source, seen, bank.out_of_date(session, code, number))

    @app.callback(Permission.READ_ITEMS, Output("bank-item-lines", "children"), Input("bank-item-version", "value"),
                  Input("bank-item-refresh", "data"), Input("bank-item-version", "options"),
                  State("bank-item-code", "data"))
    def show_lines(number: int, _refresh: int, _versions: Any, code: str):
        with Session(engine) as session:
            return lines_table(bank.item_lines(session, code), number)

    @app.callback(Permission.READ_ITEMS, Output("bank-item-version", "value", allow_duplicate=True),
                  Input({"type": "bank-line-show", "version": ALL}, "n_clicks"), prevent_initial_call=True)
    def show_line(_clicks: list[int | None]):
        # a button that appears (n_clicks None) triggers the callback too: act on clicks only
        if not isinstance(ctx.triggered_id, dict) or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        return int(ctx.triggered_id["version"])

    @app.callback(Permission.EDIT_ITEMS, Output("bank-edit-fields", "className"),
                  Input("bank-edit-language", "value"), Input("bank-edit-variant", "value"),
                  State("bank-edit-source-of", "data"))
    def translation_view(language: str | None, variant: str | None, source: list[Any] | None):
        if not source:
            raise PreventUpdate
        # a translation's own line always shows its source beside the inputs
        always = len(source) > 2 and bool(source[2])
        translating = always or bank.is_translation((source[0], source[1]), language, variant)
        return "edit-fields translating" if translating else "edit-fields"

    @app.callback(Permission.READ_ITEMS, Output("bank-item-relations", "children"),
                  Output("bank-item-set-box", "children"),
                  Input("bank-enemy-refresh", "data"), State("bank-item-code", "data"))
    def show_relations(_refresh: int, code: str):
        editable = allowed(current_user().get("roles", []), Permission.EDIT_ITEMS)
        with Session(engine) as session:
            found = bank.enemies(session, code)
            return relations(found, bank.get_item(session, code).item_set, editable=editable)

    @app.callback(Permission.READ_ITEMS, Output("bank-item-history", "children"),
                  Input("bank-item-refresh", "data"), Input("bank-enemy-refresh", "data"),
                  Input("bank-item-version", "options"), State("bank-item-code", "data"), prevent_initial_call=True)
    def show_history(_refresh: int, _enemies: int, _versions: Any, code: str):
        with Session(engine) as session:
            return history_table(bank.item_history(session, code))

    @app.callback(Permission.EDIT_ITEMS, Output("bank-enemy-message", "children"),
                  Output("bank-enemy-refresh", "data"), Output("bank-enemy-code", "value"),
                  Output("bank-enemy-reason", "value"), Input("bank-enemy-add", "n_clicks"),
                  Input({"type": "bank-enemy-remove", "other": ALL}, "n_clicks"), State("bank-item-code", "data"),
                  State("bank-enemy-code", "value"), State("bank-enemy-reason", "value"),
                  State("bank-enemy-refresh", "data"), prevent_initial_call=True)
    def change_enemies(_add, _removes, code: str, other: str | None, reason: str | None, refresh: int | None):
        # a remove button that appears (n_clicks None) triggers the callback too: act on clicks only
        if not ctx.triggered or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        actor = current_user()["username"]
        try:
            with Session(engine) as session:
                if isinstance(ctx.triggered_id, dict):
                    other = ctx.triggered_id["other"]
                    bank.remove_enemy_pair(session, code, other, reason=reason or "", actor=actor)
                    done = t("enemy_removed", code=code, other=other)
                else:
                    other = (other or "").strip()
                    bank.add_enemy_pair(session, code, other, reason=(reason or "").strip(), actor=actor)
                    done = t("enemy_added", code=code, other=other)
                session.commit()
        except UserError as exc:
            return message(str(exc), "error"), no_update, no_update, no_update
        return message(done, "ok"), (refresh or 0) + 1, "", ""

    @app.callback(Permission.READ_ITEMS, Output("bank-item-stats", "children"), Input("bank-item-refresh", "data"),
                  State("bank-item-code", "data"))
    def show_statistics(_refresh: int, code: str):
        with Session(engine) as session:
            history = item_statistics.get_history(session, code)
        return statistics_history(history)

    @app.callback(Permission.READ_ITEMS, Output("bank-diff", "children"), Input("bank-diff-a", "value"),
                  Input("bank-diff-b", "value"), Input("bank-item-refresh", "data"), State("bank-item-code", "data"))
    def show_diff(a: int, b: int, _refresh: int, code: str):
        if a == b:
            return html.P(t("diff_same_version"), className="muted")
        with Session(engine) as session:
            va, vb = bank.get_version(session, code, a), bank.get_version(session, code, b)
            if (va.language, va.variant) != (vb.language, vb.variant):
                # a translation or a read-aloud variant: the two texts side by side, not a word diff
                return html.Div([html.Div(_content_block(va), className="diff-old"),
                                 html.Div(_content_block(vb), className="diff-new")], className="diff")
            changes = bank.diff_versions(session, code, a, b)
        if not changes:
            return html.P(t("diff_no_change", a=a, b=b), className="muted")
        return [html.Div([html.H4(t(f"field_{c.field}")), diff_view(c.old, c.new)]) for c in changes]

    @app.callback(Permission.REVIEW_ITEMS, Output("bank-item-message", "children"),
                  Output("bank-item-refresh", "data"),
                  Input({"type": "bank-step", "to": "in_review"}, "n_clicks"),
                  Input({"type": "bank-step", "to": "approved"}, "n_clicks"),
                  Input({"type": "bank-step", "to": "draft"}, "n_clicks"),
                  Input({"type": "bank-step", "to": "retired"}, "n_clicks"),
                  State("bank-item-code", "data"), State("bank-item-version", "value"),
                  State("bank-item-comment", "value"), State("bank-item-refresh", "data"), prevent_initial_call=True)
    def review_step(_a, _b, _c, _d, code: str, number: int, comment: str | None, refresh: int):
        if not isinstance(ctx.triggered_id, dict) or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        to = ctx.triggered_id["to"]
        if not (comment or "").strip():
            return message(t("review_comment_needed"), "error"), no_update
        try:
            with Session(engine) as session:
                bank.set_status(session, code, number, to, actor=current_user()["username"], comment=comment.strip())
                session.commit()
        except UserError as exc:
            return message(str(exc), "error"), no_update
        return message(t("review_step_done", code=code, version=number, status=to), "ok"), (refresh or 0) + 1

    @app.callback(Permission.EDIT_ITEMS, Output("bank-item-message", "children", allow_duplicate=True),
                  Output("bank-item-version", "options"), Output("bank-item-version", "value"),
                  Output("bank-diff-a", "options"), Output("bank-diff-a", "value"),
                  Output("bank-diff-b", "options"), Output("bank-diff-b", "value"),
                  Input("bank-edit-save", "n_clicks"), State("bank-item-code", "data"),
                  State("bank-edit-base", "data"), State("bank-edit-stem", "value"),
                  State({"type": "bank-edit-option", "label": ALL}, "value"), State("bank-edit-key", "value"),
                  State("bank-edit-note", "value"), State("bank-edit-language", "value"),
                  State("bank-edit-variant", "value"), State("bank-edit-max-score", "value"),
                  State("bank-edit-objective", "value"), State("bank-edit-level", "value"),
                  State("bank-edit-topic", "value"), State("bank-edit-lines", "data"),
                  State("bank-edit-up-to-date", "value"), prevent_initial_call=True)
    def save_edit(clicks, code: str, base: int, stem: str, _options, key: str, note: str | None,
                  language: str | None = None, variant: str | None = None, max_score: str | None = None,
                  objective: str | None = None, level: str | None = None, topic: str | None = None,
                  seen: dict[str, int] | None = None, up_to_date: list[int] | None = None):
        nothing = (no_update,) * 6
        if not clicks:
            raise PreventUpdate
        # the option inputs, by label, from the pattern-matching states
        options = tuple((s["id"]["label"], (s.get("value") or "").strip())
                        for s in ctx.states_list[3] if (s.get("value") or "").strip())
        changes: dict[str, Any] = {"stem": (stem or "").strip(), "options": options,
                                   "key": tuple(k.strip() for k in (key or "").split("|") if k.strip())}
        changes.update({name: value for name, value in (("language", language), ("variant", variant),
                                                        ("max_score", (max_score or "").strip())) if value})
        # the newest version of the target line the writer saw when the form was drawn (0: none),
        # so a colleague's translation saved meanwhile is a conflict, not set aside unseen
        target_seen = None
        if seen is not None and language and variant:
            target_seen = int(seen.get(f"{language}|{variant}", 0))
        try:
            with Session(engine) as session:
                version = bank.revise_item(
                    session, code, based_on=int(base), author=current_user()["username"], change_note=note or "",
                    tags=bank.tags_from_text({"objective": objective, "level": level, "topic": topic}),
                    target_based_on=target_seen, translated_from=max(up_to_date) if up_to_date else None, **changes)
                number = version.number
                numbers = [v.number for v in bank.get_item(session, code).versions]
                session.commit()
        except ConflictError as exc:
            with Session(engine) as session:
                # theirs: the newest version of the line somebody saved in (the edited one, else the target)
                edited = bank.get_version(session, code, int(base))
                newest = bank.get_line_version(session, code, edited.language, edited.variant.value)
                if newest.number == int(base) and language and variant:
                    newest = bank.get_line_version(session, code, language, variant)
                theirs = html.Div(_content_block(newest), className="diff-old")
            mine = html.Div([html.P(t("conflict_yours"), className="muted"), html.Blockquote(stem or "", className="stem"),
                             html.Ol([html.Li([html.Span(label, className="label"), " ", text], className="option")
                                      for label, text in options], className="options")], className="diff-new")
            return (html.Div([message(str(exc), "error"), html.H4(t("conflict_both")),
                              html.Div([theirs, mine], className="diff"),
                              html.H4(t("field_stem")), diff_view(newest.stem, stem or "")],
                             className="conflict", id="bank-conflict"), *nothing)
        except (UserError, ValueError) as exc:
            return (message(str(exc), "error"), *nothing)
        choices = [{"label": f"v{n}", "value": n} for n in sorted(numbers)]
        return (message(t("edit_saved", code=code, version=number), "ok"), choices, number,
                choices, int(base), choices, number)

    @app.callback(Permission.EDIT_ITEMS, Output("bank-set-message", "children"),
                  Output("bank-enemy-refresh", "data", allow_duplicate=True), Output("bank-set-reason", "value"),
                  Input("bank-set-save", "n_clicks"), State("bank-item-code", "data"), State("bank-set-code", "value"),
                  State("bank-set-reason", "value"), State("bank-enemy-refresh", "data"), prevent_initial_call=True)
    def move_to_set(clicks: int | None, code: str, set_code: str | None, reason: str | None, refresh: int | None):
        if not clicks:
            raise PreventUpdate
        try:
            with Session(engine) as session:
                item = bank.assign_item_set(session, code, set_code or None, actor=current_user()["username"],
                                            reason=reason or "")
                now = item.item_set.code if item.item_set else None
                session.commit()
        except UserError as exc:
            return message(str(exc), "error"), no_update, no_update
        done = t("item_set_moved", code=code, set=now) if now else t("item_set_removed", code=code)
        # the relations refresh redraws the set box and the history
        return message(done, "ok"), (refresh or 0) + 1, ""
