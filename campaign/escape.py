"""Text from plans and people made safe for where it is shown.

Each target has its own hazards: a terminal runs escape sequences, Markdown and
HTML turn text into links and tags, a spreadsheet turns "=…" into a formula, a
mail header breaks at a line end. Text is stored as written; it is escaped
where it is shown.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# C0 controls become their Unicode "control picture" (ESC → ␛), DEL → ␡; C1 controls and the
# bidirectional overrides that reorder what a reader sees ("Trojan Source") → �.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\r\n\t\x0b\x0c\u2028\u2029\x85]+")


def _picture(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(text: str) -> str:
    """Control characters (other than tab and line feed) shown as visible symbols."""
    return CONTROL_CHARACTERS.sub(_picture, text)


def one_line(text: str) -> str:
    """For a mail header or a log key: line breaks and tabs become spaces, other controls visible."""
    return visible(_LINE_BREAKS.sub(" ", text)).strip()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # emphasis, code, links, table cells, strike-through
_BLOCK_START = re.compile(r"^([#+=-])")  # a heading, a list item or a rule when a line starts with it
_LIST_START = re.compile(r"^(\d+)([.)])")


def markdown_text(text: str) -> str:
    """Literal text inside Markdown (tables included): no markup, links, HTML or list numbering."""
    text = visible(" ".join(text.split()))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _BLOCK_START.sub(r"\\\1", text)
    return _LIST_START.sub(r"\1\\\2", text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """A CSV cell: text a spreadsheet would run as a formula gets a leading apostrophe; numbers unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def first_line(error: BaseException, limit: int = 200) -> str:
    """The part of an error message a person can read: its first line, cut short."""
    text = str(error).splitlines()[0] if str(error).strip() else type(error).__name__
    return visible(text[:limit])


def redacted_url(url: str | None) -> str | None:
    """A URL as it may be shown or stored: no user, password or query values (they are often tokens)."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.hostname or ""
    netloc = ("***@" if parts.username or parts.password else "") + host + (f":{parts.port}" if parts.port else "")
    query = "&".join(f"{pair.split('=', 1)[0]}=***" for pair in parts.query.split("&") if pair) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
