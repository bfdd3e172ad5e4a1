"""Connector services: install / update / remove connectors for a company, add / edit / remove instances,
test a connection, and the OAuth 2 authorisation-code hand-over. Views and jobs call these; each commits.

Errors a user can act on are ConnectorServiceError (with `.problems`, one sentence each); refusing to
remove something a deployed flow uses raises InUseError, whose `.usages` list those flows.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext

from app import crypto
from app.connectors import catalog
from app.connectors.auth.base import AuthContext, AuthError
from app.connectors.auth.oauth2_code import OAuth2AuthorizationCode
from app.connectors.definitions import (
    find_auth_method,
    frozen,
    secret_keys,
    usable_problems,
    validate_definition,
)
from app.connectors.http import ConnectorError, RequestOptions
from app.connectors.models import InstalledConnector, Instance
from app.connectors.records import Exchange
from app.connectors.runtime import ConnectorRuntime
from app.extensions import db, get_redis
from app.flows.models import Flow, FlowVersion
from app.markers import N_
from app.tenancy import acting_as, scoped
from app.timeutil import utcnow

INSTANCE_LIMITS = {"timeout_seconds": (1, 600), "retries": (0, 2), "rate_limit_per_minute": (1, 100_000),
                   "pool_size": (1, 1000)}
_SETTING_LABELS = {"timeout_seconds": N_("Timeout seconds"), "retries": N_("Retries"),
                   "rate_limit_per_minute": N_("Rate limit per minute"), "pool_size": N_("Pool size")}
_oauth = OAuth2AuthorizationCode()


class ConnectorServiceError(ValueError):
    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


@dataclass(frozen=True)
class FlowUsage:
    flow_id: int
    flow_name: str
    version_number: int
    status: str  # deployed | draft
    instance_id: int
    step_id: str | None


class InUseError(ConnectorServiceError):
    """`message` is a translated sentence with a `%(flows)s` placeholder for the flows' names."""

    def __init__(self, message: str, usages: list[FlowUsage]):
        self.usages = usages
        super().__init__(message.replace("%(flows)s", ", ".join(sorted({u.flow_name for u in usages}))))


@dataclass
class TestResult:
    ok: bool
    message: str
    exchange: Exchange | None = None


class WebRuntime(ConnectorRuntime):
    """A runtime for one web request: closing it also stops the sandbox children its scripts started."""

    def close(self) -> None:
        super().close()
        if self.scripts is not None:
            self.scripts.close()


def runtime_for(company_id: int, **kwargs) -> ConnectorRuntime:
    """A runtime for web-side work (connection tests, Try it, OAuth callback) over the request's session, with
    the company's scripts, so endpoint, authentication and pagination scripts run as they do in a flow run."""
    from app.scripts.finder import runner_for
    from app.scripts.services import TEST_TIMEOUT

    runtime = WebRuntime(company_id=company_id, redis=get_redis(), session=db.session,
                         secret_key=current_app.config["SECRET_KEY"], **kwargs)
    runtime.scripts = runner_for(company_id, current_app.config, session=db.session, timeout=TEST_TIMEOUT)
    return runtime


# -- connectors ---------------------------------------------------------------------------------------
def installed_connectors(company_id: int) -> list[InstalledConnector]:
    with acting_as(company_id):
        return list(db.session.execute(scoped(InstalledConnector).order_by(InstalledConnector.name)).scalars())


def _installed_by_key(company_id: int, key: str) -> InstalledConnector | None:
    with acting_as(company_id):
        query = scoped(InstalledConnector).where(InstalledConnector.key == key)
        return db.session.execute(query).scalar_one_or_none()


def install_connector(company, key: str) -> InstalledConnector:
    """Install a prebuilt connector (a frozen copy of the catalog definition)."""
    definition = catalog.get(key)
    if definition is None:
        raise ConnectorServiceError(gettext("There is no prebuilt connector '%(key)s'.", key=key))
    if _installed_by_key(company.id, key) is not None:
        raise ConnectorServiceError(gettext("%(name)s is already installed.", name=definition["name"]))
    row = InstalledConnector(company_id=company.id, key=key, version=str(definition.get("version", "")),
                             name=definition["name"], definition=definition, source="catalog")
    db.session.add(row)
    db.session.commit()
    return row


def create_connector(company, definition: dict, source: str = "custom") -> InstalledConnector:
    """A connector authored in the builder (or imported from Postman): validated, then installed."""
    problems = validate_definition(definition)
    if problems:
        raise ConnectorServiceError(problems)
    if source not in ("custom", "postman"):
        raise ConnectorServiceError(gettext("A custom connector's source is 'custom' or 'postman'."))
    if _installed_by_key(company.id, definition["key"]) is not None:
        raise ConnectorServiceError(gettext("A connector with the key '%(key)s' is already installed.",
                                            key=definition["key"]))
    row = InstalledConnector(company_id=company.id, key=definition["key"], version=str(definition.get("version", "")),
                             name=definition["name"], definition=frozen(definition), source=source)
    db.session.add(row)
    db.session.commit()
    return row


