"""`report`: one self-contained HTML file to read the evidence behind every stance.

The page is `templates/report.html`, with the evidence and timeline macros the dashboard
uses too (analysis/markup.py); the one stylesheet and the report's script are inlined at
render time. No network assets: a Content-Security-Policy forbids loading anything. Jinja
escapes every piece of stored text; the claim data the script reads is JSON with `<`, `>`
and `&` escaped, and the script only sets textContent.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from stancetrack import __version__
from stancetrack.analysis.compare import CompareRow, compare, compare_by_article
from stancetrack.analysis.markup import environment, paragraphs, static_text, timeline_chart
from stancetrack.db.repository.analysis import (
    STANCE_NAMES,
    ArticleText,
    ClaimFilter,
    ClaimRow,
    articles_with_claims,
    list_claims,
)

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
_SPEAKER_WORDS = {
    "cue": "with a reporting cue",
    "nearby": "in the paragraph",
    "absent": "ABSENT: not near the quote (unverified; left out of the counts)",
}


def _safe_href(url: str | None) -> str | None:
    """A stored URL fit for an href: http(s) only (never javascript: or data:)."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _speaker_words(c: ClaimRow) -> str:
    """How the article names the claim's speaker (speaker_evidence.py), with the offsets."""
    words = _SPEAKER_WORDS.get(c.speaker_evidence, "not computed")
    return words + (f" ({c.speaker_start}–{c.speaker_end})" if c.speaker_start is not None else "")


def _counts_tip(row: CompareRow) -> str:
    return ", ".join(f"{k} {v}" for k, v in row.counts.as_dict().items() if v)


@dataclass
class ReportData:
    articles: list[ArticleText]
    claims: list[ClaimRow]
    per_actor: list[CompareRow]
    per_cell: list[CompareRow]
    target: str


def gather(session: Session, flt: ClaimFilter) -> ReportData:
    claims = list_claims(session, flt)
    articles = articles_with_claims(session, flt)
    article_ids = [a.ref.id for a in articles] if flt.article_ids else []
    per_actor = compare(
        session, target=flt.target, actor_ids=flt.actor_ids, article_ids=article_ids
    )
    per_cell = compare_by_article(
        session, target=flt.target, actor_ids=flt.actor_ids, article_ids=article_ids
    )
    return ReportData(articles, claims, per_actor, per_cell, flt.target)


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_report(data: ReportData, *, title: str = "stancetrack report") -> str:
    """The whole report as one HTML string."""
    claims_of: dict[int, list[ClaimRow]] = defaultdict(list)
    for c in data.claims:
        claims_of[c.article.id].append(c)
    points: dict[str, list[CompareRow]] = defaultdict(list)
    by_article: dict[str, dict[int, CompareRow]] = defaultdict(dict)
    for cell in data.per_cell:
        points[cell.actor].append(cell)
        assert cell.article is not None
        by_article[cell.actor][cell.article.id] = cell
    script_data = {
        str(c.id): {
            "actor": c.actor,
            "stance": c.stance,
            "confidence": c.confidence,
            "claim": c.claim,
            "speaker": c.speaker,
            "speaker_evidence": c.speaker_evidence,
        }
        for c in data.claims
    }
    order = sorted(points, key=lambda a: (-len(points[a]), a.casefold()))
    return (
        environment()
        .get_template("report.html")
        .render(
            csp=_CSP,
            css=Markup(static_text("style.css")),
            script=Markup(static_text("report.js")),
            script_data=Markup(_json_for_script(script_data)),
            title=title,
            target=data.target,
            articles=data.articles,
            claims=len(data.claims),
            unverified=sum(c.unverified for c in data.claims),
            actors=len(data.per_actor),
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            version=__version__,
            stances=STANCE_NAMES,
            per_actor=sorted(data.per_actor, key=lambda r: r.actor.casefold()),
            by_article=[(a, by_article[a]) for a in sorted(by_article, key=str.casefold)],
            charts=[(a, timeline_chart(a, points[a])) for a in order],
            claims_of=claims_of,
            paragraphs=paragraphs,
            safe_href=_safe_href,
            speaker_words=_speaker_words,
            counts_tip=_counts_tip,
        )
        + "\n"
    )


def build_report(session: Session, flt: ClaimFilter, **kw: Any) -> str:
    return render_report(gather(session, flt), **kw)
