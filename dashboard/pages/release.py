"""The release page (secretary): check, see what changes, release; then objections,
annulments and the results as a file.

1. **Checklist** (:mod:`itembank.services.release_checklist`): every critical flag decided or
   kept with a reason, a cut score fixed, every decision reasoned. What is missing is said in
   words; the release button stays disabled until the checklist passes (and the service refuses
   a release with a failing checklist in any case). A flagged item the committee keeps as it is
   can be recorded here, with its reason.
2. **What this release changes** against the previous one (:func:`itembank.services.previews.preview_release`):
   maximum, cut, pass rate, the number of outcome flips, then the candidates. Confirming
   releases exactly what was shown: when anything changed in between (a decision recorded
   meanwhile) the page says so and shows the new summary instead of releasing.
3. **Releases**: revision, date, who, content hash and whether the snapshot still matches it,
   and what each changed (:mod:`itembank.services.release_history`).
4. **Objections** (an individual re-score) and **annulments**, each previewed as the
   candidate's result before -> after. The preview is the service itself run in a transaction
   that is rolled back, so it cannot differ from what confirming records.
5. **Results download** as CSV (exactly ``itembank results``) and XLSX (:mod:`itembank.io.results_files`).
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.auth import current_user
from dashboard.components import message, sitting_tabs
from dashboard.guard import GuardedApp
from dashboard.pages import Page, allowed_tabs
from itembank.display import shown_percent
from itembank.errors import UserError
from itembank.io.numbers import parse_number
from itembank.io.results_files import results_csv, results_xlsx
from itembank.permissions import Permission
from itembank.services import release_checklist, release_history, results
from itembank.services.administrations import get_administration
from itembank.services.forms import get_form
from itembank.services.previews import OutcomeChange, preview_release
from itembank.text import t

__all__ = ["PAGE", "register", "change_block", "fingerprint"]

FLIPS_LISTED = 50  # candidates listed in a summary; the count is always complete
RESULT_FIELDS = ("total", "grade", "outcome")  # the result shown before -> after


def _box(title: str, *children: Any, class_name: str = "release-box") -> html.Section:
    return html.Section(className=class_name, children=[html.H2(title), *children])


def _buttons(prefix: str) -> html.Div:
    return html.Div(className="buttons", children=[
        html.Button(t("button_preview"), id=f"release-{prefix}-preview-button", className="primary"),
        html.Button(t("button_confirm"), id=f"release-{prefix}-confirm-button", disabled=True, className="confirm"),
        html.Button(t("button_cancel"), id=f"release-{prefix}-cancel-button", disabled=True)])


def _objection_form() -> html.Div:
    return html.Div(className="actions-box", children=[
        html.H3(t("objection_title")), html.P(t("objection_hint"), className="muted"),
        html.Div(className="field-row", children=[
            html.Div([html.Label(t("label_candidate"), htmlFor="release-objection-candidate"),
                      dcc.Input(id="release-objection-candidate", type="text", placeholder="C10001")]),
            html.Div([html.Label(t("label_item"), htmlFor="release-objection-item"),
                      dcc.Dropdown(id="release-objection-item", options=[], placeholder=t("label_item_pick"))]),
            html.Div([html.Label(t("label_points"), htmlFor="release-objection-points"),
                      dcc.Input(id="release-objection-points", type="text", inputMode="decimal", placeholder="1")]),
        ]),
        html.Label(t("action_reason_label"), htmlFor="release-objection-reason"),
        dcc.Textarea(id="release-objection-reason", placeholder=t("objection_reason_placeholder"), className="reason"),
        _buttons("objection"),
        dcc.Loading(html.Div(id="release-objection-preview"), type="dot"),
        html.Div(id="release-objection-message"),
    ])


def _annul_form() -> html.Div:
    return html.Div(className="actions-box", children=[
        html.H3(t("annul_title")), html.P(t("annul_hint"), className="muted"),
        html.Label(t("label_candidate"), htmlFor="release-annul-candidate"),
        dcc.Input(id="release-annul-candidate", type="text", placeholder="C10001"),
        html.Label(t("action_reason_label"), htmlFor="release-annul-reason"),
        dcc.Textarea(id="release-annul-reason", placeholder=t("annul_reason_placeholder"), className="reason"),
        _buttons("annul"),
        dcc.Loading(html.Div(id="release-annul-preview"), type="dot"),
        html.Div(id="release-annul-message"),
    ])


def layout(engine: Engine, user: dict[str, Any], code: str) -> html.Div:
    from dashboard.pages.review import not_ready

    tabs = sitting_tabs(code, "release", allowed_tabs(user.get("roles", [])))
    missing = not_ready(engine, code)
    if missing is not None:
        return html.Div([tabs, missing])
    return html.Div(className="release-page", children=[
        tabs,
        dcc.Store(id="release-code", data=code),
        dcc.Store(id="release-refresh", data=0),
        dcc.Store(id="release-shown"),
        dcc.Store(id="release-objection-pending"), dcc.Store(id="release-objection-done", data=0),
        dcc.Store(id="release-annul-pending"), dcc.Store(id="release-annul-done", data=0),
        html.Div(className="release-top", children=[
            _box(t("checklist_title"),
                 dcc.Loading(html.Div(id="release-checklist", children=html.P(t("loading"), className="muted")),
                             type="dot"),
                 html.Div(id="release-keep-box", hidden=True, className="actions-box", children=[
                     html.H3(t("keep_title")), html.P(t("keep_hint"), className="muted"),
                     html.Label(t("keep_item_label"), htmlFor="release-keep-item"),
                     dcc.Dropdown(id="release-keep-item", options=[]),
                     html.Label(t("keep_reason_label"), htmlFor="release-keep-reason"),
                     dcc.Textarea(id="release-keep-reason", className="reason",
                                  placeholder=t("keep_reason_placeholder")),
                     html.Div(className="buttons", children=[html.Button(t("keep_button"), id="release-keep-button")]),
                     html.Div(id="release-keep-message")])),
            _box(t("release_changes_title"),
                 dcc.Loading(html.Div(id="release-summary"), type="dot"),
                 html.Label(t("release_note_label"), htmlFor="release-note"),
                 dcc.Input(id="release-note", type="text", className="wide", placeholder=t("release_note_placeholder")),
                 html.Div(id="release-blocked"),
                 html.Div(className="buttons", children=[
                     html.Button(t("release_button"), id="release-confirm-button", disabled=True,
                                 className="confirm")]),
                 dcc.Loading(html.Div(id="release-message"), type="dot")),
        ]),
        _box(t("releases_title"),
             html.Div(className="downloads", children=[
                 html.Span(t("download_label")),
                 html.Button(t("download_csv"), id="release-csv-button"),
                 html.Button(t("download_xlsx"), id="release-xlsx-button"),
                 dcc.Download(id="release-download"), html.Span(id="release-download-message")]),
             dcc.Loading(html.Div(id="release-list"), type="dot"), class_name="release-box wide"),
        _box(t("revisions_title"),
             html.Div(className="release-forms", children=[_objection_form(), _annul_form()]),
             html.H3(t("revisions_made")),
             html.Div(id="release-revisions"), class_name="release-box wide"),
    ])


PAGE = Page("release", "/sitting/<code>/release", Permission.RELEASE, "release_page_title", layout)


# --- building blocks of the callbacks (no Dash state here) ---

def _rate(x: float | None) -> str:
    return "–" if x is None else shown_percent(x, "percent")


def fingerprint(change: OutcomeChange) -> str:
    """What the secretary was shown: the summary and every flipping candidate. Confirming
    releases only when the summary computed at that moment is the same."""
    return "\n".join(change.lines()) + "\n" + ",".join(sorted(map(str, change.flips["candidate"])))


def change_block(change: OutcomeChange, against: int | None) -> html.Div:
    """A release's summary: maximum, cut, pass rate before -> after, the flips, then the list."""
    rows = [(t("maximum"), change.max_before or "–", change.max_after),
            (t("cut_score"), change.cut_before or "–", change.cut_after),
            (t("pass_rate"), _rate(change.pass_rate_before), _rate(change.pass_rate_after))]
    flips = change.flips.head(FLIPS_LISTED)
    kinds = [t("flip_kind", before=b, after=a, n=n) for b, a, n in change.flip_counts()]
    return html.Div(className="preview", children=[
        html.P(t("release_against", revision=against) if against else t("release_first"), className="muted"),
        html.Table([html.Thead(html.Tr([html.Th(""), html.Th(t("before")), html.Th(t("after"))])),
                    html.Tbody([html.Tr([html.Th(a), html.Td(b), html.Td(d, className="changed" if b != d else "")])
                                for a, b, d in rows])], className="before-after"),
        html.P([html.Strong(t("flips_count", n=change.n_flips)), (" — " + "; ".join(kinds)) if kinds else ""],
               id="release-flips-count", hidden=against is None),
        html.Div(className="flips-scroll", children=html.Table([
            html.Thead(html.Tr([html.Th(t("col_candidate")), html.Th(t("col_total")), html.Th(t("col_outcome"))])),
            html.Tbody([html.Tr([html.Td(r.candidate), html.Td(f"{r.total_before} → {r.total_after}"),
                                 html.Td(f"{r.outcome_before} → {r.outcome_after}")]) for r in flips.itertuples()])],
            className="flips")) if change.n_flips else None,
        html.P(t("flips_more", n=change.n_flips - FLIPS_LISTED), className="muted")
        if change.n_flips > FLIPS_LISTED else None,
    ])


