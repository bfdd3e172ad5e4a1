"""Languages: the top-bar switcher, the choice remembered per user, and complete French and German catalogs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from app.accounts.models import User
from app.extensions import db
from tests import factories
from tests.accounts.helpers import get_user, link_in

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
# Everything whose strings are wrapped: a new _() string here fails until it is translated in fr and de.
SOURCES = [
    "app/accounts", "app/settings", "app/companies", "app/flows", "app/connectors", "app/caches", "app/lookups",
    "app/scripts", "app/insights", "app/marketplace", "app/api", "app/runs", "app/errors.py",
    "templates/base.html", "templates/accounts", "templates/settings", "templates/companies", "templates/components",
    "templates/errors", "templates/dashboard", "templates/flows", "templates/connectors", "templates/marketplace",
    "templates/insights", "templates/scripts", "templates/lookups", "templates/caches", "templates/api",
    "templates/mail", "templates/runs",
]
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
# pybabel's own keywords (N_ marks constants translated where they are shown) plus the lazy ones.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def test_the_switcher_translates_the_pages_and_remembers_the_choice(app, client, login):
    me = login("administrator")
    page = client.get("/settings/").get_data(as_text=True)
    assert 'id="language-menu"' in page and "Français" in page and "Deutsch" in page
    response = client.post("/language", data={"language": "fr", "next": "/settings/"})
    assert response.status_code == 303 and response.headers["Location"] == "/settings/"
    french = client.get("/settings/").get_data(as_text=True)
    assert '<html lang="fr"' in french and "Profil de mon entreprise" in french and "Mon compte" in french
    assert get_user(app, me["user_id"]).language == "fr"
    # Another browser, after signing in, gets French too: the choice belongs to the user.
    other = app.test_client()
    other.post("/login", data={"email": me["email"], "password": factories.PASSWORD})
    assert "Se déconnecter" in other.get("/account").get_data(as_text=True)


def test_messages_and_form_errors_are_translated(app, client, login):
    login("administrator")
    client.post("/language", data={"language": "de"})
    response = client.post("/settings/users/new", data={"name": "", "email": "x"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dieses Feld wird benötigt." in body  # WTForms' own messages follow the language too
    assert "Benutzer hinzufügen" in body


def test_signed_out_visitors_switch_on_the_sign_in_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'id="language-menu"' in page
    client.post("/language", data={"language": "de", "next": "/login"})
    assert "Passwort vergessen?" in client.get("/login").get_data(as_text=True)


def test_the_browser_language_is_the_default(client):
    page = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert "Mot de passe oublié ?" in page


def test_an_unknown_language_changes_nothing(app, client, login):
    me = login("user")
    client.post("/language", data={"language": "xx"})
    assert get_user(app, me["user_id"]).language is None


def test_emails_go_out_in_the_recipients_language(app, client, smtp, worker):
    with app.app_context():
        user = factories.user()
        db.session.get(User, user.id).language = "de"
        db.session.commit()
    client.post("/forgot-password", data={"email": user.email})
    worker.work()
    assert smtp[-1]["message"]["Subject"] == "Setzen Sie Ihr Weft-Passwort zurück"
    assert "Der Link funktioniert einmal" in smtp.text() and link_in(smtp.text())


def _extracted() -> set[str | tuple[str, str]]:
    """Every msgid of SOURCES: a string, or (singular, plural) for ngettext."""
    ids = set()
    for source in SOURCES:
        path = ROOT / source
        if path.is_file():
            method = "python" if path.suffix == ".py" else "jinja2"
            found = ((m[0], m[1]) for m in extract_from_file(method, path, keywords=KEYWORDS))
        else:
            found = ((m[1], m[2]) for m in extract_from_dir(path, method_map=METHODS, keywords=KEYWORDS))
        for _line, message in found:
            ids.add(message if isinstance(message, str) else tuple(message[:2]))
    return ids


def test_sources_cover_every_translated_template_directory():
    wrapped = {p.name for p in (ROOT / "templates").iterdir() if p.is_dir()}
    assert wrapped <= {Path(s).name for s in SOURCES if s.startswith("templates/")}


def _placeholders_kept(msgid, text) -> bool:
    if isinstance(msgid, tuple):
        # The singular may leave the count out ("Fix this row"); every other placeholder stays.
        plural = sorted(PLACEHOLDER.findall(msgid[1]))
        return all(sorted(PLACEHOLDER.findall(form)) in (plural, [p for p in plural if p != "%(num)d"])
                   for form in text)
    return sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", ["fr", "de"])
def test_catalogs_are_complete_and_keep_placeholders(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id: m.string for m in catalog if m.id and not m.fuzzy}
    missing = sorted((i for i in _extracted() if not translated.get(i) or not all(translated[i])), key=str)
    assert not missing, f"translate these in {language}: {missing}"
    for msgid, text in translated.items():
        if text and (all(text) if isinstance(text, tuple) else True):
            assert _placeholders_kept(msgid, text), msgid
    mo = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    assert mo.exists() and mo.stat().st_mtime >= (mo.parent / "messages.po").stat().st_mtime - 1
