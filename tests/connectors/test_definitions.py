"""The definition schema: what validate_definition accepts and the sentences it returns."""
from __future__ import annotations

from app.connectors.definitions import find_auth_method, find_endpoint, usable_problems, validate_definition


def _base(**extra):
    return {"key": "acme", "name": "Acme", "base_url": "https://api.acme.test/{{region}}",
            "variables": [{"key": "region", "label": "Region"}],
            "auth_methods": [{"key": "none", "name": "None", "type": "none"}], "endpoints": [], **extra}


def test_a_minimal_definition_is_valid():
    assert validate_definition(_base()) == []


def test_auth_settings_are_checked_per_type():
    d = _base(auth_methods=[{"key": "o", "name": "OAuth", "type": "oauth2_authorization_code", "settings": {}},
                            {"key": "t", "name": "Tok", "type": "token", "settings": {"placement": "cookie"}},
                            {"key": "s", "name": "Soap", "type": "soap", "settings": {"mode": "login"}},
                            {"key": "a", "name": "Sig", "type": "oauth1", "settings": {"signature_method": "RSA"}}])
    text = " ".join(validate_definition(d))
    for expected in ("'Authorise URL' is required", "'Token URL' is required", "placement must be",
                     "login mode needs 'login_path'", "signature method must be one of"):
        assert expected in text


def test_pagination_settings_are_checked():
    d = _base(endpoints=[
        {"key": "a", "name": "A", "direction": "receive", "method": "GET", "path": "/a",
         "pagination": {"type": "next_page_url"}},
        {"key": "b", "name": "B", "direction": "receive", "method": "GET", "path": "/b",
         "pagination": {"type": "graphql_cursor", "end_cursor_path": "x"}},
        {"key": "c", "name": "C", "direction": "receive", "method": "GET", "path": "/c",
         "pagination": {"type": "carrier_pigeon"}}])
    text = " ".join(validate_definition(d))
    assert "'Next page field' is required" in text and "'HasNextPage path' is required" in text
    assert "pagination type must be one of" in text


def test_endpoint_templates_may_use_their_own_and_auth_variables():
    d = _base(auth_methods=[{"key": "k", "name": "Key", "type": "api_key",
                             "variables": [{"key": "api_key", "label": "Key", "secret": True}]}],
              endpoints=[{"key": "get", "name": "Get", "direction": "receive", "method": "GET",
                          "path": "/items/{{item_id}}", "query": {"k": "{{api_key}}", "p": "[[pagination.page]]"},
                          "variables": [{"key": "item_id", "label": "Item"}], "auth_methods": ["k", "zz"]}])
    assert validate_definition(d) == ["Endpoint 'Get': unknown authentication method 'zz'."]


def test_protocol_connectors_need_no_base_url_or_http_method():
    d = {"key": "files", "name": "Files", "protocol": "sftp", "auth_methods": [
        {"key": "up", "name": "User", "type": "db_user_pass"}],
         "endpoints": [{"key": "list", "name": "List", "direction": "receive", "action": "list"}]}
    assert validate_definition(d) == []
    assert "Unknown protocol" in validate_definition({**d, "protocol": "gopher"})[0]


def test_helpers():
    d = _base(endpoints=[{"key": "x", "name": "X"}])
    assert find_endpoint(d, "x")["name"] == "X" and find_endpoint(d, "y") is None
    assert find_auth_method(d, None)["key"] == "none"  # the only method is the default
    assert usable_problems({"auth_methods": [], "endpoints": []}) == [
        "Add at least one authentication method before adding instances.",
        "Add at least one endpoint before using this connector in a flow."]
    assert validate_definition([]) == ["A connector definition must be a JSON object."]
