"""SQLAlchemy 2.0 typed models: articles, actors and aliases, runs, claims, rejections.

Claims are the current answer for an article and a target (the latest successful run's
for that target); every run,
with its raw reply and rejections, stays for audit. Migrations in `migrations/` must match
these models exactly (a test runs autogenerate against `upgrade head`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from stancetrack.actors import loose_key, surname_key
from stancetrack.speaker_evidence import UNKNOWN

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON}  # noqa: RUF012  (SQLAlchemy API)


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # A title or a path may carry control characters (shown escaped): see db/limits.py.
    title: Mapped[str] = mapped_column(String(300), info={"controls": True})
    url: Mapped[str | None] = mapped_column(String(2000), index=True)
    # The URL's registrable domain (ingest/outlets.py); `compare --by outlet` groups on it.
    outlet: Mapped[str | None] = mapped_column(String(253), index=True)
    # The story (near-identical copies of one wire story): the id of its first stored copy,
    # set at ingestion (db/repository/stories.py).
    story_id: Mapped[int | None] = mapped_column(Integer, index=True)
    published: Mapped[date | None] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(2000), index=True, info={"controls": True})
    format: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    chars: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    claims: Mapped[list[Claim]] = relationship(back_populates="article")


class Actor(Base):
    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    # Normalised name (casefolded, no diacritics/punctuation/titles) used for matching.
    key: Mapped[str] = mapped_column(String(300), index=True)
    # `key` up to transliteration, and that of its last word for a full name (else NULL):
    # set with `key` (below), indexed, so resolution looks names up instead of scanning the
    # registry. The server default only lets migration 0008 add the column to old rows.
    loose_key: Mapped[str] = mapped_column(String(300), index=True, server_default=sql_text("''"))
    surname_key: Mapped[str | None] = mapped_column(String(300), index=True)
    actor_type: Mapped[str] = mapped_column(String(16), default="unknown")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @validates("key")
    def _set_match_keys(self, _attribute: str, key: str) -> str:
        self.loose_key, self.surname_key = loose_key(key), surname_key(key)
        return key

    aliases: Mapped[list[ActorAlias]] = relationship(
        back_populates="actor", cascade="all, delete-orphan"
    )


class ActorAlias(Base):
    __tablename__ = "actor_aliases"
    __table_args__ = (
        UniqueConstraint("actor_id", "key", name="uq_actor_aliases_actor_key"),
        # Lookups by key, and "the latest user alias with this key" without reading the
        # model aliases that a common surname accumulates.
        Index("ix_actor_aliases_key_origin", "key", "origin"),
        # With the actor id, so "which distinct actors have this key" stops after two.
        Index("ix_actor_aliases_loose_key_actor", "loose_key", "actor_id"),
        Index("ix_actor_aliases_surname_key_actor", "surname_key", "actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300))
    # As on Actor: set with `key`.
    loose_key: Mapped[str] = mapped_column(String(300), server_default=sql_text("''"))
    surname_key: Mapped[str | None] = mapped_column(String(300))
    # 'model' (from an extraction) or 'user' (a fix: merge/alias/rename), which wins.
    origin: Mapped[str] = mapped_column(String(8), default="model")

    actor: Mapped[Actor] = relationship(back_populates="aliases")

    @validates("key")
    def _set_match_keys(self, _attribute: str, key: str) -> str:
        self.loose_key, self.surname_key = loose_key(key), surname_key(key)
        return key


class Run(Base):
    """One extraction attempt for one article: the provenance audit record
    (docs/ARCHITECTURE.md)."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_cache_key_status", "cache_key", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    # sha256 of (text sha, prompt sha, model, target): the skip key of `extract`
    # (looked up with status='ok': ix_runs_cache_key_status below).
    cache_key: Mapped[str] = mapped_column(String(64))
    backend: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    endpoint_host: Mapped[str | None] = mapped_column(String(300))
    prompt_name: Mapped[str] = mapped_column(String(100))
    prompt_version: Mapped[str] = mapped_column(String(32))
    prompt_sha256: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    output_mode: Mapped[str | None] = mapped_column(String(32))
    temperature: Mapped[float | None] = mapped_column(Float)
    max_tokens: Mapped[int | None] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), index=True)  # ok | failed
    error: Mapped[str | None] = mapped_column(Text)
    raw_reply: Mapped[str | None] = mapped_column(Text)
    claims_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    rejected: Mapped[list[RejectedClaim]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        # One claim per span and actor within a target; its leading columns also serve the
        # per-article, per-target reads (replacing a target's claims, `compare --article`).
        UniqueConstraint("article_id", "target", "actor_id", "start", "end", name="uq_claims_span"),
        # `claims --actor`, `actors` and evidence lookups within a target.
        Index("ix_claims_target_actor_stance", "target", "actor_id", "stance"),
        # A page of claims in reading order (an actor's, or all of a target's) is a range
        # scan of these, whatever the number of claims (docs/ARCHITECTURE.md, service).
        Index(
            "ix_claims_target_actor_published",
            "target",
            "actor_id",
            "published",
            "article_id",
            "start",
            "id",
        ),
        Index("ix_claims_target_published", "target", "published", "article_id", "start", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    # What the stance is toward (the run's target): claims of one target never replace or
    # mix with another's (see docs/ARCHITECTURE.md, targets).
    target: Mapped[str] = mapped_column(String(200))
    # The article's date, copied so a page in reading order is one index range (migration
    # 0011): written with the claims (record_run), followed by a trigger if it changes.
    published: Mapped[date | None] = mapped_column(Date)
    speaker: Mapped[str] = mapped_column(String(300))
    quote: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    claim: Mapped[str] = mapped_column(Text)
    attribution: Mapped[str] = mapped_column(String(16))
    stance: Mapped[str] = mapped_column(String(16), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    rationale: Mapped[str] = mapped_column(Text, default="")
    # How the quote was found in the text: exact | normalized | fuzzy (computed, not trusted).
    alignment: Mapped[str] = mapped_column(String(16))
    # Where the article names the speaker (the mention nearest the quote, a pronoun resolved
    # to its antecedent) and how that ties to the quote: cue | nearby | absent (computed in
    # speaker_evidence.py; 'unknown' only for old claims a migration could not place).
    speaker_start: Mapped[int | None] = mapped_column(Integer)
    speaker_end: Mapped[int | None] = mapped_column(Integer)
    speaker_evidence: Mapped[str] = mapped_column(String(16), server_default=UNKNOWN)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="claims")
    actor: Mapped[Actor] = relationship()


class ClaimSubject(Base):
    """One subject of the target a claim is about (stancetrack/subjects.py); a claim with
    none is about the target in general. Written with its claim (record_run), gone with it."""

    __tablename__ = "claim_subjects"
    __table_args__ = (
        # `claims --subject`, `compare --by subject`: a subject's claims.
        Index("ix_claim_subjects_subject", "subject", "claim_id"),
    )

    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)


class RejectedClaim(Base):
    """A claim the model returned that could not be proven from the text, and why."""

    __tablename__ = "rejected_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(300))
    actor: Mapped[str | None] = mapped_column(String(300))
    quote: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    run: Mapped[Run] = relationship(back_populates="rejected")


class EndpointMode(Base):
    """The structured-output mode that worked for an endpoint+model, so we probe once."""

    __tablename__ = "endpoint_modes"
    __table_args__ = (UniqueConstraint("endpoint", "model", name="uq_endpoint_modes_endpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(500))
    model: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ActorStanceCount(Base):
    """Claims per (target, actor, stance), kept current by database triggers on `claims`.

    Lets `compare` over every actor read a few thousand rows instead of grouping a
    million claims (see migrations 0002, 0004, 0011 and BENCHMARKS.md). Rows may hold 0.
    """

    __tablename__ = "actor_stance_counts"

    target: Mapped[str] = mapped_column(String(200), primary_key=True)
    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    stance: Mapped[str] = mapped_column(String(16), primary_key=True)
    claims: Mapped[int] = mapped_column(Integer, default=0)
    # Of those, claims whose speaker the article does not name near the quote (evidence
    # `absent`), which `compare` leaves out by default (migration 0011).
    absent: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))


class DataVersion(Base):
    """One row whose `version` moves with every commit that changes what the compare
    overview reads (`actor_stance_counts`, `actors`): the key of its cache, moved by
    triggers (migration 0014), so writes to other tables, schemas or databases leave it."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default=sql_text("0"))
    # PostgreSQL: the transaction that bumped it last (bumped once per transaction).
    xact: Mapped[int | None] = mapped_column(BigInteger)


class ApiBatch(Base):
    """One Batch API job (one uploaded JSONL file) and what is known of it.

    `status` is ours until the provider knows the batch ('preparing': items recorded, file
    not uploaded; 'uploaded': file id known, batch not created), then the provider's
    (validating, in_progress, finalizing, completed, failed, expired, cancelling,
    cancelled), then 'collected' once every result is stored (docs/ARCHITECTURE.md).
    The model, prompt and target are the batch's own: collecting stores runs with them.
    """

    __tablename__ = "api_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    input_file_id: Mapped[str | None] = mapped_column(String(200))
    output_file_id: Mapped[str | None] = mapped_column(String(200))
    error_file_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32), index=True)
    endpoint_host: Mapped[str | None] = mapped_column(String(300))
    model: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(200))
    prompt_name: Mapped[str] = mapped_column(String(100))
    prompt_version: Mapped[str] = mapped_column(String(32))
    prompt_sha256: Mapped[str] = mapped_column(String(64))
    output_mode: Mapped[str] = mapped_column(String(32))
    temperature: Mapped[float | None] = mapped_column(Float)
    max_tokens: Mapped[int | None] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    # The provider's request_counts (total, completed, failed) as last seen.
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    collected_at: Mapped[datetime | None] = mapped_column(DateTime)


class ApiBatchItem(Base):
    """One article in a batch: `custom_id` of its request(s) is its cache key.

    state: pending (waiting for the provider) | stored (a run was recorded) | live (to be
    re-run live: an answer the live path would re-ask about, or a per-request error) |
    unfinished (its batch failed, expired or was cancelled: resubmit) | resubmitted.
    """

    __tablename__ = "api_batch_items"
    __table_args__ = (
        UniqueConstraint("batch_id", "cache_key", name="uq_api_batch_items_batch_key"),
        Index("ix_api_batch_items_batch_state", "batch_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("api_batches.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    cache_key: Mapped[str] = mapped_column(String(64))
    parts: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    detail: Mapped[str | None] = mapped_column(Text)


class EndpointPause(Base):
    """Until when every worker holds its requests to an endpoint (a shared 429 back-off)."""

    __tablename__ = "endpoint_pauses"

    endpoint: Mapped[str] = mapped_column(String(300), primary_key=True)
    paused_until: Mapped[datetime] = mapped_column(DateTime)


class StorySignature(Base):
    """An article's MinHash signature (ingest/fingerprint.py), compared with new articles
    that share one of its bands."""

    __tablename__ = "story_signatures"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class StoryBand(Base):
    """One LSH band key of an article, filed under the article's week (migration 0012).

    The primary key (week, key, article_id) is the index that finds the articles of nearby
    weeks sharing a band with a new one. The week comes first so that the keys of the
    articles being stored now land in a few recent pages of the index, not at random pages
    of the whole of it: what keeps the cost of storing an article flat as the database grows
    (docs/ARCHITECTURE.md, outlets and stories). On SQLite the table is the index itself
    (WITHOUT ROWID): one B-tree per insert instead of two.
    """

    __tablename__ = "story_bands"
    __table_args__ = ({"sqlite_with_rowid": False},)

    week: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class WatchSource(Base):
    """A feed URL or directory that `watch` polls, and how polling it went."""

    __tablename__ = "watch_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(2000), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # feed | directory
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_poll_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Consecutive failed polls; the source is next polled at `next_poll_at` (backoff).
    errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime)


class WatchItem(Base):
    """An item seen in a source (feed entry or file), by key and content hash: fetched
    once per content, its article extracted once (`extracted_at`)."""

    __tablename__ = "watch_items"
    __table_args__ = (UniqueConstraint("source_id", "key_sha256", name="uq_watch_items_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("watch_sources.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)  # GUID, link or file path
    key_sha256: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))
    link: Mapped[str | None] = mapped_column(String(2000))
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    error: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # NULL until the article's extraction batch finished: a restart extracts these.
    extracted_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class Lease(Base):
    """An extraction in flight: the process `owner` holds `cache_key` until `expires_at`.

    Taken before the request and released in the transaction that stores the run, so two
    `extract` processes on one database never request the same article at once. A lease
    of a crashed process is reclaimed when it expires, or at once when its owner was a
    process on the same host that no longer exists (see db/repository/leases.py).
    """

    __tablename__ = "leases"

    cache_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # host:pid:token of the holding process
    owner: Mapped[str] = mapped_column(String(300))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
