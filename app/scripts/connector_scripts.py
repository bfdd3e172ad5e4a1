"""The connector side of the script contract: pre-request, post-request/response and pagination scripts.

All three run through the run's ScriptRunner (the one execution service):
- pre-request: input + `request: {method, url, headers, body}`; the returned request is sent.
- post-request and response scripts (spec §2.2.1): input + `response: {status, headers, body}`; they may
  return `response_code` 0 continue, 1 retry the request, 2 fail the run (to be retried), 3 fail the run,
  with an optional `message`, and a changed `response.body`, which becomes the payload.
- pagination: input + `response` + `pagination: {page, url, state}`; return `next` = null to stop or
  {"url": …} / {"params": {…}} for the next request, and `state` to keep between pages.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.scripts.sandbox import ScriptError, ScriptRunner, payload_text, script_input

CODES = {0: "continue", 1: "retry the request", 2: "fail the run so it is retried", 3: "fail the run"}


@dataclass
class PostResult:
    code: int = 0
    message: str = ""
    body: str | None = None  # a changed response body, or None
    logs: list[str] = field(default_factory=list)


def _input(payload, variables, flow_variables, **extra) -> dict:
    return script_input(payload_text(payload), variables=variables, meta=payload.meta if payload else {},
                        flow_variables=flow_variables, **extra)


def pre_request(runner: ScriptRunner, ref: Any, request, *, payload=None, variables=None,
                flow_variables=None) -> list[str]:
    """Run a pre-request script and apply the request it returns to `request` (an OutgoingRequest)."""
    from app.connectors.auth.base import OutgoingRequest

    body = request.body()
    sent = {"method": request.method, "url": request.full_url(), "headers": dict(request.headers),
            "body": body.decode("utf-8", "replace") if body else None}
    result = runner.run(ref, _input(payload, variables, flow_variables, request=dict(sent)))
    changed = result.data.get("request")
    if not isinstance(changed, dict):
        return result.logs
    if changed.get("url") and changed["url"] != sent["url"]:
        parsed = OutgoingRequest.parse(request.method, str(changed["url"]))
        request.url, request.params = parsed.url, parsed.params
    if changed.get("method"):
        request.method = str(changed["method"]).upper()
    if isinstance(changed.get("headers"), dict) and changed["headers"] != sent["headers"]:
        request.headers = {str(k): str(v) for k, v in changed["headers"].items()}
    if changed.get("body") != sent["body"]:
        new_body = changed.get("body")
        request.form = None
        request.content = None if new_body is None else (
            new_body if isinstance(new_body, str) else json.dumps(new_body)).encode()
    return result.logs


def post_request(runner: ScriptRunner, ref: Any, response, *, payload=None, variables=None,
                 flow_variables=None) -> PostResult:
    """Run a post-request or response script on an httpx response."""
    given = {"status": response.status_code, "headers": dict(response.headers), "body": response.text}
    result = runner.run(ref, _input(payload, variables, flow_variables, response=dict(given)))
    code = result.data.get("response_code", 0)
    try:
        code = int(code or 0)
    except (TypeError, ValueError):
        raise ScriptError(f"Script '{ref}' returned response_code {code!r}; use 0, 1, 2 or 3.", "contract") from None
    if code not in CODES:
        raise ScriptError(f"Script '{ref}' returned response_code {code}; use 0, 1, 2 or 3.", "contract")
    changed = result.data.get("response")
    body = None
    if isinstance(changed, dict) and changed.get("body") != given["body"] and changed.get("body") is not None:
        body = changed["body"] if isinstance(changed["body"], str) else json.dumps(changed["body"])
    return PostResult(code=code, message=str(result.data.get("message") or "")[:500], body=body, logs=result.logs)


def next_page(runner: ScriptRunner, ref: Any, *, number: int, url: str, response, data: Any, state: dict,
              payload=None, variables=None, flow_variables=None) -> dict | None:
    """Ask a pagination script for the next request: {"url": …} and/or {"params": {…}}, or None to stop."""
    given = {"status": response.status_code, "headers": dict(response.headers), "body": response.text}
    result = runner.run(ref, _input(payload, variables, flow_variables, response=given,
                                    pagination={"page": number, "url": url, "state": dict(state)}))
    new_state = result.data.get("pagination", {}).get("state") if isinstance(result.data.get("pagination"), dict) \
        else None
    if isinstance(result.data.get("state"), dict):
        new_state = result.data["state"]
    if isinstance(new_state, dict):
        state.clear()
        state.update(new_state)
    following = result.data.get("next")
    if not following:
        return None
    if isinstance(following, str):
        return {"url": following}
    if not isinstance(following, dict) or not (following.get("url") or following.get("params")):
        raise ScriptError(f"Pagination script '{ref}' returned next={following!r}; return null to stop, or "
                          "{\"url\": …} or {\"params\": {…}} for the next page.", "contract")
    return following
