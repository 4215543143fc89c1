"""PolNeAR's brat standoff (text/*.txt + attributions/*_<annotator>.ann) as gold documents.

An `E` line ties one Content to its Source and Cue; relations without a Source
(`Attribution-no-source`) are kept as claims with `source=None`, so they count for claim
recall and are left out of speaker accuracy. `Discard`/`Discuss` spans are not claims.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from stancetrack.errors import InputError, UsageError
from stancetrack.evaluation.model import GoldClaim, GoldDocument, GoldSet, Span

ANNOTATOR_CHOICES = ("first", "all")


def is_brat_dir(path: Path) -> bool:
    return (path / "text").is_dir() and (path / "attributions").is_dir()


def parse_spans(field: str) -> tuple[Span, ...]:
    """'12 20;25 30' -> ((12, 20), (25, 30))."""
    spans = []
    for part in field.split(";"):
        start, end = part.split()
        spans.append((int(start), int(end)))
    return tuple(spans)


def parse_ann(ann: str, text: str, source: str = "") -> list[GoldClaim]:
    """The attribution relations of one .ann file; offsets are checked against `text`."""
    spans: dict[str, tuple[str, tuple[Span, ...], str]] = {}
    relations: list[dict[str, str]] = []
    for lineno, line in enumerate(ann.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        ident = fields[0]
        try:
            if ident.startswith("T"):
                kind, _, where = fields[1].partition(" ")
                spans[ident] = (kind, parse_spans(where), fields[2] if len(fields) > 2 else "")
            elif ident.startswith("E"):
                roles = {}
                for arg in fields[1].split():
                    role, _, target = arg.partition(":")
                    roles[role.rstrip("0123456789")] = target
                relations.append(roles)
        except (ValueError, IndexError) as exc:
            raise InputError(source or "<ann>", f"line {lineno}: malformed brat line") from exc
    claims = []
    for roles in relations:
        content = spans.get(roles.get("Content", ""))
        if content is None or content[0] != "Content":
            continue
        for s, e in content[1]:
            if not 0 <= s <= e <= len(text):
                raise InputError(source or "<ann>", f"span {s}-{e} outside the text")
        src = spans.get(roles.get("Source", ""))
        source_text = source_span = None
        if src is not None:
            source_text = " ".join(text[s:e] for s, e in src[1])
            source_span = (min(s for s, _ in src[1]), max(e for _, e in src[1]))
        claims.append(GoldClaim(spans=content[1], source=source_text, source_span=source_span))
    claims.sort(key=lambda c: c.start)
    return claims


def read_brat(root: Path, *, annotators: str = "first") -> GoldSet:
    """Read a PolNeAR-style directory.

    annotators: "first" scores each article against one annotation file, the one whose
    annotator code sorts first (a fixed, outcome-blind choice); "all" scores every
    annotation file as its own document (doubly annotated articles then count twice).
    """
    if annotators not in ANNOTATOR_CHOICES:
        raise UsageError(f"--annotators must be one of {', '.join(ANNOTATOR_CHOICES)}")
    files: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for ann in sorted((root / "attributions").glob("*.ann")):
        stem, _, annotator = ann.stem.rpartition("_")
        files[stem].append((annotator, ann))
    documents: list[GoldDocument] = []
    doubles = 0
    for stem in sorted(files):
        text_path = root / "text" / f"{stem}.txt"
        if not text_path.is_file():
            raise InputError(str(text_path), "annotation without its article text")
        with text_path.open(encoding="utf-8", newline="") as fh:
            text = fh.read()
        choices = sorted(files[stem])
        doubles += len(choices) > 1
        for annotator, ann in choices if annotators == "all" else choices[:1]:
            claims = parse_ann(ann.read_text(encoding="utf-8"), text, str(ann))
            documents.append(GoldDocument(stem, text, claims, annotator=annotator))
    if not documents:
        raise InputError(str(root), "no .ann files under attributions/")
    rule = (
        "every annotation file scored as its own document"
        if annotators == "all"
        else "one annotation file per article: the annotator code that sorts first"
    )
    notes = [
        f"{len(files)} articles, {len(documents)} annotation files scored ({rule}; "
        f"{doubles} articles have more than one annotator)"
    ]
    return GoldSet(root.name, "polnear", documents, notes)
