"""Connectors & instances pages: the installed connectors with their instances, one connector, adding and
editing instances (credentials never shown back), connection tests, imports and exports. The connector builder's
four steps and "Try it" are builder_views.py, on the same blueprint.

Viewing needs connectors.view; every change (and every request sent to a provider) needs connectors.edit.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, request, url_for
from flask_babel import gettext

from app import htmx
from app.connectors import builder, builder_try, cards, forms, services
from app.connectors.definitions import find_auth_method, usable_problems
from app.connectors.models import InstalledConnector, Instance
from app.connectors.oauth_views import redirect_uri
from app.connectors.services import ConnectorServiceError, InUseError
from app.scripts import picker
from app.tenancy import get_or_404, requires

bp = Blueprint("connectors", __name__, url_prefix="/connectors")


def _status() -> int:
    return 422 if request.method == "POST" else 200


def _refused(title: str, exc: InUseError, back: str):
    """Removal refused: the deployed flows in the way, each a link (a 422 the page swaps into its notice)."""
    return htmx.render("connectors/in_use.html", block="in_use", status=422, title=title,
                       usages=cards.unique_flows(exc.usages), back=back)


def _not_editable(connector: InstalledConnector):
    flash(gettext("%(name)s is a prebuilt connector that Weft keeps up to date. Make an editable copy to change "
                  "it.", name=connector.name), "info")
    return htmx.redirect(url_for("connectors.detail", connector_id=connector.id))


# -- the list and one connector -----------------------------------------------------------------------------
@bp.route("/")
@requires("connectors", "view")
def index():
    return htmx.render("connectors/index.html", cards=cards.overview(g.company.id),
                       sources=builder.SOURCE_LABELS, categories=builder.CATEGORY_LABELS)


@bp.route("/<int:connector_id>")
@requires("connectors", "view")
def detail(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    return htmx.render("connectors/detail.html", card=cards.card(connector), connector=connector,
                       groups=builder.endpoint_groups(connector.definition or {}),
                       usable=usable_problems(connector.definition or {}), just_installed=request.args.get("new"),
                       sources=builder.SOURCE_LABELS, categories=builder.CATEGORY_LABELS,
                       oauth_redirect=redirect_uri(), script_names=picker.names())


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
        flash(gettext("%(name)s was not updated: %(problems)s", name=connector.name, problems=" ".join(exc.problems)),
              "danger")
    else:
        flash(gettext("%(name)s is now version %(version)s.", name=connector.name, version=connector.version),
              "success")
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
    flash(gettext("%(copy)s is an editable copy of %(name)s. Its instances are added separately.",
                  copy=twin.name, name=original.name), "success")
    return htmx.redirect(url_for("connectors.builder_details", connector_id=twin.id))


@bp.route("/<int:connector_id>/remove", methods=["POST"])
@requires("connectors", "edit")
def remove(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    name = connector.name
    try:
        services.remove_connector(connector)
    except InUseError as exc:
        return _refused(gettext("%(name)s cannot be removed yet", name=name), exc,
                        url_for("connectors.detail", connector_id=connector.id))
    flash(gettext("%(name)s was removed, with its instances.", name=name), "success")
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
            flash(gettext("%(name)s was imported.", name=connector.name) if created
                  else gettext("%(name)s was replaced from the file.", name=connector.name), "success")
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
            flash(gettext("%(name)s was imported from Postman with %(endpoints)d endpoints and %(methods)d "
                          "authentication method(s). Check them, then add an instance.", name=connector.name,
                          endpoints=len(definition['endpoints']), methods=len(definition['auth_methods'])),
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
                flash(gettext("%(name)s is saved. Next, authorise Weft with the provider: press 'Authorise'.",
                              name=instance.name), "info")
            else:
                flash(gettext("%(name)s is saved. Use 'Test connection' to check the credentials.",
                              name=instance.name), "success")
            return htmx.redirect(url_for("connectors.detail", connector_id=connector.id) + f"#instance-{instance.id}")
    return _instance_page(connector, form, method, problems=problems, status=_status())


@bp.route("/<int:connector_id>/instances/test", methods=["POST"])
@requires("connectors", "edit")
def test_new_instance(connector_id: int):
    connector = get_or_404(InstalledConnector, connector_id)
    method = _method(connector.definition or {}, request.form.get("auth_method"))
    form = forms.instance_form(connector.definition or {}, method)
    result = builder_try.test_instance_values(connector, (method or {}).get("key"), form.values_dict(),
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
            flash(gettext("%(name)s is saved.", name=instance.name), "success")
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
    result = builder_try.test_instance_values(connector, (method or {}).get("key"), form.values_dict(),
                                              instance=instance, timeout_seconds=form.timeout_seconds.data)
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
        return _refused(gettext("The instance '%(name)s' cannot be removed yet", name=name), exc,
                        url_for("connectors.detail", connector_id=connector_id))
    flash(gettext("The instance '%(name)s' was removed.", name=name), "success")
    return htmx.redirect(url_for("connectors.detail", connector_id=connector_id))


from app.connectors import builder_views  # noqa: E402,F401  (registers the builder's routes on bp)
