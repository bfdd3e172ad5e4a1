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
