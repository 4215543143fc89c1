"""`watch` tells people when a stance moves: the changes each poll brought, on a terminal,
in its JSON, and POSTed to a webhook (a real receiver on 127.0.0.1)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from stancetrack.tracking.notify import Notifier

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
OBJECTS = ARTICLES / "003_finland_sweden_apply_turkey_objects.txt"  # 2022-05-18
RATIFIES = ARTICLES / "006_turkey_ratifies_finland.txt"  # 2023-03-31
ERDOGAN = "Recep Tayyip Erdogan"


class Receiver:
    """A webhook receiver: answers `statuses` in turn (then 200), keeps every JSON body."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.bodies.append(body)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _watch(cli: Any, db_url: str, inbox: Path, *extra: str) -> Any:
    return cli(["watch", str(inbox), "--once", "--backend", "rules", "--db", db_url, *extra])


def test_a_poll_reports_the_changes_its_articles_brought(
    cli: Any, db_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(OBJECTS, inbox)
    first = _watch(cli, db_url, inbox, "-f", "json", "--notify", receiver.url)
    assert first.exit_code == 0, first.stderr
    erdogan_first = [c for c in json.loads(first.stdout)["changes"] if c["actor"] == ERDOGAN]
    assert erdogan_first == []  # one article: nothing to change from yet

    shutil.copy(RATIFIES, inbox)
    second = _watch(cli, db_url, inbox, "-f", "json", "--notify", receiver.url)
    assert second.exit_code == 0, second.stderr
    found = json.loads(second.stdout)["changes"]
    finland = [c for c in found if c["actor"] == ERDOGAN and c["subject"] == "Finland"]
    assert [(c["from"], c["to"]) for c in finland] == [("oppose", "support")]
    [change] = finland
    assert change["before"]["article"]["published"] == "2022-05-18"
    assert change["after"]["article"]["published"] == "2023-03-31"
    assert change["before"]["evidence"]["quote"] and change["after"]["evidence"]["quote"]
    # every change the poll found went to the webhook, as `changes -f json` shows it
    deadline = time.monotonic() + 10
    while len(receiver.bodies) < len(found) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.bodies == found

    # the same change as the `changes` command lists it
    listed = cli(["changes", ERDOGAN, "--subject", "Finland", "--db", db_url, "-f", "json"])
    assert listed.exit_code == 0, listed.stderr
    assert change in json.loads(listed.stdout)


def test_a_terminal_shows_one_line_per_change(
    cli: Any, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(OBJECTS, inbox)
    assert _watch(cli, sqlite_url, inbox, "-f", "json").exit_code == 0
    shutil.copy(RATIFIES, inbox)
    shown = _watch(cli, sqlite_url, inbox, "-f", "table")
    assert shown.exit_code == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if line.startswith("change: ")]
    assert f"change: {ERDOGAN} (Finland): oppose -> support, 2023-03-31" in "\n".join(lines)


def test_the_webhook_is_retried_with_backoff_and_failures_are_reported() -> None:
    flaky = Receiver(statuses=[500, 503])  # two failures, then 200
    errors: list[str] = []
    notifier = Notifier(flaky.url, on_error=errors.append, first_wait=0.05)
    try:
        notifier.send({"n": 1})
        notifier.close(timeout=10)
    finally:
        flaky.close()
    assert flaky.bodies == [{"n": 1}] and notifier.delivered == 1 and errors == []

    refusing = Receiver(statuses=[404])  # a refusal is not retried
    notifier = Notifier(refusing.url, on_error=errors.append, first_wait=0.05)
    try:
        notifier.send({"n": 2})
        notifier.close(timeout=10)
    finally:
        refusing.close()
    assert refusing.bodies == [] and notifier.failed == 1
    assert len(errors) == 1 and "HTTP 404" in errors[0] and refusing.url in errors[0]


def test_an_unreachable_webhook_never_holds_up_the_poll(
    cli: Any, sqlite_url: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(OBJECTS, inbox)
    shutil.copy(RATIFIES, inbox)
    t0 = time.monotonic()
    run = _watch(cli, sqlite_url, inbox, "-f", "json", "--notify", "http://127.0.0.1:9/hook")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["changes"]  # extraction and the report were not held up
    assert "was not delivered" in run.stderr
    assert time.monotonic() - t0 < 60


def test_a_notify_url_that_is_not_http_is_a_usage_error(
    cli: Any, sqlite_url: str, tmp_path: Path
) -> None:
    run = _watch(cli, sqlite_url, tmp_path, "--notify", "file:///etc/passwd")
    assert run.exit_code == 2 and "--notify" in run.stderr
