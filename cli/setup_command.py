"""`setup`: the one-shot step of a deployment: namespace, search attributes, database schema."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import typer
from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from cli.campaign_commands import run_command
from cli.records_commands import db_upgrade
from service.updates import Refused
from settings import get_settings
from workflows import search_attributes as sa

RETENTION = timedelta(days=90)  # histories stay auditable in the UI for a quarter after a campaign ends


async def ensure_namespace(client: Client, namespace: str) -> bool:
    """Register `namespace` unless it exists; True when it was created."""
    try:
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
        return False
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
    retention = Duration()
    retention.FromTimedelta(RETENTION)
    await client.workflow_service.register_namespace(
        RegisterNamespaceRequest(namespace=namespace, workflow_execution_retention_period=retention)
    )
    return True


async def register_when_known(client: Client, namespace: str, attempts: int = 60) -> None:
    """Search attributes; a namespace just registered takes the server a few seconds to know."""
    for attempt in range(attempts):
        try:
            await sa.register(client, namespace)
            return
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND or attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5)


def setup() -> None:
    """Chuẩn bị máy chủ Temporal (namespace, thuộc tính tìm kiếm) và cơ sở dữ liệu; chạy lại nhiều lần vẫn an toàn."""
    settings = get_settings()

    async def body(client: Client) -> None:
        try:
            created = await ensure_namespace(client, settings.temporal_namespace)
            await register_when_known(client, settings.temporal_namespace)
        except RPCError as exc:
            raise Refused(503, "unavailable", f"máy chủ Temporal trả lỗi khi chuẩn bị: {exc.message}") from None
        state = "đã tạo" if created else "đã có"
        typer.echo(f"Namespace {settings.temporal_namespace}: {state}; thuộc tính tìm kiếm: đủ {len(sa.ALL)}.")

    run_command(body)
    db_upgrade()
