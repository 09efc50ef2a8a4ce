"""`make demo`: the whole product on the embedded default, in a few minutes.

Starts the local Temporal dev server (SQLite under data/, UI on
http://localhost:8233) unless one already answers, starts the worker, starts the
seed campaign on a compressed clock, and lets simulated units answer. A live
view shows each activity's phase; at the end the final report's path is printed.

    DEMO_SPEED   plan seconds per wall second (default 21600: a plan day in 4 s)
    DEMO_EXIT=1  exit 0 when the campaign ends, the report's path on the last line
    DEMO_SEED    the simulator's seed (default 54)
    DEMO_PORTAL_PORT  the unit portal's port (default 8000); the simulated units answer through its API

The demo writes, under DEMO_DATA: `demo.env` (the settings its worker and portal run with, for the
README's `starter.py` commands against this campaign) and `lien-ket-<campaign>.txt` (every unit's
personal link). It makes three accounts for the office's pages, the office's, the committee's and an
administrator's (printed with the login URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text
from temporalio.client import Client, WorkflowExecutionStatus

from access.links import expiry, link_url, mint
from campaign.clock import PlanClock, end_of_day, format_moment, start_of_day
from campaign.dates import ActivityKind
from campaign.importer import import_plan
from campaign.messages import ConfirmReady
from campaign.plan import Plan
from campaign.policy import PolicyFile
from campaign.text import shortened
from campaign.tracker import phase_words
from campaign.units import UnitDirectory, load_directory
from campaign.views import ActivitySummary
from service.campaigns import build_campaign_input, start_campaign
from service.schema import upgrade_schema
from service.simulator import Answer, deliver_due, plan_answers
from service.temporal import connect, exit_now
from service.ui_links import campaign_views
from service.updates import Refused
from settings import Settings
from store.database import Store
from store.users import AccountError, add_user, set_password
from workflows.campaign import CampaignWorkflow
from workflows.ids import campaign_workflow_id
from workflows.inputs import Overview

ROOT = Path(__file__).resolve().parent
PLAN = ROOT / "plans" / "54-KH-DTN-2023-05.txt"
UNITS = ROOT / "plans" / "units.yaml"
DATA = Path(os.environ.get("DEMO_DATA", ROOT / "data"))
REPORTS = Path(os.environ.get("REPORTS_DIR", ROOT / "reports"))


class Stack:
    """The processes the demo started, stopped in reverse order."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []

    def spawn(self, args: list[str], log: Path) -> subprocess.Popen[bytes]:
        log.parent.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


async def server_client(settings: Settings, stack: Stack, console: Console) -> Client:
    try:
        client = await connect(settings)
        console.print(f"Dùng máy chủ Temporal đang chạy tại {settings.temporal_address}.")
        return client
    except Refused:
        pass
    port = settings.temporal_address.rsplit(":", 1)[-1]
    ui_port = ui_address().rsplit(":", 1)[-1]
    server = ["starter.py", "dev-server", "--port", port, "--ui-port", ui_port, "--db", str(DATA / "temporal.db")]
    stack.spawn(server, DATA / "dev-server.log")
    console.print(f"Khởi động máy chủ Temporal (giao diện: {ui_address()}, nhật ký: {DATA}/dev-server.log).")
    for _ in range(240):
        await asyncio.sleep(0.5)
        try:
            return await connect(settings)
        except Refused:
            continue
    raise Refused(503, "unavailable", "máy chủ Temporal không khởi động được; xem data/dev-server.log")


def ui_address() -> str:
    """Where the Temporal UI answers: TEMPORAL_UI_PORT moves it (the dev server serves it on localhost)."""
    return f"http://localhost:{os.environ.get('TEMPORAL_UI_PORT', '8233')}"


# (header, width); the title takes what is left of the terminal's width
COLUMNS = (("TT", 4), ("Hoạt động", None), ("Giai đoạn", 14), ("Sẵn sàng", 8), ("Báo cáo", 7), ("Quá hạn", 7),
           ("BTV", 3))  # fmt: skip


