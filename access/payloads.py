"""Payloads as they travel to the Temporal server and are kept in its histories.

Large payloads are compressed (a city's activity carries thousands of units: its start input, its
state across continue-as-new and its status query compress about twentyfold, far from the 2 MB
limit). With PAYLOAD_KEYS set, every payload is also encrypted with AES-GCM, the key's ID in the
payload's metadata so keys can rotate: the first key encrypts, all of them decrypt. Histories then
hold no name, address or report in clear text; the Temporal UI reads them through the codec
endpoint of the web app (`/codec/decode`). Every client, worker and replayer uses the same
converter (`data_converter`).
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
ZLIB = b"binary/zlib"
ENCRYPTED = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class PayloadKeyError(ValueError):
    """PAYLOAD_KEYS that cannot be used; the message is Vietnamese."""


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
        return [self._decode(p) for p in payloads]

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

    def _decode(self, payload: Payload) -> Payload:
        encoding = payload.metadata.get("encoding")
        if encoding == ENCRYPTED:
            key_id = payload.metadata.get(KEY_ID, b"").decode()
            if key_id not in self.keys:
                raise PayloadKeyError(f"không có khóa “{key_id}” trong PAYLOAD_KEYS để giải mã dữ liệu")
            nonce, sealed = payload.data[:12], payload.data[12:]
            payload = Payload.FromString(self.keys[key_id].decrypt(nonce, sealed, key_id.encode()))
            encoding = payload.metadata.get("encoding")
        if encoding == ZLIB:
            payload = Payload.FromString(zlib.decompress(payload.data))
        return payload


def data_converter(payload_keys: str | None = None) -> DataConverter:
    """Pydantic models as JSON, through the campaign's codec."""
    return dataclasses.replace(pydantic_data_converter, payload_codec=CampaignCodec(parse_keys(payload_keys)))
