"""Readers for every input format of docs/CONTRACTS.md ("Command line"): seed, .txt, .md, .json,
.jsonl, .html,
directories, '-' (stdin) and http(s) URLs.

`iter_inputs` streams: it walks directories lazily and yields one `ArticleInput` per article
or one `InputError` per bad input, so a caller reports the bad one and goes on.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from stancetrack.errors import InputError
from stancetrack.ingest.fetch import fetch_url, is_url
from stancetrack.ingest.limits import too_big
from stancetrack.ingest.normalize import normalize_text, parse_date, sha256_text

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".json", ".jsonl", ".ndjson", ".html", ".htm"}
STDIN_SOURCE = "<stdin>"
_SEED_DATE = re.compile(r"^\d{8}$")
_URL = re.compile(r"^https?://\S+$")
_MD_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_TITLE_MAX = 300
_SNIFF_BYTES = 8192
# json's parser recurses per level: a hostile file nested 100k deep must be one error line.
TOO_DEEP = "JSON nested too deeply to read"


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
    paths: Iterable[str],
    *,
    max_bytes: int,
    stdin: BinaryIO | None = None,
    fetch_timeout: float = 30.0,
    stop: threading.Event | None = None,
) -> Iterator[ArticleInput | InputError]:
    """Yield articles and errors for files, directories (recursive, sorted), '-' and URLs;
    `stop` set ends a URL's download at once."""
    for raw in paths:
        if raw == "-":
            yield from _read_stdin(stdin, max_bytes)
        elif is_url(raw):
            yield from _read_url(raw, max_bytes, fetch_timeout, stop)
        else:
            path = Path(raw)
            if path.is_dir():
                for file in walk(path):
                    yield from read_file(file, max_bytes=max_bytes)
            elif path.exists() or path.is_symlink():
                yield from read_file(path, max_bytes=max_bytes)
            else:
                yield InputError(raw, "no such file or directory")


