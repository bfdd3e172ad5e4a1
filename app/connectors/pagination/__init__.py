"""The pagination registry: {type: Pagination instance}, one module per method, listed explicitly."""
from __future__ import annotations

from app.connectors.pagination import (
    custom_relative_uri,
    graphql_cursor,
    limit_offset,
    link_header,
    next_page_token,
    next_page_url,
    none,
    page_number,
    script,
)
from app.connectors.pagination.base import PageResult, PageStep, Pagination, PaginationError

__all__ = ["PAGINATIONS", "PageResult", "PageStep", "Pagination", "PaginationError", "get", "DEFAULT_PAGE_CAP"]

DEFAULT_PAGE_CAP = 1000

_CLASSES: list[type[Pagination]] = [
    none.NoPagination,
    page_number.PageNumber,
    limit_offset.LimitOffset,
    link_header.LinkHeader,
    next_page_url.NextPageUrl,
    next_page_token.NextPageToken,
    graphql_cursor.GraphqlCursor,
    custom_relative_uri.CustomRelativeUri,
    script.ScriptPagination,
]

PAGINATIONS: dict[str, Pagination] = {cls.type: cls() for cls in _CLASSES}


def get(kind: str | None) -> Pagination:
    try:
        return PAGINATIONS[kind or "none"]
    except KeyError:
        raise PaginationError(f"Unknown pagination method '{kind}'.") from None
