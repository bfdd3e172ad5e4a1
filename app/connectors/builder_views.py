"""The connector builder's pages (basic details, variables, authentication methods, endpoints) and "Try it"."""
from __future__ import annotations

from flask import abort, flash, g, request, url_for
from flask_babel import gettext

from app import htmx
from app.connectors import auth as auth_types
from app.connectors import builder, builder_forms, builder_rows, builder_try, forms
from app.connectors.definitions import find_endpoint
from app.connectors.models import InstalledConnector, Instance
from app.connectors.services import ConnectorServiceError
from app.connectors.views import _not_editable, _status, bp
from app.scripts import picker
from app.tenancy import get_or_404, requires


# -- the builder: step 1, basic details ----------------------------------------------------------------------
def _builder_page(template: str, block: str, connector, status: int = 200, **context):
    definition = (connector.definition if connector else None) or {}
    return htmx.render(f"connectors/builder/{template}", block=block, status=status, connector=connector,
                       definition=definition, readiness=builder.readiness(definition) if connector else [],
                       **context)


@bp.route("/new", methods=["GET", "POST"])
@requires("connectors", "edit")
def new():
    form = builder_forms.details_form()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            connector = builder.start_connector(g.company, form.details())
        except ConnectorServiceError as exc:
            problems = exc.problems
        else:
            flash(gettext("%(name)s is created. Add connector variables if the base URL needs any, then an "
                          "authentication method.", name=connector.name), "success")
            return htmx.redirect(url_for("connectors.builder_variables", connector_id=connector.id))
    return _builder_page("details.html", "details_form", None, _status(), form=form, problems=problems,
                         step="details")