def update_connector(connector: InstalledConnector, definition: dict | None = None) -> InstalledConnector:
    """Replace the definition: the newest catalog copy when none is given, else the builder's edit.

    Refused when an instance's authentication method, or an endpoint a deployed flow uses, would vanish.
    """
    if definition is None:
        if connector.source != "catalog":
            raise ConnectorServiceError(gettext("A custom connector is updated with its edited definition."))
        definition = catalog.get(connector.key)
        if definition is None:
            raise ConnectorServiceError(gettext("'%(key)s' is no longer in the catalog.", key=connector.key))
    problems = validate_definition(definition)
    if definition.get("key") != connector.key:
        problems.append(gettext("The key cannot change (it is '%(key)s').", key=connector.key))
    methods = {m.get("key") for m in definition.get("auth_methods") or []}
    for instance in connector.instances:
        if instance.auth_method and instance.auth_method not in methods:
            problems.append(gettext("The instance '%(instance)s' uses the authentication method '%(method)s', "
                                    "which this version removes.", instance=instance.name, method=instance.auth_method))
    endpoints = {e.get("key") for e in definition.get("endpoints") or []}
    for usage, endpoint in _endpoint_usages(connector.company_id, [i.id for i in connector.instances]):
        if endpoint not in endpoints:
            problems.append(gettext("The deployed flow '%(flow)s' uses the endpoint '%(endpoint)s', "
                                    "which this version removes.", flow=usage.flow_name, endpoint=endpoint))
    if problems:
        raise ConnectorServiceError(problems)
    connector.definition = frozen(definition)
    connector.name = definition["name"]
    connector.version = str(definition.get("version", ""))
    connector.updated_at = utcnow()
    db.session.commit()
    return connector


def remove_connector(connector: InstalledConnector) -> None:
    """Uninstall, with its instances; refused while a deployed flow uses any of them."""
    usages = flows_using(connector.company_id, [i.id for i in connector.instances])
    if usages:
        raise InUseError(gettext("%(name)s is used by deployed flows: %%(flows)s. Change or undeploy them first.",
                                  name=connector.name), usages)
    db.session.delete(connector)
    db.session.commit()


# -- which flows use what ----------------------------------------------------------------------------
def _connector_steps(node) -> Iterator[dict]:
    """Every connector step in a flow definition, however deeply route/branch/try-catch nest them."""
    if isinstance(node, dict):
        if node.get("type") == "connector" and isinstance(node.get("config"), dict):
            yield node
        for value in node.values():
            yield from _connector_steps(value)
    elif isinstance(node, list):
        for value in node:
            yield from _connector_steps(value)


def _versions(company_id: int, statuses: Iterable[str]) -> list[FlowVersion]:
    with acting_as(company_id):
        query = scoped(FlowVersion).where(FlowVersion.status.in_(tuple(statuses))).join(Flow)
        return list(db.session.execute(query).scalars())


def _endpoint_usages(company_id: int, instance_ids: list[int], statuses=("deployed",)):
    wanted = {int(i) for i in instance_ids}
    if not wanted:
        return
    for version in _versions(company_id, statuses):
        for step in _connector_steps(version.definition or {}):
            try:
                instance_id = int(step["config"].get("instance_id"))
            except (TypeError, ValueError):
                continue
            if instance_id in wanted:
                usage = FlowUsage(version.flow_id, version.flow.name, version.number, version.status, instance_id,
                                  step.get("id"))
                yield usage, step["config"].get("endpoint")


def _trigger_usages(company_id: int, instance_ids: list[int], statuses) -> list[FlowUsage]:
    """Flow versions whose event listener (the trigger) consumes through one of the instances."""
    from app.event_bindings import trigger_instance_id

    wanted = {int(i) for i in instance_ids}
    return [FlowUsage(v.flow_id, v.flow.name, v.number, v.status, iid, "trigger")
            for v in (_versions(company_id, statuses) if wanted else [])
            if (iid := trigger_instance_id(v.trigger)) in wanted]


def flows_using(company_id: int, instance_ids: list[int], statuses=("deployed",)) -> list[FlowUsage]:
    """Flow versions (deployed by default; pass ("deployed", "draft") for drafts too) using the instances,
    in a connector step or as their event listener's broker."""
    return [usage for usage, _ in _endpoint_usages(company_id, instance_ids, statuses)] + _trigger_usages(
        company_id, instance_ids, statuses)


