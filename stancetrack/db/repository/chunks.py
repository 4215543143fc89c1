"""Id lists bound in chunks: SQLite refuses more than 32,766 variables in a statement
(`changes` over every actor of a million claims asked for 990,000 at once)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

# Ids bound in one IN list at most.
IN_CHUNK = 5000


def in_chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    """`ids` in lists of at most IN_CHUNK (read when called, so a test may lower it)."""
    wanted = list(ids)
    for start in range(0, len(wanted), IN_CHUNK):
        yield wanted[start : start + IN_CHUNK]
