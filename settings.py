"""Settings from the environment (pydantic-settings); names are relied on by deployments."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent
DEFAULT_UNITS = ROOT / "plans" / "units.yaml"  # the unit directory wherever none is given

Channel = Literal["log", "email", "webhook"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "campaign"
    temporal_tls_cert: Path | None = None  # client certificate (PEM) for mTLS to a remote cluster
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None  # server CA, when not a public one
    temporal_api_key: str | None = None  # Temporal Cloud API key (implies TLS)
    # How long a workflow task waits for the worker that last ran the workflow before any worker may
    # take it: after a crash, the time its campaigns stand still (Temporal's default, 10 s)
    worker_sticky_timeout: float = Field(default=10.0, gt=0)
    # What one worker process runs: "all" (one process for a Đoàn Khối), or, for a city, "workflows" in
    # one process and "activities" (mail, the store, files) in another, so that no activity thread takes
    # the workflow thread's turn at the interpreter while a run decodes a city's roll (bench.portal_burst)
    worker_role: Literal["all", "workflows", "activities"] = "all"
    # "id:base64-of-32-bytes[,older-id:…]": payloads encrypted (AES-GCM) with the first key, read with
    # any; unset: only large payloads are compressed (the demo's default)
    payload_keys: str | None = None
    metrics_bind: str | None = None  # e.g. 0.0.0.0:9464: the SDK's Prometheus endpoint
    health_bind: str | None = None  # e.g. 0.0.0.0:8080: /healthz and /readyz for containers
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"

    database_url: str | None = None  # unset: SQLite under data/
    notify_channels: str = "log"  # comma list of log, email, webhook
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Văn phòng Đoàn Khối <no-reply@example.org>"
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout: float = 20.0
    smtp_ca_file: Path | None = None  # CA bundle for the mail server's certificate, when not a public one
    webhook_url: str | None = None
    webhook_secret: str | None = None
    reports_dir: Path = ROOT / "reports"

    portal_bind: str = "127.0.0.1:8000"  # where `starter.py serve` listens
    portal_url: str = "http://127.0.0.1:8000"  # the public base URL used in units' links
    portal_secret: str | None = None  # signs units' links; required (32+ random characters) to serve
    portal_link_days: int = 60  # a unit's link works until this many days after the campaign's end
    evidence_dir: Path = ROOT / "data" / "evidence"  # uploaded evidence files, named by content hash
    # The reverse proxies in front of the portal (addresses or networks, comma list, e.g. 127.0.0.1 or
    # 10.0.0.0/24): only requests whose socket peer is one of them have X-Forwarded-For read (the client
    # address every limit counts) and the single sign-on identity header believed. Unset: no proxy.
    portal_trusted_proxy: str | None = None
    portal_hosts: str = ""  # Host names the portal answers to besides PORTAL_URL's and the loopback's
    portal_proxy_user_header: str = "X-Remote-User"  # where that proxy puts the signed-in person's name
    portal_proxy_roles: str = ""  # "name=role,…" for people who come through the proxy (single sign-on)
    office_email: str | None = None  # how units reach the office, shown on the portal's pages (OFFICE_EMAIL)
    office_phone: str | None = None  # and by phone (OFFICE_PHONE)
    units_file: Path = DEFAULT_UNITS  # the unit directory the office pages choose units from
    temporal_ui_url: str = "http://localhost:8233"  # where the office pages link each activity's audit view

    @property
    def trusted_proxies(self) -> list[str]:
        return _names(self.portal_trusted_proxy or "")

    @property
    def allowed_hosts(self) -> list[str]:
        """PORTAL_URL's host, the loopback (health checks) and PORTAL_HOSTS: the Host headers the portal answers."""
        from urllib.parse import urlsplit

        own = urlsplit(self.portal_url).hostname or ""
        return list(dict.fromkeys([own, "localhost", "127.0.0.1", "::1", *_names(self.portal_hosts)]))

    @field_validator("portal_trusted_proxy")
    @classmethod
    def _proxy_networks(cls, value: str | None) -> str | None:
        import ipaddress

        for item in _names(value or ""):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"“{item}” không phải địa chỉ IP hay dải mạng (ví dụ 127.0.0.1, 10.0.0.0/24)"
                ) from None
        return value

    @property
    def proxy_roles(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.portal_proxy_roles.split(",") if "=" in item)
        return {name.strip(): role.strip() for name, role in pairs}

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{ROOT / 'data' / 'campaign.db'}"

    @field_validator("payload_keys")
    @classmethod
    def _usable_keys(cls, value: str | None) -> str | None:
        from access.payloads import parse_keys

        parse_keys(value)  # PayloadKeyError (a ValueError) names the key at fault
        return value

    @field_validator("notify_channels")
    @classmethod
    def _known_channels(cls, value: str) -> str:
        unknown = [c for c in _names(value) if c not in ("log", "email", "webhook")]
        if unknown:
            raise ValueError(f"kênh không hỗ trợ {', '.join(unknown)} (chỉ log, email, webhook)")
        return value

    @property
    def channels(self) -> list[Channel]:
        return _names(self.notify_channels) or ["log"]  # type: ignore[return-value]


def _names(channels: str) -> list[str]:
    return [c.strip().lower() for c in channels.split(",") if c.strip()]


# pydantic's English for the kinds of mistake a setting's value can have, as a person reads them here.
_SAID = {
    "literal_error": "phải là một trong {expected} (viết đúng chữ thường)",
    "float_parsing": "phải là một số",
    "int_parsing": "phải là một số nguyên",
    "bool_parsing": "phải là true hoặc false",
    "greater_than": "phải lớn hơn {gt}",
}


def settings_problem(error: ValidationError) -> str:
    """One Vietnamese line naming the setting at fault and the value given."""
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "?"
    said = _SAID.get(first["type"])
    if said is None:
        return f"cấu hình sai: {name}: {first['msg'].removeprefix('Value error, ')}"
    context = {k: str(v).replace(" or ", " hoặc ") for k, v in (first.get("ctx") or {}).items()}
    return f"cấu hình sai: {name}: {said.format(**context)} (đang đặt “{str(first.get('input'))[:60]}”)"


@lru_cache
def get_settings() -> Settings:
    return Settings()
