"""The inbound API (/api/v1): webhook and callback URLs that start a flow.

Callers are not signed in and send no CSRF token: the signature in the URL authenticates them, so the
blueprint is CSRF-exempt. Every answer is JSON unless a trigger is set to answer in XML or text.
"""
from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.api import inbound
from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _inbound() -> inbound.Inbound:
    def read() -> tuple[bytes, list[tuple[str, str]]]:
        # One byte over the limit may be read: a chunked body (no Content-Length) read to exactly the
        # limit would otherwise come back silently cut short instead of raising.
        request.max_content_length = inbound.MAX_BODY_BYTES + 1
        try:
            if request.mimetype == "multipart/form-data":
                fields = list(request.form.items(multi=True))
                for name, upload in request.files.items(multi=True):
                    fields.append((name, upload.read().decode("utf-8", errors="replace")))
                return b"", fields
            body = request.get_data(cache=False)
        except RequestEntityTooLarge:
            raise inbound.PayloadTooLarge from None
        if len(body) > inbound.MAX_BODY_BYTES:
            raise inbound.PayloadTooLarge
        return body, []

    query = [(key, value) for key, value in request.args.items(multi=True) if key != "signature"]
    return inbound.Inbound(mimetype=request.mimetype, content_length=request.content_length, query=query,
                            read=read)


def _respond(answer: inbound.Answer):
    # Built directly rather than through make_response(): it would set a Content-Type only to replace it.
    response = current_app.response_class(answer.body, answer.status, content_type=answer.content_type)
    response.headers.add("Cache-Control", "no-store")
    if answer.headers:
        response.headers.update(answer.headers)
    return response


@bp.route("/webhooks/<int:company_id>/<int:webhook_id>", methods=["GET", "POST"])
def webhook(company_id: int, webhook_id: int):
    return _respond(inbound.receive_webhook(company_id, webhook_id, request.args.get("signature"), _inbound()))


@bp.route("/callbacks/<int:company_id>/<int:callback_id>", methods=["GET", "POST"])
def callback(company_id: int, callback_id: int):
    """Holds the request open until the run reaches its callback shape (or fails, or times out)."""
    return _respond(inbound.receive_callback(company_id, callback_id, request.args.get("signature"), _inbound()))
