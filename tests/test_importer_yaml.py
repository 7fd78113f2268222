"""schemactl.importer_yaml writes exactly what yaml.safe_dump writes (the imported manifest's text)."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemactl import importer_yaml


def _reference(doc, width=110) -> str:
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, allow_unicode=True, width=width)


# Strings that exercise PyYAML's scalar styles: indicators, implicit types, spaces, quotes, line breaks,
# non-ASCII and non-printable characters, and long texts that fold at the width.
_WORDS = ["a", "id", "type", "bigint", "true", "no", "null", "~", "1", "0x1f", "1.5", "1e3", ".inf", "-", "- a",
          "?", ": x", "a: b", "#", "a #b", "'q'", 'd"q', "x'y", "{}", "[a]", "a,b", "*ref", "&x", "!t", "%p", "@a",
          "`b", "|", ">", "---", "...", " lead", "trail ", "two  spaces", "line\nbreak", "end\n", "\n", "tab\tx",
          "é", "日本", "\x85", "\u2028", "\x07bell", "\ufeff", "", "=", "<<", "2001-01-01", "LENGTH(name) > 0",
          "state <> 'closed'", "x" * 130]
_text = st.one_of(st.sampled_from(_WORDS), st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30).map(" ".join),
                  st.text(max_size=40))
_scalar = st.one_of(_text, st.integers(-10**20, 10**20), st.booleans(), st.none(),
                    st.floats(allow_nan=True, allow_infinity=True))
_doc = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=6),
                                                     st.dictionaries(_text, inner, max_size=6)), max_leaves=40)
_name = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True)   # keys as a manifest has them (no fallback)
_plain_doc = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=6),
                                                           st.dictionaries(_name, inner, max_size=6)), max_leaves=40)


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.one_of(st.dictionaries(_text, _doc, min_size=1, max_size=6),
                 st.dictionaries(_name, _plain_doc, min_size=1, max_size=6)), st.sampled_from([40, 80, 110]))
def test_same_text_as_safe_dump(doc, width):
    assert importer_yaml.dump(doc, width) == _reference(doc, width)


def test_shared_objects_and_other_types_fall_back():
    shared = {"a": [1, 2]}
    doc = {"x": shared, "y": shared, "z": ["s", {"k": "v"}]}
    assert importer_yaml.dump(doc) == _reference(doc)
    assert "&id001" in importer_yaml.dump(doc)
    import datetime
    doc = {"d": datetime.date(2020, 1, 2), "t": {"u": [datetime.date(2021, 1, 1)]}}
    assert importer_yaml.dump(doc) == _reference(doc)


def test_manifest_shape():
    doc = {"format": 1, "name": "s", "version": 1, "enums": {"state": ["new", "active"]},
           "tables": {"t": {"columns": {"id": {"type": "bigint", "primary_key": True, "identity": True},
                                        "n": {"type": "text", "default": {"sql": {"postgres": "'a'::text",
                                                                                   "sqlite": "'a'"}}}},
                            "indexes": [{"name": "i", "columns": ["n", {"column": "id", "order": "desc"}],
                                         "where": {"postgres": "n <> 'x' " * 20, "sqlite": "n"}}]}}}
    assert importer_yaml.dump(doc) == _reference(doc)
