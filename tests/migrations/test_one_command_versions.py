"""After `generate --migration` or `migrate new`, every generated file of the manifest (its feature-set builds
too) and its hash: and version: lines are current: the full check passes, and `generate` again changes
nothing.  `generate --migration` starts no chain: a manifest without one is left to `migrate new`."""

from __future__ import annotations

import pytest

from tests.conftest import cli

MANIFEST = """\
format: 1
name: lms
version: 1
features:
  canvas: "the Canvas integration"
tables:
  courses:
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      title: {type: text, nullable: false}
  canvas_links:
    feature: canvas
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      course_id: {type: bigint, nullable: false, references: courses.id}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "lms"
    (root / "manifests").mkdir(parents=True)
    (root / "schemactl.toml").write_text('manifests = ["manifests/*.yaml"]\nfeature_sets = ["", "canvas"]\n')
    (root / "manifests" / "lms.yaml").write_text(MANIFEST)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert cli("generate", cwd=root).exit_code == 0
    return root


def _add_column(root):
    m = root / "manifests" / "lms.yaml"
    m.write_text(m.read_text().replace("      title: {type: text, nullable: false}\n",
                                       "      title: {type: text, nullable: false}\n      code: {type: text}\n"))


def _all_current(root):
    full = cli("check", cwd=root, env={"SCHEMACTL_NO_CACHE": "1"})
    assert full.exit_code == 0, full.output
    again = cli("generate", cwd=root)
    assert again.exit_code == 0 and "written" not in again.output.replace("unchanged", ""), again.output
    assert cli("check", cwd=root).exit_code == 0
    for build in ("lms", "lms+canvas"):
        assert "version 2:" in (root / "generated" / build / "types.ts").read_text(), build


@pytest.mark.parametrize("second", ["generate --migration", "migrate new"])
def test_the_second_migration_leaves_every_build_current(project, second):
    assert cli("migrate", "new", "manifests/lms.yaml", "--name", "init", cwd=project).exit_code == 0
    _add_column(project)
    if second == "generate --migration":
        result = cli("generate", "--migration", "add_code", cwd=project)
    else:
        result = cli("migrate", "new", "manifests/lms.yaml", "--name", "add_code", cwd=project)
    assert result.exit_code == 0, result.output
    assert "version: 2\n" in (project / "manifests" / "lms.yaml").read_text()
    _all_current(project)
    assert "code" in (project / "generated" / "lms+canvas" / "postgres.sql").read_text()


def test_generate_with_a_migration_name_starts_no_chain(project):
    _add_column(project)
    result = cli("generate", "--migration", "add_code", cwd=project)
    assert result.exit_code == 0, result.output
    assert "no migration chain" in result.output and "migrate new manifests/lms.yaml --name init" in result.output
    assert not (project / "generated" / "lms" / "migrations").exists()
    assert "code" in (project / "generated" / "lms" / "postgres.sql").read_text()
    assert cli("check", cwd=project, env={"SCHEMACTL_NO_CACHE": "1"}).exit_code == 0
