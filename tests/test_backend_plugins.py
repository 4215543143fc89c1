"""Backends as plugins: the `stancetrack.backends` entry points and the typed registry.

Checked for real: the installed metadata (importlib.metadata), a plugin discovered from a
distribution laid out on sys.path (never pip-installed), a test-only plugin registered
through the registry API and used by `stancetrack extract` end to end on SQLite, and the
one-line refusal (exit 2) of an unknown backend.
"""

from __future__ import annotations

import json
import sys
import textwrap
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from stancetrack.db import Database
from stancetrack.db.models import Claim, Run
from stancetrack.errors import ConfigError
from stancetrack.llm.base import Backend, BackendReply, ExtractionRequest, PromptInfo
from stancetrack.llm.context import BackendContext
from stancetrack.llm.factory import make_backend, resolve_backend_name
from stancetrack.llm.openai_backend import OpenAIBackend
from stancetrack.llm.registry import GROUP, OWN_BACKENDS, REGISTRY, BackendRegistry
from stancetrack.llm.rules import RulesBackend
from stancetrack.schemas import ReplyClaim
from stancetrack.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "fixtures" / "articles" / "002_finland_sweden_no_application.txt"


class EchoBackend:
    """A test-only backend: claims the article's first sentence, attributed to 'Echo'."""

    name = "echo"
    model = "echo-1"
    endpoint_host: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    prompt = PromptInfo("echo", "1", "0" * 64)

    def __init__(self, context: BackendContext) -> None:
        self.settings = context.settings
        self.closed = False
        self.params: dict[str, object] = {"echo": {"split_on": "."}}  # kept on every run

    async def extract(self, request: ExtractionRequest) -> BackendReply:
        first = request.text.split(".")[0].strip()
        claim = ReplyClaim(
            speaker="Echo",
            actor="Echo Chamber",
            actor_type="person",
            quote=first,
            claim="The article's first sentence.",
            attribution="narrator",
            rationale="test",
            stance="neutral",
            confidence=0.5,
        )
        return BackendReply(claims=[claim], raw_reply=json.dumps({"quote": first}))

    async def aclose(self) -> None:
        self.closed = True


def declared() -> dict[str, str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    points: dict[str, str] = data["project"]["entry-points"][GROUP]
    return points


def test_own_backends_are_declared_as_entry_points_and_installed() -> None:
    assert declared() == OWN_BACKENDS  # the stale-install fallback cannot drift
    installed = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    assert {name: installed.get(name) for name in OWN_BACKENDS} == OWN_BACKENDS
    assert {"openai", "rules"} <= set(REGISTRY.names())


def test_each_own_backend_builds_through_its_entry_point() -> None:
    settings = Settings(openai_base_url="http://127.0.0.1:9/v1")
    registry = BackendRegistry()
    openai = registry.create("openai", BackendContext(settings))
    rules = registry.create("rules", BackendContext(settings))
    assert isinstance(openai, OpenAIBackend) and openai.name == "openai"
    assert isinstance(rules, RulesBackend) and rules.name == "rules"
    assert isinstance(make_backend(settings, backend="rules"), RulesBackend)


def test_a_plugin_distribution_on_sys_path_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry point from another distribution (laid out by hand, not installed with pip)."""
    (tmp_path / "demo_backend.py").write_text(
        textwrap.dedent(
            """
            from stancetrack.llm.rules import RulesBackend

            class DemoBackend(RulesBackend):
                name = "demo"

            def broken(context):
                raise RuntimeError("never built")

            NOT_CALLABLE = 42
            """
        ),
        encoding="utf-8",
    )
    info = tmp_path / "demo_backend-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-backend\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{GROUP}]\n"
        "demo = demo_backend:DemoBackend.from_context\n"
        "missing = demo_backend_gone:Backend\n"
        "number = demo_backend:NOT_CALLABLE\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "demo_backend", raising=False)
    registry = BackendRegistry()
    assert {"demo", "missing", "number", "openai", "rules"} <= set(registry.names())
    built = registry.create("demo", BackendContext(Settings()))
    assert isinstance(built, Backend) and built.name == "demo"
    with pytest.raises(ConfigError, match=r"backend 'missing' \(demo_backend_gone:Backend\) could"):
        registry.create("missing", BackendContext(Settings()))
    with pytest.raises(ConfigError, match=r"'number' .* is not a backend factory"):
        registry.create("number", BackendContext(Settings()))


def test_registered_plugin_is_offered_and_then_withdrawn() -> None:
    registry = BackendRegistry()
    with registry.registered("echo", EchoBackend):
        assert "echo" in registry.names()
        assert resolve_backend_name(Settings(), "echo", registry=registry) == ("echo", None)
        built = make_backend(Settings(backend="echo"), registry=registry)
        assert isinstance(built, EchoBackend)
    assert "echo" not in registry.names()
    with pytest.raises(ConfigError, match="unknown backend 'echo'; installed: openai, rules"):
        make_backend(Settings(), backend="echo", registry=registry)
    with pytest.raises(ValueError, match="cannot name a backend"):
        registry.register("auto", EchoBackend)


def test_a_factory_that_builds_no_backend_is_refused() -> None:
    def wrong(context: BackendContext) -> Any:
        return object()

    registry = BackendRegistry()
    registry.register("wrong", wrong)
    with pytest.raises(ConfigError, match="built a object, not a backend"):
        registry.create("wrong", BackendContext(Settings()))


def test_stale_install_metadata_still_finds_the_own_backends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An editable install made before the entry points were declared lists none."""
    monkeypatch.setattr("stancetrack.llm.registry.entry_points", lambda group: [])
    registry = BackendRegistry()
    assert registry.names() == ["openai", "rules"]
    assert isinstance(registry.create("rules", BackendContext(Settings())), RulesBackend)


def test_extract_runs_a_registered_plugin_end_to_end(cli: Any, sqlite_url: str) -> None:
    with REGISTRY.registered("echo", EchoBackend):
        result = cli(["extract", str(SEED), "--backend", "echo", "--db", sqlite_url, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["claims"] == 1
    db = Database(sqlite_url)
    try:
        with db.session() as session:
            run = session.scalars(select(Run)).one()
            claim = session.scalars(select(Claim)).one()
            assert (run.backend, run.model, run.status) == ("echo", "echo-1", "ok")
            assert run.params["echo"] == {"split_on": "."}
            assert "grounding" in run.params
            text = SEED.read_text(encoding="utf-8")
            assert claim.quote and claim.quote in text
    finally:
        db.dispose()


@pytest.mark.parametrize("command", ["extract", "eval"])
def test_unknown_backend_is_one_line_exit_2_listing_the_installed(
    cli: Any, sqlite_url: str, tmp_path: Path, command: str
) -> None:
    args = [command, str(REPO / "fixtures" / "gold"), "--backend", "nope"]
    if command == "extract":
        args = ["extract", str(REPO / "fixtures" / "articles"), "--backend", "nope"]
        args += ["--db", sqlite_url]
    with REGISTRY.registered("echo", EchoBackend):
        result = cli(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: unknown backend 'nope'; installed: echo, openai, rules (or auto)"
    ]
    assert not (tmp_path / "test.db").exists()  # refused before the database was created


def test_unknown_backend_from_the_environment_is_refused_the_same_way(
    cli: Any, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANCETRACK_BACKEND", "magic")
    result = cli(["extract", str(SEED), "--db", sqlite_url])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "error: unknown backend 'magic'; installed: openai, rules (or auto)"
    )
