"""The payload store: payload bodies as files under instance/payloads, addressed by reference.

A reference is "<company_id>/<run_id>/<name>"; readers check the company part before opening it.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from app.flows.context import Bucket

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class PayloadStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def put(self, company_id: int, run_id: int, name: str, body: bytes) -> str:
        if not _SAFE_NAME.match(name):
            raise ValueError(f"bad payload name {name!r}")
        ref = f"{int(company_id)}/{int(run_id)}/{name}"
        path = self.root / ref
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)  # readers never see half a payload
        return ref

    def _path(self, company_id: int, ref: str) -> Path:
        parts = ref.split("/")
        if len(parts) != 3 or parts[0] != str(int(company_id)) or not _SAFE_NAME.match(parts[2]):
            raise KeyError(ref)
        return self.root / ref

    def get(self, company_id: int, ref: str) -> bytes:
        path = self._path(company_id, ref)
        if not path.is_file():
            raise KeyError(ref)
        return path.read_bytes()

    def exists(self, company_id: int, ref: str) -> bool:
        try:
            return self._path(company_id, ref).is_file()
        except KeyError:
            return False


def bucket_body(bucket: Bucket) -> bytes:
    """One file per bucket: a single payload as itself, several JSON payloads as a JSON array."""
    if len(bucket) == 1:
        return bucket[0].to_bytes()
    if all(p.format == "json" for p in bucket):
        # Same bytes as serialising the list, but reuses each payload's cached serialisation.
        return b"[" + b",".join(p.to_bytes() for p in bucket) + b"]"
    return b"\n".join(p.to_bytes() for p in bucket)


def preview(body: bytes, limit: int) -> str:
    text = body[:limit].decode("utf-8", errors="replace")
    return text + ("…" if len(body) > limit else "")


def pretty(body: bytes) -> str:
    """Indented JSON when the body is JSON, else the text as it is."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text