@bp.route("/<int:connector_id>/builder", methods=["GET", "POST"])
@requires("connectors", "edit")
def builder_details(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    if connector.source == "catalog":
        return _not_editable(connector)
    form = builder_forms.details_form(connector.definition,
                                      **({"formdata": None} if request.method == "GET" else {}))
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            builder.save_details(connector, form.details())
        except ConnectorServiceError as exc:
            problems = exc.problems
        else:
            flash(gettext("Basic details saved."), "success")
            return htmx.redirect(url_for("connectors.builder_details", connector_id=connector.id))
    return _builder_page("details.html", "details_form", connector, _status(), form=form, problems=problems,
                         step="details")


# -- step 2: connector variables ------------------------------------------------------------------------------
@bp.route("/<int:connector_id>/builder/variables", methods=["GET", "POST"])
@requires("connectors", "edit")
def builder_variables(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    if connector.source == "catalog":
        return _not_editable(connector)
    if request.method == "GET":
        form = builder_forms.VariablesForm(formdata=None, data={
            "variables": builder_rows.variable_rows((connector.definition or {}).get("variables"))})
    else:
        form = builder_forms.VariablesForm()
    problems: list[str] = []
    if request.method == "POST":
        if form.row_action(request.form):
            return _builder_page("variables.html", "variables_form", connector, form=form, problems=[],
                                 step="variables")
        if form.validate():
            try:
                builder.save_variables(connector, form.variables_data())
            except ConnectorServiceError as exc:
                problems = exc.problems
            else:
                flash(gettext("Connector variables saved."), "success")
                return htmx.redirect(url_for("connectors.builder_variables", connector_id=connector.id))
    return _builder_page("variables.html", "variables_form", connector, _status(), form=form, problems=problems,
                         step="variables")


# -- step 3: authentication methods -----------------------------------------------------------------------------
@bp.route("/<int:connector_id>/builder/auth")
@requires("connectors", "edit")
def builder_auth(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    if connector.source == "catalog":
        return _not_editable(connector)
    return _builder_page("auth.html", None, connector, step="auth", types=builder.auth_type_choices(None),
                         script_names=picker.names())


@bp.route("/<int:connector_id>/builder/auth/new", methods=["GET", "POST"], defaults={"key": None})
@bp.route("/<int:connector_id>/builder/auth/<key>", methods=["GET", "POST"])
@requires("connectors", "edit")
def builder_auth_method(connector_id: int, key: str | None):
    connector = get_or_404(InstalledConnector, connector_id)
    if connector.source == "catalog":
        return _not_editable(connector)
    definition = connector.definition or {}
    existing = next((m for m in definition.get("auth_methods") or [] if m.get("key") == key), None)
    if key is not None and existing is None:
        abort(404)
    choices = builder.auth_type_choices(connector.protocol, (existing or {}).get("type"))
    wanted = request.values.get("type") or (existing or {}).get("type") or "token"
    kind = wanted if wanted in dict(choices) else choices[0][0]
    problems: list[str] = []
    status = 200
    if request.method == "GET" or request.form.get("_refresh"):
        # A changed type starts from that type's settings and default variables.
        same = existing is not None and existing.get("type") == kind
        method = existing if same else {**builder.method_defaults(kind),
                                        "name": request.form.get("name") or (existing or {}).get("name", "")}
        if request.method == "POST":  # the chosen scripts do not depend on the type
            method = {**method, **{k: request.form[k] for k in builder_forms.SCRIPT_KEYS if k in request.form}}
        form = builder_forms.auth_method_form(kind, choices, method=method, saved=existing, formdata=None)
    else:
        form = builder_forms.auth_method_form(kind, choices, saved=existing)
        if not form.row_action(request.form):
            if form.validate():
                data = form.method_data()
                if connector.protocol:  # no script fields on the form: what the definition holds stays
                    for script_key in builder_forms.SCRIPT_KEYS:
                        data.pop(script_key)
                try:
                    saved = builder.save_auth_method(connector, key, data)
                except ConnectorServiceError as exc:
                    problems = exc.problems
                else:
                    flash(gettext("Authentication method '%(name)s' saved.", name=form.name.data.strip()), "success")
                    return htmx.redirect(url_for("connectors.builder_auth", connector_id=connector.id) +
                                         f"#method-{saved}")
            status = 422
    return _builder_page("auth_method.html", "method_form", connector, status, form=form, problems=problems,
                         step="auth", method_key=key, auth_type=auth_types.get(kind),
                         advanced=builder_rows.advanced_keys(kind))


@bp.route("/<int:connector_id>/builder/auth/<key>/remove", methods=["POST"])
@requires("connectors", "edit")
def builder_remove_auth(connector_id: int, key: str):
    connector = get_or_404(InstalledConnector, connector_id)
    try:
        builder.remove_auth_method(connector, key)
    except ConnectorServiceError as exc:
        flash(gettext("The method was not removed: %(problems)s", problems=" ".join(exc.problems)), "danger")
    else:
        flash(gettext("Authentication method removed."), "success")
    return htmx.redirect(url_for("connectors.builder_auth", connector_id=connector.id))


# -- step 4: endpoints ---------------------------------------------------------------------------------
@bp.route("/<int:connector_id>/builder/endpoints")
@requires("connectors", "edit")
def builder_endpoints(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    if connector.source == "catalog":
        return _not_editable(connector)
    return _builder_page("endpoints.html", None, connector, step="endpoints",
                         groups=builder.endpoint_groups(connector.definition or {}), script_names=picker.names())


@bp.route("/<int:connector_id>/builder/endpoints/new", methods=["GET", "POST"], defaults={"key": None})
@bp.route("/<int:connector_id>/builder/endpoints/<key>", methods=["GET", "POST"])
@requires("connectors", "edit")
def builder_endpoint(connector_id: int, key: str | None):
    connector = get_or_404(InstalledConnector, connector_id)
    if connector.source == "catalog":
        return _not_editable(connector)
    if connector.protocol:
        flash(gettext("%(name)s uses %(protocol)s, not HTTP: its endpoints hold protocol settings the builder does "
                      "not show. Export the JSON, change it and import it with 'Replace'.",
                      name=connector.name, protocol=connector.protocol.upper()), "info")
        return htmx.redirect(url_for("connectors.builder_endpoints", connector_id=connector.id))
    definition = connector.definition or {}
    methods = definition.get("auth_methods") or []
    existing = find_endpoint(definition, key) if key else None
    if key is not None and existing is None:
        abort(404)
    problems: list[str] = []
    status = 200
    if request.method == "GET":
        start = existing or {"direction": "receive", "method": "GET", "data_type": "json", "entity": ""}
        kind = (start.get("pagination") or {}).get("type", "none")
        form = builder_forms.endpoint_form(kind, methods, endpoint=start, saved=existing, formdata=None)
    else:
        kind = request.form.get("pagination_type") or "none"
        form = builder_forms.endpoint_form(kind, methods, saved=existing)
        if not (request.form.get("_refresh") or form.row_action(request.form)):
            if form.validate():
                try:
                    saved = builder.save_endpoint(connector, key, form.endpoint_data())
                except ConnectorServiceError as exc:
                    problems = exc.problems
                else:
                    flash(gettext("Endpoint '%(name)s' saved.", name=form.name.data.strip()), "success")
                    return htmx.redirect(url_for("connectors.builder_endpoint", connector_id=connector.id,
                                                 key=saved))
            status = 422
    instances = connector.instances
    return _builder_page("endpoint.html", "endpoint_form", connector, status, form=form, problems=problems,
                         step="endpoints", current_endpoint=existing, endpoint_key=key,
                         advanced=builder_rows.advanced_keys(form.pagination_type.data or "none"),
                         try_form=forms.try_form(existing, instances, formdata=None) if existing else None,
                         instances=instances, result=None)


@bp.route("/<int:connector_id>/builder/endpoints/<key>/duplicate", methods=["POST"])
@requires("connectors", "edit")
def builder_duplicate_endpoint(connector_id: int, key: str):
    connector = get_or_404(InstalledConnector, connector_id)
    try:
        twin = builder.duplicate_endpoint(connector, key)
    except ConnectorServiceError as exc:
        flash(" ".join(exc.problems), "danger")
        return htmx.redirect(url_for("connectors.builder_endpoints", connector_id=connector.id))
    flash(gettext("Endpoint copied: rename it and change what differs."), "success")
    return htmx.redirect(url_for("connectors.builder_endpoint", connector_id=connector.id, key=twin))


@bp.route("/<int:connector_id>/builder/endpoints/<key>/remove", methods=["POST"])
@requires("connectors", "edit")
def builder_remove_endpoint(connector_id: int, key: str):
    connector = get_or_404(InstalledConnector, connector_id)
    try:
        builder.remove_endpoint(connector, key)
    except ConnectorServiceError as exc:
        flash(gettext("The endpoint was not removed: %(problems)s", problems=" ".join(exc.problems)), "danger")
    else:
        flash(gettext("Endpoint removed."), "success")
    return htmx.redirect(url_for("connectors.builder_endpoints", connector_id=connector.id))


# -- Try it (any connector's endpoint, with one of its instances) --------------------------------------------
@bp.route("/<int:connector_id>/endpoints/<key>/try", methods=["GET", "POST"])
@requires("connectors", "edit")
def try_endpoint(connector_id: int, key: str):
    connector = get_or_404(InstalledConnector, connector_id)
    endpoint = find_endpoint(connector.definition or {}, key)
    if endpoint is None:
        abort(404)
    instances = connector.instances
    form = forms.try_form(endpoint, instances, **({"formdata": None} if request.method == "GET" else {}))
    result = None
    status = 200
    if request.method == "POST":
        if instances and form.validate():
            instance = get_or_404(Instance, form.instance_id.data)
            result = builder_try.try_endpoint(connector, instance, key, form.values_dict(), form.payload.data)
        else:
            status = 422
    return htmx.render("connectors/try.html", block="try_panel", status=status, connector=connector,
                       current_endpoint=endpoint, try_form=form, instances=instances, result=result)
