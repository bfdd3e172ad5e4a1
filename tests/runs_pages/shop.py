"""A tiny shop API on 127.0.0.1 for run tests: an orders endpoint that can be taken down and brought
back (503 while down), a slow endpoint, a customers endpoint that echoes the API key it was sent, and a
big one. State lives on the server object."""
from __future__ import annotations

import json
import threading
import time

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class ShopApi:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        with self.lock:
            self.down = False
            self.received: list = []

    def close(self):
        self.server.shutdown()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/orders" and request.method == "POST":
            if self.down:
                response = Response(json.dumps({"error": "maintenance"}), 503, content_type="application/json")
            else:
                with self.lock:
                    self.received.append(json.loads(request.get_data() or b"null"))
                response = Response(json.dumps({"ok": True}), 201, content_type="application/json")
        elif request.path == "/customers":
            # A careless API: it echoes the key it was sent and sets a session cookie.
            body = {"customers": [{"name": "Ada Lovelace", "city": "London"}],
                    "you_sent": request.headers.get("X-API-Key"), "query": request.args.to_dict()}
            response = Response(json.dumps(body), content_type="application/json")
            response.set_cookie("shop_session", "cookie-value-4242")
        elif request.path == "/big":
            response = Response(json.dumps([{"n": i, "pad": "x" * 90} for i in range(100)]),
                                content_type="application/json")
        elif request.path == "/slow":
            time.sleep(float(request.args.get("delay", 1)))
            response = Response(json.dumps([{"id": 1}]), content_type="application/json")
        else:
            response = Response("{}", 404, content_type="application/json")
        return response(environ, start_response)
