"""Text normalisation for Vietnamese documents and names."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_WORD = re.compile(r"[^\w\s]")


def nfc(text: str) -> str:
    """Unicode NFC with non-breaking and odd spaces turned into plain ones."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")


def squash(text: str) -> str:
    """Each run of whitespace (any Unicode space, tab or line break) as one space, none at the ends;
    split and join, not a regular expression: a city's roll of names goes through here."""
    return " ".join(text.split())


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """A matching key: lower case, no diacritics, đ→d, punctuation dropped, single spaces.

    "Đoàn Toà án" and "doan tòa an" fold to the same key, whatever the tone-mark
    placement or the Unicode form the writer's keyboard produced.
    """
    text = unicodedata.normalize("NFD", nfc(text).casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = text.replace("đ", "d")
    return squash(_NOT_WORD.sub(" ", text))


def strip_markup(text: str) -> str:
    """Drop the emphasis marks (*, **, _) a converted document leaves behind."""
    return squash(text.replace("**", "").replace("*", ""))


def shortened(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word boundary and marked "…" when cut (never mid-word)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:–-") + "…"
