"""What the unit portal does, door-independent: check a link, read a unit's activities, send its answers.

The HTML pages (web.pages) and the JSON API (web.api) are thin over this. Answers go to the
activity workflows as the same updates the CLI sends, read by the same checks.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from access.links import LinkError, UnitLink, read
from campaign.messages import Receipt
from campaign.views import ActivityStatus, UnitView
from settings import Settings
from store.database import Store
from store.links import link_version
from store.unit_pages import AssignedActivity, UnitCampaign, unit_campaign
from web.guard import FailureLimit
from workflows.ids import activity_workflow_id

# What a refused link is told, by reason.
LINK_PROBLEMS = {
    "forged": (403, "Liên kết không hợp lệ. Đề nghị dùng đúng liên kết trong thư của Văn phòng Đoàn Khối."),
    "malformed": (404, "Không tìm thấy trang này. Đề nghị dùng đúng liên kết trong thư của Văn phòng Đoàn Khối."),
    "expired": (403, "Liên kết đã hết hạn. Đề nghị liên hệ Văn phòng Đoàn Khối để nhận liên kết mới."),
    "revoked": (403, "Liên kết đã bị thu hồi. Đề nghị liên hệ Văn phòng Đoàn Khối để nhận liên kết mới."),
    "unassigned": (
        404,
        "Đơn vị không có hoạt động nào trong chiến dịch này; nếu có nhầm lẫn, đề nghị liên hệ Văn phòng Đoàn Khối.",
    ),
    "too_many": (429, "Quá nhiều lần thử liên kết không hợp lệ từ địa chỉ này. Đề nghị thử lại sau ít phút."),
}


class Refused(Exception):
    """A request the portal refuses; `code` is stable for API clients, `message` Vietnamese."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class ActivityRow:
    """One activity on the unit's page: the plan's facts and, when the workflow answers, its state."""

    assigned: AssignedActivity
    status: ActivityStatus | None
    unit: UnitView | None


class Portal:
    def __init__(self, settings: Settings, store: Store, client: Callable[[], Awaitable[Client]]) -> None:
        self.settings = settings
        self.store = store
        self._client = client
        self.failures = FailureLimit()

    @property
    def secret(self) -> str:
        return self.settings.portal_secret or ""

    # --- who is asking ----------------------------------------------------------------

    def unit_link(self, token: str, address: str) -> tuple[UnitLink, UnitCampaign]:
        """The link's unit and campaign, or Refused (counted against the address when it looks like guessing)."""
        if self.failures.blocked(address):
            raise self._refused("too_many")
        try:
            link = read(self.secret, token)
        except LinkError as exc:
            if exc.reason != "expired":
                self.failures.failed(address)
            raise self._refused(exc.reason) from None
        with self.store.session() as session:
            if link.version < link_version(session, link.campaign_id, link.unit):
                raise self._refused("revoked")
            campaign = unit_campaign(session, link.campaign_id, link.unit)
        if campaign is None:
            raise self._refused("unassigned")
        return link, campaign

    @staticmethod
    def _refused(reason: str) -> Refused:
        status, message = LINK_PROBLEMS[reason]
        return Refused(status, reason, message)

    def csrf_token(self, link: UnitLink) -> str:
        return hmac.new(self.secret.encode(), f"csrf/{link.token_id}".encode(), hashlib.sha256).hexdigest()[:32]

    def check_csrf(self, link: UnitLink, given: str | None) -> None:
        if not given or not hmac.compare_digest(given, self.csrf_token(link)):
            raise Refused(403, "csrf", "Biểu mẫu đã cũ hoặc không hợp lệ. Đề nghị tải lại trang và gửi lại.")

    # --- reading ----------------------------------------------------------------------

    async def rows(self, campaign: UnitCampaign) -> list[ActivityRow]:
        """Every assigned activity with its live state, queried from the workflows in parallel."""
        nos = [a.no for a in campaign.activities]
        answers = await statuses(await self._client(), campaign.campaign_id, nos, unit=campaign.unit_code)
        return [
            ActivityRow(assigned, status, next((u for u in status.units if u.code == campaign.unit_code), None))
            if status
            else ActivityRow(assigned, None, None)  # closed long ago, or the server is away: the plan's facts show
            for assigned, status in zip(campaign.activities, answers, strict=True)
        ]

    def assigned(self, campaign: UnitCampaign, no: int) -> AssignedActivity:
        found = next((a for a in campaign.activities if a.no == no), None)
        if found is None:
            raise Refused(404, "not_assigned", f"Đơn vị không phụ trách hoạt động {no} trong chiến dịch này.")
        return found

    # --- answering --------------------------------------------------------------------

    async def send(self, campaign: UnitCampaign, no: int, update: str, message: dict[str, Any]) -> Any:
        """An update to the activity's workflow; its rejection as Refused with the workflow's own sentence."""
        self.assigned(campaign, no)
        return await send_update(await self._client(), campaign.campaign_id, no, update, message)


