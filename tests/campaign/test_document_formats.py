"""Documents as offices really send them (issue 24): each feature on the same small plan, written by
tests/office_documents.py, imports to the same plan as the plain .docx, with the findings it owes."""

from __future__ import annotations

import pytest

from campaign.formats import PlanReadError
from campaign.importer import import_plan
from campaign.plan import Plan
from tests import office_documents as made


def same(plan: Plan, plain: Plan) -> None:
    assert {**plan.contract(), "findings": []} == {**plain.contract(), "findings": []}


@pytest.fixture
def plain(tmp_path, directory) -> Plan:
    plan = import_plan(made.plain_docx(tmp_path / "plain.docx"), directory)
    assert [a.no for a in plan.activities] == [1, 2, 3] and plan.findings == []
    return plan


def kinds(plan: Plan) -> set[str]:
    return {f.kind for f in plan.findings}


def test_tracked_changes_are_read_accepted_and_named(tmp_path, directory, plain) -> None:
    plan = import_plan(made.tracked_changes(tmp_path / "t.docx"), directory)
    same(plan, plain)
    revised = [f for f in plan.findings if f.kind == "tracked_changes"]
    places = " ".join(f.message for f in revised)
    assert "bảng 1, hàng 2, cột GHI CHÚ" in places and "bảng 1, hàng 3, cột THỜI GIAN" in places
    assert "bảng 1, hàng 4, cột HOẠT ĐỘNG" in places and kinds(plan) == {"tracked_changes"}


def test_list_numbering_in_the_number_column(tmp_path, directory, plain) -> None:
    plan = import_plan(made.list_numbered(tmp_path / "n.docx"), directory)
    same(plan, plain)
    assert plan.findings == []


def test_content_controls_at_block_row_cell_and_run_level(tmp_path, directory, plain) -> None:
    plan = import_plan(made.content_controls(tmp_path / "c.docx"), directory)
    same(plan, plain)
    assert plan.findings == []


def test_a_cell_merged_across_two_columns_is_on_both(tmp_path, directory, plain) -> None:
    plan = import_plan(made.merged_across(tmp_path / "m.docx"), directory)
    first = plan.activities[0]
    assert (first.start.isoformat(), first.place) == ("2024-03-05", "05/3/2024")
    assert [a.no for a in plan.activities] == [1, 2, 3] and not plan.blocking_findings


def test_a_plan_laid_out_in_a_table_and_the_code_in_the_header(tmp_path, directory, plain) -> None:
    same(import_plan(made.nested(tmp_path / "nested.docx"), directory), plain)
    same(import_plan(made.code_in_header(tmp_path / "header.docx"), directory), plain)


# --- legacy Vietnamese encodings ----------------------------------------------------------------------


def test_a_docx_typed_in_tcvn3_fonts_reads_as_unicode(tmp_path, directory, plain) -> None:
    path = made.legacy_fonts(tmp_path / "tcvn3.docx", ".VnTime", made.to_tcvn3, capitals_font=".VnTimeH")
    plan = import_plan(path, directory)
    same(plan, plain)
    assert kinds(plan) == {"legacy_encoding"}
    assert "TCVN3 (.VnTime)" in plan.findings[0].message


def test_a_docx_typed_in_vni_fonts_reads_as_unicode(tmp_path, directory, plain) -> None:
    plan = import_plan(made.legacy_fonts(tmp_path / "vni.docx", "VNI-Times", made.to_vni), directory)
    same(plan, plain)
    assert kinds(plan) == {"legacy_encoding"}


def test_mixed_encodings_get_a_finding(tmp_path, directory, plain) -> None:
    path = made.legacy_fonts(tmp_path / "mixed.docx", ".VnTime", made.to_tcvn3, ".VnTimeH", unicode_paragraphs=3)
    plan = import_plan(path, directory)
    same(plan, plain)
    (mixed,) = [f for f in plan.findings if f.kind == "mixed_encoding"]
    assert "TCVN3 (.VnTime) ở dòng" in mixed.message and "Unicode ở dòng 1, 2, 3;" in mixed.message


def test_text_that_no_table_converts_is_refused_naming_the_encoding(tmp_path, directory) -> None:
    path = made.legacy_fonts(tmp_path / "odd.docx", ".VnTime", lambda text: text.replace("a", "Ù°±"))
    with pytest.raises(PlanReadError, match=r"^văn bản dùng bảng mã TCVN3 \(.VnTime\); không chuyển được"):
        import_plan(path, directory)


def test_a_txt_saved_in_tcvn3_bytes_reads_as_unicode(tmp_path, directory) -> None:
    from harness.plan_documents import write_txt

    unicode = write_txt(tmp_path / "plan.txt", made.ROWS)
    legacy = tmp_path / "tcvn3.txt"
    text = unicode.read_text(encoding="utf-8")  # plain TCVN3 has no capital Ố: typed "KHèI", shown by an H font
    typed = "".join(c if made.to_tcvn3(c) != c or c.isascii() else c.lower() for c in text)
    legacy.write_bytes(made.to_tcvn3(typed).encode("cp1252"))
    plan = import_plan(legacy, directory)
    expected = import_plan(unicode, directory)
    assert [(a.no, a.title, a.start, a.place, a.unit_codes) for a in plan.activities] == [
        (a.no, a.title, a.start, a.place, a.unit_codes) for a in expected.activities
    ]
    assert (plan.code, plan.issued_on, plan.window) == (expected.code, expected.issued_on, expected.window)
    assert kinds(plan) == {"legacy_encoding"}


