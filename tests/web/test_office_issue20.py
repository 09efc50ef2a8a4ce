"""What the office and the Standing Committee hit in issue 20 (items 7–13), through the ASGI app against the
time-skipping server: a past plan recorded as done, a whole campaign cancelled, a paper report entered on a
unit's behalf, every unit's link at once, forms that offer only what applies, Vietnamese words and names,
the Committee's escalations page and a readable digest, dd/mm/yyyy dates."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from harness.inbox import MailServer
from harness.plan_documents import write_docx
from harness.waiting import eventually
from store.schema import AuditEntry, Campaign, Notification
from tests.office_env import office, signed_in, unit_state
from tests.portal_env import PLAN
from tests.web.test_office_editor import follow, send

__all__ = ["office"]  # the fixture


async def upload(http, csrf: str, name: str, data: bytes) -> tuple[str, str]:
    """The editor the upload lands in: its page and its address."""
    editor = await follow(http, await http.post("/campaigns/new", data={"csrf": csrf},
                                                files={"plan": (name, data, "text/plain")}))  # fmt: skip
    return editor.text, str(editor.url.path)


async def test_a_past_plan_recorded_as_done_sends_nothing_and_reads_closed(office) -> None:
    http, csrf = await signed_in(office, "vp")
    preview, where = await upload(http, csrf, "ke-hoach.txt", PLAN.read_bytes())
    cid = f"done-{uuid.uuid4().hex[:6]}"
    recorded = await send(http, where, preview, "start", campaign_id=cid, timing="recorded")
    again = await send(http, where, preview, "start", campaign_id=cid, timing="recorded")
    page = await http.get(f"/campaigns/{cid}")
    activity = await http.get(f"/campaigns/{cid}/activities/1")
    listing = await http.get("/campaigns")
    await http.aclose()
    assert "Ghi nhận là đã thực hiện" in preview and "Khởi động với lịch dời đến hôm nay" in preview
    assert "Tốc độ" not in preview and 'name="rebase"' not in preview
    assert recorded.status_code == 303 and again.status_code == 422 and "Đã có chiến dịch mã" in again.text
    with office.store.session() as session:
        assert session.get(Campaign, cid).status == "RECORDED"  # type: ignore[union-attr]
        assert not session.scalars(select(Notification).where(Notification.campaign_id == cid)).all()
    handle = office.env.client.get_workflow_handle(f"campaign/{cid}")
    try:
        await handle.describe()
        started = True
    except Exception:
        started = False
    assert not started  # no workflow, hence no notice
    assert page.status_code == 200 and 'data-unit="bhxh" data-kind="closed"' in page.text
    assert 'id="excuse"' not in page.text and 'id="cancel-campaign"' not in page.text and 'id="closed"' in page.text
    assert activity.status_code == 200 and "chỉ xem" in activity.text and 'id="extend"' not in activity.text
    assert "ghi nhận đã thực hiện" in listing.text and "RUNNING" not in listing.text and "RECORDED" not in listing.text


async def test_a_word_plans_findings_cite_the_table_row_not_a_line(office, tmp_path) -> None:
    word = write_docx(tmp_path / "ke-hoach.docx", [
        ["1", "Ra quân Tháng Thanh niên", "05/3/2024", "Nhà Văn hóa Thanh niên", "Đoàn Sở VHTT phụ trách"],
        ["2", "Hiến máu tình nguyện", "16/3/2024", "Bệnh viện Truyền máu", "Đoàn Phường Không Có phụ trách"],
    ])  # fmt: skip
    http, csrf = await signed_in(office, "vp")
    preview, _ = await upload(http, csrf, "ke-hoach.docx", word.read_bytes())
    await http.aclose()
    findings = re.search(r'id="findings">(.*?)</div>', preview, re.S)[1]  # type: ignore[index]
    assert re.search(r"bảng \d+, hàng \d+", findings) and "Hiến máu tình nguyện" in findings
    assert "dòng " not in findings and "[unknown_party]" not in findings and "[" not in findings


async def test_the_office_cancels_a_campaign_and_enters_a_paper_report(office) -> None:
    cid = office.campaign_id
    http, csrf = await signed_in(office, "vp")
    await office.after_event(1)
    paper = {"csrf": csrf, "unit": "so-vhtt", "channel": "paper", "participants": "80",
             "summary": "Ra quân 80 đoàn viên\r\nDọn 2 tuyến đường", "submitted_by": "Nguyễn Thị Hoa"}  # fmt: skip
    decimal = await http.post(f"/campaigns/{cid}/activities/1/report", data={**paper, "participants": "2,5"})
    entered = await http.post(f"/campaigns/{cid}/activities/1/report", data=paper)
    committee, committee_csrf = await signed_in(office, "btv")
    refused = [
        (await committee.post(f"/campaigns/{cid}/activities/1/report", data={**paper, "csrf": committee_csrf})),
        (await committee.post(f"/campaigns/{cid}/cancel",
                              data={"csrf": committee_csrf, "reason": "x", "confirm": "yes"})),
    ]  # fmt: skip
    unconfirmed = await http.post(f"/campaigns/{cid}/cancel", data={"csrf": csrf, "reason": "Sáp nhập"})
    page = await http.get(f"/campaigns/{cid}")
    cancelled = await http.post(f"/campaigns/{cid}/cancel", data={"csrf": csrf, "reason": "Sáp nhập", "confirm": "yes"})
    for client in (http, committee):
        await client.aclose()
    assert decimal.status_code == 422 and "Số người tham gia" in decimal.text
    assert entered.status_code == 200, entered.text
    unit, _ = await unit_state(office, 1, "so-vhtt")
    assert (
        unit["report"]["summary"] == "Ra quân 80 đoàn viên\nDọn 2 tuyến đường" and unit["report"]["participants"] == 80
    )
    assert [r.status_code for r in refused] == [403, 403] and unconfirmed.status_code == 422
    assert (
        'id="cancel-campaign"' in page.text and cancelled.status_code == 200 and "Đã hủy chiến dịch" in cancelled.text
    )

    def audit() -> dict[str, str]:
        with office.store.session() as session:
            return dict(session.execute(select(AuditEntry.action, AuditEntry.actor)).all())

    actors = await eventually(audit, lambda found: "report" in found and "cancel" in found)
    assert actors["report"] == "vp (office), nhận bản giấy" and actors["cancel"] == "vp (office)"
    _, phase = await unit_state(office, 3, "khu-cnc")
    assert phase == "CANCELLED"
    http, _ = await signed_in(office, "vp")
    grid = await http.get(f"/campaigns/{cid}")
    await http.aclose()
    assert 'data-activity="3" data-unit="khu-cnc" data-kind="closed"' in grid.text  # not "…" waiting
    assert 'id="excuse"' not in grid.text  # the campaign is over: no action forms


async def test_every_units_link_at_once(office) -> None:
    cid = office.campaign_id
    smtp = MailServer()
    smtp.open()
    office.settings.smtp_host, office.settings.smtp_port = "127.0.0.1", smtp.port
    try:
        http, csrf = await signed_in(office, "vp")
        page = await http.get(f"/campaigns/{cid}/links")
        sheet = await http.get(f"/campaigns/{cid}/links.csv")
        sent = await http.post(f"/campaigns/{cid}/links/resend", data={"csrf": csrf, "confirm": "yes"})
        committee, _ = await signed_in(office, "btv")
        refused = [(await committee.get(f"/campaigns/{cid}/links")).status_code,
                   (await committee.get(f"/campaigns/{cid}/links.csv")).status_code]  # fmt: skip
        smtp.close()
        down = await http.post(f"/campaigns/{cid}/units/bhxh/resend", data={"csrf": csrf})
        for client in (http, committee):
            await client.aclose()
    finally:
        smtp.close()
    assert page.status_code == 200 and "Đoàn Bảo hiểm xã hội" in page.text and page.text.count("/u/") == 3
    assert sheet.text.startswith("\ufeffĐơn vị,Mã đơn vị,E-mail,Liên kết cá nhân")
    assert sent.status_code == 200 and "3/3 đơn vị" in sent.text and len(smtp.inbox.messages) == 3
    assert refused == [403, 403]
    assert down.status_code == 503 and "Errno" not in down.text and "máy chủ thư chưa nhận thư" in down.text


async def test_forms_offer_only_what_applies_and_speak_vietnamese(office) -> None:
    cid = office.campaign_id
    http, _ = await signed_in(office, "vp")
    page = await http.get(f"/campaigns/{cid}")
    activity = await http.get(f"/campaigns/{cid}/activities/2")
    extend = await http.post(f"/campaigns/{cid}/activities/3/extend",
                             data={"csrf": re.search(r'name="csrf" value="([^"]+)"', page.text)[1],  # type: ignore[index]
                                   "unit": "khu-cnc", "due": "10/04/2024", "reason": "Mưa lớn"})  # fmt: skip
    await http.aclose()
    committee, _ = await signed_in(office, "btv")
    listing = await committee.get("/campaigns")
    await committee.aclose()
    excuse = re.search(r'id="excuse-unit"[^>]*>(.*?)</select>', page.text, re.S)[1]  # type: ignore[index]
    assert 'value="bhxh" data-in="2"' in excuse and 'value="so-vhtt" data-in="1"' in excuse
    assign = re.search(r'id="assign-unit"[^>]*>(.*?)</select>', activity.text, re.S)[1]  # type: ignore[index]
    assert 'value="bhxh"' not in assign  # already in activity 2
    assert "Đơn vị trong chiến dịch" in assign and 'value="so-vhtt"' in assign
    assert 'type="date"' not in page.text and "ngày/tháng/năm" in page.text
    assert extend.status_code == 200 and "10/04/2024" in extend.text
    assert ">Đoàn Bảo hiểm xã hội</a></th>" in page.text  # units by name in the grid's header
    assert "RUNNING" not in page.text and "đang chạy" in page.text
    assert "Khởi động chiến dịch" not in listing.text  # the Committee may not start one


async def test_the_committee_sees_every_escalated_unit_and_acts_from_its_phone_page(office) -> None:
    cid = office.campaign_id
    await office.after_event(2)  # activity 1's report was due 08/03: so-vhtt is escalated by now
    http, csrf = await signed_in(office, "btv")
    page = await http.get("/committee")
    card = re.search(r'data-unit="so-vhtt" data-activity="1">(.*?)</div>', page.text, re.S)[1]  # type: ignore[index]
    excused = await http.post(f"/campaigns/{cid}/activities/1/excuse",
                              data={"csrf": csrf, "unit": "so-vhtt", "reason": "Ban Thường vụ đồng ý"})  # fmt: skip
    after = await http.get("/committee")
    await http.aclose()
    anonymous = office.http()
    refused = (await anonymous.get("/committee")).status_code
    await anonymous.aclose()
    assert page.status_code == 200 and "Đoàn Sở Văn hóa và Thể thao" in card and "Quá hạn" in card
    assert "Ra quân Tháng Thanh niên" in card and "Gia hạn" in card and "Miễn báo cáo" in card
    assert re.search(r'id="level-[1-9]"', page.text)
    assert excused.status_code == 200 and 'data-unit="so-vhtt"' not in after.text and refused == 401


async def test_the_weekly_digest_reads_as_text_with_names(office) -> None:
    cid = office.campaign_id
    await office.after_event(2)
    with office.store.session() as session:
        digests = session.scalars(select(Notification.body).where(Notification.kind == "digest")).all()
    assert digests and all("so-vhtt" not in body for body in digests)
    http, _ = await signed_in(office, "btv")
    page = await http.get(f"/campaigns/{cid}/digests")
    await http.aclose()
    assert "<pre" not in page.text and "<li>" in page.text and "Đoàn Sở Văn hóa và Thể thao" in page.text
