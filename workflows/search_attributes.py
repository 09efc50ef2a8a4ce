"""Custom search attributes for auditing campaigns in the Temporal UI."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

if TYPE_CHECKING:
    from campaign.views import ActivitySummary

CAMPAIGN_ID = SearchAttributeKey.for_keyword("CampaignId")
ACTIVITY_NO = SearchAttributeKey.for_int("ActivityNo")
PHASE = SearchAttributeKey.for_keyword("Phase")
PENDING_UNITS = SearchAttributeKey.for_keyword_list("PendingUnits")
OVERDUE_UNITS = SearchAttributeKey.for_keyword_list("OverdueUnits")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")
EVENT_START = SearchAttributeKey.for_datetime("EventStart")

ALL = (CAMPAIGN_ID, ACTIVITY_NO, PHASE, PENDING_UNITS, OVERDUE_UNITS, ESCALATION_LEVEL, EVENT_START)

# Names as `temporal server start-dev --search-attribute NAME=TYPE` wants them.
CLI_TYPES = {
    "KEYWORD": "Keyword",
    "INT": "Int",
    "KEYWORD_LIST": "KeywordList",
    "DATETIME": "Datetime",
}


# A search attribute is for finding, not for storing: a unit list is cut well under the server's
# 2 KB per value (and 40 KB per workflow), with a last value saying how many were left out. The
# full lists live in the `status` query, the UI details and the store.
MAX_LIST_BYTES = 1024


def bounded_codes(codes: list[str], total: int | None = None, limit: int = MAX_LIST_BYTES) -> list[str]:
    """`codes` (the first of `total`) as a keyword-list value that always fits; when cut, the last
    value is "+N" (N left out)."""
    total = len(codes) if total is None else total
    kept: list[str] = []
    size = 2  # the JSON brackets
    for code in codes:
        cost = len(code.encode()) + 4  # quotes, a comma and a space
        if size + cost > limit - 16:  # room for the "+N" marker
            break
        kept.append(code)
        size += cost
    return kept if total == len(kept) else [*kept, f"+{total - len(kept)}"]


def dev_server_flags() -> list[str]:
    flags = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={CLI_TYPES[key.indexed_value_type.name]}"]
    return flags


async def register(client: Client, namespace: str = "default") -> None:
    """Register the attributes on a server (needed where no CLI flag can, e.g. the test server)."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
    from temporalio.service import RPCError

    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(existing.custom_attributes)
    except RPCError:  # the time-skipping server cannot list them, only add
        known = set()
    missing = {
        key.name: IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{key.indexed_value_type.name}")
        for key in ALL
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )


def activity_values(summary: ActivitySummary, event_start: datetime) -> list[SearchAttributeUpdate]:
    """An activity's attributes from its summary. Bounded values only: the unit lists are cut, their
    "+N" counted from the whole list."""
    return [
        PHASE.value_set(summary.phase.value),
        PENDING_UNITS.value_set(bounded_codes(summary.pending, summary.pending_count)),
        OVERDUE_UNITS.value_set(bounded_codes(summary.overdue, summary.overdue_count)),
        ESCALATION_LEVEL.value_set(summary.escalation_level),
        EVENT_START.value_set(event_start),
    ]
