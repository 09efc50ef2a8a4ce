"""The units' JSON API (/api/v1): who the link's unit is and its activities, readiness, results reports;
the bearer token is the unit's personal link. Thin over web.portal, as the pages are."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.security import HTTPAuthorizationCredentials

from access.links import UnitLink
from campaign.messages import ReadyBody, ReportBody
from service.updates import Refused
from store.unit_pages import UnitCampaign
from web.guard import client_address
from web.portal import Portal
from web.unit_input import Bearer, Problem, via
from workflows.activity import CampaignActivityWorkflow


def api_link(
    portal: Portal, request: Request, credentials: HTTPAuthorizationCredentials | None
) -> tuple[UnitLink, UnitCampaign]:
    """The unit's link a request's bearer token names, checked (Refused otherwise)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Refused(401, "unauthorized", "Cần mã liên kết của đơn vị (Authorization: Bearer …).")
    return portal.unit_link(credentials.credentials, client_address(request))


def unit_api_router(portal: Portal) -> APIRouter:
    router = APIRouter()
    errors: dict[int | str, dict[str, Any]] = {
        status: {"model": Problem} for status in (401, 403, 404, 409, 422, 429, 503)
    }

    @router.get("/api/v1/me", responses=errors, summary="Đơn vị và các hoạt động của đơn vị trong chiến dịch")
    async def me(request: Request, credentials: Bearer) -> dict[str, Any]:
        _, campaign = api_link(portal, request, credentials)
        rows = await portal.rows(campaign)
        return {
            "campaign_id": campaign.campaign_id,
            "plan_code": campaign.plan_code,
            "unit": {"code": campaign.unit_code, "name": campaign.unit_name},
            "activities": [
                {
                    "no": r.assigned.no,
                    "title": r.assigned.title,
                    "start": r.assigned.start.isoformat(),
                    "end": r.assigned.end.isoformat(),
                    "place": r.assigned.place,
                    "role": r.assigned.role,
                    "phase": r.status.phase.value if r.status else None,
                    "state": r.unit.model_dump(mode="json") if r.unit else None,
                }
                for r in rows
            ],
        }

    @router.post("/api/v1/activities/{no}/ready", responses=errors, summary="Xác nhận sẵn sàng")
    async def api_ready(request: Request, no: int, body: ReadyBody, credentials: Bearer) -> dict[str, Any]:
        link, campaign = api_link(portal, request, credentials)
        said = await portal.send(
            campaign,
            no,
            CampaignActivityWorkflow.confirm_ready,
            {"unit": link.unit, "note": body.note, "via": via(link)},
        )
        return {"message": said}

    @router.post("/api/v1/activities/{no}/report", responses=errors, summary="Nộp hoặc sửa báo cáo kết quả")
    async def api_report(request: Request, no: int, body: ReportBody, credentials: Bearer) -> dict[str, Any]:
        link, campaign = api_link(portal, request, credentials)
        message = {"unit": link.unit, **body.model_dump(), "via": via(link)}
        receipt = await portal.send_report(campaign, no, message)  # cites only the unit's own files
        return receipt.model_dump(mode="json")

    return router
