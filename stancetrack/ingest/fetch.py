"""Fetch an article from an http(s) URL: size-capped, with a timeout, no extra dependency.

The response's media type picks the reader (HTML, JSON, JSON Lines, Markdown, plain text);
a declared charset other than UTF-8 is decoded here so readers always see UTF-8.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from stancetrack import __version__
from stancetrack.errors import InputError
from stancetrack.ingest.limits import too_big

_URL = re.compile(r"^https?://", re.IGNORECASE)

# Media type -> the suffix whose reader handles it; None means sniff the content.
MEDIA_SUFFIX: dict[str, str | None] = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/json": ".json",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/x-jsonlines": ".jsonl",
    "text/markdown": ".md",
    "text/plain": None,
}


def is_url(value: str) -> bool:
    return bool(_URL.match(value))


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    data: bytes  # UTF-8
    suffix: str | None


def fetch_url(url: str, *, max_bytes: int, timeout: float) -> Fetched:
    """GET `url`; raise `InputError` naming the URL for any failure."""
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"stancetrack/{__version__}",
            "Accept": "text/html, application/json, text/plain;q=0.9, */*;q=0.1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise InputError(url, too_big(max_bytes, int(declared)))
            data = response.read(max_bytes + 1)
            media = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            final_url = response.geturl()
    except urllib.error.HTTPError as exc:
        raise InputError(url, f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise InputError(url, f"timed out after {timeout:g}s") from None
        raise InputError(url, f"cannot fetch ({_reason(exc.reason)})") from None
    except TimeoutError:
        raise InputError(url, f"timed out after {timeout:g}s") from None
    except (ValueError, OSError) as exc:
        raise InputError(url, f"cannot fetch ({_reason(exc)})") from None
    if len(data) > max_bytes:
        raise InputError(url, too_big(max_bytes))
    if media not in MEDIA_SUFFIX:
        raise InputError(url, f"unsupported content type {media}")
    return Fetched(url=final_url, data=to_utf8(url, data, charset), suffix=MEDIA_SUFFIX[media])


def to_utf8(url: str, data: bytes, charset: str | None) -> bytes:
    if charset is None or charset.lower().replace("_", "-") in {"utf-8", "utf8"}:
        return data
    try:
        return data.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise InputError(url, f"cannot decode as declared charset {charset!r} ({exc})") from None


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__
