"""Curated specs: data stores, search, PIM and content services (Airtable, Akeneo, Algolia, Google, Snowflake,
Pimberly, Ergonode, Occtoo, Fredhopper, Cloudshelf ...)."""
from __future__ import annotations

from catalog_specs import (
    NO_AUTH,
    api_key,
    auth_code,
    basic,
    client_credentials,
    crud,
    cursor,
    ep,
    gql_send,
    next_url,
    offset,
    opt,
    path_vars,
    token,
    var,
)

GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
_GOOGLE_OFFLINE = {"extra_authorize_params": {"access_type": "offline", "prompt": "consent"}}


def _google(scope: str) -> dict:
    return auth_code(GOOGLE_AUTHORIZE, GOOGLE_TOKEN, scope, name="Google OAuth 2", **_GOOGLE_OFFLINE)


# -- Ergonode (REST, JWT login) -----------------------------------------------------------------------------
_ERG = "/api/v1/{{language}}"
ERGONODE = {
    "documentation_url": "https://docs.ergonode.com/",
    "base_url": "{{url}}",
    "variables": [var("url", "Ergonode URL", help="e.g. https://pim.example.com"),
                  var("language", "Language", default="en_GB")],
    "auth_methods": [client_credentials("{{url}}/api/v1/login", name="Username and password (JWT)", client_id="",
                                        client_secret="", grant_type="", token_request_body="json",
                                        extra_params={"username": "{{username}}", "password": "{{password}}"},
                                        access_token_key="token", token_header="JWTAuthorization",
                                        variables=[var("username", "Username (e-mail)"),
                                                   var("password", "Password", secret=True)])],
    "extra_notes": "The login (a JSON body with username and password, as Ergonode documents it) answers a JWT "
                   "sent as 'JWTAuthorization: Bearer …'.",
    "endpoints": [
        ep("list_products", "List products", "GET", _ERG + "/products", "products", query={"view": "list"},
           pagination=offset(limit=100, data="collection")),
        ep("get_product", "Get a product", "GET", _ERG + "/products/{{product_id}}", "products",
           variables=path_vars("product_id")),
        ep("create_product", "Create a product", "POST", _ERG + "/products", "products",
           description="Body: {\"sku\", \"type\": \"SIMPLE-PRODUCT\", \"templateId\", \"categoryIds\": []}"),
        ep("list_categories", "List categories", "GET", _ERG + "/categories", "products", query={"view": "list"},
           pagination=offset(limit=100, data="collection")),
        ep("list_templates", "List product templates", "GET", _ERG + "/templates", "products",
           query={"view": "list"}, pagination=offset(limit=100, data="collection")),
    ],
}

