"""Curated specs: commerce platforms and CRM with full order/product/customer/inventory/fulfilment endpoint
sets (Shopify, WooCommerce, BigCommerce, Adobe Commerce, HubSpot, NetSuite; Klaviyo is with marketing)."""
from __future__ import annotations

from catalog_specs import (
    basic,
    client_credentials,
    cursor,
    ep,
    graphql,
    link,
    offset,
    opt,
    page,
    path_vars,
    token,
    var,
)

# -- Shopify (REST Admin API + GraphQL Admin API) -----------------------------------------------------------
_SHOPIFY_GQL_ORDERS = (
    "query($first: Int!, $after: String, $query: String) { orders(first: $first, after: $after, query: $query) "
    "{ edges { node { id name createdAt updatedAt email displayFinancialStatus displayFulfillmentStatus "
    "totalPriceSet { shopMoney { amount currencyCode } } lineItems(first: 50) { edges { node { sku quantity "
    "name } } } } } pageInfo { hasNextPage endCursor } } }")
_SHOPIFY_GQL_PRODUCTS = (
    "query($first: Int!, $after: String, $query: String) { products(first: $first, after: $after, query: $query) "
    "{ edges { node { id title handle status updatedAt variants(first: 100) { edges { node { id sku price "
    "inventoryQuantity inventoryItem { id } } } } } } pageInfo { hasNextPage endCursor } } }")
_LIMIT = {"limit": "250"}

