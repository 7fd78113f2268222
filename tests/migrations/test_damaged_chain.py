"""A damaged chain directory is one located line, never a traceback: an edited snapshot.yaml (which
would make the next migration drop a table that never existed), a lock.json with missing or empty
checksums, versions or names.  `check` lists an edited snapshot as stale (exit 1); commands that
need the chain refuse it (exit 2) and write nothing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cli
from tests.migrations.chain_support import new_project, tree_bytes


@pytest.fixture
def project(tmp_path):
    new_project(tmp_path)
    assert cli("check", cwd=tmp_path).exit_code == 0
    return tmp_path


def test_an_edited_snapshot_is_refused_not_planned_from(project):
    snapshot = project / "generated/chain/migrations/snapshot.yaml"
    snapshot.write_text(snapshot.read_text() + "  ghost:\n    columns:\n      id: {type: integer, primary_key: true}\n")
    before = tree_bytes(project)
    for args in (("migrate", "plan", "manifests/m.yaml"),
                 ("migrate", "new", "manifests/m.yaml", "--name", "next", "--allow-destructive")):
        result = cli(*args, cwd=project)
        assert result.exit_code == 2, result.output
        assert "ghost" not in result.output and "drop table" not in result.output
        assert "snapshot.yaml: the snapshot's schema is not the one lock.json records for 0001_init; restore it " \
               "with `git checkout -- " in result.output
        assert "Traceback" not in result.output
    assert tree_bytes(project) == before
    result = cli("check", cwd=project)
    assert result.exit_code == 1, result.output
    assert "generated/chain/migrations/snapshot.yaml: the snapshot's schema is not the one lock.json records for " \
           "0001_init; run `git checkout -- generated/chain/migrations/snapshot.yaml`" in result.output


def test_a_missing_snapshot_is_named(project):
    (project / "generated/chain/migrations/snapshot.yaml").unlink()
    result = cli("migrate", "plan", "manifests/m.yaml", cwd=project)
    assert result.exit_code == 2 and "snapshot.yaml: snapshot is missing" in result.output, result.output
    assert cli("check", cwd=project).exit_code == 1


@pytest.mark.parametrize("damage,message", [
    (lambda lock: lock["migrations"][0].update(checksums={}), "migration 1 (0001_init) has no sha256 checksum for "
                                                              "postgres"),
    (lambda lock: lock["migrations"][0]["checksums"].update(sqlite=""), "has no sha256 checksum for sqlite"),
    (lambda lock: lock["migrations"][0].pop("schema_hash"), "migration 1 (0001_init) has no schema_hash"),
    (lambda lock: lock["migrations"][0].update(version="1"), 'migration 1 has version "1"'),
    (lambda lock: lock["migrations"][0].update(name="../../x"), 'migration 1 has name "../../x"'),
    (lambda lock: lock.update(migrations={}), "not a migration lock"),
    (lambda lock: lock["migrations"].append(None), "migration 2 is not an object"),
], ids=["empty-checksums", "empty-checksum", "no-hash", "version-text", "name-path", "not-a-list", "null-entry"])
def test_a_damaged_lock_is_one_line_exit_2(project, damage, message):
    path = project / "generated/chain/migrations/lock.json"
    lock = json.loads(path.read_text())
    damage(lock)
    path.write_text(json.dumps(lock))
    before = tree_bytes(project)
    for args in (("check",), ("generate",), ("migrate", "plan", "manifests/m.yaml"),
                 ("migrate", "apply", "manifests/m.yaml", "--db", f"sqlite:///{project / 'app.db'}"),
                 ("hash", "--write", "manifests/m.yaml")):
        result = cli(*args, cwd=project)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and message in result.output, (args, result.output)
        assert "lock.json" in result.output and "git checkout -- " in result.output
    assert tree_bytes(project) == before


def test_migrations_without_their_lock_are_refused_not_a_new_chain(project, tmp_path):
    """A deleted lock.json (a merge resolved badly) read as no chain: check said current, and `migrate new
    --name init`, which apply then advised, wrote a new 0001_init.sql over the applied one."""
    db = f"sqlite:///{tmp_path / 'app.db'}"
    assert cli("migrate", "apply", "manifests/m.yaml", "--db", db, cwd=project).exit_code == 0
    (project / "generated/chain/migrations/lock.json").unlink()
    before = tree_bytes(project)
    for args in (("check",), ("migrate", "apply", "manifests/m.yaml", "--db", db),
                 ("migrate", "new", "manifests/m.yaml", "--name", "init"), ("generate",)):
        result = cli(*args, cwd=project)
        assert result.exit_code == 2, (args, result.output)
        assert "lock.json is missing, yet 2 migration file(s) are there" in result.output, result.output
        assert "git checkout -- " in result.output and "Traceback" not in result.output
    assert tree_bytes(project) == before
