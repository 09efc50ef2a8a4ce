"""What the office may keep in the unit directory: one unit as typed (a form, a spreadsheet row) checked
against the others, and what an imported list would change.

The rules (issue 23, "Validation that offices need"):
- a code is lower-case ASCII letters, digits and hyphens, and no two units share one (a disabled unit
  keeps its code: old campaigns still name it);
- an e-mail address is checked by its syntax (email-validator, no DNS lookup);
- a name, alias or code whose folded form (no diacritics, đ→d, case and punctuation ignored: the form the
  importer matches plans by) is another unit's is refused, naming both: a plan writing it could mean either;
- a unit's cluster is a cluster of the directory (by code or by name).

Pure: no I/O. A field left out (None in `Typed`) keeps the unit's current value (a spreadsheet without
that column); an empty one clears it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from campaign.limits import MAX_UNIT_CODE_CHARS
from campaign.text import fold, nfc, squash
from campaign.units import Unit, UnitKind

# The fields the office keeps, in the order of the spreadsheet's columns, with their Vietnamese headings.
COLUMNS: list[tuple[str, str]] = [
    ("code", "Mã"),
    ("name", "Tên đơn vị"),
    ("aliases", "Tên khác"),
    ("email", "E-mail"),
    ("cluster", "Cụm"),
    ("kind", "Loại"),
    ("contact", "Người liên hệ"),
]
FIELD_WORDS = dict(COLUMNS)
KIND_WORDS: dict[UnitKind, str] = {
    UnitKind.UNIT: "Cơ sở Đoàn",
    UnitKind.CLUSTER: "Cụm hoạt động",
    UnitKind.OFFICE: "Văn phòng",
    UnitKind.COMMITTEE: "Ban Thường vụ",
}
_KIND_KEYS: dict[str, UnitKind] = {
    **{fold(kind.value): kind for kind in UnitKind},
    **{fold(words): kind for kind, words in KIND_WORDS.items()},
    "co so": UnitKind.UNIT, "don vi": UnitKind.UNIT, "chi doan": UnitKind.UNIT, "cum": UnitKind.CLUSTER,
    "van phong doan khoi": UnitKind.OFFICE, "btv": UnitKind.COMMITTEE,
}  # fmt: skip
CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_NAME_CHARS = 300
MAX_ALIASES = 30
MAX_CONTACT_CHARS = 300
MAX_EMAIL_CHARS = 254
AMBIGUOUS = "kế hoạch ghi tên này sẽ không biết là đơn vị nào"
STATE = "disabled"  # the pseudo-field a change of state (disabled ↔ in use) is recorded under
STATE_WORDS = {True: "ngừng dùng", False: "đang dùng"}


@dataclass(frozen=True)
class Typed:
    """A unit's fields as a person typed them; None: not given (the current value stays)."""

    code: str | None = None
    name: str | None = None
    aliases: str | None = None  # separated by ";" or line breaks
    email: str | None = None
    cluster: str | None = None
    kind: str | None = None
    contact: str | None = None
    line: int | None = None  # the spreadsheet's row, for the messages


@dataclass(frozen=True)
class Problem:
    field: str  # one of COLUMNS' fields
    message: str  # Vietnamese, without the line and column
    line: int | None = None

    def sentence(self, letters: dict[str, str] | None = None) -> str:
        """“Dòng 7, cột D (E-mail): …” for a spreadsheet's row, “E-mail: …” for a form."""
        heading = FIELD_WORDS.get(self.field, self.field)
        if self.line is None:
            return f"{heading}: {self.message}"
        letter = (letters or {}).get(self.field)
        column = f"cột {letter} ({heading})" if letter else f"cột {heading}"
        return f"Dòng {self.line}, {column}: {self.message}"


def alias_list(text: str) -> list[str]:
    """Aliases typed one per line or separated by ";", each once (by folded form), in order."""
    seen: dict[str, str] = {}
    for piece in re.split(r"[;\n]", nfc(text)):
        alias = squash(piece)
        if alias and fold(alias) not in seen:
            seen[fold(alias)] = alias
    return list(seen.values())


def read_kind(text: str) -> UnitKind | None:
    """A kind as typed (its code or its Vietnamese words, with or without diacritics); empty: a unit."""
    if not text.strip():
        return UnitKind.UNIT
    return _KIND_KEYS.get(fold(text))


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, words) for kind, words in KIND_WORDS.items()]


def _value(typed: str | None, current: object) -> str:
    if typed is not None:
        return typed
    if isinstance(current, list):
        return "; ".join(current)
    return "" if current is None else str(current)


