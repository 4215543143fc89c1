"""stancetrack: grounded, attributed claims and stances on NATO expansion from news.

`stancetrack.extract(paths, ...)` runs the whole extraction from Python (see
`stancetrack.pipeline.extract`); it is imported on first use so `import stancetrack` stays
light.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stancetrack.pipeline import ExtractSummary, extract

try:
    __version__ = version("stancetrack")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"

__all__ = ["ExtractSummary", "__version__", "extract"]


def __getattr__(name: str) -> Any:
    if name in {"extract", "ExtractSummary"}:
        from stancetrack import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'stancetrack' has no attribute {name!r}")
