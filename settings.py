"""Settings from the environment (pydantic-settings); names are relied on by deployments."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "campaign"
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
