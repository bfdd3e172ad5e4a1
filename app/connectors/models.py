"""Installed connectors (a frozen definition per company) and their instances (settings + encrypted
credentials). Prebuilt definitions live as JSON files in app/connectors/catalog/, not as rows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

SOURCES = ("catalog", "custom", "postman")


class InstalledConnector(TenantMixin, db.Model):
    __table_args__ = (UniqueConstraint("company_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(80), default="")
    name: Mapped[str] = mapped_column(String(120))
    # A frozen copy: updating the catalog never changes a company's connector until it updates it.
    definition: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(10), default="catalog")  # catalog | custom | postman
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    instances: Mapped[list[Instance]] = relationship(
        back_populates="connector", order_by="Instance.name", cascade="all, delete-orphan")

    @property
    def protocol(self) -> str | None:
        return (self.definition or {}).get("protocol")

    def __repr__(self) -> str:
        return f"<InstalledConnector {self.id} {self.key!r}>"


class Instance(TenantMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("installed_connector.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    auth_method: Mapped[str | None] = mapped_column(String(80))  # key of an auth method of the definition
    # Fernet-encrypted JSON of the auth method's secret values (app.crypto.encrypt_json).
    credentials_enc: Mapped[str | None] = mapped_column(Text)
    # Connector variables and non-secret auth values, in clear: shown again when the instance is edited.
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    timeout_seconds: Mapped[int] = mapped_column(default=30)
    retries: Mapped[int] = mapped_column(default=2)
    rate_limit_per_minute: Mapped[int | None]
    pool_size: Mapped[int | None]
    # OAuth tokens (access, refresh, expiry, scope) as encrypted JSON; the expiry in clear for display.
    oauth_token_enc: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    authorised_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    connector: Mapped[InstalledConnector] = relationship(back_populates="instances")

    @property
    def method(self) -> dict | None:
        from app.connectors.definitions import find_auth_method

        return find_auth_method(self.connector.definition or {}, self.auth_method)

    @property
    def is_authorised(self) -> bool:
        """For OAuth 2 authorisation code and three-legged OAuth 1: a token has been obtained (other types need no
        redirect)."""
        from app.connectors.auth.oauth1 import OAuth1

        method = self.method or {}
        if method.get("type") == "oauth1":
            return not OAuth1.three_legged(method) or bool(self.oauth_token_enc)
        if method.get("type") != "oauth2_authorization_code":
            return True
        return bool(self.oauth_token_enc)

    def __repr__(self) -> str:
        return f"<Instance {self.id} {self.name!r}>"
