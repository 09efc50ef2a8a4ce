"""One notice sent and waited for: what the campaign workflow sends (digests, the final report, an
activity that failed). The activity workflow hands its notices out in batches instead (dispatch.py)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import SEND_NOTICE, Delivery
    from campaign.notices import Notice, delivery_failed
    from campaign.tracker import ActionKind
    from campaign.units import Unit
    from workflows.dispatch import channel_failure
    from workflows.retry import NOTIFY_RETRY


async def send(notice: Notice, office: Unit | None) -> None:
    """Send `notice`; what cannot be delivered is reported to the office (once, never in a loop)."""
    delivery = await workflow.execute_activity(
        SEND_NOTICE,
        notice,
        result_type=Delivery,
        start_to_close_timeout=timedelta(seconds=60),
        retry_policy=NOTIFY_RETRY,
        summary=notice.subject[:200],
    )
    if delivery.failed and notice.kind is not ActionKind.DELIVERY_FAILED:
        failures = [channel_failure(f) for f in delivery.failed]
        await send(delivery_failed(notice, failures).model_copy(update={"to": office}), office)
