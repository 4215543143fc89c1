"""Extraction results: runs (the audit record), claims, rejected claims, endpoint modes.

An article's claims for a target are the answer of its latest successful run for that
target: recording a successful run replaces them (and only them: other targets' claims of the
article stay), in the caller's transaction, while every earlier run (with its raw reply and
rejections) stays for audit.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stancetrack.db.limits import check, fit
from stancetrack.db.models import (
    Article,
    Claim,
    ClaimSubject,
    EndpointMode,
    RejectedClaim,
    Run,
    utcnow,
)
from stancetrack.speaker_evidence import UNKNOWN

if TYPE_CHECKING:
    from stancetrack.db.engine import Database


_RUNS = cast(Table, Run.__table__)
_CLAIMS = cast(Table, Claim.__table__)
_REJECTED = cast(Table, RejectedClaim.__table__)
# The hot statements of `extract`, built once (building them per call cost about as much as
# running them); executed with parameter lists.
_INSERT_RUN = insert(_RUNS).returning(_RUNS.c.id)
_DELETE_CLAIMS = delete(_CLAIMS).where(
    _CLAIMS.c.article_id == bindparam("article"), _CLAIMS.c.target == bindparam("target")
)
_INSERT_CLAIMS = insert(_CLAIMS)
_ARTICLE_DATE = select(Article.published).where(Article.id == bindparam("article"))
_INSERT_REJECTED = insert(_REJECTED)
_INSERT_SUBJECTS = insert(cast(Table, ClaimSubject.__table__))
_STORED_SPANS = select(_CLAIMS.c.id, _CLAIMS.c.actor_id, _CLAIMS.c.start, _CLAIMS.c.end).where(
    _CLAIMS.c.article_id == bindparam("article"), _CLAIMS.c.target == bindparam("target")
)


@dataclass(slots=True)
class NewClaim:
    """A grounded claim ready to store (offsets computed by grounding, actor resolved)."""

    actor_id: int
    speaker: str
    quote: str
    start: int
    end: int
    claim: str
    attribution: str
    stance: str
    confidence: float
    rationale: str
    alignment: str
    # Where the article names the speaker and how that ties to the quote (speaker_evidence).
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_evidence: str = UNKNOWN  # the one default (speaker_evidence.py)
    # The target's subjects it is about (stancetrack/subjects.py); empty: the target at large.
    subjects: tuple[str, ...] = ()


@dataclass(slots=True)
class NewRejection:
    reason: str
    speaker: str | None = None
    actor: str | None = None
    quote: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def done_cache_keys(
    session: Session, cache_keys: Collection[str], *, since: datetime | None = None
) -> set[str]:
    """Which of these cache keys have a successful run (started at or after `since`).

    One query for a whole read-ahead of `extract`, on ix_runs_cache_key_status.
    """
    if not cache_keys:
        return set()
    stmt = select(Run.cache_key).where(Run.cache_key.in_(set(cache_keys)), Run.status == "ok")
    if since is not None:
        stmt = stmt.where(Run.started_at >= since)
    return set(session.scalars(stmt.distinct()))


def tried_cache_keys(session: Session, cache_keys: Collection[str]) -> set[str]:
    """Which of these cache keys have a run of any status (an answer or a recorded failure)."""
    if not cache_keys:
        return set()
    stmt = select(Run.cache_key).where(Run.cache_key.in_(set(cache_keys)))
    return set(session.scalars(stmt.distinct()))


def claim_cache_key(session: Session, cache_key: str) -> bool:
    """Inside the caller's transaction: hold the cache key against concurrent writers and
    tell whether a successful run with it exists already (then nothing should be stored).

    Several processes may finish the same article at once (a queue delivers at least once);
    on PostgreSQL a transaction-scoped advisory lock on the key makes the check and the
    write that follows one step. SQLite has a single writer, so the check suffices there.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(cache_key, 0))))
    return bool(done_cache_keys(session, [cache_key]))


@dataclass(frozen=True, slots=True)
class NewArticle:
    """The run's article was stored in this very transaction: it has no claims to replace,
    and its date is the one it was stored with (`record_run` reads neither)."""

    published: date | None


