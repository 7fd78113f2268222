"""Adopting a database that already has the schema (`migrate baseline`), seeing where a database
stands (`migrate status`) and what would run (`migrate apply --dry-run`), on both real engines."""

from __future__ import annotations

import shutil
import sqlite3

import psycopg
import pytest

from tests.conftest import ROOT, cli

GOOD = (ROOT / "manifests" / "memories.yaml").read_text()


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """memories with a two-migration chain, and the DDL of version 1 (what an old database has)."""
    root = tmp_path_factory.mktemp("baseline")
    (root / "manifests").mkdir()
    (root / "manifests" / "memories.yaml").write_text(GOOD)
    assert cli("generate", cwd=root).exit_code == 0
    assert cli("migrate", "new", "manifests/memories.yaml", "--name", "init", cwd=root).exit_code == 0
    old = {e: (root / "generated" / "memories" / f"{e}.sql").read_text() for e in ("sqlite", "postgres")}
    path = root / "manifests" / "memories.yaml"
    path.write_text(path.read_text() + "\n  moods:\n    columns:\n      name: {type: text, primary_key: true}\n")
    result = cli("generate", "--migration", "add_mood", cwd=root)
    assert result.exit_code == 0, result.output
    return root, old


def _project(chain, tmp_path):
    root, old = chain
    work = tmp_path / "p"
    shutil.copytree(root, work)
    return work, old


def _run(work, *args):
    return cli("migrate", *args, cwd=work)


def _sqlite_db(path, ddl):
    conn = sqlite3.connect(path)
    conn.executescript(ddl)
    conn.execute("INSERT INTO capsules (id, owner_principal, title) VALUES ('c1', 'p', 'first')")
    conn.commit()
    conn.close()


def test_sqlite_baseline_status_dry_run_apply(chain, tmp_path):
    work, old = _project(chain, tmp_path)
    db = tmp_path / "old.db"
    _sqlite_db(db, old["sqlite"])
    url = f"sqlite:///{db}"
    status = _run(work, "status", "manifests/memories.yaml", "--db", url)
    assert status.exit_code == 0
    assert status.stdout.split() == ["1", "0001_init", "pending", "2", "0002_add_mood", "pending"]
    assert "no schema_version table" in status.stderr

    wrong = _run(work, "baseline", "manifests/memories.yaml", "--db", url)       # latest: has mood, db has not
    assert wrong.exit_code == 1
    assert 'table "moods" is missing' in wrong.stderr and "nothing was recorded" in wrong.stderr
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert "schema_version" not in tables

    ok = _run(work, "baseline", "manifests/memories.yaml", "--db", url, "--version", "1")
    assert ok.exit_code == 0, ok.output
    assert "at version 1; 1 later migration(s) pending" in ok.stdout
    assert _run(work, "status", "manifests/memories.yaml", "--db", url).stdout.split() == [
        "1", "0001_init", "applied", "2", "0002_add_mood", "pending"]
    again = _run(work, "baseline", "manifests/memories.yaml", "--db", url, "--version", "1")
    assert again.exit_code == 2 and "already has a migration history" in again.stderr

    before = db.read_bytes()
    dry = _run(work, "apply", "manifests/memories.yaml", "--db", url, "--dry-run")
    assert dry.exit_code == 0
    assert "-- would apply 0002_add_mood" in dry.stdout and "CREATE TABLE moods" in dry.stdout
    assert db.read_bytes() == before

    applied = _run(work, "apply", "manifests/memories.yaml", "--db", url)
    assert applied.exit_code == 0 and "applied 2" in applied.stdout
    diff = cli("diff", "manifests/memories.yaml", "--db", url, cwd=work)
    assert diff.exit_code == 0, diff.stdout
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT title FROM capsules").fetchall() == [("first",)]
    conn.execute("UPDATE schema_version SET checksum = 'x' WHERE version = 1")
    conn.commit()
    conn.close()
    edited = _run(work, "status", "manifests/memories.yaml", "--db", url)
    assert edited.exit_code == 1 and edited.stdout.split()[:3] == ["1", "0001_init", "edited"]
    assert _run(work, "apply", "manifests/memories.yaml", "--db", url, "--dry-run").exit_code == 2


def test_postgres_baseline_at_an_older_version_then_apply(chain, tmp_path, pg, pg_server):
    work, old = _project(chain, tmp_path)
    pg.execute(old["postgres"])
    pg.execute("INSERT INTO capsules (id, owner_principal, title) VALUES (gen_random_uuid(), 'p', 'first')")
    url = pg_server.url("schemactl_tests")
    assert _run(work, "baseline", "manifests/memories.yaml", "--db", url).exit_code == 1
    assert pg.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None
    ok = _run(work, "baseline", "manifests/memories.yaml", "--db", url, "--version", "1", "--postgres", "url",
              "--postgres-url", pg_server.url("postgres"))
    assert ok.exit_code == 0, ok.output
    rows = pg.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert rows == [(1,)]
    assert _run(work, "apply", "manifests/memories.yaml", "--db", url).stdout.strip() == "applied 2"
    assert cli("diff", "manifests/memories.yaml", "--db", url, cwd=work).exit_code == 0
    assert pg.execute("SELECT title FROM capsules").fetchall() == [("first",)]
    status = _run(work, "status", "manifests/memories.yaml", "--db", url)
    assert status.exit_code == 0 and status.stdout.split()[2::3] == ["applied", "applied"]


