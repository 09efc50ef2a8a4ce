"""How fast plans are read and linted: `python -m bench.importer [N]` prints plans/s for the seed plan (a
schedule table) and for an invented plan of 60 activities written in its body (numbered items with
labelled lines, sentences, deadlines and undated tasks). `--quick` runs a few rounds."""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable

from campaign.importer import import_lines, import_plan
from campaign.units import UnitDirectory, load_directory
from harness.paths import SEED, UNITS

UNITS_NAMED = ["Đoàn Sở Y tế", "Đoàn Sở Nội vụ", "Văn phòng Đoàn Khối", "Cụm hoạt động số 3", "Đoàn Sở Tư pháp"]


def body_plan(items: int = 60) -> list[str]:
    """An invented monthly plan of `items` activities in its body, in the forms offices use, cycling."""
    lines = [
        "BAN THƯỜNG VỤ ĐOÀN KHỐI",
        "Số: 77-KH/ĐTN",
        "TP. Hồ Chí Minh, ngày 25 tháng 9 năm 2025",
        "KẾ HOẠCH",
        "Hoạt động tháng 10 năm 2025",
        "Căn cứ Kế hoạch số 40-KH/TĐTN ngày 10/01/2025 của Thành Đoàn;",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "- Chào mừng kỷ niệm 95 năm Ngày thành lập Hội LHPN Việt Nam (20/10/1930 - 20/10/2025).",
        "II. NỘI DUNG",
    ]
    for n in range(1, items + 1):
        day, unit, other = 1 + n % 28, UNITS_NAMED[n % 5], UNITS_NAMED[(n + 1) % 5]
        form = n % 4
        if form == 0:
            lines += [
                f"{n}. Hội thi chuyên đề số {n}",
                f"- Thời gian: 8h00 ngày {day}/10/2025",
                "- Địa điểm: Hội trường Đoàn Khối",
                "- Thành phần: đoàn viên các cơ sở",
                f"- Thực hiện: {unit} chủ trì, {other} phối hợp",
            ]
        elif form == 1:
            lines.append(f"{n}. Tọa đàm chủ đề số {n} tổ chức vào ngày {day}-10-2025 tại phòng họp, {unit} phụ trách.")
        elif form == 2:
            lines.append(f"{n}. Nộp báo cáo chuyên đề số {n} chậm nhất ngày {day}/10/2025 ({unit} thực hiện).")
        else:
            lines += [f"{n}. Sinh hoạt chi đoàn theo chủ điểm số {n}", f"- Phụ trách: {unit}; thầy Minh (môn Sử)"]
    return [*lines, "Nơi nhận:", "- Lưu VP."]


def _rate(label: str, read: Callable[[], object], rounds: int) -> None:
    """Plans/s and ms each (wall clock, and CPU time, which a busy machine inflates less), then the
    traced peak memory of one more round (tracing slows reading, so it is timed apart)."""
    read()  # warm caches
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        read()
    elapsed, cpu_each = time.perf_counter() - started, (time.process_time() - cpu) / rounds
    tracemalloc.start()
    read()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"import+lint of {label}: {rounds / elapsed:.1f} plans/s, {elapsed / rounds * 1000:.1f} ms each "
          f"({cpu_each * 1000:.1f} ms CPU), peak {peak / 1024:.0f} KiB traced")  # fmt: skip


def main(rounds: int = 200) -> None:
    directory: UnitDirectory = load_directory(UNITS)
    body = body_plan(60)
    plan = import_lines(body, directory)
    assert len(plan.activities) == 60, len(plan.activities)
    _rate("the seed plan (schedule table, 12 activities)", lambda: import_plan(SEED, directory), rounds)
    _rate("a body plan of 60 activities", lambda: import_lines(body, directory), rounds)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--quick"]
    main(5 if "--quick" in sys.argv else int(args[0]) if args else 200)
