"""Domain errors. The CLI turns each into one line on stderr and an exit code."""

from __future__ import annotations


class StancetrackError(Exception):
    """Base class: a failure the user can act on, printed as one line."""

    exit_code = 1


class UsageError(StancetrackError):
    """Bad options or arguments (exit 2)."""

    exit_code = 2


class InputError(StancetrackError):
    """One input (file, URL, stdin) could not be read as an article."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class NotFoundError(StancetrackError):
    """A reference (article, actor) matched nothing."""


class AmbiguousError(StancetrackError):
    """A reference matched more than one thing."""


class ConfigError(StancetrackError):
    """Settings that cannot work (bad URL, unknown backend...)."""

    exit_code = 2


class UnknownTargetError(ConfigError):
    """A target nothing knows: no stored claims for a query, no lexicon for the rules
    backend (exit 2; the message names the known targets)."""
