"""The spec cache (conformance/spec_cache.py): the same schema as schemathesis' own loader, keyed by
content, never stale, and harmless when the cache folder is unusable."""

from __future__ import annotations

import os

import pytest
import schemathesis

from conformance import spec_cache
from conformance.suites import spec_path

API = "pega-fabric-hub-sync-v1"  # the smallest bundled spec


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CONFORMANCE_CACHE_DIR", str(folder))
    return folder


def test_schema_equals_from_path_and_is_read_from_the_cache_the_second_time(cache):
    stock = schemathesis.openapi.from_path(spec_path(API))
    first = spec_cache.openapi_schema(API)
    entries = list(cache.glob("*.json"))
    assert len(entries) == 1
    second = spec_cache.openapi_schema(API)
    for loaded in (first, second):
        assert loaded.raw_schema == stock.raw_schema
        assert loaded.location == stock.location
        assert [o.ok().label for o in loaded.get_all_operations()] == [o.ok().label for o in stock.get_all_operations()]
    assert list(cache.glob("*.json")) == entries


def test_changed_spec_is_parsed_again(cache, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: a, version: '1'}\npaths: {}\n", encoding="utf-8")
    assert spec_cache.document(spec)["info"]["title"] == "a"
    spec.write_text("openapi: 3.1.0\ninfo: {title: b, version: '1'}\npaths: {}\n", encoding="utf-8")
    assert spec_cache.document(spec)["info"]["title"] == "b"
    assert len(list(cache.glob("*.json"))) == 2


def test_damaged_entry_is_parsed_again(cache, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: a, version: '1'}\npaths: {}\n", encoding="utf-8")
    spec_cache.document(spec)
    (entry,) = cache.glob("*.json")
    entry.write_text('{"cut sho', encoding="utf-8")
    assert spec_cache.document(spec)["info"]["title"] == "a"


def test_what_json_cannot_carry_exactly_is_not_cached(cache, tmp_path):
    spec = tmp_path / "spec.yaml"
    # NaN goes through JSON as NaN but is not equal to itself: the round trip is not exact
    spec.write_text("openapi: 3.1.0\ninfo: {title: a, version: '1'}\npaths: {}\nx-limit: .nan\n", encoding="utf-8")
    assert spec_cache.document(spec)["info"]["title"] == "a"
    assert not cache.exists() or not list(cache.glob("*.json"))


def test_unwritable_cache_folder_only_costs_the_parse(tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("CONFORMANCE_CACHE_DIR", str(blocked / "specs"))
    assert spec_cache.openapi_schema(API).raw_schema["openapi"].startswith("3.")
    assert os.path.isfile(blocked)