def parsed_unit(typed: Typed, base: Unit | None = None) -> tuple[Unit | None, list[Problem]]:
    """The unit `typed` describes (fields not given taken from `base`, the unit it edits), or None and
    every problem of its own fields (the cluster and clashes with others are checked by `checked`)."""
    line = typed.line
    problems: list[Problem] = []
    code = _value(typed.code, base.code if base else None).strip().lower()
    if not code:
        problems.append(Problem("code", "chưa có mã đơn vị", line))
    elif len(code) > MAX_UNIT_CODE_CHARS or not CODE.match(code):
        problems.append(Problem("code", f"mã “{code[:80]}” chỉ được gồm chữ thường không dấu, số và dấu gạch ngang, "
                                        f"tối đa {MAX_UNIT_CODE_CHARS} ký tự (ví dụ doan-so-y-te)", line))  # fmt: skip
    name = squash(nfc(_value(typed.name, base.name if base else None)))
    if not name:
        problems.append(Problem("name", "chưa có tên đơn vị", line))
    elif len(name) > MAX_NAME_CHARS:
        problems.append(Problem("name", f"tên dài quá {MAX_NAME_CHARS} ký tự", line))
    elif not fold(name):
        problems.append(Problem("name", f"tên “{name}” không có chữ nào", line))
    aliases = alias_list(_value(typed.aliases, base.aliases if base else None))
    aliases = [a for a in aliases if fold(a) != fold(name)]
    if len(aliases) > MAX_ALIASES or any(len(a) > MAX_NAME_CHARS for a in aliases):
        problems.append(Problem("aliases", f"tối đa {MAX_ALIASES} tên khác, mỗi tên {MAX_NAME_CHARS} ký tự", line))
    email = _value(typed.email, base.email if base else None).strip()
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            why = f"“{email[:120]}” không phải địa chỉ e-mail hợp lệ (dạng ten@to-chuc.vn, không dấu cách, không dấu)"
            problems.append(Problem("email", why, line))
        else:
            if len(email) > MAX_EMAIL_CHARS:
                problems.append(Problem("email", f"địa chỉ e-mail dài quá {MAX_EMAIL_CHARS} ký tự", line))
    kind_text = _value(typed.kind, base.kind.value if base else None)
    kind = read_kind(kind_text)
    if kind is None:
        known = ", ".join(KIND_WORDS.values())
        problems.append(Problem("kind", f"không hiểu loại “{kind_text[:60]}” (dùng một trong: {known})", line))
    contact = squash(nfc(_value(typed.contact, base.contact if base else None)))
    if len(contact) > MAX_CONTACT_CHARS:
        problems.append(Problem("contact", f"người liên hệ dài quá {MAX_CONTACT_CHARS} ký tự", line))
    cluster = squash(nfc(_value(typed.cluster, base.cluster if base else None)))
    if problems or kind is None:
        return None, problems
    unit = Unit(code=code, name=name, kind=kind, aliases=aliases, email=email or None, cluster=cluster or None,
                contact=contact or None, channel=base.channel if base else None,
                webhook_url=base.webhook_url if base else None)  # fmt: skip
    return unit, []


@dataclass(frozen=True)
class Placed:
    """A unit with where it was written (a spreadsheet's line; None for the directory's own units)."""

    unit: Unit
    line: int | None = None


def _where(placed: Placed) -> str:
    unit = placed.unit
    return f"“{unit.name}” ({unit.code}{f', dòng {placed.line}' if placed.line else ''})"


def clash_problems(mine: Placed, others: Iterable[Placed]) -> list[Problem]:
    """Names, aliases and the code of `mine` that another unit already answers to when folded."""
    owners: dict[str, tuple[Placed, str]] = {}
    for other in others:
        if other.unit.code == mine.unit.code:
            continue
        for word in (other.unit.code, other.unit.name, *other.unit.aliases):
            owners.setdefault(fold(word), (other, word))
    problems = []
    unit = mine.unit
    for fieldname, word in [("name", unit.name), *(("aliases", a) for a in unit.aliases), ("code", unit.code)]:
        found = owners.get(fold(word))
        if found is not None:
            other, theirs = found
            if theirs == other.unit.name:
                whose = f"tên của {_where(other)}"
            elif theirs == other.unit.code:
                whose = f"mã của {_where(other)}"
            else:
                whose = f"“{theirs}”, tên khác của {_where(other)}"
            why = f"“{word}” trùng với {whose} khi bỏ dấu; {AMBIGUOUS}"
            problems.append(Problem(fieldname, why, mine.line))
    return problems


def cluster_code(text: str, clusters: Sequence[Unit]) -> str | None:
    """The code of the cluster `text` names (its code, name or alias), or None."""
    key = fold(text)
    for cluster in clusters:
        if key in {fold(cluster.code), fold(cluster.name), *(fold(a) for a in cluster.aliases)}:
            return cluster.code
    return None


