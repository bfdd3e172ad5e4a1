"""Curated specs: marketplaces and dropship networks (Amazon, ChannelEngine, Mirakl, OnBuy, Avasam,
Marketplacer, TikTok Shop, Virtualstock and The Edge)."""
from __future__ import annotations

from catalog_specs import (
    api_key,
    basic,
    client_credentials,
    cursor,
    ep,
    gql_send,
    next_url,
    offset,
    opt,
    page,
    path_vars,
    token,
    var,
)

# -- TikTok Shop (Partner API, 202309 versions) -------------------------------------------------------------
_TT_PAGES = {"page_size": "100"}
TIKTOK = {
    "documentation_url": "https://partner.tiktokshop.com/doc",
    "base_url": "https://open-api.tiktokglobalshop.com",
    "variables": [var("app_key", "App key"), var("shop_cipher", "Shop cipher",
                                                 help="From Get Authorized Shops (list_authorized_shops)")],
    "auth_methods": [token(header="x-tts-access-token", prefix="", key="access_token", label="Access token",
                           name="Access token + signed requests",
                           query={"app_key": "{{app_key}}", "shop_cipher": "{{shop_cipher}}"},
                           pre_request_script="TikTok Shop Sign Pre-Request Script")
                     | {"variables": [var("access_token", "Access token", secret=True),
                                      var("app_secret", "App secret", secret=True)]}],
    "extra_notes": "Every request carries a timestamp and an HMAC-SHA256 'sign' of the path and parameters made "
                   "with the app secret; the auth method's pre-request script adds them. Search endpoints take "
                   "their filters in the JSON body (e.g. order_status, update_time_ge in Unix seconds).",
    "endpoints": [
        ep("list_authorized_shops", "List authorised shops (cipher)", "GET", "/authorization/202309/shops",
           "other"),
        ep("search_orders", "Search orders", "POST", "/order/202309/orders/search", "orders", direction="receive",
           query=_TT_PAGES, body={}, pagination=cursor("page_token", "data.next_page_token", data="data.orders"),
           description="Filters in the body: order_status, create_time_ge, update_time_ge ..."),
        ep("get_orders", "Get orders by ID", "GET", "/order/202309/orders", "orders", query={"ids": "{{order_ids}}"},
           variables=[var("order_ids", "Order IDs (comma-separated, up to 50)")]),
        ep("search_products", "Search products", "POST", "/product/202309/products/search", "products",
           direction="receive", query=_TT_PAGES, body={},
           pagination=cursor("page_token", "data.next_page_token", data="data.products")),
        ep("get_product", "Get a product", "GET", "/product/202309/products/{{product_id}}", "products",
           variables=path_vars("product_id")),
        ep("update_inventory", "Update a product's inventory", "POST",
           "/product/202309/products/{{product_id}}/inventory/update", "inventory", variables=path_vars("product_id"),
           description="Body: {\"skus\": [{\"id\", \"inventory\": [{\"warehouse_id\", \"quantity\"}]}]}"),
        ep("ship_package", "Ship a package", "POST", "/fulfillment/202309/packages/{{package_id}}/ship",
           "fulfillments", variables=path_vars("package_id"),
           description="Body: {\"handover_method\", \"self_shipment\": {\"tracking_number\", "
                       "\"shipping_provider_id\"}}"),
    ],
}

# -- Virtualstock / The Edge by John Lewis (REST API v4) ------------------------------------------------------
_VS_PAGES = next_url("next", data="results")


def _virtualstock(auth: dict, docs: str, notes: str) -> dict:
    return {
        "documentation_url": docs,
        "base_url": "{{api_url}}",
        "variables": [var("api_url", "API URL", default="https://api.virtualstock.com",
                          help="https://api.sandbox.virtualstock.com for the sandbox")],
        "auth_methods": [auth],
        "extra_notes": notes,
        "endpoints": [
            ep("list_orders", "List orders", "GET", "/restapi/v4/orders/", "orders", pagination=_VS_PAGES,
               query={"limit": "100", "status": "{{status}}"}, variables=[opt("status", "Status", "ORDER")]),
            ep("get_order", "Get an order", "GET", "/restapi/v4/orders/{{order_id}}/", "orders",
               variables=path_vars("order_id")),
            ep("acknowledge_order", "Acknowledge an order", "POST", "/restapi/v4/orders/{{order_id}}/acknowledge/",
               "orders", variables=path_vars("order_id"),
               description="Body: {\"items\": [{\"part_number\", \"line_ref\", \"quantity\", \"sub_status\"}]}"),
            ep("list_carriers", "List tracking carriers", "GET", "/restapi/v4/order-tracking-carriers/",
               "fulfillments"),
            ep("create_product", "Create a product", "POST", "/api/v4/products/", "products"),
            ep("list_suppliers", "List suppliers", "GET", "/restapi/v4/suppliers/", "other", pagination=_VS_PAGES,
               query={"limit": "100"}),
        ],
    }


VIRTUALSTOCK = _virtualstock(
    basic(name="API user (Basic)"), "https://www.virtualstock.com/",
    "Supplier (dropship) side of the Virtualstock network; lists follow the 'next' link of each page.")
