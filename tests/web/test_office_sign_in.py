"""The office's sign-in and sessions under attack (issue 25): signing out and a new password end sessions,
a cookie carries only a random token, nobody can lock another person's account, and one address trying
many names is slowed."""

from __future__ import annotations

import base64
import json
import re

from sqlalchemy import func, select

from store.schema import OfficeSession
from store.users import SIGN_IN_REFUSED, disable, set_password
from tests.office_env import PASSWORD, sign_in


async def test_signing_out_and_a_new_password_end_sessions(doors) -> None:
    phone, desk = doors.http(), doors.http()
    for browser in (phone, desk):
        assert (await sign_in(browser, "vp", PASSWORD)).status_code == 303
    phone_cookie, desk_cookie = phone.cookies["doan_session"], desk.cookies["doan_session"]
    page = await phone.get("/campaigns")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    assert (await phone.post("/logout", data={"csrf": csrf})).status_code == 303

    async def replay(cookie: str) -> int:
        async with doors.http() as replayer:
            replayer.cookies.set("doan_session", cookie)
            return (await replayer.get("/campaigns")).status_code

    after_sign_out = [await replay(phone_cookie), await replay(desk_cookie)]
    with doors.store.session() as session:
        set_password(session, "vp", "mat-khau-moi-hoan-toan")  # what `users set-password` does
    after_new_password = await replay(desk_cookie)
    assert (await sign_in(desk, "vp", "mat-khau-moi-hoan-toan")).status_code == 303
    after_signing_in_again = (await desk.get("/campaigns")).status_code
    with doors.store.session() as session:
        disable(session, "vp")
        left = session.scalar(select(func.count()).select_from(OfficeSession))
    for browser in (phone, desk):
        await browser.aclose()
    assert after_sign_out == [401, 200]  # the signed-out browser's cookie is dead; the other one lives
    assert after_new_password == 401 and after_signing_in_again == 200
    assert left == 0  # disabling ends every session


async def test_a_session_cookie_is_only_a_random_token(doors) -> None:
    async with doors.http() as http:
        await sign_in(http, "vp", PASSWORD)
        cookie = http.cookies["doan_session"]
    with doors.store.session() as session:
        stored = session.scalars(select(OfficeSession.token_hash)).all()
    carried = json.loads(base64.urlsafe_b64decode(cookie.split(".")[0] + "=="))
    assert list(carried) == ["sid"] and "vp" not in carried.values()  # a random token can hold the letters "vp"
    assert len(stored) == 1 and stored[0] not in cookie  # the store keeps a hash only


async def test_nobody_can_lock_another_persons_account_and_every_failure_reads_the_same(doors) -> None:
    with doors.store.session() as session:
        disable(session, "cu")
    async with doors.http(address="192.0.2.1") as attacker, doors.http(address="192.0.2.2") as owner:
        wrong = [await sign_in(attacker, "vp", "sai-roi-nhe") for _ in range(5)]
        waiting = await sign_in(attacker, "vp", PASSWORD)  # the right password waits out the back-off there
        elsewhere = await sign_in(owner, "vp", PASSWORD)  # … and nowhere else
        unknown = await sign_in(owner, "khong-co-ai", PASSWORD)
        disabled = await sign_in(owner, "cu", PASSWORD)
    refusals = [*wrong, waiting, unknown, disabled]
    assert [r.status_code for r in refusals] == [401] * 8 and elsewhere.status_code == 303
    sentences = {re.search(r'class="error"[^>]*>([^<]+)<', r.text)[1] for r in refusals}  # type: ignore[index]
    assert sentences == {SIGN_IN_REFUSED}
    assert all("doan_session" not in r.headers.get("set-cookie", "") for r in refusals)


async def test_one_address_trying_many_names_is_slowed(doors) -> None:
    assert str(doors.app.state.gate.limits.PER_ADDRESS) == "30 per 10 minute"
    async with doors.http(address="192.0.2.9") as sprayer, doors.http(address="192.0.2.10") as owner:
        spray = [(await sign_in(sprayer, f"ten-{n}", "mat-khau-doan-bua")).status_code for n in range(31)]
        own = await sign_in(sprayer, "vp", PASSWORD)
        other = await sign_in(owner, "vp", PASSWORD)
    assert spray[:30] == [401] * 30 and spray[30] == 429
    assert own.status_code == 429 and SIGN_IN_REFUSED in own.text.replace("&#34;", '"')
    assert other.status_code == 303