async def statuses(
    client: Client, campaign_id: str, nos: list[int], unit: str | None = None
) -> list[ActivityStatus | None]:
    """Each activity's `status` query, sent in parallel; None where the workflow does not answer. With
    `unit`, only that unit's row is asked for (`unit_status`): a unit's page of a city-wide activity."""

    async def status(no: int) -> ActivityStatus | None:
        handle = client.get_workflow_handle(activity_workflow_id(campaign_id, no))
        if unit is not None:
            try:
                mine: ActivityStatus = await handle.query("unit_status", unit, result_type=ActivityStatus)
                return mine
            except WorkflowQueryFailedError:  # started before the query existed: the whole status
                pass
            except Exception:  # closed long ago, or the server is away
                return None
        try:
            answer: ActivityStatus = await handle.query("status", result_type=ActivityStatus)
        except Exception:  # closed long ago, or the server is away
            return None
        return answer

    return list(await asyncio.gather(*(status(no) for no in nos)))


# Temporal takes at most 10 updates in flight per workflow (more are refused, RESOURCE_EXHAUSTED):
# this process sends at most IN_FLIGHT to one activity and queues the rest; one refused all the same
# (another process sending too) is tried again, politely, for up to BUSY_FOR. A unit on the evening
# before a deadline waits a moment instead of reading an error.
IN_FLIGHT = 8
BUSY_FOR = 30.0  # seconds
# Sent again: refused for too many in flight, or aborted (never applied) because the activity was
# handing over to its next run (continue-as-new); a report's request ID keeps a retry from doubling it.
AGAIN = {RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.UNAVAILABLE}
_lanes: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = WeakKeyDictionary()


async def send_update(client: Client, campaign_id: str, no: int, update: str, message: dict[str, Any]) -> Any:
    """An update to an activity's workflow, as both doors send it; a refusal is Refused with the workflow's
    own Vietnamese sentence, a closed activity 409, an unreachable server 503."""
    workflow_id = activity_workflow_id(campaign_id, no)
    handle = client.get_workflow_handle(workflow_id)
    loop, pause = asyncio.get_running_loop(), 0.05
    lane = _lanes.setdefault(loop, {}).setdefault(workflow_id, asyncio.Semaphore(IN_FLIGHT))
    give_up = loop.time() + BUSY_FOR
    try:
        while True:
            try:
                async with lane:
                    return await handle.execute_update(update, message, result_type=RESULT_TYPES.get(update, str))
            except RPCError as exc:  # too many in flight, or aborted by a hand-over to the next run
                if exc.status not in AGAIN or loop.time() + pause > give_up:
                    raise
            await asyncio.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 2.0)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        reason = cause.message if isinstance(cause, ApplicationError) else str(cause)
        raise Refused(422, "rejected", reason) from None
    except RPCError as exc:
        if "already completed" in exc.message or "not found" in exc.message.lower():
            raise Refused(409, "closed", f"Hoạt động {no} đã kết thúc, không nhận thêm thông tin.") from None
        raise Refused(503, "unavailable", "Hệ thống tạm thời không trả lời. Đề nghị thử lại sau ít phút.") from None


RESULT_TYPES: dict[str, Any] = {"confirm_ready": str, "submit_report": Receipt}
