"""What a backend is built from: one context object, the same for every backend.

A backend factory (llm/registry.py) takes a `BackendContext` and uses what it needs of it:
the settings, the store of structured-output modes learned per endpoint, the back-off shared
by every process on one endpoint. Callers fill in what they have; none of them needs to
know which backend it is building (docs/ARCHITECTURE.md, "One engine").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from stancetrack.settings import Settings

if TYPE_CHECKING:
    from stancetrack.llm.modes import ModeStore
    from stancetrack.llm.retries import SharedPause


@dataclass(frozen=True, slots=True)
class BackendContext:
    settings: Settings
    # Where a backend remembers the structured-output mode that worked (None: in memory).
    mode_store: ModeStore | None = None
    # A pause every process on the endpoint honours after a 429 (None: this process only).
    pause: SharedPause | None = None

    def with_settings(self, **changes: object) -> BackendContext:
        """The same context for other settings (a worker's job names its model and target)."""
        return replace(self, settings=self.settings.model_copy(update=changes))
