"""The people a plan names for an activity ("Phối hợp: thầy Minh (Văn phòng)") are shown where people
work on it: the unit's page and the office's activity page, from the campaign's record."""

from __future__ import annotations

import uuid

from harness.temporal import time_skipping_env
from store.users import add_user
from tests.office_env import PASSWORD, sign_in
from tests.portal_env import running_campaign

PLAN = """ĐOÀN KHỐI
Số: 14-KH/ĐTN
TP. Hồ Chí Minh, ngày 01 tháng 3 năm 2024

KẾ HOẠCH
Hoạt động tháng 3 năm 2024
(Từ ngày 01/3 đến ngày 31/3/2024)

I. NỘI DUNG
1. Hội thao cán bộ trẻ
- Thời gian: 16/3/2024
- Địa điểm: Nhà thi đấu Phú Thọ
- Phụ trách: Đoàn Bảo hiểm xã hội
- Phối hợp: thầy Minh (Văn phòng), chị Lan
2. Ngày Chủ nhật xanh
- Thời gian: 24/3/2024
- Phụ trách: Đoàn Khu Công nghệ cao
"""


async def test_the_plans_contact_persons_on_the_unit_and_activity_pages(directory, tmp_path) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    env = await time_skipping_env()
    try:
        async with running_campaign(env, directory, tmp_path, f"contacts-{uuid.uuid4().hex[:8]}", plan) as setup:
            async with setup.http() as http:
                page = (await http.get(f"/u/{setup.token('bhxh')}")).text
                other = (await http.get(f"/u/{setup.token('khu-cnc')}")).text
            assert "Hội thao cán bộ trẻ" in page
            assert "Người liên hệ: thầy Minh (Văn phòng), chị Lan" in page
            assert "Người liên hệ" not in other  # activity 2 names nobody
            with setup.store.session() as session:
                add_user(session, "vp", "office", PASSWORD)
            async with setup.http() as http:
                assert (await sign_in(http, "vp", PASSWORD)).status_code == 303
                details = (await http.get(f"/campaigns/{setup.campaign_id}/activities/1")).text
                plain = (await http.get(f"/campaigns/{setup.campaign_id}/activities/2")).text
            assert "Người liên hệ: thầy Minh (Văn phòng), chị Lan" in details
            assert "Người liên hệ" not in plain
    finally:
        await env.shutdown()
