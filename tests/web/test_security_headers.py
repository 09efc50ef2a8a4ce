"""What every answer carries (issue 25): the security headers and no-store, no inline script, API docs
served from the app itself, hosts checked and redirects built from PORTAL_URL, one shape for API errors."""

from __future__ import annotations

import re

from harness.paths import ROOT
from tests.doors_env import Doors, MiB
from tests.office_env import PASSWORD, sign_in
from tests.portal_env import PORTAL_URL


async def test_every_answer_carries_the_security_headers_and_no_store(doors) -> None:
    async with doors.http() as http:
        answers = [await http.get("/login"), await http.get("/"), await http.get("/api/v1/me"), await http.get("/docs")]
        await sign_in(http, "vp", PASSWORD)
        answers.append(await http.get("/campaigns"))
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store", answer.url
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        scripts = csp.split("script-src ")[1].split(";")[0]
        assert scripts == ("'self' 'unsafe-inline'" if answer.url.path == "/docs" else "'self'"), answer.url


def test_no_page_carries_an_inline_script_or_handler() -> None:
    """The CSP allows scripts only from the app's files: a template with an inline one would break."""
    for template in (ROOT / "web" / "templates").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name


async def test_the_api_docs_load_nothing_from_another_site(doors) -> None:
    async with doors.http() as http:
        docs = await http.get("/docs")
        scripts = re.findall(r'<script src="([^"]+)"', docs.text) + re.findall(r'href="([^"]+\.css)"', docs.text)
        assets = [await http.get(src) for src in scripts]
    assert scripts and all(src.startswith("/") for src in scripts), scripts
    assert all(a.status_code == 200 and len(a.content) > 1000 for a in assets)


async def test_hosts_are_checked_and_redirects_built_from_portal_url(tmp_path) -> None:
    doors = Doors(tmp_path, portal_hosts="cong.noibo")
    async with doors.http() as http:
        evil = await http.get("/campaigns/", headers={"Host": "evil.example"})
        alias = await http.get("/campaigns/", headers={"Host": "cong.noibo"})
        own = await http.get("/campaigns/")
        health = await http.get("/healthz", headers={"Host": "127.0.0.1:8000"})
    assert evil.status_code == 400 and "evil.example" not in evil.headers.get("location", "")
    assert alias.status_code == 307 and alias.headers["location"] == f"{PORTAL_URL}/campaigns"
    assert own.status_code == 307 and own.headers["location"] == f"{PORTAL_URL}/campaigns"
    assert health.status_code == 200


async def test_every_api_error_has_the_documented_shape(doors) -> None:
    async with doors.http() as http:
        answers = [
            await http.get("/api/v1/nothing-here"),
            await http.get("/api/v1/activities/1/ready"),  # a POST-only path
            await http.post("/api/v1/activities/1/ready", content=b"x" * (2 * MiB)),  # the credential first
            await http.post("/api/v1/activities/1/ready", json={}, headers={"authorization": "Basic eDp4"}),
        ]
    assert [a.status_code for a in answers] == [404, 405, 401, 401]
    for answer in answers:
        assert set(answer.json()) == {"code", "message"}, answer.json()
