"""Who is responsible: reading a GHI CHÚ / ĐƠN VỊ PHỤ TRÁCH cell, or a body line's "Phụ trách: …".

The same reading serves the schedule table and the body. A cell gives units (with their role), described
groups to assign, and people, who are the activity's contact persons, not units ("thầy Minh (môn Sử)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from campaign.plan import ResponsibleParty, UnitRole
from campaign.text import fold, nfc, squash, strip_markup
from campaign.units import UnitDirectory, UnitKind, UnitNotFound

# Role words, matched on folded text at the end (or start) of a clause.
_ROLE_WORDS = {
    "phu trach": UnitRole.LEAD,
    "thuc hien": UnitRole.LEAD,
    "chu tri": UnitRole.LEAD,
    "phoi hop": UnitRole.SUPPORT,
}
_ROLES = r"phụ trách|thực hiện|chủ trì|phối hợp"
_ROLE_AT_END = re.compile(rf"\s*\b({_ROLES})\s*[.:]?\s*$", re.IGNORECASE)
_ROLE_AT_START = re.compile(rf"^\s*({_ROLES})\s*(với)?\s*[:\-–]?\s*", re.IGNORECASE)
_ASSIGNED = re.compile(r"^\s*(phân công|giao cho|giao)\s+", re.IGNORECASE)
# "X chủ trì, Y phối hợp": a role word closes its part; "…, phối hợp: Y" opens one.
_ROLE_CLOSES = re.compile(rf"\b({_ROLES})\s*,\s*", re.IGNORECASE)
_ROLE_OPENS = re.compile(rf",\s*(?=(?:{_ROLES})\s*(?:với)?\s*[:\-–])", re.IGNORECASE)
# "Buổi sáng: A, B. Buổi chiều: C": a sentence ends at ". " after a word of three letters or more.
_SENTENCE_END = re.compile(r"(?<=\w\w\w)\.\s+(?=\S)")
# A lead-in that names when or what, not who ("Buổi sáng:", "Khối 10:"); role labels are kept.
_LEAD_IN = re.compile(r"^\s*(buổi\s+\w+|sáng|chiều|tối|khối\s+\w+|vòng\s+\w+|ngày\s+\w+)\s*:\s*", re.IGNORECASE)

# "Cụm hoạt động số 2, 5, 8" / "Cụm 2 và 3" / "Các đơn vị của Cụm 2, 3"
_CLUSTERS = re.compile(
    r"((?:các\s+(?:đơn\s+vị|cơ\s+sở\s+Đoàn|chi\s+đoàn)\s+(?:của|thuộc|trong)\s+|cả\s+)?)"
    r"Cụm(?:\s+hoạt\s+động)?(?:\s+số)?\s*(\d+(?:\s*(?:,|và|&)\s*\d+)+)",
    re.IGNORECASE,
)
_NAMES_SHOWN = 6  # member units a finding names before "… và N đơn vị khác"

# A "và" splits two parties only when what follows starts like an organisation's name;
# "Đoàn Sở Văn hóa và Thể thao" stays whole.
_ORG_START = re.compile(
    r"^(doan|chi doan|chi doi|lien doi|cum|van phong|ban|cong doan|hoi|lien doan|cac co so|co so|so|ubnd|btv|"
    r"bch|dang uy|phong|trung tam|cac|giao vien|thay|dc|dong chi)\b"
)

_ALL_UNITS = {"cac co so doan", "co so doan", "cac co so doan truc thuoc", "cac chi doan", "co so"}
_GROUP_START = re.compile(r"^(cac|nhung|moi|toan the)\b")
# A person: "thầy Minh (môn Sử)", "cô Lan", "đ/c Hải", "đồng chí Nguyễn Văn A", "anh Tú", "chị Mai".
_PERSON = re.compile(
    r"^(thầy|cô giáo|cô|đ/c|đ\.c|đồng chí|anh|chị|ông|bà|em|bạn|giáo viên|gv|tổng phụ trách|tpt)\s+(?=\S)",
    re.IGNORECASE,
)


@dataclass
class Reading:
    parties: list[ResponsibleParty] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (finding kind, message)
    contacts: list[str] = field(default_factory=list)  # people named, as written


def _unwrap(cell: str) -> str:
    """A cell written whole in parentheses loses them; "Chi đoàn khối (10, 11)" keeps its own."""
    cell = cell.strip()
    while cell.startswith("(") and cell.endswith(")") and _balanced(cell[1:-1]):
        cell = cell[1:-1].strip()
    return cell


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _split_outside_parentheses(text: str, separators: str) -> list[str]:
    """`text` cut at each separator character that stands outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _clauses(cell: str) -> list[tuple[str, UnitRole]]:
    """Split on ";", sentences and role words, and give each clause the role its words say (lead by default)."""
    result = []
    pieces: list[str] = []
    for part in _split_outside_parentheses(cell, ";\n"):
        for sentence in _SENTENCE_END.split(part):
            for opened in _ROLE_OPENS.split(sentence):
                pieces.extend(_ROLE_CLOSES.sub("\\1\0", opened).split("\0"))
    for clause in pieces:
        clause = _ASSIGNED.sub("", _LEAD_IN.sub("", squash(clause)))
        if not clause:
            continue
        role = UnitRole.LEAD
        if m := _ROLE_AT_END.search(clause):
            role = _ROLE_WORDS[fold(m[1])]
            clause = clause[: m.start()]
        elif m := _ROLE_AT_START.match(clause):
            role = _ROLE_WORDS[fold(m[1])]
            clause = clause[m.end() :]
        clause = _ASSIGNED.sub("", squash(clause).strip(" ,.:"))
        result.append((clause, role))
    return result


