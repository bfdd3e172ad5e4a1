"""Makers for the lookups room's tenant models."""
from __future__ import annotations

from app.lookups import services
from app.lookups.models import LookupRow, LookupTable


def make_table(company):
    return services.create_table(company, "Months")


MAKERS = {LookupTable: make_table, LookupRow: lambda c: services.add_row(make_table(c), "January", "Jan")}
