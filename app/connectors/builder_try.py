"""Trying a connector out: the instance form's values tested before saving, and "Try it" on one endpoint."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from app import crypto
from app.connectors import services
from app.connectors.definitions import find_auth_method, find_endpoint, variable_defaults
from app.connectors.http import ConnectorError, RequestOptions
from app.connectors.models import InstalledConnector, Instance
from app.connectors.records import Exchange
from app.flows.context import Payload

TRY_BODY_LIMIT = 20_000  # characters of a pretty-printed response shown by "Try it"
TRY_TIMEOUT = 30.0


# -- instances ------------------------------------------------------------------------------------------
def test_instance_values(connector: InstalledConnector, auth_method: str | None, values: dict,
                         instance: Instance | None = None, **settings) -> services.TestResult:
    """Test what the instance form holds before saving it; when editing, a blank secret means the stored one."""
    if instance is not None:
        method = find_auth_method(connector.definition or {}, auth_method)
        if (method or {}).get("type") == "oauth2_authorization_code" and auth_method == instance.auth_method:
            return services.test_connection(instance)
        stored = crypto.decrypt_json(instance.credentials_enc) or {}
        values = {**values, **{k: v for k, v in stored.items() if values.get(k) in (None, "")}}
    clean = {k: int(v) for k, v in settings.items() if v not in (None, "") and str(v).isdigit()}
    return services.test_values(connector, auth_method, values, **clean)


# -- Try it -----------------------------------------------------------------------------------------------
@dataclass
class TryResult:
    ok: bool
    message: str
    exchanges: list[Exchange] = field(default_factory=list)
    body: str = ""  # the first page (or the send response), pretty-printed, masked and capped
    notes: list[str] = field(default_factory=list)

    @property
    def exchange(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None


def endpoint_values(endpoint: dict, given: dict) -> tuple[dict, list[str]]:
    """(values, problems): the endpoint's defaults overlaid with what was typed; required ones checked."""
    values = variable_defaults(endpoint.get("variables"))
    values.update({k: v for k, v in given.items() if v not in (None, "")})
    missing = [v.get("label") or v["key"] for v in endpoint.get("variables") or []
               if v.get("required") and values.get(v["key"]) in (None, "")]
    return values, ([f"Enter a value for: {', '.join(missing)}."] if missing else [])


def try_endpoint(connector: InstalledConnector, instance: Instance, endpoint_key: str, given: dict,
                 payload_text: str | None = None) -> TryResult:
    """Send one endpoint's request with a saved instance (one page, no retries) and describe what happened:
    the masked request and response records plus the response body, pretty-printed."""
    endpoint = find_endpoint(connector.definition or {}, endpoint_key)
    if endpoint is None:
        return TryResult(False, "That endpoint no longer exists: reload the page.")
    if instance.connector_id != connector.id:
        return TryResult(False, "Choose an instance of this connector.")
    if connector.protocol:
        return TryResult(False, f"Try it sends HTTP requests; {connector.name} is a {connector.protocol} connector. "
                                "Test it with a flow instead.")
    values, problems = endpoint_values(endpoint, given)
    if problems:
        return TryResult(False, " ".join(problems))
    payload = None
    if payload_text and payload_text.strip():
        try:
            payload = Payload(data=json.loads(payload_text), format="json")
        except ValueError:
            payload = Payload(data=payload_text, format="text")
    exchanges: list[Exchange] = []
    notes: list[str] = []
    options = RequestOptions(timeout=min(float(instance.timeout_seconds or TRY_TIMEOUT), TRY_TIMEOUT), retries=0,
                             allow_unsuccessful=True, max_pages=1, on_exchange=exchanges.append,
                             on_log=lambda level, message: notes.append(message))
    with services.runtime_for(connector.company_id, retry_delay=0.5, max_retry_after=10.0) as runtime:
        resolved = runtime.resolve(instance)
        http = runtime.http(resolved)
        try:
            if endpoint.get("direction") == "send":
                page = http.send(endpoint, values, payload, options)
            else:
                page = next(iter(http.receive(endpoint, values, payload, options)), None)
        except ConnectorError as exc:
            return TryResult(False, str(exc), exchanges or ([exc.exchange] if exc.exchange else []))
        masker = http.masker()
    if (endpoint.get("pagination") or {}).get("type", "none") != "none":
        notes = ["Try it fetches the first page only; a flow fetches every page."]
    body = ""
    if page is not None:
        text = json.dumps(page.data, indent=2, ensure_ascii=False, default=str) if page.format == "json" \
            else str(page.data)
        body = masker.body(text, limit=TRY_BODY_LIMIT)
    last = exchanges[-1] if exchanges else None
    if last is None:
        return TryResult(False, "No request was sent.", exchanges, body, notes)
    ok = last.ok
    message = (f"{last.status} {last.reason}" if last.status else last.error or "No response") + \
        (f" · {last.summary().rsplit(', ', 1)[-1]}" if last.status else "")
    return TryResult(ok, message, exchanges, body, notes)
