"""The canvas: its fragment, structural changes (add, move, delete, skip, note, paths, undo), deploy, versions.

Every structural change posts the canvas's draft revision and answers with the re-rendered canvas; a
stale revision re-renders it as it is now, with a message, instead of applying the change.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app import htmx
from app.flows import drafts, editor, structure
from app.flows import versions as version_service
from app.flows.models import Flow, FlowVersion
from app.flows.services import AllowanceRefused
from app.tenancy import can, get_or_404, requires

bp = Blueprint("flow_editor", __name__, url_prefix="/flows")


def canvas_context(flow: Flow, shown: FlowVersion | None = None, message: str | None = None,
                   tone: str = "warning") -> dict:
    """Everything flows/detail.html needs: the version on screen, its step tree, the tray and the draft state."""
    if shown is None or shown.status == "draft":
        shown = flow.draft
        if shown is None and can("flows", "edit"):
            shown = drafts.get_draft(flow, current_user)
        shown = shown or flow.deployed
    editable = bool(shown) and shown.status == "draft" and can("flows", "edit")
    nodes = editor.tree(shown)
    return {
        "flow": flow, "version": shown, "editable": editable, "nodes": nodes, "tray": editor.tray(),
        "problem_count": editor.count_problems(nodes), "trigger_lines": editor.trigger_summary(flow, shown),
        "undo": structure.undo_available(shown) if editable else None, "message": message, "tone": tone,
        "panel_url": lambda step_id: editor.panel_url(
            flow, step_id, None if shown is None or shown.status == "draft" else shown.number),
    }


def _canvas(flow: Flow, message: str | None = None, tone: str = "warning", status: int = 200):
    if not htmx.is_fragment():
        if message:
            flash(message, tone)
        return htmx.redirect(url_for("flows.detail", flow_id=flow.id))
    return htmx.render("flows/detail.html", block="canvas", status=status, **canvas_context(flow, None, message, tone))


def _change(flow_id: int, change) -> object:
    flow = get_or_404(Flow, flow_id)
    try:
        change(flow, request.form.get("revision"))
    except drafts.StaleDraft as exc:
        return _canvas(flow, str(exc), "warning")
    except drafts.DraftError as exc:
        return _canvas(flow, str(exc), "danger")
    return _canvas(flow)


@bp.route("/<int:flow_id>/canvas")
@requires("flows", "view")
def canvas(flow_id: int):
    """The canvas as it is now; 204 (nothing to swap) when it is still at the revision the page has."""
    flow = get_or_404(Flow, flow_id)
    seen = request.args.get("if_revision", type=int)
    if seen is not None and flow.draft is not None and flow.draft.revision == seen:
        return "", 204
    return _canvas(flow)


@bp.route("/<int:flow_id>/steps", methods=["POST"])
@requires("flows", "edit")
def add_step(flow_id: int):
    return _change(flow_id, lambda flow, revision: structure.add_step(
        flow, request.form.get("type", ""), path_id=request.form.get("path_id"), index=request.form.get("index"),
        expected_revision=revision, actor=current_user))


@bp.route("/<int:flow_id>/steps/<step_id>/move", methods=["POST"])
@requires("flows", "edit")
def move_step(flow_id: int, step_id: str):
    return _change(flow_id, lambda flow, revision: structure.move_step(
        flow, step_id, path_id=request.form.get("path_id"), index=request.form.get("index"),
        expected_revision=revision, actor=current_user))


@bp.route("/<int:flow_id>/steps/<step_id>/delete", methods=["POST"])
@requires("flows", "edit")
def delete_step(flow_id: int, step_id: str):
    return _change(flow_id, lambda flow, revision: structure.delete_step(
        flow, step_id, expected_revision=revision, actor=current_user))


@bp.route("/<int:flow_id>/steps/<step_id>/skip", methods=["POST"])
@requires("flows", "edit")
def skip_step(flow_id: int, step_id: str):
    skip = request.form.get("skip") in ("1", "true", "on")
    return _change(flow_id, lambda flow, revision: drafts.update_step(
        flow, step_id, skip=skip, expected_revision=revision, actor=current_user))


@bp.route("/<int:flow_id>/steps/<step_id>/note", methods=["POST"])
@requires("flows", "edit")
def note_step(flow_id: int, step_id: str):
    return _change(flow_id, lambda flow, revision: drafts.update_step(
        flow, step_id, note=request.form.get("note", ""), expected_revision=revision, actor=current_user))


@bp.route("/<int:flow_id>/steps/<step_id>/paths", methods=["POST"])
@requires("flows", "edit")
def add_path(flow_id: int, step_id: str):
    return _change(flow_id, lambda flow, revision: structure.add_path(
        flow, step_id, expected_revision=revision, actor=current_user))


@bp.route("/<int:flow_id>/steps/<step_id>/paths/<path_id>/rename", methods=["POST"])
@requires("flows", "edit")
def rename_path(flow_id: int, step_id: str, path_id: str):
    return _change(flow_id, lambda flow, revision: structure.rename_path(
        flow, step_id, path_id, request.form.get("name", ""), expected_revision=revision, actor=current_user))


@bp.route("/<int:flow_id>/steps/<step_id>/paths/<path_id>/delete", methods=["POST"])
@requires("flows", "edit")
def remove_path(flow_id: int, step_id: str, path_id: str):
    return _change(flow_id, lambda flow, revision: structure.remove_path(
        flow, step_id, path_id, expected_revision=revision, actor=current_user))


@bp.route("/<int:flow_id>/undo", methods=["POST"])
@requires("flows", "edit")
def undo(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    try:
        _, label = structure.undo(flow, expected_revision=request.form.get("revision"), actor=current_user)
    except drafts.StaleDraft as exc:
        return _canvas(flow, str(exc), "warning")
    except drafts.DraftError as exc:
        return _canvas(flow, str(exc), "info")
    return _canvas(flow, gettext("Undone: %(action)s.", action=label), "info")


@bp.route("/<int:flow_id>/steps/<step_id>/drawer")
@requires("flows", "view")
def step_drawer(flow_id: int, step_id: str):
    """A shape as stored: for older versions (read-only), and until the settings panels are installed."""
    flow = get_or_404(Flow, flow_id)
    version = version_service.by_number(flow, request.args.get("version")) if request.args.get("version") \
        else (flow.draft or flow.deployed)
    if version is None:
        abort(404)
    try:
        step, _, _ = drafts.find_step(version.definition, step_id)
    except drafts.StepNotFound:
        abort(404)
    node = editor.tree(FlowVersion(definition={"steps": [step]}))[0]
    return htmx.render("flows/step_drawer.html", block="drawer", flow=flow, version=version, node=node,
                       panels_ready=editor.panels_ready())


# ---- deploy and versions ------------------------------------------------------------------------

def _deploy_context(flow: Flow, problems: list[str] | None = None, message: str | None = None) -> dict:
    draft = flow.draft
    if problems is None and draft is not None:
        problems = version_service.deploy_problems(draft.definition)
    changes = version_service.compare(flow.deployed, draft) if draft is not None and flow.deployed else None
    # Told before confirming, not only after: the dialog offers no deploy button past the allowance.
    refusal = version_service.allowance_refusal(flow) if draft is not None and not problems else None
    return {"flow": flow, "draft": draft, "problems": problems or [], "changes": changes, "message": message,
            "refusal": refusal}


@bp.route("/<int:flow_id>/deploy", methods=["GET", "POST"])
@requires("flows", "deploy")
def deploy(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    if request.method == "GET":
        return htmx.render("flows/deploy.html", block="deploy_body", **_deploy_context(flow))
    try:
        deployed = version_service.deploy(flow, expected_revision=request.form.get("revision"), actor=current_user)
    except drafts.StaleDraft as exc:
        return htmx.render("flows/deploy.html", block="deploy_body", status=422,
                           **_deploy_context(flow, message=str(exc)))
    except version_service.DeployRefused as exc:
        return htmx.render("flows/deploy.html", block="deploy_body", status=422,
                           **_deploy_context(flow, problems=exc.problems))
    except AllowanceRefused:
        return htmx.render("flows/deploy.html", block="deploy_body", status=422, **_deploy_context(flow))
    hint = "" if flow.enabled else " " + gettext(
        "The flow is disabled: enable it in Settings so its triggers start it.")
    flash(gettext("Version %(deployed)s is deployed; version %(draft)s is the new draft.",
                  deployed=deployed.number, draft=flow.draft.number) + hint, "success")
    return htmx.redirect(url_for("flows.detail", flow_id=flow.id))


@bp.route("/<int:flow_id>/versions")
@requires("flows", "view")
def versions(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    return htmx.render("flows/versions.html", block="version_list", flow=flow,
                       labels=version_service.STATUS_LABELS, editable=can("flows", "edit"))


@bp.route("/<int:flow_id>/versions/<int:number>/restore", methods=["POST"])
@requires("flows", "edit")
def restore(flow_id: int, number: int):
    flow = get_or_404(Flow, flow_id)
    version = version_service.by_number(flow, number)
    if version is None:
        abort(404)
    try:
        version_service.restore(flow, version, expected_revision=request.form.get("revision"), actor=current_user)
    except drafts.DraftError as exc:
        flash(str(exc), "warning")
    else:
        flash(gettext("Version %(number)s is now the draft. Undo (Ctrl+Z) takes the restore back; "
                      "the flow variables came with it.", number=number), "success")
    return htmx.redirect(url_for("flows.detail", flow_id=flow.id))


@bp.route("/<int:flow_id>/compare")
@requires("flows", "view")
def compare(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    newest = flow.versions[-1] if flow.versions else None
    older = version_service.by_number(flow, request.args.get("from")) or (flow.deployed or newest)
    newer = version_service.by_number(flow, request.args.get("to")) or (flow.draft or newest)
    if older is None or newer is None:
        abort(404)
    if older.number > newer.number:
        older, newer = newer, older
    return htmx.render("flows/compare.html", block="comparison", flow=flow,
                       result=version_service.compare(older, newer), labels=version_service.STATUS_LABELS)
