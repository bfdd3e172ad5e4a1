"""Fixtures for protocol tests: real FTP/SFTP servers in threads, throwaway databases on the machine's
PostgreSQL and MariaDB, and uniquely named RabbitMQ queues. A service that does not answer on
127.0.0.1 skips its tests with the reason shown in the summary (-ra)."""
from __future__ import annotations

import io
import uuid

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.protocols.servers import FtpServer, SftpServer, require_service

PG = ("127.0.0.1", 5432)
MYSQL = ("127.0.0.1", 3306)
AMQP = ("127.0.0.1", 5672)
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


@pytest.fixture
def ftp_root(tmp_path):
    root = tmp_path / "ftp"
    root.mkdir()
    return root


@pytest.fixture
def ftp_server(ftp_root):
    server = FtpServer(str(ftp_root))
    yield server
    server.close()


@pytest.fixture(scope="session")
def sftp_keys():
    """The server's host key, and the client's Ed25519 key as OpenSSH private key text."""
    host_key = paramiko.RSAKey.generate(2048)
    private = ed25519.Ed25519PrivateKey.generate()
    text = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                 serialization.NoEncryption()).decode()
    client_key = paramiko.Ed25519Key.from_private_key(io.StringIO(text))
    encrypted = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                      serialization.BestAvailableEncryption(b"open sesame")).decode()
    return {"host": host_key, "client": client_key, "client_text": text, "client_encrypted": encrypted}


@pytest.fixture
def sftp_root(tmp_path):
    root = tmp_path / "sftp"
    root.mkdir()
    return root


@pytest.fixture
def sftp_server(sftp_root, sftp_keys):
    server = SftpServer(str(sftp_root), sftp_keys["host"], users={"alice": "secret"},
                        keys={"alice": sftp_keys["client"]})
    yield server
    server.close()


@pytest.fixture
def pg_settings():
    require_service(*PG, "PostgreSQL")
    import psycopg

    name = f"weft_proto_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(host=PG[0], port=PG[1], user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield {"driver": "postgresql", "host": PG[0], "port": PG[1], "database": name, "ssl_mode": "disable"}
    with psycopg.connect(host=PG[0], port=PG[1], user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def mysql_settings():
    require_service(*MYSQL, "MariaDB/MySQL")
    import pymysql

    name = f"weft_proto_test_{uuid.uuid4().hex[:10]}"
    admin = pymysql.connect(host=MYSQL[0], port=MYSQL[1], user="root", password="", autocommit=True)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    yield {"driver": "mariadb", "host": MYSQL[0], "port": MYSQL[1], "database": name, "ssl_mode": "disable"}
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    admin.close()


@pytest.fixture
def sqlite_settings(tmp_path, monkeypatch):
    folder = tmp_path / "sqlite"
    folder.mkdir()
    monkeypatch.setenv("WEFT_SQLITE_DIR", str(folder))
    import sqlite3

    sqlite3.connect(folder / "shop.db").close()
    return {"driver": "sqlite", "database": "shop.db"}


@pytest.fixture
def amqp_channel():
    require_service(*AMQP, "RabbitMQ")
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    yield connection.channel()
    connection.close()


@pytest.fixture
def queue(amqp_channel):
    """A fresh durable queue, deleted afterwards."""
    name = f"weft-test-{uuid.uuid4().hex[:12]}"
    amqp_channel.queue_declare(queue=name, durable=True)
    yield name
    amqp_channel.queue_delete(queue=name)

