"""Connecting to Temporal and turning its errors into one Vietnamese line."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from access.payloads import data_converter
from cli.output import first_line
from settings import Settings
from workflows.ended import ended_refusal


def verbose() -> bool:
    """`starter.py --verbose …` (or CAMPAIGN_VERBOSE=1): raw errors are shown after the sentence."""
    return os.environ.get("CAMPAIGN_VERBOSE") == "1"


class CommandError(Exception):
    """A failure to show to the person as one line."""


def tls_config(settings: Settings) -> TLSConfig | bool:
    """mTLS from the certificate settings; plain TLS for an API key; none for a local server."""
    if settings.temporal_tls_cert or settings.temporal_tls_key:
        if not (settings.temporal_tls_cert and settings.temporal_tls_key):
            raise CommandError("cần cả TEMPORAL_TLS_CERT và TEMPORAL_TLS_KEY")
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
        raise CommandError(f"không đọc được chứng chỉ TLS: {exc}") from None
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
        raise CommandError(
            f"không kết nối được máy chủ Temporal tại {settings.temporal_address} "
            f"(namespace {settings.temporal_namespace}). Hãy chạy `python starter.py dev-server` "
            f"hoặc kiểm tra TEMPORAL_ADDRESS.{detail}"
        ) from None


async def worker_listening(client: Client, handle: WorkflowHandle[Any, Any], query: bool = False) -> None:
    """CommandError naming the task queue when no worker polls the workflow's queue.

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
        raise CommandError(
            f"không có worker nào nhận việc trên hàng đợi “{queue}” của {handle.id}: lệnh sẽ phải chờ mãi. "
            f"Hãy chạy `python worker.py` với TEMPORAL_TASK_QUEUE={queue} (hoặc kiểm tra TEMPORAL_ADDRESS)."
        )


async def queue_has_worker(client: Client, queue: str) -> bool:
    """Whether a worker has polled `queue` for workflow tasks lately (True when the server will not say)."""
    try:
        answer = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
    except RPCError:
        return True
    return bool(answer.pollers)


@asynccontextmanager
async def explained(
    what: str, target: WorkflowHandle[Any, Any] | None = None, campaign: WorkflowHandle[Any, Any] | None = None
) -> AsyncIterator[None]:
    """Translate Temporal errors raised inside the block; `what` names the target in Vietnamese.

    With the `target` workflow (and the `campaign` it belongs to), "not found" is told
    apart: no such campaign, no such activity in it, or an activity that has already ended.
    """
    try:
        yield
    except WorkflowUpdateFailedError as exc:
        if said := ended_refusal(exc):  # the one sentence every door gives for an ended activity
            raise CommandError(said) from None
        cause = exc.cause
        reason = cause.message if isinstance(cause, ApplicationError) else str(cause)
        raise CommandError(f"bị từ chối: {reason}") from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND or "already completed" in exc.message:
            raise CommandError(await _why_not_found(what, target, campaign)) from None
        if "already finished" in exc.message:
            raise CommandError(f"{what} đã kết thúc, không nhận thêm thông tin") from None
        raise CommandError(f"máy chủ Temporal trả lỗi cho {what}: {exc.message}") from None


async def _why_not_found(
    what: str, target: WorkflowHandle[Any, Any] | None, campaign: WorkflowHandle[Any, Any] | None
) -> str:
    if target is not None:
        try:
            status = (await target.describe()).status
        except RPCError:
            status = None
        if status is not None and status != WorkflowExecutionStatus.RUNNING:
            return f"{what} đã kết thúc ({status.name}), không nhận thêm thông tin"
    if campaign is not None:
        try:
            await campaign.describe()
        except RPCError:
            name = campaign.id.removeprefix("campaign/")
            return f"không tìm thấy chiến dịch {name} (kiểm tra lại mã chiến dịch)"
    return f"không tìm thấy {what}"


def exit_now(code: int) -> None:
    """Leave the process without interpreter finalisation.

    The SDK's Rust threads can outlive finalisation and abort the process
    (PyGILState_Release, exit status -6) after a run that otherwise succeeded.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
