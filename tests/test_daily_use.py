"""A new project driven end to end as a user would: init in an empty git repository, an edit, one
command, check clean, the real pre-commit blocking a stale edit, an existing database (made from the
old DDL) adopted with migrate baseline, migrate apply, and parity clean on both real engines."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("schemactl") is None,
                                reason="git or the schemactl command is not installed")


def test_from_init_to_parity(tmp_path, pg_server):
    root = tmp_path / "shop"
    root.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def git(*args):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)

    def hook():
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=root, env=env,
                              capture_output=True, text=True)

    git("init", "-q")
    assert cli("init", cwd=root).exit_code == 0
    manifest = root / "manifests" / "shop.yaml"
    assert cli("migrate", "new", "manifests/shop.yaml", "--name", "init", cwd=root).exit_code == 0
    old_ddl = (root / "generated" / "shop" / "sqlite.sql").read_text()
    git("add", "-A")
    assert hook().returncode == 0
    git("commit", "-q", "-m", "schema")

    # An edit, then one command (hash, generated files, the next migration).
    manifest.write_text(manifest.read_text() + "\n  orders:\n    columns:\n"
                        "      id: {type: bigint, primary_key: true, identity: true}\n"
                        "      user_id: {type: bigint, nullable: false, references: users.id}\n"
                        "      total: {type: \"numeric(10,2)\", nullable: false, default: 0}\n")
    result = cli("generate", "--migration", "add_orders", cwd=root)
    assert result.exit_code == 0, result.output
    assert cli("check", cwd=root).exit_code == 0
    git("add", "-A")
    assert hook().returncode == 0
    git("commit", "-q", "-m", "orders")

    # A stale edit is blocked by the hook.
    manifest.write_text(manifest.read_text().replace("display_name: text", "display_name: varchar(80)"))
    git("add", "-A")
    blocked = hook()
    assert blocked.returncode == 1 and "run `schemactl generate`" in blocked.stdout
    git("reset", "-q", "--hard")

    # A database that predates schemactl: made from the old DDL, with a row.
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript(old_ddl)
    conn.execute("INSERT INTO users (email) VALUES ('a@example.invalid')")
    conn.commit()
    conn.close()
    url = f"sqlite:///{db}"
    assert cli("migrate", "baseline", "manifests/shop.yaml", "--db", url, cwd=root).exit_code == 1
    assert cli("migrate", "baseline", "manifests/shop.yaml", "--db", url, "--version", "1", cwd=root).exit_code == 0
    applied = cli("migrate", "apply", "manifests/shop.yaml", "--db", url, cwd=root)
    assert applied.exit_code == 0 and "applied 2" in applied.stdout
    diff = cli("diff", "manifests/shop.yaml", "--db", url, cwd=root)
    assert diff.exit_code == 0, diff.stdout
    assert sqlite3.connect(db).execute("SELECT email FROM users").fetchall() == [("a@example.invalid",)]

    parity = cli("parity", "--postgres", "url", "--postgres-url", pg_server.url("postgres"), cwd=root)
    assert parity.exit_code == 0, parity.output
    assert "no differences" in parity.stdout
