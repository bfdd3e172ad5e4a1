"""The database protocol on the machine's PostgreSQL and MariaDB (own throwaway databases) and SQLite."""
from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest

from app.connectors.protocols import PROTOCOLS, ProtocolError
from app.connectors.protocols.database import convert_placeholders
from app.flows.context import Payload

db = PROTOCOLS["database"]
ROOT = {"username": "root", "password": ""}
POSTGRES = {"username": "postgres"}

SCHEMAS = {
    "postgresql": """CREATE TABLE orders (id serial PRIMARY KEY, name text NOT NULL, amount numeric(10,2),
                     placed date, stamp timestamp, blob bytea, note text)""",
    "mysql": """CREATE TABLE orders (id int AUTO_INCREMENT PRIMARY KEY, name varchar(200) NOT NULL,
                amount decimal(10,2), placed date, stamp datetime, blob_ blob, note text)""",
    "sqlite": """CREATE TABLE orders (id integer PRIMARY KEY AUTOINCREMENT, name text NOT NULL, amount numeric,
                 placed date, stamp timestamp, blob blob, note text)""",
}


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def database(request):
    """(settings, credentials, dialect) of an empty database holding the orders table."""
    dialect = request.param
    settings = request.getfixturevalue({"postgresql": "pg_settings", "mysql": "mysql_settings",
                                        "sqlite": "sqlite_settings"}[dialect])
    creds = {"postgresql": POSTGRES, "mysql": ROOT, "sqlite": {}}[dialect]
    list(db.receive(settings, creds, {"query": SCHEMAS[dialect]}, {}))
    return settings, creds, dialect


def _insert(settings, creds, rows):
    sql = "INSERT INTO orders (name, amount, placed, note) VALUES (:name, :amount, :placed, :note)"
    return db.send(settings, creds, {"query": sql}, Payload(data=rows, format="json"), {})


def test_send_binds_payload_fields_and_receive_returns_json_safe_rows(database):
    settings, creds, dialect = database
    rows = [{"name": "Ada", "amount": "12.50", "placed": "2026-01-05", "note": None},
            {"name": "O'Brien'); DROP TABLE orders; --", "amount": 3, "placed": "2026-01-06", "note": "50% off"}]
    result = _insert(settings, creds, rows)
    assert result.data == {"rowcount": 2}

    op = {"query": "SELECT id, name, amount, placed, note FROM orders WHERE amount >= :min ORDER BY id"}
    [payload] = db.receive(settings, creds, op, {"min": 1})
    assert payload.format == "json" and payload.meta["rows"] == 2
    first, second = payload.data
    assert first["name"] == "Ada" and first["placed"] == "2026-01-05" and first["note"] is None
    # Decimal as exact text; SQLite has no decimal type and stores a REAL
    assert first["amount"] == (12.5 if dialect == "sqlite" else "12.50")
    [as_numbers] = db.receive({**settings, "decimals": "number"}, creds, op, {"min": 1})
    assert [r["amount"] for r in as_numbers.data] == [12.5, 3]
    assert second["name"] == "O'Brien'); DROP TABLE orders; --"  # bound, never pasted into the SQL
    assert second["note"] == "50% off"

    # '%' inside a literal, a ::cast-like text and a :name inside quotes stay as they are
    op = {"query": "SELECT name, ':notaparam' AS lit FROM orders WHERE note LIKE '50%' AND name <> :skip"}
    [payload] = db.receive(settings, creds, op, {"skip": "nobody"})
    assert payload.data == [{"name": rows[1]["name"], "lit": ":notaparam"}]
    [payload] = db.receive(settings, creds, {"query": "SELECT '50%' AS p"}, {})  # no parameters at all
    assert payload.data == [{"p": "50%"}]


