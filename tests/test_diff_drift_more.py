"""diff reports drift a database built from schemactl's own DDL can be given by hand, which it took for "no
differences" (exit 0): a disabled trigger, a NOT VALID foreign key, SECURITY DEFINER or SET on a function, a view's
options, the RETURN of schemactl's trigger function, a partial full-text index, a policy's cast to another type
(PostgreSQL); the FTS5 sync triggers' definitions, the FTS5 table's options and a column's collation (SQLite)."""

from __future__ import annotations

import pytest

from schemactl import render
from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_text
from tests.conftest import cli, findings

MANIFEST = load_text("""
format: 1
name: drift
version: 1
functions:
  touch:
    postgres: |
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.note := coalesce(NEW.note, '');
        RETURN NEW;
      END
      $$
  guarded:
    postgres: "CREATE FUNCTION guarded() RETURNS integer LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$ SELECT 1 $$"
tables:
  owners:
    columns:
      id: {type: integer, primary_key: true}
      name: text
  items:
    postgres: {row_level_security: true}
    columns:
      id: {type: integer, primary_key: true}
      owner_id: {type: integer, references: owners.id}
      code: {type: text, nullable: false}
      qty: {type: integer, nullable: false, default: 0}
      note: text
    search: {name: items_search, columns: [code, note]}
    policies:
      items_owner:
        using: "owner_id = CAST(current_setting('app.owner') AS INT)"
  audit:
    columns:
      id: {type: integer, primary_key: true, identity: true}
      item_id: integer
views:
  item_codes:
    sql: "SELECT id, code FROM items"
triggers:
  items_fill:
    table: items
    timing: before
    on: insert
    do: ["INSERT INTO audit (item_id) VALUES (NEW.id)"]
  items_touch:
    table: items
    timing: before
    on: update
    function: touch
""", "drift.yaml")


def _found(conn, engine: str) -> list:
    return diff(expect(MANIFEST, engine), introspect(conn, engine))


def _said(found) -> str:
    return "\n".join(f"{f.code} {f.path}: {f.message}: {f.expected} -> {f.actual}" for f in found)


@pytest.fixture
def built_pg(pg):
    pg.execute(render.ddl(MANIFEST, "postgres"))
    assert findings(MANIFEST, pg, "postgres") == []
    return pg


@pytest.fixture
def built_sqlite(sqlite_db):
    from schemactl.engines import sqlite as sqlite_engine
    sqlite_engine.apply(sqlite_db, render.ddl(MANIFEST, "sqlite"))
    assert findings(MANIFEST, sqlite_db, "sqlite") == []
    return sqlite_db


def _one(found, code: str):
    hits = [f for f in found if f.code == code]
    assert len(hits) == 1, _said(found)
    assert [f for f in found if f.code != code] == [], _said(found)
    return hits[0]


# ---- PostgreSQL ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, said", [("DISABLE", "DISABLE"), ("ENABLE REPLICA", "ENABLE REPLICA"),
                                        ("ENABLE ALWAYS", "ENABLE ALWAYS")])
@pytest.mark.parametrize("trigger", ["items_fill", "items_touch"])
def test_a_trigger_that_fires_otherwise_is_reported(built_pg, trigger, mode, said):
    built_pg.execute(f"ALTER TABLE items {mode} TRIGGER {trigger}")
    f = _one(_found(built_pg, "postgres"), "SC105")
    assert (f.path, f.manifest_path) == (f"trigger {trigger}", ("triggers", trigger))
    assert f.message == f'trigger "{trigger}" on "items" holds what the manifest cannot declare'
    assert said in f.actual, f.actual


def test_a_not_valid_foreign_key_is_reported(built_pg):
    built_pg.execute("ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey; ALTER TABLE items ADD CONSTRAINT "
                     "items_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID")
    f = _one(_found(built_pg, "postgres"), "SC105")
    assert f.path == "items/foreign key items_owner_id_fkey"
    assert "NOT VALID" in f.actual, f.actual


@pytest.mark.parametrize("change", [
    "ALTER FUNCTION touch() SECURITY DEFINER",
    "ALTER FUNCTION touch() SET search_path = public",
    "ALTER FUNCTION touch() SET work_mem = '64MB'",
    "ALTER FUNCTION guarded() SECURITY INVOKER",
    "ALTER FUNCTION guarded() RESET search_path",
    "ALTER FUNCTION guarded() SET search_path = pg_temp, public",
])
def test_a_declared_functions_security_and_settings_are_compared(built_pg, change):
    built_pg.execute(change)
    f = _one(_found(built_pg, "postgres"), "SC393")
    name = change.split()[2].split("(")[0]
    assert (f.path, f.message) == (f"function {name}", f'function "{name}" differs')


