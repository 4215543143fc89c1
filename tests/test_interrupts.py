"""Ctrl-C is never lost: wherever it lands, the command ends interrupted (exit 130).

In-process, with a real SIGINT to this process (pytest runs tests on the main thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import Any

import pytest

from stancetrack.pipeline import ExtractSummary
from stancetrack.pipeline.interrupt import run_interruptible


async def _ends_anyway() -> ExtractSummary:
    """A batch that absorbs its cancellation (as one ending at that moment would)."""
    os.kill(os.getpid(), signal.SIGINT)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(5)
    summary = ExtractSummary()
    summary.extracted = 3
    return summary


def test_a_sigint_the_batch_absorbs_still_marks_it_interrupted() -> None:
    before = signal.getsignal(signal.SIGINT)
    summary = run_interruptible(_ends_anyway())
    assert summary.interrupted and summary.extracted == 3
    assert signal.getsignal(signal.SIGINT) is before  # the handler is given back


def test_a_sigint_that_cancels_the_batch_is_an_interrupted_summary() -> None:
    async def cancelled() -> ExtractSummary:
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(5)
        raise AssertionError("not cancelled")

    assert run_interruptible(cancelled()).interrupted


def test_ctrl_c_before_the_batch_handler_exits_130(
    cli: Any, monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    """A KeyboardInterrupt in the command before its handler (click makes it Abort)."""
    import stancetrack.cli.commands_extract as commands

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "command_settings", interrupted)
    run = cli(["extract", "-", "--backend", "rules", "--db", sqlite_url])
    assert run.exit_code == 130, run.stderr  # was 1 ("aborted")
