"""The faults of a chaos run, at random moments drawn from a seed, and their injection."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from campaign.clock import PlanClock
from chaos.world import World


class Kind(StrEnum):
    WORKER = "kill -9 worker"
    SERVER = "kill -9 máy chủ Temporal, khởi động lại trên cùng tệp"
    POSTGRES = "dừng PostgreSQL"
    SMTP = "máy chủ SMTP từ chối kết nối"


@dataclass
class Fault:
    what: Kind
    after: float  # wall seconds from the campaign's start
    lasts: float = 0.0  # wall seconds the thing stays down (0: killed and restarted at once)
    done: list[str] = field(default_factory=list)  # what happened, for the table
    began: datetime | None = None  # plan time

    def note(self, text: str) -> None:
        self.done.append(text)


def schedule(seed: int, run_seconds: float, speed: float, worker_kills: int, postgres_down: float,
             smtp_down_days: float) -> list[Fault]:  # fmt: skip
    """Worker kills spread over the run; the server, PostgreSQL and SMTP each once, apart."""
    rng = random.Random(seed)
    smtp_lasts = smtp_down_days * 86400 / speed
    server = Fault(Kind.SERVER, run_seconds * 0.35)
    postgres = Fault(Kind.POSTGRES, run_seconds * 0.55, postgres_down)
    smtp = Fault(Kind.SMTP, run_seconds * 0.12, smtp_lasts)
    busy = [(server.after - 5, server.after + 15)]
    kills: list[Fault] = []
    while len(kills) < worker_kills:
        at = rng.uniform(run_seconds * 0.03, run_seconds * 0.9)
        if any(a <= at <= b for a, b in busy) or any(abs(at - k.after) < 4 for k in kills):
            continue
        kills.append(Fault(Kind.WORKER, at))
    return sorted([server, postgres, smtp, *kills], key=lambda f: f.after)


async def inject(world: World, faults: list[Fault], started: float, clock: PlanClock) -> None:
    """Each fault at its time; a fault that lasts is undone in the background."""
    undoing: list[asyncio.Task[None]] = []
    for fault in faults:
        await asyncio.sleep(max(0.0, started + fault.after - time.monotonic()))
        fault.began = clock.plan_now(datetime.now(clock.wall_origin.tzinfo))
        if fault.what is Kind.WORKER:
            began = time.monotonic()
            await asyncio.to_thread(world.kill_worker)
            fault.note(f"worker mới chạy sau {time.monotonic() - began:.1f} s")
        elif fault.what is Kind.SERVER:
            began = time.monotonic()
            await asyncio.to_thread(world.kill_server, 1.0)
            fault.note(f"phục vụ lại sau {time.monotonic() - began:.1f} s")
        elif fault.what is Kind.POSTGRES:
            await asyncio.to_thread(world.postgres.stop)
            undoing.append(asyncio.create_task(_later(fault, world.postgres.start)))
        else:
            world.mail.close()
            undoing.append(asyncio.create_task(_later(fault, world.mail.open)))
    await asyncio.gather(*undoing)


async def _later(fault: Fault, undo) -> None:
    await asyncio.sleep(fault.lasts)
    await asyncio.to_thread(undo)
    fault.note(f"{fault.lasts:.0f} s")
