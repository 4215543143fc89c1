"""Extraction backends as plugins: found by name in the ``stancetrack.backends`` entry points.

A package adds a backend by declaring, in its own pyproject.toml::

    [project.entry-points."stancetrack.backends"]
    mine = "my_package.module:MyBackend"

where ``MyBackend(context)`` takes one ``BackendContext`` (llm/context.py: settings, mode
store, shared pause) and returns a ``Backend``. stancetrack's own ``openai`` and ``rules``
backends are declared the same way (see docs/ARCHITECTURE.md).
Tests and embedding programs register a factory without installing anything through
``BackendRegistry.register``. Plugins are imported only when chosen, so a slow or broken
plugin costs nothing until it is asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import EntryPoint, entry_points
from typing import Protocol

from stancetrack.errors import ConfigError
from stancetrack.llm.base import Backend
from stancetrack.llm.context import BackendContext

GROUP = "stancetrack.backends"
AUTO = "auto"  # not a backend: `openai` when an endpoint is configured, else `rules`
DISTRIBUTION = "stancetrack"

# stancetrack's own backends exactly as pyproject.toml declares them (a test keeps the two
# equal). Used only when the installed metadata predates that declaration (an editable
# install made before it): the project still finds its own backends.
OWN_BACKENDS = {
    "openai": "stancetrack.llm.openai_backend:OpenAIBackend.from_context",
    "rules": "stancetrack.llm.rules:RulesBackend.from_context",
}

log = logging.getLogger("stancetrack.llm")


class BackendFactory(Protocol):
    """What an entry point names: builds a backend from its context."""

    def __call__(self, context: BackendContext, /) -> Backend: ...


class BackendRegistry:
    """The backends this installation offers: entry points plus factories registered here."""

    def __init__(self, group: str = GROUP) -> None:
        self.group = group
        self._registered: dict[str, BackendFactory] = {}
        self._found: dict[str, EntryPoint] | None = None

    def _entry_points(self) -> dict[str, EntryPoint]:
        if self._found is None:
            found = {ep.name: ep for ep in entry_points(group=self.group)}
            own = any(_distribution(ep) == DISTRIBUTION for ep in found.values())
            if self.group == GROUP and not own:
                for name, value in OWN_BACKENDS.items():
                    found.setdefault(name, EntryPoint(name, value, self.group))
            self._found = found
        return self._found

    def names(self) -> list[str]:
        """Every backend name that can be chosen (sorted), `auto` not included."""
        return sorted({*self._entry_points(), *self._registered} - {AUTO})

    def register(self, name: str, factory: BackendFactory) -> None:
        """Offer `factory` as backend `name` (it shadows an installed one of that name)."""
        if name == AUTO or not name.strip():
            raise ValueError(f"{name!r} cannot name a backend")
        self._registered[name] = factory

    def unregister(self, name: str) -> None:
        self._registered.pop(name, None)

    @contextmanager
    def registered(self, name: str, factory: BackendFactory) -> Iterator[None]:
        """`factory` offered as `name` for the duration of a block (tests)."""
        previous = self._registered.get(name)
        self.register(name, factory)
        try:
            yield
        finally:
            if previous is None:
                self.unregister(name)
            else:
                self._registered[name] = previous

    def check(self, name: str) -> str:
        """`name` if a backend of that name is installed, else ConfigError (exit 2)."""
        if name in self._registered or (name != AUTO and name in self._entry_points()):
            return name
        installed = ", ".join(self.names()) or "none"
        raise ConfigError(f"unknown backend {name!r}; installed: {installed} (or auto)")

    def factory(self, name: str) -> BackendFactory:
        """The factory of backend `name`, its plugin imported now."""
        self.check(name)
        registered = self._registered.get(name)
        if registered is not None:
            return registered
        point = self._entry_points()[name]
        try:
            loaded: object = point.load()
        except Exception as exc:  # a broken plugin: one line, not a traceback
            raise ConfigError(
                f"backend {name!r} ({point.value}) could not be loaded: {exc}"
            ) from exc
        if not callable(loaded):
            raise ConfigError(f"backend {name!r} ({point.value}) is not a backend factory")
        return _as_factory(loaded)

    def create(self, name: str, context: BackendContext) -> Backend:
        """Build backend `name`; a factory that returns something else is a ConfigError."""
        backend = self.factory(name)(context)
        if not isinstance(backend, Backend):
            raise ConfigError(f"backend {name!r} built a {type(backend).__name__}, not a backend")
        return backend


def _distribution(point: EntryPoint) -> str | None:
    dist = point.dist
    return dist.name if dist is not None else None


def _as_factory(loaded: object) -> BackendFactory:
    """A loaded entry point, called as a BackendFactory (checked by `create`'s result)."""

    def build(context: BackendContext, /) -> Backend:
        assert callable(loaded)
        built: object = loaded(context)
        if not isinstance(built, Backend):
            raise ConfigError(f"{type(loaded).__name__} built a {type(built).__name__}")
        return built

    return build


REGISTRY = BackendRegistry()
