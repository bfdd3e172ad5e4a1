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

Placeholders and values are in sql_values.py, opening connections (and their errors) in sql_connections.py.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from app.connectors.protocols.base import Protocol, ProtocolError
from app.connectors.protocols.sql_connections import _LABELS, _Connection, _driver_errors, _query_error, connect
from app.connectors.protocols.sql_values import _columns, bind, convert_placeholders, json_safe
from app.flows.context import Payload

MAX_PAGE_SIZE = 100_000


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
