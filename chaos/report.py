"""The comparison of a disturbed run with an undisturbed one, and the table that shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from campaign.clock import format_moment
from chaos.faults import Fault
from chaos.outcome import WorldResult


@dataclass
class Check:
    name: str
    reference: str
    disturbed: str
    held: bool | None  # None: a figure, not a check
    examples: list[str] = field(default_factory=list)


def differences(reference: dict[Any, Any], disturbed: dict[Any, Any]) -> list[str]:
    keys = sorted(set(reference) | set(disturbed), key=str)
    return [f"{key}: {reference.get(key, '—')} ≠ {disturbed.get(key, '—')}"
            for key in keys if reference.get(key) != disturbed.get(key)]  # fmt: skip


def same(name: str, reference: dict[Any, Any], disturbed: dict[Any, Any]) -> Check:
    found = differences(reference, disturbed)
    return Check(name, str(len(reference)), "giống hệt" if not found else f"{len(found)} khác", not found, found[:5])


def compare(reference: WorldResult, disturbed: WorldResult, margin_seconds: float) -> list[Check]:
    slowest = max(disturbed.answered.delays.values(), default=0.0)
    calm_slowest = max(reference.answered.delays.values(), default=0.0)
    return [
        Check("chiến dịch kết thúc", yes(reference.completed), yes(disturbed.completed),
              reference.completed and disturbed.completed),
        same("kết quả từng đơn vị (kết quả, mức báo cáo BTV)", reference.outcomes, disturbed.outcomes),
        same("báo cáo và bản sửa", reference.reports, disturbed.reports),
        same("xác nhận sẵn sàng", dict.fromkeys(reference.readiness, "có"), dict.fromkeys(disturbed.readiness, "có")),
        same("lời từ chối của workflow", reference.answered.refusals, disturbed.answered.refusals),
        same("thông báo theo chính sách (khóa, trạng thái)", reference.notices, disturbed.notices),
        Check("thư đã gửi mà máy chủ thư không nhận", str(len(reference.undelivered)),
              str(len(disturbed.undelivered)), not reference.undelivered and not disturbed.undelivered,
              disturbed.undelivered[:5]),
        Check("thư nhận hai lần (cùng Message-ID, người nhận bỏ bản sao)", str(reference.copies),
              str(disturbed.copies), None),
        same("nhật ký kiểm tra (hoạt động, hành động)", dict(reference.audit), dict(disturbed.audit)),
        Check("workflow task thất bại", str(reference.task_failures), str(disturbed.task_failures),
              reference.task_failures == 0 and disturbed.task_failures == 0),
        Check("workflow task hết giờ (worker bị giết)", str(reference.task_timeouts), str(disturbed.task_timeouts),
              None),
        Check("activity hết giờ (đang chạy trên worker bị giết)", str(reference.activity_timeouts),
              str(disturbed.activity_timeouts), None),
        Check("số lượt chạy workflow", str(reference.runs), str(disturbed.runs), None),
        Check(f"trả lời chậm nhất (< {margin_seconds:.0f} s: khoảng cách tới mốc)", f"{calm_slowest:.1f} s",
              f"{slowest:.1f} s", slowest < margin_seconds and calm_slowest < margin_seconds),
        Check(f"hẹn giờ chờ worker lâu nhất (< {margin_seconds:.0f} s)", f"{reference.held_up:.1f} s",
              f"{disturbed.held_up:.1f} s", max(reference.held_up, disturbed.held_up) < margin_seconds),
    ]  # fmt: skip


def yes(value: bool) -> str:
    return "có" if value else "không"


def print_report(faults: list[Fault], checks: list[Check]) -> None:
    console = Console(width=140)
    injected = Table(title="Sự cố đã gây ra", title_justify="left")
    for column in ("giờ kế hoạch", "sự cố", "kết quả"):
        injected.add_column(column)
    for fault in faults:
        when = format_moment(fault.began) if fault.began else "—"
        injected.add_row(when, fault.what, "; ".join(fault.done) or "chưa xảy ra")
    console.print(injected)
    held = Table(title="So sánh với lần chạy không sự cố", title_justify="left")
    for column in ("kiểm tra", "không sự cố", "có sự cố", "đạt"):
        held.add_column(column)
    for check in checks:
        mark = "—" if check.held is None else ("✓" if check.held else "✗")
        held.add_row(check.name, check.reference, check.disturbed, mark)
    console.print(held)
    for check in checks:
        if check.held is False and check.examples:
            console.print(f"[bold]{check.name}[/bold]:")
            for example in check.examples:
                console.print(f"  {example}", highlight=False)
    verdict = all(check.held is not False for check in checks)
    console.print("KẾT QUẢ: đạt" if verdict else "KẾT QUẢ: KHÔNG ĐẠT")
