"""Settings from the environment and `.env`; command-line options override them.

The API key is a `SecretStr`: it prints as '**********' and is never written anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stancetrack.errors import ConfigError
from stancetrack.targets import TARGET_MAX_CHARS, canonical_target, one_spaced

DEFAULT_DATABASE_URL = "sqlite:///stancetrack.db"
DEFAULT_TARGET = "NATO expansion"


class Settings(BaseSettings):
    """Every knob, with the variable that sets it (see .env.example)."""

    model_config = SettingsConfigDict(
        env_prefix="STANCETRACK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,  # `OPENAI_BASE_URL=` (as in .env.example) means "not set"
    )

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url")
    )
    database_url: str = DEFAULT_DATABASE_URL
    model: str = "gpt-4o-mini"
    # "auto" or an installed backend plugin (checked when it is built: llm/registry.py)
    backend: str = Field(default="auto", min_length=1)
    concurrency: int = Field(default=8, ge=1, le=512)
    # Stored on every run and claim (String(200)); spaces normalised, never blank, and a
    # defined target's own spelling whatever the case typed (stancetrack/targets.py).
    target: str = Field(default=DEFAULT_TARGET, min_length=1, max_length=TARGET_MAX_CHARS)
    max_file_bytes: int = Field(default=5_000_000, ge=1)
    # Seconds for one URL's whole download (connect, headers, body), not per read.
    fetch_timeout: float = Field(default=30.0, gt=0)
    request_timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    max_reasks: int = Field(default=2, ge=0)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=4096, ge=16)
    chunk_tokens: int = Field(default=3000, ge=200)
    debug: bool = False

    @field_validator("target", mode="before")
    @classmethod
    def _canonical_target(cls, value: object) -> object:
        if isinstance(value, str) and one_spaced(value):
            return canonical_target(value)
        return value

    def endpoint_configured(self) -> bool:
        """True when an LLM endpoint is configured (the rule of `--backend auto`)."""
        return bool(self.openai_base_url) or (
            self.openai_api_key is not None and bool(self.openai_api_key.get_secret_value())
        )


def load_settings(**overrides: object) -> Settings:
    """Settings from env/.env with non-None overrides (command-line options) on top.

    Precedence, lowest first: defaults, `.env`, environment, `overrides`. An invalid value
    becomes a `ConfigError` naming the variable, without echoing the value (it may be a key).
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_describe(exc, set(given))) from None


def env_name(field: str) -> str:
    """The environment variable that sets `field`."""
    info = Settings.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"{Settings.model_config.get('env_prefix', '')}{field}".upper()


class SettingOptions(TypedDict, total=False):
    """The options that set a setting, by parameter name (`--base-url` is `base_url`): the
    CLI's (cli/context.command_settings) and the keywords of `stancetrack.extract`. None
    leaves the setting to the environment."""

    db: str | None
    backend: str | None
    model: str | None
    base_url: str | None
    concurrency: int | None
    timeout: float | None
    target: str | None
    max_tokens: int | None
    temperature: float | None


# Options named other than the setting they set; the rest share the setting's name.
_RENAMED = {"db": "database_url", "base_url": "openai_base_url", "timeout": "request_timeout"}
SETTING_OF_OPTION: dict[str, str] = {
    name: _RENAMED.get(name, name) for name in SettingOptions.__annotations__
}
_OPTION_OF_SETTING = {
    field: "--" + name.replace("_", "-") for name, field in SETTING_OF_OPTION.items()
}


def settings_from_options(options: Mapping[str, object]) -> Settings:
    """`load_settings` with the given options (SettingOptions' names) on top."""
    return load_settings(**{SETTING_OF_OPTION[name]: value for name, value in options.items()})


def option_name(field: str) -> str:
    """The command-line option that overrides `field`."""
    return _OPTION_OF_SETTING.get(field, "--" + field.replace("_", "-"))


def _describe(exc: ValidationError, from_options: set[str]) -> str:
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "settings"
        if field in Settings.model_fields:
            where = option_name(field) if field in from_options else env_name(field)
        else:
            where = field
        problems.append(f"{where}: {error['msg']}")
    return "invalid setting " + "; ".join(problems)
