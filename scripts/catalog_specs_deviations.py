"""Where a catalog connector knowingly differs from the reference list (/work/shared/reference/connectors.json).

The reference gives each connector's auth method types and credential fields as the seeds document them; a
curated spec follows the vendor's public API, which sometimes asks for the same thing under another name, fixes
a value the reference asks for, or authenticates another way. Each difference is data here: the auth method
types and credential fields it covers and the reason. build_catalog.py copies the list onto the definition
(`deviations`) and writes each reason into the connector's notes; tests/connectors/test_catalog_fidelity.py
refuses a reference type or field that is missing from the catalog without a deviation naming it, and a
deviation that names something the catalog does carry.
"""
from __future__ import annotations


def deviation(reason: str, fields=(), auth_types=()) -> dict:
    return {"fields": list(fields), "auth_types": list(auth_types), "reason": reason}


def fixed_scope(scope: str) -> dict:
    what = f"fixed to `{scope}`" if scope else "left empty"
    return deviation(f"The OAuth scope is {what}, what the endpoints need, rather than asked on the instance.",
                     fields=["scope"])


def api_key_not_token(header: str, prefix: str = "") -> dict:
    how = f"`{prefix.strip()} <key>`" if prefix else "the bare key"
    return deviation(f"The key is an API key method sending {how} in the `{header}` header, not a `Bearer` token.",
                     auth_types=["token"])


FTP_FOLDER = deviation("The folder (the reference's root and path) is chosen per endpoint in the connector shape, "
                       "not fixed on the instance.", fields=["root", "path"])

DEVIATIONS: dict[str, list[dict]] = {
    "brightpearl": [
        deviation("The reference's `secret` is asked as Client secret (`client_secret`).", fields=["secret"]),
        fixed_scope(""),
    ],
    "business-central": [fixed_scope("https://api.businesscentral.dynamics.com/.default")],
    "channelengine": [api_key_not_token("X-CE-KEY")],
    "cin7": [deviation("Modelled on Cin7 Core (account ID and application key headers), not Cin7 Omni's Basic "
                       "authentication: Cin7 Core has no username or password, and the application key stands for "
                       "the reference's application ID.",
                       fields=["username", "password", "application_id"], auth_types=["basic"])],
    "freshdesk": [
        deviation("Freshdesk takes the API key as the Basic user name (password `X`), so the method is Basic.",
                  auth_types=["api_key"]),
        deviation("The Freshdesk address is asked as `domain` (the part before .freshdesk.com).", fields=["url"]),
    ],
    "ftp": [
        FTP_FOLDER,
        deviation("The reference's `ssl` is the `tls` setting (explicit FTPS).", fields=["ssl"]),
        deviation("Passive mode always connects to the control connection's host, so the reference's "
                  "`ignore_passive_address` is not needed.", fields=["ignore_passive_address"]),
    ],
    "fulfillmenttools": [fixed_scope("")],
    "google-bigquery": [fixed_scope("https://www.googleapis.com/auth/bigquery")],
    "google-pub-sub": [fixed_scope("https://www.googleapis.com/auth/pubsub")],
    "gorgias": [deviation("The account address is asked as `store` (the part before .gorgias.com).",
                          fields=["base_url"])],
    "inriver": [api_key_not_token("X-inRiver-APIKey")],
    "klaviyo": [api_key_not_token("Authorization", "Klaviyo-API-Key ")],
    "linnworks": [fixed_scope("")],
    "lionwheel": [deviation("The task id is not a credential: it is the `task_id` variable of the task endpoints.",
                            fields=["task"])],
    "mirakl": [api_key_not_token("Authorization")],
    "mongodb": [deviation("Every Data API endpoint sends JSON, so the content type is not asked.",
                          fields=["content_type"])],
    "netsuite": [deviation("The signature method is fixed to HMAC-SHA256 (the only one NetSuite token-based "
                           "authentication accepts) in the OAuth 1 method's settings.",
                           fields=["signature_algorithm", "signature_method"])],
    "octopus-energy": [deviation("Octopus Energy takes the API key as the Basic user name (empty password), so the "
                                 "method is Basic.", auth_types=["api_key"])],
    "onbuy": [fixed_scope("")],
    "onestock": [deviation("The user ID and password only serve OneStock's POST /login, which issues the token "
                           "pasted on the instance; Weft does not keep them.", fields=["user_id", "password"])],
    "plytix": [deviation("The API key and password log in to https://auth.plytix.com for a 15-minute token "
                         "(a login-token method), instead of the reference's post-request script.",
                         auth_types=["api_key"])],
    "quickbooks": [fixed_scope("com.intuit.quickbooks.accounting")],
    "rabbitmq": [deviation("The reference's `vhost` is asked as Virtual host (`virtual_host`).", fields=["vhost"])],
    "reviews-io": [deviation("REVIEWS.io reads the API key from an `apikey` header and the store ID from a "
                             "`store` header (its API documentation), not from Basic authentication.",
                             auth_types=["basic"])],
    "sage-200": [fixed_scope("openid profile email offline_access")],
    "salesforce-commerce-cloud": [deviation("The API version (v1) is part of each endpoint's path.",
                                            fields=["version"])],
    "sftp": [
        FTP_FOLDER,
        deviation("Uploaded files keep the server's default permissions, so the reference's `visibility` and "
                  "`directory_visibility` are not asked.", fields=["visibility", "directory_visibility"]),
        deviation("Retries are the instance's retries setting (reference: `max_tries`).", fields=["max_tries"]),
        deviation("The host fingerprint is the pinned `host_key` (SHA256:…).", fields=["fingerprint"]),
    ],
    "shipbob": [deviation("The base URL is fixed to https://api.shipbob.com.", fields=["url"])],
    "sitoo": [deviation("The API version (v2) is part of the base URL.", fields=["version"])],
    "snowflake": [
        deviation("The account address is asked as `account` (the part before .snowflakecomputing.com).",
                  fields=["base_url"]),
        fixed_scope("refresh_token"),
    ],
    "xero": [deviation("The base URL is fixed to https://api.xero.com.", fields=["base_url"])],
}
