"""FTP and FTPS (explicit TLS) file transfer, plus the file operations FTP and SFTP share.

``FileProtocol`` holds everything that does not depend on the wire protocol (operations, file patterns,
filename templates, format detection, payload metadata); ``FtpProtocol`` here and ``SftpProtocol`` in
sftp.py only open a connection and adapt it to ``FileClient``. See docs/protocols.md for examples.

settings
    ``host`` (required), ``port`` (21), ``timeout`` (seconds, 30), ``passive`` (true),
    ``tls``: ``"none"`` (default) or ``"explicit"`` (``true`` means explicit; AUTH TLS on the plain port,
    then a protected data channel). Implicit FTPS (port 990) is not supported.
    ``tls_verify`` (true): check the server certificate against the system CAs (or ``ca_certificate``,
    PEM text); false accepts any certificate and should be used only for testing.
credentials
    ``username`` and ``password`` (omit both for anonymous FTP).
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
import ftplib
import io
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


# --- shared by FTP and SFTP ------------------------------------------------------------------------------

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

    def makedirs(self, path: str) -> None:
        raise NotImplementedError

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


def network_error(label: str, host: str, port: int, exc: BaseException) -> ProtocolError:
    """A readable message for a failure to reach a server (never includes credentials)."""
    where = f"{host}:{port}"
    if isinstance(exc, socket.gaierror):
        return ProtocolError(f"Could not connect to {label} server {where}: unknown host '{host}'.")
    if isinstance(exc, ConnectionRefusedError):
        return ProtocolError(f"Could not connect to {label} server {where}: connection refused.")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return ProtocolError(f"Could not connect to {label} server {where}: timed out.")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ProtocolError(f"The TLS certificate of {where} could not be verified: {exc.verify_message}.")
    if isinstance(exc, ssl.SSLError):
        return ProtocolError(f"TLS with {label} server {where} failed: {exc.reason or exc}.")
    return ProtocolError(f"Could not connect to {label} server {where}: {exc.strerror or exc}."
                         if isinstance(exc, OSError) else f"Could not connect to {label} server {where}: {exc}.")


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


# --- FTP -----------------------------------------------------------------------------------------------

def _ftp_message(exc: ftplib.Error) -> str:
    return str(exc).strip().rstrip(".")


def _ftp_error(exc: ftplib.Error, doing: str, path: str) -> ProtocolError:
    text = _ftp_message(exc)
    lowered = text.lower()
    if any(word in lowered for word in ("denied", "permission", "privilege", "not allowed", "forbidden")) \
            or text.startswith(("553", "532")):
        return ProtocolError(f"Permission denied {doing} {path} (server said: {text}).")
    if text.startswith("550"):
        return ProtocolError(f"Path not found {doing} {path} (server said: {text}).")
    return ProtocolError(f"The FTP server refused {doing} {path}: {text}.")


def _parse_ftp_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value.split(".")[0][:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


class _FtpClient(FileClient):
    def __init__(self, ftp: ftplib.FTP, where: str):
        self.ftp, self.where = ftp, where

    def _call(self, doing: str, path: str, fn, *args):
        try:
            return fn(*args)
        except ftplib.error_perm as exc:
            raise _ftp_error(exc, doing, path) from None
        except ftplib.Error as exc:
            raise ProtocolError(f"The FTP server failed {doing} {path}: {_ftp_message(exc)}.") from None
        except (OSError, EOFError) as exc:
            raise ProtocolError(f"The connection to {self.where} failed {doing} {path}: {exc}.") from None

    def list(self, path: str) -> list[RemoteFile]:
        try:
            entries = list(self.ftp.mlsd(path, facts=["type", "size", "modify"]))
        except ftplib.error_perm as exc:
            if not _ftp_message(exc).startswith(("500", "501", "502")):
                raise _ftp_error(exc, "listing", path) from None
            return self._list_without_mlsd(path)
        except (ftplib.Error, OSError, EOFError) as exc:
            raise ProtocolError(f"Listing {path} on {self.where} failed: {exc}.") from None
        out = []
        for name, facts in entries:
            kind = facts.get("type", "file").lower()
            if kind in ("cdir", "pdir") or name in (".", ".."):
                continue
            size = facts.get("size")
            out.append(RemoteFile(name=name, path=posixpath.join(path, name),
                                  size=int(size) if size and size.isdigit() else None,
                                  modified=_parse_ftp_time(facts.get("modify")), is_dir=kind == "dir"))
        return out

    def _list_without_mlsd(self, path: str) -> list[RemoteFile]:
        names = self._call("listing", path, self.ftp.nlst, path)
        out = []
        self._call("switching to binary mode for", path, self.ftp.voidcmd, "TYPE I")
        for raw in names:
            name = posixpath.basename(raw.rstrip("/"))
            if name in (".", ".."):
                continue
            full = posixpath.join(path, name)
            try:
                size = self.ftp.size(full)
            except ftplib.error_perm:
                out.append(RemoteFile(name=name, path=full, size=None, modified=None, is_dir=True))
                continue
            modified = None
            try:
                modified = _parse_ftp_time(self.ftp.voidcmd(f"MDTM {full}").split()[-1])
            except ftplib.Error:
                pass
            out.append(RemoteFile(name=name, path=full, size=size, modified=modified))
        return out

    def read(self, path: str) -> bytes:
        buffer = io.BytesIO()
        self._call("downloading", path, self.ftp.retrbinary, f"RETR {path}", buffer.write)
        return buffer.getvalue()

    def write(self, path: str, data: bytes) -> None:
        self._call("uploading", path, self.ftp.storbinary, f"STOR {path}", io.BytesIO(data))

    def exists(self, path: str) -> bool:
        folder, name = posixpath.split(path)
        try:
            return any(f.name == name for f in self.list(folder or "."))
        except ProtocolError:
            return False

    def rename(self, source: str, target: str) -> None:
        self._call("moving", source, self.ftp.rename, source, target)

    def delete(self, path: str) -> None:
        self._call("deleting", path, self.ftp.delete, path)

    def makedirs(self, path: str) -> None:
        current = "/" if path.startswith("/") else ""
        for part in [p for p in path.split("/") if p and p != "."]:
            current = posixpath.join(current, part) if current else part
            try:
                self.ftp.mkd(current)
            except ftplib.error_perm:
                pass  # exists (or not allowed: the rename that follows reports it)
            except (ftplib.Error, OSError, EOFError) as exc:
                raise ProtocolError(f"Creating {current} on {self.where} failed: {exc}.") from None

    def close(self) -> None:
        try:
            self.ftp.quit()
        except Exception:
            self.ftp.close()


def _tls_mode(settings: dict) -> str:
    value = settings.get("tls", "none")
    if value is True:
        return "explicit"
    value = str(value or "none").lower()
    if value in ("false", "none", "off", ""):
        return "none"
    if value in ("explicit", "true", "on", "ftps"):
        return "explicit"
    raise ProtocolError(f"Unsupported TLS mode '{value}' for FTP: use none or explicit (implicit FTPS "
                        "is not supported).")


def tls_context(settings: dict) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=settings.get("ca_certificate") or None)
    if settings.get("tls_verify") is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class _FtpTls(ftplib.FTP_TLS):
    """FTP_TLS that reuses the control connection's TLS session on data connections, which servers such
    as vsftpd (require_ssl_reuse) and FileZilla Server insist on."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


