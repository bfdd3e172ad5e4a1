"""Next page URL: the response body holds the next page's URL (e.g. `links.next`, Klaviyo, JSON:API).
A value starting with `?` is applied to the previous request's path; a relative path resolves against the
previous URL. Stops when the field is absent, empty or points back to a page already read."""
from __future__ import annotations

from app.connectors.auth.base import Field
from app.connectors.pagination.base import (
    ALLOW_EMPTY,
    DATA_PATH,
    MAX_PAGES,
    PageResult,
    PageStep,
    Pagination,
    at,
    empty_page,
    resolve_url,
)


class NextPageUrl(Pagination):
    type = "next_page_url"
    label = "Next page URL"
    fields = [Field("next_url_path", "Next page field", "e.g. links.next", required=True), DATA_PATH, ALLOW_EMPTY,
              MAX_PAGES]

    def next(self, s: dict, page: PageResult, state: dict) -> PageStep | None:
        if empty_page(s, page):
            return None
        target = at(page.data, s.get("next_url_path"))
        if not isinstance(target, str) or not target.strip():
            return None
        url = resolve_url(target, page.url)
        if url in state.setdefault("seen", set()) or url == page.url:
            return None
        state["seen"].add(url)
        return PageStep(url=url, variables={"page": page.number + 1, "next_url": url})
