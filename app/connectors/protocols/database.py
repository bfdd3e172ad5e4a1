"""SQL databases: PostgreSQL (psycopg 3), MySQL/MariaDB (PyMySQL) and SQLite.

Queries use ``:name`` placeholders. They are always sent as bound parameters (psycopg binds on the
server; PyMySQL escapes each value in the driver; sqlite3 binds natively); values are never pasted into
the SQL text. This differs on purpose from Patchworks, which substitutes variables into SQL unescaped.

settings
    ``driver``: ``postgresql`` | ``mysql`` (``mariadb`` is the same) | ``sqlite``;
    ``host``, ``port`` (5432 / 3306), ``database`` (for SQLite a file under ``WEFT_SQLITE_DIR``);
    ``ssl_mode``: ``disable`` | ``prefer`` (default) | ``require`` | ``verify-ca`` | ``verify-full``
    (verification uses the system CA store); ``timeout`` (connect, seconds, 10);
    ``query_timeout`` (seconds, 300); ``decimals``: ``string`` (default, exact) or ``number``.
credentials
    ``username``, ``password`` (not used by SQLite).
operation
    ``query``: the SQL; ``params``: static parameter values (lowest precedence);
    ``page_size`` (receive; also read from settings): one payload per page of rows instead of one payload.

receive
    Binds ``:name`` from ``variables`` then ``params``, runs the query and yields one JSON payload: a list
    of row objects (``[]`` when there are no rows), or ``{"rowcount": n}`` for a statement without rows.
    With ``page_size`` it yields one payload per page (a paged query must be a SELECT on PostgreSQL, which
    reads it through a server-side cursor). It commits at the end, so ``UPDATE … RETURNING`` claims work.
send
    Runs the statement once per payload (once per object when the payload is a list of objects, all in
    one transaction), binding ``:name`` from the object's top-level fields, then ``variables``, then
    ``params``; ``:payload`` binds the whole payload as JSON text unless a field is called ``payload``.
    Objects and lists bind as JSON text. Returns ``{"rowcount": n}`` (plus ``"rows"`` when the statement
    returns rows, e.g. ``INSERT … RETURNING id``).

Values read are made JSON-safe: dates and times as ISO 8601 text, Decimal as text (or a number with
``decimals: number``), bytes as base64, intervals/TIME as ``[-]H:MM:SS[.ffffff]``, UUIDs as text.
"""
from __future__ import annotations

import base64
import json
import math
import os
import re
import sqlite3
import ssl
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.connectors.protocols.base import Protocol, ProtocolError
from app.flows.context import Payload