class FtpProtocol(FileProtocol):
    name = "ftp"
    label = "FTP"
    default_port = 21
    auth_types = ("basic", "none")

    def connect(self, settings: dict, credentials: dict) -> FileClient:
        host = require_host(settings, "FTP")
        port = int(settings.get("port") or self.default_port)
        timeout = setting_timeout(settings)
        tls = _tls_mode(settings) == "explicit"
        ftp = _FtpTls(context=tls_context(settings), timeout=timeout) if tls else ftplib.FTP(timeout=timeout)
        try:
            ftp.connect(host, port, timeout=timeout)
        except (OSError, EOFError, ftplib.Error) as exc:
            ftp.close()
            raise network_error("FTP", host, port, exc) from None
        username = credentials.get("username") or "anonymous"
        if tls:
            try:
                ftp.auth()
            except ftplib.error_perm as exc:
                ftp.close()
                raise ProtocolError(f"The FTP server {host}:{port} does not offer TLS (it answered AUTH TLS with: "
                                    f"{_ftp_message(exc)}).") from None
            except (OSError, EOFError, ftplib.Error) as exc:
                ftp.close()
                raise network_error("FTP", host, port, exc) from None
        try:
            ftp.login(username, credentials.get("password") or "")
            if tls:
                ftp.prot_p()
            ftp.set_pasv(settings.get("passive", True) is not False)
        except ftplib.error_perm as exc:
            ftp.close()
            text = _ftp_message(exc)
            if text.startswith(("530", "331", "332")):
                raise ProtocolError(f"FTP login to {host}:{port} failed for user '{username}': check the "
                                    f"username and password (server said: {text}).") from None
            raise ProtocolError(f"The FTP server {host}:{port} refused the login: {text}.") from None
        except (OSError, EOFError, ftplib.Error) as exc:
            ftp.close()
            raise network_error("FTP", host, port, exc) from None
        return _FtpClient(ftp, f"{host}:{port}")
