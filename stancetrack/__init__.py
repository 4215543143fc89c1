"""stancetrack: grounded, attributed claims and stances on NATO expansion from news.

`stancetrack.extract(paths, ...)` runs the whole extraction from Python (see
`stancetrack.pipeline.extract`); it is imported on first use so `import stancetrack` stays
light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stancetrack.version import __version__

if TYPE_CHECKING:
    from stancetrack.pipeline import ExtractSummary, extract

__all__ = ["ExtractSummary", "__version__", "extract"]


def __getattr__(name: str) -> Any:
    if name in {"extract", "ExtractSummary"}:
        from stancetrack import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'stancetrack' has no attribute {name!r}")
