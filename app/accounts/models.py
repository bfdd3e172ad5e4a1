"""Users (one company, one role each), their recovery codes and their single-use password links."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.companies.models import Company
from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow


class User(TenantMixin, UserMixin, db.Model):
    __table_args__ = (
        # Unique among accounts that are not deleted, across companies: sign-in starts from the email alone.
        # A deleted account keeps its email (its company can restore it) without blocking the address for
        # a new account elsewhere.
        Index("uq_user_email_live", "email", unique=True, sqlite_where=text("deleted_at IS NULL"),
              postgresql_where=text("deleted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="user")
    # False until a password is set (invited or restored accounts) and after deletion.
    active: Mapped[bool] = mapped_column(default=True)
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of the session id: bumping it signs the account out everywhere (password change, deletion).
    session_epoch: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Fernet-encrypted TOTP secret; enrolment is finished when totp_enabled_at is set.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(10))

    company: Mapped[Company] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active and self.deleted_at is None

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def status(self) -> str:
        """deleted, pending (no password yet: invited or restored), active or inactive."""
        if self.deleted_at is not None:
            return "deleted"
        if self.password_hash is None:
            return "pending"
        return "active" if self.active else "inactive"

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RecoveryCode(TenantMixin, db.Model):
    """One 2FA recovery code, stored as a keyed hash; used_at makes it single-use."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class PasswordToken(TenantMixin, db.Model):
    """A set-password link (invitation or reset): only its hash is stored; single-use, 24 hours."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # invite | reset
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