THE_EDGE = _virtualstock(
    client_credentials("{{api_url}}/restapi/v4/token", name="OAuth 2 (client credentials)"),
    "https://www.virtualstock.com/",
    "The Edge is John Lewis's Virtualstock platform: the same REST API v4 with an OAuth client of The Edge.")

# -- Marketplacer (Seller REST API v2, Operator GraphQL API) ----------------------------------------------------
_MP_PAGES = next_url("links.next", data="data")
MARKETPLACER_SELLER = {
    "documentation_url": "https://api.marketplacer.com/docs/",
    "base_url": "{{url}}",
    "variables": [var("url", "Marketplace URL", help="e.g. https://yourmarketplace.marketplacer.com")],
    "auth_methods": [token(label="API key", name="Seller API key")],
    "extra_notes": "When the site is behind HTTP basic authentication, send the key in a MARKETPLACER-API-KEY "
                   "header instead (edit the authentication method).",
    "endpoints": [
        ep("list_adverts", "List adverts (products)", "GET", "/api/v2/client/adverts", "products",
           pagination=_MP_PAGES),
        ep("get_advert", "Get an advert", "GET", "/api/v2/client/adverts/{{advert_id}}", "products",
           variables=path_vars("advert_id")),
        ep("create_advert", "Create an advert", "POST", "/api/v2/client/adverts", "products"),
        ep("update_advert", "Update an advert (price, stock ...)", "PUT", "/api/v2/client/adverts/{{advert_id}}",
           "inventory", variables=path_vars("advert_id")),
        ep("list_invoices", "List invoices (orders)", "GET", "/api/v2/client/invoices", "orders",
           pagination=_MP_PAGES),
        ep("get_invoice", "Get an invoice (order)", "GET", "/api/v2/client/invoices/{{invoice_id}}", "orders",
           variables=path_vars("invoice_id")),
    ],
}
MARKETPLACER_OPERATOR = {
    "documentation_url": "https://api.marketplacer.com/docs/",
    "base_url": "{{url}}",
    "variables": [var("url", "Marketplace URL", help="e.g. https://yourmarketplace.marketplacer.com")],
    "auth_methods": [token(header="MARKETPLACER-API-KEY", prefix="", label="API key", name="Operator API key")],
    "extra_notes": "The Operator API is GraphQL only: write the query (adverts, sellers, orders ...) in the body.",
    "endpoints": [
        ep("query", "GraphQL query", "POST", "/graphql", "other", direction="receive",
           body={"query": "{{query}}"}, variables=[var("query", "GraphQL query")]),
        gql_send("/graphql", name="GraphQL mutation or query (payload)"),
    ],
}

# -- Avasam (Seller API) ------------------------------------------------------------------------------------
AVASAM = {
    "documentation_url": "https://help.avasam.com/",
    "base_url": "https://app.avasam.com",
    "auth_methods": [client_credentials(
        "https://app.avasam.com/api/auth/request-token", name="Consumer key + secret key", client_id="",
        client_secret="", extra_params={"consumer_key": "{{consumer_key}}", "secret_key": "{{secret_key}}"},
        token_request_body="json",
        variables=[var("consumer_key", "Consumer key"), var("secret_key", "Secret key", secret=True)])],
    "extra_notes": "The token request is sent as JSON, as Avasam documents it. Order creation (CreateSellerOrder) "
                   "needs the Orders permission on the API key.",
    "endpoints": [
        ep("list_products", "List seller products", "POST", "/apiseeker/Products/GetSellerProductList", "products",
           direction="receive", body={"Page": "{{page}}", "Limit": "{{limit}}"},
           variables=[opt("page", "Page", "1"), opt("limit", "Limit", "100")]),
        ep("list_inventory", "List inventory (filtered)", "POST", "/apiseeker/ProductModule/GetInventoryListWithFilter",
           "inventory", direction="receive", records="data",
           description="The payload is the filter body (paging, SKU/title under Supplier, Variation/Showchild)."),
        ep("list_stock", "List stock levels", "POST", "/apiseeker/Products/SellerStockList", "inventory",
           direction="receive", body={"page": "{{page}}", "limit": "{{limit}}"},
           variables=[opt("page", "Page", "1"), opt("limit", "Limit", "100")]),
        ep("acknowledge_stock_update", "Acknowledge a stock update", "POST",
           "/api-seller/Product/AcknowledgeStockUpdate", "inventory"),
    ],
}

