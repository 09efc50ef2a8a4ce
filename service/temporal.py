"""Connecting to Temporal (TLS, API key, the payload codec) and asking whether a worker serves a queue."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.runtime import Runtime
from temporalio.service import RPCError, TLSConfig

from access.payloads import data_converter
from campaign.escape import first_line
from service.updates import UNAVAILABLE, Refused
from settings import Settings


def verbose() -> bool:
    """`starter.py --verbose …` (or CAMPAIGN_VERBOSE=1): raw errors are shown after the sentence."""
    return os.environ.get("CAMPAIGN_VERBOSE") == "1"


def tls_config(settings: Settings) -> TLSConfig | bool:
    """mTLS from the certificate settings; plain TLS for an API key; none for a local server."""
    if settings.temporal_tls_cert or settings.temporal_tls_key:
        if not (settings.temporal_tls_cert and settings.temporal_tls_key):
            raise Refused(500, "config", "cần cả TEMPORAL_TLS_CERT và TEMPORAL_TLS_KEY")
        return TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes(),
            client_private_key=settings.temporal_tls_key.read_bytes(),
            server_root_ca_cert=settings.temporal_tls_ca.read_bytes() if settings.temporal_tls_ca else None,
        )
    return settings.temporal_api_key is not None


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    try:
        tls = tls_config(settings)
    except OSError as exc:
        raise Refused(500, "config", f"không đọc được chứng chỉ TLS: {exc}") from None
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=data_converter(settings.payload_keys),
            tls=tls,
            api_key=settings.temporal_api_key,
            runtime=runtime,
        )
    except Exception as exc:  # the SDK raises RuntimeError with a long chain for an unreachable server
        detail = f" Chi tiết: {first_line(exc, 400)}" if verbose() else ""
        raise Refused(
            503,
            "unavailable",
            f"không kết nối được máy chủ Temporal tại {settings.temporal_address} "
            f"(namespace {settings.temporal_namespace}). Hãy chạy `python starter.py dev-server` "
            f"hoặc kiểm tra TEMPORAL_ADDRESS.{detail}",
        ) from None


async def check_worker_listening(client: Client, handle: WorkflowHandle[Any, Any], query: bool = False) -> None:
    """Refused (unavailable) naming the task queue when no worker polls the workflow's queue.

    A query or an update to a workflow nobody runs waits until a worker comes (a query times out,
    an update hangs); the server remembers a worker's polls for a few minutes, so an empty list
    means no worker has asked for work there lately. A workflow that is not found, or (for an
    update, which the server refuses at once) not running, is left for the command to explain; a
    query needs a worker even after the workflow has ended.
    """
    try:
        description = await handle.describe()
    except RPCError:
        return
    if not description.task_queue or (not query and description.status != WorkflowExecutionStatus.RUNNING):
        return
    queue = description.task_queue
    if not await queue_has_worker(client, queue):
        raise Refused(
            503,
            "unavailable",
            f"không có worker nào nhận việc trên hàng đợi “{queue}” của {handle.id}: lệnh sẽ phải chờ mãi. "
            f"Hãy chạy `python worker.py` với TEMPORAL_TASK_QUEUE={queue} và WORKER_ROLE=all hoặc workflows "
            "(hoặc kiểm tra TEMPORAL_ADDRESS).",
        )


async def queue_has_worker(
    client: Client, queue: str, task_type: TaskQueueType.ValueType = TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
) -> bool:
    """Whether a worker has polled `queue` for workflow tasks (or `task_type`'s) lately (True when the
    server will not say)."""
    try:
        answer = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
                task_queue_type=task_type,
            )
        )
    except RPCError:
        return True
    return bool(answer.pollers)


async def missing_workers(client: Client, queue: str) -> str | None:
    """What an operator must start for a campaign on `queue` to run (a Vietnamese sentence), or None when
    workers poll it for both workflows and activities (WORKER_ROLE: a worker may run one side only)."""
    workflows = await queue_has_worker(client, queue)
    activities = await queue_has_worker(client, queue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
    run = f"TEMPORAL_TASK_QUEUE={queue}"
    if workflows and activities:
        return None
    if not workflows and not activities:
        said = f"chưa có worker nào nhận việc trên hàng đợi “{queue}”; chiến dịch chỉ chạy khi `python worker.py`"
        return f"{said} chạy với {run}."
    if not activities:
        return (
            f"chưa có worker nào chạy activity trên hàng đợi “{queue}” (chỉ có worker WORKER_ROLE=workflows): báo cáo "
            "vẫn được nhận, nhưng thông báo chưa gửi và cơ sở dữ liệu chưa được ghi cho tới khi `python worker.py` "
            f"chạy với WORKER_ROLE=activities (hoặc all), {run}."
        )
    return (
        f"chưa có worker nào chạy workflow trên hàng đợi “{queue}” (chỉ có worker WORKER_ROLE=activities): chiến "
        f"dịch chưa chạy cho tới khi `python worker.py` chạy với WORKER_ROLE=workflows (hoặc all), {run}."
    )


def exit_now(code: int) -> None:
    """Leave the process without interpreter finalisation.

    The SDK's Rust threads can outlive finalisation and abort the process
    (PyGILState_Release, exit status -6) after a run that otherwise succeeded.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def lazy_client(settings: Settings) -> Callable[[], Awaitable[Client]]:
    """One Temporal connection for a web app, made on first use (the app starts even if Temporal is not up
    yet). A server that does not answer is `Refused` (503, unavailable) with the sentence a person reads;
    the address stays in `detail`, for the log."""
    lock = asyncio.Lock()
    made: list[Client] = []

    async def client() -> Client:
        async with lock:
            if not made:
                try:
                    made.append(await connect(settings))
                except Refused as exc:
                    raise Refused(503, "unavailable", UNAVAILABLE, detail=exc.message) from None
            return made[0]

    return client