def view(
    overview: Overview | None,
    events: list[str],
    plan_now: datetime,
    height: int = 24,
    report_only: frozenset[int] = frozenset(),
) -> Group:
    """The live table, one line per activity (long titles cut with "…") so that a 80×24 terminal shows
    every activity of the seed plan; the latest events fill the lines left below it. An activity in
    `report_only` (nothing to prepare) and one without units show "—" where a count would read as 0."""
    table = Table(title=f"Giờ kế hoạch: {format_moment(plan_now)}", title_justify="left", box=box.SIMPLE_HEAD,
                  padding=0, show_edge=False, expand=True)  # fmt: skip
    for header, width in COLUMNS:
        table.add_column(header, no_wrap=True, overflow="ellipsis", width=width, ratio=None if width else 1)
    activities = overview.activities if overview else []
    for a in activities:
        style = {"ESCALATED": "red", "CLOSED": "green", "IN_EVENT": "cyan"}.get(a.phase.value, "")
        table.add_row(
            a.number or str(a.no),
            a.title,
            Text(phase_words(a.phase), style=style),
            "—" if a.no in report_only or not a.units else f"{a.ready}/{a.units}",
            f"{a.reported}/{a.units}" if a.units else "—",
            str(a.late) if a.late else "—",  # which units: the escalation lines below and the Temporal UI
            str(a.escalation_level),
        )
    room = max(1, height - len(activities) - 5)  # title, header, rule, the cursor's line and one spare
    lines = [Text(line, no_wrap=True, overflow="ellipsis") for line in events[-room:]] or [Text("…")]
    return Group(table, *lines)


def report_only(plan: Plan) -> frozenset[int]:
    """The activities with nothing to prepare, only a report (a deadline; the units' report on the plan),
    as campaign.tracker's `preparation_free` says."""
    return frozenset(a.no for a in plan.activities if a.duties or a.kind is ActivityKind.DEADLINE)


def short_name(name: str) -> str:
    """A unit's name for a terminal line: without the leading "Đoàn" every unit's name has, cut when long."""
    bare = name.removeprefix("Đoàn ").strip() or name
    return shortened(bare, 28)


def escalation_line(a: ActivitySummary, names: dict[str, str], shown: int = 4) -> str:
    """ "⚠ Báo cáo BTV mức 2: hoạt động 13 — Sở Văn hóa và Thể thao, Báo Người lao động và 9 đơn vị khác"."""
    listed = [short_name(names.get(code, code)) for code in a.overdue[:shown]]
    more = a.late - len(listed)
    who = ", ".join(listed) + (f" và {more} đơn vị khác" if more > 0 else "")
    return f"⚠ Báo cáo BTV mức {a.escalation_level}: hoạt động {a.number or a.no} — {who}"


class UnitLinks:
    """The simulated units' personal links, as their e-mails carry them (the demo signs with its own secret)."""

    def __init__(self, secret: str, portal_url: str, campaign_id: str, until: datetime, days: int) -> None:
        self.secret, self.portal_url, self.campaign_id = secret, portal_url.rstrip("/"), campaign_id
        self.expires = expiry(until, days)

    def token(self, unit: str) -> str:
        return mint(self.secret, self.campaign_id, unit, 1, self.expires)

    def url(self, unit: str) -> str:
        return link_url(self.portal_url, self.token(unit))


async def wait_for_portal(url: str) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(120):
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.5)
    raise Refused(503, "unavailable", f"cổng trả lời không khởi động được tại {url}; xem {DATA}/portal.log")


def shown_unit(plan: Plan) -> str:
    """The unit whose link the demo prints: the first unit of the first activity with units."""
    return next(a.unit_codes[0] for a in plan.activities if a.unit_codes)


def simulated_answers(plan: Plan, policy: PolicyFile, seed: int) -> list[Answer]:
    """What the simulated units send: every unit's answers but those of `shown_unit`, whose link the demo
    prints for a person to answer by hand (the simulator would otherwise answer for them first)."""
    by_hand = shown_unit(plan)
    return [answer for answer in plan_answers(plan, policy, seed=seed) if answer.unit != by_hand]


