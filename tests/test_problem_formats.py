"""validate and check speak the CI formats diff and parity speak; findings about objects the
manifest does not declare point at their table's line (or `tables:`), never at 1:1."""

from __future__ import annotations

import json
import shutil
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ROOT, cli

GOOD = (ROOT / "manifests" / "memories.yaml").read_text()


@pytest.fixture
def project(tmp_path):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "memories.yaml").write_text(GOOD)
    assert cli("generate", cwd=tmp_path).exit_code == 0
    return tmp_path


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("command", ["validate", "check"])
def test_problems_in_every_format(project, command):
    path = project / "manifests" / "memories.yaml"
    path.write_text(GOOD.replace("body: text", "body: textt", 1))
    line = _line_of(path.read_text(), "body: textt")
    gh = cli(command, "--format", "github", cwd=project)
    assert gh.exit_code == 2
    assert gh.stdout.startswith(f"::error file=manifests/memories.yaml,line={line},col=")
    js = cli(command, "--format", "json", cwd=project)
    assert js.exit_code == 2
    report = json.loads(js.stdout)
    assert report["ok"] is False and report["problems"][0]["line"] == line
    assert 'unknown type "textt"' in report["problems"][0]["message"]
    ju = cli(command, "--format", "junit", cwd=project)
    suite = ET.fromstring(ju.stdout).find("testsuite")
    assert ju.exit_code == 2 and suite.get("failures") == "1"


def test_check_stale_items_as_json_and_annotations(project):
    (project / "generated" / "memories" / "sqlite.sql").write_text("-- edited\n")
    js = cli("check", "--format", "json", cwd=project, env={"SCHEMACTL_NO_CACHE": "1"})
    assert js.exit_code == 1
    stale = json.loads(js.stdout)["stale"]
    assert stale == [{"path": "generated/memories/sqlite.sql", "problem": "out of date with manifests/memories.yaml",
                      "fix": "schemactl generate"}]
    gh = cli("check", "--format", "github", cwd=project, env={"SCHEMACTL_NO_CACHE": "1"})
    assert gh.stdout.strip() == ("::error file=generated/memories/sqlite.sql,title=schemactl check%3A stale::"
                                 "out of date with manifests/memories.yaml; run `schemactl generate`")


def test_a_stale_hash_points_at_its_line_in_every_format(project):
    path = project / "manifests" / "memories.yaml"
    text = GOOD.replace("title: {type: varchar(200)", "title: {type: varchar(300)", 1)
    path.write_text(text)
    line = _line_of(text, "hash:")
    gh = cli("check", "--format", "github", cwd=project)
    assert gh.exit_code == 1
    assert f"::error file=manifests/memories.yaml,line={line},col=1,title=schemactl check%3A stale::hash is stale" \
        in gh.stdout
    js = json.loads(cli("check", "--format", "json", cwd=project).stdout)
    assert {"path": "manifests/memories.yaml", "line": line, "column": 1} \
        .items() <= next(s for s in js["stale"] if s["path"].endswith(".yaml")).items()
    ju = ET.fromstring(cli("check", "--format", "junit", cwd=project).stdout)
    assert f"manifests/memories.yaml:{line}:1" in [c.get("name") for c in ju.iter("testcase")]


def test_clean_reports(project):
    for command in ("validate", "check"):
        js = cli(command, "--format", "json", cwd=project)
        assert js.exit_code == 0 and json.loads(js.stdout)["ok"] is True
        assert cli(command, "--format", "github", cwd=project).stdout.startswith(f"::notice::schemactl {command}")


def test_undeclared_objects_point_at_their_table(project, tmp_path):
    db = tmp_path / "live.db"
    conn = sqlite3.connect(db)
    conn.executescript((project / "generated" / "memories" / "sqlite.sql").read_text())
    conn.executescript("ALTER TABLE memories ADD COLUMN extra text; CREATE TABLE stray (a integer);")
    conn.close()
    result = cli("diff", "manifests/memories.yaml", "--db", f"sqlite:///{db}", "--format", "json", cwd=project)
    assert result.exit_code == 1
    findings = {f["object"]: f for f in json.loads(result.stdout)["findings"]}
    text = GOOD.splitlines()
    memories = next(i for i, line in enumerate(text, 1) if line == "  memories:")
    tables = next(i for i, line in enumerate(text, 1) if line == "tables:")
    assert findings["memories.extra"]["line"] == memories
    assert findings["stray"]["line"] == tables
    assert all(f["line"] != 1 for f in findings.values())


