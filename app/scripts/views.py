"""Scripts pages: the list, a new script, the editor (details, code, versions, deploy, delete) and the test panel."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import htmx
from app.scripts import services
from app.scripts.forms import CodeForm, DetailsForm, NewScriptForm, TestForm
from app.scripts.models import Script
from app.scripts.sandbox import ScriptError
from app.tenancy import can, get_or_404, requires

bp = Blueprint("scripts", __name__, url_prefix="/scripts")
ISOLATION_LABELS = {
    "network_namespace": _l("No network (own empty network namespace)"),
    "file_system_hidden": _l("No file system (empty root directory)"),
    "unprivileged": _l("Runs as an unprivileged user"),
    "resource_limits": _l("Processor, memory and file-size limits"),
    "system_call_filter": _l("System-call filter (no sockets, programs or new processes)"),
}


@bp.route("/")
@requires("scripts", "view")
def index():
    return htmx.render("scripts/index.html", scripts=services.all_scripts())


@bp.route("/new", methods=["GET", "POST"])
@requires("scripts", "edit")
def new():
    form = NewScriptForm()
    if form.validate_on_submit():
        try:
            script = services.create_script(g.company, form.name.data, form.language.data, form.description.data,
                                            actor=current_user)
        except services.ScriptServiceError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            flash(gettext("Script “%(name)s” created. Write it, test it, then deploy it.", name=script.name), "success")
            return htmx.redirect(url_for("scripts.edit", script_id=script.id))
    status = 422 if form.is_submitted() else 200
    return htmx.render("scripts/new.html", block="new_form", status=status, form=form)


def _editor(script: Script, *, version=None, code_form=None, details_form=None, test_form=None, result=None,
            error=None, block=None, status=200, refusal=None):
    shown = version or script.draft or script.deployed or script.latest
    code_form = code_form or CodeForm(data={"code": shown.code if shown else ""})
    details_form = details_form or DetailsForm(data={"name": script.name, "description": script.description})
    test_form = test_form or TestForm(data={"payload": '{"id": 1, "name": "Ada Lovelace"}'})
    # The draft is edited; with no draft, saving the latest version starts the next draft. Older ones are read.
    working = shown is not None and (shown.status == "draft" or (script.draft is None and shown is script.latest))
    return htmx.render("scripts/edit.html", block=block, status=status, script=script, shown=shown,
                       code_form=code_form, details_form=details_form, test_form=test_form, result=result,
                       error=error, refusal=refusal, isolation_labels=ISOLATION_LABELS,
                       output_text=services.readable_output(result) if result else "",
                       editable=can("scripts", "edit") and working)


@bp.route("/<int:script_id>")
@requires("scripts", "view")
def edit(script_id: int):
    return _editor(get_or_404(Script, script_id))


@bp.route("/<int:script_id>/versions/<int:number>")
@requires("scripts", "view")
def version(script_id: int, number: int):
    script = get_or_404(Script, script_id)
    found = services.version_of(script, number)
    if found is None:
        abort(404)
    return _editor(script, version=found)


@bp.route("/<int:script_id>/code", methods=["POST"])
@requires("scripts", "edit")
def save(script_id: int):
    script = get_or_404(Script, script_id)
    form = CodeForm()
    if form.validate():
        try:
            draft = services.save_draft(script, form.code.data or "", actor=current_user)
        except services.ScriptServiceError as exc:
            form.code.errors = [*form.code.errors, str(exc)]
        else:
            flash(gettext("Draft version %(number)s saved.", number=draft.number), "success")
            return htmx.redirect(url_for("scripts.edit", script_id=script.id))
    return _editor(script, code_form=form, block="code_form", status=422)


@bp.route("/<int:script_id>/details", methods=["POST"])
@requires("scripts", "edit")
def details(script_id: int):
    script = get_or_404(Script, script_id)
    form = DetailsForm()
    if form.validate():
        try:
            services.update_details(script, form.name.data, form.description.data, actor=current_user)
        except services.ScriptServiceError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            flash(gettext("Script details saved."), "success")
            return htmx.redirect(url_for("scripts.edit", script_id=script.id))
    return _editor(script, details_form=form, block="details_form", status=422)


@bp.route("/<int:script_id>/deploy", methods=["POST"])
@requires("scripts", "edit")
def deploy(script_id: int):
    script = get_or_404(Script, script_id)
    try:
        deployed = services.deploy(script, actor=current_user)
    except services.ScriptServiceError as exc:
        flash(str(exc), "danger")
    else:
        flash(gettext("Version %(number)s deployed: flows now run it.", number=deployed.number), "success")
    return htmx.redirect(url_for("scripts.edit", script_id=script.id))


@bp.route("/<int:script_id>/versions/<int:number>/restore", methods=["POST"])
@requires("scripts", "edit")
def restore(script_id: int, number: int):
    script = get_or_404(Script, script_id)
    found = services.version_of(script, number)
    if found is None:
        abort(404)
    draft = services.restore(script, found, actor=current_user)
    flash(gettext("Version %(number)s copied into draft version %(draft)s. Deploy it to use it in flows.",
                  number=number, draft=draft.number), "success")
    return htmx.redirect(url_for("scripts.edit", script_id=script.id))


@bp.route("/<int:script_id>/delete", methods=["POST"])
@requires("scripts", "edit")
def delete(script_id: int):
    script = get_or_404(Script, script_id)
    name = script.name
    try:
        services.delete_script(script, actor=current_user)
    except services.ScriptInUse as exc:
        return _editor(script, refusal=exc, block="delete_refusal", status=422)
    flash(gettext("Script “%(name)s” deleted.", name=name), "success")
    return htmx.redirect(url_for("scripts.index"))


@bp.route("/<int:script_id>/test", methods=["POST"])
@requires("scripts", "edit")
def test(script_id: int):
    script = get_or_404(Script, script_id)
    form = TestForm()
    if not form.validate():
        return _editor(script, test_form=form, block="test_panel", status=422)
    given, problems = services.parse_test_input(form.payload.data, form.variables.data, form.meta_data.data,
                                                form.flow_variables.data)
    for key, message in problems.items():
        key = "meta_data" if key == "meta" else key
        getattr(form, key).errors = [*getattr(form, key).errors, message]
    if given is None:
        return _editor(script, test_form=form, block="test_panel", status=422)
    result = error = None
    try:
        result = services.test_run(script.language, form.code.data or "", given, name=script.name)
    except ScriptError as exc:
        error = exc
    return _editor(script, test_form=form, result=result, error=error, block="test_panel")
