"""What a unit sends through the portal: the JSON API's bodies (exact types, unknown fields refused),
the report form's duty fields and chosen files, read into the activity's messages; the audit trail's
actor for an answer through a link."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator

from access.links import UnitLink
from campaign.limits import (
    MAX_DUTIES,
    MAX_DUTY_NOTE,
    MAX_EVIDENCE,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_PEOPLE,
    MAX_REQUEST_ID_CHARS,
    MAX_SUMMARY_CHARS,
)
from campaign.messages import (
    line_breaks_as_lf,
    whole_number,
)
from web.evidence import MAX_FILE_BYTES, MAX_FILES, EvidenceRefused, check, shown

bearer = HTTPBearer(auto_error=False, description="Mã trong liên kết cá nhân của đơn vị")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class ApiBody(BaseModel):
    """A JSON body as the API takes it: exact types (no `true` for 1, no `"12"` for 12), unknown fields
    refused (`invalid`, 422), line breaks read as LF before lengths are counted."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _line_breaks(cls, raw: object) -> object:
        return line_breaks_as_lf(raw) if isinstance(raw, dict) else raw


class ReadyIn(ApiBody):
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS, description="Ghi chú (không bắt buộc)")


class ReportIn(ApiBody):
    summary: str = Field(max_length=MAX_SUMMARY_CHARS, description="Tóm tắt kết quả")
    participants: int = Field(ge=0, le=MAX_PEOPLE, description="Số người tham gia")
    beneficiaries: int | None = Field(None, ge=0, le=MAX_PEOPLE, description="Số người được hưởng lợi")
    evidence: list[str] = Field([], max_length=MAX_EVIDENCE, description="Đường dẫn minh chứng http/https")
    submitted_by: str = Field("", max_length=MAX_NAME_CHARS, description="Người gửi")
    request_id: str | None = Field(
        None, max_length=MAX_REQUEST_ID_CHARS, description="Mã yêu cầu: gửi lại cùng mã không tạo bản mới"
    )
    duties: list[DutyIn] | None = Field(
        None, max_length=MAX_DUTIES, description="Báo cáo kết quả thực hiện kế hoạch: trả lời từng nhiệm vụ"
    )


_DUTY_FIELD = re.compile(r"^duty-(\d{1,2})-(status|note|participants|count)$")


def typed_duties(form: Any) -> dict[int, dict[str, str]]:
    """The duties' answers as typed in the report form (`duty-<no>-status`, `-note`, `-participants`,
    `-count`), by duty number."""
    typed: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        if (m := _DUTY_FIELD.match(key)) and isinstance(value, str):
            typed.setdefault(int(m[1]), {})[m[2]] = value
    return dict(sorted(typed.items()))


def duty_answers(typed: dict[int, dict[str, str]]) -> list[dict[str, Any]]:
    """The typed answers as the report message's `duties`: a duty without a choice is left out, for the
    activity to name it; counts are read as every count in the form is."""
    answers = []
    for no, fields in typed.items():
        if not fields.get("status"):
            continue
        answer: dict[str, Any] = {"duty": no, "status": fields["status"], "note": fields.get("note", "").strip()}
        for name, words in (("participants", "số người tham gia"), ("count", "số lượng")):
            if fields.get(name, "").strip():
                answer[name] = whole_number(fields[name], f"nhiệm vụ {no}: {words}")
        answers.append(answer)
    return answers


class DutyIn(ApiBody):
    duty: int = Field(ge=1, le=MAX_DUTIES, description="Số thứ tự nhiệm vụ (từ `duties` của hoạt động)")
    status: Literal["done", "not_done", "not_applicable"] = Field(
        description="done: đã thực hiện; not_done: chưa thực hiện; not_applicable: không áp dụng"
    )
    note: str = Field("", max_length=MAX_DUTY_NOTE, description="Ghi chú ngắn")
    participants: int | None = Field(None, ge=0, le=MAX_PEOPLE, description="Số người tham gia nhiệm vụ")
    count: int | None = Field(None, ge=0, le=MAX_PEOPLE, description="Số lượng kế hoạch đặt cho nhiệm vụ (nếu có)")


class Problem(BaseModel):
    code: str
    message: str


async def checked_files(files: list[UploadFile]) -> list[tuple[bytes, str, str]]:
    """Each chosen file as (data, kind, shown name), checked by size and content (nothing stored yet)."""
    chosen = [f for f in files if f.filename]
    if len(chosen) > MAX_FILES:
        raise EvidenceRefused(f"tối đa {MAX_FILES} tệp minh chứng (đã chọn {len(chosen)})")
    checked = []
    for upload in chosen:
        data = await upload.read(MAX_FILE_BYTES + 1)
        name = shown(upload.filename)
        checked.append((data, await asyncio.to_thread(check, data, name), name))
    return checked


def via(link: UnitLink) -> str:
    """The audit trail's actor for an answer through a link: the unit and the link's token id."""
    return f"{link.unit} qua liên kết {link.token_id}"


def first_problem(errors: Any, describe: Callable[[Any], str]) -> str:
    from pydantic import ValidationError
    from pydantic_core import InitErrorDetails

    first = errors[0]
    location = [part for part in first.get("loc", ()) if part not in ("body",)]
    detail: InitErrorDetails = {"type": first["type"], "loc": tuple(location), "input": first.get("input")}
    if first.get("ctx"):
        detail["ctx"] = first["ctx"]
    try:
        return describe(ValidationError.from_exception_data("request", [detail]))
    except Exception:
        return f"Dữ liệu không hợp lệ ở {'.'.join(str(p) for p in location)}"
