"""`check`'s fast path answers from content hashes only when a full check would say the same."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st

from tests.conftest import ROOT, cli

CONFIG = '[tool.schemactl]\nmanifests = ["manifests/*.yaml"]\noutput = "generated"\n'


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    base = tmp_path_factory.mktemp("stamp")
    (base / "pyproject.toml").write_text(CONFIG)
    (base / "manifests").mkdir()
    shutil.copy(ROOT / "manifests" / "memories.yaml", base / "manifests")
    shutil.copytree(ROOT / "generated" / "memories" / "migrations", base / "generated" / "memories" / "migrations")
    assert cli("generate", cwd=base).exit_code == 0
    return base


def _check(project, cache, full: bool):
    env = {"XDG_CACHE_HOME": str(cache), "SCHEMACTL_NO_CACHE": "1" if full else None}
    result = cli("check", cwd=project, env=env)
    return result.exit_code, result.stdout, result.stderr


EDITS = ["manifest_comment", "manifest_type", "manifest_hash", "generated_byte", "generated_delete",
         "generated_extra", "migration_body", "migration_delete", "lock_edit", "snapshot_edit", "config_edit",
         "revert", "generate", "generate_no_hash", "generate_migration", "manifest_rename", "left_over",
         "left_over_gone"]


def _apply(project, edit: str, pick: int, cache) -> None:
    gen = project / "generated" / "memories"
    files = sorted(p for p in gen.rglob("*") if p.is_file())
    target = files[pick % len(files)]
    manifest = project / "manifests" / "memories.yaml"
    if not manifest.exists():   # renamed (manifest_rename)
        manifest = project / "manifests" / "store.yaml"
    if edit == "manifest_comment":
        manifest.write_text(manifest.read_text() + "# a comment\n")
    elif edit == "manifest_type":
        manifest.write_text(manifest.read_text().replace("varchar(200)", "varchar(201)", 1))
    elif edit == "manifest_hash":
        text = manifest.read_text()
        manifest.write_text(text.replace("hash: sha256:7", "hash: sha256:8", 1))
    elif edit == "generated_byte":
        data = bytearray(target.read_bytes() or b"x")
        data[pick % len(data)] ^= 0x20
        target.write_bytes(bytes(data))
    elif edit == "generated_delete":
        target.unlink()
    elif edit == "generated_extra":
        (gen / "migrations" / "sqlite" / "0002_extra.sql").write_text("SELECT 1;\n")
    elif edit == "migration_body":
        sql = gen / "migrations" / "postgres" / "0001_init.sql"
        sql.write_text(sql.read_text().replace("CREATE", "create", 1))
    elif edit == "migration_delete":
        (gen / "migrations" / "sqlite" / "0001_init.sql").unlink(missing_ok=True)
    elif edit == "lock_edit":
        lock = gen / "migrations" / "lock.json"
        lock.write_text(lock.read_text().replace('"version": 1', '"version": 2', 1))
    elif edit == "snapshot_edit":
        snap = gen / "migrations" / "snapshot.yaml"
        snap.write_text(snap.read_text().replace("varchar(200)", "text", 1))
    elif edit in ("generate", "generate_no_hash", "generate_migration"):   # generate records a clean state
        extra = {"generate": [], "generate_no_hash": ["--no-hash"], "generate_migration": ["--migration", "step"]}
        cli("generate", *extra[edit], cwd=project, env={"XDG_CACHE_HOME": str(cache), "SCHEMACTL_NO_CACHE": None})
    elif edit == "manifest_rename":   # its generated directory (and migration chain) is left behind
        if manifest.name == "memories.yaml":
            renamed = project / "manifests" / "store.yaml"
            renamed.write_text(manifest.read_text().replace("name: memories\n", "name: store\n", 1))
            manifest.unlink()
    elif edit == "left_over":   # a generated directory no manifest writes
        (project / "generated" / "old").mkdir(parents=True, exist_ok=True)
        (project / "generated" / "old" / "postgres.sql").write_text("-- left over\n")
    elif edit == "left_over_gone":
        shutil.rmtree(project / "generated" / "old", ignore_errors=True)
    elif edit == "config_edit":
        (project / "pyproject.toml").write_text(CONFIG.replace('"generated"', '"elsewhere"'))


@settings(max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.generate])
@given(edits=st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 10_000)), min_size=1, max_size=3))
@example(edits=[("manifest_rename", 0), ("generate", 0)])    # the full check warns of generated/memories
@example(edits=[("left_over", 0)])
@example(edits=[("left_over", 0), ("generate", 0), ("left_over_gone", 0)])
def test_fast_and_full_check_agree_after_random_edits(tmp_path_factory, template, edits):
    project = tmp_path_factory.mktemp("edit")
    shutil.copytree(template, project, dirs_exist_ok=True)
    cache = tmp_path_factory.mktemp("cache")
    assert _check(project, cache, full=False)[0] == 0          # records the stamp
    assert _check(project, cache, full=False)[0] == 0          # answered from it
    saved = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    for edit, pick in edits:
        if edit == "revert":
            for p in [p for p in project.rglob("*") if p.is_file() and p not in saved]:
                p.unlink()
            for p, data in saved.items():
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(data)
        else:
            _apply(project, edit, pick, cache)
        fast = _check(project, cache, full=False)
        full = _check(project, cache, full=True)
        assert fast == full, (edit, fast, full)
        assert _check(project, cache, full=False) == full, edit    # once the full check has recorded its answer


CHECK_AND_IMPORTS = ("import sys\nfrom schemactl.cli import main\n"
                     "try:\n    main(['check'])\nexcept SystemExit as e:\n    code = e.code\n"
                     "print(code, sorted(m for m in ('sqlglot', 'jinja2', 'jsonschema', 'yaml') if m in sys.modules))\n")


def _check_process(project, env):
    """`check` in a new process; its last line is the exit code and which heavy modules it loaded."""
    return subprocess.run([sys.executable, "-c", CHECK_AND_IMPORTS], cwd=project, env=env, capture_output=True,
                          text=True)


def test_the_fast_path_loads_nothing(template, tmp_path):
    """After a clean check, the next one imports neither sqlglot, jinja2, jsonschema nor YAML."""
    project = tmp_path / "p"
    shutil.copytree(template, project)
    env_cache = tmp_path / "cache"
    import os
    env = {**os.environ, "XDG_CACHE_HOME": str(env_cache)}
    env.pop("SCHEMACTL_NO_CACHE", None)
    first = _check_process(project, env)
    # the full check needs YAML and jinja2 (sqlglot only for expressions sqlfast leaves to it, jsonschema
    # only to explain a manifest the fast schema check refused)
    assert first.stdout.splitlines()[-1].startswith("0 ['jinja2', ") and "'yaml'" in first.stdout \
        and "jsonschema" not in first.stdout, first
    second = _check_process(project, env)
    assert second.stdout.splitlines()[-1] == "0 []", second
    assert second.stdout.splitlines()[0] == first.stdout.splitlines()[0]   # the same message


def test_a_stamp_that_cannot_be_read_changes_nothing(template, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(template, project)
    cache = tmp_path / "cache"
    assert _check(project, cache, full=False)[0] == 0
    for stamp in (cache / "schemactl").glob("check-*.json"):
        stamp.write_text('{"key": 1, "files": [')
    assert _check(project, cache, full=False)[0] == 0
    (project / "generated" / "memories" / "postgres.sql").write_text("-- edited\n")
    for stamp in (cache / "schemactl").glob("check-*.json"):
        stamp.write_text("not json")
    assert _check(project, cache, full=False)[0] == 1


def test_generate_records_a_clean_state_for_check(template, tmp_path):
    """After generate, the next check answers from the hashes (it loads nothing) and agrees with a full one."""
    project = tmp_path / "p"
    shutil.copytree(template, project)
    manifest = project / "manifests" / "memories.yaml"
    manifest.write_text(manifest.read_text() + "\n  notes:\n    columns:\n      id: {type: integer, primary_key: true}\n")
    cache = tmp_path / "cache"
    assert cli("generate", "--migration", "notes", cwd=project, env={"XDG_CACHE_HOME": str(cache)}).exit_code == 0
    import os
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("SCHEMACTL_NO_CACHE", None)
    fast = _check_process(project, env)
    assert fast.stdout.splitlines()[-1] == "0 []", fast
    assert _check(project, cache, full=True)[0] == 0


def test_stamps_no_check_wrote_for_a_month_are_removed(template, tmp_path):
    """A stamp per project root: those of projects moved or deleted go once a month has passed, the recent
    ones and other files in the cache stay."""
    import os
    import time
    project = tmp_path / "p"
    shutil.copytree(template, project)
    cache = tmp_path / "cache"
    stamps = cache / "schemactl"
    stamps.mkdir(parents=True)
    old, recent, other = stamps / "check-0000old.json", stamps / "check-0000new.json", stamps / "templates-x.cache"
    for path in (old, recent, other):
        path.write_text("{}")
    month = time.time() - 31 * 86400
    os.utime(old, (month, month))
    os.utime(other, (month, month))
    assert _check(project, cache, full=False)[0] == 0    # a full check, recorded
    left = {p.name for p in stamps.iterdir()}
    assert old.name not in left and {recent.name, other.name} <= left
    assert any(n.startswith("check-") and n not in (recent.name,) for n in left)   # this project's own stamp


def test_a_linked_directory_is_read_through_as_the_full_check_reads_it(template, tmp_path):
    """generated/<name>/migrations as a symbolic link to a shared directory: an applied migration edited there
    was "current" on the fast path (os.walk did not follow the link) while the full check said it was edited."""
    project = tmp_path / "p"
    shutil.copytree(template, project)
    shared = tmp_path / "shared_migrations"
    chain = project / "generated" / "memories" / "migrations"
    shutil.move(str(chain), shared)
    chain.symlink_to(shared, target_is_directory=True)
    (shared / "loop").symlink_to(shared, target_is_directory=True)   # a link back up: read once, no endless walk
    cache = tmp_path / "cache"
    assert _check(project, cache, full=False)[0] == 0
    assert _check(project, cache, full=False)[0] == 0
    sql = shared / "sqlite" / "0001_init.sql"
    sql.write_text(sql.read_text().replace("CREATE TABLE", "CREATE TABLE ", 1))
    fast, full = _check(project, cache, full=False), _check(project, cache, full=True)
    assert fast == full and fast[0] == 1, (fast, full)


def test_a_renamed_manifests_chain_is_named_on_both_paths(template, tmp_path):
    """A manifest renamed (file and name:) leaves its generated directory, migration chain and all, behind: every
    check, the first after generate (answered from generate's record) and the cached ones too, says so, and how to
    carry the chain over, as the full check does."""
    project = tmp_path / "p"
    shutil.copytree(template, project)
    manifest = project / "manifests" / "memories.yaml"
    (project / "manifests" / "store.yaml").write_text(manifest.read_text().replace("name: memories\n", "name: store\n"))
    manifest.unlink()
    cache = tmp_path / "cache"
    assert cli("generate", cwd=project, env={"XDG_CACHE_HOME": str(cache), "SCHEMACTL_NO_CACHE": None}).exit_code == 0
    full = _check(project, cache, full=True)
    assert full[0] == 0 and "warning: generated/memories: no manifest generates it" in full[2], full
    assert "git mv generated/memories/migrations generated/store/migrations" in full[2]
    assert "; remove it: git rm -r" not in full[2]     # not the chain's history as the first fix
    for _ in range(2):
        assert _check(project, cache, full=False) == full
