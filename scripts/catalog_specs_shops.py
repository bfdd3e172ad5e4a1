"""Curated specs: e-commerce platforms beyond the big seven (BigCommerce B2B, Commerce Layer, commercetools,
Lightspeed, Salesforce Commerce Cloud, Shopline, Shopware, Sitoo, Centra, EVA, SCAYLE, SparkLayer)."""
from __future__ import annotations

from catalog_specs import (
    api_key,
    basic,
    client_credentials,
    cursor,
    derived_with,
    ep,
    generic_rest,
    gql,
    gql_send,
    link,
    listings,
    next_url,
    offset,
    opt,
    page,
    path_vars,
    token,
    var,
)


def _search(key, name, path, entity):
    """Shopware's search API: criteria in the body, the page number among them."""
    return ep(key, name, "POST", path, entity, direction="receive",
              body={"limit": 100, "page": "[[pagination.page]]", "total-count-mode": 1},
              pagination=page("", limit=100, data="data", total="total"))


# -- Centra (GraphQL Integration API: limit/page arguments) -----------------------------------------------------
def _centra_list(name, label, entity, fields):
    query = (f"query($page: Int, $limit: Int) {{ {name}(page: $page, limit: $limit) {{ {fields} }} }}")
    return gql(f"list_{name}", f"List {label}", "/graphql", entity, query,
               variables={"page": "[[pagination.page]]", "limit": 100},
               pagination=page("", limit=100, data=f"data.{name}"))


CENTRA = {
    "documentation_url": "https://centra.dev/docs/integration-api",
    "base_url": "{{base_url}}",
    "variables": [var("base_url", "Centra URL", help="https://<client>.centra.com (the Integration API answers at "
                                                     "/graphql)"),
                  opt("store_code", "Store code (legacy REST/SOAP APIs)")],
    "auth_methods": [api_key(header="Authorization", prefix="Bearer ", key="token", label="Integration API token",
                             name="Integration API token")],
    "extra_notes": "Modelled on the GraphQL Integration API (tokens from System > API Tokens). The older plugin "
                   "APIs (Order API, SOAP) use an 'API-Authorization' header at each plugin's own base URL.",
    "endpoints": [
        _centra_list("orders", "orders", "orders", "id number status createdAt grandTotal { value currency { code } }"),
        _centra_list("products", "products", "products", "id name status"),
        _centra_list("customers", "customers", "customers", "id email firstName lastName"),
        _centra_list("warehouses", "warehouses", "inventory", "id name"),
        gql_send("/graphql", name="GraphQL mutation (payload)"),
    ],
}

# -- EVA (New Black): every service is POST /message/<Service> ---------------------------------------------------
EVA = {
    "documentation_url": "https://www.newblack.io/",
    "base_url": "https://{{api_host}}",
    "variables": [var("api_host", "API host", help="e.g. api.euw.acme.prod.eva-online.cloud")],
    "auth_methods": [token(label="API token", name="API token", headers={"EVA-User-Agent": "Weft/1.0"})],
    "endpoints": [
        ep("call_service", "Call a service", "POST", "/message/{{service}}", "other",
           variables=[var("service", "Service, e.g. CreateCustomer")],
           description="The payload is the service's request body."),
        ep("search_products", "Search products", "POST", "/message/SearchProducts", "products", direction="receive",
           description="The payload is the SearchProducts request (Query, Page, PageSize ...)."),
        ep("get_order", "Get an order", "POST", "/message/GetOrder", "orders", direction="receive",
           body={"OrderID": "{{order_id}}"}, variables=path_vars("order_id")),
        ep("list_stations", "List stations", "POST", "/message/ListStations", "other", direction="receive", body={}),
    ],
}

# -- SCAYLE (Admin API) -------------------------------------------------------------------------------------
_SCAYLE_SHOP = "/shops/{{shop_key}}/countries/{{country_code}}"
SCAYLE = {
    "documentation_url": "https://scayle.dev/",
    "base_url": "https://{{tenant}}.admin.api.scayle.cloud/api/admin/v1",
    "variables": [var("tenant", "Tenant key", help="As in your Admin API host, e.g. acme-live"),
                  opt("space", "Space (e.g. live)"), opt("shop_key", "Shop key"), opt("country_code", "Country code")],
    "auth_methods": [token(header="X-Access-Token", prefix="", key="access_token", label="Access token",
                           name="Admin API access token")],
    "extra_notes": "SCAYLE's reference sits behind a login: the order path follows the Admin API's "
                   "getOrder(shopKey, countryCode, orderIdentifier) operation; check the others in your tenant.",
    "endpoints": [
        ep("list_products", "List products", "GET", "/products", "products", records="entities"),
        ep("get_product", "Get a product", "GET", "/products/{{product_id}}", "products",
           variables=path_vars("product_id")),
        ep("create_product", "Create a product", "POST", "/products", "products"),
        ep("get_order", "Get an order", "GET", _SCAYLE_SHOP + "/orders/{{order_id}}", "orders",
           variables=path_vars("order_id")),
    ],
}

