"""Allowance status ("3 of 10 deployed flows") and refusing to deploy or enable past an allowance."""
from __future__ import annotations

from flask import render_template_string
from sqlalchemy import select

from app.companies import allowances
from app.companies.allowances import allowance_status, check_can_deploy, check_can_enable
from app.connectors import services as connectors
from app.connectors.models import InstalledConnector
from app.extensions import db
from app.flows.services import create_flow
from app.insights import usage
from tests import factories


def connector_flow(company, instance_ids, deploy=True, enabled=True, nested=False):
    steps = [{"id": f"c{n}", "type": "connector", "version": 1,
              "config": {"instance_id": instance_id, "endpoint": "list_orders"}}
             for n, instance_id in enumerate(instance_ids)]
    if nested:  # inside a branch path: still counted
        steps = [{"id": "b", "type": "branch", "version": 1, "config": {},
                  "paths": [{"id": "p1", "name": "One", "steps": steps}]}]
    definition = {"trigger": {"type": "manual", "config": {}}, "steps": steps or [
        {"id": "m", "type": "manual_payload", "version": 1, "config": {"format": "json", "body": "[]"}}]}
    return create_flow(company, f"Flow {len(instance_ids)}-{nested}", definition, deploy=deploy, enabled=enabled)


def instance_of(company, key, name="main"):
    """An instance of a prebuilt connector (installed once), with placeholder values for what it requires."""
    connector = _installed(company, key) or connectors.install_connector(company, key)
    method = (connector.definition.get("auth_methods") or [None])[0]
    variables = [*(connector.definition.get("variables") or []), *((method or {}).get("variables") or [])]
    values = {v["key"]: "x" for v in variables}
    return connectors.add_instance(connector, name, (method or {}).get("key"), values).id


def _installed(company, key):
    return db.session.execute(select(InstalledConnector).where(InstalledConnector.company_id == company.id,
                                                               InstalledConnector.key == key)).scalar_one_or_none()


def test_deployed_flows_count_only_enabled_and_deployed(ctx):
    company = factories.company(tier="standard")
    factories.flow(company)  # deployed + enabled
    disabled = factories.flow(company)
    disabled.enabled = False
    factories.flow(company, deploy=False)  # a draft, enabled but never deployed
    db.session.commit()
    assert allowance_status(company, "deployed_flows") == (1, 10)
    assert allowances.status_text(company, "deployed_flows") == "1 of 10 deployed process flows"


def test_deployed_connectors_are_connectors_used_by_deployed_flows(ctx):
    company = factories.company(tier="standard")
    shop, shop_two = instance_of(company, "shopify"), instance_of(company, "shopify", "second store")
    other = instance_of(company, "airtable")
    connector_flow(company, [shop, shop_two], nested=True)
    connector_flow(company, [other], enabled=False)
    assert allowance_status(company, "deployed_connectors") == (1, 2), "two instances of one connector count once"


def test_operations_this_month_include_counters_not_yet_flushed(ctx):
    company = factories.company(tier="trial")
    flow = factories.flow(company)
    usage.add(company.id, flow.id, operations=7)
    assert allowance_status(company, "operations_per_month") == (7, 10_000)


def test_deploying_past_the_flows_allowance_is_refused_with_a_clear_message(ctx):
    company = factories.company("Tiny", tier="trial")  # two deployed flows
    factories.flow(company)
    factories.flow(company)
    third = factories.flow(company, deploy=False)
    message = check_can_deploy(company, third)
    assert message and "2 of its 2 deployed process flows" in message and "Trial" in message
    assert check_can_deploy(company, third, enable=False) is None, "a disabled flow uses no allowance"


def test_redeploying_a_flow_already_counted_is_allowed_at_the_limit(ctx):
    company = factories.company(tier="trial")
    first = factories.flow(company)
    factories.flow(company)
    assert check_can_deploy(company, first) is None


def test_enabling_past_the_allowance_is_refused(ctx):
    company = factories.company(tier="trial")
    factories.flow(company)
    factories.flow(company)
    off = factories.flow(company)
    off.enabled = False
    db.session.commit()
    assert "deployed process flows" in check_can_enable(company, off)
    company.bolt_ons = {"flows": 1}
    company.tier = "standard"
    db.session.commit()
    assert check_can_enable(company, off) is None


def test_a_flow_bringing_a_connector_past_the_allowance_is_refused(ctx):
    company = factories.company(tier="standard")  # two deployed connectors
    ids = [instance_of(company, key) for key in ("shopify", "airtable", "bigcommerce")]
    connector_flow(company, ids[:2])
    new = connector_flow(company, [ids[2]], deploy=False)
    message = check_can_deploy(company, new)
    assert message and "1 more connector" in message and "allowance of 2 deployed connectors" in message
    reuse = connector_flow(company, [ids[0]], deploy=False)
    assert check_can_deploy(company, reuse) is None, "a connector already in use costs nothing more"


def test_unlimited_allowances_never_refuse(ctx):
    company = factories.company(tier="custom")
    for _ in range(5):
        factories.flow(company)
    assert allowance_status(company, "deployed_flows") == (5, None)
    assert check_can_deploy(company, factories.flow(company, deploy=False)) is None
    assert allowances.status_text(company, "deployed_flows") == "5 deployed process flows, no limit"


def test_the_header_badge_other_pages_include(app):
    # The flows and connectors pages put this in their headers: {% set allowance_key = … %}{% include … %}
    with app.test_request_context():
        company = factories.company(tier="trial")
        factories.flow(company)
        factories.flow(company)
        html = render_template_string('{% set allowance_key = "deployed_flows" %}'
                                      '{% include "companies/_allowance.html" %}', acting_company=company)
    assert 'id="allowance-deployed-flows"' in html and "2 of 2 deployed process flows" in html
    assert "text-bg-warning" in html, "a used-up allowance stands out"
