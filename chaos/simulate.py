"""The simulated units answering one world: each answer at its plan time, through Temporal as
`starter.py` sends it, tried again with the same update ID while the server or the workers are down."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from temporalio.client import Client

from campaign.clock import PlanClock
from campaign.messages import ConfirmReady
from service.simulator import Answer
from service.updates import Refused, send_to_activity
from workflows.activity import CampaignActivityWorkflow

VIA = "chaos (starter.py)"


@dataclass
class Answered:
    refusals: dict[str, str] = field(default_factory=dict)  # answer → the workflow's sentence
    delays: dict[str, float] = field(default_factory=dict)  # answer → seconds from its time to the reply


def label(answer: Answer) -> str:
    what = "ready" if isinstance(answer.message, ConfirmReady) else answer.message.request_id
    return f"{answer.activity_no}/{answer.unit}/{what}"


async def deliver(client: Client, campaign_id: str, answer: Answer, due_wall: float, into: Answered) -> None:
    message = answer.message.model_copy(update={"via": VIA})
    update = (
        CampaignActivityWorkflow.confirm_ready
        if isinstance(message, ConfirmReady)
        else CampaignActivityWorkflow.submit_report
    )
    name = label(answer)
    while True:
        try:
            await send_to_activity(client, campaign_id, answer.activity_no, update, message, f"chaos/{name}")
            break
        except Refused as exc:
            if exc.code == "unavailable":  # the server or every worker is down for now: the same update again
                await asyncio.sleep(0.5)
                continue
            into.refusals[name] = exc.message  # refused, or its workflow has ended (as while it was closing)
            break
        except Exception:  # the server or every worker is down for now: the same update again
            await asyncio.sleep(0.5)
    into.delays[name] = time.time() - due_wall


async def answer_all(client: Client, campaign_id: str, answers: list[Answer], clock: PlanClock) -> Answered:
    """Each answer at its time; one unit's answers to one activity in order, each after the reply to the
    one before, as a person sends a correction after seeing the receipt."""
    answered = Answered()
    last: dict[tuple[int, str], asyncio.Task[None]] = {}

    async def after(previous: asyncio.Task[None] | None, answer: Answer, due: float) -> None:
        if previous is not None:
            await previous
        await deliver(client, campaign_id, answer, due, answered)

    for answer in answers:
        due = clock.wall_at(answer.at)
        wait = (due - datetime.now(UTC)).total_seconds()
        if wait > 0:
            await asyncio.sleep(wait)
        key = (answer.activity_no, answer.unit)
        last[key] = asyncio.create_task(after(last.get(key), answer, due.timestamp()))
    await asyncio.gather(*last.values())
    return answered
