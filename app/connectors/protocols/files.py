"""The file operations FTP and SFTP share: list, download, upload, move and delete over a ``FileClient``.

``FileProtocol`` holds everything that does not depend on the wire protocol (operations, file patterns,
filename templates, format detection, payload metadata); ``FtpProtocol`` in ftp.py and ``SftpProtocol`` in
sftp.py only open a connection and adapt it to ``FileClient``. See docs/protocols.md for examples.

operation
    ``action``: ``list`` | ``download`` (receive), ``upload`` | ``move`` | ``delete`` (send).
    ``path`` (directory, default ``.``), ``pattern`` (glob on file names, or a list of globs; ``*``),
    ``max_files``, ``sort`` (``name`` | ``modified``), ``format`` (``auto`` | json | xml | csv | text),
    ``filename`` (upload target or a single file to move/delete; ``{{variable}}`` tokens resolved from
    ``variables`` then the payload's meta), ``to`` (move target directory, relative to the file's
    directory unless absolute), ``overwrite`` (upload, true), ``atomic`` (upload via ``<name>.part`` then
    rename, false).
"""
from __future__ import annotations

import fnmatch
import posixpath
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.connectors.protocols.base import Protocol, ProtocolError
from app.flows import formats
from app.flows.context import Payload

DEFAULT_TIMEOUT = 30.0
ACTIONS = ("list", "download", "upload", "move", "delete")
_EXTENSIONS = {".json": "json", ".xml": "xml", ".csv": "csv", ".tsv": "csv", ".txt": "text"}
_TOKEN = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


@dataclass
class RemoteFile:
    name: str
    path: str
    size: int | None
    modified: datetime | None
    is_dir: bool = False

    def as_dict(self) -> dict:
        return {"filename": self.name, "path": self.path, "size": self.size,
                "modified": self.modified.isoformat() if self.modified else None}


class FileClient:
    """One open connection. Methods raise ProtocolError with a message naming the path."""

    def list(self, path: str) -> list[RemoteFile]:
        raise NotImplementedError

    def read(self, path: str) -> bytes:
        raise NotImplementedError

    def write(self, path: str, data: bytes) -> None:
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        raise NotImplementedError

    def rename(self, source: str, target: str) -> None:
        raise NotImplementedError

    def delete(self, path: str) -> None:
        raise NotImplementedError

    def mkdir(self, path: str) -> None:
        """Create one directory whose parent exists; one that exists already is fine."""
        raise NotImplementedError

    def makedirs(self, path: str) -> None:
        current = "/" if path.startswith("/") else ""
        for part in [p for p in path.split("/") if p and p != "."]:
            current = posixpath.join(current, part) if current else part
            self.mkdir(current)

    def close(self) -> None:
        raise NotImplementedError


def setting_timeout(settings: dict) -> float:
    try:
        value = float(settings.get("timeout") or DEFAULT_TIMEOUT)
    except (TypeError, ValueError):
        raise ProtocolError(f"The timeout must be a number of seconds, not {settings.get('timeout')!r}.") from None
    return max(1.0, min(value, 600.0))


def with_credentials(settings: dict, credentials: dict) -> dict:
    """Settings, falling back to the credentials for connection keys: an authentication method may hold
    the host, port or database among its variables. Only named keys are ever read from the result."""
    return {**(credentials or {}), **(settings or {})}


def require_host(settings: dict, label: str) -> str:
    host = str(settings.get("host") or "").strip()
    if not host:
        raise ProtocolError(f"The {label} connection has no host set.")
    return host


