"""Small helpers for the connector page tests: the signed-in company, a connector on the local API, a flow."""
from __future__ import annotations

import io

from app.companies.models import Company
from app.connectors import services
from app.extensions import db
from tests import factories
from tests.connectors_pages.shop_api import API_KEY, definition


def company(company_id: int) -> Company:
    return db.session.get(Company, company_id)


def shop_connector(company_id: int, base_url: str, key: str = "acme-shop"):
    return services.create_connector(company(company_id), definition(base_url, key=key))


def shop_instance(connector, api_key: str = API_KEY, name: str = "Live shop"):
    return services.add_instance(connector, name, "api-key", {"api_key": api_key})


def flow_using(company_id: int, instance_id: int, name: str = "Nightly orders", deploy: bool = True):
    step = {"id": "c1", "type": "connector", "version": 1,
            "config": {"instance_id": instance_id, "endpoint": "list_orders"}}
    return factories.flow(company(company_id), name=name, deploy=deploy,
                          definition={"trigger": {"type": "manual", "config": {}}, "steps": [step]})


def upload(content: bytes, filename: str = "file.json", **fields) -> dict:
    return {"file": (io.BytesIO(content), filename), **fields}


def text(response) -> str:
    return response.get_data(as_text=True)
