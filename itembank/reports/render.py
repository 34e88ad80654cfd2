"""Reports as HTML and PDF: Jinja2 templates (package data in ``templates/``), charts drawn
once as SVG by Kaleido (:mod:`itembank.reports.charts`), and the PDF printed from the very
same HTML by WeasyPrint, so the two can never differ.

Output files are written through :func:`itembank.io.tables.atomic_output` (a temporary file
next to the target, renamed at the end), so a failed report leaves no partial file and an
existing file untouched.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from itembank.errors import UserError
from itembank.io.tables import atomic_output
from itembank.reports import check_output
from itembank.reports.charts import ChartError, render_svgs
from itembank.text import t

__all__ = ["draw_charts", "html_to_pdf", "render_html", "write_report"]


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("itembank.reports", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["t"] = t
    env.filters["svg_src"] = lambda svg: "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return env


def draw_charts(charts: list[Any]) -> None:
    """Draw every chart of a report as SVG (one browser session). Without a browser each
    chart gets a note instead (``chart.missing``): the tables carry every number anyway."""
    if not charts:
        return
    try:
        svgs = render_svgs([c.figure for c in charts], width=760)
    except ChartError as exc:
        for c in charts:
            c.missing = t("report_chart_missing", why=str(exc))
        return
    for c, svg in zip(charts, svgs):
        c.svg = svg


def render_html(template: str, report: Any) -> str:
    """The report as one self-contained HTML page (styles and charts inline)."""
    return _environment().get_template(template).render(r=report)


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html`` (WeasyPrint; A4, page numbers from the stylesheet)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # WeasyPrint loads Pango (a system library) on import
        raise UserError(f"a PDF report needs WeasyPrint and the Pango library ({exc}); install them "
                        "(pip install weasyprint; apt-get install libpango-1.0-0 libpangoft2-1.0-0) or write "
                        "the report as .html") from None
    return HTML(string=html).write_pdf()


def write_report(template: str, report: Any, out: str | Path) -> Path:
    """Draw the charts, render ``template`` and write HTML or PDF, by ``out``'s suffix."""
    target = check_output(out)
    draw_charts(report.charts)
    html = render_html(template, report)
    payload = html.encode("utf-8") if target.suffix.lower() == ".html" else html_to_pdf(html)
    with atomic_output(target) as tmp:
        tmp.write_bytes(payload)
    return target
