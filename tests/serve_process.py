"""Helpers for tests that run `stancetrack serve` as a real process."""

from __future__ import annotations

import subprocess
import time

import httpx


def wait_until_serving(base: str, proc: subprocess.Popen[bytes], seconds: float) -> None:
    """Return once `serve` at `base` answers /api/articles; fail if it exits or takes longer
    than `seconds` to start."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/api/articles", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "serve exited early"
        assert time.monotonic() < deadline, "serve did not start"
        time.sleep(0.2)
