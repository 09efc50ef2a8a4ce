"""The codec endpoint the Temporal UI reads encrypted or compressed payloads through.

`POST /codec/decode` takes and returns the Temporal codec server's JSON (`{"payloads": [...]}`).
Only signed-in staff may decode (the UI sends the office session's cookie when its codec setting
"include cross-origin credentials" is on), and only the UI's own origin (TEMPORAL_UI_URL) gets the
CORS headers a browser needs to read the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from access.payloads import CampaignCodec, parse_keys
from access.roles import Action
from settings import Settings
from web.office_door import Signed

MAX_BODY = 8 * 1024 * 1024  # capped while it streams (web.middleware.BodyCap); inflated at most MAX_DECODED_BYTES


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def codec_router(settings: Settings, allowed: Callable[..., Signed]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    codec = CampaignCodec(parse_keys(settings.payload_keys))
    ui_origin = origin_of(settings.temporal_ui_url)

    def cors(request: Request, response: Response) -> Response:
        if request.headers.get("origin") == ui_origin:
            response.headers["Access-Control-Allow-Origin"] = ui_origin
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
        allowed(request, Action.VIEW)
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
