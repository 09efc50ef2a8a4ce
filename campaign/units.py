"""The unit directory: who the plan can name, how to reach them, and name matching."""

from __future__ import annotations

import difflib
import re
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator

from campaign.limits import MAX_UNIT_CODE_CHARS
from campaign.text import fold, nfc, squash

# Words (folded) that speak of a cluster's member units: "các đơn vị của …", "các cơ sở Đoàn thuộc …",
# "tất cả chi đoàn trong …", "cả Cụm …".
_MEMBERS_OF = re.compile(
    r"^(?:(?:tat ca |toan bo |toan the )?(?:cac )?(?:don vi|co so doan|co so|chi doan)(?: truc)? (?:cua|thuoc|trong)"
    r" |(?:ca|toan) (?=cum\b))"
)


class UnitKind(StrEnum):
    UNIT = "unit"  # cơ sở Đoàn / Chi đoàn
    CLUSTER = "cluster"  # Cụm hoạt động
    OFFICE = "office"  # Văn phòng Đoàn Khối
    COMMITTEE = "committee"  # Ban Thường vụ


class Unit(BaseModel):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=MAX_UNIT_CODE_CHARS)
    name: str
    kind: UnitKind = UnitKind.UNIT
    aliases: list[str] = Field(default_factory=list)  # a factory: a city's default lists are not deep-copied one by one
    email: str | None = None
    channel: str | None = None  # overrides the default notification channel
    webhook_url: str | None = None
    cluster: str | None = None  # code of the cluster this unit belongs to
    contact: str | None = None  # the person the office calls there (name, phone), as the office keeps it

    @field_validator("name", "aliases", mode="after")
    @classmethod
    def _normalise(cls, value: str | list[str]) -> str | list[str]:
        # `type`, not isinstance: in a workflow the SDK's sandbox wraps isinstance (about 5 µs a call), and
        # a run carries thousands of contacts (bench.portal_burst)
        if type(value) is str:
            return squash(nfc(value))
        return [squash(nfc(v)) for v in value]


class UnitNotFound(LookupError):
    def __init__(self, query: str, candidates: list[Unit], ambiguous: bool = False):
        self.query = query
        self.candidates = candidates
        self.ambiguous = ambiguous
        names = ", ".join(f"“{u.name}” ({u.code})" for u in candidates)
        if ambiguous:
            message = f"“{query}” khớp với nhiều đơn vị: {names}"
        elif candidates:
            message = f"không có đơn vị “{query}” trong danh bạ; gần nhất: {names}"
        else:
            message = f"không có đơn vị “{query}” trong danh bạ"
        super().__init__(message)


# Suffixes a plan adds to a unit's name that the directory may leave out.
_CITY_SUFFIX = re.compile(r"\s+(thanh pho ho chi minh|thanh pho|tp hcm|tphcm|tp)$")


