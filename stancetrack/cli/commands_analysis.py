"""`compare`, `diff` and `timeline`: where actors stand, and how that changed."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from stancetrack.analysis.compare import CompareRow, compare, compare_by_article
from stancetrack.analysis.diff import MATCH_THRESHOLD, Diff, diff_articles
from stancetrack.analysis.timeline import LANES, Timeline, timeline
from stancetrack.cli.app import app
from stancetrack.cli.context import open_db, settings_for
from stancetrack.cli.options import DbOption, DebugOption, FormatOption
from stancetrack.cli.render import (
    STANCE_STYLE,
    Format,
    emit_csv,
    emit_json,
    emit_jsonl,
    err,
    resolve_format,
    stdout_console,
)
from stancetrack.cli.selection import ArticleOption, actor_ids, article_ids
from stancetrack.db.repository.actors import find_actor
from stancetrack.db.repository.analysis import STANCE_NAMES
from stancetrack.db.repository.articles import find_article

MARK = {"support": "▲", "oppose": "▼", "neutral": "●", "mixed": "◆", "none": "·"}


def _stance(text: str | None) -> Text:
    if text is None:
        return Text("—", style="dim")
    return Text(text, style=STANCE_STYLE.get(text, ""))


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _emit_rows(rows: list[dict[str, Any]], fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(rows)
    elif fmt is Format.jsonl:
        emit_jsonl(rows)
    else:
        emit_csv(rows)


# -- compare ---------------------------------------------------------------------------------


class By(StrEnum):
    actor = "actor"
    article = "article"


@app.command("compare")
def compare_command(
    actors: Annotated[
        list[str] | None,
        typer.Argument(help="Actor NAMEs to compare (default: every actor).", show_default=False),
    ] = None,
    article: ArticleOption = None,
    by: Annotated[
        By, typer.Option("--by", help="'article': one row per actor and article (a matrix).")
    ] = By.actor,
    evidence: Annotated[
        bool, typer.Option("--evidence", help="Add the most confident quote for each cell.")
    ] = False,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Claim counts per stance and each actor's overall stance (DESIGN's rule)."""
    database = open_db(settings_for(db))
    with database.session() as session:
        ids = actor_ids(session, actors)
        arts = article_ids(session, article)
        runner = compare_by_article if by is By.article else compare
        rows = runner(session, actor_ids=ids, article_ids=arts, evidence=evidence)
    fmt = resolve_format(format)
    if fmt is not Format.table:
        _emit_rows([r.as_json() for r in rows], fmt)
        return
    if not rows:
        err.print("[dim]no claims to compare[/dim]")
        return
    if by is By.article:
        _matrix_table(rows, evidence)
    else:
        _compare_table(rows, evidence)


def _compare_table(rows: list[CompareRow], evidence: bool) -> None:
    table = Table(title="Stance by actor (claim counts)", header_style="bold")
    table.add_column("actor")
    for stance in STANCE_NAMES:
        table.add_column(stance, justify="right", style=STANCE_STYLE[stance])
    table.add_column("overall")
    if evidence:
        table.add_column("evidence", overflow="fold")
    for r in rows:
        cells: list[Text | str] = [escape(r.actor)]
        cells += [str(n) if n else Text("0", style="dim") for n in r.counts.as_dict().values()]
        cells.append(_stance(r.stance))
        if evidence:
            cells.append(_evidence_text(r))
        table.add_row(*cells)
    stdout_console().print(table)


def _evidence_text(r: CompareRow) -> Text:
    if r.evidence is None:
        return Text("")
    e = r.evidence
    text = Text(f"“{_short(e.quote)}” ", style=STANCE_STYLE.get(e.stance, ""))
    text.append(
        f"({e.confidence:.2f}, {e.article.published or '#' + str(e.article.id)})", style="dim"
    )
    return text


def _matrix_table(rows: list[CompareRow], evidence: bool) -> None:
    articles = sorted({r.article for r in rows if r.article}, key=lambda a: a.sort_key)
    actors = list(dict.fromkeys(r.actor for r in rows))
    cells = {(r.actor, r.article.id): r for r in rows if r.article}
    table = Table(title="Overall stance by actor and article", header_style="bold")
    table.add_column("actor", no_wrap=True)
    for a in articles:
        table.add_column(f"#{a.id}", justify="center", no_wrap=True)
    for actor in actors:
        line: list[Text | str] = [escape(actor)]
        for a in articles:
            cell = cells.get((actor, a.id))
            line.append(Text(MARK[cell.stance], style=STANCE_STYLE[cell.stance]) if cell else "")
        table.add_row(*line)
    console = stdout_console()
    console.print(table)
    console.print(Text.assemble(*(Text(f"{MARK[s]} {s}  ", style=STANCE_STYLE[s]) for s in MARK)))
    for a in articles:
        console.print(
            f"[dim]#{a.id}[/dim] {a.published or 'undated'} {escape(a.title)}", highlight=False
        )
    if evidence:
        console.print()
        for r in rows:
            if r.evidence is not None and r.article is not None:
                console.print(
                    Text.assemble(
                        f"{r.actor} #{r.article.id} ", _stance(r.stance), " ", _evidence_text(r)
                    )
                )


# -- diff ------------------------------------------------------------------------------------