def checked(mine: Placed, others: Sequence[Placed]) -> tuple[Unit | None, list[Problem]]:
    """`mine` with its cluster read as a code, or None and the problems: a clash with `others` (the units
    in use beside it), a cluster that is none of theirs (or its own)."""
    unit = mine.unit
    problems = clash_problems(mine, others)
    if unit.cluster:
        clusters = [o.unit for o in others if o.unit.kind is UnitKind.CLUSTER and o.unit.code != unit.code]
        code = cluster_code(unit.cluster, clusters)
        if code is None:
            problems.append(Problem("cluster", f"không có cụm “{unit.cluster}” trong danh bạ (ghi mã hoặc tên cụm)",
                                    mine.line))  # fmt: skip
        else:
            unit = unit.model_copy(update={"cluster": code})
    return (None, problems) if problems else (unit, [])


def check_one(typed: Typed, in_use: Sequence[Unit], every_code: Iterable[str], base: Unit | None = None
              ) -> tuple[Unit | None, list[Problem]]:  # fmt: skip
    """A unit added (base None) or edited in a form: its fields, its code new among `every_code` (the
    disabled units' too), no clash with the units `in_use`."""
    unit, problems = parsed_unit(typed, base)
    if unit is None:
        return None, problems
    if base is None and unit.code in set(every_code):
        return None, [Problem("code", f"đã có đơn vị mã “{unit.code}” (kể cả đơn vị đã ngừng dùng); chọn mã khác")]
    if base is not None and unit.code != base.code:
        return None, [Problem("code", "không đổi được mã của đơn vị đã có (các chiến dịch cũ dùng mã này)")]
    return checked(Placed(unit), [Placed(u) for u in in_use])


@dataclass(frozen=True)
class Change:
    """A unit whose fields an import (or an edit) changes: field → (before, after), in words."""

    unit: Unit
    fields: dict[str, tuple[str, str]]


@dataclass
class ImportPreview:
    """What applying an imported list would do; nothing is applied while `problems` is not empty."""

    new: list[Unit] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    disabled: list[Unit] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.new or self.changed or self.disabled)


def shown(unit: Unit | None, name: str) -> str:
    """A field of a unit as a person reads it (aliases joined by "; ", the kind in words)."""
    if unit is None:
        return ""
    value = getattr(unit, name)
    if name == "kind":
        return KIND_WORDS[unit.kind]
    if isinstance(value, list):
        return "; ".join(value)
    return "" if value is None else str(value)


def differences(before: Unit | None, after: Unit) -> dict[str, tuple[str, str]]:
    """The kept fields (and the channel and webhook a YAML file may set) that differ, in words."""
    names = [name for name, _ in COLUMNS] + ["channel", "webhook_url"]
    return {n: (shown(before, n), shown(after, n)) for n in names if shown(before, n) != shown(after, n)}


def preview_import(rows: Sequence[Typed], current: Sequence[Unit], disabled: Iterable[str], whole: bool = True
                   ) -> ImportPreview:  # fmt: skip
    """What the imported `rows` change in the directory `current` (every unit, `disabled` the codes of
    those no longer in use). `whole`: the rows are the whole directory, so a unit in use that they leave
    out is disabled; otherwise they only add and change. A disabled unit they name is in use again."""
    off = set(disabled)
    by_code = {u.code: u for u in current}
    preview = ImportPreview()
    seen: dict[str, int | None] = {}
    parsed: list[Placed] = []
    for row in rows:
        code = (row.code or "").strip().lower()
        base = by_code.get(code)
        unit, problems = parsed_unit(row, base)
        if code and code in seen:
            problems = [Problem("code", f"mã “{code}” đã có ở dòng {seen[code]}", row.line), *problems]
        elif code:
            seen[code] = row.line
        preview.problems += problems
        if unit is not None and not problems:
            parsed.append(Placed(unit, row.line))
    kept = [] if whole else [Placed(u) for u in current if u.code not in off and u.code not in seen]
    in_use = parsed + kept
    final: list[Unit] = []
    for placed in parsed:
        unit, problems = checked(placed, in_use)
        preview.problems += problems
        if unit is not None:
            final.append(unit)
    if preview.problems:
        preview.problems.sort(key=lambda p: (p.line or 0, [n for n, _ in COLUMNS].index(p.field)))
        return preview
    for unit in final:
        before = by_code.get(unit.code)
        if before is None:
            preview.new.append(unit)
            continue
        changes = differences(before, unit)
        if unit.code in off:
            changes[STATE] = (STATE_WORDS[True], STATE_WORDS[False])
        if changes:
            preview.changed.append(Change(unit, changes))
        else:
            preview.unchanged += 1
    if whole:
        preview.disabled = [u for u in current if u.code not in off and u.code not in seen]
    return preview
