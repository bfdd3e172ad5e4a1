"""The map's cross-reference, cache lookup and script transforms offer the company's lookups, caches and deployed
scripts to pick from, keep a stored reference selected even when it no longer resolves, and save what was picked."""
from __future__ import annotations

import lxml.html

from app.companies.models import Company
from app.extensions import db
from tests import factories
from tests.flows_panels.helpers import (
    HX,
    get_panel,
    html,
    make_flow,
    payload_step,
    preview,
    preview_outputs,
    save,
    step_of,
)

CODE = "def handle(data):\n    data['payload'] = str(data['payload']).upper()\n    return data\n"


def references(app, company_id: int) -> dict:
    """Two lookups, a deployed and an undeployed script, a company cache; and another company's lookup, script and
    cache, which must never be offered."""
    from app.caches import services as caches
    from app.lookups import services as lookups
    from app.scripts import services as scripts

    with app.app_context():
        company = db.session.get(Company, company_id)
        units = lookups.create_table(company, "Units")
        lookups.add_row(units, "Kilogram", "Kg")
        lookups.create_table(company, "Colours")
        shout = scripts.create_script(company, "Shout", "python", code=CODE)
        scripts.deploy(shout)
        scripts.create_script(company, "Unfinished", "python", code=CODE)
        caches.ensure(db.session, company_id, "customers", "company", None)
        other = factories.company("Other Co")
        lookups.create_table(other, "Secret units")
        scripts.deploy(scripts.create_script(other, "Secret script", "python", code=CODE))
        caches.ensure(db.session, other.id, "secret-cache", "company", None)
        return {"units": units.id, "shout": shout.id}


def map_step(*transforms) -> dict:
    rules = [{"source": "v", "target": f"out{n}", "transforms": [t]} for n, t in enumerate(transforms)]
    return {"id": "m", "type": "map", "version": 1, "name": "Orders", "config": {"rules": rules}}


def control(page: str, name: str):
    found = lxml.html.fromstring(page).xpath(f'//*[@name="{name}"]')
    assert found, f"no input named {name}"
    return found[0]


def options(select) -> list[tuple[str, str, bool]]:
    return [(o.get("value"), o.text_content().strip(), o.get("selected") is not None) for o in select.iter("option")]


def test_stored_references_show_as_picks_and_unknown_ones_stay_selected(app, client, login):
    me = login("user")
    ids = references(app, me["company_id"])
    flow_id = make_flow(app, me["company_id"], [payload_step(), map_step(
        {"fn": "cross_reference", "params": {"table": str(ids["units"])}},
        {"fn": "cross_reference", "params": {"table": "Colours"}},
        {"fn": "cross_reference", "params": {"table": "unitz"}},
        {"fn": "script", "params": {"script": ids["shout"]}},
        {"fn": "script", "params": {"script": "Unfinished"}},
        {"fn": "cache_lookup", "params": {"cache": "customers"}})])
    page = html(get_panel(client, flow_id, "m"))

    by_id = control(page, "rules-0-t-0-p-table")
    assert by_id.tag == "select"
    assert options(by_id) == [("", "Choose a lookup…", False), (str(ids["units"] + 1), "Colours (0 rows)", False),
                              (str(ids["units"]), "Units (1 row)", True)]
    by_name = options(control(page, "rules-1-t-0-p-table"))
    assert ("Colours", "Colours (0 rows)", True) in by_name, "a lookup stored by name keeps its name"
    missing = options(control(page, "rules-2-t-0-p-table"))
    assert missing[-1] == ("unitz", "Lookup “unitz” (not found in this company)", True)
    assert not any("Secret" in label for _, label, _ in missing)

    script = options(control(page, "rules-3-t-0-p-script"))
    assert script == [("", "Choose a script…", False), (str(ids["shout"]), "Shout", True)]
    undeployed = options(control(page, "rules-4-t-0-p-script"))
    assert undeployed[-1] == ("Unfinished", "Unfinished (no deployed version)", True)

    cache = control(page, "rules-5-t-0-p-cache")
    assert cache.tag == "input" and cache.get("value") == "customers"
    datalist = lxml.html.fromstring(page).xpath(f'//datalist[@id="{cache.get("list")}"]')[0]
    suggestions = [o.get("value") for o in datalist.iter("option")]
    assert suggestions == ["customers"]
    assert "/lookups/" in page and "/scripts/" in page and "/caches/" in page  # the pages to manage them

    # Saving the panel untouched keeps every reference as it was stored.
    posted = {f"rules-{n}-{k}": v for n in range(6) for k, v in (("source", "v"), ("target", f"out{n}"))}
    fields = {"rules-0-t-0-p-table": str(ids["units"]), "rules-1-t-0-p-table": "Colours",
              "rules-2-t-0-p-table": "unitz", "rules-3-t-0-p-script": str(ids["shout"]),
              "rules-4-t-0-p-script": "Unfinished", "rules-5-t-0-p-cache": "customers"}
    fns = ["cross_reference"] * 3 + ["script"] * 2 + ["cache_lookup"]
    posted.update({f"rules-{n}-t-0-fn": fn for n, fn in enumerate(fns)})
    posted.update(fields)
    response = save(client, flow_id, "m", posted, app=app)
    assert response.status_code == 200, html(response)
    stored = [r["transforms"][0]["params"] for r in step_of(app, flow_id, "m")["config"]["rules"]]
    assert [next(iter(p.values())) for p in stored] == list(fields.values())


def test_a_newly_chosen_function_offers_the_lists_and_the_pick_runs_in_the_preview(app, client, login):
    me = login("user")
    ids = references(app, me["company_id"])
    flow_id = make_flow(app, me["company_id"], [payload_step(), map_step({"fn": "prefix", "params": {"text": "x"}})])

    fresh = client.get(f"/flows/{flow_id}/steps/m/panel/transform", headers=HX,
                       query_string={"prefix": "rules-0-t-0", "rules-0-t-0-fn": "cross_reference"})
    picks = options(control(html(fresh), "rules-0-t-0-p-table"))
    assert [label for _, label, _ in picks] == ["Choose a lookup…", "Colours (0 rows)", "Units (1 row)"]
    assert picks[0][2] or not any(selected for _, _, selected in picks), "nothing is picked for the user"
    fresh = client.get(f"/flows/{flow_id}/steps/m/panel/transform", headers=HX,
                       query_string={"prefix": "rules-0-t-0", "rules-0-t-0-fn": "script"})
    assert [v for v, _, _ in options(control(html(fresh), "rules-0-t-0-p-script"))] == ["", str(ids["shout"])]

    chosen = {"rules-0-source": "unit", "rules-0-target": "unit", "rules-0-t-0-fn": "cross_reference",
              "rules-0-t-0-p-table": str(ids["units"]), "rules-0-t-0-p-direction": "left_to_right",
              "rules-0-t-0-p-match_type": "exact", "rules-0-t-0-p-output_type": "as_is",
              "rules-1-source": "name", "rules-1-target": "name", "rules-1-t-0-fn": "script",
              "rules-1-t-0-p-script": str(ids["shout"])}
    page = html(preview(client, flow_id, "m", chosen, paste={"unit": "Kilogram", "name": "ada"}))
    assert preview_outputs(page) == [{"unit": "Kg", "name": "ADA"}]

    response = save(client, flow_id, "m", {**chosen, "rules-1-t-0-p-script": ""}, app=app)
    assert response.status_code == 422 and "Script is required" in html(response)
