"""load_text with ``data`` (import --drizzle and --ddl: the doc the manifest's text was dumped from): the same
model as reading the text, and a problem is still located in the text."""

from __future__ import annotations

import pytest

from schemactl.errors import ManifestInvalid
from schemactl.manifest import yamlpos
from schemactl.manifest.hashing import schema_hash
from schemactl.manifest.load import load_text
from tests.conftest import _same

TEXT = """format: 1
name: shop
version: 1
tables:
  items:
    columns:
      id: {type: bigint, primary_key: true}
      price: {type: "numeric(10,2)", nullable: false, default: 0}
      seen: {type: timestamptz}
    checks: ["price >= 0"]
    indexes:
      - columns: [seen]
"""


def test_the_doc_given_builds_the_model_the_text_builds():
    data = yamlpos.load(TEXT).data
    from_text, from_data = load_text(TEXT, "<t>"), load_text(TEXT, "<t>", data=data)
    assert schema_hash(from_data) == schema_hash(from_text)
    assert from_data.tables == from_text.tables


def test_the_doc_is_not_shared_with_the_model():
    data = yamlpos.load(TEXT).data
    load_text(TEXT, "<t>", data=data)
    assert _same(data, yamlpos.load(TEXT).data)   # (the building changed nothing of the caller's)


def test_a_problem_is_located_in_the_text():
    bad = TEXT.replace("type: timestamptz", "type: timestampz")
    with pytest.raises(ManifestInvalid) as exc:
        load_text(bad, "<t>", data=yamlpos.load(bad).data)
    d = [x for x in exc.value.diagnostics if x.severity == "error"][0]
    assert (d.line, d.col) == (9, 20) and "timestampz" in d.message


@pytest.mark.parametrize("where, text", [
    ("value", TEXT.replace("checks: [\"price >= 0\"]", "checks: [\"price >= 0\"]\n    comment: \"a\\0b\"")),
    ("key", TEXT.replace("      seen: {type: timestamptz}", "      \"se\\0en\": {type: timestamptz}")),
])
def test_a_nul_in_the_doc_given_is_reported_as_in_the_text(where, text):
    """The doc's NUL check reads its JSON text first (a NUL is \\u0000 there): a NUL in a value or a key is still
    found, at the place the text has it."""
    data = yamlpos.load(text).data
    with pytest.raises(ManifestInvalid) as from_text:
        load_text(text, "<t>")
    with pytest.raises(ManifestInvalid) as from_data:
        load_text(text, "<t>", data=data)
    assert [str(d) for d in from_data.value.diagnostics] == [str(d) for d in from_text.value.diagnostics]
    assert any("NUL" in str(d) for d in from_data.value.diagnostics)


def test_the_six_characters_of_a_json_escape_are_no_nul():
    text = TEXT.replace("checks: [\"price >= 0\"]", "checks: [\"price >= 0\"]\n    comment: 'a\\u0000b'")
    data = yamlpos.load(text).data
    assert data["tables"]["items"]["comment"] == "a\\u0000b"
    assert load_text(text, "<t>", data=data).tables[0].comment == "a\\u0000b"
