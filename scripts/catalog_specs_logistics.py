"""Curated specs: 3PL, warehouse, carrier and freight systems (ShipBob, Veeqo, Shiptheory, Huboo, SEKO, InPost,
LionWheel, Flexport, fulfillmenttools, Deposco, Peoplevox)."""
from __future__ import annotations

from catalog_specs import (
    api_key,
    basic,
    client_credentials,
    crud,
    cursor,
    derived_with,
    ep,
    generic_rest,
    next_url,
    opt,
    page,
    path_vars,
    soap_call,
    token,
    var,
)

# -- SEKO Integration Hub (supplystream) ---------------------------------------------------------------------
_WINDOW = [var("from", "From (ISO 8601)"), var("to", "To (ISO 8601)"), opt("dc", "Warehouse (DC) code")]
SEKO = {
    "documentation_url": "https://seko.atlassian.net/wiki/spaces/SMAN/pages/2360542319/iHub+Services",
    "base_url": "https://{{host}}/hub/api",
    "variables": [var("host", "Host", default="api.supplystream.com", help="hubuat1.supplystream.com for UAT")],
    "auth_methods": [api_key(header="token", placement="query", name="API token")],
    "endpoints": [
        ep("submit_web_order", "Submit a web order", "POST", "/salesorders/v1/websubmit.json", "orders"),
        ep("order_status", "Get an order's status", "GET", "/salesorders/v1/{{guid}}/status.json", "orders",
           variables=path_vars("guid")),
        ep("order_tracking", "Get an order's tracking", "GET", "/salesorders/v1/{{guid}}/tracking.json",
           "fulfillments", variables=path_vars("guid")),
        ep("cancel_order", "Cancel an order", "POST", "/salesorders/v1/{{guid}}/cancel/reasoncode/{{reason}}.json",
           "orders", variables=path_vars("guid", "reason"), body=""),
        ep("list_stock", "List all stock", "GET", "/stock/v1/all.json", "inventory"),
        ep("stock_movements", "List stock movements", "GET", "/stock/v1/movement/{{from}}/{{to}}.json",
           "inventory", query={"dc": "{{dc}}"}, variables=_WINDOW),
        ep("dispatches", "List dispatches", "GET", "/dispatches/v1/status/{{from}}/{{to}}.json", "fulfillments",
           query={"dc": "{{dc}}", "status": "Dispatched"}, variables=_WINDOW),
        ep("submit_product", "Submit a product", "POST", "/products/v1/submit.json", "products"),
        ep("get_grn", "Get a goods received note", "GET", "/grns/v1/{{guid}}.json", "inventory",
           variables=path_vars("guid")),
    ],
}

# -- fulfillmenttools (REST, Firebase identity token) --------------------------------------------------------
def _fft_pages(name):
    return cursor("startAfterId", f"{name}.-1.id", data=name, limit_param="size", limit=100)


FULFILLMENTTOOLS = {
    "documentation_url": "https://docs.fulfillmenttools.com/",
    "base_url": "https://{{tenant}}.api.fulfillmenttools.com/api",
    "variables": [var("tenant", "Tenant", help="e.g. ocff-mytenant-pre")],
    "auth_methods": [client_credentials(
        "https://www.googleapis.com/identitytoolkit/v3/relyingparty/verifyPassword?key={{api_key}}",
        name="OAuth 2 (Google identity)", client_id="", client_secret="", grant_type="", token_request_body="json",
        extra_params={"email": "{{username}}", "password": "{{password}}", "returnSecureToken": True},
        access_token_key="idToken", refresh_token_key="refreshToken", expires_in_key="expiresIn",
        variables=[var("username", "Username (e-mail)"), var("password", "Password", secret=True),
                   var("api_key", "API key", secret=True)])],
    "extra_notes": "Lists page with size and startAfterId (the last record's id).",
    "endpoints": [
        *crud("orders", "order", "orders", "/orders", ops="lgc", pages=_fft_pages("orders")),
        ep("list_pickjobs", "List pick jobs", "GET", "/pickjobs", "fulfillments", pagination=_fft_pages("pickjobs"),
           query={"orderId": "{{order_id}}"}, variables=[opt("order_id", "Order ID")]),
        ep("list_handoverjobs", "List handover jobs", "GET", "/handoverjobs", "fulfillments",
           pagination=_fft_pages("handoverjobs")),
        ep("list_facilities", "List facilities", "GET", "/facilities", "inventory",
           pagination=_fft_pages("facilities")),
        ep("list_stocks", "List stocks", "GET", "/stocks", "inventory", pagination=_fft_pages("stocks"),
           query={"facilityRef": "{{facility_id}}"}, variables=[opt("facility_id", "Facility ID")]),
    ],
}

