"""FTP and SFTP against real servers on 127.0.0.1: list, download, upload, move, delete and their errors."""
from __future__ import annotations

import json

import paramiko
import pytest

from app.connectors.protocols import PROTOCOLS, ProtocolError
from app.connectors.protocols.files import render_name
from app.connectors.protocols.sftp import fingerprint
from app.flows.context import Payload
from tests.protocols.servers import FtpServer, self_signed_certificate


@pytest.fixture(params=["ftp", "sftp"])
def remote(request, ftp_root, sftp_root, sftp_keys):
    """(protocol, settings, credentials, root folder) for a running FTP or SFTP server."""
    if request.param == "ftp":
        server = request.getfixturevalue("ftp_server")
        settings = {"host": "127.0.0.1", "port": server.port, "timeout": 5}
        return PROTOCOLS["ftp"], settings, {"username": "alice", "password": "secret"}, ftp_root
    server = request.getfixturevalue("sftp_server")
    settings = {"host": "127.0.0.1", "port": server.port, "timeout": 5,
                "host_key": fingerprint(sftp_keys["host"])}
    return PROTOCOLS["sftp"], settings, {"username": "alice", "password": "secret"}, sftp_root


def _seed(root):
    out = root / "out"
    out.mkdir()
    (out / "orders.json").write_text('[{"id": 1}, {"id": 2}]')
    (out / "items.csv").write_text("sku,qty\nA,1\nB,2\n")
    (out / "skus.csv").write_text("sku\nA\nB\n")  # one column: CSV by its extension only
    (out / "note.xml").write_text("<note><to>Ada</to></note>")
    (out / "readme.txt").write_text("hello")
    (out / "blob.bin").write_bytes(b"\xff\xfe\x00\x01")
    (out / "sub").mkdir()
    (out / "sub" / "deep.json").write_text("{}")
    return out


def test_download_yields_one_payload_per_matching_file(remote):
    protocol, settings, creds, root = remote
    _seed(root)
    op = {"action": "download", "path": "/out", "pattern": ["*.json", "*.csv", "*.xml", "*.bin"]}
    payloads = list(protocol.receive(settings, creds, op, {}))
    by_name = {p.meta["filename"]: p for p in payloads}
    assert sorted(by_name) == ["blob.bin", "items.csv", "note.xml", "orders.json", "skus.csv"]  # not sub/
    assert by_name["orders.json"].format == "json" and by_name["orders.json"].data == [{"id": 1}, {"id": 2}]
    assert by_name["items.csv"].format == "csv" and by_name["items.csv"].data == "sku,qty\nA,1\nB,2\n"
    assert by_name["skus.csv"].format == "csv"
    assert by_name["note.xml"].format == "xml" and by_name["note.xml"].data == "<note><to>Ada</to></note>"
    assert by_name["blob.bin"].format == "text" and by_name["blob.bin"].data == b"\xff\xfe\x00\x01"
    meta = by_name["orders.json"].meta
    assert meta["path"] == "/out/orders.json" and meta["size"] == 22
    assert meta["modified"] and meta["modified"][:4].isdigit()


def test_list_yields_one_json_payload_and_honours_max_files(remote):
    protocol, settings, creds, root = remote
    _seed(root)
    [payload] = protocol.receive(settings, creds, {"action": "list", "path": "/out", "pattern": "*.csv"}, {})
    assert payload.format == "json"
    assert [f["filename"] for f in payload.data] == ["items.csv", "skus.csv"]
    assert payload.data[0]["size"] == len("sku,qty\nA,1\nB,2\n")
    [limited] = protocol.receive(settings, creds, {"action": "list", "path": "/out", "max_files": 1}, {})
    assert len(limited.data) == 1


