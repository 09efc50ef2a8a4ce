"""What the unit portal does, door-independent: check a link, read a unit's activities, send its answers.

The unit's pages (web.unit_pages) and its JSON API (web.unit_api) are thin over this. Answers go to the
activity workflows as the same updates the CLI sends (service.updates), read by the same checks.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client

from access.links import LinkError, UnitLink, read
from campaign.message_rules import Receipt
from campaign.views import ActivityStatus, UnitView
from service.unit_status import unit_statuses
from service.updates import Refused, Update, send_to_activity
from settings import Settings
from store.database import Store
from store.evidence import (
    Upload,
    accept,
    held_files,
    hold,
    new_uploads,
    owned,
    release,
    shown_names,
    stored_bytes,
    sweep,
    unit_files,
)
from store.schema import EvidenceFile
from store.unit_pages import AssignedActivity, UnitCampaign, unit_link_check
from web.evidence import MAX_UNIT_BYTES, evidence_reference, stored_file_named
from web.evidence import store as store_file
from web.guard import FailureLimit
from web.middleware import CHECKED
from workflows.activity import CampaignActivityWorkflow

# What a refused link is told, by reason.
LINK_PROBLEMS = {
    "forged": (403, "Liên kết không hợp lệ. Đề nghị dùng đúng liên kết trong thư của Văn phòng Đoàn Khối."),
    "malformed": (404, "Không tìm thấy trang này. Đề nghị dùng đúng liên kết trong thư của Văn phòng Đoàn Khối."),
    "expired": (403, "Liên kết đã hết hạn. Đề nghị liên hệ Văn phòng Đoàn Khối để nhận liên kết mới."),
    "revoked": (403, "Liên kết đã bị thu hồi. Đề nghị liên hệ Văn phòng Đoàn Khối để nhận liên kết mới."),
    "unassigned": (
        404,
        "Đơn vị không có hoạt động nào trong chiến dịch này; nếu có nhầm lẫn, đề nghị liên hệ Văn phòng Đoàn Khối.",
    ),
    "too_many": (429, "Quá nhiều lần thử liên kết không hợp lệ từ địa chỉ này. Đề nghị thử lại sau ít phút."),
}


@dataclass(frozen=True)
class ActivityRow:
    """One activity on the unit's page: the plan's facts and, when the workflow answers, its state."""

    assigned: AssignedActivity
    status: ActivityStatus | None
    unit: UnitView | None


class Portal:
    def __init__(self, settings: Settings, store: Store, client: Callable[[], Awaitable[Client]]) -> None:
        self.settings = settings
        self.store = store
        self._client = client
        self.failures = FailureLimit()

    @property
    def secret(self) -> str:
        return self.settings.portal_secret or ""

    # --- who is asking ----------------------------------------------------------------

    def unit_link(self, token: str, address: str) -> tuple[UnitLink, UnitCampaign]:
        """The link's unit and campaign, or Refused (counted against the address when it looks like guessing).

        Checked once per request: the route reads what the credential check before the body found."""
        checked = CHECKED.get()
        if checked is not None and (found := checked.get(token)) is not None:
            return found  # type: ignore[return-value]
        if self.failures.blocked(address):
            raise self._refused("too_many")
        try:
            link = read(self.secret, token)
        except LinkError as exc:
            if exc.reason != "expired":
                self.failures.failed(address)
            raise self._refused(exc.reason) from None
        with self.store.session() as session:
            version, campaign = unit_link_check(session, link.campaign_id, link.unit)
        if link.version < version:
            raise self._refused("revoked")
        if campaign is None:
            raise self._refused("unassigned")
        if checked is not None:
            checked[token] = (link, campaign)
        return link, campaign

    @staticmethod
    def _refused(reason: str) -> Refused:
        status, message = LINK_PROBLEMS[reason]
        return Refused(status, reason, message)

    def csrf_token(self, link: UnitLink) -> str:
        return hmac.new(self.secret.encode(), f"csrf/{link.token_id}".encode(), hashlib.sha256).hexdigest()[:32]

    def check_csrf(self, link: UnitLink, given: str | None) -> None:
        if not given or not hmac.compare_digest(given, self.csrf_token(link)):
            raise Refused(403, "csrf", "Biểu mẫu đã cũ hoặc không hợp lệ. Đề nghị tải lại trang và gửi lại.")

    # --- reading ----------------------------------------------------------------------

    async def rows(self, campaign: UnitCampaign) -> list[ActivityRow]:
        """Every assigned activity with its live state, queried from the workflows in parallel (one query
        per activity shared with the other pages waiting for it: service.unit_status)."""
        nos = [a.no for a in campaign.activities]
        answers = await unit_statuses(await self._client(), campaign.campaign_id, nos, campaign.unit_code)
        return [
            ActivityRow(assigned, status, next((u for u in status.units if u.code == campaign.unit_code), None))
            if status
            else ActivityRow(assigned, None, None)  # closed long ago, or the server is away: the plan's facts show
            for assigned, status in zip(campaign.activities, answers, strict=True)
        ]

    def assigned(self, campaign: UnitCampaign, no: int) -> AssignedActivity:
        found = next((a for a in campaign.activities if a.no == no), None)
        if found is None:
            raise Refused(404, "not_assigned", f"Đơn vị không phụ trách hoạt động {no} trong chiến dịch này.")
        return found

    # --- answering --------------------------------------------------------------------

    async def send(self, campaign: UnitCampaign, no: int, update: Update, message: dict[str, Any]) -> Any:
        """`update` (a method of the activity's workflow) with the unit's message; its refusal as Refused."""
        self.assigned(campaign, no)
        return await send_to_activity(await self._client(), campaign.campaign_id, no, update, message)

    # --- evidence files ------------------------------------------------------------

    def evidence_url(self, name: str) -> str:
        """How a report cites a stored file (web.evidence.evidence_reference)."""
        return evidence_reference(self.settings.portal_url, name)

    def upload_urls(self, uploads: Sequence[tuple[bytes, str, str]]) -> list[str]:
        """How the report cites files uploaded with it (data, kind, shown name), once each."""
        names = (f"{hashlib.sha256(data).hexdigest()}.{kind}" for data, kind, _ in uploads)
        return [self.evidence_url(name) for name in dict.fromkeys(names)]

    def stored_name(self, reference: str) -> str | None:
        """The stored file a reference names, when it is one of this portal's files; else None."""
        return stored_file_named(self.settings.portal_url, reference)

    def kept_files(self, campaign: UnitCampaign, no: int) -> dict[str, EvidenceFile]:
        """The files the unit's report of activity `no` has taken so far (any revision), by stored name."""
        with self.store.session() as session:
            return owned(session, campaign.campaign_id, campaign.unit_code, no)

    def evidence_shown(self, campaign: UnitCampaign, rows: list[ActivityRow]) -> dict[str, Any]:
        """What the unit's page shows of its evidence: `stored` (reference → stored name, for its own
        files), `links` and `files` (per activity, the latest revision's links and files: a revision
        starts from them), `shown_names` (stored name → the name the unit gave it) and `earlier` (per
        activity, files of earlier revisions no longer in the latest)."""
        stored: dict[str, str] = {}
        links: dict[int, list[str]] = {}
        files: dict[int, list[str]] = {}
        for row in rows:
            if row.unit and row.unit.report:
                for reference in row.unit.report.evidence:
                    name = self.stored_name(reference)
                    if name:
                        stored[reference] = name
                        files.setdefault(row.assigned.no, []).append(name)
                    else:
                        links.setdefault(row.assigned.no, []).append(reference)
        with self.store.session() as session:
            mine = unit_files(session, campaign.campaign_id, campaign.unit_code)
        earlier: dict[int, list[EvidenceFile]] = {}
        for row_file in mine:
            if row_file.name not in files.get(row_file.activity_no, []):
                earlier.setdefault(row_file.activity_no, []).append(row_file)
        names = {f.name: f.shown_name for f in mine}
        return {"stored": stored, "links": links, "files": files, "earlier": earlier,
                "shown_names": {**{n: n for n in stored.values()}, **names}}  # fmt: skip

    def shown_names(self, campaign: UnitCampaign, names: Sequence[str]) -> dict[str, str]:
        """Stored name → the name the unit gave the file (the stored name where none is kept)."""
        if not names:
            return {}
        with self.store.session() as session:
            given = shown_names(session, campaign.campaign_id, names)
        return {name: given.get(name, name) for name in names}

    def held(self, campaign: UnitCampaign, no: int, names: Sequence[str]) -> dict[str, str]:
        """Those of `names` still held for the unit's report of activity `no` (files of a refused report,
        kept for the retry), stored name → the name the unit gave it."""
        with self.store.session() as session:
            found = held_files(session, campaign.campaign_id, campaign.unit_code, no, names)
        return {name: row.shown_name for name, row in found.items()}

    def hold_uploads(self, campaign: UnitCampaign, no: int, uploads: Sequence[tuple[bytes, str, str]]) -> list[str]:
        """`_hold`'s stored names of the uploaded files (the form holds a refused report's files with it)."""
        return self._hold(campaign, no, uploads)[0]

    def _hold(self, campaign: UnitCampaign, no: int,
              uploads: Sequence[tuple[bytes, str, str]]) -> tuple[list[str], list[str]]:  # fmt: skip
        """The uploaded files (data, kind, shown name) written and held for the unit's report of activity
        `no` (those already held or kept are not written twice): (their stored names, those newly held).
        Refused (422) when they would take the unit over its quota. Held rows go after HELD_FOR unless a
        revision takes them."""
        if not uploads:  # nothing to write or hold: no write to the store (the evening before a deadline)
            return [], []
        files = [Upload(f"{hashlib.sha256(data).hexdigest()}.{kind}", name, len(data)) for data, kind, name in uploads]
        folder = self.settings.evidence_dir
        with self.store.session() as session:
            for name in sweep(session):
                (folder / name).unlink(missing_ok=True)
            fresh = new_uploads(session, campaign.campaign_id, campaign.unit_code, no, files)
            used = stored_bytes(session, campaign.campaign_id, campaign.unit_code)
            adding = sum(f.size for f in fresh)
            if used + adding > MAX_UNIT_BYTES:
                raise Refused(422, "rejected", over_quota(used, adding))
            for data, kind, _ in uploads:
                store_file(folder, data, kind)
            hold(session, campaign.campaign_id, campaign.unit_code, no, fresh)
        return list(dict.fromkeys(f.name for f in files)), [f.name for f in fresh]

    def let_go(self, campaign: UnitCampaign, no: int, names: Sequence[str]) -> None:
        """Held files the unit no longer sends (it removed them, or its report can no longer be sent) go."""
        if not names:
            return
        with self.store.session() as session:
            gone = release(session, campaign.campaign_id, campaign.unit_code, no, list(names))
        for name in gone:
            (self.settings.evidence_dir / name).unlink(missing_ok=True)

    async def send_report(self, campaign: UnitCampaign, no: int, message: dict[str, Any],
                          uploads: Sequence[tuple[bytes, str, str]] = (), held: Sequence[str] = (),
                          keep_refused: bool = False) -> Receipt:  # fmt: skip
        """A report, with the files uploaded with it (data, kind, shown name), as one step: a reference to a
        stored file the unit's report of this activity does not own is refused (issue 25: evidence by
        reference); new files count against the unit's quota; they are written, held while the workflow
        answers, kept with the accepted revision, and removed if the report is refused.

        `held`: files held from an earlier refused attempt of this report (the form sends them again
        without the unit choosing them again); one no longer held is refused, saying to choose it again.
        `keep_refused`: when the activity refuses the report (422), its files stay held for the retry
        (the form's way); otherwise (the API, or an ended activity) they go."""
        self.assigned(campaign, no)
        evidence = list(message.get("evidence") or []) if isinstance(message.get("evidence"), list) else []
        cited = [name for name in (self.stored_name(str(e)) for e in evidence) if name]
        mine = self.kept_files(campaign, no) if cited else {}
        foreign = [name for name in cited if name not in mine]
        if foreign:
            raise Refused(422, "rejected", foreign_file(foreign[0], no))
        waiting = self.held(campaign, no, held)
        if len(waiting) < len(set(held)):
            raise Refused(422, "rejected", HELD_GONE)
        chosen, fresh = self._hold(campaign, no, uploads)
        names = list(dict.fromkeys([*waiting, *chosen]))
        files = [self.evidence_url(name) for name in names]
        message = {**message, "evidence": list(dict.fromkeys([*evidence, *files]))}
        try:
            receipt: Receipt = await self.send(campaign, no, CampaignActivityWorkflow.submit_report, message)
        except BaseException as exc:
            # Not known to be refused (a time-out, a closed connection): the files stay held, and `sweep`
            # gives them to the revision that cites them once the workflow's record of it is stored.
            if not_taken(exc) and not (keep_refused and isinstance(exc, Refused) and exc.code == "rejected"):
                self.let_go(campaign, no, [*fresh, *(waiting if keep_refused else [])])
            raise
        if names:  # a report without files writes nothing here (the store hears of it from the workflow)
            with self.store.session() as session:
                accept(session, campaign.campaign_id, campaign.unit_code, no, names, receipt.revision)
        return receipt


# What a refused update says when the activity surely did not take the report: it refused it, it has ended,
# or it is not there. Anything else (a time-out, a dropped connection, an unavailable server) may have
# been taken.
REFUSED_FOR_SURE = frozenset({"rejected", "closed", "not_found"})


def not_taken(exc: BaseException) -> bool:
    """True when sending the report failed with `exc` and the activity surely did not take it."""
    return isinstance(exc, Refused) and exc.code in REFUSED_FOR_SURE


HELD_GONE = (
    "tệp đã chọn ở lần gửi trước không còn được giữ (quá 1 giờ); đề nghị chọn lại tệp ở ô "
    "“Ảnh hoặc PDF minh chứng” rồi gửi"
)


def foreign_file(name: str, no: int) -> str:
    return (
        f"minh chứng “…/evidence/{name[:12]}…” không phải tệp đơn vị đã tải lên cho báo cáo hoạt động {no}; "
        "báo cáo chỉ được dẫn tệp của chính báo cáo này (tải tệp lên bằng ô “Ảnh hoặc PDF minh chứng”)"
    )


def over_quota(used: int, adding: int) -> str:
    return (
        f"đơn vị đã lưu {used / 2**20:.1f} MB minh chứng trong chiến dịch này; thêm {adding / 2**20:.1f} MB sẽ "
        f"vượt hạn mức {MAX_UNIT_BYTES // 2**20} MB. Đề nghị gửi ít tệp hơn, hoặc gửi đường dẫn tới ảnh đã lưu "
        "ở nơi khác"
    )