@pytest.mark.parametrize("change, said", [
    ("ALTER FUNCTION items_fill_fn() SECURITY DEFINER", "security definer"),
    ("ALTER FUNCTION items_fill_fn() SET search_path = public, pg_temp", "set search_path=public,pg_temp"),
])
def test_security_and_settings_of_schemactls_trigger_function_are_compared(built_pg, change, said):
    built_pg.execute(change)
    f = _one(_found(built_pg, "postgres"), "SC373")
    assert (f.path, f.message) == ("trigger items_fill", 'trigger "items_fill" differs')
    assert said in f.actual and said not in f.expected, (f.expected, f.actual)


@pytest.mark.parametrize("option", ["WITH LOCAL CHECK OPTION", "WITH CASCADED CHECK OPTION"])
def test_a_views_check_option_is_reported(built_pg, option):
    built_pg.execute(f"CREATE OR REPLACE VIEW item_codes AS SELECT id, code FROM items {option}")
    f = _one(_found(built_pg, "postgres"), "SC105")
    assert (f.path, f.manifest_path) == ("view item_codes", ("views", "item_codes"))
    assert f.message == 'view "item_codes" holds what the manifest cannot declare'
    assert "check_option=" + option.split()[1].lower() in f.actual, f.actual


@pytest.mark.parametrize("option", ["security_barrier=true", "security_invoker=true"])
def test_a_views_security_options_are_reported(built_pg, option):
    built_pg.execute(f"ALTER VIEW item_codes SET ({option})")
    f = _one(_found(built_pg, "postgres"), "SC105")
    assert f.path == "view item_codes" and option in f.actual, f.actual


def test_the_return_of_schemactls_trigger_function_is_compared(built_pg):
    body = built_pg.execute("SELECT prosrc FROM pg_proc WHERE proname = 'items_fill_fn'").fetchone()[0]
    assert "RETURN COALESCE(NEW, OLD);" in body
    built_pg.execute("CREATE OR REPLACE FUNCTION items_fill_fn() RETURNS trigger LANGUAGE plpgsql AS $f$"
                     + body.replace("RETURN COALESCE(NEW, OLD);", "RETURN NULL;") + "$f$")
    f = _one(_found(built_pg, "postgres"), "SC373")
    assert "returns COALESCE(NEW, OLD)" in f.expected and "returns NULL" in f.actual, (f.expected, f.actual)


def test_a_trigger_function_with_more_than_its_statements_is_compared(built_pg):
    body = built_pg.execute("SELECT prosrc FROM pg_proc WHERE proname = 'items_fill_fn'").fetchone()[0]
    built_pg.execute("CREATE OR REPLACE FUNCTION items_fill_fn() RETURNS trigger LANGUAGE plpgsql AS $f$"
                     + body.replace("END", "EXCEPTION WHEN others THEN RETURN NULL;\nEND") + "$f$")
    _one(_found(built_pg, "postgres"), "SC373")


def test_a_partial_full_text_index_is_reported(built_pg):
    document = built_pg.execute("SELECT pg_get_indexdef(indexrelid, 1, true) FROM pg_index "
                                "WHERE indexrelid = 'items_search'::regclass").fetchone()[0]
    built_pg.execute(f"DROP INDEX items_search; CREATE INDEX items_search ON items USING gin ({document}) "
                     "WHERE qty > 0")
    f = _one(_found(built_pg, "postgres"), "SC363")
    assert (f.path, f.message) == ("items/search items_search", 'search "items_search" on "items" covers other rows')
    assert (f.expected, f.actual) == ("(none)", "(qty > 0)")


def test_import_lists_the_where_of_a_partial_full_text_index(pg, pg_server, tmp_path):
    pg.execute("CREATE TABLE notes (id integer PRIMARY KEY, body text, qty integer);"
               "CREATE INDEX notes_search ON notes USING gin (to_tsvector('simple', coalesce(body, ''))) "
               "WHERE qty > 0")
    res = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", tmp_path / "app.yaml")
    assert res.exit_code == 0, res.output
    assert ('approximately: search "notes_search" on table "notes": WHERE (qty > 0) left out: the manifest\'s '
            'search covers every row') in res.output, res.output


@pytest.mark.parametrize("using", ["owner_id = CAST(current_setting('app.owner') AS BIGINT)",
                                   "owner_id = CAST(current_setting('app.owner') AS NUMERIC)"])
def test_a_policys_cast_to_another_type_is_reported(built_pg, using):
    built_pg.execute(f"ALTER POLICY items_owner ON items USING ({using})")
    f = _one(_found(built_pg, "postgres"), "SC383")
    assert (f.path, f.message) == ("items/policy items_owner", 'policy "items_owner" on "items" differs')


def test_a_policy_with_the_same_cast_is_no_difference(built_pg):
    built_pg.execute("ALTER POLICY items_owner ON items USING (owner_id = (current_setting('app.owner'))::integer)")
    assert findings(MANIFEST, built_pg, "postgres") == []


# ---- SQLite ----------------------------------------------------------------------------------------------------

def _replace_trigger(conn, name: str, sql: str) -> None:
    conn.executescript(f"DROP TRIGGER {name}; {sql}")