DRIVERS = {"postgresql": "postgresql", "postgres": "postgresql", "pgsql": "postgresql",
           "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}
SSL_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
SQLITE_DIR_ENV = "WEFT_SQLITE_DIR"
MAX_PAGE_SIZE = 100_000
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- placeholders ----------------------------------------------------------------------------------------

def convert_placeholders(sql: str, dialect: str) -> tuple[str, list[str]]:
    """Rewrite ``:name`` to the driver's named style; returns (sql, names in order of first use).

    Text inside quotes, identifiers, comments and PostgreSQL dollar quotes is left alone, as are
    ``::type`` casts. For psycopg and PyMySQL every ``%`` is doubled, because they format the query.
    """
    out: list[str] = []
    names: list[str] = []
    i, n = 0, len(sql)
    percent = "%%" if dialect != "sqlite" else "%"
    while i < n:
        ch = sql[i]
        if ch == "%":
            out.append(percent)
            i += 1
        elif ch in "'\"`":
            backslash = dialect == "mysql" or (ch == "'" and i > 0 and sql[i - 1] in "eE"
                                               and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_")))
            j = i + 1
            while j < n:
                if backslash and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # doubled quote inside the literal
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1].replace("%", percent))
            i = j + 1
        elif sql.startswith("--", i) or (ch == "#" and dialect == "mysql"):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j].replace("%", percent))
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j].replace("%", percent))
            i = j
        elif ch == "$" and dialect == "postgresql" and (m := re.match(r"\$([A-Za-z_]\w*)?\$", sql[i:])):
            tag = m.group(0)
            j = sql.find(tag, i + len(tag))
            j = n if j < 0 else j + len(tag)
            out.append(sql[i:j].replace("%", percent))
            i = j
        elif ch == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif ch == ":" and (m := _NAME.match(sql, i + 1)) and not (i and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            name = m.group(0)
            if name not in names:
                names.append(name)
            out.append(f":{name}" if dialect == "sqlite" else f"%({name})s")
            i = m.end()
        else:
            out.append(ch)
            i += 1
    return "".join(out), names


def _bind_value(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def bind(names: list[str], *sources: dict) -> dict:
    """Take each name from the first source that has it; a missing one is a ProtocolError."""
    params = {}
    for name in names:
        for source in sources:
            if isinstance(source, dict) and name in source:
                params[name] = _bind_value(source[name])
                break
        else:
            raise ProtocolError(f"The query uses :{name}, but no payload field or variable has that name.")
    return params


# --- values ----------------------------------------------------------------------------------------------

def _interval(value: timedelta) -> str:
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    seconds = value.days * 86400 + value.seconds
    text = f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return text + (f".{value.microseconds:06d}" if value.microseconds else "")


def json_safe(value: Any, decimals: str = "string") -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if decimals == "number" and value.is_finite():
            return int(value) if value == value.to_integral_value() else float(value)
        return str(value)
    if isinstance(value, (datetime, date, dtime)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _interval(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): json_safe(v, decimals) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v, decimals) for v in value]
    return str(value)  # UUID, IP addresses, ranges ...


def _columns(description) -> list[str]:
    out, seen = [], set()
    for position, column in enumerate(description, start=1):
        name = str(column[0] or f"column_{position}")
        candidate, k = name, 1
        while candidate in seen:
            k += 1
            candidate = f"{name}_{k}"
        seen.add(candidate)
        out.append(candidate)
    return out


# --- connections -----------------------------------------------------------------------------------------

def _number(settings: dict, key: str, default: float) -> float:
    raw = settings.get(key)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise ProtocolError(f"'{key}' must be a number of seconds, not {raw!r}.") from None


class _Connection:
    """A DB-API connection plus what differs per driver."""

    def __init__(self, dialect: str, conn: Any, where: str):
        self.dialect, self.conn, self.where = dialect, conn, where

    def cursor(self, server_side: bool = False):
        if server_side and self.dialect == "postgresql":
            return self.conn.cursor(name="weft_receive")
        if server_side and self.dialect == "mysql":
            import pymysql.cursors

            return self.conn.cursor(pymysql.cursors.SSCursor)
        return self.conn.cursor()

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass


def _ssl_mode(settings: dict) -> str:
    mode = str(settings.get("ssl_mode") or "prefer").lower().replace("_", "-")
    mode = {"disabled": "disable", "preferred": "prefer", "required": "require",
            "verify-identity": "verify-full"}.get(mode, mode)
    if mode not in SSL_MODES:
        raise ProtocolError(f"Unknown SSL mode '{mode}': use {', '.join(SSL_MODES)}.")
    return mode


def _connect_error(driver: str, where: str, user: str, message: str) -> ProtocolError:
    lowered = message.lower()
    host = where.rsplit(":", 1)[0]
    if "password authentication failed" in lowered or "access denied" in lowered or "no password supplied" in lowered:
        return ProtocolError(f"{driver} login to {where} failed for user '{user}': check the username and password.")
    if "could not translate host name" in lowered or "name or service not known" in lowered \
            or "nodename nor servname" in lowered or "temporary failure in name resolution" in lowered \
            or "getaddrinfo failed" in lowered:
        return ProtocolError(f"Could not connect to {driver} server {where}: unknown host '{host}'.")
    if "connection refused" in lowered:
        return ProtocolError(f"Could not connect to {driver} server {where}: connection refused.")
    if "timeout" in lowered or "timed out" in lowered:
        return ProtocolError(f"Could not connect to {driver} server {where}: timed out.")
    if "does not exist" in lowered or "unknown database" in lowered:
        return ProtocolError(f"{driver} server {where}: {message.strip().splitlines()[0]}.")
    return ProtocolError(f"Could not connect to {driver} server {where}: {message.strip().splitlines()[0]}")


def _connect_postgresql(settings: dict, credentials: dict) -> _Connection:
    import psycopg

    host = str(settings.get("host") or "")
    port = int(settings.get("port") or DEFAULT_PORTS["postgresql"])
    where = f"{host}:{port}"
    user = credentials.get("username") or ""
    mode = _ssl_mode(settings)
    kwargs: dict[str, Any] = {
        "host": host, "port": port, "dbname": settings.get("database") or user, "user": user,
        "password": credentials.get("password") or None, "sslmode": mode,
        "connect_timeout": max(1, int(_number(settings, "timeout", 10))),
        "options": f"-c statement_timeout={int(_number(settings, 'query_timeout', 300) * 1000)}",
        "application_name": "weft",
    }
    if mode.startswith("verify"):
        kwargs["sslrootcert"] = "system"
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    try:
        conn = psycopg.connect(**kwargs)
    except psycopg.Error as exc:
        raise _connect_error("PostgreSQL", where, user, str(exc)) from None
    return _Connection("postgresql", conn, where)


def _connect_mysql(settings: dict, credentials: dict) -> _Connection:
    import pymysql
    from pymysql.constants import CLIENT

    host = str(settings.get("host") or "")
    port = int(settings.get("port") or DEFAULT_PORTS["mysql"])
    where = f"{host}:{port}"
    user = credentials.get("username") or ""
    mode = _ssl_mode(settings)
    timeout = _number(settings, "timeout", 10)
    query_timeout = _number(settings, "query_timeout", 300)
    kwargs: dict[str, Any] = {
        "host": host, "port": port, "user": user, "password": credentials.get("password") or "",
        "database": settings.get("database") or None, "charset": "utf8mb4", "autocommit": False,
        "connect_timeout": timeout, "read_timeout": query_timeout, "write_timeout": query_timeout,
        "local_infile": False,
    }
    if mode == "disable":
        kwargs["ssl_disabled"] = True
    else:
        paths = ssl.get_default_verify_paths()
        kwargs["ssl"] = {"check_hostname": False, "verify_mode": ssl.CERT_NONE}
        if mode.startswith("verify"):
            kwargs["ssl"] = {"ca": paths.cafile or paths.capath, "verify_mode": ssl.CERT_REQUIRED,
                             "check_hostname": mode == "verify-full"}
    try:
        conn = pymysql.connect(**kwargs)
    except pymysql.Error as exc:
        message = exc.args[1] if len(exc.args) > 1 else str(exc)
        raise _connect_error("MySQL", where, user, str(message)) from None
    except (OSError, ssl.SSLError) as exc:
        raise _connect_error("MySQL", where, user, str(exc)) from None
    if mode != "disable" and mode != "prefer" and not conn.server_capabilities & CLIENT.SSL:
        conn.close()
        raise ProtocolError(f"MySQL server {where} does not offer TLS, and the SSL mode is '{mode}'.")
    return _Connection("mysql", conn, where)


def sqlite_path(database: str) -> str:
    """Resolve a SQLite database inside WEFT_SQLITE_DIR; refuse anything outside it."""
    if database == ":memory:":
        return database
    root = os.environ.get(SQLITE_DIR_ENV)
    if not root:
        raise ProtocolError(f"SQLite databases are disabled on this server (an administrator can allow a folder "
                            f"with {SQLITE_DIR_ENV}).")
    base = Path(root).resolve()
    path = (base / database).resolve()
    if not path.is_relative_to(base):
        raise ProtocolError(f"The SQLite database must be inside the folder {SQLITE_DIR_ENV} allows.")
    return str(path)


_SQLITE_DENIED = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH}