SHOPIFY = {
    "documentation_url": "https://shopify.dev/docs/api/admin-rest",
    "version": "2025-01",
    "base_url": "https://{{store_name}}.myshopify.com/admin/api/{{api_version}}",
    "variables": [var("store_name", "Store name", help="The part before .myshopify.com"),
                  var("api_version", "API version", default="2025-01")],
    "auth_methods": [token(header="X-Shopify-Access-Token", prefix="", name="Admin API access token",
                           label="Admin API access token")],
    "test": {"method": "GET", "path": "/shop.json"},
    "endpoints": [
        ep("list_orders", "List orders", "GET", "/orders.json", "orders", pagination=link("orders"),
           query={**_LIMIT, "status": "{{status}}", "updated_at_min": "{{updated_at_min}}",
                  "created_at_min": "{{created_at_min}}", "fulfillment_status": "{{fulfillment_status}}"},
           variables=[opt("status", "Status", "any"), opt("updated_at_min", "Updated since (ISO 8601)"),
                      opt("created_at_min", "Created since (ISO 8601)"),
                      opt("fulfillment_status", "Fulfilment status")],
           records="orders"),
        ep("get_order", "Get an order", "GET", "/orders/{{order_id}}.json", "orders", variables=path_vars("order_id")),
        ep("count_orders", "Count orders", "GET", "/orders/count.json", "orders", query={"status": "any"}),
        ep("create_order", "Create an order", "POST", "/orders.json", "orders",
           description="The payload is the body: {\"order\": {...}}"),
        ep("update_order", "Update an order", "PUT", "/orders/{{order_id}}.json", "orders",
           variables=path_vars("order_id")),
        ep("cancel_order", "Cancel an order", "POST", "/orders/{{order_id}}/cancel.json", "orders",
           variables=path_vars("order_id")),
        ep("list_products", "List products", "GET", "/products.json", "products", query={
            **_LIMIT, "updated_at_min": "{{updated_at_min}}"}, variables=[opt("updated_at_min", "Updated since")],
           pagination=link("products"), records="products"),
        ep("get_product", "Get a product", "GET", "/products/{{product_id}}.json", "products",
           variables=path_vars("product_id")),
        ep("create_product", "Create a product", "POST", "/products.json", "products"),
        ep("update_product", "Update a product", "PUT", "/products/{{product_id}}.json", "products",
           variables=path_vars("product_id")),
        ep("list_variants", "List a product's variants", "GET", "/products/{{product_id}}/variants.json", "products",
           variables=path_vars("product_id"), query=_LIMIT, pagination=link("variants")),
        ep("update_variant", "Update a variant", "PUT", "/variants/{{variant_id}}.json", "products",
           variables=path_vars("variant_id")),
        ep("list_customers", "List customers", "GET", "/customers.json", "customers", query={
            **_LIMIT, "updated_at_min": "{{updated_at_min}}"}, variables=[opt("updated_at_min", "Updated since")],
           pagination=link("customers"), records="customers"),
        ep("search_customers", "Search customers", "GET", "/customers/search.json", "customers",
           query={**_LIMIT, "query": "{{query}}"}, variables=[var("query", "Query, e.g. email:ada@example.com")],
           pagination=link("customers")),
        ep("get_customer", "Get a customer", "GET", "/customers/{{customer_id}}.json", "customers",
           variables=path_vars("customer_id")),
        ep("create_customer", "Create a customer", "POST", "/customers.json", "customers"),
        ep("update_customer", "Update a customer", "PUT", "/customers/{{customer_id}}.json", "customers",
           variables=path_vars("customer_id")),
        ep("list_locations", "List locations", "GET", "/locations.json", "inventory"),
        ep("list_inventory_levels", "List inventory levels", "GET", "/inventory_levels.json", "inventory",
           query={**_LIMIT, "location_ids": "{{location_ids}}", "inventory_item_ids": "{{inventory_item_ids}}"},
           variables=[opt("location_ids", "Location IDs (comma-separated)"),
                      opt("inventory_item_ids", "Inventory item IDs (comma-separated)")],
           pagination=link("inventory_levels")),
        ep("set_inventory_level", "Set an inventory level", "POST", "/inventory_levels/set.json", "inventory",
           description="Body: {\"location_id\", \"inventory_item_id\", \"available\"}"),
        ep("adjust_inventory_level", "Adjust an inventory level", "POST", "/inventory_levels/adjust.json",
           "inventory", description="Body: {\"location_id\", \"inventory_item_id\", \"available_adjustment\"}"),
        ep("list_fulfillment_orders", "List an order's fulfilment orders", "GET",
           "/orders/{{order_id}}/fulfillment_orders.json", "fulfillments", variables=path_vars("order_id")),
        ep("list_fulfillments", "List an order's fulfilments", "GET", "/orders/{{order_id}}/fulfillments.json",
           "fulfillments", variables=path_vars("order_id")),
        ep("create_fulfillment", "Create a fulfilment", "POST", "/fulfillments.json", "fulfillments",
           description="Body: {\"fulfillment\": {\"line_items_by_fulfillment_order\": [...], "
                       "\"tracking_info\": {...}}}"),
        ep("update_fulfillment_tracking", "Update fulfilment tracking", "POST",
           "/fulfillments/{{fulfillment_id}}/update_tracking.json", "fulfillments",
           variables=path_vars("fulfillment_id")),
        ep("graphql_list_orders", "List orders (GraphQL)", "POST", "/graphql.json", "orders", direction="receive",
           body={"query": _SHOPIFY_GQL_ORDERS, "variables": {"first": 100, "query": "{{search}}"}},
           variables=[opt("search", "Search query, e.g. updated_at:>2025-01-01")], pagination=graphql("orders")),
        ep("graphql_list_products", "List products (GraphQL)", "POST", "/graphql.json", "products",
           direction="receive",
           body={"query": _SHOPIFY_GQL_PRODUCTS, "variables": {"first": 100, "query": "{{search}}"}},
           variables=[opt("search", "Search query")], pagination=graphql("products")),
        ep("graphql", "GraphQL request", "POST", "/graphql.json", "other",
           description="The payload is the body: {\"query\": \"...\", \"variables\": {...}}"),
    ],
}

# -- WooCommerce (REST API v3) ------------------------------------------------------------------------------
_PER_PAGE = {"per_page": "100"}

