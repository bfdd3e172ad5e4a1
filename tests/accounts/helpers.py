"""Helpers for the accounts tests: mail links, reloading rows, enrolling 2FA through the pages."""
from __future__ import annotations

import email
import re
import time
from email import policy
from pathlib import Path

import pyotp

from app.accounts.models import User
from app.extensions import db


def totp_code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset)


def enrol(client) -> tuple[str, list[str]]:
    """Through the pages, as a person does: start, read the key, confirm with a code; returns key and codes."""
    assert client.post("/account/two-factor/start").status_code == 303
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code, drawn on the server
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = client.post("/account/two-factor/confirm", data={"code": totp_code(secret)})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Two-factor authentication is on." in body and "I have copied my codes" in body
    assert response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r'class="weft-recovery-code">([a-z0-9-]+)<', body)
    assert len(codes) == 10
    return secret, codes


def link_in(text: str) -> str:
    """The set-password path from a mail body."""
    return re.search(r"http://localhost(/password/[A-Za-z0-9_\-]+)", text).group(1)


def eml_messages(app) -> list:
    folder = Path(app.config["INSTANCE_PATH"]) / "mail"
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def reload(app, model, ident):
    with app.app_context():
        return db.session.get(model, ident)


def get_user(app, user_id) -> User:
    return reload(app, User, user_id)