# -- Flexport (API v2) ----------------------------------------------------------------------------------------
_FX_PAGES = next_url("data.next", data="data.data")
FLEXPORT = {
    "documentation_url": "https://apidocs.flexport.com/",
    "base_url": "https://api.flexport.com",
    "auth_methods": [client_credentials("https://api.flexport.com/oauth/token",
                                        extra_params={"audience": "https://api.flexport.com"})
                     | {"headers": {"Flexport-Version": "2"}}],
    "endpoints": [
        ep("list_shipments", "List shipments", "GET", "/shipments", "fulfillments", pagination=_FX_PAGES,
           query={"per": "100", "sort": "updated_at", "direction": "asc", "f.updated_at.gt": "{{updated_since}}"},
           variables=[opt("updated_since", "Updated since (ISO 8601)")]),
        ep("get_shipment", "Get a shipment", "GET", "/shipments/{{id}}", "fulfillments", variables=path_vars("id")),
        *crud("products", "product", "products", "/products", ops="lc", pages=_FX_PAGES, query={"per": "100"}),
        *[ep(f"list_{key}", f"List {label}", "GET", path, entity, pagination=_FX_PAGES, query={"per": "100"})
          for key, label, entity, path in (
              ("purchase_orders", "purchase orders", "orders", "/purchase_orders"),
              ("invoices", "invoices", "other", "/invoices"),
              ("locations", "network locations", "other", "/network/locations"),
              ("companies", "network companies", "customers", "/network/companies"))],
    ],
}

# -- Peoplevox (SOAP, session login) ----------------------------------------------------------------------
_PVX = "https://{{environment}}/{{client_id}}/resources/integrationservicev4.asmx"
_PVX_ENV = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:pvx="http://www.peoplevox.net/"><soap:Header><pvx:UserSessionCredentials>'
            '<pvx:UserId>0</pvx:UserId><pvx:ClientId>{{client_id}}</pvx:ClientId>'
            '<pvx:SessionId>{{session_token}}</pvx:SessionId></pvx:UserSessionCredentials></soap:Header>'
            '<soap:Body>%s</soap:Body></soap:Envelope>')
_PVX_LOGIN = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
              '<Authenticate xmlns="http://www.peoplevox.net/"><clientId>{{client_id}}</clientId>'
              '<username>{{username}}</username><password>{{password}}</password></Authenticate>'
              '</soap:Body></soap:Envelope>')


def _pvx(key, name, action, entity, inner, variables, direction=None):
    return soap_call(key, name, "", f"http://www.peoplevox.net/{action}", entity, _PVX_ENV % inner,
                     direction=direction, variables=variables)