def record_run(
    session: Session,
    run: dict[str, Any],
    claims: Sequence[NewClaim] = (),
    rejected: Sequence[NewRejection] = (),
    *,
    new: NewArticle | None = None,
) -> int:
    """Insert a run (its column values) with its rejections; returns the run's id.

    A successful run's claims replace the article's claims for the run's target (only
    those). Runs inside the caller's transaction, so the run, its claims and its rejections
    are committed together or not at all. Plain
    INSERTs rather than ORM objects: this is the hot path of `extract`.
    """
    ok = run["status"] == "ok"
    values = {
        "claims_count": len(claims) if ok else 0,
        "rejected_count": len(rejected),
        "finished_at": utcnow(),
        **run,
    }
    # The audit text keeps whatever came, made storable; everything else must fit as is.
    for column in ("raw_reply", "error"):
        values[column] = fit(_RUNS, column, values.get(column))
    check(_RUNS, [values])
    # Core statements on the session's connection: the ORM's bulk path costs more than the
    # SQL itself here, and nothing below needs ORM objects.
    conn = session.connection()
    run_id: int = conn.execute(_INSERT_RUN, [values]).scalar_one()
    article_id = values["article_id"]
    target = values["target"]
    if ok:
        if new is None:
            conn.execute(_DELETE_CLAIMS, {"article": article_id, "target": target})
        if claims:
            now = utcnow()
            # Claims carry their article's date: pages in reading order are index ranges.
            published = (
                new.published
                if new is not None
                else conn.execute(_ARTICLE_DATE, {"article": article_id}).scalar()
            )
            claim_rows = [
                {
                    "article_id": article_id,
                    "run_id": run_id,
                    "target": target,
                    "published": published,
                    "actor_id": c.actor_id,
                    "speaker": c.speaker,
                    "quote": c.quote,
                    "start": c.start,
                    "end": c.end,
                    "claim": c.claim,
                    "attribution": c.attribution,
                    "stance": c.stance,
                    "confidence": c.confidence,
                    "rationale": c.rationale,
                    "alignment": c.alignment,
                    "speaker_start": c.speaker_start,
                    "speaker_end": c.speaker_end,
                    "speaker_evidence": c.speaker_evidence,
                    "created_at": now,
                }
                for c in claims
            ]
            check(_CLAIMS, claim_rows)
            conn.execute(_INSERT_CLAIMS, claim_rows)
            if any(c.subjects for c in claims):
                _insert_subjects(conn, article_id, target, claims)
    if rejected:
        now = utcnow()
        # A rejection records what the model sent, however bad: fitted, never refused.
        rejected_rows = [
            {
                "run_id": run_id,
                "article_id": article_id,
                "reason": fit(_REJECTED, "reason", r.reason),
                "speaker": fit(_REJECTED, "speaker", r.speaker),
                "actor": fit(_REJECTED, "actor", r.actor),
                "quote": fit(_REJECTED, "quote", r.quote),
                "payload": r.payload,
                "created_at": now,
            }
            for r in rejected
        ]
        check(_REJECTED, rejected_rows)
        conn.execute(_INSERT_REJECTED, rejected_rows)
    return run_id


def _insert_subjects(
    conn: Connection, article_id: int, target: str, claims: Sequence[NewClaim]
) -> None:
    """The subjects of claims just inserted, found by their span (uq_claims_span); the old
    claims' went with them (ON DELETE CASCADE)."""
    ids = {
        (actor, start, end): claim_id
        for claim_id, actor, start, end in conn.execute(
            _STORED_SPANS, {"article": article_id, "target": target}
        )
    }
    rows = [
        {"claim_id": ids[(c.actor_id, c.start, c.end)], "subject": subject}
        for c in claims
        for subject in c.subjects
    ]
    conn.execute(_INSERT_SUBJECTS, rows)


# -- listing ---------------------------------------------------------------------------------


def run_summary(run: Run, article: Article | None = None) -> dict[str, Any]:
    """A run's provenance as plain JSON (never any secret: runs hold none)."""
    out: dict[str, Any] = {
        "id": run.id,
        "article": {"id": run.article_id, "title": article.title if article else None},
        "status": run.status,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "backend": run.backend,
        "model": run.model,
        "endpoint_host": run.endpoint_host,
        "prompt": {
            "name": run.prompt_name,
            "version": run.prompt_version,
            "sha256": run.prompt_sha256,
        },
        "target": run.target,
        "output_mode": run.output_mode,
        "temperature": run.temperature,
        "max_tokens": run.max_tokens,
        "params": run.params,
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "latency_ms": round(run.latency_ms, 1),
        "attempts": run.attempts,
        "chunks": run.chunks,
        "claims": run.claims_count,
        "rejected": run.rejected_count,
        "error": run.error,
        "cache_key": run.cache_key,
    }
    return out


