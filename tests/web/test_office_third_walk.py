"""The office's pages as a third walk found them (each failed before its fix): the Standing Committee sees
who never reported in a campaign closed lately, and an office page's refusal keeps the office's header."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from campaign.facts import ActivityEvent, EventKind, campaign_record
from campaign.importer import import_plan
from campaign.tracker import Outcome
from harness.paths import SEED
from store.writes import record_campaign, record_campaign_end, record_event
from tests.office_env import office, signed_in

__all__ = ["office"]  # the fixture


def closed_campaign(office, directory, ended: datetime, missing: dict[int, list[str]]) -> str:
    cid = f"xong-{uuid.uuid4().hex[:6]}"
    with office.store.session() as session:
        record_campaign(session, campaign_record(cid, f"campaign/{cid}", import_plan(SEED, directory), directory,
                                                 ended - timedelta(days=40)))  # fmt: skip
        for no, codes in missing.items():
            record_event(session, ActivityEvent(
                key=f"campaign/{cid}/activity/{no}/event/1", kind=EventKind.CLOSED, campaign_id=cid, activity_no=no,
                workflow_id=f"campaign/{cid}/activity/{no}", actor="system", at=ended,
                outcomes={code: Outcome.MISSING for code in codes},
            ))  # fmt: skip
        record_campaign_end(session, cid, "CLOSED", ended)
    return cid


async def test_the_committee_sees_units_that_never_reported_in_a_campaign_closed_lately(office, directory) -> None:
    lately = closed_campaign(office, directory, datetime.now(UTC) - timedelta(days=3),
                             {7: ["bhxh", "ldld"], 1: ["so-vhtt"]})  # fmt: skip
    long_ago = closed_campaign(office, directory, datetime.now(UTC) - timedelta(days=90), {7: ["bhxh"]})
    answered = closed_campaign(office, directory, datetime.now(UTC) - timedelta(days=2), {})
    http, _ = await signed_in(office, "btv")
    page = await http.get("/committee")
    await http.aclose()
    assert page.status_code == 200
    closed = page.text.split('id="closed"', 1)[1]
    assert "đơn vị không báo cáo" in page.text.split('id="closed"', 1)[0][-200:] + closed[:200]
    assert f'data-campaign="{lately}"' in closed and "3 đơn vị không báo cáo" in closed
    assert long_ago not in page.text and answered not in page.text
    bhxh = re.search(r'<li data-unit="bhxh">(.*?)</li>', closed, re.S)
    assert bhxh and "Đoàn Bảo hiểm xã hội" in bhxh[1] and "hoạt động 7" in bhxh[1]


async def test_a_refused_office_page_keeps_the_offices_header(office) -> None:
    http, _ = await signed_in(office, "vp")
    accounts = await http.get("/accounts")  # administrators only
    await http.aclose()
    http, _ = await signed_in(office, "btv")
    directory_page = await http.get("/directory/new")  # the office only
    await http.aclose()
    for page in (accounts, directory_page):
        header = re.search(r"<header>(.*?)</header>", page.text, re.S)[1]  # type: ignore[index]
        assert page.status_code == 403 and "Văn phòng và Ban Thường vụ" in header, header
        assert "Cổng trả lời của đơn vị" not in page.text
