"""Settings from the environment and `.env`; command-line options override them.

The API key is a `SecretStr`: it prints as '**********' and is never written anywhere.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///stancetrack.db"
DEFAULT_TARGET = "NATO expansion"

BackendName = Literal["auto", "openai", "rules"]


class Settings(BaseSettings):
    """Every knob, with the variable that sets it (see .env.example)."""

    model_config = SettingsConfigDict(
        env_prefix="STANCETRACK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url")
    )
    database_url: str = DEFAULT_DATABASE_URL
    model: str = "gpt-4o-mini"
    backend: BackendName = "auto"
    concurrency: int = Field(default=8, ge=1, le=512)
    target: str = DEFAULT_TARGET
    max_file_bytes: int = Field(default=5_000_000, ge=1)
    request_timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    max_reasks: int = Field(default=2, ge=0)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=4096, ge=16)
    chunk_tokens: int = Field(default=3000, ge=200)
    debug: bool = False

    def endpoint_configured(self) -> bool:
        """True when an LLM endpoint is configured (the rule of `--backend auto`)."""
        return bool(self.openai_base_url) or (
            self.openai_api_key is not None and bool(self.openai_api_key.get_secret_value())
        )


def load_settings(**overrides: object) -> Settings:
    """Settings from env/.env with non-None overrides (command-line options) on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given)  # type: ignore[arg-type]
