"""Reading a Postman Collection v2.1 file: its checks, its requests (folders, inherited auth) and their bodies."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from app.connectors.definitions import METHODS

MAX_BYTES = 5_000_000


class PostmanError(ValueError):
    """The file is not a Postman Collection v2.1 that can be imported; `.problems` says why."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


@dataclass
class _Request:
    name: str
    folder: str
    method: str
    raw_url: str
    query: list[dict]
    path_variables: list[dict]
    headers: list[dict]
    body: Any
    auth: dict | None  # the effective auth (inherited), None for no auth
    description: str


# -- small helpers ------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    """Postman descriptions are text or {"content": ...}."""
    if isinstance(value, dict):
        value = value.get("content")
    return value.strip() if isinstance(value, str) else ""


def _pairs(items: Any) -> list[dict]:
    """Postman key/value lists (headers, query, urlencoded), skipping malformed entries."""
    if isinstance(items, str):  # a raw header block "Name: value\nName: value"
        out = []
        for line in items.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                out.append({"key": k.strip(), "value": v.strip()})
        return out
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict) and isinstance(i.get("key"), str) and i["key"].strip()]


# -- reading the file ---------------------------------------------------------------------------------
def load(source: bytes | str | dict) -> dict:
    if isinstance(source, dict):
        data = source
    else:
        if isinstance(source, bytes):
            if len(source) > MAX_BYTES:
                raise PostmanError(f"The file is larger than {MAX_BYTES // 1_000_000} MB: is it really a collection?")
            try:
                source = source.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise PostmanError("The file is not text: choose the .json file Postman exported.") from None
        if not source.strip():
            raise PostmanError("The file is empty.")
        try:
            data = json.loads(source)
        except json.JSONDecodeError as exc:
            raise PostmanError(f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") \
                from None
    if not isinstance(data, dict):
        raise PostmanError("This is not a Postman collection: the file should hold one JSON object.")
    if "requests" in data and "order" in data:
        raise PostmanError("This is an old Postman Collection v1 file. In Postman, choose Export on the collection "
                           "and pick 'Collection v2.1', then import that file.")
    if data.get("_postman_variable_scope") or ("values" in data and "item" not in data):
        raise PostmanError("This is a Postman environment, not a collection. Export the collection itself "
                           "(Export → Collection v2.1).")
    info = data.get("info")
    if not isinstance(info, dict) or not isinstance(data.get("item"), list):
        raise PostmanError("This is not a Postman collection: it needs an 'info' section and a list of 'item's.")
    schema = str(info.get("schema") or "")
    if "v2.1" not in schema:
        found = re.search(r"v\d+(\.\d+)*", schema)
        version = f"Postman Collection {found.group(0)}" if found else "a collection without a format version"
        raise PostmanError(f"This is {version}; Weft reads Collection v2.1. In Postman, choose Export on the "
                           "collection and pick 'Collection v2.1'.")
    return data


def _url_parts(url: Any) -> tuple[str, list[dict], list[dict]]:
    """(raw URL without the query, query entries, path variables) of a Postman URL (text or object)."""
    if isinstance(url, str):
        raw, query = url, []
        path_variables: list[dict] = []
    elif isinstance(url, dict):
        raw = url.get("raw") if isinstance(url.get("raw"), str) else ""
        if not raw:
            host = url.get("host")
            host = ".".join(host) if isinstance(host, list) else (host or "")
            path = url.get("path")
            path = "/".join(str(p) for p in path) if isinstance(path, list) else (path or "")
            protocol = f"{url['protocol']}://" if url.get("protocol") else ""
            port = f":{url['port']}" if url.get("port") else ""
            raw = f"{protocol}{host}{port}" + (f"/{path.lstrip('/')}" if path else "")
        query = _pairs(url.get("query"))
        path_variables = _pairs(url.get("variable"))
    else:
        return "", [], []
    raw = raw.strip()
    base, _, query_text = raw.partition("?")
    base = base.split("#", 1)[0]
    if not query and query_text:
        for part in query_text.split("#", 1)[0].split("&"):
            if part:
                k, _, v = part.partition("=")
                query.append({"key": k, "value": v})
    return base, query, path_variables


def _walk(items: list, folder: str, auth: dict | None, problems: list[str], notes: list[str],
          requests: list[_Request], where: str = "") -> None:
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"Item {index}{where} is not an object.")
            continue
        name = str(item.get("name") or "").strip() or f"Item {index}"
        place = f"'{name}'" + where
        if item.get("event") and any(isinstance(e, dict) and e.get("script") for e in item["event"] or []):
            notes.append(f"Scripts on {place} were not imported (Weft has no scripts yet).")
        if isinstance(item.get("item"), list):
            folder_auth = item.get("auth") if isinstance(item.get("auth"), dict) else auth
            if isinstance(folder_auth, dict) and folder_auth.get("type") in (None, "inherit"):
                folder_auth = auth
            _walk(item["item"], name, folder_auth, problems, notes, requests, f" in folder '{name}'")
            continue
        request = item.get("request")
        if request is None:
            problems.append(f"Item {place} has neither a request nor items.")
            continue
        if isinstance(request, str):
            request = {"method": "GET", "url": request}
        if not isinstance(request, dict):
            problems.append(f"The request {place} is not an object.")
            continue
        raw, query, path_variables = _url_parts(request.get("url"))
        if not raw:
            problems.append(f"The request {place} has no URL.")
            continue
        method = str(request.get("method") or "GET").upper()
        if method not in METHODS:
            notes.append(f"The request {place} uses the {method} method, which connectors do not send: skipped.")
            continue
        effective = request.get("auth") if isinstance(request.get("auth"), dict) else auth
        if isinstance(effective, dict) and effective.get("type") in (None, "inherit"):
            effective = auth
        requests.append(_Request(name=name, folder=folder, method=method, raw_url=raw, query=query,
                                 path_variables=path_variables, headers=_pairs(request.get("header")),
                                 body=request.get("body"), auth=effective,
                                 description=_text(request.get("description"))))


