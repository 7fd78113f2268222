"""A column whose postgres_type is a type of one of PostgreSQL's trusted extensions (hstore, ltree, isn, cube,
citext, …): the generated DDL named the type without creating its extension, so `parity` (a fresh scratch
database) refused every such manifest ('type "hstore" does not exist'), citext's included, and a migration adding
such a column failed the same way.  The extension is now created (in public, where the catalog's read path shows
its types bare, as the manifest writes them) by the DDL and by the migration that first needs it, from one table
(types.PG_EXTENSION_TYPES); parity and diff read the types, an array of one, an index and a CHECK over them
back clean, in public and in a named schema."""

from __future__ import annotations

import pytest

from schemactl import render
from schemactl.manifest.load import load_text
from schemactl.parity import postgres_target, sqlite_target
from tests.conftest import cli
from tests.migrations.chain_support import new_project, run_ok

TEXT = """\
format: 1
name: ext
version: 1
{schema}tables:
  items:
    columns:
      id: {{type: integer, primary_key: true}}
      name: {{type: text, postgres_type: citext, default: x}}
      attrs: {{type: text, postgres_type: hstore}}
      path: {{type: text, postgres_type: ltree, check: "path <> ''"}}
      paths: {{type: text, postgres_type: "ltree[]"}}
      book: {{type: text, postgres_type: public.isbn13}}
      box: {{type: text, postgres_type: cube}}
    indexes:
      - {{columns: [attrs], method: gin, engines: [postgres]}}
      - {{columns: [path], method: gist, engines: [postgres]}}
views:
  v: {{sql: "SELECT id, name, path FROM items"}}
"""

SCHEMAS = {"public": "", "app": "postgres: {schema: app}\n"}


def test_the_extension_of_a_type_comes_from_one_table():
    from schemactl.types import pg_extension
    assert [pg_extension(t) for t in ("hstore", "ltree[]", "LTREE[][]", "public.lquery", "isbn13", "citext",
                                      "text", "inet", "extensions.hstore", "numeric(10,2)")] == \
        ["hstore", "ltree", "ltree", "ltree", "isn", "citext", None, None, None, None]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_extension_types_pass_parity(schema, scratch_server):
    m = load_text(TEXT.format(schema=SCHEMAS[schema]), "ext.yaml")
    ddl = render.ddl(m, "postgres")
    assert ddl.split("\n\n")[1].splitlines() == [
        f"CREATE EXTENSION IF NOT EXISTS {e} WITH SCHEMA public;" for e in ("citext", "cube", "hstore", "isn", "ltree")]
    assert "EXTENSION" not in render.ddl(m, "sqlite")
    assert [str(f) for f in postgres_target(m, scratch_server).findings] == []
    assert [str(f) for f in sqlite_target(m).findings] == []


@pytest.mark.parametrize("schema", SCHEMAS)
def test_diff_reads_extension_types_back_and_sees_a_changed_one(schema, tmp_path, pg, pg_test_db, pg_server):
    text = TEXT.format(schema=SCHEMAS[schema])
    (tmp_path / "ext.yaml").write_text(text)
    pg.execute(render.ddl(load_text(text, "ext.yaml"), "postgres"))
    url = pg_server.url("schemactl_tests")
    result = cli("diff", tmp_path / "ext.yaml", "--db", url)
    assert result.exit_code == 0, result.output
    table = "app.items" if schema == "app" else "items"
    pg.execute(f"ALTER TABLE {table} ALTER COLUMN box TYPE text")
    result = cli("diff", tmp_path / "ext.yaml", "--db", url)
    assert result.exit_code == 1, result.output
    assert 'SC203 [postgres] column "items.box" has another type' in result.output
    assert "expected: cube" in result.output


def test_a_migration_adding_an_extension_type_creates_the_extension(tmp_path, pg_server):
    base = TEXT.format(schema="").split("      name:")[0] + "      note: text\n"
    root = new_project(tmp_path, base)
    (root / "manifests" / "m.yaml").write_text(
        base.replace("version: 1", "version: 2") + "      attrs: {type: text, postgres_type: hstore}\n")
    run_ok(root, ("hash", "--write", "manifests/m.yaml"),
           ("migrate", "new", "manifests/m.yaml", "--name", "attrs"), ("generate",))
    sql = next(root.glob("generated/*/migrations/postgres/0002_attrs.sql")).read_text()
    assert "CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public;" in sql
    init = next(root.glob("generated/*/migrations/postgres/0001_init.sql")).read_text()
    assert "EXTENSION" not in init
    # parity builds the chain from empty on both engines too
    result = cli("parity", "--postgres-url", pg_server.url(), cwd=root)
    assert result.exit_code == 0, result.output
    assert "no differences" in result.output


def test_every_extension_type_comes_from_a_trusted_extension():
    """The DDL creates the extension of a column's type; only a trusted one (what import may create too, and a
    database owner may install without superuser)."""
    from schemactl.types import PG_EXTENSION_TYPES, TRUSTED_EXTENSIONS
    assert set(PG_EXTENSION_TYPES.values()) <= set(TRUSTED_EXTENSIONS)
    from schemactl import importer
    assert importer.TRUSTED_EXTENSIONS is TRUSTED_EXTENSIONS
