"""The installed version, in a module of its own: the lower layers (the fetcher's
User-Agent) can name it without importing the package root, which reaches up to `pipeline`."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stancetrack")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
