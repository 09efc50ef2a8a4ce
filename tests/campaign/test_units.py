from __future__ import annotations

from pathlib import Path

import pytest

from campaign.units import DirectoryError, UnitNotFound, load_directory


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Doan So Noi vu", "so-noi-vu"),
        ("ĐOÀN SỞ NỘI VỤ", "so-noi-vu"),
        ("  Đoàn   Sở  Nội   vụ ", "so-noi-vu"),
        ("so-noi-vu", "so-noi-vu"),
        ("Doan Khu Cong nghe cao", "khu-cnc"),
        ("Đoàn Toà án nhân dân", "toa-an"),  # old-style tone mark
        ("Đoàn Sở Văn hoá và Thể thao Thành phố", "so-vhtt"),
        ("Cụm 4", "cum-4"),
        ("Văn phòng Đoàn Khối", "van-phong"),
    ],
)
def test_tolerant_matching(directory, query: str, code: str) -> None:
    assert directory.find(query).code == code


def test_nfd_input(directory) -> None:
    import unicodedata

    assert directory.find(unicodedata.normalize("NFD", "Đoàn Sở Y tế")).code == "so-y-te"


def test_unknown_names_closest(directory) -> None:
    with pytest.raises(UnitNotFound) as caught:
        directory.find("Đoàn Sở Nội vụ 2")
    assert not caught.value.ambiguous
    assert caught.value.candidates[0].code == "so-noi-vu"
    assert "gần nhất" in str(caught.value)


def test_ambiguous_names(directory) -> None:
    with pytest.raises(UnitNotFound) as caught:
        directory.find("Đoàn Sở")
    assert caught.value.ambiguous and len(caught.value.candidates) > 1
    assert "nhiều đơn vị" in str(caught.value)


def test_roles_of_directory(directory) -> None:
    assert directory.office.code == "van-phong"
    assert directory.standing_committee.code == "btv"
    assert {u.code for u in directory.members_of("cum-3")} == {"toa-an", "vien-kiem-sat"}
    assert directory.problems() == []


def test_problems(tmp_path: Path) -> None:
    path = tmp_path / "u.yaml"
    path.write_text(
        "units:\n"
        "  - {code: a, name: Đoàn A, aliases: [Đoàn chung]}\n"
        "  - {code: a, name: Đoàn B}\n"
        "  - {code: c, name: Doan chung, cluster: cum-9}\n",
        encoding="utf-8",
    )
    problems = load_directory(path).problems()
    assert any("mã “a” bị trùng" in p for p in problems)
    assert any("doan chung" in p and "a, c" in p for p in problems)
    assert any("cum-9" in p for p in problems)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("units: [\n", "YAML"),
        ("- a\n", "units"),
        ("units:\n  - {code: 'Bad Code', name: X}\n", "units.0.code"),
        ("units:\n  - {code: x}\n", "units.0.name"),
    ],
)
def test_bad_directory_files(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "u.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DirectoryError, match=reason):
        load_directory(path)
