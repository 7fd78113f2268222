"""schemactl.runtime: standard library only, concurrent start-up, and refusal of tampered histories."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from schemactl.cli import main
from schemactl.runtime import MigrationError, SchemaMismatch, migrate, verify
from tests.conftest import ROOT, cli
from tests.migrations.chain_support import BASE, Chain


def test_import_pulls_in_no_third_party_package():
    code = ("import sys; import schemactl.runtime; "
            "print(sorted(m for m in ('click', 'yaml', 'jinja2', 'sqlglot', 'jsonschema', 'psycopg') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.fixture
def released(tmp_path):
    chain = Chain(tmp_path)
    m1, _ = chain.release(BASE, "init")
    m2, _ = chain.release(BASE.replace("[new, done]", "[new, done, archived]"), "archived")
    return chain, chain.bundle(m2)


def test_migrate_then_verify_on_sqlite(released, tmp_path):
    _, bundle = released
    conn = sqlite3.connect(str(tmp_path / "app.db"))
    assert migrate(conn, bundle) == [1, 2]
    assert migrate(conn, bundle) == []
    verify(conn, bundle)
    verify(conn, bundle, deep=True)
    conn.execute("DROP INDEX items_title_idx")
    with pytest.raises(SchemaMismatch) as info:
        verify(conn, bundle, deep=True)
    assert info.value.differences == ['index "items_title_idx" on "items" is missing']


def test_migrate_then_verify_on_postgres(released, pg):
    _, bundle = released
    assert migrate(pg, bundle) == [1, 2]
    verify(pg, bundle, deep=True)
    pg.execute("ALTER TABLE items ALTER COLUMN note SET NOT NULL")
    with pytest.raises(SchemaMismatch):
        verify(pg, bundle, deep=True)


def test_verify_refuses_an_unmigrated_or_older_database(released, tmp_path):
    chain, bundle = released
    conn = sqlite3.connect(str(tmp_path / "app.db"))
    with pytest.raises(SchemaMismatch):
        verify(conn, bundle)
    first = dict(bundle, engines={e: dict(v, migrations=v["migrations"][:1]) for e, v in bundle["engines"].items()})
    migrate(conn, first)
    with pytest.raises(SchemaMismatch) as info:
        verify(conn, bundle)
    assert "version 1" in str(info.value)


@pytest.mark.parametrize("tamper,message", [
    ("UPDATE schema_version SET checksum = 'x' || checksum WHERE version = 1", "edited"),
    ("UPDATE schema_version SET hash = 'sha256:feed' WHERE version = 2", "does not know"),
    ("INSERT INTO schema_version VALUES (3, 'h', 'c', 'now')", "ahead of this build"),
])
def test_runtime_refuses_a_tampered_history(released, tmp_path, tamper, message):
    _, bundle = released
    conn = sqlite3.connect(str(tmp_path / "app.db"))
    migrate(conn, bundle)
    conn.execute(tamper)
    conn.commit()
    with pytest.raises(MigrationError, match=message):
        migrate(conn, bundle)


def test_edited_or_missing_migration_is_caught_by_check(tmp_path):
    project = tmp_path
    (project / "manifests").mkdir()
    (project / "manifests" / "m.yaml").write_text(BASE)
    def run(*args):
        return cli(*args, cwd=project)

    run("hash", "--write", "manifests/m.yaml")
    assert run("migrate", "new", "manifests/m.yaml", "--name", "init").exit_code == 0
    assert run("generate").exit_code == 0
    assert run("check").exit_code == 0, run("check").output
    sql = project / "generated/chain/migrations/sqlite/0001_init.sql"
    original = sql.read_text()
    # The record block is derived data: a changed one is stale, and generate writes it back.
    sql.write_text(original.replace("INSERT INTO schema_version", "INSERT OR IGNORE INTO schema_version"))
    result = run("check")
    assert result.exit_code == 1 and "0001_init.sql: out of date" in result.output
    assert run("generate").exit_code == 0 and sql.read_text() == original
    # The body is what the checksum covers: an edit there is an edited migration.
    sql.write_text(original.replace("\n-- schemactl:record\n", "-- sneaky\n\n-- schemactl:record\n"))
    result = run("check")
    assert result.exit_code == 1
    assert "generated/chain/migrations/sqlite/0001_init.sql: applied migration was edited" in result.output
    sql.unlink()
    result = run("check")
    assert result.exit_code == 1 and "0001_init.sql: migration is missing" in result.output


def test_manifest_change_without_migration_is_caught_and_destructive_changes_refused(tmp_path):
    import os
    project = tmp_path
    (project / "manifests").mkdir()
    path = project / "manifests" / "m.yaml"
    path.write_text(BASE)
    old = os.getcwd()
    os.chdir(project)
    try:
        r = CliRunner()
        r.invoke(main, ["hash", "--write", "manifests/m.yaml"])
        r.invoke(main, ["migrate", "new", "manifests/m.yaml", "--name", "init"])
        r.invoke(main, ["generate"])
        path.write_text(path.read_text().replace("      note: text\n", ""))
        r.invoke(main, ["hash", "--write", "manifests/m.yaml"])
        result = r.invoke(main, ["check"])
        assert result.exit_code == 1
        assert "manifests/m.yaml: manifest changed without a new migration" in result.output
        refused = r.invoke(main, ["migrate", "new", "manifests/m.yaml", "--name", "drop_note"])
        assert refused.exit_code == 2
        assert "drop column items.note" in refused.output and "--allow-destructive" in refused.output
        assert not (project / "generated/chain/migrations/sqlite/0002_drop_note.sql").exists()
        plan = r.invoke(main, ["migrate", "plan", "manifests/m.yaml"])
        assert "drop column items.note  [destructive" in plan.output
        ok = r.invoke(main, ["migrate", "new", "manifests/m.yaml", "--name", "drop_note", "--allow-destructive"])
        assert ok.exit_code == 0, ok.output
        assert r.invoke(main, ["check"]).exit_code == 0
        db = project / "app.db"
        applied = r.invoke(main, ["migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}"])
        assert applied.exit_code == 0 and "applied 1, 2" in applied.output
        assert "up to date" in r.invoke(main, ["migrate", "apply", "manifests/m.yaml", "--db",
                                               f"sqlite:///{db}"]).output
    finally:
        os.chdir(old)


RACER = textwrap.dedent("""
    import json, sqlite3, sys, time
    from schemactl.runtime import migrate
    bundle = json.load(open(sys.argv[1]))
    start = float(sys.argv[3])
    while time.time() < start:
        time.sleep(0.001)
    if sys.argv[2].startswith("sqlite:"):
        conn = sqlite3.connect(sys.argv[2][len("sqlite:"):])
    else:
        import psycopg
        conn = psycopg.connect(sys.argv[2])
    print(json.dumps(migrate(conn, bundle)))
