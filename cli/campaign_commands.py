"""Campaign commands: start, unit messages, office decisions, status."""

from __future__ import annotations

import asyncio
import getpass
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError

from campaign.clock import format_deadline
from campaign.dates import DateError, parse_when
from campaign.final_report import OUTCOME_WORDS
from campaign.messages import (
    AssignUnits,
    Cancel,
    ConfirmReady,
    ExcuseUnit,
    ExtendDeadline,
    Message,
    Rejected,
    Reschedule,
    SubmitReport,
    ended_sentence,
    read_message,
)
from campaign.plan import UnitRole
from campaign.policy import PolicyError, load_policy
from campaign.tracker import phase_words
from campaign.units import UnitNotFound
from campaign.views import activity_numbered
from cli.output import campaign_id_checked, fail, literal, print_json
from cli.plan_commands import UnitsInUseOption, directory_in_use_or_fail, plan_or_fail
from service.campaigns import build_campaign_input, start_campaign
from service.status import query
from service.temporal import check_worker_listening, connect, missing_workers
from service.updates import Refused, Update, send_update, sent_politely
from settings import get_settings, settings_problem
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id

T = TypeVar("T")

CampaignOption = typer.Option(..., "--campaign", help="Mã chiến dịch (campaign ID)", callback=campaign_id_checked)
ActivityOption = typer.Option(..., "--activity", help="Số thứ tự hoạt động như kế hoạch ghi (cột TT), ví dụ 7 hoặc 3.1")
UnitOption = typer.Option(..., "--unit", help="Mã hoặc tên đơn vị, ví dụ “Doan Khu Cong nghe cao”")


def run_command(body: Callable[[Client], Awaitable[T]]) -> T:
    """Connect, run `body`, and turn every failure into one line and exit code 1."""

    async def main() -> T:
        return await body(await connect(get_settings()))

    try:
        return asyncio.run(main())
    except Refused as exc:
        said = f"bị từ chối: {exc.message}" if exc.code == "rejected" else exc.message
        fail(said + (f" (máy chủ Temporal: {exc.detail})" if exc.detail else ""), code=1)
    except ValidationError as exc:
        fail(settings_problem(exc), code=2)
    except KeyboardInterrupt:
        fail("đã dừng", code=130)
    except Exception as exc:  # never a traceback for a person; the type tells a developer where to look
        fail(f"lỗi không mong đợi ({type(exc).__name__}): {exc}", code=1)


