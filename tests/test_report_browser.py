"""The report in a real browser: Debian's headless Chromium renders it, scripts run.

Checks the DOM after JavaScript (`--dump-dom`): the script ran, every gold claim is
highlighted in its stance's colour, the actor x stance matrix holds the gold counts, no
injected markup became an element. Saves a screenshot in the test's tmp dir (path printed).
Skipped only when chromium is missing and CI is unset; in CI a missing browser fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from analysis_corpus import ReportDom, load_corpus
from cli_types import RunCli
from test_analysis_report import check_report_against_gold

pytestmark = pytest.mark.browser

BROWSERS = ("chromium", "chromium-browser")


def _chromium() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (apt-get install -y chromium) and CI is set")
    pytest.skip("chromium is not installed (apt-get install -y chromium)")


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_with_highlights(cli: RunCli, tmp_path: Path) -> None:
    binary = _chromium()
    url = f"sqlite:///{tmp_path / 'corpus.db'}"
    load_corpus(url)
    # One hostile article too: its markup must stay text in the rendered page.
    evil_quote = '<img id="pwned" src=x onerror="document.title=1">'
    (tmp_path / "evil.txt").write_text(
        f"Evil <script>document.title='x'</script>\n20240401\nhttps://example.com/e\n"
        f"It said {evil_quote} loudly.\n",
        encoding="utf-8",
    )
    (tmp_path / "evil.json").write_text(
        json.dumps(
            {
                "claims": [
                    {
                        "speaker": "It",
                        "actor": "<i>Evil</i>",
                        "quote": evil_quote,
                        "claim": "</script><b id=pwned2>x</b>",
                        "stance": "unrelated",
                        "confidence": 0.1,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    result = cli(
        [
            "import-gold",
            str(tmp_path / "evil.json"),
            "--articles",
            str(tmp_path / "evil.txt"),
            "--db",
            url,
        ]
    )
    assert result.exit_code == 0, result.stderr
    report = tmp_path / "report.html"
    result = cli(["report", "--db", url, "--output", str(report)])
    assert result.exit_code == 0, result.stderr

    dumped = _run_chromium(binary, tmp_path / "profile", "--dump-dom", report.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = ReportDom(dumped.stdout)
    # The script ran: it marks the body and counts the highlighted segments.
    assert dom.body_attrs.get("data-ready") == "1"
    marks = sum(len(m) for m in dom.marked.values())
    assert int(dom.body_attrs["data-evidence"]) == marks > 0
    # Every gold claim highlighted by stance; matrix cells = gold counts (evil actor aside).
    evil_id = next(i for i, t in dom.texts.items() if evil_quote in t)
    del dom.texts[evil_id]
    dom.matrix = {k: v for k, v in dom.matrix.items() if k[0] != "<i>Evil</i>"}
    check_report_against_gold(dom)
    assert not {"img", "i", "b"} & set(dom.tags), "injected markup became elements"
    assert "<i>Evil" not in dumped.stdout and "&lt;i&gt;Evil" in dumped.stdout

    shot = tmp_path / "report.png"
    taken = _run_chromium(
        binary,
        tmp_path / "profile",
        "--window-size=1280,2400",
        "--hide-scrollbars",
        f"--screenshot={shot}",
        report.as_uri(),
    )
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a blank page compresses to far less
    print(f"report screenshot: {shot}")
