"""An activity of thousands of units: a message costs the same as with a few, and the UI's details
stay a readable summary (the figures themselves are bench.scale's)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import date, timedelta

import pytest_asyncio
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.contracts import SEND_NOTICES
from campaign.clock import PlanClock
from campaign.dates import ActivityKind
from campaign.due import decide, mark_done, next_wake, still_addressed, unanswered
from campaign.message_rules import check_report
from campaign.messages import AssignUnits, Cancel, ConfirmReady, ExcuseUnit, ExtendDeadline, SubmitReport, read_message
from campaign.notices import ESCALATION_NAMED, NOTICE_KEY_CHARS, compose
from campaign.plan import PlannedActivity, ResponsibleParty
from campaign.policy import Policy
from campaign.tracker import ActionKind, ActivityState, Phase, UnitState, new_activity_state
from campaign.units import Unit
from campaign.views import DETAIL_BYTES, activity_summary, unit_table
from harness.temporal import local_env, migrated_store, time_skipping_env
from harness.waiting import eventually
from service.updates import send_to_activity
from store.schema import UnitReport
from tests.applied import apply_assign, apply_confirm_ready, apply_excuse, apply_extend, apply_report
from tests.helpers import COMMITTEE, OFFICE, UNITS, advance_to, rows, start, vn
from tests.temporal_env import worker
from workflows.activity import ACTIONS_PER_TASK, CampaignActivityWorkflow
from workflows.inputs import ActivityInput


def city(n: int, name: str = "Đoàn cơ sở {i}") -> ActivityState:
    units = [Unit(code=f"cs-{i:05d}", name=name.format(i=i)) for i in range(n)]
    activity = PlannedActivity(
        no=1, title="Ra quân Ngày Chủ nhật xanh", kind=ActivityKind.SINGLE_DAY, start=date(2023, 5, 11),
        end=date(2023, 5, 11),
        responsible=[ResponsibleParty(name=u.name, unit_code=u.code) for u in units],
    )  # fmt: skip
    return new_activity_state("c", activity, units, Policy(), [], date(2023, 5, 31))


def report(code: str) -> SubmitReport:
    return SubmitReport(unit=code, summary="Thu gom rác", participants=12, request_id=f"{code}-1")


def test_a_report_reads_only_its_own_unit(monkeypatch) -> None:
    state = city(5000)
    for action in decide(state, vn(16, hour=1)):  # every unit overdue and reported to the Committee
        mark_done(state, action, vn(16, hour=1))
    assert state.phase(vn(17)) is Phase.ESCALATED
    for unit in list(state.units)[:-1]:
        apply_report(state, report(unit), vn(17))
    reads = 0
    settled = UnitState.settled

    def counted(unit: UnitState) -> bool:
        nonlocal reads
        reads += 1
        return settled.fget(unit)  # type: ignore[attr-defined]

    monkeypatch.setattr(UnitState, "settled", property(counted))
    last = list(state.units)[-1]
    check_report(state, report(last), vn(17))  # what the update's validator does
    apply_report(state, report(last), vn(17))  # and its handler
    phase = state.phase(vn(17))  # what the loop asks next
    assert reads < 10  # the roll's 5,000 units are not read again for one report
    assert phase is Phase.COLLECTING and state.all_settled


def test_the_index_of_expected_units_follows_every_change() -> None:
    state = city(40)
    codes = list(state.units)
    for action in decide(state, vn(2)):
        mark_done(state, action, vn(2))
    for code in codes[:10]:
        apply_report(state, report(code), vn(12))
    for code in codes[10:15]:
        apply_excuse(state, ExcuseUnit(unit=code, reason="Đơn vị đang sáp nhập"), vn(12))
    moment = vn(16, hour=1)
    for action in decide(state, moment):
        mark_done(state, action, moment)
    apply_extend(state, ExtendDeadline(unit=codes[20], new_due=date(2023, 5, 25), reason="Ốm"), vn(16, hour=2))
    added = read_message(AssignUnits, {"units": [{"code": "moi", "name": "Đoàn Sở Mới"}]})
    apply_assign(state, added, vn(16, hour=3))
    fresh = ActivityState.model_validate(state.model_dump())  # read afresh: its index built from the roll
    now = vn(16, hour=4)
    assert state.pending() == fresh.pending() == [*codes[15:], "moi"]
    assert state.overdue(now) == fresh.overdue(now) and codes[20] not in state.overdue(now)
    assert state.phase(now) is fresh.phase(now) is Phase.ESCALATED
    assert state.escalation_level == fresh.escalation_level == 1
    assert [a.kind for a in decide(state, now)] == [a.kind for a in decide(fresh, now)] == [ActionKind.ASSIGNMENT]
    for copied in (state.model_copy(), state.model_copy(deep=True)):
        assert copied.pending() == state.pending()
        copied.note(copied.units["moi"].model_copy(update={"excused_reason": "thử"}))
        assert "moi" in state.pending() and "moi" not in copied.pending()  # a copy keeps its own index


def test_a_carried_state_keeps_what_was_done_for_each_unit_grouped() -> None:
    state = city(300)
    done = list(unanswered(state, vn(1), vn(25)))  # every assignment, reminder and escalation level
    carried = json.loads(state.model_dump_json())
    assert sorted(carried["done_for"]["assign/*"]) == sorted(state.units)  # each code once, not in 300 keys
    assert all(key.startswith(("escalation/", "not-ready/")) for key in carried["done"])
    assert len(json.dumps(carried["done_for"])) < len(json.dumps([a.key for a in done])) / 2
    again = ActivityState.model_validate(carried)
    assert all(again.is_done(action.key) for action in done) and decide(again, vn(25)) == []
    # A state carried before `done_for` (every key in `done`) reads the same: nothing is sent twice.
    before = ActivityState.model_validate(carried | {"done": [a.key for a in done], "done_for": {}})
    later = vn(10, month=6)
    assert decide(before, vn(25)) == [] and decide(before, later) == decide(again, later) == decide(state, later)


def test_a_share_of_a_wave_is_the_start_of_the_whole_wave() -> None:
    state, shares = city(700), 0
    now = vn(1)
    while not state.finished:
        whole = decide(state, now)
        for limit in (1, 251, 10_000):
            assert decide(state, now, limit=limit) == whole[:limit]
        share = decide(state, now, limit=251)[:250]
        shares += len(whole) > 250
        for action in share:  # as the workflow does: a share, then the next task decides again
            mark_done(state, action, now)
        if len(share) == len(whole) and (wake := next_wake(state, now)) is not None:
            now = wake[0] + timedelta(milliseconds=1)
    assert shares >= 5 and state.finished  # the waves of assignments and reminders, a share at a time


def test_a_new_run_carries_only_the_contacts_a_notice_may_still_need() -> None:
    state = city(10)
    codes = list(state.units)
    assert still_addressed(state, vn(1)) == set(codes)  # nobody assigned yet
    for action in decide(state, vn(2)):
        mark_done(state, action, vn(2))
    for code in codes[:6]:
        apply_report(state, report(code), vn(12))
    apply_excuse(state, ExcuseUnit(unit=codes[6], reason="Đơn vị đang sáp nhập"), vn(12))
    assert still_addressed(state, vn(11, hour=20)) == set(codes)  # the event may still be moved: all of them
    apply_assign(state, read_message(AssignUnits, {"units": [{"code": "moi", "name": "Đoàn Sở Mới"}]}), vn(13))
    assert still_addressed(state, vn(13)) == {*codes[7:], "moi"}  # after it: those still expected


def test_the_counts_of_reported_and_ready_units_follow_every_message() -> None:
    state = city(30)
    codes = list(state.units)
    for action in decide(state, vn(2)):
        mark_done(state, action, vn(2))
    for code in codes[:4]:
        apply_confirm_ready(state, ConfirmReady(unit=code), vn(5))
    apply_confirm_ready(state, ConfirmReady(unit=codes[0], note="Đã có 30 đoàn viên"), vn(6))  # again: one unit
    for code in codes[2:9]:
        apply_report(state, report(code), vn(12))
    summary = activity_summary(state, vn(12))
    fresh = ActivityState.model_validate_json(state.model_dump_json())  # counted afresh from the roll
    assert (summary.ready, summary.reported) == (4, 7) == (fresh.ready, fresh.reported)


def test_a_notice_about_thousands_of_units_names_the_first_ones_and_counts_the_rest() -> None:
    state = city(5000)
    notices = {a.kind: compose(state, a, a.at, "w") for a in unanswered(state, vn(1))}  # to the closing
    escalation = notices[ActionKind.ESCALATION]
    assert escalation.body.count("\n- Đoàn cơ sở") == ESCALATION_NAMED
    assert f"… và {5000 - ESCALATION_NAMED} đơn vị khác (5000 đơn vị quá hạn ở mức này)" in escalation.body
    assert "trang hoạt động 1" in escalation.body and len(escalation.body) < 10_000
    assert len(escalation.units) == 5000  # the notice still knows every unit it is about
    assert len(escalation.key) == NOTICE_KEY_CHARS and escalation.key.startswith("w/escalation/L")  # a mail header
    other = compose(
        state, next(a for a in unanswered(city(5001), vn(1)) if a.kind is ActionKind.ESCALATION), vn(25), "w"
    )
    assert other.key != escalation.key  # one unit more: another notice
    not_ready = notices[ActionKind.NOT_READY]
    assert f"và {5000 - ESCALATION_NAMED} đơn vị khác (5000 đơn vị)" in not_ready.body and len(not_ready.body) < 5_000
    closing = notices[ActionKind.CLOSING]
    assert "Không báo cáo: Đoàn cơ sở 0, " in closing.body and "(5000 đơn vị)." in closing.body


def test_the_ui_details_of_a_city_stay_a_small_summary() -> None:
    long_name = "Đoàn Thanh niên Cộng sản Hồ Chí Minh Tổng công ty Xây dựng Công trình Giao thông số {i} Việt Nam"
    state = city(20_000, long_name)
    table = unit_table(state, vn(16, hour=1))
    assert len(json.dumps(table)) <= DETAIL_BYTES  # as the UI's query carries it: non-ASCII escaped
    assert "| Đơn vị | Sẵn sàng |" in table and "/20000 đơn vị (0 đã xong)" in table


@pytest_asyncio.fixture(loop_scope="session")
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_an_auditor_reads_the_details_of_300_units_without_the_codec(env) -> None:
    long_name = "Đoàn Thanh niên Cộng sản Hồ Chí Minh Tổng công ty Xây dựng Công trình Giao thông số {i} Việt Nam"
    units = [Unit(code=f"cs-{i:03d}", name=long_name.format(i=i)) for i in range(300)]
    async with worker(env.client) as queue:
        handle = await start(env, queue, units=units)
        await advance_to(env, handle, vn(2))
        await handle.query(CampaignActivityWorkflow.status)
        # The UI's own query, read by a client that has no codec, as the Temporal UI without one.
        plain = Client(
            env.client.service_client, namespace=env.client.namespace, data_converter=pydantic_data_converter
        )
        metadata = await plain.get_workflow_handle(handle.id).query(
            "__temporal_workflow_metadata", result_type=WorkflowMetadata
        )
        await handle.terminate("test done")
    assert "| Đơn vị | Sẵn sàng | Báo cáo | Hạn | Trạng thái |" in metadata.current_details
    assert "/300 đơn vị" in metadata.current_details and "cs-000" in metadata.current_details


async def test_a_wave_of_notices_is_handed_out_a_share_per_workflow_task(env) -> None:
    units = [Unit(code=f"cs-{i:03d}", name=f"Đoàn cơ sở {i}") for i in range(600)]
    async with worker(env.client) as queue:
        handle = await start(env, queue, units=units)
        await advance_to(env, handle, vn(2))
        await handle.query(CampaignActivityWorkflow.status)
        history = await handle.fetch_history()
        await handle.terminate("test done")
    per_task: list[int] = []  # notice batches (of 50) each workflow task handed out
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            per_task.append(0)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            per_task[-1] += event.activity_task_scheduled_event_attributes.activity_type.name == SEND_NOTICES
    assert sum(per_task) == 12  # 600 assignments, 50 a batch: every one handed out
    assert max(per_task) == ACTIONS_PER_TASK // 50  # but never more than a share in one task


async def test_a_units_page_asks_for_its_own_row_only(env) -> None:
    units = [Unit(code=f"cs-{i:03d}", name=f"Đoàn cơ sở {i}") for i in range(300)]
    async with worker(env.client) as queue:
        handle = await start(env, queue, units=units)
        await advance_to(env, handle, vn(2))
        mine = await handle.query(CampaignActivityWorkflow.unit_status, "cs-123")
        nobody = await handle.query(CampaignActivityWorkflow.unit_status, "khong-co")
        whole = await handle.query(CampaignActivityWorkflow.status)
        await handle.terminate("test done")
    assert [u.code for u in mine.units] == ["cs-123"] and nobody.units == []
    assert mine.model_copy(update={"units": whole.units}) == whole.model_copy(update={"plan_now": mine.plan_now})


@pytest_asyncio.fixture(loop_scope="session")
async def real_server():
    env = await local_env()
    yield env
    await env.shutdown()


async def test_a_stream_of_reports_is_handed_over_without_losing_one(real_server, tmp_path) -> None:
    """Rules 3 continue as new in the task that decides to, handing the facts still being written
    to the next run: every report and revision reaches the store once. On the real server: the
    test server leaves an update sent during a hand-over unanswered (its continue-as-new is not atomic)."""
    units = [Unit(code=f"cs-{i:03d}", name=f"Đoàn cơ sở {i}") for i in range(60)]
    store = migrated_store(f"sqlite:///{tmp_path}/t.db")
    async with worker(real_server.client, store=store) as queue:
        handle = await start(  # in the event: reports are due only after it, and it closes only after it
            real_server, queue, units=units, run_events=100, origin=vn(11, hour=9)
        )
        # A hand-over waits for the notices being sent (a mail must not go twice): the assignments first.
        assigned = await eventually(lambda: sum(r.kind == "assignment" for r in rows(store)), lambda n: n == len(units))
        assert assigned == len(units)
        messages = [report(u.code) for u in units] + [
            report(u.code).model_copy(update={"participants": 30, "request_id": f"{u.code}-2"}) for u in units
        ]

        campaign_id = handle.id.split("/")[1]

        async def lane() -> None:  # as the portal sends: a busy, handing-over or not-ready activity asked again
            while messages:
                await send_to_activity(
                    real_server.client, campaign_id, 7, CampaignActivityWorkflow.submit_report, messages.pop(0)
                )

        await asyncio.gather(*(lane() for _ in range(10)))
        await handle.execute_update(CampaignActivityWorkflow.cancel, Cancel(reason="Kết thúc thử"))
        result = await handle.result()
        runs = 1
        history = await handle.fetch_history()
        while run := history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id:
            history = await real_server.client.get_workflow_handle(handle.id, run_id=run).fetch_history()
            runs += 1
            # A run hands over quiet: none of its timers left running (each would fire into its hand-over).
            kinds = Counter(event.event_type for event in history.events)
            ended = kinds[EventType.EVENT_TYPE_TIMER_FIRED] + kinds[EventType.EVENT_TYPE_TIMER_CANCELED]
            assert kinds[EventType.EVENT_TYPE_TIMER_STARTED] == ended
    with store.session() as session:
        stored = session.execute(select(UnitReport.unit_code, UnitReport.revision)).all()
    assert runs >= 3  # it did continue as new, more than once, while reports came
    assert {u.revision for u in result.units} == {2}
    assert sorted(stored) == sorted((u.code, r) for u in units for r in (1, 2))


async def test_a_report_in_a_runs_first_task_is_written_with_the_batch(real_server, tmp_path) -> None:
    """The SDK applies a task's updates before `run` starts: a report that comes with a run's first task
    (as at every hand-over under a stream of reports) is written with the batch of facts, not by a
    `record_event` of its own that the hand-over could leave unwritten."""
    store = migrated_store(f"sqlite:///{tmp_path}/t.db")
    activity = PlannedActivity(
        no=7, title="Nghĩa tình thanh niên công nhân", kind=ActivityKind.SINGLE_DAY, start=date(2023, 5, 11),
        end=date(2023, 5, 11), responsible=[ResponsibleParty(name=u.name, unit_code=u.code) for u in UNITS],
    )  # fmt: skip
    async with worker(real_server.client, store=store) as queue:
        clock = PlanClock(plan_origin=vn(11, hour=9), wall_origin=await real_server.get_current_time(), speed=1)
        starting = WithStartWorkflowOperation(
            CampaignActivityWorkflow.run,
            ActivityInput(
                campaign_id="t",
                activity=activity,
                units=UNITS,
                office=OFFICE,
                committee=COMMITTEE,
                policy=Policy(),
                window_end=date(2023, 5, 31),
                clock=clock,
            ),
            id=f"campaign/t-{uuid.uuid4().hex[:8]}/activity/7",
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            task_queue=queue,
        )
        receipt = await real_server.client.execute_update_with_start_workflow(
            CampaignActivityWorkflow.submit_report, report("a"), start_workflow_operation=starting
        )
        handle = await starting.workflow_handle()
        stored = await eventually(lambda: len(store_reports(store)), lambda n: n == 1)
        history = await handle.fetch_history()
        await handle.terminate("test done")
    scheduled = [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert receipt.revision == 1 and stored == 1
    assert "record_event" not in scheduled and "record_events" in scheduled


def store_reports(store) -> list[tuple[str, int]]:
    with store.session() as session:
        return list(session.execute(select(UnitReport.unit_code, UnitReport.revision)).all())
