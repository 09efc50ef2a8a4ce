"""Files for people: the campaign report as Markdown, XLSX, CSV, and its completion chart."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from campaign.final_report import CampaignReport

_LOADING = threading.Lock()


class ReportWriter(Protocol):
    def __call__(self, report: CampaignReport, folder: Path, formats: tuple[str, ...] = ...) -> list[Path]: ...


def report_writer() -> ReportWriter:
    """`write_report`, importing the report-writing stack (matplotlib, openpyxl) on first use.

    One thread at a time: matplotlib imports itself circularly, and two threads importing it at
    once (a worker's final-report activity and a download in the same process) can leave one of
    them with a half-initialised module ("module 'matplotlib' has no attribute 'get_data_path'").
    """
    with _LOADING:
        from exports.files import write_report

    return write_report
