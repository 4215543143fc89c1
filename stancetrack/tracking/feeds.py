"""Feed entries (RSS 0.9x/1.0/2.0, Atom) as plain records, parsed by feedparser.

An entry is known by its key (GUID, else link) and its content hash (what the feed says
about it: title, link, summary, content, updated): a new key is a new item, a known key
with another hash an edited one; both are fetched, nothing else is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import feedparser


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


def parse_feed(data: bytes, base_url: str) -> list[FeedEntry]:
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
    seen: set[str] = set()
    for entry in parsed.entries:
        link = _text(entry.get("link")).strip()
        if not link:
            continue
        link = urljoin(base_url, link)
        key = _text(entry.get("id")).strip() or link
        if key in seen:
            continue
        seen.add(key)
        title = _text(entry.get("title"))
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
        out.append(FeedEntry(key, link, title, digest))
    return out


def _first_line(problem: object) -> str:
    text = str(problem or "").strip()
    return text.splitlines()[0] if text else "unknown problem"
