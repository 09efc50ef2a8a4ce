"""A generated city: N grassroots units in clusters, and a plan whose one activity names them all."""

from __future__ import annotations

from datetime import date

from campaign.dates import ActivityKind
from campaign.plan import Plan, PlannedActivity, ResponsibleParty, Window
from campaign.units import Unit, UnitDirectory, UnitKind

EVENT_DAY = date(2024, 3, 26)  # the activity's day; the plan is issued 10 days before
ISSUED = date(2024, 3, 16)


def city_directory(n: int, per_cluster: int = 50) -> UnitDirectory:
    clusters = (n + per_cluster - 1) // per_cluster
    units = [
        Unit(code="van-phong", name="Văn phòng Đoàn Khối", kind=UnitKind.OFFICE, email="vanphong@doankhoi.example"),
        Unit(code="btv", name="Ban Thường vụ Đoàn Khối", kind=UnitKind.COMMITTEE, email="btv@doankhoi.example"),
        *(Unit(code=f"cum-{c:03d}", name=f"Cụm hoạt động số {c}", kind=UnitKind.CLUSTER) for c in range(clusters)),
    ]
    units += [
        Unit(
            code=f"cs-{i:05d}",
            name=f"Đoàn cơ sở Công ty số {i}",
            email=f"cs{i:05d}@doanvien.example",
            cluster=f"cum-{i // per_cluster:03d}",
        )
        for i in range(n)
    ]
    return UnitDirectory(organisation="Đoàn Khối (thành phố mẫu)", units=units)


def city_plan(directory: UnitDirectory) -> Plan:
    grassroots = [u for u in directory.units if u.kind is UnitKind.UNIT]
    activity = PlannedActivity(
        no=1,
        title="Ra quân Ngày Chủ nhật xanh toàn thành phố",
        kind=ActivityKind.SINGLE_DAY,
        start=EVENT_DAY,
        end=EVENT_DAY,
        place="Các cơ sở Đoàn",
        responsible=[ResponsibleParty(name=u.name, unit_code=u.code) for u in grassroots],
    )
    return Plan(
        code="99-KH/ĐTN",
        issued_on=ISSUED,
        title="Kế hoạch Tháng Thanh niên (thành phố mẫu)",
        window=Window(start=date(2024, 3, 1), end=date(2024, 3, 31)),
        activities=[activity],
    )
