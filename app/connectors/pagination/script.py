"""Script pagination: a custom script decides the next request. Scripts are not available yet."""
from __future__ import annotations

from app.connectors.auth.base import Field
from app.connectors.pagination.base import PageStep, Pagination, PaginationError

UNAVAILABLE = ("Scripts are not available yet: this endpoint paginates with the script '{name}'. "
               "Choose another pagination method, or wait for custom scripts.")


class ScriptPagination(Pagination):
    type = "script"
    label = "Script"
    fields = [Field("script", "Script", "The deployed script that returns the next request", required=True)]

    def first(self, s: dict, state: dict) -> PageStep:
        raise PaginationError(UNAVAILABLE.format(name=s.get("script") or "unnamed"))
