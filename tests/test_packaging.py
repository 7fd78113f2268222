"""Packaging and the pre-commit hook, exercised for real (both reach the package index)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv

import pytest

from tests.conftest import ROOT

GOOD = (ROOT / "manifests" / "memories.yaml").read_text()


def _sh(*args, cwd, env=None, check=True):
    # the installed package alone: a PYTHONPATH naming a checkout would shadow it inside the venv
    env = {k: v for k, v in (os.environ if env is None else env).items() if k != "PYTHONPATH"}
    res = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and res.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} exited {res.returncode}\n{res.stdout}\n{res.stderr}")
    return res


def test_every_subpackage_is_listed_in_pyproject():
    import tomllib
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "schemactl").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_wheel_installs_into_a_fresh_venv_and_generates(tmp_path):
    dist = tmp_path / "dist"
    _sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT, cwd=tmp_path)
    wheel = next(dist.glob("schemactl-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    _sh(py, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel, cwd=tmp_path)
    project = tmp_path / "project"
    (project / "manifests").mkdir(parents=True)
    (project / "manifests" / "memories.yaml").write_text(GOOD)
    res = _sh(env_dir / "bin" / "schemactl", "generate", cwd=project)
    assert "generated/memories/postgres.sql: written" in res.stdout
    for name in ("postgres.sql", "sqlite.sql"):
        assert (project / "generated/memories" / name).read_bytes() == (ROOT / "generated/memories" / name).read_bytes()
    where = _sh(py, "-c", "import schemactl; print(schemactl.__file__)", cwd=project).stdout
    assert str(env_dir) in where
    # The plain install (no extras) carries PostgreSQL support: a PostgreSQL command reaches the
    # server (here: nothing listens) and says so with exit 2, never a missing module or exit 1.
    res = _sh(env_dir / "bin" / "schemactl", "diff", "manifests/memories.yaml", "--db",
              "postgresql://app:s3cret@127.0.0.1:1/app", cwd=project, check=False)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "cannot connect to 127.0.0.1:1/app" in res.stderr
    assert "ModuleNotFoundError" not in res.stderr and "s3cret" not in res.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_hook_runs_through_pre_commit(tmp_path):
    repo = tmp_path / "repo"
    (repo / "manifests").mkdir(parents=True)
    (repo / "manifests" / "memories.yaml").write_text(GOOD)
    shutil.copytree(ROOT / "generated" / "memories", repo / "generated" / "memories")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    _sh("git", "init", "-q", cwd=repo, env=env)
    _sh("git", "add", "-A", cwd=repo, env=env)
    hook = [sys.executable, "-m", "pre_commit", "try-repo", ROOT, "schemactl-check", "--all-files"]
    clean = _sh(*hook, cwd=repo, env=env, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout

    pg = repo / "generated" / "memories" / "postgres.sql"
    pg.write_text(pg.read_text() + "-- drift\n")
    _sh("git", "add", "-A", cwd=repo, env=env)
    dirty = _sh(*hook, cwd=repo, env=env, check=False)
    assert dirty.returncode == 1
    assert "generated/memories/postgres.sql: out of date" in dirty.stdout
