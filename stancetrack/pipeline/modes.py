"""The remembered structured-output mode during a batch, written by the batch's writer.

The openai backend learns which structured-output mode an endpoint accepts and tells its
ModeStore (llm/modes.py). During `extract` that store is a `BatchModeStore`: it reads the
remembered mode from the database once per endpoint and model, and a newly learned one is
written by the batch's `Writer`, so the database never has a second writer.
"""

from __future__ import annotations

from stancetrack.db import Database
from stancetrack.db.repository.extraction import get_endpoint_mode
from stancetrack.llm.modes import MODES
from stancetrack.pipeline.writer import Writer


class BatchModeStore:
    """The ModeStore of an extraction: remembered modes are read from the database once per
    endpoint and model; a newly learned one is written by the batch's `Writer`, never from
    here, so the database has one writer. Without a writer attached (no batch running) a
    learned mode is kept in memory only until one is."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[tuple[str, str], str | None] = {}
        self._unsaved: dict[tuple[str, str], str] = {}
        self._writer: Writer | None = None

    def get(self, endpoint: str, model: str) -> str | None:
        key = (endpoint, model)
        if key not in self._known:
            with self._db.sessions() as session:
                self._known[key] = get_endpoint_mode(session, endpoint, model)
        return self._known[key]

    def set(self, endpoint: str, model: str, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown output mode {mode!r}")
        self._known[(endpoint, model)] = mode
        if self._writer is None:
            self._unsaved[(endpoint, model)] = mode
        else:
            self._writer.remember_mode_soon(endpoint, model, mode)

    def attach(self, writer: Writer | None) -> None:
        """Route writes to `writer` (None: hold them again); held ones are sent now."""
        self._writer = writer
        if writer is not None:
            for (endpoint, model), mode in self._unsaved.items():
                writer.remember_mode_soon(endpoint, model, mode)
            self._unsaved.clear()
