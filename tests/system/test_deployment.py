"""docker-compose.yml and the Dockerfile, checked without a Docker engine: they parse and agree with the code."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from harness.paths import ROOT
from settings import Settings

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


# What an operator's .env holds (deploy/env.example says how to make each one).
SAMPLE_SECRETS = {
    "PORTAL_SECRET": "sample-Tz4Wq9Lm2Xc7Vb1Nk8Rp3Hd6Jf0Gs5Ya",
    "PAYLOAD_KEYS": "k1:" + "A" * 43 + "=",
    "POSTGRES_PASSWORD": "pw",
}
VARIABLE = re.compile(r"\$\{(\w+)(:\?[^}]*)?\}")


def interpolated(value: str) -> str:
    return VARIABLE.sub(lambda m: SAMPLE_SECRETS[m[1]], value)


def documented_settings() -> set[str]:
    table = README[README.index("| setting | default | meaning |") :].split("\n\n", 1)[0]
    return {name for row in table.splitlines()[2:] for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])}


def test_every_setting_is_documented_and_real() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    assert documented_settings() == fields


def test_services_named_in_the_readme_exist(compose) -> None:
    section = README[README.index("### docker compose") :].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z-]+)`\s\(", section))
    assert named == set(compose["services"]) == {
        "postgresql", "temporal-schema", "certs", "temporal", "temporal-ui", "setup", "worker", "portal", "mailpit"
    }  # fmt: skip
    for name, service in compose["services"].items():
        for dependency in service.get("depends_on", {}):
            assert dependency in compose["services"], f"{name} depends on unknown {dependency}"


def test_worker_command_and_environment_match_the_code(compose, monkeypatch) -> None:
    worker, setup = compose["services"]["worker"], compose["services"]["setup"]
    assert worker["command"] == ["python", "worker.py"] and (ROOT / "worker.py").exists()
    assert f"CMD {str(worker['command']).replace(chr(39), chr(34))}" in DOCKERFILE
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=3
    env = worker["environment"]
    assert env == setup["environment"] and set(env) <= documented_settings()
    for name, value in env.items():
        monkeypatch.setenv(name, interpolated(str(value)))
    settings = Settings()
    assert settings.channels == ["log", "email"] and settings.database.startswith("postgresql://")
    health_port = settings.health_bind.rsplit(":", 1)[1] if settings.health_bind else ""
    assert f"127.0.0.1:{health_port}/readyz" in DOCKERFILE
    assert env["DATABASE_URL"].endswith("@postgresql:5432/campaign")
    assert env["SMTP_HOST"] == "mailpit" and env["TEMPORAL_ADDRESS"] == "temporal:7233"
    help_text = subprocess.run([sys.executable, *setup["command"][1:], "--help"], cwd=ROOT, capture_output=True,
                               text=True, timeout=60)  # fmt: skip
    assert help_text.returncode == 0 and "namespace" in help_text.stdout


def test_dockerfile_installs_as_the_readme_says_and_runs_as_non_root() -> None:
    runs = [line.removeprefix("RUN ").strip() for line in DOCKERFILE.splitlines() if line.startswith("RUN ")]
    install = next(r for r in runs if "pip install" in r)
    assert install.replace("/app/", "").replace("--no-cache-dir ", "") in README
    user = re.search(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE)
    assert user is not None and user.group(1) not in ("root", "0")
    assert (ROOT / ".dockerignore").read_text().splitlines()[0] == ".venv"


def test_portal_service_serves_the_app_with_the_shared_settings(compose) -> None:
    portal, worker = compose["services"]["portal"], compose["services"]["worker"]
    assert portal["command"] == ["python", "starter.py", "serve"]
    env = portal["environment"]
    assert {k: v for k, v in env.items() if k != "PORTAL_BIND"} == worker["environment"]  # the same links
    assert env["PORTAL_BIND"] == "0.0.0.0:8000" and portal["ports"] == ["8000:8000"]
    assert env["PORTAL_SECRET"].startswith("${PORTAL_SECRET:?")  # from the uncommitted .env, never a default
    assert "/healthz" in " ".join(portal["healthcheck"]["test"])
    assert set(env) <= documented_settings()
    help_text = subprocess.run([sys.executable, "starter.py", "serve", "--help"], cwd=ROOT, capture_output=True,
                               text=True, timeout=60)  # fmt: skip
    assert help_text.returncode == 0


def test_workflows_and_the_cli_start_without_the_heavy_stacks() -> None:
    """Workflow modules import only light, pure code (activities are named, not imported); the CLI's
    start loads no report-writing stack (issue: starter.py took 2.5-3 s before doing anything)."""
    heavy = ["sqlalchemy", "matplotlib", "openpyxl", "alembic", "httpx", "jwt", "docx", "pdfplumber", "fastapi"]
    probe = (
        "import sys, workflows.campaign, workflows.activity, workflows.registry; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    done = subprocess.run([sys.executable, "-X", "importtime", "starter.py", "--help"], cwd=ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")}
    assert "typer" in imported and not imported & {"matplotlib", "openpyxl", "alembic", "docx", "pdfplumber"}


def test_the_compose_file_follows_the_compose_specification(compose) -> None:
    import json

    import jsonschema

    schema = json.loads((ROOT / "tests" / "vendor" / "compose-spec" / "compose-spec.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(compose)  # the specification's own schema, vendored with its licence


def test_images_are_pinned_and_secrets_come_only_from_the_env_file(compose) -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for name, service in compose["services"].items():
        if "image" in service:
            _, _, tag = service["image"].partition(":")
            assert re.fullmatch(r"v?\d+(\.\d+)+", tag), f"{name}: {service['image']} is not pinned"
        else:
            assert service["build"] == "."
    used = {m[1] for m in VARIABLE.finditer(text)}
    assert used == set(SAMPLE_SECRETS)
    assert all(f"${{{name}:?" in text for name in used)  # refused when missing, never a default
    example = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    assert {line.split("=", 1)[0] for line in example.splitlines() if "=" in line and not line.startswith("#")} == used
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_mtls_and_the_codec_agree_with_the_code(compose, tmp_path) -> None:
    from cli.certs_command import issue

    written = {p.name for p in issue(tmp_path)}
    services = compose["services"]
    for name, service in services.items():
        env = service.get("environment", {})
        for value in env.values():
            if str(value).startswith("/pki/"):
                assert str(value).removeprefix("/pki/") in written, f"{name}: {value} is not made by `certs`"
                assert any(str(v).startswith("pki:/pki") for v in service.get("volumes", [])), name
    server = services["temporal"]["environment"]
    assert server["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] == "true"
    assert services["certs"]["command"] == ["python", "starter.py", "certs", "/pki"]
    assert {"certs", "temporal-schema"} <= set(services["temporal"]["depends_on"])
    app = services["worker"]["environment"]
    assert app["TEMPORAL_TLS_CERT"] == "/pki/client.pem" and app["PAYLOAD_KEYS"].startswith("${PAYLOAD_KEYS:?")
    ui = services["temporal-ui"]
    assert ui["environment"]["TEMPORAL_CODEC_ENDPOINT"] == f"{app['PORTAL_URL']}/codec"
    assert ui["ports"] == [f"{app['TEMPORAL_UI_URL'].rsplit(':', 1)[1]}:8080"]
    assert ui["environment"]["TEMPORAL_CORS_ORIGINS"] == app["TEMPORAL_UI_URL"]
    import asyncio
    import base64

    import httpx

    from web.app import create_app

    async def codec_status() -> int:
        keys = f"k1:{base64.b64encode(bytes(32)).decode()}"  # compose encrypts: decoding is for staff only
        settings = Settings(portal_secret=SAMPLE_SECRETS["PORTAL_SECRET"], payload_keys=keys)
        app = create_app(settings, None, None)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as http:
            return (await http.post("/codec/decode", json={"payloads": []})).status_code

    assert asyncio.run(codec_status()) == 401  # there, for signed-in staff only
