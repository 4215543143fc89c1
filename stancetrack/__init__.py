"""stancetrack: grounded, attributed claims and stances on NATO expansion from news."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stancetrack")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