WOOCOMMERCE = {
    "documentation_url": "https://woocommerce.github.io/woocommerce-rest-api-docs/",
    "base_url": "{{store_url}}/wp-json/wc/v3",
    "variables": [var("store_url", "Store URL", help="https://shop.example.com (HTTPS is required for keys)")],
    "auth_methods": [basic("consumer_key", "consumer_secret", "Consumer key", "Consumer secret",
                           name="REST API keys")],
    "extra_notes": "Authentication: WooCommerce > Settings > Advanced > REST API keys (read/write), sent as "
                   "HTTP Basic over HTTPS. Pagination follows the Link header (per_page up to 100).",
    "endpoints": [
        ep("list_orders", "List orders", "GET", "/orders", "orders", pagination=link(),
           query={**_PER_PAGE, "status": "{{status}}", "modified_after": "{{modified_after}}",
                  "after": "{{created_after}}"},
           variables=[opt("status", "Status (any, processing, completed ...)", "any"),
                      opt("modified_after", "Modified since (ISO 8601)"), opt("created_after", "Created since")]),
        ep("get_order", "Get an order", "GET", "/orders/{{order_id}}", "orders", variables=path_vars("order_id")),
        ep("create_order", "Create an order", "POST", "/orders", "orders"),
        ep("update_order", "Update an order", "PUT", "/orders/{{order_id}}", "orders", variables=path_vars("order_id")),
        ep("batch_orders", "Create, update or delete orders in a batch", "POST", "/orders/batch", "orders"),
        ep("complete_order", "Mark an order completed (fulfilled)", "PUT", "/orders/{{order_id}}", "fulfillments",
           body={"status": "completed"}, variables=path_vars("order_id")),
        ep("add_order_note", "Add an order note (e.g. tracking)", "POST", "/orders/{{order_id}}/notes", "fulfillments",
           variables=path_vars("order_id"), description="Body: {\"note\": \"...\", \"customer_note\": true}"),
        ep("list_products", "List products", "GET", "/products", "products", pagination=link(),
           query={**_PER_PAGE, "modified_after": "{{modified_after}}", "sku": "{{sku}}"},
           variables=[opt("modified_after", "Modified since"), opt("sku", "SKU")]),
        ep("get_product", "Get a product", "GET", "/products/{{product_id}}", "products",
           variables=path_vars("product_id")),
        ep("create_product", "Create a product", "POST", "/products", "products"),
        ep("update_product", "Update a product", "PUT", "/products/{{product_id}}", "products",
           variables=path_vars("product_id")),
        ep("batch_products", "Create, update or delete products in a batch", "POST", "/products/batch", "products"),
        ep("list_variations", "List a product's variations", "GET", "/products/{{product_id}}/variations",
           "products", query=_PER_PAGE, pagination=link(), variables=path_vars("product_id")),
        ep("update_variation", "Update a variation", "PUT", "/products/{{product_id}}/variations/{{variation_id}}",
           "products", variables=path_vars("product_id", "variation_id")),
        ep("update_stock", "Set a product's stock quantity", "PUT", "/products/{{product_id}}", "inventory",
           body={"manage_stock": True, "stock_quantity": "{{quantity}}"},
           variables=[*path_vars("product_id"), var("quantity", "Stock quantity")]),
        ep("update_variation_stock", "Set a variation's stock quantity", "PUT",
           "/products/{{product_id}}/variations/{{variation_id}}", "inventory",
           body={"manage_stock": True, "stock_quantity": "{{quantity}}"},
           variables=[*path_vars("product_id", "variation_id"), var("quantity", "Stock quantity")]),
        ep("list_customers", "List customers", "GET", "/customers", "customers", pagination=link(),
           query={**_PER_PAGE, "email": "{{email}}", "role": "all"}, variables=[opt("email", "Email")]),
        ep("get_customer", "Get a customer", "GET", "/customers/{{customer_id}}", "customers",
           variables=path_vars("customer_id")),
        ep("create_customer", "Create a customer", "POST", "/customers", "customers"),
        ep("update_customer", "Update a customer", "PUT", "/customers/{{customer_id}}", "customers",
           variables=path_vars("customer_id")),
    ],
}