# --- PDF ---------------------------------------------------------------------------------------------


def test_a_pdf_with_bold_painted_twice_reads_each_letter_once(tmp_path, directory, plain) -> None:
    plan = import_plan(made.bold_by_overprinting(tmp_path / "bold.pdf"), directory)
    same(plan, plain)


def test_a_pdf_that_inflates_past_the_bound_is_refused_unread(tmp_path, directory) -> None:
    from tests.campaign.test_corpus import bounded

    path = made.pdf_bomb(tmp_path / "bomb.pdf")
    assert path.stat().st_size < 1024 * 1024
    with bounded(seconds=10), pytest.raises(PlanReadError, match="giải nén ra hơn 50 MB"):
        import_plan(path, directory)


# --- legacy .doc -------------------------------------------------------------------------------------


def test_a_word_97_doc_reads_like_the_docx(tmp_path, directory, plain) -> None:
    source = made.plain_docx(tmp_path / "source.docx", change=made.with_widths)
    same(import_plan(made.word97(tmp_path / "plan.doc", source), directory), plain)


def test_a_converter_that_hangs_is_stopped_at_the_time_limit(tmp_path, directory, monkeypatch) -> None:
    from campaign.formats import word97
    from tests.campaign.test_corpus import bounded

    hanging = tmp_path / "soffice"
    hanging.write_text("#!/bin/sh\nsleep 600 &\nsleep 600\n")
    hanging.chmod(0o755)
    monkeypatch.setattr(word97, "LIBREOFFICE", [str(hanging)])
    monkeypatch.setattr(word97, "TIME_LIMIT", 2)
    doc = tmp_path / "plan.doc"
    doc.write_bytes(word97.OLE_MAGIC + b"\x00" * 4096)
    with bounded(seconds=15), pytest.raises(PlanReadError, match=r"chuyển đổi tệp \.doc quá 2 giây nên đã dừng"):
        import_plan(doc, directory)


def test_without_a_converter_a_doc_is_refused_saying_what_to_install(tmp_path, directory, monkeypatch) -> None:
    from campaign.formats import word97

    monkeypatch.setattr(word97, "LIBREOFFICE", ["no-such-soffice"])
    monkeypatch.setattr(word97, "ANTIWORD", ["no-such-antiword"])
    doc = tmp_path / "plan.doc"
    doc.write_bytes(word97.OLE_MAGIC + b"\x00" * 4096)
    with pytest.raises(PlanReadError, match=r"tệp Word cũ \(.doc\); máy chủ chưa cài bộ chuyển đổi \(apt-get install"):
        import_plan(doc, directory)


def test_antiword_reads_a_doc_when_libreoffice_is_missing(tmp_path, directory, plain, monkeypatch) -> None:
    from campaign.formats import word97

    doc = made.word97(tmp_path / "plan.doc", made.plain_docx(tmp_path / "source.docx"))
    monkeypatch.setattr(word97, "LIBREOFFICE", ["no-such-soffice"])
    plan = import_plan(doc, directory)
    assert [(a.no, a.title, a.start, a.unit_codes) for a in plan.activities] == [
        (a.no, a.title, a.start, a.unit_codes) for a in plain.activities
    ]


# --- scans and photos (OCR) --------------------------------------------------------------------------


@pytest.fixture
def page_picture(tmp_path):
    from harness.plan_documents import write_pdf

    return made.photo(tmp_path / "page.png", write_pdf(tmp_path / "text.pdf", made.ROWS))


def ocr_findings(plan: Plan) -> None:
    assert "ocr" in kinds(plan)
    assert {f.kind for f in plan.findings} <= {"ocr", "ocr_low_confidence"}


def test_a_photo_of_the_plan_is_read_by_ocr(tmp_path, directory, plain, page_picture) -> None:
    plan = import_plan(page_picture, directory)
    same(plan, plain)
    ocr_findings(plan)


def test_a_scanned_pdf_is_read_by_ocr(tmp_path, directory, plain, page_picture) -> None:
    plan = import_plan(made.scanned_pdf(tmp_path / "scan.pdf", page_picture), directory)
    same(plan, plain)
    ocr_findings(plan)


def test_a_scan_of_more_pages_than_ocr_reads_is_refused_before_reading_them(tmp_path, directory, page_picture) -> None:
    from campaign.limits import MAX_OCR_PAGES
    from tests.campaign.test_corpus import bounded

    many = made.scanned_pdf(tmp_path / "many.pdf", page_picture, pages=MAX_OCR_PAGES + 1)
    with bounded(seconds=30), pytest.raises(PlanReadError, match=f"hơn {MAX_OCR_PAGES} trang bản quét"):
        import_plan(many, directory)


def test_a_photo_of_20000_by_20000_pixels_is_refused_before_it_is_decoded(tmp_path, directory) -> None:
    from tests.campaign.test_corpus import bounded

    with bounded(seconds=5), pytest.raises(PlanReadError, match=r"huge.png quá lớn \(tối đa 40 triệu điểm ảnh\)"):
        import_plan(made.huge_png(tmp_path / "huge.png"), directory)


def test_without_tesseract_a_scan_is_refused_saying_what_to_install(
    tmp_path, directory, page_picture, monkeypatch
) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    with pytest.raises(PlanReadError, match=r"cần OCR để đọc, nhưng máy chủ chưa cài Tesseract OCR \(apt-get install"):
        import_plan(page_picture, directory)
