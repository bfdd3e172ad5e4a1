"""Catalog protocol connectors end to end: the prebuilt FTP connector through the connector shape and
the protocol registry, against a real FTP server."""
from __future__ import annotations

import pytest

from app.connectors import services
from app.flows.context import Payload, ShapeError
from tests import factories
from tests.connectors.conftest import run_shape


@pytest.fixture
def ftp(tmp_path):
    from tests.protocols.servers import FtpServer

    root = tmp_path / "ftp"
    (root / "in").mkdir(parents=True)
    server = FtpServer(str(root))
    yield server, root
    server.close()


def test_the_catalog_ftp_connector_uploads_lists_and_downloads(ctx, ftp, make_runtime):
    server, root = ftp
    company = factories.company()
    connector = services.install_connector(company, "ftp")
    instance = services.add_instance(connector, "Warehouse FTP", "user-pass", {
        "host": "127.0.0.1", "port": str(server.port), "username": "alice", "password": "secret"})
    assert services.test_connection(instance).ok
    runtime = make_runtime(company.id)
    out, operations, _ = run_shape(runtime, {
        "instance_id": instance.id, "endpoint": "upload_file",
        "variables": {"path": "in", "filename": "order-[[payload.id]].json"}},
        [Payload({"id": 7, "sku": "A1"}), Payload({"id": 8, "sku": "B2"})])
    assert operations == 2 and sorted(p.name for p in (root / "in").iterdir()) == ["order-7.json", "order-8.json"]
    out, operations, _ = run_shape(runtime, {"instance_id": instance.id, "endpoint": "download_files",
                                             "variables": {"path": "in", "pattern": "order-*.json"}})
    assert sorted(p.data["id"] for p in out) == [7, 8] and operations == 2
    with pytest.raises(ShapeError, match="530|login|Login|password"):
        bad = services.add_instance(connector, "Wrong", "user-pass", {
            "host": "127.0.0.1", "port": str(server.port), "username": "alice", "password": "wrong"})
        run_shape(runtime, {"instance_id": bad.id, "endpoint": "list_files"})
