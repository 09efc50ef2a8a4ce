"""The schedule editor through its forms (web.office_editor): a plan the reader gets partly wrong is
corrected and started; a campaign is written from nothing; a refused document opens with its text beside
the editor; drafts are saved, listed, reopened and started once; the record of what was started; who may
do it. Every plan here is invented."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import func, select

from campaign.editing import blank_draft
from campaign.final_report import CampaignReport, render_markdown
from harness.temporal import migrated_store
from store.drafts import UNSAVED_KEPT, hand_corrections, new_draft
from store.schema import CampaignPlan, PlanDraft
from tests.office_env import office, signed_in
from workflows.inputs import CampaignInput

__all__ = ["office"]  # the fixture


def month_ahead() -> date:
    """The first day of the month after next: a plan whose dates have not passed."""
    today = date.today()
    return (today.replace(day=1) + timedelta(days=62)).replace(day=1)


def plan_text(first: date, rows: list[str]) -> bytes:
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    head = f"""ĐOÀN KHỐI
Số: 31-KH/ĐTN
TP. Hồ Chí Minh, ngày {first.day:02d} tháng {first.month} năm {first.year}

KẾ HOẠCH
Tổ chức Tháng Sức khỏe cộng đồng
(Từ ngày {first:%d/%m} đến ngày {last:%d/%m/%Y})

Nơi nhận:
- Lưu: VP.