def test_upload_resolves_variables_in_the_file_name(remote):
    protocol, settings, creds, root = remote
    (root / "in").mkdir()
    payload = Payload(data=[{"id": 7}], format="json", meta={"filename": "source.json"})
    op = {"action": "upload", "path": "/in", "filename": "orders-{{date}}-{{batch.n}}.json"}
    result = protocol.send(settings, creds, op, payload, {"date": "2026-01-05", "batch": {"n": 3}})
    assert result.data == {"path": "/in/orders-2026-01-05-3.json", "filename": "orders-2026-01-05-3.json",
                           "size": len(b'[{"id":7}]')}
    assert json.loads((root / "in" / "orders-2026-01-05-3.json").read_text()) == [{"id": 7}]

    # atomic: written as .part then renamed over the old file; the meta can name the file too
    text = Payload(data="a,b\n1,2\n", format="csv", meta={"filename": "source.csv"})
    protocol.send(settings, creds, {"action": "upload", "path": "/in", "filename": "copy-of-{{filename}}",
                                    "atomic": True}, text, {})
    protocol.send(settings, creds, {"action": "upload", "path": "/in", "filename": "copy-of-{{filename}}",
                                    "atomic": True}, text, {})
    assert sorted(p.name for p in (root / "in").iterdir()) == ["copy-of-source.csv", "orders-2026-01-05-3.json"]

    with pytest.raises(ProtocolError, match="already exists and overwriting is off"):
        protocol.send(settings, creds, {**op, "overwrite": False}, payload, {"date": "2026-01-05", "batch": {"n": 3}})
    with pytest.raises(ProtocolError, match=r"uses \{\{date\}\}, which has no value"):
        protocol.send(settings, creds, op, payload, {})


def test_move_processed_files_to_an_archive_then_delete(remote):
    protocol, settings, creds, root = remote
    out = _seed(root)
    downloaded = list(protocol.receive(settings, creds, {"action": "download", "path": "/out",
                                                         "pattern": "*.csv"}, {}))
    for payload in downloaded:  # the connector shape sends each payload it received
        result = protocol.send(settings, creds, {"action": "move", "to": "archive/"}, payload, {})
        assert result.data["count"] == 1
    assert sorted(p.name for p in (out / "archive").iterdir()) == ["items.csv", "skus.csv"]
    assert not (out / "items.csv").exists()

    # by pattern, to an absolute folder
    result = protocol.send(settings, creds, {"action": "move", "path": "/out", "pattern": "*.xml",
                                             "to": "/done"}, Payload(data={}), {})
    assert result.data == {"moved": [{"from": "/out/note.xml", "to": "/done/note.xml"}], "count": 1}
    assert (root / "done" / "note.xml").exists()

    result = protocol.send(settings, creds, {"action": "delete", "path": "/out", "pattern": "*.txt"},
                           Payload(data={}), {})
    assert result.data == {"deleted": [{"path": "/out/readme.txt"}], "count": 1}
    assert not (out / "readme.txt").exists()
    protocol.send(settings, creds, {"action": "delete", "path": "/out", "filename": "blob.bin"}, Payload(data={}), {})
    assert sorted(p.name for p in out.iterdir()) == ["archive", "orders.json", "sub"]


def test_wrong_password_is_an_authentication_error(remote):
    protocol, settings, _creds, _root = remote
    with pytest.raises(ProtocolError) as info:
        list(protocol.receive(settings, {"username": "alice", "password": "wrong"}, {"action": "list"}, {}))
    message = str(info.value)
    assert f"login to 127.0.0.1:{settings['port']} failed for user 'alice'" in message
    assert "wrong" not in message  # never the password


def test_unknown_host_and_refused_port(remote):
    protocol, settings, creds, _root = remote
    label = protocol.label
    with pytest.raises(ProtocolError, match=f"Could not connect to {label} server no-such-host.invalid:21: "
                                            "unknown host 'no-such-host.invalid'"):
        list(protocol.receive({**settings, "host": "no-such-host.invalid", "port": 21}, creds, {"action": "list"}, {}))
    with pytest.raises(ProtocolError, match="connection refused"):
        list(protocol.receive({**settings, "port": 1}, creds, {"action": "list"}, {}))


def test_missing_path_is_path_not_found(remote):
    protocol, settings, creds, root = remote
    with pytest.raises(ProtocolError, match="Path not found listing /nope"):
        list(protocol.receive(settings, creds, {"action": "download", "path": "/nope"}, {}))
    with pytest.raises(ProtocolError, match="Path not found deleting /gone.csv"):
        protocol.send(settings, creds, {"action": "delete", "path": "/", "filename": "gone.csv"}, Payload({}), {})


