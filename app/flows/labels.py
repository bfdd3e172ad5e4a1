"""Labels: the company's shared pool (name up to 20 characters and a colour), attached to flows."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from app.extensions import db
from app.flows.models import Flow, Label
from app.tenancy import current_company_id, scoped

NAME_MAX = 20
# Readable on white with white text; the picker offers these rather than any colour.
COLOURS = {
    "#0d6efd": _l("Blue"), "#6610f2": _l("Indigo"), "#6f42c1": _l("Purple"), "#d63384": _l("Pink"),
    "#dc3545": _l("Red"), "#fd7e14": _l("Orange"), "#b58105": _l("Amber"), "#198754": _l("Green"),
    "#20c997": _l("Teal"), "#0aa2c0": _l("Cyan"), "#6c757d": _l("Grey"), "#212529": _l("Black"),
}
DEFAULT_LABELS = (("production", "#198754"), ("staging", "#fd7e14"))


class LabelError(ValueError):
    """A label change was refused; the message is meant for the user."""


def all_labels() -> list[Label]:
    return list(db.session.execute(scoped(Label).order_by(Label.name)).scalars())


def ensure_defaults(company_id: int) -> None:
    """Every company starts with `production` and `staging` (created the first time labels are listed)."""
    exists = db.session.execute(scoped(Label).with_only_columns(func.count())).scalar_one()
    if not exists:
        for name, colour in DEFAULT_LABELS:
            db.session.add(Label(company_id=company_id, name=name, colour=colour))
        db.session.commit()


def _clean(name: str, colour: str, *, except_id: int | None = None) -> tuple[str, str]:
    name = (name or "").strip()
    if not name:
        raise LabelError("Give the label a name.")
    if len(name) > NAME_MAX:
        raise LabelError(f"A label name can be at most {NAME_MAX} characters.")
    if colour not in COLOURS:
        raise LabelError("Choose one of the colours.")
    query = scoped(Label).where(func.lower(Label.name) == name.lower())
    if except_id is not None:
        query = query.where(Label.id != except_id)
    if db.session.execute(query).first() is not None:
        raise LabelError(f"There is already a label called “{name}”.")
    return name, colour


def create(name: str, colour: str) -> Label:
    name, colour = _clean(name, colour)
    label = Label(company_id=current_company_id(), name=name, colour=colour)
    db.session.add(label)
    db.session.commit()
    return label


def update(label: Label, name: str, colour: str) -> Label:
    """Renaming or recolouring shows on every flow that carries the label."""
    label.name, label.colour = _clean(name, colour, except_id=label.id)
    db.session.commit()
    return label


def delete(label: Label) -> None:
    """Deleting a label takes it off every flow."""
    db.session.delete(label)
    db.session.commit()


def assign(flow: Flow, label_ids: list[int]) -> Flow:
    ids = {int(i) for i in label_ids or []}
    chosen = list(db.session.execute(scoped(Label).where(Label.id.in_(ids))).scalars()) if ids else []
    if len(chosen) != len(ids):
        raise LabelError("One of the chosen labels no longer exists; choose again.")
    flow.labels = sorted(chosen, key=lambda label: label.name.lower())
    db.session.commit()
    return flow
