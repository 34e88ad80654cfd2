"""Small pieces every page uses: the item grid style, headline cards, messages, the sitting's
tabs. Layout only — no data is read here."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from itembank.display import DECIMALS
from itembank.text import t

__all__ = ["grid", "cards", "message", "sitting_tabs", "decimals_format", "numeric_column", "explained"]


def decimals_format(kind: str) -> dict[str, Any]:
    """An AG Grid value formatter showing a number with the decimals of ``kind``
    (:data:`itembank.display.DECIMALS`), so 0.8 reads 0.80 next to 0.79."""
    return {"function": f"params.value == null ? '–' : d3.format('.{DECIMALS[kind]}f')(params.value)"}


def numeric_column(field: str, kind: str, header: str, tooltip: str | None = None, *, shown: bool = False,
                   **extra: Any) -> dict[str, Any]:
    """A number column; with ``shown`` the row's ``<field>_shown`` text is displayed (a value
    shown against a flag's limit, :func:`itembank.display.shown_against`) and the number sorts."""
    formatter = ({"function": f"params.data.{field}_shown == null ? '–' : params.data.{field}_shown"} if shown
                 else decimals_format(kind))
    column = {"field": field, "headerName": header, "type": "numericColumn", "valueFormatter": formatter, **extra}
    if tooltip:
        column["headerTooltip"] = tooltip
    return column


def grid(grid_id: str, columns: list[dict[str, Any]], *, height: str | None = None, **options: Any) -> dag.AgGrid:
    """An AG Grid table: sortable, resizable, with tooltips; auto height unless ``height``."""
    layout = {} if height else {"domLayout": "autoHeight"}
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=[],
        defaultColDef={"sortable": True, "resizable": True, "flex": 1, "minWidth": 60},
        dashGridOptions={**layout, "tooltipShowDelay": 300, "enableBrowserTooltips": False, **options},
        style={"height": height} if height else {"height": None},
        className="ag-theme-alpine",
    )


def cards(pairs: list[tuple[str, str, str | None]]) -> list[html.Div]:
    """Headline figures: (label, value, explanation shown on hover)."""
    return [html.Div([html.Span(label, className="label"), html.Span(value, className="value")],
                     className="card", title=why or "") for label, value, why in pairs]


def message(text: str, kind: str = "notice") -> html.Div:
    """A message in the page (``notice``, ``error``, ``ok``), announced to screen readers."""
    return html.Div(text, className=f"message message-{kind}", role="alert" if kind == "error" else "status")


def explained(label: str, explanation: str) -> html.Abbr:
    """A term with its explanation on hover (p, Rit, alpha, ...)."""
    return html.Abbr(label, title=explanation)


def sitting_tabs(code: str, current: str, allowed_pages: set[str]) -> html.Nav:
    """The tabs of one sitting (review, cut score, release): the pages this user may open."""
    from dashboard.pages import SITTING_TABS, sitting_path

    links = [dcc.Link(t(key), href=sitting_path(code, name), className="tab" + (" current" if name == current else ""))
             for name, key in SITTING_TABS if name in allowed_pages]
    return html.Nav([html.Span(t("sitting_heading", code=code), className="sitting"), *links], className="tabs")
