"""diff sees what a PostgreSQL database holds beyond what any manifest declares (SC105): an EXCLUDE constraint,
INCLUDE columns, a key's collation, NULLS NOT DISTINCT, a DEFERRABLE unique key … were "no differences" while the
database kept constraints the manifest does not have (the import lists the same things as left out)."""

from __future__ import annotations

from schemactl import render
from schemactl.manifest.load import load_text
from tests.conftest import findings

MANIFEST = load_text("""
format: 1
name: b
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      a: {type: integer, unique: true}
      b: text
    indexes:
      - {name: t_b_idx, columns: [b]}
  s:
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      small: {type: smallint}
  u:
    columns:
      id: {type: smallint, primary_key: true, identity: true}
""", "b.yaml")


def test_what_the_manifest_cannot_declare_is_a_difference(pg):
    pg.execute(render.ddl(MANIFEST, "postgres"))
    assert findings(MANIFEST, pg, "postgres") == []          # a database built from the manifest holds none of it
    pg.execute("""
        DROP INDEX t_b_idx; CREATE INDEX t_b_idx ON t (b COLLATE "C") INCLUDE (a);
        ALTER TABLE t DROP CONSTRAINT t_a_key;
        ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE NULLS NOT DISTINCT (a) DEFERRABLE INITIALLY DEFERRED;
        ALTER TABLE t ADD CONSTRAINT t_ex EXCLUDE USING btree (id WITH =);
        ALTER TABLE t ADD CONSTRAINT t_b_check CHECK (b <> '') NOT VALID;
        ALTER TABLE s ALTER COLUMN id SET GENERATED ALWAYS;
        ALTER TABLE s ALTER COLUMN id SET START WITH 100;
    """)
    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    found = diff(expect(MANIFEST, "postgres"), introspect(pg, "postgres"))
    got = "\n".join(f"{f.code} [{f.engine}] {f.message}: {f.actual}" for f in found)
    # located at the column it is about (a manifest line), not only at its table
    assert [f.manifest_path for f in found if f.code == "SC105" and "identity" in f.message] == \
        [("tables", "s", "columns", "id")]
    for said in ('SC105 [postgres] constraint "t_ex" on "t" holds what the manifest cannot declare',
                 'SC105 [postgres] constraint "t_a_key" on "t" holds what the manifest cannot declare',
                 'SC105 [postgres] index "t_b_idx" on "t" holds what the manifest cannot declare',
                 'SC105 [postgres] index "t_a_key" on "t" holds what the manifest cannot declare',
                 "EXCLUDE USING btree (id WITH =)", "its INCLUDE columns left out", 'COLLATE "C" of a key',
                 "NULLS NOT DISTINCT", "DEFERRABLE INITIALLY DEFERRED", "NOT VALID left out",
                 'SC105 [postgres] identity "id" on "s" holds what the manifest cannot declare: GENERATED ALWAYS '
                 "(the manifest's identity is BY DEFAULT: an INSERT may give the value itself); sequence options "
                 "START 100 INCREMENT 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1"):
        assert said in got, (said, got)
