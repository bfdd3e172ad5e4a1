"""SFTP file transfer over SSH (paramiko); the operations are those of files.FileProtocol.

settings
    ``host`` (required), ``port`` (22), ``timeout`` (seconds, 30),
    ``host_key``: the server's pinned host key, as an OpenSSH SHA-256 fingerprint (``SHA256:…``, what
    ``ssh-keygen -lf`` prints) or a public key line (``ssh-ed25519 AAAA…``),
    ``host_key_policy``: ``"verify"`` (default) refuses to connect unless ``host_key`` is set and matches;
    ``"accept_new"`` accepts the key the server offers when no ``host_key`` is set (trust on first use)
    and reports its fingerprint in the ``test()`` message so it can be pinned; until it is pinned, every
    connection accepts whatever key the server offers (the protocol is stateless and stores nothing).
    A pinned key that does not match always refuses the connection, whatever the policy.
credentials
    ``username``; ``password`` and/or ``private_key`` (OpenSSH or PEM text; RSA, ECDSA or Ed25519) with
    an optional ``passphrase``. With a key, key authentication is tried first, then the password.
operation
    As in files.py: ``action`` (list | download | upload | move | delete), ``path``, ``pattern``,
    ``filename``, ``to``, ``max_files``, ``sort``, ``format``, ``overwrite``, ``atomic``.
"""
from __future__ import annotations

import base64
import errno
import hashlib
import io
import posixpath
import socket
import stat
from datetime import UTC, datetime

import paramiko

from app.connectors.protocols.base import ProtocolError
from app.connectors.protocols.files import (
    FileClient,
    FileProtocol,
    RemoteFile,
    network_error,
    require_host,
    setting_timeout,
)

POLICIES = ("verify", "accept_new")


