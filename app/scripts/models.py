"""Custom scripts and their versions: one draft at most, one deployed at most, older ones inactive."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

LANGUAGES = {"python": "Python 3", "javascript": "JavaScript"}


class Script(TenantMixin, db.Model):
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(20), default="python")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[ScriptVersion]] = relationship(
        back_populates="script", order_by="ScriptVersion.number", cascade="all, delete-orphan")

    @property
    def draft(self) -> ScriptVersion | None:
        return next((v for v in self.versions if v.status == "draft"), None)

    @property
    def deployed(self) -> ScriptVersion | None:
        return next((v for v in self.versions if v.status == "deployed"), None)

    @property
    def latest(self) -> ScriptVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def language_label(self) -> str:
        return LANGUAGES.get(self.language, self.language)

    def __repr__(self) -> str:
        return f"<Script {self.id} {self.name!r}>"


class ScriptVersion(TenantMixin, db.Model):
    __table_args__ = (UniqueConstraint("script_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[int] = mapped_column(ForeignKey("script.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | deployed | inactive
    code: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deployed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    script: Mapped[Script] = relationship(back_populates="versions")
