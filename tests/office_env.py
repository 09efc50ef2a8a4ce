"""A running campaign with the office's accounts (vp office, btv committee, qt admin, cu office to be
disabled), and signing in as one of them, for the office dashboard's tests."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest_asyncio

from harness.temporal import time_skipping_env
from store.users import add_user
from tests.portal_env import running_campaign
from workflows.ids import activity_workflow_id


async def sign_in(http: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    """The sign-in form as a browser sends it: its page first (which sets the form's CSRF cookie)."""
    form = await http.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]  # type: ignore[index]
    return await http.post("/login", data={"name": name, "password": password, "csrf": token})


PASSWORD = "mat-khau-du-dai"


@pytest_asyncio.fixture(loop_scope="session")
async def office(directory, tmp_path):
    env = await time_skipping_env()
    try:
        async with running_campaign(env, directory, tmp_path, f"office-{uuid.uuid4().hex[:8]}") as setup:
            with setup.store.session() as session:
                for name, role in (("vp", "office"), ("btv", "committee"), ("qt", "admin"), ("cu", "office")):
                    add_user(session, name, role, PASSWORD)
            yield setup
    finally:
        await env.shutdown()


async def signed_in(setup, name: str):
    http = setup.http()
    answer = await sign_in(http, name, PASSWORD)
    assert answer.status_code == 303, answer.text
    page = await http.get("/campaigns")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    return http, csrf


async def unit_state(setup, no: int, unit: str):
    status = await setup.env.client.get_workflow_handle(activity_workflow_id(setup.campaign_id, no)).query("status")
    return next(u for u in status["units"] if u["code"] == unit), status["phase"]
