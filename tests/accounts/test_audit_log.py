"""Settings → audit logs: administrators browse, filter, page and download the company's trail."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from app import audit
from app.accounts.models import User
from app.audit import AuditEntry
from app.companies.models import Company
from app.extensions import db
from app.settings.audit_log import PAGE_SIZE
from app.timeutil import utcnow
from tests import factories


def _entries(app, company_id, count, action="company.updated", actor_id=None, days_ago=0, target="Acme"):
    with app.app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        for n in range(count):
            entry = audit.record(actor, company_id, action, f"{target} {n}", ip="192.0.2.1")
            entry.created_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


def test_only_administrators_see_the_audit_log(app, client, login):
    for role in ("manager", "user", "read-only"):
        client.post("/logout")
        login(role)
        assert client.get("/settings/audit").status_code == 403
        assert client.get("/settings/audit.csv").status_code == 403
        assert "Audit logs" not in client.get("/settings/").get_data(as_text=True)


def test_changes_and_sign_ins_are_listed_with_who_when_and_where(app, client, login):
    me = login("administrator")
    client.post("/settings/banner", data={"banner": "Hello team"})
    page = client.get("/settings/audit").get_data(as_text=True)
    for text in ("Banner set", "Signed in", "Hello team", "127.0.0.1", me["email"], "Time (UTC)"):
        assert text in page, text
    assert page.index("Banner set") < page.index("Signed in")  # newest first


def test_filters_by_user_action_and_dates(app, client, login):
    me = login("administrator")
    with app.app_context():
        other = factories.user(db.session.get(Company, me["company_id"]), role="user")
    _entries(app, me["company_id"], 2, action="user.deleted", actor_id=other.id, target="Deleted one")
    _entries(app, me["company_id"], 1, action="company.banner_set", days_ago=10, target="Old banner")
    by_user = client.get(f"/settings/audit?user={other.id}").get_data(as_text=True)
    assert "Deleted one 0" in by_user and "Old banner 0" not in by_user
    assert 'data-action="login.succeeded"' not in by_user
    by_action = client.get("/settings/audit?action=company.banner_set").get_data(as_text=True)
    assert "Old banner 0" in by_action and "Deleted one 0" not in by_action
    day = (utcnow() - timedelta(days=10)).date().isoformat()
    by_date = client.get(f"/settings/audit?start={day}&end={day}").get_data(as_text=True)
    assert "Old banner 0" in by_date and "Deleted one 0" not in by_date
    fragment = client.get("/settings/audit?action=user.deleted", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and "2 entries" in fragment.get_data(as_text=True)


def test_a_backwards_date_range_is_a_422_with_a_message(app, client, login):
    login("administrator")
    response = client.get("/settings/audit?start=2025-02-10&end=2025-02-01")
    assert response.status_code == 422
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert client.get("/settings/audit?start=not-a-date").status_code == 422


def test_pages_of_entries(app, client, login):
    me = login("administrator")
    _entries(app, me["company_id"], PAGE_SIZE + 5)
    first = client.get("/settings/audit").get_data(as_text=True)
    assert "Page 1 of 2" in first and first.count('data-action="company.updated"') == PAGE_SIZE
    second = client.get("/settings/audit?page=2").get_data(as_text=True)
    assert second.count('data-action=') == 6  # 5 more changes and the sign-in
    assert client.get("/settings/audit?page=99").status_code == 200


def test_csv_download_follows_the_filters_and_defuses_formulas(app, client, login):
    me = login("administrator")
    _entries(app, me["company_id"], 3, action="user.deleted", target="=HYPERLINK(\"http://evil\")")
    response = client.get("/settings/audit.csv?action=user.deleted")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 3 and {r["action"] for r in rows} == {"user.deleted"}
    assert all(r["target"].startswith("'=") for r in rows)
    assert rows[0]["ip"] == "192.0.2.1" and rows[0]["action_label"] == "User deleted"


def test_another_companys_entries_never_show(app, client, login):
    login("administrator")
    with app.app_context():
        elsewhere = factories.company("Elsewhere Ltd")
        audit.record(None, elsewhere, "company.banner_set", "Secret Co banner")
        db.session.commit()
    assert "Secret Co banner" not in client.get("/settings/audit").get_data(as_text=True)
    assert "Secret Co banner" not in client.get("/settings/audit.csv").get_data(as_text=True)


def test_each_change_is_recorded_once(app, client, login):
    me = login("administrator")
    client.post("/settings/profile", data={"name": "Once Ltd", "website": "", "telephone": "", "email": ""})
    client.post("/settings/profile", data={"name": "Once Ltd", "website": "", "telephone": "", "email": ""})
    with app.app_context():
        rows = db.session.query(AuditEntry).filter_by(company_id=me["company_id"], action="company.updated").all()
    assert len(rows) == 1


def test_odd_query_parameters_do_not_break_the_page(app, client, login):
    login("administrator")
    response = client.get("/settings/audit?_scheme=javascript&_external=1&page=x&user=abc&action=%3Cb%3E")
    assert response.status_code == 200
    link = re.search(r'href="([^"]+)" id="audit-download"', response.get_data(as_text=True)).group(1)
    assert "_scheme" not in link and "action=" in link
