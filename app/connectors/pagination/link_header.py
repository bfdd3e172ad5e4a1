"""Link header (RFC 8288): follow the `rel="next"` URL of each response's `Link` header until there is
none. Shopify's cursor pagination (`page_info`) and GitHub-style APIs work this way."""
from __future__ import annotations

import re

from app.connectors.auth.base import Field
from app.connectors.pagination.base import (
    ALLOW_EMPTY,
    DATA_PATH,
    MAX_PAGES,
    PageResult,
    PageStep,
    Pagination,
    empty_page,
    resolve_url,
)

_LINK_RE = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+=(?:"[^"]*"|[^;,]*)\s*)*)')
_PARAM_RE = re.compile(r';\s*([^=\s]+)\s*=\s*(?:"([^"]*)"|([^;,\s]*))')


def parse_link_header(value: str) -> list[tuple[str, dict[str, str]]]:
    """[(url, {param: value})] for each link in a Link header, in order."""
    links = []
    for m in _LINK_RE.finditer(value or ""):
        params = {p.group(1).lower(): (p.group(2) if p.group(2) is not None else p.group(3))
                  for p in _PARAM_RE.finditer(m.group(2) or "")}
        links.append((m.group(1).strip(), params))
    return links


def next_link(value: str, rel: str = "next") -> str | None:
    for url, params in parse_link_header(value):
        if rel in (params.get("rel") or "").lower().split():
            return url
    return None


class LinkHeader(Pagination):
    type = "link_header"
    label = "Link header"
    fields = [Field("rel", "Relation", "The link relation to follow", default="next"), DATA_PATH, ALLOW_EMPTY,
              MAX_PAGES]

    def next(self, s: dict, page: PageResult, state: dict) -> PageStep | None:
        if empty_page(s, page):
            return None
        target = next_link(page.response.headers.get("link", ""), (s.get("rel") or "next").lower())
        if not target:
            return None
        url = resolve_url(target, page.url)
        if url in state.setdefault("seen", set()) or url == page.url:
            return None  # a server pointing back at itself would loop forever
        state["seen"].add(url)
        return PageStep(url=url, variables={"page": page.number + 1, "next_url": url})
