"""“Test connection” on the connector page for file-protocol instances (FTP, SFTP): the real view against
real servers on 127.0.0.1, with the result shown in place and the password never sent back."""
from __future__ import annotations

import re

from app.companies.models import Company
from app.connectors import services
from app.connectors.protocols.sftp import fingerprint
from app.extensions import db
from tests.connectors_pages.helpers import text
from tests.protocols.conftest import ftp_root, ftp_server, sftp_keys, sftp_root, sftp_server  # noqa: F401

HX = {"HX-Request": "true"}


def _instances(app, company_id: int, key: str, **named_values) -> tuple[int, dict]:
    """Install the catalog connector `key` and add one user/password instance (user alice) per name."""
    with app.app_context():
        connector = services.install_connector(db.session.get(Company, company_id), key)
        ids = {name: services.add_instance(connector, name, "user-pass", {"host": "127.0.0.1", "username": "alice",
                                                                           **values}).id
               for name, values in named_values.items()}
        return connector.id, ids


def _test(client, instance_id: int) -> str:
    response = client.post(f"/connectors/instances/{instance_id}/test", headers=HX)
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body, "an htmx request gets the result alone, for the instance's row"
    return body


def test_an_ftp_instance_is_tested_from_the_connector_page(app, client, login, ftp_server):  # noqa: F811
    me = login("manager")
    port = str(ftp_server.port)
    connector_id, ids = _instances(app, me["company_id"], "ftp", Warehouse={"port": port, "password": "secret"},
                                   Stale={"port": port, "password": "hunter2-wrong"})
    page = text(client.get(f"/connectors/{connector_id}"))
    for instance_id in ids.values():
        assert re.search(rf'hx-post="/connectors/instances/{instance_id}/test"[^>]*hx-target="#test-{instance_id}"',
                         page), "each instance offers its own Test connection button"

    works = _test(client, ids["Warehouse"])
    assert 'data-test-result="ok"' in works and "Connection works." in works
    assert "Connected to 127.0.0.1 and listed the home directory." in works

    failed = _test(client, ids["Stale"])
    assert 'data-test-result="failed"' in failed and "The connection failed." in failed
    assert f"FTP login to 127.0.0.1:{port} failed for user &#39;alice&#39;: check the username and password" in failed
    assert "hunter2-wrong" not in failed


def test_an_ftp_server_that_is_not_there_fails_clearly(app, client, login, ftp_server):  # noqa: F811
    me = login("manager")
    port = ftp_server.port
    ftp_server.close()
    _, ids = _instances(app, me["company_id"], "ftp", Gone={"port": str(port), "timeout": "3", "password": "secret"})
    failed = _test(client, ids["Gone"])
    assert "The connection failed." in failed
    assert f"Could not connect to FTP server 127.0.0.1:{port}: connection refused." in failed


def test_an_sftp_instance_checks_its_pinned_host_key(app, client, login, sftp_server, sftp_keys):  # noqa: F811
    me = login("manager")
    pinned = fingerprint(sftp_keys["host"])
    port = str(sftp_server.port)
    _, ids = _instances(app, me["company_id"], "sftp", Pinned={"port": port, "host_key": pinned, "password": "secret"},
                        Unknown={"port": port, "password": "secret"})
    works = _test(client, ids["Pinned"])
    assert "Connection works." in works and "127.0.0.1" in works

    refused = _test(client, ids["Unknown"])
    assert "The connection failed." in refused and "is not known" in refused and pinned in refused


def test_read_only_users_cannot_test_an_instance(app, client, login, ftp_server):  # noqa: F811
    me = login("user")
    _, ids = _instances(app, me["company_id"], "ftp", Warehouse={"port": str(ftp_server.port), "password": "secret"})
    assert client.post(f"/connectors/instances/{ids['Warehouse']}/test", headers=HX).status_code == 403
