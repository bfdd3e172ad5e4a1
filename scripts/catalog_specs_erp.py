"""Curated specs: ERP, accounting and order management (Brightpearl, Business Central, Cin7 Core, QuickBooks,
Sage 200, Xero, Linnworks, Odoo, Fluent Commerce, OneStock, OrderWise, Stok.ly)."""
from __future__ import annotations

from catalog_specs import (
    GENERIC,
    XML_HEADERS,
    api_key,
    auth_code,
    client_credentials,
    derived_with,
    edge_cursor,
    ep,
    generic_rest,
    gql,
    gql_send,
    listings,
    next_url,
    offset,
    opt,
    page,
    path_vars,
    token,
    var,
)

_BP_PAGES = offset("pageSize", "firstResult", 500, data="response.results",
                   total="response.metaData.resultsAvailable", start=1)

# -- Odoo (External JSON-2 API, Odoo 19+) ------------------------------------------------------------------------
_ODOO_MODELS = (  # (key, label, entity, model, fields)
    ("sales_orders", "sales orders", "orders", "sale.order",
     ["name", "partner_id", "state", "date_order", "amount_total", "write_date"]),
    ("partners", "contacts (customers)", "customers", "res.partner",
     ["name", "email", "phone", "is_company", "write_date"]),
    ("products", "products", "products", "product.product",
     ["default_code", "name", "barcode", "list_price", "qty_available", "write_date"]),
    ("stock_quants", "stock quantities", "inventory", "stock.quant",
     ["product_id", "location_id", "quantity", "reserved_quantity"]),
    ("pickings", "transfers (deliveries)", "fulfillments", "stock.picking",
     ["name", "origin", "state", "scheduled_date", "date_done"]),
)
ODOO = {
    "documentation_url": "https://www.odoo.com/documentation/19.0/developer/reference/external_api.html",
    "base_url": "{{url}}",
    "variables": [var("url", "Odoo URL", help="e.g. https://mycompany.odoo.com"),
                  opt("database", "Database (when the server hosts several)")],
    "auth_methods": [token(prefix="bearer ", label="API key", name="API key",
                           headers={"X-Odoo-Database": "{{database}}"})],
    "extra_notes": "Uses the External JSON-2 API (Odoo 19 and later; Custom plans on Odoo Online). Lists read the "
                   "first 1000 records; edit the body's domain, fields and limit for other needs.",
    "endpoints": [
        *[ep(f"list_{key}", f"List {label}", "POST", f"/json/2/{model}/search_read", entity, direction="receive",
             body={"domain": [], "fields": fields, "limit": 1000, "order": "write_date desc"})
          for key, label, entity, model, fields in _ODOO_MODELS],
        ep("create_records", "Create records", "POST", "/json/2/{{model}}/create", "other",
           variables=[var("model", "Model, e.g. sale.order")], description="Body: {\"vals_list\": [{...}]}"),
        ep("update_records", "Update records", "POST", "/json/2/{{model}}/write", "other",
           variables=[var("model", "Model, e.g. res.partner")], description="Body: {\"ids\": [...], \"vals\": {...}}"),
        ep("call_method", "Call a model method", "POST", "/json/2/{{model}}/{{method}}", "other",
           variables=[var("model", "Model"), var("method", "Method, e.g. action_confirm")],
           description="Body: {\"ids\": [...], ...named arguments}"),
    ],
}

# -- Fluent Commerce (GraphQL, Relay connections) -----------------------------------------------------------------
def _fluent_list(name, label, entity, fields):
    query = (f"query($first: Int, $after: String) {{ {name}(first: $first, after: $after) {{ edges {{ cursor "
             f"node {{ {fields} }} }} pageInfo {{ hasNextPage }} }} }}")
    return gql(f"list_{name}", f"List {label}", "/graphql", entity, query, variables={"first": 100},
               pagination=edge_cursor(name))


FLUENT = {
    "documentation_url": "https://docs.fluentcommerce.com/",
    "base_url": "{{url}}",
    "variables": [var("url", "Account URL", help="https://<ACCOUNT>.api.fluentretail.com (sandbox: "
                                                 "<ACCOUNT>.sandbox.api.fluentretail.com)")],
    "auth_methods": [client_credentials("{{url}}/oauth/token", scope="api", name="OAuth 2 (password grant)",
                                        grant_type="password",
                                        extra_params={"username": "{{username}}", "password": "{{password}}"},
                                        variables=[var("client_id", "Client ID"),
                                                   var("client_secret", "Client secret", secret=True),
                                                   var("username", "Username"),
                                                   var("password", "Password", secret=True)])],
    "endpoints": [
        _fluent_list("orders", "orders", "orders", "id ref type status createdOn"),
        _fluent_list("fulfilments", "fulfilments", "fulfillments", "id ref status createdOn"),
        _fluent_list("inventoryPositions", "inventory positions", "inventory", "id ref productRef locationRef onHand"),
        _fluent_list("variantProducts", "variant products", "products", "id ref name status"),
        gql_send("/graphql", name="GraphQL mutation (e.g. createOrder)"),
        ep("send_event", "Send an event (async)", "POST", "/api/v4.1/event/async", "other",
           description="Body: {\"name\", \"entityType\", \"entityRef\", \"rootEntityType\", \"rootEntityRef\", "
                       "\"retailerId\", \"attributes\"}"),
    ],
}

