"""Makers for the lookups room's tenant models."""
from __future__ import annotations

import itertools

from app.lookups import services
from app.lookups.models import LookupRow, LookupTable

_seq = itertools.count(1)


def make_table(company):
    # A fresh name per call: the isolation tests make every model in one company.
    return services.create_table(company, f"Months {next(_seq)}")


MAKERS = {LookupTable: make_table, LookupRow: lambda c: services.add_row(make_table(c), "January", "Jan")}
