"""Library entry points: `extract` and `extract_async`, so the CLI stays a thin shell."""

from __future__ import annotations

import os
from collections.abc import Iterable

from stancetrack.db import Database
from stancetrack.ingest import ArticleInput
from stancetrack.llm.base import Backend
from stancetrack.pipeline.batch import run_extraction
from stancetrack.pipeline.interrupt import run_interruptible
from stancetrack.pipeline.modes import BatchModeStore
from stancetrack.pipeline.summary import ExtractObserver, ExtractSummary
from stancetrack.settings import Settings


async def extract_async(
    paths: Iterable[str],
    settings: Settings,
    *,
    force: bool = False,
    observer: ExtractObserver | None = None,
    database: Database | None = None,
    backend: Backend | None = None,
    inputs: Iterable[ArticleInput] = (),
) -> ExtractSummary:
    """`extract` for callers already in an event loop; opens (and closes) what it is not given.

    `inputs`: articles the caller has already read (`watch`'s pages), extracted first."""
    from stancetrack.llm.factory import backend_notice, make_backend

    # An unknown backend is refused before the database is opened (or created).
    notice = backend_notice(settings, settings.backend) if backend is None else None
    db = database or Database(settings.database_url)
    own_backend = backend is None
    # What the backend learns about the endpoint is written by the batch's one writer.
    modes = BatchModeStore(db) if own_backend else None
    try:
        if backend is None:
            if notice and observer is not None and observer.on_notice is not None:
                observer.on_notice(notice)
            backend = make_backend(settings, backend=settings.backend, mode_store=modes)
        try:
            return await run_extraction(
                db,
                paths,
                settings,
                backend,
                force=force,
                observer=observer,
                modes=modes,
                inputs=inputs,
            )
        finally:
            if own_backend:
                await backend.aclose()
    finally:
        if database is None:
            db.dispose()


def extract(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    db: str | None = None,
    backend: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    concurrency: int | None = None,
    target: str | None = None,
    force: bool = False,
    settings: Settings | None = None,
    observer: ExtractObserver | None = None,
) -> ExtractSummary:
    """Extract grounded claims from files, directories, URLs or '-' into the database.

    Arguments left as None come from the environment and `.env` (see `Settings`), so
    `stancetrack.extract("articles/")` behaves like `stancetrack extract articles/`.
    Returns the batch's counts; `summary.fatal` is set when the backend could not go on
    (bad key, unknown model) and `summary.interrupted` when it was cancelled.
    """
    from stancetrack.settings import load_settings

    if settings is None:
        settings = load_settings(
            database_url=db,
            backend=backend,
            model=model,
            openai_base_url=base_url,
            concurrency=concurrency,
            target=target,
        )
    if isinstance(paths, str | os.PathLike):
        items = [os.fspath(paths)]
    else:
        items = [os.fspath(p) for p in paths]
    return run_interruptible(extract_async(items, settings, force=force, observer=observer))
