"""Legacy Vietnamese encodings: TCVN3 (ABC, the .VnTime fonts) and VNI-Windows (the VNI-Times fonts)
to Unicode.

A document typed in such a font stores each Vietnamese letter as the Latin-1 character that has the
font's byte ("kÕ ho¹ch" is "kế hoạch" in .VnTime; "keá hoaïch" in VNI-Times). Both tables are written
from the standards' layouts (TCVN 5712:1993 VN3, and VNI's base letter + mark scheme) and are
checked letter by letter against the whole Vietnamese alphabet in tests/campaign/test_legacy_encodings.py.

The library on PyPI that carries such tables (viparse) builds them from a corpus and leaves letters
out (VNI ẳ, and VNI ỵ is given as "yï" where VNI writes "î"), so the tables are kept here, complete.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from campaign.formats import Document, PlanReadError


class Encoding(StrEnum):
    UNICODE = "unicode"
    TCVN3 = "tcvn3"
    VNI = "vni"


SHOWN = {Encoding.TCVN3: "TCVN3 (.VnTime)", Encoding.VNI: "VNI-Windows (VNI-Times)"}

# --- TCVN3 (VN3): one byte per letter; lower case only (a .VnTimeH font draws the same bytes as capitals)
_TCVN3_BASES = {
    "ă": "¨",
    "â": "©",
    "ê": "ª",
    "ô": "«",
    "ơ": "¬",
    "ư": "\xad",
    "đ": "®",
    "Ă": "¡",
    "Â": "¢",
    "Ê": "£",
    "Ô": "¤",
    "Ơ": "¥",
    "Ư": "¦",
    "Đ": "§",
}
# each vowel's five toned forms in TCVN3's byte order: huyền, hỏi, ngã, sắc, nặng
_TCVN3_TONED = {
    "a": "µ¶·¸¹",
    "ă": "»¼½¾Æ",
    "â": "ÇÈÉÊË",
    "e": "ÌÎÏÐÑ",
    "ê": "ÒÓÔÕÖ",
    "i": "×ØÜÝÞ",
    "o": "ßáâãä",
    "ô": "åæçèé",
    "ơ": "êëìíî",
    "u": "ïñòóô",
    "ư": "õö÷øù",
    "y": "úûüýþ",
}
_TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # huyền, hỏi, ngã, sắc, nặng


def _toned(vowel: str, tone: str) -> str:
    return unicodedata.normalize("NFC", vowel + tone)


TCVN3_TO_UNICODE: dict[str, str] = {code: letter for letter, code in _TCVN3_BASES.items()}
for _vowel, _codes in _TCVN3_TONED.items():
    for _code, _tone in zip(_codes, _TONES, strict=True):
        TCVN3_TO_UNICODE[_code] = _toned(_vowel, _tone)

# --- VNI-Windows: a base letter followed by one mark character (two bytes), a few letters in one
_VNI_TONE_MARKS = {"ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ù": "\u0301", "ï": "\u0323"}
_VNI_HAT_MARKS = {"â": "", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "á": "\u0301", "ä": "\u0323"}  # ^ + tone
_VNI_BREVE_MARKS = {"ê": "", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "é": "\u0301", "ë": "\u0323"}  # ˘ + tone
_VNI_SINGLE = {
    "ñ": "đ",
    "Ñ": "Đ",
    "ô": "ơ",
    "Ô": "Ơ",
    "ö": "ư",
    "Ö": "Ư",
    "ì": "ì",
    "Ì": "Ì",
    "í": "í",
    "Í": "Í",
    "æ": "ỉ",
    "Æ": "Ỉ",
    "ó": "ĩ",
    "Ó": "Ĩ",
    "ò": "ị",
    "Ò": "Ị",
    "î": "ỵ",
    "Î": "Ỵ",
}


def _vni_pairs() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for base in ("a", "e", "o", "u", "y", "ô", "ö"):  # ô, ö: VNI's ơ, ư take tone marks too
        letter = _VNI_SINGLE.get(base, base)
        for upper in (False, True):
            shown_base = base.upper() if upper else base
            shown_letter = letter.upper() if upper else letter
            for mark, tone in _VNI_TONE_MARKS.items():
                if base == "y" and mark == "ï":
                    continue  # ỵ is one character in VNI (î)
                for written in {mark, mark.upper()} if upper else {mark}:
                    pairs[shown_base + written] = _toned(shown_letter, tone)
            for marks, accent in ((_VNI_HAT_MARKS, "\u0302"), (_VNI_BREVE_MARKS, "\u0306")):
                if (accent == "\u0302" and base not in "aeo") or (accent == "\u0306" and base != "a"):
                    continue
                for mark, tone in marks.items():
                    for written in {mark, mark.upper()} if upper else {mark}:
                        pairs[shown_base + written] = _toned(shown_letter + accent, tone)
    return pairs


VNI_TO_UNICODE: dict[str, str] = {**_VNI_SINGLE, **_vni_pairs()}

_TABLES = {Encoding.TCVN3: TCVN3_TO_UNICODE, Encoding.VNI: VNI_TO_UNICODE}
_PATTERNS = {
    encoding: re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))
    for encoding, table in _TABLES.items()
}
# Letters only Unicode Vietnamese text has (neither legacy font stores them: they are outside Latin-1).
_UNICODE_ONLY = re.compile("[ăâđơưĂĐƠƯĩũĨŨ\u1ea0-\u1ef9]")
# Latin-1 characters that Vietnamese in Unicode never uses: signs of a legacy font.
_LEGACY_SIGNS = re.compile(
    "[\xa1-\xbf\xc4-\xc7\xcb\xce-\xd1\xd6-\xd8\xdb\xdc\xde\xdf\xe4-\xe7\xeb\xee-\xf1\xf6-\xf8\xfb\xfc\xfe\xff]"
)


def convert(text: str, encoding: Encoding, capitals: bool = False) -> str:
    """`text` typed in a legacy font, in Unicode (NFC). `capitals`: the font was a capitals-only one
    (.VnTimeH and the other TCVN3 fonts whose name ends in H), which draws every letter upper case."""
    if encoding is Encoding.UNICODE:
        return text
    table = _TABLES[encoding]
    converted = _PATTERNS[encoding].sub(lambda m: table[m[0]], text)
    converted = unicodedata.normalize("NFC", converted)
    return converted.upper() if capitals else converted


def font_encoding(font: str | None) -> tuple[Encoding, bool]:
    """The encoding a font name implies, and whether it is a capitals-only TCVN3 font:
    ".VnTime" → TCVN3, ".VnTimeH" → TCVN3 capitals, "VNI-Times" → VNI; any other font → Unicode."""
    name = (font or "").strip()
    if "+" in name[:8]:
        name = name.split("+", 1)[1]  # a PDF's subset prefix: "ABCDEF+.VnTime"
    if name.lower().startswith(".vn"):
        base = re.sub(r"[-,]?(bold|italic|bolditalic)$", "", name, flags=re.IGNORECASE)
        return Encoding.TCVN3, base.endswith("H")
    if name.lower().startswith("vni-") or name.lower().startswith("vni "):
        return Encoding.VNI, False
    return Encoding.UNICODE, False


@dataclass(frozen=True)
class Guess:
    encoding: Encoding
    signs: int  # legacy signs in the text
    left: int  # of them, left unconverted by the chosen table


def guess(text: str) -> Guess:
    """Which encoding `text` reads best in, by its characters: Unicode unless a legacy table turns its
    legacy signs into Vietnamese letters; `left` counts the signs no table could convert."""
    signs = len(_LEGACY_SIGNS.findall(text))
    if signs < 3 or signs <= unicode_letters(text):  # a « » or © is no sign; legacy fonts lack these letters
        return Guess(Encoding.UNICODE, signs, signs)
    best = Guess(Encoding.UNICODE, signs, signs)
    best_score = _score(text)
    for encoding in (Encoding.TCVN3, Encoding.VNI):
        converted = convert(text, encoding)
        score = _score(converted)
        if score > best_score:
            best, best_score = Guess(encoding, signs, len(_LEGACY_SIGNS.findall(converted))), score
    return best


def _score(text: str) -> int:
    """How Vietnamese `text` reads: letters only Unicode has, less legacy signs left, less words no
    Vietnamese syllable spells (two tone marks, or a bare vowel before a toned one that cannot follow
    it, as "oọ" or "aừ": what the wrong table makes of the other encoding's base + mark pairs)."""
    wrong = sum(1 for word in _WORD.findall(text) if _misspelt(word))
    return len(_UNICODE_ONLY.findall(text)) - len(_LEGACY_SIGNS.findall(text)) - 3 * wrong


# After a bare vowel, the toned vowels a syllable allows ("hoà", "việt", "thuỷ", "được"; "qu", "gi" are onsets)
_TONED_AFTER = {"a": "", "e": "", "o": "aăe", "i": "ê", "u": "âêôơy", "y": "ê", "ư": "ơ"}


def _misspelt(word: str) -> bool:
    letters = [unicodedata.normalize("NFD", c) for c in word.lower()]
    if sum(len(_TONE_MARK.findall(c)) for c in letters) > 1:
        return True
    for index, (first, second) in enumerate(pairwise(letters)):
        base = unicodedata.normalize("NFC", first)
        if base not in _TONED_AFTER or not _TONE_MARK.search(second):
            continue
        if index and letters[index - 1] in ("q", "g") and base in "ui":
            continue
        if unicodedata.normalize("NFC", _TONE_MARK.sub("", second)) not in _TONED_AFTER[base]:
            return True
    return False


_WORD = re.compile(r"[^\W\d_]+")
_TONE_MARK = re.compile("[\u0300\u0301\u0303\u0309\u0323]")


def unicode_letters(text: str) -> int:
    """How many letters of `text` only Unicode Vietnamese has (a sign the text is already Unicode)."""
    return len(_UNICODE_ONLY.findall(text))


def legacy_signs(text: str) -> list[str]:
    return _LEGACY_SIGNS.findall(text)


def convert_by_characters(document: Document) -> None:
    """A document whose fonts say nothing (a .txt, a PDF, a .docx whose fonts were renamed): when its
    characters read as TCVN3 or VNI, its lines in that encoding are turned into Unicode, with a finding;
    lines already in Unicode are left alone and, beside converted ones, make a mixed-encoding finding."""
    found = guess("\n".join(document.lines))
    if found.encoding is Encoding.UNICODE:
        return
    converted: list[int] = []
    unicode_lines: list[int] = []
    for number, line in enumerate(document.lines, start=1):
        if unicode_letters(line) and len(legacy_signs(line)) <= unicode_letters(line):
            unicode_lines.append(number)
        elif legacy_signs(line):
            document.lines[number - 1] = convert(line, found.encoding)
            converted.append(number)
    shown = SHOWN[found.encoding]
    document.note(
        "legacy_encoding", None, f"văn bản có chữ gõ theo bảng mã {shown} (nhận ra theo ký tự); đã chuyển sang Unicode"
    )
    if unicode_lines:
        document.note(
            "mixed_encoding",
            unicode_lines[0],
            f"văn bản trộn bảng mã: {shown} ở dòng {lines_shown(converted)}, "
            f"Unicode ở dòng {lines_shown(unicode_lines)}; hãy soát lại chữ có dấu",
        )
    refuse_unconverted(document, {found.encoding})


def refuse_unconverted(document: Document, used: set[Encoding]) -> None:
    """PlanReadError when the converted text still holds many characters no table could convert
    (a variant of the font this reader does not know): better refused than read wrong."""
    left = [(number, sign) for number, line in enumerate(document.lines, start=1) for sign in legacy_signs(line)]
    letters = sum(sum(c.isalpha() for c in line) for line in document.lines)
    if len(left) <= max(5, letters // 100):
        return
    fonts = " và ".join(SHOWN[e] for e in sorted(used))
    number, sign = left[0]
    raise PlanReadError(
        f"văn bản dùng bảng mã {fonts}; không chuyển được sang Unicode: còn {len(left)} ký tự không có trong "
        f"bảng mã (ví dụ “{sign}” ở dòng {number}). Hãy mở tệp bằng Word, chuyển mã sang Unicode "
        "(Unikey: Công cụ chuyển mã) rồi lưu lại"
    )


def lines_shown(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:8])
    return shown + (f" … ({len(lines)} dòng)" if len(lines) > 8 else "")
