"""Readers for every input format of DESIGN.md: seed, .txt, .md, .json, .jsonl, .html, stdin.

`iter_inputs` streams: it walks directories lazily and yields one `ArticleInput` per article
or one `InputError` per bad input, so a caller reports the bad one and goes on.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from stancetrack.errors import InputError
from stancetrack.ingest.normalize import normalize_text, parse_date, sha256_text

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".json", ".jsonl", ".ndjson", ".html", ".htm"}
_SEED_DATE = re.compile(r"^\d{8}$")
_URL = re.compile(r"^https?://\S+$")
_MD_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_TITLE_MAX = 300


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """One article ready to store: `text` is exactly what claim offsets will index."""

    source: str
    title: str
    text: str
    url: str | None
    published: date | None
    format: str
    sha256: str


def iter_inputs(
    paths: Iterable[str], *, max_bytes: int, stdin: Any = None
) -> Iterator[ArticleInput | InputError]:
    """Yield articles and errors for files, directories (recursive, sorted) and '-'."""
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(max_bytes + 1)
            if len(data) > max_bytes:
                yield InputError("<stdin>", _too_big(len(data), max_bytes, at_least=True))
                continue
            yield from _parse_bytes("<stdin>", data, suffix=None)
            continue
        path = Path(raw)
        if path.is_dir():
            for file in _walk(path):
                yield from read_file(file, max_bytes=max_bytes)
        elif path.exists():
            yield from read_file(path, max_bytes=max_bytes)
        else:
            yield InputError(raw, "no such file or directory")


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                yield Path(dirpath) / name


def read_file(path: Path, *, max_bytes: int) -> Iterator[ArticleInput | InputError]:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            yield InputError(source, _too_big(size, max_bytes))
            return
        data = path.read_bytes()
    except OSError as exc:
        yield InputError(source, exc.strerror or str(exc))
        return
    yield from _parse_bytes(source, data, suffix=path.suffix.lower())


def read_bytes(source: str, data: bytes, suffix: str | None = None) -> list[ArticleInput]:
    """Parse in-memory bytes; raise the first `InputError` (library convenience)."""
    out: list[ArticleInput] = []
    for item in _parse_bytes(source, data, suffix):
        if isinstance(item, InputError):
            raise item
        out.append(item)
    return out


def _too_big(size: int, limit: int, at_least: bool = False) -> str:
    more = "more than " if at_least else ""
    return (
        f"file is {more}{size - 1 if at_least else size} bytes, over the limit of {limit} "
        "(STANCETRACK_MAX_FILE_BYTES)"
    )


def _parse_bytes(
    source: str, data: bytes, suffix: str | None
) -> Iterator[ArticleInput | InputError]:
    if not data.strip():
        yield InputError(source, "empty file")
        return
    if b"\x00" in data[:8192]:
        yield InputError(source, "binary file (contains NUL bytes), not text")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield InputError(
            source, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        )
        return
    kind = suffix or _sniff(text)
    if kind in (".json",):
        yield from _from_json(source, text)
    elif kind in (".jsonl", ".ndjson"):
        yield from _from_jsonl(source, text)
    elif kind in (".html", ".htm"):
        yield _guard(source, lambda: _from_html(source, text))
    elif kind in (".md", ".markdown"):
        yield _guard(source, lambda: _from_markdown(source, text))
    else:
        yield _guard(source, lambda: _from_text(source, text))


def _guard(source: str, build: Any) -> ArticleInput | InputError:
    try:
        result: ArticleInput = build()
    except InputError as exc:
        return exc
    return result


def _sniff(text: str) -> str:
    head = text.lstrip()[:200].lower()
    if head.startswith("{") or head.startswith("["):
        lines = [line for line in text.strip().splitlines() if line.strip()]
        if len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines[:3]):
            try:
                json.loads(text)
            except json.JSONDecodeError:
                return ".jsonl"
        return ".json"
    if head.startswith("<!doctype html") or head.startswith("<html") or "<body" in head:
        return ".html"
    return ".txt"


def _make(
    source: str,
    *,
    title: str | None,
    text: str,
    url: str | None,
    published: object,
    fmt: str,
) -> ArticleInput:
    body = normalize_text(text)
    if not body.strip():
        raise InputError(source, "no article text")
    clean_title = " ".join((title or "").split())[:_TITLE_MAX]
    if not clean_title:
        clean_title = " ".join(body.strip().splitlines()[0].split())[:120]
    return ArticleInput(
        source=source,
        title=clean_title,
        text=body,
        url=(url or "").strip() or None,
        published=parse_date(published),
        format=fmt,
        sha256=sha256_text(body),
    )


def _from_text(source: str, text: str) -> ArticleInput:
    lines = normalize_text(text).split("\n")
    if len(lines) >= 4 and _SEED_DATE.match(lines[1].strip()) and _URL.match(lines[2].strip()):
        return _make(
            source,
            title=lines[0],
            text="\n".join(lines[3:]),
            url=lines[2].strip(),
            published=lines[1].strip(),
            fmt="seed",
        )
    return _make(source, title=None, text=text, url=None, published=None, fmt="txt")


def _from_markdown(source: str, text: str) -> ArticleInput:
    match = _MD_TITLE.search(text)
    title = match.group(1) if match else None
    return _make(source, title=title, text=text, url=None, published=None, fmt="md")


def _from_record(source: str, record: Any, fmt: str) -> ArticleInput:
    if not isinstance(record, dict):
        raise InputError(source, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(source, 'JSON object has no "text" string')
    return _make(
        source,
        title=record.get("title") if isinstance(record.get("title"), str) else None,
        text=text,
        url=record.get("url") if isinstance(record.get("url"), str) else None,
        published=record.get("published") or record.get("date"),
        fmt=fmt,
    )


def _from_json(source: str, text: str) -> Iterator[ArticleInput | InputError]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield InputError(source, f"invalid JSON ({exc.msg} at line {exc.lineno})")
        return
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        where = f"{source}[{index}]" if isinstance(data, list) else source
        yield _guard(where, lambda r=record, w=where: _from_record(w, r, "json"))


def _from_jsonl(source: str, text: str) -> Iterator[ArticleInput | InputError]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(where, f"invalid JSON ({exc.msg})")
            continue
        yield _guard(where, lambda r=record, w=where: _from_record(w, r, "jsonl"))


def _from_html(source: str, html: str) -> ArticleInput:
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False
    )
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise InputError(source, "no main text found in HTML")
    title = getattr(doc, "title", None)
    lines = text.split("\n")
    if title and lines and lines[0].strip() == title.strip():
        text = "\n".join(lines[1:])  # the headline is the title, not body text
    return _make(
        source,
        title=title,
        text=text,
        url=getattr(doc, "url", None),
        published=getattr(doc, "date", None),
        fmt="html",
    )
