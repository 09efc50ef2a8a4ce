"""Who is responsible: reading the GHI CHÚ / ĐƠN VỊ PHỤ TRÁCH cell."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from campaign.plan import ResponsibleParty, Role
from campaign.text import fold, nfc, squash, strip_markup
from campaign.units import UnitDirectory, UnitKind, UnitNotFound

# Role words, matched on folded text at the end (or start) of a clause.
_ROLE_WORDS = {
    "phu trach": Role.LEAD,
    "thuc hien": Role.LEAD,
    "chu tri": Role.LEAD,
    "phoi hop": Role.SUPPORT,
}
_ROLE_AT_END = re.compile(r"\s*\b(phụ trách|thực hiện|chủ trì|phối hợp)\s*[.:]?\s*$", re.IGNORECASE)
_ROLE_AT_START = re.compile(r"^\s*(phụ trách|thực hiện|chủ trì|phối hợp)\s*(với)?\s*[:\-–]?\s*", re.IGNORECASE)
_ASSIGNED = re.compile(r"^\s*(phân công|giao)\s+", re.IGNORECASE)

# "Cụm hoạt động số 2, 5, 8" / "Cụm 2 và 3"
_CLUSTERS = re.compile(r"(Cụm(?:\s+hoạt\s+động)?(?:\s+số)?)\s*(\d+(?:\s*(?:,|và|&)\s*\d+)+)", re.IGNORECASE)

# A "và" splits two parties only when what follows starts like an organisation's name;
# "Đoàn Sở Văn hóa và Thể thao" stays whole.
_ORG_START = re.compile(
    r"^(doan|chi doan|cum|van phong|ban|cong doan|hoi|lien doan|cac co so|co so|so|ubnd|btv|"
    r"bch|dang uy|phong|trung tam|cac)\b"
)

_ALL_UNITS = {"cac co so doan", "co so doan", "cac co so doan truc thuoc", "cac chi doan", "co so"}
_GROUP_START = re.compile(r"^(cac|nhung|moi)\b")


@dataclass
class Reading:
    parties: list[ResponsibleParty] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (finding kind, message)


def _clauses(cell: str) -> list[tuple[str, Role]]:
    """Split on ";" and give each clause the role its words say (lead by default)."""
    result = []
    for clause in re.split(r"[;\n]", cell):
        clause = _ASSIGNED.sub("", squash(clause))
        if not clause:
            continue
        role = Role.LEAD
        if m := _ROLE_AT_END.search(clause):
            role = _ROLE_WORDS[fold(m[1])]
            clause = clause[: m.start()]
        elif m := _ROLE_AT_START.match(clause):
            role = _ROLE_WORDS[fold(m[1])]
            clause = clause[m.end() :]
        result.append((squash(clause).strip(" ,.:"), role))
    return result


def _expand_clusters(text: str) -> str:
    def expand(m: re.Match[str]) -> str:
        numbers = re.findall(r"\d+", m[2])
        return ", ".join(f"Cụm hoạt động số {n}" for n in numbers)

    return _CLUSTERS.sub(expand, text)


def _split_names(clause: str, directory: UnitDirectory | None) -> list[str]:
    names = []
    for piece in clause.split(","):
        piece = squash(piece)
        if not piece:
            continue
        if directory is not None and _known(piece, directory):
            names.append(piece)
            continue
        parts = re.split(r"\s+(?:và|cùng|với)\s+", piece)
        current = parts[0]
        for part in parts[1:]:
            if _ORG_START.match(fold(part)):
                names.append(current)
                current = part
            else:
                current = f"{current} và {part}"
        names.append(current)
    return [n.strip(" .") for n in names if n.strip(" .")]


def _known(name: str, directory: UnitDirectory) -> bool:
    try:
        directory.find(name)
    except UnitNotFound:
        return False
    return True


def read_responsible(cell: str, directory: UnitDirectory | None) -> Reading:
    """Parties named in a responsibility cell, with their role and directory code."""
    reading = Reading()
    cell = strip_markup(nfc(cell)).strip("()")
    for clause, role in _clauses(_expand_clusters(cell)):
        for name in _split_names(clause, directory):
            key = fold(name)
            if key in _ALL_UNITS and directory is not None:
                reading.parties.extend(
                    ResponsibleParty(name=u.name, role=role, unit_code=u.code) for u in directory.of_kind(UnitKind.UNIT)
                )
                continue
            if directory is None:
                reading.parties.append(ResponsibleParty(name=name, role=role))
                continue
            try:
                unit = directory.find(name)
            except UnitNotFound as exc:
                group = bool(_GROUP_START.match(key)) and not exc.ambiguous
                reading.parties.append(ResponsibleParty(name=name, role=role, group=group))
                if group:
                    reading.problems.append(
                        ("needs_assignment", f"“{name}” là một nhóm mô tả, cần phân công đơn vị cụ thể")
                    )
                elif exc.ambiguous:
                    reading.problems.append(("ambiguous_party", str(exc)))
                else:
                    reading.problems.append(("unknown_party", str(exc)))
                continue
            if any(p.unit_code == unit.code for p in reading.parties):
                continue
            reading.parties.append(ResponsibleParty(name=name, role=role, unit_code=unit.code))
    return reading
