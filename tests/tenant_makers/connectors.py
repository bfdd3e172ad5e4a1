"""Makers for the connectors room's tenant models."""
from __future__ import annotations

from app.connectors import services
from app.connectors.models import InstalledConnector, Instance


def make_connector(company):
    return services.install_connector(company, "shopify")


def make_instance(company):
    connector = make_connector(company)
    return services.add_instance(connector, "Main store", "token", {"store_name": "acme", "token": "shpat_secret_1"})


MAKERS = {InstalledConnector: make_connector, Instance: make_instance}
