"""A small running campaign, its store and the portal app over them, for the portal's tests."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from playwright.async_api import Browser, Page
from sqlalchemy import select
from temporalio.service import RPCError

from access.links import expiry, mint
from campaign.clock import start_of_day
from campaign.duties import with_plan_report
from campaign.importer import import_plan
from campaign.units import UnitDirectory
from campaign.workdays import vietnam_holidays
from harness.net import free_port
from harness.temporal import migrated_store
from harness.waiting import answered, until, until_listening
from settings import Settings
from store.database import Store
from store.schema import Assignment, Campaign, CampaignActivity
from store.users import add_user
from tests.helpers import sign_in
from tests.temporal_env import worker
from web.app import create_app
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id
from workflows.inputs import CampaignInput

PLAN = Path(__file__).resolve().parent / "corpus" / "plans" / "ok-baseline.txt"  # 3 activities, March 2024
SECRET = "test-secret-Qm7vR2kX9pL4tW8zN3cF6hJ1sD5gB0yE"
PORTAL_URL = "http://portal.test"


@dataclass
class PortalSetup:
    campaign_id: str
    store: Store
    settings: Settings
    app: FastAPI
    env: Any
    started: datetime  # the server's time when plan time was 01/03/2024 00:00

    async def after_event(self, no: int) -> None:
        """Let plan time run to noon the day after activity `no`'s event: its reports are now on time."""
        day = {1: date(2024, 3, 6), 2: date(2024, 3, 17), 3: date(2024, 3, 25)}[no]
        target = self.started + (start_of_day(day) + timedelta(hours=12) - start_of_day(date(2024, 3, 1)))
        await self.env.sleep(max(0.0, (target - await self.env.get_current_time()).total_seconds()))

    def token(self, unit: str, campaign_id: str | None = None, version: int = 1, secret: str = SECRET,
              expires: datetime | None = None) -> str:  # fmt: skip
        until = expires or expiry(datetime.now(UTC), 30)
        return mint(secret, campaign_id or self.campaign_id, unit, version, until)

    def http(self, address: str = "203.0.113.7") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url=PORTAL_URL)


def portal_settings(folder: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "reports_dir": folder / "reports",
        "notify_channels": "log",
        "portal_secret": SECRET,
        "portal_url": PORTAL_URL,
        "evidence_dir": folder / "evidence",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def running_campaign(
    env, directory: UnitDirectory, folder: Path, campaign_id: str, plan: Path = PLAN, **settings: object
) -> AsyncIterator[PortalSetup]:
    """The plan's campaign started at plan time 01/03/2024 on `env`, with the portal app over its store
    (with the units' report on the plan when `plan` gives grassroots units duties)."""
    store = migrated_store(f"sqlite:///{folder / 'portal.db'}")
    config = portal_settings(folder, **settings)
    campaign = CampaignInput(
        campaign_id=campaign_id,
        plan=with_plan_report(import_plan(plan, directory), directory),
        directory=directory,
        holidays=vietnam_holidays([2024]),
        plan_origin=start_of_day(date(2024, 3, 1)),
    )
    async with worker(env.client, store, config) as queue:
        config.temporal_task_queue = queue  # campaigns started from the office pages run on this worker
        started = await env.get_current_time()
        handle = await env.client.start_workflow(
            CampaignWorkflow.run, campaign, id=campaign_workflow_id(campaign_id), task_queue=queue
        )

        def assigned() -> bool:  # the campaign's record and its assignments are in the store
            with store.session() as session:
                return (
                    session.scalars(select(Assignment).where(Assignment.campaign_id == campaign_id)).first() is not None
                )

        await until(assigned, seconds=10)
        for activity in campaign.plan.activities:  # and every activity's workflow answers
            child = env.client.get_workflow_handle(activity_workflow_id(campaign_id, activity.no))
            await answered(lambda c=child: c.query(CampaignActivityWorkflow.status), seconds=10, every=0.05)

        async def client():
            return env.client

        yield PortalSetup(campaign_id, store, config, create_app(config, store, client), env, started)
        # Every workflow ends before its worker does: the time-skipping server does not end children
        # with their parent, and a workflow left without a worker holds time still for the next test.
        # Campaigns the office started on this worker during the test end too.
        with store.session() as session:
            recorded = [
                *session.scalars(select(CampaignActivity.workflow_id)),
                *session.scalars(select(Campaign.workflow_id)),
            ]
        ours = [activity_workflow_id(campaign_id, activity.no) for activity in campaign.plan.activities]
        for workflow_id in dict.fromkeys([*ours, *recorded, handle.id]):
            with contextlib.suppress(RPCError):
                await env.client.get_workflow_handle(workflow_id).terminate("tests done")


@dataclass
class Site:
    """The portal app served over real HTTP on a running campaign (the office's clerk `lan` and the
    Committee's `minh` can sign in), and Debian's Chromium to open it."""

    setup: PortalSetup
    base: str
    browser: Browser

    @property
    def env(self) -> Any:
        return self.setup.env

    async def page(self, width: int, height: int = 800, like: Page | None = None, **options: Any) -> Page:
        """A tab in a new window of `width`×`height` px (Vietnamese); `like`: signed in as that page is."""
        if like is not None:
            options["storage_state"] = await like.context.storage_state()
        context = await self.browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN", **options)
        return await context.new_page()

    async def phone(self) -> Page:
        """A phone as a unit's secretary holds one: 360×760 px, touch."""
        return await self.page(360, 760, device_scale_factor=2, is_mobile=True, has_touch=True)

    async def signed_in(self, width: int, name: str = "lan", password: str = "mat-khau-van-phong",
                        height: int = 800, **options: Any) -> Page:  # fmt: skip
        """A tab of the office's pages, signed in through the form (the clerk unless told)."""
        page = await self.page(width, height, **options)
        await sign_in(page, self.base, name, password)
        await page.wait_for_url(f"{self.base}/campaigns")
        return page


@asynccontextmanager
async def site(browser: Browser, env: Any, directory: UnitDirectory, folder: Path, campaign_id: str | None = None,
               **settings: Any) -> AsyncIterator[Site]:  # fmt: skip
    """`running_campaign` (its plan and settings as told) with the office's accounts, served over HTTP."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cid = campaign_id or f"site-{uuid.uuid4().hex[:6]}"
    async with running_campaign(env, directory, folder, cid, portal_url=base, **settings) as setup:
        with setup.store.session() as session:
            add_user(session, "lan", "office", "mat-khau-van-phong")
            add_user(session, "minh", "committee", "mat-khau-ban-thuong-vu")
        async with served(setup.app, port):
            yield Site(setup, base, browser)


def long_ago() -> datetime:
    return datetime.now(UTC) - timedelta(days=1)


@asynccontextmanager
async def served(app: FastAPI, port: int) -> AsyncIterator[str]:
    """The app over real HTTP (uvicorn) on this event loop, for a browser; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    await until_listening(server, serving)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
