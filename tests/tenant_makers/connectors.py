"""Makers for the connectors room's tenant models."""
from __future__ import annotations

from app.connectors import services
from app.connectors.models import InstalledConnector, Instance


def make_connector(company):
    # One install per company and key: the isolation tests make every model in one company.
    existing = InstalledConnector.query.filter_by(company_id=company.id, key="shopify").first()
    return existing or services.install_connector(company, "shopify")


def make_instance(company):
    connector = make_connector(company)
    return services.add_instance(connector, "Main store", "token", {"store_name": "acme", "token": "shpat_secret_1"})


MAKERS = {InstalledConnector: make_connector, Instance: make_instance}
