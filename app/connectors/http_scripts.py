"""The endpoint's custom scripts around an HTTP exchange (app/scripts/connector_scripts.py): the
pre-request script, post-request and shape-level response scripts (codes 0-3) and script pagination.
Mixed into HttpConnector, which provides exchange(), auth, actx, instance and scripts."""
from __future__ import annotations

from app.connectors.auth.base import OutgoingRequest
from app.connectors.exchanges import ConnectorError, RequestOptions
from app.connectors.pagination.base import PaginationError
from app.flows.context import Payload


class EndpointScripts:
    def _runner(self):
        if self.scripts is None:
            raise ConnectorError("This endpoint uses custom scripts, which run only where the caller provides "
                                 "the script service (flow runs do).")
        return self.scripts

    def _script_failed(self, exc) -> ConnectorError:
        return ConnectorError(str(exc))

    def _pre(self, endpoint: dict, request: OutgoingRequest, payload: Payload | None, variables: dict,
             options: RequestOptions) -> OutgoingRequest:
        ref = endpoint.get("pre_request_script")
        if ref:
            from app.scripts import connector_scripts
            from app.scripts.sandbox import ScriptError

            try:
                logs = connector_scripts.pre_request(self._runner(), ref, request, payload=payload,
                                                     variables=variables, flow_variables=options.flow_variables)
            except ScriptError as exc:
                raise self._script_failed(exc) from None
            for line in logs:
                options.on_log("info", f"Pre-request script: {line}")
        return request

    def _scripted_exchange(self, endpoint: dict, make_request, options: RequestOptions, payload: Payload | None,
                           variables: dict, page: int | None = None):
        """exchange() plus the endpoint's post-request script and the shape's response script (codes 0-3)."""
        self.actx.on_log = options.on_log  # the auth method's scripts log where this request logs
        refs = [r for r in (self.auth.response_script(self.actx), endpoint.get("post_request_script"),
                            options.response_script) if r]
        if refs:
            self._runner()  # no script service: refuse before sending anything
        attempts = 1 + max(0, int(options.retries if options.retries is not None else self.instance.retries))
        for attempt in range(1, attempts + 1):
            response, record = self.exchange(make_request, options, page)
            body, retry = None, False
            for ref in refs:
                result = self._post(ref, response, payload, variables, options, record)
                body = result.body if result.body is not None else body
                if result.code == 1:
                    retry = True
                    break
            if not retry:
                return response, record, body
            options.on_log("warning", f"A response script asked to retry the request (attempt {attempt} of "
                                      f"{attempts}).")
        raise ConnectorError(f"A response script asked to retry the request {attempts} times; giving up.",
                             exchange=record)

    def _post(self, ref, response, payload, variables, options, record):
        from app.scripts import connector_scripts
        from app.scripts.sandbox import ScriptError

        try:
            result = connector_scripts.post_request(self._runner(), ref, response, payload=payload,
                                                    variables=variables, flow_variables=options.flow_variables)
        except ScriptError as exc:
            raise self._script_failed(exc) from None
        for line in result.logs:
            options.on_log("info", f"Response script: {line}")
        if result.code in (2, 3):
            verdict = "failed the run; it will be retried" if result.code == 2 else "failed the run"
            error = ConnectorError(f"The response script '{ref}' {verdict}" + (f": {result.message}" if result.message
                                                                              else "."), exchange=record)
            error.script_code = result.code
            raise error
        if result.message:
            options.on_log("info", f"Response script: {result.message}")
        return result

    def _pagination_hook(self, payload: Payload | None, variables: dict, options: RequestOptions):
        def next_page(ref, **page):
            from app.scripts import connector_scripts
            from app.scripts.sandbox import ScriptError

            try:
                return connector_scripts.next_page(self._runner(), ref, payload=payload, variables=variables,
                                                   flow_variables=options.flow_variables, **page)
            except ScriptError as exc:
                raise PaginationError(str(exc)) from None
        return next_page
