"""Files held for a report nobody heard answered (store.evidence.sweep): once their hour is up, a file
the stored report cites belongs to that revision; one no revision cites goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from harness.temporal import migrated_store
from store.evidence import HELD_FOR, Upload, hold, sweep
from store.schema import EvidenceFile, UnitReport

CITED, LOST = "a" * 64 + ".png", "b" * 64 + ".pdf"
AT = datetime(2024, 3, 5, 12, tzinfo=UTC)


def test_a_held_file_the_stored_report_cites_is_given_to_its_revision_and_an_uncited_one_goes(tmp_path) -> None:
    store = migrated_store(f"sqlite:///{tmp_path / 's.db'}")
    with store.session() as session:
        hold(session, "c", "so-vhtt", 1, [Upload(CITED, "ảnh.png", 10), Upload(LOST, "biên bản.pdf", 20)], now=AT)
        hold(session, "c", "bhxh", 1, [Upload(CITED, "ảnh.png", 10)], now=AT)  # another unit's copy: not cited
        session.add(
            UnitReport(campaign_id="c", activity_no=1, unit_code="so-vhtt", revision=1, summary="Ra quân",
                       participants=3, evidence=["https://drive.example/x", f"https://portal.example/evidence/{CITED}"],
                       submitted_by="Lan", submitted_at=AT, on_time=True)
        )  # fmt: skip
    with store.session() as session:
        early = sweep(session, now=AT + HELD_FOR - timedelta(minutes=1))
    with store.session() as session:
        gone = sweep(session, now=AT + HELD_FOR + timedelta(minutes=1))
    with store.session() as session:
        rows = {(r.unit_code, r.name): r.revision for r in session.scalars(select(EvidenceFile))}
    assert early == []  # within the hour nothing is touched
    assert rows == {("so-vhtt", CITED): 1}
    assert gone == [LOST]  # the cited file is still another row's: not deleted from disk
