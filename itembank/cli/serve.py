"""``itembank dashboard``: serve the Dash dashboard on a bank."""

from __future__ import annotations

from typing import Annotated

import typer

from itembank.cli.common import DbOption, in_range, user_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard_cli)


def dashboard_cli(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 exposes it to the network")] = "127.0.0.1",
    port: Annotated[int, typer.Option(callback=in_range(1, 65535), help="Port to listen on")] = 8050,
    workers: Annotated[int, typer.Option(callback=in_range(1, 64), help="Worker processes (use PostgreSQL for "
                                         "several users)")] = 2,
) -> None:
    """Serve the dashboard (item analysis for the committee) until Ctrl-C."""
    from dashboard import serve  # Dash loads only for this command
    from itembank.storage.db import open_bank

    with user_errors():
        open_bank(db).dispose()  # a --db that is not a bank is said before "dashboard on ..."
        typer.echo(f"itembank dashboard on http://{host}:{port}/  (Ctrl-C stops it)")
        serve(db, host=host, port=port, workers=workers)
