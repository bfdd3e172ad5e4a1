"""A tiny shop API on 127.0.0.1 for run tests: an orders endpoint that can be taken down and brought
back (503 while down), and a slow endpoint. State lives on the server object."""
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
        elif request.path == "/slow":
            time.sleep(float(request.args.get("delay", 1)))
            response = Response(json.dumps([{"id": 1}]), content_type="application/json")
        else:
            response = Response("{}", 404, content_type="application/json")
        return response(environ, start_response)
