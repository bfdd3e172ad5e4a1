"""The SQL database and RabbitMQ catalog connectors set up in the browser and used by a flow run: install
from the marketplace, add an instance through its form, test the connection, then Run now on the real
worker against the machine's PostgreSQL, MariaDB and RabbitMQ (each skipped with a reason when it does
not answer on 127.0.0.1)."""
from __future__ import annotations

import html
import json
import re

import pytest

from app.companies.models import Company
from app.connectors.models import InstalledConnector, Instance
from app.extensions import db
from tests import factories
from tests.protocols.servers import queue_depth

STOCK = [("BLUE-1", 1), ("GREEN-2", 5), ("RED-3", 9)]


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _install(app, client, key: str, name: str) -> int:
    response = client.post(f"/marketplace/connectors/{key}/install", follow_redirects=True)
    assert f"{name} is installed." in _text(response)
    with app.app_context():
        return db.session.query(InstalledConnector).filter_by(key=key).one().id


def _add_instance(app, client, connector_id: int, auth_method: str, by_label: dict[str, str]) -> int:
    """Fill the add-instance form by its visible labels and save it; returns the new instance's id."""
    form = _text(client.get(f"/connectors/{connector_id}/instances/new?auth_method={auth_method}"))
    fields = {label.strip(): name for name, label in
              re.findall(r'<label[^>]*for="(values-v\d+)"[^>]*>([^<]+)</label>', form)}
    assert set(by_label) <= set(fields), fields
    data = {"name": "Shop", "auth_method": auth_method, "timeout_seconds": "10", "retries": "1",
            **{fields[label]: value for label, value in by_label.items()}}
    saved = client.post(f"/connectors/{connector_id}/instances/new", data=data)
    assert saved.status_code == 303, _text(saved)
    with app.app_context():
        return db.session.query(Instance).filter_by(connector_id=connector_id).one().id


def _run(app, client, worker, company_id: int, steps: list) -> str:
    """Run now on the worker; returns the run page after the run (asserted successful)."""
    with app.app_context():
        flow = factories.flow(db.session.get(Company, company_id), definition={"trigger": {"type": "manual"},
                                                                                "steps": steps})
        flow_id = flow.id
    run_url = client.post(f"/flows/{flow_id}/run").headers["Location"]
    worker.work()
    page = _text(client.get(run_url))
    assert 'data-status="success"' in page, page[-3000:]
    return page


def _last_payload(client, page: str):
    links = re.findall(r'href="(/runs/\d+/logs/\d+/payload)"', page)
    assert links, "each step's output is viewable"
    return json.loads(client.get(links[-1] + "?download=1").data)


def _seed_postgresql(settings: dict) -> None:
    import psycopg

    with psycopg.connect(host=settings["host"], port=settings["port"], user="postgres", dbname=settings["database"],
                         autocommit=True) as conn:
        conn.execute("CREATE TABLE stock (sku text PRIMARY KEY, qty int NOT NULL)")
        for sku, qty in STOCK:
            conn.execute("INSERT INTO stock VALUES (%s, %s)", (sku, qty))


def _seed_mysql(settings: dict) -> None:
    import pymysql

    conn = pymysql.connect(host=settings["host"], port=settings["port"], user="root", password="",
                           database=settings["database"], autocommit=True)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE stock (sku varchar(40) PRIMARY KEY, qty int NOT NULL)")
        cur.executemany("INSERT INTO stock VALUES (%s, %s)", STOCK)
    conn.close()


DATABASES = {
    # driver, settings fixture, seeding, user, what Test connection says
    "postgresql": ("postgresql", "pg_settings", _seed_postgresql, "postgres", "Connected to the PostgreSQL database"),
    "mariadb": ("mariadb", "mysql_settings", _seed_mysql, "root", "Connected to the MySQL database"),
}