@pytest.mark.parametrize("name, change", [
    ("items_search_ai", lambda sql: sql.replace("AFTER INSERT", "BEFORE INSERT")),
    ("items_search_ai", lambda sql: sql.replace("new.code, new.note", "new.note, new.code")),
    ("items_search_ad", lambda sql: sql[:sql.index("BEGIN")] + "BEGIN SELECT 1; END"),
    ("items_search_au", lambda sql: sql.replace("AFTER UPDATE", "AFTER UPDATE OF code")),
    ("items_search_au", lambda sql: sql.replace("BEGIN", "WHEN new.qty > 0 BEGIN")),
])
def test_the_fts5_sync_triggers_are_compared_whole(built_sqlite, name, change):
    sql = built_sqlite.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (name,)).fetchone()[0]
    changed = change(sql)
    assert changed != sql
    _replace_trigger(built_sqlite, name, changed + ";")
    f = _one(_found(built_sqlite, "sqlite"), "SC363")
    assert (f.path, f.message) == ("items/search items_search",
                                   f'sync trigger "{name}" of search "items_search" on "items" differs')


def test_a_missing_fts5_sync_trigger_is_still_reported(built_sqlite):
    built_sqlite.execute("DROP TRIGGER items_search_au")
    f = _one(_found(built_sqlite, "sqlite"), "SC363")
    assert f.message == 'sync trigger "items_search_au" of search "items_search" on "items" is missing'


def test_the_fts5_tables_options_are_compared(built_sqlite):
    built_sqlite.executescript("""
        DROP TABLE items_search;
        CREATE VIRTUAL TABLE items_search USING fts5(code, note, content='items', content_rowid='rowid',
                                                     tokenize='porter');
    """)
    f = _one(_found(built_sqlite, "sqlite"), "SC363")
    assert f.message == 'search "items_search" on "items" has other FTS5 options'
    assert "tokenize=porter" in f.actual and "tokenize" not in f.expected, (f.expected, f.actual)


def test_fts5_options_spelled_otherwise_are_no_difference(built_sqlite):
    built_sqlite.executescript("""
        DROP TABLE items_search;
        CREATE VIRTUAL TABLE items_search USING fts5(code, "note", content = "items", content_rowid = rowid);
    """)
    assert findings(MANIFEST, built_sqlite, "sqlite") == []


@pytest.mark.parametrize("collation", ["NOCASE", "RTRIM"])
@pytest.mark.parametrize("column", ["id", "name"])
def test_a_columns_collation_on_sqlite_is_reported(sqlite_db, column, collation):
    from schemactl.engines import sqlite as sqlite_engine
    ddl = render.ddl(MANIFEST, "sqlite")
    declared = {"id": "    id INTEGER NOT NULL,\n", "name": "    name TEXT,\n"}[column]
    assert declared in ddl
    sqlite_engine.apply(sqlite_db, ddl.replace(declared, declared.replace(",", f" COLLATE {collation},"), 1))
    f = _one(_found(sqlite_db, "sqlite"), "SC105")
    assert (f.path, f.manifest_path) == (f"owners.{column}", ("tables", "owners", "columns", column))
    assert f.message == f'column "{column}" on "owners" holds what the manifest cannot declare'
    assert f"COLLATE {collation}" in f.actual, f.actual


def test_a_postgres_type_by_another_of_its_names_is_no_drift(pg):
    """postgres_type: int4 (varchar(10), char, timestamptz(3), float8[], float(10), bit) was reported as SC203 on a database
    built from the manifest's own DDL: the catalog says integer, character varying(10), character(1), …; and
    the quoted "char" (the single byte) stays apart from char (character(1)) both ways."""
    m = load_text("""
format: 1
name: own
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      a: {type: text, postgres_type: char}
      b: {type: integer, postgres_type: int4}
      c: {type: text, postgres_type: VARCHAR(10)}
      d: {type: text, postgres_type: 'pg_catalog."char"'}
      e: {type: text, postgres_type: '"char"'}
      f: {type: timestamptz, postgres_type: timestamptz(3)}
      g: {type: text, postgres_type: 'float8[]'}
      h: {type: text, postgres_type: bpchar}
      i: {type: text, postgres_type: float(10)}
      j: {type: text, postgres_type: float(25)}
      k: {type: text, postgres_type: bit}
      l: {type: text, postgres_type: 'decimal(8, 2)'}
      n: {type: text, postgres_type: 'float4[]'}
""", "own.yaml")
    pg.execute(render.ddl(m, "postgres"))
    assert findings(m, pg, "postgres") == []
    pg.execute('ALTER TABLE t ALTER COLUMN a TYPE "char", ALTER COLUMN e TYPE character(1)')
    assert [(f.code, f.path, f.expected, f.actual) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] \
        == [("SC203", "t.a", "character(1)", '"char"'), ("SC203", "t.e", '"char"', "character(1)")]
