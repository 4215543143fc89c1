"""Feed entries (RSS 0.9x/1.0/2.0, Atom) as plain records, parsed by feedparser.

An entry is known by its key (GUID, else link) and its content hash (what the feed says
about it: title, link, summary, content, updated): a new key is a new item, a known key
with another hash an edited one; both are fetched, nothing else is.

A feed may list one GUID more than once (a broken or hostile feed). The first entry keeps
the GUID as its key; a later one with other content is its own item, keyed
"GUID#<first 12 hex digits of its content hash>", so nothing the feed lists is dropped
unseen; a later one with the same content is a duplicate, counted (`ParsedFeed.duplicates`,
shown as "duplicates" in `watch`'s summary) and not fetched.

Titles are one line of visible text: control characters and bidi overrides (U+0001,
U+202E, ...) are dropped at ingest (`ingest.normalize.one_line`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import feedparser

from stancetrack.ingest.normalize import one_line


class FeedError(Exception):
    """The document is not a feed that can be read."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    key: str  # GUID, else the link
    link: str  # absolute URL of the article page
    title: str
    content_hash: str  # sha256 of what the feed says about the entry


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    entries: list[FeedEntry]
    duplicates: int  # entries repeating an earlier one's GUID and content: not fetched


def parse_feed(data: bytes, base_url: str) -> ParsedFeed:
    """The entries that link to a page; raise FeedError for a document that is no feed.

    A feed with a recoverable flaw (feedparser's "bozo", e.g. a wrong declared encoding)
    still yields its entries; one with no recognisable structure is an error.
    """
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedError(f"not a readable feed ({_first_line(problem)})")
    if not parsed.get("version") and not parsed.entries:
        raise FeedError("not an RSS or Atom feed")
    out: list[FeedEntry] = []
    seen: set[str] = set()  # keys given out so far
    seen_content: set[tuple[str, str]] = set()  # (GUID, content hash) of every entry
    duplicates = 0
    for entry in parsed.entries:
        link = _text(entry.get("link")).strip()
        if not link:
            continue
        link = urljoin(base_url, link)
        guid = _text(entry.get("id")).strip() or link
        title = one_line(_text(entry.get("title")))
        described = {
            "title": title,
            "link": link,
            "summary": _text(entry.get("summary")),
            "content": [_text(c.get("value")) for c in entry.get("content", []) or []],
            "updated": _text(entry.get("updated")),
        }
        digest = hashlib.sha256(
            json.dumps(described, sort_keys=True, ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        if (guid, digest) in seen_content:
            duplicates += 1
            continue
        seen_content.add((guid, digest))
        key = guid if guid not in seen else f"{guid}#{digest[:12]}"
        seen.add(key)
        out.append(FeedEntry(key, link, title, digest))
    return ParsedFeed(out, duplicates)


def _first_line(problem: object) -> str:
    text = str(problem or "").strip()
    return text.splitlines()[0] if text else "unknown problem"
