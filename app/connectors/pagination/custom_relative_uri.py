"""Custom relative URI: the response holds a path relative to the connector's base URL (not to the last
request), e.g. Salesforce `nextRecordsUrl: /services/data/v60.0/query/01g...-2000`. A path starting
with '/' keeps only the base URL's scheme and host; otherwise it is appended to the base URL. An
optional `done_path` (e.g. `done`) that reads true ends the pagination."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

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
)


def join_base(base_url: str, relative: str) -> str:
    if relative.startswith(("http://", "https://")):
        return relative
    if relative.startswith("/"):
        parts = urlsplit(base_url)
        path, _, query = relative.partition("?")
        return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
    return base_url.rstrip("/") + "/" + relative.lstrip("/")


class CustomRelativeUri(Pagination):
    type = "custom_relative_uri"
    label = "Custom relative URI"
    fields = [
        Field("uri_path", "Next URI field", "e.g. nextRecordsUrl", required=True),
        Field("done_path", "Done field", "A boolean that is true on the last page, e.g. done"),
        DATA_PATH, ALLOW_EMPTY, MAX_PAGES,
    ]

    def next(self, s: dict, page: PageResult, state: dict) -> PageStep | None:
        if empty_page(s, page):
            return None
        if s.get("done_path") and at(page.data, s["done_path"]) in (True, "true", "True", 1):
            return None
        target = at(page.data, s.get("uri_path"))
        if not isinstance(target, str) or not target.strip():
            return None
        url = join_base(page.base_url or page.url, target.strip())
        if url in state.setdefault("seen", set()) or url == page.url:
            return None
        state["seen"].add(url)
        return PageStep(url=url, variables={"page": page.number + 1, "next_url": url})
