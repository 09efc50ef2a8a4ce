"""The office dashboard's pages beyond the grid itself: filters and layout, an activity's report details
with every revision and its evidence files, reschedule and assign, a unit's link sent again by e-mail,
the policy chosen in the start form, and a Word plan's preview."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from campaign.clock import VIETNAM
from campaign.importer import import_plan
from campaign.past import shift_to
from campaign.policy import PolicyError
from harness.inbox import MailServer
from harness.paths import ROOT
from harness.plan_documents import write_docx
from harness.waiting import answered, until
from store.schema import AuditEntry, CampaignActivity, Notification, UnitReport
from tests.office_env import office, signed_in
from tests.portal_env import PLAN
from tests.web.test_office_editor import follow, send
from web.office_plans import policy_from_form
from workflows.ids import activity_workflow_id

__all__ = ["office"]  # the fixture
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


def cells(page: str) -> set[tuple[str, str]]:
    return set(re.findall(r'data-activity="(\d+)" data-unit="([a-z0-9-]+)"', page))


async def test_filters_and_the_transposed_grid(office) -> None:
    cid = office.campaign_id
    http, _ = await signed_in(office, "btv")
    one = await http.get(f"/campaigns/{cid}?unit=bhxh")
    cluster = await http.get(f"/campaigns/{cid}?cluster=cum-5")
    overdue = await http.get(f"/campaigns/{cid}/grid?overdue=1")
    transposed = await http.get(f"/campaigns/{cid}/grid?layout=units")
    hostile = await http.get(f"/campaigns/{cid}/grid?unit=<script>&cluster=../x")
    await http.aclose()
    assert {unit for _, unit in cells(one.text)} == {"bhxh"} and len(cells(one.text)) == 3
    assert {unit for _, unit in cells(cluster.text)} == {"khu-cnc"}  # cluster 5 holds only khu-cnc here
    assert cells(overdue.text) == set() and "Không có hoạt động nào khớp bộ lọc" in overdue.text
    assert 'data-layout="units"' in transposed.text and 'id="u-bhxh"' in transposed.text
    assert cells(transposed.text) == cells(hostile.text) and len(cells(hostile.text)) == 9  # bad filters: ignored
    assert f'data-refresh="/campaigns/{cid}/grid"' in one.text  # office.js adds the page's filter to the refresh
    assert "window.location.search" in (ROOT / "web" / "static" / "office.js").read_text()


async def report_with_photo(office, unit: str, no: int, summary: str, photo: bytes) -> None:
    token = office.token(unit)
    async with office.http() as http:
        page = await http.get(f"/u/{token}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
        form = {"csrf": csrf, "summary": summary, "participants": "30", "request_id": uuid.uuid4().hex}
        answer = await http.post(f"/u/{token}/report/{no}", data=form,
                                 files=[("files", ("anh.png", photo, "image/png"))])  # fmt: skip
        assert answer.status_code == 200, answer.text


async def test_report_details_show_every_revision_and_open_its_evidence(office) -> None:
    cid = office.campaign_id
    http, csrf = await signed_in(office, "vp")  # a second unit keeps the activity open for a revision
    assert (await http.post(f"/campaigns/{cid}/activities/2/assign", data={"csrf": csrf, "unit": "ldld"})).is_success
    await http.aclose()
    await office.after_event(2)
    await report_with_photo(office, "bhxh", 2, "Hiến 40 đơn vị máu", PNG)
    await report_with_photo(office, "bhxh", 2, "Hiến 45 đơn vị máu (bổ sung)", PNG + b"2")

    def both_stored() -> bool:
        with office.store.session() as session:
            return len(list(session.scalars(select(UnitReport).where(UnitReport.campaign_id == cid)))) == 2

    await until(both_stored, seconds=10)
    http, _ = await signed_in(office, "btv")
    details = await http.get(f"/campaigns/{cid}/activities/2")
    files = re.findall(rf'href="(/campaigns/{cid}/evidence/[0-9a-f]{{64}}\.png)"', details.text)
    first = await http.get(files[0])
    unknown = await http.get(f"/campaigns/{cid}/evidence/{'0' * 64}.png")
    elsewhere = await http.get(files[0].replace(cid, "chien-dich-khac"))
    missing = await http.get(f"/campaigns/{cid}/activities/9")
    await http.aclose()
    anonymous = office.http()
    unit_link = office.http()
    unit_link.headers["Authorization"] = f"Bearer {office.token('bhxh')}"
    refused = [(await c.get(files[0])).status_code for c in (anonymous, unit_link)]
    refused += [(await c.get(f"/campaigns/{cid}/activities/2")).status_code for c in (anonymous, unit_link)]
    for client in (anonymous, unit_link):
        await client.aclose()
    assert details.status_code == 200 and "Lần 1" in details.text and "Lần 2" in details.text
    assert "Hiến 40 đơn vị máu" in details.text and "Hiến 45 đơn vị máu (bổ sung)" in details.text
    assert f"campaign%2F{cid}%2Factivity%2F2" in details.text  # its workflow in the Temporal UI
    assert len(files) == 2 and first.status_code == 200 and first.content in (PNG, PNG + b"2")
    assert first.headers["content-type"] == "image/png"
    assert unknown.status_code == 404 and elsewhere.status_code == 404 and missing.status_code == 404
    assert refused == [401] * 4


async def test_reschedule_and_assign_from_the_activity_page(office) -> None:
    cid = office.campaign_id
    http, csrf = await signed_in(office, "vp")
    page = await http.get(f"/campaigns/{cid}/activities/3")
    moved = await http.post(f"/campaigns/{cid}/activities/3/reschedule",
                            data={"csrf": csrf, "start": "2024-03-30", "end": "", "reason": "Trùng lễ"})  # fmt: skip
    two = {"csrf": csrf, "unit": ["bhxh", "ldld"], "role": "support", "reason": "Hỗ trợ"}
    assigned = await http.post(f"/campaigns/{cid}/activities/3/assign", data=two)
    unknown = await http.post(f"/campaigns/{cid}/activities/3/assign", data={"csrf": csrf, "unit": "khong-co"})
    reversed_dates = {"csrf": csrf, "start": "2024-03-30", "end": "2024-03-28", "reason": "x"}
    backwards = await http.post(f"/campaigns/{cid}/activities/3/reschedule", data=reversed_dates)
    committee, committee_csrf = await signed_in(office, "btv")
    refused = [
        (await committee.post(f"/campaigns/{cid}/activities/3/reschedule",
                              data={"csrf": committee_csrf, "start": "2024-03-31", "reason": "x"})).status_code,
        (await committee.post(f"/campaigns/{cid}/activities/3/assign",
                              data={"csrf": committee_csrf, "unit": "so-vhtt"})).status_code,
    ]  # fmt: skip
    for client in (http, committee):
        await client.aclose()
    status = await office.env.client.get_workflow_handle(activity_workflow_id(cid, 3)).query("status")
    assert page.status_code == 200 and 'id="reschedule"' in page.text and 'id="assign"' in page.text
    assert moved.status_code == 200 and assigned.status_code == 200, (moved.text, assigned.text)
    assert status["start"] == "2024-03-30" and {u["code"] for u in status["units"]} == {"khu-cnc", "bhxh", "ldld"}
    assert unknown.status_code == 422 and "khong-co" in unknown.text
    assert backwards.status_code == 422 and refused == [403, 403]
    with office.store.session() as session:
        actors = dict(session.execute(select(AuditEntry.action, AuditEntry.actor)).all())
    assert actors.get("reschedule") == "vp (office)"


async def test_a_units_link_sent_again_by_email(office) -> None:
    smtp = MailServer()
    smtp.open()
    inbox = smtp.inbox.messages
    office.settings.smtp_host, office.settings.smtp_port = "127.0.0.1", smtp.port
    cid = office.campaign_id
    try:
        http, csrf = await signed_in(office, "vp")
        page = await http.get(f"/campaigns/{cid}/units/bhxh")
        sent = await http.post(f"/campaigns/{cid}/units/bhxh/resend", data={"csrf": csrf})
        committee, committee_csrf = await signed_in(office, "btv")
        refused = await committee.post(f"/campaigns/{cid}/units/bhxh/resend", data={"csrf": committee_csrf})
        for client in (http, committee):
            await client.aclose()
        smtp.close()  # the mail server is down: the office is told, nothing is pretended
        http, csrf = await signed_in(office, "vp")
        down = await http.post(f"/campaigns/{cid}/units/bhxh/resend", data={"csrf": csrf})
        await http.aclose()
    finally:
        with contextlib.suppress(Exception):
            smtp.close()
    assert page.status_code == 200 and "Gửi lại liên kết qua e-mail (bhxh@example.org)" in page.text
    assert sent.status_code == 200 and "Đã gửi lại liên kết" in sent.text and refused.status_code == 403
    assert down.status_code == 503 and "Chưa gửi được e-mail" in down.text
    assert len(inbox) == 1
    mail = message_from_bytes(inbox[0], policy=default)
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"http://portal\.test(/u/\S+)", body)[1]  # type: ignore[index]
    assert "<bhxh@example.org>" in mail["To"]
    async with office.http() as portal:
        assert (await portal.get(link)).status_code == 200
    with office.store.session() as session:
        stored = session.scalars(select(Notification.body).where(Notification.kind == "link_resent")).all()
    assert stored and all("/u/" not in body for body in stored)  # the link is a credential: not stored


def test_the_policy_chosen_in_the_start_form() -> None:
    policy = policy_from_form({"ready_lead": "1", "report_due": "4", "max_escalation_level": "2",
                               "report_due-3": "7", "ready_lead-2": ""}, [1, 2, 3])  # fmt: skip
    assert policy.for_activity(3).report_due == timedelta(days=7) and policy.for_activity(1).report_due.days == 4
    assert policy.for_activity(2).ready_lead == timedelta(days=1) and policy.max_escalation_level == 2
    for form, words in [
        ({"report_due": "ba"}, "Hạn báo cáo sau sự kiện (ngày): “ba” không phải số ngày"),
        ({"report_due-2": "500"}, "Hoạt động 2: Hạn báo cáo sau sự kiện (ngày): phải từ 0 đến 120 ngày"),
        ({"max_escalation_level": "-1"}, "Số lần báo cáo Ban Thường vụ tối đa"),
    ]:
        with pytest.raises(PolicyError, match=re.escape(words)):
            policy_from_form(form, [1, 2, 3])


async def test_policy_overrides_reach_the_started_workflow_and_a_word_plan_previews(
    office, directory, tmp_path
) -> None:
    http, csrf = await signed_in(office, "vp")
    files = {"plan": ("ke-hoach.txt", PLAN.read_bytes(), "text/plain")}
    editor = await follow(http, await http.post("/campaigns/new", data={"csrf": csrf}, files=files))
    where = str(editor.url.path)
    cid = f"pol-{uuid.uuid4().hex[:6]}"
    form = {"campaign_id": cid, "timing": "shifted", "report_due": "2", "r3__report_due": "6"}
    wrong = await send(http, where, editor.text, "start", **form, r2__report_due="nhiều")
    started = await send(http, where, editor.text, "start", **form)
    word = write_docx(tmp_path / "ke-hoach.docx", [
        ["1", "Ra quân Tháng Thanh niên", "05/3/2024", "Nhà Văn hóa Thanh niên", "Đoàn Sở VHTT phụ trách"],
        ["2", "Hiến máu tình nguyện", "16/3/2024", "Bệnh viện Truyền máu", "Đoàn Bảo hiểm xã hội phụ trách"],
    ])  # fmt: skip
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    from_word = await http.post("/campaigns/new?format=json", data={"csrf": csrf},
                                files={"plan": ("ke-hoach.docx", word.read_bytes(), docx_type)})  # fmt: skip
    await http.aclose()
    cli = subprocess.run([sys.executable, "starter.py", "plan", "import", str(word), "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert wrong.status_code == 422 and "Hoạt động 2: hạn báo cáo sau (ngày): “nhiều” không phải số ngày" in wrong.text
    assert 'value="nhiều"' in wrong.text  # what the person typed is kept
    assert started.status_code == 303, started.text
    assert from_word.status_code == 200 and from_word.json() == json.loads(cli.stdout)
    assert [a["title"] for a in from_word.json()["activities"]] == ["Ra quân Tháng Thanh niên", "Hiến máu tình nguyện"]
    dues = {}
    try:
        for no in (1, 3):
            handle = office.env.client.get_workflow_handle(activity_workflow_id(cid, no))
            status = await answered(lambda h=handle: h.query("status"), seconds=5)
            dues[no] = (status["units"][0]["due"][:10], status["end"])
    finally:
        for workflow_id in [activity_workflow_id(cid, no) for no in (1, 2, 3)] + [f"campaign/{cid}"]:
            with contextlib.suppress(Exception):
                await office.env.client.get_workflow_handle(workflow_id).terminate("done")
    by = shift_to(import_plan(PLAN, directory), datetime.now(VIETNAM).date())  # the plan is past: shifted
    assert dues == {
        1: ((date(2024, 3, 7) + by).isoformat(), (date(2024, 3, 5) + by).isoformat()),
        3: ((date(2024, 3, 30) + by).isoformat(), (date(2024, 3, 24) + by).isoformat()),
    }


async def test_an_unreadable_unit_directory_is_said_plainly(office, tmp_path) -> None:
    office.settings.units_file = tmp_path / "khong-co.yaml"
    http, _ = await signed_in(office, "btv")
    page = await http.get(f"/campaigns/{office.campaign_id}")
    await http.aclose()
    assert page.status_code == 503 and "Không đọc được danh bạ đơn vị" in page.text


async def test_a_moved_activity_shows_its_new_dates_to_the_unit(office) -> None:
    """The walk's finding: the office moved activity 3 and the unit's page still gave the plan's day.
    The stored activity follows the reschedule, once, however often its record is written."""
    cid = office.campaign_id
    http, csrf = await signed_in(office, "vp")
    moved_to = {"csrf": csrf, "start": "30/3/2024", "end": "31/03/2024", "reason": "Trùng lễ"}
    moved = await http.post(f"/campaigns/{cid}/activities/3/reschedule", data=moved_to)
    await http.aclose()
    assert moved.status_code == 200, moved.text

    def stored_moved() -> bool:  # the record is written by an activity, a moment later
        with office.store.session() as session:
            row = session.scalar(select(CampaignActivity).where(CampaignActivity.campaign_id == cid,
                                                                CampaignActivity.no == 3))  # fmt: skip
            return row is not None and row.start == date(2024, 3, 30)

    await until(stored_moved, seconds=10)
    async with office.http() as unit:
        page = await unit.get(f"/u/{office.token('khu-cnc')}")
    shown = re.sub(r"<[^>]+>", "", page.text)
    assert "Thời gian: 30/03/2024 – 31/03/2024" in shown, shown
    assert "24/03/2024" not in shown


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("31/4/2027", "Ngày bắt đầu mới: ngày 31/04/2027 không có thật (tháng 4/2027 chỉ có 30 ngày)."),
        ("29/02/2027", "Ngày bắt đầu mới: ngày 29/02/2027 không có thật (tháng 2/2027 chỉ có 28 ngày)."),
        ("   ", "Ngày bắt đầu mới: chưa nhập ngày"),
        ("mai", "Ngày bắt đầu mới: “mai” không phải ngày"),
    ],
)
async def test_a_wrong_new_day_is_named_for_what_it_is(office, typed, said) -> None:
    cid = office.campaign_id
    http, csrf = await signed_in(office, "vp")
    answer = await http.post(f"/campaigns/{cid}/activities/3/reschedule",
                             data={"csrf": csrf, "start": typed, "reason": "Trùng lễ"})  # fmt: skip
    await http.aclose()
    assert answer.status_code == 422 and said in answer.text.replace("&#34;", '"'), answer.text
