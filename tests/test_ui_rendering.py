"""The Temporal UI as the audit tool, checked in a real browser: an activity's summary keeps its number
("7." was rendered as a Markdown list starting at 1), and its details table shows Vietnamese phases."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from campaign.clock import PlanClock
from campaign.dates import ActivityKind
from campaign.plan import PlannedActivity
from campaign.policy import Policy
from campaign.views import activity_ui_summary
from tests.conftest import ROOT
from tests.test_dev_server_e2e import free_port, wait_for_port
from tests.test_portal_browser import CHROMIUM, CHROMIUM_FLAGS, SCREENSHOTS
from workflows.activity import ActivityInput, CampaignActivityWorkflow

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed; .ci/run installs it")


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / name))


def test_an_activity_summary_keeps_its_number_in_the_temporal_ui(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    port, ui_port = free_port(), free_port()
    server = subprocess.Popen(
        [sys.executable, "starter.py", "dev-server", "--port", str(port), "--ui-port", str(ui_port),
         "--db", str(tmp_path / "temporal.db")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    activity = PlannedActivity(no=7, title="Nghĩa tình thanh niên công nhân", kind=ActivityKind.SINGLE_DAY,
                               start=date(2023, 5, 11), end=date(2023, 5, 11))  # fmt: skip
    workflow_id = f"campaign/ui-{uuid.uuid4().hex[:6]}/activity/7"
    try:
        wait_for_port(port)
        wait_for_port(ui_port)

        async def start() -> None:
            client = await Client.connect(f"127.0.0.1:{port}", data_converter=pydantic_data_converter)
            clock = PlanClock(plan_origin=datetime(2023, 5, 1, tzinfo=UTC), wall_origin=datetime.now(UTC))
            await client.start_workflow(
                CampaignActivityWorkflow.run,
                ActivityInput(
                    campaign_id="ui",
                    activity=activity,
                    units=[],
                    policy=Policy(),
                    window_end=date(2023, 5, 31),
                    clock=clock,
                ),
                id=workflow_id,
                task_queue="no-worker-needed",  # the summary is the server's, set at start
                static_summary=activity_ui_summary(activity),
            )

        asyncio.run(start())
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{ui_port}/namespaces/default/workflows/{workflow_id.replace('/', '%2F')}")
            page.get_by_text("User Metadata").first.click()  # where this UI shows a workflow's summary
            text, lists = "", -1
            for _ in range(60):  # the UI renders the summary's Markdown in a frame of its own
                for frame in page.frames:
                    body = frame.locator("body").inner_text() if frame.locator("body").count() else ""
                    if "thanh niên công nhân (11/05/2023)" in body:
                        text, lists = body, frame.locator("ol").count()
                if text:
                    break
                page.wait_for_timeout(500)
            shot(page, "ui-summary.png")
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    assert "7. Nghĩa tình thanh niên công nhân (11/05/2023)" in text
    assert "7\\." not in text and lists == 0