def fingerprint(key: paramiko.PKey) -> str:
    """The OpenSSH SHA-256 fingerprint: ``SHA256:`` + unpadded base64 of the key blob's digest."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


def _matches_pinned(key: paramiko.PKey, pinned: str) -> bool:
    pinned = pinned.strip()
    if pinned.startswith("SHA256:"):
        return pinned.rstrip("=") == fingerprint(key)
    parts = pinned.split()
    if len(parts) >= 2:  # "ssh-ed25519 AAAA... comment"
        return parts[0] == key.get_name() and parts[1] == key.get_base64()
    raise ProtocolError("The pinned host key must be a SHA256:… fingerprint or a public key line "
                        "such as 'ssh-ed25519 AAAA…'.")


def load_private_key(text: str, passphrase: str | None) -> paramiko.PKey:
    text = text.strip() + "\n"
    last: Exception | None = None
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text), password=passphrase or None)
        except paramiko.PasswordRequiredException:
            raise ProtocolError("The private key is encrypted: add its passphrase to the credentials.") from None
        except (paramiko.SSHException, ValueError) as exc:
            last = exc
    raise ProtocolError(f"The private key could not be read (RSA, ECDSA or Ed25519 in OpenSSH or PEM form; "
                        f"a wrong passphrase also ends here): {last}.")


def _sftp_error(exc: OSError, doing: str, path: str) -> ProtocolError:
    if exc.errno == errno.ENOENT:
        return ProtocolError(f"Path not found {doing} {path}.")
    if exc.errno == errno.EACCES:
        return ProtocolError(f"Permission denied {doing} {path}.")
    detail = exc.strerror or (exc.args[0] if exc.args else type(exc).__name__)
    return ProtocolError(f"The SFTP server failed {doing} {path}: {detail}.",
                         retryable=isinstance(exc, ConnectionError))


class _SftpClient(FileClient):
    def __init__(self, transport: paramiko.Transport, sftp: paramiko.SFTPClient, where: str):
        self.transport, self.sftp, self.where = transport, sftp, where

    def _call(self, doing: str, path: str, fn, *args):
        try:
            return fn(*args)
        except OSError as exc:
            if isinstance(exc, (TimeoutError, socket.timeout)):
                raise ProtocolError(f"{self.where} timed out {doing} {path}.", retryable=True) from None
            raise _sftp_error(exc, doing, path) from None
        except (paramiko.SSHException, EOFError) as exc:
            raise ProtocolError(f"The SSH connection to {self.where} failed {doing} {path}: {exc}.",
                                retryable=True) from None

    def list(self, path: str) -> list[RemoteFile]:
        entries = self._call("listing", path, self.sftp.listdir_attr, path)
        return [RemoteFile(name=e.filename, path=posixpath.join(path, e.filename), size=e.st_size,
                           modified=datetime.fromtimestamp(e.st_mtime, UTC) if e.st_mtime is not None else None,
                           is_dir=stat.S_ISDIR(e.st_mode or 0))
                for e in entries]

    def read(self, path: str) -> bytes:
        def fetch() -> bytes:
            with self.sftp.open(path, "rb") as handle:
                handle.prefetch()
                return handle.read()

        return self._call("downloading", path, fetch)

    def write(self, path: str, data: bytes) -> None:
        def put() -> None:
            with self.sftp.open(path, "wb") as handle:
                handle.set_pipelined(True)
                handle.write(data)

        self._call("uploading", path, put)

    def exists(self, path: str) -> bool:
        try:
            self.sftp.stat(path)
            return True
        except OSError:
            return False

    def rename(self, source: str, target: str) -> None:
        try:
            self.sftp.posix_rename(source, target)  # replaces an existing target, atomically
            return
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.EACCES):
                raise _sftp_error(exc, "moving", source) from None
        except paramiko.SSHException:
            pass  # the server lacks the posix-rename extension
        self._call("moving", source, self.sftp.rename, source, target)

    def delete(self, path: str) -> None:
        self._call("deleting", path, self.sftp.remove, path)

    def mkdir(self, path: str) -> None:
        if not self.exists(path):
            self._call("creating", path, self.sftp.mkdir, path)

    def close(self) -> None:
        try:
            self.sftp.close()
        finally:
            self.transport.close()


class SftpProtocol(FileProtocol):
    name = "sftp"
    label = "SFTP"
    default_port = 22
    auth_types = ("basic", "ssh_key", "none")

    def connect(self, settings: dict, credentials: dict) -> FileClient:
        host = require_host(settings, "SFTP")
        port = int(settings.get("port") or self.default_port)
        timeout = setting_timeout(settings)
        policy = str(settings.get("host_key_policy") or "verify")
        if policy not in POLICIES:
            raise ProtocolError(f"Unknown host key policy '{policy}': use verify or accept_new.")
        username = credentials.get("username") or ""
        if not username:
            raise ProtocolError("The SFTP connection needs a username.")
        pkey = None
        if credentials.get("private_key"):
            pkey = load_private_key(credentials["private_key"], credentials.get("passphrase"))
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise network_error("SFTP", host, port, exc) from None
        transport = paramiko.Transport(sock)
        transport.banner_timeout = transport.handshake_timeout = transport.auth_timeout = timeout
        where = f"{host}:{port}"
        try:
            transport.start_client(timeout=timeout)
            self._check_host_key(transport.get_remote_server_key(), settings, policy, where)
            self._authenticate(transport, username, credentials.get("password"), pkey, where)
            sftp = paramiko.SFTPClient.from_transport(transport)
            sftp.get_channel().settimeout(timeout)
        except ProtocolError:
            transport.close()
            raise
        except (paramiko.SSHException, OSError, EOFError) as exc:
            transport.close()
            if isinstance(exc, OSError):
                raise network_error("SFTP", host, port, exc) from None
            # A server that accepts but says nothing (still starting, overloaded) may answer later; one that
            # speaks no common algorithm never will.
            dropped = isinstance(exc, EOFError) or "banner" in str(exc).lower()
            raise ProtocolError(f"The SSH handshake with {where} failed: {exc}.", retryable=dropped) from None
        client = _SftpClient(transport, sftp, where)
        client.host_key = fingerprint(transport.get_remote_server_key())
        return client

    @staticmethod
    def _check_host_key(key: paramiko.PKey, settings: dict, policy: str, where: str) -> None:
        pinned = str(settings.get("host_key") or "").strip()
        if pinned:
            if not _matches_pinned(key, pinned):
                raise ProtocolError(f"The host key of {where} ({key.get_name()} {fingerprint(key)}) does not match "
                                    "the pinned host key. If the server's key really changed, update the "
                                    "connection's host key; otherwise someone may be intercepting the connection.")
            return
        if policy != "accept_new":
            raise ProtocolError(f"The host key of {where} is not known: it offered {key.get_name()} "
                                f"{fingerprint(key)}. Check it with the server's administrator and set it as the "
                                "connection's host key (or choose to accept a new key on first use).")

    @staticmethod
    def _authenticate(transport: paramiko.Transport, username: str, password: str | None,
                      pkey: paramiko.PKey | None, where: str) -> None:
        if pkey is None and not password:
            raise ProtocolError("The SFTP connection needs a password or a private key.")
        try:
            if pkey is not None:
                try:
                    transport.auth_publickey(username, pkey)
                except paramiko.AuthenticationException:
                    if not password:
                        raise
            if not transport.is_authenticated() and password:
                transport.auth_password(username, password)
        except paramiko.BadAuthenticationType as exc:
            raise ProtocolError(f"SFTP login to {where} failed for user '{username}': the server only accepts "
                                f"{', '.join(exc.allowed_types)} authentication.") from None
        except paramiko.AuthenticationException:
            raise ProtocolError(f"SFTP login to {where} failed for user '{username}': authentication failed "
                                "(check the username, password or private key).") from None
        if not transport.is_authenticated():
            raise ProtocolError(f"SFTP login to {where} failed for user '{username}'.")

    def connected(self, settings: dict, client: FileClient) -> str:
        # The fingerprint lets an administrator pin a key accepted on first use.
        return f"Connected to {settings.get('host')} (host key {client.host_key}) and listed the home directory."
