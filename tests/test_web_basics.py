"""Sign-in, layout, error pages, CSRF and security headers."""
from __future__ import annotations

import pytest

from app import create_app
from app.accounts.models import User
from app.extensions import db
from tests import factories


def test_sign_in_shows_the_dashboard_with_navigation_and_company(app, client, login):
    me = login("administrator")
    page = client.get("/dashboard").get_data(as_text=True)
    for label in ("Dashboard", "Marketplace", "Connectors &amp; instances", "Process flows", "Run logs", "Settings"):
        assert label in page
    with app.app_context():
        from app.companies.models import Company

        assert db.session.get(Company, me["company_id"]).name in page


def test_wrong_password_is_refused_with_a_message(app, client):
    with app.app_context():
        email = factories.user().email
    response = client.post("/login", data={"email": email, "password": "wrong"})
    assert response.status_code == 422
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_pages_need_sign_in_and_keep_the_destination(client):
    response = client.get("/flows/")
    assert response.status_code == 302
    assert "/login?next=%2Fflows%2F" in response.headers["Location"]


def test_next_parameter_cannot_send_users_to_another_site(app, client):
    with app.app_context():
        email = factories.user().email
    response = client.post("/login?next=//evil.example/", data={"email": email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/dashboard"


def test_passwords_are_stored_with_a_slow_hash(ctx):
    user = factories.user()
    stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2") and factories.PASSWORD not in stored


def test_banner_is_shown_on_every_page(app, client, login):
    me = login("user")
    with app.app_context():
        from app.companies.models import Company

        db.session.get(Company, me["company_id"]).banner = "Maintenance tonight at 22:00"
        db.session.commit()
    for url in ("/dashboard", "/flows/", "/runs/"):
        assert "Maintenance tonight at 22:00" in client.get(url).get_data(as_text=True)


def test_unknown_page_is_a_404_inside_the_layout(client, login):
    login()
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "We could not find that page." in body and "Run logs" in body


def test_unexpected_errors_render_a_500_page(app, client, login):
    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    login()
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "kaboom" not in response.get_data(as_text=True)


def test_security_headers_are_set(client):
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


@pytest.fixture
def csrf_app(redis_server, database_url, app, tmp_path):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_server,
                       "INSTANCE_PATH": str(tmp_path)})


def test_htmx_posts_need_the_csrf_token_from_the_page(csrf_app):
    client = csrf_app.test_client()
    with csrf_app.app_context():
        email = factories.user().email
    refused = client.post("/login", data={"email": email, "password": factories.PASSWORD},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    accepted = client.post("/login", data={"email": email, "password": factories.PASSWORD},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 204 and accepted.headers["HX-Redirect"] == "/dashboard"


def test_every_setting_is_documented():
    from pathlib import Path

    from app.config import SETTINGS

    doc = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text()
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in doc]
    assert not missing, f"document these settings in docs/configuration.md: {missing}"