def test_paged_receive_yields_one_payload_per_page(database):
    settings, creds, _ = database
    _insert(settings, creds, [{"name": f"n{i}", "amount": i, "placed": None, "note": None} for i in range(7)])
    pages = list(db.receive(settings, creds, {"query": "SELECT name FROM orders ORDER BY id", "page_size": 3}, {}))
    assert [len(p.data) for p in pages] == [3, 3, 1]
    assert [p.meta["page"] for p in pages] == [1, 2, 3]
    assert pages[2].data == [{"name": "n6"}]
    # an empty result is one empty page
    [empty] = db.receive({**settings, "page_size": 5}, creds, {"query": "SELECT name FROM orders WHERE 1 = 0"}, {})
    assert empty.data == []


def test_send_once_per_payload_object_with_variables_and_whole_payload(database):
    settings, creds, dialect = database
    sql = "INSERT INTO orders (name, note) VALUES (:name, :payload)"
    result = db.send(settings, creds, {"query": sql}, Payload(data={"id": 9, "tags": ["a"]}, format="json"),
                     {"name": "from a variable"})
    assert result.data == {"rowcount": 1}
    [payload] = db.receive(settings, creds, {"query": "SELECT name, note FROM orders"}, {})
    assert payload.data == [{"name": "from a variable", "note": '{"id": 9, "tags": ["a"]}'}]

    update = "UPDATE orders SET note = :note WHERE name = :name"
    result = db.send(settings, creds, {"query": update}, Payload({"note": "x", "name": "from a variable"}), {})
    assert result.data == {"rowcount": 1}
    if dialect != "mysql":  # RETURNING on INSERT is PostgreSQL and SQLite (MariaDB 10.5+ too, not MySQL)
        sql = "INSERT INTO orders (name) VALUES (:name) RETURNING id, name"
        result = db.send(settings, creds, {"query": sql}, Payload([{"name": "r1"}, {"name": "r2"}]), {})
        assert result.data["rowcount"] == 2
        assert [r["name"] for r in result.data["rows"]] == ["r1", "r2"]


def test_values_are_json_safe(database):
    settings, creds, dialect = database
    blob_column = "blob_" if dialect == "mysql" else "blob"
    sql = f"INSERT INTO orders (name, stamp, {blob_column}) VALUES (:name, :stamp, :blob)"
    from datetime import datetime

    db.send(settings, creds, {"query": sql}, Payload({"name": "b"}), {"stamp": datetime(2026, 1, 5, 10, 30),
                                                                       "blob": b"\x00\xffdata"})
    [payload] = db.receive(settings, creds, {"query": f"SELECT stamp, {blob_column} AS b FROM orders"}, {})
    row = payload.data[0]
    assert row["stamp"].replace(" ", "T").startswith("2026-01-05T10:30")
    assert base64.b64decode(row["b"]) == b"\x00\xffdata"


def test_bad_sql_and_a_failed_statement_roll_back(database):
    settings, creds, dialect = database
    with pytest.raises(ProtocolError) as info:
        list(db.receive(settings, creds, {"query": "SELEC name FROM orders"}, {}))
    message = str(info.value)
    label = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}[dialect]
    assert message.startswith(f"The {label} query failed: ")
    assert "syntax" in message.lower()

    with pytest.raises(ProtocolError, match="The query uses :missing, but no payload field or variable"):
        list(db.receive(settings, creds, {"query": "SELECT :missing"}, {}))
    # the second object violates NOT NULL: the first one is rolled back with it
    with pytest.raises(ProtocolError, match="failed for object 2 of 2"):
        _insert(settings, creds, [{"name": "ok", "amount": 1, "placed": None, "note": None},
                                  {"name": None, "amount": 1, "placed": None, "note": None}])
    [payload] = db.receive(settings, creds, {"query": "SELECT count(*) AS n FROM orders"}, {})
    assert payload.data == [{"n": 0}]


def test_postgresql_casts_and_unknown_database(pg_settings):
    [payload] = db.receive(pg_settings, POSTGRES, {"query": "SELECT :n::int + 1 AS n, $$:x$$ AS d"}, {"n": "41"})
    assert payload.data == [{"n": 42, "d": ":x"}]
    with pytest.raises(ProtocolError, match=r'PostgreSQL server 127.0.0.1:5432: .*"weft_no_such_db" does not exist'):
        list(db.receive({**pg_settings, "database": "weft_no_such_db"}, POSTGRES, {"query": "SELECT 1"}, {}))


