"""Companies: a partner company links child companies that its team manages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Company(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    is_partner: Mapped[bool] = mapped_column(default=False)
    tier: Mapped[str] = mapped_column(String(30), default="trial")
    banner: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Company | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Company]] = relationship(back_populates="parent", order_by="Company.name")

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name!r}>"
