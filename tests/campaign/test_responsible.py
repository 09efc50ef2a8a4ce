"""Who is responsible, as a plan's cell or line says it (issue 21): leads and supporters, names with commas,
contact persons, a described group, the units of a cluster. Every plan here is invented."""

from __future__ import annotations

import pytest

from campaign.importer import import_plan
from campaign.parties import read_responsible
from campaign.units import Unit, UnitDirectory
from tests.body_reading import BODIES, DECEMBER, read_plan

COMMA = UnitDirectory(
    organisation="Đoàn Khối Cơ quan",
    units=[
        Unit(code="vhttdl", name="Đoàn Sở Văn hóa, Thể thao và Du lịch"),
        Unit(code="vhtt", name="Đoàn Sở Văn hóa và Thể thao"),
        Unit(code="yte", name="Đoàn Sở Y tế"),
        Unit(code="noivu", name="Đoàn Sở Nội vụ"),
    ],
)


@pytest.mark.parametrize(
    ("cell", "parties", "contacts"),
    [
        ("Đoàn Sở Y tế chủ trì, Đoàn Sở Nội vụ phối hợp", [("yte", "lead"), ("noivu", "support")], []),
        ("Đoàn Sở Y tế chủ trì; Đoàn Sở Nội vụ, Đoàn Sở Văn hóa và Thể thao phối hợp",
         [("yte", "lead"), ("noivu", "support"), ("vhtt", "support")], []),
        ("Đoàn Sở Văn hóa, Thể thao và Du lịch, Đoàn Sở Y tế", [("vhttdl", "lead"), ("yte", "lead")], []),
        ("Đoàn Sở Văn hóa, Thể thao và Du lịch và Đoàn Sở Y tế phụ trách", [("vhttdl", "lead"), ("yte", "lead")], []),
        ("thầy Minh (môn Sử), Đoàn Sở Y tế", [("yte", "lead")], ["thầy Minh (môn Sử)"]),
        ("Buổi sáng: cô Lan, đ/c Hải. Buổi chiều: Đoàn Sở Nội vụ", [("noivu", "lead")], ["cô Lan", "đ/c Hải"]),
    ],
)  # fmt: skip
def test_who_is_responsible(cell: str, parties, contacts) -> None:
    read = read_responsible(cell, COMMA)
    assert [(p.unit_code, p.role.value) for p in read.parties] == parties
    assert read.contacts == contacts
    assert all("chủ trì" not in p.name and "phối hợp" not in p.name for p in read.parties)


def test_commas_in_parentheses_and_a_closing_parenthesis_are_kept() -> None:
    read = read_responsible("các chi đoàn khối (10, 11)", COMMA)
    assert [(p.name, p.group) for p in read.parties] == [("các chi đoàn khối (10, 11)", True)]


def test_a_described_group_expands_only_for_the_directorys_organisation(directory) -> None:
    own = read_responsible("Các chi đoàn", directory)
    other = read_responsible("Các chi đoàn", directory, own_directory=False)
    assert len(own.parties) > 10
    assert [(p.name, p.group, p.unit_code) for p in other.parties] == [("Các chi đoàn", True, None)]
    assert other.problems[0][0] == "needs_assignment"
    plan = import_plan(BODIES / "school-year.txt", directory)
    assert "other_issuer" in {f.kind for f in plan.findings}


def test_the_units_of_a_cluster_named_in_theread_plan(directory: UnitDirectory) -> None:
    """ "Các đơn vị của Cụm 2" is cluster 2's units, as the schedule editor reads the same words."""
    from campaign.edit_forms import units_typed

    members = [u.code for u in directory.members_of("cum-2")]
    plan = read_plan(
        DECEMBER + "1. Hội thao truyền thống\n- Thời gian: 20/12/2026\n- Phụ trách: Các đơn vị của Cụm 2\n"
        "- Phối hợp: cả Cụm 3\n"
        "2. Ngày hội đọc sách\n- Thời gian: 21/12/2026\n- Phụ trách: Các cơ sở Đoàn thuộc Cụm hoạt động số 2, 3",
        directory,
    )
    first, second = plan.activities
    roles = [(p.unit_code, p.role.value) for p in first.responsible]
    assert roles == [(c, "lead") for c in members] + [(u.code, "support") for u in directory.members_of("cum-3")]
    assert [p.unit_code for p in first.responsible if p.role.value == "lead"] == [
        p.unit_code for p in units_typed("Các đơn vị của Cụm 2", first.responsible[0].role, directory, "x")
    ]
    assert second.unit_codes == members + [u.code for u in directory.members_of("cum-3")]
    assert not any(p.group for a in plan.activities for p in a.responsible)
    found = [f for f in plan.findings if f.kind == "cluster_members"]
    assert [f.line for f in found] == [6, 6, 10, 10]
    assert "Cụm hoạt động số 2" in found[0].message and directory.get(members[0]).name in found[0].message
    assert "needs_assignment" not in {f.kind for f in plan.findings}


def test_a_cluster_without_members_is_left_to_assign() -> None:
    lonely = UnitDirectory(
        organisation="Đoàn Khối",
        units=[Unit(code="cum-9", name="Cụm hoạt động số 9", kind="cluster", aliases=["Cụm 9"])],
    )
    read = read_responsible("Các đơn vị của Cụm 9", lonely)
    assert [(p.name, p.group) for p in read.parties] == [("Các đơn vị của Cụm 9", True)]
    assert [kind for kind, _ in read.problems] == ["needs_assignment"]
