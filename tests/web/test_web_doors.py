"""The web doors under attack (issue 25): the client address, sessions that end, bodies and the
credential, the codec's bounds, what is logged, sign-in limits, and the headers every answer carries.

Most tests run the app over a fresh store without Temporal (nothing here reaches a workflow); those
that need a unit's valid link use a running campaign.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import tracemalloc
import uuid
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import structlog
from sqlalchemy import func, select
from temporalio.api.common.v1 import Payload

from access.links import expiry, mint
from access.payloads import MAX_DECODED_BYTES, CampaignCodec, PayloadError, parse_keys
from harness.net import free_port
from harness.paths import ROOT
from harness.temporal import migrated_store, time_skipping_env
from harness.waiting import until_listening
from store.database import Store
from store.schema import OfficeSession, UnitLinkVersion
from store.users import SIGN_IN_REFUSED, add_user, disable, set_password
from tests.office_env import PASSWORD, sign_in
from tests.portal_env import PORTAL_URL, SECRET, portal_settings, running_campaign
from web.app import create_app

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch) -> None:
    """argon2 at its lightest: these tests sign in dozens of times; the hashing itself is argon2-cffi's."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("store.users.HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


async def no_temporal():
    raise AssertionError("this door should not reach Temporal")


class Doors:
    """The app over a fresh store, with the office's accounts vp (office), btv (committee) and cu (office)."""

    def __init__(self, folder: Path, **settings: object) -> None:
        self.store = migrated_store(f"sqlite:///{folder / f'doors-{uuid.uuid4().hex[:6]}.db'}")
        self.settings = portal_settings(folder, **settings)
        self.app = create_app(self.settings, self.store, no_temporal)
        with self.store.session() as session:
            for name, role in (("vp", "office"), ("btv", "committee"), ("cu", "office")):
                add_user(session, name, role, PASSWORD)

    def http(self, address: str = "203.0.113.7", base: str = PORTAL_URL) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url=base)


@pytest.fixture
def doors(tmp_path) -> Doors:
    return Doors(tmp_path)


def bad_link(n: int) -> str:
    return mint("another-secret-Vn4Kx8Qz2Lm6Tr1Wy5", "c", f"u{n}", 1, expiry(datetime.now(UTC), 30))


# --- 1. the client address -----------------------------------------------------------------------


