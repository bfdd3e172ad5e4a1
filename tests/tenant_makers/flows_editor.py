"""Makers for the flow editor: labels and the draft undo stack."""
from __future__ import annotations

from app.extensions import db
from app.flows.models import DraftChange, Label
from tests import factories


def make_label(company):
    row = Label(company_id=company.id, name="production", colour="#198754")
    db.session.add(row)
    db.session.commit()
    return row


def make_draft_change(company):
    flow = factories.flow(company)
    row = DraftChange(company_id=company.id, version_id=flow.draft.id, label="add Map", definition={"steps": []})
    db.session.add(row)
    db.session.commit()
    return row


MAKERS = {
    Label: make_label,
    DraftChange: make_draft_change,
}