PEOPLEVOX = {
    "documentation_url": "https://www.peoplevox.com/",
    "base_url": _PVX,
    "variables": [var("environment", "Environment host", default="wms.peoplevox.net"), var("client_id", "Client ID")],
    "auth_methods": [{
        "key": "soap", "name": "SOAP login (Authenticate)", "type": "soap",
        "settings": {"mode": "login", "login_path": _PVX, "login_body": _PVX_LOGIN,
                     "soap_action": "http://www.peoplevox.net/Authenticate", "token_xpath": "//ns:Detail",
                     "namespaces": {"ns": "http://www.peoplevox.net/"}, "relogin_on": "Invalid Session"},
        "variables": [var("username", "Username"), var("password", "Password", secret=True)],
        "pre_request_script": "Peoplevox pre-auth Base64 encode", "post_request_script": "Peoplevox post-auth"}],
    "extra_notes": "Authenticate answers 'ClientId,SessionId' in Detail: the post-auth script keeps the session "
                   "id. GetData answers XML; writing (SaveData) takes CSV data for a template.",
    "endpoints": [
        _pvx("get_data", "Get data (template)", "GetData", "other",
             "<pvx:GetData><pvx:getRequest><pvx:TemplateName>{{template}}</pvx:TemplateName>"
             "<pvx:PageNo>{{page}}</pvx:PageNo><pvx:ItemsPerPage>{{per_page}}</pvx:ItemsPerPage>"
             "<pvx:SearchClause>{{search}}</pvx:SearchClause></pvx:getRequest></pvx:GetData>",
             [var("template", "Template, e.g. Sales orders"), opt("page", "Page", "1"),
              opt("per_page", "Items per page", "500"), opt("search", "Search clause")], direction="receive"),
        _pvx("save_data", "Save data (template, CSV)", "SaveData", "other",
             "<pvx:SaveData><pvx:saveRequest><pvx:TemplateName>{{template}}</pvx:TemplateName>"
             "<pvx:CsvData>[[payload]]</pvx:CsvData><pvx:Action>0</pvx:Action></pvx:saveRequest></pvx:SaveData>",
             [var("template", "Template, e.g. Items")]),
        _pvx("get_report_data", "Get report data", "GetReportData", "other",
             "<pvx:GetReportData><pvx:getReportRequest><pvx:TemplateName>{{template}}</pvx:TemplateName>"
             "<pvx:PageNo>{{page}}</pvx:PageNo><pvx:ItemsPerPage>{{per_page}}</pvx:ItemsPerPage>"
             "</pvx:getReportRequest></pvx:GetReportData>",
             [var("template", "Report template"), opt("page", "Page", "1"), opt("per_page", "Items per page", "500")],
             direction="receive"),
    ],
}

