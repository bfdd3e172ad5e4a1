"""The payload store: payload bodies addressed by reference, "<company_id>/<run_id>/<name>"; readers
check the company part before reading.

Small bodies (up to INLINE_BYTES) are RunPayload rows written in the transaction that stores the run or
its log rows: on this kind of disk creating a file costs ~0.5-1 ms of CPU, more than the rest of a short
run's bookkeeping. Larger bodies are files under instance/payloads, one folder per run, so retention
removes a run's files with one rmtree. Readers do not care which: get() looks for a row, then a file.
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
from sqlalchemy import bindparam, delete, func, insert, select

from app.extensions import db
from app.flows.context import Bucket, Payload
from app.runs.models import RunPayload
from app.timeutil import utcnow

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
INLINE_BYTES = 64 * 1024

# Built once: these run for every webhook and every logged step.
_rows = RunPayload.__table__
INSERT_ROWS = insert(_rows)
_BODY = select(_rows.c.body).where(_rows.c.ref == bindparam("ref"), _rows.c.company_id == bindparam("company_id"))
_SIZE = select(func.length(_rows.c.body)).where(_rows.c.ref == bindparam("ref"),
                                                _rows.c.company_id == bindparam("company_id"))


def make_ref(company_id: int, run_id: int, name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise ValueError(f"bad payload name {name!r}")
    return f"{int(company_id)}/{int(run_id)}/{name}"


def inline_row(company_id: int, run_id: int, name: str, body: bytes) -> dict | None:
    """The RunPayload row that keeps a small body (for INSERT_ROWS in the caller's transaction), or None
    when the body is too large for a row and goes to a file."""
    if len(body) > INLINE_BYTES:
        return None
    return {"ref": make_ref(company_id, run_id, name), "company_id": int(company_id), "run_id": int(run_id),
            "body": body, "created_at": utcnow()}


class PayloadStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def put_with(self, connection, company_id: int, run_id: int, name: str, body: bytes) -> str:
        """Store a body within `connection`'s transaction when it is small, else as a file."""
        row = inline_row(company_id, run_id, name, body)
        if row is None:
            return self.put(company_id, run_id, name, body)
        connection.execute(INSERT_ROWS, row)
        return row["ref"]

    def put(self, company_id: int, run_id: int, name: str, body: bytes) -> str:
        """Store a body as a file, whatever its size."""
        ref = make_ref(company_id, run_id, name)
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
        body = db.session.execute(_BODY, {"ref": ref, "company_id": int(company_id)}).scalar()
        if body is not None:
            return bytes(body)  # PostgreSQL hands back a memoryview
        if not path.is_file():
            raise KeyError(ref)
        return path.read_bytes()

    def exists(self, company_id: int, ref: str) -> bool:
        return self.size(company_id, ref, missing=-1) >= 0

    def size(self, company_id: int, ref: str, missing: int = 0) -> int:
        try:
            path = self._path(company_id, ref)
        except KeyError:
            return missing
        size = db.session.execute(_SIZE, {"ref": ref, "company_id": int(company_id)}).scalar()
        if size is not None:
            return int(size)
        try:
            return path.stat().st_size if path.is_file() else missing
        except OSError:
            return missing

    def run_folder(self, company_id: int, run_id: int) -> Path:
        return self.root / str(int(company_id)) / str(int(run_id))

    def remove_run(self, company_id: int, run_id: int) -> None:
        """Remove every payload of a run, stored rows (committed here) and files."""
        db.session.execute(delete(RunPayload).where(RunPayload.company_id == int(company_id),
                                                    RunPayload.run_id == int(run_id)))
        db.session.commit()
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