DATA = {
    "pimberly": {
        "documentation_url": "https://pimberly.com/",
        "base_url": "{{api_url}}",
        "variables": [var("api_url", "API URL", default="https://api.pimberly.io/core",
                          help="https://sandbox-api.pimberly.io/core for the sandbox"),
                      opt("store_name", "Store name (not a URL)")],
        "auth_methods": [token(prefix="", label="Token (Admin > Feeds)", name="API token")],
        "endpoints": [
            ep("list_products", "List products", "GET", "/products", "products", query={"extendResponse": "1"},
               headers={"sinceId": "[[pagination.next_page_token]]"}, pagination=cursor("", "maxId", data="data")),
            ep("get_product", "Get a product", "GET", "/products/{{primary_id}}", "products",
               variables=path_vars("primary_id")),
        ],
    },
    "ergonode": ERGONODE,
    "occtoo": {
        "documentation_url": "https://docs.occtoo.com/",
        "base_url": "https://ingest.occtoo.com",
        "auth_methods": [client_credentials(
            "https://ingest.occtoo.com/dataProviders/tokens", name="Data provider credentials", client_id="",
            client_secret="", extra_params={"id": "{{data_provider_id}}", "secret": "{{data_provider_secret}}"},
            access_token_key="result.accessToken",
            variables=[var("data_provider_id", "Data provider ID"),
                       var("data_provider_secret", "Data provider secret", secret=True)])],
        "extra_notes": "Onboarding (ingest) API: entities are imported into a data source; reading goes through "
                       "a destination's own API and credentials.",
        "endpoints": [
            ep("import_entities", "Import entities into a data source", "POST", "/import/{{data_source}}", "products",
               variables=path_vars("data_source"),
               description="Body: {\"entities\": [{\"key\", \"properties\": [{\"id\", \"value\"}]}]}"),
        ],
    },
    "fredhopper-by-crownpeak": {
        "documentation_url": "https://crownpeak.com/",
        "base_url": "{{query_url}}",
        "variables": [var("query_url", "Query API URL", help="e.g. https://query.<service>.fas.eu1.fredhopper.com")],
        "auth_methods": [basic(name="Query API user (Basic)")],
        "extra_notes": "Only the query API is modelled; data uploads go through the FAS data-load process.",
        "endpoints": [
            ep("query", "Query (location)", "GET", "/fredhopper/query", "products",
               query={"fh_location": "{{location}}", "fh_view_size": "{{view_size}}"},
               variables=[var("location", "Location, e.g. //catalog01/en_GB"), opt("view_size", "Items", "50")]),
        ],
    },
    "cloudshelf": {
        "documentation_url": "https://cloudshelf.ai/",
        "base_url": "{{api_url}}",
        "variables": [var("api_url", "API URL", default="https://ingestapi.cloudshelf.ai")],
        "auth_methods": [token(label="API key", name="API key")],
        "extra_notes": "Cloudshelf's ingest API is GraphQL; check the header it expects for the API key.",
        "endpoints": [
            ep("query", "GraphQL query", "POST", "/graphql", "products", direction="receive",
               body={"query": "{{query}}"}, variables=[var("query", "GraphQL query")]),
            gql_send("/graphql", name="GraphQL mutation (payload), e.g. upsertProducts"),
        ],
    },
    "airtable": {
        "documentation_url": "https://airtable.com/developers/web/api/introduction",
        "base_url": "https://api.airtable.com/v0",
        "variables": [var("base_id", "Base ID"), var("table_id", "Table ID or name")],
        "auth_methods": [token(label="Personal access token", name="Personal access token")],
        "endpoints": [
            ep("list_records", "List records", "GET", "/{{base_id}}/{{table_id}}", "records",
               pagination=cursor("offset", "offset", data="records", limit_param="pageSize", limit=100),
               query={"filterByFormula": "{{formula}}"}, variables=[opt("formula", "Filter formula")]),
            ep("create_records", "Create records (up to 10)", "POST", "/{{base_id}}/{{table_id}}", "records"),
            ep("update_records", "Update records (up to 10)", "PATCH", "/{{base_id}}/{{table_id}}", "records"),
        ],
    },
    "akeneo": {
        "documentation_url": "https://api.akeneo.com/api-reference-index.html",
        "base_url": "{{store_url}}/api/rest/v1",
        "variables": [var("store_url", "PIM URL", help="https://pim.example.com")],
        "auth_methods": [client_credentials("{{store_url}}/api/oauth/v1/token", client_auth="basic",
                                            name="Akeneo connection (password grant)", grant_type="password",
                                            extra_params={"username": "{{username}}", "password": "{{password}}"},
                                            variables=[var("client_id", "Client ID"),
                                                       var("client_secret", "Secret", secret=True),
                                                       var("username", "Username"),
                                                       var("password", "Password", secret=True)])],
        "endpoints": [
            ep("list_products", "List products", "GET", "/products", "products",
               query={"limit": "100", "search": "{{search}}"}, variables=[opt("search", "Search filter (JSON)")],
               pagination=next_url("_links.next.href", data="_embedded.items")),
            ep("get_product", "Get a product", "GET", "/products/{{identifier}}", "products",
               variables=path_vars("identifier")),
            ep("upsert_product", "Create or update a product", "PATCH", "/products/{{identifier}}", "products",
               variables=path_vars("identifier")),
            ep("list_categories", "List categories", "GET", "/categories", "products", query={"limit": "100"},
               pagination=next_url("_links.next.href", data="_embedded.items")),
        ],
    },
    "algolia": {
        "documentation_url": "https://www.algolia.com/doc/rest-api/search/",
        "base_url": "https://{{application_id}}.algolia.net/1",
        "variables": [var("application_id", "Application ID"), var("index_name", "Index name")],
        "auth_methods": [api_key(header="X-Algolia-API-Key") | {"headers": {
            "X-Algolia-Application-Id": "{{application_id}}"}}],
        "endpoints": [
            ep("search", "Search an index", "POST", "/indexes/{{index_name}}/query", "products", direction="receive",
               body={"query": "{{query}}", "hitsPerPage": 1000}, variables=[opt("query", "Query", "")]),
            ep("get_object", "Get a record", "GET", "/indexes/{{index_name}}/{{object_id}}", "products",
               variables=path_vars("object_id")),
            ep("save_object", "Add or replace a record", "PUT", "/indexes/{{index_name}}/{{object_id}}", "products",
               variables=path_vars("object_id")),
            ep("batch", "Batch write records", "POST", "/indexes/{{index_name}}/batch", "products",
               description="Body: {\"requests\": [{\"action\": \"updateObject\", \"body\": {...}}]}"),
        ],
    },
    "edifabric": {
        "documentation_url": "https://support.edifabric.com/hc/en-us/articles/360000280532-EdiNation-API",
        "base_url": "https://api.edifabric.com/v2",
        "auth_methods": [api_key(header="Ocp-Apim-Subscription-Key", name="Subscription key")],
        "endpoints": [
            ep("x12_read", "Read X12 (EDI to JSON)", "POST", "/x12/read", "other", direction="send"),
            ep("x12_write", "Write X12 (JSON to EDI)", "POST", "/x12/write", "other"),
            ep("edifact_read", "Read EDIFACT (EDI to JSON)", "POST", "/edifact/read", "other"),
            ep("edifact_write", "Write EDIFACT (JSON to EDI)", "POST", "/edifact/write", "other"),
        ],
    },
    "google-bigquery": {
        "documentation_url": "https://cloud.google.com/bigquery/docs/reference/rest",
        "base_url": "https://bigquery.googleapis.com/bigquery/v2",
        "variables": [var("project_id", "Project ID")],
        "auth_methods": [_google("https://www.googleapis.com/auth/bigquery")],
        "endpoints": [
            ep("query", "Run a query", "POST", "/projects/{{project_id}}/queries", "records", direction="receive",
               body={"query": "{{query}}", "useLegacySql": False}, variables=[var("query", "SQL")]),
            ep("list_rows", "List table rows", "GET",
               "/projects/{{project_id}}/datasets/{{dataset_id}}/tables/{{table_id}}/data", "records",
               variables=path_vars("dataset_id", "table_id"),
               pagination=cursor("pageToken", "pageToken", data="rows", limit_param="maxResults", limit=1000)),
            ep("insert_rows", "Stream rows into a table", "POST",
               "/projects/{{project_id}}/datasets/{{dataset_id}}/tables/{{table_id}}/insertAll", "records",
               variables=path_vars("dataset_id", "table_id")),
        ],
    },
    "google-pub-sub": {
        "documentation_url": "https://cloud.google.com/pubsub/docs/reference/rest",
        "base_url": "https://pubsub.googleapis.com/v1",
        "variables": [var("project_id", "Project ID")],
        "auth_methods": [_google("https://www.googleapis.com/auth/pubsub")],
        "endpoints": [
            ep("publish", "Publish messages", "POST", "/projects/{{project_id}}/topics/{{topic}}:publish", "messages",
               variables=path_vars("topic"), description="Body: {\"messages\": [{\"data\": base64}]}"),
            ep("pull", "Pull messages", "POST", "/projects/{{project_id}}/subscriptions/{{subscription}}:pull",
               "messages", direction="receive", body={"maxMessages": 100}, variables=path_vars("subscription")),
            ep("acknowledge", "Acknowledge messages", "POST",
               "/projects/{{project_id}}/subscriptions/{{subscription}}:acknowledge", "messages",
               variables=path_vars("subscription")),
        ],
    },
    "google-sheets": {
        "documentation_url": "https://developers.google.com/sheets/api/reference/rest",
        "base_url": "https://sheets.googleapis.com/v4",
        "auth_methods": [client_credentials(GOOGLE_TOKEN, name="Refresh token (OAuth 2)", grant_type="refresh_token",
                                            extra_params={"refresh_token": "{{refresh_token}}"},
                                            variables=[var("client_id", "Client ID"),
                                                       var("client_secret", "Client secret", secret=True),
                                                       var("refresh_token", "Refresh token", secret=True)])],
        "endpoints": [
            ep("get_values", "Get values", "GET", "/spreadsheets/{{spreadsheet_id}}/values/{{range}}", "records",
               variables=path_vars("spreadsheet_id", "range")),
            ep("append_values", "Append rows", "POST", "/spreadsheets/{{spreadsheet_id}}/values/{{range}}:append",
               "records", query={"valueInputOption": "USER_ENTERED"}, variables=path_vars("spreadsheet_id", "range"),
               description="Body: {\"values\": [[...], ...]}"),
            ep("update_values", "Update a range", "PUT", "/spreadsheets/{{spreadsheet_id}}/values/{{range}}",
               "records", query={"valueInputOption": "USER_ENTERED"}, variables=path_vars("spreadsheet_id", "range")),
        ],
    },
    "inriver": {
        "documentation_url": "https://apidoc.inriver.com/",
        "base_url": "{{api_url}}/api/v1.0.0",
        "variables": [var("api_url", "API URL", default="https://api-prod1a-euw.productmarketingcloud.com")],
        "auth_methods": [api_key(header="X-inRiver-APIKey", key="token", label="API key")],
        "endpoints": [
            ep("query", "Query entities", "POST", "/query", "products", direction="receive"),
            ep("get_entity", "Get an entity summary", "GET", "/entities/{{entity_id}}/summary", "products",
               variables=path_vars("entity_id")),
        ],
    },
    "mongodb": {
        "documentation_url": "https://www.mongodb.com/docs/atlas/app-services/data-api/",
        "base_url": "https://{{url}}",
        "variables": [var("url", "Data API URL (no scheme)"), var("data_source", "Data source"),
                      var("database", "Database"), var("collection", "Collection")],
        "auth_methods": [api_key(header="api-key", key="api_token", label="API key")],
        "extra_notes": "MongoDB retired the Atlas Data API in September 2025; these endpoints work only with "
                       "a compatible Data API proxy.",
        "endpoints": [
            ep("find", "Find documents", "POST", "/action/find", "records", direction="receive",
               body={"dataSource": "{{data_source}}", "database": "{{database}}", "collection": "{{collection}}",
                     "filter": {}}),
            ep("insert_one", "Insert a document", "POST", "/action/insertOne", "records",
               body={"dataSource": "{{data_source}}", "database": "{{database}}", "collection": "{{collection}}",
                     "document": "[[payload]]"}),
        ],
    },
    "octopus-energy": {
        "documentation_url": "https://developer.octopus.energy/rest/reference",
        "base_url": "https://api.octopus.energy/v1",
        "variables": [opt("electricity_mpan", "Electricity MPAN"), opt("electric_meter_serial_number", "Meter serial"),
                      opt("gas_mprn", "Gas MPRN"), opt("gas_meter_serial_number", "Gas meter serial")],
        "auth_methods": [basic("api_key", "password", "API key", "Password", password_template="", name="API key")
                         | {"variables": [var("api_key", "API key", secret=True)]}],
        "endpoints": [
            ep("electricity_consumption", "Electricity consumption", "GET",
               "/electricity-meter-points/{{electricity_mpan}}/meters/{{electric_meter_serial_number}}/consumption/",
               "records", pagination=next_url("next", data="results")),
            ep("gas_consumption", "Gas consumption", "GET",
               "/gas-meter-points/{{gas_mprn}}/meters/{{gas_meter_serial_number}}/consumption/", "records",
               pagination=next_url("next", data="results")),
            ep("list_products", "List energy products", "GET", "/products/", "products",
               pagination=next_url("next", data="results")),
        ],
    },
    "plytix": {
        "documentation_url": "https://apidocs.plytix.com/",
        "base_url": "https://pim.plytix.com/api/v1",
        # A token from a login request: POST {api_key, api_password} as JSON, the token at data[0].access_token,
        # valid 15 minutes (no expiry in the answer), sent as a bearer token; a 401 logs in again once.
        "auth_methods": [client_credentials(
            "https://auth.plytix.com/auth/api/get-token", name="API key + password", client_id="", client_secret="",
            grant_type="", token_request_body="json",
            extra_params={"api_key": "{{api_key}}", "api_password": "{{api_password}}"},
            access_token_key="data.0.access_token", token_lifetime=900,
            variables=[var("api_key", "API key", secret=True), var("api_password", "API password", secret=True)])
            | {"key": "api-key"}],
        "extra_notes": "Weft does not need that script: the method logs in itself (POST "
                       "https://auth.plytix.com/auth/api/get-token with the API key and password as JSON) and "
                       "caches the token for its 15 minutes.",
        "endpoints": [ep("search_products", "Search products", "POST", "/products/search", "products",
                         direction="receive")],
    },
    "prima-solutions": {
        "base_url": "{{instance_url}}",
        "variables": [var("instance_url", "Instance URL"), var("company_id", "Company ID")],
        "auth_methods": [NO_AUTH],
        "endpoints": [
            ep("comwsomhandler", "comwsomhandler (SOAP)", "POST", "/comwsomhandler", "other", data_type="xml",
               headers={"Content-Type": "text/xml; charset=utf-8"}),
            ep("wsomhandler", "wsomhandler (SOAP)", "POST", "/wsomhandler", "other", data_type="xml",
               headers={"Content-Type": "text/xml; charset=utf-8"}),
        ],
        "extra_notes": "Build the XML request in a manual payload shape; it is sent as the body.",
    },
    "salsify": {
        "documentation_url": "https://developers.salsify.com/reference",
        "base_url": "https://app.salsify.com/api/v1/orgs/{{org_id}}",
        "variables": [var("org_id", "Organisation ID")],
        # Salsify's OAuth server (Doorkeeper) issues the client ID and secret; a user's API token also works.
        "auth_methods": [client_credentials("https://app.salsify.com/oauth/token"),
                         token(label="API token", name="API token (user profile)")],
        "endpoints": crud("products", "product", "products", "/products", ops="gu", id_var="product_id"),
    },
    "sanity-io": {
        "documentation_url": "https://www.sanity.io/docs/http-api",
        "base_url": "https://{{project_id}}.api.sanity.io/v{{api_version}}",
        "variables": [var("project_id", "Project ID"), var("api_version", "API version", default="2024-10-01"),
                      var("dataset", "Dataset", default="production")],
        "auth_methods": [token()],
        "endpoints": [
            ep("query", "GROQ query", "GET", "/data/query/{{dataset}}", "records", query={"query": "{{query}}"},
               variables=[var("query", "GROQ query")]),
            ep("mutate", "Mutate documents", "POST", "/data/mutate/{{dataset}}", "records"),
        ],
    },
    "snowflake": {
        "documentation_url": "https://docs.snowflake.com/en/developer-guide/sql-api/index",
        "base_url": "https://{{account}}.snowflakecomputing.com/api/v2",
        "variables": [var("account", "Account identifier (e.g. myorg-myaccount)")],
        "auth_methods": [auth_code("https://{{account}}.snowflakecomputing.com/oauth/authorize",
                                   "https://{{account}}.snowflakecomputing.com/oauth/token-request",
                                   scope="refresh_token", client_auth="basic")
                         | {"headers": {"X-Snowflake-Authorization-Token-Type": "OAUTH"}}],
        "endpoints": [ep("statement", "Run a SQL statement", "POST", "/statements", "records", direction="receive",
                         body={"statement": "{{statement}}", "timeout": 60}, variables=[var("statement", "SQL")])],
    },
}
