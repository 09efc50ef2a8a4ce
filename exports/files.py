"""Writing the report files under the reports directory: <campaign>/bao-cao.{md,xlsx,csv,png}."""

from __future__ import annotations

from pathlib import Path

from campaign.final_report import CampaignReport, render_markdown
from exports.chart import completion_chart
from exports.tables import render_csv, write_xlsx

FORMATS = ("md", "xlsx", "csv")


def write_report(report: CampaignReport, folder: Path, formats: tuple[str, ...] = ("md", "xlsx")) -> list[Path]:
    """Write the report in `formats` (with the chart where it fits); returns the paths, chart last."""
    folder.mkdir(parents=True, exist_ok=True)
    chart = completion_chart(report, folder / "hoan-thanh.png")
    written: list[Path] = []
    for fmt in formats:
        path = folder / f"bao-cao.{fmt}"
        if fmt == "md":
            path.write_text(render_markdown(report, chart=chart.name), encoding="utf-8")
        elif fmt == "xlsx":
            write_xlsx(report, path, chart)
        elif fmt == "csv":
            path.write_text(render_csv(report), encoding="utf-8-sig")  # Excel opens UTF-8 with a BOM correctly
        else:
            raise ValueError(f"định dạng không hỗ trợ: {fmt} (chỉ {', '.join(FORMATS)})")
        written.append(path)
    return [*written, chart]
