"""The HTML both faces share: templates, the one stylesheet, and what their macros draw.

The report (`analysis/report.py`) and the dashboard (`service/dashboard.py`) render the
same highlighted evidence and stance timelines from the macros in
`templates/_evidence.html`, styled by one stylesheet (`static/style.css`: the dashboard
links it, the report inlines it). Markup lives in the templates, where Jinja escapes every
value; this module only computes what they draw (segments, coordinates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from stancetrack.analysis.compare import CompareRow
from stancetrack.analysis.timeline import LANES
from stancetrack.db.repository.analysis import ClaimRow

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The report's Jinja environment (the dashboard loads the same directory)."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)))


def static_text(name: str) -> str:
    """A file of `static/` (the stylesheet, the report's script), to inline."""
    return (STATIC / name).read_text(encoding="utf-8")


# -- article text with highlighted evidence ----------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of article text, and the claims whose evidence covers all of it (maybe none)."""

    text: str
    claims: tuple[ClaimRow, ...] = ()

    @property
    def css(self) -> str:
        stances = {c.stance for c in self.claims}
        return f"st-{next(iter(stances))}" if len(stances) == 1 else "st-multi"

    @property
    def ids(self) -> str:
        return " ".join(str(c.id) for c in self.claims)

    @property
    def title(self) -> str:
        return "\n\n".join(
            f"{c.actor} · {c.stance} · confidence {c.confidence:.2f}\n{c.claim}"
            for c in self.claims
        )


def paragraphs(text: str, claims: list[ClaimRow]) -> list[list[Segment]]:
    """The text cut into paragraphs (at each newline) and segments (at each span's edge).

    Overlapping spans (one quote inside another, a joint statement annotated for several
    signatories) are cut into segments; each segment lists every claim that covers it.
    """
    cuts = {0, len(text)}
    for c in claims:
        cuts.update((max(0, min(c.start, len(text))), max(0, min(c.end, len(text)))))
    cuts.update(i for i, ch in enumerate(text) if ch == "\n")
    cuts.update(i + 1 for i, ch in enumerate(text) if ch == "\n")
    out: list[list[Segment]] = [[]]
    for lo, hi in pairwise(sorted(cuts)):
        piece = text[lo:hi]
        if piece == "\n":
            out.append([])
            continue
        covering = tuple(c for c in claims if c.start <= lo and hi <= c.end and c.start < c.end)
        out[-1].append(Segment(piece, covering))
    return out


# -- stance timelines --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dot:
    """One article on a timeline: where it is drawn, its overall stance, its link."""

    x: str
    y: int
    stance: str
    article_id: int
    href: str
    label: str


@dataclass(frozen=True)
class Chart:
    """A small SVG: one dot per dated article, a lane per overall stance, dates below."""

    actor: str
    width: int
    height: int
    left: int
    right: int
    lanes: tuple[tuple[str, int], ...]
    dots: tuple[Dot, ...]
    trend: str  # polyline points, "" under two dots
    axis_y: int
    first: date | None
    last: date | None
    undated: int


def timeline_chart(
    actor: str,
    points: list[CompareRow],
    width: int = 440,
    link: Callable[[int], str] = "#article-{}".format,
) -> Chart:
    """The chart of an actor's per-article rows; `link` gives a dot's href from its article
    id (the report's anchors, the dashboard's article pages)."""
    dated = [p for p in points if p.article is not None and p.article.published is not None]
    lane_h, top, left, right = 22, 12, 78, 16
    height = top + lane_h * len(LANES) + 30
    inner = width - left - right
    y = {lane: top + lane_h * i + lane_h // 2 for i, lane in enumerate(LANES)}
    days = [p.article.published.toordinal() for p in dated if p.article and p.article.published]
    lo, hi = (min(days), max(days)) if days else (0, 0)

    def x_of(d: date) -> float:
        return left + inner / 2 if hi == lo else left + inner * (d.toordinal() - lo) / (hi - lo)

    dots = []
    for p in dated:
        assert p.article is not None and p.article.published is not None
        counts = ", ".join(f"{k} {v}" for k, v in p.counts.as_dict().items() if v)
        dots.append(
            Dot(
                x=f"{x_of(p.article.published):.1f}",
                y=y[p.stance],
                stance=p.stance,
                article_id=p.article.id,
                href=link(p.article.id),
                label=f"{p.article.published} · {p.stance} · {p.article.title}\n{counts}",
            )
        )
    first = dated[0].article.published if dated and dated[0].article else None
    last = dated[-1].article.published if dated and dated[-1].article else None
    return Chart(
        actor=actor,
        width=width,
        height=height,
        left=left,
        right=right,
        lanes=tuple((lane, y[lane]) for lane in LANES),
        dots=tuple(dots),
        trend=" ".join(f"{d.x},{d.y}" for d in dots) if len(dots) > 1 else "",
        axis_y=top + lane_h * len(LANES) + 16,
        first=first,
        last=last,
        undated=len(points) - len(dated),
    )
