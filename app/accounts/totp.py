"""TOTP (RFC 6238) helpers: secrets kept encrypted, QR codes as SVG, replay-safe checks, recovery codes."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pyotp
import segno

from app import crypto
from app.extensions import get_redis

ISSUER = "Weft"
RECOVERY_CODES = 10
# Recovery codes avoid look-alike characters (0/o, 1/l/i) because people type them from paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    return pyotp.random_base32()


def seal(secret: str) -> str:
    return crypto.encrypt(secret)


def unseal(stored: str) -> str:
    return crypto.decrypt(stored)


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline <svg> of the otpauth URI (made here from our own data, safe to mark |safe)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#212529", light="#ffffff")


def normalise(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def verify(secret: str, code: str | None, user_id: int) -> bool:
    """A current code (the previous or next 30-second step also counts), each step accepted once."""
    code = normalise(code)
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for step in (now - 1, now, now + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return _first_use(user_id, step)
    return False


_FIRST_USE = """
local last = redis.call('GET', KEYS[1])
if last and tonumber(last) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', 300)
return 1
"""


def _first_use(user_id: int, step: int) -> bool:
    """Replay guard, atomic across web processes: a step already used (or an older one) is refused."""
    return bool(get_redis().eval(_FIRST_USE, 1, f"weft:totp:last:{user_id}", step))


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def hash_recovery_code(code: str) -> str:
    return crypto.hash_token("recovery:" + normalise(code))
