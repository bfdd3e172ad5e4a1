"""FTP and FTPS (explicit TLS) file transfer; the operations are those of files.FileProtocol.

settings
    ``host`` (required), ``port`` (21), ``timeout`` (seconds, 30), ``passive`` (true),
    ``tls``: ``"none"`` (default) or ``"explicit"`` (``true`` means explicit; AUTH TLS on the plain port,
    then a protected data channel). Implicit FTPS (port 990) is not supported.
    ``tls_verify`` (true): check the server certificate against the system CAs (or ``ca_certificate``,
    PEM text); false accepts any certificate and should be used only for testing.
credentials
    ``username`` and ``password`` (omit both for anonymous FTP).
operation
    As in files.py: ``action`` (list | download | upload | move | delete), ``path``, ``pattern``,
    ``filename``, ``to``, ``max_files``, ``sort``, ``format``, ``overwrite``, ``atomic``.
"""
from __future__ import annotations

import ftplib
import io
import posixpath
import ssl
from datetime import UTC, datetime

from app.connectors.protocols.base import ProtocolError, flag
from app.connectors.protocols.files import (
    FileClient,
    FileProtocol,
    RemoteFile,
    network_error,
    require_host,
    setting_timeout,
)


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


def _temporary(exc: BaseException) -> bool:
    """A dropped connection, or a 4xx reply (RFC 959: "try again later")."""
    return isinstance(exc, (OSError, EOFError, ftplib.error_temp))


def _unreachable(host: str, port: int, exc: BaseException) -> ProtocolError:
    # Besides a refused or dropped connection, a 4xx greeting or login reply ("421 Too many users") is temporary.
    return network_error("FTP", host, port, exc, retryable=isinstance(exc, ftplib.error_temp) or None)


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
            raise ProtocolError(f"The FTP server failed {doing} {path}: {_ftp_message(exc)}.",
                                retryable=_temporary(exc)) from None
        except (OSError, EOFError) as exc:
            raise ProtocolError(f"The connection to {self.where} failed {doing} {path}: {exc}.",
                                retryable=True) from None

    def list(self, path: str) -> list[RemoteFile]:
        try:
            entries = list(self.ftp.mlsd(path, facts=["type", "size", "modify"]))
        except ftplib.error_perm as exc:
            if not _ftp_message(exc).startswith(("500", "501", "502")):
                raise _ftp_error(exc, "listing", path) from None
            return self._list_without_mlsd(path)
        except (ftplib.Error, OSError, EOFError) as exc:
            raise ProtocolError(f"Listing {path} on {self.where} failed: {exc}.", retryable=_temporary(exc)) from None
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

    def mkdir(self, path: str) -> None:
        try:
            self.ftp.mkd(path)
        except ftplib.error_perm:
            pass  # exists (or not allowed: the rename that follows reports it)
        except (ftplib.Error, OSError, EOFError) as exc:
            raise ProtocolError(f"Creating {path} on {self.where} failed: {exc}.", retryable=_temporary(exc)) from None

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
    if not flag(settings.get("tls_verify"), True):
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
            raise _unreachable(host, port, exc) from None
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
                raise _unreachable(host, port, exc) from None
        try:
            ftp.login(username, credentials.get("password") or "")
            if tls:
                ftp.prot_p()
            ftp.set_pasv(flag(settings.get("passive"), True))
        except ftplib.error_perm as exc:
            ftp.close()
            text = _ftp_message(exc)
            if text.startswith(("530", "331", "332")):
                raise ProtocolError(f"FTP login to {host}:{port} failed for user '{username}': check the "
                                    f"username and password (server said: {text}).") from None
            raise ProtocolError(f"The FTP server {host}:{port} refused the login: {text}.") from None
        except (OSError, EOFError, ftplib.Error) as exc:
            ftp.close()
            raise _unreachable(host, port, exc) from None
        return _FtpClient(ftp, f"{host}:{port}")
