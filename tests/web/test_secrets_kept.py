"""What never shows (issue 25): a link's token in the logs (only its id), the mail server's address in
an error; revoking the links of an unknown campaign writes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import structlog
from sqlalchemy import func, select

from access.links import expiry, mint
from harness.net import free_port
from harness.temporal import migrated_store
from store.database import Store
from store.schema import UnitLinkVersion
from store.users import add_user
from tests.doors_env import no_temporal
from tests.office_env import PASSWORD, sign_in
from tests.portal_env import PORTAL_URL, SECRET, portal_settings
from web.app import create_app


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
