"""The dashboard: server-rendered pages (Jinja2, autoescaped) over the same answers as the
API, with local CSS and one small script (a strict CSP forbids anything inline or remote).

Every stored string reaches the page through Jinja's escaping; the only pre-built markup is
none: the highlighted text and timeline SVG are the macros the report uses too
(stancetrack/analysis/templates/_evidence.html, loaded beside this package's templates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from stancetrack.analysis import answers
from stancetrack.analysis.answers import Per
from stancetrack.analysis.compare import compare_by_article
from stancetrack.analysis.markup import TEMPLATES as SHARED_TEMPLATES
from stancetrack.analysis.markup import paragraphs, timeline_chart
from stancetrack.db.repository.actors import find_actor
from stancetrack.db.repository.analysis import ClaimFilter, list_claims
from stancetrack.db.repository.articles import find_article
from stancetrack.db.repository.extraction import get_run, run_summary
from stancetrack.errors import NotFoundError
from stancetrack.schemas import STANCES
from stancetrack.service.deps import SessionDep, TargetDep
from stancetrack.service.params import (
    DASHBOARD_PAGE,
    ActorPath,
    Actors,
    Cursor,
    OffsetCursor,
    OptionalRef,
    Outlet,
    PageLimit,
    RefPath,
    RunId,
    Search,
    Stances,
    Subject,
)
from stancetrack.stances import Overall

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=[Path(__file__).with_name("templates"), SHARED_TEMPLATES])
OVERALLS = [o.value for o in Overall]
PAGE = DASHBOARD_PAGE


def actor_url(name: str) -> str:
    return "/actors/" + quote(name, safe="")


def web_link(url: str | None) -> str | None:
    """A stored URL fit for an href: http(s) only (never javascript: or data:)."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def page_url(path: str, **params: Any) -> str:
    """A dashboard URL with the given (non-empty) query parameters."""
    pairs = [
        (k, v)
        for k, vs in params.items()
        for v in (vs if isinstance(vs, list) else [vs])
        if v not in (None, "", [])
    ]
    return path + ("?" + urlencode(pairs) if pairs else "")


templates.env.globals.update(
    actor_url=actor_url, page_url=page_url, stances=STANCES, overalls=OVERALLS
)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status, message=message, target=None)


@dataclass(frozen=True, slots=True)
class View:
    """What every page over one target's claims reads from and renders with: the request,
    a session, the target (every such page shows it)."""

    request: Request
    session: Session
    target: str

    def render(self, name: str, **context: Any) -> HTMLResponse:
        return render(self.request, name, target=self.target, **context)


def get_view(request: Request, session: SessionDep, target: TargetDep) -> View:
    return View(request, session, target)


ViewDep = Annotated[View, Depends(get_view)]


def chosen(actor: list[str] | None) -> list[str]:
    """The actor names a form chose (an empty field sends a blank one)."""
    return [a for a in actor or [] if a.strip()]


Day = Annotated[date | None, Query()]


@router.get("/", response_class=HTMLResponse)
def overview(
    view: ViewDep,
    since: Day = None,
    until: Day = None,
    stance: Annotated[Overall | None, Query()] = None,
    outlet: Outlet = None,
    limit: PageLimit = PAGE,
    cursor: OffsetCursor = None,
) -> HTMLResponse:
    """Actors x stances: claim counts and the overall stance, most claims first."""
    rows = answers.overview_rows(
        view.session,
        answers.ClaimQuery(
            target=view.target,
            since=since,
            until=until,
            outlets=[outlet.strip()] if outlet and outlet.strip() else [],
            local_paths=False,
        ),
        overall=stance.value if stance else None,
    ).items
    start = int(cursor) if cursor else 0  # ASCII digits only (OffsetCursor)
    shown = rows[start : start + limit]
    nxt = str(start + limit) if start + limit < len(rows) else None
    filters = {
        "target": view.target,
        "since": since,
        "until": until,
        "stance": stance,
        "outlet": outlet,
    }
    return view.render(
        "overview.html",
        rows=shown,
        total=len(rows),
        next=page_url("/", **filters, cursor=nxt) if nxt else None,
        filters=filters,
    )