def parse_day(text: str, what: str) -> date:
    """A date from the command line: 2023-05-20 or 20/5/2023."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parse_when(text).end
    except DateError as exc:
        fail(f"{what}: {exc}")


def start(
    path: Path,
    units: Path | None = UnitsInUseOption,
    policy: Path | None = typer.Option(None, "--policy", help="Tệp chính sách thời hạn (YAML)"),
    campaign_id: str | None = typer.Option(
        None, "--campaign-id", help="Mã chiến dịch; mặc định theo số kế hoạch", callback=campaign_id_checked
    ),
    speed: float = typer.Option(1.0, "--speed", min=0.001, help="Số giây kế hoạch cho mỗi giây thật"),
    rebase_now: bool = typer.Option(
        False, "--rebase-now", help="Giờ kế hoạch bắt đầu từ bây giờ, tại ngày ban hành kế hoạch (hoặc --rebase-to)"
    ),
    rebase_to: str | None = typer.Option(None, "--rebase-to", help="Ngày kế hoạch ứng với bây giờ, ví dụ 28/4/2023"),
) -> None:
    """Khởi động chiến dịch từ kế hoạch; in mã workflow."""
    plan, directory = plan_or_fail(path, units, in_use=True)
    if plan.blocking_findings:
        first = plan.blocking_findings[0]
        fail(f"kế hoạch có dòng không đọc được (dòng {first.line}: {first.message}); hãy sửa trước khi khởi động")
    try:
        policy_file = load_policy(policy)
    except PolicyError as exc:
        fail(str(exc))
    origin = parse_day(rebase_to, "--rebase-to") if rebase_to else None
    campaign_input = build_campaign_input(
        plan, directory, policy_file, campaign_id, speed, rebase_now or bool(origin), origin
    )

    async def body(client: Client) -> None:
        queue = get_settings().temporal_task_queue
        started = await start_campaign(client, campaign_input, queue)
        if missing := await missing_workers(client, queue):
            typer.echo(f"Cảnh báo: {missing}", err=True)
        if started:
            for finding in plan.findings:
                typer.echo(f"Cảnh báo: dòng {finding.line or '-'}: {finding.message}", err=True)
        else:
            typer.echo(f"Chiến dịch {campaign_input.campaign_id} đang chạy; không khởi động lại.", err=True)
        typer.echo(campaign_workflow_id(campaign_input.campaign_id))

    run_command(body)


async def _activity(client: Client, campaign: str, activity: str) -> WorkflowHandle[Any, Any]:
    """The activity's workflow, by its number as the plan writes it (a sub-item "3.1" too)."""
    parent = client.get_workflow_handle(campaign_workflow_id(campaign))
    await check_worker_listening(client, parent, query=True)
    try:
        overview = await parent.query(CampaignWorkflow.overview)
    except (RPCError, WorkflowQueryFailedError):
        overview = None  # the campaign's explanation comes with the command itself
    no = activity_numbered(overview.activities, activity) if overview else None
    if no is None and overview is not None:
        known = ", ".join(s.number or str(s.no) for s in overview.activities)
        raise Refused(
            404, "not_found", f"không tìm thấy hoạt động {activity} trong chiến dịch {campaign} (có: {known})"
        )
    if no is None:
        if not activity.strip().isdigit():
            raise Refused(404, "not_found", f"không tìm thấy chiến dịch {campaign} để tìm hoạt động “{activity}”")
        no = int(activity)
    return client.get_workflow_handle(activity_workflow_id(campaign, no))


def why_not_found(
    what: str, target: WorkflowHandle[Any, Any] | None, campaign: WorkflowHandle[Any, Any]
) -> Callable[[], Awaitable[str | None]]:
    """What the CLI says when the server does not find `what`: None when the target is there (it has
    ended: the closed sentence says so), else a misspelled campaign or a target that is not in it."""

    async def said() -> str | None:
        if target is not None:
            try:
                await target.describe()
                return None
            except RPCError:
                pass
        try:
            await campaign.describe()
        except RPCError:
            return f"không tìm thấy chiến dịch {campaign.id.removeprefix('campaign/')} (kiểm tra lại mã chiến dịch)"
        return f"không tìm thấy {what}"

    return said


M = TypeVar("M", bound=Message)


def operator() -> str:
    """Who sends from this command line, for the audit trail (the frontend itself is an operators' door)."""
    try:
        return f"{getpass.getuser()} (starter.py)"
    except (KeyError, OSError):  # no name for this uid (a container)
        return "starter.py"


def message(model: type[M], **fields: Any) -> M:
    """The message as the workflow will read it; a value outside the limits fails here with the same sentence."""
    fields.setdefault("via", operator())
    try:
        return read_message(model, fields)
    except Rejected as exc:
        fail(str(exc))


def _send(campaign: str, activity: str, update: Update, message: Message) -> Any:
    async def body(client: Client) -> Any:
        target = await _activity(client, campaign, activity)
        parent = client.get_workflow_handle(campaign_workflow_id(campaign))
        missing = why_not_found(f"hoạt động {activity} của chiến dịch {campaign}", target, parent)
        update_id = uuid.uuid4().hex  # every try the same update: a lost answer never doubles it
        return await sent_politely(
            lambda: send_update(
                target, update, message, closed=ended_sentence(activity), missing=missing, update_id=update_id
            )
        )

    return run_command(body)


