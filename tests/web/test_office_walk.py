"""The office's pages as a second new-user walk found them (each failed before its fix): a campaign just
started shows its activities as starting, not cancelled; a report's details keep its line breaks, name its
files as the unit did (thumbnails for photos, downloads by that name) and show the readiness note."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from campaign.facts import campaign_record
from campaign.importer import import_plan
from harness.paths import SEED
from harness.waiting import until
from store.schema import UnitReport
from store.writes import record_campaign
from tests.office_env import PASSWORD, office, signed_in, unit_state
from web.campaign_grid import STARTING

__all__ = ["office"]  # the fixture
PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 64


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]


async def test_a_campaign_whose_activities_have_not_answered_yet_shows_them_starting(office, directory) -> None:
    cid = f"moi-{uuid.uuid4().hex[:6]}"
    with office.store.session() as session:  # recorded at its start; its activities' workflows not yet there
        record_campaign(session, campaign_record(cid, f"campaign/{cid}", import_plan(SEED, directory), directory,
                                                 datetime.now(UTC)))  # fmt: skip
    http, _ = await signed_in(office, "btv")
    grid = await http.get(f"/campaigns/{cid}/grid")
    unit_page = await http.get(f"/campaigns/{cid}/units/bhxh")
    await http.aclose()
    kinds = re.findall(r'data-kind="([a-z_]+)"', grid.text)
    assert grid.status_code == 200 and kinds and set(kinds) <= {"waiting", "none"}
    assert "hoạt động đã hủy" not in grid.text and STARTING.words in grid.text
    assert unit_page.status_code == 200 and STARTING.words in unit_page.text and "đã hủy" not in unit_page.text


async def test_report_details_keep_line_breaks_name_files_and_show_the_readiness_note(office) -> None:
    cid, token = office.campaign_id, office.token("bhxh")
    summary = "Hiến 42 đơn vị máu.\r\nTư vấn sức khỏe <b>miễn phí</b>."
    async with office.http() as http:
        csrf = csrf_of((await http.get(f"/u/{token}")).text)
        ready = await http.post(f"/u/{token}/ready/2", data={"csrf": csrf, "note": "Đã chuẩn bị 20 áo & cờ"})
        office_http, _ = await signed_in(office, "btv")
        waiting = (await office_http.get(f"/campaigns/{cid}/activities/2")).text
        await office_http.aclose()
        await office.after_event(2)
        report = await http.post(f"/u/{token}/report/2",
                                 data={"csrf": csrf, "summary": summary, "participants": "42",
                                       "request_id": uuid.uuid4().hex},
                                 files=[("files", ("ảnh hiến máu.png", PNG, "image/png"))])  # fmt: skip
    assert ready.status_code == 200 and report.status_code == 200, report.text
    waiting_row = waiting.split('id="r-bhxh"')[1].split("</tr>")[0]
    assert waiting_row.count("đã sẵn sàng") == 1 and "Đã chuẩn bị 20 áo &amp; cờ" in waiting_row  # said once

    def stored() -> bool:  # the store records the report a moment after the activity takes it
        with office.store.session() as session:
            return session.scalars(select(UnitReport).where(UnitReport.campaign_id == cid)).first() is not None

    await until(stored, seconds=10)
    http, _ = await signed_in(office, "btv")
    details = (await http.get(f"/campaigns/{cid}/activities/2")).text
    unit_page = (await http.get(f"/campaigns/{cid}/units/bhxh")).text
    photo = re.findall(rf'src="(/campaigns/{cid}/evidence/[0-9a-f]{{64}}\.png)"', details)
    download = await http.get(photo[0]) if photo else None
    await http.aclose()
    row = details.split('id="r-bhxh"')[1].split("</tr>")[0]
    written = "Hiến 42 đơn vị máu.\nTư vấn sức khỏe &lt;b&gt;miễn phí&lt;/b&gt;."
    assert f'<div class="summary">{written}</div>' in row and "white-space: pre-line" in details
    assert "Minh chứng: ảnh hiến máu.png" in row and len(photo) == 1 and 'class="thumb"' in row
    assert download is not None and download.content == PNG
    assert "filename*=utf-8''%E1%BA%A3nh%20hi%E1%BA%BFn%20m%C3%A1u.png" in download.headers["content-disposition"]
    assert "Đã chuẩn bị 20 áo &amp; cờ" in row and row.count("đã sẵn sàng") <= 1
    assert written in unit_page and "Đã chuẩn bị 20 áo &amp; cờ" in unit_page and "ảnh hiến máu.png" in unit_page
    assert f'src="{photo[0]}"' in unit_page


async def sign_in_to(http, wanted: str):
    """The sign-in form opened with ?next=…, sent with the next it carries (or the given one, forged)."""
    form = await http.get("/login", params={"next": wanted})
    carried = re.search(r'name="next" value="([^"]*)"', form.text)
    data = {"name": "vp", "password": PASSWORD, "csrf": csrf_of(form.text), "next": carried[1] if carried else wanted}
    return form, await http.post("/login", data=data)


async def test_signing_in_returns_to_the_page_asked_for_and_never_to_another_site(office) -> None:
    async with office.http() as http:
        refused = await http.get("/committee", params={"overdue": "1"})
        form, signed = await sign_in_to(http, "/committee?overdue=1")
    assert refused.status_code == 401 and 'href="/login?next=%2Fcommittee%3Foverdue%3D1"' in refused.text
    assert 'name="next" value="/committee?overdue=1"' in form.text
    assert signed.status_code == 303 and signed.headers["location"] == "/committee?overdue=1"
    for forged in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
                   "/login", "/\tx", "evil.example"):  # fmt: skip
        async with office.http() as http:
            form, signed = await sign_in_to(http, forged)
        assert 'name="next"' not in form.text, forged
        assert signed.status_code == 303 and signed.headers["location"] == "/campaigns", forged


async def test_a_report_entered_for_a_unit_carries_its_evidence_links(office) -> None:
    cid = office.campaign_id
    http, csrf = await signed_in(office, "vp")
    await office.after_event(1)
    form = (await http.get(f"/campaigns/{cid}/activities/1")).text
    paper = {
        "csrf": csrf,
        "unit": "so-vhtt",
        "channel": "email",
        "participants": "60",
        "submitted_by": "Trần Văn C",
        "summary": "Ra quân 60 đoàn viên",
        "evidence": "drive.google.com/bien-ban\r\n\r\nhttps://example.org/anh",
    }
    entered = await http.post(f"/campaigns/{cid}/activities/1/report", data=paper)
    await http.aclose()
    unit, _ = await unit_state(office, 1, "so-vhtt")
    assert 'name="evidence"' in form.split('id="on-behalf"')[1].split("</form>")[0]
    assert 'placeholder="dd/mm/yyyy"' in form and "ví dụ 05/03/2024" not in form  # a neutral hint, not a past day
    assert entered.status_code == 200, entered.text
    assert unit["report"]["evidence"] == ["https://drive.google.com/bien-ban", "https://example.org/anh"]
