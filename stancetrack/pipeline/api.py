"""Library entry points: `extract` and `extract_async`, so the CLI stays a thin shell."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Unpack

from stancetrack.db import Database
from stancetrack.ingest import ArticleInput
from stancetrack.llm.base import Backend
from stancetrack.pipeline.engine import Engine
from stancetrack.pipeline.interrupt import run_interruptible
from stancetrack.pipeline.summary import ExtractObserver, ExtractSummary
from stancetrack.settings import SettingOptions, Settings, settings_from_options


async def extract_async(
    paths: Iterable[str],
    settings: Settings,
    *,
    force: bool = False,
    observer: ExtractObserver | None = None,
    database: Database | None = None,
    backend: Backend | None = None,
    inputs: Iterable[ArticleInput] = (),
    writer_process: bool | None = None,
    concurrency: int | None = None,
) -> ExtractSummary:
    """One run through an engine of its own, for callers already in an event loop that
    extract once (`extract`); long-lived callers keep an `Engine` (pipeline/engine.py).

    `inputs`: articles the caller has already read, extracted first."""
    observer = observer or ExtractObserver()
    engine = Engine.open(
        settings,
        database=database,
        backend=backend,
        writer_process=writer_process,
        on_notice=observer.on_notice,
    )
    try:
        return await engine.run(
            paths, inputs=inputs, force=force, observer=observer, concurrency=concurrency
        )
    finally:
        await engine.aclose()


def extract(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    force: bool = False,
    settings: Settings | None = None,
    observer: ExtractObserver | None = None,
    **options: Unpack[SettingOptions],
) -> ExtractSummary:
    """Extract grounded claims from files, directories, URLs or '-' into the database.

    `options` are the command line's (db, backend, model, base_url, concurrency, timeout,
    target, max_tokens, temperature; `SettingOptions`); those left out or None come from
    the environment and `.env` (see `Settings`), so `stancetrack.extract("articles/")`
    behaves like `stancetrack extract articles/`. Ignored when `settings` is given.
    Returns the batch's counts; `summary.fatal` is set when the backend could not go on
    (bad key, unknown model) and `summary.interrupted` when it was cancelled.
    """
    if settings is None:
        settings = settings_from_options(options)
    if isinstance(paths, str | os.PathLike):
        items = [os.fspath(paths)]
    else:
        items = [os.fspath(p) for p in paths]
    return run_interruptible(extract_async(items, settings, force=force, observer=observer))
