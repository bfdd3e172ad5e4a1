"""Curated specs: returns platforms (ReturnGO, Returnless, Reveni, Happy Returns); the others get generic calls."""
from __future__ import annotations

from catalog_specs import api_key, cursor, derived_with, ep, generic_rest, opt, path_vars, token, var

_RL_PAGES = cursor("cursor", "meta.next_cursor", data="data", limit_param="per_page", limit=100)

RETURNGO = {
    "documentation_url": "https://support.returngo.ai/returngo-api-overview",
    "base_url": "https://{{baseurl}}",
    "variables": [var("baseurl", "API host", default="api.returngo.ai"),
                  var("shop_name", "Shop name", help="The Shopify store domain, e.g. mystore.myshopify.com")],
    "auth_methods": [api_key(header="X-API-KEY", key="token", label="API key",
                             headers={"x-shop-name": "{{shop_name}}"})],
    "extra_notes": "Default limits: 2,000 calls a day and 100 a second.",
    "endpoints": [
        ep("list_rmas", "List RMAs", "GET", "/rmas", "returns",
           query={"pagesize": "100", "status": "{{status}}", "rma_updated_at": "{{updated}}"},
           variables=[opt("status", "Statuses (comma-separated, e.g. Pending,Approved)"),
                      opt("updated", "Updated filter, e.g. gte:2025-01-01T00:00:00Z")],
           pagination=cursor("cursor", "next_cursor", data="rmas")),
        ep("get_rma", "Get an RMA", "GET", "/rma/{{rma_id}}", "returns", variables=path_vars("rma_id")),
        ep("add_comment", "Add a comment to an RMA", "POST", "/rma/{{rma_id}}/comment", "returns",
           variables=path_vars("rma_id"), description="Body: {\"text\", \"isPublic\"}"),
        ep("update_shipment", "Update a return shipment (tracking, status)", "PUT", "/shipment/{{shipment_id}}",
           "fulfillments", variables=path_vars("shipment_id"),
           description="Body: {\"status\", \"carrierName\", \"trackingNumber\", \"trackingURL\", \"labelURL\"}"),
    ],
}

RETURNLESS = {
    "documentation_url": "https://docs.returnless.com/docs/api-rest-reference/64548cf9032b4",
    "base_url": "https://{{base_url}}/{{version}}",
    "variables": [var("base_url", "API host", default="api-v2.returnless.com"),
                  var("version", "API version", default="2025-01")],
    "auth_methods": [api_key(header="Authorization", prefix="Bearer ", key="token", label="API key")],
    "extra_notes": "Lists page with per_page (up to 100) and the cursor in meta.next_cursor. The 2025-01 version "
                   "has the full set used here (Patchworks' default was 2023-01, which lacks some of them).",
    "endpoints": [
        ep("list_return_orders", "List return orders", "GET", "/return-orders", "returns", pagination=_RL_PAGES,
           query={"filter[order_number]": "{{order_number}}"}, variables=[opt("order_number", "Order number")]),
        ep("get_return_order", "Get a return order", "GET", "/return-orders/{{return_order_id}}", "returns",
           variables=path_vars("return_order_id")),
        ep("create_return_order", "Create a return order", "POST", "/return-orders", "returns"),
        ep("update_return_order_status", "Update a return order's status", "PATCH",
           "/return-orders/{{return_order_id}}/status", "returns", variables=path_vars("return_order_id")),
        ep("list_sales_orders", "List sales orders", "GET", "/sales-orders", "orders", pagination=_RL_PAGES),
        ep("list_customers", "List customers", "GET", "/customers", "customers", pagination=_RL_PAGES),
        ep("list_products", "List products", "GET", "/products", "products", pagination=_RL_PAGES),
        ep("list_shipments", "List shipments", "GET", "/shipments", "fulfillments", pagination=_RL_PAGES),
    ],
}

RETURNS = {
    "returngo": RETURNGO, "returnless": RETURNLESS,
    "reveni": {
        "documentation_url": "https://www.reveni.io/",
        "base_url": "https://{{baseurl}}/merchants/v0/stores/{{store_uuid}}",
        "variables": [var("baseurl", "API host", default="api.reveni.io", help="api.sandbox.reveni.io for the sandbox"),
                      var("store_uuid", "Store UUID")],
        "auth_methods": [token(name="Bearer token")],
        "extra_notes": "Reveni pushes return events by webhook (resource_id is the return's UUID).",
        "endpoints": [
            ep("get_return", "Get a return", "GET", "/returns/{{return_id}}", "returns",
               variables=path_vars("return_id")),
            ep("create_webhook", "Subscribe a webhook", "POST", "/webhooks", "other"),
            ep("delete_webhook", "Delete a webhook", "DELETE", "/webhooks/{{webhook_name}}", "other",
               variables=path_vars("webhook_name")),
        ],
    },
    "happy-returns": {
        "documentation_url": "https://developer.happyreturns.com/partner/api/",
        "base_url": "https://{{baseurl}}",
        "variables": [var("baseurl", "API host", default="partner.happyreturns.com")],
        "auth_methods": [token(header="X-Hr-Apikey", prefix="", label="API key", name="API key")],
        "endpoints": [
            ep("get_return_details", "Get return details", "POST", "/return", "returns", direction="receive",
               body={"orderNumber": "{{order_number}}", "happyReturnsRetailerID": "{{retailer_id}}"},
               variables=[var("order_number", "Order number"), var("retailer_id", "Happy Returns retailer ID")]),
            ep("create_return", "Create a headless return", "POST", "/create_return", "returns",
               description="Body: {\"retailer_id\", \"email\", \"dropoff_method_id\", \"items\": [...]}"),
        ],
    },
    "rebound": derived_with(generic_rest()),
    "zigzag": derived_with(generic_rest()),
    "swap-commerce": derived_with(generic_rest()),
    "carma": derived_with(generic_rest()),
}
