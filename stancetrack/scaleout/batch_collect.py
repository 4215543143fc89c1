"""`batches collect`: store finished batches' results through the engine, and recovery.

Per finished batch, one `pipeline/engine.Engine` (the batch's backend and provenance, a
writer thread), its results streamed line by line:

- an answer the live path accepts without a re-ask -> stored by the engine as replies that
  arrived as files (`Engine.store_replies`: validation, grounding, actors, one transaction
  per group, each article whole), the run marked with the batch's id;
- an answer the live path would re-ask about, a per-request error, a malformed line or a
  missing answer -> the article is re-run live at the end of the collect, a run of the
  same engine (few, and the live path can re-ask and negotiate the output mode, which a
  batch cannot); a fatal error (a bad key) stops that run, and the batch stays open with
  the articles it did not ask, for the next collect;
- a refusal, content filter or empty reply -> a failed run, as the live path records it;
- the articles a failed, expired or cancelled batch never answered -> `unfinished`, for
  `batches resubmit` (a new batch: half price again).

Idempotent: an article whose item is no longer pending, or whose cache key already has a
successful run (a crash between storing a run and marking its item), is not stored again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai.types import Batch

from stancetrack.db import Database
from stancetrack.db.models import ApiBatch, ApiBatchItem, Article, utcnow
from stancetrack.db.repository import batches as repo
from stancetrack.db.repository.extraction import done_cache_keys, tried_cache_keys
from stancetrack.errors import StancetrackError
from stancetrack.llm.base import ExtractionError
from stancetrack.llm.openai_backend import NeedsReask, OpenAIBackend
from stancetrack.pipeline.engine import Engine
from stancetrack.pipeline.messages import Answered, Failure, Outcome, Work
from stancetrack.pipeline.summary import ExtractSummary
from stancetrack.scaleout.batch_files import Limits, Result, parse_result, split_custom_id
from stancetrack.scaleout.batch_jobs import (
    article_input,
    backend_for,
    create_from_file,
    extraction_request,
    provenance_for,
    rebuild_and_launch,
)
from stancetrack.scaleout.batch_provider import Provider
from stancetrack.settings import Settings

GROUP = 64  # result lines handled per database round trip
CLOSED = frozenset({"failed", "expired", "cancelled"})
# Error codes of requests a closed batch never ran (OpenAI's): resubmitted, not run live.
UNANSWERED = frozenset({"batch_expired", "batch_cancelled"})
# What the runs of the articles re-run live record as their way in (the batch's id stays).
LIVE = {"via": "live-after-batch-api"}

Notify = Callable[[str], None]


@dataclass(slots=True)
class CollectSummary:
    batches: int = 0
    collected: int = 0
    live: int = 0
    unfinished: int = 0
    malformed: int = 0
    # The articles stored or failed, from the files or re-run live, counted as `extract`
    # counts them.
    articles: ExtractSummary = field(default_factory=ExtractSummary)
    waiting: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        self.articles.count(outcome)

    def count_run(self, ran: ExtractSummary) -> None:
        """The articles of a live run of the engine (each stored or failed)."""
        self.live += ran.extracted + ran.failed_articles
        self.articles.add(ran)

    def as_json(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "collected": self.collected,
            "stored": self.articles.extracted,
            "failed": self.articles.failed_articles,
            "live": self.live,
            "unfinished": self.unfinished,
            "malformed": self.malformed,
            "claims": self.articles.claims,
            "rejected": self.articles.rejected,
            "waiting": list(self.waiting),
        }


async def recover(db: Database, provider: Provider, settings: Settings, notify: Notify) -> None:
    """Finish what a crash interrupted: files never uploaded, batches never created (or
    created but their id never recorded: found again by their input file)."""
    with db.sessions() as session:
        stuck = [
            (b.id, b.status, b.input_file_id)
            for b in repo.list_batches(session, open_only=True)
            if b.provider_id is None
        ]
    for batch_id, status, file_id in stuck:
        if status == repo.UPLOADED and file_id:
            found = await provider.find_created(file_id)
            if found is not None:
                with db.session() as session:
                    repo.update_batch(session, batch_id, provider_id=found.id, status=found.status)
                notify(f"batch {batch_id}: recovered {found.id} (created before a crash)")
            else:
                created = await create_from_file(db, provider, batch_id, file_id)
                notify(f"batch {batch_id}: created {created} (interrupted after its upload)")
        else:
            created = await rebuild_and_launch(db, provider, settings, batch_id, Limits())
            notify(f"batch {batch_id}: submitted {created} (interrupted before its upload)")


def _refresh(db: Database, batch_id: int, remote: Batch) -> None:
    counts = remote.request_counts
    errors = remote.errors.data if remote.errors and remote.errors.data else []
    with db.session() as session:
        repo.update_batch(
            session,
            batch_id,
            status=remote.status,
            output_file_id=remote.output_file_id,
            error_file_id=remote.error_file_id,
            counts=counts.model_dump() if counts else {},
            error="; ".join(f"{e.code}: {e.message}" for e in errors) or None,
        )


async def collect(
    db: Database,
    settings: Settings,
    *,
    wait: bool = False,
    poll_seconds: float = 30.0,
    notify: Notify | None = None,
) -> CollectSummary:
    """Refresh every open batch and store the results of the finished ones; with `wait`,
    poll until none is left open."""
    say = notify or (lambda _text: None)
    summary = CollectSummary()
    provider = Provider(settings)
    try:
        await recover(db, provider, settings, say)
        while True:
            with db.sessions() as session:
                open_batches = [
                    (b.id, b.provider_id)
                    for b in repo.list_batches(session, open_only=True)
                    if b.provider_id
                ]
            summary.batches = len(open_batches)
            summary.waiting = []
            for batch_id, provider_id in open_batches:
                assert provider_id is not None
                remote = await provider.retrieve(provider_id)
                _refresh(db, batch_id, remote)
                if remote.status in repo.FINAL:
                    await _harvest(db, provider, settings, batch_id, summary, say)
                else:
                    summary.waiting.append(provider_id)
            if not wait or not summary.waiting:
                return summary
            await asyncio.sleep(poll_seconds)
    finally:
        await provider.aclose()


async def _harvest(
    db: Database,
    provider: Provider,
    settings: Settings,
    batch_id: int,
    summary: CollectSummary,
    say: Notify,
) -> None:
    with db.sessions() as session:
        batch = session.get(ApiBatch, batch_id)
        assert batch is not None
        session.expunge(batch)
    try:
        backend = backend_for(settings, batch)
    except StancetrackError as exc:
        say(str(exc))
        return
    try:
        # A writer thread on the collect's own database: nothing here competes for it.
        engine = Engine.open(
            settings.model_copy(update={"model": batch.model, "target": batch.target}),
            database=db,
            backend=backend,
            writer_process=False,
            provenance=provenance_for(batch, "batch-api"),
        )
        try:
            harvest = _Harvest(db, batch, backend, engine, settings, summary, say)
            if batch.output_file_id:
                await harvest.read(provider, batch.output_file_id)
            if batch.error_file_id:
                await harvest.read(provider, batch.error_file_id)
            harvest.close_pending()
            finished = await harvest.run_live()
        finally:
            await engine.aclose()
    finally:
        await backend.aclose()
    if not finished:  # collected again next time: its `live` articles are asked then
        return
    with db.session() as session:
        repo.update_batch(session, batch_id, collected_at=utcnow())
    summary.collected += 1
    if batch.status in CLOSED:
        say(
            f"batch {batch.id} ({batch.provider_id}) {batch.status}"
            + (f": {batch.error}" if batch.error else "")
            + "; its unanswered articles can be resubmitted: stancetrack batches resubmit"
        )


@dataclass(slots=True)
class _Harvest:
    """One finished batch's results, stored as they stream in."""

    db: Database
    batch: ApiBatch
    backend: OpenAIBackend
    engine: Engine
    settings: Settings
    summary: CollectSummary
    say: Notify
    # Chunked articles: answers held until every part has come (bounded by chunking).
    partial: dict[str, dict[int, Result]] = field(default_factory=dict)

    async def read(self, provider: Provider, file_id: str) -> None:
        group: list[Result] = []
        async for line in provider.lines(file_id):
            parsed = parse_result(line)
            if isinstance(parsed, str):
                self.summary.malformed += 1
                self.say(f"batch {self.batch.id}: {file_id}: skipped a malformed line: {parsed}")
                continue
            group.append(parsed)
            if len(group) >= GROUP:
                await self.handle(group)
                group = []
        if group:
            await self.handle(group)

    async def handle(self, results: list[Result]) -> None:
        complete: dict[str, list[Result]] = {}
        for result in results:
            key, index = split_custom_id(result.custom_id)
            self.partial.setdefault(key, {})[index] = result
        with self.db.sessions() as session:
            found = repo.items_with_articles(session, self.batch.id, list(self.partial))
            done = done_cache_keys(session, list(self.partial))
            for key in list(self.partial):
                entry = found.get(key)
                if entry is None:
                    del self.partial[key]
                    self.say(f"batch {self.batch.id}: an answer for an unknown article {key[:12]}")
                elif len(self.partial[key]) >= entry[0].parts:
                    parts = self.partial.pop(key)
                    complete[key] = [parts[i] for i in sorted(parts)]
            items = {k: found[k] for k in complete}
            for item, _ in items.values():
                session.expunge(item)
        stored: list[int] = []
        live: list[tuple[int, str]] = []
        unfinished: list[int] = []
        answered: list[tuple[int, Answered]] = []
        for key, results_of in complete.items():
            item, article = items[key]
            if item.state != "pending":
                continue  # collected before
            if key in done:
                stored.append(item.id)  # stored before a crash could mark it
                continue
            reason = next((r.error for r in results_of if r.error or r.status != 200), None)
            if reason is not None and reason.split(":")[0] in UNANSWERED:
                unfinished.append(item.id)  # the batch ended first: resubmit, not live
                continue
            if reason is not None:
                live.append((item.id, reason or "no answer"))
                continue
            answer = await self.answer_of(item, article, results_of)
            if answer is None:
                live.append((item.id, "needs a re-ask"))
            elif isinstance(answer, Answered):
                answered.append((item.id, answer))
            else:
                self.summary.count(answer)
                stored.append(item.id)
        # The group's replies in one transaction, as `extract` stores them (each article
        # still whole; one transaction each if any of them fails).
        outcomes = await self.engine.store_replies([answer for _id, answer in answered])
        for (item_id, _answer), outcome in zip(answered, outcomes, strict=True):
            self.summary.count(outcome)
            stored.append(item_id)
        self.summary.unfinished += len(unfinished)
        with self.db.session() as session:
            repo.set_item_state(session, stored, "stored")
            repo.set_item_state(session, unfinished, "unfinished")
            for item_id, reason in live:
                repo.set_item_state(session, [item_id], "live", reason)

    async def answer_of(
        self, item: ApiBatchItem, article: Article, results: list[Result]
    ) -> Answered | Outcome | None:
        """An article's answers as the live path reads them: the reply to store, or the
        outcome of a failure already stored, or None if the live path would re-ask."""
        request = extraction_request(article, self.batch.target)
        parts = self.backend.parts(request)
        if len(parts) != len(results):
            return None  # chunking changed since submission: ask live
        bodies = [json.dumps(r.body).encode() for r in results]
        work = Work(article_input(article), item.cache_key)
        started = utcnow()
        try:
            reply = self.backend.reply_from_completions(parts, bodies, self.batch.output_mode)
        except NeedsReask:
            return None
        except ExtractionError as exc:
            return await self.engine.store_failure(work, started, 0.0, Failure.of(exc))
        return Answered(work, reply, started, 0.0)

    def close_pending(self) -> None:
        """Articles without an answer: re-run live if the batch completed, else unfinished."""
        closed = self.batch.status in CLOSED
        with self.db.session() as session:
            moved = repo.move_items(
                session, self.batch.id, ["pending"], "unfinished" if closed else "live"
            )
        if closed:
            self.summary.unfinished += moved

    async def run_live(self) -> bool:
        """The articles to re-run live: runs of the engine (re-asks, mode negotiation), a
        chunk of items at a time, their runs recording the batch's id. An item is marked
        stored once its article has a run (answer or failure). False: a fatal backend error
        stopped them; the rest stay `live` and the batch open, for the next collect."""
        with self.db.sessions() as session:
            for chunk in repo.iter_items(session, self.batch.id, ["live"]):
                done = done_cache_keys(session, [item.cache_key for item, _ in chunk])
                todo = [(item, article) for item, article in chunk if item.cache_key not in done]
                ran = ExtractSummary()
                if todo:
                    ran = await self.engine.run(
                        inputs=[article_input(article) for _item, article in todo],
                        concurrency=self.settings.concurrency,
                        run_params=LIVE,
                    )
                    self.summary.count_run(ran)
                    if ran.interrupted:
                        raise asyncio.CancelledError
                    with self.db.sessions() as fresh:  # sees what the writer committed
                        done |= tried_cache_keys(fresh, [item.cache_key for item, _ in todo])
                with self.db.session() as write:
                    stored = [item.id for item, _ in chunk if item.cache_key in done]
                    repo.set_item_state(write, stored, "stored")
                if ran.fatal is not None:
                    self.say(f"batch {self.batch.id}: live re-runs stopped: {ran.fatal}")
                    return False
        return True


