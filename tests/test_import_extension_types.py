"""A column whose type is one of a trusted extension's (types.PG_EXTENSION_TYPES: citext, hstore, ltree, cube,
isn's isbn13, …): import read citext as plain text (its case-insensitive comparisons gone, listed only as an
approximation) and every other such type as a type without a portable form, with the extension listed as not
mapped, though a manifest's `postgres_type: hstore` makes `generate` create the extension.  Now a column of such a
type (bare, an array of one) of an extension in public, where generate creates it, is `{type: text, postgres_type:
<type>}` as a hand-written manifest declares it, mapped exactly, and neither its extension nor an index by the
type's default operator class is listed: generate's DDL reproduces the database (diff: no differences), from
--ddl as from --db and for a named schema.  An extension kept in another schema is listed as before."""

from __future__ import annotations

import psycopg
import pytest
import yaml

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from schemactl.parity import postgres_target
from tests.conftest import RESET_SQL, cli

SOURCE = """\
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS isn;
CREATE EXTENSION IF NOT EXISTS cube;
{schema}CREATE TABLE {q}t (
  id int PRIMARY KEY,
  email citext NOT NULL DEFAULT 'Nobody'::citext,
  tags hstore,
  paths ltree[],
  book isbn13,
  box cube,
  CONSTRAINT t_email_check CHECK (email <> 'ADMIN'::citext)
);
CREATE UNIQUE INDEX t_email ON {q}t (email);
CREATE INDEX t_tags ON {q}t USING gin (tags);
CREATE INDEX t_paths ON {q}t USING gist (paths);
"""

EXPECTED = {
    "id": {"type": "integer", "primary_key": True},
    "email": {"type": "text", "postgres_type": "citext", "nullable": False, "default": "Nobody"},
    "tags": {"type": "text", "postgres_type": "hstore"},
    "paths": {"type": "text", "postgres_type": "ltree[]"},
    "book": {"type": "text", "postgres_type": "isbn13"},
    "box": {"type": "text", "postgres_type": "cube"},
}

# the imported schema: public, or app with the extensions in public (as CREATE EXTENSION puts them there)
SCHEMAS = {"public": "", "app": "CREATE SCHEMA app;\n"}


def _source(schema: str) -> str:
    return SOURCE.format(schema=SCHEMAS[schema], q="" if schema == "public" else f"{schema}.")


def _imported(out, result) -> dict:
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(out.read_text())
    assert doc["tables"]["t"]["columns"] == EXPECTED, out.read_text()
    # the same types on PostgreSQL: CREATE EXTENSION for each, in public (where the catalog shows them bare)
    m = load_file(out)
    ddl = render.ddl(m, "postgres")
    for ext in ("citext", "cube", "hstore", "isn", "ltree"):
        assert f"CREATE EXTENSION IF NOT EXISTS {ext} WITH SCHEMA public;" in ddl
    # a citext compares without case: the CHECK and the default keep their casts to it
    check = doc["tables"]["t"]["checks"][0]["expr"]
    assert "'ADMIN'::citext" in check["postgres"] and "citext" not in check["sqlite"].lower()
    indexes = {i["name"]: i for i in doc["tables"]["t"]["indexes"]}
    assert set(indexes) == {"t_email", "t_tags", "t_paths"}
    assert (indexes["t_tags"]["method"], indexes["t_paths"]["method"]) == ("gin", "gist")
    # what the summary says: everything mapped exactly; neither the type nor its extension is listed
    assert "0 approximately, 0 not mapped" in result.output, result.output
    for word in ("citext -> text", "no portable type", 'extension "', "operator class"):
        assert word not in result.output
    sqlite_engine.apply(sqlite_engine.connect(":memory:"), render.ddl(m, "sqlite"))
    return doc


def _diff_clean(manifest, url):
    result = cli("diff", manifest, "--db", url)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("schema", SCHEMAS)
def test_ddl_import_keeps_extension_types_and_generate_reproduces_them(schema, tmp_path, pg_server, pg,
                                                                       scratch_server):
    (tmp_path / "s.sql").write_text(_source(schema))
    out = tmp_path / "app.yaml"
    result = cli("import", "--ddl", tmp_path / "s.sql", "--dialect", "postgres", "--postgres-url", pg_server.url(),
                 *(("--schema", schema) if schema != "public" else ()), "-o", out)
    doc = _imported(out, result)
    assert doc.get("postgres", {}).get("schema", "public") == schema
    # generate's DDL applied to a fresh database reads back as the manifest
    pg.execute(render.ddl(load_file(out), "postgres"))
    _diff_clean(out, pg_server.url("schemactl_tests"))
    assert [str(f) for f in postgres_target(load_file(out), scratch_server).findings] == []


@pytest.mark.parametrize("schema", SCHEMAS)
def test_db_import_keeps_extension_types_and_diff_finds_no_drift(schema, tmp_path, pg_server, pg, pg_test_db):
    pg.execute(_source(schema))
    url = pg_server.url("schemactl_tests")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", url, *(("--schema", schema) if schema != "public" else ()), "-o", out)
    _imported(out, result)
    _diff_clean(out, url)   # the imported database itself
    with psycopg.connect(pg_test_db, autocommit=True) as conn:   # and generate's DDL on an empty one
        conn.execute(RESET_SQL)
        conn.execute(render.ddl(load_file(out), "postgres"))
    _diff_clean(out, url)


def test_extension_of_another_schema_is_listed_as_before(tmp_path, pg_server, pg):
    """An extension kept in a schema of its own (extensions.hstore): generate creates none there, so its columns
    are approximations (citext's read as text, hstore kept as extensions.hstore) and the extensions are listed."""
    pg.execute("CREATE SCHEMA extensions; CREATE EXTENSION citext SCHEMA extensions;"
               "CREATE EXTENSION hstore SCHEMA extensions;"
               "CREATE TABLE t (id int PRIMARY KEY, email extensions.citext, tags extensions.hstore)")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    columns = yaml.safe_load(out.read_text())["tables"]["t"]["columns"]
    assert columns["email"] == {"type": "text"}
    assert columns["tags"] == {"type": "text", "postgres_type": "extensions.hstore"}
    assert 'table "t", column "email": extensions.citext -> text (citext, of the citext extension' in result.output
    assert 'not mapped: extension "citext"' in result.output and 'not mapped: extension "hstore"' in result.output


def test_a_cast_to_citext_without_a_citext_column_is_read_as_text(tmp_path, pg_server, pg):
    """No column keeps citext, so generate creates no citext extension: a cast to it is a cast to text, and the
    extension is listed, as before."""
    pg.execute("CREATE EXTENSION citext;"
               "CREATE TABLE t (id int PRIMARY KEY, name text CHECK (name <> 'X'::citext))")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(out.read_text())
    assert "citext" not in yaml.safe_dump(doc["tables"])
    assert 'not mapped: extension "citext"' in result.output
    ddl = render.ddl(load_file(out), "postgres")
    assert "EXTENSION" not in ddl and "t_name_check" in ddl