# -- OneStock (order management; site_id + token travel in every request) ---------------------------------------------
_OS = {"site_id": "{{site_id}}"}
ONESTOCK = {
    "documentation_url": "https://www.onestock-retail.com/",
    "base_url": "{{base_url}}",
    "variables": [var("base_url", "API URL", help="e.g. https://<site_id>.api.onestock-retail.com/v2 "
                                                  "(qualification: <site_id>.api.qualif.onestock-retail.com)"),
                  var("site_id", "Site ID")],
    "auth_methods": [token(header="token", prefix="", placement="query", label="Token (from POST /login)",
                           name="Token")],
    "extra_notes": "OneStock's token comes from POST /login with user_id, password and site_id; paste it here "
                   "(Patchworks calls this field 'response authentication token key').",
    "endpoints": [
        ep("create_order", "Create an order", "POST", "/orders", "orders",
           body={**_OS, "token": "{{token}}", "order": "[[payload]]"}),
        ep("get_order", "Get an order", "GET", "/orders/{{order_id}}", "orders", query=_OS,
           variables=path_vars("order_id")),
        ep("list_endpoints", "List stock locations (endpoints)", "GET", "/endpoints", "inventory", query=_OS),
        ep("delivery_promises", "Get delivery promises", "GET", "/delivery_promises", "fulfillments", query=_OS,
           description="The request parameters (line_items, delivery_options ...) go in the query."),
    ],
}

# -- Stok.ly ----------------------------------------------------------------------------------------------------
_STOKLY_PAGES = page("page", "size", 1000, data="data", total="metadata.count", start=0)
STOKLY = {
    "documentation_url": "https://stok.ly/",
    "base_url": "https://api.stok.ly/v0",
    "auth_methods": [token(name="Access token")],
    "extra_notes": "Stok.ly access tokens are issued for an API client (client ID, secret and account key) and "
                   "expire; refresh the token here when it does.",
    "endpoints": [
        *listings(lambda name: f"/{name}", _STOKLY_PAGES, (
            ("items", "items", "products"), ("variances", "stock variances", "inventory"))),
        ep("list_item_barcodes", "List an item's barcodes", "GET", "/items/{{item_id}}/barcodes", "products",
           variables=path_vars("item_id")),
        ep("get_listing", "Get a channel listing", "GET", "/listings/{{listing_id}}", "products",
           variables=path_vars("listing_id")),
        ep("list_item_tags", "List item tags", "GET", "/tags/items", "products", pagination=_STOKLY_PAGES),
    ],
}

