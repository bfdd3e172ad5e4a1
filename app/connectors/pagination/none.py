"""No pagination: one request, one payload."""
from __future__ import annotations

from app.connectors.pagination.base import Pagination


class NoPagination(Pagination):
    type = "none"
    label = "None"
