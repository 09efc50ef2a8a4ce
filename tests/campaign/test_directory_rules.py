"""The directory's rules as the office meets them (issue 23): codes, e-mail syntax, a folded name that two
units would answer to, clusters; what an imported .xlsx changes, and each bad row's line, column and why."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from campaign.directory_rules import Typed, check_one, preview_import
from campaign.units import Unit, UnitKind
from exports.unit_sheet import SheetError, sheet_rows, units_workbook

CURRENT = [
    Unit(code="van-phong", name="Văn phòng Đoàn Khối", kind=UnitKind.OFFICE, email="vp@example.org"),
    Unit(code="cum-1", name="Cụm hoạt động số 1", kind=UnitKind.CLUSTER, aliases=["Cụm 1"]),
    Unit(code="so-y-te", name="Đoàn Sở Y tế", aliases=["Đoàn SYT"], email="syt@example.org", cluster="cum-1"),
    Unit(
        code="so-xd",
        name="Đoàn Sở Xây dựng",
        email="sxd@example.org",
        cluster="cum-1",
        channel="webhook",
        webhook_url="https://hook.example.org/sxd",
    ),
]


def sheet(*rows: list[object], headings: list[str] | None = None, title: str | None = None) -> bytes:
    book = Workbook()
    page = book.active
    assert page is not None
    if title:
        page.append([title])
    page.append(headings or ["Mã", "Tên đơn vị", "Tên khác", "E-mail", "Cụm", "Loại", "Người liên hệ"])
    for row in rows:
        page.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_unit_typed_in_the_form_is_read_and_checked() -> None:
    typed = Typed(
        code=" Doan-Truong-Thu ",
        name="  Đoàn Trường   Thử nghiệm ",
        aliases="Đoàn TTN\nĐoàn TTN;  Trường TN",
        email="ttn@Example.ORG",
        cluster="Cụm 1",
        kind="co so doan",
        contact="Chị Lan, 0901 234 567",
    )
    unit, problems = check_one(typed, CURRENT, [u.code for u in CURRENT])
    assert problems == []
    assert unit is not None
    assert (unit.code, unit.name, unit.aliases) == (
        "doan-truong-thu",
        "Đoàn Trường Thử nghiệm",
        ["Đoàn TTN", "Trường TN"],
    )
    assert (unit.email, unit.cluster, unit.kind, unit.contact) == (
        "ttn@example.org",
        "cum-1",
        UnitKind.UNIT,
        "Chị Lan, 0901 234 567",
    )


def test_bad_fields_are_each_named_in_vietnamese() -> None:
    typed = Typed(code="Đoàn Y tế", name="", email="syt@@example", kind="phòng ban", cluster="")
    unit, problems = check_one(typed, CURRENT, [u.code for u in CURRENT])
    assert unit is None
    said = {p.field: p.sentence() for p in problems}
    assert set(said) == {"code", "name", "email", "kind"}
    assert "chữ thường không dấu" in said["code"] and said["name"] == "Tên đơn vị: chưa có tên đơn vị"
    assert "“syt@@example” không phải địa chỉ e-mail hợp lệ" in said["email"]
    assert "không hiểu loại “phòng ban”" in said["kind"]


def test_a_code_in_use_even_by_a_disabled_unit_is_refused() -> None:
    in_use = [u for u in CURRENT if u.code != "so-xd"]  # so-xd disabled: its code still names it in old campaigns
    unit, problems = check_one(Typed(code="so-xd", name="Đoàn Sở Xây dựng mới"), in_use, [u.code for u in CURRENT])
    assert unit is None and "đã có đơn vị mã “so-xd”" in problems[0].message


def test_a_name_that_folds_to_another_units_name_is_refused_naming_both() -> None:
    typed = Typed(code="doan-syt-2", name="DOAN SO Y TE", kind="unit")
    unit, problems = check_one(typed, CURRENT, [u.code for u in CURRENT])
    assert unit is None
    assert problems[0].field == "name"
    assert problems[0].sentence() == (
        "Tên đơn vị: “DOAN SO Y TE” trùng với tên của “Đoàn Sở Y tế” (so-y-te) khi bỏ "
        "dấu; kế hoạch ghi tên này sẽ không biết là đơn vị nào"
    )
    _, alias = check_one(Typed(code="doan-x", name="Đoàn X", aliases="đoàn syt"), CURRENT, [u.code for u in CURRENT])
    assert alias[0].field == "aliases"
    assert "“đoàn syt” trùng với “Đoàn SYT”, tên khác của “Đoàn Sở Y tế” (so-y-te)" in alias[0].message


def test_an_unknown_cluster_is_refused_and_an_edit_keeps_what_the_form_does_not_show() -> None:
    _, problems = check_one(Typed(code="doan-x", name="Đoàn X", cluster="Cụm 9"), CURRENT, [u.code for u in CURRENT])
    assert problems[0].field == "cluster" and "không có cụm “Cụm 9”" in problems[0].message
    base = CURRENT[3]
    others = [u for u in CURRENT if u.code != base.code]
    edited, problems = check_one(
        Typed(
            code="so-xd", name=base.name, email="moi@example.org", cluster="cum-1", kind="unit", aliases="", contact=""
        ),
        others,
        [u.code for u in CURRENT],
        base,
    )
    assert problems == [] and edited is not None
    assert (edited.email, edited.channel, edited.webhook_url) == ("moi@example.org", "webhook", base.webhook_url)


def test_an_import_previews_new_changed_and_disabled_units() -> None:
    rows, letters = sheet_rows(
        sheet(
            ["van-phong", "Văn phòng Đoàn Khối", None, "vp@example.org", None, "Văn phòng", None],
            ["cum-1", "Cụm hoạt động số 1", "Cụm 1", None, None, "Cụm hoạt động", None],
            ["so-y-te", "Đoàn Sở Y tế", "Đoàn SYT", "yte-moi@example.org", "cum-1", "Cơ sở Đoàn", "Anh Minh"],
            [None, None, None, None, None, None, None],
            ["doan-truong-thu", "Đoàn Trường Thử nghiệm", None, "ttn@example.org", "Cụm 1", None, "Chị Lan"],
            title="DANH BẠ ĐƠN VỊ (bản tháng 12)",
        )
    )
    assert letters["email"] == "D" and [r.line for r in rows] == [3, 4, 5, 7]
    preview = preview_import(rows, CURRENT, disabled=set())
    assert preview.problems == []
    assert [u.code for u in preview.new] == ["doan-truong-thu"] and preview.new[0].cluster == "cum-1"
    assert [(c.unit.code, c.fields) for c in preview.changed] == [
        ("so-y-te", {"email": ("syt@example.org", "yte-moi@example.org"), "contact": ("", "Anh Minh")})
    ]
    assert [u.code for u in preview.disabled] == ["so-xd"] and preview.unchanged == 2
    only_add = preview_import(rows, CURRENT, disabled=set(), whole=False)
    assert only_add.disabled == [] and [u.code for u in only_add.new] == ["doan-truong-thu"]


def test_a_disabled_unit_named_again_is_in_use_again() -> None:
    rows, _ = sheet_rows(
        sheet(
            ["so-xd", "Đoàn Sở Xây dựng", None, "sxd@example.org", "cum-1", "Cơ sở Đoàn", None],
            headings=["Mã", "Tên đơn vị", "Tên khác", "E-mail", "Cụm", "Loại", "Người liên hệ"],
        )
    )
    preview = preview_import(rows, CURRENT, disabled={"so-xd"}, whole=False)
    assert [(c.unit.code, c.fields) for c in preview.changed] == [("so-xd", {"disabled": ("ngừng dùng", "đang dùng")})]


def test_each_bad_row_says_its_line_column_and_why() -> None:
    rows, letters = sheet_rows(
        sheet(
            ["cum-1", "Cụm hoạt động số 1", None, None, None, "Cụm hoạt động", None],
            ["doan-a", "Đoàn A", None, "a@example", "cum-1", None, None],
            ["doan-b", "Đoàn Bê", None, None, "Cụm 7", None, None],
            ["doan-a", "Đoàn A lần hai", None, None, None, None, None],
            ["doan-c", "Doan Be", None, None, None, None, None],
        )
    )
    preview = preview_import(rows, CURRENT, disabled=set())
    said = [p.sentence(letters) for p in preview.problems]
    assert said[0] == (
        "Dòng 3, cột D (E-mail): “a@example” không phải địa chỉ e-mail hợp lệ (dạng ten@to-chuc.vn, "
        "không dấu cách, không dấu)"
    )
    assert any(s.startswith("Dòng 4, cột E (Cụm): không có cụm “Cụm 7”") for s in said)
    assert "Dòng 5, cột A (Mã): mã “doan-a” đã có ở dòng 3" in said
    assert any(
        s.startswith("Dòng 6, cột B (Tên đơn vị): “Doan Be” trùng với tên của “Đoàn Bê” (doan-b, dòng 4)") for s in said
    )
    assert preview.new == [] and preview.changed == []


def test_the_export_reads_back_unchanged_and_keeps_a_formula_as_text() -> None:
    units = [*CURRENT, Unit(code="doan-dau-bang", name="=Đoàn Dấu Bằng", email="db@example.org")]
    rows, _ = sheet_rows(units_workbook(units))
    preview = preview_import(rows, units, disabled=set())
    assert preview.problems == [] and preview.empty and preview.unchanged == len(units)
    assert rows[-1].name == "=Đoàn Dấu Bằng"


def test_a_file_that_is_not_the_sheet_is_refused_with_a_reason() -> None:
    with pytest.raises(SheetError, match=r"không phải bảng tính Excel \.xlsx"):
        sheet_rows(b"Ma;Ten\nbhxh;Doan BHXH\n")
    with pytest.raises(SheetError, match="không thấy hàng tiêu đề có cột “Mã” và “Tên đơn vị”"):
        sheet_rows(sheet(["x", "y"], headings=["Số", "Đơn vị nhận"]))