ERP = {
    "brightpearl": {
        "documentation_url": "https://api-docs.brightpearl.com/",
        "base_url": "https://{{data_center}}.brightpearlapp.com/public-api/{{account}}",
        "variables": [var("data_center", "Data centre", help="e.g. euw1, use1, usw2"), var("account", "Account code"),
                      var("app_ref", "App reference"), var("dev_ref", "Developer reference")],
        "auth_methods": [auth_code("https://oauth.brightpearl.com/authorize/{{account}}",
                                   "https://oauth.brightpearl.com/token/{{account}}")
                         | {"headers": {"brightpearl-app-ref": "{{app_ref}}", "brightpearl-dev-ref": "{{dev_ref}}"}}],
        "endpoints": [
            ep("search_orders", "Search orders", "GET", "/order-service/order-search", "orders",
               pagination=_BP_PAGES),
            ep("get_orders", "Get orders by ID (e.g. 100-120)", "GET", "/order-service/order/{{order_ids}}", "orders",
               variables=path_vars("order_ids")),
            ep("create_sales_order", "Create a sales order", "POST", "/order-service/sales-order", "orders"),
            ep("create_goods_out_note", "Create a goods-out note (fulfil)", "POST",
               "/warehouse-service/order/{{order_id}}/goods-note/goods-out", "fulfillments",
               variables=path_vars("order_id")),
            ep("get_products", "Get products by ID", "GET", "/product-service/product/{{product_ids}}", "products",
               variables=path_vars("product_ids")),
            ep("get_availability", "Get product availability", "GET",
               "/warehouse-service/product-availability/{{product_ids}}", "inventory",
               variables=path_vars("product_ids")),
            ep("search_contacts", "Search contacts", "GET", "/contact-service/contact-search", "customers",
               pagination=_BP_PAGES),
            ep("create_contact", "Create a contact", "POST", "/contact-service/contact", "customers"),
        ],
    },
    "business-central": {
        "documentation_url": "https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/",
        "base_url": "https://api.businesscentral.dynamics.com/v2.0/{{tenant_id}}/{{environment_name}}/api/v2.0",
        "variables": [var("tenant_id", "Tenant ID"), var("environment_name", "Environment", default="Production"),
                      opt("company_id", "Company ID")],
        "auth_methods": [client_credentials("https://login.microsoftonline.com/{{tenant_id}}/oauth2/v2.0/token",
                                            scope="https://api.businesscentral.dynamics.com/.default")],
        "endpoints": [
            ep("list_companies", "List companies", "GET", "/companies", "other"),
            *listings(lambda name: f"/companies({{{{company_id}}}})/{name}",
                      next_url("@odata\\.nextLink", data="value"), (
                ("salesOrders", "sales orders", "orders"), ("salesShipments", "sales shipments", "fulfillments"),
                ("customers", "customers", "customers"), ("items", "items (with inventory)", "products"))),
            ep("create_sales_order", "Create a sales order", "POST", "/companies({{company_id}})/salesOrders",
               "orders"),
            ep("create_customer", "Create a customer", "POST", "/companies({{company_id}})/customers", "customers"),
        ],
    },
    "cin7": {
        "documentation_url": "https://dearinventory.docs.apiary.io/",
        "name": "Cin7 Core",
        "base_url": "https://inventory.dearsystems.com/ExternalApi/v2",
        "auth_methods": [api_key(header="api-auth-applicationkey", key="application_key", label="Application key",
                                 name="Account ID + application key")
                         | {"headers": {"api-auth-accountid": "{{account_id}}"},
                            "variables": [var("account_id", "Account ID"),
                                          var("application_key", "Application key", secret=True)]}],
        "endpoints": [
            ep("list_sales", "List sales", "GET", "/saleList", "orders",
               pagination=page("Page", "Limit", 100, data="SaleList", total="Total")),
            ep("get_sale", "Get a sale", "GET", "/sale", "orders", query={"ID": "{{sale_id}}"},
               variables=path_vars("sale_id")),
            ep("list_products", "List products", "GET", "/product", "products",
               pagination=page("Page", "Limit", 100, data="Products", total="Total")),
            ep("list_customers", "List customers", "GET", "/customer", "customers",
               pagination=page("Page", "Limit", 100, data="CustomerList", total="Total")),
            ep("list_availability", "List stock availability", "GET", "/ref/productavailability", "inventory",
               pagination=page("Page", "Limit", 100, data="ProductAvailabilityList", total="Total")),
        ],
        "extra_notes": "Modelled on Cin7 Core (formerly DEAR); Cin7 Omni uses https://api.cin7.com/api with Basic "
                       "authentication and can be added in the builder.",
    },
    "quickbooks": {
        "documentation_url": "https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/account",
        "base_url": "{{base_url}}/v3/company/{{company_id}}",
        "variables": [var("base_url", "API host", default="https://quickbooks.api.intuit.com",
                          help="https://sandbox-quickbooks.api.intuit.com for sandbox companies"),
                      var("company_id", "Company ID (realm ID)")],
        "auth_methods": [auth_code("https://appcenter.intuit.com/connect/oauth2",
                                   "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
                                   scope="com.intuit.quickbooks.accounting", client_auth="basic")],
        "endpoints": [
            ep("query", "Query (e.g. SELECT * FROM Invoice)", "GET", "/query", "other",
               query={"query": "{{query}}", "minorversion": "75"}, variables=[var("query", "Query")]),
            *[ep(f"create_{name}", f"Create a {label}", "POST", f"/{name}", entity, query={"minorversion": "75"})
              for name, label, entity in (("invoice", "invoice", "orders"), ("salesreceipt", "sales receipt", "orders"),
                                          ("customer", "customer", "customers"), ("item", "item", "products"))],
            ep("get_customer", "Get a customer", "GET", "/customer/{{id}}", "customers", variables=path_vars("id")),
        ],
    },
    "sage-200": {
        "documentation_url": "https://developer.sage.com/200/reference/",
        "base_url": "https://api.columbus.sage.com/uk/sage200extra/accounts/v1",
        "variables": [var("x_site", "Site ID"), var("x_company", "Company ID")],
        "auth_methods": [auth_code("https://id.sage.com/authorize", "https://id.sage.com/oauth/token",
                                   scope="openid profile email offline_access",
                                   extra_authorize_params={"audience": "s200ukipd/sage200"},
                                   variables=[var("client_id", "Client ID"),
                                              var("client_secret", "Client secret", secret=True),
                                              var("subscription_key", "Subscription key", secret=True)])
                         | {"headers": {"X-Site": "{{x_site}}", "X-Company": "{{x_company}}",
                                        "Ocp-Apim-Subscription-Key": "{{subscription_key}}"}}],
        "endpoints": listings(lambda name: f"/{name}", offset("$top", "$skip", 500), (
            ("customers", "customers", "customers"), ("sop_orders", "sales orders", "orders"),
            ("products", "products", "products"))),
    },
    "xero": {
        "documentation_url": "https://developer.xero.com/documentation/api/accounting/overview",
        "base_url": "https://api.xero.com/api.xro/2.0",
        "auth_methods": [client_credentials("https://identity.xero.com/connect/token", client_auth="basic",
                                            scope="accounting.transactions accounting.contacts accounting.settings",
                                            name="Custom connection (client credentials)")],
        "endpoints": [
            ep("list_invoices", "List invoices", "GET", "/Invoices", "orders",
               pagination=page("page", data="Invoices")),
            ep("create_invoices", "Create or update invoices", "POST", "/Invoices", "orders"),
            ep("list_contacts", "List contacts", "GET", "/Contacts", "customers",
               pagination=page("page", data="Contacts")),
            ep("create_contacts", "Create or update contacts", "POST", "/Contacts", "customers"),
            ep("list_items", "List items", "GET", "/Items", "products"),
            ep("create_items", "Create or update items", "POST", "/Items", "products"),
        ],
    },
    "linnworks": {
        "documentation_url": "https://apidocs.linnworks.net/",
        "base_url": "{{server}}/api",
        "variables": [var("server", "Server", default="https://eu-ext.linnworks.net",
                          help="The 'Server' returned on authorisation (eu-ext or us-ext)")],
        "auth_methods": [client_credentials("https://api.linnworks.net/api/Auth/AuthorizeByApplication",
                                            name="AuthorizeByApplication", access_token_key="Token",
                                            token_prefix="", client_id="", client_secret="",
                                            extra_params={"ApplicationId": "{{application_id}}",
                                                          "ApplicationSecret": "{{application_secret}}",
                                                          "Token": "{{token}}"},
                                            variables=[var("application_id", "Application ID"),
                                                       var("application_secret", "Application secret", secret=True),
                                                       var("token", "Installation token", secret=True)])],
        "endpoints": [
            ep("get_open_orders", "Get open orders", "POST", "/Orders/GetOpenOrders", "orders", direction="receive",
               body={"entriesPerPage": 200, "pageNumber": "[[pagination.page]]"},
               pagination=page("", limit=200, data="Data", total="TotalEntries")),
            ep("process_order", "Process (dispatch) an order", "POST", "/Orders/ProcessOrder", "fulfillments"),
            ep("get_stock_items", "Get stock items", "POST", "/Stock/GetStockItemsFull", "inventory",
               direction="receive"),
        ],
    },
    "odoo": ODOO, "fluent-commerce": FLUENT, "onestock": ONESTOCK, "stok-ly": STOKLY,
    "orderwise": {
        "documentation_url": "https://www.orderwise.co.uk/",
        "base_url": "https://{{base_url}}",
        "variables": [var("base_url", "API host and path", default="owapi-demo.orderwisecloud.com/OWAPI")],
        "auth_methods": [api_key(header="Authorization", prefix="Bearer ", key="token", label="Token",
                                 name="API token")],
        "extra_notes": "Tokens come from GET token/gettoken with the API user's Basic credentials (valid about "
                       "30 days).",
        "endpoints": [
            ep("list_stock_variants", "List stock variants", "GET", "/stock/variants", "inventory",
               query={"limit": "{{limit}}"}, variables=[opt("limit", "Limit", "10000")]),
            ep("get_variant", "Get a variant", "GET", "/variants/{{variant_id}}", "products",
               variables=path_vars("variant_id")),
        ],
    },
    "cybertill": derived_with([
        ep("soap_call", "SOAP call (generic)", "POST", "", "other", data_type="xml",
           headers={**XML_HEADERS, "SOAPAction": "{{soap_action}}"}, variables=[var("soap_action", "SOAPAction")],
           description=GENERIC + " The payload is the SOAP envelope, posted to the API URL."),
    ]),
    "swan-retail-system": derived_with(generic_rest()),
    "visual-next": derived_with(generic_rest()),
    "cacheflow": derived_with(generic_rest()),
}