def write_links(path: Path, plan: Plan, directory: UnitDirectory, links: UnitLinks) -> None:
    """Every unit of the campaign with its personal link, one per line (as the office would send them)."""
    codes = sorted({code for a in plan.activities for code in a.unit_codes})
    names = {code: unit.name for code, unit in directory.by_code.items()}
    lines = [f"{code}\t{names.get(code, code)}\t{links.url(code)}" for code in codes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_env(path: Path, env: dict[str, str]) -> None:
    """The settings the demo's worker and portal run with, as shell lines (`set -a; . FILE; set +a`)."""
    path.write_text("".join(f"{name}={shlex.quote(value)}\n" for name, value in env.items()), encoding="utf-8")
    path.chmod(0o600)  # it holds the demo's link secret


DEMO_ACCOUNTS = (("vanphong", "office"), ("btv", "committee"), ("quantri", "admin"))


def demo_accounts(database: str) -> dict[str, str]:
    """The office's, the Standing Committee's and the administrator's demo accounts (the administrator
    keeps /accounts; the office, /directory too), each with a fresh password for this run."""
    upgrade_schema(database)
    passwords = {}
    with Store(database).session() as session:
        for name, role in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(9)
            try:
                add_user(session, name, role, password)
            except AccountError:  # a reused data folder: the account is there, it gets this run's password
                set_password(session, name, password)
            passwords[name] = password
    return passwords


async def run_demo(console: Console, stack: Stack) -> Path:
    settings = Settings()  # the task queue every entry point uses (TEMPORAL_TASK_QUEUE, default "campaign")
    speed = float(os.environ.get("DEMO_SPEED", "21600"))
    portal_port = os.environ.get("DEMO_PORTAL_PORT", "8000")
    # "localhost" as the UI's: the office's session cookie then reaches the codec endpoint from the UI
    portal_url = os.environ.get("PORTAL_URL") or f"http://localhost:{portal_port}"
    secret = os.environ.get("PORTAL_SECRET") or secrets.token_urlsafe(32)  # a fresh secret for each demo run
    worker_env = {
        "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{DATA / 'campaign.db'}",
        "REPORTS_DIR": str(REPORTS),
        "PORTAL_SECRET": secret,
        "PORTAL_URL": portal_url,
        "PORTAL_BIND": f"127.0.0.1:{portal_port}",
        "EVIDENCE_DIR": str(DATA / "evidence"),
        "TEMPORAL_UI_URL": ui_address(),  # the codec endpoint answers the UI's own origin
    }
    os.environ.update(worker_env)  # before the dev server starts: its UI reads payloads through PORTAL_URL/codec
    client = await server_client(settings, stack, console)
    passwords = await asyncio.to_thread(demo_accounts, worker_env["DATABASE_URL"])
    DATA.mkdir(parents=True, exist_ok=True)
    write_env(DATA / "demo.env", worker_env)
    stack.spawn(["worker.py"], DATA / "worker.log")
    stack.spawn(["starter.py", "serve"], DATA / "portal.log")
    await wait_for_portal(portal_url)

    directory = load_directory(UNITS)
    plan = import_plan(PLAN, directory)
    policy = PolicyFile()
    campaign_id = f"demo-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    campaign_input = build_campaign_input(plan, directory, policy, campaign_id, speed, rebase_now=True)
    await start_campaign(client, campaign_input, settings.temporal_task_queue)
    clock = PlanClock(plan_origin=start_of_day(plan.starts_on), wall_origin=datetime.now(UTC), speed=speed)
    console.print(
        f"Chiến dịch [bold]{campaign_id}[/bold]: workflow {campaign_workflow_id(campaign_id)}; tốc độ ×{speed:g}"
    )
    links = UnitLinks(
        secret, portal_url, campaign_id, clock.wall_at(end_of_day(plan.window.end)), settings.portal_link_days
    )
    console.print(
        "Xem trên giao diện Temporal (để thấy giai đoạn và đơn vị quá hạn: bấm ⚙ phía trên bảng Workflows, "
        "đánh dấu Phase, PendingUnits, OverdueUnits):"
    )
    for label, url in campaign_views(ui_address(), settings.temporal_namespace, campaign_id):
        console.print(f"  {label}: {url}", soft_wrap=True, highlight=False)
    unit = shown_unit(plan)
    console.print(
        f"Cổng trả lời của đơn vị {unit} (đơn vị này không được giả lập: mở trên điện thoại hay trình "
        "duyệt để trả lời bằng tay):"
    )
    console.print(links.url(unit), soft_wrap=True, highlight=False)
    links_file = DATA / f"lien-ket-{campaign_id}.txt"
    write_links(links_file, plan, directory, links)
    console.print(f"Liên kết của mọi đơn vị: {links_file}", soft_wrap=True, highlight=False)
    console.print(
        f"Lệnh starter.py với chiến dịch này (cùng cấu hình): set -a; . {DATA / 'demo.env'}; set +a; rồi ví dụ "
        f".venv/bin/python starter.py units link --campaign {campaign_id} --unit {unit}",
        soft_wrap=True,
        highlight=False,
    )
    accounts = ", ".join(f"{name} / {password}" for name, password in passwords.items())
    console.print(
        f"Trang Văn phòng, Ban Thường vụ và Quản trị: {portal_url}/login — tài khoản thử (mật khẩu mới mỗi lần "
        f"chạy): {accounts} (vanphong: Văn phòng, cả danh bạ /directory; btv: Ban Thường vụ; "
        "quantri: quản trị tài khoản /accounts)",
        soft_wrap=True,
        highlight=False,
    )

    answers = simulated_answers(campaign_input.plan, policy, seed=int(os.environ.get("DEMO_SEED", "54")))
    events: list[str] = []
    handle = client.get_workflow_handle_for(CampaignWorkflow.run, campaign_workflow_id(campaign_id))
    portal = httpx.AsyncClient(base_url=portal_url, timeout=30)

    async def send(answer: Answer) -> None:
        """The simulated unit answers as a real one does: through the portal's API with its link."""
        what = "ready" if isinstance(answer.message, ConfirmReady) else "report"
        body = answer.message.model_dump(mode="json", exclude={"unit", "via"}, exclude_none=True)
        headers = {"Authorization": f"Bearer {links.token(answer.unit)}"}
        try:
            response = await portal.post(f"/api/v1/activities/{answer.activity_no}/{what}", json=body, headers=headers)
        except httpx.HTTPError as exc:
            events.append(f"[{answer.activity_no}] {answer.unit}: không gửi được ({exc})")
            return
        data = response.json()
        text = data.get("message", "") if response.status_code == 200 else f"bị từ chối: {data.get('message')}"
        events.append(f"{format_moment(answer.at)} [{answer.activity_no}] {text}")

    overview: Overview | None = None
    seen_levels: dict[int, int] = {}
    names = {u.code: u.name for u in directory.units}
    only_report = report_only(campaign_input.plan)
    start_view = view(None, events, clock.plan_now(datetime.now(UTC)), console.height)
    with Live(start_view, console=console, refresh_per_second=4) as live:
        while True:
            answers = await deliver_due(answers, clock.plan_now(datetime.now(UTC)), send)
            overview = await handle.query(CampaignWorkflow.overview)
            for a in overview.activities:
                if a.escalation_level > seen_levels.get(a.no, 0):
                    events.append(escalation_line(a, names))
                seen_levels[a.no] = a.escalation_level
            live.update(view(overview, events, clock.plan_now(datetime.now(UTC)), console.height, only_report))
            description = await handle.describe()
            if description.status != WorkflowExecutionStatus.RUNNING:
                break
            await asyncio.sleep(0.25)

    await portal.aclose()
    result = await handle.result()
    return Path(result.report_files[0])


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    console = Console()
    stack = Stack()
    try:
        path = asyncio.run(run_demo(console, stack))
        console.print()
        console.print(f"Xem lịch sử và trạng thái trong giao diện Temporal: {ui_address()}")
        console.print("Báo cáo cuối:")
        print(path, flush=True)
        if os.environ.get("DEMO_EXIT") != "1":
            console.print("Máy chủ vẫn chạy để kiểm tra; nhấn Ctrl-C để dừng.")
            while True:
                time.sleep(3600)
        return 0
    except Refused as exc:
        console.print(f"Lỗi: {exc.message}")
        return 1
    except KeyboardInterrupt:
        console.print("Đã dừng.")
        return 130
    finally:
        stack.stop()


if __name__ == "__main__":
    exit_now(main())
