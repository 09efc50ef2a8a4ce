"""Hostile text from plans and reports stays text: in Markdown, spreadsheets, CSV, e-mail headers,
terminals and the Temporal UI's details."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from email import message_from_bytes, policy

import pytest
from openpyxl import load_workbook
from temporalio.testing import ActivityEnvironment
from typer.testing import CliRunner

import activities.notifications as notifications
from activities.notifications import Notifier
from campaign.escape import markdown_text, spreadsheet_text, visible
from campaign.final_report import ActivityLine, CampaignReport, UnitLine, render_markdown
from campaign.tracker import Outcome
from settings import Settings
from starter import app
from tests.conftest import CORPUS
from tests.helpers import Hook, notice, rows

FORMULA = '=HYPERLINK("http://evil.example","bấm")'
COMMAND = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(2)>"
LINK = "[bấm vào](javascript:alert(1)) | cột | **đậm**"


def hostile_report() -> CampaignReport:
    unit = UnitLine(code="a", name="Đoàn <b>A</b>", role="lead", outcome=Outcome.ON_TIME, revision=1,
                    participants=-0 + 12, summary=COMMAND)  # fmt: skip
    activity = ActivityLine(no=7, title=FORMULA, start=date(2023, 5, 1), end=date(2023, 5, 1), place=SCRIPT,
                            phase="CLOSED", escalations=0, units=[unit])  # fmt: skip
    other = activity.model_copy(update={"no": 8, "title": LINK, "place": "+1 cộng"})
    return CampaignReport(campaign_id="c", plan_code="54-KH/ĐTN", title="7. Tháng " + SCRIPT,
                          window_start=date(2023, 5, 1), window_end=date(2023, 5, 31), status="CLOSED",
                          recipients=["- [x](javascript:1)"], activities=[activity, other],
                          generated_at=datetime(2023, 6, 1, tzinfo=UTC))  # fmt: skip


def test_markdown_report_shows_plan_text_as_text() -> None:
    text = render_markdown(hostile_report())
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert not re.search(r"(?<!\\)\]\(", text) and "\\[bấm vào\\](javascript:alert(1))" in text
    assert "**Tháng" not in text and "**7\\. Tháng &lt;script&gt;" in text
    table = next(line for line in text.splitlines() if line.startswith("| 8 |"))
    assert table.count(" | ") == 9  # the title's "|" did not add columns


def test_xlsx_keeps_formulas_as_text(tmp_path) -> None:
    from exports.tables import write_xlsx

    path = write_xlsx(hostile_report(), tmp_path / "r.xlsx")
    book = load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    starting_with_equals = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in starting_with_equals} >= {FORMULA, COMMAND}
    assert all(c.data_type == "s" for c in starting_with_equals)
    assert any(c.value == 12 and c.data_type == "n" for c in cells)  # numbers stay numbers


def test_csv_neutralises_formula_starts() -> None:
    from exports.tables import render_csv

    parsed = list(csv.reader(io.StringIO(render_csv(hostile_report()))))
    first = dict(zip(parsed[0], parsed[1], strict=True))
    assert first["Hoạt động"] == "'" + FORMULA and first["Tóm tắt kết quả"] == "'" + COMMAND
    assert first["Số người tham gia"] == "12"
    assert [spreadsheet_text(v) for v in ("+1", "-2", "@x", "\tx", "ok", 5)] == ["'+1", "'-2", "'@x", "'\tx", "ok", 5]


def test_line_breaks_in_headers_do_not_break_mail(smtp, store) -> None:
    inbox, port = smtp
    hostile = notice().model_copy(update={"subject": "Nhắc\r\nBcc: victim@example.org"})
    hostile.to = hostile.to.model_copy(update={"name": "Đoàn\nSở"})  # type: ignore[union-attr]
    result = ActivityEnvironment().run(
        Notifier(store, Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port)).send_notice, hostile
    )
    assert result.sent == ["email"]
    mail = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert mail["Subject"] == "Nhắc Bcc: victim@example.org" and mail["Bcc"] is None


def test_an_unexpected_delivery_error_is_recorded_not_retried_forever(store, monkeypatch) -> None:
    def broken(*_: object) -> None:
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr(notifications, "deliver_email", broken)
    result = ActivityEnvironment().run(Notifier(store, Settings(notify_channels="email")).send_notice, notice())
    assert result.sent == [] and "ValueError" in result.failed[0].error
    assert [r.status for r in rows(store)] == ["failed"]


@pytest.mark.parametrize("name", ["markup-title.txt", "esc-sequence.txt", "emoji-and-rtl.txt"])
def test_plan_import_prints_plan_text_literally(name: str) -> None:
    result = CliRunner().invoke(app, ["plan", "import", str(CORPUS / "plans" / name)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    if name == "markup-title.txt":
        assert "[/bold]" in result.output and "[xem phụ lục]" in result.output and "[red]đỏ[/red]" in result.output
    if name == "esc-sequence.txt":
        assert "␛[31mĐỎ␛[0m ␇" in result.output


def test_visible_and_markdown_text() -> None:
    assert visible("a\x1b[2Jb\x00\x7f\x85\u202e") == "a␛[2Jb␀␡��"
    assert visible("dòng\nmới\tcột") == "dòng\nmới\tcột"
    assert markdown_text("7. Ngày hội") == "7\\. Ngày hội"
    assert markdown_text("- mục") == "\\- mục" and markdown_text("# to") == "\\# to"


def test_ui_details_do_not_start_like_a_list() -> None:
    from campaign.dates import ActivityKind
    from campaign.plan import PlannedActivity
    from campaign.policy import Policy
    from campaign.tracker import new_activity_state
    from campaign.units import Unit
    from campaign.views import unit_table

    activity = PlannedActivity(no=7, title="Hội thi | [x](javascript:1)", kind=ActivityKind.SINGLE_DAY,
                               start=date(2023, 5, 11), end=date(2023, 5, 11))  # fmt: skip
    state = new_activity_state("c", activity, [Unit(code="a", name="Đoàn | A")], Policy(), [], date(2023, 5, 31))
    table = unit_table(state, datetime(2023, 5, 1, tzinfo=UTC))
    assert table.startswith("**7\\. Hội thi \\| \\[x\\](javascript:1)**")
    assert "| Đoàn \\| A (`a`) |" in table


def test_credentials_in_a_webhook_url_are_never_stored_or_reported(store, caplog) -> None:

    hook = Hook()
    hook.statuses = [404]
    secret_url = hook.url.replace("http://", "http://tram:mat-khau@") + "?token=bi-mat&x=1"
    try:
        notifier = Notifier(store, Settings(notify_channels="webhook", webhook_url=secret_url))
        delivery = ActivityEnvironment().run(notifier.send_notice, notice())
    finally:
        hook.server.shutdown()
    assert len(hook.received) == 1  # it was sent with the real URL
    stored = rows(store)[0]
    shown = [stored.address or "", stored.last_error or "", delivery.failed[0].address or "", delivery.failed[0].error]
    for text in shown:
        assert "mat-khau" not in text and "bi-mat" not in text and "tram" not in text
    assert stored.address.endswith("/hook?token=***&x=***") and "***@127.0.0.1" in stored.address
    assert "mat-khau" not in caplog.text and "bi-mat" not in caplog.text
