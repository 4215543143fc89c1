"""The JSON API under /api/: each endpoint is one answer of stancetrack.analysis.answers,
the same JSON as the CLI's --format json (lists wrapped as {"items", "next"} pages)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from stancetrack.analysis import answers
from stancetrack.analysis.answers import Per
from stancetrack.db.read_models import dump
from stancetrack.db.repository.articles import article_row, store_article
from stancetrack.db.repository.extraction import extracted_for
from stancetrack.errors import InputError
from stancetrack.ingest.readers import ArticleInput, parse_bytes
from stancetrack.service import schemas
from stancetrack.service.deps import (
    SessionDep,
    StateDep,
    TargetDep,
    clean_target,
    require_token,
)
from stancetrack.service.jobs import QueueFullError
from stancetrack.service.params import (
    Actor,
    Actors,
    ArticleFilter,
    Cursor,
    Limit,
    Ref,
    Refs,
    RunTarget,
    Search,
    Stances,
    Subject,
)

router = APIRouter(prefix="/api", tags=["api"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorOut, "description": "Bad query (bad cursor, blank target)"},
    404: {"model": schemas.ErrorOut, "description": "No such actor or article"},
    422: {
        "model": schemas.ErrorOut,
        "description": "Invalid parameter or body (out of its documented bounds; not JSON)",
    },
}


def _json(data: object, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


@router.get("/articles", response_model=schemas.ArticlesPage, responses=ERRORS)
def get_articles(
    session: SessionDep, target: TargetDep, limit: Limit = None, cursor: Cursor = None
) -> JSONResponse:
    """Stored articles, oldest first, with their claim counts toward the target."""
    page = answers.articles_answer(session, target=target, limit=limit, cursor=cursor)
    return _json(answers.page_json(page))


@router.get("/claims", response_model=schemas.ClaimsPage, responses=ERRORS)
def get_claims(
    session: SessionDep,
    target: TargetDep,
    actor: Actors = None,
    article: Refs = None,
    stance: Stances = None,
    since: date | None = None,
    until: date | None = None,
    q: Search = None,
    subject: Subject = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> JSONResponse:
    """One target's claims in reading order (date, article, offset), filtered and paged."""
    query = answers.ClaimQuery(
        target=target,
        actors=actor or [],
        articles=article or [],
        stances=[s.value for s in stance or []],
        since=since,
        until=until,
        search=q,
        local_paths=False,
        subject=subject,
    )
    page = answers.claims_answer(session, query, limit=limit, cursor=cursor)
    return _json(answers.page_json(page))


@router.get("/actors", response_model=schemas.ActorsPage, responses=ERRORS)
def get_actors(
    session: SessionDep, target: TargetDep, limit: Limit = None, cursor: Cursor = None
) -> JSONResponse:
    """The actor registry in name order, with aliases and counts toward the target."""
    page = answers.actors_answer(session, target=target, limit=limit, cursor=cursor)
    return _json(answers.page_json(page))


# `--per story`: a claim repeated in copies of one wire story counts once (docs/ARCHITECTURE.md).
PerQuery = Annotated[
    Per,
    Query(description="'story': a claim repeated in copies of one story counts once."),
]


@router.get("/compare", response_model=schemas.ComparePage, responses=ERRORS)
def get_compare(
    session: SessionDep,
    target: TargetDep,
    actor: Actors = None,
    article: Refs = None,
    by: Annotated[
        Literal["actor", "article", "outlet", "subject"],
        Query(
            description="Rows per actor, per actor and article, per actor and outlet, or per "
            "actor and subject of the target."
        ),
    ] = "actor",
    evidence: bool = False,
    include_unverified: Annotated[
        bool, Query(description="Count claims whose speaker is not named near the quote.")
    ] = False,
    per: PerQuery = "article",
    limit: Limit = None,
    cursor: Cursor = None,
) -> JSONResponse:
    """Claim counts per stance and the overall stance per actor (most claims first)."""
    page = answers.compare_answer(
        session,
        target=target,
        actors=actor or [],
        articles=article or [],
        by=by,
        evidence=evidence,
        include_unverified=include_unverified,
        local_paths=False,
        limit=limit,
        cursor=cursor,
        per=per,
    )
    return _json(answers.page_json(page))


