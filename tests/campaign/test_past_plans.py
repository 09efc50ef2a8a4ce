"""A plan whose dates are past (issue 20, item 7): the domain's warning and shift, and a notice sent late
for a reason other than an outage of its channel, which must not claim one."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from temporalio.testing import ActivityEnvironment

from activities.channels import TransientDeliveryError
from activities.notifications import Notifier
from campaign.importer import import_plan
from campaign.past import past_plan, shift_to, shifted
from settings import Settings
from tests.helpers import notice
from tests.portal_env import PLAN


def test_a_past_plan_is_warned_and_shifted_by_whole_weeks(directory) -> None:
    plan = import_plan(PLAN, directory)  # March 2024; its issue date and activities are long past
    today = date(2026, 8, 3)
    found = past_plan(plan, today)
    assert found is not None and found.past == len(plan.activities)
    assert "đã qua ngày" in found.warning and "03/08/2026" in found.warning
    moved = shifted(plan, shift_to(plan, today))
    assert past_plan(moved, today) is None
    assert min([moved.starts_on, *(a.start for a in moved.activities)]) - today < timedelta(days=7)
    for before, after in zip(plan.activities, moved.activities, strict=True):
        assert after.start.weekday() == before.start.weekday() and after.end - after.start == before.end - before.start
    assert (moved.window.end - moved.window.start) == (plan.window.end - plan.window.start)
    assert past_plan(moved, moved.activities[0].start) is None  # a plan starting today is not past
    assert plan.activities[0].start.year == 2024  # the original is left as it was


def now() -> ActivityEnvironment:
    """An activity attempt scheduled now (the test environment's default is 1970)."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, current_attempt_scheduled_time=datetime.now(UTC))
    return env


def test_a_late_notice_blames_the_channel_only_after_it_failed(smtp, store) -> None:
    inbox, port = smtp
    notifier = Notifier(store, Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port))
    long_ago = {"due_at": datetime.now(UTC) - timedelta(days=1278), "due_shown": "08:00 05/03/2023"}
    started_late = notice(key="past/1").model_copy(update=long_ago)  # a plan started after its dates
    now().run(notifier.send_notice, started_late)
    held = notice(key="held/1").model_copy(update=long_ago)
    inbox.refuse["so-vhtt@example.org"] = "451 4.3.0 Try again later"
    with pytest.raises(TransientDeliveryError):
        now().run(notifier.send_notice, held)
    del inbox.refuse["so-vhtt@example.org"]
    now().run(notifier.send_notice, held)  # the retry, once the server takes mail again
    first, second = (message_from_bytes(m, policy=policy.default).get_content() for m in inbox.messages)
    assert "08:00 05/03/2023" in first and "gián đoạn" not in first and "nay mới được gửi" in first
    assert "lẽ ra được gửi lúc 08:00 05/03/2023; gửi chậm vì kênh gửi bị gián đoạn" in second
