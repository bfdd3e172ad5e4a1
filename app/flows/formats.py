"""Payload formats (JSON, XML, CSV, text): detection, parsing into Python objects and dumping back to bytes."""
from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from app.flows.xml_dict import XmlError, dump_xml, parse_xml

FORMATS = ("json", "xml", "csv", "text")
CSV_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_CHARS = 65536


class FormatError(ValueError):
    def __init__(self, fmt: str, message: str, line: int | None = None, column: int | None = None):
        self.fmt, self.message, self.line, self.column = fmt, message, line, column
        where = ""
        if line is not None:
            where = f" at line {line}" + (f", column {column}" if column is not None else "")
        super().__init__(f"Invalid {fmt.upper() if fmt != 'text' else 'text'}{where}: {message}")


def _text(raw: bytes | str, fmt: str) -> str:
    if isinstance(raw, str):
        return raw[1:] if raw.startswith("\ufeff") else raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(fmt, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None


# --- detection ---------------------------------------------------------------------------------

def detect(raw: bytes | str) -> str:
    """"json" for an object/array, "xml" for a well-formed document, "csv" for a header plus
    consistent rows of 2+ columns, else "text"."""
    return _detect(raw)[0]


_UNPARSED = object()


def _detect(raw: bytes | str) -> tuple[str, Any]:
    """The format, and the parsed JSON/XML when detecting had to parse it anyway (else _UNPARSED)."""
    try:
        text = _text(raw, "text")
    except FormatError:
        # Not UTF-8, but XML may declare another encoding (<?xml … encoding="ISO-8859-1"?>).
        if isinstance(raw, bytes) and raw.lstrip()[:1] == b"<":
            try:
                return "xml", parse_xml(raw)
            except XmlError:
                pass
        return "text", _UNPARSED
    head = text.lstrip()[:1]
    if head in ("{", "["):
        try:
            return "json", _parse_json(text)
        except FormatError:
            pass
    if head == "<":
        try:
            return "xml", parse_xml(raw)
        except XmlError:
            pass
    return ("csv" if _looks_like_csv(text[:_SAMPLE_CHARS]) else "text"), _UNPARSED


def _first_record(text: str) -> str:
    """The first CSV record, which may span lines inside quotes."""
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            return text[:i]
    return text


def sniff_delimiter(text: str) -> str:
    """The candidate seen most often outside quotes in the header record; ',' when none or a tie."""
    header, quoted, counts = _first_record(text), False, dict.fromkeys(CSV_DELIMITERS, 0)
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals, so ',' wins ties
    return best if counts[best] else ","


def _looks_like_csv(sample: str) -> bool:
    delimiter = sniff_delimiter(sample)
    lines = sample.splitlines()
    complete = lines[:-1] if len(sample) == _SAMPLE_CHARS else lines  # the last sampled line may be cut
    try:
        rows = [r for r in csv.reader(io.StringIO("\n".join(complete)), delimiter=delimiter, strict=True) if r]
    except csv.Error:
        return False
    if len(rows) < 2 or len(rows[0]) < 2:
        return False
    width = len(rows[0])
    return all(len(r) == width or (len(r) > width and not any(r[width:])) for r in rows[1:20])


# --- parse ---------------------------------------------------------------------------------------

def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(text: str) -> Any:
    # The standard parser, not orjson: orjson turns integers beyond 64 bits into floats (an order
    # number would silently change), and json's messages carry line and column.
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FormatError("json", exc.msg, exc.lineno, exc.colno) from None
    except ValueError as exc:
        raise FormatError("json", str(exc)) from None


def _unique_headers(names: list[str]) -> list[str]:
    # Trailing delimiters and spreadsheet exports produce blank and repeated headers; both
    # would silently overwrite values in the row dicts, so they are given distinct names.
    out: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(names, start=1):
        name = raw.strip() or f"column_{position}"
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


def _parse_csv(text: str, delimiter: str | None) -> list[dict[str, str]]:
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    try:
        for row in reader:
            if not row:
                continue
            if header is None:
                header = _unique_headers(row)
                continue
            if len(row) > len(header):
                if any(v.strip() for v in row[len(header):]):
                    raise FormatError("csv", f"row has {len(row)} fields but the header has {len(header)}",
                                      reader.line_num)
                row = row[:len(header)]
            rows.append(dict(zip(header, row + [""] * (len(header) - len(row)), strict=True)))
    except csv.Error as exc:
        raise FormatError("csv", str(exc), reader.line_num) from None
    return rows


def parse(raw: bytes | str, fmt: str = "auto", *, delimiter: str | None = None) -> Any:
    """Parse a payload; `fmt="auto"` detects first. CSV gives a list of dicts of strings."""
    fmt = (fmt or "auto").lower()
    if fmt == "auto":
        fmt, parsed = _detect(raw)
        if parsed is not _UNPARSED:
            return parsed
    if fmt == "json":
        return _parse_json(_text(raw, fmt))
    if fmt == "xml":
        try:
            return parse_xml(raw)
        except XmlError as exc:
            raise FormatError("xml", exc.message, exc.line, exc.column) from None
    if fmt == "csv":
        return _parse_csv(_text(raw, fmt), delimiter)
    if fmt == "text":
        return _text(raw, fmt)
    raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)} or auto)")


