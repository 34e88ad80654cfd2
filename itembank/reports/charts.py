"""Plotly figures as static SVG for the reports, through Kaleido.

Kaleido 1.x draws a figure with plotly.js inside a headless Chrome/Chromium that it drives
over the DevTools protocol (``choreographer``). It downloads nothing at run time: it uses the
browser it finds on the machine (Debian's ``chromium`` at ``/usr/bin/chromium``), or the one
named by ``BROWSER_PATH``. All figures of one report are drawn in one browser session (one
start-up of about two seconds, then a fraction of a second per figure).

The same SVG goes into the HTML report and, through WeasyPrint, into the PDF, so paper and
screen show the same picture. Without a browser the report is still written, with a note in
place of each chart (every number is in the tables as well); :func:`render_svgs` says why.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Sequence
from typing import Any

__all__ = ["ChartError", "browser_path", "render_svgs"]

#: Where Debian's Chromium lives; Kaleido finds it there by itself, this is for messages.
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


class ChartError(RuntimeError):
    """The charts could not be drawn (no browser, or Kaleido not installed)."""


def browser_path() -> str | None:
    """The Chrome/Chromium Kaleido will use, or None when there is none on the PATH."""
    import os

    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return configured
    return next((p for p in map(shutil.which, _BROWSERS) if p), None)


async def _draw(figures: Sequence[Any], sizes: Sequence[tuple[int, int]]) -> list[str]:
    import kaleido

    out = []
    # One browser for every figure of the report; n=1: the figures are small and the machine
    # may be busy.
    async with kaleido.Kaleido(n=1) as k:
        for fig, (width, height) in zip(figures, sizes):
            data = await k.calc_fig(fig, opts={"format": "svg", "width": width, "height": height})
            out.append(data.decode("utf-8") if isinstance(data, bytes) else str(data))
    return out


def render_svgs(figures: Sequence[Any], *, width: int = 760, heights: Sequence[int] | None = None) -> list[str]:
    """Each Plotly figure as an SVG document (text), in order.

    Runs Kaleido's asyncio code in a thread of its own, so it works in a notebook (whose event
    loop is already running) as on the command line. Raises :class:`ChartError` when no
    browser can be started.
    """
    if not figures:
        return []
    try:
        import kaleido  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a dependency of itembank
        raise ChartError(f"kaleido is not installed ({exc})") from None
    if browser_path() is None:
        raise ChartError("no Chrome or Chromium found for Kaleido (apt-get install chromium, "
                         "or set BROWSER_PATH)")
    sizes = [(width, int(h)) for h in (heights or [int(f.layout.height or 320) for f in figures])]
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["svgs"] = asyncio.run(_draw(figures, sizes))
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below
            box["error"] = exc

    # Two attempts: on a busy machine the headless browser can miss Kaleido's start-up
    # handshake once; a second start nearly always succeeds, and a report without its charts
    # is worse than one that took a few seconds longer.
    for _attempt in range(2):
        box.clear()
        thread = threading.Thread(target=run, name="kaleido")
        thread.start()
        thread.join()
        if "error" not in box:
            break
    if "error" in box:
        raise ChartError(f"Kaleido could not draw the charts: {box['error']}") from box["error"]
    return box["svgs"]
