"""Turns an endpoint plus values into an OutgoingRequest: base URL, path, query, headers and body.

`{{name}}` reads connector, auth and endpoint variables; `[[payload.x]]`, `[[meta.x]]`,
`[[flow.variables.x]]` and `[[pagination.x]]` read the payload, its meta, the flow and the current page.
Values substituted into the path are percent-encoded; a query parameter that renders empty is left out;
a JSON body is rendered leaf by leaf so a lone token keeps its type.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from app.connectors.auth.base import OutgoingRequest
from app.connectors.pagination.base import PageStep
from app.flows import variables as tokens
from app.flows.context import Payload

CONTENT_TYPES = {"json": "application/json", "xml": "application/xml", "form": "application/x-www-form-urlencoded",
                 "text": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def base_url(definition: dict, values: dict) -> str:
    scope = tokens.Scope(connector_variables=values)
    base = tokens.to_text(tokens.resolve(definition.get("base_url") or "", scope))
    if base and "://" not in base:
        base = "https://" + base  # a host typed without a scheme ("shop.example.com")
    return base.rstrip("/")


def render_path(path: str, scope: tokens.Scope) -> str:
    """Substitute a path template, percent-encoding every substituted value (an id with '/' stays one
    segment); the literal text is kept as written."""
    template = tokens.compile_template(path)
    if not template.refs:
        return path
    out = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
        else:
            value = part(scope, scope.payload)
            out.append(quote(tokens.to_text(None if value is tokens.MISSING else value), safe=""))
    return "".join(out)


def render_structure(value: Any, scope: tokens.Scope) -> Any:
    if isinstance(value, str):
        return tokens.resolve(value, scope)
    if isinstance(value, dict):
        return {tokens.to_text(render_structure(k, scope)): render_structure(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [render_structure(v, scope) for v in value]
    return value


def build_request(definition: dict, endpoint: dict, values: dict, payload: Payload | None, step: PageStep,
                  flow_variables: dict | None = None) -> OutgoingRequest:
    scope = tokens.Scope(payload=payload.data if payload else None, meta=dict(payload.meta) if payload else {},
                         flow_variables=flow_variables or {}, connector_variables=values,
                         pagination=step.variables)
    method = str(endpoint.get("method", "GET")).upper()
    data_type = endpoint.get("data_type", "json")
    if step.url:
        request = OutgoingRequest.parse(method, step.url)
    else:
        path = render_path(endpoint.get("path") or "", scope)
        url = path if path.startswith(("http://", "https://")) else (
            base_url(definition, values) + ("/" + path.lstrip("/") if path else ""))
        request = OutgoingRequest.parse(method, url)
        for name, template in (endpoint.get("query") or {}).items():
            value = render_structure(template, scope)
            if value not in (None, "") and value is not tokens.MISSING:
                request.params.append((name, tokens.to_text(value)))
    for name, value in step.params.items():
        request.set_param(name, str(value))
    if data_type == "json":
        request.set_header("Accept", "application/json")
    for name, template in (endpoint.get("headers") or {}).items():
        request.set_header(name, tokens.to_text(render_structure(template, scope)))
    _body(request, endpoint, payload, scope, step, data_type)
    return request


def _body(request: OutgoingRequest, endpoint: dict, payload: Payload | None, scope: tokens.Scope,
          step: PageStep, data_type: str) -> None:
    template = endpoint.get("body")
    if template in (None, ""):
        if endpoint.get("direction") == "send" and payload is not None and request.method != "GET":
            request.content = payload.to_bytes()  # no body template: the payload is the body
            if request.header("Content-Type") is None:
                request.set_header("Content-Type", CONTENT_TYPES.get(payload.format, CONTENT_TYPES["text"]))
        return
    if isinstance(template, (dict, list)):
        body = render_structure(template, scope)
        if step.graphql_variables and isinstance(body, dict):
            body.setdefault("variables", {}).update(step.graphql_variables)
        if data_type == "form" and isinstance(body, dict):
            request.form = [(k, tokens.to_text(v)) for k, v in body.items() if v is not None]
        else:
            request.content = json.dumps(body, ensure_ascii=False, default=str).encode()
    else:
        request.content = tokens.to_text(tokens.resolve(template, scope)).encode()
    if request.header("Content-Type") is None:
        request.set_header("Content-Type", CONTENT_TYPES.get(data_type, CONTENT_TYPES["text"]))
