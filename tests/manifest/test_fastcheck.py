"""The fast schema check never accepts what jsonschema rejects."""

from __future__ import annotations


import jsonschema
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from schemactl.manifest.fastcheck import compile_schema
from schemactl.manifest import yamlpos
from schemactl.manifest.load import json_schema
from tests.conftest import ROOT

FAST = compile_schema(json_schema())
SLOW = jsonschema.Draft202012Validator(json_schema())


def _documents():
    paths = list((ROOT / "manifests").glob("*.yaml")) + list((ROOT / "tests").rglob("*.yaml"))
    docs = []
    for p in sorted(paths):
        try:
            docs.append((p.name, yamlpos.load(p.read_text()).data))
        except yamlpos.YamlSyntaxError:
            pass
    return docs


@pytest.mark.parametrize("name,doc", _documents(), ids=lambda x: x if isinstance(x, str) else "")
def test_agrees_with_jsonschema_on_every_manifest_in_the_repo(name, doc):
    assert FAST(doc) == SLOW.is_valid(doc)


def test_real_manifests_are_accepted_by_both():
    for p in (ROOT / "manifests").glob("*.yaml"):
        doc = yaml.safe_load(p.read_text())
        assert FAST(doc) and SLOW.is_valid(doc)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2), st.sampled_from(
    ["", "text", "uuid", "cascade", "set null", "desc", "now", "x", "sha256:" + "a" * 64, "a.b", "integer_ms"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["type", "nullable", "default", "fn", "sql", "postgres", "sqlite", "columns",
                                     "name", "table", "column", "references", "on_delete", "unique", "where",
                                     "order", "value", "primary_key", "checks", "expr", "indexes", "strict"]),
                    inner, max_size=4)), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({"format": st.sampled_from([1, 2, True]), "name": st.sampled_from(["a", "A", "b-c"]),
                              "version": st.sampled_from([1, 0, "1"]),
                              "tables": st.dictionaries(st.sampled_from(["t", "u"]), _values, max_size=2)}))
def test_never_accepts_what_jsonschema_rejects(doc):
    if FAST(doc):
        assert SLOW.is_valid(doc)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


_VALID = [doc for name, doc in _documents() if SLOW.is_valid(doc)]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_agrees_with_jsonschema_on_one_change_to_a_valid_manifest(data):
    """Valid manifests with one value replaced: both validators must give the same answer,
    so both the accepting and the rejecting side of the fast check are exercised."""
    import copy
    doc = copy.deepcopy(data.draw(st.sampled_from(_VALID)))
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(_values)
    assert FAST(doc) == SLOW.is_valid(doc)


@pytest.mark.parametrize("value", [0.0, 1.0, -3.0, 5000.0, 2.5, float("inf"), float("nan"), True, 7, "WAL"])
def test_a_float_with_no_fraction_is_an_integer_as_json_schema_says(value):
    """JSON Schema's integer is any number whose fraction is zero (YAML's `busy_timeout: 5000.0` loads as a
    float): the fast check agrees with jsonschema on each value at an integer-or-string position (a
    hypothesis run found 0.0 refused by the fast check alone)."""
    import copy
    doc = copy.deepcopy(next(d for d in _VALID if d.get("sqlite", {}).get("pragmas")))
    doc["sqlite"]["pragmas"]["busy_timeout"] = value
    assert FAST(doc) == SLOW.is_valid(doc)


def test_the_compiled_checker_kept_in_the_cache_is_the_same_check(tmp_path):
    """compile_schema(…, cache) writes the compiled code once and reads it back in the next process (here: the
    next call); a file it cannot use (truncated, not code, another schema's) is compiled anew and replaced."""
    import marshal
    docs = [doc for _, doc in _documents()]
    cache = tmp_path / "fastcheck"
    first = compile_schema(json_schema(), cache)
    kept = list(cache.glob("schema-*.marshal"))
    assert len(kept) == 1 and not list(cache.glob("*.tmp"))
    again = compile_schema(json_schema(), cache)
    assert [first(d) for d in docs] == [again(d) for d in docs] == [FAST(d) for d in docs]
    for broken in (kept[0].read_bytes()[:100], marshal.dumps({"not": "code"}), b""):
        kept[0].write_bytes(broken)
        assert [compile_schema(json_schema(), cache)(d) for d in docs] == [FAST(d) for d in docs]
    assert marshal.loads(kept[0].read_bytes()).co_filename == "<schemactl manifest schema>"
    (cache / "schema-0123.marshal").write_bytes(b"stale")   # another schema's: removed when one is written
    kept[0].unlink()
    compile_schema(json_schema(), cache)
    assert [p.name for p in cache.glob("schema-*.marshal")] == [kept[0].name]
    unusable = tmp_path / "a-file"
    unusable.write_text("")
    assert compile_schema(json_schema(), unusable / "fastcheck")(docs[0]) == FAST(docs[0])
