"""Catalog fidelity: every prebuilt connector carries the auth method types and credential fields the reference
list (/work/shared/reference/connectors.json) documents, unless the definition names the difference as a
deviation with a reason that its notes show (scripts/catalog_specs_deviations.py)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from app.connectors import catalog

REFERENCE = Path("/work/shared/reference/connectors.json")
BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_catalog.py"

pytestmark = pytest.mark.skipif(not REFERENCE.exists(), reason="the reference connector list is not on this machine")


def _plumbing() -> set[str]:
    """The OAuth plumbing fields build_catalog turns into auth settings (never questions on the instance)."""
    spec = importlib.util.spec_from_file_location("build_catalog", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PLUMBING


def _reference() -> dict[str, dict]:
    if not REFERENCE.exists():
        return {}
    return {entry["slug"]: entry for entry in json.loads(REFERENCE.read_text(encoding="utf-8"))}


REF = _reference()


def missing(definition: dict, entry: dict, plumbing: set[str]) -> tuple[set[str], set[str]]:
    """(auth types, credential fields) of the reference entry that the definition does not offer."""
    types = {m["type"] for m in definition["auth_methods"]}
    keys = {v["key"] for v in definition.get("variables") or []}
    keys |= {v["key"] for m in definition["auth_methods"] for v in m.get("variables") or []}
    return ({t for t in entry["auth_methods"] if t not in types},
            {f["name"] for f in entry["credentials"] if f["name"] not in keys and f["name"] not in plumbing})


@pytest.fixture(scope="module")
def plumbing():
    return _plumbing()


def test_every_reference_connector_is_in_the_catalog():
    assert sorted(set(REF) - set(catalog.keys())) == []


@pytest.mark.parametrize("key", sorted(REF))
def test_reference_auth_and_credentials_are_offered_or_a_documented_deviation(key, plumbing):
    definition = catalog.get(key)
    types, fields = missing(definition, REF[key], plumbing)
    deviations = definition.get("deviations") or []
    covered_types = {t for d in deviations for t in d["auth_types"]}
    covered_fields = {f for d in deviations for f in d["fields"]}
    assert {"auth types": sorted(types - covered_types), "fields": sorted(fields - covered_fields)} == \
        {"auth types": [], "fields": []}, f"{key}: add them to the spec or name them in a deviation"
    # A deviation is a claim about the catalog: it must name something really missing, say why, and show in the notes.
    for deviation in deviations:
        assert deviation["reason"] and deviation["reason"] in definition["notes"], key
        assert deviation["auth_types"] or deviation["fields"], key
        assert set(deviation["auth_types"]) <= types and set(deviation["fields"]) <= fields, \
            f"{key}: stale deviation {deviation}"


def test_salsify_offers_the_referenced_client_credentials_and_keeps_the_api_token():
    methods = {m["type"]: m for m in catalog.get("salsify")["auth_methods"]}
    client = methods["oauth2_client_credentials"]
    assert client["settings"]["token_url"] == "https://app.salsify.com/oauth/token"
    assert [v["key"] for v in client["variables"]] == ["client_id", "client_secret"]
    assert client["variables"][1]["secret"]
    assert "token" in methods
    assert not catalog.get("salsify").get("deviations")


def test_shopware_offers_the_admin_password_grant_besides_the_integration():
    methods = {m["key"]: m for m in catalog.get("shopware")["auth_methods"]}
    password = methods["oauth2-password"]
    assert password["settings"]["grant_type"] == "password"
    assert password["settings"]["client_id"] == "administration"
    assert password["settings"]["extra_params"]["username"] == "{{username}}"
    assert {v["key"]: v.get("secret") for v in password["variables"]} == \
        {"username": False, "password": True, "scope": False}
    assert methods["oauth2-client"]["settings"].get("grant_type", "client_credentials") == "client_credentials"


def test_documented_deviations_read_in_the_notes():
    reviews = catalog.get("reviews-io")
    assert reviews["deviations"][0]["auth_types"] == ["basic"]
    assert "apikey" in reviews["notes"] and "Differs from the reference list" in reviews["notes"]
    assert "task_id" in catalog.get("lionwheel")["notes"]
    assert {"user_id", "password"} <= set(catalog.get("onestock")["deviations"][0]["fields"])
