"""Known-compromised passwords, asked of a Pwned Passwords range API with k-anonymity.

Only the first five hex characters of the password's SHA-1 leave the server; the answer lists every
known suffix under that prefix and the match is made here. When the service cannot be reached the
check is skipped (and a warning logged) so that nobody is locked out of setting a password.
"""
from __future__ import annotations

import hashlib
import logging

import httpx
from flask import current_app

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3.0


def sha1_parts(password: str) -> tuple[str, str]:
    digest = hashlib.sha1(password.encode("utf-8")).hexdigest().upper()  # noqa: S324 (the protocol's hash)
    return digest[:5], digest[5:]


def is_compromised(password: str) -> bool | None:
    """True or False from the range API; None when the check is switched off or failed."""
    base = (current_app.config.get("PWNED_RANGE_URL") or "").strip()
    if not base:
        return None
    prefix, suffix = sha1_parts(password)
    url = base.rstrip("/") + "/" + prefix
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS, headers={"Add-Padding": "true",
                                                                    "User-Agent": "Weft password check"})
        response.raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("password breach check skipped: %s unreachable (%s)", base, exc.__class__.__name__)
        return None
    for line in response.text.splitlines():
        candidate, _, count = line.strip().partition(":")
        # Padding lines carry a count of 0 and are not real matches.
        if candidate.upper() == suffix and count.strip() not in ("", "0"):
            return True
    return False
