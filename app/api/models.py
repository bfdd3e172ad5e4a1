"""Webhook and callback triggers: URLs that start a flow, authenticated by a secret signature.

The signature is stored encrypted (the user reads it back inside the URL on the trigger panel) and
compared in constant time. Schedules are not rows: they live in the flow version's definition.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import crypto
from app.extensions import db
from app.flows.models import Flow
from app.tenancy import TenantMixin
from app.timeutil import utcnow

RESPONSE_FORMATS = ("json", "xml", "text")
CONTENT_TYPES = {"json": "application/json", "xml": "application/xml; charset=utf-8",
                 "text": "text/plain; charset=utf-8"}
SIGNATURE_BYTES = 32  # token_urlsafe(32) is 43 characters


def new_signature() -> str:
    return secrets.token_urlsafe(SIGNATURE_BYTES)


def signature_matches(signature_enc: str, candidate: str | None) -> bool:
    """Does `candidate` match the signature stored encrypted as `signature_enc`? In constant time. The
    decrypted signature is remembered per process (crypto.decrypt_remembered): it is checked on every
    inbound call, and a new signature is a new ciphertext."""
    return bool(candidate) and crypto.same(crypto.decrypt_remembered(signature_enc), candidate)


class _Signed:
    """A secret signature, encrypted at rest (signature_enc); signature_matches() checks a candidate."""

    @property
    def signature(self) -> str:
        return crypto.decrypt(self.signature_enc)

    @signature.setter
    def signature(self, value: str) -> None:
        self.signature_enc = crypto.encrypt(value)


class WebhookTrigger(_Signed, TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    signature_enc: Mapped[str] = mapped_column(Text)
    response_status: Mapped[int] = mapped_column(default=200)
    response_body: Mapped[str | None] = mapped_column(Text)  # None: the default answer
    response_format: Mapped[str] = mapped_column(String(10), default="json")  # json | xml | text
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    flow: Mapped[Flow] = relationship()

    @property
    def is_customised(self) -> bool:
        return self.response_status != 200 or self.response_body is not None or self.response_format != "json"

    def __repr__(self) -> str:
        return f"<WebhookTrigger {self.id} flow={self.flow_id}>"


class CallbackTrigger(_Signed, TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    signature_enc: Mapped[str] = mapped_column(Text)
    response_format: Mapped[str] = mapped_column(String(10), default="json")  # json | xml | text
    timeout_seconds: Mapped[int] = mapped_column(default=30)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    flow: Mapped[Flow] = relationship()

    def __repr__(self) -> str:
        return f"<CallbackTrigger {self.id} flow={self.flow_id}>"
