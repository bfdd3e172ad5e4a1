"""The product in the user's language: the layout's navigation, the process flows page and the canvas."""
from __future__ import annotations

from app import tenancy
from app.extensions import db
from app.flows.models import Flow
from tests.flows_editor.conftest import html


def choose(client, language: str) -> None:
    assert client.post("/language", data={"language": language, "next": "/flows/"}).status_code == 303


def test_a_french_user_sees_the_navigation_and_the_flows_page_in_french(client, login, make_flow):
    me = login("manager")
    make_flow(me["company_id"], name="Commandes Shopify")
    make_flow(me["company_id"], name="Brouillon", deploy=False)
    choose(client, "fr")
    page = html(client.get("/flows/"))
    assert '<html lang="fr"' in page
    nav = page.split('<nav class="weft-nav', 1)[1].split("</nav>", 1)[0]
    for french in ("Tableau de bord", "Place de marché", "Connecteurs &amp; instances", "Flux de processus",
                   "Journaux d’exécution", "Tables de correspondance", "Pools de dédoublonnage", "Paramètres"):
        assert french in nav, french
    assert "Dashboard" not in nav and "Process flows" not in nav and "Run logs" not in nav
    assert '<h1 class="h3 mb-0">Flux de processus</h1>' in page
    assert "Nouveau flux de processus" in page and "New process flow" not in page
    assert "2 flux · 1 déployé(s) et activé(s)" in page
    assert "<th>Nom</th><th>Activé</th><th>Statut</th>" in page
    assert "Non déployé" in page and "Jamais exécuté" in page and "Never run" not in page
    # The user's data stays as typed.
    assert "Commandes Shopify" in page and "Brouillon" in page
    # A filter with no match, and its message, in French too.
    empty = html(client.get("/flows/?q=zzz"))
    assert "Aucun flux de processus ne correspond à ces filtres." in empty and "Afficher tous les flux" in empty


def test_flash_messages_and_the_canvas_follow_the_language(app, client, login, make_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"], name="Stock")
    choose(client, "de")
    response = client.post(f"/flows/{flow_id}/enabled", data={"enabled": "0"})
    assert response.status_code in (302, 303)
    page = html(client.get(response.headers["Location"]))
    assert "„Stock“ ist deaktiviert." in page
    canvas = html(client.get(f"/flows/{flow_id}"))
    assert "Standardbausteine" in canvas and "Zuordnung" in canvas  # the tray's group and the map shape
    assert "Jetzt ausführen" in canvas and "Flow-Einstellungen" in canvas and "Run now" not in canvas
    with app.app_context(), tenancy.acting_as(me["company_id"]):
        assert db.session.get(Flow, flow_id).enabled is False


SCHEDULED = {
    "trigger": {"type": "schedule", "config": {"schedules": [
        {"kind": "hourly", "every": 1, "minute": 15},
        {"kind": "daily", "hour": 9, "minute": 30, "weekdays": ["mon", "fri"]}]}},
    "steps": [
        {"id": "s1", "type": "manual_payload", "version": 1, "config": {"format": "json", "body": '[{"id": 1}]'}},
        {"id": "s2", "type": "map", "version": 1, "config": {"rules": [{"source": "id", "target": "code"}]}},
        {"id": "s3", "type": "notify", "version": 1, "config": {"template": "Done", "level": "warning",
                                                                  "channels": "log"}},
    ],
}


def _break_the_draft(app, company_id: int, flow_id: int) -> None:
    """The draft gets a notify step with no template: a problem shown on the canvas and in the deploy dialog."""
    with app.app_context(), tenancy.acting_as(company_id):
        draft = db.session.get(Flow, flow_id).draft
        definition = dict(draft.definition)
        definition["steps"] = [*definition["steps"], {"id": "s4", "type": "notify", "version": 1,
                                                        "config": {"template": "", "channels": "log"}}]
        draft.definition = definition
        db.session.commit()


def test_a_french_user_sees_summaries_schedules_and_problems_in_french(app, client, login, make_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"], definition=SCHEDULED, name="Stock")
    _break_the_draft(app, me["company_id"], flow_id)
    choose(client, "fr")
    canvas = html(client.get(f"/flows/{flow_id}"))
    # The schedule, in words and with the weekday names of the language (Babel's data).
    assert "Toutes les heures à :15" in canvas and "Every hour" not in canvas
    assert "Chaque lun., ven. à 09 h 30 UTC" in canvas
    # Each shape's one-line summary under its label.
    assert "JSON, 11 caractères" in canvas and "1 règle" in canvas and "Avertissement · Journal" in canvas
    assert "1 rule" not in canvas and "Warning · Log" not in canvas
    # The shape's problem, on the canvas and in the deploy dialog, with the step named in French too.
    assert "Rédigez le modèle de notification." in canvas
    dialog = html(client.get(f"/flows/{flow_id}/deploy", headers={"HX-Request": "true"}))
    assert "Étape 4 (Notification): Rédigez le modèle de notification." in dialog
    assert "Write the notification template." not in dialog


def test_the_worker_gets_english_outside_a_request(app):
    """The worker has no request: the pure modules answer in English even after a French page was served."""
    from app.flows import schedules
    from app.flows.services import validate_definition
    from app.flows.shapes import get

    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert schedules.describe({"kind": "hourly", "minute": 15}) == "Toutes les heures à :15"
    with app.app_context():
        assert schedules.describe({"kind": "hourly", "minute": 15}) == "Every hour at :15"
        assert schedules.describe({"kind": "daily", "hour": 9, "minute": 30, "weekdays": ["mon", "fri"]}) == \
            "Daily on Mon, Fri at 09:30 UTC"
        assert get("map", 1).summary({"rules": [{}, {}]}) == "2 rules"
        broken = {"steps": [{"id": "n", "type": "notify", "version": 1, "config": {"template": ""}}]}
        assert validate_definition(broken)[0] == "Step 1 (Notify): Write the notification template."
    # And with no app at all (a bare script importing the engine).
    assert schedules.describe({"kind": "minutes", "every": 5}) == "Every 5 minutes"
