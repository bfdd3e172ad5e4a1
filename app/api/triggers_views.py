"""The trigger panel on the flow page: schedules, the event listener, webhook URLs and callback URLs.

Every edit answers with the panel section it changed (an htmx fragment), or, without htmx, redirects
to the full trigger page; form errors come back with status 422.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for

from app import htmx
from app.api import services
from app.api.forms import CallbackForm, EventListenerForm, ScheduleForm, WebhookForm, WebhookResponseForm
from app.api.models import CallbackTrigger, WebhookTrigger
from app.flows.models import Flow
from app.flows.schedules import ScheduleError
from app.tenancy import get_or_404, requires

bp = Blueprint("triggers", __name__, url_prefix="/flows")
PANEL = "flows/_triggers.html"


def _event_form(panel: services.Panel) -> EventListenerForm:
    """The event listener form, filled with the editable version's listener (never with a URL or secret)."""
    config = panel.event.config if panel.event else {}
    data = {k: config[k] for k in ("queue", "declare", "batch_size", "batch_wait_seconds", "prefetch") if k in config}
    if panel.event and panel.event.instance is not None:
        data["instance_id"] = str(panel.event.instance.id)
    return EventListenerForm(formdata=None, data=data, instances=services.amqp_instances())


def _context(flow: Flow, **extra) -> dict:
    panel = services.panel(flow)
    if "event_form" not in extra:
        extra["event_form"] = _event_form(panel)
    return {"flow": flow, "panel": panel, "schedule_form": ScheduleForm(formdata=None),
            "webhook_form": WebhookForm(formdata=None), "callback_form": CallbackForm(formdata=None),
            "editing": None, "edit_form": None, "notice": None, **extra}


@bp.app_template_global("trigger_panel_context")
def trigger_panel_context(flow: Flow) -> dict:
    """Lets the flow page (whose view is not ours) include the panel with its data and forms."""
    return _context(flow)


def _render(flow: Flow, block: str, status: int = 200, **extra):
    """The changed section for htmx; after a plain form post, back to the trigger page."""
    if request.method == "POST" and status < 400 and not htmx.is_fragment():
        return htmx.redirect(url_for("triggers.panel", flow_id=flow.id))
    template = PANEL if htmx.is_fragment() else "api/triggers.html"
    return htmx.render(template, block=block, status=status, **_context(flow, **extra))


def _webhook(flow: Flow, webhook_id: int) -> WebhookTrigger:
    hook = get_or_404(WebhookTrigger, webhook_id)
    if hook.flow_id != flow.id:
        abort(404)
    return hook


def _callback(flow: Flow, callback_id: int) -> CallbackTrigger:
    hook = get_or_404(CallbackTrigger, callback_id)
    if hook.flow_id != flow.id:
        abort(404)
    return hook


@bp.route("/<int:flow_id>/triggers")
@requires("flows", "view")
def panel(flow_id: int):
    return _render(get_or_404(Flow, flow_id), "panel")


# --- schedules ----------------------------------------------------------------------------------------

@bp.route("/<int:flow_id>/triggers/schedules/form")
@requires("flows", "edit")
def schedule_form(flow_id: int):
    """The schedule form with the inputs of the chosen occurrence kind (the kind select asks for it)."""
    flow = get_or_404(Flow, flow_id)
    form = ScheduleForm(formdata=request.args)
    return _render(flow, "schedule_form", schedule_form=form)