def test_bad_operation_and_traversal_are_refused(remote):
    protocol, settings, creds, _root = remote
    with pytest.raises(ProtocolError, match="Unknown file operation 'copy'"):
        list(protocol.receive(settings, creds, {"action": "copy"}, {}))
    with pytest.raises(ProtocolError, match="a receive step can list or download"):
        list(protocol.receive(settings, creds, {"action": "upload"}, {}))
    with pytest.raises(ProtocolError, match="not a usable path"):
        protocol.send(settings, creds, {"action": "upload", "filename": "{{name}}"}, Payload({}),
                      {"name": "../../etc/passwd"})


def test_render_name():
    assert render_name("a-{{ x }}-{{m}}.csv", {"x": 1}, {"m": "z"}) == "a-1-z.csv"
    with pytest.raises(ProtocolError, match="not a usable file name"):
        render_name("dir/", {})


# --- FTP only ----------------------------------------------------------------------------------------

def test_ftp_permission_denied(ftp_server, ftp_root):
    settings = {"host": "127.0.0.1", "port": ftp_server.port, "timeout": 5}
    with pytest.raises(ProtocolError, match=r"Permission denied uploading ./x.txt \(server said: 550 Not enough "):
        PROTOCOLS["ftp"].send(settings, {"username": "reader", "password": "secret"},
                              {"action": "upload", "filename": "x.txt"}, Payload("hi", "text"), {})


def test_ftp_lists_without_mlsd(ftp_root):
    _seed(ftp_root)
    server = FtpServer(str(ftp_root), mlsd=False)
    try:
        settings = {"host": "127.0.0.1", "port": server.port, "timeout": 5}
        [payload] = PROTOCOLS["ftp"].receive(settings, {"username": "alice", "password": "secret"},
                                             {"action": "list", "path": "/out", "pattern": "*.json"}, {})
    finally:
        server.close()
    assert [(f["filename"], f["size"]) for f in payload.data] == [("orders.json", 22)]
    assert payload.data[0]["modified"]


def test_ftps_against_a_server_without_tls_says_so(ftp_server):
    settings = {"host": "127.0.0.1", "port": ftp_server.port, "timeout": 5, "tls": "explicit"}
    with pytest.raises(ProtocolError, match=f"127.0.0.1:{ftp_server.port} does not offer TLS"):
        list(PROTOCOLS["ftp"].receive(settings, {"username": "alice", "password": "secret"}, {"action": "list"}, {}))
    with pytest.raises(ProtocolError, match="implicit FTPS is not supported"):
        list(PROTOCOLS["ftp"].receive({**settings, "tls": "implicit"}, {}, {"action": "list"}, {}))


def test_ftps_explicit_tls(ftp_root, tmp_path):
    pytest.importorskip("OpenSSL", reason="pyftpdlib needs pyOpenSSL to serve FTPS (not installed)")
    certfile, cert_pem = self_signed_certificate(tmp_path)
    _seed(ftp_root)
    server = FtpServer(str(ftp_root), tls_cert=certfile)
    creds = {"username": "alice", "password": "secret"}
    try:
        settings = {"host": "127.0.0.1", "port": server.port, "timeout": 5, "tls": "explicit"}
        with pytest.raises(ProtocolError, match=f"The TLS certificate of 127.0.0.1:{server.port} could not be "
                                                "verified: self.signed certificate"):
            list(PROTOCOLS["ftp"].receive(settings, creds, {"action": "list"}, {}))
        trusted = {**settings, "ca_certificate": cert_pem}
        payloads = list(PROTOCOLS["ftp"].receive(trusted, creds, {"action": "download", "path": "/out",
                                                                  "pattern": "*.json"}, {}))
        assert [p.data for p in payloads] == [[{"id": 1}, {"id": 2}]]
        PROTOCOLS["ftp"].send({**settings, "tls_verify": False}, creds, {"action": "upload", "filename": "t.txt"},
                              Payload("over tls", "text"), {})
        assert (ftp_root / "t.txt").read_text() == "over tls"
        # the server requires TLS: a plain login is refused
        with pytest.raises(ProtocolError, match="refused the login|failed for user 'alice'"):
            list(PROTOCOLS["ftp"].receive({**settings, "tls": "none"}, creds, {"action": "list"}, {}))
    finally:
        server.close()


