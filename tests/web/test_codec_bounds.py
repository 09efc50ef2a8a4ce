"""The payload codec's bounds (issue 25): what it inflates is measured first, a bad or tampered payload
is named, and its endpoint answers 400."""

from __future__ import annotations

import base64
import os
import tracemalloc
import zlib

import pytest
from temporalio.api.common.v1 import Payload

from access.payloads import MAX_DECODED_BYTES, CampaignCodec, PayloadError, parse_keys
from tests.doors_env import Doors, MiB
from tests.office_env import PASSWORD, sign_in


def zlib_payload(data: bytes) -> Payload:
    inner = Payload(metadata={"encoding": b"json/plain"}, data=data)
    return Payload(metadata={"encoding": b"binary/zlib"}, data=zlib.compress(inner.SerializeToString(), 9))


async def test_the_codec_bounds_what_it_inflates_and_names_a_bad_payload() -> None:
    codec = CampaignCodec()
    fine = zlib_payload(b'"a"' * 1000)
    bomb = zlib_payload(b"0" * (MAX_DECODED_BYTES + MiB))
    tracemalloc.start()
    with pytest.raises(PayloadError, match="dữ liệu thứ 2: giải nén vượt quá 32 MB"):
        await codec.decode([fine, bomb])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * MiB  # measured before it is inflated: a bomb costs nothing, whether 33 MB or 3 GB
    many = [zlib_payload(b"0" * (MAX_DECODED_BYTES // 4)) for _ in range(5)]  # the bound is per call
    with pytest.raises(PayloadError, match="dữ liệu thứ 4"):
        await codec.decode(many)
    broken = Payload(metadata={"encoding": b"binary/zlib"}, data=b"not zlib at all")
    with pytest.raises(PayloadError, match="dữ liệu thứ 1: dữ liệu nén hoặc cấu trúc bị hỏng"):
        await codec.decode([broken])
    key = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    sealing = CampaignCodec(parse_keys(key))
    [sealed] = await sealing.encode([fine])
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(PayloadError, match="sai khóa hoặc dữ liệu đã bị sửa"):
        await sealing.decode([tampered])
    assert (await sealing.decode([sealed]))[0] == Payload(metadata={"encoding": b"json/plain"}, data=b'"a"' * 1000)


async def test_the_codec_endpoint_answers_a_bad_payload_400(tmp_path) -> None:
    from google.protobuf import json_format
    from temporalio.api.common.v1 import Payloads

    key = f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    doors = Doors(tmp_path, payload_keys=key)
    [sealed] = await CampaignCodec(parse_keys(key)).encode([Payload(metadata={"encoding": b"json/plain"}, data=b"1")])
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))

    def body(*payloads: Payload) -> str:
        return json_format.MessageToJson(Payloads(payloads=list(payloads)))

    async with doors.http() as http:
        await sign_in(http, "btv", PASSWORD)
        answers = [
            await http.post("/codec/decode", content=body(zlib_payload(b"0" * (MAX_DECODED_BYTES + MiB)))),
            await http.post("/codec/decode", content=body(tampered)),
            await http.post("/codec/decode", content=body(Payload(metadata={"encoding": b"binary/zlib"}, data=b"?"))),
            await http.post("/codec/decode", content=b"{not json"),
            await http.post("/codec/decode", content=body(sealed)),
        ]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 200]
    assert [a.json()["code"] for a in answers[:4]] == ["bad_payload"] * 3 + ["invalid"]
    assert "dữ liệu thứ 1" in answers[0].json()["message"]