def _expand_clusters(text: str) -> str:
    def expand(m: re.Match[str]) -> str:
        numbers = re.findall(r"\d+", m[2])
        return ", ".join(f"{m[1]}Cụm hoạt động số {n}" for n in numbers)

    return _CLUSTERS.sub(expand, text)


def _comma_names(directory: UnitDirectory) -> dict[str, int]:
    """The directory's names and aliases that contain a comma (folded) → how many commas."""
    return {
        fold(name): name.count(",") for unit in directory.units for name in (unit.name, *unit.aliases) if "," in name
    }


def _whole_names(pieces: list[str], directory: UnitDirectory) -> list[str]:
    """Comma pieces joined again where the directory has the joined name ("Đoàn Sở Văn hóa, Thể thao và
    Du lịch"), longest first; the last piece may go on with "và <another party>"."""
    names = _comma_names(directory)
    if not names:
        return pieces
    widest = max(names.values()) + 1
    out: list[str] = []
    i = 0
    while i < len(pieces):
        taken = 0
        for j in range(min(len(pieces), i + widest), i + 1, -1):
            if fold(", ".join(pieces[i:j])) in names:
                out.append(", ".join(pieces[i:j]))
                taken = j - i
                break
            words = re.split(r"\s+và\s+", pieces[j - 1])
            for cut in range(len(words) - 1, 0, -1):  # "… Thể thao và Du lịch và Đoàn Sở Y tế"
                joined = ", ".join([*pieces[i : j - 1], " và ".join(words[:cut])])
                if fold(joined) in names:
                    out.extend([joined, " và ".join(words[cut:])])
                    taken = j - i
                    break
            if taken:
                break
        if not taken:
            out.append(pieces[i])
            taken = 1
        i += taken
    return out


def _split_names(clause: str, directory: UnitDirectory | None) -> list[str]:
    names = []
    pieces = [squash(p) for p in _split_outside_parentheses(clause, ",") if squash(p)]
    if directory is not None and len(pieces) > 1:
        pieces = _whole_names(pieces, directory)
    for piece in pieces:
        if directory is not None and not is_person(piece) and _known(piece, directory):
            names.append(piece)
            continue
        parts = re.split(r"\s+(?:và|cùng|với)\s+(?![^()]*\))", piece)
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


def _cluster_members(name: str, role: UnitRole, directory: UnitDirectory, reading: Reading) -> bool:
    """ "Các đơn vị của Cụm 2": the cluster's member units, with a finding naming them (as the editor
    expands the same words); False when `name` does not speak of a cluster in the directory."""
    try:
        named = directory.cluster_named(name)
    except UnitNotFound:
        return False
    if named is None or named[0].kind is not UnitKind.CLUSTER:
        return False
    cluster, members = named
    if not members:
        reading.parties.append(ResponsibleParty(name=name, role=role, group=True))
        reading.problems.append(
            ("needs_assignment", f"“{name}”: {cluster.name} chưa có đơn vị thành viên trong danh bạ, cần phân công")
        )
        return True
    known = {p.unit_code for p in reading.parties}
    reading.parties.extend(
        ResponsibleParty(name=u.name, role=role, unit_code=u.code) for u in members if u.code not in known
    )
    shown = ", ".join(u.name for u in members[:_NAMES_SHOWN])
    more = f" và {len(members) - _NAMES_SHOWN} đơn vị khác" if len(members) > _NAMES_SHOWN else ""
    reading.problems.append(
        ("cluster_members", f"“{name}” là {len(members)} đơn vị của {cluster.name} theo danh bạ: {shown}{more}")
    )
    return True


def is_person(name: str) -> bool:
    """Whether a name in a responsibility cell is a person's ("thầy Minh", "đ/c Hải"), not a unit's."""
    return _PERSON.match(name) is not None


def read_responsible(cell: str, directory: UnitDirectory | None, *, own_directory: bool = True) -> Reading:
    """Parties named in a responsibility cell, with their role and directory code, and the people named.

    `own_directory` says the plan was issued by the directory's organisation: only then does a whole
    described group ("Các chi đoàn", "Các cơ sở Đoàn") become the directory's units; otherwise it stays a
    group for the office to assign, with a finding.
    """
    reading = Reading()
    cell = _unwrap(strip_markup(nfc(cell)))
    for clause, role in _clauses(_expand_clusters(cell)):
        for name in _split_names(clause, directory):
            key = fold(name)
            if is_person(name):
                if name not in reading.contacts:
                    reading.contacts.append(name)
                continue
            if directory is not None and _cluster_members(name, role, directory, reading):
                continue
            if key in _ALL_UNITS and directory is not None:
                if own_directory:
                    reading.parties.extend(
                        ResponsibleParty(name=u.name, role=role, unit_code=u.code)
                        for u in directory.of_kind(UnitKind.UNIT)
                    )
                else:
                    reading.parties.append(ResponsibleParty(name=name, role=role, group=True))
                    owner = directory.organisation or "đơn vị của danh bạ"
                    reading.problems.append(
                        (
                            "needs_assignment",
                            f"“{name}” là một nhóm mô tả; kế hoạch không do {owner} ban hành nên không tự lấy "
                            "các đơn vị trong danh bạ, cần phân công đơn vị cụ thể",
                        )
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
