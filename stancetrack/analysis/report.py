"""`report`: one self-contained HTML file to read the evidence behind every stance.

No network assets: CSS, JS and SVG are inline and a Content-Security-Policy forbids
loading anything else. Every piece of stored text is HTML-escaped; the claim data the
script reads is JSON with `<`, `>` and `&` escaped, and the script only sets textContent.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from itertools import pairwise
from typing import Any

from sqlalchemy.orm import Session

from stancetrack import __version__
from stancetrack.analysis.compare import CompareRow, compare, compare_by_article
from stancetrack.analysis.timeline import LANES
from stancetrack.db.repository.analysis import (
    STANCE_NAMES,
    ArticleText,
    ClaimFilter,
    ClaimRow,
    articles_with_claims,
    list_claims,
)


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _safe_href(url: str | None) -> str | None:
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _claim_title(c: ClaimRow) -> str:
    return f"{c.actor} · {c.stance} · confidence {c.confidence:.2f}\n{c.claim}"


# -- article text with highlighted evidence ----------------------------------------------------


def highlight(text: str, claims: list[ClaimRow]) -> str:
    """The text as <p> paragraphs, each evidence span a <mark> coloured by its stance.

    Overlapping spans (one quote inside another, a joint statement annotated for several
    signatories) are cut into segments; each segment lists every claim that covers it.
    """
    cuts = {0, len(text)}
    for c in claims:
        cuts.update((max(0, min(c.start, len(text))), max(0, min(c.end, len(text)))))
    cuts.update(i for i, ch in enumerate(text) if ch == "\n")
    cuts.update(i + 1 for i, ch in enumerate(text) if ch == "\n")
    bounds = sorted(cuts)
    parts = ["<p>"]
    for lo, hi in pairwise(bounds):
        piece = text[lo:hi]
        if piece == "\n":
            parts.append("</p>\n<p>")
            continue
        covering = [c for c in claims if c.start <= lo and hi <= c.end and c.start < c.end]
        if not covering:
            parts.append(_e(piece))
            continue
        stances = {c.stance for c in covering}
        cls = f"st-{next(iter(stances))}" if len(stances) == 1 else "st-multi"
        ids = " ".join(str(c.id) for c in covering)
        title = "\n\n".join(_claim_title(c) for c in covering)
        parts.append(
            f'<mark class="ev {cls}" data-claims="{ids}" tabindex="0" title="{_e(title)}">'
            f"{_e(piece)}</mark>"
        )
    parts.append("</p>")
    return "".join(parts)


# -- charts ----------------------------------------------------------------------------------


def timeline_svg(
    actor: str,
    points: list[CompareRow],
    width: int = 440,
    link: Callable[[int], str] = "#article-{}".format,
) -> str:
    """A small inline SVG: one dot per article, lanes for the overall stance, dates below.

    `link` gives a dot's href from its article id (the report's anchors, the dashboard's
    article pages)."""
    dated = [p for p in points if p.article is not None and p.article.published is not None]
    lane_h, top, left, right = 22, 12, 78, 16
    height = top + lane_h * len(LANES) + 30
    inner = width - left - right
    y = {lane: top + lane_h * i + lane_h // 2 for i, lane in enumerate(LANES)}
    out = [
        f'<svg class="timeline" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{_e(actor)}: overall stance per article</title>",
    ]
    for lane in LANES:
        out.append(
            f'<line class="lane" x1="{left}" x2="{width - right}" y1="{y[lane]}" y2="{y[lane]}"/>'
            f'<text class="lane-label" x="{left - 8}" y="{y[lane] + 4}" text-anchor="end">'
            f"{lane}</text>"
        )
    if dated:
        days = [p.article.published.toordinal() for p in dated if p.article and p.article.published]
        lo, hi = min(days), max(days)

        def x_of(d: date) -> float:
            if hi == lo:
                return left + inner / 2
            return left + inner * (d.toordinal() - lo) / (hi - lo)

        coords = []
        for p in dated:
            assert p.article is not None and p.article.published is not None
            coords.append((x_of(p.article.published), y[p.stance], p))
        if len(coords) > 1:
            path = " ".join(f"{cx:.1f},{cy}" for cx, cy, _ in coords)
            out.append(f'<polyline class="trend" points="{path}"/>')
        for cx, cy, p in coords:
            assert p.article is not None
            label = f"{p.article.published} · {p.stance} · {p.article.title}\n" + ", ".join(
                f"{k} {v}" for k, v in p.counts.as_dict().items() if v
            )
            out.append(
                f'<a href="{_e(link(p.article.id))}"><circle class="pt st-{p.stance}" '
                f'cx="{cx:.1f}" cy="{cy}" r="6" data-article="{p.article.id}">'
                f"<title>{_e(label)}</title></circle></a>"
            )
        base = top + lane_h * len(LANES) + 16
        first, last = dated[0].article, dated[-1].article
        assert first is not None and last is not None
        out.append(f'<text class="axis" x="{left}" y="{base}">{_e(first.published)}</text>')
        if last.published != first.published:
            out.append(
                f'<text class="axis" x="{width - right}" y="{base}" text-anchor="end">'
                f"{_e(last.published)}</text>"
            )
    undated = len(points) - len(dated)
    if undated:
        out.append(
            f'<text class="axis" x="{left}" y="{height - 2}">'
            f"{undated} undated article(s) not shown</text>"
        )
    out.append("</svg>")
    return "".join(out)


# -- assembly ----------------------------------------------------------------------------------


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


def _stance_cell(stance: str, content: str, extra: str = "") -> str:
    return f'<td class="cell st-{stance}"{extra}>{content}</td>'


def _matrix(rows: list[CompareRow]) -> str:
    head = "".join(f'<th scope="col" class="st-{s}">{s}</th>' for s in STANCE_NAMES)
    out = [
        '<table class="matrix" id="stance-matrix"><thead><tr><th scope="col">Actor</th>'
        f'{head}<th scope="col">overall</th></tr></thead><tbody>'
    ]
    for r in sorted(rows, key=lambda r: r.actor.casefold()):
        cells = "".join(
            _stance_cell(
                s if n else "zero",
                str(n),
                f' data-actor="{_e(r.actor)}" data-stance="{s}"',
            )
            for s, n in r.counts.as_dict().items()
        )
        out.append(
            f'<tr><th scope="row">{_e(r.actor)}</th>{cells}'
            f'<td class="overall"><span class="chip st-{r.stance}">{r.stance}</span></td></tr>'
        )
    out.append("</tbody></table>")
    return "".join(out)


def _article_matrix(cells: list[CompareRow], articles: list[ArticleText]) -> str:
    by_actor: dict[str, dict[int, CompareRow]] = defaultdict(dict)
    for c in cells:
        assert c.article is not None
        by_actor[c.actor][c.article.id] = c
    head = "".join(
        f'<th scope="col"><a href="#article-{a.ref.id}" title="{_e(a.ref.title)}">'
        f"{_e(a.ref.published or '#' + str(a.ref.id))}</a></th>"
        for a in articles
    )
    out = [
        '<div class="scroll"><table class="matrix" id="article-matrix"><thead><tr>'
        f'<th scope="col">Actor</th>{head}</tr></thead><tbody>'
    ]
    for actor in sorted(by_actor, key=str.casefold):
        row = []
        for a in articles:
            cell = by_actor[actor].get(a.ref.id)
            if cell is None:
                row.append('<td class="cell empty"></td>')
                continue
            tip = ", ".join(f"{k} {v}" for k, v in cell.counts.as_dict().items() if v)
            row.append(
                _stance_cell(
                    cell.stance,
                    _e(cell.stance),
                    f' title="{_e(actor)} in {_e(a.ref.title)}: {_e(tip)}"',
                )
            )
        out.append(f'<tr><th scope="row">{_e(actor)}</th>{"".join(row)}</tr>')
    out.append("</tbody></table></div>")
    return "".join(out)


_UNVERIFIED_ROW = (
    ' class="unverified" title="the article does not name this speaker near the quote"'
)
_SPEAKER_WORDS = {
    "cue": "with a reporting cue",
    "nearby": "in the paragraph",
    "absent": "ABSENT: not near the quote (unverified; left out of the counts)",
}


def _speaker_cell(c: ClaimRow) -> str:
    """How the article names the claim's speaker (speaker_evidence.py), with the offsets."""
    words = _SPEAKER_WORDS.get(c.speaker_evidence, "not computed")
    where = f" ({c.speaker_start}–{c.speaker_end})" if c.speaker_start is not None else ""
    return _e(words + where)


