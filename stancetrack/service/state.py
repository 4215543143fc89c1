"""What one server process holds: settings, the database, the extraction queue, the token."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from stancetrack.db import Database
from stancetrack.service.jobs import ExtractionQueue
from stancetrack.settings import Settings

TOKEN_VARIABLE = "STANCETRACK_API_TOKEN"


@dataclass
class ServiceState:
    settings: Settings
    database: Database
    queue: ExtractionQueue
    # Bearer token for writes; None: writes are refused (401). Never logged or echoed.
    token: bytes | None = field(default=None, repr=False)
    # Largest request body accepted (413 above): an article plus its JSON framing.
    max_body_bytes: int = 0


def token_from_env() -> bytes | None:
    value = os.environ.get(TOKEN_VARIABLE, "").strip()
    return value.encode() if value else None
