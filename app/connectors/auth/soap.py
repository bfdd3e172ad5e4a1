"""SOAP authentication: credentials travel inside the XML envelope, not in HTTP headers.

Three modes (setting `mode`):
- "envelope" (default): the endpoint's body template names the credentials itself, e.g.
  `<Password>{{password}}</Password>`; nothing is added here beyond the method's headers.
- "ws_security": a WS-Security `UsernameToken` (PasswordText) is inserted into the envelope's Header.
- "login": a login envelope (`login_body`, posted to `login_path`) returns a session token read with the
  XPath `token_xpath` (Patchworks' "response authentication token key", e.g. `//ns:Detail`). The token
  is cached for `token_ttl` seconds and offered to endpoint templates as `{{session_token}}`; a 401 or a
  fault matching `relogin_on` logs in again once. The method's body fields become elements of the login
  operation (the envelope Body's first element, or the Body itself).
"""
from __future__ import annotations

import httpx
from lxml import etree

from app.connectors.auth import method_scripts
from app.connectors.auth.base import (
    AuthContext,
    AuthError,
    AuthType,
    Field,
    OutgoingRequest,
    apply_extras,
    body_fields,
    token_response_error,
)

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
                 "#PasswordText")
CACHE_NAME = "soap_session"
MODES = ("envelope", "ws_security", "login")


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class SoapAuth(AuthType):
    type = "soap"
    label = "SOAP (credentials in the envelope)"
    default_variables = [
        {"key": "username", "label": "Username", "required": True, "secret": False},
        {"key": "password", "label": "Password", "required": True, "secret": True},
    ]
    fields = [
        Field("mode", "Mode", default="envelope", choices=MODES),
        Field("username", "Username", default="{{username}}"),
        Field("password", "Password", default="{{password}}"),
        Field("login_path", "Login URL or path", "login mode: where the login envelope is posted"),
        Field("login_body", "Login envelope", "login mode: XML with {{variables}}"),
        Field("soap_action", "Login SOAPAction header", "login mode"),
        Field("token_xpath", "Response authentication token key", "login mode: XPath to the token"),
        Field("namespaces", "XPath namespaces", "prefix -> URI for token_xpath", default={}),
        Field("token_ttl", "Session lifetime (seconds)", default=3600),
        Field("relogin_on", "Log in again when the response contains", default="Invalid Session"),
    ]

    def validate(self, method: dict) -> list[str]:
        problems = super().validate(method)
        s = method.get("settings") or {}
        mode = s.get("mode", "envelope")
        if mode not in MODES:
            problems.append(f"mode must be one of {', '.join(MODES)}.")
        if mode == "login":
            for key in ("login_path", "login_body", "token_xpath"):
                if not s.get(key):
                    problems.append(f"login mode needs '{key}'.")
        return problems

    # -- login mode ---------------------------------------------------------------------------------
    def _login(self, actx: AuthContext) -> str:
        s = actx.settings
        path = actx.setting("login_path")
        url = path if path.startswith(("http://", "https://")) else actx.base_url.rstrip("/") + "/" + path.lstrip("/")
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        for name, template in (actx.method.get("headers") or {}).items():
            headers[name] = actx.render(template)
        if s.get("soap_action"):
            headers["SOAPAction"] = actx.setting("soap_action")
        envelope = self._with_body_fields(actx.setting("login_body").encode(), body_fields(actx))
        try:
            response = method_scripts.send(actx, lambda: OutgoingRequest.parse(
                "POST", url, headers=dict(headers), content=envelope))
        except httpx.HTTPError as exc:
            raise AuthError(f"The SOAP login request to {url} failed: {type(exc).__name__}.")
        if response.status_code >= 400:
            raise AuthError(f"The SOAP login was refused: {self._mask(actx, token_response_error(response))}")
        try:
            root = etree.fromstring(response.content, _safe_parser())
            found = root.xpath(s["token_xpath"], namespaces=s.get("namespaces") or None)
        except (etree.XMLSyntaxError, etree.XPathError) as exc:
            raise AuthError(f"The SOAP login response could not be read: {exc}")
        if isinstance(found, list):
            found = found[0] if found else None
        token = found.text if hasattr(found, "text") else found
        if not token or not str(token).strip():
            raise AuthError(f"The SOAP login response has no token at {s['token_xpath']}.")
        actx.tokens.cache(CACHE_NAME, {"token": str(token).strip()}, ttl=float(s.get("token_ttl") or 3600))
        return str(token).strip()

    @staticmethod
    def _with_body_fields(envelope: bytes, fields: dict[str, str]) -> bytes:
        """The method's body fields as elements of the login operation (the Body's first element, or the Body
        itself when it holds the fields directly), in its namespace; an envelope that is not XML is sent as
        written."""
        if not fields:
            return envelope
        try:
            root = etree.fromstring(envelope, _safe_parser())
        except etree.XMLSyntaxError:
            return envelope
        body = next(iter(root.xpath("/*/*[local-name()='Body']")), None)
        if body is None:
            return envelope
        first = next((child for child in body if isinstance(child.tag, str)), None)
        operation = first if first is not None and any(isinstance(c.tag, str) for c in first) else body
        namespace = etree.QName(operation).namespace
        for name, value in fields.items():
            try:
                etree.SubElement(operation, f"{{{namespace}}}{name}" if namespace else name).text = value
            except ValueError:
                raise AuthError(f"The body field '{name}' cannot be an element of the SOAP login envelope.") from None
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")

    @staticmethod
    def _mask(actx: AuthContext, text: str) -> str:
        for secret in actx.secrets():
            if len(secret) >= 4:
                text = text.replace(secret, "••••")
        return text

    def session_token(self, actx: AuthContext) -> str:
        cached = actx.tokens.cached(CACHE_NAME)
        if cached:
            return cached["token"]
        with actx.tokens.lock("soap-login"):
            cached = actx.tokens.cached(CACHE_NAME)
            return cached["token"] if cached else self._login(actx)

    def has_auth_request(self, actx: AuthContext) -> bool:
        return actx.settings.get("mode") == "login"  # the login envelope is the auth request

    def template_values(self, actx: AuthContext) -> dict:
        if actx.settings.get("mode") == "login":
            return {"session_token": self.session_token(actx)}
        return {}

    def on_unauthorized(self, actx: AuthContext) -> bool:
        if actx.settings.get("mode") != "login":
            return False
        actx.tokens.forget(CACHE_NAME)
        return True

    def needs_relogin(self, actx: AuthContext, response_text: str) -> bool:
        marker = actx.settings.get("relogin_on", "Invalid Session")
        return actx.settings.get("mode") == "login" and bool(marker) and marker in response_text

    def secret_values(self, actx: AuthContext) -> list[str]:
        cached = actx.tokens.cached(CACHE_NAME) or {}
        return [cached["token"]] if cached.get("token") else []

    # -- every request ------------------------------------------------------------------------------
    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        apply_extras(actx, request)
        if request.header("Content-Type") is None:
            request.set_header("Content-Type", "text/xml; charset=utf-8")
        if actx.settings.get("mode") == "ws_security" and request.content:
            request.content = self._with_username_token(actx, request.content)

    def _with_username_token(self, actx: AuthContext, envelope: bytes) -> bytes:
        try:
            root = etree.fromstring(envelope, _safe_parser())
        except etree.XMLSyntaxError as exc:
            raise AuthError(f"The request body is not a SOAP envelope: {exc}")
        soap_ns = etree.QName(root).namespace
        header = root.find(f"{{{soap_ns}}}Header")
        if header is None:
            header = etree.Element(f"{{{soap_ns}}}Header")
            root.insert(0, header)
        security = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE})
        token = etree.SubElement(security, f"{{{WSSE}}}UsernameToken")
        etree.SubElement(token, f"{{{WSSE}}}Username").text = actx.setting("username", "{{username}}")
        password = etree.SubElement(token, f"{{{WSSE}}}Password", Type=PASSWORD_TEXT)
        password.text = actx.setting("password", "{{password}}")
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")
