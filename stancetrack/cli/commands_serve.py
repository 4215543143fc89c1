"""`stancetrack serve`: the JSON API and the dashboard over one database."""

from __future__ import annotations

from typing import Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import settings_for
from stancetrack.cli.options import DbOption, DebugOption, TargetOption
from stancetrack.cli.render import stderr


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    target: TargetOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes sharing the port.")
    ] = 1,
) -> None:
    """Serve the JSON API under /api/ and the dashboard at / (Ctrl-C stops it).

    Writes (POST /api/articles) need STANCETRACK_API_TOKEN set; reads are open.

    Example: stancetrack serve --port 8000 --db postgresql://localhost/news
    """
    from stancetrack.db import Database
    from stancetrack.db.engine import redact_url
    from stancetrack.service.server import serve

    settings = settings_for(db, target=target)
    Database(settings.database_url).dispose()  # fail fast (one line) on a bad database
    stderr().print(
        f"serving {redact_url(settings.database_url)} on http://{host}:{port}/ "
        f"(API: /api/, OpenAPI: /api/openapi.json)",
        highlight=False,
    )
    if host not in ("127.0.0.1", "localhost", "::1"):
        stderr().print("[yellow]note[/yellow]: listening beyond loopback: reads are open to all")
    serve(settings, host=host, port=port, workers=workers)