def _article_section(article: ArticleText, claims: list[ClaimRow]) -> str:
    ref = article.ref
    href = _safe_href(ref.url)
    link = (
        f'<a href="{_e(href)}" rel="noopener noreferrer nofollow">{_e(ref.url)}</a>'
        if href
        else _e(ref.url or article.source)
    )
    outlet = f'<span class="outlet">{_e(ref.outlet)}</span> · ' if ref.outlet else ""
    rows = "".join(
        f"<tr{_UNVERIFIED_ROW if c.unverified else ''}><td>{_e(c.actor)}</td>"
        f'<td><span class="chip st-{c.stance}">{c.stance}</span></td>'
        f"<td>{c.confidence:.2f}</td><td>{_e(c.attribution)}</td><td>{_e(c.claim)}</td>"
        f'<td class="num">{c.start}–{c.end}</td>'
        f'<td class="speaker-{_e(c.speaker_evidence)}">{_speaker_cell(c)}</td></tr>'
        for c in claims
    )
    return (
        f'<article class="doc" id="article-{ref.id}"><h3>{_e(ref.title)}</h3>'
        f'<p class="meta">{_e(ref.published or "undated")} · {outlet}{link} · '
        f"{len(claims)} claim(s)</p>"
        f'<div class="text">{highlight(article.text, claims)}</div>'
        f"<details><summary>Claims ({len(claims)})</summary>"
        '<table class="claims"><thead><tr><th>Actor</th><th>Stance</th><th>Conf.</th>'
        f"<th>Attribution</th><th>Claim</th><th>Span</th><th>Speaker named</th></tr></thead>"
        f"<tbody>{rows}"
        "</tbody></table></details></article>"
    )


