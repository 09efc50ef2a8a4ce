"""Messages only the campaign's own workflows may send: an activity's summary to its campaign, and a
campaign-wide cancel to an activity. A stranger at the Temporal frontend who sends them changes
nothing; the genuine ones still work, and the cancel is in the audit trail with its reason."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from harness.temporal import time_skipping_env
from harness.waiting import eventually
from store.schema import AuditEntry
from tests.portal_env import running_campaign
from workflows.ids import activity_workflow_id, campaign_workflow_id


async def test_forged_summaries_and_cancels_change_nothing(directory, tmp_path) -> None:
    env = await time_skipping_env()
    try:
        cid = f"forged-{uuid.uuid4().hex[:6]}"
        async with running_campaign(env, directory, tmp_path, cid) as setup:
            campaign = env.client.get_workflow_handle(campaign_workflow_id(cid))
            first = env.client.get_workflow_handle(activity_workflow_id(cid, 1))
            forged = {"no": 2, "title": "GIẢ MẠO", "phase": "CLOSED", "pending": [], "overdue": [],
                      "escalation_level": 0, "reported": 99, "ready": 99, "units": 99}  # fmt: skip
            await campaign.signal("activity_changed", forged)
            await campaign.signal("activity_changed", {**forged, "token": "doan-mo"})
            await first.signal("cancel_from_campaign", {"reason": "giả mạo"})
            await first.signal("cancel_from_campaign", {"reason": "giả mạo", "token": "doan-mo"})
            await first.signal("cancel_from_campaign", "không phải thông điệp")
            # A genuine update after the forged signals is applied after them: had a forged cancel taken,
            # the activity would refuse it as ended.
            said = await first.execute_update("confirm_ready", {"unit": "so-vhtt", "via": "portal"})
            assert "đã kết thúc" not in said and "hủy" not in said, said
            # Had a forged summary marked activity 2 closed, the campaign's cancel would pass it by.
            answer = await campaign.execute_update("cancel", {"reason": "Dịch bệnh", "via": "lan (office)"})
            assert "Đã hủy" in answer

            async def phases() -> list[str]:
                handles = [env.client.get_workflow_handle(activity_workflow_id(cid, no)) for no in (1, 2, 3)]
                return [(await h.query("status"))["phase"] for h in handles]

            assert await eventually(phases, lambda p: p == ["CANCELLED"] * 3, seconds=10) == ["CANCELLED"] * 3
            overview = await campaign.query("overview")
            second = next(a for a in overview["activities"] if a["no"] == 2)
            assert second["title"] != "GIẢ MẠO" and second["reported"] == 0

            def cancels() -> list:
                with setup.store.session() as session:
                    return list(session.execute(select(AuditEntry.activity_no, AuditEntry.actor, AuditEntry.detail)
                                                .where(AuditEntry.campaign_id == cid,
                                                       AuditEntry.action == "cancel")))  # fmt: skip

            rows = await eventually(cancels, lambda r: len(r) == 3, seconds=10)
            assert sorted(no for no, _, _ in rows) == [1, 2, 3]
            assert all(actor == "lan (office)" and detail["reason"] == "Dịch bệnh" for _, actor, detail in rows)
    finally:
        await env.shutdown()


async def test_a_message_without_a_door_is_recorded_as_the_frontends_not_as_its_claimed_author(
    directory, tmp_path
) -> None:
    """`submitted_by` is what a report says; who sent it is the door that carried it, or the frontend."""
    from workflows.checked import FRONTEND

    env = await time_skipping_env()
    try:
        cid = f"claimed-{uuid.uuid4().hex[:6]}"
        async with running_campaign(env, directory, tmp_path, cid) as setup:
            await setup.after_event(1)
            first = env.client.get_workflow_handle(activity_workflow_id(cid, 1))
            report = {"unit": "so-vhtt", "summary": "Ra quân", "participants": 5, "submitted_by": "Bí thư Đoàn Khối"}
            await first.execute_update("submit_report", report)

            def actors() -> list[str]:
                with setup.store.session() as session:
                    return list(session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "report")))

            assert await eventually(actors, bool, seconds=10) == [FRONTEND]
    finally:
        await env.shutdown()
