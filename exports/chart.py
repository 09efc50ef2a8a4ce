"""Completion per activity as a horizontal bar chart (PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from campaign.final_report import CampaignReport, totals

COLOURS = {"on_time": "#2e7d32", "late": "#f9a825", "excused": "#90a4ae", "missing": "#c62828", "pending": "#e0e0e0"}
LABELS = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "excused": "Được miễn",
    "missing": "Không báo cáo",
    "pending": "Đang chờ",
}


def completion_chart(report: CampaignReport, path: Path) -> Path:
    rows = [t for t in (totals(a) for a in report.activities) if t.units]
    fig, ax = plt.subplots(figsize=(9, 0.4 * max(len(rows), 3) + 0.8), dpi=110)
    left = [0.0] * len(rows)
    names = [f"{t.no}. {t.title[:38]}{'…' if len(t.title) > 38 else ''}" for t in rows]
    for field, colour in COLOURS.items():
        shares = [getattr(t, field) / t.units * 100 for t in rows]
        ax.barh(names, shares, left=left, color=colour, label=LABELS[field])
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% đơn vị")
    ax.set_title(f"Kế hoạch {report.plan_code}: kết quả báo cáo theo hoạt động")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=5, fontsize=8, frameon=False)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
