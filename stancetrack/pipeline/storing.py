"""The database side of a batch: the skip check, and one transaction per article.

- Idempotent: an article is skipped, without a request, when a successful run exists with
  the same cache key (text sha256, prompt sha256, model, target); `force` re-extracts.
- Crash-safe: the article row, its run, its claims and its rejections are written in ONE
  transaction (the CPU work, grounding and the story fingerprint, done before it opens:
  pipeline/preparing.py), so after `kill -9` the committed articles are skipped and only the
  unfinished ones are requested again; nothing is stored twice.
- One request per article across processes: an article is leased (db/repository/
  leases.py) before it is requested and released when its run is stored, so another
  `extract` on the same database skips it meanwhile.
- A database error is its article's: recorded on a failed run, never the batch's end.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from stancetrack import grounding
from stancetrack.db import Database
from stancetrack.db.limits import InvalidValue
from stancetrack.db.models import utcnow
from stancetrack.db.repository import leases
from stancetrack.db.repository.articles import store_article
from stancetrack.db.repository.extraction import (
    NewArticle,
    claim_cache_key,
    done_cache_keys,
    record_run,
    set_endpoint_mode,
)
from stancetrack.llm.base import BackendReply
from stancetrack.pipeline.actor_ids import ArticleActors, BatchActors
from stancetrack.pipeline.grounded import resolve_claims
from stancetrack.pipeline.messages import Answered, Failure, Outcome, StoreConfig, Work
from stancetrack.pipeline.preparing import PreparedReply, prepare_reply
from stancetrack.subjects import target_subjects
from stancetrack.targets import definition_key

# Raw replies beyond this are cut on the run record (with a marker): audit, not archive.
MAX_RAW_CHARS = 1_000_000


def cache_key(text_sha256: str, prompt_sha256: str, model: str, target: str) -> str:
    """The skip key: same text, same prompt, same model, same target (and the same
    definition of it, prompts/targets/) -> same answer."""
    joined = "\x1f".join((text_sha256, prompt_sha256, model, target, definition_key(target)))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _clip(raw: str | None) -> str | None:
    if raw is None or len(raw) <= MAX_RAW_CHARS:
        return raw
    return raw[:MAX_RAW_CHARS] + f"\n[... {len(raw) - MAX_RAW_CHARS} more characters cut]"


class Store:
    """Everything the batch does to the database: one instance, on one thread or process."""

    def __init__(self, config: StoreConfig, db: Database | None = None) -> None:
        self.db = db or Database(config.database_url, auto_migrate=False)
        self.config = config
        self.backend = config.provenance
        self.target = config.target
        self.params: dict[str, Any] = {
            "grounding": {
                "fuzzy_threshold": grounding.FUZZY_THRESHOLD,
                "fuzzy_min_chars": grounding.FUZZY_MIN_CHARS,
                "min_chars": grounding.MIN_QUOTE_CHARS,
                "min_words": grounding.MIN_QUOTE_WORDS,
            },
            **config.provenance.params,
        }
        self._actors = BatchActors()
        # Made here, in the process that runs the database side: its pid is the owner's.
        self.owner = leases.Owner()

    # skip check

    def done_keys(self, keys: list[str], *, since: datetime | None = None) -> set[str]:
        """Which cache keys already have a successful run (a read-ahead's worth at once).

        With `since` (`--force`: the batch's start), only runs from then on count: it
        re-extracts what was done before it, not twice within it. Nothing is written here:
        an article is stored in the same transaction as its run, so a crash leaves no
        half-done article behind.
        """
        with self.db.sessions() as session:
            return done_cache_keys(session, keys, since=since)

    def claim_keys(
        self, keys: list[str], *, since: datetime | None = None
    ) -> tuple[set[str], set[str]]:
        """Lease these keys, then see which are done: (held, done); done ones released.

        The lease comes first: a process that finishes an article commits its run and
        gives its lease up in one transaction, so whoever leases next sees the run. A key
        not held is in flight in another process: the batch skips it.
        """
        unique = set(keys)
        held = unique  # if leasing keeps failing: request anyway (stored once regardless)
        for _attempt in range(3):
            try:
                with self.db.session() as session:
                    held = leases.take(session, unique, self.owner)
                break
            except DBAPIError:  # a deadlock or a lost connection: the transaction is gone
                continue
        done = self.done_keys(sorted(held), since=since) if held else set()
        if done:
            with contextlib.suppress(SQLAlchemyError), self.db.session() as session:
                leases.release(session, done, self.owner)
        return held, done

    def release_leases(self) -> None:
        """Give up every lease this engine still holds (articles it did not get to).

        Best effort: a lease not given up expires (db/repository/leases.py).
        """
        with contextlib.suppress(SQLAlchemyError), self.db.session() as session:
            leases.release_all(session, self.owner)

    def release_keys(self, keys: list[str]) -> None:
        """Give up the leases of `keys` (a batch that ends without getting to them), while
        the engine goes on; those of finished articles went with their commit."""
        with contextlib.suppress(SQLAlchemyError), self.db.session() as session:
            leases.release(session, set(keys), self.owner)

    def remember_mode(self, endpoint: str, model: str, mode: str) -> None:
        """Keep the structured-output mode that worked (read by later runs' mode stores)."""
        with self.db.session() as session:
            set_endpoint_mode(session, endpoint, model, mode)

    # writer side

    def prepare(self, work: Work, reply: BackendReply) -> PreparedReply:
        """What of storing `reply` needs no database, done before the transaction."""
        return prepare_reply(work.item.text, reply, target_subjects(self.target))

    def _run(
        self,
        work: Work,
        article_id: int,
        started: datetime,
        params: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Column values of the run record: every provenance field, never a secret."""
        backend = self.backend
        return {
            "article_id": article_id,
            "cache_key": work.cache_key,
            "backend": backend.name,
            "model": backend.model,
            "endpoint_host": backend.endpoint_host,
            "prompt_name": backend.prompt.name,
            "prompt_version": backend.prompt.version,
            "prompt_sha256": backend.prompt.sha256,
            "target": self.target,
            "temperature": backend.temperature,
            "max_tokens": backend.max_tokens,
            "params": {**(params or self.params), **(work.run_params or {})},
            "started_at": started,
            "finished_at": utcnow(),
            **fields,
        }

    def write_reply(
        self,
        work: Work,
        reply: BackendReply,
        started: datetime,
        elapsed_ms: float,
        *,
        once: bool = False,
        prepared: PreparedReply | None = None,
    ) -> Outcome:
        """Store a reply's run, claims and rejections in one transaction.

        `once`: store nothing (status "skipped") if a successful run with this cache key
        was committed meanwhile, e.g. by another worker given the same job (the check and
        the write are one step: extraction.claim_cache_key). `prepared`: the reply already
        grounded (`prepare`), else done here, before the transaction.
        """
        ready = prepared or self.prepare(work, reply)
        for attempt in (1, 2):
            try:
                with self.db.session() as session:
                    outcome, actors = self._store_reply(
                        session, work, reply, ready, started, elapsed_ms, once=once
                    )
                if actors is not None:
                    actors.commit()
                return outcome
            except (InvalidValue, SQLAlchemyError) as exc:
                # Confined to this article: the transaction rolled back whole, the batch
                # goes on, and the failure is recorded on a run of its own. A transient
                # failure (lost connection, deadlock, a unique actor name another process
                # inserted first) is tried once more.
                self._actors.clear()
                if attempt == 1 and _transient(exc):
                    continue
                return self.write_failure(
                    work,
                    started,
                    elapsed_ms,
                    Failure(
                        f"could not store the claims: {_describe(exc)}",
                        attempts=reply.attempts,
                        prompt_tokens=reply.prompt_tokens,
                        completion_tokens=reply.completion_tokens,
                        last_raw=reply.raw_reply,
                        output_mode=reply.output_mode,
                    ),
                )
        raise AssertionError("unreachable: the second attempt returns")

    def write_replies(self, answered: list[Answered]) -> list[Outcome]:
        """Store several replies in ONE transaction (each article still whole or not at
        all); if anything goes wrong, none of them is kept and each is stored on its own
        by `write_reply`, which confines the error to its article.

        Why: a commit costs more than an article's statements (SQLite writes every page
        the transaction touched to its log), and a batch's replies arrive faster than
        they can be committed one by one (BENCHMARKS.md, corpus scale). Every reply is
        grounded and fingerprinted first, so the transaction only reads and writes.
        """
        ready = [self.prepare(a.work, a.reply) for a in answered]
        if len(answered) > 1:
            try:
                done: list[tuple[Outcome, ArticleActors | None]] = []
                with self.db.session() as session:
                    for a, prepared in zip(answered, ready, strict=True):
                        done.append(
                            self._store_reply(
                                session, a.work, a.reply, prepared, a.started, a.elapsed_ms
                            )
                        )
            except (InvalidValue, SQLAlchemyError):
                self._actors.clear()
            else:
                for _outcome, actors in done:
                    if actors is not None:
                        actors.commit()
                return [outcome for outcome, _actors in done]
        return [
            self.write_reply(a.work, a.reply, a.started, a.elapsed_ms, prepared=prepared)
            for a, prepared in zip(answered, ready, strict=True)
        ]

    def _store_reply(
        self,
        session: Session,
        work: Work,
        reply: BackendReply,
        prepared: PreparedReply,
        started: datetime,
        elapsed_ms: float,
        *,
        once: bool = False,
    ) -> tuple[Outcome, ArticleActors | None]:
        """One article's rows in the caller's transaction, from its reply grounded before
        it (`prepared`); the actors it resolved join the batch cache once the caller has
        committed (`ArticleActors.commit`)."""
        if once and claim_cache_key(session, work.cache_key):
            leases.release(session, [work.cache_key], self.owner)
            return Outcome("skipped"), None
        fields: dict[str, Any] = dict(
            params={**self.params, "reasks": reply.reasks, "truncated": reply.truncated},
            status="ok",
            output_mode=reply.output_mode,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            latency_ms=reply.latency_ms or elapsed_ms,
            attempts=reply.attempts,
            chunks=reply.chunks,
            raw_reply=_clip(reply.raw_reply),
        )
        article_id, created = store_article(session, work.item, prepared.fingerprint)
        run = self._run(work, article_id, started, **fields)
        actors = self._actors.for_article(session, article_id, work.item.text)
        claims, rejected = resolve_claims(work.item.text, prepared.found, prepared.rejected, actors)
        # A new article has no claims yet and its date is the input's: two reads saved.
        new = NewArticle(work.item.published) if created else None
        record_run(session, run, claims, rejected, new=new)
        leases.release(session, [work.cache_key], self.owner)
        outcome = Outcome(
            "ok",
            claims=len(claims),
            rejected=len(rejected),
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
        )
        return outcome, actors

    def write_failure(
        self, work: Work, started: datetime, elapsed_ms: float, exc: Failure
    ) -> Outcome:
        fields: dict[str, Any] = dict(
            status="failed",
            error=exc.message,
            output_mode=exc.output_mode,
            prompt_tokens=exc.prompt_tokens,
            completion_tokens=exc.completion_tokens,
            latency_ms=elapsed_ms,
            attempts=exc.attempts,
            chunks=0,
            raw_reply=_clip(exc.last_raw),
        )
        error = exc.message
        for attempt in (1, 2):
            try:
                with self.db.session() as session:
                    article_id, _created = store_article(session, work.item)
                    run = self._run(work, article_id, started, **fields)
                    record_run(session, run)
                    leases.release(session, [work.cache_key], self.owner)
                break
            except (InvalidValue, SQLAlchemyError) as failed:
                if attempt == 1 and _transient(failed):
                    continue
                # Not even the failure could be stored: still this article's line only.
                error = f"{exc.message} (not recorded: {_describe(failed)})"
        return Outcome(
            "failed",
            prompt_tokens=exc.prompt_tokens,
            completion_tokens=exc.completion_tokens,
            error=error,
            fatal=exc.fatal,
        )


def _transient(exc: BaseException) -> bool:
    """Worth one more try: the connection was lost, or another transaction got in the way
    (deadlock, lock timeout, a row it inserted first); not a value the database refuses."""
    if not isinstance(exc, DBAPIError):
        return False
    return exc.connection_invalidated or isinstance(exc, OperationalError | IntegrityError)


def _describe(exc: BaseException) -> str:
    """One line: the driver's message for a database error, the checks' for a bad value."""
    if isinstance(exc, InvalidValue):
        return str(exc)
    text = str(getattr(exc, "orig", None) or exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