# -- BigCommerce (V2 orders, V3 catalog/customers/inventory) ---------------------------------------------------
_V3_PAGES = page("page", "limit", 250, data="data", total_pages="meta.pagination.total_pages")

BIGCOMMERCE = {
    "documentation_url": "https://developer.bigcommerce.com/docs/rest-management",
    "base_url": "https://api.bigcommerce.com/stores/{{store_hash}}",
    "variables": [var("store_hash", "Store hash", help="From the API path https://api.bigcommerce.com/stores/{hash}/")],
    "auth_methods": [token(header="X-Auth-Token", prefix="", name="API account access token", label="Access token")],
    "test": {"method": "GET", "path": "/v2/store"},
    "extra_notes": "V2 orders answer 204 No Content past the last page, which ends the pagination.",
    "endpoints": [
        ep("list_orders", "List orders", "GET", "/v2/orders", "orders", pagination=page("page", "limit", 250),
           query={"min_date_modified": "{{min_date_modified}}", "status_id": "{{status_id}}", "sort": "id:asc"},
           variables=[opt("min_date_modified", "Modified since (RFC 2822 or ISO 8601)"),
                      opt("status_id", "Status ID")]),
        ep("get_order", "Get an order", "GET", "/v2/orders/{{order_id}}", "orders", variables=path_vars("order_id")),
        ep("list_order_products", "List an order's products", "GET", "/v2/orders/{{order_id}}/products", "orders",
           variables=path_vars("order_id"), pagination=page("page", "limit", 250)),
        ep("create_order", "Create an order", "POST", "/v2/orders", "orders"),
        ep("update_order", "Update an order", "PUT", "/v2/orders/{{order_id}}", "orders",
           variables=path_vars("order_id")),
        ep("list_shipments", "List an order's shipments", "GET", "/v2/orders/{{order_id}}/shipments", "fulfillments",
           variables=path_vars("order_id")),
        ep("create_shipment", "Create a shipment (fulfil)", "POST", "/v2/orders/{{order_id}}/shipments",
           "fulfillments", variables=path_vars("order_id"),
           description="Body: {\"order_address_id\", \"tracking_number\", "
                       "\"items\": [{\"order_product_id\", \"quantity\"}]}"),
        ep("list_products", "List products", "GET", "/v3/catalog/products", "products", pagination=_V3_PAGES,
           query={"include": "variants", "date_modified:min": "{{modified_since}}"},
           variables=[opt("modified_since", "Modified since")]),
        ep("get_product", "Get a product", "GET", "/v3/catalog/products/{{product_id}}", "products",
           query={"include": "variants"}, variables=path_vars("product_id")),
        ep("create_product", "Create a product", "POST", "/v3/catalog/products", "products"),
        ep("update_product", "Update a product", "PUT", "/v3/catalog/products/{{product_id}}", "products",
           variables=path_vars("product_id")),
        ep("update_products", "Update products in a batch (up to 10)", "PUT", "/v3/catalog/products", "products"),
        ep("list_variants", "List all variants", "GET", "/v3/catalog/variants", "products", pagination=_V3_PAGES),
        ep("update_variants", "Update variants in a batch (prices, inventory_level)", "PUT", "/v3/catalog/variants",
           "inventory"),
        ep("set_inventory", "Set absolute inventory at locations", "PUT", "/v3/inventory/adjustments/absolute",
           "inventory", description="Body: {\"reason\", \"items\": [{\"location_id\", \"variant_id\" or "
                                    "\"sku\", \"quantity\"}]}"),
        ep("adjust_inventory", "Adjust inventory relatively", "POST", "/v3/inventory/adjustments/relative",
           "inventory"),
        ep("list_customers", "List customers", "GET", "/v3/customers", "customers", pagination=_V3_PAGES,
           query={"date_modified:min": "{{modified_since}}"}, variables=[opt("modified_since", "Modified since")]),
        ep("create_customers", "Create customers (array)", "POST", "/v3/customers", "customers"),
        ep("update_customers", "Update customers (array)", "PUT", "/v3/customers", "customers"),
    ],
}

