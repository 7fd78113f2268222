"""`schemactl init`: a new project that passes check at once, all files or none, never overwriting."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import pytest
import yaml

from tests.conftest import cli

WRITTEN = {".github/workflows/schemactl.yml", ".pre-commit-config.yaml", "manifest.schema.json",
           "manifests/shop.yaml", "schemactl.toml", "generated/shop/postgres.sql", "generated/shop/sqlite.sql",
           "generated/shop/schema.pg.ts", "generated/shop/schema.sqlite.ts", "generated/shop/types.ts",
           "generated/shop/schema.md"}


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_init_writes_a_project_that_checks_clean(tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    result = cli("init", cwd=root)
    assert result.exit_code == 0, result.output
    assert set(_tree(root)) == WRITTEN
    assert cli("check", cwd=root).exit_code == 0
    (root / "src" / "deep").mkdir(parents=True)
    deep = cli("check", cwd=root / "src" / "deep")          # from a subdirectory: as from the root
    assert deep.exit_code == 0 and "1 manifest" in deep.stdout
    manifest = root / "manifests" / "shop.yaml"
    first = manifest.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../manifest.schema.json"
    jsonschema.validate(yaml.safe_load(manifest.read_text()), json.loads((root / "manifest.schema.json").read_text()))
    workflow = yaml.safe_load((root / ".github" / "workflows" / "schemactl.yml").read_text())
    runs = [s.get("run", "") for s in workflow["jobs"]["schema"]["steps"]]
    assert "schemactl check" in runs and "schemactl parity --format github" in runs
    # schemactl is installed from the team's source, never by its bare name from PyPI (another project's there):
    # the step stops, saying what to set, while the repository variable is not set
    install = next(s for s in workflow["jobs"]["schema"]["steps"] if s.get("name") == "Install schemactl")
    assert not re.search(r"pip install [\"']?schemactl\b", install["run"])
    assert install["env"] == {"SCHEMACTL_SOURCE": "${{ vars.SCHEMACTL_SOURCE }}"}
    unset = subprocess.run(["bash", "-e", "-c", install["run"]], env={"PATH": os.environ["PATH"]}, capture_output=True,
                           text=True)
    assert unset.returncode == 1 and "set the repository variable SCHEMACTL_SOURCE" in unset.stdout


def test_init_never_overwrites_and_writes_nothing_when_one_file_exists(tmp_path):
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    before = _tree(tmp_path)
    result = cli("init", "--name", "shop", cwd=tmp_path)
    assert result.exit_code == 2
    assert ".pre-commit-config.yaml" in result.stderr and "nothing was written" in result.stderr
    assert _tree(tmp_path) == before


def test_init_refuses_a_project_configured_in_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.schemactl]\noutput = "gen"\n')
    result = cli("init", "--name", "shop", cwd=tmp_path)
    assert result.exit_code == 2 and "[tool.schemactl]" in result.stderr
    assert set(_tree(tmp_path)) == {"pyproject.toml"}


def test_init_beside_an_unrelated_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert cli("init", "--name", "shop", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "pyproject.toml").read_text() == '[project]\nname = "app"\n'
    assert cli("check", cwd=tmp_path).exit_code == 0


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("schemactl") is None,
                    reason="git or the schemactl command is not installed")
def test_the_pre_commit_configuration_blocks_a_stale_edit(tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "SCHEMACTL_NO_CACHE": "1"}
    subprocess.run(["git", "init", "-q"], cwd=root, env=env, check=True)
    assert cli("init", cwd=root).exit_code == 0
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
    hook = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    clean = subprocess.run(hook, cwd=root, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    manifest = root / "manifests" / "shop.yaml"
    manifest.write_text(manifest.read_text().replace("display_name: text", "display_name: varchar(80)"))
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
    dirty = subprocess.run(hook, cwd=root, env=env, capture_output=True, text=True)
    assert dirty.returncode == 1
    assert re.search(r"manifests/shop\.yaml:\d+:1: hash is stale", dirty.stdout)


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("schemactl") is None,
                    reason="git or the schemactl command is not installed")
def test_the_pre_commit_hook_blocks_a_commit_that_leaves_the_new_migration_out(tmp_path):
    """`generate --migration` then `git commit -am`: the new migration files are untracked, pre-commit checks the
    working tree (where they are), the hook passed, and CI's clone found the migration missing."""
    root = tmp_path / "shop"
    root.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "SCHEMACTL_NO_CACHE": None}
    env = {k: v for k, v in env.items() if v is not None}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")   # the fast path too: it must not answer "current"
    git = lambda *args: subprocess.run(["git", *args], cwd=root, env=env, check=True)   # noqa: E731
    git("init", "-q")
    assert cli("init", cwd=root).exit_code == 0
    assert cli("migrate", "new", "manifests/shop.yaml", "--name", "init", cwd=root).exit_code == 0
    git("add", "-A")
    git("commit", "-q", "-m", "init", "--no-verify")
    manifest = root / "manifests" / "shop.yaml"
    manifest.write_text(manifest.read_text() + "      bio: text\n")
    assert cli("generate", "--migration", "add_bio", cwd=root).exit_code == 0
    assert cli("check", cwd=root, env={"XDG_CACHE_HOME": env["XDG_CACHE_HOME"]}).exit_code == 0   # outside a hook
    git("add", "-u")                                     # what `git commit -am` stages
    hook = [sys.executable, "-m", "pre_commit", "run"]
    blocked = subprocess.run(hook, cwd=root, env=env, capture_output=True, text=True)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "generated/shop/migrations/sqlite/0002_add_bio.sql: generated but not added to git: this commit " \
           "leaves it out; run `git add generated/shop/migrations/sqlite/0002_add_bio.sql`" in blocked.stdout
    git("add", "-A")
    passed = subprocess.run(hook, cwd=root, env=env, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stdout + passed.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_an_untracked_generated_file_with_a_blank_is_named_as_one_argument(tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert cli("init", cwd=root).exit_code == 0
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    (root / "generated" / "shop" / "notes one.md").write_text("x\n")
    result = cli("check", cwd=root, env={"PRE_COMMIT": "1", "SCHEMACTL_NO_CACHE": "1"})
    assert result.exit_code == 1
    assert "run `git add 'generated/shop/notes one.md'`" in result.output


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_an_untracked_file_under_a_linked_output_directory_is_found(tmp_path):
    """generated/ as a symbolic link: `git ls-files -- generated` lists nothing through it (exit 0), and the hook
    passed a commit without the new migration files."""
    root = tmp_path / "shop"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert cli("init", cwd=root).exit_code == 0
    (root / "generated").rename(root / "gen_real")
    (root / "generated").symlink_to("gen_real", target_is_directory=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    (root / "gen_real" / "shop" / "new.sql").write_text("SELECT 1;\n")
    result = cli("check", cwd=root, env={"PRE_COMMIT": "1", "SCHEMACTL_NO_CACHE": "1"})
    assert result.exit_code == 1, result.output
    assert "gen_real/shop/new.sql: generated but not added to git" in result.output


def test_adopting_a_schema_after_init_says_what_the_starter_leaves(tmp_path):
    """init, then the README's import -o manifests/app.yaml: the project held two schemas (the starter's users
    table beside the team's), said nowhere; once the starter was removed, its generated directory stayed, and
    check said ok."""
    assert cli("init", "--name", "shop", cwd=tmp_path).exit_code == 0
    (tmp_path / "s.sql").write_text("CREATE TABLE a (id integer PRIMARY KEY);\n")
    result = cli("import", "--ddl", "s.sql", "--dialect", "sqlite", "-o", "manifests/app.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "import: the project also has manifests/shop.yaml: each manifest builds a schema of its own" \
        in result.stderr
    (tmp_path / "manifests" / "shop.yaml").unlink()
    assert cli("generate", cwd=tmp_path).exit_code == 0
    check = cli("check", cwd=tmp_path, env={"SCHEMACTL_NO_CACHE": "1"})
    assert check.exit_code == 0
    assert "warning: generated/shop: no manifest generates it (left by a removed or renamed manifest?); " \
           "remove it: git rm -r generated/shop" in check.stderr
    alone = cli("import", "--ddl", "s.sql", "--dialect", "sqlite", "-o", "manifests/app.yaml", cwd=tmp_path)
    assert "also has" not in alone.stderr


def test_import_over_the_untouched_starter_replaces_it(tmp_path):
    """The README's adoption: `schemactl init --name app`, then `schemactl import … -o manifests/app.yaml`.  The
    import refused ("exists and holds another manifest; … pass --force"): init's own starter, unchanged, is there to
    be replaced; a starter edited since is kept, as any other manifest."""
    assert cli("init", "--name", "app", cwd=tmp_path).exit_code == 0
    (tmp_path / "s.sql").write_text("CREATE TABLE a (id integer PRIMARY KEY);\n")
    result = cli("import", "--ddl", "s.sql", "--dialect", "sqlite", "-o", "manifests/app.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "  a:\n" in (tmp_path / "manifests" / "app.yaml").read_text()
    assert cli("generate", cwd=tmp_path).exit_code == 0
    edited = tmp_path / "edited"
    edited.mkdir()
    assert cli("init", "--name", "app", cwd=edited).exit_code == 0
    starter = edited / "manifests" / "app.yaml"
    starter.write_text(starter.read_text().replace("display_name: text", "display_name: varchar(80)"))
    result = cli("import", "--ddl", str(tmp_path / "s.sql"), "--dialect", "sqlite", "-o", "manifests/app.yaml",
                 cwd=edited)
    assert result.exit_code == 2 and "holds another manifest" in result.stderr
    assert "varchar(80)" in starter.read_text()


def test_hash_without_a_manifest_argument_takes_the_projects(tmp_path):
    """`schemactl hash --write`, as the README writes it, was a usage error (Missing argument 'MANIFESTS...'),
    where every other command without MANIFEST takes the project's manifests."""
    assert cli("init", "--name", "shop", cwd=tmp_path).exit_code == 0
    manifest = tmp_path / "manifests" / "shop.yaml"
    manifest.write_text(manifest.read_text().replace("display_name: text", "display_name: varchar(80)"))
    result = cli("hash", "--write", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "manifests/shop.yaml: hash updated" in result.stderr
    assert cli("hash", cwd=tmp_path).stdout.strip() in manifest.read_text()


def test_a_project_without_a_configuration_is_found_from_a_subdirectory(tmp_path):
    """A project set up without schemactl.toml (import -o manifests/app.yaml, as the README's adoption does): from
    src/, every command took src/ for the project: migrate status said "no migrations yet" and the migrate new it
    advised began a second chain under src/generated/ and set the manifest's version back to 1.  The nearest
    directory above with manifests/*.yaml is the project."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "app.yaml").write_text(
        "format: 1\nname: app\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n")
    assert cli("migrate", "new", "--name", "init", cwd=tmp_path).exit_code == 0
    deep = tmp_path / "src" / "db"
    deep.mkdir(parents=True)
    status = cli("migrate", "status", "--db", f"sqlite:///{tmp_path / 'app.db'}", cwd=deep)
    assert status.exit_code == 0 and "0001_init" in status.stdout, status.output
    assert cli("check", cwd=deep).exit_code == 0
    assert cli("generate", cwd=deep).exit_code == 0
    assert not (tmp_path / "src" / "generated").exists() and not (deep / "generated").exists()