class UnitDirectory(BaseModel):
    organisation: str = ""
    units: list[Unit]
    _index: dict[str, list[Unit]] | None = PrivateAttr(None)  # folded name → units, built on first use
    _indexed: tuple[int, int] = PrivateAttr((0, 0))  # which list (and length) the index was built from
    _codes: dict[str, Unit] | None = PrivateAttr(None)
    _coded: tuple[int, int] = PrivateAttr((0, 0))

    @property
    def by_code(self) -> dict[str, Unit]:
        """Code → unit, built once per list (a campaign start looks up thousands of codes)."""
        if self._codes is None or self._coded != (id(self.units), len(self.units)):
            self._codes, self._coded = {u.code: u for u in self.units}, (id(self.units), len(self.units))
        return self._codes

    def get(self, code: str) -> Unit:
        return self.by_code[code]

    def of_kind(self, kind: UnitKind) -> list[Unit]:
        return [u for u in self.units if u.kind is kind]

    @property
    def office(self) -> Unit | None:
        return next(iter(self.of_kind(UnitKind.OFFICE)), None)

    @property
    def standing_committee(self) -> Unit | None:
        return next(iter(self.of_kind(UnitKind.COMMITTEE)), None)

    def members_of(self, cluster_code: str) -> list[Unit]:
        return [u for u in self.units if u.cluster == cluster_code]

    def cluster_named(self, words: str) -> tuple[Unit, list[Unit]] | None:
        """The unit that words like "Các đơn vị của Cụm 2", "các cơ sở Đoàn thuộc Cụm hoạt động số 2" or
        "cả Cụm 2" speak of the members of, and its members in directory order (none when it is not a
        cluster or has none). None when the words do not speak of a unit's members; UnitNotFound when
        the unit they name is not in the directory. One reading for the plan importer and the editor."""
        key = fold(words)
        members = _MEMBERS_OF.match(key)
        if members is None:
            return None
        unit = self.find(key[members.end() :])
        return unit, self.members_of(unit.code) if unit.kind is UnitKind.CLUSTER else []

    def _keys(self) -> dict[str, list[Unit]]:
        if self._index is not None and self._indexed == (id(self.units), len(self.units)):
            return self._index
        index: dict[str, list[Unit]] = {}
        for unit in self.units:
            for key in {fold(unit.code), fold(unit.name), *(fold(a) for a in unit.aliases)}:
                if unit not in index.setdefault(key, []):
                    index[key].append(unit)
        self._index, self._indexed = index, (id(self.units), len(self.units))
        return index

    def find(self, query: str) -> Unit:
        """The unit a person or a plan means by `query` (code, name or alias).

        Tolerates case, missing diacritics, đ/d, extra spaces, Unicode forms and a
        trailing "Thành phố"; raises UnitNotFound naming the closest candidates.
        """
        index = self._keys()
        key = fold(query)
        for attempt in (key, _CITY_SUFFIX.sub("", key)):
            matches = index.get(attempt, [])
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise UnitNotFound(query, matches, ambiguous=True)
        prefixed = {u.code: u for k, us in index.items() if k.startswith(key + " ") for u in us}
        if len(prefixed) == 1:
            return next(iter(prefixed.values()))
        if len(prefixed) > 1:
            raise UnitNotFound(query, list(prefixed.values())[:5], ambiguous=True)
        close = difflib.get_close_matches(key, list(index), n=3, cutoff=0.6)
        candidates: list[Unit] = []
        for k in close:
            for u in index[k]:
                if u not in candidates:
                    candidates.append(u)
        raise UnitNotFound(query, candidates)

    def problems(self) -> list[str]:
        """What makes this directory unusable or ambiguous, in Vietnamese."""
        found = []
        seen: dict[str, str] = {}
        for unit in self.units:
            if unit.code in seen:
                found.append(f"mã “{unit.code}” bị trùng")
            seen.setdefault(unit.code, unit.name)
        owners: dict[str, set[str]] = {}
        for unit in self.units:
            for name in {unit.name, *unit.aliases}:
                owners.setdefault(fold(name), set()).add(unit.code)
        for key, codes in sorted(owners.items()):
            if len(codes) > 1:
                found.append(f"tên/bí danh “{key}” dùng cho nhiều đơn vị: {', '.join(sorted(codes))}")
        codes = set(seen)
        for unit in self.units:
            if unit.cluster and unit.cluster not in codes:
                found.append(f"đơn vị “{unit.code}” thuộc cụm “{unit.cluster}” không có trong danh bạ")
        return found


class DirectoryError(ValueError):
    """A unit directory that cannot be read; the message is Vietnamese."""


def load_directory(path: str | Path) -> UnitDirectory:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DirectoryError(f"không tìm thấy tệp danh bạ {path}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DirectoryError(f"tệp danh bạ {path} không phải YAML hợp lệ: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        raise DirectoryError(f"tệp danh bạ {path} phải có danh sách “units”")
    try:
        return UnitDirectory.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DirectoryError(f"tệp danh bạ {path}: trường {where}: {first['msg']}") from None
