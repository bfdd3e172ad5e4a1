"""Callback: answers the caller waiting on a callback trigger with the data at this point (spec §2.17).

Config: {} (nothing to set; the response format comes from the callback trigger).

The whole bucket goes back as one response, always an array (one element per payload). Only the
first callback shape of a run answers: ctx.callback_respond returns False for later ones, which log
a warning. A run not started by a callback trigger has no ctx.callback_respond; the shape then
logs a warning. In every case the bucket passes on unchanged, so the rest of the flow continues
after the caller has its answer.
"""
from __future__ import annotations

from app.flows.context import Bucket, ShapeContext
from app.flows.shapes.base import Shape
from app.markers import N_, gettext


class Callback(Shape):
    type = "callback"
    label = N_("Callback")
    icon = "bi-reply"
    group = "advanced"
    help = N_("Send the data at this point back to the system waiting on the callback trigger, then carry on.")
    retries = 2  # answering goes through Redis; a hiccup is worth another try while the caller waits

    def summary(self, config: dict) -> str:
        return gettext("answers the callback request")

    def execute(self, ctx: ShapeContext) -> Bucket:
        if ctx.callback_respond is None:
            ctx.log("warning", "This run was not started by a callback trigger; nothing to answer.")
            return ctx.bucket
        count = f"{len(ctx.bucket)} payload{'s' if len(ctx.bucket) != 1 else ''}"
        if ctx.callback_respond(ctx.bucket):
            ctx.log("info", f"Answered the callback request with {count}.")
        else:
            ctx.log("warning", "The callback request was already answered by an earlier callback shape; "
                               "this one passes the data on.")
        return ctx.bucket
