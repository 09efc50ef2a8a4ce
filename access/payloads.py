"""Payloads as they travel to the Temporal server and are kept in its histories.

Large payloads are compressed (a city's activity carries thousands of units: its start input, its
state across continue-as-new and its status query compress about twentyfold, far from the 2 MB
limit). With PAYLOAD_KEYS set, every payload is also encrypted with AES-GCM, the key's ID in the
payload's metadata so keys can rotate: the first key encrypts, all of them decrypt. Histories then
hold no name, address or report in clear text; the Temporal UI reads them through the codec
endpoint of the web app (`/codec/decode`). Every client, worker and replayer uses the same
converter (`data_converter`).

Decoding is bounded: one call inflates at most MAX_DECODED_BYTES in all (a zlib bomb stops there), and
a payload that cannot be decrypted, inflated or parsed is a PayloadError naming it, for the worker and
the codec endpoint alike.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import zlib
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

COMPRESS_FROM = 16 * 1024  # bytes; smaller payloads stay readable in the UI without the codec
# At most this much inflated by one decode call: 16 times Temporal's 2 MB payload limit, far above
# what a campaign of a city's thousands of units carries (a few MB), far below what hurts a worker.
MAX_DECODED_BYTES = 32 * 1024 * 1024
INFLATE_STEP = 1024 * 1024
ZLIB = b"binary/zlib"
ENCRYPTED = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class PayloadKeyError(ValueError):
    """PAYLOAD_KEYS that cannot be used; the message is Vietnamese."""


class PayloadError(ValueError):
    """A payload that cannot be decoded (tampered, wrong key, bad zlib data, over the size bound);
    the message is Vietnamese and names the payload by its place in the call (1-based)."""


def parse_keys(text: str | None) -> dict[str, bytes]:
    """`id:base64key,id2:base64key` (32-byte keys, AES-256) → {id: key}, in order (the first encrypts)."""
    keys: dict[str, bytes] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key_id, _, encoded = part.strip().partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            key = b""
        if not key_id or len(key) != 32:
            raise PayloadKeyError(
                f"PAYLOAD_KEYS: khóa “{key_id or part.strip()[:10]}” phải có dạng mã:base64 của đúng 32 byte "
                '(tạo bằng: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())")'
            )
        if key_id in keys:
            raise PayloadKeyError(f"PAYLOAD_KEYS: mã khóa “{key_id}” bị trùng")
        keys[key_id] = key
    return keys


class CampaignCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes] | None = None) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.keys = {key_id: AESGCM(key) for key_id, key in (keys or {}).items()}
        self.active = next(iter(self.keys), None)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encode(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        budget = [MAX_DECODED_BYTES]
        return [self._decode(p, n, budget) for n, p in enumerate(payloads, start=1)]

    def _encode(self, payload: Payload) -> Payload:
        data = payload.SerializeToString()
        if len(data) >= COMPRESS_FROM:
            payload = Payload(metadata={"encoding": ZLIB}, data=zlib.compress(data, 6))
            data = payload.SerializeToString()
        if self.active is None:
            return payload
        nonce = os.urandom(12)
        sealed = self.keys[self.active].encrypt(nonce, data, self.active.encode())
        return Payload(metadata={"encoding": ENCRYPTED, KEY_ID: self.active.encode()}, data=nonce + sealed)

    def _decode(self, payload: Payload, n: int, budget: list[int]) -> Payload:
        from cryptography.exceptions import InvalidTag
        from google.protobuf.message import DecodeError

        encoding = payload.metadata.get("encoding")
        try:
            if encoding == ENCRYPTED:
                key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
                if key_id not in self.keys:
                    raise PayloadKeyError(
                        f"dữ liệu thứ {n}: không có khóa “{key_id[:40]}” trong PAYLOAD_KEYS để giải mã dữ liệu"
                    )
                nonce, sealed = payload.data[:12], payload.data[12:]
                payload = Payload.FromString(self.keys[key_id].decrypt(nonce, sealed, key_id.encode()))
                encoding = payload.metadata.get("encoding")
            if encoding == ZLIB:
                payload = Payload.FromString(_inflate(payload.data, budget))
        except InvalidTag:
            raise PayloadError(f"dữ liệu thứ {n}: không giải mã được (sai khóa hoặc dữ liệu đã bị sửa)") from None
        except (zlib.error, DecodeError):
            raise PayloadError(f"dữ liệu thứ {n}: dữ liệu nén hoặc cấu trúc bị hỏng") from None
        except PayloadError as exc:
            raise PayloadError(f"dữ liệu thứ {n}: {exc}") from None
        return payload


def _inflate(data: bytes, budget: list[int]) -> bytes:
    """zlib data inflated when it fits what is left of the call's budget (taken from it), else PayloadError.

    Its size is measured first, 1 MB at a time with the output dropped, so a bomb costs no memory."""
    measure, size, rest = zlib.decompressobj(), 0, data
    while rest and not measure.eof:
        size += len(measure.decompress(rest, INFLATE_STEP))
        if size > budget[0]:
            raise PayloadError(f"giải nén vượt quá {MAX_DECODED_BYTES // 2**20} MB")
        rest = measure.unconsumed_tail
    if not measure.eof:
        raise zlib.error("incomplete zlib data")
    budget[0] -= size
    return zlib.decompress(data)


def data_converter(payload_keys: str | None = None) -> DataConverter:
    """Pydantic models as JSON, through the campaign's codec."""
    return dataclasses.replace(pydantic_data_converter, payload_codec=CampaignCodec(parse_keys(payload_keys)))