LOGISTICS = {
    "shipbob": {
        "documentation_url": "https://developer.shipbob.com/api-docs/",
        "base_url": "https://api.shipbob.com/1.0",
        "variables": [opt("channel_id", "Channel ID")],
        "auth_methods": [token(name="Personal access token") | {"headers": {"shipbob_channel_id": "{{channel_id}}"}}],
        "endpoints": [
            *crud("orders", "order", "orders", "/order", ops="lc", pages=page("Page", "Limit", 250)),
            ep("list_shipments", "List an order's shipments", "GET", "/order/{{order_id}}/shipment", "fulfillments",
               variables=path_vars("order_id")),
            ep("list_products", "List products", "GET", "/product", "products", pagination=page("Page", "Limit", 250)),
            ep("list_inventory", "List inventory", "GET", "/inventory", "inventory",
               pagination=page("Page", "Limit", 250)),
        ],
    },
    "veeqo": {
        "documentation_url": "https://developers.veeqo.com/",
        "base_url": "https://api.veeqo.com",
        "auth_methods": [api_key(header="x-api-key")],
        "endpoints": [
            ep("list_orders", "List orders", "GET", "/orders", "orders", query={"status": "{{status}}"},
               variables=[opt("status", "Status", "awaiting_fulfillment")], pagination=page("page", "page_size", 100)),
            ep("list_products", "List products", "GET", "/products", "products",
               pagination=page("page", "page_size", 100)),
            ep("update_stock", "Set a sellable's stock in a warehouse", "PUT",
               "/sellables/{{sellable_id}}/warehouses/{{warehouse_id}}/stock_entry", "inventory",
               variables=path_vars("sellable_id", "warehouse_id")),
        ],
    },
    "shiptheory": {
        "documentation_url": "https://shiptheory.com/developer/",
        "base_url": "https://api.shiptheory.com/v1",
        "auth_methods": [token(name="Bearer token")],
        "endpoints": [
            ep("create_shipment", "Book a shipment", "POST", "/shipments", "fulfillments"),
            ep("get_shipment", "Get a shipment", "GET", "/shipments/{{reference}}", "fulfillments",
               variables=path_vars("reference")),
        ],
    },
    "seko": SEKO, "fulfillmenttools": FULFILLMENTTOOLS, "flexport": FLEXPORT, "peoplevox": PEOPLEVOX,
    "huboo": {
        "documentation_url": "https://api-docs.huboo.uk/",
        "base_url": "{{baseurl}}",
        "variables": [var("baseurl", "API URL", default="https://api.huboo.uk/v2")],
        "auth_methods": [token(key="api_key", label="API key", name="API key")],
        "endpoints": [
            ep("list_orders", "List orders", "GET", "/orders", "orders", query={"statuses": "{{status}}"},
               variables=[opt("status", "Status (complete, in_progress, hold, cancelled, error)")],
               pagination=page("page", "per_page", 250, data="data", total_pages="meta.last_page")),
            ep("create_order", "Create an order", "POST", "/order", "orders"),
            ep("list_sites", "List sites", "GET", "/sites", "other", records="data"),
        ],
    },
    "inpost": {
        "documentation_url": "https://inpost.co.uk/",
        "base_url": "https://{{host}}/v4",
        "variables": [var("host", "Host", default="api-uk.easypack24.net",
                          help="stage-api-uk.easypack24.net for the sandbox"),
                      var("merchant_email", "Merchant e-mail (account)")],
        "auth_methods": [token(name="Access key")],
        "endpoints": [
            ep("create_parcel", "Create a parcel", "POST", "/customers/{{merchant_email}}/parcels", "fulfillments",
               description="Body: {\"receiver_phone\", \"receiver_email\", \"target_machine_id\", \"size\", "
                           "\"customer_reference\"}"),
            ep("get_parcel", "Get a parcel", "GET", "/parcels/{{parcel_id}}", "fulfillments",
               variables=path_vars("parcel_id")),
            ep("pay_parcel", "Pay for a parcel", "POST", "/parcels/{{parcel_id}}/pay", "fulfillments",
               variables=path_vars("parcel_id"), body=""),
            ep("get_label", "Get a parcel's label", "GET", "/parcels/{{parcel_id}}/sticker", "fulfillments",
               query={"sticker_format": "Pdf", "type": "normal"}, variables=path_vars("parcel_id")),
            ep("list_machines", "List lockers (machines)", "GET", "/machines", "other", records="_embedded.machines"),
        ],
    },
    "lionwheel": {
        "documentation_url": "https://members.lionwheel.com/",
        "base_url": "https://members.lionwheel.com/api/v1",
        "auth_methods": [token(header="key", prefix="", placement="query", name="API token")],
        "endpoints": [
            ep("create_task", "Create a delivery task", "POST", "/tasks/create", "fulfillments"),
            ep("get_task", "Get a task", "GET", "/tasks/show/{{task_id}}.json", "fulfillments",
               variables=path_vars("task_id")),
            ep("get_task_by_barcode", "Get a task by barcode", "GET", "/tasks/by_barcode/{{barcode}}", "fulfillments",
               variables=path_vars("barcode")),
            ep("update_task", "Update a task (status 4 cancels)", "PUT", "/tasks/{{task_id}}/update", "fulfillments",
               variables=path_vars("task_id")),
        ],
    },
    "deposco": {
        "documentation_url": "https://www.deposco.com/",
        "base_url": "https://{{host}}/integration/{{code}}",
        "variables": [var("host", "Host", default="api.deposco.com", help="Your instance, e.g. acme.deposco.com"),
                      var("code", "Tenant code")],
        "auth_methods": [basic()],
        "endpoints": [
            ep("list_items", "List items", "GET", "/items", "products"),
            ep("get_item", "Get an item", "GET", "/items/{{item_number}}", "products",
               variables=path_vars("item_number")),
            ep("create_orders", "Create orders", "POST", "/orders", "orders"),
            ep("update_orders", "Update orders", "POST", "/orders/updates", "orders"),
            ep("full_inventory", "Full inventory", "GET", "/inventory/full", "inventory",
               query={"startActivityTime": "{{since}}", "pageNo": "{{page}}"},
               variables=[opt("since", "Activity since"), opt("page", "Page", "1")]),
            ep("available_to_promise", "Available to promise (ATP)", "GET", "/ctrl/getRestfulATP", "inventory",
               query={"businessUnit": "{{business_unit}}", "itemNumber": "{{item_number}}"},
               variables=[var("business_unit", "Business unit"), var("item_number", "Item number")]),
        ],
    },
    "clarus-wms": derived_with(generic_rest()),
    "gxo-logistics": derived_with(generic_rest()),
    "bleckmann-api": derived_with(generic_rest()),
    "torque": derived_with(generic_rest()),
    "whistl": derived_with(generic_rest()),
}