MARKETPLACES = {
    "amazon-seller-partner-api": {
        "documentation_url": "https://developer-docs.amazon.com/sp-api/",
        "base_url": "https://sellingpartnerapi-{{region}}.amazon.com",
        "variables": [var("region", "Region (na, eu or fe)", default="eu"),
                      var("marketplace_id", "Marketplace ID", help="e.g. A1F83G8C2ARO7P (UK)")],
        "auth_methods": [client_credentials(
            "https://api.amazon.com/auth/o2/token", name="Login with Amazon (refresh token)",
            grant_type="refresh_token", extra_params={"refresh_token": "{{refresh_token}}"},
            token_header="x-amz-access-token", token_prefix="",
            variables=[var("client_id", "LWA client ID"), var("client_secret", "LWA client secret", secret=True),
                       var("refresh_token", "Refresh token", secret=True)])],
        "endpoints": [
            ep("list_orders", "List orders", "GET", "/orders/v0/orders", "orders",
               query={"MarketplaceIds": "{{marketplace_id}}", "LastUpdatedAfter": "{{updated_after}}"},
               variables=[var("updated_after", "Updated after (ISO 8601)")],
               pagination=cursor("NextToken", "payload.NextToken", data="payload.Orders")),
            ep("list_order_items", "List an order's items", "GET", "/orders/v0/orders/{{order_id}}/orderItems",
               "orders", variables=path_vars("order_id")),
            ep("list_fba_inventory", "List FBA inventory summaries", "GET", "/fba/inventory/v1/summaries",
               "inventory", query={"granularityType": "Marketplace", "granularityId": "{{marketplace_id}}",
                                   "marketplaceIds": "{{marketplace_id}}", "details": "true"},
               pagination=cursor("nextToken", "pagination.nextToken", data="payload.inventorySummaries")),
        ],
    },
    "channelengine": {
        "documentation_url": "https://developers.channelengine.com/",
        "base_url": "https://{{environment}}.channelengine.net/api",
        "variables": [var("environment", "Environment (tenant name)")],
        "auth_methods": [api_key(header="X-CE-KEY", name="API key", key="token")],
        "endpoints": [
            ep("list_new_orders", "List new orders", "GET", "/v2/orders/new", "orders",
               pagination=page("page", data="Content", total="TotalCount") | {"limit": 100}),
            ep("acknowledge_order", "Acknowledge an order", "POST", "/v2/orders/acknowledge", "orders"),
            ep("list_orders", "List orders", "GET", "/v2/orders", "orders",
               pagination=page("page", data="Content", total="TotalCount") | {"limit": 100}),
            ep("create_shipment", "Create a shipment", "POST", "/v2/shipments", "fulfillments"),
            ep("update_offers", "Update stock and prices", "PUT", "/v2/offer", "inventory"),
            ep("upsert_products", "Create or update products", "POST", "/v2/products", "products"),
        ],
    },
    "mirakl": {
        "documentation_url": "https://developer.mirakl.com/",
        "base_url": "{{url}}/api",
        "variables": [var("url", "Mirakl URL", help="https://yourmarketplace.mirakl.net")],
        "auth_methods": [api_key(header="Authorization", key="front_key", label="API key", name="API key")],
        "endpoints": [
            ep("list_orders", "List orders (OR11)", "GET", "/orders", "orders",
               query={"order_state_codes": "{{states}}"}, variables=[opt("states", "States", "WAITING_ACCEPTANCE")],
               pagination=offset("max", "offset", 100, data="orders", total="total_count")),
            ep("accept_order", "Accept or refuse order lines (OR21)", "PUT", "/orders/{{order_id}}/accept", "orders",
               variables=path_vars("order_id")),
            ep("update_tracking", "Update tracking (OR23)", "PUT", "/orders/{{order_id}}/tracking", "fulfillments",
               variables=path_vars("order_id")),
            ep("ship_order", "Mark an order shipped (OR24)", "PUT", "/orders/{{order_id}}/ship", "fulfillments",
               variables=path_vars("order_id"), body=""),
            ep("list_offers", "List offers (OF21)", "GET", "/offers", "inventory",
               pagination=offset("max", "offset", 100, data="offers", total="total_count")),
            ep("update_offers", "Update offers: stock and price (OF24)", "POST", "/offers", "inventory"),
        ],
    },
    "onbuy": {
        "documentation_url": "https://docs.api.onbuy.com/",
        "base_url": "https://api.onbuy.com/v2",
        "variables": [var("site_id", "Site ID", default="2000")],
        "auth_methods": [client_credentials("https://api.onbuy.com/v2/auth/request-token", name="Consumer key",
                                            token_prefix="", extra_params={"secret_key": "{{consumer_secret}}",
                                                                           "consumer_key": "{{consumer_key}}"},
                                            variables=[var("consumer_key", "Consumer key"),
                                                       var("consumer_secret", "Secret key", secret=True)])],
        "endpoints": [
            ep("list_orders", "List orders", "GET", "/orders", "orders",
               query={"site_id": "{{site_id}}", "filter[status]": "{{status}}"},
               variables=[opt("status", "Status", "awaiting_dispatch")],
               pagination=offset(limit=100, data="results", total="metadata.total_rows")),
            ep("dispatch_orders", "Dispatch orders", "PUT", "/orders/dispatch", "fulfillments"),
            ep("update_listings", "Update listings by SKU (stock, price)", "PUT", "/listings/by-sku", "inventory"),
        ],
    },
    "avasam": AVASAM, "marketplacer-seller": MARKETPLACER_SELLER, "marketplacer-operator": MARKETPLACER_OPERATOR,
    "tiktok-shop": TIKTOK, "virtualstock": VIRTUALSTOCK, "the-edge-by-john-lewis": THE_EDGE,
}
