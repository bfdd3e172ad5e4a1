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


PANELS = [
    {"id": "p", "type": "manual_payload", "version": 1, "config": {"format": "json", "body": '[{"id": 1}]'}},
    {"id": "f", "type": "filter", "version": 1,
     "config": {"conditions": [{"field": "id", "type": "number", "operator": "equals", "value": "1"}]}},
    {"id": "n", "type": "notify", "version": 1, "config": {"template": "Done", "channels": "log"}},
    {"id": "m", "type": "map", "version": 1, "config": {"rules": [
        {"source": "id", "target": "code", "transforms": [{"fn": "pad", "params": {"length": 4}}]}]}},
]


def _options(page: str) -> list[str]:
    import re
    return re.findall(r"<option[^>]*>([^<]*)</option>", page)


def test_a_french_user_sees_the_settings_panels_in_french(client, login, make_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"], definition={"trigger": {"type": "manual", "config": {}}, "steps": PANELS})
    choose(client, "fr")
    condition = html(client.get(f"/flows/{flow_id}/steps/f/panel"))
    # The condition types, the logic and the shared name/skip inputs; the value hint of the row's type.
    assert {"Texte", "Nombre", "Date précise", "Date dynamique", "Booléen"} <= set(_options(condition))
    assert "Specific date" not in condition and "All conditions (AND)" not in condition
    assert "Ignorer cette forme" in condition and "Skip this shape" not in condition
    assert 'title="Un nombre, ou 10..20 pour « entre »."' in condition
    notify = _options(html(client.get(f"/flows/{flow_id}/steps/n/panel")))
    assert {"Succès", "Avertissement", "E-mail + journal", "Journal"} <= set(notify) and "Warning" not in notify
    # The transform catalogue: group, function name, its parameter's label and help.
    mapping = html(client.get(f"/flows/{flow_id}/steps/m/panel"))
    assert 'optgroup label="Tableau"' in mapping and "Compléter" in _options(mapping)
    assert "Caractère de remplissage" in mapping and "Un caractère ; une espace est autorisée." in mapping
    assert "Pad character" not in mapping and "Cast to number" not in mapping
    # A validation message raised by a panel form.
    data = {"template": "Done", "level": "info", "channels": "email", "expected_revision": "1"}
    bad = client.post(f"/flows/{flow_id}/steps/n/panel", data=data, headers={"HX-Request": "true"})
    assert "Choisissez au moins un groupe à qui envoyer l’e-mail" in html(bad)


def test_a_german_user_sees_weekday_checkboxes_in_german(client, login, make_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"], definition=SCHEDULED)
    choose(client, "de")
    page = html(client.get(f"/flows/{flow_id}/triggers/schedules/form?schedule-kind=daily"))
    assert "Mo." in page and "Fr." in page and ">Mon<" not in page


def test_a_french_user_sees_connector_messages_undo_labels_and_transform_descriptions(app, client, login, make_flow):
    from app.flows.models import DraftChange
    from tests.flows_editor.conftest import HX, revision_of

    me = login("manager")
    choose(client, "fr")
    # A message of the connector services (a second install of the same connector).
    assert client.post("/marketplace/connectors/shopify/install").status_code == 303
    again = html(client.post("/marketplace/connectors/shopify/install", follow_redirects=True))
    assert "Shopify est déjà installé." in again and "already installed" not in again

    # The undo label is stored as parts and shown in the viewer's language; the shape's type label too.
    flow_id = make_flow(me["company_id"], definition={"trigger": {"type": "manual", "config": {}}, "steps": PANELS})
    rev = revision_of(html(client.get(f"/flows/{flow_id}")))
    client.post(f"/flows/{flow_id}/steps/n/delete", headers=HX, data={"revision": rev})
    canvas = html(client.get(f"/flows/{flow_id}"))
    assert "suppression de Notification" in canvas and "delete Notify" not in canvas
    choose(client, "de")
    assert "Benachrichtigen löschen" in html(client.get(f"/flows/{flow_id}"))
    choose(client, "fr")
    undone = html(client.post(f"/flows/{flow_id}/undo", headers=HX, data={"revision": rev + 1}))
    assert "Annulé : suppression de Notification." in undone and "Undone" not in undone
    with app.app_context(), tenancy.acting_as(me["company_id"]):
        # An undo row written before labels were stored as parts shows as it was stored.
        draft = db.session.get(Flow, flow_id).draft
        db.session.add(DraftChange(company_id=me["company_id"], version_id=draft.id, label="rename path Old",
                                   definition=draft.definition))
        db.session.commit()
    assert "rename path Old" in html(client.get(f"/flows/{flow_id}"))

    # A transform function's description and a help text holding "<…>", escaped like any other text.
    pad = html(client.get(f"/flows/{flow_id}/steps/m/panel"))
    assert "« both » répartit également" in pad and "Pad to a length" not in pad
    params = html(client.get(f"/flows/{flow_id}/steps/m/panel/transform",
                             query_string={"prefix": "rules-0-transforms-0", "rules-0-transforms-0-fn": "math"}))
    assert "valeur &lt;opération&gt; nombre" in params and "Arithmetic" not in params


def _row(page: str, prefix: str) -> str:
    """The markup of one condition row: from its field input to the next row's (or the end)."""
    import html as html_lib
    import re
    after = page.split(f'name="{prefix}-field"', 1)[1]
    return html_lib.unescape(re.split(r'name="[\w-]*conditions-\d+-field"', after, maxsplit=1)[0])


def test_a_french_user_sees_condition_problems_on_their_row_and_draft_refusals_in_french(client, login, make_flow):
    from tests.flows_editor.conftest import HX, revision_of

    me = login("manager")
    route = {"id": "r", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
        {"id": "a", "name": "Grosses", "config": {"conditions": []}, "steps": []},
        {"id": "b", "name": "Payées", "config": {"conditions": []}, "steps": []}]}
    flow_id = make_flow(me["company_id"], definition={"trigger": {"type": "manual", "config": {}},
                                                      "steps": [*PANELS, route]})
    choose(client, "fr")
    # The second condition of a filter lacks its value: the problem, in French, sits under that row only.
    data = {"conditions-0-field": "id", "conditions-0-type": "number", "conditions-0-operator": "equals",
            "conditions-0-value": "1",
            "conditions-1-field": "total", "conditions-1-type": "number", "conditions-1-operator": "greater_than",
            "conditions-1-value": "", "logic": "and", "keep_matching": "y", "expected_revision": "1"}
    bad = client.post(f"/flows/{flow_id}/steps/f/panel", data=data, headers=HX)
    assert bad.status_code == 422
    problem = "Condition sur 'total' : « greater_than » a besoin d'une valeur"
    assert problem in _row(html(bad), "conditions-1")
    assert problem not in _row(html(bad), "conditions-0") and "needs a value" not in html(bad)

    # In a route, the problem goes to the right route and row, whatever the route is called.
    data = {"method": "all", "expected_revision": "1",
            "paths-0-id": "a", "paths-0-name": "Grosses", "paths-0-logic": "and",
            "paths-0-conditions-0-field": "total", "paths-0-conditions-0-type": "number",
            "paths-0-conditions-0-operator": "greater_than", "paths-0-conditions-0-value": "100",
            "paths-1-id": "b", "paths-1-name": "Payées", "paths-1-logic": "and",
            "paths-1-conditions-0-field": "status", "paths-1-conditions-0-type": "string",
            "paths-1-conditions-0-operator": "equals", "paths-1-conditions-0-value": "paid",
            "paths-1-conditions-1-field": "total", "paths-1-conditions-1-type": "number",
            "paths-1-conditions-1-operator": "greater_than", "paths-1-conditions-1-value": ""}
    bad = client.post(f"/flows/{flow_id}/steps/r/panel", data=data, headers=HX)
    assert bad.status_code == 422
    assert problem in _row(html(bad), "paths-1-conditions-1")
    assert problem not in _row(html(bad), "paths-0-conditions-0") + _row(html(bad), "paths-1-conditions-0")

    # A refused change to the draft says why in French.
    rev = revision_of(html(client.get(f"/flows/{flow_id}")))
    nothing = html(client.post(f"/flows/{flow_id}/undo", headers=HX, data={"revision": rev}))
    assert "Il n'y a rien à annuler." in nothing.replace("&#39;", "'") and "nothing to undo" not in nothing


def test_a_french_user_sees_the_engine_details_of_a_condition_problem_in_french(client, login, make_flow):
    """The detail after "Condition sur …" comes from the engine's lower modules (values, paths): French too,
    joined with French typography's " : "."""
    from tests.flows_editor.conftest import HX

    me = login("manager")
    flow_id = make_flow(me["company_id"], definition={"trigger": {"type": "manual", "config": {}}, "steps": PANELS})
    choose(client, "fr")
    data = {"conditions-0-field": "id", "conditions-0-type": "number", "conditions-0-operator": "equals",
            "conditions-0-value": "1",
            "conditions-1-field": "total", "conditions-1-type": "number", "conditions-1-operator": "greater_than",
            "conditions-1-value": "ten",
            "conditions-2-field": "total\\", "conditions-2-type": "string", "conditions-2-operator": "equals",
            "conditions-2-value": "x", "logic": "and", "keep_matching": "y", "expected_revision": "1"}
    bad = client.post(f"/flows/{flow_id}/steps/f/panel", data=data, headers=HX)
    assert bad.status_code == 422
    page = html(bad)
    assert "Condition sur 'total' : 'ten' n'est pas un nombre" in _row(page, "conditions-1")
    assert "Condition sur 'total\\\\' : le chemin 'total\\\\' se termine par une barre oblique inverse isolée" \
        in _row(page, "conditions-2")
    assert "is not a number" not in page and "lone backslash" not in page


def test_transform_and_variable_details_follow_the_language(app):
    """A transform's parameter error and a variable's path error, as the map and filter panels show them."""
    from app.flows import condition_config
    from app.flows.shapes import get

    rules = {"rules": [{"source": "a", "target": "z", "transforms": [{"fn": "math", "params": {}}]}]}
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert get("map", 1).validate(rules) == ["Règle 1 (a → z), fonction 1 : Calcul : Nombre est obligatoire"]
        rows = [{"field": "x", "operator": "equals", "type": "string", "value": "[[payload.a\\x]]"}]
        assert condition_config.validate_rows(rows) == [
            "Condition 1 : Variable [[payload.a\\x]] non valide : chemin 'payload.a\\\\x' : seuls \\. \\* et \\\\ "
            "sont des échappements"]
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert "Rechnen: Zahl ist erforderlich" in " ".join(get("map", 1).validate(rules))
    with app.app_context():
        assert "Rule 1 (a → z), function 1: Math: Number is required" in " ".join(get("map", 1).validate(rules))
