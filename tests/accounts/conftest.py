"""Accounts fixtures: a real local Pwned Passwords range server (the SMTP inbox `smtp` comes from tests/mail.py)."""
from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

BREACHED = ("Password1!", "Summer2024!")  # meet the policy, yet "known" to the range server below
PADDED = "Padded!Pass1"  # listed with a count of 0: a padding line, not a breach


class RangeServer:
    """Answers GET /range/<5 hex> like api.pwnedpasswords.com, from BREACHED plus padding lines."""

    def __init__(self):
        self.requests: list[str] = []
        hashes = [hashlib.sha1(p.encode()).hexdigest().upper() for p in BREACHED]
        self.known = {h[:5]: f"{h[5:]}:52789" for h in hashes}
        padded = hashlib.sha1(PADDED.encode()).hexdigest().upper()
        self.known[padded[:5]] = f"{padded[5:]}:0"
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/range/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                outer.requests.append(self.path)
                prefix = self.path.rsplit("/", 1)[-1].upper()
                lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:3", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0"]
                if prefix in outer.known:
                    lines.insert(1, outer.known[prefix])
                body = "\r\n".join(lines).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def range_server(app):
    server = RangeServer().start()
    app.config["PWNED_RANGE_URL"] = server.url
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_internet_for_password_checks(request):
    # Every test with an app checks passwords against the local range server, never the real service.
    if "app" in request.fixturenames:
        request.getfixturevalue("range_server")
