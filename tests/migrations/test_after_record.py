"""Content after a migration file's record block is outside its checksum, yet a runner that executes
the whole file (sqlite3, psql, sqlx) runs it and records the original checksum: such a file is edited.
`check` reports it (exit 1), `migrate apply`, `migrate status` and `generate` refuse it (exit 2) naming
the file and line, and nothing is written or applied.  Blank lines there are not content."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import cli
from tests.migrations.chain_support import new_project, run_ok, tree_bytes

INJECTED = "CREATE TABLE injected (x int);"


@pytest.fixture
def project(tmp_path):
    new_project(tmp_path)
    manifest = tmp_path / "manifests" / "m.yaml"
    manifest.write_text(manifest.read_text().replace(
        "      status: {type: status, nullable: false, default: new}\n",
        "      status: {type: status, nullable: false, default: new}\n      extra_note: text\n"))
    run_ok(tmp_path, ("hash", "--write", "manifests/m.yaml"), ("migrate", "new", "manifests/m.yaml", "--name", "x"),
           ("generate",))
    assert cli("check", cwd=tmp_path).exit_code == 0
    return tmp_path


def _tables(db):
    if not db.exists():
        return set()
    conn = sqlite3.connect(db)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    finally:
        conn.close()


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
@pytest.mark.parametrize("damage", [
    lambda text: text + INJECTED + "\n",
    lambda text: text + "\n\n" + INJECTED + "\n",
    lambda text: text.rstrip("\n") + " " + INJECTED + "\n",           # on the record statement's own line
], ids=["appended", "after-blank-lines", "same-line"])
def test_content_after_the_record_block_is_an_edit(project, engine, damage):
    sql = project / f"generated/chain/migrations/{engine}/0002_x.sql"
    original = sql.read_text()
    sql.write_text(damage(original))
    line = next(i for i, text in enumerate(sql.read_text().split("\n"), 1) if INJECTED in text)
    shown = f"generated/chain/migrations/{engine}/0002_x.sql"
    db = project / "app.db"
    before = tree_bytes(project)

    checked = cli("check", cwd=project)
    assert checked.exit_code == 1, checked.output
    assert f"{shown}:{line}: applied migration was edited: line {line} comes after its record block" in checked.output
    assert f"git checkout -- {shown}" in checked.output

    for args in (("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}"),
                 ("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}", "--dry-run"),
                 ("migrate", "status", "manifests/m.yaml", "--db", f"sqlite:///{db}"),
                 ("generate",)):
        result = cli(*args, cwd=project)
        assert result.exit_code == 2, (args, result.output)
        assert f"{shown}:{line}: applied migration was edited" in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert "injected" not in _tables(db)
    assert tree_bytes(project) == before       # generate did not quietly drop the line either


def test_status_and_apply_refuse_it_after_the_database_was_migrated(project):
    """The database is at version 2 (as a runner that executed the injected file would leave it):
    status and apply name the file instead of reporting the history as applied."""
    db = project / "app.db"
    assert cli("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}", cwd=project).exit_code == 0
    sql = project / "generated/chain/migrations/sqlite/0002_x.sql"
    sql.write_text(sql.read_text() + INJECTED + "\n")
    for sub in ("status", "apply"):
        result = cli("migrate", sub, "manifests/m.yaml", "--db", f"sqlite:///{db}", cwd=project)
        assert result.exit_code == 2 and "0002_x.sql:" in result.output and "applied migration was edited" in \
            result.output, result.output
        # named from the project, as check names it (it was the absolute path, in the message and its git checkout)
        assert "error: generated/chain/migrations/sqlite/0002_x.sql:" in result.output
        assert "git checkout -- generated/chain/migrations/sqlite/0002_x.sql`" in result.output


@pytest.mark.parametrize("tail", ["\n", "\n\n   \n\t\n"])
def test_blank_lines_after_the_record_block_are_not_an_edit(project, tail):
    sql = project / "generated/chain/migrations/sqlite/0002_x.sql"
    sql.write_text(sql.read_text() + tail)
    db = project / "app.db"
    result = cli("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{db}", cwd=project)
    assert result.exit_code == 0 and "applied 1, 2" in result.output, result.output
    assert cli("migrate", "status", "manifests/m.yaml", "--db", f"sqlite:///{db}", cwd=project).exit_code == 0
    checked = cli("check", cwd=project)
    assert checked.exit_code == 1 and "0002_x.sql: out of date" in checked.output   # generate tidies it
    assert "was edited" not in checked.output
    assert cli("generate", cwd=project).exit_code == 0 and cli("check", cwd=project).exit_code == 0


def test_a_changed_record_statement_stays_stale_not_edited(project):
    """The record statements are derived data: a changed one is rewritten by generate (not an edit)."""
    sql = project / "generated/chain/migrations/sqlite/0002_x.sql"
    original = sql.read_text()
    sql.write_text(original.replace("INSERT INTO schema_version", "INSERT OR IGNORE INTO schema_version"))
    checked = cli("check", cwd=project)
    assert checked.exit_code == 1 and "0002_x.sql: out of date" in checked.output, checked.output
    assert cli("generate", cwd=project).exit_code == 0 and sql.read_text() == original


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_record_statement_that_records_nothing_is_an_edit(project, engine):
    """A record statement swapped for another statement (the INSERT for a DROP) stays outside the checksum
    yet runs under a runner that executes the file: edited, as content after the block is; still-recording
    ones (stale) stay generate's to rewrite."""
    sql = project / f"generated/chain/migrations/{engine}/0002_x.sql"
    original = sql.read_text()
    lines = original.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("INSERT INTO"))
    lines[at] = "DROP TABLE items;"
    sql.write_text("\n".join(lines))
    before = tree_bytes(project)
    checked = cli("check", cwd=project)
    assert checked.exit_code == 1 and f"0002_x.sql:{at + 1}: applied migration was edited: line {at + 1} of its " \
        "record block does not record the migration" in checked.output, checked.output
    for args in (("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{project / 'app.db'}"),
                 ("migrate", "status", "manifests/m.yaml", "--db",
                 f"sqlite:///{project / 'app.db'}"), ("generate",)):
        result = cli(*args, cwd=project)
        assert result.exit_code == 2 and f"0002_x.sql:{at + 1}: applied migration was edited" in result.output, \
            (args, result.output)
    assert tree_bytes(project) == before
