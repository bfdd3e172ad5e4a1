"""Realistic Postman Collection v2.1 files for the importer tests (shaped like Postman's own exports)."""
from __future__ import annotations

import copy
import json

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def shop_collection(base_url: str = "https://api.acme-shop.test") -> dict:
    """An order API: folders, a {{baseUrl}} collection variable, bearer auth at the collection level, a
    folder with API-key auth, path variables, disabled query filters, JSON / form / GraphQL bodies."""
    return {
        "info": {"_postman_id": "5c3e1f0a-1111-4a2b-9c3d-0123456789ab", "name": "Acme Shop API",
                 "description": "Orders, products and customers of the Acme shop.", "schema": SCHEMA},
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}]},
        "event": [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": ["console.log('hi')"]}}],
        "variable": [
            {"key": "baseUrl", "value": base_url, "type": "string"},
            {"key": "apiVersion", "value": "2024-10", "type": "string"},
            {"key": "accessToken", "value": "tok_live_should_not_be_copied", "type": "string"},
        ],
        "item": [
            {"name": "Orders", "item": [
                {"name": "List orders", "request": {
                    "method": "GET",
                    "header": [{"key": "Accept", "value": "application/json"},
                               {"key": "X-Store", "value": "{{storeCode}}"}],
                    "url": {"raw": "{{baseUrl}}/{{apiVersion}}/orders?status=open&limit=50&since=",
                            "host": ["{{baseUrl}}"], "path": ["{{apiVersion}}", "orders"],
                            "query": [{"key": "status", "value": "open"}, {"key": "limit", "value": "50"},
                                      {"key": "created_after", "value": "", "disabled": True,
                                       "description": "Only orders created after this date (ISO 8601)"}]},
                    "description": "Every open order, newest first."}},
                {"name": "Get order", "request": {
                    "method": "GET", "header": [],
                    "url": {"raw": "{{baseUrl}}/{{apiVersion}}/orders/:orderId", "host": ["{{baseUrl}}"],
                            "path": ["{{apiVersion}}", "orders", ":orderId"],
                            "variable": [{"key": "orderId", "value": "1001", "description": "The order number"}]}}},
                {"name": "Create order", "request": {
                    "method": "POST",
                    "header": [{"key": "Content-Type", "value": "application/json"}],
                    "body": {"mode": "raw", "raw": json.dumps({"customer": {"email": "{{email}}"},
                                                               "lines": [{"sku": "ABC-1", "qty": 2}]}, indent=2),
                             "options": {"raw": {"language": "json"}}},
                    "url": {"raw": "{{baseUrl}}/{{apiVersion}}/orders", "host": ["{{baseUrl}}"],
                            "path": ["{{apiVersion}}", "orders"]}}},
            ]},
            {"name": "Products", "auth": {"type": "apikey", "apikey": [
                {"key": "key", "value": "X-Catalog-Key", "type": "string"},
                {"key": "value", "value": "{{catalogKey}}", "type": "string"},
                {"key": "in", "value": "header", "type": "string"}]},
             "item": [
                {"name": "Search products (GraphQL)", "request": {
                    "method": "POST", "header": [],
                    "body": {"mode": "graphql", "graphql": {
                        "query": "query($first: Int) { products(first: $first) { edges { node { id title } } } }",
                        "variables": "{\"first\": 25}"}},
                    "url": {"raw": "{{baseUrl}}/{{apiVersion}}/graphql", "host": ["{{baseUrl}}"],
                            "path": ["{{apiVersion}}", "graphql"]}}},
                {"name": "Update stock", "request": {
                    "method": "PUT", "header": [],
                    "body": {"mode": "urlencoded", "urlencoded": [{"key": "sku", "value": "{{sku}}"},
                                                                  {"key": "qty", "value": "{{qty}}"}]},
                    "url": "{{baseUrl}}/{{apiVersion}}/stock"}},
             ]},
            {"name": "Ping", "request": {"method": "GET", "auth": {"type": "noauth"},
                                         "url": {"raw": "{{baseUrl}}/{{apiVersion}}/ping"}}},
        ],
    }


def oauth_collection() -> dict:
    """A host-based collection (no base variable) with OAuth 2 authorisation code + PKCE."""
    return {
        "info": {"name": "Helpdesk", "schema": SCHEMA},
        "auth": {"type": "oauth2", "oauth2": [
            {"key": "grant_type", "value": "authorization_code_with_pkce"},
            {"key": "authUrl", "value": "https://id.helpdesk.test/oauth/authorize"},
            {"key": "accessTokenUrl", "value": "https://id.helpdesk.test/oauth/token"},
            {"key": "clientId", "value": "{{clientId}}"}, {"key": "clientSecret", "value": "{{clientSecret}}"},
            {"key": "scope", "value": "tickets.read tickets.write"},
            {"key": "addTokenTo", "value": "header"}, {"key": "client_authentication", "value": "header"}]},
        "item": [
            {"name": "List tickets", "request": {"method": "GET", "url": "https://api.helpdesk.test/v2/tickets"}},
            {"name": "Get ticket", "request": {"method": "GET", "url": "https://api.helpdesk.test/v2/tickets/:id"}},
            {"name": "Basic-auth export", "request": {
                "method": "GET", "auth": {"type": "basic", "basic": [{"key": "username", "value": "admin"},
                                                                     {"key": "password", "value": "hunter2!"}]},
                "url": "https://api.helpdesk.test/v2/exports"}},
        ],
    }


def as_bytes(collection: dict) -> bytes:
    return json.dumps(copy.deepcopy(collection)).encode()