_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_report(data: ReportData, *, title: str = "stancetrack report") -> str:
    """The whole report as one HTML string."""
    claims_by_article: dict[int, list[ClaimRow]] = defaultdict(list)
    for c in data.claims:
        claims_by_article[c.article.id].append(c)
    points: dict[str, list[CompareRow]] = defaultdict(list)
    for cell in data.per_cell:
        points[cell.actor].append(cell)
    timeline_order = sorted(points, key=lambda a: (-len(points[a]), a.casefold()))
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
    legend = "".join(
        f'<label class="chip st-{s}"><input type="checkbox" checked data-toggle="{s}"> {s}</label>'
        for s in STANCE_NAMES
    )
    toc = "".join(
        f'<li><a href="#article-{a.ref.id}">{_e(a.ref.published or "undated")} · '
        f"{_e(a.ref.outlet + ' · ') if a.ref.outlet else ''}"
        f"{_e(a.ref.title)}</a> ({len(claims_by_article[a.ref.id])})</li>"
        for a in data.articles
    )
    timelines = "".join(
        f'<figure class="tl" data-actor="{_e(actor)}"><figcaption>{_e(actor)} '
        f'<span class="muted">({len(points[actor])} article(s))</span></figcaption>'
        f"{timeline_svg(actor, points[actor])}</figure>"
        for actor in timeline_order
    )
    articles = "".join(_article_section(a, claims_by_article[a.ref.id]) for a in data.articles)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{_e(title)}</title>