@bp.route("/<int:flow_id>/triggers/schedules", methods=["POST"])
@requires("flows", "edit")
def add_schedule(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    form = ScheduleForm()
    if form.validate():
        try:
            services.add_schedule(flow, form.schedule_data())
        except ScheduleError as exc:
            form.form_errors.extend(exc.errors)
        else:
            return _render(flow, "schedules")
    return _render(flow, "schedules", status=422, schedule_form=form)


@bp.route("/<int:flow_id>/triggers/schedules/<int:index>/delete", methods=["POST"])
@requires("flows", "edit")
def remove_schedule(flow_id: int, index: int):
    flow = get_or_404(Flow, flow_id)
    try:
        services.remove_schedule(flow, index, request.form.get("cron", ""))
    except services.StaleSchedules as exc:
        if not htmx.is_fragment():
            flash(str(exc), "warning")
        return _render(flow, "schedules", notice=str(exc))
    return _render(flow, "schedules")


# --- the event listener -------------------------------------------------------------------------------

@bp.route("/<int:flow_id>/triggers/event", methods=["POST"])
@requires("flows", "edit")
def save_event_listener(flow_id: int):
    """Add or change the draft's event listener (its schedules, webhooks and callbacks stay)."""
    flow = get_or_404(Flow, flow_id)
    form = EventListenerForm(instances=services.amqp_instances())
    if form.validate():
        try:
            services.set_event_listener(flow, **form.event_data())
        except services.EventListenerError as exc:
            form.form_errors.append(str(exc))
        else:
            return _render(flow, "event")
    return _render(flow, "event", status=422, event_form=form)


@bp.route("/<int:flow_id>/triggers/event/delete", methods=["POST"])
@requires("flows", "edit")
def remove_event_listener(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    services.remove_event_listener(flow)
    return _render(flow, "event")


# --- webhooks -----------------------------------------------------------------------------------------

@bp.route("/<int:flow_id>/triggers/webhooks", methods=["POST"])
@requires("flows", "edit")
def add_webhook(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    form = WebhookForm()
    if not form.validate():
        return _render(flow, "webhooks", status=422, webhook_form=form)
    services.create_webhook(flow, form.name.data)
    return _render(flow, "webhooks")


@bp.route("/<int:flow_id>/triggers/webhooks/<int:webhook_id>", methods=["GET", "POST"])
@requires("flows", "edit")
def edit_webhook(flow_id: int, webhook_id: int):
    """GET opens the webhook's answer settings in place; POST saves them."""
    flow = get_or_404(Flow, flow_id)
    hook = _webhook(flow, webhook_id)
    form = WebhookResponseForm(obj=hook) if request.method == "GET" else WebhookResponseForm()
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return _render(flow, "webhooks", status=status, editing=("webhook", hook.id), edit_form=form)
    services.update_webhook(hook, name=form.name.data, status=form.response_status.data,
                            body=form.response_body.data, fmt=form.response_format.data, enabled=form.enabled.data)
    return _render(flow, "webhooks")


@bp.route("/<int:flow_id>/triggers/webhooks/<int:webhook_id>/signature", methods=["POST"])
@requires("flows", "edit")
def regenerate_webhook(flow_id: int, webhook_id: int):
    flow = get_or_404(Flow, flow_id)
    services.regenerate_signature(_webhook(flow, webhook_id))
    return _render(flow, "webhooks")


@bp.route("/<int:flow_id>/triggers/webhooks/<int:webhook_id>/delete", methods=["POST"])
@requires("flows", "edit")
def delete_webhook(flow_id: int, webhook_id: int):
    flow = get_or_404(Flow, flow_id)
    services.delete_trigger(_webhook(flow, webhook_id))
    return _render(flow, "webhooks")


# --- callbacks ----------------------------------------------------------------------------------------

@bp.route("/<int:flow_id>/triggers/callbacks", methods=["POST"])
@requires("flows", "edit")
def add_callback(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    form = CallbackForm()
    if not form.validate():
        return _render(flow, "callbacks", status=422, callback_form=form)
    services.create_callback(flow, form.name.data, form.response_format.data, form.timeout_seconds.data)
    return _render(flow, "callbacks")


@bp.route("/<int:flow_id>/triggers/callbacks/<int:callback_id>", methods=["GET", "POST"])
@requires("flows", "edit")
def edit_callback(flow_id: int, callback_id: int):
    flow = get_or_404(Flow, flow_id)
    hook = _callback(flow, callback_id)
    form = CallbackForm(obj=hook, prefix="edit-callback") if request.method == "GET" else CallbackForm(
        prefix="edit-callback")
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return _render(flow, "callbacks", status=status, editing=("callback", hook.id), edit_form=form)
    services.update_callback(hook, name=form.name.data, fmt=form.response_format.data,
                             timeout_seconds=form.timeout_seconds.data)
    return _render(flow, "callbacks")


@bp.route("/<int:flow_id>/triggers/callbacks/<int:callback_id>/signature", methods=["POST"])
@requires("flows", "edit")
def regenerate_callback(flow_id: int, callback_id: int):
    flow = get_or_404(Flow, flow_id)
    services.regenerate_signature(_callback(flow, callback_id))
    return _render(flow, "callbacks")


@bp.route("/<int:flow_id>/triggers/callbacks/<int:callback_id>/delete", methods=["POST"])
@requires("flows", "edit")
def delete_callback(flow_id: int, callback_id: int):
    flow = get_or_404(Flow, flow_id)
    services.delete_trigger(_callback(flow, callback_id))
    return _render(flow, "callbacks")
