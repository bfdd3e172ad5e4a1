"""Dynamic variables: parse and resolve `[[payload.x]]`, `[[meta.k]]`, flow, pagination and `{{connector}}` tokens."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from app.flows.paths import (
    MISSING,
    STAR,
    PathError,
    compile_path,
    compile_segments,
    compile_setter,
    get_path,
    parse_path,
    set_path,
)
from app.markers import gettext

__all__ = [
    "MISSING", "PathError", "VariableError", "Scope", "Reference", "Template",
    "get_path", "set_path", "compile_path", "compile_setter", "parse_path",
    "resolve", "compile_template", "references", "validate", "to_text",
]

SQUARE, CURLY = "[[", "{{"
ROOTS = ("payload", "meta", "flow.variables", "pagination")
_ROOTS_TEXT = "payload, meta, flow.variables or pagination"
_UNSET: Any = object()

# A token's body must start like a name, so JSON such as [[1,2],[3]] or "}}" stays literal text.
_BODY = r"\s*([A-Za-z_](?:[^\[\]{}\\\n]|\\.)*?)\s*"
_SQUARE_RE = r"\[\[" + _BODY + r"\]\]"
_CURLY_RE = r"\{\{" + _BODY + r"\}\}"
_TOKEN_RES = {
    (SQUARE,): re.compile(_SQUARE_RE),
    (CURLY,): re.compile(_CURLY_RE),
    (SQUARE, CURLY): re.compile(f"{_SQUARE_RE}|{_CURLY_RE}"),
}
_OPEN_RE = {SQUARE: re.compile(r"\[\[\s*[A-Za-z_]"), CURLY: re.compile(r"\{\{\s*[A-Za-z_]")}
_STRAY_CLOSE_RE = re.compile(r"(?<![\[\w.])((?:payload|meta|flow\.variables|pagination)(?:\.[^\s\[\]{}]*)?)\]\]")


class VariableError(ValueError):
    """A variable token that can never resolve (unknown root, malformed path)."""


@dataclass
class Scope:
    """Everything a token can read. `payload` is parsed JSON, or raw text for `[[payload]]`."""

    payload: Any = None
    meta: dict = field(default_factory=dict)
    flow_variables: dict = field(default_factory=dict)
    connector_variables: dict = field(default_factory=dict)
    pagination: dict = field(default_factory=dict)
    now: datetime | None = None
    _parsed: tuple = field(default=(None, MISSING), init=False, repr=False, compare=False)

    def parsed_payload(self, raw: Any) -> Any:
        """JSON text payloads are parsed once per scope, so `[[payload.id]]` works on raw bodies."""
        if self._parsed[0] is raw:
            return self._parsed[1]
        try:
            value = json.loads(raw)
        except (ValueError, TypeError):
            value = MISSING
        self._parsed = (raw, value)
        return value


class Reference(NamedTuple):
    root: str  # payload | meta | flow.variables | pagination | connector
    path: str  # dotted path below the root, "" for the whole root
    raw: str  # the token exactly as written


def to_text(value: Any) -> str:
    """How a value reads inside text: JSON-ish, with null and missing as ''."""
    t = type(value)
    if t is str:
        return value
    if value is None or value is MISSING:
        return ""
    if t is bool:
        return "true" if value else "false"
    if t is int or t is float:
        return repr(value)
    if t is dict or t is list or t is tuple:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _split_root(body: str, bracket: str, raw: str) -> tuple[str, tuple, str]:
    """(root, segments below root, path text below root) for a token body."""
    try:
        segs = parse_path(body)
    except PathError as exc:
        raise VariableError(gettext("Invalid variable %(token)s: %(detail)s", token=raw, detail=exc)) from None
    head = segs[0]
    if len(segs) >= 2 and head == "flow" and segs[1] == "variables":
        return "flow.variables", segs[2:], _rest(body, 2)
    if bracket == CURLY:
        return "connector", segs, body
    if head in ("payload", "meta", "pagination"):
        return head, segs[1:], _rest(body, 1)
    raise VariableError(gettext("Unknown variable %(token)s: a variable must start with %(roots)s", token=raw,
                                roots=_ROOTS_TEXT))


def _rest(body: str, n: int) -> str:
    """Path text after the first n unescaped dots (keeps the user's escapes for display)."""
    i = 0
    for _ in range(n):
        while True:
            j = body.find(".", i)
            if j == -1:
                return ""
            if j > 0 and body[j - 1] == "\\":
                i = j + 1
                continue
            i = j + 1
            break
    return body[i:]


def _token_fn(root: str, segs: tuple, body: str) -> Callable[[Scope, Any], Any]:
    get = compile_segments(segs)
    if root == "payload":
        if not segs:
            return lambda scope, payload: payload

        def payload_fn(scope, payload):
            if type(payload) is str or type(payload) is bytes:
                payload = scope.parsed_payload(payload)
            return get(payload)
        return payload_fn
    if root == "meta":
        return lambda scope, payload: get(scope.meta)
    if root == "flow.variables":
        return lambda scope, payload: get(scope.flow_variables)
    if root == "pagination":
        return lambda scope, payload: get(scope.pagination)

    def connector_fn(scope, payload):
        cv = scope.connector_variables
        v = cv.get(body, MISSING) if type(cv) is dict else MISSING
        return get(cv) if v is MISSING else v
    return connector_fn


class Template:
    """A parsed template; render() is the hot path, so parsing happens once in compile_template."""

    __slots__ = ("text", "parts", "single", "refs")

    def __init__(self, text: str, parts: list, single: Callable | None, refs: list[Reference]):
        self.text = text
        self.parts = parts  # str literals and token callables, in order
        self.single = single  # the one token when the text is exactly one token
        self.refs = refs

    @property
    def is_constant(self) -> bool:
        return not self.refs

    def render(self, scope: Scope, payload: Any = _UNSET) -> Any:
        """Raw value for a lone token (missing -> None); otherwise text with every token substituted."""
        if payload is _UNSET:
            payload = scope.payload
        single = self.single
        if single is not None:
            v = single(scope, payload)
            return None if v is MISSING else v
        if not self.refs:
            return self.text
        out = []
        for p in self.parts:
            out.append(p if type(p) is str else to_text(p(scope, payload)))
        return "".join(out)


def _brackets_key(brackets) -> tuple:
    key = tuple(b for b in (SQUARE, CURLY) if b in tuple(brackets))
    if not key or len(key) != len(tuple(brackets)):
        raise ValueError(f"brackets must be chosen from {SQUARE!r} and {CURLY!r}")
    return key


@lru_cache(maxsize=4096)
def _compile(text: str, key: tuple) -> Template:
    parts: list = []
    refs: list[Reference] = []
    pos = 0
    for m in _TOKEN_RES[key].finditer(text):
        raw = m.group(0)
        bracket = SQUARE if raw.startswith(SQUARE) else CURLY
        body = m.group(1) if m.group(1) is not None else m.group(m.lastindex)
        root, segs, path = _split_root(body, bracket, raw)
        if m.start() > pos:
            parts.append(text[pos:m.start()])
        parts.append(_token_fn(root, segs, body))
        refs.append(Reference(root, path, raw))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    single = parts[0] if len(parts) == 1 and refs else None
    return Template(text, parts, single, refs)


def compile_template(text: str, brackets=(SQUARE, CURLY)) -> Template:
    """Parse once (cached); raises VariableError for unknown roots or malformed paths."""
    return _compile(text, _brackets_key(brackets))


def resolve(text: Any, scope: Scope, *, brackets=(SQUARE, CURLY)) -> Any:
    """Substitute every token in `text`. A lone token returns the raw value (missing -> None).

    Non-text config values (numbers, booleans, None) are returned unchanged.
    """
    if type(text) is not str:
        return text
    return _compile(text, _brackets_key(brackets)).render(scope)


def references(text: str, brackets=(SQUARE, CURLY)) -> list[Reference]:
    """Every token in `text`, in order. Raises VariableError like compile_template."""
    return list(compile_template(text, brackets).refs)


def validate(
    text: str,
    known_flow_variables: set[str] | None = None,
    *,
    brackets=(SQUARE, CURLY),
    known_connector_variables: set[str] | None = None,
) -> list[str]:
    """Deploy-time problems in `text`, as sentences for the user; [] when it is fine.

    Pass None for a known-set to skip that check (e.g. when the names are not known yet).
    """
    if not isinstance(text, str):
        return []
    key = _brackets_key(brackets)
    errors: list[str] = []
    leftover = []
    pos = 0
    for m in _TOKEN_RES[key].finditer(text):
        leftover.append(text[pos:m.start()])
        pos = m.end()
        raw = m.group(0)
        bracket = SQUARE if raw.startswith(SQUARE) else CURLY
        body = m.group(1) if m.group(1) is not None else m.group(m.lastindex)
        try:
            root, segs, path = _split_root(body, bracket, raw)
        except VariableError as exc:
            errors.append(str(exc))
            continue
        if "" in segs:
            errors.append(gettext("Invalid variable %(token)s: the path has an empty part (two dots in a row, or a "
                                  "trailing dot)", token=raw))
            continue
        if root == "flow.variables" and known_flow_variables is not None:
            if not segs:
                continue
            name = segs[0]
            if name is STAR or name not in known_flow_variables:
                errors.append(gettext("Unknown variable %(token)s: the flow defines no variable '%(name)s'", token=raw,
                                      name=_name(name)))
        elif root == "connector" and known_connector_variables is not None:
            name = body if body in known_connector_variables else segs[0]
            if name is STAR or name not in known_connector_variables:
                errors.append(gettext("Unknown variable %(token)s: the connector defines no variable '%(name)s'",
                                      token=raw, name=_name(name)))
    leftover.append(text[pos:])
    rest = "\x00".join(leftover)  # NUL keeps text on both sides of a token from joining into a fake token
    for b in key:
        close = "]]" if b == SQUARE else "}}"
        for m in _OPEN_RE[b].finditer(rest):
            snippet = rest[m.start():m.start() + 40].split("\x00")[0].split("\n")[0]
            errors.append(gettext("Unclosed variable: '%(snippet)s' has no closing %(close)s", snippet=snippet,
                                  close=close))
    if SQUARE in key:
        for m in _STRAY_CLOSE_RE.finditer(rest):
            errors.append(gettext("Unopened variable: '%(snippet)s' has no opening [[", snippet=m.group(0)))
    return errors


def _name(seg: Any) -> str:
    return "*" if seg is STAR else str(seg)
