"""Protocol connectors retry through the connector shape: a refused or dropped connection is tried again
after a doubling pause (the instance's retries, or the step's), every attempt logged and metered; a wrong
password, a missing file or a missing database fails at once. Real servers: pyftpdlib, the machine's
PostgreSQL and RabbitMQ, each behind a TCP proxy the test takes down and brings back."""
from __future__ import annotations

import pytest

from app.connectors import services
from app.connectors.runtime import ConnectorRuntime
from app.extensions import db, get_redis
from app.flows.context import Payload, ShapeError
from tests import factories
from tests.connectors.conftest import run_shape
from tests.protocols.conftest import AMQP, PG
from tests.protocols.servers import FtpServer, TcpProxy, queue_depth, require_service

DELAY = 0.05


class Pauses(list):
    """The runtime's sleep: records each pause and, at the chosen one, brings the server back."""

    def __init__(self, revive_at: int | None = None, revive=None):
        super().__init__()
        self.revive_at, self.revive = revive_at, revive

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))
        if self.revive is not None and len(self) == self.revive_at:
            self.revive()


@pytest.fixture
def runtime_with(ctx):
    made = []

    def make(company_id: int, pauses: Pauses) -> ConnectorRuntime:
        runtime = ConnectorRuntime(company_id=company_id, redis=get_redis(), session=db.session,
                                   secret_key=ctx.config["SECRET_KEY"], retry_delay=DELAY, sleep=pauses)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


@pytest.fixture
def ftp(tmp_path):
    root = tmp_path / "ftp"
    (root / "in").mkdir(parents=True)
    (root / "in" / "order-1.json").write_text('{"id": 1}')
    server = FtpServer(str(root))
    proxy = TcpProxy(("127.0.0.1", server.port))
    yield server, proxy
    proxy.close()
    server.close()


def _ftp_instance(port: int, retries: int, password: str = "secret"):
    company = factories.company()
    connector = services.install_connector(company, "ftp")
    instance = services.add_instance(connector, "Warehouse FTP", "user-pass", {
        "host": "127.0.0.1", "port": str(port), "username": "alice", "password": password}, retries=retries)
    return company, instance


def test_an_ftp_server_that_starts_late_is_reached_on_a_later_attempt(ftp, runtime_with):
    _server, proxy = ftp
    proxy.down()  # the port refuses connections until the second pause is over
    company, instance = _ftp_instance(proxy.port, retries=2)
    pauses = Pauses(revive_at=2, revive=proxy.up)
    out, operations, log = run_shape(runtime_with(company.id, pauses), {
        "instance_id": instance.id, "endpoint": "download_files", "variables": {"path": "in", "pattern": "*.json"}})
    assert [p.data for p in out] == [{"id": 1}]
    assert pauses == [DELAY, DELAY * 2]  # the instance's 2 retries, the pause doubling
    assert operations == 3  # two refused attempts and the file received
    warnings = log.messages("warning")
    assert len(warnings) == 2
    assert warnings[0].startswith("FTP Download files failed (attempt 1 of 3): Could not connect to FTP server "
                                  f"127.0.0.1:{proxy.port}: connection refused.")
    assert warnings[0].endswith(f"Retrying in {DELAY:g} s.") and "attempt 2 of 3" in warnings[1]


def test_a_refused_port_gives_up_after_the_steps_retries(ftp, runtime_with):
    _server, proxy = ftp
    proxy.down()
    company, instance = _ftp_instance(proxy.port, retries=2)
    pauses = Pauses()
    runtime = runtime_with(company.id, pauses)
    with pytest.raises(ShapeError, match=r"connection refused\. \(gave up after 2 attempts\)"):
        run_shape(runtime, {"instance_id": instance.id, "endpoint": "list_files", "retries": 1})
    assert pauses == [DELAY]  # the step's retries (1) win over the instance's (2)

    company, no_retries = _ftp_instance(proxy.port, retries=0)
    pauses = Pauses()
    with pytest.raises(ShapeError, match=r"connection refused\.$"):
        run_shape(runtime_with(company.id, pauses), {"instance_id": no_retries.id, "endpoint": "list_files"})
    assert pauses == []