# -- Adobe Commerce / Magento 2 (REST, searchCriteria) -----------------------------------------------------
_MAGENTO_PAGES = page("searchCriteria[currentPage]", "searchCriteria[pageSize]", 100, data="items",
                      total="total_count")
_SINCE = {"searchCriteria[filter_groups][0][filters][0][field]": "updated_at",
          "searchCriteria[filter_groups][0][filters][0][value]": "{{updated_since}}",
          "searchCriteria[filter_groups][0][filters][0][condition_type]": "gteq"}

MAGENTO = {
    "documentation_url": "https://developer.adobe.com/commerce/webapi/rest/",
    "base_url": "{{url}}/rest/{{store_code}}/V1",
    "variables": [var("url", "URL", help="The store's base URL, e.g. https://shop.example.com"),
                  var("store_code", "Store view code", default="default",
                      help="'default', a store view code, or 'all' for admin-scope product updates")],
    "auth_methods": [token(name="Integration access token", label="Token (integration access token)")],
    "test": {"method": "GET", "path": "/store/storeConfigs"},
    "extra_notes": "Magento repeats the last page when asked past the end, so pagination stops on total_count.",
    "endpoints": [
        ep("list_orders", "List orders", "GET", "/orders", "orders", pagination=_MAGENTO_PAGES),
        ep("list_orders_updated_since", "List orders updated since", "GET", "/orders", "orders",
           pagination=_MAGENTO_PAGES, query=_SINCE,
           variables=[var("updated_since", "Updated since (YYYY-MM-DD HH:MM:SS)")]),
        ep("get_order", "Get an order", "GET", "/orders/{{order_id}}", "orders", variables=path_vars("order_id")),
        ep("create_invoice", "Invoice an order", "POST", "/order/{{order_id}}/invoice", "orders",
           variables=path_vars("order_id"), description="Body: {\"capture\": true, \"notify\": true}"),
        ep("create_shipment", "Ship an order (create shipment)", "POST", "/order/{{order_id}}/ship", "fulfillments",
           variables=path_vars("order_id"),
           description="Body: {\"items\": [{\"order_item_id\", \"qty\"}], \"notify\": true, \"tracks\": [...]}"),
        ep("list_shipments", "List shipments", "GET", "/shipments", "fulfillments", pagination=_MAGENTO_PAGES),
        ep("get_shipment", "Get a shipment", "GET", "/shipment/{{shipment_id}}", "fulfillments",
           variables=path_vars("shipment_id")),
        ep("list_products", "List products", "GET", "/products", "products", pagination=_MAGENTO_PAGES),
        ep("list_products_updated_since", "List products updated since", "GET", "/products", "products",
           pagination=_MAGENTO_PAGES, query=_SINCE, variables=[var("updated_since", "Updated since")]),
        ep("get_product", "Get a product by SKU", "GET", "/products/{{sku}}", "products", variables=path_vars("sku")),
        ep("create_product", "Create a product", "POST", "/products", "products",
           description="Body: {\"product\": {...}}"),
        ep("update_product", "Update a product by SKU", "PUT", "/products/{{sku}}", "products",
           variables=path_vars("sku")),
        ep("list_customers", "Search customers", "GET", "/customers/search", "customers", pagination=_MAGENTO_PAGES),
        ep("get_customer", "Get a customer", "GET", "/customers/{{customer_id}}", "customers",
           variables=path_vars("customer_id")),
        ep("create_customer", "Create a customer", "POST", "/customers", "customers",
           description="Body: {\"customer\": {...}, \"password\": optional}"),
        ep("update_customer", "Update a customer", "PUT", "/customers/{{customer_id}}", "customers",
           variables=path_vars("customer_id")),
        ep("list_source_items", "List source items (MSI stock)", "GET", "/inventory/source-items", "inventory",
           pagination=_MAGENTO_PAGES),
        ep("save_source_items", "Set source item quantities (MSI)", "POST", "/inventory/source-items", "inventory",
           description="Body: {\"sourceItems\": [{\"sku\", \"source_code\", \"quantity\", \"status\"}]}"),
        ep("get_stock_item", "Get a stock item (legacy inventory)", "GET", "/stockItems/{{sku}}", "inventory",
           variables=path_vars("sku")),
        ep("update_stock_item", "Update a stock item (legacy inventory)", "PUT",
           "/products/{{sku}}/stockItems/{{item_id}}", "inventory", variables=path_vars("sku", "item_id"),
           description="Body: {\"stockItem\": {\"qty\", \"is_in_stock\"}}"),
    ],
}

