"""An operator following the README: `units link` takes a unit as other commands do (code or name,
closest names when unknown), and a command whose campaign no worker runs says which task queue
has no worker instead of timing out or hanging."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from temporalio.client import Client

from access.links import read
from harness.dev_server import dev_server
from harness.paths import ROOT, UNITS
from service.directory import DirectoryInUse
from store.database import Store, upgrade
from store.directory import edit_unit, read_directory
from store.schema import Assignment, Campaign


def starter(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "starter.py", *args], cwd=ROOT, env={**env, "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


def recorded_campaign(database: str, campaign_id: str, units: dict[str, str]) -> None:
    """The campaign as the worker records it: its row and its units' assignments."""
    upgrade(database)
    with Store(database).session() as session:
        session.add(Campaign(id=campaign_id, workflow_id=f"campaign/{campaign_id}", plan_code="9-KH/ĐTN",
                             title="Kế hoạch thử", issued_on=None, window_start=date(2023, 5, 1),
                             window_end=date(2023, 5, 31), recipients=[], started_at=datetime.now(UTC)))  # fmt: skip
        session.flush()
        for code, name in units.items():
            session.add(Assignment(campaign_id=campaign_id, activity_no=1, unit_code=code, unit_name=name,
                                   role="lead", outcome=None, escalation_level=0))  # fmt: skip


def test_units_link_takes_a_name_and_refuses_an_unknown_unit(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'campaign.db'}"
    recorded_campaign(
        database, "thu-lien-ket", {"so-vhtt": "Đoàn Sở Văn hóa và Thể thao", "bhxh": "Đoàn Bảo hiểm xã hội"}
    )
    secret = secrets.token_urlsafe(32)
    env = {**os.environ, "DATABASE_URL": database, "PORTAL_SECRET": secret, "PORTAL_URL": "http://portal.example"}
    env.pop("UNITS_FILE", None)

    by_code = starter("units", "link", "--campaign", "thu-lien-ket", "--unit", "so-vhtt", env=env)
    by_name = starter("units", "link", "--campaign", "thu-lien-ket", "--unit", "Doan So Van hoa va The thao", env=env)
    assert by_code.returncode == 0 and by_code.stdout.startswith("http://portal.example/u/"), by_code.stderr
    assert by_name.returncode == 0, by_name.stderr
    for result in (by_code, by_name):
        link = read(secret, result.stdout.strip().rsplit("/", 1)[-1])
        assert (link.campaign_id, link.unit) == ("thu-lien-ket", "so-vhtt")

    typo = starter("units", "link", "--campaign", "thu-lien-ket", "--unit", "Doan So Van hoa va The thoa", env=env)
    assert typo.returncode == 2 and typo.stdout == ""
    assert "Đoàn Sở Văn hóa và Thể thao" in typo.stderr  # the closest name, to copy

    unknown = starter("units", "link", "--campaign", "thu-lien-ket", "--unit", "khong-co-dau", env=env)
    assert unknown.returncode == 2 and unknown.stdout == "" and "khong-co-dau" in unknown.stderr

    elsewhere = starter("units", "link", "--campaign", "thu-lien-ket", "--unit", "ldld", env=env)  # in the directory
    assert elsewhere.returncode == 2 and "không có hoạt động nào trong chiến dịch thu-lien-ket" in elsewhere.stderr

    revoked = starter("units", "revoke-links", "--campaign", "thu-lien-ket", "--unit", "Đoàn BHXH", env=env)
    assert revoked.returncode == 0 and "bhxh" in revoked.stdout, revoked.stderr
    assert "Traceback" not in typo.stderr + unknown.stderr + elsewhere.stderr


def test_the_shell_reads_the_directory_the_office_keeps(tmp_path: Path) -> None:
    """A unit renamed on the office's directory page is found by its new name from the shell too (the
    directory in use is the store's, seeded from UNITS_FILE); --units still reads a file instead."""
    database = f"sqlite:///{tmp_path / 'campaign.db'}"
    recorded_campaign(database, "thu-danh-ba", {"bhxh": "Đoàn Bảo hiểm xã hội"})
    store = Store(database)
    DirectoryInUse(store, UNITS).active()  # the office's first page seeds the store from UNITS_FILE
    with store.session() as session:
        unit = read_directory(session).everyone["bhxh"]  # type: ignore[union-attr]
        edit_unit(session, unit.model_copy(update={"name": "Đoàn Cơ quan An sinh"}), "vp")
    secret = secrets.token_urlsafe(32)
    env = {**os.environ, "DATABASE_URL": database, "PORTAL_SECRET": secret, "PORTAL_URL": "http://portal.example",
           "UNITS_FILE": str(UNITS)}  # fmt: skip

    renamed = starter("units", "link", "--campaign", "thu-danh-ba", "--unit", "Doan Co quan An sinh", env=env)
    from_file = starter("units", "link", "--campaign", "thu-danh-ba", "--unit", "Doan Co quan An sinh",
                        "--units", str(UNITS), env=env)  # fmt: skip
    assert renamed.returncode == 0, renamed.stderr
    assert read(secret, renamed.stdout.strip().rsplit("/", 1)[-1]).unit == "bhxh"
    assert from_file.returncode == 2 and from_file.stdout == ""  # the file has the old name only


def test_a_command_says_which_task_queue_has_no_worker(tmp_path: Path) -> None:
    """The demo's worker used to poll `campaign-demo` while the CLI started on `campaign`: `status`
    timed out and `cancel` hung. Now every door uses one default queue, and a campaign on a queue
    nobody polls is named at once."""
    from settings import Settings

    assert Settings(_env_file=None).temporal_task_queue == "campaign"
    env = {k: v for k, v in os.environ.items() if k not in ("TEMPORAL_TASK_QUEUE", "PAYLOAD_KEYS")}
    with dev_server(tmp_path, env) as address:

        async def orphan() -> None:
            client = await Client.connect(address)
            await client.start_workflow("CampaignWorkflow", id="campaign/mo-coi", task_queue="campaign-demo")

        asyncio.run(orphan())
        env["TEMPORAL_ADDRESS"] = address
        for command in (["status", "--campaign", "mo-coi"], ["status", "--campaign", "mo-coi", "--activity", "1"],
                        ["cancel", "--campaign", "mo-coi", "--reason", "Thử"]):  # fmt: skip
            result = starter(*command, env=env, timeout=45)
            assert result.returncode == 1, (command, result.stdout, result.stderr)
            assert "không có worker nào nhận việc trên hàng đợi “campaign-demo”" in result.stderr, result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