# -- SparkLayer (B2B layer) ---------------------------------------------------------------------------------
SPARKLAYER = {
    "documentation_url": "https://docs.sparklayer.io/tech-docs/api-authentication",
    "base_url": "https://{{environment_name}}.sparklayer.io",
    "variables": [var("environment_name", "Environment", default="app", help="app (live) or test.app (test)"),
                  var("site_id", "Site ID")],
    "auth_methods": [client_credentials("https://{{environment_name}}.sparklayer.io/api/auth/token",
                                        scope="{{scope}}", token_request_body="json",
                                        variables=[var("client_id", "Client ID"),
                                                   var("client_secret", "Client secret", secret=True),
                                                   opt("scope", "Scope")])
                     | {"headers": {"Site-Id": "{{site_id}}"}}],
    "extra_notes": "The token request is sent as JSON with the Site-Id header, as SparkLayer asks (the method's "
                   "headers go on the token request and on every request). Purchases are filtered by type and "
                   "dates[last_updated][gte].",
    "endpoints": [
        ep("list_purchases", "List purchases (orders, quotes)", "GET", "/api/v1/purchases", "orders",
           query={"type": "{{type}}", "dates[last_updated][gte]": "{{updated_since}}"},
           variables=[opt("type", "Type (order, quote)", "order"), opt("updated_since", "Updated since")]),
    ],
}