def _checklist_block(checklist: release_checklist.ReleaseChecklist) -> html.Div:
    items = []
    for c in checklist.checks:
        details = [html.Li(p, className="missing") for p in c.problems] + \
            [html.Li(n, className="note") for n in c.notes]
        items.append(html.Li(className="check " + ("passed" if c.passed else "failed"), children=[
            html.Span("✔" if c.passed else "✖", className="mark", **{"aria-hidden": "true"}),
            html.Strong(c.title), " — ", html.Span(t("check_ok") if c.passed else t("check_missing")),
            html.Ul(details) if details else None]))
    verdict = message(t("checklist_ready"), "ok") if checklist.ready else message(t("checklist_not_ready"), "error")
    return html.Div([verdict, html.Ul(items, className="checklist", id="release-checks")])


def _change_words(change: OutcomeChange) -> str:
    if change.max_before is None:  # a first release: nothing to compare with
        return t("first_release_words", maximum=change.max_after, cut=change.cut_after,
                 rate=_rate(change.pass_rate_after))
    words = [f"{t('maximum')} {change.max_before or '–'} → {change.max_after}",
             f"{t('cut_score')} {change.cut_before or '–'} → {change.cut_after}",
             f"{t('pass_rate')} {_rate(change.pass_rate_before)} → {_rate(change.pass_rate_after)}",
             t("flips_count", n=change.n_flips)]
    words += [t("flip_kind", before=b, after=a, n=n) for b, a, n in change.flip_counts()]
    return " · ".join(words)