# -- instances ------------------------------------------------------------------------------------------
def _settings_problems(settings: dict) -> list[str]:
    problems = []
    for key, (low, high) in INSTANCE_LIMITS.items():
        value = settings.get(key)
        if value in (None, ""):
            continue
        try:
            if not low <= int(value) <= high:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(gettext("%(setting)s must be a whole number from %(low)d to %(high)d.",
                                    setting=gettext(_SETTING_LABELS[key]), low=low, high=high))
    return problems


def _split_values(definition: dict, method: dict | None, values: dict) -> tuple[dict, dict]:
    """(clear variables, secrets): connector variables and non-secret auth values stay readable."""
    secrets = secret_keys(method)
    known = {v["key"] for v in definition.get("variables") or []} | {
        v["key"] for v in (method or {}).get("variables") or []}
    clear = {k: v for k, v in values.items() if k in known and k not in secrets}
    hidden = {k: v for k, v in values.items() if k in secrets and v not in (None, "")}
    return clear, hidden


def _required_problems(definition: dict, method: dict | None, clear: dict, hidden: dict) -> list[str]:
    merged = {**clear, **hidden}
    problems = []
    for var in [*(definition.get("variables") or []), *((method or {}).get("variables") or [])]:
        if var.get("required") and merged.get(var["key"]) in (None, "") and var.get("default") in (None, ""):
            problems.append(gettext("'%(name)s' is required.", name=var.get("label") or var["key"]))
    return problems


def add_instance(connector: InstalledConnector, name: str, auth_method: str | None, values: dict,
                 **settings) -> Instance:
    """A new instance: `values` holds connector variables and auth variables by key; secrets are encrypted.
    `settings`: timeout_seconds, retries (0-2), rate_limit_per_minute, pool_size."""
    definition = connector.definition or {}
    problems = usable_problems(definition)[:1] if not definition.get("auth_methods") else []  # spec 6
    method = find_auth_method(definition, auth_method)
    if definition.get("auth_methods") and method is None:
        problems.append(gettext("Choose one of the connector's authentication methods."))
    if not (name or "").strip():
        problems.append(gettext("The instance needs a name."))
    clear, hidden = _split_values(definition, method, values)
    problems += _required_problems(definition, method, clear, hidden) + _settings_problems(settings)
    if problems:
        raise ConnectorServiceError(problems)
    instance = Instance(company_id=connector.company_id, connector_id=connector.id, name=name.strip(),
                        auth_method=(method or {}).get("key"), variables=clear,
                        credentials_enc=crypto.encrypt_json(hidden) if hidden else None)
    for key in INSTANCE_LIMITS:
        if settings.get(key) not in (None, ""):
            setattr(instance, key, int(settings[key]))
    db.session.add(instance)
    db.session.commit()
    return instance


def update_instance(instance: Instance, *, name: str | None = None, auth_method: str | None = None,
                    values: dict | None = None, **settings) -> Instance:
    """Edit an instance. A secret left blank in `values` keeps its stored value; changing the auth method
    or any credential forgets OAuth tokens obtained with the old ones."""
    definition = instance.connector.definition or {}
    method_key = auth_method if auth_method is not None else instance.auth_method
    method = find_auth_method(definition, method_key)
    problems = [] if method or not definition.get("auth_methods") else [
        gettext("Choose one of the connector's authentication methods.")]
    if name is not None and not name.strip():
        problems.append(gettext("The instance needs a name."))
    stored = crypto.decrypt_json(instance.credentials_enc) or {}
    if values is not None:
        clear, hidden = _split_values(definition, method, values)
        hidden = {**{k: v for k, v in stored.items() if k in secret_keys(method)}, **hidden}
    else:
        clear, hidden = dict(instance.variables or {}), stored
    problems += _required_problems(definition, method, clear, hidden) + _settings_problems(settings)
    if problems:
        raise ConnectorServiceError(problems)
    if method_key != instance.auth_method or hidden != stored:
        instance.oauth_token_enc = None
        instance.token_expires_at = None
        instance.authorised_at = None
        get_redis().delete(*[f"weft:connectors:token:{instance.id}:{n}" for n in ("client_credentials",
                                                                                   "soap_session")])
    if name is not None:
        instance.name = name.strip()
    instance.auth_method = (method or {}).get("key")
    instance.variables = clear
    instance.credentials_enc = crypto.encrypt_json(hidden) if hidden else None
    for key in INSTANCE_LIMITS:
        if key in settings:
            value = settings[key]
            setattr(instance, key, int(value) if value not in (None, "") else
                    (None if key in ("rate_limit_per_minute", "pool_size") else getattr(instance, key)))
    instance.updated_at = utcnow()
    db.session.commit()
    return instance