""")


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_two_processes_migrating_at_once(engine, released, tmp_path, request):
    import time
    _, bundle = released
    slow = json.loads(json.dumps(bundle))
    slow["version"], slow["hash"] = 1, bundle["engines"]["sqlite"]["migrations"][0]["hash"]
    for e in slow["engines"].values():
        del e["migrations"][1:]   # make the first migration take a while so the two overlap
        stmt = "SELECT pg_sleep(0.5)" if e is slow["engines"]["postgres"] else \
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT count(*) FROM n"
        e["migrations"][0]["statements"].insert(0, stmt)
    (tmp_path / "bundle.json").write_text(json.dumps(slow))
    (tmp_path / "racer.py").write_text(RACER)
    target = f"sqlite:{tmp_path / 'app.db'}" if engine == "sqlite" else request.getfixturevalue("pg_test_db")
    if engine == "postgres":
        request.getfixturevalue("pg")  # empties the database
    start = str(time.time() + 1.0)
    procs = [subprocess.Popen([sys.executable, str(tmp_path / "racer.py"), str(tmp_path / "bundle.json"), target,
                               start], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for _ in range(2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    assert sorted(results) == [[], [1]]   # one applied, the other waited and found nothing to do


def test_deep_verify_reads_quoted_index_columns_on_postgres(tmp_path, pg):
    """pg_get_indexdef quotes a column that needs it and doubles a double quote inside: read it back as the
    column's name, not as a difference."""
    chain = Chain(tmp_path)
    text = BASE.replace("      note: text\n", "      'odd \"q\" col': text\n").replace(
        "      - {name: items_title_idx, columns: [title]}\n",
        '      - {name: items_title_idx, columns: [title]}\n      - {name: items_odd_idx, columns: [\'odd "q" col\']}\n')
    m, _ = chain.release(text, "init")
    bundle = chain.bundle(m)
    assert migrate(pg, bundle) == [1]
    verify(pg, bundle, deep=True)
    pg.execute('DROP INDEX items_odd_idx')
    with pytest.raises(SchemaMismatch) as info:
        verify(pg, bundle, deep=True)
    assert info.value.differences == ['index "items_odd_idx" on "items" is missing']