DECLARED = """\
format: 1
name: items
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      s: {type: text, check: "length(s) < 90"}
      r: {type: integer, references: {table: t, column: id}}
    checks:
      - {name: t_s_len, expr: "length(s) > 1"}
    indexes:
      - {name: t_s_idx, columns: [s]}
    foreign_keys:
      - {columns: [r], references: {table: t, columns: [id]}, name: t_r2_fkey}
    unique:
      - {name: t_s_key, columns: [s]}
"""


def test_a_missing_declared_item_points_at_its_own_line(tmp_path):
    """A missing check, index, foreign key or unique key was reported at its table's first key (`columns:`),
    so a CI annotation landed on the wrong line; it points at the item's own entry now."""
    (tmp_path / "m.yaml").write_text(DECLARED)
    db = tmp_path / "live.db"
    sqlite3.connect(db).executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, r INTEGER);")
    result = cli("diff", "m.yaml", "--db", f"sqlite:///{db}", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 1
    lines = {f["object"]: f["line"] for f in json.loads(result.stdout)["findings"]}
    at = {needle: _line_of(DECLARED, needle) for needle in ("check: ", "references: {table", "t_s_len", "t_s_idx",
                                                            "t_r2_fkey", "t_s_key")}
    assert lines == {"t/check t_s_check": at["check: "], "t/foreign key t_r_fkey": at["references: {table"],
                     "t/check t_s_len": at["t_s_len"], "t/index t_s_idx": at["t_s_idx"],
                     "t/foreign key t_r2_fkey": at["t_r2_fkey"], "t/unique t_s_key": at["t_s_key"]}


@pytest.mark.parametrize("env,coloured", [({}, False), ({"FORCE_COLOR": "1"}, True),
                                          ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False), ({"FORCE_COLOR": "0"}, False)])
def test_colour_follows_force_color_and_no_color(project, tmp_path, env, coloured):
    db = tmp_path / "live.db"
    conn = sqlite3.connect(db)
    conn.executescript((project / "generated" / "memories" / "sqlite.sql").read_text())
    conn.execute("ALTER TABLE memories ADD COLUMN extra text")
    conn.close()
    result = cli("diff", "manifests/memories.yaml", "--db", f"sqlite:///{db}", cwd=project,
                 env={"NO_COLOR": None, "FORCE_COLOR": None, **env})
    assert result.exit_code == 1
    assert ("\033[31m" in result.stdout) is coloured


def test_a_finding_names_the_build_it_comes_from(tmp_path):
    """A column an earlier schemactl's migration added between existing ones (the chain appends it; it is refused
    now): the fresh DDL is clean, the build via migrations is not, and the finding says which build it comes
    from (text, json and annotations)."""
    from tests.migrations.chain_support import misordered_chain
    (tmp_path / "manifests").mkdir()
    path = tmp_path / "manifests" / "memories.yaml"
    path.write_text(GOOD)
    assert cli("migrate", "new", "manifests/memories.yaml", "--name", "init", cwd=tmp_path).exit_code == 0
    misordered_chain(tmp_path, "manifests/memories.yaml",
                     "    indexes:\n      - columns: [capsule_id",
                     "      mood: text\n", "      metadata: {type: jsonb")
    text = cli("parity", "--engine", "sqlite", cwd=tmp_path)
    assert text.exit_code == 1
    assert '[sqlite via migrations] columns of "memories" are in another order' in text.stdout
    assert "[sqlite] " not in text.stdout
    js = json.loads(cli("parity", "--engine", "sqlite", "--format", "json", cwd=tmp_path).stdout)
    assert {(f["engine"], f["build"]) for f in js["findings"]} == {("sqlite", "sqlite via migrations")}
    gh = cli("parity", "--engine", "sqlite", "--format", "github", cwd=tmp_path).stdout
    assert "(sqlite via migrations)" in gh
