"""The small well-formed plan the corpus's flawed plans were made from (one flaw each)."""

from __future__ import annotations

HEAD = [
    "ĐOÀN KHỐI",
    "Số: 12-KH/ĐTN",
    "TP. Hồ Chí Minh, ngày 01 tháng 3 năm 2024",
    "",
    "KẾ HOẠCH",
    "Tổ chức Tháng Thanh niên năm 2024",
    "(Từ ngày 01/3 đến ngày 31/3/2024)",
    "",
    "I. MỤC ĐÍCH - YÊU CẦU:",
    "Nơi nhận:",
    "- BTV Đoàn Khối;",
    "- Cơ sở Đoàn;",
    "- Lưu: VP.",
    "",
    "LỊCH HOẠT ĐỘNG",
]
HEADER = "TT\tHOẠT ĐỘNG\tTHỜI GIAN\tĐỊA ĐIỂM\tGHI CHÚ"
ROWS = [
    "1\tRa quân Tháng Thanh niên\t05/3/2024\tNhà Văn hóa Thanh niên\tĐoàn Sở Văn hóa và Thể thao phụ trách",
    "2\tHiến máu tình nguyện\t16/3/2024\tBệnh viện Truyền máu\tĐoàn Bảo hiểm xã hội phụ trách",
    "3\tNgày Chủ nhật xanh\t24/3/2024\tKhu Công nghệ cao\tĐoàn Khu Công nghệ cao phụ trách",
]


def plan_lines(rows: list[str], body: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    head = list(HEAD)
    at = head.index("Nơi nhận:")
    head[at:at] = list(body)
    return [*head, HEADER, *rows]