def _releases_table(rows: list[release_history.ReleaseRecord]) -> Any:
    if not rows:
        return html.P(t("no_releases"), className="muted")
    head = ["col_revision", "col_released_at", "col_who", "col_note", "col_hash", "col_verified", "col_changed"]
    return html.Table(className="releases", id="release-table", children=[
        html.Thead(html.Tr([html.Th(t(k)) for k in head])),
        html.Tbody([html.Tr([
            html.Td(r.revision), html.Td(f"{r.created_at:%Y-%m-%d %H:%M}"), html.Td(r.created_by), html.Td(r.note),
            html.Td(html.Code(r.content_hash[:16] + "…", title=r.content_hash)),
            html.Td(t("verified_yes") if r.verified else t("verified_no"),
                    className="verified" if r.verified else "not-verified"),
            html.Td(_change_words(r.change))]) for r in rows])])


def _revisions_table(rows: list[release_history.RevisionRecord]) -> Any:
    if not rows:
        return html.P(t("no_revisions"), className="muted")
    head = ["col_release", "col_candidate", "col_kind", "col_item", "col_points", "col_result_after", "col_reason",
            "col_who", "col_when"]
    return html.Table(className="releases", id="release-revision-table", children=[
        html.Thead(html.Tr([html.Th(t(k)) for k in head])),
        html.Tbody([html.Tr([
            html.Td(r.release), html.Td(r.candidate), html.Td(t(f"kind_{r.kind}")), html.Td(r.item or "–"),
            html.Td(r.points or "–"), html.Td(r.outcome if r.kind == "annulment" else f"{r.total} · {r.outcome}"),
            html.Td(r.reason), html.Td(r.created_by), html.Td(f"{r.created_at:%Y-%m-%d %H:%M}")]) for r in rows])])


