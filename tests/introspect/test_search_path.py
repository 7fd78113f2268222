"""The PostgreSQL catalog is read the same whatever search_path the session has (ALTER ROLE/DATABASE … SET
search_path): format_type, regclass and pg_get_expr qualify a name by the path, so under a role's path
'other, public' a default nextval('other.seq') read as nextval('seq') (the manifest's own sequence: diff
clean, import mapped it exactly) and the manifest's own public.seq as public.seq (diff of the manifest's
own database found a difference)."""

from __future__ import annotations

import psycopg
import pytest

from schemactl import render
from schemactl.introspect import introspect
from schemactl.manifest.load import load_text
from tests.conftest import cli, findings

READER = "schemactl_path_reader"

M = load_text("""\
format: 1
name: paths
version: 1
sequences: {seq: {type: bigint}}
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      n: {type: bigint, default: {nextval: seq}}
""", "paths.yaml")

OTHER = """
CREATE SCHEMA other;
CREATE SEQUENCE other.seq;
CREATE DOMAIN other.qty AS integer;
CREATE DOMAIN public.qty AS integer CHECK (VALUE >= 0);
CREATE FUNCTION other.pick() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 1';
CREATE FUNCTION public.pick() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 2';
CREATE TABLE public.u (id integer PRIMARY KEY, amount other.qty, mine public.qty, k integer DEFAULT other.pick(),
    j integer DEFAULT public.pick() CHECK (j <> other.pick()), s bigint DEFAULT nextval('other.seq'::regclass));
CREATE INDEX u_k ON public.u ((other.pick() + k));
"""


@pytest.fixture
def reader(pg, pg_test_db):
    """A connection as a role whose own search_path puts schema ``other`` before public."""
    pg.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER}') THEN "
               f"CREATE ROLE {READER} LOGIN; END IF; END $$")
    pg.execute(f"ALTER ROLE {READER} SET search_path = other, public")
    pg.execute(render.ddl(M, "postgres"))
    pg.execute(OTHER)
    pg.execute(f"GRANT USAGE ON SCHEMA other, public TO {READER}")
    conn = psycopg.connect(pg_test_db.replace("user=postgres", f"user={READER}"), autocommit=True)
    assert conn.execute("SHOW search_path").fetchone() == ("other, public",)
    try:
        yield conn
    finally:
        conn.close()


def test_the_catalog_reads_the_same_under_a_roles_search_path(pg, reader):
    assert introspect(reader, "postgres") == introspect(pg, "postgres")
    assert reader.execute("SHOW search_path").fetchone() == ("other, public",)   # the session's path kept


def test_diff_of_the_manifests_database_is_clean_and_another_schemas_sequence_is_found(pg, reader):
    pg.execute("DROP TABLE u; DROP FUNCTION public.pick(); DROP DOMAIN public.qty")
    assert findings(M, reader, "postgres") == []
    pg.execute("ALTER TABLE t ALTER COLUMN n SET DEFAULT nextval('other.seq'::regclass)")
    found = findings(M, reader, "postgres")
    assert len(found) == 1 and "other.seq" in found[0], found


def test_inside_a_callers_transaction_nothing_of_the_path_outlives_it(pg, reader):
    reader.autocommit = False
    with reader.transaction():
        reader.execute("SET LOCAL search_path = other")
        assert introspect(reader, "postgres") == introspect(pg, "postgres")
        assert reader.execute("SHOW search_path").fetchone() == ("other",)
    assert reader.execute("SHOW search_path").fetchone() == ("other, public",)
    reader.rollback()


def test_import_under_a_roles_search_path_is_the_owners_import(pg, reader, pg_server, tmp_path):
    url = pg_server.url("schemactl_tests")
    manifests = []
    for who, address in (("owner", url), ("reader", url.replace("postgres@", f"{READER}@"))):
        (tmp_path / who).mkdir()
        out = tmp_path / who / "app.yaml"
        result = cli("import", "--db", address, "-o", out)
        assert result.exit_code == 0, result.output
        manifests.append(out.read_text())
    assert manifests[0] == manifests[1]


def test_copy_writes_the_tables_it_checked_under_a_roles_search_path(pg, reader, tmp_path):
    """copy checked public.t (the catalog is read as public's) but wrote "t" as the role's path resolved it:
    into other.t."""
    from schemactl import datacopy
    from schemactl.engines import sqlite as sqlite_engine
    pg.execute("DROP TABLE u; DROP FUNCTION public.pick(); DROP DOMAIN public.qty; "
               "CREATE TABLE other.t (id integer PRIMARY KEY, n bigint)")
    pg.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public, other TO {READER}")
    pg.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public, other TO {READER}")
    lite = sqlite_engine.connect(str(tmp_path / "src.db"))
    sqlite_engine.apply(lite, render.ddl(M, "sqlite"))
    lite.execute("INSERT INTO t VALUES (1, 5), (2, 6)")
    lite.commit()
    assert datacopy.copy(M, lite, "sqlite", reader, "postgres") == {"t": 2}
    lite.close()
    assert pg.execute("SELECT count(*) FROM public.t").fetchone() == (2,)
    assert pg.execute("SELECT count(*) FROM other.t").fetchone() == (0,)
    assert reader.execute("SHOW search_path").fetchone() == ("other, public",)


