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


# Flow collections that repeat (a column's {type: text, nullable: false} in every table) are written once and
# replayed where the same one starts in the same state and fits on its line: the same text as safe_dump wherever
# they start, whether or not they reach past the width, and never one for another that merely compares equal.
_flow_value = st.one_of(st.sampled_from(["text", "bigint", "a b c d e f", "x" * 60, "", "true", "1", "- a"]),
                        st.sampled_from([True, False, 1, 0, None, 0.0, -0.0, 1.5]))
_flow = st.one_of(st.dictionaries(st.sampled_from(["type", "nullable", "default", "k", "primary_key"]), _flow_value,
                                  max_size=4),
                  st.lists(_flow_value, max_size=4))


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.lists(_flow, min_size=1, max_size=4), st.lists(st.tuples(st.integers(0, 3), _name), min_size=1, max_size=40),
       st.sampled_from([40, 80, 110]))
def test_repeated_flow_collections_are_the_same_text_as_safe_dump(shapes, uses, width):
    import copy
    columns = {f"{name}{i}": copy.deepcopy(shapes[pick % len(shapes)]) for i, (pick, name) in enumerate(uses)}
    doc = {"tables": {"t": {"columns": columns, "nested": [{"deep": copy.deepcopy(shapes[0])}]}}}
    assert importer_yaml.dump(doc, width) == _reference(doc, width)


def test_equal_but_different_scalars_in_repeated_flow_collections():
    # (a float first: the state the others start in is then the same throughout)
    doc = {"z": [1.5], "a": {"x": True}, "b": {"x": 1}, "c": [0.0], "d": [-0.0], "e": {}, "f": [], "g": {"x": True},
           "h": [-0.0], "i": [1], "j": [True]}
    assert importer_yaml.dump(doc) == _reference(doc)


def test_a_repeated_flow_collection_that_no_longer_fits_is_folded_as_safe_dump_folds_it():
    shape = {"type": "a b c d e f", "default": "g h i j"}
    for width in (40, 50, 60):
        doc = {"t": {"k" * n: dict(shape) for n in range(1, 40, 3)}}
        assert importer_yaml.dump(doc, width) == _reference(doc, width)


def test_a_words_analysis_is_pyyamls():
    """importer_yaml takes a name's scalar analysis as known (every style allowed); PyYAML's own agrees."""
    import io
    import random
    import string
    from yaml.emitter import Emitter
    emitter = Emitter(io.StringIO(), allow_unicode=True)
    rnd = random.Random(7)
    words = ["a", "_", "null", "true", "no", "Yes", "ON", "y", "inf", "nan", "e1", "_1", "col_1_3", "x" * 200]
    words += [rnd.choice(string.ascii_letters + "_") + "".join(rnd.choice(string.ascii_letters + string.digits + "_")
                                                               for _ in range(rnd.randrange(30))) for _ in range(3000)]
    for word in words:
        assert importer_yaml._WORD.fullmatch(word)
        assert vars(importer_yaml._word_analysis(word)) == vars(emitter.analyze_scalar(word)), word
    for other in ["1a", "a b", "a-b", "é", "a:", "", "a\n"]:
        assert not importer_yaml._WORD.fullmatch(other)