def test_baseline_refuses_a_version_outside_the_chain(chain, tmp_path):
    work, old = _project(chain, tmp_path)
    db = tmp_path / "x.db"
    _sqlite_db(db, old["sqlite"])
    result = _run(work, "baseline", "manifests/memories.yaml", "--db", f"sqlite:///{db}", "--version", "3")
    assert result.exit_code == 2 and "versions 1 to 2" in result.stderr


def test_a_column_added_after_the_existing_ones_migrates_quietly(tmp_path):
    """(A column added between existing ones is refused: tests/migrations/test_column_order.py.)"""
    (tmp_path / "manifests").mkdir()
    path = tmp_path / "manifests" / "memories.yaml"
    path.write_text(GOOD)
    assert cli("migrate", "new", "manifests/memories.yaml", "--name", "init", cwd=tmp_path).exit_code == 0
    path.write_text(path.read_text() + "\n  tags:\n    columns:\n      tag: {type: text}\n      note: text\n")
    quiet = cli("generate", "--migration", "add_tags", cwd=tmp_path)
    assert quiet.exit_code == 0 and "0002_add_tags" in quiet.stderr
    assert "warning" not in quiet.stderr


def test_apply_shows_each_migration_on_a_terminal(chain, tmp_path):
    """On a terminal (a pseudo-terminal here) migrate apply names each migration with its time."""
    from tests.conftest import on_terminal
    work, _ = _project(chain, tmp_path)
    db = tmp_path / "t.db"
    code, out, shown = on_terminal(["migrate", "apply", "manifests/memories.yaml", "--db", f"sqlite:///{db}"], work)
    assert code == 0 and out.strip() == "applied 1, 2"
    lines = shown.splitlines()
    assert [line.split(":")[0] for line in lines] == ["0001_init", "0002_add_mood"]
    assert all(" applied in " in line for line in lines)


def test_messages_about_the_manifest_name_its_file(tmp_path):
    """migrate new names the manifest's file when it cannot set version: in place (an alias uses it)."""
    (tmp_path / "manifests").mkdir()
    path = tmp_path / "manifests" / "memories.yaml"
    path.write_text(GOOD.replace("version: 1", "version: &v 7", 1).replace("default: 0,", "default: *v,", 1))
    result = cli("migrate", "new", "manifests/memories.yaml", "--name", "init", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: manifests/memories.yaml:14:10: cannot set version: in place")
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize("command", [["status"], ["apply", "--dry-run"], ["down", "--to", "0"], ["baseline"]])
def test_a_file_that_is_not_a_database_is_never_read_as_never_migrated(chain, tmp_path, command):
    """Before, status and --dry-run read a damaged file as 'no schema_version table' (exit 0, all pending)."""
    work, _ = _project(chain, tmp_path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(bytes(range(256)) * 12)
    before = junk.read_bytes()
    result = _run(work, command[0], "manifests/memories.yaml", "--db", f"sqlite:///{junk}", *command[1:])
    assert result.exit_code == 2
    assert "file is not a database" in result.stderr and "pending" not in result.stdout
    assert junk.read_bytes() == before


def test_a_locked_database_is_waited_for_then_refused_in_one_line(chain, tmp_path):
    work, old = _project(chain, tmp_path)
    db = tmp_path / "busy.db"
    _sqlite_db(db, old["sqlite"])
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = _run(work, "status", "manifests/memories.yaml", "--db", f"sqlite:///{db}")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2 and "database is locked" in result.stderr and "Traceback" not in result.output


def test_status_and_a_dry_run_on_a_sqlite_file_apply_would_create(chain, tmp_path):
    """`migrate apply` creates the SQLite file; `status` and `apply --dry-run` said "SQLite database … does not
    exist" (exit 2), where an empty PostgreSQL database lists every migration as pending.  Neither creates it."""
    work, _ = _project(chain, tmp_path)
    db = work / "new.db"
    status = _run(work, "status", "manifests/memories.yaml", "--db", f"sqlite:///{db}")
    assert status.exit_code == 0, status.output
    assert "1  0001_init      pending" in status.output and "2  0002_add_mood  pending" in status.output
    # said in so many words: a mistyped path read the same as a new file, "never migrated"
    assert f"SQLite database {db} does not exist yet ({db}): `migrate apply` creates it" in status.stderr
    dry = _run(work, "apply", "manifests/memories.yaml", "--db", f"sqlite:///{db}", "--dry-run")
    assert dry.exit_code == 0 and "2 migrations would be applied; nothing was changed" in dry.output, dry.output
    assert not db.exists()


def test_sqlite_memory_and_a_relative_path_that_is_not_there(chain, tmp_path):
    """migrate apply --db sqlite:///:memory: said "applied 1, 2" (exit 0) into a database gone with the command;
    a missing relative path (sqlite:///var/lib/app.db, meant absolute) said only "does not exist"."""
    work, _ = _project(chain, tmp_path)
    memory = _run(work, "apply", "manifests/memories.yaml", "--db", "sqlite:///:memory:")
    assert memory.exit_code == 2 and "sqlite:///:memory: is a database that ends with the command" in memory.stderr
    diff = cli("diff", "manifests/memories.yaml", "--db", "sqlite:///var/lib/app.db", cwd=work)
    assert diff.exit_code == 2
    assert ("SQLite database var/lib/app.db does not exist (sqlite:///var/lib/app.db is relative to the current "
            "directory; an absolute path has four slashes: sqlite:////var/lib/app.db)") in diff.stderr
