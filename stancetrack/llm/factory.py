"""Pick and build the extraction backend the settings ask for (`--backend auto|openai|rules`).

``make_backend`` returns the backend; callers that want the one-line notice for `auto`
falling back to the offline rules get it from ``resolve_backend_name`` (or ``backend_notice``).
"""

from __future__ import annotations

from stancetrack.errors import ConfigError
from stancetrack.llm.base import Backend
from stancetrack.llm.modes import ModeStore
from stancetrack.settings import Settings

OFFLINE_NOTICE = (
    "no LLM endpoint configured (set OPENAI_API_KEY or OPENAI_BASE_URL); "
    "using the offline rules extractor"
)


def resolve_backend_name(settings: Settings, backend: str | None = None) -> tuple[str, str | None]:
    """The concrete backend name for a request ("auto" resolved), and the notice if any."""
    name = backend or settings.backend
    if name == "auto":
        if settings.endpoint_configured():
            return "openai", None
        return "rules", OFFLINE_NOTICE
    if name not in ("openai", "rules"):
        raise ConfigError(f"unknown backend {name!r} (choose auto, openai or rules)")
    return name, None


def backend_notice(settings: Settings, backend: str | None = None) -> str | None:
    """The line to print on stderr when `auto` picks the offline rules, else None."""
    return resolve_backend_name(settings, backend)[1]


def make_backend(
    settings: Settings,
    *,
    backend: str | None = None,
    mode_store: ModeStore | None = None,
) -> Backend:
    """Build the backend named by ``backend`` (default: settings.backend; "auto" resolved).

    ``mode_store`` keeps the structured-output mode that worked per endpoint and model
    (in memory when omitted); the rules backend ignores it.
    """
    name, _notice = resolve_backend_name(settings, backend)
    if name == "openai":
        from stancetrack.llm.openai_backend import OpenAIBackend

        return OpenAIBackend(settings, mode_store=mode_store)
    from stancetrack.llm.rules import RulesBackend  # imported on demand

    backend_obj: Backend = RulesBackend(settings)
    return backend_obj
