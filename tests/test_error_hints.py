"""Errors name the user's own file and the fix (found by a new user's walk through the README)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from tests.conftest import cli
from tests.migrations.chain_support import new_project


def test_apply_to_a_database_that_already_holds_the_schema_points_to_baseline(tmp_path):
    root = new_project(tmp_path)
    db = tmp_path / "built.db"
    conn = sqlite3.connect(db)
    conn.executescript((root / "generated" / "chain" / "sqlite.sql").read_text())
    conn.close()
    result = cli("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}", cwd=root)
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert "schemactl migrate baseline manifests/m.yaml --db URL" in result.output


@pytest.mark.parametrize("to", ["-1", "5"])
def test_down_to_a_version_outside_the_history_says_which_it_takes(tmp_path, to):
    root = new_project(tmp_path)
    db = tmp_path / "app.db"
    assert cli("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}", cwd=root).exit_code == 0
    result = cli("migrate", "down", "manifests/m.yaml", "--db", f"sqlite:///{db}", "--to", to, cwd=root)
    assert result.exit_code == 2
    assert f"--to {to}: the database is at version 1; give a version from 0 (empty) to 0" in result.output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_an_output_that_cannot_be_written_is_named_not_the_journal(tmp_path):
    ddl = tmp_path / "s.sql"
    ddl.write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    target = Path("/proc/schemactl-no-such-dir/x.yaml")
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", target)
    assert result.exit_code == 2
    assert str(target) in result.output and "journal" not in result.output, result.output


@pytest.mark.skipif(__import__("shutil").which("schemactl") is None, reason="the schemactl command is not installed")
def test_import_whose_summary_reader_has_gone_still_writes_and_succeeds(tmp_path):
    """`schemactl import … -o x.yaml 2>&1 | head -1`: the manifest is written before the summary is shown,
    and a closed stderr is not a failure (it was exit 1, reserved for findings, and a race could leave the
    manifest unwritten)."""
    import shutil
    import subprocess
    ddl = tmp_path / "s.sql"
    ddl.write_text("CREATE TABLE a (id INTEGER PRIMARY KEY, at DATETIME);\nANALYZE;\n")
    out = tmp_path / "x.yaml"
    proc = subprocess.Popen([shutil.which("schemactl"), "import", "--ddl", str(ddl), "--dialect", "sqlite", "-o",
                             str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stderr.close()          # the reader goes away before anything is said
    assert proc.wait(timeout=60) == 0
    assert "tables:" in out.read_text()


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_column_made_not_null_over_null_rows_names_the_table_and_the_fix(tmp_path, engine, pg_test_db, pg):
    """SQLite's message named the rebuild's own table (__schemactl_new_items.note); both engines now say which
    rows stop the migration and how to go on."""
    from tests.conftest import RESET_SQL
    from tests.migrations.chain_support import BASE, run_ok
    root = new_project(tmp_path)
    if engine == "sqlite":
        db = tmp_path / "app.db"
        url = f"sqlite:///{db}"
    else:
        pg.execute(RESET_SQL)
        url = pg_test_db
    run_ok(root, ("migrate", "apply", "manifests/m.yaml", "--db", url))
    insert = "INSERT INTO owners (id, name) VALUES (1, 'ann'); INSERT INTO items (id, owner_id, title) VALUES (1, 1, 'x')"
    if engine == "sqlite":
        with sqlite3.connect(db) as conn:
            conn.executescript(insert)
    else:
        pg.execute(insert)
    (root / "manifests" / "m.yaml").write_text(BASE.replace("version: 1", "version: 2")
                                               .replace("      note: text", "      note: {type: text, nullable: false}"))
    run_ok(root, ("hash", "--write", "manifests/m.yaml"),
           ("migrate", "new", "manifests/m.yaml", "--name", "note_required", "--allow-destructive"))
    result = cli("migrate", "apply", "manifests/m.yaml", "--db", url, cwd=root)
    assert result.exit_code == 2
    assert "__schemactl_new_" not in result.output
    assert ("rows of items hold NULL in note, which the migration makes NOT NULL: fill them (UPDATE … SET note = … "
            "WHERE note IS NULL), then apply again") in result.output
    if engine == "sqlite":
        assert "NOT NULL constraint failed: items.note;" in result.output



@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_not_null_column_added_to_rows_says_the_migration_must_be_written_again(tmp_path, engine, pg_test_db, pg):
    """The hint to fill the rows with UPDATE named a column the migration had not yet added."""
    from tests.conftest import RESET_SQL
    from tests.migrations.chain_support import BASE, run_ok
    root = new_project(tmp_path)
    url = f"sqlite:///{tmp_path / 'app.db'}" if engine == "sqlite" else pg_test_db
    if engine == "postgres":
        pg.execute(RESET_SQL)
    run_ok(root, ("migrate", "apply", "manifests/m.yaml", "--db", url))
    insert = "INSERT INTO owners (id, name) VALUES (1, 'ann')"
    if engine == "sqlite":
        with sqlite3.connect(tmp_path / "app.db") as conn:
            conn.execute(insert)
    else:
        pg.execute(insert)
    (root / "manifests" / "m.yaml").write_text(BASE.replace("version: 1", "version: 2").replace(
        "      name: {type: text, nullable: false}\n",
        "      name: {type: text, nullable: false}\n      code: {type: text, nullable: false}\n"))
    run_ok(root, ("hash", "--write", "manifests/m.yaml"),
           ("migrate", "new", "manifests/m.yaml", "--name", "code", "--allow-destructive"))
    result = cli("migrate", "apply", "manifests/m.yaml", "--db", url, cwd=root)
    assert result.exit_code == 2
    assert ("the migration adds code to owners as NOT NULL without a default, which a table that holds rows "
            "refuses (migrate new listed it as destructive): write that migration again with a default for code "
            "before a database applies it, or empty owners") in result.output, result.output
    assert "UPDATE" not in result.output


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("table", ["users", "my.users"])
def test_the_not_null_hint_finds_the_column_in_the_manifests_schema_and_with_a_space(tmp_path, engine, table,
                                                                                        pg_test_db, pg):
    """The hint said 'adds' of an existing column in a named PostgreSQL schema (looked for on the session's
    search path after the rollback), cut a SQLite name at its space ('adds nick'), and split SQLite's
    "my.users.display name" at its first dot (table "my")."""
    from tests.conftest import RESET_SQL
    from tests.migrations.chain_support import run_ok
    text = (f'format: 1\nname: app\nversion: 1\npostgres: {{schema: app}}\ntables:\n  "{table}":\n    columns:\n'
            '      id: {type: integer, primary_key: true}\n      "display name": {type: text}\n')
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.yaml").write_text(text)
    run_ok(tmp_path, ("hash", "--write", "manifests/m.yaml"), ("migrate", "new", "manifests/m.yaml", "--name", "init"))
    url = f"sqlite:///{tmp_path / 'app.db'}" if engine == "sqlite" else pg_test_db
    if engine == "postgres":
        pg.execute(RESET_SQL)
    run_ok(tmp_path, ("migrate", "apply", "manifests/m.yaml", "--db", url))
    if engine == "sqlite":
        with sqlite3.connect(tmp_path / "app.db") as conn:
            conn.execute(f'INSERT INTO "{table}" (id) VALUES (1)')
    else:
        pg.execute(f'INSERT INTO app."{table}" (id) VALUES (1)')
    (tmp_path / "manifests" / "m.yaml").write_text(text.replace("version: 1", "version: 2").replace(
        '"display name": {type: text}', '"display name": {type: text, nullable: false}'))
    run_ok(tmp_path, ("hash", "--write", "manifests/m.yaml"),
           ("migrate", "new", "manifests/m.yaml", "--name", "required", "--allow-destructive"))
    result = cli("migrate", "apply", "manifests/m.yaml", "--db", url, cwd=tmp_path)
    assert result.exit_code == 2
    assert f"rows of {table} hold NULL in display name, which the migration makes NOT NULL" in result.output, \
        result.output
