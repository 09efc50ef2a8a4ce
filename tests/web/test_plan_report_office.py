"""The report on the plan where the office meets it after start: a unit's report on the plan entered on its
behalf from paper (duty by duty), the assignment notice that says what is asked and by when, and the
XLSX export's columns per duty. Every plan here is invented (tests/corpus/duties)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest_asyncio
from openpyxl import load_workbook

from campaign.due import unanswered
from campaign.duties import with_plan_report
from campaign.duty import DutyAnswer
from campaign.final_report import ActivityLine, CampaignReport, UnitLine
from campaign.importer import import_plan
from campaign.notices import compose
from campaign.policy import Policy
from campaign.tracker import ActionKind, Outcome, new_activity_state
from campaign.units import UnitKind
from exports.tables import write_xlsx
from harness.temporal import time_skipping_env
from store.users import add_user
from tests.conftest import CORPUS
from tests.office_env import PASSWORD, signed_in
from tests.portal_env import running_campaign
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id

PHONE_PLAN = CORPUS / "duties" / "thang-tu-2024.txt"  # activity 2 is the report on the plan, two duties
INVENTED = CORPUS / "duties" / "thang-ba.txt"


def test_the_assignment_notice_of_the_report_on_the_plan_says_what_is_asked(directory) -> None:
    plan = with_plan_report(import_plan(INVENTED, directory), directory)
    activity = plan.activities[-1]
    state = new_activity_state("ba", activity, directory.of_kind(UnitKind.UNIT), Policy(), [], plan.window.end)
    now = datetime(2025, 2, 21, 2, 0, tzinfo=UTC)
    action = next(a for a in unanswered(state, now) if a.kind is ActionKind.ASSIGNMENT)
    notice = compose(state, action, now, "campaign/ba/activity/3")
    assert notice.subject == "[ba] Đề nghị báo cáo kết quả thực hiện kế hoạch (hạn 05/04/2025)"
    body = notice.body
    assert "đề nghị đơn vị báo cáo kết quả thực hiện kế hoạch" in body
    assert "1. Tổ chức ít nhất 02 buổi sinh hoạt chủ điểm về lịch sử Đoàn cho đoàn viên (số buổi sinh hoạt" in body
    assert "3. Giới thiệu đoàn viên ưu tú để Đảng xem xét, kết nạp" in body
    assert "Hạn nộp báo cáo: " in body and "05/04/2025" in body and "Không cần xác nhận sẵn sàng." in body
    assert "xác nhận sẵn sàng trước" not in body and "phân công đơn vị phụ trách" not in body
    # any other activity keeps its own wording
    other = new_activity_state("ba", plan.activities[0], directory.of_kind(UnitKind.UNIT)[:1], Policy(), [],
                               plan.window.end)  # fmt: skip
    first = next(a for a in unanswered(other, now) if a.kind is ActionKind.ASSIGNMENT)
    assert "Phân công phụ trách" in compose(other, first, now, "campaign/ba/activity/1").subject


def test_the_xlsx_has_columns_per_duty(directory, tmp_path: Path) -> None:
    plan = with_plan_report(import_plan(INVENTED, directory), directory)
    activity = plan.activities[-1]
    answers = [DutyAnswer(duty=1, status="done", participants=30, count=2, note="Hai buổi"),
               DutyAnswer(duty=2, status="not_done"), DutyAnswer(duty=3, status="not_applicable")]  # fmt: skip
    line = ActivityLine(no=activity.no, title=activity.title, start=activity.start, end=activity.end, place="",
                        phase="CLOSED", escalations=0, duties=activity.duties,
                        units=[UnitLine(code="a", name="Đoàn A", role="lead", outcome=Outcome.ON_TIME, revision=1,
                                        participants=40, duties=answers),
                               UnitLine(code="b", name="Đoàn B", role="lead", outcome=Outcome.MISSING)])  # fmt: skip
    report = CampaignReport(campaign_id="c", plan_code="33-KH/ĐTN", title="t", window_start=plan.window.start,
                            window_end=plan.window.end, status="CLOSED", recipients=[], activities=[line],
                            generated_at=datetime(2025, 4, 6, tzinfo=UTC))  # fmt: skip
    sheet = load_workbook(write_xlsx(report, tmp_path / "r.xlsx")).worksheets[1]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    headings = rows[0]
    first = headings.index("NV1: Tổ chức ít nhất 02 buổi sinh hoạt chủ điểm về lịch sử Đoàn cho đoàn viên")
    assert headings[first:] == [
        "NV1: Tổ chức ít nhất 02 buổi sinh hoạt chủ điểm về lịch sử Đoàn cho đoàn viên", "NV1: ghi chú",
        "NV1: người tham gia", "NV1: số buổi sinh hoạt chủ điểm",
        headings[first + 4], "NV2: ghi chú", "NV2: người tham gia",
        "NV3: Giới thiệu đoàn viên ưu tú để Đảng xem xét, kết nạp", "NV3: ghi chú", "NV3: người tham gia",
    ]  # fmt: skip
    assert rows[1][first:] == ["Đã thực hiện", "Hai buổi", 30, 2, "Chưa thực hiện", None, None, "Không áp dụng",
                               None, None]  # fmt: skip
    assert rows[2][first:] == [None] * 10


@pytest_asyncio.fixture(loop_scope="session")
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_the_office_enters_a_paper_report_on_the_plan_duty_by_duty(env, directory, tmp_path) -> None:
    cid = f"paper-{uuid.uuid4().hex[:6]}"
    async with running_campaign(env, directory, tmp_path, cid, plan=PHONE_PLAN) as setup:
        with setup.store.session() as session:
            add_user(session, "vp", "office", PASSWORD)
            add_user(session, "btv", "committee", PASSWORD)
        http, csrf = await signed_in(setup, "vp")
        page = (await http.get(f"/campaigns/{cid}/activities/2")).text
        form = page.split('id="on-behalf"')[1].split("</form>")[0]
        paper = {"csrf": csrf, "unit": "bhxh", "channel": "paper", "participants": "45",
                 "summary": "Đã triển khai\r\nđến 3 chi đoàn", "submitted_by": "Trần Văn Bình"}  # fmt: skip
        without = await http.post(f"/campaigns/{cid}/activities/2/report", data=paper)
        duties = {"duty-1-status": "done", "duty-1-note": "Trồng 25 cây", "duty-1-participants": "40",
                  "duty-1-count": "3", "duty-2-status": "not_applicable"}  # fmt: skip
        bad = await http.post(f"/campaigns/{cid}/activities/2/report",
                              data={**paper, **duties, "duty-1-count": "2,5"})  # fmt: skip
        committee, committee_csrf = await signed_in(setup, "btv")
        refused = await committee.post(f"/campaigns/{cid}/activities/2/report",
                                       data={**paper, **duties, "csrf": committee_csrf})  # fmt: skip
        forged = await http.post(f"/campaigns/{cid}/activities/2/report", data={**paper, **duties, "csrf": "sai"})
        entered = await http.post(f"/campaigns/{cid}/activities/2/report", data={**paper, **duties})
        other = (await http.get(f"/campaigns/{cid}/activities/1")).text
        for client in (http, committee):
            await client.aclose()
        status = await env.client.get_workflow_handle(activity_workflow_id(cid, 2)).query(
            CampaignActivityWorkflow.status
        )
    assert 'name="duty-1-status" value="done" required' in form and 'name="duty-2-status"' in form
    assert re.search(r'<label for="on-behalf-duty-1-count">Số buổi</label>', form)
    assert 'name="duty-2-count"' not in form  # the plan names no count for duty 2
    assert "duty-1-status" not in other.split('id="on-behalf"')[1]  # another activity's form has no duties
    assert without.status_code == 422 and "cần trả lời từng nhiệm vụ" in without.text
    assert bad.status_code == 422 and "Nhiệm vụ 1: số lượng" in bad.text
    assert refused.status_code == 403 and forged.status_code == 403
    assert entered.status_code == 200, entered.text[:2000]
    report = next(u for u in status.units if u.code == "bhxh").report
    assert report is not None and report.participants == 45
    assert [(a.duty, a.status, a.note, a.participants, a.count) for a in report.duties] == [
        (1, "done", "Trồng 25 cây", 40, 3),
        (2, "not_applicable", "", None, None),
    ]
    assert date(2024, 3, 1) <= status.start  # the plan's own month
