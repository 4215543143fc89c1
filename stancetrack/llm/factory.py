"""Pick and build the extraction backend the settings ask for (`--backend auto|NAME`).

Backends are plugins (llm/registry.py): any installed name can be chosen; `auto` means
`openai` when an endpoint is configured, else the offline `rules`. ``make_backend`` returns
the backend; callers that want the one-line notice for `auto` falling back to the offline
rules get it from ``resolve_backend_name`` (or ``backend_notice``).
"""

from __future__ import annotations

from stancetrack.llm.base import Backend
from stancetrack.llm.context import BackendContext
from stancetrack.llm.registry import AUTO, REGISTRY, BackendRegistry
from stancetrack.settings import Settings

OFFLINE_NOTICE = (
    "no LLM endpoint configured (set OPENAI_API_KEY or OPENAI_BASE_URL); "
    "using the offline rules extractor"
)


def resolve_backend_name(
    settings: Settings, backend: str | None = None, *, registry: BackendRegistry = REGISTRY
) -> tuple[str, str | None]:
    """The concrete backend name for a request ("auto" resolved), and the notice if any.

    An unknown name is a ConfigError (exit 2) naming the installed backends.
    """
    name = backend or settings.backend
    if name == AUTO:
        if settings.endpoint_configured():
            return "openai", None
        return "rules", OFFLINE_NOTICE
    return registry.check(name), None


def backend_notice(settings: Settings, backend: str | None = None) -> str | None:
    """The line to print on stderr when `auto` picks the offline rules, else None."""
    return resolve_backend_name(settings, backend)[1]


def make_backend(
    context: BackendContext | Settings,
    *,
    backend: str | None = None,
    registry: BackendRegistry = REGISTRY,
) -> Backend:
    """Build the backend named by ``backend`` (default: the settings' backend; "auto"
    resolved) from its context: settings, mode store, shared pause (llm/context.py).

    Plain settings are a context with nothing else: modes kept in memory, no shared pause.
    """
    if isinstance(context, Settings):
        context = BackendContext(context)
    name, _notice = resolve_backend_name(context.settings, backend, registry=registry)
    return registry.create(name, context)
