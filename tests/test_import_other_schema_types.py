"""A column whose type (or element type) is an enum, composite or range type of another schema than the imported
one: import kept it as postgres_type: util.color (or public.pair, shown bare where the read path reaches it), a
type the manifest, which holds one schema, never creates, so the generated DDL failed on PostgreSQL (parity: type
"util.color" does not exist).  Now the table is listed as not mapped, as one with a composite or range type of
the schema itself is, with how to bring the type over."""

from __future__ import annotations

import json

import psycopg
import yaml

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from tests.conftest import RESET_SQL, cli


def _builds_on_both(path, pg_conninfo):
    m = load_file(path)
    sqlite_engine.apply(sqlite_engine.connect(":memory:"), render.ddl(m, "sqlite"))
    with psycopg.connect(pg_conninfo, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute(render.ddl(m, "postgres"))


def test_a_column_of_another_schemas_types_leaves_its_table_out_with_a_word(pg, pg_server, pg_test_db, tmp_path):
    pg.execute("""
        CREATE SCHEMA app; CREATE SCHEMA util;
        CREATE TYPE util.color AS ENUM ('red', 'green');
        CREATE TYPE public.pair AS (a int, b int);
        CREATE TABLE app.painted (id int PRIMARY KEY, c util.color);
        CREATE TABLE app.palettes (id int PRIMARY KEY, cs util.color[]);
        CREATE TABLE app.pairs (id int PRIMARY KEY, p public.pair);
        CREATE TABLE app.plain (id int PRIMARY KEY, painted_id int REFERENCES app.painted (id));""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "--schema", "app", "-o", out)
    assert result.exit_code == 0, result.output
    assert ('not mapped: table "painted": column "c" has type util.color, an enum type of schema util, which the '
            "manifest (of schema app) does not create; move the type (ALTER TYPE util.color SET SCHEMA app) and "
            "import again, or keep the table in the application's migrations") in result.output, result.output
    assert 'not mapped: table "palettes": column "cs" has type util.color[], an enum type' in result.output
    assert 'not mapped: table "pairs": column "p" has type public.pair, a composite type of schema public' \
        in result.output
    assert set(yaml.safe_load(out.read_text())["tables"]) == {"plain"}
    result = cli("diff", out, "--db", pg_server.url("schemactl_tests"), "--format", "json")
    found = sorted(f["code"] for f in json.loads(result.output)["findings"])
    assert found == ["SC102", "SC102", "SC102", "SC322"], result.output   # the three tables listed, a key to one
    _builds_on_both(out, pg_test_db)


def test_the_public_schemas_import_of_another_schemas_enum(pg, pg_server, pg_test_db, tmp_path):
    pg.execute("CREATE SCHEMA util; CREATE TYPE util.mood AS ENUM ('ok');"
               "CREATE TABLE notes (id int PRIMARY KEY, m util.mood); CREATE TABLE other (id int PRIMARY KEY);")
    ddl = tmp_path / "schema.sql"
    ddl.write_text("CREATE SCHEMA util;\nCREATE TYPE util.mood AS ENUM ('ok');\n"
                   "CREATE TABLE notes (id int PRIMARY KEY, m util.mood);\nCREATE TABLE other (id int PRIMARY KEY);\n")
    for source in (("--db", pg_server.url("schemactl_tests")), ("--ddl", ddl, "--dialect", "postgres")):
        out = tmp_path / "app.yaml"
        result = cli("import", *source, "-o", out, "--force")
        assert result.exit_code == 0, result.output
        assert 'table "notes": column "m" has type util.mood, an enum type of schema util, which the manifest (of ' \
               "schema public) does not create" in result.output, result.output
        assert set(yaml.safe_load(out.read_text())["tables"]) == {"other"}
        _builds_on_both(out, pg_test_db)


def test_a_domain_over_another_schemas_enum_leaves_its_table_out_too(pg, pg_server, pg_test_db, tmp_path):
    """The schema's own domain over util.color (or an array of one): the column read as the domain's base type,
    postgres_type util.color, which the generated DDL never creates (parity failed)."""
    pg.execute("""CREATE SCHEMA util; CREATE TYPE util.color AS ENUM ('red', 'green');
                  CREATE DOMAIN hue AS util.color; CREATE DOMAIN hues AS hue[];
                  CREATE TABLE paints (id integer PRIMARY KEY, h hue);
                  CREATE TABLE palettes (id integer PRIMARY KEY, hs hues);
                  CREATE TABLE other (id integer PRIMARY KEY);""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    assert ('not mapped: table "paints": column "h" has type hue, a domain over util.color, an enum type of schema '
            "util, which the manifest (of schema public) does not create; move the type (ALTER TYPE util.color SET "
            "SCHEMA public)") in result.output, result.output
    assert 'not mapped: table "palettes": column "hs" has type hues, a domain over util.color[], an enum type' \
        in result.output, result.output
    assert set(yaml.safe_load(out.read_text())["tables"]) == {"other"}
    _builds_on_both(out, pg_test_db)


def test_an_index_or_check_calling_another_schemas_function_is_listed_not_kept(pg, pg_server, pg_test_db, tmp_path):
    """An expression index or a CHECK calling util.slugify(): kept for PostgreSQL only (SQLite rejected it), so the
    generated DDL called a function of a schema the manifest never creates (parity: schema "util" does not
    exist).  A string that only looks qualified ('util.x') is no such name."""
    pg.execute("""CREATE SCHEMA util;
                  CREATE FUNCTION util.slugify(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(t) $$;
                  CREATE TABLE items (id integer PRIMARY KEY, title text, note text,
                                      CONSTRAINT items_slugged CHECK (util.slugify(title) = title),
                                      CONSTRAINT items_note CHECK (note <> 'util.x'));
                  CREATE INDEX items_slug ON items (util.slugify(title));
                  CREATE INDEX items_some ON items (id) WHERE util.slugify(note) <> '';
                  CREATE INDEX items_title ON items (title) WHERE note <> 'util.x';""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    for what in ('check "items_slugged"', 'index "items_slug"', 'index "items_some"'):
        assert (f'not mapped: table "items", {what}: names schema util, which the manifest (one schema) does not '
                "hold; keep the") in result.output, result.output
    items = yaml.safe_load(out.read_text())["tables"]["items"]
    assert [c["name"] for c in items["checks"]] == ["items_note"]
    assert [i["name"] for i in items["indexes"]] == ["items_title"]
    _builds_on_both(out, pg_test_db)


def test_a_view_reading_another_schemas_table_says_so(pg, pg_server, pg_test_db, tmp_path):
    """A view over util.countries was listed as reading "missing table or view countries (did you mean
    items_countries?)", a typo's hint for what is another schema's table.  A table of the manifest whose name is
    also a schema's (audit.at, a column of the table audit) is no other schema."""
    pg.execute("""CREATE SCHEMA util; CREATE SCHEMA audit;
                  CREATE TABLE util.countries (code text PRIMARY KEY, name text);
                  CREATE TABLE items (id integer PRIMARY KEY, country text);
                  CREATE TABLE audit (id integer PRIMARY KEY, at timestamptz);
                  CREATE VIEW items_countries AS SELECT i.id, c.name FROM items i
                      JOIN util.countries c ON c.code = i.country;
                  CREATE VIEW audit_days AS SELECT audit.id, audit.at FROM audit;""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    assert ('not mapped: view "items_countries": names schema util, which the manifest (one schema) does not hold; '
            "keep the view in the application's migrations") in result.output, result.output
    assert "did you mean" not in result.output
    assert set(yaml.safe_load(out.read_text())["views"]) == {"audit_days"}
    _builds_on_both(out, pg_test_db)
