"""Languages: the top-bar switcher, the choice remembered per user, and complete French and German catalogs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.accounts.models import User
from app.extensions import db
from tests import factories
from tests.accounts.helpers import get_user, link_in

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
# What the accounts room's catalogs cover (the other rooms wrap their strings as they are translated).
SOURCES = ["app/accounts", "app/settings", "templates/accounts", "templates/settings"]
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


def _extracted() -> set[str]:
    ids = set()
    for source in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / source, method_map=[("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")],
                keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None}):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["fr", "de"])
def test_catalogs_are_complete_and_keep_placeholders(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id: m.string for m in catalog if m.id}
    missing = sorted(i for i in _extracted() if not translated.get(i))
    assert not missing, f"translate these in {language}: {missing}"
    for msgid, text in translated.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid
    mo = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    assert mo.exists() and mo.stat().st_mtime >= (mo.parent / "messages.po").stat().st_mtime - 1
