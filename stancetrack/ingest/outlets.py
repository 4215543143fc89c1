"""An article's outlet: the registrable domain of its URL (`www.cbsnews.com` -> `cbsnews.com`).

The public suffix list is the one bundled with `tldextract` (no download at run time, no
cache written): an outlet must not depend on the network or on when it was computed.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

import tldextract

# The column's size: a DNS name is at most 253 characters.
OUTLET_MAX = 253


@cache
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


def outlet_of(url: str | None) -> str | None:
    """The registrable domain of `url`; the bare host for an IP address or a local name
    (`127.0.0.1`, `localhost`); None without an http(s) URL."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        return None
    host = host.rstrip(".").lower()
    found = _extractor()(host)
    domain = found.top_domain_under_public_suffix or host
    return domain[:OUTLET_MAX]
