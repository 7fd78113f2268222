"""An array of the schema's own enum whose name needs quotes ("OrderStatus"[]): the catalog's spelling of a type is
case-folded for comparison, and import kept that spelling as postgres_type '"orderstatus"[]', a type PostgreSQL
does not have (parity: type "orderstatus[]" does not exist).  Now the array is named by the enum's own name."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cli


@pytest.mark.parametrize("schema", [None, "app"])
def test_an_array_of_a_mixed_case_enum_keeps_the_enums_name(pg, pg_server, tmp_path, schema):
    q = f"{schema}." if schema else ""
    pg.execute((f"CREATE SCHEMA {schema};" if schema else "") + f"""
        CREATE TYPE {q}"OrderStatus" AS ENUM ('New', 'Done');
        CREATE TABLE {q}orders (id integer PRIMARY KEY, "Status" {q}"OrderStatus" NOT NULL DEFAULT 'New',
                                history {q}"OrderStatus"[] DEFAULT '{{New}}');""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out, *(("--schema", schema) if schema else ()))
    assert result.exit_code == 0, result.output
    assert 'column "history": "OrderStatus"[] has no portable type: text on SQLite, postgres_type: "OrderStatus"[]' \
        in result.output, result.output
    assert f"history: {{type: text, postgres_type: '{q}\"OrderStatus\"[]', default: '{{New}}'}}" in out.read_text()
    res = cli("diff", out, "--db", pg_server.url("schemactl_tests"), "--format", "json")
    assert json.loads(res.output)["findings"] == [], res.output
    res = cli("parity", out, "--postgres", "url", "--postgres-url", pg_server.url("postgres"))
    assert res.exit_code == 0, res.output
