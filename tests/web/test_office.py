"""The office dashboard through the ASGI app against a real (time-skipping) Temporal server: sign-in,
roles, the campaign grid, actions, and every endpoint × caller, with nothing changed where refused."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import uuid

from sqlalchemy import select

from harness.paths import ROOT, SEED
from harness.waiting import answered, eventually, until
from store.schema import AuditEntry
from store.users import SIGN_IN_REFUSED, disable
from tests.office_env import PASSWORD, office, sign_in, signed_in, unit_state
from tests.portal_env import PLAN
from tests.web.test_office_editor import follow, send
from workflows.ids import activity_workflow_id

__all__ = ["office"]  # the fixture


async def test_every_endpoint_for_every_caller(office) -> None:
    cid = office.campaign_id
    views = [
        ("GET", "/campaigns"), ("GET", f"/campaigns/{cid}"), ("GET", f"/campaigns/{cid}/grid"),
        ("GET", f"/campaigns/{cid}/export.csv"), ("GET", f"/campaigns/{cid}/digests"),
        ("GET", f"/campaigns/{cid}/units/bhxh"), ("GET", f"/campaigns/{cid}/activities/1"),
    ]  # fmt: skip
    excuse = ("POST", f"/campaigns/{cid}/activities/1/excuse", {"unit": "so-vhtt", "reason": "Sáp nhập"})
    extend = (
        "POST",
        f"/campaigns/{cid}/activities/3/extend",
        {"unit": "khu-cnc", "due": "2024-04-10", "reason": "Mưa"},
    )
    cancel = ("POST", f"/campaigns/{cid}/activities/2/cancel", {"reason": "Trùng lịch", "confirm": "yes"})
    callers = {}
    for name in ("vp", "btv", "qt", "cu"):
        callers[name] = await signed_in(office, name)
    with office.store.session() as session:
        disable(session, "cu")  # its open session stops working at once
    anonymous = office.http()
    unit_link = office.http()
    unit_link.headers["Authorization"] = f"Bearer {office.token('so-vhtt')}"
    callers["anonymous"], callers["unit-link"] = (anonymous, ""), (unit_link, "")
    # a claimed proxy identity from a caller that is no trusted proxy (none is configured here)
    spoofed = office.http(address="127.0.0.1")
    spoofed.headers.update({"X-Forwarded-For": "10.9.9.9", "X-Remote-User": "vp"})
    callers["spoofed-header"] = (spoofed, callers["vp"][1])
    # an office session signed out, its cookie sent again
    leaving, leaving_csrf = await signed_in(office, "vp")
    stale_cookie = leaving.cookies["doan_session"]
    assert (await leaving.post("/logout", data={"csrf": leaving_csrf})).status_code == 303
    leaving.cookies.set("doan_session", stale_cookie)
    callers["replayed-cookie"] = (leaving, leaving_csrf)

    async def call(who: str, method: str, path: str, form: dict | None = None) -> int:
        http, csrf = callers[who]
        if method == "GET":
            return (await http.get(path)).status_code
        return (await http.post(path, data={**(form or {}), "csrf": csrf})).status_code

    nobody = ("anonymous", "unit-link", "cu", "spoofed-header", "replayed-cookie")
    for who in (*nobody, "qt", "btv", "vp"):
        statuses = [await call(who, m, p) for m, p in views]
        expected_view = 401 if who in nobody else 200
        assert statuses == [expected_view] * len(views), who
        office_only = [
            await call(who, "GET", "/campaigns/new"),
            await call(who, "POST", f"/campaigns/{cid}/units/bhxh/revoke", {"confirm": "yes"}),
        ]
        expected_office = {**dict.fromkeys(nobody, 401), "qt": 403, "btv": 403, "vp": 200}[who]
        assert office_only == [expected_office] * 2, who
    assert await call("vp", "POST", f"/campaigns/{cid}/units/khong-co/revoke", {"confirm": "yes"}) == 404
    refused = {**dict.fromkeys(nobody, 401), "qt": 403}
    for who, status in refused.items():
        assert [await call(who, *excuse), await call(who, *extend), await call(who, *cancel)] == [status] * 3, who
    assert await call("btv", *cancel) == 403  # the Standing Committee decides exceptions, it does not cancel
    reschedule = ("POST", f"/campaigns/{cid}/activities/1/reschedule", {"start": "2024-03-09", "reason": "x"})
    assign = ("POST", f"/campaigns/{cid}/activities/1/assign", {"unit": "ldld"})
    resend = ("POST", f"/campaigns/{cid}/units/so-vhtt/resend", {})
    for who, status in {**refused, "btv": 403}.items():
        assert [await call(who, *action) for action in (reschedule, assign, resend)] == [status] * 3, who
    first = await office.env.client.get_workflow_handle(activity_workflow_id(cid, 1)).query("status")
    assert first["start"] == "2024-03-05" and [u["code"] for u in first["units"]] == ["so-vhtt"]
    assert [await call("btv", *excuse), await call("vp", *extend)] == [200, 200]
    vhtt, _ = await unit_state(office, 1, "so-vhtt")
    cnc, _ = await unit_state(office, 3, "khu-cnc")
    _, second_phase = await unit_state(office, 2, "bhxh")
    assert vhtt["excused"] and cnc["due"].startswith("2024-04-10T17:00") and second_phase != "CANCELLED"
    assert await call("vp", *cancel) == 200
    _, second_phase = await unit_state(office, 2, "bhxh")
    assert second_phase == "CANCELLED"

    def audit() -> dict[str, str]:
        with office.store.session() as session:
            return dict(session.execute(select(AuditEntry.action, AuditEntry.actor)).all())

    actors = await eventually(audit, lambda found: "cancel" in found)
    assert (
        actors["excuse"] == "btv (committee)"
        and actors["extend"] == "vp (office)"
        and actors["cancel"] == "vp (office)"
    )
    for http, _ in callers.values():
        await http.aclose()


async def test_the_grid_marks_each_unit_and_refreshes_itself(office) -> None:
    http, _ = await signed_in(office, "btv")
    page = await http.get(f"/campaigns/{office.campaign_id}")
    fragment = await http.get(f"/campaigns/{office.campaign_id}/grid")
    await http.aclose()
    assert 'data-unit="bhxh" data-kind="waiting"' in page.text and 'data-unit="bhxh" data-kind="none"' in page.text
    assert "Ký hiệu" in page.text and "báo cáo đúng hạn" in page.text and 'data-refresh="/campaigns/' in page.text
    assert 'id="cancel"' not in page.text and 'id="excuse"' in page.text  # the forms follow the role
    assert fragment.text.startswith('<table class="grid"')


async def test_a_form_without_its_csrf_token_is_refused(office) -> None:
    http, _ = await signed_in(office, "vp")
    answer = await http.post(
        f"/campaigns/{office.campaign_id}/activities/1/excuse", data={"unit": "so-vhtt", "reason": "x"}
    )
    await http.aclose()
    assert answer.status_code == 403
    assert not (await unit_state(office, 1, "so-vhtt"))[0]["excused"]


async def test_repeated_failed_sign_ins_wait_there_only(office) -> None:
    http = office.http()
    wrong = [(await sign_in(http, "vp", "sai-roi-nhe")).status_code for _ in range(5)]
    right = await sign_in(http, "vp", PASSWORD)
    unknown = await sign_in(http, "khong-co", PASSWORD)
    forged = await http.post("/login", data={"name": "btv", "password": PASSWORD, "csrf": "doan-bua"})
    await http.aclose()
    elsewhere = office.http(address="198.51.100.200")
    from_elsewhere = await sign_in(elsewhere, "vp", PASSWORD)
    await elsewhere.aclose()
    assert forged.status_code == 403 and "doan_session" not in forged.headers.get("set-cookie", "")
    assert wrong == [401] * 5 and right.status_code == 401 and unknown.status_code == 401
    assert SIGN_IN_REFUSED in right.text and SIGN_IN_REFUSED in unknown.text  # one sentence for every failure
    assert "doan_session" not in right.headers.get("set-cookie", "")
    assert from_elsewhere.status_code == 303  # nobody locks another person out


def test_users_commands(tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'u.db'}"}

    def users(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "starter.py", "users", *args], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    assert users("add", "lan", "--role", "committee", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    short = users("add", "minh", "--role", "office", "--password-stdin", stdin="ngan\n")
    assert short.returncode == 2 and "ít nhất 10 ký tự" in short.stderr
    assert users("disable", "lan").returncode == 0
    assert users("list").stdout.strip() == "lan\tcommittee\tvô hiệu"
    assert users("set-password", "khong-co", "--password-stdin", stdin=PASSWORD + "\n").returncode == 2


async def test_exports_digests_and_a_units_page(office) -> None:
    from openpyxl import load_workbook

    cid = office.campaign_id
    http, csrf = await signed_in(office, "vp")
    xlsx = await http.get(f"/campaigns/{cid}/export.xlsx")
    csv = await http.get(f"/campaigns/{cid}/export.csv")
    bogus = await http.get(f"/campaigns/{cid}/export.exe")
    digests = await http.get(f"/campaigns/{cid}/digests")
    unit = await http.get(f"/campaigns/{cid}/units/bhxh")
    link = re.search(r'id="unit-link" readonly value="([^"]+)"', unit.text)[1]  # type: ignore[index]
    portal = office.http()
    before = await portal.get(link.removeprefix("http://portal.test"))
    unconfirmed = await http.post(f"/campaigns/{cid}/units/bhxh/revoke", data={"csrf": csrf})
    still = await portal.get(link.removeprefix("http://portal.test"))
    revoked = await http.post(f"/campaigns/{cid}/units/bhxh/revoke", data={"csrf": csrf, "confirm": "yes"})
    after = await portal.get(link.removeprefix("http://portal.test"))
    committee, committee_csrf = await signed_in(office, "btv")
    committee_unit = await committee.get(f"/campaigns/{cid}/units/bhxh")
    committee_revoke = await committee.post(
        f"/campaigns/{cid}/units/bhxh/revoke", data={"csrf": committee_csrf, "confirm": "yes"}
    )
    for client in (http, portal, committee):
        await client.aclose()
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "Tổng hợp"
    assert csv.status_code == 200 and "Mã chiến dịch,TT hoạt động" in csv.text and bogus.status_code == 404
    assert digests.status_code == 200 and "Bản tin tuần" in digests.text
    assert unit.status_code == 200 and "Hiến máu tình nguyện" in unit.text
    assert unconfirmed.status_code == 422 and still.status_code == 200  # one click revokes nothing
    assert before.status_code == 200 and revoked.status_code == 200 and after.status_code == 403
    assert 'id="new-link"' in revoked.text and "/units/bhxh/resend" in revoked.text  # the new link, to send at once
    assert 'class="card danger" id="revoke"' in unit.text
    assert committee_unit.status_code == 200 and 'id="unit-link"' not in committee_unit.text  # links: office only
    assert committee_revoke.status_code == 403


async def test_single_sign_on_through_a_trusted_proxy_only(office) -> None:
    office.settings.portal_trusted_proxy = "10.0.0.5"
    office.settings.portal_proxy_roles = "lan=committee"
    try:
        via_proxy = office.http(address="10.0.0.5")
        elsewhere = office.http(address="10.0.0.6")
        named = {"X-Remote-User": "lan"}
        answers = [
            await via_proxy.get("/campaigns", headers=named),
            await elsewhere.get("/campaigns", headers=named),  # the same header from anyone else: ignored
            await via_proxy.get("/campaigns", headers={"X-Remote-User": "ai-do"}),  # no role for this name
            await via_proxy.get("/campaigns"),
        ]
        csrf = re.search(r'name="csrf" value="([^"]+)"', answers[0].text)[1]  # type: ignore[index]
        cancel = await via_proxy.post(
            f"/campaigns/{office.campaign_id}/activities/1/cancel",
            data={"csrf": csrf, "reason": "x", "confirm": "yes"},
            headers=named,
        )
        excuse = await via_proxy.post(
            f"/campaigns/{office.campaign_id}/activities/1/excuse",
            data={"csrf": csrf, "unit": "so-vhtt", "reason": "Ban Thường vụ đồng ý"},
            headers=named,
        )
        await via_proxy.aclose()
        await elsewhere.aclose()
    finally:
        office.settings.portal_trusted_proxy = None
    assert [a.status_code for a in answers] == [200, 401, 401, 401]
    assert cancel.status_code == 403  # the committee's role, from the settings table
    assert excuse.status_code == 200 and "Đã miễn báo cáo" in excuse.text  # its forms work: a stable CSRF token

    def excuse_actor() -> str | None:  # the worker writes the audit row a moment after the workflow took it
        with office.store.session() as session:
            return session.scalar(select(AuditEntry.actor).where(AuditEntry.action == "excuse"))

    assert await until(excuse_actor, seconds=5) == "lan (committee)"


async def test_start_a_campaign_from_an_uploaded_plan(office, directory) -> None:
    plan_text = PLAN.read_text(encoding="utf-8").replace(
        "Đoàn Khu Công nghệ cao phụ trách", "Đoàn Khu Công nghệ mới phụ trách"
    )  # an unknown name the office resolves in the form
    http, csrf = await signed_in(office, "vp")
    seed = await http.post(
        "/campaigns/new?format=json", data={"csrf": csrf}, files={"plan": ("54.txt", SEED.read_bytes(), "text/plain")}
    )
    cli = subprocess.run([sys.executable, "starter.py", "plan", "import", str(SEED), "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    uploaded = await http.post(
        "/campaigns/new", data={"csrf": csrf}, files={"plan": ("ke-hoach.txt", plan_text.encode(), "text/plain")}
    )
    editor = await follow(http, uploaded)  # one step: the upload lands in the schedule editor
    where = str(editor.url.path)
    cid = f"up-{uuid.uuid4().hex[:6]}"
    typed = {"campaign_id": cid, "r3__group__0": "khu-cnc"}  # the unknown name mapped to its unit
    unchosen = await send(http, where, editor.text, "start", timing="", **typed)  # a past plan: the office chooses
    started = await send(http, where, unchosen.text, "start", timing="shifted", **typed)
    again = await send(http, where, unchosen.text, "start", timing="shifted", **typed)
    committee, committee_csrf = await signed_in(office, "btv")
    refused = await committee.post(where, data={"csrf": committee_csrf, "action": "start", "campaign_id": "x-2"})
    for client in (http, committee):
        await client.aclose()
    assert seed.status_code == 200 and seed.json() == json.loads(cli.stdout)
    assert uploaded.status_code == 303 and re.fullmatch(r"/drafts/[0-9a-f]{32}", where)
    assert "Đoàn Khu Công nghệ mới" in editor.text and 'name="r3-group-0"' in editor.text
    assert 'id="past"' in editor.text and "đã qua ngày" in editor.text and 'name="speed"' not in editor.text
    assert unchosen.status_code == 422 and "hãy chọn" in unchosen.text
    assert started.status_code == 303 and started.headers["location"] == f"/campaigns/{cid}", started.text[:2000]
    assert again.status_code == 409 and "đang chạy" in again.text
    assert refused.status_code == 403
    third = office.env.client.get_workflow_handle(activity_workflow_id(cid, 3))
    status = await answered(lambda: third.query("status"), seconds=5)
    assert [u["code"] for u in status["units"]] == ["khu-cnc"]
    for no in (1, 2, 3):
        with contextlib.suppress(Exception):
            await office.env.client.get_workflow_handle(activity_workflow_id(cid, no)).terminate("done")
    with contextlib.suppress(Exception):
        await office.env.client.get_workflow_handle(f"campaign/{cid}").terminate("done")


async def test_a_units_page_shows_its_own_activities_only(office) -> None:
    cid = office.campaign_id
    http, _ = await signed_in(office, "btv")
    unit = await http.get(f"/campaigns/{cid}/units/bhxh")
    stranger = await http.get(f"/campaigns/{cid}/units/so-gtvt")
    await http.aclose()
    assert unit.status_code == 200 and "Hiến máu tình nguyện" in unit.text
    assert "Ra quân Tháng Thanh niên" not in unit.text and "Ngày Chủ nhật xanh" not in unit.text
    assert stranger.status_code == 404 and "không có trong chiến dịch này" in stranger.text