# -- HubSpot (CRM v3) ---------------------------------------------------------------------------------------
_HS_PAGES = cursor("after", "paging.next.after", data="results", limit_param="limit", limit=100)


def _hs_object(obj: str, entity: str, label: str, plural: str) -> list:
    base = f"/crm/v3/objects/{obj}"
    return [
        ep(f"list_{obj}", f"List {plural}", "GET", base, entity, pagination=_HS_PAGES,
           query={"properties": "{{properties}}", "archived": "false"},
           variables=[opt("properties", "Properties to return (comma-separated)")]),
        ep(f"get_{obj}", f"Get {label}", "GET", base + "/{{object_id}}", entity,
           variables=[*path_vars("object_id"), opt("properties", "Properties to return (comma-separated)")],
           query={"properties": "{{properties}}"}),
        ep(f"search_{obj}", f"Search {plural}", "POST", base + "/search", entity, direction="receive",
           description="The payload is the search body: {\"filterGroups\": [...], \"limit\": 100}"),
        ep(f"create_{obj}", f"Create {label}", "POST", base, entity,
           description="Body: {\"properties\": {...}, \"associations\": [...]}"),
        ep(f"update_{obj}", f"Update {label}", "PATCH", base + "/{{object_id}}", entity,
           variables=path_vars("object_id")),
        ep(f"upsert_{obj}", f"Create or update {plural} in a batch", "POST", base + "/batch/upsert", entity,
           description="Body: {\"inputs\": [{\"id\", \"idProperty\", \"properties\"}]}"),
    ]


HUBSPOT = {
    "documentation_url": "https://developers.hubspot.com/docs/api/crm/understanding-the-crm",
    "base_url": "https://api.hubapi.com",
    "auth_methods": [token(name="Private app access token", label="Token (private app access token)")],
    "test": {"method": "GET", "path": "/crm/v3/objects/contacts", "query": {"limit": "1"}},
    "extra_notes": "HubSpot has no inventory or fulfilment objects: use product properties and order "
                   "properties (e.g. hs_fulfillment_status) instead.",
    "endpoints": [
        *_hs_object("contacts", "customers", "a contact", "contacts"),
        *_hs_object("companies", "customers", "a company", "companies"),
        *_hs_object("products", "products", "a product", "products"),
        *_hs_object("orders", "orders", "an order", "orders"),
        *_hs_object("deals", "orders", "a deal", "deals"),
        *_hs_object("line_items", "orders", "a line item", "line items"),
        ep("associate", "Associate two records (default association)", "PUT",
           "/crm/v4/objects/{{from_object}}/{{from_id}}/associations/default/{{to_object}}/{{to_id}}", "other",
           variables=path_vars("from_object", "from_id", "to_object", "to_id"), body=""),
    ],
}

