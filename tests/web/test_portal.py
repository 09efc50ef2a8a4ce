"""The unit portal through its ASGI app against a real (time-skipping) Temporal server: each action,
each rejection, idempotent resubmission, uploads, and every forbidden combination."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, select

from access.links import token_id
from campaign.limits import MAX_URL_CHARS
from campaign.messages import ReportBody, SubmitReport
from store.links import revoke_links
from store.schema import AuditEntry
from tests.portal_env import SECRET, long_ago
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def env(portal):
    return portal.env


async def unit_state(env, portal, no: int, unit: str):
    status = await env.client.get_workflow_handle(activity_workflow_id(portal.campaign_id, no)).query(
        CampaignActivityWorkflow.status
    )
    return next(u for u in status.units if u.code == unit)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page)[1]  # type: ignore[index]


async def test_the_unit_page_shows_its_activities_and_nothing_else(portal) -> None:
    async with portal.http() as http:
        page = await http.get(f"/u/{portal.token('bhxh')}")
    assert page.status_code == 200
    text = page.text
    assert "Đoàn Bảo hiểm xã hội" in text and "2. Hiến máu tình nguyện" in text and "Phụ trách" in text
    assert "16/03/2024" in text and "Bệnh viện Truyền máu" in text and "Hạn nộp báo cáo" in text
    assert "Ra quân Tháng Thanh niên" not in text  # another unit's activity
    assert page.headers["referrer-policy"] == "no-referrer" and 'name="viewport"' in text


async def test_ready_and_report_through_the_api_with_idempotent_resubmission(env, portal) -> None:
    token = portal.token("bhxh")
    headers = {"Authorization": f"Bearer {token}"}
    async with portal.http() as http:
        ready = await http.post("/api/v1/activities/2/ready", json={"note": "Đã chuẩn bị 50 người"}, headers=headers)
        early = await http.post(
            "/api/v1/activities/2/report", json={"summary": "x", "participants": 1}, headers=headers
        )
        await portal.after_event(2)
        body = {"summary": "Hiến 120 đơn vị máu", "participants": 130, "beneficiaries": 120,
                "evidence": ["https://example.org/anh.jpg"], "submitted_by": "Bí thư", "request_id": "r-1"}  # fmt: skip
        first = await http.post("/api/v1/activities/2/report", json=body, headers=headers)
        again = await http.post("/api/v1/activities/2/report", json=body, headers=headers)
        me = await http.get("/api/v1/me", headers=headers)
    assert ready.status_code == 200 and "sẵn sàng" in ready.json()["message"]
    assert early.status_code == 422 and early.json()["code"] == "rejected"
    assert "hoạt động 2 chưa diễn ra" in early.json()["message"]
    assert first.status_code == 200 and first.json()["revision"] == 1 and not first.json()["duplicate"]
    assert again.json()["revision"] == 1 and again.json()["duplicate"]
    state = await unit_state(env, portal, 2, "bhxh")
    assert state.ready and state.report.revision == 1 and state.report.participants == 130
    activities = me.json()["activities"]
    assert [a["no"] for a in activities] == [2] and activities[0]["state"]["report"]["revision"] == 1
    with portal.store.session() as session:
        actors = set(session.scalars(select(AuditEntry.actor).where(AuditEntry.action.in_(["ready", "report"]))))
    assert actors == {f"bhxh qua liên kết {token_id(portal.campaign_id, 'bhxh', 1)}"}


async def test_rejections_carry_the_workflows_own_sentence(portal) -> None:
    await portal.after_event(2)
    headers = {"Authorization": f"Bearer {portal.token('bhxh')}"}
    async with portal.http() as http:
        negative = await http.post(
            "/api/v1/activities/2/report", json={"summary": "x", "participants": -1}, headers=headers
        )
        script = await http.post(
            "/api/v1/activities/2/report",
            json={"summary": "x", "participants": 1, "evidence": ["javascript:alert(1)"]},
            headers=headers,
        )
        other = await http.post("/api/v1/activities/1/ready", json={}, headers=headers)
        at_the_door = {  # the workflow's own limits, read once at the door (campaign.messages.ReportBody)
            "summary": {"summary": "Đã xong\x07", "participants": 1},
            "request_id": {"summary": "x", "participants": 1, "request_id": ""},
            "evidence.0": {"summary": "x", "participants": 1, "evidence": ["https://a.vn/\nb"]},
            "duties.0.duty": {"summary": "x", "participants": 1, "duties": [{"duty": "1", "status": "done"}]},
        }
        refused = {field: await http.post("/api/v1/activities/2/report", json=body, headers=headers)
                   for field, body in at_the_door.items()}  # fmt: skip
    assert negative.status_code == 422 and negative.json() == {
        "code": "invalid",
        "message": "số người tham gia phải ≥ 0 (đã nhập -1)",
        "field": "participants",
    }
    assert {field: (r.status_code, r.json()["code"], r.json()["field"]) for field, r in refused.items()} == {
        field: (422, "invalid", field) for field in at_the_door
    }
    assert refused["summary"].json()["message"] == "tóm tắt kết quả có ký tự điều khiển"
    assert refused["request_id"].json()["message"] == "mã yêu cầu không được để trống"
    assert refused["duties.0.duty"].json()["message"] == 'nhiệm vụ mục 1 phải là số nguyên (đã nhập "1")'
    assert script.status_code == 422 and script.json()["code"] == "rejected"
    assert "không phải địa chỉ http/https hợp lệ" in script.json()["message"]
    assert other.status_code == 404 and other.json()["code"] == "not_assigned"


async def test_the_form_keeps_what_was_typed_and_shows_the_reason(env, portal) -> None:
    await portal.after_event(3)
    token = portal.token("khu-cnc")
    async with portal.http() as http:
        page = await http.get(f"/u/{token}")
        answer = await http.post(
            f"/u/{token}/report/3",
            data={
                "csrf": csrf_of(page.text),
                "summary": "Trồng 300 cây xanh",
                "participants": "-5",
                "evidence": "https://example.org/x",
                "request_id": "f-1",
            },
        )
    assert answer.status_code == 422
    assert "số người tham gia phải ≥ 0 (đã nhập -5)" in answer.text
    assert "Trồng 300 cây xanh" in answer.text and "https://example.org/x" in answer.text
    assert (await unit_state(env, portal, 3, "khu-cnc")).report is None


async def test_a_double_clicked_report_with_a_photo_makes_one_revision(env, portal) -> None:
    await portal.after_event(3)
    token = portal.token("khu-cnc")
    async with portal.http() as http:
        page = await http.get(f"/u/{token}")
        form = {"csrf": csrf_of(page.text), "summary": "Trồng 300 cây", "participants": "45", "request_id": "dbl-1"}
        files = [("files", ("ảnh hiện trường.png", PNG, "image/png")), ("files", ("bien-ban.pdf", PDF, "text/plain"))]
        first = await http.post(f"/u/{token}/report/3", data=form, files=files)
        second = await http.post(f"/u/{token}/report/3", data=form, files=files)
        state = await unit_state(env, portal, 3, "khu-cnc")
        evidence = [url.rsplit("/", 1)[1] for url in state.report.evidence]
        mine = await http.get(f"/u/{token}/evidence/{evidence[0]}")
        theirs = await http.get(f"/u/{portal.token('bhxh')}/evidence/{evidence[0]}")
    assert first.status_code == 200 and "Đã nhận báo cáo lần 1" in first.text
    assert second.status_code == 200 and "gửi trùng" in second.text
    assert state.report.revision == 1 and len(evidence) == 2
    assert {name.rsplit(".", 1)[1] for name in evidence} == {"png", "pdf"}
    stored = sorted(p.name for p in Path(portal.settings.evidence_dir).iterdir())
    assert stored == sorted(evidence)  # named by content hash; the uploaded names never reach the disk
    assert mine.status_code == 200 and mine.content == PNG and mine.headers["content-type"] == "image/png"
    assert theirs.status_code == 404


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ([("files", ("virus.png", b"MZ\x90\x00 not an image", "image/png"))], "không phải ảnh"),
        ([("files", (f"a{n}.png", PNG + bytes([n]), "image/png")) for n in range(11)], "tối đa 10 tệp"),
        ([("files", ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf"))], "lớn hơn 10 MB"),
    ],
    ids=["type-by-content", "eleven-files", "over-10-MB"],
)
async def test_uploads_are_checked_before_they_are_stored(env, portal, files, reason) -> None:
    await portal.after_event(1)
    token = portal.token("so-vhtt")
    async with portal.http() as http:
        page = await http.get(f"/u/{token}")
        form = {"csrf": csrf_of(page.text), "summary": "Ra quân", "participants": "200"}
        answer = await http.post(f"/u/{token}/report/1", data=form, files=files)
    assert answer.status_code == 422 and reason in answer.text
    assert not Path(portal.settings.evidence_dir).exists() or not any(Path(portal.settings.evidence_dir).iterdir())
    assert (await unit_state(env, portal, 1, "so-vhtt")).report is None


async def test_a_body_over_the_limit_is_refused_at_the_door(portal) -> None:
    async with portal.http() as http:
        answer = await http.post(
            f"/u/{portal.token('so-vhtt')}/report/1", content=b"x", headers={"content-length": str(200 * 1024 * 1024)}
        )
    assert answer.status_code == 413


async def test_every_forbidden_combination_changes_nothing(env, portal) -> None:
    good = portal.token("so-vhtt")
    with portal.store.session() as session:
        revoke_links(session, portal.campaign_id, "khu-cnc")
    cases = {
        "forged": (portal.token("so-vhtt", secret="another-secret-" + "y" * 40), 403),
        "expired": (portal.token("so-vhtt", expires=long_ago()), 403),
        "revoked": (portal.token("khu-cnc", version=1), 403),
        "other-campaign": (portal.token("so-vhtt", campaign_id="another-campaign"), 404),
        "unassigned-unit": (portal.token("ldld"), 404),
        "garbage": ("not-a-token", 404),
    }
    async with portal.http(address="198.51.100.9") as http:
        page = await http.get(f"/u/{good}")
        csrf = csrf_of(page.text)
        for name, (token, status) in cases.items():
            form = {"csrf": csrf, "summary": "x", "participants": "1", "note": "x"}
            bearer = {"Authorization": f"Bearer {token}"}
            answers = [
                await http.get(f"/u/{token}"),
                await http.post(f"/u/{token}/ready/1", data=form),
                await http.post(f"/u/{token}/report/1", data=form),
                await http.get(f"/u/{token}/evidence/{'0' * 64}.png"),
                await http.get("/api/v1/me", headers=bearer),
                await http.post("/api/v1/activities/1/ready", json={}, headers=bearer),
                await http.post(
                    "/api/v1/activities/1/report", json={"summary": "x", "participants": 1}, headers=bearer
                ),
            ]
            assert [a.status_code for a in answers] == [status] * len(answers), name
            assert answers[0].headers["content-type"].startswith("text/html") and "Văn phòng" in answers[0].text
            assert answers[4].json()["code"] in ("forged", "expired", "revoked", "unassigned", "malformed"), name
        anonymous = [await http.get("/api/v1/me"), await http.post("/api/v1/activities/1/ready", json={})]
        assert [a.status_code for a in anonymous] == [401, 401]
        wrong_activity = await http.post(f"/u/{good}/ready/2", data={"csrf": csrf})
        assert wrong_activity.status_code == 404
        no_csrf = await http.post(f"/u/{good}/ready/1", data={"note": "x"})
        other_csrf = await http.post(f"/u/{good}/ready/1", data={"csrf": "0" * 32})
        assert (no_csrf.status_code, other_csrf.status_code) == (403, 403)
    state = await unit_state(env, portal, 1, "so-vhtt")
    assert not state.ready and state.report is None
    assert SECRET not in page.text


async def test_guessing_tokens_meets_a_429(portal) -> None:
    async with portal.http(address="192.0.2.55") as http:
        statuses = [(await http.get(f"/u/guess-{n}")).status_code for n in range(21)]
        after = await http.get(f"/u/{portal.token('so-vhtt')}")  # even a good link waits now
    async with portal.http(address="192.0.2.56") as http:
        elsewhere = await http.get(f"/u/{portal.token('so-vhtt')}")
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    assert after.status_code == 429 and "thử lại sau" in after.text
    assert elsewhere.status_code == 200


async def test_the_openapi_schema_describes_the_api(portal) -> None:
    async with portal.http() as http:
        schema = (await http.get("/openapi.json")).json()
    assert {"/api/v1/me", "/api/v1/activities/{no}/ready", "/api/v1/activities/{no}/report"} <= set(schema["paths"])
    report = schema["components"]["schemas"]["ReportBody"]["properties"]
    assert report["participants"]["maximum"] == 1_000_000 and report["evidence"]["maxItems"] == 20
    assert set(report) == set(ReportBody.model_fields) < set(SubmitReport.model_fields)  # one shape, door to workflow
    assert (
        report["summary"]["description"] == "Tóm tắt kết quả"
        and report["evidence"]["items"]["maxLength"] == MAX_URL_CHARS
    )
    duty = schema["components"]["schemas"]["DutyAnswer"]["properties"]
    assert (
        duty["status"]["enum"] == ["done", "not_done", "not_applicable"]
        and "không áp dụng" in duty["status"]["description"]
    )
    assert not any(path.startswith("/u/") for path in schema["paths"])


@pytest.mark.parametrize("secret", [None, "", "changeme", "short-but-random", "s" * 48, "ab" * 30])
def test_serve_refuses_a_missing_or_weak_secret(secret, monkeypatch) -> None:
    from typer.testing import CliRunner

    from settings import get_settings
    from starter import app

    monkeypatch.delenv("PORTAL_SECRET", raising=False)
    if secret is not None:
        monkeypatch.setenv("PORTAL_SECRET", secret)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "PORTAL_SECRET" in result.output


async def test_a_report_without_files_checks_the_link_once_and_writes_nothing_from_the_portal(portal) -> None:
    """The evening before a deadline: a report's request reads the unit's link once (the credential
    check before the body; the route takes what it found) and, without files, writes nothing to the
    store itself (no write lock waited for on the web's event loop; the store hears of it from the
    workflow)."""
    seen: list[str] = []
    here = threading.get_ident()  # the worker's activities write from their own threads

    def statement(conn, cursor, text, params, context, executemany) -> None:
        if threading.get_ident() == here:
            seen.append(" ".join(text.split()).lower())

    headers = {"Authorization": f"Bearer {portal.token('bhxh')}"}
    body = {"summary": "Hiến 80 đơn vị máu", "participants": 90, "request_id": "r-once"}
    await portal.after_event(2)
    async with portal.http() as http:
        event.listen(portal.store.engine, "before_cursor_execute", statement)
        try:
            sent = await http.post("/api/v1/activities/2/report", json=body, headers=headers)
        finally:
            event.remove(portal.store.engine, "before_cursor_execute", statement)
        with portal.store.session() as session:
            revoke_links(session, portal.campaign_id, "bhxh")
        again = await http.post("/api/v1/activities/2/report", json=body, headers=headers)
    assert sent.status_code == 200 and sent.json()["revision"] == 1
    assert len([s for s in seen if "unit_links" in s]) == 1, seen
    assert not [s for s in seen if s.startswith(("insert", "update", "delete"))], seen
    assert again.status_code == 403 and again.json()["code"] == "revoked"  # what one request found, it alone uses