SHOPS = {
    "bigcommerce-b2b-edition": {
        "documentation_url": "https://developer.bigcommerce.com/b2b-edition/apis/rest-management",
        "base_url": "https://api-b2b.bigcommerce.com/api/v3/io",
        "auth_methods": [token(header="authToken", prefix="", name="B2B Edition API token")],
        "endpoints": [
            ep("list_companies", "List companies", "GET", "/companies", "customers",
               pagination=offset(limit=250, data="data", total="meta.pagination.totalCount")),
            ep("get_company", "Get a company", "GET", "/companies/{{company_id}}", "customers",
               variables=path_vars("company_id")),
        ],
    },
    "commerce-layer": {
        "documentation_url": "https://docs.commercelayer.io/core/",
        "base_url": "https://{{domain}}.commercelayer.io/api",
        "variables": [var("domain", "Organisation slug")],
        "auth_methods": [client_credentials("https://auth.commercelayer.io/oauth/token", scope="{{scope}}",
                                            variables=[var("client_id", "Client ID"),
                                                       var("client_secret", "Client secret", secret=True),
                                                       opt("scope", "Scope, e.g. market:code:europe")])
                         | {"headers": {"Accept": "application/vnd.api+json"}}],
        "endpoints": [
            *listings(lambda name: f"/{name}", next_url("links.next", data="data"), (
                ("orders", "orders", "orders"), ("skus", "skus", "products"), ("customers", "customers", "customers"),
                ("stock_items", "stock items", "inventory"), ("shipments", "shipments", "fulfillments")),
                query={"page[size]": "25"}),
        ],
    },
    "commercetools": {
        "documentation_url": "https://docs.commercetools.com/api/",
        "base_url": "https://api.{{server_region}}.commercetools.com/{{project_key}}",
        "variables": [var("project_key", "Project key"), var("server_region", "Region", default="europe-west1.gcp")],
        "auth_methods": [client_credentials("https://auth.{{server_region}}.commercetools.com/oauth/token",
                                            scope="{{scope}}", client_auth="basic",
                                            variables=[var("client_id", "Client ID"),
                                                       var("secret", "Secret", secret=True), var("scope", "Scope")],
                                            client_secret="{{secret}}")],
        "endpoints": [
            *listings(lambda name: f"/{name}", offset(limit=500, data="results", total="total"), (
                ("orders", "orders", "orders"), ("products", "products", "products"),
                ("customers", "customers", "customers"), ("inventory", "inventory entries", "inventory")),
                query={"where": "{{where}}"},
                variables=[opt("where", "Predicate, e.g. lastModifiedAt > \"2025-01-01T00:00:00Z\"")]),
            ep("update_order", "Update an order (actions)", "POST", "/orders/{{id}}", "orders",
               variables=path_vars("id"), description="Body: {\"version\": n, \"actions\": [...]}"),
            ep("update_inventory", "Update an inventory entry (actions)", "POST", "/inventory/{{id}}", "inventory",
               variables=path_vars("id")),
        ],
    },
    "lightspeed-retail-x-series": {
        "documentation_url": "https://x-series-api.lightspeedhq.com/reference",
        "base_url": "https://{{domain_prefix}}.retail.lightspeed.app/api/2.0",
        "variables": [var("domain_prefix", "Domain prefix")],
        "auth_methods": [token(key="access_token", label="Personal token", name="Personal token")],
        "endpoints": [
            *listings(lambda name: f"/{name}", cursor("after", "version.max", data="data"), (
                ("products", "products", "products"), ("customers", "customers", "customers"),
                ("sales", "sales", "orders"), ("inventory", "inventory", "inventory"),
                ("outlets", "outlets", "other"))),
        ],
    },
    "salesforce-commerce-cloud": {
        "documentation_url": "https://developer.salesforce.com/docs/commerce/commerce-api/overview",
        "base_url": "https://{{short_code}}.api.commercecloud.salesforce.com",
        "variables": [var("short_code", "Short code"), var("organization_id", "Organization ID"),
                      var("site_id", "Site ID")],
        "auth_methods": [client_credentials("https://account.demandware.com/dwsso/oauth2/access_token",
                                            scope="{{scope}}", client_auth="basic",
                                            variables=[var("client_id", "Client ID"),
                                                       var("client_secret", "Client secret", secret=True),
                                                       var("scope", "Scope", help="SALESFORCE_COMMERCE_API:<tenant> "
                                                           "sfcc.orders sfcc.products ...")])],
        "endpoints": [
            ep("list_orders", "List orders", "GET", "/checkout/orders/v1/organizations/{{organization_id}}/orders",
               "orders", query={"siteId": "{{site_id}}"},
               pagination=offset(limit=200, data="data", total="total")),
            ep("get_product", "Get a product", "GET",
               "/product/products/v1/organizations/{{organization_id}}/products/{{product_id}}", "products",
               variables=path_vars("product_id")),
        ],
    },
    "shopline": {
        "documentation_url": "https://developer.shopline.com/docs/admin-rest-api/",
        "base_url": "https://{{store_name}}.myshopline.com/admin/openapi/{{api_version}}",
        "variables": [var("store_name", "Store handle"), var("api_version", "API version", default="v20240301")],
        "auth_methods": [token(name="Access token")],
        "endpoints": [
            ep("list_orders", "List orders", "GET", "/orders.json", "orders", query={"limit": "100"},
               pagination=link("orders")),
            ep("list_products", "List products", "GET", "/products/products.json", "products", query={"limit": "100"},
               pagination=link("products")),
        ],
    },
    "shopware": {
        "documentation_url": "https://shopware.stoplight.io/docs/admin-api",
        "base_url": "{{url}}/api",
        "variables": [var("url", "Shop URL")],
        "auth_methods": [client_credentials("{{url}}/api/oauth/token", name="Integration (access key)",
                                            variables=[var("client_id", "Access key ID"),
                                                       var("client_secret", "Secret access key", secret=True)]),
                         # The Administration's own login: the password grant with client ID `administration`.
                         client_credentials("{{url}}/api/oauth/token", name="Admin user (password grant)",
                                            grant_type="password", client_id="administration", client_secret="",
                                            token_request_body="json",
                                            extra_params={"username": "{{username}}", "password": "{{password}}",
                                                          "scopes": "{{scope}}"},
                                            variables=[var("username", "Admin username"),
                                                       var("password", "Admin password", secret=True),
                                                       var("scope", "Scope", default="write")])
                         | {"key": "oauth2-password"}],
        "endpoints": [
            _search("search_orders", "Search orders", "/search/order", "orders"),
            _search("search_products", "Search products", "/search/product", "products"),
            ep("update_product", "Update a product (stock, price ...)", "PATCH", "/product/{{id}}", "inventory",
               variables=path_vars("id")),
            ep("sync", "Bulk upsert (sync API)", "POST", "/_action/sync", "other"),
        ],
    },
    "sitoo": {
        "documentation_url": "https://developer.sitoo.com/",
        "base_url": "https://{{api_url}}/v2/accounts/{{account_id}}",
        "variables": [var("api_url", "API host", default="api.mysitoo.com"), var("account_id", "Account ID"),
                      var("site_id", "Site ID", default="1")],
        "auth_methods": [basic("api_id", "api_password", "API ID", "API password")],
        "endpoints": [
            ep("list_orders", "List orders", "GET", "/sites/{{site_id}}/orders.json", "orders",
               pagination=offset("num", "start", 100, data="items", total="totalcount")),
            ep("list_products", "List products", "GET", "/sites/{{site_id}}/products.json", "products",
               pagination=offset("num", "start", 100, data="items", total="totalcount")),
        ],
    },
    "centra": CENTRA, "eva": EVA, "scayle": SCAYLE, "sparklayer": SPARKLAYER,
    "aero-commerce": derived_with(generic_rest()),
    "visualsoft": derived_with(generic_rest()),
}
