"""Connector: receive from or send to one endpoint of one connector instance (HTTP or a protocol).

Config:
    {"instance_id": 12, "endpoint": "list_orders",
     "variables": {"status": "any", "order_id": "[[payload.id]]", "since": "[[flow.variables.since]]"},
     "timeout": 30, "retries": 2, "allow_unsuccessful_statuses": false,
     "save_response_as_payload": false, "wrapping": "raw", "response_script": null}

Receive: one payload per page, one operation per page (each request attempt is one operation). When the
endpoint variables read the payload or its meta, the receive runs once per input payload. Send: one
request and one operation per input payload; with "save response as payload" the responses go on,
otherwise the input payloads pass through. A `response_script` (a deployed script's id or name) runs on
every response after the endpoint's own post-request script, for this flow only (spec §2.2.1: codes 0-3,
a changed body becomes the payload). The shape reaches the world through ctx.connectors (the run's
ConnectorRuntime); it never touches the database itself.

Protocol connectors (FTP, SFTP, database, AMQP) are called once per receive or per payload sent; a failure
the protocol marks retryable (refused, dropped or timed-out connection) is tried again after the runtime's
backoff, up to the step's (or the instance's) retries, every attempt one operation and one log line.
"""
from __future__ import annotations

import re
import time

from app.flows import variables
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

WRAPPING = ("raw", "first")
_CURLY_TOKEN = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")
_WHOLE_TOKEN = re.compile(r"\s*\{\{\s*([A-Za-z_][\w\-]*)\s*\}\}\s*")
MAX_TIMEOUT = 600
RUNTIME_MISSING = ("The connector runtime is not available: connector steps can only run inside a flow run "
                   "(the run did not hand its shapes a ConnectorRuntime).")


def _uses_payload(texts) -> bool:
    for text in texts:
        if isinstance(text, str) and "[[" in text:
            try:
                if any(ref.root in ("payload", "meta") for ref in variables.references(text, (variables.SQUARE,))):
                    return True
            except variables.VariableError:
                continue
        elif isinstance(text, dict):
            if _uses_payload(text.values()):
                return True
        elif isinstance(text, list) and _uses_payload(text):
            return True
    return False


