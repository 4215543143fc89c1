"""Settings: precedence (defaults < .env < environment < options), validation, the secret key.

Every test runs in its own directory (conftest), so `.env` files written here are the only
ones read, and conftest has removed the developer's own STANCETRACK_*/OPENAI_* variables.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_types import RunCli

from stancetrack.errors import ConfigError
from stancetrack.settings import Settings, env_name, load_settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE_KEY = "sk-test-Zq8XvN3mLw7RtK2pYc9HbJ4sDf6GuA1e"


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///stancetrack.db"
    assert settings.backend == "auto"
    assert settings.openai_api_key is None and settings.openai_base_url is None
    assert not settings.endpoint_configured()


def test_precedence_defaults_env_file_environment_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "STANCETRACK_MODEL=from-dotenv\n"
        "STANCETRACK_CONCURRENCY=3\n"
        "STANCETRACK_TARGET=from-dotenv\n"
        "OPENAI_BASE_URL=http://dotenv.invalid/v1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("STANCETRACK_CONCURRENCY", "5")
    monkeypatch.setenv("STANCETRACK_TARGET", "from-environment")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.invalid/v1")

    settings = load_settings(target="from-option", model=None)
    assert settings.max_tokens == Settings.model_fields["max_tokens"].default  # default
    assert settings.model == "from-dotenv"  # .env over default; None option ignored
    assert settings.concurrency == 5  # environment over .env
    assert settings.target == "from-option"  # option over environment
    assert settings.openai_base_url == "http://env.invalid/v1"
    assert load_settings(openai_base_url="http://cli.invalid/v1").openai_base_url == (
        "http://cli.invalid/v1"
    )


def test_empty_values_mean_unset(tmp_path: Path) -> None:
    """A copied .env.example (empty key and base URL) must not configure an endpoint."""
    (tmp_path / ".env").write_text((REPO / ".env.example").read_text("utf-8"), "utf-8")
    settings = load_settings()
    assert settings.openai_api_key is None and settings.openai_base_url is None
    assert not settings.endpoint_configured()
    assert settings == Settings()


def test_env_example_documents_every_setting() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    expected = {env_name(field) for field in Settings.model_fields}
    assert expected - documented == set(), "add these to .env.example"
    assert documented - expected == set(), ".env.example documents unknown variables"
    for name in expected:  # each has a comment line right above it
        line = text.splitlines().index(next(x for x in text.splitlines() if x.startswith(name)))
        assert text.splitlines()[line - 1].startswith("#"), name


def test_env_example_values_are_the_defaults(tmp_path: Path) -> None:
    values = {}
    for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    for field, info in Settings.model_fields.items():
        shown = values[env_name(field)]
        if info.default is None:
            assert shown == ""
        else:
            parsed = Settings.model_validate({field: shown}) if shown else Settings()
            assert getattr(parsed, field) == info.default, field


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("STANCETRACK_CONCURRENCY", "many", "STANCETRACK_CONCURRENCY"),
        ("STANCETRACK_MAX_FILE_BYTES", "0", "STANCETRACK_MAX_FILE_BYTES"),
        ("STANCETRACK_TEMPERATURE", "9", "STANCETRACK_TEMPERATURE"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.exit_code == 2
    assert named in str(caught.value)
    assert "\n" not in str(caught.value)


def test_invalid_option_names_the_option() -> None:
    with pytest.raises(ConfigError, match="--concurrency"):
        load_settings(concurrency=0)
    with pytest.raises(ConfigError, match="--db"):
        load_settings(database_url=12)


def test_max_file_bytes_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCETRACK_MAX_FILE_BYTES", "1234")
    assert load_settings().max_file_bytes == 1234


def test_api_key_is_secret_everywhere_in_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SAMPLE_KEY)
    settings = load_settings()
    assert settings.endpoint_configured()
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == SAMPLE_KEY
    for shown in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        json.dumps(settings.model_dump(mode="json")),
        repr(settings.openai_api_key),
        f"{settings.openai_api_key}",
    ):
        assert SAMPLE_KEY not in shown
        assert SAMPLE_KEY[-8:] not in shown


def test_api_key_never_printed_by_the_cli(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --debug tracebacks, bad settings, a failing database, help and results."""
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={SAMPLE_KEY}\n", encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", SAMPLE_KEY)
    runs = [
        (["articles", "--db", "postgresql://127.0.0.1:1/x", "--debug"], {}),
        (["articles", "--format", "json"], {}),
        (["articles", "--debug"], {"STANCETRACK_CONCURRENCY": "bad"}),
        (["articles", "--no-such-option"], {}),
        (["--help"], {}),
    ]
    codes = []
    for args, extra in runs:
        with monkeypatch.context() as patch:
            for name, value in extra.items():
                patch.setenv(name, value)
            result = cli(args)
        output = result.stdout + result.stderr
        assert SAMPLE_KEY not in output, args
        assert SAMPLE_KEY[-8:] not in output, args
        codes.append((result.exit_code, "Traceback" in result.stderr))
    # The checks saw real error output: a --debug traceback, a missing database (read
    # commands never create one), a config and a usage error.
    assert codes == [(1, True), (2, False), (2, True), (2, False), (0, False)]


def test_every_option_that_sets_a_setting_names_a_field_and_is_named_back() -> None:
    from stancetrack.settings import SETTING_OF_OPTION, Settings, option_name

    for parameter, field in SETTING_OF_OPTION.items():
        assert field in Settings.model_fields, parameter
        assert option_name(field) == "--" + parameter.replace("_", "-")
    assert option_name("request_timeout") == "--timeout"  # was --request-timeout, no such option
    assert option_name("max_file_bytes") == "--max-file-bytes"
