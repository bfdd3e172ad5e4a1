"""Emails sent by workers (run failures, notify shapes) go out in each recipient's language: a Weft user of
the company gets their saved language, any other address English; one message per language, counted once.
Real SMTP (aiosmtpd) and a real RQ worker."""
from __future__ import annotations

from app.extensions import db
from app.insights import notifications
from app.insights.models import NotificationGroup
from app.runs import services
from tests import factories
from tests.runs_pages.conftest import FAILING, flow_of, make_flow, manual


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _people(company):
    """A French user (mixed-case address), an English user, and a German user of another company."""
    marie = factories.user(company, role="user", email="Marie@acme.test")
    marie.language = "fr"
    john = factories.user(company, role="user", email="john@acme.test")
    john.language = "en"
    hans = factories.user(factories.company("Elsewhere"), role="user", email="hans@else.test")
    hans.language = "de"
    db.session.commit()


def _group(company, *emails):
    group = NotificationGroup(company_id=company.id, name="Ops", emails=list(emails))
    db.session.add(group)
    db.session.commit()
    return group


def test_a_failure_email_reaches_each_recipient_in_their_language(app, ctx, smtp, worker):
    company = factories.company("Acme")
    _people(company)
    ops = _group(company, "marie@acme.test", "john@acme.test", "hans@else.test")
    flow = make_flow(company, FAILING, name="Orders to ERP")
    flow.failure_group_ids = [ops.id]
    flow.failure_emails = ["typed@acme.test"]
    db.session.commit()

    run = services.start_run(flow)
    worker.work()  # the run, then one mail job per language

    inbox = smtp.by_recipients()
    assert sorted(inbox) == [("hans@else.test", "john@acme.test", "typed@acme.test"), ("marie@acme.test",)]
    assert inbox[("marie@acme.test",)]["Subject"] == (
        f"[Échec] Orders to ERP : l’exécution n° {run.id} a échoué à l’étape Map")
    french = _text(inbox[("marie@acme.test",)])
    assert "Une exécution du flux de processus « Orders to ERP » a échoué dans Acme." in french
    assert f"/runs/{run.id}" in french and "A run of the process flow" not in french
    # Another company's user and a typed address that is nobody's account get English.
    assert inbox[("hans@else.test", "john@acme.test", "typed@acme.test")]["Subject"] == (
        f"[Failed] Orders to ERP: run #{run.id} failed at Map")
    english = _text(inbox[("hans@else.test", "john@acme.test", "typed@acme.test")])
    assert 'A run of the process flow "Orders to ERP" failed in Acme.' in english
    assert "Une exécution" not in english and "Prozessflow" not in english
    assert notifications.emails_sent(company.id) == 1, "one failure, one email of the allowance"


def test_a_notify_shape_email_reaches_each_recipient_in_their_language(app, ctx, smtp, worker):
    company = factories.company("Acme")
    _people(company)
    ops = _group(company, "marie@acme.test", "john@acme.test")
    notify = {"id": "n", "type": "notify", "config": {"template": "Stock low", "level": "error",
                                                      "channels": "email", "groups": [ops.id]}}
    flow = make_flow(company, flow_of(manual('{"sku": "RED-1"}'), notify), name="Stock alert")

    services.start_run(flow)
    worker.work()

    inbox = smtp.by_recipients()
    assert sorted(inbox) == [("john@acme.test",), ("marie@acme.test",)]
    assert inbox[("marie@acme.test",)]["Subject"] == "[Erreur] Stock alert : Stock low"
    assert inbox[("john@acme.test",)]["Subject"] == "[Error] Stock alert: Stock low"
    french = _text(inbox[("marie@acme.test",)])
    assert "Notification (Erreur) du flux de processus « Stock alert »" in french and "Stock low" in french
    assert "Envoyé par Weft parce qu'une forme de notification" in french
    english = _text(inbox[("john@acme.test",)])
    assert 'notification from the process flow "Stock alert"' in english and "Stock low" in english
    assert "Sent by Weft because a notify shape chose a notification group you are in." in english
    assert notifications.emails_sent(company.id) == 1


def test_recipients_sharing_a_language_share_one_message(app, ctx, smtp, worker):
    company = factories.company("Acme")
    for address in ("a@acme.test", "b@acme.test"):
        factories.user(company, role="user", email=address).language = "de"
    db.session.commit()
    ops = _group(company, "a@acme.test", "b@acme.test")
    flow = make_flow(company, FAILING, name="Orders to ERP")
    flow.failure_group_ids = [ops.id]
    db.session.commit()

    services.start_run(flow)
    worker.work()

    [mail] = smtp
    message = mail["message"]
    assert mail["to"] == ["a@acme.test", "b@acme.test"]
    assert message["Subject"].startswith("[Fehlgeschlagen] Orders to ERP: Ausführung #")
    assert "Eine Ausführung des Prozessflows „Orders to ERP“ ist in Acme" in _text(message)