LỊCH HOẠT ĐỘNG
TT	HOẠT ĐỘNG	THỜI GIAN	ĐỊA ĐIỂM	GHI CHÚ
"""
    return (head + "\n".join(rows) + "\n").encode()


def partly_wrong(first: date) -> bytes:
    """Three rows: a date in the wrong year, an unknown unit, and a row whose date cannot be read."""
    return plan_text(first, [
        f"1\tKhám sức khỏe miễn phí\t{first.replace(day=6):%d/%m}/{first.year + 1}\tTrạm Y tế phường\t"
        "Đoàn Sở Y tế phụ trách",
        f"2\tGiải chạy vì sức khỏe\t{first.replace(day=13):%d/%m/%Y}\tCông viên Lê Văn Tám\t"
        "Đoàn Sở Thể thao mới phụ trách",
        "3\tTập huấn sơ cấp cứu\tngày 40\tHội trường A\tĐoàn Bảo hiểm xã hội phụ trách",
    ])  # fmt: skip


def csrf_of(page: str) -> tuple[str, str]:
    return (re.search(r'name="csrf" value="([^"]+)"', page)[1],  # type: ignore[index]
            re.search(r'name="version" value="(\d+)"', page)[1])  # type: ignore[index]  # fmt: skip


def form_of(page: str) -> dict[str, list[str]]:
    """The editor's form as a browser would send it untouched: text inputs, ticked boxes, chosen options."""
    fields: dict[str, list[str]] = {}
    body = page[page.index('id="editor"') :]
    body = body[: body.index("</form>")]
    for tag in re.finditer(r"<input ([^>]*)>", body):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag[1]))
        kind = attrs.get("type", "text")
        if "name" not in attrs or kind in ("submit",):
            continue
        if kind in ("checkbox", "radio") and " checked" not in tag[0]:
            continue
        fields.setdefault(attrs["name"], []).append(unescape(attrs.get("value", "")))
    for area in re.finditer(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, re.S):
        fields.setdefault(area[1], []).append(unescape(area[2]))
    for select_ in re.finditer(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', select_[2])
        fields.setdefault(select_[1], []).append(chosen[1] if chosen else "")
    return fields


def unescape(text: str) -> str:
    import html

    return html.unescape(text)


async def send(http: httpx.AsyncClient, where: str, page: str, action: str, **typed: str) -> httpx.Response:
    fields = form_of(page)
    for name, value in typed.items():
        fields[name.replace("__", "-")] = [value]
    fields["action"] = [action]
    data = [(name, value) for name, values in fields.items() for value in values]
    return await http.post(where, content=httpx.QueryParams(data).__str__().encode(),
                           headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip


async def follow(http: httpx.AsyncClient, answer: httpx.Response) -> httpx.Response:
    assert answer.status_code == 303, answer.text[:2000]
    return await http.get(answer.headers["location"].split("#")[0])


async def started_input(office, cid: str) -> CampaignInput:
    handle = office.env.client.get_workflow_handle(f"campaign/{cid}")
    history = await handle.fetch_history()
    attributes = history.events[0].workflow_execution_started_event_attributes
    [value] = await office.env.client.data_converter.decode(attributes.input.payloads, [CampaignInput])
    return value


async def stop(office, cid: str, nos=range(1, 8)) -> None:
    for no in nos:
        with contextlib.suppress(Exception):
            await office.env.client.get_workflow_handle(f"campaign/{cid}/activity/{no}").terminate("done")
    with contextlib.suppress(Exception):
        await office.env.client.get_workflow_handle(f"campaign/{cid}").terminate("done")


async def test_a_plan_the_reader_gets_partly_wrong_is_corrected_and_started(office) -> None:
    first = month_ahead()
    http, csrf = await signed_in(office, "vp")
    uploaded = await http.post("/campaigns/new", data={"csrf": csrf},
                               files={"plan": ("suc-khoe.txt", partly_wrong(first), "text/plain")})  # fmt: skip
    opened = await follow(http, uploaded)  # the upload lands in the editor itself
    where = str(opened.url.path)
    page = opened.text
    assert re.fullmatch(r"/drafts/[0-9a-f]{32}", where) and uploaded.headers["location"] == where
    assert "Sửa lịch hoạt động" in page and 'id="r1-start"' in page and 'id="document"' in page
    assert "đọc từ dòng 14" in page and "đọc từ dòng 15" in page  # the line each row was read from
    assert '<a href="#line-15">dòng 15</a>: “2 | Giải chạy vì sức khỏe |' in page  # and the line's own words
    assert re.search(r'<a href="#r1">Hoạt động 1</a> \(dòng 14\): [^<]*nằm ngoài thời gian kế hoạch', page)
    assert "nằm ngoài thời gian kế hoạch" in page and "có phải năm" in page  # the wrong year, beside its row
    # correct the year, put the right unit for the unknown name, type the row the reader could not read
    answer = await send(http, where, page, "apply", r1__start=f"{first.replace(day=6):%d/%m/%Y}",
                        r2__group__0="doan so tu phap")  # fmt: skip
    page = (await follow(http, answer)).text
    assert "nằm ngoài thời gian kế hoạch" not in page and "có phải năm" not in page
    assert "không đọc được ngày trong “ngày 40”" in page  # the row it could not read: still said, to type in
    keys = re.findall(r'name="row" value="(\d+)"', page)
    assert len(keys) == 3  # the row whose date could not be read is kept, with its title, place and unit
    key = keys[-1]
    assert re.search(rf'id="r{key}-start"[^>]*value=""', page) or f'id="r{key}-start" value=""' in page
    typed = {f"r{key}__start": f"{first:%d/%m/%Y}", f"r{key}__start_time": "7:30", f"r{key}__report_due": "5"}
    cid = f"sk-{first:%Y%m}-{datetime.now(UTC):%H%M%S%f}"
    typed["campaign_id"] = cid
    page = (await follow(http, await send(http, where, page, "save", **typed))).text
    assert 'id="saved"' in page
    listing = await http.get("/campaigns")
    assert where in listing.text and "Lưu nháp bởi vp (office)" in listing.text
    reopened = await http.get(where)
    started = await send(http, where, reopened.text, "start")
    again = await send(http, where, reopened.text, "start")
    await http.aclose()
    try:
        assert started.status_code == 303 and started.headers["location"] == f"/campaigns/{cid}", started.text[:3000]
        assert again.status_code == 409 and "đang chạy" in again.text
        value = await started_input(office, cid)
        plan = value.plan
        assert [a.number for a in plan.activities] == ["1", "2", "3"]
        assert plan.activities[0].start == first.replace(day=6)
        assert plan.activities[1].unit_codes == ["so-tu-phap"]
        three = plan.activities[2]
        assert (three.title, three.start, three.unit_codes, f"{three.start_time:%H:%M}") == (
            "Tập huấn sơ cấp cứu", first, ["bhxh"], "07:30")  # fmt: skip
        assert value.policy.for_activity(3).report_due == timedelta(days=5)
        with office.store.session() as session:
            record = session.get(CampaignPlan, cid)
            assert record is not None and record.started_by == "vp (office)" and record.read_plan is not None
            assert [a["no"] for a in record.read_plan["activities"]] == [1, 2, 3]
            assert {c["field"] for c in record.changes} >= {"start", "unassigned", "lead"}
            assert all(c["who"] == "vp (office)" and c["at"] for c in record.changes)
            fixed = hand_corrections(session, cid)
            assert session.scalar(select(PlanDraft.status).where(PlanDraft.id == where.rsplit("/", 1)[1])) == "started"
        words = {(c.number, c.field): (c.before, c.after) for c in fixed}
        assert words[("1", "ngày bắt đầu")] == (f"{first.replace(day=6):%d/%m}/{first.year + 1}",
                                                 f"{first.replace(day=6):%d/%m/%Y}")  # fmt: skip
        assert words[("2", "đơn vị phụ trách")] == ("", "Đoàn Sở Tư pháp")
        report = CampaignReport(campaign_id=cid, plan_code="31-KH/ĐTN", title="T", window_start=first,
                                window_end=first, status="RUNNING", recipients=[], activities=[],
                                generated_at=datetime.now(UTC), corrections=fixed)  # fmt: skip
        markdown = render_markdown(report)
        assert (
            "## Sửa tay trước khi khởi động" in markdown
            and "| 2 | đơn vị phụ trách | — | Đoàn Sở Tư pháp |" in markdown
        )
    finally:
        await stop(office, cid)


async def test_a_three_activity_campaign_written_from_nothing(office) -> None:
    first = month_ahead()
    http, csrf = await signed_in(office, "vp")
    page = (await follow(http, await http.post("/drafts", data={"csrf": csrf}))).text
    where = re.search(r'action="(/drafts/[0-9a-f]{32})"', page)[1]  # type: ignore[index]
    assert 'id="document"' not in page and "chưa có tên" in page
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    heading = {"code": "44-KH/ĐTN", "plan_title": "Tháng Tình nguyện", "issued_on": f"{first:%d/%m/%Y}",
               "window_start": f"{first:%d/%m/%Y}", "window_end": f"{last:%d/%m/%Y}"}  # fmt: skip
    rows = [("Hiến máu nhân đạo", 9, "Đoàn Bảo hiểm xã hội"), ("Dọn rác bãi biển", 16, "so-tnmt; khu-cnc"),
            ("Tổng kết tháng", 27, "doan so noi vu")]  # fmt: skip
    for index, (title, day, units) in enumerate(rows):
        if index:
            page = (await follow(http, await send(http, where, page, "add"))).text
        key = re.findall(r'name="row" value="(\d+)"', page)[-1]
        typed = {f"r{key}__title": title, f"r{key}__start": f"{first.replace(day=day):%d/%m/%Y}",
                 f"r{key}__add_lead": units, **heading}  # fmt: skip
        answer = await send(http, where, page, "apply", **typed)
        page = (await follow(http, answer)).text
    cid = f"tn-{datetime.now(UTC):%H%M%S%f}"
    started = await send(http, where, page, "start", campaign_id=cid)
    await http.aclose()
    try:
        assert started.status_code == 303, started.text[:3000]
        plan = (await started_input(office, cid)).plan
        assert plan.code == "44-KH/ĐTN" and plan.title == "Tháng Tình nguyện"
        assert [(a.number, a.title, a.start.day, a.unit_codes) for a in plan.activities] == [
            ("1", "Hiến máu nhân đạo", 9, ["bhxh"]), ("2", "Dọn rác bãi biển", 16, ["so-tnmt", "khu-cnc"]),
            ("3", "Tổng kết tháng", 27, ["so-noi-vu"])]  # fmt: skip
        with office.store.session() as session:
            record = session.get(CampaignPlan, cid)
            assert record is not None and record.source == "blank" and record.read_plan is None
    finally:
        await stop(office, cid)


async def test_a_refused_document_opens_the_editor_with_its_text(office) -> None:
    text = "Kế hoạch tổ chức ngày hội đọc sách\nCác chi đoàn tự sắp xếp thời gian phù hợp.\n".encode()
    http, csrf = await signed_in(office, "vp")
    json_answer = await http.post("/campaigns/new?format=json", data={"csrf": csrf},
                                  files={"plan": ("doc-sach.txt", text, "text/plain")})  # fmt: skip
    answer = await http.post("/campaigns/new", data={"csrf": csrf},
                             files={"plan": ("doc-sach.txt", text, "text/plain")})  # fmt: skip
    page = (await follow(http, answer)).text
    await http.aclose()
    assert json_answer.status_code == 422  # the API still says the reader refused it
    assert 'id="refusal"' in page and "doc-sach.txt:" in page and "không tìm thấy bảng lịch" in page
    assert 'id="document"' in page and "Các chi đoàn tự sắp xếp thời gian phù hợp." in page
    assert 'id="r1-title"' in page  # an empty schedule to type into


async def test_undo_and_the_change_log(office) -> None:
    first = month_ahead()
    http, csrf = await signed_in(office, "vp")
    uploaded = await http.post("/campaigns/new", data={"csrf": csrf},
                               files={"plan": ("x.txt", partly_wrong(first), "text/plain")})  # fmt: skip
    page = (await follow(http, uploaded)).text
    where = re.search(r'action="(/drafts/[0-9a-f]{32})"', page)[1]  # type: ignore[index]
    page = (await follow(http, await send(http, where, page, "remove-2"))).text
    gone = 'id="r2"' not in page and "Bỏ hoạt động 2" not in page
    logged = "hoạt động: “2. Giải chạy vì sức khỏe” → “bỏ”" in page
    page = (await follow(http, await send(http, where, page, "undo"))).text
    back = 'id="r2"' in page
    bad = await send(http, where, page, "apply", r1__start="31/02/2030")
    two = await send(http, where, page, "apply", r1__start="31/02/2030", r2__start_time="25 giờ")
    split = (await follow(http, await send(http, where, page, "split-1"))).text
    await http.aclose()
    assert gone and logged and back
    assert bad.status_code == 422 and "Hoạt động 1: ngày bắt đầu: ngày 31/02/2030 không có thật" in bad.text
    assert 'value="31/02/2030"' in bad.text  # what was typed stays to correct
    said = two.text.split('id="error"')[1].split("</div>")[0]  # every field at fault, at once
    assert two.status_code == 422 and "Cần sửa 2 chỗ trước khi áp dụng" in said
    assert "<li>Hoạt động 1: ngày bắt đầu: ngày 31/02/2030 không có thật" in said
    assert "<li>Hoạt động 2: giờ bắt đầu" in said and 'value="25 giờ"' in two.text
    assert 'value="1.1"' in split


async def test_who_may_use_the_editor(office) -> None:
    http, csrf = await signed_in(office, "vp")
    page = (await follow(http, await http.post("/drafts", data={"csrf": csrf}))).text
    where = re.search(r'action="(/drafts/[0-9a-f]{32})"', page)[1]  # type: ignore[index]
    stale = await send(http, where, page, "apply", plan_title="Một")
    again = await send(http, where, page, "apply", plan_title="Hai")  # the same form, now out of date
    forged = await http.post(where, data={"csrf": "sai", "action": "add"})
    unknown = await http.get("/drafts/" + "0" * 32)
    committee, committee_csrf = await signed_in(office, "btv")
    looked = await committee.get(where)
    posted = await committee.post(where, data={"csrf": committee_csrf, "action": "add"})
    created = await committee.post("/drafts", data={"csrf": committee_csrf})
    with office.store.session() as session:
        drafts_before = session.scalar(select(func.count()).select_from(PlanDraft))
    uploaded = await committee.post("/campaigns/new", data={"csrf": committee_csrf},
                                    files={"plan": ("x.txt", partly_wrong(month_ahead()), "text/plain")})  # fmt: skip
    forged_upload = await http.post("/campaigns/new", data={"csrf": "sai"},
                                    files={"plan": ("x.txt", partly_wrong(month_ahead()), "text/plain")})  # fmt: skip
    with office.store.session() as session:
        drafts_after = session.scalar(select(func.count()).select_from(PlanDraft))
    listing = await committee.get("/campaigns")
    nobody = office.http()
    anonymous = await nobody.get(where)
    for client in (http, committee, nobody):
        await client.aclose()
    assert stale.status_code == 303
    assert again.status_code == 409 and "đề nghị tải lại trang" in again.text
    assert forged.status_code == 403 and unknown.status_code == 404
    assert looked.status_code == 403 and posted.status_code == 403 and created.status_code == 403
    assert uploaded.status_code == 403 and forged_upload.status_code == 403 and drafts_after == drafts_before
    assert 'id="drafts"' not in listing.text
    assert anonymous.status_code == 401


async def test_the_proposed_id_follows_the_plan_and_an_added_empty_row_does_not_block(office) -> None:
    first = month_ahead()
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    http, csrf = await signed_in(office, "vp")
    page = (await follow(http, await http.post("/drafts", data={"csrf": csrf}))).text
    where = re.search(r'action="(/drafts/[0-9a-f]{32})"', page)[1]  # type: ignore[index]

    def shown_id(page: str) -> str:
        return re.search(r'id="campaign_id" name="campaign_id" value="([^"]*)"', page)[1]  # type: ignore[index]

    heading = {"code": "45-KH/ĐTN", "plan_title": "Tháng Hành động", "issued_on": f"{first:%d/%m/%Y}",
               "window_start": f"{first:%d/%m/%Y}", "window_end": f"{last:%d/%m/%Y}"}  # fmt: skip
    key = re.findall(r'name="row" value="(\d+)"', page)[-1]
    row = {f"r{key}__title": "Hiến máu nhân đạo", f"r{key}__start": f"{first.replace(day=9):%d/%m/%Y}",
           f"r{key}__add_lead": "bhxh"}  # fmt: skip
    page = (await follow(http, await send(http, where, page, "apply", **heading, **row))).text
    proposed = shown_id(page)
    page = (await follow(http, await send(http, where, page, "apply", code="46-KH/ĐTN"))).text
    followed = shown_id(page)
    page = (await follow(http, await send(http, where, page, "add"))).text  # one row too many, left empty
    cid = f"hd-{datetime.now(UTC):%H%M%S%f}"
    page = (await follow(http, await send(http, where, page, "apply", campaign_id=cid))).text
    page = (await follow(http, await send(http, where, page, "apply", code="47-KH/ĐTN"))).text
    kept = shown_id(page)
    started = await send(http, where, page, "start")
    await http.aclose()
    try:
        assert proposed == f"45-kh-dtn-{first:%Y-%m}" and followed == f"46-kh-dtn-{first:%Y-%m}"
        assert kept == cid  # typed by the clerk: kept whatever the code
        assert "còn trống; bỏ qua khi khởi động" in page
        assert started.status_code == 303, started.text[:3000]
        plan = (await started_input(office, cid)).plan
        assert [a.title for a in plan.activities] == ["Hiến máu nhân đạo"] and plan.code == "47-KH/ĐTN"
    finally:
        await stop(office, cid)


def test_drafts_an_upload_opened_and_nobody_saved_are_forgotten_after_two_weeks(tmp_path) -> None:
    """Each upload opens a draft; the ones left unsaved for UNSAVED_KEPT go when the next draft is made,
    saved and started ones stay."""
    store = migrated_store(f"sqlite:///{tmp_path / 'drafts.db'}")
    blank = blank_draft(date(2026, 12, 1))
    long_ago, now = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
    with store.session() as session:
        left, kept, started = (new_draft(session, blank, "vp", long_ago) for _ in range(3))
        session.flush()
        for draft_id, status in ((kept, "saved"), (started, "started")):
            session.get(PlanDraft, draft_id).status = status  # type: ignore[union-attr]
    with store.session() as session:
        fresh = new_draft(session, blank, "vp", now)  # the next upload
    with store.session() as session:
        newest = new_draft(session, blank, "vp", now + timedelta(minutes=1))
    with store.session() as session:
        remaining = set(session.scalars(select(PlanDraft.id)))
    assert remaining == {kept, started, fresh, newest} and left not in remaining
    assert timedelta(days=14) == UNSAVED_KEPT
