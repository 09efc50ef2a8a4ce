"""The unit directory in the browser (office only): list and search it (without diacritics, by code), add,
edit, disable and use again a unit, export it to .xlsx and import it from one with a preview of what the
import changes; every change is in the directory's audit trail (store.directory).

Every endpoint checks the role (Permission.EDIT_DIRECTORY: the office) and every form its CSRF token. A unit is
never deleted: old campaigns keep naming it. Campaigns started after a change choose from the directory as
it is then; a running campaign keeps its snapshot, and its notices go to each unit's current address.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from access.roles import Permission
from campaign.directory_rules import (
    COLUMNS,
    FIELD_WORDS,
    KIND_WORDS,
    STATE,
    ImportPreview,
    Placed,
    Problem,
    Typed,
    check_one,
    checked,
    clash_problems,
    kind_choices,
    preview_import,
    shown,
)
from campaign.limits import MAX_FORM_FIELD_CHARS, MAX_UNIT_QUERY_CHARS
from campaign.text import fold
from campaign.units import Unit
from exports.unit_sheet import MAX_SHEET_BYTES, SheetError, sheet_rows, units_workbook
from service.updates import Refused
from store.directory import StoredDirectory, add_unit, apply_import, edit_unit, recent_changes, set_disabled
from web.office_door import Door, Signed, via

LOG = structlog.get_logger("office.directory")
ACTION_WORDS = {"seed": "khởi tạo từ UNITS_FILE", "add": "thêm", "edit": "sửa", "disable": "ngừng dùng",
                "enable": "dùng lại", "import": "nhập từ .xlsx", "file": "theo UNITS_FILE"}  # fmt: skip
FIELD_NAMES = {**FIELD_WORDS, STATE: "Trạng thái", "channel": "Kênh", "webhook_url": "Webhook"}
EXPORT_NAME = "danh-ba-don-vi.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def matches(unit: Unit, query: str) -> bool:
    """Whether a search (without diacritics, any case) finds the unit by code, name, alias, e-mail or contact."""
    key = fold(query)
    if not key:
        return True
    words = [unit.code, unit.name, *unit.aliases, unit.email or "", unit.contact or "", unit.cluster or ""]
    return any(key in fold(w) for w in words) or key.replace(" ", "-") in unit.code


def typed_of(form: Any) -> Typed:
    values: dict[str, Any] = {name: str(form.get(name, ""))[:MAX_FORM_FIELD_CHARS] for name, _ in COLUMNS}
    return Typed(**values)


def directory_router(door: Door) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    allowed, store = door.allowed, door.store

    def office(request: Request, csrf: str | None = None) -> Signed:
        return allowed(request, Permission.EDIT_DIRECTORY, csrf)

    def unit_page(request: Request, who: Signed, stored: StoredDirectory, unit: Unit | None, typed: Typed,
                  problems: list[Problem], status: int = 200, saved: str | None = None) -> Response:  # fmt: skip
        history = []
        if unit is not None:
            with store.session() as session:
                history = recent_changes(session, unit.code, limit=50)
        values = {name: (getattr(typed, name) if getattr(typed, name) is not None else shown(unit, name))
                  for name, _ in COLUMNS}  # fmt: skip
        if unit is not None and typed.kind is None:
            values["kind"] = unit.kind.value
        errors: dict[str, list[str]] = {}
        for p in problems:
            errors.setdefault(p.field, []).append(p.message)
        clusters = [u for u in stored.active.units if u.kind.value == "cluster"]
        context = {"who": who, "unit": unit, "values": values, "errors": errors, "kinds": kind_choices(),
                   "clusters": clusters, "disabled": unit is not None and unit.code in stored.disabled,
                   "history": history, "actions": ACTION_WORDS, "field_names": FIELD_NAMES, "saved": saved,
                   "headings": FIELD_WORDS}  # fmt: skip
        return door.page(request, "directory_unit.html", context, status)

    @router.get("/directory", response_class=HTMLResponse)
    async def listing(request: Request, q: str = "", show: str = "") -> Response:
        who = office(request)
        stored = door.stored_directory()
        query = q.strip()[:MAX_UNIT_QUERY_CHARS]
        shown_units = [
            u for u in stored.units if (show == "all" or u.code not in stored.disabled) and matches(u, query)
        ]
        context = {"who": who, "units": shown_units, "q": query, "show": show, "disabled": stored.disabled,
                   "kinds": KIND_WORDS, "total": len(stored.units) - len(stored.disabled),
                   "off": len(stored.disabled), "organisation": stored.organisation}  # fmt: skip
        return door.page(request, "directory.html", context)

    @router.get("/directory/new", response_class=HTMLResponse)
    async def new_form(request: Request) -> Response:
        who = office(request)
        return unit_page(request, who, door.stored_directory(), None, Typed(kind="unit"), [])

    @router.post("/directory/new", response_class=HTMLResponse)
    async def add(request: Request) -> Response:
        form = await request.form()
        who = office(request, str(form.get("csrf", "")))
        stored = door.stored_directory()
        typed = typed_of(form)
        unit, problems = check_one(typed, stored.active.units, stored.everyone)
        if unit is None:
            return unit_page(request, who, stored, None, typed, problems, status=422)
        with store.session() as session:
            add_unit(session, unit, via(who))
        LOG.info("unit added", unit=unit.code, by=via(who))
        return RedirectResponse(f"/directory/units/{unit.code}?saved=add", status_code=303)

    def existing(stored: StoredDirectory, code: str) -> Unit:
        unit = stored.everyone.get(code)
        if unit is None:
            raise Refused(404, "not_found", f"Không có đơn vị mã “{code[:80]}” trong danh bạ.")
        return unit

    @router.get("/directory/units/{code}", response_class=HTMLResponse)
    async def unit_form(request: Request, code: str, saved: str = "") -> Response:
        who = office(request)
        stored = door.stored_directory()
        unit = existing(stored, code)
        words = {"add": "Đã thêm đơn vị vào danh bạ.", "edit": "Đã lưu.", "disable": "Đã ngừng dùng đơn vị.",
                 "enable": "Đơn vị đã được dùng lại.", "same": "Không có gì thay đổi."}  # fmt: skip
        return unit_page(request, who, stored, unit, Typed(), [], saved=words.get(saved))

    @router.post("/directory/units/{code}", response_class=HTMLResponse)
    async def edit(request: Request, code: str) -> Response:
        form = await request.form()
        who = office(request, str(form.get("csrf", "")))
        stored = door.stored_directory()
        before = existing(stored, code)
        typed = typed_of(form)
        in_use = [u for u in stored.active.units if u.code != code]
        unit, problems = check_one(typed, in_use, stored.everyone, base=before)
        if unit is None:
            return unit_page(request, who, stored, before, typed, problems, status=422)
        with store.session() as session:
            changes = edit_unit(session, unit, via(who))
        LOG.info("unit edited", unit=code, fields=sorted(changes), by=via(who))
        return RedirectResponse(f"/directory/units/{code}?saved={'edit' if changes else 'same'}", status_code=303)

    @router.post("/directory/units/{code}/disable", response_class=HTMLResponse)
    async def disable(request: Request, code: str, csrf: Annotated[str, Form()] = "") -> Response:
        who = office(request, csrf)
        existing(door.stored_directory(), code)
        with store.session() as session:
            set_disabled(session, code, True, via(who))
        LOG.info("unit disabled", unit=code, by=via(who))
        return RedirectResponse(f"/directory/units/{code}?saved=disable", status_code=303)

    @router.post("/directory/units/{code}/enable", response_class=HTMLResponse)
    async def enable(request: Request, code: str, csrf: Annotated[str, Form()] = "") -> Response:
        who = office(request, csrf)
        stored = door.stored_directory()
        unit = existing(stored, code)
        clashes = clash_problems(Placed(unit), [Placed(u) for u in stored.active.units])
        if clashes:
            return unit_page(request, who, stored, unit, Typed(), clashes, status=422)
        with store.session() as session:
            set_disabled(session, code, False, via(who))
        LOG.info("unit enabled", unit=code, by=via(who))
        return RedirectResponse(f"/directory/units/{code}?saved=enable", status_code=303)

    @router.get("/directory/export.xlsx")
    async def export(request: Request) -> Response:
        office(request)
        data = units_workbook(door.stored_directory().active.units)
        return Response(
            data, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="danh-ba-don-vi.xlsx"'}
        )

    @router.get("/directory/changes", response_class=HTMLResponse)
    async def changes(request: Request) -> Response:
        who = office(request)
        with store.session() as session:
            rows = recent_changes(session, limit=300)
        return door.page(request, "directory_changes.html", {"who": who, "rows": rows, "actions": ACTION_WORDS,
                                                               "field_names": FIELD_NAMES})  # fmt: skip

    def preview_of(data: bytes, whole: bool, stored: StoredDirectory) -> tuple[ImportPreview, dict[str, str]]:
        rows, letters = sheet_rows(data)
        if not rows:
            raise SheetError("bảng tính không có dòng đơn vị nào dưới hàng tiêu đề")
        return preview_import(rows, stored.units, stored.disabled, whole=whole), letters

    def import_page(request: Request, who: Signed, **context: Any) -> Response:
        status = 422 if context.get("error") or (context.get("preview") and context["preview"].problems) else 200
        return door.page(request, "directory_import.html", {"who": who, "field_names": FIELD_NAMES,
                                                              "kinds": KIND_WORDS, **context}, status)  # fmt: skip

    @router.post("/directory/import", response_class=HTMLResponse)
    async def import_preview(request: Request, csrf: Annotated[str, Form()] = "",
                             whole: Annotated[str, Form()] = "",
                             sheet: Annotated[UploadFile | None, File()] = None) -> Response:  # fmt: skip
        who = office(request, csrf)
        stored = door.stored_directory()
        if sheet is None or not sheet.filename:
            return import_page(request, who, error="Chưa chọn tệp .xlsx.")
        data = await sheet.read(MAX_SHEET_BYTES + 1)
        try:
            preview, letters = preview_of(data, whole == "1", stored)
        except SheetError as exc:
            return import_page(request, who, error=f"Không đọc được {sheet.filename}: {exc}.", name=sheet.filename)
        return import_page(request, who, preview=preview, letters=letters, name=sheet.filename, whole=whole == "1",
                           data=base64.b64encode(data).decode(), version=stored.version)  # fmt: skip

    @router.post("/directory/import/apply", response_class=HTMLResponse)
    async def import_apply(request: Request, csrf: Annotated[str, Form()] = "", data: Annotated[str, Form()] = "",
                           whole: Annotated[str, Form()] = "", version: Annotated[str, Form()] = "",
                           name: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = office(request, csrf)
        stored = door.stored_directory()
        try:
            raw = base64.b64decode(data, validate=True)
            preview, letters = preview_of(raw, whole == "1", stored)
        except (binascii.Error, ValueError, SheetError) as exc:
            return import_page(request, who, error=f"Không đọc được tệp đã xem trước: {exc}. Đề nghị tải lên lại.")
        if version != str(stored.version):
            return import_page(request, who, preview=preview, letters=letters, name=name, whole=whole == "1",
                               data=data, version=stored.version,
                               note="Danh bạ vừa thay đổi sau khi xem trước; đây là xem trước mới, đề nghị xem lại "
                                    "rồi áp dụng.")  # fmt: skip
        if preview.problems:
            return import_page(request, who, preview=preview, letters=letters, name=name, whole=whole == "1")
        with store.session() as session:
            apply_import(session, preview, via(who))
        LOG.info("directory imported", new=len(preview.new), changed=len(preview.changed),
                 disabled=len(preview.disabled), by=via(who))  # fmt: skip
        return import_page(request, who, applied=preview, name=name)

    return router


__all__ = ["checked", "directory_router"]
