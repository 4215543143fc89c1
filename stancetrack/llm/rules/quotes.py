"""The last attribution pass: quotations to their speakers, and speaker labels.

A cue right before or after a quotation owns it; the remaining quotations go to the speaker
of the quotation before them: split quotes ('"...," X said. "..."') and quotes that run on
into the next paragraph. Labels: 'PENCE: Well, ...' and '"..." ― Name' sign-offs.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from stancetrack.llm.rules.anchors import Anchor, ArticleTokens, Attribution
from stancetrack.llm.rules.speakers import Speaker
from stancetrack.llm.rules.text import Region


def labels(doc: ArticleTokens) -> list[Attribution]:
    """'PENCE: Well, ...' / 'Sanders: Clinton needs ...' at a paragraph's start, and
    '"..." ― Name' sign-offs after a quotation."""
    out = []
    toks, text = doc.tokens, doc.text
    for index, (p_start, p_end) in enumerate(doc.layout.paragraphs):
        i, hi = doc.tok_range(p_start, p_end)
        if i < hi and toks[i].text in ('"', "“", "'"):
            i += 1 if toks[i].text != "'" else 2
        j = i
        while j < hi and j - i < 3 and toks[j].cap and toks[j].text[0].isalpha():
            j += 1
        if i < j < hi and toks[j].text == ":" and _label_name(doc, i, j):
            start, end = doc.trim(toks[j].end, p_end)
            start, end = doc.trim_quote(start, end)
            if doc.words(start, end) >= 3:
                speaker = doc.finder.label_speaker(i, j)
                out.append(Attribution(start, end, speaker, ":", False, 0.8, index))
    for region in doc.layout.regions:
        if not region.closed:
            continue
        p = region.end
        while p < len(text) and text[p] in " \u00a0":
            p += 1
        if p < len(text) and text[p] in "―—":
            i, _ = doc.tok_range(p + 1, p + 1)
            j = i
            while (
                j < len(toks)
                and toks[j].cap
                and toks[j].start - toks[i].start < 40
                and (toks[j].text[0].isalpha())
            ):
                j += 1
            if j > i:
                start, end = doc.trim_quote(*region.inner)
                if doc.words(start, end) >= 2:
                    speaker = doc.finder.speaker(i, j)
                    out.append(Attribution(start, end, speaker, "―", True, 0.8, region.paragraph))
    signed = {a.paragraph for a in out if a.cue == "―"}
    return out + [a for a in _signed_paragraphs(doc) if a.paragraph not in signed]


def _signed_paragraphs(doc: ArticleTokens) -> list[Attribution]:
    """'”Mr. Trump embodies ...” ― Sonya Herridge': a paragraph signed by a name after a
    dash, whatever its quotation marks (a reversed opening mark pairs no region)."""
    out = []
    toks, text = doc.tokens, doc.text
    for index, (p_start, p_end) in enumerate(doc.layout.paragraphs):
        dash = text.rfind("―", p_start, p_end)
        if dash <= p_start:
            continue
        i, hi = doc.tok_range(dash + 1, p_end)
        if not 0 < hi - i <= 5 or not all(t.cap and t.text[0].isalpha() for t in toks[i:hi]):
            continue
        start, end = doc.trim(p_start, dash)
        start, end = doc.trim_quote(start, end)
        if doc.words(start, end) >= 2:
            speaker = doc.finder.speaker(i, hi)
            out.append(Attribution(start, end, speaker, "―", True, 0.8, index))
    return out


def _label_name(doc: ArticleTokens, i: int, j: int) -> bool:
    words = doc.tokens[i:j]
    if any(t.lower in doc.lex.words.not_names for t in words):
        return False
    if all(t.text.isupper() and len(t.text) > 1 for t in words):
        return True  # transcript speaker label
    name = " ".join(t.text for t in words)
    return doc.finder.is_person_name(name)


def assign_quotes(doc: ArticleTokens, anchors: list[Anchor]) -> list[Attribution]:
    lay, text, toks = doc.layout, doc.text, doc.tokens
    owner: dict[int, tuple[Speaker, Anchor]] = {}
    carried: set[int] = set()
    covered = Covered([a.content for a in anchors if a.content is not None])
    # Cues right after or right before a quotation own it.
    for a in anchors:
        if a.speaker is None or a.content is not None:
            continue
        first_start = toks[a.first].start
        p = first_start
        while p > 0 and text[p - 1] in " ,\t":
            p -= 1
        before = lay.region_at(p - 1) if p > 0 else None
        if before is not None and before.end == p and before.closed:
            owner.setdefault(before.start, (a.speaker, a))
        p = toks[a.last].end
        while p < len(text) and text[p] in " ,:\t":
            p += 1
        if p < len(text) and text[p] == "\n" and text[p - 1] == ":":
            while p < len(text) and text[p].isspace():  # 'He said:' / next paragraph
                p += 1
        after = lay.region_at(p)
        if after is not None and after.start == p:
            owner.setdefault(after.start, (a.speaker, a))
    # Remaining quotations: same paragraph after an owned one, or a run-on paragraph.
    last_para_speaker: dict[int, tuple[Speaker, Anchor, Region]] = {}
    cue_positions = sorted(toks[a.k].start for a in anchors)
    for region in lay.regions:
        if region.start in owner:
            speaker, anchor = owner[region.start]
            last_para_speaker[region.paragraph] = (speaker, anchor, region)
            continue
        if covered.holds(region.start, region.end):
            continue
        prev = last_para_speaker.get(region.paragraph)
        if prev is not None:
            between = bisect_left(cue_positions, region.start) - bisect_left(
                cue_positions, prev[2].end
            )
            own = prev[2].end <= toks[prev[1].k].start < region.start
            if between - own == 0:
                owner[region.start] = (prev[0], prev[1])
                carried.add(region.start)
                last_para_speaker[region.paragraph] = (prev[0], prev[1], region)
                continue
        para_start = lay.paragraphs[region.paragraph][0]
        prior = last_para_speaker.get(region.paragraph - 1)
        if region.start == para_start and prior is not None and not prior[2].closed:
            owner[region.start] = (prior[0], prior[1])
            carried.add(region.start)
            last_para_speaker[region.paragraph] = (prior[0], prior[1], region)
    out: list[Attribution] = []
    for a in anchors:
        if a.content is not None and a.speaker is not None:
            around = lay.region_at(a.content[0] - 1)
            quoted = around is not None and around.inner == a.content
            out.append(
                Attribution(
                    a.content[0],
                    a.content[1],
                    a.speaker,
                    a.cue,
                    quoted,
                    a.strength,
                    lay.paragraph_of(a.content[0]),
                )
            )
    for region in lay.regions:
        if region.start not in owner:
            continue
        speaker, anchor = owner[region.start]
        start, end = region.inner
        start, end = doc.trim_quote(start, end)
        if doc.words(start, end) < 2 or end - start < 6:
            continue
        was_carried = region.start in carried
        out.append(
            Attribution(
                start,
                end,
                speaker,
                anchor.cue,
                True,
                anchor.strength * (0.9 if was_carried else 1.0),
                region.paragraph,
                was_carried,
            )
        )
    out.sort(key=lambda x: x.start)
    return out


class Covered:
    """Spans (any overlap allowed) asked whether one of them holds [start, end - 1]: the
    furthest end among those starting at or before `start`, by bisection (a scan of all of
    them per quotation made a one-line article quadratic)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [s for s, _e in spans]
        self.furthest: list[int] = []
        for _s, e in spans:
            self.furthest.append(max(e, self.furthest[-1]) if self.furthest else e)

    def holds(self, start: int, end: int) -> bool:
        k = bisect_right(self.starts, start)
        return k > 0 and end <= self.furthest[k - 1] + 1