<style>{_CSS}</style></head>
<body>
<header><h1>{_e(title)}</h1>
<p class="muted">stance toward <strong>{_e(data.target)}</strong> ·
{len(data.articles)} article(s) · {len(data.claims)} claim(s) ·
<span id="unverified">{sum(c.unverified for c in data.claims)} with the speaker not named near
the quote (flagged, not in the counts)</span> ·
{len(data.per_actor)} actor(s) · generated {generated} by stancetrack {_e(__version__)} ·
<span id="js-status">static view</span></p>
<nav><a href="#matrix">Actor × stance</a> · <a href="#by-article">Actor × article</a> ·
<a href="#timelines">Timelines</a> · <a href="#articles">Articles</a></nav>
<div class="legend" aria-label="Highlight stances">{legend}
<span class="chip st-multi">several</span></div></header>
<main>
<section id="matrix"><h2>Actor × stance (claim counts)</h2>{_matrix(data.per_actor)}</section>
<section id="by-article"><h2>Actor × article (overall stance)</h2>
{_article_matrix(data.per_cell, data.articles)}</section>
<section id="timelines"><h2>Timelines</h2><div class="tls">{timelines}</div></section>
<section id="articles"><h2>Articles</h2><ol class="toc">{toc}</ol>{articles}</section>
</main>
<div id="tip" role="tooltip" hidden></div>
<script type="application/json" id="claims-data">{_json_for_script(script_data)}</script>
<script>{_JS}</script>
</body></html>
"""


def build_report(session: Session, flt: ClaimFilter, **kw: Any) -> str:
    return render_report(gather(session, flt), **kw)


_CSS = """
:root{--support:#1a7f37;--oppose:#cf222e;--neutral:#9a6700;--unrelated:#6e7781;
--mixed:#8250df;--none:#8c959f;--bg-support:#dafbe1;--bg-oppose:#ffebe9;
--bg-neutral:#fff8c5;--bg-unrelated:#eaeef2;--bg-multi:#fbefff}
*{box-sizing:border-box}
body{font:15px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;
background:#f6f8fa}
header,main{max-width:1100px;margin:0 auto;padding:12px 20px}
header{border-bottom:1px solid #d0d7de}
h1{margin:.2em 0;font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #d0d7de}
.muted{color:#656d76}nav a{color:#0969da}
.legend{margin:.5em 0;display:flex;gap:.4em;flex-wrap:wrap}
.chip{display:inline-block;padding:0 .5em;border-radius:1em;font-size:.85em;
border:1px solid currentColor;white-space:nowrap}
.chip.st-support{color:var(--support)}.chip.st-oppose{color:var(--oppose)}
.chip.st-neutral{color:var(--neutral)}.chip.st-unrelated{color:var(--unrelated)}
.chip.st-mixed,.chip.st-multi{color:var(--mixed)}.chip.st-none{color:var(--none)}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
.matrix td.cell{text-align:center;font-variant-numeric:tabular-nums;min-width:4.5em}
td.st-support{background:var(--bg-support);color:var(--support);font-weight:600}
td.st-oppose{background:var(--bg-oppose);color:var(--oppose);font-weight:600}
td.st-neutral{background:var(--bg-neutral);color:var(--neutral);font-weight:600}
td.st-unrelated{background:var(--bg-unrelated);color:var(--unrelated)}
td.st-mixed{background:var(--bg-multi);color:var(--mixed);font-weight:600}
td.st-none{background:var(--bg-unrelated);color:var(--none)}
td.st-zero{color:#afb8c1}td.empty{background:#f6f8fa}
.scroll{overflow-x:auto}
.tls{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:10px}
figure.tl{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:6px}
figure.tl figcaption{font-weight:600}
svg.timeline{width:100%;height:auto}
svg .lane{stroke:#eaeef2;stroke-width:1}svg .lane-label,svg .axis{font-size:11px;fill:#656d76}
svg .trend{fill:none;stroke:#8c959f;stroke-width:1.5;stroke-dasharray:3 3}
svg .pt{stroke:#fff;stroke-width:1.5}
svg .pt.st-support{fill:var(--support)}svg .pt.st-oppose{fill:var(--oppose)}
svg .pt.st-neutral{fill:var(--neutral)}svg .pt.st-mixed{fill:var(--mixed)}
svg .pt.st-none{fill:var(--none)}
article.doc{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:4px 18px;
margin:14px 0}
article.doc h3{margin:.5em 0 0}.meta{color:#656d76;font-size:.9em;margin-top:0}
.text p:empty{display:none}
mark.ev{border-radius:3px;padding:0 1px;cursor:help;color:inherit;
border-bottom:2px solid transparent}
mark.st-support{background:var(--bg-support);border-color:var(--support)}
mark.st-oppose{background:var(--bg-oppose);border-color:var(--oppose)}
mark.st-neutral{background:var(--bg-neutral);border-color:var(--neutral)}
mark.st-unrelated{background:var(--bg-unrelated);border-color:var(--unrelated)}
mark.st-multi{background:var(--bg-multi);border-color:var(--mixed)}
mark.hot{outline:2px solid #0969da}
body.hide-support mark.st-support,body.hide-oppose mark.st-oppose,
body.hide-neutral mark.st-neutral,body.hide-unrelated mark.st-unrelated{background:none;
border-color:transparent}
table.claims{font-size:.88em;margin-bottom:10px}td.num{white-space:nowrap}
tr.unverified td{background:#fff4e5}td.speaker-absent{color:#b35900;font-weight:600}
#tip{position:fixed;z-index:10;max-width:420px;background:#fff;border:1px solid #8c959f;
border-radius:6px;box-shadow:0 4px 14px rgba(0,0,0,.15);padding:6px 10px;font-size:.9em;
pointer-events:none}
#tip .tip-claim+.tip-claim{border-top:1px solid #eaeef2;margin-top:4px;padding-top:4px}
#tip p{margin:.2em 0}
"""

_JS = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("claims-data").textContent);
  var tip = document.getElementById("tip");
  var marks = document.querySelectorAll("mark.ev");
  function related(mark) {
    var out = [];
    mark.dataset.claims.split(" ").forEach(function (id) {
      document.querySelectorAll('mark.ev[data-claims~="' + id + '"]').forEach(function (m) {
        out.push(m);
      });
    });
    return out;
  }
  function show(event) {
    var mark = event.currentTarget;
    tip.replaceChildren();
    mark.dataset.claims.split(" ").forEach(function (id) {
      var c = data[id];
      if (!c) { return; }
      var box = document.createElement("div");
      box.className = "tip-claim";
      var head = document.createElement("strong");
      head.textContent = c.actor + " \\u00b7 " + c.stance + " \\u00b7 confidence " +
        Number(c.confidence).toFixed(2);
      var body = document.createElement("p");
      body.textContent = c.claim;
      var who = document.createElement("p");
      who.className = "muted";
      who.textContent = "speaker: " + c.speaker;
      box.append(head, body, who);
      tip.append(box);
    });
    related(mark).forEach(function (m) { m.classList.add("hot"); });
    var r = mark.getBoundingClientRect();
    tip.hidden = false;
    tip.style.left = Math.max(4, Math.min(r.left, window.innerWidth - tip.offsetWidth - 4)) + "px";
    var below = r.bottom + 6;
    tip.style.top = (below + tip.offsetHeight > window.innerHeight ?
      Math.max(4, r.top - tip.offsetHeight - 6) : below) + "px";
  }
  function hide() {
    tip.hidden = true;
    document.querySelectorAll("mark.hot").forEach(function (m) { m.classList.remove("hot"); });
  }
  marks.forEach(function (m) {
    m.dataset.title = m.title;
    m.removeAttribute("title");
    m.addEventListener("mouseenter", show);
    m.addEventListener("mouseleave", hide);
    m.addEventListener("focus", show);
    m.addEventListener("blur", hide);
  });
  document.querySelectorAll("input[data-toggle]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.body.classList.toggle("hide-" + box.dataset.toggle, !box.checked);
    });
  });
  document.body.dataset.ready = "1";
  document.body.dataset.evidence = String(marks.length);
  document.getElementById("js-status").textContent =
    marks.length + " evidence span(s) highlighted; hover one for its claim";
})();
"""
