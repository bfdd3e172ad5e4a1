"""Every HX-* header Weft reads or writes lives here: page-or-fragment rendering and htmx-aware redirects."""
from __future__ import annotations

from flask import make_response, render_template, request
from flask import redirect as flask_redirect
from jinja2_fragments.flask import render_block


def is_request() -> bool:
    return request.headers.get("HX-Request") == "true"


def is_fragment() -> bool:
    """An htmx request that wants a piece of a page (not a boosted navigation or a history restore)."""
    return (is_request() and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The whole page, or only `block` when htmx asked for a fragment."""
    if block and is_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.headers["Vary"] = "HX-Request"
    return response


def redirect(location: str):
    """After a successful form: a client-side redirect for htmx, a 303 otherwise."""
    if is_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return flask_redirect(location, code=303)


def stop_polling(body: str = ""):
    """Status 286 tells an hx-trigger="every …" element to stop polling."""
    return make_response(body, 286)
