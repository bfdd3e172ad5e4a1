"""Connectors & instances pages: the installed connectors with their instances, one connector, adding and
editing instances (credentials never shown back), connection tests, imports and exports, and the connector
builder's four steps (basic details, variables, authentication methods, endpoints) with "Try it".

Viewing needs connectors.view; every change (and every request sent to a provider) needs connectors.edit.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, request, url_for

from app import htmx
from app.connectors import auth as auth_types
from app.connectors import builder, forms, services
from app.connectors.definitions import find_auth_method, find_endpoint, usable_problems
from app.connectors.models import InstalledConnector, Instance
from app.connectors.oauth_views import redirect_uri
from app.connectors.services import ConnectorServiceError, InUseError
from app.tenancy import get_or_404, requires

bp = Blueprint("connectors", __name__, url_prefix="/connectors")


def _status() -> int:
    return 422 if request.method == "POST" else 200


def _refused(title: str, exc: InUseError, back: str):
    """Removal refused: the deployed flows in the way, each a link (a 422 the page swaps into its notice)."""
    return htmx.render("connectors/in_use.html", block="in_use", status=422, title=title,
                       usages=builder.unique_flows(exc.usages), back=back)


def _not_editable(connector: InstalledConnector):
    flash(f"{connector.name} is a prebuilt connector that Weft keeps up to date. Make an editable copy to change "
          "it.", "info")
    return htmx.redirect(url_for("connectors.detail", connector_id=connector.id))


# -- the list and one connector -----------------------------------------------------------------------------
@bp.route("/")
@requires("connectors", "view")
def index():
    return htmx.render("connectors/index.html", cards=builder.overview(g.company.id),
                       sources=builder.SOURCE_LABELS, categories=builder.CATEGORY_LABELS)


@bp.route("/<int:connector_id>")
@requires("connectors", "view")
def detail(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    return htmx.render("connectors/detail.html", card=builder.card(connector), connector=connector,
                       groups=builder.endpoint_groups(connector.definition or {}),
                       usable=usable_problems(connector.definition or {}), just_installed=request.args.get("new"),
                       sources=builder.SOURCE_LABELS, categories=builder.CATEGORY_LABELS,
                       oauth_redirect=redirect_uri())


@bp.route("/<int:connector_id>/export")
@requires("connectors", "view")
def export(connector_id: int):
    filename, text = builder.export_definition(get_or_404(InstalledConnector, connector_id))
    return Response(text, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/<int:connector_id>/update", methods=["POST"])
@requires("connectors", "edit")
def update(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    try:
        services.update_connector(connector)
    except ConnectorServiceError as exc:
        flash(f"{connector.name} was not updated: {' '.join(exc.problems)}", "danger")
    else:
        flash(f"{connector.name} is now version {connector.version}.", "success")
    return htmx.redirect(url_for("connectors.detail", connector_id=connector.id))


@bp.route("/<int:connector_id>/copy", methods=["POST"])
@requires("connectors", "edit")
def copy(connector_id: int):
    original = get_or_404(InstalledConnector, connector_id)
    try:
        twin = builder.copy_connector(g.company, original)
    except ConnectorServiceError as exc:
        flash(" ".join(exc.problems), "danger")
        return htmx.redirect(url_for("connectors.detail", connector_id=original.id))
    flash(f"{twin.name} is an editable copy of {original.name}. Its instances are added separately.", "success")
    return htmx.redirect(url_for("connectors.builder_details", connector_id=twin.id))


@bp.route("/<int:connector_id>/remove", methods=["POST"])
@requires("connectors", "edit")
def remove(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    name = connector.name
    try:
        services.remove_connector(connector)
    except InUseError as exc:
        return _refused(f"{name} cannot be removed yet", exc, url_for("connectors.detail", connector_id=connector.id))
    flash(f"{name} was removed, with its instances.", "success")
    return htmx.redirect(url_for("connectors.index"))


# -- imports ----------------------------------------------------------------------------------------------
def _import_page(definition_form, postman_form, problems=(), block=None, status=200):
    return htmx.render("connectors/import.html", block=block, status=status, form=definition_form,
                       postman_form=postman_form,
                       definition_problems=list(problems) if block == "definition_form" else [],
                       postman_problems=list(problems) if block == "postman_form" else [])


@bp.route("/import", methods=["GET", "POST"])
@requires("connectors", "edit")
def import_definition():
    form = forms.ImportDefinitionForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            connector, created = builder.import_definition(g.company, form.file.data.read(), form.replace.data)
        except ConnectorServiceError as exc:
            problems = exc.problems
        else:
            flash(f"{connector.name} was {'imported' if created else 'replaced from the file'}.", "success")
            return htmx.redirect(url_for("connectors.detail", connector_id=connector.id))
    return _import_page(form, forms.PostmanImportForm(formdata=None), problems, "definition_form", _status())


@bp.route("/import/postman", methods=["GET", "POST"])
@requires("connectors", "edit")
def import_postman():
    form = forms.PostmanImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            connector, notes = builder.import_postman(g.company, form.file.data.read(), form.name.data)
        except ConnectorServiceError as exc:
            problems = exc.problems
        else:
            definition = connector.definition
            flash(f"{connector.name} was imported from Postman with {len(definition['endpoints'])} endpoints and "
                  f"{len(definition['auth_methods'])} authentication method(s). Check them, then add an instance.",
                  "success")
            for note in notes:
                flash(note, "warning")
            return htmx.redirect(url_for("connectors.builder_endpoints", connector_id=connector.id))
    return _import_page(forms.ImportDefinitionForm(formdata=None), form, problems, "postman_form", _status())


# -- instances -----------------------------------------------------------------------------------------
def _method(definition: dict, key: str | None) -> dict | None:
    method = find_auth_method(definition, key)
    methods = definition.get("auth_methods") or []
    return method or (methods[0] if methods else None)


def _instance_page(connector, form, method, instance=None, problems=(), status=200, stored=None):
    return htmx.render("connectors/instance_form.html", block="instance_form", status=status, connector=connector,
                       form=form, method=method, instance=instance, problems=list(problems),
                       secrets_set=set((stored or {}).get("secrets_set") or []),
                       blockers=[] if (connector.definition or {}).get("auth_methods") else
                       usable_problems(connector.definition or {})[:1], oauth_redirect=redirect_uri())


@bp.route("/<int:connector_id>/instances/new", methods=["GET", "POST"])
@requires("connectors", "edit")
def add_instance(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    definition = connector.definition or {}
    method = _method(definition, request.values.get("auth_method"))
    form = forms.instance_form(definition, method)
    problems: list[str] = []
    if request.method == "POST" and form.validate():
        try:
            instance = services.add_instance(connector, form.name.data, (method or {}).get("key"),
                                             form.values_dict(), **form.settings())
        except ConnectorServiceError as exc:
            problems = exc.problems
        else:
            if (method or {}).get("type") == "oauth2_authorization_code":
                flash(f"{instance.name} is saved. Next, authorise Weft with the provider: press 'Authorise'.", "info")
            else:
                flash(f"{instance.name} is saved. Use 'Test connection' to check the credentials.", "success")
            return htmx.redirect(url_for("connectors.detail", connector_id=connector.id) + f"#instance-{instance.id}")
    return _instance_page(connector, form, method, problems=problems, status=_status())


@bp.route("/<int:connector_id>/instances/test", methods=["POST"])
@requires("connectors", "edit")
def test_new_instance(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    method = _method(connector.definition or {}, request.form.get("auth_method"))
    form = forms.instance_form(connector.definition or {}, method)
    result = builder.test_instance_values(connector, (method or {}).get("key"), form.values_dict(),
                                          timeout_seconds=form.timeout_seconds.data)
    return htmx.render("connectors/test_result.html", block="test_result", result=result, connector=connector)


@bp.route("/instances/<int:instance_id>/edit", methods=["GET", "POST"])
@requires("connectors", "edit")
def edit_instance(instance_id: int):
    instance = get_or_404(Instance, instance_id)
    connector = instance.connector
    definition = connector.definition or {}
    method = _method(definition, request.values.get("auth_method") or instance.auth_method)
    stored = services.instance_values(instance)
    form = forms.instance_form(definition, method, instance=instance, stored=stored,
                               **({"formdata": None} if request.method == "GET" else {}))
    problems: list[str] = []
    if request.method == "POST" and form.validate():
        try:
            services.update_instance(instance, name=form.name.data, auth_method=(method or {}).get("key"),
                                     values=form.values_dict(), **form.settings())
        except ConnectorServiceError as exc:
            problems = exc.problems
        else:
            flash(f"{instance.name} is saved.", "success")
            return htmx.redirect(url_for("connectors.detail", connector_id=connector.id) + f"#instance-{instance.id}")
    return _instance_page(connector, form, method, instance, problems, _status(), stored)


@bp.route("/instances/<int:instance_id>/test-values", methods=["POST"])
@requires("connectors", "edit")
def test_edited_instance(instance_id: int):
    instance = get_or_404(Instance, instance_id)
    connector = instance.connector
    method = _method(connector.definition or {}, request.form.get("auth_method") or instance.auth_method)
    form = forms.instance_form(connector.definition or {}, method, instance=instance,
                               stored=services.instance_values(instance))
    result = builder.test_instance_values(connector, (method or {}).get("key"), form.values_dict(), instance=instance,
                                          timeout_seconds=form.timeout_seconds.data)
    return htmx.render("connectors/test_result.html", block="test_result", result=result, connector=connector)


@bp.route("/instances/<int:instance_id>/test", methods=["POST"])
@requires("connectors", "edit")
def test_instance(instance_id: int):
    instance = get_or_404(Instance, instance_id)
    result = services.test_connection(instance)
    return htmx.render("connectors/test_result.html", block="test_result", result=result,
                       connector=instance.connector, instance=instance)


@bp.route("/instances/<int:instance_id>/remove", methods=["POST"])
@requires("connectors", "edit")
def remove_instance(instance_id: int):
    instance = get_or_404(Instance, instance_id)
    connector_id, name = instance.connector_id, instance.name
    try:
        services.remove_instance(instance)
    except InUseError as exc:
        return _refused(f"The instance '{name}' cannot be removed yet", exc,
                        url_for("connectors.detail", connector_id=connector_id))
    flash(f"The instance '{name}' was removed.", "success")
    return htmx.redirect(url_for("connectors.detail", connector_id=connector_id))


# -- the builder: step 1, basic details ----------------------------------------------------------------------
def _builder_page(template: str, block: str, connector, status: int = 200, **context):
    definition = (connector.definition if connector else None) or {}
    return htmx.render(f"connectors/builder/{template}", block=block, status=status, connector=connector,
                       definition=definition, readiness=builder.readiness(definition) if connector else [],
                       **context)


@bp.route("/new", methods=["GET", "POST"])
@requires("connectors", "edit")
def new():
    form = forms.details_form()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            connector = builder.start_connector(g.company, form.details())
        except ConnectorServiceError as exc:
            problems = exc.problems
        else:
            flash(f"{connector.name} is created. Add connector variables if the base URL needs any, then an "
                  "authentication method.", "success")
            return htmx.redirect(url_for("connectors.builder_variables", connector_id=connector.id))
    return _builder_page("details.html", "details_form", None, _status(), form=form, problems=problems,
                         step="details")


@bp.route("/<int:connector_id>/builder", methods=["GET", "POST"])
@requires("connectors", "edit")
def builder_details(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    if connector.source == "catalog":
        return _not_editable(connector)
    form = forms.details_form(connector.definition, **({"formdata": None} if request.method == "GET" else {}))
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            builder.save_details(connector, form.details())
        except ConnectorServiceError as exc:
            problems = exc.problems
        else:
            flash("Basic details saved.", "success")
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
        form = forms.VariablesForm(formdata=None, data={
            "variables": forms.variable_rows((connector.definition or {}).get("variables"))})
    else:
        form = forms.VariablesForm()
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
                flash("Connector variables saved.", "success")
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
    return _builder_page("auth.html", None, connector, step="auth", types=builder.auth_type_choices(None))


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
        form = forms.auth_method_form(kind, choices, method=method, formdata=None)
    else:
        form = forms.auth_method_form(kind, choices)
        if not form.row_action(request.form):
            if form.validate():
                try:
                    saved = builder.save_auth_method(connector, key, form.method_data())
                except ConnectorServiceError as exc:
                    problems = exc.problems
                else:
                    flash(f"Authentication method '{form.name.data.strip()}' saved.", "success")
                    return htmx.redirect(url_for("connectors.builder_auth", connector_id=connector.id) +
                                         f"#method-{saved}")
            status = 422
    return _builder_page("auth_method.html", "method_form", connector, status, form=form, problems=problems,
                         step="auth", method_key=key, auth_type=auth_types.get(kind),
                         advanced=forms.advanced_keys(kind))


@bp.route("/<int:connector_id>/builder/auth/<key>/remove", methods=["POST"])
@requires("connectors", "edit")
def builder_remove_auth(connector_id: int, key: str):
    connector = get_or_404(InstalledConnector, connector_id)
    try:
        builder.remove_auth_method(connector, key)
    except ConnectorServiceError as exc:
        flash(f"The method was not removed: {' '.join(exc.problems)}", "danger")
    else:
        flash("Authentication method removed.", "success")
    return htmx.redirect(url_for("connectors.builder_auth", connector_id=connector.id))


# -- step 4: endpoints ---------------------------------------------------------------------------------
@bp.route("/<int:connector_id>/builder/endpoints")
@requires("connectors", "edit")
def builder_endpoints(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    if connector.source == "catalog":
        return _not_editable(connector)
    return _builder_page("endpoints.html", None, connector, step="endpoints",
                         groups=builder.endpoint_groups(connector.definition or {}))


@bp.route("/<int:connector_id>/builder/endpoints/new", methods=["GET", "POST"], defaults={"key": None})
@bp.route("/<int:connector_id>/builder/endpoints/<key>", methods=["GET", "POST"])
@requires("connectors", "edit")
def builder_endpoint(connector_id: int, key: str | None):
    connector = get_or_404(InstalledConnector, connector_id)
    if connector.source == "catalog":
        return _not_editable(connector)
    if connector.protocol:
        flash(f"{connector.name} uses {connector.protocol.upper()}, not HTTP: its endpoints hold protocol settings "
              "the builder does not show. Export the JSON, change it and import it with 'Replace'.", "info")
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
        form = forms.endpoint_form(kind, methods, endpoint=start, formdata=None)
    else:
        kind = request.form.get("pagination_type") or "none"
        form = forms.endpoint_form(kind, methods)
        if not (request.form.get("_refresh") or form.row_action(request.form)):
            if form.validate():
                try:
                    saved = builder.save_endpoint(connector, key, form.endpoint_data())
                except ConnectorServiceError as exc:
                    problems = exc.problems
                else:
                    flash(f"Endpoint '{form.name.data.strip()}' saved.", "success")
                    return htmx.redirect(url_for("connectors.builder_endpoint", connector_id=connector.id,
                                                 key=saved))
            status = 422
    instances = connector.instances
    return _builder_page("endpoint.html", "endpoint_form", connector, status, form=form, problems=problems,
                         step="endpoints", current_endpoint=existing, endpoint_key=key,
                         advanced=forms.advanced_keys(form.pagination_type.data or "none"),
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
    flash("Endpoint copied: rename it and change what differs.", "success")
    return htmx.redirect(url_for("connectors.builder_endpoint", connector_id=connector.id, key=twin))


@bp.route("/<int:connector_id>/builder/endpoints/<key>/remove", methods=["POST"])
@requires("connectors", "edit")
def builder_remove_endpoint(connector_id: int, key: str):
    connector = get_or_404(InstalledConnector, connector_id)
    try:
        builder.remove_endpoint(connector, key)
    except ConnectorServiceError as exc:
        flash(f"The endpoint was not removed: {' '.join(exc.problems)}", "danger")
    else:
        flash("Endpoint removed.", "success")
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
            result = builder.try_endpoint(connector, instance, key, form.values_dict(), form.payload.data)
        else:
            status = 422
    return htmx.render("connectors/try.html", block="try_panel", status=status, connector=connector,
                       current_endpoint=endpoint, try_form=form, instances=instances, result=result)
