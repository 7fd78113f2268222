"""load_text(defer_checks=True): a model that read and built cleanly comes back before the checks over the
whole model; its ``pending`` runs them and answers exactly as loading without deferral would have."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.errors import ManifestInvalid
from schemactl.manifest.load import checked, load_text

from tests.synthetic import manifest as synthetic

GOOD = synthetic(3)
# a key to a table that does not exist: found by the checks over the whole model, not while building it
MISSING_TABLE = GOOD.replace("table: t0000", "table: t9999", 1)
# and a type nobody knows: found while building, before any check over the whole model
UNKNOWN_TYPE = MISSING_TABLE.replace("type: jsonb", "type: jsonbx", 1)
# both engines take it, and it gives other answers on each: a warning
WARNED = GOOD.replace('default: 0}', 'default: 0, check: "amount % 3 <> 1"}', 1)


def _diagnostics(text: str, defer: bool):
    try:
        return checked(load_text(text, "m.yaml", defer_checks=defer)).warnings
    except ManifestInvalid as exc:
        return ("invalid", tuple(map(str, exc.diagnostics)))


# shapes the JSON Schema refuses (checked with the rest when deferred): only those problems are reported
UNKNOWN_KEY = MISSING_TABLE.replace("primary_key: true,", "primary_key: true, primry: 1,", 1)
NOT_A_MAPPING = MISSING_TABLE.replace("  t0001:\n    columns:\n", "  t0001:\n    columns: 5\n    x:\n", 1)
VERSION_TEXT = MISSING_TABLE.replace("version: 1", "version: one", 1)
NUL_AND_SHAPE = UNKNOWN_KEY.replace("name: bench", 'name: "be\\0nch"', 1)


@pytest.mark.parametrize("text", [GOOD, MISSING_TABLE, UNKNOWN_TYPE, WARNED, UNKNOWN_KEY, NOT_A_MAPPING,
                                  VERSION_TEXT, NUL_AND_SHAPE],
                         ids=["clean", "check-error", "build-error", "warnings", "unknown-key", "not-a-mapping",
                              "version-text", "nul-and-shape"])
def test_deferred_checks_answer_as_loading_at_once(text):
    assert _diagnostics(text, True) == _diagnostics(text, False)


def test_a_model_that_built_cleanly_owes_its_checks():
    m = load_text(MISSING_TABLE, "m.yaml", defer_checks=True)
    assert m.pending is not None and [t.name for t in m.tables] == ["t0000", "t0001", "t0002"]
    for _ in range(2):   # the same answer every time, the checks run once
        with pytest.raises(ManifestInvalid, match=r'm.yaml:\d+:\d+: error: .*references missing table "t9999"'):
            m.pending()


def test_the_checked_model_equals_the_one_loaded_at_once_and_owes_nothing():
    now = load_text(WARNED, "m.yaml")
    later = checked(load_text(WARNED, "m.yaml", defer_checks=True))
    assert later.pending is None and later == now and later.warnings == now.warnings != ()
    assert [t.name for t in later.tables] == [t.name for t in now.tables]   # in foreign-key order


def test_a_build_error_is_raised_at_once_with_what_the_checks_find():
    with pytest.raises(ManifestInvalid) as info:
        load_text(UNKNOWN_TYPE, "m.yaml", defer_checks=True)
    messages = [d.message for d in info.value.diagnostics]
    assert any('unknown type "jsonbx"' in m for m in messages)
    assert any('references missing table "t9999"' in m for m in messages)


@pytest.mark.parametrize("text", [UNKNOWN_KEY, NOT_A_MAPPING, VERSION_TEXT, NUL_AND_SHAPE])
def test_a_refused_shape_is_all_that_is_reported(text):
    kind, messages = _diagnostics(text, True)
    assert kind == "invalid" and messages
    assert not any("t9999" in m for m in messages)   # the missing table is the checks', never reached


BAD = sorted((Path(__file__).parent / "bad").glob("*.yaml"))


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_every_bad_manifest_is_refused_alike_with_checks_deferred(path):
    text = path.read_text("utf-8")
    assert _diagnostics(text, True) == _diagnostics(text, False)
