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