def remove_instance(instance: Instance) -> None:
    """Refused while a deployed flow uses the instance (spec 6.6)."""
    usages = flows_using(instance.company_id, [instance.id])
    if usages:
        raise InUseError(gettext("The instance '%(name)s' is used by deployed flows: %%(flows)s. Change or undeploy "
                                  "them first.", name=instance.name), usages)
    db.session.delete(instance)
    db.session.commit()


def instance_values(instance: Instance) -> dict:
    """What an edit form shows: clear values as stored, secrets as '' plus which ones are set."""
    method = instance.method
    stored = crypto.decrypt_json(instance.credentials_enc) or {}
    values = dict(instance.variables or {})
    for key in secret_keys(method):
        values[key] = ""
    return {"values": values, "secrets_set": sorted(k for k in stored if stored.get(k))}


# -- connection test and OAuth ---------------------------------------------------------------------------
def test_connection(instance: Instance) -> TestResult:
    """Send the connector's test request (or its first simple GET) with the instance's credentials."""
    with runtime_for(instance.company_id, retry_delay=0.5) as runtime:
        resolved = runtime.resolve(instance)
        if resolved.protocol:
            from app.connectors.protocols import ProtocolError, get

            try:
                settings = dict(resolved.variables)
                credentials = {**resolved.credentials, "auth_type": (resolved.auth_method or {}).get("type", "none")}
                return TestResult(True, get(resolved.protocol).test(settings, credentials))
            except ProtocolError as exc:
                return TestResult(False, str(exc))
        try:
            exchange = runtime.http(resolved).test(RequestOptions(retries=0))
        except ConnectorError as exc:
            return TestResult(False, str(exc), exc.exchange)
        return TestResult(True, gettext("Connected: %(summary)s", summary=exchange.summary()), exchange)


def test_values(connector: InstalledConnector, auth_method: str | None, values: dict, **settings) -> TestResult:
    """Test credentials typed into the add-instance form before anything is saved."""
    with runtime_for(connector.company_id, retry_delay=0.5) as runtime:
        resolved = runtime.unsaved(connector.definition or {}, auth_method, values, **settings)
        if resolved.protocol:
            from app.connectors.protocols import ProtocolError, get

            try:
                credentials = {**resolved.credentials, "auth_type": (resolved.auth_method or {}).get("type", "none")}
                return TestResult(True, get(resolved.protocol).test(dict(resolved.variables), credentials))
            except ProtocolError as exc:
                return TestResult(False, str(exc))
        if (resolved.auth_method or {}).get("type") == "oauth2_authorization_code":
            return TestResult(False, gettext("Save the instance, then authorise it: OAuth 2 needs the redirect first."))
        try:
            exchange = runtime.http(resolved).test(RequestOptions(retries=0))
        except ConnectorError as exc:
            return TestResult(False, str(exc), exc.exchange)
        return TestResult(True, gettext("Connected: %(summary)s", summary=exchange.summary()), exchange)


def _oauth_context(runtime: ConnectorRuntime, instance: Instance, kind: str = "oauth2_authorization_code"
                   ) -> AuthContext:
    resolved = runtime.resolve(instance)
    method = resolved.auth_method or {}
    if method.get("type") != kind:
        if kind == "oauth1":
            raise ConnectorServiceError(gettext("The instance '%(name)s' does not use OAuth 1.", name=instance.name))
        raise ConnectorServiceError(gettext("The instance '%(name)s' does not use OAuth 2 authorisation code.",
                                            name=instance.name))
    return AuthContext(method=method, values=resolved.values, client=runtime.client, tokens=resolved.tokens,
                       timeout=float(resolved.timeout_seconds or 30), scripts=runtime.scripts)


def oauth_authorization_url(instance: Instance, redirect_uri: str, state: str, code_verifier: str | None) -> str:
    with runtime_for(instance.company_id) as runtime:
        try:
            return _oauth.authorization_url(_oauth_context(runtime, instance), redirect_uri, state, code_verifier)
        except AuthError as exc:
            raise ConnectorServiceError(str(exc)) from None


def complete_oauth(instance: Instance, code: str, redirect_uri: str, code_verifier: str | None) -> Instance:
    """Trade the callback's code for tokens and store them (encrypted) on the instance."""
    with runtime_for(instance.company_id) as runtime:
        try:
            _oauth.exchange_code(_oauth_context(runtime, instance), code, redirect_uri, code_verifier)
        except AuthError as exc:
            raise ConnectorServiceError(str(exc)) from None
    db.session.refresh(instance)
    return instance


def new_code_verifier() -> str:
    return _oauth.new_verifier()
