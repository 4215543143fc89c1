"""What submitting and collecting share: the backend a batch was built with, its provenance,
its articles as inputs, and building + launching one request file."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from stancetrack.db import Database
from stancetrack.db.models import ApiBatch, Article
from stancetrack.db.repository import batches as repo
from stancetrack.errors import ConfigError
from stancetrack.ingest import ArticleInput
from stancetrack.llm.base import ExtractionRequest, PromptInfo
from stancetrack.llm.openai_backend import OpenAIBackend
from stancetrack.pipeline.messages import Provenance
from stancetrack.scaleout.batch_files import Limits, RequestFile, request_lines
from stancetrack.scaleout.batch_provider import Provider
from stancetrack.settings import Settings


def openai_backend(settings: Settings) -> OpenAIBackend:
    if not settings.endpoint_configured():
        raise ConfigError(
            "the Batch API needs an OpenAI-compatible endpoint: set OPENAI_API_KEY or"
            " OPENAI_BASE_URL"
        )
    return OpenAIBackend(settings)


def backend_for(settings: Settings, batch: ApiBatch) -> OpenAIBackend:
    """A backend asking exactly what the batch asked (its model, target, parameters).

    Refuses when the prompt changed since the batch was built: its answers would be stored
    under a prompt that did not produce them.
    """
    backend = openai_backend(
        settings.model_copy(
            update={
                "model": batch.model,
                "target": batch.target,
                "temperature": batch.temperature,
                "max_tokens": batch.max_tokens,
            }
        )
    )
    if backend.prompt.sha256 != batch.prompt_sha256:
        raise ConfigError(
            f"batch {batch.id}: the prompt changed since it was submitted"
            f" ({batch.prompt_version} {batch.prompt_sha256[:12]} then,"
            f" {backend.prompt.version} {backend.prompt.sha256[:12]} now)"
        )
    return backend


def batch_fields(backend: OpenAIBackend, target: str, mode: str) -> dict[str, Any]:
    return {
        "endpoint_host": backend.endpoint_host,
        "model": backend.model,
        "target": target,
        "prompt_name": backend.prompt.name,
        "prompt_version": backend.prompt.version,
        "prompt_sha256": backend.prompt.sha256,
        "output_mode": mode,
        "temperature": backend.temperature,
        "max_tokens": backend.max_tokens,
    }


def provenance_for(batch: ApiBatch, via: str) -> Provenance:
    """What the runs of a batch's answers record: the batch's provenance and id."""
    return Provenance(
        "openai",
        batch.model,
        batch.endpoint_host,
        PromptInfo(batch.prompt_name, batch.prompt_version, batch.prompt_sha256),
        batch.temperature,
        batch.max_tokens,
        {"via": via, "batch": batch.provider_id, "batch_row": batch.id},
    )


def article_input(article: Article) -> ArticleInput:
    """The stored article as the live path reads it (every input field is a column)."""
    return ArticleInput(**{f.name: getattr(article, f.name) for f in fields(ArticleInput)})


def extraction_request(article: Article | ArticleInput, target: str) -> ExtractionRequest:
    return ExtractionRequest(
        title=article.title,
        text=article.text,
        target=target,
        published=article.published,
        source=article.source,
    )


def article_lines(
    backend: OpenAIBackend, request: ExtractionRequest, key: str, mode: str
) -> list[bytes]:
    """The article's batch lines: the live path's first requests, in wire form."""
    bodies = [backend.request_body(part.messages, mode) for part in backend.parts(request)]
    return request_lines(key, bodies)


async def launch(db: Database, provider: Provider, batch_id: int, path: str) -> str:
    """Upload a batch's request file and create the batch, recording each step, so that a
    crash between any two is finished by `recover` (see collect.py)."""
    file_id = await provider.upload(path)
    with db.session() as session:
        repo.update_batch(session, batch_id, input_file_id=file_id, status=repo.UPLOADED)
    return await create_from_file(db, provider, batch_id, file_id)


async def create_from_file(db: Database, provider: Provider, batch_id: int, file_id: str) -> str:
    created = await provider.create(file_id, batch_id)
    with db.session() as session:
        repo.update_batch(session, batch_id, provider_id=created.id, status=created.status)
    return created.id


async def rebuild_and_launch(
    db: Database, provider: Provider, settings: Settings, batch_id: int, limits: Limits
) -> str:
    """Write a batch's file again from its pending articles (after a crash before upload,
    or for a resubmission) and launch it."""
    with db.sessions() as session:
        batch = session.get(ApiBatch, batch_id)
        assert batch is not None
        backend = backend_for(settings, batch)
        out = RequestFile(Limits(max_requests=10**9, max_bytes=10**12))
        try:
            for chunk in repo.iter_items(session, batch_id, ["pending"]):
                for item, article in chunk:
                    request = extraction_request(article, batch.target)
                    lines = article_lines(backend, request, item.cache_key, batch.output_mode)
                    out.add(article.id, item.cache_key, lines)
            out.close()
            with db.session() as write:
                repo.update_batch(write, batch_id, requests=out.requests)
            return await launch(db, provider, batch_id, out.path)
        finally:
            out.discard()
            await backend.aclose()
