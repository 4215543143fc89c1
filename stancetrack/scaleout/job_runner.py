"""The seam between the queue and the worker: what a worker process hands its jobs.

Its own module so the queue (`queue_app`, which registers the task) and the worker (which
runs it) both depend on it instead of on each other: the task only needs something that
runs a job, and the worker is the one thing that is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class JobRunner(ABC):
    """Runs one extraction job (its keyword arguments as queued) in a worker process."""

    @abstractmethod
    async def run(self, job: dict[str, Any], *, job_id: int | None) -> str:
        """Returns what happened (a short word the queue records); raises to be retried."""