def test_copy_and_backup_read_the_tables_they_checked_under_a_callers_search_path(pg, reader, tmp_path):
    """A program's own connection as the source: its role's path 'other, public' made copy and backup read
    other.t's rows after checking public.t."""
    import gzip
    import json

    from schemactl import datacopy
    from schemactl.engines import sqlite as sqlite_engine
    pg.execute("DROP TABLE u; DROP FUNCTION public.pick(); DROP DOMAIN public.qty; "
               "CREATE TABLE other.t (id integer PRIMARY KEY, n bigint); INSERT INTO other.t VALUES (9, 9);"
               "INSERT INTO public.t VALUES (1, 5), (2, 6)")
    pg.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public, other TO {READER}")
    lite = sqlite_engine.connect(str(tmp_path / "dst.db"))
    sqlite_engine.apply(lite, render.ddl(M, "sqlite"))
    assert datacopy.copy(M, reader, "postgres", lite, "sqlite") == {"t": 2}
    assert lite.execute("SELECT id, n FROM t ORDER BY id").fetchall() == [(1, 5), (2, 6)]
    lite.close()
    assert datacopy.backup(M, reader, "postgres", tmp_path / "b.jsonl.gz") == {"t": 2}
    rows = [json.loads(line) for line in gzip.open(tmp_path / "b.jsonl.gz", "rt")]
    assert [1, 5] in rows and [2, 6] in rows and [9, 9] not in rows
    assert reader.execute("SHOW search_path").fetchone() == ("other, public",)


def test_an_enum_of_another_schema_is_not_the_manifests_enum_of_that_name(pg, pg_server, tmp_path):
    """A column of other.mood read as mood (columns.sql names an enum by its bare name): diff of a database whose
    column had been moved to another schema's enum of the same name said "no differences"."""
    from schemactl.diff import diff
    from schemactl.expect import expect
    m = load_text("format: 1\nname: moods\nversion: 1\nenums: {mood: [ok, bad]}\ntables:\n  t:\n    columns:\n"
                  "      id: {type: integer, primary_key: true}\n      m: mood\n", "moods.yaml")
    pg.execute(render.ddl(m, "postgres"))
    assert findings(m, pg, "postgres") == []
    pg.execute("CREATE SCHEMA other; CREATE TYPE other.mood AS ENUM ('x', 'y', 'z');"
               "ALTER TABLE t ALTER COLUMN m TYPE other.mood USING m::text::other.mood")
    got = [(f.code, f.path, f.expected, f.actual) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))]
    assert got == [("SC203", "t.m", "mood", "other.mood")]
    out = tmp_path / "moods.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    # was m: mood (public's labels); then postgres_type: other.mood, a type the generated DDL never creates;
    # t is the only table: nothing is left to import
    assert result.exit_code == 2, result.output
    assert 'table "t": column "m" has type other.mood, an enum type of schema other' in result.output


def test_an_array_of_another_schemas_enum_is_not_the_manifests_enum_array(pg, pg_server, tmp_path):
    """A manifest in schema app: a column moved from app.mood[] to public.mood[] read as mood[] (format_type leaves
    out the schema of an enum the read path reaches, and columns.sql names another schema's enum, not an array of
    one): diff said "no differences", and import took the column for one of app's own mood[]."""
    from schemactl.diff import diff
    from schemactl.expect import expect
    m = load_text("format: 1\nname: moods\nversion: 1\npostgres: {schema: app}\nenums: {mood: [ok, bad]}\n"
                  "tables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                  "      m: {type: \"text[]\", postgres_type: \"app.mood[]\"}\n",
                  "moods.yaml")
    pg.execute(render.ddl(m, "postgres"))
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres", "app"))] == []
    pg.execute("CREATE TYPE public.mood AS ENUM ('x', 'y', 'z');"
               "ALTER TABLE app.t ALTER COLUMN m TYPE public.mood[] USING m::text[]::public.mood[]")
    got = [(f.code, f.path, f.expected, f.actual)
           for f in diff(expect(m, "postgres"), introspect(pg, "postgres", "app"))]
    assert got == [("SC203", "t.m", "mood[]", "public.mood[]")], got
    out = tmp_path / "moods.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "--schema", "app", "-o", out)
    # was mood[]; then postgres_type: public.mood[], a type the generated DDL never creates; t is the only table
    assert result.exit_code == 2, result.output
    assert 'table "t": column "m" has type public.mood[], an enum type of schema public' in result.output


def test_a_failed_read_in_a_callers_transaction_keeps_its_own_error(pg_test_db, monkeypatch):
    """The read of views, policies and triggers with the manifest's schema on the search_path set it back in a
    transaction its query had just failed: the caller saw "current transaction is aborted" instead of the query's
    own error.  (The catalog's queries now go in one batch: the first that fails is the error, none after it runs.)"""
    from schemactl.introspect import postgres as pgi
    monkeypatch.setattr(pgi, "query", lambda name: "SELECT 1 / 0" if name == "views" else "SELECT 1 WHERE false")
    with psycopg.connect(pg_test_db) as conn:
        with pytest.raises(psycopg.errors.DivisionByZero):
            pgi.introspect(conn, "app")
        conn.rollback()