async def resubmit(
    db: Database, settings: Settings, ref: str | None, notify: Notify | None = None
) -> list[str]:
    """A new batch for the unfinished articles of a failed, expired or cancelled batch
    (`ref`), or of every such batch; returns the new batches' provider ids."""
    say = notify or (lambda _text: None)
    provider = Provider(settings)
    created: list[str] = []
    try:
        with db.sessions() as session:
            batches = [
                b
                for b in repo.list_batches(session)
                if (ref is None or ref in (str(b.id), b.provider_id))
                and repo.item_states(session, [b.id])[b.id].get("unfinished")
            ]
            for b in batches:
                session.expunge(b)
        for old in batches:
            with db.session() as session:
                fields = {
                    c: getattr(old, c)
                    for c in (
                        "endpoint_host",
                        "model",
                        "target",
                        "prompt_name",
                        "prompt_version",
                        "prompt_sha256",
                        "output_mode",
                        "temperature",
                        "max_tokens",
                    )
                }
                new_id = repo.create_batch(session, fields)
                moved = repo.copy_unfinished(session, old.id, new_id)
            provider_id = await rebuild_and_launch(db, provider, settings, new_id, Limits())
            say(f"batch {old.id}: {moved} unfinished article(s) resubmitted as {provider_id}")
            created.append(provider_id)
    finally:
        await provider.aclose()
    return created


async def cancel(db: Database, settings: Settings, ref: str) -> str:
    """Ask the provider to cancel a batch; `collect` then stores what it finished."""
    provider = Provider(settings)
    try:
        with db.sessions() as session:
            batch = repo.get_batch(session, ref)
            if batch is None or batch.provider_id is None:
                from stancetrack.errors import NotFoundError

                raise NotFoundError(f"no submitted batch {ref!r}")
            batch_id, provider_id = batch.id, batch.provider_id
        remote = await provider.cancel(provider_id)
        _refresh(db, batch_id, remote)
        return remote.status
    finally:
        await provider.aclose()
