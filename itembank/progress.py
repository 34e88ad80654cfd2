"""Progress on long work, in the terminal: a spinner with what is being done.

Services stay silent (they run under the dashboard too); a CLI command wraps a call that can
take long — an import, scoring or analysing a large sitting, assembly — in :func:`step`. The
spinner appears only when the step is still running after ``delay`` seconds and only on a
terminal, so quick commands, pipes and tests print nothing extra. rich (installed with typer)
draws it on standard error, leaving standard output to the command's results.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["step"]


@contextmanager
def step(message: str, *, delay: float = 1.0) -> Iterator[None]:
    """Show ``message`` with a spinner and the elapsed time while the block runs longer than
    ``delay`` seconds; on success the line stays with the time it took."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    console = Console(stderr=True)
    started = time.perf_counter()
    status: dict[str, Any] = {}
    lock = threading.Lock()

    def show() -> None:
        with lock:
            if "done" not in status:
                status["live"] = console.status(message)
                status["live"].start()

    timer = threading.Timer(delay, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            status["done"] = True
            live = status.get("live")
        if live is not None:
            live.stop()
            if sys.exc_info()[0] is None:
                console.print(f"{message} done in {time.perf_counter() - started:.1f} s")
