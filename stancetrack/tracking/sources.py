"""What `watch` polls: a feed URL (RSS or Atom) or a directory of article files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stancetrack.errors import UsageError
from stancetrack.ingest.fetch import is_url, url_problem

FEED = "feed"
DIRECTORY = "directory"


@dataclass(frozen=True, slots=True)
class Source:
    name: str  # the URL, or the directory's absolute path: its key in watch_sources
    kind: str  # FEED | DIRECTORY


def parse_sources(values: list[str]) -> list[Source]:
    """Sources from the command line, in order, each once; a usage error for anything that
    is neither an http(s) URL nor an existing directory, and for a URL that must not be
    fetched (ingest/fetch.py's `url_problem`: control characters, no host)."""
    out: dict[str, Source] = {}
    for value in values:
        if is_url(value):
            problem = url_problem(value)
            if problem:
                raise UsageError(f"{value}: {problem}")
            source = Source(value.strip(), FEED)
        elif Path(value).is_dir():
            source = Source(str(Path(value).resolve()), DIRECTORY)
        else:
            raise UsageError(f"{value}: not an http(s) feed URL nor a directory")
        out.setdefault(source.name, source)
    return list(out.values())