async def test_a_claimed_forwarded_address_or_identity_is_not_believed(tmp_path) -> None:
    doors = Doors(tmp_path, portal_trusted_proxy="10.9.9.9", portal_proxy_roles="sso-lan=office")
    claimed = {"X-Forwarded-For": "10.9.9.9", "X-Remote-User": "sso-lan"}
    async with doors.http(address="127.0.0.1") as http:
        new_campaign = await http.get("/campaigns/new", headers=claimed)
        excuse = await http.post("/campaigns/c/activities/1/excuse", data={"unit": "x", "reason": "y"}, headers=claimed)
        # a new claimed address for every guess: still one address, the socket's
        guesses = [
            (await http.get(f"/u/{bad_link(n)}", headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
            for n in range(21)
        ]
    async with doors.http(address="10.9.9.9") as proxy:
        through_proxy = await proxy.get("/campaigns/new", headers={"X-Remote-User": "sso-lan"})
    assert new_campaign.status_code == 401 and excuse.status_code == 401
    assert guesses[:20] == [403] * 20 and guesses[20] == 429
    assert through_proxy.status_code == 200  # the real proxy is still believed


async def test_behind_a_proxy_on_the_same_host_each_forwarded_client_counts(tmp_path) -> None:
    doors = Doors(tmp_path, portal_trusted_proxy="127.0.0.1,10.0.0.0/24", portal_proxy_roles="lan=committee")
    async with doors.http(address="127.0.0.1") as proxy:
        sso = await proxy.get("/campaigns", headers={"X-Forwarded-For": "192.0.2.10", "X-Remote-User": "lan"})
        two_hops = {"X-Forwarded-For": "192.0.2.20, 10.0.0.7"}  # a client, then a trusted inner proxy
        first = [(await proxy.get(f"/u/{bad_link(n)}", headers=two_hops)).status_code for n in range(21)]
        other = await proxy.get(f"/u/{bad_link(99)}", headers={"X-Forwarded-For": "192.0.2.30"})
    assert sso.status_code == 200 and "lan" in sso.text
    assert first[20] == 429  # the client behind both proxies waits …
    assert other.status_code == 403  # … and another client of the same proxy does not


async def test_serve_runs_uvicorn_without_its_own_proxy_header_rewriting(tmp_path) -> None:
    """Over real HTTP with the settings `serve` gives uvicorn: X-Forwarded-For from 127.0.0.1 changes nothing."""
    import uvicorn

    from web.server import server_config

    doors = Doors(tmp_path)
    port = free_port()
    server = uvicorn.Server(server_config(doors.app, "127.0.0.1", port, doors.settings))
    serving = asyncio.create_task(server.serve())
    await until_listening(server, serving)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            guesses = [
                (await http.get(f"/u/{bad_link(n)}", headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
                for n in range(21)
            ]
    finally:
        server.should_exit = True
        await serving
    assert guesses[20] == 429


def test_a_trusted_proxy_must_be_an_address_or_a_network(tmp_path) -> None:
    with pytest.raises(ValueError, match="không phải địa chỉ IP"):
        portal_settings(tmp_path, portal_trusted_proxy="proxy.example")


# --- 2. sessions end -----------------------------------------------------------------------------


async def test_signing_out_and_a_new_password_end_sessions(doors) -> None:
    phone, desk = doors.http(), doors.http()
    for browser in (phone, desk):
        assert (await sign_in(browser, "vp", PASSWORD)).status_code == 303
    phone_cookie, desk_cookie = phone.cookies["doan_session"], desk.cookies["doan_session"]
    page = await phone.get("/campaigns")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    assert (await phone.post("/logout", data={"csrf": csrf})).status_code == 303

    async def replay(cookie: str) -> int:
        async with doors.http() as replayer:
            replayer.cookies.set("doan_session", cookie)
            return (await replayer.get("/campaigns")).status_code

    after_sign_out = [await replay(phone_cookie), await replay(desk_cookie)]
    with doors.store.session() as session:
        set_password(session, "vp", "mat-khau-moi-hoan-toan")  # what `users set-password` does
    after_new_password = await replay(desk_cookie)
    assert (await sign_in(desk, "vp", "mat-khau-moi-hoan-toan")).status_code == 303
    after_signing_in_again = (await desk.get("/campaigns")).status_code
    with doors.store.session() as session:
        disable(session, "vp")
        left = session.scalar(select(func.count()).select_from(OfficeSession))
    for browser in (phone, desk):
        await browser.aclose()
    assert after_sign_out == [401, 200]  # the signed-out browser's cookie is dead; the other one lives
    assert after_new_password == 401 and after_signing_in_again == 200
    assert left == 0  # disabling ends every session


async def test_a_session_cookie_is_only_a_random_token(doors) -> None:
    async with doors.http() as http:
        await sign_in(http, "vp", PASSWORD)
        cookie = http.cookies["doan_session"]
    with doors.store.session() as session:
        stored = session.scalars(select(OfficeSession.token_hash)).all()
    carried = json.loads(base64.urlsafe_b64decode(cookie.split(".")[0] + "=="))
    assert list(carried) == ["sid"] and "vp" not in carried.values()  # a random token can hold the letters "vp"
    assert len(stored) == 1 and stored[0] not in cookie  # the store keeps a hash only


# --- 3. the credential before the body; bodies capped while they stream ----------------------------


class Body:
    """A streamed (chunked) request body of `total` bytes in 1 MiB pieces, counting what the app pulled."""

    def __init__(self, total: int, head: bytes = b"", tail: bytes = b"") -> None:
        self.total, self.head, self.tail, self.pulled = total, head, tail, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.head
        for _ in range(self.total // MiB):
            self.pulled += 1
            yield b"x" * MiB
        yield self.tail


@pytest_asyncio.fixture(loop_scope="session")
async def portal(directory, tmp_path):
    env = await time_skipping_env()
    try:
        async with running_campaign(env, directory, tmp_path, f"doors-{uuid.uuid4().hex[:8]}") as setup:
            yield setup
    finally:
        await env.shutdown()


async def test_the_credential_is_checked_before_any_body_is_read(portal) -> None:
    good = portal.token("so-vhtt")
    boundary = "b0undary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n").encode()  # fmt: skip
    multipart = {"content-type": f"multipart/form-data; boundary={boundary}"}
    tail = f"\r\n--{boundary}--\r\n".encode()
    refused = {
        "api, no credential": ("/api/v1/activities/1/report", {"content-type": "application/json"}, 401),
        "api, forged": ("/api/v1/activities/1/report", {"authorization": f"Bearer {bad_link(1)}"}, 403),
        "form, garbage link": ("/u/not-a-token/report/1", multipart, 404),
        "office, nobody signed in": ("/campaigns/new", multipart, 401),
    }
    answers = {}
    async with portal.http(address="198.51.100.77") as http:
        for name, (path, headers, _) in refused.items():
            body = Body(150 * MiB, head, tail)
            answer = await http.post(path, content=body, headers=headers)  # type: ignore[arg-type]
            answers[name] = (answer.status_code, body.pulled, answer.headers["content-type"])
        api_body = Body(150 * MiB)
        as_json = {"authorization": f"Bearer {good}", "content-type": "application/json"}
        api = await http.post("/api/v1/activities/1/report", content=api_body, headers=as_json)  # type: ignore[arg-type]
        tracemalloc.start()
        form_body = Body(150 * MiB, head, tail)
        form = await http.post(f"/u/{good}/report/1", content=form_body, headers=multipart)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        codec_body = Body(150 * MiB)  # without PAYLOAD_KEYS the codec is open (decompression only), capped at 8 MB
        codec = await http.post("/codec/decode", content=codec_body)  # type: ignore[arg-type]
        huge = {"content-length": str(200 * MiB)}
        declared = await http.post(f"/u/{bad_link(2)}/report/1", content=b"x", headers=huge)
    for name, (_, _, status) in refused.items():
        assert answers[name][:2] == (status, 0), name  # not one byte read
    assert answers["form, garbage link"][2].startswith("text/html")
    assert codec.status_code == 413 and codec_body.pulled <= 9
    assert api.status_code == 413 and api.json()["code"] == "too_large" and api_body.pulled <= 2
    assert form.status_code == 413 and "quá lớn" in form.text and form_body.pulled <= 102
    assert peak < 32 * MiB, f"{peak / MiB:.0f} MiB held while refusing a 150 MiB upload"
    assert declared.status_code == 403  # a bad link answers as one, whatever the body claims to be


async def test_a_body_declared_too_large_is_refused_with_the_security_headers(doors) -> None:
    async with doors.http() as http:
        await sign_in(http, "vp", PASSWORD)
        answer = await http.post("/campaigns/new", content=b"x", headers={"content-length": str(200 * MiB)})
    assert answer.status_code == 413 and "quá lớn" in answer.text
    assert (
        answer.headers["x-content-type-options"] == "nosniff"
        and "frame-ancestors" in answer.headers["content-security-policy"]
    )


# --- 4. the codec's bounds -----------------------------------------------------------------------


def zlib_payload(data: bytes) -> Payload:
    inner = Payload(metadata={"encoding": b"json/plain"}, data=data)
    return Payload(metadata={"encoding": b"binary/zlib"}, data=zlib.compress(inner.SerializeToString(), 9))


async def test_the_codec_bounds_what_it_inflates_and_names_a_bad_payload() -> None:
    codec = CampaignCodec()
    fine = zlib_payload(b'"a"' * 1000)
    bomb = zlib_payload(b"0" * (MAX_DECODED_BYTES + MiB))
    tracemalloc.start()
    with pytest.raises(PayloadError, match="dữ liệu thứ 2: giải nén vượt quá 32 MB"):
        await codec.decode([fine, bomb])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * MiB  # measured before it is inflated: a bomb costs nothing, whether 33 MB or 3 GB
    many = [zlib_payload(b"0" * (MAX_DECODED_BYTES // 4)) for _ in range(5)]  # the bound is per call
    with pytest.raises(PayloadError, match="dữ liệu thứ 4"):
        await codec.decode(many)
    broken = Payload(metadata={"encoding": b"binary/zlib"}, data=b"not zlib at all")
    with pytest.raises(PayloadError, match="dữ liệu thứ 1: dữ liệu nén hoặc cấu trúc bị hỏng"):
        await codec.decode([broken])
    key = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    sealing = CampaignCodec(parse_keys(key))
    [sealed] = await sealing.encode([fine])
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(PayloadError, match="sai khóa hoặc dữ liệu đã bị sửa"):
        await sealing.decode([tampered])
    assert (await sealing.decode([sealed]))[0] == Payload(metadata={"encoding": b"json/plain"}, data=b'"a"' * 1000)


async def test_the_codec_endpoint_answers_a_bad_payload_400(tmp_path) -> None:
    from google.protobuf import json_format
    from temporalio.api.common.v1 import Payloads

    key = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    doors = Doors(tmp_path, payload_keys=key)
    [sealed] = await CampaignCodec(parse_keys(key)).encode([Payload(metadata={"encoding": b"json/plain"}, data=b"1")])
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))

    def body(*payloads: Payload) -> str:
        return json_format.MessageToJson(Payloads(payloads=list(payloads)))

    async with doors.http() as http:
        await sign_in(http, "btv", PASSWORD)
        answers = [
            await http.post("/codec/decode", content=body(zlib_payload(b"0" * (MAX_DECODED_BYTES + MiB)))),
            await http.post("/codec/decode", content=body(tampered)),
            await http.post("/codec/decode", content=body(Payload(metadata={"encoding": b"binary/zlib"}, data=b"?"))),
            await http.post("/codec/decode", content=b"{not json"),
            await http.post("/codec/decode", content=body(sealed)),
        ]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 200]
    assert [a.json()["code"] for a in answers[:4]] == ["bad_payload"] * 3 + ["invalid"]
    assert "dữ liệu thứ 1" in answers[0].json()["message"]


# --- 8. no token in the logs ---------------------------------------------------------------------


async def test_a_link_token_is_never_logged_only_its_id(tmp_path) -> None:
    settings = portal_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'away.db'}")
    app = create_app(settings, Store(settings.database, ready=False), no_temporal)  # the records are away
    token = mint(SECRET, "chien-dich", "bhxh", 1, expiry(datetime.now(UTC), 30))
    with structlog.testing.capture_logs() as logs:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PORTAL_URL) as http:
            answer = await http.get(f"/u/{token}")
            await http.post(f"/u/{token}/ready/1", data={"note": "x"})
    from access.links import read

    assert answer.status_code == 503
    lines = [entry for entry in logs if entry.get("event") == "records unavailable"]
    assert lines and all(token not in str(entry) for entry in logs)
    assert lines[0]["path"] == f"/u/<{read(SECRET, token).token_id}>"
    assert lines[-1]["path"].endswith("/ready/1")


# --- 9. sign-in limits ---------------------------------------------------------------------------


async def test_nobody_can_lock_another_persons_account_and_every_failure_reads_the_same(doors) -> None:
    with doors.store.session() as session:
        disable(session, "cu")
    async with doors.http(address="192.0.2.1") as attacker, doors.http(address="192.0.2.2") as owner:
        wrong = [await sign_in(attacker, "vp", "sai-roi-nhe") for _ in range(5)]
        waiting = await sign_in(attacker, "vp", PASSWORD)  # the right password waits out the back-off there
        elsewhere = await sign_in(owner, "vp", PASSWORD)  # … and nowhere else
        unknown = await sign_in(owner, "khong-co-ai", PASSWORD)
        disabled = await sign_in(owner, "cu", PASSWORD)
    refusals = [*wrong, waiting, unknown, disabled]
    assert [r.status_code for r in refusals] == [401] * 8 and elsewhere.status_code == 303
    sentences = {re.search(r'class="error"[^>]*>([^<]+)<', r.text)[1] for r in refusals}  # type: ignore[index]
    assert sentences == {SIGN_IN_REFUSED}
    assert all("doan_session" not in r.headers.get("set-cookie", "") for r in refusals)


async def test_one_address_trying_many_names_is_slowed(doors) -> None:
    assert str(doors.app.state.gate.limits.PER_ADDRESS) == "30 per 10 minute"
    async with doors.http(address="192.0.2.9") as sprayer, doors.http(address="192.0.2.10") as owner:
        spray = [(await sign_in(sprayer, f"ten-{n}", "mat-khau-doan-bua")).status_code for n in range(31)]
        own = await sign_in(sprayer, "vp", PASSWORD)
        other = await sign_in(owner, "vp", PASSWORD)
    assert spray[:30] == [401] * 30 and spray[30] == 429
    assert own.status_code == 429 and SIGN_IN_REFUSED in own.text.replace("&#34;", '"')
    assert other.status_code == 303


# --- 10. headers, hosts, redirects, error shapes -------------------------------------------------


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


async def test_a_form_field_over_1_mb_is_answered_in_vietnamese_html(doors) -> None:
    async with doors.http() as http:
        await sign_in(http, "btv", PASSWORD)
        answer = await http.post(
            "/campaigns/c/activities/1/excuse", files={"reason": (None, "Lý do " * 300_000), "unit": (None, "x")}
        )
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    assert "dài quá 1 MB" in answer.text


def test_revoking_the_links_of_an_unknown_campaign_or_unit_writes_nothing(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from settings import get_settings
    from starter import app

    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = migrated_store(url)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["units", "revoke-links", "--campaign", "khong-co", "--unit", "bhxh"])
    finally:
        get_settings.cache_clear()
    with store.session() as session:
        rows = session.scalar(select(func.count()).select_from(UnitLinkVersion))
    assert result.exit_code == 1 and "chiến dịch khong-co" in result.output and rows == 0


async def test_the_resend_error_does_not_name_the_mail_server(portal) -> None:
    port = free_port()  # nothing listens there
    portal.settings.smtp_host, portal.settings.smtp_port = "127.0.0.1", port
    with portal.store.session() as session:
        add_user(session, "vp", "office", PASSWORD)
    async with portal.http() as http:
        await sign_in(http, "vp", PASSWORD)
        page = await http.get("/campaigns")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
        answer = await http.post(f"/campaigns/{portal.campaign_id}/units/so-vhtt/resend", data={"csrf": csrf})
    assert answer.status_code == 503 and "máy chủ thư chưa nhận thư" in answer.text
    assert str(port) not in answer.text and "127.0.0.1" not in answer.text
