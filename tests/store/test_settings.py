"""Settings that decide how the service connects and where it writes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError
from temporalio.service import TLSConfig

from harness.paths import ROOT
from service.temporal import tls_config
from service.updates import Refused
from settings import Settings


def test_tls_for_a_remote_cluster(tmp_path) -> None:
    cert, key, ca = (tmp_path / n for n in ("client.pem", "client.key", "ca.pem"))
    for path in (cert, key, ca):
        path.write_bytes(f"-----{path.name}-----".encode())
    assert tls_config(Settings()) is False  # the local dev server: plain connection
    assert tls_config(Settings(temporal_api_key="k")) is True  # Temporal Cloud: TLS with the system's CAs
    mutual = tls_config(Settings(temporal_tls_cert=cert, temporal_tls_key=key, temporal_tls_ca=ca))
    assert isinstance(mutual, TLSConfig)
    assert (mutual.client_cert, mutual.client_private_key, mutual.server_root_ca_cert) == (
        b"-----client.pem-----", b"-----client.key-----", b"-----ca.pem-----"
    )  # fmt: skip
    with pytest.raises(Refused, match="TEMPORAL_TLS_KEY"):
        tls_config(Settings(temporal_tls_cert=cert))


def test_notify_channels_are_checked() -> None:
    assert Settings(notify_channels=" Email, webhook ").channels == ["email", "webhook"]
    assert Settings(notify_channels="").channels == ["log"]
    with pytest.raises(ValidationError, match="sms"):
        Settings(notify_channels="log,sms")


def test_a_bad_setting_stops_the_worker_with_one_line() -> None:
    env = {**os.environ, "NOTIFY_CHANNELS": "log,sms"}
    done = subprocess.run([sys.executable, "worker.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "Lỗi: cấu hình sai: NOTIFY_CHANNELS: kênh không hỗ trợ sms (chỉ log, email, webhook)"


def test_sqlite_is_the_embedded_default() -> None:
    assert Settings(database_url=None).database.endswith("data/campaign.db")
    assert Settings(database_url="postgresql://u:p@db/campaign").database == "postgresql://u:p@db/campaign"


@pytest.mark.parametrize("command", [["status", "--campaign", "x"], ["export", "--campaign", "x"], ["setup"]])
def test_a_bad_setting_is_one_line_for_every_command(command) -> None:
    env = {**os.environ, "NOTIFY_CHANNELS": "fax"}
    done = subprocess.run([sys.executable, "starter.py", *command], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "Lỗi: cấu hình sai: NOTIFY_CHANNELS: kênh không hỗ trợ fax (chỉ log, email, webhook)"
