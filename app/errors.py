"""Error pages inside the layout for people, JSON for the API, a bare fragment for htmx."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app import htmx
from app.extensions import db

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to do that."),
    404: _l("We could not find that page."),
    405: _l("That action is not allowed here."),
    422: _l("Some of the information you sent is not valid."),
    429: _l("Too many requests: please wait a moment and try again."),
    500: _l("Something went wrong on our side. The error has been logged."),
}


def _respond(status: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error=message, status=status), status
    if htmx.is_fragment():
        return render_template("errors/_message.html", status=status, message=message), status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _respond(400, _l("Your session expired or the form was stale: reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500, MESSAGES.get(exc.code, exc.description or "Error"))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        db.session.rollback()
        return _respond(500, MESSAGES[500])
