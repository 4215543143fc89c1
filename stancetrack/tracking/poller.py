"""One poll of every source: fetch what is new, store each article with its item.

    feeds (conditional GET) --> entries not seen, or seen with other content
        --> pages (size limit, deadline, per-host limit, on a thread pool)
        --> main text (ingest readers, as `extract URL`) --> each item committed with its
            article (outlet, story), a few items per transaction
    directories --> files' articles not seen (by source and text sha256) --> same

A failing source is recorded (error count, backoff) and the others go on. An item is
committed with its article (items are committed in small groups: at most RECORD_BATCH or
RECORD_SECONDS' worth), so a crash or Ctrl-C loses at most the pages in flight and those
queued, which the next poll fetches again; nothing committed is fetched twice.
Extraction comes after (tracking/watch.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from stancetrack.db import Database
from stancetrack.db.models import utcnow
from stancetrack.db.repository.watch import (
    SourceState,
    known_items,
    record_item,
    record_poll,
    source_state,
)
from stancetrack.errors import InputError
from stancetrack.ingest import ArticleInput
from stancetrack.ingest.fetch import Fetcher, FetchError, Response, page_bytes, page_suffix
from stancetrack.ingest.readers import parse_bytes, read_file, walk
from stancetrack.tracking.feeds import FeedEntry, FeedError, parse_feed
from stancetrack.tracking.sources import FEED, Source

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)


@dataclass
class SourceReport:
    """How one source's poll went (`watch --format json`'s "sources")."""

    source: str
    kind: str
    status: str = "ok"  # ok | not_modified | error | backoff | stopped
    items: int = 0  # entries or articles the source listed
    new: int = 0  # stored as new or edited
    failed: int = 0  # new items whose page could not be fetched or read
    duplicates: int = 0  # entries repeating another's GUID and content (tracking/feeds.py)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "status": self.status,
            "items": self.items,
            "new": self.new,
            "failed": self.failed,
            "duplicates": self.duplicates,
            "error": self.error,
        }


@dataclass
class PollOptions:
    interval: float
    max_bytes: int
    timeout: float = 20.0
    deadline: float = 60.0
    per_host: int = 2
    workers: int = 8
    ignore_backoff: bool = False


@dataclass
class _Pending:
    source: Source
    state: SourceState
    report: SourceReport
    entries: list[FeedEntry] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    retry: bool = False  # a page failed for now: the next poll must see the whole feed


@dataclass(frozen=True, slots=True)
class _Record:
    source_id: int
    key: str
    content: str
    link: str | None
    article: ArticleInput | None
    error: str | None


# Items committed together (one transaction: fewer commits, the same all-or-nothing per
# item); a crash loses at most these, which the next poll fetches again.
RECORD_BATCH = 25
RECORD_SECONDS = 1.0

Notify = Callable[[str], None]
_V = TypeVar("_V")


class Poller:
    def __init__(
        self,
        db: Database,
        options: PollOptions,
        *,
        stop: threading.Event,
        on_error: Notify | None = None,
        on_item: Callable[[SourceReport], None] | None = None,
    ) -> None:
        self.db = db
        self.options = options
        self.stop = stop
        self.on_error = on_error or (lambda _m: None)
        self.on_item = on_item or (lambda _r: None)  # progress: an item stored or failed
        self._queued: list[_Record] = []
        self._flushed_at = time.monotonic()
        self.fetcher = Fetcher(
            max_bytes=options.max_bytes,
            timeout=options.timeout,
            deadline=options.deadline,
            per_host=options.per_host,
            stop=stop,  # Ctrl-C ends the downloads in progress at once
        )

    def poll(self, sources: list[Source]) -> list[SourceReport]:
        """Poll each source once (those in backoff wait, unless `ignore_backoff`)."""
        reports: list[SourceReport] = []
        due: list[tuple[Source, SourceState, SourceReport]] = []
        now = utcnow()
        with self.db.session() as session:
            for source in sources:
                state = source_state(session, source.name, source.kind)
                report = SourceReport(source.name, source.kind)
                reports.append(report)
                if _waiting(state.next_poll_at, now) and not self.options.ignore_backoff:
                    report.status = "backoff"
                    report.error = f"backing off after {state.errors} failed poll(s)"
                    continue
                due.append((source, state, report))
        with ThreadPoolExecutor(self.options.workers, thread_name_prefix="watch") as pool:
            try:
                feeds = [d for d in due if d[0].kind == FEED]
                pending = self._fetch_feeds(pool, feeds)
                for source, state, report in due:
                    if source.kind != FEED and not self.stop.is_set():
                        self._poll_directory(source, state, report)
                self._fetch_pages(pool, pending)
            finally:
                self._flush()
        for report in reports:
            if self.stop.is_set() and report.status == "ok" and not report.new:
                report.status = "stopped"
        return reports

    # -- feeds ------------------------------------------------------------------------------

    def _fetch_feeds(
        self, pool: ThreadPoolExecutor, due: list[tuple[Source, SourceState, SourceReport]]
    ) -> list[_Pending]:
        futures = {
            pool.submit(
                self.fetcher.get,
                source.name,
                etag=state.etag,
                last_modified=state.last_modified,
                accept=FEED_ACCEPT,
            ): (source, state, report)
            for source, state, report in due
        }
        pending: list[_Pending] = []
        for future, (source, state, report) in _as_done(futures, self.stop):
            try:
                response = future.result()
                feed = parse_feed(response.data, response.url) if response.status != 304 else None
            except (FetchError, FeedError) as exc:
                self._source_failed(
                    state, report, str(exc) if isinstance(exc, FeedError) else exc.reason
                )
                continue
            item = _Pending(
                source, state, report, etag=response.etag, last_modified=response.last_modified
            )
            if response.status == 304:
                report.status = "not_modified"
                item.etag = response.etag or state.etag
                item.last_modified = response.last_modified or state.last_modified
                self._source_ok(item)
                continue
            assert feed is not None
            entries = feed.entries
            report.items = len(entries) + feed.duplicates
            report.duplicates = feed.duplicates
            with self.db.session() as session:
                known = known_items(session, state.id, [e.key for e in entries])
            item.entries = [e for e in entries if known.get(e.key) != e.content_hash]
            if item.entries:
                pending.append(item)
            else:
                self._source_ok(item)
        return pending

    def _source_failed(self, state: SourceState, report: SourceReport, reason: str) -> None:
        report.status = "error"
        report.error = reason
        self.on_error(f"{state.source}: {reason}")
        self._flush()
        with self.db.session() as session:
            record_poll(session, state.id, error=reason, interval=self.options.interval)

    def _source_ok(self, item: _Pending) -> None:
        self._flush()  # the items before the validators that will skip them
        with self.db.session() as session:
            record_poll(
                session,
                item.state.id,
                error=None,
                interval=self.options.interval,
                etag=None if item.retry else item.etag,
                last_modified=None if item.retry else item.last_modified,
            )

    # -- pages ------------------------------------------------------------------------------

    def _fetch_pages(self, pool: ThreadPoolExecutor, pending: list[_Pending]) -> None:
        futures: dict[Future[Response], tuple[_Pending, FeedEntry]] = {}
        remaining: dict[int, int] = {}
        for item in pending:
            remaining[id(item)] = len(item.entries)
            for entry in item.entries:
                futures[pool.submit(self.fetcher.get, entry.link)] = (item, entry)
        for future, (item, entry) in _as_done(futures, self.stop):
            self._store_page(item, entry, future)
            self.on_item(item.report)
            remaining[id(item)] -= 1
            if remaining[id(item)] == 0:
                # Every entry handled: only now may the validators skip this feed's body.
                self._source_ok(item)
        for item in pending:
            if remaining[id(item)]:
                item.report.status = "stopped"

    def _store_page(self, item: _Pending, entry: FeedEntry, future: Future[Response]) -> None:
        report = item.report
        try:
            article = _read_page(entry, future.result())
        except FetchError as exc:
            report.failed += 1
            self.on_error(f"{entry.link}: {exc.reason}")
            if exc.transient:
                item.retry = True
                return  # not recorded: the next poll tries again
            self._record(item.state.id, entry.key, entry.content_hash, entry.link, None, exc.reason)
            return
        except InputError as exc:
            report.failed += 1
            self.on_error(f"{entry.link}: {exc.reason}")
            self._record(item.state.id, entry.key, entry.content_hash, entry.link, None, exc.reason)
            return
        self._record(item.state.id, entry.key, entry.content_hash, entry.link, article, None)
        report.new += 1

    def _record(
        self,
        source_id: int,
        key: str,
        content: str,
        link: str | None,
        article: ArticleInput | None,
        error: str | None,
    ) -> None:
        """Queue an item (with its article) for the next commit; commit every
        RECORD_BATCH items or RECORD_SECONDS, whichever comes first."""
        self._queued.append(_Record(source_id, key, content, link, article, error))
        if (
            len(self._queued) >= RECORD_BATCH
            or time.monotonic() - self._flushed_at >= RECORD_SECONDS
        ):
            self._flush()

    def _flush(self) -> None:
        """Commit the queued items, each with its article, in one transaction."""
        queued, self._queued = self._queued, []
        self._flushed_at = time.monotonic()
        if not queued:
            return
        with self.db.session() as session:
            for r in queued:
                record_item(
                    session,
                    r.source_id,
                    key=r.key,
                    content_sha256=r.content,
                    link=r.link,
                    article=r.article,
                    error=r.error,
                )

    # -- directories ------------------------------------------------------------------------

    def _poll_directory(self, source: Source, state: SourceState, report: SourceReport) -> None:
        root = Path(source.name)
        if not root.is_dir():
            self._source_failed(state, report, "no such directory")
            return
        for path in walk(root):
            if self.stop.is_set():
                report.status = "stopped"
                return
            articles: list[ArticleInput] = []
            for got in read_file(path, max_bytes=self.options.max_bytes):
                if isinstance(got, InputError):
                    report.failed += 1
                    self.on_error(f"{got.source}: {got.reason}")
                else:
                    articles.append(got)
            report.items += len(articles)
            with self.db.session() as session:
                known = known_items(session, state.id, [a.source for a in articles])
            for article in articles:
                if known.get(article.source) != article.sha256:
                    self._record(state.id, article.source, article.sha256, None, article, None)
                    report.new += 1
        self._source_ok(_Pending(source, state, report))


def _read_page(entry: FeedEntry, response: Response) -> ArticleInput:
    """The page's article, read as `extract URL` reads one (ingest/readers.py)."""
    data = page_bytes(entry.link, response)
    for got in parse_bytes(entry.link, data, page_suffix(response)):
        if isinstance(got, InputError):
            raise got
        if got.url is None:
            got = replace(got, url=response.url)
        if not got.title and entry.title:
            got = replace(got, title=entry.title)
        return got
    raise InputError(entry.link, "no article in the page")


def _waiting(next_poll_at: datetime | None, now: datetime) -> bool:
    return next_poll_at is not None and next_poll_at > now


def _as_done(
    futures: dict[Future[Response], _V], stop: threading.Event
) -> Iterator[tuple[Future[Response], _V]]:
    """Yield (future, its value) as each finishes; on `stop`, cancel the ones not started."""
    waiting = set(futures)
    while waiting:
        if stop.is_set():
            for f in waiting:
                f.cancel()
            return
        done, waiting = wait(waiting, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            if not future.cancelled():
                yield future, futures[future]
