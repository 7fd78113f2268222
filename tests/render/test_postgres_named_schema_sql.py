"""postgres.schema other than public: the SQL of views, trigger statements and policies names the manifest's
tables unqualified, as the manifest writes them.  Built on the real PostgreSQL: the DDL applies, parity is
clean, and the trigger finds its table from a session whose search_path does not reach the schema."""

from __future__ import annotations

import psycopg

from schemactl import render
from schemactl.manifest.load import load_file
from schemactl.parity import postgres_target
from tests.conftest import cli

MANIFEST = """\
format: 1
name: postgres-named-schema-objects
version: 1
postgres: {schema: "Sales Data"}
tables:
  items:
    postgres: {row_level_security: true}
    columns:
      id: {type: integer, primary_key: true}
      qty: {type: integer, nullable: false, default: 0}
    policies:
      audited_only:
        command: select
        roles: [public]
        using: "EXISTS (SELECT 1 FROM audit WHERE audit.item_id = items.id)"
  audit:
    columns:
      id: {type: integer, primary_key: true, identity: true}
      item_id: {type: integer, nullable: false}
      change: {type: text, nullable: false}
triggers:
  items_audit_update:
    table: items
    timing: after
    on: update
    do: ["INSERT INTO audit (item_id, change) VALUES (NEW.id, 'update')"]
views:
  big_items:
    sql: "SELECT id, qty FROM items WHERE qty > 10"
  big_item_count:
    sql: "SELECT count(*) AS n FROM big_items"
"""


def test_views_triggers_and_policies_of_a_named_schema_apply_and_run(tmp_path, pg, scratch_server, pg_server):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    m = load_file(path)
    ddl = render.ddl(m, "postgres")
    assert 'CREATE SCHEMA IF NOT EXISTS "Sales Data";\nSET search_path TO "Sales Data", public;\n' in ddl
    assert 'LANGUAGE plpgsql SET search_path = "Sales Data", public AS $schemactl$' in ddl
    pg.execute(ddl)   # failed: relation "items" does not exist (the view, the policy)
    pg.execute("SET search_path TO public")   # the application's session: the schema is not on its path
    pg.execute('INSERT INTO "Sales Data".items (id, qty) VALUES (1, 5), (2, 50)')
    pg.execute('UPDATE "Sales Data".items SET qty = qty + 1')   # failed: relation "audit" does not exist
    assert pg.execute('SELECT item_id, change FROM "Sales Data".audit ORDER BY item_id').fetchall() == \
        [(1, "update"), (2, "update")]
    assert pg.execute('SELECT n FROM "Sales Data".big_item_count').fetchone() == (1,)
    # diff from a new session (search_path "$user", public): views and policies read as the manifest writes them
    res = cli("diff", path, "--db", pg_server.url("schemactl_tests"))
    assert res.exit_code == 0, res.output
    assert [str(f) for f in postgres_target(m, scratch_server).findings] == []


def test_public_schema_ddl_has_no_search_path(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST.replace('postgres: {schema: "Sales Data"}\n', ""))
    ddl = render.ddl(load_file(path), "postgres")
    assert "search_path" not in ddl


def test_migration_adding_them_applies_and_leaves_the_session_path(tmp_path, pg):
    """A migration that adds the view, the trigger and the policy to the named schema: it failed like the DDL
    (relation "items" does not exist); its SET LOCAL search_path ends with its transaction."""
    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    from schemactl.runtime import migrate
    from tests.migrations.chain_support import Chain
    tables_only = MANIFEST.split("triggers:")[0].replace("    postgres: {row_level_security: true}\n", "").replace(
        """    policies:
      audited_only:
        command: select
        roles: [public]
        using: "EXISTS (SELECT 1 FROM audit WHERE audit.item_id = items.id)"
""", "")
    chain = Chain(tmp_path)
    before = pg.execute("SHOW search_path").fetchone()[0]
    for slug, text in (("init", tables_only), ("objects", MANIFEST)):
        m, _ = chain.release(text, slug)
        migrate(pg, chain.bundle(m))
    body = (tmp_path / "generated" / "chain" / "migrations" / "postgres" / "0002_objects.sql").read_text()
    assert 'SET LOCAL search_path TO "Sales Data", public;' in body
    assert pg.execute("SHOW search_path").fetchone()[0] == before
    pg.execute('INSERT INTO "Sales Data".items (id, qty) VALUES (1, 50)')
    pg.execute('UPDATE "Sales Data".items SET qty = 51')
    assert pg.execute('SELECT n FROM "Sales Data".big_item_count').fetchone() == (1,)
    assert pg.execute('SELECT count(*) FROM "Sales Data".audit').fetchone() == (1,)
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres", "Sales Data"))] == []
