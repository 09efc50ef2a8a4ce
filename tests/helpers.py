"""What several test modules share: a starter.py call, a notice and the store's notifications, a
webhook receiver, and an activity workflow started on the time-skipping server. (Running the stack
itself, ports, databases, servers and waiting, is in `harness/`.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import uuid
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select
from temporalio.client import WorkflowHandle

from campaign.clock import VIETNAM, PlanClock
from campaign.dates import ActivityKind
from campaign.notices import Notice
from campaign.plan import PlannedActivity, ResponsibleParty
from campaign.policy import Policy
from campaign.tracker import ActionKind, ActivityState, new_activity_state
from campaign.units import Unit, UnitKind
from harness.paths import ROOT
from store.database import Store
from store.schema import Notification
from workflows.activity import CampaignActivityWorkflow
from workflows.inputs import ActivityInput


def starter(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "starter.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


SUBJECT = "[54-kh] Nhắc nộp báo cáo kết quả: Ngày Chủ nhật xanh – Đoàn Sở Văn hóa và Thể thao"
BODY = "Kính gửi Đoàn Sở Văn hóa và Thể thao,\nĐề nghị đơn vị nộp báo cáo kết quả trước hết ngày 31/05/2023."


def notice(key: str = "campaign/54-kh/activity/12/report-reminder/so-vhtt/1", email="so-vhtt@example.org") -> Notice:
    unit = Unit(code="so-vhtt", name="Đoàn Sở Văn hóa và Thể thao", email=email)
    return Notice(key=key, kind=ActionKind.REPORT_REMINDER, campaign_id="54-kh", activity_no=12,
                  recipient="so-vhtt", units=["so-vhtt"], subject=SUBJECT, body=BODY, to=unit)  # fmt: skip


def rows(store: Store) -> list[Notification]:
    with store.session() as session:
        return list(session.scalars(select(Notification)))


class Hook:
    """A local webhook receiver answering with scripted status codes (then 200)."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append((dict(self.headers), body))
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 400 else b"bad request")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


UNITS = [Unit(code="a", name="Đoàn Sở A"), Unit(code="b", name="Đoàn Sở B"), Unit(code="c", name="Đoàn Sở C")]
OFFICE = Unit(code="van-phong", name="Văn phòng Đoàn Khối", kind=UnitKind.OFFICE)
COMMITTEE = Unit(code="btv", name="Ban Thường vụ Đoàn Khối", kind=UnitKind.COMMITTEE)


def vn(day: int, month: int = 5, hour: int = 0, year: int = 2023) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VIETNAM).astimezone(UTC)


async def start(
    env,
    queue,
    start=date(2023, 5, 11),
    end=None,
    kind=ActivityKind.SINGLE_DAY,
    policy=None,
    origin=None,
    window_end=date(2023, 5, 31),
    holidays=(),
    units=UNITS,
    office=OFFICE,
    campaign_id="t",
    **more,
):
    activity = PlannedActivity(
        no=7,
        title="Nghĩa tình thanh niên công nhân",
        kind=kind,
        start=start,
        end=end or start,
        place="Khu Công nghệ cao",
        responsible=[ResponsibleParty(name=u.name, unit_code=u.code) for u in units],
    )
    clock = PlanClock(plan_origin=origin or vn(1), wall_origin=await env.get_current_time(), speed=1)
    handle = await env.client.start_workflow(
        CampaignActivityWorkflow.run,
        ActivityInput(
            campaign_id=campaign_id,
            activity=activity,
            units=units,
            office=office,
            committee=COMMITTEE,
            policy=policy or Policy(),
            holidays=list(holidays),
            window_end=window_end,
            clock=clock,
            **more,
        ),
        id=f"campaign/t-{uuid.uuid4().hex[:8]}/activity/7",
        task_queue=queue,
    )
    CLOCKS[handle.id] = clock
    return handle


CLOCKS: dict[str, PlanClock] = {}


async def advance_to(env, handle: WorkflowHandle, moment: datetime) -> None:
    """Let the server's clock run until plan time `moment` (queries see only the last task's time)."""
    now = CLOCKS[handle.id].plan_now(await env.get_current_time())
    await env.sleep((moment - now).total_seconds())


MAILED_UNITS = [
    Unit(code="a", name="Đoàn Sở A", email="a@example.org"),
    Unit(code="b", name="Đoàn Sở B", email="b@sai"),
]
MAILED_OFFICE = Unit(code="van-phong", name="Văn phòng Đoàn Khối", kind=UnitKind.OFFICE, email="vanphong@example.org")


async def start_mailed(env, queue):
    """Activity 7 with units that have e-mail addresses (b's is not one)."""
    return await start(env, queue, units=MAILED_UNITS, office=MAILED_OFFICE)


# The browser tests drive Debian's Chromium, headless; PORTAL_SCREENSHOTS=DIR keeps what they saw.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-headless-shell")
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")


async def shot(page, name: str, full_page: bool = False) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=full_page)


async def sign_in(page, base: str, name: str = "lan", password: str = "mat-khau-van-phong") -> None:
    """The office's sign-in form as a person fills it (the office clerk's account unless told)."""
    await page.goto(f"{base}/login")
    await page.get_by_label("Tên đăng nhập").fill(name)
    await page.get_by_label("Mật khẩu").fill(password)
    await page.get_by_role("button", name="Đăng nhập").click()


def make(start=date(2023, 5, 11), end=None, policy=None, holidays=(), units=UNITS[:2]) -> ActivityState:
    """Activity 7's pure state (units a and b), without Temporal."""
    activity = PlannedActivity(
        no=7,
        title="Nghĩa tình thanh niên công nhân",
        kind=ActivityKind.SINGLE_DAY,
        start=start,
        end=end or start,
        place="Khu Công nghệ cao",
        responsible=[ResponsibleParty(name=u.name, unit_code=u.code) for u in units],
    )
    return new_activity_state("c1", activity, units, policy or Policy(), list(holidays), date(2023, 5, 31))