def _sqlite_authorizer(action, *_args):
    # ATTACH would open any file on the server, outside the allowed folder.
    return sqlite3.SQLITE_DENY if action in _SQLITE_DENIED else sqlite3.SQLITE_OK


def _connect_sqlite(settings: dict, credentials: dict) -> _Connection:
    database = str(settings.get("database") or "")
    if not database:
        raise ProtocolError("The SQLite connection has no database file set.")
    path = sqlite_path(database)
    if path != ":memory:" and not Path(path).exists():
        raise ProtocolError(f"The SQLite database {database} does not exist.")
    conn = sqlite3.connect(path, timeout=_number(settings, "timeout", 10), check_same_thread=False)
    conn.set_authorizer(_sqlite_authorizer)
    deadline = time.monotonic() + _number(settings, "query_timeout", 300)
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
    return _Connection("sqlite", conn, database)


_CONNECT = {"postgresql": _connect_postgresql, "mysql": _connect_mysql, "sqlite": _connect_sqlite}
_LABELS = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}


def dialect_of(settings: dict) -> str:
    raw = str(settings.get("driver") or "").lower()
    if raw not in DRIVERS:
        raise ProtocolError(f"Unknown database driver '{raw}': use postgresql, mysql (or mariadb) or sqlite.")
    dialect = DRIVERS[raw]
    if dialect != "sqlite" and not settings.get("host"):
        raise ProtocolError(f"The {_LABELS[dialect]} connection has no host set.")
    return dialect