@app.command("diff")
def diff_command(
    ref_a: Annotated[str, typer.Argument(metavar="REF_A", help="The earlier article.")],
    ref_b: Annotated[str, typer.Argument(metavar="REF_B", help="The later article.")],
    threshold: Annotated[
        float,
        typer.Option(min=0, max=100, help="Similarity (0-100) for two claims to be a pair."),
    ] = MATCH_THRESHOLD,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Per-actor stance change between two articles, with claim-level detail."""
    database = open_db(settings_for(db))
    with database.session() as session:
        a, b = find_article(session, ref_a), find_article(session, ref_b)
        result = diff_articles(session, a, b, threshold=threshold)
    fmt = resolve_format(format)
    if fmt is Format.json:
        emit_json(result.as_json())
    elif fmt is Format.table:
        _diff_table(result)
    else:
        rows = [
            {**c.as_json(), "a_article_id": result.a.id, "b_article_id": result.b.id}
            for c in result.actors
        ]
        _emit_rows(rows, fmt)


def _diff_table(d: Diff) -> None:
    console = stdout_console()
    for label, ref in (("A", d.a), ("B", d.b)):
        console.print(
            f"[bold]{label}[/bold] #{ref.id} {ref.published or 'undated'}  {escape(ref.title)}"
        )
    if not d.actors:
        err.print("[dim]neither article has claims[/dim]")
        return
    table = Table(header_style="bold", title="Actors")
    for col in ("actor", "A", "B", "change"):
        table.add_column(col)
    change_style = {"shifted": "bold magenta", "appeared": "cyan", "disappeared": "dim cyan"}
    for c in d.actors:
        table.add_row(
            escape(c.actor),
            _stance(c.a),
            _stance(c.b),
            Text(c.change, style=change_style.get(c.change, "")),
        )
    console.print(table)
    if d.matched:
        pairs = Table(header_style="bold", title="Matched claims (same actor, similar claim)")
        for col in ("actor", "A", "B", "sim.", "claim in A → claim in B"):
            pairs.add_column(col, overflow="fold")
        for m in d.matched:
            flag = Text(" stance changed", style="bold magenta") if m.stance_changed else ""
            pairs.add_row(
                escape(m.actor),
                _stance(m.a.stance),
                _stance(m.b.stance),
                f"{m.similarity:.0f}",
                Text.assemble(_short(m.a.claim, 70), " → ", _short(m.b.claim, 70), flag),
            )
        console.print(pairs)
    for title, claims in (("Only in A", d.only_a), ("Only in B", d.only_b)):
        if not claims:
            continue
        table = Table(header_style="bold", title=title)
        for col in ("actor", "stance", "claim"):
            table.add_column(col, overflow="fold")
        for claim in claims:
            table.add_row(
                escape(claim.actor), _stance(claim.stance), escape(_short(claim.claim, 110))
            )
        console.print(table)


# -- timeline --------------------------------------------------------------------------------


@app.command("timeline")
def timeline_command(
    actor: Annotated[str, typer.Argument(help="Actor NAME (canonical or alias).")],
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """An actor's overall stance article by article, in date order, with evidence."""
    database = open_db(settings_for(db))
    with database.session() as session:
        result = timeline(session, find_actor(session, actor))
    fmt = resolve_format(format)
    if fmt is Format.json:
        emit_json(result.as_json())
    elif fmt is Format.table:
        _timeline_table(result)
    else:
        rows = []
        for point in result.as_json()["points"]:
            ev = point.pop("evidence") or {}
            point.pop("published")
            rows.append(
                {
                    "actor": result.actor,
                    **point,
                    "evidence_quote": ev.get("quote"),
                    "evidence_confidence": ev.get("confidence"),
                }
            )
        _emit_rows(rows, fmt)


def chart_lines(t: Timeline) -> list[Text]:
    """A compact lane chart: one column per article, one row per overall stance."""
    lines = []
    width = max(3, len(str(len(t.points))) + 2)
    for lane in LANES:
        if lane == "none" and all(p.stance != "none" for p in t.points):
            continue
        line = Text(f"{lane:>8} ", style="dim")
        for p in t.points:
            mark = MARK[lane] if p.stance == lane else "·"
            line.append(mark.center(width), style=STANCE_STYLE[lane] if p.stance == lane else "dim")
        lines.append(line)
    axis = Text(" " * 9)
    for i, _ in enumerate(t.points, 1):
        axis.append(str(i).center(width), style="dim")
    lines.append(axis)
    return lines


def _timeline_table(t: Timeline) -> None:
    console = stdout_console()
    if not t.points:
        err.print(f"[dim]{escape(t.actor)} has no claims[/dim]")
        return
    console.print(f"[bold]{escape(t.actor)}[/bold]: {len(t.points)} article(s)")
    for line in chart_lines(t):
        console.print(line)
    table = Table(header_style="bold")
    for col in ("#", "date", "article", "stance", "claims", "evidence"):
        table.add_column(col, overflow="fold")
    for i, p in enumerate(t.points, 1):
        assert p.article is not None
        counts = " ".join(f"{k[:3]}:{v}" for k, v in p.counts.as_dict().items() if v)
        table.add_row(
            str(i),
            str(p.article.published or "undated"),
            escape(_short(p.article.title, 50)),
            _stance(p.stance),
            counts,
            _evidence_text(p),
        )
    console.print(table)
    for change in t.changes:
        console.print(
            Text.assemble(
                "changed ",
                _stance(change["from"]),
                " → ",
                _stance(change["to"]),
                f"  ({change['from_article']['published']} → {change['to_article']['published']})",
            )
        )