# -- NetSuite (SuiteTalk REST web services) -------------------------------------------------------------------
_NS_PAGES = offset("limit", "offset", 1000, data="items", total="totalResults", has_more="hasMore")


def _ns_record(record: str, entity: str, label: str, plural: str, *, create=True, update=True) -> list:
    base = f"/record/v1/{record}"
    out = [
        ep(f"list_{record}", f"List {plural}", "GET", base, entity, pagination=_NS_PAGES, query={"q": "{{q}}"},
           variables=[opt("q", "Filter, e.g. lastModifiedDate ON_OR_AFTER \"1/1/2025\"")]),
        ep(f"get_{record}", f"Get a {label}", "GET", base + "/{{id}}", entity, variables=path_vars("id"),
           query={"expandSubResources": "true"}),
    ]
    if create:
        out.append(ep(f"create_{record}", f"Create a {label}", "POST", base, entity))
    if update:
        out.append(ep(f"update_{record}", f"Update a {label}", "PATCH", base + "/{{id}}", entity,
                      variables=path_vars("id")))
    return out


NETSUITE = {
    "documentation_url": "https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/chapter_1540391670.html",
    "base_url": "https://{{account_id}}.suitetalk.api.netsuite.com/services/rest",
    "variables": [var("account_id", "Account ID (URL form)",
                      help="As in your NetSuite URL: lower case, '_' written '-' (e.g. 1234567-sb1)")],
    "auth_methods": [
        {"key": "tba", "name": "Token-based authentication (OAuth 1)", "type": "oauth1",
         "settings": {"signature_method": "HMAC-SHA256", "realm": "{{realm}}"},
         "variables": [var("consumer_key", "Consumer key"), var("consumer_secret", "Consumer secret", secret=True),
                       var("token", "Token ID", secret=True), var("token_secret", "Token secret", secret=True),
                       var("realm", "Realm", help="The account ID with '_SB1' style suffix, e.g. 1234567_SB1")]},
        client_credentials("https://{{account_id}}.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
                           scope="rest_webservices", name="OAuth 2 (client credentials, certificate)",
                           variables=[var("client_id", "Client ID (consumer key)"),
                                      var("certificate_id", "Certificate ID"),
                                      var("private_key", "Private key (auth-key.pem)", secret=True)],
                           extra_params={"client_assertion_type":
                                         "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
        | {"pre_request_script": "NetSuite OAuth 2 - Generate Client Assertion"},
    ],
    "test": {"method": "GET", "path": "/record/v1/metadata-catalog"},
    "endpoints": [
        *_ns_record("salesOrder", "orders", "sales order", "sales orders"),
        ep("fulfil_salesOrder", "Fulfil a sales order (transform to item fulfilment)", "POST",
           "/record/v1/salesOrder/{{id}}/!transform/itemFulfillment", "fulfillments", variables=path_vars("id")),
        *_ns_record("itemFulfillment", "fulfillments", "item fulfilment", "item fulfilments", create=False),
        *_ns_record("customer", "customers", "customer", "customers"),
        *_ns_record("inventoryItem", "products", "inventory item", "inventory items"),
        ep("create_inventoryAdjustment", "Create an inventory adjustment", "POST", "/record/v1/inventoryAdjustment",
           "inventory"),
        ep("suiteql", "SuiteQL query", "POST", "/query/v1/suiteql", "inventory", direction="receive",
           headers={"Prefer": "transient"}, body={"q": "{{query}}"}, pagination=_NS_PAGES,
           variables=[var("query", "SuiteQL",
                          default="SELECT item, location, quantityavailable FROM inventoryitemlocations")]),
    ],
}

COMMERCE = {"shopify": SHOPIFY, "woocommerce": WOOCOMMERCE, "bigcommerce": BIGCOMMERCE,
            "adobe-commerce-magento": MAGENTO, "hubspot": HUBSPOT, "netsuite": NETSUITE}