def connect(settings: dict, credentials: dict) -> _Connection:
    # An authentication method may hold the host, port or database among its variables.
    settings = {**(credentials or {}), **(settings or {})}
    return _CONNECT[dialect_of(settings)](settings, credentials)


def _query_error(conn: _Connection, exc: Exception, context: str = "") -> ProtocolError:
    label = _LABELS[conn.dialect]
    if conn.dialect == "postgresql":
        diag = getattr(exc, "diag", None)
        message = (diag.message_primary if diag and diag.message_primary else str(exc)).strip()
        code = getattr(exc, "sqlstate", None)
        if code == "57014":
            message = "the query took longer than the query timeout and was cancelled"
        suffix = f" (SQLSTATE {code})" if code else ""
    elif conn.dialect == "mysql":
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        message = str(exc.args[1] if len(exc.args) > 1 else exc)
        suffix = f" (error {code})" if code else ""
    else:
        message = str(exc)
        if message == "interrupted":
            message = "the query took longer than the query timeout and was stopped"
        if "not authorized" in message:
            message += " (ATTACH and DETACH are not allowed)"
        suffix = ""
    return ProtocolError(f"The {label} query failed{context}: {message.splitlines()[0] if message else exc}{suffix}.")


def _driver_errors(dialect: str) -> tuple[type[BaseException], ...]:
    if dialect == "postgresql":
        import psycopg

        return (psycopg.Error,)
    if dialect == "mysql":
        import pymysql

        return (pymysql.Error, OSError)
    return (sqlite3.Error,)


# --- the protocol ----------------------------------------------------------------------------------------

