"""--db (and --from, --to) take a libpq conninfo string as the README says, as well as a URL; a secret in it
never shows."""

from __future__ import annotations

from schemactl import render
from schemactl.manifest.load import load_text
from tests.conftest import cli

MANIFEST = "format: 1\nname: cw\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"


def test_diff_reads_a_conninfo_string(tmp_path, pg, pg_test_db):
    path = tmp_path / "cw.yaml"
    path.write_text(MANIFEST)
    pg.execute(render.ddl(load_text(MANIFEST, "cw.yaml"), "postgres"))
    assert "=" in pg_test_db and "://" not in pg_test_db
    result = cli("diff", path, "--db", pg_test_db)
    assert result.exit_code == 0 and "no differences (cw on postgres)" in result.output, result.output
    failed = cli("diff", path, "--db", "host=/nonexistent-schemactl dbname=x password=sekrit")
    assert failed.exit_code == 2 and "sekrit" not in failed.output and "cannot connect" in failed.output


def _escaping_database(pg_server, name: str) -> str:
    """A new, empty database set to standard_conforming_strings = off (its conninfo)."""
    import psycopg
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
        admin.execute(f"ALTER DATABASE {name} SET standard_conforming_strings = off")
    return pg_server.conninfo(name)


SMUGGLED = """\
format: 1
name: legacy
version: 1
tables:
  a:
    comment: "x\\\\'; CREATE TABLE smuggled (i int); --"
    columns:
      id: {type: integer, primary_key: true}
      note: {type: text, default: "y\\\\"}
"""


def test_a_database_reading_backslashes_as_escapes_runs_no_statement_a_literal_holds(tmp_path, pg_server):
    """A database (or role) set to standard_conforming_strings = off reads \\' in a literal as a quote: migrate
    apply ran the CREATE TABLE a manifest's comment held and stored the comment as "x'".  schemactl's sessions
    start with it on, which no database or role setting overrides."""
    import psycopg
    from tests.migrations.chain_support import new_project
    db = _escaping_database(pg_server, "schemactl_legacy_strings")
    root = tmp_path / "p"
    root.mkdir()
    new_project(root, SMUGGLED)
    result = cli("migrate", "apply", "manifests/m.yaml", "--db", db, cwd=root)
    assert result.exit_code == 0, result.output
    with psycopg.connect(db) as conn:
        assert conn.execute("SHOW standard_conforming_strings").fetchone() == ("off",)   # the database's own
        assert conn.execute("SELECT to_regclass('smuggled')").fetchone() == (None,)
        assert conn.execute("SELECT obj_description('a'::regclass)").fetchone() == \
            ("x\\'; CREATE TABLE smuggled (i int); --",)
    result = cli("diff", "manifests/m.yaml", "--db", db, cwd=root)
    assert result.exit_code == 0, result.output


LEGACY_V1 = """\
format: 1
name: legacy
version: 1
tables:
  a:
    comment: "x\\\\'; CREATE TABLE smuggled_fresh (i int); --"
    columns:
      id: {type: integer, primary_key: true}
      code: {type: text, default: "a\\\\d"}
"""
LEGACY_V2 = LEGACY_V1.replace("version: 1", "version: 2") + """\
  b:
    comment: "y\\\\'; CREATE TABLE smuggled_later (i int); --"
    columns:
      id: {type: integer, primary_key: true}
"""


def test_the_generated_files_hold_their_backslashes_on_a_database_reading_them_as_escapes(tmp_path, pg_server):
    """postgres.sql and the migration files, run by psql as the README says (psql -1 -f FILE, the database's own
    settings): on a database set to standard_conforming_strings = off, a manifest's comment "x\\\\'; CREATE
    TABLE …" ran the CREATE TABLE, and a default 'a\\d' became 'ad'.  Files that hold a backslash start by
    setting it on (psql sends each statement on its own; a tool sending a whole file as one query string reads it
    before the SET runs, which the README says)."""
    import psycopg

    from schemactl.migrations.files import chain_dir
    from tests.migrations.chain_support import Chain
    from tests.migrations.test_file_runners import psql_runner
    for db in ("schemactl_legacy_fresh", "schemactl_legacy_chain"):
        _escaping_database(pg_server, db)
    chain = Chain(tmp_path)
    chain.release(LEGACY_V1, "init")
    m2, _ = chain.release(LEGACY_V2, "add_b")
    files = sorted((chain_dir(chain.out) / "postgres").glob("*.sql"))
    assert [f.name for f in files] == ["0001_init.sql", "0002_add_b.sql"]
    fresh = tmp_path / "postgres.sql"
    fresh.write_text(render.ddl(m2, "postgres"), "utf-8")
    for db, texts in {"schemactl_legacy_fresh": [fresh], "schemactl_legacy_chain": files}.items():
        for path in texts:
            ran = psql_runner(pg_server.conninfo(db), path)
            assert ran.returncode == 0, ran.stderr
        with psycopg.connect(pg_server.conninfo(db), autocommit=True) as conn:
            assert conn.execute("SHOW standard_conforming_strings").fetchone() == ("off",)   # the database's own
            assert conn.execute("SELECT to_regclass('smuggled_fresh'), to_regclass('smuggled_later')").fetchone() \
                == (None, None), db
            conn.execute("SET standard_conforming_strings = on")
            assert conn.execute("SELECT obj_description('a'::regclass), obj_description('b'::regclass)").fetchone() \
                == ("x\\'; CREATE TABLE smuggled_fresh (i int); --", "y\\'; CREATE TABLE smuggled_later (i int); --")
            default = conn.execute("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'a'::regclass")
            assert default.fetchone()[0] == "'a\\d'::text", db
