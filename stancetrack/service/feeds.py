"""`GET /feeds/changes.atom`: the stance changes (analysis/changes.py) as an Atom 1.0 feed.

Newest first, one entry per change, each linking to the actor's dashboard page; filtered
by `actor` (repeatable) and `subject` like `/api/changes`. Built with ElementTree, so every
stored string is escaped as XML text.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stancetrack.analysis import answers
from stancetrack.service.deps import SessionDep, TargetDep
from stancetrack.service.params import Actors, Subject

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 100  # the newest changes a feed carries
router = APIRouter(include_in_schema=False)


def _when(day: str | None) -> str:
    moment = datetime.combine(date.fromisoformat(day), time.min, UTC) if day else datetime.now(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _entry_id(change: dict[str, Any]) -> str:
    key = "\x1f".join(
        str(v)
        for v in (
            change["actor"],
            change["subject"] or "",
            change["before"]["article"]["id"],
            change["after"]["article"]["id"],
            change["from"],
            change["to"],
        )
    )
    return "urn:sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def change_title(change: dict[str, Any]) -> str:
    about = change["subject"] or "in general"
    return f"{change['actor']} ({about}): {change['from']} -> {change['to']}"


def atom_feed(changes: list[dict[str, Any]], *, base: str, target: str, self_url: str) -> bytes:
    """The Atom document of `changes` (oldest first as answered; newest first in the feed)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", "urn:stancetrack:changes:" + hashlib.sha256(self_url.encode()).hexdigest())
    _sub(feed, "title", f"Stance changes toward {target}")
    newest = changes[-1]["after"]["article"]["published"] if changes else None
    _sub(feed, "updated", _when(newest))
    _sub(_sub(feed, "author"), "name", "stancetrack")
    _sub(feed, "link", rel="self", href=self_url)
    _sub(feed, "link", rel="alternate", href=base + "/changes")
    for change in reversed(changes[-FEED_SIZE:]):
        entry = _sub(feed, "entry")
        _sub(entry, "id", _entry_id(change))
        _sub(entry, "title", change_title(change))
        _sub(entry, "updated", _when(change["after"]["article"]["published"]))
        actor_href = base + "/actors/" + _quote(change["actor"])
        _sub(entry, "link", rel="alternate", href=actor_href)
        before, after = change["before"], change["after"]
        lines = [change_title(change)]
        for label, side in (("before", before), ("after", after)):
            article = side["article"]
            quote = (side["evidence"] or {}).get("quote")
            lines.append(
                f"{label}: {article['published']} {article['title']}"
                + (f" ({article['outlet']})" if article.get("outlet") else "")
                + (f": \u201c{quote}\u201d" if quote else "")
            )
        _sub(entry, "summary", "\n".join(lines), type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.get("/feeds/changes.atom")
def changes_feed(
    request: Request,
    session: SessionDep,
    target: TargetDep,
    actor: Actors = None,
    subject: Subject = None,
) -> Response:
    """The newest stance changes as Atom 1.0."""
    page = answers.changes_answer(session, target=target, actors=actor or [], subject=subject)
    base = str(request.base_url).rstrip("/")
    body = atom_feed(page.items, base=base, target=target, self_url=str(request.url))
    return Response(body, media_type="application/atom+xml; charset=utf-8")
