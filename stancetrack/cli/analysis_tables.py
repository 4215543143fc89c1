"""Rich tables and charts for `compare`, `diff` and `timeline` (people's view).

Imported only when a table is printed, so JSON output and `--help` skip rich's start-up.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from stancetrack.analysis.compare import CompareRow
from stancetrack.analysis.diff import Diff
from stancetrack.analysis.timeline import LANES, Timeline
from stancetrack.cli.render import STANCE_STYLE, shown, stderr, stdout_console, visible
from stancetrack.db.repository.analysis import STANCE_NAMES
from stancetrack.stances import Overall

MARK: dict[str, str] = {
    Overall.SUPPORT: "▲",
    Overall.OPPOSE: "▼",
    Overall.NEUTRAL: "●",
    Overall.MIXED: "◆",
    Overall.NONE: "·",
}


def _stance(text: str | None) -> Text:
    if text is None:
        return Text("—", style="dim")
    return Text(text, style=STANCE_STYLE.get(text, ""))


def _short(text: str, width: int = 90) -> str:
    """One line of at most `width` characters, control characters shown escaped."""
    text = " ".join(visible(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def compare_table(rows: list[CompareRow], evidence: bool) -> None:
    table = Table(title="Stance by actor (claim counts)", header_style="bold")
    per_outlet = any(r.per_outlet for r in rows)
    if per_outlet:
        table.title = "Stance by actor and outlet (claim counts)"
    per_subject = any(r.per_subject for r in rows)
    if per_subject:
        table.title = "Stance by actor and subject (claim counts)"
    table.add_column("actor")
    if per_outlet:
        table.add_column("outlet")
    if per_subject:
        table.add_column("subject")
    for stance in STANCE_NAMES:
        table.add_column(stance, justify="right", style=STANCE_STYLE[stance])
    table.add_column("overall")
    per_story = any(r.stories is not None for r in rows)
    if per_story:  # `--per story`: claims counted once per story
        table.title = "Stance by actor (claims counted once per story)"
        table.add_column("stories", justify="right")
        table.add_column("outlets", overflow="fold")
    if evidence:
        table.add_column("evidence", overflow="fold")
    for r in rows:
        cells: list[Text | str] = [shown(r.actor)]
        if per_outlet:
            cells.append(shown(r.outlet) if r.outlet else Text("(no URL)", style="dim"))
        if per_subject:
            cells.append(shown(r.subject) if r.subject else Text("(in general)", style="dim"))
        cells += [str(n) if n else Text("0", style="dim") for n in r.counts.as_dict().values()]
        cells.append(_stance(r.stance))
        if per_story:
            cells += [str(r.stories or 0), shown(", ".join(r.outlets or ()))]
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


def matrix_table(rows: list[CompareRow], evidence: bool) -> None:
    articles = sorted({r.article for r in rows if r.article}, key=lambda a: a.sort_key)
    actors = list(dict.fromkeys(r.actor for r in rows))
    cells = {(r.actor, r.article.id): r for r in rows if r.article}
    table = Table(title="Overall stance by actor and article", header_style="bold")
    table.add_column("actor", no_wrap=True)
    for a in articles:
        table.add_column(f"#{a.id}", justify="center", no_wrap=True)
    for actor in actors:
        line: list[Text | str] = [shown(actor)]
        for a in articles:
            cell = cells.get((actor, a.id))
            line.append(Text(MARK[cell.stance], style=STANCE_STYLE[cell.stance]) if cell else "")
        table.add_row(*line)
    console = stdout_console()
    console.print(table)
    console.print(Text.assemble(*(Text(f"{MARK[s]} {s}  ", style=STANCE_STYLE[s]) for s in MARK)))
    for a in articles:
        console.print(
            f"[dim]#{a.id}[/dim] {a.published or 'undated'} {shown(a.title)}", highlight=False
        )
    if evidence:
        console.print()
        for r in rows:
            if r.evidence is not None and r.article is not None:
                console.print(
                    Text.assemble(
                        f"{visible(r.actor)} #{r.article.id} ",
                        _stance(r.stance),
                        " ",
                        _evidence_text(r),
                    )
                )


def diff_table(d: Diff) -> None:
    console = stdout_console()
    for label, ref in (("A", d.a), ("B", d.b)):
        console.print(
            f"[bold]{label}[/bold] #{ref.id} {ref.published or 'undated'}  {shown(ref.title)}"
        )
    if not d.actors:
        stderr().print("[dim]neither article has claims[/dim]")
        return
    table = Table(header_style="bold", title="Actors")
    for col in ("actor", "A", "B", "change"):
        table.add_column(col)
    change_style = {"shifted": "bold magenta", "appeared": "cyan", "disappeared": "dim cyan"}
    for c in d.actors:
        table.add_row(
            shown(c.actor),
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
                shown(m.actor),
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
                shown(claim.actor), _stance(claim.stance), shown(_short(claim.claim, 110))
            )
        console.print(table)


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


def timeline_table(t: Timeline) -> None:
    console = stdout_console()
    if not t.points:
        stderr().print(f"[dim]{shown(t.actor)} has no claims[/dim]")
        return
    console.print(f"[bold]{shown(t.actor)}[/bold]: {len(t.points)} article(s)")
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
            shown(_short(p.article.title, 50)),
            _stance(p.stance),
            counts,
            _evidence_text(p),
        )
    console.print(table)
    for change in t.changes:
        console.print(
            Text.assemble(
                "changed ",
                _stance(change.from_),
                " → ",
                _stance(change.to),
                f"  ({change.from_article.published} → {change.to_article.published})",
            )
        )
