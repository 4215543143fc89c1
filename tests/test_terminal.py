"""The CLI in a real pseudo-terminal, as a person types it.

Every other test runs the CLI with pipes, where rich draws no progress bar and tables
become JSON; a person's terminal takes other code paths (progress, status spinner, tables),
and the quick start once crashed there only. These tests spawn the real command in a pty
(pexpect) and read what the person would see.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from extract_helpers import ARTICLES, gold_responder
from stub_server import StubServer

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "articles"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def _env(**extra: str) -> dict[str, str]:
    """A newcomer's environment: no endpoint, no stancetrack settings, a colour terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STANCETRACK_"))}
    env.pop("CI", None)  # rich would draw no live progress under CI
    return {**env, "TERM": "xterm-256color", "PYTHONPATH": str(REPO), **extra}


def _spawn(args: list[str], cwd: Path, **env: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "stancetrack", *args],
        cwd=str(cwd),
        env=_env(**env),
        encoding="utf-8",
        codec_errors="replace",
        dimensions=(40, 200),
        timeout=120,
    )


def _finish(child: pexpect.spawn) -> tuple[int, str]:
    """Everything the terminal showed (escapes stripped) and the exit status."""
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus is not None, f"killed by signal {child.signalstatus}"
    return child.exitstatus, ANSI.sub("", child.before or "")


def _typed(args: list[str], cwd: Path) -> str:
    status, screen = _finish(_spawn(args, cwd))
    assert status == 0, f"`stancetrack {' '.join(args)}` exited {status}:\n{screen}"
    return screen


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The README's quick start in a fresh folder: extract the fixtures, list the articles."""
    cwd = tmp_path_factory.mktemp("newcomer")
    extracted = _typed(["extract", str(FIXTURES)], cwd)
    yield cwd, extracted


def test_quick_start_extracts_in_a_terminal(quick_start: tuple[Path, str]) -> None:
    cwd, screen = quick_start
    assert "TypeError" not in screen and "error:" not in screen, screen
    assert "rules" in screen  # the offline extractor says so
    assert (cwd / "stancetrack.db").is_file()


def test_quick_start_lists_the_articles_as_a_table(quick_start: tuple[Path, str]) -> None:
    cwd, _ = quick_start
    screen = _typed(["articles"], cwd)
    titles = [path.read_text(encoding="utf-8").splitlines()[0] for path in FIXTURES.glob("*.txt")]
    assert len(titles) == 9
    for title in titles:
        # a table cell may fold a long title: look for its first words
        assert " ".join(title.split()[:3]) in screen, (title, screen)
    assert "│" in screen or "┃" in screen  # a drawn table, not JSON


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["compare", "Putin", "Lavrov", "Erdogan"], "Putin"),
        (["timeline", "Erdogan"], "Erdogan"),
        (["claims", "--actor", "vladimir putin"], "Putin"),
        (["actors"], "Putin"),
        (["runs"], "rules"),
    ],
)
def test_then_try_commands(quick_start: tuple[Path, str], args: list[str], expected: str) -> None:
    cwd, _ = quick_start
    assert expected in _typed(args, cwd)


def test_extract_force_and_report_in_a_terminal(quick_start: tuple[Path, str]) -> None:
    cwd, _ = quick_start
    screen = _typed(["extract", str(FIXTURES), "--force"], cwd)
    assert "error" not in screen.lower(), screen
    _typed(["report", "--output", "report.html"], cwd)
    assert "<html" in (cwd / "report.html").read_text(encoding="utf-8").lower()


def test_progress_is_drawn_on_the_terminal(tmp_path: Path) -> None:
    """A slow endpoint: the live progress line shows while the batch runs, then goes."""
    with StubServer(default=gold_responder(), latency=0.3) as stub:
        child = _spawn(
            ["extract", str(ARTICLES), "--base-url", stub.base_url, "--model", "stub-model"],
            tmp_path,
            OPENAI_API_KEY="sk-test",
        )
        child.expect(r"articles \d+/\d+", timeout=60)
        status, screen = _finish(child)
    assert status == 0, screen


def test_ctrl_c_during_a_batch_exits_130_and_keeps_committed_work(tmp_path: Path) -> None:
    with StubServer(default=gold_responder(), latency=1.0) as stub:
        child = _spawn(
            [
                "extract",
                str(ARTICLES),
                "--base-url",
                stub.base_url,
                "--model",
                "stub-model",
                "--concurrency",
                "1",
            ],
            tmp_path,
            OPENAI_API_KEY="sk-test",
        )
        child.expect(r"articles [1-9]\d*/\d+", timeout=60)  # at least one committed
        child.sendintr()  # Ctrl-C, as the terminal's line discipline sends it
        child.expect(pexpect.EOF, timeout=10)
        child.close()
    screen = ANSI.sub("", child.before or "")
    assert child.exitstatus == 130, (child.exitstatus, child.signalstatus, screen)
    assert "interrupted" in screen and "Traceback" not in screen
    status, listed = _finish(_spawn(["articles", "--format", "json"], tmp_path))
    assert status == 0 and '"sha256"' in listed