def ready(
    campaign: str = CampaignOption,
    activity: str = ActivityOption,
    unit: str = UnitOption,
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Đơn vị xác nhận sẵn sàng."""
    typer.echo(
        _send(campaign, activity, CampaignActivityWorkflow.confirm_ready, message(ConfirmReady, unit=unit, note=note))
    )


def report(
    campaign: str = CampaignOption,
    activity: str = ActivityOption,
    unit: str = UnitOption,
    summary: str = typer.Option(..., "--summary", help="Tóm tắt kết quả"),
    participants: int = typer.Option(..., "--participants", help="Số người tham gia"),
    beneficiaries: int | None = typer.Option(None, "--beneficiaries", help="Số người được hưởng lợi"),
    evidence: list[str] = typer.Option([], "--evidence", help="Đường dẫn minh chứng (http/https), lặp lại được"),
    submitted_by: str = typer.Option("", "--submitted-by", help="Người gửi"),
    request_id: str | None = typer.Option(None, "--request-id", help="Mã yêu cầu, để gửi lại không bị trùng"),
    before_event_reason: str | None = typer.Option(
        None, "--before-event-reason", help="Văn phòng ghi nhận báo cáo trước khi hoạt động diễn ra, với lý do"
    ),
) -> None:
    """Đơn vị nộp báo cáo kết quả."""
    report = message(
        SubmitReport,
        unit=unit,
        summary=summary,
        participants=participants,
        beneficiaries=beneficiaries,
        evidence=evidence,
        submitted_by=submitted_by,
        request_id=request_id,
        before_event_reason=before_event_reason,
    )
    receipt = _send(campaign, activity, CampaignActivityWorkflow.submit_report, report)
    typer.echo(receipt.message + (" (đã nhận trước đó)" if receipt.duplicate else ""))


def extend(
    campaign: str = CampaignOption,
    activity: str = ActivityOption,
    unit: str | None = typer.Option(None, "--unit", help="Đơn vị; bỏ trống để gia hạn cho mọi đơn vị chưa báo cáo"),
    due: str = typer.Option(..., "--due", help="Hạn mới, ví dụ 2023-05-20 hoặc 20/5/2023"),
    reason: str = typer.Option(..., "--reason", help="Lý do"),
) -> None:
    """Gia hạn nộp báo cáo."""
    extension = message(ExtendDeadline, unit=unit, new_due=parse_day(due, "--due"), reason=reason)
    typer.echo(_send(campaign, activity, CampaignActivityWorkflow.extend_deadline, extension))


def excuse(
    campaign: str = CampaignOption,
    activity: str = ActivityOption,
    unit: str = UnitOption,
    reason: str = typer.Option(..., "--reason", help="Lý do"),
) -> None:
    """Miễn báo cáo cho một đơn vị."""
    typer.echo(
        _send(campaign, activity, CampaignActivityWorkflow.excuse_unit, message(ExcuseUnit, unit=unit, reason=reason))
    )


def reschedule(
    campaign: str = CampaignOption,
    activity: str = ActivityOption,
    start_day: str = typer.Option(..., "--start", help="Ngày bắt đầu mới"),
    end_day: str | None = typer.Option(None, "--end", help="Ngày kết thúc mới; mặc định bằng ngày bắt đầu"),
    reason: str = typer.Option(..., "--reason", help="Lý do"),
) -> None:
    """Dời lịch một hoạt động; mọi nhắc nhở và thời hạn dời theo."""
    new_start = parse_day(start_day, "--start")
    new_end = parse_day(end_day, "--end") if end_day else new_start
    move = message(Reschedule, new_start=new_start, new_end=new_end, reason=reason)
    typer.echo(_send(campaign, activity, CampaignActivityWorkflow.reschedule, move))


def assign(
    campaign: str = CampaignOption,
    activity: str = ActivityOption,
    units: list[str] = typer.Option(..., "--unit", help="Mã hoặc tên đơn vị trong danh bạ; lặp lại được"),
    support: bool = typer.Option(False, "--support", help="Phân công phối hợp (mặc định: phụ trách)"),
    reason: str | None = typer.Option(None, "--reason", help="Ghi chú"),
    directory_file: Path | None = UnitsInUseOption,
) -> None:
    """Phân công đơn vị cụ thể cho một hoạt động đang chạy (ví dụ nhóm “Các cơ sở Đoàn có chuyên môn …”)."""
    directory = directory_in_use_or_fail(directory_file)
    found = []
    for name in units:
        try:
            found.append(directory.find(name))
        except UnitNotFound as exc:
            fail(str(exc))
    role = UnitRole.SUPPORT if support else UnitRole.LEAD
    assignment = message(AssignUnits, units=[u.model_dump() for u in found], role=role, reason=reason)
    typer.echo(_send(campaign, activity, CampaignActivityWorkflow.assign_units, assignment))


def cancel(
    campaign: str = CampaignOption,
    activity: str | None = typer.Option(None, "--activity", help="Hoạt động; bỏ trống để hủy cả chiến dịch"),
    reason: str = typer.Option(..., "--reason", help="Lý do"),
) -> None:
    """Hủy một hoạt động, hoặc cả chiến dịch."""
    cancellation = message(Cancel, reason=reason)
    if activity is not None:
        typer.echo(_send(campaign, activity, CampaignActivityWorkflow.cancel, cancellation))
        return

    async def body(client: Client) -> str:
        handle = client.get_workflow_handle(campaign_workflow_id(campaign))
        await check_worker_listening(client, handle)
        closed = f"chiến dịch {campaign} đã kết thúc, không nhận thêm thông tin"
        missing = why_not_found(f"chiến dịch {campaign}", None, handle)
        return str(await send_update(handle, CampaignWorkflow.cancel, cancellation, closed=closed, missing=missing))

    typer.echo(run_command(body))


def status(
    campaign: str = CampaignOption,
    activity: str | None = typer.Option(None, "--activity", help="Chỉ một hoạt động (ví dụ 7 hoặc 3.1)"),
    as_json: bool = typer.Option(False, "--json", help="In JSON"),
) -> None:
    """Tình hình chiến dịch, hoặc chi tiết một hoạt động."""

    async def body(client: Client) -> Any:
        parent = client.get_workflow_handle(campaign_workflow_id(campaign))
        if activity is not None:
            target = await _activity(client, campaign, activity)
            missing = why_not_found(f"hoạt động {activity} của chiến dịch {campaign}", None, parent)
            return await query(target, CampaignActivityWorkflow.status, missing=missing)
        await check_worker_listening(client, parent, query=True)
        return await query(
            parent, CampaignWorkflow.overview, missing=why_not_found(f"chiến dịch {campaign}", None, parent)
        )

    result = run_command(body)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    console = Console()
    if activity is not None:
        _print_activity(result, console)
    else:
        _print_overview(result, console)


def _print_overview(overview: Any, console: Console) -> None:
    console.print(
        f"[bold]{overview.campaign_id}[/bold] — {literal(overview.plan_code)} — {overview.phase}", highlight=False
    )
    table = Table()
    for column in ("TT", "Hoạt động", "Giai đoạn", "Sẵn sàng", "Đã báo cáo", "Chờ", "Quá hạn", "Mức BTV"):
        table.add_column(column)
    for a in overview.activities:
        table.add_row(
            a.number or str(a.no),
            literal(a.title[:50]),
            phase_words(a.phase),
            f"{a.ready}/{a.units}",
            f"{a.reported}/{a.units}",
            str(a.waiting),
            a.overdue_text() or "—",
            str(a.escalation_level),
        )
    console.print(table)


def _print_activity(status: Any, console: Console) -> None:
    console.print(f"[bold]{status.no}. {literal(status.title)}[/bold] — {phase_words(status.phase)}", highlight=False)
    table = Table()
    for column in ("Đơn vị", "Sẵn sàng", "Báo cáo", "Hạn", "Quá hạn", "Kết quả"):
        table.add_column(column)
    for u in status.units:
        report = f"lần {u.report.revision}, {'đúng hạn' if u.report.on_time else 'trễ'}" if u.report else "—"
        table.add_row(
            f"{literal(u.name)} ({u.code})",
            "✔" if u.ready else "—",
            report,
            format_deadline(u.due),
            f"mức {u.escalation_level}" if u.overdue else "—",
            OUTCOME_WORDS[u.outcome] if u.outcome else "—",
        )
    console.print(table)
