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


def test_the_catalog_sql_database_connector_runs_sql_written_in_the_step(ctx, tmp_path, monkeypatch, make_runtime):
    import sqlite3

    from app.connectors import catalog

    folder = tmp_path / "sqlite"
    folder.mkdir()
    monkeypatch.setenv("WEFT_SQLITE_DIR", str(folder))
    with sqlite3.connect(folder / "shop.db") as conn:
        conn.execute("CREATE TABLE stock (sku text, qty int)")
        conn.executemany("INSERT INTO stock VALUES (?, ?)", [("A1", 1), ("B2", 5)])
    card = next(c for c in catalog.entries(query="SQL database"))
    assert card["key"] == "sql-database" and card["category"] == "database"
    company = factories.company()
    connector = services.install_connector(company, "sql-database")
    assert [e["key"] for e in connector.definition["endpoints"]] == ["run_query", "run_statement"]
    instance = services.add_instance(connector, "Local file", "none", {"driver": "sqlite", "database": "shop.db"})
    assert services.test_connection(instance).ok
    runtime = make_runtime(company.id)

    # [[tokens]] in the step's SQL are bound, so a value that looks like SQL stays a value.
    out, operations, _ = run_shape(runtime, {
        "instance_id": instance.id, "endpoint": "run_query",
        "variables": {"query": "SELECT sku FROM stock WHERE qty >= [[flow.variables.min]] OR sku = [[payload.sku]]"}},
        [Payload({"sku": "x' OR '1'='1"})], flow_variables={"min": 5})
    assert [p.data for p in out] == [[{"sku": "B2"}]] and operations == 1
    _, operations, _ = run_shape(runtime, {
        "instance_id": instance.id, "endpoint": "run_statement",
        "variables": {"query": "INSERT INTO stock VALUES (:sku, :qty)"}},
        [Payload([{"sku": "C3", "qty": 2}, {"sku": "D4", "qty": 3}])])
    with sqlite3.connect(folder / "shop.db") as conn:
        assert conn.execute("SELECT count(*) FROM stock").fetchone() == (4,)
    with pytest.raises(ShapeError, match="SQL query"):
        run_shape(runtime, {"instance_id": instance.id, "endpoint": "run_query"})