def network_error(label: str, host: str, port: int, exc: BaseException,
                  retryable: bool | None = None) -> ProtocolError:
    """A readable message for a failure to reach a server (never includes credentials). A refused, dropped
    or timed-out connection is retryable; an unknown host or a TLS failure is not (unless ``retryable``)."""
    where = f"{host}:{port}"
    if isinstance(exc, socket.gaierror):
        temporary = exc.errno == socket.EAI_AGAIN  # the resolver failed, not the name
        return ProtocolError(f"Could not connect to {label} server {where}: unknown host '{host}'."
                             if not temporary else f"Could not connect to {label} server {where}: the host name "
                             f"'{host}' could not be looked up just now.", retryable=bool(retryable or temporary))
    if isinstance(exc, ConnectionRefusedError):
        return ProtocolError(f"Could not connect to {label} server {where}: connection refused.", retryable=True)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return ProtocolError(f"Could not connect to {label} server {where}: timed out.", retryable=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ProtocolError(f"The TLS certificate of {where} could not be verified: {exc.verify_message}.",
                             retryable=bool(retryable))
    if isinstance(exc, ssl.SSLError):
        return ProtocolError(f"TLS with {label} server {where} failed: {exc.reason or exc}.", retryable=bool(retryable))
    dropped = isinstance(exc, (OSError, EOFError))
    return ProtocolError(f"Could not connect to {label} server {where}: {exc.strerror or exc}."
                         if isinstance(exc, OSError) else f"Could not connect to {label} server {where}: {exc}.",
                         retryable=dropped if retryable is None else retryable)


def render_name(template: str, variables: dict, meta: dict | None = None) -> str:
    """A file name (or path) from a template; it must not climb out with ``..`` or end in ``/``."""
    name = render_path(template, variables, meta)
    if not name.split("/")[-1]:
        raise ProtocolError(f"'{name}' is not a usable file name.")
    return name


def render_path(template: str, variables: dict, meta: dict | None = None) -> str:
    """Replace ``{{name}}`` (or ``{{a.b}}``) tokens from the variables, then the payload's meta."""

    def lookup(match: re.Match) -> str:
        key = match.group(1)
        for source in (variables or {}, meta or {}):
            value: Any = source
            for part in key.split("."):
                if isinstance(value, dict) and part in value:
                    value = value[part]
                else:
                    break
            else:
                if value is None or isinstance(value, (dict, list)):
                    break
                return str(value)
        raise ProtocolError(f"The file name '{template}' uses {{{{{key}}}}}, which has no value.")

    name = _TOKEN.sub(lookup, template)
    if not name.strip() or ".." in name.split("/"):
        raise ProtocolError(f"'{name}' is not a usable path.")
    return name


def _patterns(operation: dict) -> list[str]:
    raw = operation.get("pattern") or "*"
    patterns = [raw] if isinstance(raw, str) else list(raw)
    return [str(p).strip() for p in patterns if str(p).strip()] or ["*"]


def matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def file_format(name: str, raw: bytes, wanted: str = "auto") -> tuple[str, Any]:
    """(format, data): JSON parsed; XML, CSV and text as str (bytes when not UTF-8, kept byte-exact)."""
    wanted = (wanted or "auto").lower()
    if wanted not in ("auto", *formats.FORMATS):
        raise ProtocolError(f"Unknown format '{wanted}': use auto, json, xml, csv or text.")
    fmt = wanted
    if fmt == "auto":
        fmt = formats.detect(raw)
        by_extension = _EXTENSIONS.get(posixpath.splitext(name)[1].lower())
        if by_extension == "csv" and fmt == "text":
            fmt = "csv"  # a one-column CSV is not detectable from its contents
    if fmt == "json":
        try:
            return "json", formats.parse(raw, "json")
        except formats.FormatError as exc:
            raise ProtocolError(f"{name}: {exc}") from None
    try:
        return fmt, raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return fmt, raw


class FileProtocol(Protocol):
    """Operations over a ``FileClient``; subclasses implement ``connect``."""

    default_port: int = 0

    def connect(self, settings: dict, credentials: dict) -> FileClient:
        raise NotImplementedError

    # -- receive ------------------------------------------------------------------------------------------

    def receive(self, settings: dict, credentials: dict, operation: dict, variables: dict) -> Iterator[Payload]:
        action = self._action(operation)
        if action not in ("list", "download"):
            raise ProtocolError(f"'{action}' sends data; a receive step can list or download files.")
        client = self.connect(with_credentials(settings, credentials), credentials)
        try:
            files = self._matching(client, operation, variables)
            if action == "list":
                yield Payload(data=[f.as_dict() for f in files], format="json",
                              meta={"path": self._dir(operation, variables), "count": len(files)})
                return
            for remote in files:
                raw = client.read(remote.path)
                fmt, data = file_format(remote.name, raw, operation.get("format", "auto"))
                meta = remote.as_dict()
                meta["size"] = len(raw)
                yield Payload(data=data, format=fmt, meta=meta)
        finally:
            client.close()

    # -- send ---------------------------------------------------------------------------------------------

    def send(self, settings: dict, credentials: dict, operation: dict, payload: Payload,
             variables: dict) -> Payload | None:
        action = self._action(operation)
        if action not in ("upload", "move", "delete"):
            raise ProtocolError(f"'{action}' receives data; a send step can upload, move or delete files.")
        client = self.connect(with_credentials(settings, credentials), credentials)
        try:
            if action == "upload":
                return self._upload(client, operation, payload, variables)
            targets = self._targets(client, operation, payload, variables)
            done = []
            for source in targets:
                if action == "delete":
                    client.delete(source)
                    done.append({"path": source})
                    continue
                to_dir = str(operation.get("to") or "")
                if to_dir:
                    to_dir = render_path(to_dir, variables, payload.meta).rstrip("/") or "/"
                if not to_dir:
                    raise ProtocolError("A move needs a target directory ('to'), for example archive/.")
                folder = posixpath.dirname(source)
                target_dir = to_dir if to_dir.startswith("/") else posixpath.join(folder or ".", to_dir)
                target = posixpath.join(target_dir, posixpath.basename(source))
                client.makedirs(target_dir)
                client.rename(source, target)
                done.append({"from": source, "to": target})
            key = "deleted" if action == "delete" else "moved"
            return Payload(data={key: done, "count": len(done)}, format="json", meta=dict(payload.meta))
        finally:
            client.close()

    def test(self, settings: dict, credentials: dict) -> str:
        settings = with_credentials(settings, credentials)
        client = self.connect(settings, credentials)
        try:
            client.list(".")
        finally:
            client.close()
        return self.connected(settings, client)

    def connected(self, settings: dict, client: FileClient) -> str:
        """The message of a successful test."""
        return f"Connected to {settings.get('host')} and listed the home directory."

    # -- helpers ------------------------------------------------------------------------------------------

    @staticmethod
    def _action(operation: dict) -> str:
        action = str(operation.get("action") or operation.get("operation") or "").lower()
        if action not in ACTIONS:
            raise ProtocolError(f"Unknown file operation '{action}': use {', '.join(ACTIONS)}.")
        return action

    @staticmethod
    def _dir(operation: dict, variables: dict) -> str:
        path = str(operation.get("path") or ".")
        path = render_path(path, variables) if "{{" in path else path
        return path.rstrip("/") or "/"

    def _matching(self, client: FileClient, operation: dict, variables: dict) -> list[RemoteFile]:
        patterns = _patterns(operation)
        files = [f for f in client.list(self._dir(operation, variables)) if not f.is_dir and matches(f.name, patterns)]
        if str(operation.get("sort") or "name") == "modified":
            files.sort(key=lambda f: (f.modified or datetime.min.replace(tzinfo=UTC), f.name))
        else:
            files.sort(key=lambda f: f.name)
        limit = operation.get("max_files")
        if limit not in (None, ""):
            try:
                files = files[:max(0, int(limit))]
            except (TypeError, ValueError):
                raise ProtocolError(f"max_files must be a whole number, not {limit!r}.") from None
        return files

    def _targets(self, client: FileClient, operation: dict, payload: Payload, variables: dict) -> list[str]:
        """The file(s) to move or delete: ``filename``, else the payload's own file, else ``pattern``."""
        if operation.get("filename"):
            name = render_name(str(operation["filename"]), variables, payload.meta)
            return [name if name.startswith("/") else posixpath.join(self._dir(operation, variables), name)]
        if payload.meta.get("path"):
            return [str(payload.meta["path"])]
        if not operation.get("pattern"):
            raise ProtocolError("Say which files: set a filename or a pattern, or pass payloads from a download.")
        return [f.path for f in self._matching(client, operation, variables)]

    def _upload(self, client: FileClient, operation: dict, payload: Payload, variables: dict) -> Payload:
        template = operation.get("filename")
        if not template:
            raise ProtocolError("An upload needs a file name, for example orders-{{date}}.csv.")
        name = render_name(str(template), variables, payload.meta)
        target = name if name.startswith("/") else posixpath.join(self._dir(operation, variables), name)
        if operation.get("overwrite") is False and client.exists(target):
            raise ProtocolError(f"{target} already exists and overwriting is off.")
        body = payload.to_bytes()
        if operation.get("atomic"):
            client.write(target + ".part", body)
            if client.exists(target):
                client.delete(target)
            client.rename(target + ".part", target)
        else:
            client.write(target, body)
        return Payload(data={"path": target, "filename": posixpath.basename(target), "size": len(body)},
                       format="json", meta=dict(payload.meta))
