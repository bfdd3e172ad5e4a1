"""Real servers for protocol tests: FTP (pyftpdlib), SFTP (paramiko), a TCP proxy, and service checks."""
from __future__ import annotations

import os
import socket
import threading
import time

import paramiko
import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def require_service(host: str, port: int, what: str) -> None:
    """Skip the test (with the reason printed by -ra) unless something answers on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return
    except OSError:
        pytest.skip(f"{what} not answering on {host}:{port}")


def queue_depth(channel, name: str) -> int:
    """How many messages wait in a queue (ready, not unacknowledged)."""
    return channel.queue_declare(queue=name, passive=True).method.message_count


# --- FTP ---------------------------------------------------------------------------------------------

class FtpServer:
    """pyftpdlib on 127.0.0.1:<random> serving ``root``; users alice/secret (full) and reader/secret
    (read only). ``mlsd=False`` makes the server answer MLSD with 500, like old servers."""

    def __init__(self, root: str, mlsd: bool = True, tls_cert: str | None = None):
        authorizer = DummyAuthorizer()
        authorizer.add_user("alice", "secret", root, perm="elradfmwMT")
        authorizer.add_user("reader", "secret", root, perm="elr")
        base = FTPHandler
        attrs: dict = {"authorizer": authorizer, "banner": "weft test ftpd"}
        if tls_cert:  # explicit FTPS; pyftpdlib needs pyOpenSSL for it
            from pyftpdlib.handlers import TLS_FTPHandler

            base = TLS_FTPHandler
            attrs.update(certfile=tls_cert, tls_control_required=True, tls_data_required=True)
        commands = dict(base.proto_cmds)
        if not mlsd:
            commands.pop("MLSD")
        attrs["proto_cmds"] = commands
        handler = type("Handler", (base,), attrs)
        self.server = FTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.address[1]
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            self.server.serve_forever(timeout=0.05, blocking=False)
        self.server.close_all()

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)


def self_signed_certificate(folder) -> tuple[str, str]:
    """(path of a PEM file holding a key and a certificate for 127.0.0.1, the certificate's PEM text)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    path = os.path.join(str(folder), "ftps.pem")
    with open(path, "w") as handle:
        handle.write(key_pem + cert_pem)
    return path, cert_pem


# --- SFTP --------------------------------------------------------------------------------------------

class _Auth(paramiko.ServerInterface):
    def __init__(self, users: dict[str, str], keys: dict[str, paramiko.PKey]):
        self.users, self.keys = users, keys

    def get_allowed_auths(self, username):
        return "password,publickey"

    def check_auth_password(self, username, password):
        ok = self.users.get(username) == password
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        expected = self.keys.get(username)
        ok = expected is not None and expected.asbytes() == key.asbytes()
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _Handle(paramiko.SFTPHandle):
    def stat(self):
        try:
            return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)


def _filesystem(root: str):
    """A StubSFTPServer-style filesystem over ``root``. Anything under /locked is permission denied
    (tests run as root, so file modes alone cannot deny anything)."""

    class Filesystem(paramiko.SFTPServerInterface):
        def _real(self, path: str) -> str:
            return root + self.canonicalize(path)

        def _locked(self, path: str) -> bool:
            canonical = self.canonicalize(path)
            return canonical == "/locked" or canonical.startswith("/locked/")

        def _errno(self, exc: OSError):
            return paramiko.SFTPServer.convert_errno(exc.errno)

        def list_folder(self, path):
            if self._locked(path):
                return paramiko.SFTP_PERMISSION_DENIED
            real = self._real(path)
            try:
                out = []
                for name in os.listdir(real):
                    attr = paramiko.SFTPAttributes.from_stat(os.stat(os.path.join(real, name)))
                    attr.filename = name
                    out.append(attr)
                return out
            except OSError as exc:
                return self._errno(exc)

        def stat(self, path):
            try:
                return paramiko.SFTPAttributes.from_stat(os.stat(self._real(path)))
            except OSError as exc:
                return self._errno(exc)

        lstat = stat

        def open(self, path, flags, attr):
            if self._locked(path):
                return paramiko.SFTP_PERMISSION_DENIED
            real = self._real(path)
            try:
                fd = os.open(real, flags | getattr(os, "O_BINARY", 0), 0o666)
            except OSError as exc:
                return self._errno(exc)
            if flags & os.O_WRONLY:
                mode = "ab" if flags & os.O_APPEND else "wb"
            elif flags & os.O_RDWR:
                mode = "a+b" if flags & os.O_APPEND else "r+b"
            else:
                mode = "rb"
            handle = _Handle(flags)
            handle.filename = real
            handle.readfile = handle.writefile = os.fdopen(fd, mode)
            return handle

        def remove(self, path):
            if self._locked(path):
                return paramiko.SFTP_PERMISSION_DENIED
            try:
                os.remove(self._real(path))
            except OSError as exc:
                return self._errno(exc)
            return paramiko.SFTP_OK

        def rename(self, oldpath, newpath):
            if self._locked(oldpath) or self._locked(newpath):
                return paramiko.SFTP_PERMISSION_DENIED
            if os.path.exists(self._real(newpath)):
                return paramiko.SFTP_FAILURE
            try:
                os.rename(self._real(oldpath), self._real(newpath))
            except OSError as exc:
                return self._errno(exc)
            return paramiko.SFTP_OK

        def posix_rename(self, oldpath, newpath):
            if self._locked(oldpath) or self._locked(newpath):
                return paramiko.SFTP_PERMISSION_DENIED
            try:
                os.replace(self._real(oldpath), self._real(newpath))
            except OSError as exc:
                return self._errno(exc)
            return paramiko.SFTP_OK

        def mkdir(self, path, attr):
            if self._locked(path):
                return paramiko.SFTP_PERMISSION_DENIED
            try:
                os.mkdir(self._real(path))
            except OSError as exc:
                return self._errno(exc)
            return paramiko.SFTP_OK

        def rmdir(self, path):
            try:
                os.rmdir(self._real(path))
            except OSError as exc:
                return self._errno(exc)
            return paramiko.SFTP_OK

        def chattr(self, path, attr):
            return paramiko.SFTP_OK

    return Filesystem


class SftpServer:
    """paramiko SSH + SFTP on 127.0.0.1:<random> over ``root``; accepts each user's password or key."""

    def __init__(self, root: str, host_key: paramiko.PKey, users: dict[str, str],
                 keys: dict[str, paramiko.PKey] | None = None):
        self.host_key, self.users, self.keys = host_key, users, keys or {}
        self.filesystem = _filesystem(root)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self.transports: list[paramiko.Transport] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, self.filesystem)
            self.transports.append(transport)
            try:
                transport.start_server(server=_Auth(self.users, self.keys))
            except (paramiko.SSHException, EOFError, OSError):
                transport.close()

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        self.sock.close()
        for transport in self.transports:
            transport.close()


# --- a TCP proxy that can play "broker restart" ------------------------------------------------------

class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target. ``down()`` drops every connection and stops listening,
    ``up()`` listens again on the same port: to the client it looks like the server restarted."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self.conns: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.up()

    def up(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(16)
        sock.settimeout(0.1)
        self.port = sock.getsockname()[1]
        self.listener = sock
        self._running = threading.Event()
        self._running.set()
        threading.Thread(target=self._accept, args=(sock, self._running), daemon=True).start()

    def _accept(self, sock: socket.socket, running: threading.Event) -> None:
        while running.is_set():
            try:
                client, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def down(self) -> None:
        self._running.clear()
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        for conn in self.conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self.conns = []
        time.sleep(0.2)

    def close(self) -> None:
        self.down()
