"""The local test APIs (real HTTP servers on 127.0.0.1) as pytest fixtures: one server per scope, handed to each
test reset, so a test sees only its own requests."""
from __future__ import annotations

import pytest


def local_server(server_class, name: str, *, scope: str = "session"):
    """Fixtures `<name>_server` (the running server, closed when the scope ends) and `<name>` (that server, reset
    for the test). Bind both at module level so pytest collects them:
    `shop_server, shop = local_server(ShopApi, "shop")`."""

    @pytest.fixture(scope=scope, name=f"{name}_server")
    def running():
        server = server_class()
        yield server
        server.close()

    @pytest.fixture(name=name)
    def reset(request):
        server = request.getfixturevalue(f"{name}_server")
        server.reset()
        return server

    return running, reset
