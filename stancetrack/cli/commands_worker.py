"""`stancetrack worker`: run the extraction jobs queued by `extract --queue`."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import command_settings
from stancetrack.cli.options import (
    BackendOption,
    BaseUrlOption,
    ConcurrencyOption,
    DbOption,
    DebugOption,
    TimeoutOption,
)


@app.command("worker")
def worker_command(
    ctx: typer.Context,
    concurrency: ConcurrencyOption = None,
    backend: BackendOption = None,
    base_url: BaseUrlOption = None,
    timeout: TimeoutOption = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Worker name in logs and run records (default: host:pid)."),
    ] = None,
    until_empty: Annotated[
        bool,
        typer.Option("--until-empty", help="Exit once the queue is empty instead of waiting."),
    ] = False,
    stalled_after: Annotated[
        float,
        typer.Option(
            "--stalled-after",
            min=1.0,
            help="Seconds without a heartbeat after which a worker's jobs are run again.",
        ),
    ] = 30.0,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Run queued extraction jobs (PostgreSQL); start one or more per machine.

    The model and target come from each job; the endpoint, key and concurrency from this
    worker's settings. SIGINT/SIGTERM finish the jobs in hand and exit; a worker killed
    outright has its jobs run again by the others after --stalled-after seconds.
    """
    import logging

    from stancetrack.scaleout.worker import run_worker

    settings = command_settings(ctx)
    logging.basicConfig(level=logging.INFO if debug else logging.WARNING)
    asyncio.run(
        run_worker(
            settings,
            concurrency=settings.concurrency,
            name=name or f"{socket.gethostname()}:{os.getpid()}",
            until_empty=until_empty,
            stalled_after=stalled_after,
        )
    )