def test_a_send_that_fails_to_connect_is_metered_per_attempt_and_sent_once(ftp, runtime_with, tmp_path):
    server, proxy = ftp
    proxy.down()
    company, instance = _ftp_instance(proxy.port, retries=1)
    pauses = Pauses(revive_at=1, revive=proxy.up)
    out, operations, log = run_shape(runtime_with(company.id, pauses), {
        "instance_id": instance.id, "endpoint": "upload_file",
        "variables": {"path": "in", "filename": "stock-[[payload.sku]].json"}}, [Payload({"sku": "A1"})])
    assert (tmp_path / "ftp" / "in" / "stock-A1.json").read_text() == '{"sku":"A1"}'
    assert operations == 2 and pauses == [DELAY] and len(log.messages("warning")) == 1


def test_a_wrong_password_or_a_missing_folder_is_not_retried(ftp, runtime_with):
    server, _proxy = ftp
    company, wrong = _ftp_instance(server.port, retries=2, password="wrong")
    pauses = Pauses()
    runtime = runtime_with(company.id, pauses)
    with pytest.raises(ShapeError, match="failed for user 'alice': check the username and password"):
        run_shape(runtime, {"instance_id": wrong.id, "endpoint": "list_files"})
    company, instance = _ftp_instance(server.port, retries=2)
    runtime = runtime_with(company.id, pauses)
    with pytest.raises(ShapeError, match="Path not found listing nope") as failed:
        run_shape(runtime, {"instance_id": instance.id, "endpoint": "download_files", "variables": {"path": "nope"}})
    assert "gave up" not in str(failed.value)
    assert pauses == []  # neither waited for a second attempt


def _database_instance(settings: dict, retries: int = 2, **values):
    company = factories.company()
    connector = services.install_connector(company, "sql-database")
    instance = services.add_instance(connector, "Shop database", "user-pass", {
        "driver": "postgresql", "host": settings["host"], "port": str(settings["port"]),
        "database": settings["database"], "ssl_mode": "disable", "username": "postgres", **values},
        retries=retries)
    return company, instance


def test_postgresql_that_comes_back_is_queried_on_the_next_attempt(ctx, pg_settings, runtime_with):
    proxy = TcpProxy(PG)
    try:
        proxy.down()
        company, instance = _database_instance({**pg_settings, "port": proxy.port})
        pauses = Pauses(revive_at=1, revive=proxy.up)
        out, operations, log = run_shape(runtime_with(company.id, pauses), {
            "instance_id": instance.id, "endpoint": "run_query",
            "variables": {"query": "SELECT 41 + 1 AS answer, current_database() AS db"}})
    finally:
        proxy.close()
    assert out[0].data == [{"answer": 42, "db": pg_settings["database"]}]
    assert pauses == [DELAY] and operations == 2
    [warning] = log.messages("warning")
    assert f"PostgreSQL server 127.0.0.1:{proxy.port}: connection refused" in warning


def test_a_missing_postgresql_database_is_not_retried(ctx, pg_settings, runtime_with):
    company, instance = _database_instance({**pg_settings, "database": "weft_no_such_database"})
    pauses = Pauses()
    with pytest.raises(ShapeError, match='database "weft_no_such_database" does not exist'):
        run_shape(runtime_with(company.id, pauses), {"instance_id": instance.id, "endpoint": "run_query",
                                                     "variables": {"query": "SELECT 1"}})
    assert pauses == []


def test_rabbitmq_behind_a_restarting_proxy_takes_the_message_once(ctx, queue, amqp_channel, runtime_with):
    require_service(*AMQP, "RabbitMQ")
    proxy = TcpProxy(AMQP)
    try:
        proxy.down()
        company = factories.company()
        connector = services.install_connector(company, "rabbitmq")
        instance = services.add_instance(connector, "Broker", "user-pass", {
            "host": "127.0.0.1", "port": str(proxy.port), "username": "guest", "password": "guest"}, retries=2)
        pauses = Pauses(revive_at=1, revive=proxy.up)
        _out, operations, _log = run_shape(runtime_with(company.id, pauses), {
            "instance_id": instance.id, "endpoint": "publish", "variables": {"queue": queue}},
            [Payload({"order": 7})])
    finally:
        proxy.close()
    assert pauses == [DELAY] and operations == 2
    assert queue_depth(amqp_channel, queue) == 1
    _method, _props, body = amqp_channel.basic_get(queue=queue, auto_ack=True)
    assert body == b'{"order":7}'
