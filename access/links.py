"""A unit's personal link: a signed token naming one unit in one campaign.

PyJWT (HS256 with PORTAL_SECRET) signs it; it carries the campaign, the unit, the
link version (bumped in the store to revoke every earlier link) and an expiry a
settable number of days after the campaign's window ends. The same unit, campaign
and version always give the same link, so every notice carries one link.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
AUDIENCE = "unit-portal"
WEAK_SECRETS = frozenset({"", "changeme", "change-me", "secret", "demo", "portal-secret"})
MIN_SECRET_CHARS = 32
MIN_SECRET_BITS = 80  # estimated: 32 random hex digits give 100–125, `openssl rand -base64 48` about 300
MIN_SECRET_SYMBOLS = 10  # different characters


class LinkError(Exception):
    """A link that cannot be used; `reason` is one of forged, expired, malformed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class UnitLink:
    campaign_id: str
    unit: str
    version: int
    token_id: str  # recorded as the actor in the audit trail
    expires: datetime


def token_id(campaign_id: str, unit: str, version: int) -> str:
    return hashlib.sha256(f"{campaign_id}/{unit}/{version}".encode()).hexdigest()[:16]


def expiry(campaign_end: datetime, days_after: int) -> datetime:
    """`days_after` days after the campaign ends (wall time), to the second."""
    return (campaign_end + timedelta(days=days_after)).replace(microsecond=0)


def mint(secret: str, campaign_id: str, unit: str, version: int, expires: datetime) -> str:
    claims = {
        "cid": campaign_id,
        "sub": unit,
        "ver": version,
        "jti": token_id(campaign_id, unit, version),
        "aud": AUDIENCE,
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read(secret: str, token: str, now: datetime | None = None) -> UnitLink:
    """The link's claims when its signature holds and it has not expired (revocation is the store's)."""
    if len(token) > 1000:
        raise LinkError("malformed")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["cid", "sub", "ver", "jti", "exp", "aud"], "verify_exp": False},
        )
    except jwt.InvalidSignatureError:
        raise LinkError("forged") from None
    except jwt.PyJWTError:
        raise LinkError("malformed") from None
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    if (now or datetime.now(UTC)) >= expires:
        raise LinkError("expired")
    campaign, unit, version = str(claims["cid"]), str(claims["sub"]), int(claims["ver"])
    if claims["jti"] != token_id(campaign, unit, version):
        raise LinkError("forged")
    return UnitLink(campaign_id=campaign, unit=unit, version=version, token_id=str(claims["jti"]), expires=expires)


def link_url(portal_url: str, token: str) -> str:
    return f"{portal_url.rstrip('/')}/u/{token}"


def secret_problem(secret: str | None) -> str | None:
    """Why PORTAL_SECRET cannot sign links, or None."""
    if not secret:
        return "chưa đặt PORTAL_SECRET (chuỗi bí mật ngẫu nhiên, ít nhất 32 ký tự)"
    if secret.strip().lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_CHARS:
        return f"PORTAL_SECRET quá yếu hoặc là giá trị mặc định (cần ít nhất {MIN_SECRET_CHARS} ký tự ngẫu nhiên)"
    if len(set(secret)) < MIN_SECRET_SYMBOLS or estimated_bits(secret) < MIN_SECRET_BITS:
        return ("PORTAL_SECRET lặp lại quá nhiều, không đủ ngẫu nhiên "
                "(tạo chuỗi mới, ví dụ: openssl rand -base64 48)")  # fmt: skip
    return None


def estimated_bits(secret: str) -> float:
    """The secret's length times the Shannon entropy of its characters: a repeated or patterned string
    scores low; a random one about its real strength (an estimate, not a proof)."""
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return per_char * len(secret)