@pytest.mark.parametrize("kind", list(DATABASES))
def test_a_sql_database_set_up_in_the_browser_feeds_a_flow_run(kind, request, app, client, login, worker):
    driver, fixture, seed, user, connected = DATABASES[kind]
    settings = request.getfixturevalue(fixture)  # skips with the reason when the server does not answer
    seed(settings)
    me = login("manager")
    connector_id = _install(app, client, "sql-database", "SQL database")
    instance_id = _add_instance(app, client, connector_id, "user-pass", {
        "Database type": driver, "Host": settings["host"], "Port": str(settings["port"]),
        "Database": settings["database"], "SSL mode": "disable", "Username": user, "Password": ""})

    tested = _text(client.post(f"/connectors/instances/{instance_id}/test", headers={"HX-Request": "true"}))
    assert "Connection works." in tested and connected in tested

    # The SQL is written in the step; [[payload.min]] is bound as a parameter for each payload.
    page = _run(app, client, worker, me["company_id"], [
        {"id": "p", "type": "manual_payload", "version": 1, "config": {"format": "json", "body": '{"min": 5}'}},
        {"id": "q", "type": "connector", "version": 1, "config": {
            "instance_id": instance_id, "endpoint": "run_query",
            "variables": {"query": "SELECT sku, qty FROM stock WHERE qty >= [[payload.min]] ORDER BY sku"}}}])
    assert "SQL database Run a query: 1 item received." in page
    assert _last_payload(client, page) == [{"sku": "GREEN-2", "qty": 5}, {"sku": "RED-3", "qty": 9}]

    # A value that looks like SQL is bound, never pasted: it matches no row and drops nothing.
    page = _run(app, client, worker, me["company_id"], [
        {"id": "p", "type": "manual_payload", "version": 1, "config": {
            "format": "json", "body": json.dumps({"sku": "x'; DROP TABLE stock; --"})}},
        {"id": "q", "type": "connector", "version": 1, "config": {
            "instance_id": instance_id, "endpoint": "run_query",
            "variables": {"query": "SELECT sku FROM stock WHERE sku = [[payload.sku]]"}}}])
    assert _last_payload(client, page) == []
    page = _run(app, client, worker, me["company_id"], [
        {"id": "q", "type": "connector", "version": 1, "config": {
            "instance_id": instance_id, "endpoint": "run_query",
            "variables": {"query": "SELECT count(*) AS n FROM stock"}}}])
    assert _last_payload(client, page) == [{"n": 3}]


def test_a_sql_statement_runs_once_per_payload(request, app, client, login, worker):
    settings = request.getfixturevalue("pg_settings")
    _seed_postgresql(settings)
    me = login("manager")
    connector_id = _install(app, client, "sql-database", "SQL database")
    instance_id = _add_instance(app, client, connector_id, "user-pass", {
        "Database type": "postgresql", "Host": settings["host"], "Port": str(settings["port"]),
        "Database": settings["database"], "SSL mode": "disable", "Username": "postgres"})
    _run(app, client, worker, me["company_id"], [
        {"id": "p", "type": "manual_payload", "version": 1, "config": {
            "format": "json", "body": '[{"sku": "BLUE-1", "qty": 40}, {"sku": "RED-3", "qty": 0}]'}},
        {"id": "s", "type": "connector", "version": 1, "config": {
            "instance_id": instance_id, "endpoint": "run_statement",
            "variables": {"query": "UPDATE stock SET qty = :qty WHERE sku = :sku"}}}])
    import psycopg

    with psycopg.connect(host=settings["host"], port=settings["port"], user="postgres",
                         dbname=settings["database"]) as conn:
        assert conn.execute("SELECT sku, qty FROM stock ORDER BY sku").fetchall() == [
            ("BLUE-1", 40), ("GREEN-2", 5), ("RED-3", 0)]


def test_rabbitmq_set_up_in_the_browser_receives_a_flows_message(request, app, client, login, worker):
    queue = request.getfixturevalue("queue")  # skips with the reason when RabbitMQ does not answer
    channel = request.getfixturevalue("amqp_channel")
    me = login("manager")
    connector_id = _install(app, client, "rabbitmq", "RabbitMQ")
    instance_id = _add_instance(app, client, connector_id, "user-pass", {
        "Host": "127.0.0.1", "Port": "5672", "Username": "guest", "Password": "guest"})  # TLS keeps "false"
    tested = _text(client.post(f"/connectors/instances/{instance_id}/test", headers={"HX-Request": "true"}))
    assert "Connection works." in tested and "Connected to the message broker 127.0.0.1:5672" in tested

    _run(app, client, worker, me["company_id"], [
        {"id": "p", "type": "manual_payload", "version": 1, "config": {"format": "json", "body": '{"order": 7}'}},
        {"id": "m", "type": "connector", "version": 1, "config": {
            "instance_id": instance_id, "endpoint": "publish", "variables": {"queue": queue}}}])
    assert queue_depth(channel, queue) == 1
    _method, properties, body = channel.basic_get(queue=queue, auto_ack=True)
    assert json.loads(body) == {"order": 7} and properties.content_type == "application/json"
