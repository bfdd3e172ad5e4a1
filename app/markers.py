"""Translation markers with no Flask in sight, so the engine's pure modules can mark and translate their texts.

`gettext`/`ngettext` call a translator hook: plain `%`-formatting (English) until `app.i18n` installs
Flask-Babel's, which follows the user's language in a request and falls back to English in the worker.
`locale()` names the language for Babel's own data (weekday and month names)."""
from __future__ import annotations

from collections.abc import Callable


def N_(text: str) -> str:
    """Marks a constant for extraction (pybabel's default N_ keyword); it is translated where it is shown."""
    return text


def _english(msgid: str, **params) -> str:
    return msgid % params if params else msgid  # as Flask-Babel: no params, no formatting


def _english_plural(singular: str, plural: str, num: int, **params) -> str:
    params.setdefault("num", num)
    return (singular if num == 1 else plural) % params


_hook: dict[str, Callable] = {"gettext": _english, "ngettext": _english_plural, "locale": lambda: "en"}


def install(gettext_: Callable, ngettext_: Callable, locale_: Callable[[], str]) -> None:
    """Called once by the app factory (app.i18n) with Flask-Babel's functions."""
    _hook.update(gettext=gettext_, ngettext=ngettext_, locale=locale_)


def gettext(msgid: str, **params) -> str:
    """The msgid in the current language, `%(name)s` placeholders filled from params."""
    return _hook["gettext"](msgid, **params)


def ngettext(singular: str, plural: str, num: int, **params) -> str:
    """The singular or plural form for num (available as `%(num)d`), in the current language."""
    return _hook["ngettext"](singular, plural, num, **params)


def locale() -> str:
    """The current language code ("en" outside a request), for babel.dates and babel.numbers."""
    return _hook["locale"]()
