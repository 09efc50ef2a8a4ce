"""What an activity workflow hands out, ready to go: its notices composed and addressed, its facts for
the store keyed and numbered, and what comes back (a notice that could not be delivered, a fact the
database refused for good) turned into a notice to the office. Handed out in batches (dispatch.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from campaign.clock import PlanClock, end_of_day, format_moment
    from campaign.facts import ActivityEvent, EventKind
    from campaign.notices import PERSONAL_LINK, Notice, compose, delivery_failed, record_set_aside
    from campaign.tracker import Action, ActivityState
    from campaign.units import Unit
    from workflows.dispatch import Dispatch


class Outbox(Dispatch):
    def __init__(self, state: ActivityState, clock: PlanClock, units: list[Unit], office: Unit | None,
                 committee: Unit | None) -> None:  # fmt: skip
        super().__init__()
        self.state = state
        self.clock = clock
        self.contacts = {u.code: u for u in units}  # with those assigned later
        self.office, self.committee = office, committee

    def notify(self, action: Action, now: datetime) -> None:
        """The notice for `action`, addressed, saying when it was due, queued to be sent."""
        notice = compose(self.state, action, now, workflow.info().workflow_id)
        to = {"office": self.office, "committee": self.committee}.get(action.recipient)
        update: dict[str, Any] = {
            "to": self.contacts.get(action.recipient, to),
            "due_at": self.clock.wall_at(action.at),
            "due_shown": format_moment(action.at),
        }
        if PERSONAL_LINK in notice.body:  # the link the activity signs lives until a while after the campaign
            update["link_until"] = self.clock.wall_at(end_of_day(self.state.window_end))
        self.notices.append(notice.model_copy(update=update))

    def record(self, kind: EventKind, actor: str, at: datetime, **fields: Any) -> None:
        """A fact for the store, numbered in the state, handed out with the next flush."""
        self.state.events_recorded += 1
        workflow_id = workflow.info().workflow_id
        self.events.append(
            ActivityEvent(
                key=f"{workflow_id}/event/{self.state.events_recorded}",
                kind=kind,
                campaign_id=self.state.campaign_id,
                activity_no=self.state.activity.no,
                workflow_id=workflow_id,
                actor=actor,
                at=at,
                **fields,
            )
        )

    def to_office(self, notice: Notice) -> None:
        self.notices.append(notice.model_copy(update={"to": self.office}))

    def tell_office_of_failures(self) -> None:
        """Tell the office of notices that could not be delivered and of facts the store refused."""
        undelivered, set_aside = self.collect()
        for notice, failures in undelivered:
            self.to_office(delivery_failed(notice, failures))
        for kept in set_aside:
            workflow.logger.error(
                "record set aside",
                extra={"campaign_id": self.state.campaign_id, "activity_no": self.state.activity.no, "key": kept.key},
            )
            self.to_office(record_set_aside(self.state, kept.key, kept.kind, kept.reason))