class DatabaseProtocol(Protocol):
    name = "database"
    label = "Database"
    auth_types = ("basic", "none")

    def receive(self, settings: dict, credentials: dict, operation: dict, variables: dict) -> Iterator[Payload]:
        sql = self._sql(operation)
        page_size = self._page_size(operation, settings)
        decimals = str(settings.get("decimals") or "string")
        conn = connect(settings, credentials)
        errors = _driver_errors(conn.dialect)
        try:
            query, names = convert_placeholders(sql, conn.dialect)
            params = bind(names, variables or {}, operation.get("params") or {})
            try:
                cursor = conn.cursor(server_side=bool(page_size))
                cursor.execute(query, params)
                if cursor.description is None:
                    rowcount = cursor.rowcount
                    conn.conn.commit()
                    yield Payload(data={"rowcount": rowcount}, format="json", meta={"rowcount": rowcount})
                    return
                columns = _columns(cursor.description)
            except errors as exc:
                raise _query_error(conn, exc) from None
            page = 0
            while True:
                try:
                    rows = cursor.fetchmany(page_size) if page_size else cursor.fetchall()
                except errors as exc:
                    raise _query_error(conn, exc) from None
                if not rows and page:
                    break
                page += 1
                data = [{c: json_safe(v, decimals) for c, v in zip(columns, row, strict=False)} for row in rows]
                meta = {"rows": len(data), "columns": columns}
                if page_size:
                    meta["page"] = page
                yield Payload(data=data, format="json", meta=meta)
                if not page_size or len(rows) < page_size:
                    break
            try:
                cursor.close()
                conn.conn.commit()
            except errors as exc:
                raise _query_error(conn, exc) from None
        finally:
            conn.close()

    def send(self, settings: dict, credentials: dict, operation: dict, payload: Payload,
             variables: dict) -> Payload | None:
        sql = self._sql(operation)
        decimals = str(settings.get("decimals") or "string")
        records = payload.data if isinstance(payload.data, list) else [payload.data]
        if isinstance(payload.data, list) and not all(isinstance(r, dict) for r in records):
            raise ProtocolError("A list payload must hold objects (one statement per object).")
        conn = connect(settings, credentials)
        errors = _driver_errors(conn.dialect)
        try:
            query, names = convert_placeholders(sql, conn.dialect)
            whole = {"payload": payload.data if payload.format != "json" else json.dumps(payload.data, default=str)}
            total, returned = 0, []
            for index, record in enumerate(records):
                fields = record if isinstance(record, dict) else {}
                params = bind(names, fields, variables or {}, operation.get("params") or {}, whole)
                context = f" for object {index + 1} of {len(records)}" if len(records) > 1 else ""
                try:
                    cursor = conn.cursor()
                    cursor.execute(query, params)
                    if cursor.description is not None:
                        columns = _columns(cursor.description)
                        returned += [{c: json_safe(v, decimals) for c, v in zip(columns, row, strict=False)}
                                     for row in cursor.fetchall()]
                    total += max(cursor.rowcount, 0)
                    cursor.close()
                except errors as exc:
                    self._rollback(conn)
                    raise _query_error(conn, exc, context) from None
            try:
                conn.conn.commit()
            except errors as exc:
                raise _query_error(conn, exc) from None
        finally:
            conn.close()
        data: dict[str, Any] = {"rowcount": total}
        if returned:
            data["rows"] = returned
        return Payload(data=data, format="json", meta=dict(payload.meta))

    def test(self, settings: dict, credentials: dict) -> str:
        conn = connect(settings, credentials)
        conn.close()
        return f"Connected to the {_LABELS[conn.dialect]} database {settings.get('database') or ''}".rstrip() + "."

    @staticmethod
    def _sql(operation: dict) -> str:
        sql = str(operation.get("query") or "").strip()
        if not sql:
            raise ProtocolError("The database operation has no SQL query.")
        return sql

    @staticmethod
    def _page_size(operation: dict, settings: dict) -> int:
        raw = operation.get("page_size") or settings.get("page_size") or 0
        try:
            size = int(raw)
        except (TypeError, ValueError):
            raise ProtocolError(f"The page size must be a whole number, not {raw!r}.") from None
        if size < 0 or size > MAX_PAGE_SIZE:
            raise ProtocolError(f"The page size must be between 1 and {MAX_PAGE_SIZE:,} (or empty for one page).")
        return size

    @staticmethod
    def _rollback(conn: _Connection) -> None:
        try:
            conn.conn.rollback()
        except Exception:
            pass