@router.get("/actors/{name:path}", response_class=HTMLResponse)
def actor_page(
    view: ViewDep,
    name: ActorPath,
    stance: Stances = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    """One actor: the stance timeline as a chart, then the evidence claims, paged."""
    actor = find_actor(view.session, name)
    points = compare_by_article(
        view.session, target=view.target, actor_ids=[actor.id], evidence=True
    )
    chart = timeline_chart(actor.name, points, width=720, link="/articles/{}".format)
    query = answers.ClaimQuery(
        target=view.target,
        actors=[actor.name],
        stances=[s.value for s in stance or []],
        local_paths=False,
    )
    page = answers.claims_answer(view.session, query, limit=PAGE, cursor=cursor)
    counts = answers.compare_answer(view.session, target=view.target, actors=[actor.name]).items
    by_subject = answers.compare_answer(
        view.session, target=view.target, actors=[actor.name], by="subject"
    ).items
    nxt = page_url(actor_url(actor.name), target=view.target, stance=stance, cursor=page.next)
    return view.render(
        "actor.html",
        actor=actor.name,
        counts=counts[0] if counts else None,
        by_subject=by_subject if any(r["subject"] for r in by_subject) else [],
        chart=chart,
        points=len(points),
        claims=page.items,
        next=nxt if page.next else None,
    )


@router.get("/articles/{ref}", response_class=HTMLResponse)
def article_page(view: ViewDep, ref: RefPath) -> HTMLResponse:
    """One article: its text with every claim's quote highlighted by stance."""
    article = find_article(view.session, ref, local_paths=False)
    rows = list_claims(view.session, ClaimFilter(target=view.target, article_ids=[article.id]))
    body = paragraphs(article.text, rows)
    return view.render(
        "article.html",
        article=article,
        body=body,
        claims=rows,
        url=web_link(article.url),
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    view: ViewDep,
    actor: Actors = None,
    per: Annotated[Per, Query()] = "article",
) -> HTMLResponse:
    """Chosen actors side by side, with the strongest evidence for each (no actor chosen:
    every actor, as `stancetrack compare` lists them); with `per=story` a claim repeated in
    copies of one wire story counts once, and the outlets are listed."""
    names = chosen(actor)
    rows = answers.compare_answer(
        view.session, target=view.target, actors=names, evidence=True, per=per
    ).items
    return view.render("compare.html", rows=rows, names=names, per=per)


@router.get("/changes", response_class=HTMLResponse)
def changes_page(
    view: ViewDep,
    actor: Actors = None,
    subject: Subject = None,
) -> HTMLResponse:
    """Every stance change (per subject), newest first, with both quotes."""
    names = chosen(actor)
    page = answers.changes_answer(
        view.session, target=view.target, actors=names, subject=subject or None
    )
    return view.render(
        "changes.html",
        changes=list(reversed(page.items)),
        names=names,
        subject=subject or None,
    )


@router.get("/diff", response_class=HTMLResponse)
def diff_page(
    view: ViewDep,
    a: OptionalRef = None,
    b: OptionalRef = None,
) -> HTMLResponse:
    """Two articles: each actor's overall stance in both, and the claims that changed."""
    result = (
        answers.diff_answer(view.session, a, b, target=view.target, local_paths=False)
        if a and b
        else None
    )
    return view.render("diff.html", diff=result, a=a, b=b)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    view: ViewDep,
    q: Search = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    """Claims whose text or quote contains `q`."""
    page = (
        answers.claims_answer(
            view.session,
            answers.ClaimQuery(target=view.target, search=q, local_paths=False),
            limit=PAGE,
            cursor=cursor,
        )
        if q
        else answers.Page([])
    )
    nxt = page_url("/search", q=q, target=view.target, cursor=page.next) if page.next else None
    return view.render("search.html", q=q or "", claims=page.items, next=nxt)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, session: SessionDep, run_id: RunId) -> HTMLResponse:
    """One extraction run: provenance and the claims it rejected."""
    found = get_run(session, run_id)
    if found is None:
        raise NotFoundError(f"no run with id {run_id}")
    run, article, rejected = found
    return render(
        request,
        "run.html",
        run=run_summary(run, article),
        rejected=rejected,
        target=run.target,
    )
