"""What the marketplace's connectors tab lists: catalog cards filtered, paged and marked as installed."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.connectors import catalog, services

PAGE_SIZE = 24


@dataclass
class Listing:
    cards: list[dict]
    total: int
    page: int
    pages: int
    query: str = ""
    category: str = ""
    installed: dict[str, int] = field(default_factory=dict)  # catalog key → installed connector id


def connectors_page(company_id: int, query: str = "", category: str = "", page: int = 1) -> Listing:
    query, category = (query or "").strip()[:100], (category or "").strip()
    if category not in catalog.categories():
        category = ""
    cards = catalog.entries(query=query or None, category=category or None)
    pages = max(1, -(-len(cards) // PAGE_SIZE))
    page = min(max(1, page), pages)
    installed = {c.key: c.id for c in services.installed_connectors(company_id) if c.source == "catalog"}
    return Listing(cards=cards[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], total=len(cards), page=page, pages=pages,
                   query=query, category=category, installed=installed)
