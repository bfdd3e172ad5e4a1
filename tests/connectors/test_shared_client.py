"""The worker's shared HTTP client never carries one company's cookies into another's request."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.connectors.runtime import shared_client


def test_cookies_set_by_a_server_are_not_sent_back_on_later_requests():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            seen.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.send_header("Set-Cookie", "session=company-a-secret; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        client = shared_client()
        assert client is shared_client()  # one per process
        client.get(url)
        client.get(url)
        assert seen == [None, None]
    finally:
        server.shutdown()
