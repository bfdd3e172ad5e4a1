"""Languages: Flask-Babel set up with the user's saved choice, then the session's, then the browser's.

Catalogs live in app/translations/<lang>/LC_MESSAGES/messages.po (compiled to .mo); docs/accounts.md
says how to extract and compile them.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch"}
DEFAULT = "en"

babel = Babel()


from app.markers import N_  # noqa: E402,F401  (re-exported: views import it from here)


def select_locale() -> str | None:
    if not has_request_context():
        return None  # mail jobs pick the recipient's language with force_locale
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("language") in LANGUAGES:
        return session["language"]
    return request.accept_languages.best_match(LANGUAGES.keys()) or DEFAULT


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def language_helpers():
        return {"LANGUAGES": LANGUAGES, "current_language": current_language}
