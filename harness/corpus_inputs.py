"""The small well-formed plan the corpus's flawed plans were made from (one flaw each)."""

from __future__ import annotations

from collections.abc import Sequence

from harness.plan_documents import plan_text

HEADER = "TT\tHOẠT ĐỘNG\tTHỜI GIAN\tĐỊA ĐIỂM\tGHI CHÚ"
ROWS = [
    "1\tRa quân Tháng Thanh niên\t05/3/2024\tNhà Văn hóa Thanh niên\tĐoàn Sở Văn hóa và Thể thao phụ trách",
    "2\tHiến máu tình nguyện\t16/3/2024\tBệnh viện Truyền máu\tĐoàn Bảo hiểm xã hội phụ trách",
    "3\tNgày Chủ nhật xanh\t24/3/2024\tKhu Công nghệ cao\tĐoàn Khu Công nghệ cao phụ trách",
]


def plan_lines(rows: list[str], body: Sequence[str] = ()) -> list[str]:
    """The lines of harness.plan_documents' small plan with these tab-separated schedule rows."""
    lines, table = plan_text([row.split("\t") for row in rows], header=HEADER.split("\t"), body=body)
    return [*lines, *("\t".join(cells) for cells in table)]