def walk(root: Path) -> Iterator[Path]:
    """Files under `root` with a supported suffix, sorted, skipping hidden files and dirs."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                yield Path(dirpath) / name


def read_file(path: Path, *, max_bytes: int) -> Iterator[ArticleInput | InputError]:
    """Articles in one file; an unknown suffix is read by sniffing the content."""
    source = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # Never opened: a FIFO or a device would block or never end.
            yield InputError(source, f"not a regular file ({_kind(info.st_mode)}), skipped")
            return
        size = info.st_size
        if size > max_bytes:
            yield InputError(source, too_big(max_bytes, size))
            return
        with path.open("rb") as handle:  # read at most the limit: the file may be growing
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        yield InputError(source, exc.strerror or str(exc))
        return
    if len(data) > max_bytes:
        yield InputError(source, too_big(max_bytes))
        return
    suffix = path.suffix.lower()
    yield from parse_bytes(source, data, suffix if suffix in SUPPORTED_SUFFIXES else None)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def read_bytes(source: str, data: bytes, suffix: str | None = None) -> list[ArticleInput]:
    """Parse in-memory bytes; raise the first `InputError` (library convenience)."""
    out: list[ArticleInput] = []
    for item in parse_bytes(source, data, suffix):
        if isinstance(item, InputError):
            raise item
        out.append(item)
    return out


def _read_stdin(stream: BinaryIO | None, max_bytes: int) -> Iterator[ArticleInput | InputError]:
    if stream is None:
        stream = getattr(sys.stdin, "buffer", None)  # None: no stdin (closed, or a daemon)
    if stream is None:
        yield InputError(STDIN_SOURCE, "no standard input to read")
        return
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        yield InputError(STDIN_SOURCE, too_big(max_bytes))
        return
    yield from parse_bytes(STDIN_SOURCE, data, suffix=None)


def _read_url(
    url: str, max_bytes: int, timeout: float, stop: threading.Event | None
) -> Iterator[ArticleInput | InputError]:
    try:
        fetched = fetch_url(url, max_bytes=max_bytes, timeout=timeout, stop=stop)
    except InputError as exc:
        yield exc
        return
    for item in parse_bytes(url, fetched.data, fetched.suffix):
        if isinstance(item, ArticleInput) and item.url is None:
            item = replace(item, url=fetched.url)
        yield item


def parse_bytes(
    source: str, data: bytes, suffix: str | None
) -> Iterator[ArticleInput | InputError]:
    """Decode and parse one input; `suffix` None means: sniff the format from the content."""
    try:
        text = decode(source, data)
    except InputError as exc:
        yield exc
        return
    kind = suffix or sniff(text)
    if kind == ".json":
        yield from _from_json(source, text)
    elif kind in (".jsonl", ".ndjson"):
        yield from _from_jsonl(source, text)
    elif kind in (".html", ".htm"):
        yield _guard(source, partial(_from_html, source, text))
    elif kind in (".md", ".markdown"):
        yield _guard(source, partial(_from_markdown, source, text))
    else:
        yield _guard(source, partial(_from_text, source, text))


def decode(source: str, data: bytes) -> str:
    """The text of `data` as UTF-8 (a BOM is dropped), or an `InputError` saying why not."""
    if not data.strip():
        raise InputError(source, "empty file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(source, "UTF-16 text; only UTF-8 is read (convert it, e.g. with iconv)")
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(source, "binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reason = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        raise InputError(source, reason) from None


def _guard(source: str, build: Callable[[], ArticleInput]) -> ArticleInput | InputError:
    try:
        return build()
    except InputError as exc:
        return exc


def sniff(text: str) -> str:
    """The format of suffix-less input (stdin, odd file names) from its first bytes."""
    stripped = text.lstrip()
    head = stripped[:200].lower()
    if stripped.startswith(("{", "[")):
        lines = [line for line in stripped.splitlines() if line.strip()]
        if len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines[:3]):
            try:
                json.loads(stripped)
            except json.JSONDecodeError:
                return ".jsonl"
            except RecursionError:
                return ".json"  # reported as too deep when read
        return ".json"
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return ".html"
    if head.startswith("# "):
        return ".md"
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
    for field, value in (("text", body), ("title", title), ("url", url)):
        if value and "\x00" in value:
            # PostgreSQL cannot store U+0000, SQLite can: refuse it on every backend alike.
            where = value.index("\x00")
            raise InputError(
                source, f"{field} contains a NUL character (U+0000) at offset {where}: not stored"
            )
    clean_title = " ".join((title or "").split())[:_TITLE_MAX]
    if not clean_title:
        first = next(line for line in body.splitlines() if line.strip())
        clean_title = " ".join(first.lstrip("#").split())[:120]
    if not clean_title:  # a heading mark alone ("#"): named after its source, never blank
        clean_title = " ".join(Path(source).name.split())[:120] or "untitled"
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
    """The seed format (title, YYYYMMDD, URL, then paragraphs) or plain text."""
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


def _string(record: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _from_record(source: str, record: Any, fmt: str) -> ArticleInput:
    if not isinstance(record, dict):
        raise InputError(source, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(source, 'JSON object has no "text" string')
    return _make(
        source,
        title=_string(record, "title"),
        text=text,
        url=_string(record, "url"),
        published=_string(record, "published", "date"),
        fmt=fmt,
    )


def _loaded(where: str, text: str, *, line_of_error: bool) -> tuple[Any, InputError | None]:
    """The JSON value in `text`, or the error saying why there is none (nested too deep
    counts too); `line_of_error` names the line (a JSONL record is one line already)."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        at = f" at line {exc.lineno}" if line_of_error else ""
        return None, InputError(where, f"invalid JSON ({exc.msg}{at})")
    except RecursionError:
        return None, InputError(where, TOO_DEEP)


def _from_json(source: str, text: str) -> Iterator[ArticleInput | InputError]:
    """One object, or a list of objects (each reported as `file[index]`)."""
    data, error = _loaded(source, text, line_of_error=True)
    if error is not None:
        yield error
        return
    if not isinstance(data, list):
        yield _guard(source, partial(_from_record, source, data, "json"))
        return
    if not data:
        yield InputError(source, "JSON list holds no articles")
        return
    for index, record in enumerate(data):
        where = f"{source}[{index}]"
        yield _guard(where, partial(_from_record, where, record, "json"))


def _from_jsonl(source: str, text: str) -> Iterator[ArticleInput | InputError]:
    """One object per line; a bad line is reported as `file:N` and the others still read.

    A file of blank lines (e.g. only Unicode spaces, which the empty-file check of bytes
    does not see) is one error, never silently nothing.
    """
    if not any(line.strip() for line in text.split("\n")):
        yield InputError(source, "no articles: every line is blank")
        return
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{source}:{lineno}"
        record, error = _loaded(where, line, line_of_error=False)
        if error is not None:
            yield error
            continue
        yield _guard(where, partial(_from_record, where, record, "jsonl"))


def _from_html(source: str, html: str) -> ArticleInput:
    """The page's main text (no navigation, ads, comments), with its title, date and URL."""
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
