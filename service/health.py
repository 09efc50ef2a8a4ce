"""Health and readiness for containers: GET /healthz (the process answers), /readyz (the worker polls)."""

from __future__ import annotations

import asyncio


class Health:
    def __init__(self) -> None:
        self.ready = False
        self._server: asyncio.Server | None = None

    async def start(self, bind: str) -> None:
        host, _, port = bind.rpartition(":")
        self._server = await asyncio.start_server(self._answer, host or "0.0.0.0", int(port))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await asyncio.wait_for(reader.readline(), timeout=5)).decode("latin-1").split()
            path = request[1] if len(request) > 1 else "/"
            ok = path == "/healthz" or (path == "/readyz" and self.ready)
            status = "200 OK" if ok else ("503 Service Unavailable" if path == "/readyz" else "404 Not Found")
            body = (b"ok\n" if ok else b"not ready\n") if path in ("/healthz", "/readyz") else b"not found\n"
            head = f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
            writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
