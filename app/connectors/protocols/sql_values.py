"""SQL values: ``:name`` placeholders rewritten and bound for each driver, and the rows read made JSON-safe."""
from __future__ import annotations

import base64
import json
import math
import re
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from app.connectors.protocols.base import ProtocolError

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