def test_mysql_wrong_password(mysql_settings):
    import uuid

    import pymysql

    user = f"weft_{uuid.uuid4().hex[:8]}"
    admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
    with admin.cursor() as cur:
        cur.execute("CREATE USER %s@'%%' IDENTIFIED BY 'right-password'", (user,))
        cur.execute(f"GRANT ALL ON `{mysql_settings['database']}`.* TO %s@'%%'", (user,))
    try:
        [payload] = db.receive(mysql_settings, {"username": user, "password": "right-password"},
                               {"query": "SELECT 1 AS one"}, {})
        assert payload.data == [{"one": 1}]
        with pytest.raises(ProtocolError) as info:
            list(db.receive(mysql_settings, {"username": user, "password": "wrong-password"},
                            {"query": "SELECT 1"}, {}))
        assert str(info.value) == (f"MySQL login to 127.0.0.1:3306 failed for user '{user}': "
                                   "check the username and password.")
    finally:
        with admin.cursor() as cur:
            cur.execute("DROP USER %s@'%%'", (user,))
        admin.close()


def test_unknown_host_and_refused_port():
    for driver, label in (("postgresql", "PostgreSQL"), ("mysql", "MySQL")):
        settings = {"driver": driver, "host": "no-such-host.invalid", "port": 5432, "database": "x", "timeout": 3}
        with pytest.raises(ProtocolError, match=f"Could not connect to {label} server no-such-host.invalid:5432: "
                                                "unknown host 'no-such-host.invalid'"):
            list(db.receive(settings, {"username": "u", "password": "p"}, {"query": "SELECT 1"}, {}))
        with pytest.raises(ProtocolError, match="connection refused"):
            list(db.receive({**settings, "host": "127.0.0.1", "port": 1}, {"username": "u"},
                            {"query": "SELECT 1"}, {}))
    with pytest.raises(ProtocolError, match="Unknown database driver 'oracle'"):
        list(db.receive({"driver": "oracle"}, {}, {"query": "SELECT 1"}, {}))


def test_sqlite_stays_inside_its_folder(sqlite_settings, tmp_path, monkeypatch):
    outside = tmp_path / "secret.db"
    sqlite3.connect(outside).close()
    with pytest.raises(ProtocolError, match="must be inside the folder"):
        list(db.receive({"driver": "sqlite", "database": str(outside)}, {}, {"query": "SELECT 1"}, {}))
    with pytest.raises(ProtocolError, match="not authorized .ATTACH and DETACH are not allowed"):
        list(db.receive(sqlite_settings, {}, {"query": f"ATTACH DATABASE '{outside}' AS s"}, {}))
    with pytest.raises(ProtocolError, match="The SQLite database missing.db does not exist"):
        list(db.receive({"driver": "sqlite", "database": "missing.db"}, {}, {"query": "SELECT 1"}, {}))
    monkeypatch.delenv("WEFT_SQLITE_DIR")
    with pytest.raises(ProtocolError, match="SQLite databases are disabled on this server"):
        list(db.receive(sqlite_settings, {}, {"query": "SELECT 1"}, {}))
    assert Path(outside).exists()


def test_placeholder_conversion():
    sql = "SELECT a::text, ':x', \"col:y\", `b:z` -- :c\n FROM t WHERE a = :a AND b LIKE '5%' /* :d */ AND c = :a"
    converted, names = convert_placeholders(sql, "postgresql")
    assert names == ["a"]
    assert "%(a)s" in converted and "'5%%'" in converted and "a::text" in converted and "':x'" in converted
    converted, names = convert_placeholders("SELECT 'it\\'s :x', :y", "mysql")
    assert names == ["y"]
    converted, names = convert_placeholders("SELECT :a, :b, '%'", "sqlite")
    assert (converted, names) == ("SELECT :a, :b, '%'", ["a", "b"])