def _result_block(candidate: str, before: dict[str, Any], after: dict[str, Any], title: str) -> html.Div:
    """One candidate's result before -> after (the fields of :data:`RESULT_FIELDS` that are filled)."""
    rows = [(t(f"col_{f}"), str(before.get(f, "")), str(after.get(f, ""))) for f in RESULT_FIELDS
            if str(before.get(f, "")) or str(after.get(f, ""))]
    return html.Div(className="preview", children=[
        html.H4(title),
        html.Table([html.Thead(html.Tr([html.Th(candidate), html.Th(t("before")), html.Th(t("after"))])),
                    html.Tbody([html.Tr([html.Th(a), html.Td(b or "–"), html.Td(d or "–", className="changed" if b != d
                                                                                 else "")]) for a, b, d in rows])],
                   className="before-after"),
        html.P(t("revision_confirm_hint"), className="muted")])


def _tried(engine: Engine, code: str, candidate: str, record: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The candidate's result now and after ``record(session)`` (a service call returning the
    new result revision), computed by that service in a transaction that is rolled back."""
    with Session(engine) as session:
        try:
            table = results.current_results(session, code).set_index("candidate")
            revision = record(session)  # refuses an unknown candidate before the row is read
            before = {k: str(v) for k, v in table.loc[candidate].items()}
            return before, dict(revision.result["row"])
        finally:
            session.rollback()


def _revision_callback(engine: Engine, kind: str, trigger: str, code: str, candidate: str | None,
                       reason: str | None, pending: dict | None, done: int | None, **extra: Any) -> tuple:
    """The preview / confirm / cancel of an objection (``kind`` "objection") or annulment."""
    cleared = (None, None, True, True)
    if trigger.endswith("cancel-button"):
        return *cleared, message(t("decision_cancelled")), no_update
    user = current_user() or {}
    if trigger.endswith("preview-button"):
        candidate = (candidate or "").strip()
        if not candidate:
            return *cleared, message(t("candidate_needed"), "error"), no_update
        if not (reason or "").strip():
            return *cleared, message(t("revision_reason_needed"), "error"), no_update
        args = {"candidate": candidate, "reason": reason.strip()}
        if kind == "objection":
            if not extra.get("item"):
                return *cleared, message(t("item_needed"), "error"), no_update
            try:
                points = format(parse_number(extra.get("points") or ""), "f")
            except ValueError:
                return *cleared, message(t("points_not_a_number", points=(extra.get("points") or "").strip()),
                                         "error"), no_update
            args.update(item=extra["item"], points=points)
        try:
            before, after = _tried(engine, code, candidate, lambda s: _record(s, kind, code, args, user))
        except UserError as exc:
            return *cleared, message(str(exc), "error"), no_update
        title = t("objection_preview_title", item=args.get("item"), points=args.get("points")) \
            if kind == "objection" else t("annul_preview_title")
        return _result_block(candidate, before, after, title), args, False, False, None, no_update
    if not pending:
        raise PreventUpdate
    try:
        with Session(engine) as session:
            revision = _record(session, kind, code, pending, user)
            number, row = revision.revision, dict(revision.result["row"])
            session.commit()
    except UserError as exc:
        return *cleared, message(str(exc), "error"), no_update
    text = t(f"{kind}_recorded", candidate=pending["candidate"], revision=number, total=row.get("total", ""),
             outcome=row.get("outcome", ""))
    return *cleared, message(text, "ok"), (done or 0) + 1


def _record(session: Session, kind: str, code: str, args: dict[str, Any], user: dict[str, Any]) -> Any:
    if kind == "objection":
        return results.add_objection(session, code, args["candidate"], args["item"], args["points"],
                                     reason=args["reason"], actor=user["username"])
    return results.annul_result(session, code, args["candidate"], reason=args["reason"], actor=user["username"])


def register(app: GuardedApp, engine: Engine) -> None:
    refreshes = [Input("release-code", "data"), Input("release-refresh", "data"),
                 Input("release-objection-done", "data"), Input("release-annul-done", "data")]

    @app.callback(Permission.RELEASE,
                  Output("release-checklist", "children"), Output("release-keep-box", "hidden"),
                  Output("release-keep-item", "options"), Output("release-summary", "children"),
                  Output("release-confirm-button", "disabled"), Output("release-blocked", "children"),
                  Output("release-shown", "data"), *refreshes)
    def load_checklist(code: str | None, *_refresh: Any):
        if not code:
            raise PreventUpdate
        try:
            with Session(engine) as session:
                checklist = release_checklist.release_checklist(session, code)
                change, against = preview_release(session, code)
        except UserError as exc:
            return message(str(exc), "error"), True, [], None, True, None, None
        open_items = [{"label": f"{f.item} ({', '.join(t(f'flag_{c}') for c in f.open_codes)})", "value": f.item}
                      for f in checklist.open_items]
        blocked = None if checklist.ready else html.Div(className="blocked", children=[
            html.P(t("release_blocked")), html.Ul([html.Li(m) for m in checklist.missing])])
        return (_checklist_block(checklist), not open_items, open_items, change_block(change, against),
                not checklist.ready, blocked, fingerprint(change))

    @app.callback(Permission.RELEASE,
                  Output("release-list", "children"), Output("release-revisions", "children"),
                  Output("release-objection-item", "options"), *refreshes)
    def load_history(code: str | None, *_refresh: Any):
        if not code:
            raise PreventUpdate
        try:
            with Session(engine) as session:
                releases = release_history.list_releases(session, code)
                revisions = release_history.list_result_revisions(session, code)
                items = [fi.item_version.item.code
                         for fi in get_form(session, get_administration(session, code).form.code).items]
        except UserError as exc:
            return message(str(exc), "error"), None, []
        return _releases_table(releases), _revisions_table(revisions), items

    @app.callback(Permission.RELEASE,
                  Output("release-keep-message", "children"), Output("release-message", "children"),
                  Output("release-refresh", "data"), Output("release-note", "value"),
                  Input("release-keep-button", "n_clicks"), Input("release-confirm-button", "n_clicks"),
                  State("release-code", "data"), State("release-keep-item", "value"),
                  State("release-keep-reason", "value"), State("release-note", "value"),
                  State("release-shown", "data"), State("release-refresh", "data"), prevent_initial_call=True)
    def act(keep_clicks, release_clicks, code, item, reason, note, shown, refresh):
        trigger = ctx.triggered_id
        if not code or trigger not in ("release-keep-button", "release-confirm-button"):
            raise PreventUpdate
        if not (keep_clicks if trigger == "release-keep-button" else release_clicks):
            raise PreventUpdate
        user = current_user() or {}
        if trigger == "release-keep-button":
            if not item:
                return message(t("keep_pick_first"), "error"), no_update, no_update, no_update
            try:
                with Session(engine) as session:
                    kept = release_checklist.keep_flags(session, code, item, reason=reason or "",
                                                        actor=user["username"])
                    text = t("kept_recorded", item=kept.item, flags=", ".join(t(f"flag_{c}") for c in kept.codes))
                    session.commit()
            except UserError as exc:
                return message(str(exc), "error"), no_update, no_update, no_update
            return message(text, "ok"), no_update, (refresh or 0) + 1, no_update
        try:
            with Session(engine) as session:
                change, _ = preview_release(session, code)
                if fingerprint(change) != shown:  # something was decided since the summary was read
                    return no_update, message(t("release_summary_changed"), "error"), (refresh or 0) + 1, no_update
                checked = release_checklist.release_with_checklist(session, code, actor=user["username"],
                                                                   note=(note or "").strip())
                outcome = checked.outcome
                revision, content_hash = outcome.release.revision, outcome.release.content_hash
                session.commit()
        except UserError as exc:
            return no_update, message(str(exc), "error"), (refresh or 0) + 1, no_update
        if outcome.unchanged:
            return no_update, message(t("release_unchanged", revision=revision), "notice"), no_update, no_update
        return no_update, message(t("release_done", revision=revision, hash=content_hash), "ok"), (refresh or 0) + 1, ""

    for kind in ("objection", "annul"):
        _register_revision(app, engine, kind)

    @app.callback(Permission.RELEASE,
                  Output("release-download", "data"), Output("release-download-message", "children"),
                  Input("release-csv-button", "n_clicks"), Input("release-xlsx-button", "n_clicks"),
                  State("release-code", "data"), prevent_initial_call=True)
    def download(csv_clicks, xlsx_clicks, code):
        trigger = ctx.triggered_id
        if not code or not (csv_clicks if trigger == "release-csv-button" else xlsx_clicks):
            raise PreventUpdate
        try:
            with Session(engine) as session:
                table = results.current_results(session, code)
        except UserError as exc:
            return no_update, message(str(exc), "error")
        name = f"{code}-results"
        if trigger == "release-csv-button":
            return dcc.send_string(results_csv(table), f"{name}.csv"), None
        return dcc.send_bytes(results_xlsx(table), f"{name}.xlsx"), None


def _register_revision(app: GuardedApp, engine: Engine, kind: str) -> None:
    prefix = f"release-{kind}"
    extra = [State(f"{prefix}-item", "value"), State(f"{prefix}-points", "value")] if kind == "objection" else []

    @app.callback(Permission.RELEASE,
                  Output(f"{prefix}-preview", "children"), Output(f"{prefix}-pending", "data"),
                  Output(f"{prefix}-confirm-button", "disabled"), Output(f"{prefix}-cancel-button", "disabled"),
                  Output(f"{prefix}-message", "children"), Output(f"{prefix}-done", "data"),
                  Input(f"{prefix}-preview-button", "n_clicks"), Input(f"{prefix}-confirm-button", "n_clicks"),
                  Input(f"{prefix}-cancel-button", "n_clicks"),
                  State("release-code", "data"), State(f"{prefix}-candidate", "value"),
                  State(f"{prefix}-reason", "value"), State(f"{prefix}-pending", "data"),
                  State(f"{prefix}-done", "data"),
                  *extra, prevent_initial_call=True)
    def revise(preview_clicks, confirm_clicks, cancel_clicks, code, candidate, reason, pending, done, *values):
        trigger = ctx.triggered_id
        clicks = {"preview": preview_clicks, "confirm": confirm_clicks, "cancel": cancel_clicks}
        if not code or not isinstance(trigger, str) or not clicks.get(trigger.split("-")[-2]):
            raise PreventUpdate
        item, points = (values + (None, None))[:2]
        return _revision_callback(engine, "objection" if kind == "objection" else "annulment", trigger, code,
                                  candidate, reason, pending, done, item=item, points=points)
