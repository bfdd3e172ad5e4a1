"""Script pagination: a custom script decides the next request (app/scripts/connector_scripts.next_page).

After each page the script receives the response and {page, url, state} and returns `next`: null to
stop, or {"url": …} and/or {"params": {…}} for the next request, plus `state` kept for the next call.
"""
from __future__ import annotations

from app.connectors.auth.base import Field
from app.connectors.pagination.base import PageResult, PageStep, Pagination, PaginationError

UNAVAILABLE = ("Scripts are not available here: this endpoint paginates with the script '{name}', and scripts run "
               "only where the caller provides the script service (flow runs do).")


class ScriptPagination(Pagination):
    type = "script"
    label = "Script"
    fields = [Field("script", "Script", "The deployed script that returns the next request", required=True)]

    def first(self, s: dict, state: dict) -> PageStep:
        if not s.get("script"):
            raise PaginationError("Choose the pagination script.")
        if "_next_page" not in state:
            raise PaginationError(UNAVAILABLE.format(name=s["script"]))
        return PageStep()

    def next(self, s: dict, page: PageResult, state: dict) -> PageStep | None:
        kept = {k: v for k, v in state.items() if not k.startswith("_")}
        following = state["_next_page"](s["script"], number=page.number, url=page.url, response=page.response,
                                        data=page.data, state=kept)
        for key in [k for k in state if not k.startswith("_")]:
            del state[key]
        state.update(kept)
        if following is None:
            return None
        params = following.get("params") or {}
        if not isinstance(params, dict):
            raise PaginationError("The pagination script's next.params must be an object of query parameters.")
        return PageStep(url=following.get("url") or None, params={str(k): str(v) for k, v in params.items()})
