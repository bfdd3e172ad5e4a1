"""GraphQL cursor (Relay connections, built for Shopify's GraphQL Admin API): read `endCursor` and
`hasNextPage` from `pageInfo` and send the cursor as the `after` variable of the next query. The
endpoint body is `{"query": "query($after: String) {...}", "variables": {...}}`."""
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
    PaginationError,
    at,
    empty_page,
)


class GraphqlCursor(Pagination):
    type = "graphql_cursor"
    label = "GraphQL cursor"
    fields = [
        Field("end_cursor_path", "EndCursor path", "e.g. data.orders.pageInfo.endCursor", required=True),
        Field("has_next_page_path", "HasNextPage path", "e.g. data.orders.pageInfo.hasNextPage", required=True),
        Field("cursor_variable", "Cursor variable", "The query variable receiving the cursor", default="after"),
        DATA_PATH, ALLOW_EMPTY, MAX_PAGES,
    ]

    def first(self, s: dict, state: dict) -> PageStep:
        return PageStep(variables={"cursor": "", "page": 1})

    def next(self, s: dict, page: PageResult, state: dict) -> PageStep | None:
        if isinstance(page.data, dict) and page.data.get("errors") and page.data.get("data") is None:
            raise PaginationError(f"The GraphQL query failed: {str(page.data['errors'])[:300]}")
        if empty_page(s, page):
            return None
        has_next = at(page.data, s.get("has_next_page_path"))
        if has_next is not True and str(has_next).lower() != "true":
            return None
        cursor = at(page.data, s.get("end_cursor_path"))
        if cursor is MISSING or cursor in (None, ""):
            return None
        if cursor in state.setdefault("seen", set()):
            return None
        state["seen"].add(cursor)
        name = s.get("cursor_variable") or "after"
        return PageStep(graphql_variables={name: cursor}, variables={"cursor": cursor, "page": page.number + 1})
