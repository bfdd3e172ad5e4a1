"""Fixtures for the connector pages: the real local order API, and a company with its connector installed."""
from __future__ import annotations

from tests.connectors_pages.shop_api import ShopApi
from tests.servers import local_server

shop_server, shop = local_server(ShopApi, "shop")