# --- SFTP only ---------------------------------------------------------------------------------------

def _sftp(server, **settings):
    return {"host": "127.0.0.1", "port": server.port, "timeout": 5, **settings}


def test_sftp_private_key_authentication(sftp_server, sftp_root, sftp_keys):
    (sftp_root / "a.txt").write_text("x")
    settings = _sftp(sftp_server, host_key=fingerprint(sftp_keys["host"]))
    [listing] = PROTOCOLS["sftp"].receive(settings, {"username": "alice", "private_key": sftp_keys["client_text"]},
                                          {"action": "list"}, {})
    assert [f["filename"] for f in listing.data] == ["a.txt"]
    encrypted = {"username": "alice", "private_key": sftp_keys["client_encrypted"], "passphrase": "open sesame"}
    assert list(PROTOCOLS["sftp"].receive(settings, encrypted, {"action": "list"}, {}))
    with pytest.raises(ProtocolError, match="The private key is encrypted: add its passphrase"):
        list(PROTOCOLS["sftp"].receive(settings, {**encrypted, "passphrase": ""}, {"action": "list"}, {}))
    other = paramiko.RSAKey.generate(1024)
    import io

    text = io.StringIO()
    other.write_private_key(text)
    with pytest.raises(ProtocolError, match="failed for user 'alice': authentication failed"):
        list(PROTOCOLS["sftp"].receive(settings, {"username": "alice", "private_key": text.getvalue()},
                                       {"action": "list"}, {}))


def test_sftp_host_key_policy(sftp_server, sftp_keys):
    creds = {"username": "alice", "password": "secret"}
    expected = fingerprint(sftp_keys["host"])
    # default: an unknown host key is refused, and the message shows the fingerprint to check
    with pytest.raises(ProtocolError, match=f"host key of 127.0.0.1:{sftp_server.port} is not known: it offered "
                                            f"ssh-rsa {expected.replace('+', '[+]')}"):
        PROTOCOLS["sftp"].test(_sftp(sftp_server), creds)
    # trust on first use, when the settings say so: connects and reports the key to pin
    message = PROTOCOLS["sftp"].test(_sftp(sftp_server, host_key_policy="accept_new"), creds)
    assert expected in message
    # pinned, as a fingerprint or as a public key line
    assert PROTOCOLS["sftp"].test(_sftp(sftp_server, host_key=expected), creds)
    key_line = f"ssh-rsa {sftp_keys['host'].get_base64()} server"
    assert PROTOCOLS["sftp"].test(_sftp(sftp_server, host_key=key_line), creds)
    # a pinned key that does not match is refused even when new keys are accepted
    with pytest.raises(ProtocolError, match="does not match the pinned host key"):
        PROTOCOLS["sftp"].test(_sftp(sftp_server, host_key="SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                     host_key_policy="accept_new"), creds)


def test_sftp_permission_denied(sftp_server, sftp_root, sftp_keys):
    (sftp_root / "locked").mkdir()
    settings = _sftp(sftp_server, host_key=fingerprint(sftp_keys["host"]))
    creds = {"username": "alice", "password": "secret"}
    with pytest.raises(ProtocolError, match="Permission denied listing /locked"):
        list(PROTOCOLS["sftp"].receive(settings, creds, {"action": "list", "path": "/locked"}, {}))
    with pytest.raises(ProtocolError, match="Permission denied uploading /locked/x.txt"):
        PROTOCOLS["sftp"].send(settings, creds, {"action": "upload", "path": "/locked", "filename": "x.txt"},
                               Payload("hi", "text"), {})


def test_connection_keys_may_come_with_the_credentials(remote):
    """An authentication method may carry host and port among its variables (connector shape)."""
    protocol, settings, creds, root = remote
    (root / "a.txt").write_text("x")
    moved = {k: settings.pop(k) for k in ("host", "port")}
    [listing] = protocol.receive(settings, {**creds, **moved, "auth_type": "basic"}, {"action": "list"}, {})
    assert [f["filename"] for f in listing.data] == ["a.txt"]
