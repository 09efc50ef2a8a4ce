"""With PAYLOAD_KEYS, histories on the server hold no name or address in clear text, and signed-in
staff read them through the codec endpoint the Temporal UI uses; large payloads are compressed."""

from __future__ import annotations

import base64
import json
import os
import uuid

import pytest
import pytest_asyncio

from access.payloads import COMPRESS_FROM, CampaignCodec, PayloadKeyError, parse_keys
from harness.temporal import time_skipping_env
from store.users import add_user
from tests.office_env import PASSWORD, sign_in
from tests.portal_env import running_campaign
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id

KEYS = f"k2:{base64.b64encode(os.urandom(32)).decode()},k1:{base64.b64encode(os.urandom(32)).decode()}"
UI = "http://localhost:8233"
SUBMITTER = "Nguyễn Thị Thu Hà"


@pytest_asyncio.fixture(loop_scope="session")
async def env():
    env = await time_skipping_env(payload_keys=KEYS)
    yield env
    await env.shutdown()


def payloads_of(history_json: str) -> list[dict]:
    """Every payload object in a history as JSON (anything with `metadata` and `data`)."""
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "metadata" in node and "data" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(history_json))
    return found


async def test_histories_hold_no_clear_personal_data_and_staff_decode_them(env, directory, tmp_path) -> None:
    cid = f"codec-{uuid.uuid4().hex[:6]}"
    async with running_campaign(env, directory, tmp_path, cid, payload_keys=KEYS, temporal_ui_url=UI) as setup:
        with setup.store.session() as session:
            add_user(session, "vp", "office", PASSWORD)
        await setup.after_event(1)
        first = env.client.get_workflow_handle(activity_workflow_id(cid, 1))
        await first.execute_update(
            CampaignActivityWorkflow.submit_report,
            {"unit": "so-vhtt", "summary": "Ra quân", "participants": 50, "submitted_by": SUBMITTER},
        )
        texts = [
            (await env.client.get_workflow_handle(wid).fetch_history()).to_json()
            for wid in (campaign_workflow_id(cid), activity_workflow_id(cid, 1))
        ]
        for text in texts:
            for clear in ("@example.org", SUBMITTER, "Đoàn Sở Văn hóa"):
                assert clear not in text
        encrypted = [p for p in payloads_of(texts[0]) if p["metadata"].get("encoding") == "YmluYXJ5L2VuY3J5cHRlZA=="]
        assert encrypted, "the campaign's input is encrypted"

        http = setup.http()
        body = {"payloads": encrypted[:1]}
        refused = await http.post("/codec/decode", json=body, headers={"Origin": UI})
        assert refused.status_code == 401  # strangers decode nothing
        assert (await sign_in(http, "vp", PASSWORD)).status_code == 303
        answer = await http.post("/codec/decode", json=body, headers={"Origin": UI})
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == UI
        decoded = base64.b64decode(answer.json()["payloads"][0]["data"]).decode()
        assert "vanphong@example.org" in decoded  # the campaign's input: the directory, readable again
        preflight = await http.options("/codec/decode", headers={"Origin": UI})
        assert preflight.headers["access-control-allow-credentials"] == "true"
        foreign = await http.post("/codec/decode", json=body, headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in foreign.headers  # a browser on another site cannot read it
        broken = await http.post("/codec/decode", content=b"{not json", headers={"Origin": UI})
        assert broken.status_code == 400
        await http.aclose()

        # The `temporal` CLI: `--codec-auth "Basic base64(name:password)"` of a staff account.
        cli = setup.http()
        basic = base64.b64encode(f"vp:{PASSWORD}".encode()).decode()
        answer = await cli.post("/codec/decode", json=body, headers={"Authorization": f"Basic {basic}"})
        assert answer.status_code == 200 and b"vanphong@example.org" in base64.b64decode(
            answer.json()["payloads"][0]["data"]
        )
        for wrong in (
            base64.b64encode(b"vp:sai-mat-khau").decode(),
            "khong-phai-base64",
            base64.b64encode(b"ai:x").decode(),
        ):
            refused = await cli.post("/codec/decode", json=body, headers={"Authorization": f"Basic {wrong}"})
            assert refused.status_code == 401
        await cli.aclose()


async def test_without_keys_anyone_may_decompress_but_not_decrypt(env, directory, tmp_path) -> None:
    """Without PAYLOAD_KEYS decoding is decompressing the caller's own bytes: the dev server's UI and
    `temporal --codec-endpoint` read a large activity with no sign-in; an encrypted payload stays sealed."""
    from google.protobuf import json_format
    from temporalio.api.common.v1 import Payload
    from temporalio.api.common.v1 import Payloads as PayloadList

    cid = f"nen-{uuid.uuid4().hex[:6]}"
    async with running_campaign(env, directory, tmp_path, cid, temporal_ui_url=UI) as setup:
        http = setup.http()
        data = ("Đoàn cơ sở " * COMPRESS_FROM).encode()
        [packed] = await CampaignCodec().encode([Payload(metadata={"encoding": b"json/plain"}, data=data)])
        body = json.loads(json_format.MessageToJson(PayloadList(payloads=[packed])))
        answer = await http.post("/codec/decode", json=body, headers={"Origin": "http://127.0.0.1:8233"})
        assert answer.status_code == 200 and base64.b64decode(answer.json()["payloads"][0]["data"]) == data
        assert answer.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"  # the UI's loopback twin
        [sealed] = await CampaignCodec(parse_keys(KEYS)).encode(
            [Payload(metadata={"encoding": b"json/plain"}, data=b"1")]
        )
        body = json.loads(json_format.MessageToJson(PayloadList(payloads=[sealed])))
        assert (await http.post("/codec/decode", json=body)).status_code == 400  # no key here: nothing to read
        await http.aclose()


async def test_large_payloads_are_compressed_and_keys_rotate() -> None:
    big = "đơn vị " * COMPRESS_FROM
    from temporalio.api.common.v1 import Payload

    plain = CampaignCodec()
    [packed] = await plain.encode([Payload(metadata={"encoding": b"json/plain"}, data=big.encode())])
    assert packed.metadata["encoding"] == b"binary/zlib" and len(packed.data) < len(big) / 20
    assert (await plain.decode([packed]))[0].data == big.encode()
    small = Payload(metadata={"encoding": b"json/plain"}, data=b'"a"')
    assert (await plain.encode([small]))[0] == small  # small ones stay readable in the UI

    old_id, old_key = "k1", base64.b64encode(os.urandom(32)).decode()
    old = CampaignCodec(parse_keys(f"{old_id}:{old_key}"))
    [sealed] = await old.encode([small])
    rotated = CampaignCodec(parse_keys(f"k2:{base64.b64encode(os.urandom(32)).decode()},{old_id}:{old_key}"))
    assert (await rotated.decode([sealed]))[0] == small  # the new key encrypts, the old one still reads
    assert (await rotated.encode([small]))[0].metadata["encryption-key-id"] == b"k2"
    with pytest.raises(PayloadKeyError):
        await CampaignCodec(parse_keys(f"k3:{base64.b64encode(os.urandom(32)).decode()}")).decode([sealed])
    with pytest.raises(PayloadKeyError, match="32 byte"):
        parse_keys("k1:abc")
