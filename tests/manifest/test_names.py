"""Names live where the engines keep them: index names (and a primary key's or unique constraint's) once per
schema, constraint names once per table.  Two tables with a CHECK and a foreign key of the same name (as
pg_dumps of real schemas have) load, and their DDL applies on both engines."""

from __future__ import annotations

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_text

TWO_TABLES = """\
format: 1
name: names
version: 1
tables:
  a:
    columns:
      id: {type: integer, primary_key: true}
      hash: {type: bytes}
      parent: {type: integer, references: {table: a, column: id, name: fk_parent}}
    checks:
      - {name: chk_hash_length, expr: "hash IS NULL OR id > 0"}
  b:
    columns:
      id: {type: integer, primary_key: true}
      hash: {type: bytes}
      parent: {type: integer, references: {table: b, column: id, name: fk_parent}}
    checks:
      - {name: chk_hash_length, expr: "hash IS NULL OR id > 1"}
"""


def test_constraint_names_repeat_across_tables_on_both_engines(pg, tmp_path):
    m = load_text(TWO_TABLES, "names.yaml")
    pg.execute(render.ddl(m, "postgres"))
    got = pg.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype IN ('c', 'f') AND conrelid <> 0 "
                     "ORDER BY 1, 2").fetchall()
    assert got == [("a", "chk_hash_length"), ("a", "fk_parent"), ("b", "chk_hash_length"), ("b", "fk_parent")]
    conn = sqlite_engine.connect(tmp_path / "n.db")
    conn.executescript(render.ddl(m, "sqlite"))
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")] == ["a", "b"]
    conn.close()


def test_an_index_name_is_still_one_per_schema():
    from schemactl.errors import ManifestInvalid
    import pytest
    text = TWO_TABLES.replace("    checks:\n      - {name: chk_hash_length, expr: \"hash IS NULL OR id > 1\"}\n",
                              "    indexes:\n      - {name: a_pkey, columns: [hash]}\n")
    with pytest.raises(ManifestInvalid) as info:
        load_text(text, "names.yaml")
    assert [str(d) for d in info.value.diagnostics] == [
        'names.yaml:18:9: error: table "b": index name "a_pkey" is already used by another object; give it a '
        "distinct name"]
