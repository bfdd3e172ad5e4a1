"""Postman {{variables}} as Weft variable keys: finding, renaming and labelling them; spotting credentials."""
from __future__ import annotations

import re
from typing import Any

_TOKEN_RE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_SECRET_HINT = re.compile(r"secret|password|passwd|token|api[-_]?key|apikey|private", re.I)
_NOT_SECRET_HINT = re.compile(r"(url|uri|endpoint|path|host|type|name)$", re.I)  # tokenUrl, apiKeyName


def safe_name(name: str) -> str:
    """A Postman variable name as a Weft variable key ({{store name}} → store_name, {{$guid}} → guid)."""
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name.strip()).strip("_")
    if not cleaned:
        cleaned = "value"
    if cleaned[0].isdigit():
        cleaned = "v_" + cleaned
    return cleaned[:80]


def label_for(key: str) -> str:
    """baseUrl → 'Base URL', client_id → 'Client ID': a readable label for a variable key."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key).replace("_", " ").replace("-", " ").split()
    fixed = {"id": "ID", "url": "URL", "api": "API", "uri": "URI", "sku": "SKU"}
    words = [fixed.get(w.lower(), w.lower()) for w in words] or [key]
    first = words[0]
    words[0] = first if first.isupper() else first.capitalize()
    return " ".join(words)


def _tokens(value: Any) -> list[str]:
    """Every {{name}} inside value (text, or nested dicts and lists), in order."""
    found: list[str] = []
    if isinstance(value, str):
        found += [m.group(1) for m in _TOKEN_RE.finditer(value)]
    elif isinstance(value, dict):
        for k, v in value.items():
            found += _tokens(k) + _tokens(v)
    elif isinstance(value, list):
        for v in value:
            found += _tokens(v)
    return found


def _rename(value: Any, names: dict[str, str]) -> Any:
    """Rewrite {{postman name}} as {{weft_key}} everywhere inside value."""
    if isinstance(value, str):
        return _TOKEN_RE.sub(lambda m: "{{" + names.get(m.group(1), safe_name(m.group(1))) + "}}", value)
    if isinstance(value, dict):
        return {_rename(k, names): _rename(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, names) for v in value]
    return value


def _only_token(value: Any) -> str | None:
    """The variable name when value is exactly one {{token}}, else None."""
    if isinstance(value, str):
        m = _TOKEN_RE.fullmatch(value.strip())
        if m:
            return m.group(1)
    return None


def _looks_secret(name: str, spec: dict | None = None) -> bool:
    if (spec or {}).get("type") == "secret":
        return True
    return bool(_SECRET_HINT.search(name)) and not _NOT_SECRET_HINT.search(name)

