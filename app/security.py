"""Password hashing and HTTP security headers."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


# Added to every response unless the view set the header itself.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", CSP),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_SECURITY_NAMES = frozenset(name.lower() for name, _ in SECURITY_HEADERS)


def add_security_headers(headers) -> None:
    """setdefault() for each of SECURITY_HEADERS, with one pass over the headers instead of two per name
    (werkzeug's Headers searches its list for every lookup, and this runs for every response)."""
    already = {name.lower() for name, _ in headers} & _SECURITY_NAMES
    headers.extend([item for item in SECURITY_HEADERS if item[0].lower() not in already])


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        add_security_headers(response.headers)
        return response
