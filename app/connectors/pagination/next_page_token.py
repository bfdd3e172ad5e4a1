"""Next page token: the response carries a token (e.g. `paging.next.after` in HubSpot,
`nextPageToken` in Google APIs) that the next request sends back as a query parameter, or in the body
through `[[pagination.next_page_token]]`. Stops when the token is absent or repeats."""
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
    empty_page,
    integer,
)


class NextPageToken(Pagination):
    type = "next_page_token"
    label = "Next page token"
    fields = [
        Field("token_param", "Token parameter name", "Query parameter for the token; leave empty to send it "
              "only as [[pagination.next_page_token]] in the body", default="page_token"),
        Field("token_path", "Path to token in payload", "e.g. paging.next.after", required=True),
        Field("limit_param", "Limit parameter name"),
        Field("limit", "Limit"),
        DATA_PATH, ALLOW_EMPTY, MAX_PAGES,
    ]

    def _step(self, s: dict, token: str | None, number: int) -> PageStep:
        params = {}
        limit = integer(s, "limit", None)
        if s.get("limit_param") and limit:
            params[s["limit_param"]] = str(limit)
        if token is not None and s.get("token_param", "page_token"):
            params[s.get("token_param", "page_token")] = token
        return PageStep(params=params, variables={"next_page_token": token or "", "page": number, "limit": limit})

    def first(self, s: dict, state: dict) -> PageStep:
        return self._step(s, None, 1)

    def next(self, s: dict, page: PageResult, state: dict) -> PageStep | None:
        if empty_page(s, page):
            return None
        token = at(page.data, s.get("token_path"))
        if token is MISSING or token in (None, "", False):
            return None
        token = str(token)
        if token in state.setdefault("seen", set()):
            return None
        state["seen"].add(token)
        return self._step(s, token, page.number + 1)
