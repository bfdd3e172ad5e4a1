"""The credential vault: Fernet encryption of secrets at rest, keyed from the app's secret key.

Credentials, webhook signatures, TOTP secrets and API keys go through encrypt()/decrypt(); a value
encrypted here is unreadable without WEFT_SECRET_KEY.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


class VaultError(ValueError):
    pass


def _fernet(secret_key: str | None = None) -> Fernet:
    secret = secret_key or current_app.config["SECRET_KEY"]
    # A separate derived key, so the session-signing key is never used directly for encryption.
    digest = hashlib.sha256(b"weft-vault-v1:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plaintext: str, secret_key: str | None = None) -> str:
    return _fernet(secret_key).encrypt(plaintext.encode()).decode()


def decrypt(token: str, secret_key: str | None = None) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise VaultError("stored secret cannot be decrypted: was WEFT_SECRET_KEY changed?") from exc


@lru_cache(maxsize=4096)
def _decrypt_remembered(token: str, secret_key: str) -> str:
    return decrypt(token, secret_key)


def decrypt_remembered(token: str) -> str:
    """decrypt(), remembered in this process for up to 4096 tokens: for a secret checked on every request
    (webhook and callback signatures), where Fernet would cost more than the rest of the lookup. Safe to
    remember because a token never changes meaning: a new secret is a new token. A token that cannot be
    decrypted is not remembered (it raises every time)."""
    return _decrypt_remembered(token, current_app.config["SECRET_KEY"])


def encrypt_json(value: Any, secret_key: str | None = None) -> str:
    return encrypt(json.dumps(value, separators=(",", ":")), secret_key)


def decrypt_json(token: str | None, secret_key: str | None = None) -> Any:
    return json.loads(decrypt(token, secret_key)) if token else {}


def hash_token(token: str, secret_key: str | None = None) -> str:
    """Keyed hash for secrets that are only ever compared (API keys, recovery codes)."""
    secret = (secret_key or current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
