"""js_string writes exactly what json.dumps(ensure_ascii=False) writes (it skips json for text that
needs no escape)."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from schemactl.render.drizzle_relations import js_string


@settings(max_examples=2000, deadline=None)
@given(st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()), max_size=12))
def test_js_string_is_json_dumps(text):
    assert js_string(text) == json.dumps(text, ensure_ascii=False)


def test_escapes():
    for text in ['a"b', "a\\b", "\x00", "\x1f", "\n\t", "\x7f", "\u2028", "é", "\ud800", ""]:
        assert js_string(text) == json.dumps(text, ensure_ascii=False)
