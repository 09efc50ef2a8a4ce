"""Ready-made Temporal UI list views for one campaign (the queries the README explains)."""

from __future__ import annotations

from urllib.parse import quote


def campaign_views(ui: str, namespace: str, campaign_id: str) -> list[tuple[str, str]]:
    """(what it shows, URL) for the Workflows page filtered to this campaign."""
    base = f"{ui.rstrip('/')}/namespaces/{quote(namespace)}/workflows?query="
    queries = [
        ("cả chiến dịch", f"CampaignId = '{campaign_id}'"),
        ("đang báo cáo Ban Thường vụ", f"CampaignId = '{campaign_id}' AND Phase = 'ESCALATED'"),
        ("còn đơn vị quá hạn", f"CampaignId = '{campaign_id}' AND OverdueUnits IS NOT NULL"),
        ("đang chạy", f"CampaignId = '{campaign_id}' AND ExecutionStatus = 'Running'"),
    ]
    return [(label, base + quote(query, safe="")) for label, query in queries]
