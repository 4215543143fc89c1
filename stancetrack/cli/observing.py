"""What `extract` and `watch` show while articles are extracted."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from stancetrack.cli.render import source_error

if TYPE_CHECKING:
    from stancetrack.pipeline import ExtractObserver, ExtractSummary


def failures_shown(
    *,
    on_notice: Callable[[str], None],
    on_progress: Callable[[ExtractSummary], None] | None,
) -> ExtractObserver:
    """An observer that shows each failed input and article as an error line on stderr
    (the run goes on), and notices and progress as the command wants them."""
    from stancetrack.pipeline import ExtractObserver

    return ExtractObserver(
        on_input_error=lambda error: source_error(error.source, error.reason),
        on_article_failed=source_error,
        on_notice=on_notice,
        on_progress=on_progress,
    )
