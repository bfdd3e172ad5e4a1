"""The payload store: payload bodies as files under instance/payloads, addressed by reference.

A reference is "<company_id>/<run_id>/<name>"; readers check the company part before opening it.
One folder per run, so retention removes a run's payloads with one rmtree.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from app.flows.context import Bucket, Payload

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

    def size(self, company_id: int, ref: str) -> int:
        try:
            return self._path(company_id, ref).stat().st_size
        except (KeyError, OSError):
            return 0

    def run_folder(self, company_id: int, run_id: int) -> Path:
        return self.root / str(int(company_id)) / str(int(run_id))

    def remove_run(self, company_id: int, run_id: int) -> None:
        shutil.rmtree(self.run_folder(company_id, run_id), ignore_errors=True)

    def companies(self) -> list[int]:
        if not self.root.is_dir():
            return []
        return sorted(int(entry.name) for entry in os.scandir(self.root) if entry.is_dir() and entry.name.isdigit())

    def run_folders(self, company_id: int) -> Iterator[tuple[int, float]]:
        """(run id, last change as a timestamp) of each run folder of a company, in no order."""
        folder = self.root / str(int(company_id))
        if not folder.is_dir():
            return
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir() and entry.name.isdigit():
                    yield int(entry.name), entry.stat().st_mtime


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
    """Indented JSON when the body is JSON, indented XML when it is XML, else the text as it is."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        pass
    if text.lstrip().startswith("<"):
        return _pretty_xml(body) or text
    return text


# No entities, no network, no DTDs: a payload is untrusted input.
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True,
                              huge_tree=False)


def _pretty_xml(body: bytes) -> str | None:
    try:
        root = etree.fromstring(body.strip(), parser=_XML_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def capped(body: bytes, limit: int) -> tuple[str, bool]:
    """What a page shows of a payload: pretty when it fits in `limit` bytes, else the first `limit`
    bytes as they are (pretty-printing a cut document is impossible); and whether it was cut."""
    if len(body) <= limit:
        return pretty(body), False
    return body[:limit].decode("utf-8", errors="replace"), True


# -- whole buckets, for retrying a step with the payloads it received ----------------------------
def dump_bucket(bucket: Bucket) -> bytes:
    """Every payload with its format and metadata (bucket_body keeps only the bytes)."""
    items = []
    for payload in bucket:
        if payload.format == "json":
            items.append({"format": "json", "meta": payload.meta, "data": payload.data})
        elif isinstance(payload.data, bytes):
            items.append({"format": payload.format, "meta": payload.meta,
                          "base64": base64.b64encode(payload.data).decode()})
        else:
            items.append({"format": payload.format, "meta": payload.meta, "text": str(payload.data)})
    return json.dumps({"weft_bucket": 1, "payloads": items}, ensure_ascii=False, default=str).encode()


def load_bucket(body: bytes) -> Bucket:
    items = json.loads(body)["payloads"]
    bucket: Bucket = []
    for item in items:
        if "data" in item:
            data = item["data"]
        elif "base64" in item:
            data = base64.b64decode(item["base64"])
        else:
            data = item.get("text", "")
        bucket.append(Payload(data=data, format=item.get("format", "json"), meta=item.get("meta") or {}))
    return bucket


def bucket_view(body: bytes) -> bytes:
    """A stored bucket as people read it: the payloads' bodies, like any other step's output."""
    try:
        return bucket_body(load_bucket(body))
    except (ValueError, KeyError, TypeError):
        return body
