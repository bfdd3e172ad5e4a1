"""Languages: Flask-Babel set up with the user's saved choice, then the session's, then the browser's.

Catalogs live in app/translations/<lang>/LC_MESSAGES/messages.po (compiled to .mo); docs/accounts.md
says how to extract and compile them.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale
from flask_babel import gettext as flask_gettext
from flask_babel import ngettext as flask_ngettext
from flask_login import current_user
from sqlalchemy import func

from app import markers
from app.extensions import db

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


def in_language(language: str | None):
    """force_locale for work outside a request (mail jobs); an unknown or missing choice means English."""
    return force_locale(language if language in LANGUAGES else DEFAULT)


def languages_of(company, addresses: list[str]) -> dict[str, list[str]]:
    """The addresses grouped by the language their email goes out in, in the addresses' order: a user of
    the company gets their saved language, any other address the company's default language, else English."""
    from app import tenancy
    from app.accounts.models import User

    wanted = {a.lower() for a in addresses}
    with tenancy.acting_as(company.id):
        saved = dict(db.session.execute(tenancy.scoped(User).with_only_columns(func.lower(User.email), User.language)
                                        .where(User.deleted_at.is_(None), func.lower(User.email).in_(wanted))).all())
    # Companies have no default language yet; the getattr lets one apply here as soon as they do.
    fallback = getattr(company, "language", None)
    fallback = fallback if fallback in LANGUAGES else DEFAULT
    groups: dict[str, list[str]] = {}
    for address in addresses:
        language = saved.get(address.lower())
        groups.setdefault(language if language in LANGUAGES else fallback, []).append(address)
    return groups


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    # The pure flow modules translate through app.markers; outside a request Flask-Babel answers in English.
    markers.install(flask_gettext, flask_ngettext, current_language)
    # `{{ text|translated }}` for N_-marked constants: a plain string, so it is escaped like any other (the
    # template `_()` marks its result safe and %-formats it, which breaks texts holding `<` or `%`).
    app.jinja_env.filters["translated"] = lambda text: flask_gettext(text) if text else text

    @app.context_processor
    def language_helpers():
        return {"LANGUAGES": LANGUAGES, "current_language": current_language}
