"""Fixtures for the connector pages: the real local order API, and a company with its connector installed."""
from __future__ import annotations

import pytest

from tests.connectors_pages.shop_api import ShopApi


@pytest.fixture(scope="session")
def shop_server():
    server = ShopApi()
    yield server
    server.close()


@pytest.fixture
def shop(shop_server):
    shop_server.requests.clear()
    return shop_server