# --- structured data for shapes -------------------------------------------------------------------

class Structured(NamedTuple):
    """A payload's Python data and the format it was read as (json, xml or csv)."""

    data: Any
    format: str
    delimiter: str = ","  # the CSV delimiter, to write rows back the way they came


class PlainText(ValueError):
    """The payload is text that is not JSON, XML or CSV: it has no structure to read."""


def structured(data: Any, fmt: str, wanted: str = "auto") -> Structured:
    """The data of a payload held as `data` in format `fmt`, for shapes that read fields.

    Parsed JSON (and any Python data) is used as it is. XML and CSV text is parsed in its own format;
    text is detected. `wanted` forces a format for text payloads. Raises FormatError (naming the
    line) for XML or CSV that does not parse, PlainText for text that is none of the three.
    """
    if fmt == "json" or not isinstance(data, (str, bytes)):
        return Structured(data, "json")
    wanted = (wanted or "auto").lower()
    if wanted == "auto":
        if fmt in ("xml", "csv"):
            wanted = fmt
        else:
            wanted, parsed = _detect(data)
            if parsed is not _UNPARSED:
                return Structured(parsed, wanted)
    if wanted not in ("json", "xml", "csv"):
        raise PlainText("plain text has no fields to read")
    parsed = parse(data, wanted)
    delimiter = sniff_delimiter(_text(data, "csv")) if wanted == "csv" else ","
    return Structured(parsed, wanted, delimiter)


# --- dump ----------------------------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


def _dump_json(obj: Any, pretty: bool) -> bytes:
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=_json_default,
                          indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    except (TypeError, ValueError) as exc:
        raise FormatError("json", str(exc)) from None
    return text.encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        raise FormatError("csv", f"{value} cannot be written as a number")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return str(value)


def _header_field(name: str) -> str:
    # Quote any header holding a candidate delimiter, so sniffing the output finds the real one.
    if any(ch in name for ch in (*CSV_DELIMITERS, '"', "\r", "\n")) or name != name.strip():
        return '"' + name.replace('"', '""') + '"'
    return name


def _dump_csv(obj: Any, delimiter: str) -> bytes:
    rows = [obj] if isinstance(obj, dict) else obj
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, dict) for r in rows):
        raise FormatError("csv", "CSV output needs a list of objects (one per row)")
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(str(k) for k in row))
    if not header:
        return b""
    buffer = io.StringIO(newline="")
    buffer.write(delimiter.join(_header_field(h) for h in header) + "\r\n")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        values = {str(k): v for k, v in row.items()}
        writer.writerow([_cell(values.get(h)) for h in header])
    return buffer.getvalue().encode("utf-8")


def dump(obj: Any, fmt: str, *, pretty: bool = False, delimiter: str = ",") -> bytes:
    """Serialise to UTF-8 bytes; text writes strings as they are and anything else as JSON."""
    fmt = (fmt or "").lower()
    if fmt == "json":
        return _dump_json(obj, pretty)
    if fmt == "xml":
        try:
            return dump_xml(obj)
        except XmlError as exc:
            raise FormatError("xml", exc.message) from None
    if fmt == "csv":
        return _dump_csv(obj, delimiter)
    if fmt == "text":
        if isinstance(obj, bytes):
            return obj
        return obj.encode("utf-8") if isinstance(obj, str) else _dump_json(obj, pretty)
    raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
