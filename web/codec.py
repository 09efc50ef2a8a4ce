"""The codec endpoint the Temporal UI reads encrypted or compressed payloads through.

`POST /codec/decode` takes and returns the Temporal codec server's JSON (`{"payloads": [...]}`).
With PAYLOAD_KEYS, only signed-in staff may decode: the office session's cookie (the UI sends it when
its codec setting "include cross-origin credentials" is on) or, for the `temporal` CLI, an account's
name and password as HTTP Basic (`--codec-auth "Basic …"`). Without keys decoding is only
decompression of the bytes the caller sent, which reveals nothing the caller does not hold: anyone
may, so the dev server's UI and the CLI read a large activity with no setup. Only the UI's own origin
(TEMPORAL_UI_URL, and its loopback twin localhost/127.0.0.1) gets the CORS headers a browser needs
to read the answer.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from access.payloads import CampaignCodec, parse_keys
from access.roles import Permission, may
from campaign.limits import MAX_ACCOUNT_NAME_CHARS, MAX_PASSWORD_CHARS
from service.updates import Refused
from settings import Settings
from store.users import SIGN_IN_REFUSED
from web.office_door import Gate, Signed

MAX_BODY = 8 * 1024 * 1024  # capped while it streams (web.middleware.BodyCap); inflated at most MAX_DECODED_BYTES


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def ui_origins(url: str) -> set[str]:
    """The UI's origin, and on a loopback host its twin (a browser may open localhost or 127.0.0.1)."""
    parts = urlsplit(url)
    origins = {origin_of(url)}
    twins = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}
    if parts.hostname in twins:
        port = f":{parts.port}" if parts.port else ""
        origins.add(f"{parts.scheme}://{twins[parts.hostname]}{port}")
    return origins


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """(name, password) from `Authorization: Basic …`, or None when the request carries none."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        name, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    return name.strip()[:MAX_ACCOUNT_NAME_CHARS], password[:MAX_PASSWORD_CHARS]


def codec_router(settings: Settings, allowed: Callable[..., Signed], gate: Gate | None = None) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    keys = parse_keys(settings.payload_keys)
    codec = CampaignCodec(keys)
    origins = ui_origins(settings.temporal_ui_url)

    async def may_decode(request: Request) -> None:
        if not keys:
            return  # decompression only: nothing the caller does not already hold
        credentials = basic_credentials(request)
        if credentials is None:
            allowed(request, Permission.VIEW)  # the office's session (401/403 otherwise)
            return
        if gate is None:
            raise Refused(401, "unauthorized", SIGN_IN_REFUSED)
        # through the sign-in's own limits: a wrong password here counts as one at /login
        person, status = await asyncio.to_thread(gate.sign_in, request, *credentials)
        if person is None:
            raise Refused(status, "unauthorized" if status == 401 else "too_many", SIGN_IN_REFUSED)
        if not may(person.role, Permission.VIEW):
            raise Refused(403, "forbidden", "Vai trò này không được đọc dữ liệu của chiến dịch.")

    def cors(request: Request, response: Response) -> Response:
        origin = request.headers.get("origin")
        if origin in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Access-Control-Allow-Headers"] = "content-type, x-namespace, authorization"
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Vary"] = "Origin"
        return response

    @router.options("/codec/decode")
    async def preflight(request: Request) -> Response:
        return cors(request, Response(status_code=204))

    @router.post("/codec/decode")
    async def decode(request: Request) -> Response:
        await may_decode(request)
        body = await request.body()
        try:
            payloads = json_format.Parse(body, Payloads())
        except (json_format.ParseError, ValueError):
            problem = 'Không đọc được yêu cầu: cần JSON {"payloads": [...]} của Temporal.'
            return cors(request, JSONResponse({"code": "invalid", "message": problem}, status_code=400))
        try:
            decoded = await codec.decode(list(payloads.payloads))
        except ValueError as exc:  # PayloadError, PayloadKeyError: the payload at fault, by its place
            message = f"Không giải mã được: {exc}."
            return cors(request, JSONResponse({"code": "bad_payload", "message": message}, status_code=400))
        text = json_format.MessageToJson(Payloads(payloads=decoded))
        return cors(request, Response(text, media_type="application/json"))

    return router
