"""The campaign's final report, read from the database and written under REPORTS_DIR."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import ReportRequest
from activities.logs import activity_logger
from campaign.limits import campaign_id_problem, campaign_id_shown
from exports import report_writer
from store.database import Store
from store.queries import campaign_report


class Publisher:
    def __init__(self, store: Store, reports_dir: Path) -> None:
        self.store = store
        self.reports_dir = reports_dir

    @activity.defn
    def write_final_report(self, request: ReportRequest) -> list[str]:
        """Markdown, XLSX and the chart; the same files again on a retry."""
        folder = (self.reports_dir / request.campaign_id).resolve()
        if campaign_id_problem(request.campaign_id) or not folder.is_relative_to(self.reports_dir.resolve()):
            raise ApplicationError(
                f"mã chiến dịch không dùng được làm tên thư mục: {campaign_id_shown(request.campaign_id)}",
                type="Rejected",
                non_retryable=True,
            )
        write_report = report_writer()  # matplotlib and openpyxl load when a report is written, not before

        with self.store.session() as session:
            report = campaign_report(session, request.campaign_id, request.generated_at)
        paths = write_report(report, folder)
        log = activity_logger("final_report", campaign_id=request.campaign_id)
        log.info("final report written", paths=[str(p) for p in paths])
        return [str(p.resolve()) for p in paths]
