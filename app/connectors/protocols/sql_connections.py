"""Database connections: PostgreSQL, MySQL/MariaDB and SQLite opened from the settings, and their errors in words."""
from __future__ import annotations

import os
import sqlite3
import ssl
import time
from pathlib import Path
from typing import Any

from app.connectors.protocols.base import ProtocolError

DRIVERS = {"postgresql": "postgresql", "postgres": "postgresql", "pgsql": "postgresql",
           "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}
SSL_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
SQLITE_DIR_ENV = "WEFT_SQLITE_DIR"


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


def _server(settings: dict, credentials: dict, dialect: str) -> tuple[str, int, str, str, str]:
    """(host, port, "host:port", user, SSL mode) of a PostgreSQL or MySQL connection."""
    host = str(settings.get("host") or "")
    port = int(settings.get("port") or DEFAULT_PORTS[dialect])
    return host, port, f"{host}:{port}", credentials.get("username") or "", _ssl_mode(settings)


# Connect failures that a later attempt may not meet: the server restarting, full or dropping connections.
_TRANSIENT_CONNECT = ("starting up", "shutting down", "in recovery mode", "too many connections",
                      "too many clients", "connection reset", "server closed the connection", "lost connection",
                      "gone away")


def _connect_error(driver: str, where: str, user: str, message: str) -> ProtocolError:
    lowered = message.lower()
    host = where.rsplit(":", 1)[0]
    if "password authentication failed" in lowered or "access denied" in lowered or "no password supplied" in lowered:
        return ProtocolError(f"{driver} login to {where} failed for user '{user}': check the username and password.")
    if "temporary failure in name resolution" in lowered:
        return ProtocolError(f"Could not connect to {driver} server {where}: the host name '{host}' could not be "
                             "looked up just now.", retryable=True)
    if "could not translate host name" in lowered or "name or service not known" in lowered \
            or "nodename nor servname" in lowered or "getaddrinfo failed" in lowered:
        return ProtocolError(f"Could not connect to {driver} server {where}: unknown host '{host}'.")
    if "connection refused" in lowered:
        return ProtocolError(f"Could not connect to {driver} server {where}: connection refused.", retryable=True)
    if "timeout" in lowered or "timed out" in lowered:
        return ProtocolError(f"Could not connect to {driver} server {where}: timed out.", retryable=True)
    if "does not exist" in lowered or "unknown database" in lowered:
        return ProtocolError(f"{driver} server {where}: {message.strip().splitlines()[0]}.")
    return ProtocolError(f"Could not connect to {driver} server {where}: {message.strip().splitlines()[0]}",
                         retryable=any(word in lowered for word in _TRANSIENT_CONNECT))


def _connect_postgresql(settings: dict, credentials: dict) -> _Connection:
    import psycopg

    host, port, where, user, mode = _server(settings, credentials, "postgresql")
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

    host, port, where, user, mode = _server(settings, credentials, "mysql")
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


# Query failures a retry can get past: the connection dropped (PostgreSQL class 08 and 57P0x, MySQL 2006/2013
# without a timeout), or the transaction lost a deadlock or a serialisation race and was rolled back.
_PG_RETRY = ("40001", "40P01", "53300", "57P01", "57P02", "57P03")
_MYSQL_RETRY = (1040, 1053, 1205, 1213, 2006, 2013)


def _retryable(dialect: str, exc: Exception, message: str) -> bool:
    if "timed out" in message or "query timeout" in message:
        return False  # the query's own time limit: running it again takes as long
    if dialect == "postgresql":
        import psycopg

        code = getattr(exc, "sqlstate", None)
        if code is None:  # no server reply: the connection itself failed
            return isinstance(exc, psycopg.OperationalError)
        return code.startswith("08") or code in _PG_RETRY
    if dialect == "mysql":
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        return code in _MYSQL_RETRY or (code is None and isinstance(exc, OSError))
    return "database is locked" in message  # another writer holds the SQLite file


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
    return ProtocolError(f"The {label} query failed{context}: {message.splitlines()[0] if message else exc}{suffix}.",
                         retryable=_retryable(conn.dialect, exc, message))


def _driver_errors(dialect: str) -> tuple[type[BaseException], ...]:
    if dialect == "postgresql":
        import psycopg

        return (psycopg.Error,)
    if dialect == "mysql":
        import pymysql

        return (pymysql.Error, OSError)
    return (sqlite3.Error,)
