"""A small real HTTP API on 127.0.0.1 for the connector pages: an order API behind an API key."""
from __future__ import annotations

import json
import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

API_KEY = "sk_live_7f3a9c1e5b2d4f60"
ORDERS = [{"id": 1001, "customer": "Ada Lovelace", "total": 42.5},
          {"id": 1002, "customer": "Alan Turing", "total": 17.0}]


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


class ShopApi:
    """`/me`, `/orders`, `/orders/<id>` (GET) and `/orders` (POST), each needing the header X-Api-Key."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        self.requests.clear()

    def close(self) -> None:
        self.server.shutdown()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.requests.append({"method": request.method, "path": request.path, "query": dict(request.args),
                                  "headers": dict(request.headers), "body": request.get_data(as_text=True)})
        if request.headers.get("X-Api-Key") != API_KEY:
            response = _json({"error": "Invalid API key", "hint": "send X-Api-Key"}, 401)
        elif request.path == "/me":
            response = _json({"shop": "Acme Retail", "plan": "pro"})
        elif request.path == "/orders" and request.method == "GET":
            status = request.args.get("status")
            response = _json({"orders": ORDERS, "filter": status})
        elif request.path == "/orders" and request.method == "POST":
            response = _json({"created": json.loads(request.get_data(as_text=True) or "null")}, 201)
        elif request.path.startswith("/orders/"):
            wanted = request.path.rsplit("/", 1)[-1]
            found = [o for o in ORDERS if str(o["id"]) == wanted]
            response = _json(found[0]) if found else _json({"error": f"no order {wanted}"}, 404)
        else:
            response = _json({"error": "not found"}, 404)
        return response(environ, start_response)


def definition(base_url: str, key: str = "acme-shop") -> dict:
    """A custom connector for this API: an API-key method and three endpoints."""
    return {
        "key": key, "name": "Acme Shop", "version": "1", "icon": "bi-bag", "category": "ecommerce",
        "description": "The Acme order API.", "documentation_url": "", "base_url": base_url, "protocol": None,
        "variables": [], "test": {"method": "GET", "path": "/me"},
        "auth_methods": [{"key": "api-key", "name": "API key", "type": "api_key",
                          "settings": {"placement": "header", "name": "X-Api-Key", "prefix": "",
                                       "value": "{{api_key}}"},
                          "variables": [{"key": "api_key", "label": "API key", "required": True, "secret": True}],
                          "headers": {}, "query": {}}],
        "endpoints": [
            {"key": "list_orders", "name": "List orders", "entity": "orders", "direction": "receive", "method": "GET",
             "path": "/orders", "query": {"status": "{{status}}"},
             "variables": [{"key": "status", "label": "Status", "required": False, "default": "open"}]},
            {"key": "get_order", "name": "Get order", "entity": "orders", "direction": "receive", "method": "GET",
             "path": "/orders/{{order_id}}", "variables": [{"key": "order_id", "label": "Order ID", "required": True}]},
            {"key": "create_order", "name": "Create order", "entity": "orders", "direction": "send", "method": "POST",
             "path": "/orders"},
        ],
    }
