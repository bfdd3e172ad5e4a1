"""Notify: writes a message to the run log and/or emails it to notification groups (spec §2.10).

Config: {"template": "Order [[payload.id]] failed", "level": "error", "channels": "email_log",
         "groups": [3, 7]}

- The template mixes text with [[payload.x]], [[meta.x]] and [[flow.variables.x]] tokens; each token
  contributes at most its first 100 characters (spec).
- One message per payload, because payload tokens belong to one payload. Identical messages of one
  step are sent once (the log says for how many payloads), so a static template over a bucket of
  500 payloads sends one email, not 500, and does not drain the monthly allowance. No payload, no
  message.
- `log` writes the message to the run log at the chosen level (success, info, warning, error).
  `email` hands it to ctx.notify, the run's mail service (groups, allowance, sending): that service
  sends even when the flow is disabled or not deployed (spec). `email_log` does both.
- Not retried: a retry would send the messages before the failure twice.
"""
from __future__ import annotations

from app.flows import variables
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.shapes.base import Shape
from app.markers import N_, gettext, ngettext

LEVELS = {"success": N_("Success"), "info": N_("Info"), "warning": N_("Warning"), "error": N_("Error")}
CHANNELS = {"email_log": N_("Email + log"), "log": N_("Log"), "email": N_("Email")}
EMAILS = ("email", "email_log")
LOGS = ("log", "email_log")
TOKEN_CHARS = 100
MAX_TEMPLATE_CHARS = 2_000


def render(template: str, ctx: ShapeContext, payload: Payload | None) -> str:
    """The template with every token replaced by at most its first TOKEN_CHARS characters."""
    try:
        compiled = variables.compile_template(template)
    except variables.VariableError as exc:
        raise ShapeError(str(exc)) from exc
    scope = ctx.scope(payload)
    data = payload.data if payload is not None else None
    return "".join(part if isinstance(part, str) else variables.to_text(part(scope, data))[:TOKEN_CHARS]
                   for part in compiled.parts)


def _groups(config: dict) -> list:
    groups = config.get("groups") or []
    return groups if isinstance(groups, list) else []


class Notify(Shape):
    type = "notify"
    label = N_("Notify")
    icon = "bi-bell"
    help = N_("Write a message to the run log or email it to notification groups.")
    retries = 0

    def validate(self, config: dict) -> list[str]:
        errors: list[str] = []
        template = config.get("template")
        if not isinstance(template, str) or not template.strip():
            errors.append(gettext("Write the notification template."))
        elif len(template) > MAX_TEMPLATE_CHARS:
            errors.append(gettext("The template is %(size)s characters; the limit is %(limit)s.",
                                  size=f"{len(template):,}", limit=f"{MAX_TEMPLATE_CHARS:,}"))
        else:
            errors += variables.validate(template)
        if config.get("level", "info") not in LEVELS:
            errors.append(gettext("Alert level must be one of: %(choices)s.",
                                  choices=", ".join(gettext(v) for v in LEVELS.values())))
        channels = config.get("channels", "email_log")
        if channels not in CHANNELS:
            errors.append(gettext("Channels must be one of: %(choices)s.",
                                  choices=", ".join(gettext(v) for v in CHANNELS.values())))
        elif channels in EMAILS:
            groups = config.get("groups")
            if not isinstance(groups, list) or not groups:
                errors.append(gettext("Choose at least one notification group to email."))
            elif not all(isinstance(g, int) and not isinstance(g, bool) for g in groups):
                errors.append(gettext("Notification groups must be chosen from the list."))
        return errors

    def summary(self, config: dict) -> str:
        level = LEVELS.get(config.get("level", "info"))
        channels = CHANNELS.get(config.get("channels", "email_log"))
        shown = f"{gettext(level) if level else '?'} · {gettext(channels) if channels else '?'}"
        if config.get("channels", "email_log") not in EMAILS:
            return shown
        return ngettext("%(shown)s, %(num)d group", "%(shown)s, %(num)d groups", len(_groups(config)), shown=shown)

    def execute(self, ctx: ShapeContext) -> Bucket:
        problems = self.validate(ctx.config)
        if problems:
            raise ShapeError(problems[0])
        level = ctx.config.get("level", "info")
        channels = ctx.config.get("channels", "email_log")
        groups = _groups(ctx.config)
        if channels in EMAILS and ctx.notify is None:
            raise ShapeError("email notifications are not available in this run")
        if not ctx.bucket:
            ctx.log("info", "No payloads reached this shape, so there is nothing to notify.")
            return ctx.bucket
        messages: dict[str, int] = {}  # message -> how many payloads produced it, in first-seen order
        for payload in ctx.bucket:
            ctx.check_deadline()
            message = render(ctx.config["template"], ctx, payload)
            messages[message] = messages.get(message, 0) + 1
        for message, count in messages.items():
            if channels in LOGS:
                ctx.log(level, message)
            if channels in EMAILS:
                ctx.notify(level, message, channels, groups)
            if count > 1:
                ctx.log("info", f"The message above was the same for {count} payloads and was sent once.")
        return ctx.bucket
