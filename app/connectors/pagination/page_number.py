"""Page number parameter: `?page=1&limit=50`, then page 2, 3 ... until a page is empty, or the
total (pages or records) read from the response is reached.

Magento needs the total: asked for a page past the end it repeats the last page instead of answering
empty. BigCommerce v2 answers 204 No Content past the end, which reads as an empty page.
"""
from __future__ import annotations

from app.connectors.auth.base import Field
from app.connectors.pagination.base import (
    ALLOW_EMPTY,
    DATA_PATH,
    MAX_PAGES,
    PageResult,
    PageStep,
    Pagination,
    count,
    empty_page,
    integer,
    number_at,
    records,
)


class PageNumber(Pagination):
    type = "page_number"
    label = "Page number parameter"
    fields = [
        Field("page_param", "Page parameter name", "Query parameter carrying the page number; leave empty to "
              "use [[pagination.page]] in the body instead", default="page"),
        Field("limit_param", "Limit parameter name", "e.g. limit, per_page, searchCriteria[pageSize]"),
        Field("limit", "Limit", "Records per page"),
        Field("start_page", "First page number", default=1),
        Field("total_pages_path", "Total pages path", "e.g. meta.pagination.total_pages"),
        Field("total_path", "Total records path", "e.g. total_count"),
        Field("stop_on_short_page", "Stop on a short page", "A page with fewer records than the limit is the last "
              "(saves one request; only when the API never caps the limit)", default=False),
        DATA_PATH, ALLOW_EMPTY, MAX_PAGES,
    ]

    def _step(self, s: dict, page: int) -> PageStep:
        params = {}
        if s.get("page_param", "page"):
            params[s.get("page_param", "page")] = str(page)
        limit = integer(s, "limit", None)
        if s.get("limit_param") and limit:
            params[s["limit_param"]] = str(limit)
        return PageStep(params=params, variables={"page": page, "limit": limit})

    def first(self, s: dict, state: dict) -> PageStep:
        state["page"] = integer(s, "start_page", 1)
        return self._step(s, state["page"])

    def next(self, s: dict, page: PageResult, state: dict) -> PageStep | None:
        if empty_page(s, page):
            return None
        limit = integer(s, "limit", None)
        pages_read = state["page"] - integer(s, "start_page", 1) + 1
        total_pages = number_at(page.data, s.get("total_pages_path"))
        if total_pages is not None and pages_read >= total_pages:
            return None
        total = number_at(page.data, s.get("total_path"))
        if total is not None and limit and pages_read * limit >= total:
            return None
        if s.get("stop_on_short_page") and limit:
            n = count(records(s, page.data))
            if n is not None and n < limit:
                return None
        state["page"] += 1
        return self._step(s, state["page"])
