"""The unit portal as units use it (issue 20 items 1–6, 13; issue 25 items 6, 7, 10): multi-line reports,
counts as typed, a strict API, revisions that keep their evidence, evidence owned by the report that
uploaded it, ended activities, and the unit page's dates and receipts. Real (time-skipping) Temporal."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from campaign.clock import start_of_day
from harness.temporal import time_skipping_env
from tests.portal_env import running_campaign
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(extra: bytes = b"") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 100, "Bien ban")
    page.save()
    return out.getvalue().replace(b"/Type /Catalog", b"/Type /Catalog" + extra)


async def unit_state(portal, no: int, unit: str):
    status = await portal.env.client.get_workflow_handle(activity_workflow_id(portal.campaign_id, no)).query(
        CampaignActivityWorkflow.status
    )
    return next(u for u in status.units if u.code == unit)


async def during_event(portal, no: int) -> None:
    """Plan time to noon of activity `no`'s event day: reports are taken, and the activity stays open for
    revisions (once its only unit has reported after the event, it closes at once)."""
    day = {1: date(2024, 3, 5), 2: date(2024, 3, 16), 3: date(2024, 3, 24)}[no]
    target = portal.started + (start_of_day(day) + timedelta(hours=12) - start_of_day(date(2024, 3, 1)))
    await portal.env.sleep(max(0.0, (target - await portal.env.get_current_time()).total_seconds()))


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page)[1]  # type: ignore[index]


def stored(portal) -> list[str]:
    folder = Path(portal.settings.evidence_dir)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_a_multi_line_report_with_counts_as_typed_and_a_strict_api(portal) -> None:
    await during_event(portal, 3)
    token = portal.token("khu-cnc")
    bearer = {"Authorization": f"Bearer {token}"}
    summary = "Trồng 300 cây xanh.\r\nDọn 2 km kênh.\r\nPhát 500 tờ rơi."
    async with portal.http() as http:
        page = await http.get(f"/u/{token}")
        form = {"csrf": csrf_of(page.text), "summary": summary, "participants": "2,5", "request_id": "m-1"}
        decimal = await http.post(f"/u/{token}/report/3", data=form)
        accepted = await http.post(f"/u/{token}/report/3", data={**form, "participants": "1.200"})
        strict = {
            "bool": await http.post("/api/v1/activities/3/report", headers=bearer,
                                    json={"summary": "x", "participants": True}),
            "text": await http.post("/api/v1/activities/3/report", headers=bearer,
                                    json={"summary": "x", "participants": "12"}),
            "unknown": await http.post("/api/v1/activities/3/report", headers=bearer,
                                       json={"summary": "x", "participants": 12, "photos": ["a"]}),
        }  # fmt: skip
        long_api = await http.post("/api/v1/activities/3/report", headers=bearer,
                                   json={"summary": "a\r\n" * 2500, "participants": 12})  # fmt: skip
    assert decimal.status_code == 422
    assert "số người tham gia phải là số nguyên, không có phần thập phân" in decimal.text
    assert "Dọn 2 km kênh." in decimal.text  # what was typed is kept
    assert accepted.status_code == 200, accepted.text
    for name, answer in strict.items():
        assert answer.status_code == 422 and answer.json()["code"] == "invalid", name
    assert "số người tham gia phải là số nguyên (đã nhập true)" in strict["bool"].json()["message"]
    assert "“photos” không có trong loại tin nhắn này" in strict["unknown"].json()["message"]
    assert long_api.status_code == 200, long_api.text  # 5,000 characters once CR LF is one line break
    state = await unit_state(portal, 3, "khu-cnc")
    assert state.report.revision == 2 and state.report.summary.startswith("a\na\n")
    assert "Đã nhận báo cáo lần 1" in accepted.text and "Dọn 2 km kênh." in accepted.text  # the receipt's copy
    assert "Nhận lúc" in accepted.text and "Ngày Chủ nhật xanh" in accepted.text


async def test_a_revision_starts_from_the_last_one_and_files_belong_to_their_report(portal) -> None:
    await during_event(portal, 3)
    token = portal.token("khu-cnc")
    other = portal.token("bhxh")
    async with portal.http() as http:
        page = await http.get(f"/u/{token}")
        csrf = csrf_of(page.text)
        form = {"csrf": csrf, "summary": "Trồng cây", "participants": "45", "submitted_by": "Lê Thị B, Bí thư",
                "evidence": "drive.google.com/anh-cay\r\nhttps://example.org/bao", "request_id": "r-1"}  # fmt: skip
        files = [("files", ("ảnh trồng cây.png", PNG, "image/png")), ("files", ("biên bản.pdf", pdf(), "x"))]
        first = await http.post(f"/u/{token}/report/3", data=form, files=files)
        assert first.status_code == 200, first.text
        revision_form = (await http.get(f"/u/{token}")).text
        names = re.findall(r'name="kept" value="([0-9a-f]{64}\.\w+)"', revision_form)
        png = next(n for n in names if n.endswith(".png"))
        second = await http.post(
            f"/u/{token}/report/3",
            data={"csrf": csrf, "summary": "Trồng cây (bổ sung)", "participants": "46", "request_id": "r-2",
                  "evidence": "https://drive.google.com/anh-cay", "submitted_by": "Lê Thị B, Bí thư",
                  "kept": names, "remove": [png]},
        )  # fmt: skip
        after = (await http.get(f"/u/{token}")).text
        earlier_png = await http.get(f"/u/{token}/evidence/{png}")
        theirs = await http.get(f"/u/{other}/evidence/{png}")
        url = f"{portal.settings.portal_url}/evidence/{png}"
        stolen_api = await http.post("/api/v1/activities/2/report", headers={"Authorization": f"Bearer {other}"},
                                     json={"summary": "x", "participants": 1, "evidence": [url]})  # fmt: skip
    assert "Lê Thị B, Bí thư" in revision_form and "https://drive.google.com/anh-cay" in revision_form
    assert "Bỏ tệp “ảnh trồng cây.png”" in revision_form and "Bỏ tệp “biên bản.pdf”" in revision_form
    assert second.status_code == 200, second.text
    state = await unit_state(portal, 3, "khu-cnc")
    assert state.report.revision == 2 and state.report.submitted_by == "Lê Thị B, Bí thư"
    kept = [e.rsplit("/", 1)[1] for e in state.report.evidence if "/evidence/" in e]
    assert kept == [n for n in names if n != png]  # the PDF kept, the photo removed one by one
    assert "https://drive.google.com/anh-cay" in state.report.evidence
    assert "Tệp của các lần gửi trước" in after and "ảnh trồng cây.png" in after  # earlier evidence reachable
    assert earlier_png.status_code == 200 and earlier_png.content == PNG
    assert earlier_png.headers["content-security-policy"].startswith("sandbox")
    assert earlier_png.headers["content-disposition"].startswith("inline")
    assert theirs.status_code == 404
    assert stolen_api.status_code == 422 and "không phải tệp đơn vị đã tải lên" in stolen_api.json()["message"]
    assert (await unit_state(portal, 2, "bhxh")).report is None


async def test_files_of_a_refused_report_are_not_kept_and_a_unit_has_a_quota(portal, monkeypatch) -> None:
    await during_event(portal, 1)
    token = portal.token("so-vhtt")
    async with portal.http() as http:
        csrf = csrf_of((await http.get(f"/u/{token}")).text)
        form = {"csrf": csrf, "summary": "  ", "participants": "200"}
        refused = await http.post(f"/u/{token}/report/1", data=form, files=[("files", ("a.png", PNG, "image/png"))])
        scripted = await http.post(
            f"/u/{token}/report/1", data={**form, "summary": "Ra quân"},
            files=[("files", ("bb.pdf", pdf(b" /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"), "x"))],
        )  # fmt: skip
        monkeypatch.setattr("web.portal.MAX_UNIT_BYTES", 100)
        over = await http.post(f"/u/{token}/report/1", data={**form, "summary": "Ra quân"},
                               files=[("files", ("b.png", PNG + b"1" * 100, "image/png"))])  # fmt: skip
        monkeypatch.undo()
        held = re.findall(r'name="held" value="([0-9a-f]{64}\.png)"', refused.text)
        taken = await http.post(f"/u/{token}/report/1", data={**form, "summary": "Ra quân", "held": held,
                                                               "remove": held},
                                files=[("files", ("bb.pdf", pdf(), "application/pdf"))])  # fmt: skip
        name = stored(portal)[0] if stored(portal) else ""
        served = await http.get(f"/u/{token}/evidence/{name}")
    assert refused.status_code == 422 and "tóm tắt kết quả không được để trống" in refused.text
    assert len(held) == 1 and "Tệp đã chọn, sẽ gửi kèm" in refused.text  # held for the retry, until removed
    assert "Tệp vừa chọn chưa được gửi: đề nghị chọn lại tệp" in scripted.text  # a refused file: said plainly
    assert scripted.status_code == 422 and "PDF có chứa mã lệnh" in scripted.text
    assert over.status_code == 422 and "vượt hạn mức" in over.text
    assert taken.status_code == 200, taken.text
    assert stored(portal) == [name] and name.endswith(".pdf")  # nothing of the refused reports stayed
    assert served.status_code == 200 and served.headers["content-disposition"].startswith("attachment")
    assert "filename*=utf-8''bb.pdf" in served.headers["content-disposition"] or "bb.pdf" in served.headers[
        "content-disposition"]  # fmt: skip
    assert "sandbox" in served.headers["content-security-policy"]


async def test_an_ended_activity_answers_409_with_one_sentence_and_the_page_says_so(portal) -> None:
    await during_event(portal, 2)
    handle = portal.env.client.get_workflow_handle(activity_workflow_id(portal.campaign_id, 2))
    token = portal.token("bhxh")
    said = "Hoạt động 2 đã kết thúc, không nhận thêm thông tin."
    async with portal.http() as http:
        before = (await http.get(f"/u/{token}")).text
        await handle.execute_update(CampaignActivityWorkflow.cancel, {"reason": "Bệnh viện đổi lịch", "via": "test"})
        await handle.result()  # the run has completed: the server answers NOT_FOUND, whatever its words
        page = await http.get(f"/u/{token}")
        api = await http.post("/api/v1/activities/2/report", headers={"Authorization": f"Bearer {token}"},
                              json={"summary": "Hiến máu", "participants": 10})  # fmt: skip
        ready = await http.post("/api/v1/activities/2/ready", headers={"Authorization": f"Bearer {token}"}, json={})
        form = await http.post(f"/u/{token}/report/2", data={"csrf": csrf_of(before), "summary": "Hiến 90 đơn vị\r\n",
                                                               "participants": "10"})  # fmt: skip
    assert "Nộp báo cáo kết quả" in before
    assert api.status_code == 409 and api.json() == {"code": "closed", "message": said}
    assert ready.status_code == 409 and ready.json()["message"] == said
    assert form.status_code == 409 and said in form.text and "Hiến 90 đơn vị" in form.text  # typed: kept
    card = page.text.split('id="hd-2"')[1]
    assert "Hoạt động 2 đã bị hủy, không nhận thêm thông tin." in card and "Lý do hủy: Bệnh viện đổi lịch" in card
    assert "Quá hạn nộp báo cáo" not in card and 'action="/u/' not in card


async def test_the_unit_page_dates_read_right_and_errors_say_how_to_reach_the_office(directory, tmp_path) -> None:
    env = await time_skipping_env()
    try:
        contact = {"office_email": "vanphong@doankhoi.example", "office_phone": "028 3822 0000"}
        async with running_campaign(env, directory, tmp_path, f"dates-{uuid.uuid4().hex[:6]}", **contact) as portal:
            http = portal.http()
            async with http:
                page = (await http.get(f"/u/{portal.token('bhxh')}")).text
                bad = await http.get("/u/not-a-token")
    finally:
        await env.shutdown()
    card = page.split('id="hd-2"')[1]
    assert "hạn xác nhận sẵn sàng: hết ngày" in card and "trước hết ngày" not in card
    assert "vanphong@doankhoi.example" in bad.text and "028 3822 0000" in bad.text


async def test_a_refused_report_keeps_its_chosen_photo_for_the_retry_and_speaks_only_vietnamese(portal) -> None:
    """A new user's finding: "2,5" people refused the report, the typed text stayed but the photo was gone
    (the file input empty again, nothing said so), and the sentence carried "(participants)"."""
    await during_event(portal, 3)
    token, other = portal.token("khu-cnc"), portal.token("bhxh")
    form = {"summary": "Dọn vệ sinh bờ kênh.\r\nTrồng 40 cây.", "participants": "2,5", "beneficiaries": "1,5",
            "request_id": "h-1"}  # fmt: skip
    async with portal.http() as http:
        form["csrf"] = csrf_of((await http.get(f"/u/{token}")).text)
        refused = await http.post(f"/u/{token}/report/3", data=form,
                                  files=[("files", ("ảnh bờ kênh.png", PNG, "image/png"))])  # fmt: skip
        held = re.findall(r'name="held" value="([0-9a-f]{64}\.png)"', refused.text)
        other_csrf = csrf_of((await http.get(f"/u/{other}")).text)
        stolen = await http.post(f"/u/{other}/report/2", data={"csrf": other_csrf, "summary": "x",
                                                               "participants": "3", "held": held})  # fmt: skip
        again = await http.post(f"/u/{token}/report/3", data={**form, "participants": "25", "beneficiaries": "",
                                                               "held": held})  # fmt: skip
        photo = await http.get(f"/u/{token}/evidence/{held[0]}") if held else None
    assert refused.status_code == 422
    assert "số người tham gia phải là số nguyên, không có phần thập phân" in refused.text
    assert "(participants)" not in refused.text and "(beneficiaries)" not in refused.text
    card = refused.text.split('id="hd-3"')[1]
    assert len(held) == 1 and "Tệp đã chọn, sẽ gửi kèm" in card and "Bỏ tệp “ảnh bờ kênh.png”" in card
    assert stolen.status_code == 422 and "không còn được giữ" in stolen.text  # held for khu-cnc, activity 3 only
    assert (await unit_state(portal, 2, "bhxh")).report is None
    assert again.status_code == 200, again.text
    assert "ảnh bờ kênh.png" in again.text  # the receipt lists the file sent with the retry
    state = await unit_state(portal, 3, "khu-cnc")
    assert state.report.participants == 25 and state.report.evidence == [
        f"{portal.settings.portal_url}/evidence/{held[0]}"
    ]
    assert photo is not None and photo.status_code == 200 and photo.content == PNG


async def test_the_report_in_the_history_has_line_feeds_not_the_browsers_cr_lf(portal) -> None:
    await during_event(portal, 3)
    token = portal.token("khu-cnc")
    async with portal.http() as http:
        csrf = csrf_of((await http.get(f"/u/{token}")).text)
        sent = await http.post(
            f"/u/{token}/report/3",
            data={"csrf": csrf, "participants": "12", "summary": "Dòng một.\r\nDòng hai.\r\n\r\nDòng bốn."},
        )
    assert sent.status_code == 200, sent.text
    handle = portal.env.client.get_workflow_handle(activity_workflow_id(portal.campaign_id, 3))
    inputs = [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.input
        async for event in handle.fetch_history_events()
        if event.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    reports = [i for i in inputs if i.name == "submit_report"]
    assert len(reports) == 1
    (message,) = await portal.env.client.data_converter.decode(reports[0].args.payloads, [dict])
    assert message["summary"] == "Dòng một.\nDòng hai.\n\nDòng bốn."


async def test_a_receipt_says_when_on_the_campaigns_clock_as_the_page_dates_are(portal) -> None:
    token = portal.token("bhxh")
    async with portal.http() as http:
        csrf = csrf_of((await http.get(f"/u/{token}")).text)
        ready = await http.post(f"/u/{token}/ready/2", data={"csrf": csrf, "note": ""})
        await during_event(portal, 3)
        token = portal.token("khu-cnc")
        csrf = csrf_of((await http.get(f"/u/{token}")).text)
        report = await http.post(f"/u/{token}/report/3", data={"csrf": csrf, "summary": "Xong", "participants": "9"})
    said = [re.search(r"Nhận lúc ([^<]+)</li>", answer.text) for answer in (ready, report)]
    assert said[0] is not None and said[0][1].endswith("/03/2024")  # plan time, as the page's dates
    assert said[1] is not None and said[1][1].endswith("24/03/2024")


async def test_files_of_a_report_taken_though_its_sender_never_heard_are_not_lost(portal, monkeypatch) -> None:
    """The activity takes the report but the answer never reaches the portal (a time-out, a dropped
    connection): its files stay held, not deleted, and once the store has the revision that cites them
    the hourly sweep gives them to it; the unit's page serves them."""
    from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError

    from harness.waiting import until
    from store.evidence import HELD_FOR, sweep
    from store.schema import EvidenceFile, UnitReport
    from web.portal import Portal

    await during_event(portal, 1)
    token = portal.token("so-vhtt")
    real_send = Portal.send

    async def taken_but_unheard(self, *args, **kwargs):
        await real_send(self, *args, **kwargs)
        raise WorkflowUpdateRPCTimeoutOrCancelledError()

    async with portal.http() as http:
        csrf = csrf_of((await http.get(f"/u/{token}")).text)
        monkeypatch.setattr(Portal, "send", taken_but_unheard)
        form = {"csrf": csrf, "summary": "Ra quân dọn vệ sinh\nTrồng 40 cây", "participants": "1.200"}
        try:
            photo = [("files", ("cây.png", PNG, "image/png"))]
            answer = await http.post(f"/u/{token}/report/1", data=form, files=photo)
            assert answer.status_code >= 500
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            pass  # the test transport hands the app's error on
        monkeypatch.undo()
        name = stored(portal)[0] if stored(portal) else ""
        with portal.store.session() as session:
            held_before = [(r.name, r.revision) for r in session.scalars(select(EvidenceFile))]

        def recorded() -> bool:  # the activity's record of the revision reaches the store
            with portal.store.session() as session:
                return session.scalar(select(UnitReport.revision).where(UnitReport.unit_code == "so-vhtt")) == 1

        await until(recorded, seconds=60)
        with portal.store.session() as session:
            deleted = sweep(session, now=datetime.now(UTC) + HELD_FOR + timedelta(minutes=1))
        with portal.store.session() as session:
            held_after = [(r.name, r.revision) for r in session.scalars(select(EvidenceFile))]
        served = await http.get(f"/u/{token}/evidence/{name}")
    state = await unit_state(portal, 1, "so-vhtt")
    assert state.report.revision == 1 and state.report.participants == 1200
    assert name.endswith(".png") and held_before == [(name, None)]  # kept, not deleted, while nobody knew
    assert deleted == [] and held_after == [(name, 1)] and stored(portal) == [name]
    assert served.status_code == 200 and served.content == PNG