# -- bodies -------------------------------------------------------------------------------------------
def _body(request: _Request, notes: list[str]) -> tuple[Any, str | None]:
    """(body template, data type) of a request; (None, None) when it sends none."""
    body = request.body
    if not isinstance(body, dict) or body.get("disabled"):
        return None, None
    mode = body.get("mode")
    if mode == "raw":
        raw = body.get("raw")
        if not isinstance(raw, str) or not raw.strip():
            return None, None
        language = str(((body.get("options") or {}).get("raw") or {}).get("language") or "").lower()
        content_type = next((str(h.get("value", "")).lower() for h in request.headers
                             if h["key"].lower() == "content-type" and not h.get("disabled")), "")
        if language == "xml" or (not language and "xml" in content_type):
            return raw, "xml"
        if language == "json" or "json" in content_type or (not language and raw.lstrip()[:1] in "{["):
            try:
                parsed = json.loads(raw)
            except ValueError:
                return raw, "json"  # {{tokens}} outside quotes: kept as a text template sent as JSON
            return (parsed if isinstance(parsed, (dict, list)) else raw), "json"
        return raw, "text"
    if mode in ("urlencoded", "formdata"):
        pairs = [p for p in _pairs(body.get(mode)) if not p.get("disabled")]
        files = [p["key"] for p in pairs if p.get("type") == "file"]
        if files:
            notes.append(f"The request '{request.name}' uploads files ({', '.join(files)}): file fields were "
                         "left out, connectors send form fields only.")
        fields = {p["key"]: p.get("value") if isinstance(p.get("value"), str) else "" for p in pairs
                  if p.get("type") != "file"}
        return (fields or None), ("form" if fields else None)
    if mode == "graphql":
        graphql = body.get("graphql") or {}
        variables = graphql.get("variables")
        try:
            variables = json.loads(variables) if isinstance(variables, str) and variables.strip() else (
                variables if isinstance(variables, dict) else {})
        except ValueError:
            variables = {}
        return {"query": graphql.get("query") or "", "variables": variables}, "json"
    if mode in ("file", "binary"):
        notes.append(f"The request '{request.name}' sends a file as its body: left out (a send endpoint without a "
                     "body sends the payload itself).")
    return None, None