class Connector(Shape):
    type = "connector"
    label = N_("Connector")
    icon = "bi-plug"
    help = N_("Receive from or send to a connector instance's endpoint.")
    # Retries happen per request inside the shape (config "retries", 0-2): re-running the whole step
    # would resend payloads that already went through.
    retries = 0

    def validate(self, config: dict) -> list[str]:
        problems = []
        try:
            if int(config.get("instance_id")) <= 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(gettext("Choose a connector instance."))
        if not config.get("endpoint"):
            problems.append(gettext("Choose an endpoint."))
        timeout = config.get("timeout")
        if timeout not in (None, ""):
            try:
                if not 1 <= float(timeout) <= MAX_TIMEOUT:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(gettext("The request timeout must be between 1 and %(max)d seconds.", max=MAX_TIMEOUT))
        retries = config.get("retries")
        if retries not in (None, ""):
            try:
                if int(retries) not in (0, 1, 2):
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(gettext("Retries must be 0, 1 or 2."))
        if str(config.get("wrapping", "raw")).lower() not in WRAPPING:
            problems.append(gettext("Wrapping must be 'raw' or 'first'."))
        for name, value in (config.get("variables") or {}).items():
            if isinstance(value, str):
                problems += [gettext("Variable '%(name)s': %(problem)s", name=name, problem=p)
                             for p in variables.validate(value, brackets=(variables.SQUARE,))]
        return problems

    def summary(self, config: dict) -> str:
        endpoint = config.get("endpoint_name") or config.get("endpoint") or gettext("no endpoint")
        instance = config.get("instance_name") or (gettext("instance %(id)s", id=config["instance_id"])
                                                   if config.get("instance_id") else gettext("no instance"))
        return f"{endpoint} · {instance}"

    # -- running ------------------------------------------------------------------------------------
    def execute(self, ctx: ShapeContext) -> Bucket:
        from app.connectors.http import ConnectorError, RequestOptions
        from app.connectors.protocols import ProtocolError

        problems = self.validate(ctx.config)
        if problems:
            raise ShapeError(" ".join(problems))
        runtime = getattr(ctx, "connectors", None)
        if runtime is None:
            raise ShapeError(RUNTIME_MISSING)
        config = ctx.config
        try:
            instance = runtime.get_instance(config["instance_id"])
            endpoint = instance.endpoint(config["endpoint"])
        except ConnectorError as exc:
            raise ShapeError(str(exc)) from None
        ctx.metered_as(instance.id, "send" if endpoint.get("direction") == "send" else "receive")

        def on_exchange(exchange) -> None:
            ctx.operations(1)
            ctx.log_exchange("info" if exchange.ok else "warning", exchange.summary(), exchange.as_dict())
            ctx.check_deadline()  # a long pagination stops at the step's time limit, between two requests

        options = RequestOptions(
            timeout=float(config["timeout"]) if config.get("timeout") not in (None, "") else None,
            retries=int(config["retries"]) if config.get("retries") not in (None, "") else min(instance.retries, 2),
            allow_unsuccessful=bool(config.get("allow_unsuccessful_statuses")),
            flow_variables=ctx.flow_variables, on_exchange=on_exchange, on_log=lambda lvl, msg: ctx.log(lvl, msg),
            response_script=str(config["response_script"]).strip() if config.get("response_script") else None)
        if options.response_script and instance.protocol:
            raise ShapeError(f"Response scripts read HTTP responses; '{instance.connector_name}' is a "
                             f"{instance.protocol} connector. Use a script shape after this step instead.")
        try:
            if endpoint.get("direction") == "send":
                return self._send(ctx, runtime, instance, endpoint, options)
            return self._receive(ctx, runtime, instance, endpoint, options)
        except (ConnectorError, ProtocolError) as exc:
            raise ShapeError(str(exc)) from None

    @staticmethod
    def _scope(ctx: ShapeContext, payload: Payload | None) -> variables.Scope:
        return variables.Scope(payload=payload.data if payload else None, meta=payload.meta if payload else {},
                               flow_variables=ctx.flow_variables, now=ctx.now)

    def _variables(self, ctx: ShapeContext, endpoint: dict, payload: Payload | None) -> dict:
        scope = self._scope(ctx, payload)
        values = {v["key"]: v.get("default") for v in endpoint.get("variables") or [] if v.get("default") is not None}
        for name, template in (ctx.config.get("variables") or {}).items():
            value = variables.resolve(template, scope, brackets=(variables.SQUARE,))
            if value is not None and value != "":
                values[name] = value
            elif name in values and template not in (None, ""):
                values.pop(name)  # a token that resolved to nothing does not silently fall back to the default
        missing = [v.get("label") or v["key"] for v in endpoint.get("variables") or []
                   if v.get("required") and values.get(v["key"]) in (None, "")]
        if missing:
            raise ShapeError(f"Endpoint '{endpoint.get('name')}' needs a value for: {', '.join(missing)}.")
        return values

    def _wrap(self, payload: Payload, wrapping: str = "raw") -> Payload:
        if str(wrapping).lower() == "first" and isinstance(payload.data, list) and len(payload.data) == 1:
            return Payload(data=payload.data[0], format=payload.format, meta=payload.meta)
        return payload

    def _receive(self, ctx, runtime, instance, endpoint, options) -> Bucket:
        wrapping = ctx.config.get("wrapping", "raw")
        per_payload = bool(ctx.bucket) and _uses_payload(
            [*(ctx.config.get("variables") or {}).values(), endpoint.get("path"), endpoint.get("query"),
             endpoint.get("body")])
        out: Bucket = []
        for payload in (ctx.bucket if per_payload else [None]):
            values = self._variables(ctx, endpoint, payload)
            if instance.protocol:
                out += [self._wrap(p, wrapping)
                        for p in self._protocol_receive(ctx, instance, endpoint, values, payload, options)]
                continue
            for page in runtime.http(instance).receive(endpoint, values, payload, options):
                out.append(self._wrap(page, wrapping))
        return out

    def _send(self, ctx, runtime, instance, endpoint, options) -> Bucket:
        wrapping = ctx.config.get("wrapping", "raw")
        save = bool(ctx.config.get("save_response_as_payload"))
        if not ctx.bucket:
            ctx.log("info", "No payloads to send.")
            return []
        out: Bucket = []
        http = None if instance.protocol else runtime.http(instance)
        for payload in ctx.bucket:
            values = self._variables(ctx, endpoint, payload)
            if instance.protocol:
                result = self._protocol_send(ctx, instance, endpoint, values, payload, options)
            else:
                result = http.send(endpoint, values, payload, options)
            out.append(self._wrap(result, wrapping) if save and result is not None else payload)
        return out

    # -- protocols (ftp, sftp, database, amqp) -------------------------------------------------------
    @staticmethod
    def _operation(instance, endpoint: dict, values: dict) -> dict:
        """The endpoint with `{{name}}` replaced where name is an instance or endpoint variable (declared but
        empty: ''); other tokens stay for the protocol to resolve (a file name from the payload's meta)."""
        known = {**instance.values, **values}
        declared = {v["key"] for v in [*(endpoint.get("variables") or []),
                                       *(instance.definition.get("variables") or [])]}

        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name in known:
                return variables.to_text(known[name])
            return "" if name in declared else match.group(0)  # a declared variable left empty reads as ''

        def render(value):
            if isinstance(value, str):
                return _CURLY_TOKEN.sub(substitute, value)
            if isinstance(value, dict):
                return {k: render(v) for k, v in value.items()}
            if isinstance(value, list):
                return [render(v) for v in value]
            return value
        raw = ("query", "params") if instance.protocol == "database" else ()  # SQL binds :name, never pasted
        return {k: (v if k in raw else render(v)) for k, v in endpoint.items()
                if k not in ("variables", "schema", "field_tags")}

    @staticmethod
    def _protocol(instance):
        from app.connectors.protocols import get

        return get(instance.protocol)

    def _credentials(self, instance) -> dict:
        return {**instance.credentials, "auth_type": (instance.auth_method or {}).get("type", "none")}

    def _settings(self, ctx, instance) -> dict:
        settings = dict(instance.variables)
        if ctx.config.get("timeout") not in (None, ""):
            settings["timeout"] = float(ctx.config["timeout"])
        settings.setdefault("timeout", instance.timeout_seconds)
        return settings

    def _step_sql(self, ctx, instance, endpoint: dict, payload: Payload | None) -> tuple[str, dict] | None:
        """(SQL, parameters) when a database endpoint's query is one `{{variable}}`: the SQL is written in the
        step (the catalog's SQL database connector). Each [[token]] in it becomes a bound parameter, so a
        value from a payload or the flow is never pasted into the SQL."""
        match = _WHOLE_TOKEN.fullmatch(str(endpoint.get("query") or "")) if instance.protocol == "database" else None
        if not match:
            return None
        name = match.group(1)
        template = (ctx.config.get("variables") or {}).get(name)
        if template in (None, ""):
            template = next((v.get("default") for v in endpoint.get("variables") or [] if v.get("key") == name), None)
        if not isinstance(template, str) or not template.strip():
            raise ShapeError(f"Endpoint '{endpoint.get('name')}' needs its SQL: write it in the step's '{name}'.")
        scope = self._scope(ctx, payload)
        sql, rest, params = "", template, {}
        for n, ref in enumerate(variables.references(template, (variables.SQUARE,)), start=1):
            before, _, rest = rest.partition(ref.raw)
            sql += f"{before}:weft_value_{n}"
            params[f"weft_value_{n}"] = variables.resolve(ref.raw, scope, brackets=(variables.SQUARE,))
        return sql + rest, params

    def _protocol_call(self, ctx, instance, operation: dict, options, call):
        """call() with retries: a ProtocolError the protocol marks retryable is tried again after the runtime's
        backoff (doubling), up to `options.retries` more times. Each failed attempt is one operation."""
        from app.connectors.http import Backoff
        from app.connectors.protocols import ProtocolError

        runtime = ctx.connectors
        attempts = 1 + max(0, int(options.retries or 0))
        backoff = Backoff(getattr(runtime, "retry_delay", 1.0), getattr(runtime, "sleep", time.sleep))
        label = f"{instance.connector_name} {operation.get('name') or operation.get('key') or 'call'}"
        for attempt in range(1, attempts + 1):
            try:
                return call()
            except ProtocolError as exc:
                ctx.operations(1)  # the attempt reached out to the server: metered like an HTTP attempt
                if not exc.retryable:
                    raise
                if attempt == attempts:
                    if attempts == 1:
                        raise
                    raise ProtocolError(f"{exc} (gave up after {attempts} attempts)") from None
                ctx.log("warning", f"{label} failed (attempt {attempt} of {attempts}): {exc} "
                                   f"Retrying in {backoff.delay:g} s.")
                ctx.check_deadline()
                backoff.wait()
        raise AssertionError("unreachable")

    def _prepare(self, ctx, instance, endpoint, values, payload) -> tuple:
        """(protocol, operation, variables, settings, credentials) for one protocol call."""
        operation = self._operation(instance, endpoint, values)
        step_sql = self._step_sql(ctx, instance, endpoint, payload)
        if step_sql:
            operation["query"], values = step_sql[0], {**values, **step_sql[1]}
        return (self._protocol(instance), operation, values, self._settings(ctx, instance),
                self._credentials(instance))

    def _protocol_receive(self, ctx, instance, endpoint, values, payload, options) -> Bucket:
        protocol, operation, values, settings, credentials = self._prepare(ctx, instance, endpoint, values, payload)
        out = self._protocol_call(ctx, instance, operation, options,
                                  lambda: list(protocol.receive(settings, credentials, operation, values)))
        ctx.operations(max(1, len(out)))
        ctx.log("info", f"{instance.connector_name} {operation.get('name', 'receive')}: {len(out)} item"
                        f"{'s' if len(out) != 1 else ''} received.")
        return out

    def _protocol_send(self, ctx, instance, endpoint, values, payload, options) -> Payload | None:
        protocol, operation, values, settings, credentials = self._prepare(ctx, instance, endpoint, values, payload)
        result = self._protocol_call(ctx, instance, operation, options,
                                     lambda: protocol.send(settings, credentials, operation, payload, values))
        ctx.operations(1)
        ctx.log("info", f"{instance.connector_name} {operation.get('name', 'send')}: sent {payload.size:,} bytes.")
        return result
