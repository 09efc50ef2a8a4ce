"""Reading an uploaded plan never stalls the web server (issue 24, issue 25 item 5): the document is
read in a worker thread, so other requests are answered while a slow scan or PDF is being read."""

from __future__ import annotations

import asyncio
import threading

import pytest

from campaign import documents
from tests.office_env import office, signed_in
from tests.portal_env import PLAN

__all__ = ["office"]  # the fixture


@pytest.mark.parametrize(("answer_as", "module"), [("json", "web.office_plans"), ("html", "web.office_editor")])
async def test_the_server_answers_while_a_plan_is_being_read(office, monkeypatch, answer_as: str, module: str) -> None:
    """Both answers to an upload: the plan as JSON, and the schedule editor it opens in."""
    started, release = threading.Event(), threading.Event()
    released: list[bool] = []

    def slow(data: bytes, name: str) -> documents.Document:
        started.set()
        released.append(release.wait(timeout=20))  # on the event loop this would hold every request
        return documents.document_of(data, name)

    monkeypatch.setattr(f"{module}.document_of", slow)
    http, csrf = await signed_in(office, "vp")
    upload = asyncio.create_task(
        http.post(
            f"/campaigns/new?format={answer_as}",
            data={"csrf": csrf},
            files={"plan": ("ke-hoach.txt", PLAN.read_bytes(), "text/plain")},
        )
    )
    reading = asyncio.create_task(asyncio.to_thread(started.wait, 20))
    await asyncio.wait([reading, upload], return_when=asyncio.FIRST_COMPLETED)  # the document is being read
    async with office.http() as other:
        health = await other.get("/healthz")
    release.set()
    answer = await upload
    await http.aclose()
    assert health.status_code == 200 and released == [True]
    if answer_as == "json":
        assert answer.status_code == 200 and answer.json()["activities"]
    else:
        assert answer.status_code == 303 and answer.headers["location"].startswith("/drafts/")