def extracted_for(session: Session, article_id: int, target: str) -> bool:
    """Whether the article has a successful run for `target` (its claims are answered)."""
    stmt = select(Run.id).where(
        Run.article_id == article_id, Run.target == target, Run.status == "ok"
    )
    return session.scalar(stmt.limit(1)) is not None


def list_runs(
    session: Session,
    *,
    article_id: int | None = None,
    status: str | None = None,
    target: str | None = None,
    limit: int | None = None,
    before_id: int | None = None,
) -> list[tuple[Run, Article]]:
    """Runs, newest first, with their article (of one target, or of all: runs are audit);
    `before_id` starts after that run (the keyset of a paged read)."""
    stmt = select(Run, Article).join(Article, Article.id == Run.article_id)
    if before_id is not None:
        stmt = stmt.where(Run.id < before_id)
    if article_id is not None:
        stmt = stmt.where(Run.article_id == article_id)
    if status is not None:
        stmt = stmt.where(Run.status == status)
    if target is not None:
        stmt = stmt.where(Run.target == target)
    stmt = stmt.order_by(Run.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(row[0], row[1]) for row in session.execute(stmt)]


def run_speaker_evidence(session: Session, run_id: int) -> tuple[dict[str, int], list[Claim]]:
    """The run's stored claims counted by speaker evidence, and those whose speaker is
    `absent` (kept but flagged: the article does not name the speaker near the quote)."""
    counts: dict[str, int] = dict.fromkeys(("cue", "nearby", "absent"), 0)
    for evidence, n in session.execute(
        select(Claim.speaker_evidence, func.count())
        .where(Claim.run_id == run_id)
        .group_by(Claim.speaker_evidence)
    ):
        counts[evidence] = n
    absent = list(
        session.scalars(
            select(Claim)
            .where(Claim.run_id == run_id, Claim.speaker_evidence == "absent")
            .order_by(Claim.start, Claim.id)
        )
    )
    return counts, absent


def get_run(session: Session, run_id: int) -> tuple[Run, Article, list[RejectedClaim]] | None:
    found = session.execute(
        select(Run, Article).join(Article, Article.id == Run.article_id).where(Run.id == run_id)
    ).first()
    if found is None:
        return None
    run, article = found[0], found[1]
    rejected = list(
        session.scalars(
            select(RejectedClaim).where(RejectedClaim.run_id == run_id).order_by(RejectedClaim.id)
        )
    )
    return run, article, rejected


# -- endpoint modes --------------------------------------------------------------------------


def get_endpoint_mode(session: Session, endpoint: str, model: str) -> str | None:
    return session.scalar(
        select(EndpointMode.mode).where(
            EndpointMode.endpoint == endpoint, EndpointMode.model == model
        )
    )


def set_endpoint_mode(session: Session, endpoint: str, model: str, mode: str) -> None:
    row = session.scalar(
        select(EndpointMode).where(EndpointMode.endpoint == endpoint, EndpointMode.model == model)
    )
    if row is not None:
        row.mode = mode
        row.updated_at = utcnow()
        return
    try:
        with session.begin_nested():
            session.add(EndpointMode(endpoint=endpoint, model=model, mode=mode))
    except IntegrityError:  # another process stored it first: take ours as the latest
        row = session.scalar(
            select(EndpointMode).where(
                EndpointMode.endpoint == endpoint, EndpointMode.model == model
            )
        )
        if row is not None:
            row.mode = mode


class DbModeStore:
    """Remembers which structured-output mode works per endpoint+model, in the database.

    Reads are cached in memory so a batch asks the database once per endpoint; writes go
    straight through (they happen once, after a probe).
    """

    def __init__(self, database: Database) -> None:
        self._db = database
        self._cache: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()

    def get(self, endpoint: str, model: str) -> str | None:
        key = (endpoint, model)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        with self._db.session() as session:
            mode = get_endpoint_mode(session, endpoint, model)
        with self._lock:
            self._cache[key] = mode
        return mode

    def set(self, endpoint: str, model: str, mode: str) -> None:
        with self._db.session() as session:
            set_endpoint_mode(session, endpoint, model, mode)
        with self._lock:
            self._cache[(endpoint, model)] = mode
