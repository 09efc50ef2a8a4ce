"""What a unit sends through the portal besides the JSON API's bodies (campaign.messages' ReadyBody and
ReportBody): the report form's duty fields and chosen files, read into the activity's messages; the audit
trail's actor for an answer through a link."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import Depends, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from access.links import UnitLink
from campaign.messages import problem_sentence, whole_number
from web.evidence import MAX_FILE_BYTES, MAX_FILES, EvidenceRefused, check, shown

bearer = HTTPBearer(auto_error=False, description="Mã trong liên kết cá nhân của đơn vị")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


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
                answer[name] = whole_number(fields[name], f"Nhiệm vụ {no}: {words}")
        answers.append(answer)
    return answers


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


def first_problem(errors: Sequence[Mapping[str, Any]]) -> str:
    """The first of a request's validation errors (FastAPI's) as the sentence every door says for it."""
    first = errors[0]
    location = tuple(part for part in first.get("loc", ()) if part != "body")
    try:
        return problem_sentence({**first, "loc": location})
    except (KeyError, TypeError, ValueError):
        return f"Dữ liệu không hợp lệ ở {'.'.join(str(p) for p in location)}"