@router.get("/diff", response_model=schemas.DiffOut, responses=ERRORS)
def get_diff(session: SessionDep, target: TargetDep, a: Ref, b: Ref) -> JSONResponse:
    """How each actor's overall stance changed from article `a` to article `b`."""
    return _json(answers.diff_answer(session, a, b, target=target, local_paths=False))


@router.get("/timeline", response_model=schemas.TimelineOut, responses=ERRORS)
def get_timeline(
    session: SessionDep,
    target: TargetDep,
    actor: Actor,
    per: PerQuery = "article",
    subject: Subject = None,
) -> JSONResponse:
    """An actor's overall stance article by article (or story by story), oldest first,
    with evidence; with `subject`, of the claims about it."""
    return _json(answers.timeline_answer(session, actor, target=target, per=per, subject=subject))


@router.get("/changes", response_model=schemas.ChangesPage, responses=ERRORS)
def get_changes(
    session: SessionDep,
    target: TargetDep,
    actor: Actors = None,
    subject: Subject = None,
    since: date | None = None,
    per: PerQuery = "article",
    limit: Limit = None,
    cursor: Cursor = None,
) -> JSONResponse:
    """Each move of an actor's overall stance (per subject), oldest first: the same JSON as
    `stancetrack changes -f json`, paged."""
    page = answers.changes_answer(
        session,
        target=target,
        actors=actor or [],
        subject=subject,
        since=since,
        per=per,
        limit=limit,
        cursor=cursor,
    )
    return _json(answers.page_json(page))


@router.get("/runs", response_model=schemas.RunsPage, responses=ERRORS)
def get_runs(
    session: SessionDep,
    article: ArticleFilter = None,
    status: Annotated[str | None, Query(pattern="^(ok|failed)$")] = None,
    target: RunTarget = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> JSONResponse:
    """Extraction runs, newest first (of every target unless `target` is given)."""
    page = answers.runs_answer(
        session,
        article=article,
        status=status,
        target=clean_target(target),
        local_paths=False,
        limit=limit,
        cursor=cursor,
    )
    return _json(answers.page_json(page))


def _parse(body: schemas.ArticleIn) -> ArticleInput:
    record = {
        "title": body.title,
        "text": body.text,
        "url": body.url,
        "published": body.published.isoformat() if body.published else None,
    }
    data = json.dumps(record, ensure_ascii=False).encode()
    items = list(parse_bytes("api", data, ".json"))
    item = items[0] if len(items) == 1 else InputError("api", "the body must be one article")
    if isinstance(item, InputError):
        # The same 422 as a body the model refuses: one status for every bad field.
        problem = {"loc": ("body",), "msg": item.reason, "type": "value_error"}
        raise RequestValidationError([problem])
    return item


@router.post(
    "/articles",
    status_code=202,
    response_model=schemas.Queued,
    responses={
        200: {
            "model": schemas.Exists,
            "description": "Already stored and extracted for the server's target: the "
            "stored article, nothing queued",
        },
        **ERRORS,
        401: {"model": schemas.ErrorOut, "description": "No or wrong bearer token"},
        413: {"model": schemas.ErrorOut, "description": "Body too large"},
        503: {"model": schemas.ErrorOut, "description": "Extraction queue full"},
    },
    dependencies=[Depends(require_token)],
)
async def post_article(body: schemas.ArticleIn, state: StateDep) -> JSONResponse:
    """Store an article and queue its extraction (configured backend); 202 with the article.

    The run and its claims then appear under /api/runs and /api/claims. The same text
    again (same sha256), once extracted for the server's target, is answered 200 with the
    stored article and `"status": "exists"`: nothing is queued.
    """
    item = _parse(body)
    target = state.settings.target

    def store() -> tuple[dict[str, object], bool]:
        with state.database.session() as session:
            article_id, created = store_article(session, item)
            session.flush()
            done = not created and extracted_for(session, article_id, target)
            row = article_row(session, article_id, target=target)
            assert row is not None
            return dump(row), done

    article, done = await run_in_threadpool(store)
    if done:
        return _json({"article": article, "status": "exists"}, 200)
    try:
        state.queue.put(item)
    except QueueFullError as exc:
        busy = _json({"error": str(exc)}, 503)
        busy.headers["Retry-After"] = str(exc.retry_after)
        return busy
    return _json({"article": article, "status": "queued"}, 202)
