"""The input size limit (settings.max_file_bytes) and how a breach is reported."""

from __future__ import annotations


def too_big(limit: int, size: int | None = None) -> str:
    """The reason line for an input over `limit` bytes (`size` when known up front)."""
    what = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    return f"input is {what}, over the limit of {limit} (STANCETRACK_MAX_FILE_BYTES)"
