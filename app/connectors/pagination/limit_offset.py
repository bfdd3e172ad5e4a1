"""Limit-offset: `?limit=100&offset=0`, then offset 100, 200 ... until the total is reached, has-more is
false or a page is empty. NetSuite REST: limit/offset with `totalResults` and `hasMore`."""
from __future__ import annotations

from app.connectors.auth.base import Field
from app.connectors.pagination.base import (
    ALLOW_EMPTY,
    DATA_PATH,
    MAX_PAGES,
    MISSING,
    PageResult,
    PageStep,
    Pagination,
    at,
    count,
    empty_page,
    integer,
    number_at,
    records,
)


class LimitOffset(Pagination):
    type = "limit_offset"
    label = "Limit-offset"
    fields = [
        Field("limit_param", "Limit parameter name", default="limit"),
        Field("offset_param", "Offset parameter name", default="offset"),
        Field("limit", "Limit", "Records per page", required=True),
        Field("start_offset", "First offset", default=0),
        Field("count_path", "Count parameter path", "Records on this page, e.g. meta.count"),
        Field("total_path", "Total parameter path", "All records, e.g. meta.total or totalResults"),
        Field("has_more_path", "Has-more path", "A boolean that is false on the last page, e.g. hasMore"),
        DATA_PATH, ALLOW_EMPTY, MAX_PAGES,
    ]

    def _step(self, s: dict, offset: int) -> PageStep:
        limit = integer(s, "limit", None)
        params = {s.get("offset_param") or "offset": str(offset)}
        if limit:
            params[s.get("limit_param") or "limit"] = str(limit)
        return PageStep(params=params, variables={"offset": offset, "next_offset": offset, "limit": limit})

    def first(self, s: dict, state: dict) -> PageStep:
        state["offset"] = integer(s, "start_offset", 0)
        return self._step(s, state["offset"])

    def next(self, s: dict, page: PageResult, state: dict) -> PageStep | None:
        if empty_page(s, page):
            return None
        limit = integer(s, "limit", None) or 0
        has_more = at(page.data, s["has_more_path"]) if s.get("has_more_path") else MISSING
        if has_more is False or (isinstance(has_more, str) and has_more.lower() == "false"):
            return None
        on_page = number_at(page.data, s.get("count_path"))
        if on_page is None:
            on_page = count(records(s, page.data))
        # Move by what actually arrived: an API that caps the limit still gets every record.
        step = on_page if on_page else limit
        state["offset"] += step
        total = number_at(page.data, s.get("total_path"))
        if total is not None and state["offset"] >= total:
            return None
        if not (step or limit):
            return None  # nothing tells us how far to move: one page only
        return self._step(s, state["offset"])
