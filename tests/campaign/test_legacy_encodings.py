"""The TCVN3 and VNI tables (campaign.formats.legacy): complete over the Vietnamese alphabet, and right
on text typed by hand in each encoding (not derived from the tables themselves)."""

from __future__ import annotations

import unicodedata

import pytest

from campaign.formats.legacy import TCVN3_TO_UNICODE, VNI_TO_UNICODE, Encoding, convert, font_encoding, guess

VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
LOWER = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES] + ["đ"]
ALPHABET = LOWER + [c.upper() for c in LOWER]


def test_the_alphabet_has_134_accented_letters_and_each_has_a_spelling_in_both() -> None:
    accented = [c for c in ALPHABET if not c.isascii()]
    assert len(ALPHABET) == 146 and len(accented) == 134
    tcvn3 = set(TCVN3_TO_UNICODE.values())
    vni = set(VNI_TO_UNICODE.values())
    assert [c for c in accented if c.islower() and c not in tcvn3] == []
    assert [c for c in accented if c not in vni] == []


@pytest.mark.parametrize("letter", [c for c in LOWER if not c.isascii()])
def test_tcvn3_capitals_fonts_draw_each_lower_case_code_as_its_capital(letter: str) -> None:
    code = next(k for k, v in TCVN3_TO_UNICODE.items() if v == letter)
    assert convert(code, Encoding.TCVN3) == letter
    assert convert(code, Encoding.TCVN3, capitals=True) == letter.upper()


def test_each_vni_spelling_reads_back_as_its_letter_in_text() -> None:
    for spelling, letter in VNI_TO_UNICODE.items():
        assert convert(f"t{spelling}n", Encoding.VNI) == f"t{letter}n", spelling


@pytest.mark.parametrize(
    ("typed", "encoding", "unicode"),
    [
        ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", Encoding.TCVN3, "Cộng hoà xã hội chủ nghĩa Việt Nam"),
        ("§éc lËp - Tù do - H¹nh phóc", Encoding.TCVN3, "Độc lập - Tự do - Hạnh phúc"),
        ("kÕ ho¹ch th¸ng thanh niªn n¨m 2024", Encoding.TCVN3, "kế hoạch tháng thanh niên năm 2024"),
        ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", Encoding.VNI, "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        ("Ñoäc laäp - Töï do - Haïnh phuùc", Encoding.VNI, "Độc lập - Tự do - Hạnh phúc"),
        ("KEÁ HOAÏCH ÑOAØN THANH NIEÂN", Encoding.VNI, "KẾ HOẠCH ĐOÀN THANH NIÊN"),
        ("naúng, ngaøy, mî", Encoding.VNI, "nẳng, ngày, mỵ"),
    ],
)
def test_text_typed_by_hand_in_each_encoding(typed: str, encoding: Encoding, unicode: str) -> None:
    assert convert(typed, encoding) == unicode
    assert guess(typed * 2).encoding is encoding


def test_unicode_text_is_left_alone() -> None:
    for text in ("Kế hoạch « Tháng Thanh niên » năm 2024 ©", "Thanh niên 2024 ©", "Hội trường B, tầng 3"):
        assert guess(text).encoding is Encoding.UNICODE


@pytest.mark.parametrize(
    ("font", "expected"),
    [
        (".VnTime", (Encoding.TCVN3, False)),
        (".VnTimeH", (Encoding.TCVN3, True)),
        ("ABCDEF+.VnArialH", (Encoding.TCVN3, True)),
        (".VnTime-Bold", (Encoding.TCVN3, False)),
        ("VNI-Times", (Encoding.VNI, False)),
        ("Times New Roman", (Encoding.UNICODE, False)),
        (None, (Encoding.UNICODE, False)),
    ],
)
def test_the_font_tells_the_encoding(font: str | None, expected: tuple[Encoding, bool]) -> None:
    assert font_encoding(font) == expected
