"""Payload: one serialisation shared by data-usage metering and storage, never a stale one."""
from __future__ import annotations

from app.flows.context import Payload


def test_to_bytes_is_serialised_once_and_size_reads_the_same_bytes():
    payload = Payload({"b": [1, 2], "a": "é"})
    first = payload.to_bytes()
    assert first == '{"b":[1,2],"a":"é"}'.encode()
    assert payload.to_bytes() is first
    assert payload.size == len(first)


def test_assigning_data_or_format_makes_the_cache_stale():
    payload = Payload({"a": 1})
    assert payload.to_bytes() == b'{"a":1}'
    payload.data = {"a": 22}
    assert payload.to_bytes() == b'{"a":22}'
    payload.data = "x,y"
    payload.format = "csv"
    assert payload.to_bytes() == b"x,y"
    payload.format = "json"
    assert payload.to_bytes() == b'"x,y"'


def test_with_meta_shares_data_and_bytes_but_not_meta():
    payload = Payload([1, 2], meta={"k": 1})
    body = payload.to_bytes()
    twin = payload.with_meta({"k": 2})
    assert twin.data is payload.data and twin.to_bytes() is body
    assert twin.meta == {"k": 2} and payload.meta == {"k": 1}
    assert Payload([1]).with_meta({}).to_bytes() == b"[1]"  # nothing cached yet: serialised on demand


def test_the_cache_is_not_part_of_equality_or_repr():
    cached, fresh = Payload({"a": 1}), Payload({"a": 1})
    cached.to_bytes()
    assert cached == fresh and repr(cached) == repr(fresh)


def test_text_and_bytes_payloads():
    assert Payload("a,b\n1,2", format="csv").size == 7
    raw = b"\xff\x00"
    assert Payload(raw, format="text").to_bytes() is raw
