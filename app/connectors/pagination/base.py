"""What every pagination method sees, and the shared stop rules.

The HTTP layer asks `first()` for the first page's request changes, sends it, then hands the result to
`next()`, which returns the next page's changes or None to stop. A method keeps its own progress in the
`state` dict it is given. Every method stops on an empty page (data at `data_path`, or the whole body,
is empty) unless `allow_empty` is set, and the HTTP layer stops at the page cap whatever happens.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from app.connectors.auth.base import Field
from app.flows.paths import MISSING, PathError, get_path

DATA_PATH = Field("data_path", "Path to the data in the response", "e.g. 'orders'; an empty list there ends "
                  "the pagination. Leave empty to look at the whole response.")
ALLOW_EMPTY = Field("allow_empty", "Allow empty pages", "Keep going after an empty page", default=False)
MAX_PAGES = Field("max_pages", "Maximum pages", "Stop after this many pages (the server's cap applies too)")


class PaginationError(Exception):
    """A pagination setting that cannot work, or a page that breaks its contract."""


@dataclass
class PageStep:
    """How the next request differs from the endpoint's own."""

    params: dict = field(default_factory=dict)  # query parameters to set
    url: str | None = None  # follow this absolute URL instead (the endpoint's query is not re-added)
    graphql_variables: dict = field(default_factory=dict)  # merged into the JSON body's "variables"
    variables: dict = field(default_factory=dict)  # [[pagination.*]] values for templates


@dataclass
class PageResult:
    number: int  # 1-based
    url: str  # the full URL requested, query included
    response: httpx.Response
    data: Any  # the parsed body (JSON, or text)
    base_url: str = ""  # the connector's rendered base URL


class Pagination:
    type: ClassVar[str] = ""
    label: ClassVar[str] = ""
    fields: ClassVar[list[Field]] = []

    def validate(self, settings: dict) -> list[str]:
        missing = [f.label for f in self.fields if f.required and settings.get(f.key) in (None, "")
                   and f.default in (None, "")]
        problems = [f"'{label}' is required." for label in missing]
        for f in self.fields:
            value = settings.get(f.key)
            if f.key in ("limit", "start_page", "start_offset", "max_pages") and value not in (None, ""):
                try:
                    if int(value) < 0:
                        raise ValueError
                except (TypeError, ValueError):
                    problems.append(f"'{f.label}' must be a whole number.")
        return problems

    def first(self, s: dict, state: dict) -> PageStep:
        return PageStep()

    def next(self, s: dict, page: PageResult, state: dict) -> PageStep | None:
        return None


def at(data: Any, path: str | None) -> Any:
    """The value at a dotted path (MISSING when absent or when the body is not JSON)."""
    if not path:
        return data
    if isinstance(data, (str, bytes)) or data is None:
        return MISSING
    try:
        return get_path(data, path)
    except PathError:
        return MISSING


def records(s: dict, data: Any) -> Any:
    return at(data, s.get("data_path"))


def is_empty(value: Any) -> bool:
    if value is MISSING or value is None:
        return True
    if isinstance(value, (list, dict, str, bytes)):
        return len(value) == 0
    return False


def count(value: Any) -> int | None:
    if isinstance(value, list):
        return len(value)
    return None


def empty_page(s: dict, page: PageResult) -> bool:
    """True when the page carries no data and empty pages are not allowed."""
    return not s.get("allow_empty") and is_empty(records(s, page.data))


def integer(s: dict, key: str, default: int | None) -> int | None:
    value = s.get(key)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PaginationError(f"Pagination setting '{key}' must be a whole number, not {value!r}.")


def number_at(data: Any, path: str | None) -> int | None:
    value = at(data, path) if path else MISSING
    if value is MISSING or value in (None, ""):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def resolve_url(target: str, request_url: str) -> str:
    """An absolute URL for a next link: absolute as-is, `?query` on the previous URL's path, else relative."""
    target = target.strip()
    if target.startswith("?"):
        parts = urlsplit(request_url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, target[1:], ""))
    return urljoin(request_url, target)