def test_migrate_apply_refuses_an_edited_migration_instead_of_running_it(tmp_path):
    """An edited body is never applied under the lock's old checksum (nor embedded in a bundle)."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.yaml").write_text(BASE)
    assert cli("hash", "--write", "manifests/m.yaml", cwd=tmp_path).exit_code == 0
    assert cli("migrate", "new", "manifests/m.yaml", "--name", "init", cwd=tmp_path).exit_code == 0
    sql = tmp_path / "generated/chain/migrations/sqlite/0001_init.sql"
    sql.write_text(sql.read_text().replace("\n-- schemactl:record\n", "CREATE TABLE sneaky (x);\n\n-- schemactl:record\n"))
    db = tmp_path / "app.db"
    result = cli("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}", cwd=tmp_path)
    assert result.exit_code == 2 and "applied migration was edited" in result.output
    assert not db.exists() or sqlite3.connect(db).execute(
        "SELECT count(*) FROM sqlite_schema WHERE name = 'sneaky'").fetchone() == (0,)


def test_verify_leaves_no_transaction_open_on_postgres(released, pg, pg_test_db):
    import psycopg
    _, bundle = released      # pg: the database emptied first
    with psycopg.connect(pg_test_db) as conn:
        migrate(conn, bundle)
        for deep in (False, True):
            verify(conn, bundle, deep=deep)
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_verify_keeps_the_callers_open_transaction_on_postgres(released, pg, pg_test_db):
    """verify() inside a transaction the service has open: the reads run in a savepoint, so the service's
    work is neither rolled back (verify used to end every transaction) nor committed, even when verify
    fails; the transaction stays open for the service to end."""
    import psycopg
    _, bundle = released
    with psycopg.connect(pg_test_db) as conn:
        migrate(conn, bundle)
        conn.execute("CREATE SCHEMA svc; CREATE TABLE svc.work (x integer)")
        conn.commit()
        for deep in (False, True):
            conn.execute("INSERT INTO svc.work VALUES (1)")
            verify(conn, bundle, deep=deep)
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
            conn.commit()
        conn.execute("INSERT INTO svc.work VALUES (2)")
        with pytest.raises(SchemaMismatch):
            verify(conn, dict(bundle, version=99), deep=True)
        conn.commit()
        assert conn.execute("SELECT x FROM svc.work ORDER BY x").fetchall() == [(1,), (1,), (2,)]
        conn.execute("ALTER TABLE schema_version RENAME TO schema_version_moved")
        with pytest.raises(SchemaMismatch, match="no schema_version table"):   # a failed read, undone alone
            verify(conn, bundle)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        conn.rollback()
        failed = psycopg.connect(pg_test_db)
        with pytest.raises(psycopg.Error):
            failed.execute("SELECT * FROM nothing_here_at_all")
        with pytest.raises(MigrationError, match="transaction has failed"):
            verify(failed, bundle)
        failed.close()


def test_migrate_refuses_the_callers_open_transaction_on_postgres(released, pg, pg_test_db):
    """Each migration commits: migrate() refuses a transaction the caller has open instead of committing
    the caller's work with it (as SQLite's migrate already did)."""
    import psycopg
    _, bundle = released
    with psycopg.connect(pg_test_db) as conn:
        conn.execute("CREATE SCHEMA svc; CREATE TABLE svc.work (x integer)")
        conn.commit()
        conn.execute("INSERT INTO svc.work VALUES (1)")
        with pytest.raises(MigrationError, match="no open transaction"):
            migrate(conn, bundle)
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM svc.work").fetchone() == (0,)
        conn.rollback()
        assert migrate(conn, bundle) == [m["version"] for m in bundle["engines"]["postgres"]["migrations"]]


def test_a_locked_sqlite_database_is_a_migration_error_not_a_raw_exception(released, tmp_path):
    _, bundle = released
    path = str(tmp_path / "app.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE hold (x)")
    import schemactl.runtime as rt
    old, rt.BUSY_TIMEOUT_MS = rt.BUSY_TIMEOUT_MS, 200      # wait briefly here; services wait 30 s
    try:
        conn = sqlite3.connect(path, timeout=0.1)
        with pytest.raises(MigrationError, match="cannot take the database's write lock"):
            migrate(conn, bundle)
    finally:
        rt.BUSY_TIMEOUT_MS = old
        holder.execute("ROLLBACK")


def test_a_file_that_is_not_a_database_is_a_migration_error(released, tmp_path):
    _, bundle = released
    path = tmp_path / "notes.db"
    path.write_text("not a database at all\n" * 20)
    with pytest.raises(MigrationError, match="cannot use the database: file is not a database"):
        migrate(sqlite3.connect(str(path)), bundle)
    assert path.read_text() == "not a database at all\n" * 20


def test_a_postgresql_migration_lock_held_elsewhere_is_waited_for_then_a_migration_error(released, pg_test_db):
    """migrate() waited for PostgreSQL's advisory lock without end (a hung deploy held every other instance), where
    the README promises 30 s as on SQLite, then "cannot take the database's write lock"."""
    import psycopg
    import schemactl.runtime as rt
    _, bundle = released
    key = int(bundle["engines"]["postgres"]["lock_key"])
    with psycopg.connect(pg_test_db, autocommit=True) as holder, psycopg.connect(pg_test_db) as conn:
        from tests.conftest import RESET_SQL
        holder.execute(RESET_SQL)
        holder.execute("SELECT pg_advisory_lock(%s)", (key,))
        old, rt.BUSY_TIMEOUT_MS = rt.BUSY_TIMEOUT_MS, 300      # wait briefly here; services wait 30 s
        try:
            with pytest.raises(MigrationError, match=r"cannot take the database's write lock: another process has "
                                                     r"held schemactl's migration lock .* for 0.3 s"):
                migrate(conn, bundle)
        finally:
            rt.BUSY_TIMEOUT_MS = old
        assert conn.execute("SHOW lock_timeout").fetchone() == ("0",)   # the session's own setting is kept
        holder.execute("SELECT pg_advisory_unlock(%s)", (key,))
        conn.rollback()
        assert migrate(conn, bundle)


FLYWAY = "CREATE TABLE schema_version (installed_rank INT, version TEXT, description TEXT, script TEXT)"
FOREIGN = ("schema_version is not schemactl's version table (it has no version, hash or checksum column: another "
           "tool's?); rename that table: schemactl keeps its history under this name")


def test_another_tools_schema_version_table_is_named_so(released, tmp_path, pg_test_db):
    """Flyway's schema_version (before Flyway 5): migrate raised psycopg's UndefinedColumn (`migrate apply`: exit 3)
    or said "migration failed and was rolled back: no such column: hash" with no migration run, and verify said
    "no schema_version table; run migrate() first"."""
    import psycopg
    from tests.conftest import RESET_SQL
    _, bundle = released
    lite = sqlite3.connect(str(tmp_path / "app.db"))
    lite.execute(FLYWAY)
    lite.commit()
    with psycopg.connect(pg_test_db, autocommit=True) as pg:
        pg.execute(RESET_SQL)
        pg.execute(FLYWAY)
        for conn in (lite, pg):
            with pytest.raises(MigrationError) as failed:
                migrate(conn, bundle)
            assert str(failed.value) == FOREIGN
            with pytest.raises(SchemaMismatch) as mismatch:
                verify(conn, bundle)
            assert mismatch.value.differences == [FOREIGN]
        pg.execute(RESET_SQL)


def test_verify_passes_the_drivers_own_error_on_not_as_never_migrated(released, tmp_path):
    """A file that is no database (or a table the role may not read) was "no schema_version table; run migrate()
    first", which sends the operator to migrate; it is the driver's error, as the Rust runtime has it."""
    _, bundle = released
    path = tmp_path / "notes.txt"
    path.write_text("not a database, but long enough to be read as one's header " * 4)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        verify(sqlite3.connect(str(path)), bundle)


def test_rows_a_migration_leaves_violating_and_rows_that_were_already_there_are_told_apart(tmp_path):
    """A SQLite orphan written while foreign keys were off made every later migration "leave" it; the migration
    that adds the foreign key is the one that leaves its rows violating it."""
    chain = Chain(tmp_path / "chain")
    loose = BASE.replace("references: {table: owners, column: id, on_delete: cascade}", "nullable: true")
    m1, _ = chain.release(loose, "init")
    first = chain.bundle(m1)
    m2, _ = chain.release(BASE, "owner_key")
    db = sqlite3.connect(str(tmp_path / "app.db"))
    assert migrate(db, first) == [1]
    db.execute("INSERT INTO owners (id, name) VALUES (1, 'ann')")
    db.execute("INSERT INTO items (id, owner_id, title) VALUES (1, 1, 'a'), (2, 7, 'b')")   # no key yet: fine
    db.commit()
    with pytest.raises(MigrationError) as left:
        migrate(db, chain.bundle(m2))
    assert str(left.value) == "migration 0002_owner_key leaves 1 row(s) violating foreign keys (first: table items, " \
                              "rowid 2)"
    assert db.execute("SELECT count(*) FROM items").fetchone() == (2,)   # rolled back, rows as they were
