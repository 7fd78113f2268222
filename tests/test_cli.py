"""The command line: exit codes, atomic writes, drift detection, hash rewriting."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from schemactl.cli import main
from tests.conftest import ROOT, cli

GOOD = (ROOT / "manifests" / "memories.yaml").read_text()


def run(*args, cwd: Path):
    return cli(*args, cwd=cwd, catch_exceptions=False)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "memories.yaml").write_text(GOOD)
    return tmp_path


def test_help_lists_the_commands():
    out = CliRunner().invoke(main, ["--help"]).output
    for cmd in ("validate", "hash", "generate", "check", "schema"):
        assert f"  {cmd}" in out


def test_unknown_command_is_a_usage_error():
    assert CliRunner().invoke(main, ["frobnicate"]).exit_code == 2


def test_generate_then_check_is_clean(project):
    assert run("generate", cwd=project).exit_code == 0
    assert (project / "generated/memories/postgres.sql").is_file()
    assert (project / "generated/memories/sqlite.sql").is_file()
    result = run("check", cwd=project)
    assert result.exit_code == 0, result.output


def test_generate_is_deterministic(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    shutil.copytree(project / "manifests", other / "manifests")
    run("generate", cwd=project)
    run("generate", cwd=other)
    for name in ("postgres.sql", "sqlite.sql"):
        assert (project / "generated/memories" / name).read_bytes() == (other / "generated/memories" / name).read_bytes()


def test_a_manifest_beside_the_project_is_named_relative_to_it_in_every_clone(tmp_path):
    """manifests = ["../shared/*.yaml"] (a monorepo): the generated headers named the manifest by its absolute
    path, so every other clone (CI's) found all the files out of date."""
    headers = []
    for clone in ("one", "two"):
        (tmp_path / clone / "shared").mkdir(parents=True)
        (tmp_path / clone / "shared" / "memories.yaml").write_text(GOOD)
        app = tmp_path / clone / "app"
        app.mkdir()
        (app / "schemactl.toml").write_text('manifests = ["../shared/*.yaml"]\noutput = "generated"\n')
        assert run("generate", cwd=app).exit_code == 0
        headers.append((app / "generated/memories/postgres.sql").read_bytes())
    assert headers[0] == headers[1] and b"../shared/memories.yaml" in headers[0]
    shutil.copytree(tmp_path / "one", tmp_path / "three")
    assert run("check", cwd=tmp_path / "three" / "app").exit_code == 0


def test_generated_files_match_the_repository(project):
    run("generate", cwd=project)
    for name in ("postgres.sql", "sqlite.sql"):
        assert (project / "generated/memories" / name).read_bytes() == \
            (ROOT / "generated/memories" / name).read_bytes()


def test_check_reports_each_stale_file_and_the_fix(project):
    run("generate", cwd=project)
    pg = project / "generated/memories/postgres.sql"
    pg.write_text(pg.read_text() + "-- hand edit\n")
    (project / "generated/memories/sqlite.sql").unlink()
    result = run("check", cwd=project)
    assert result.exit_code == 1
    assert "generated/memories/postgres.sql: out of date with manifests/memories.yaml; run `schemactl generate`" \
        in result.output
    assert "generated/memories/sqlite.sql: missing; run `schemactl generate`" in result.output


def test_check_reports_a_stale_hash(project):
    run("generate", cwd=project)
    path = project / "manifests/memories.yaml"
    path.write_text(GOOD.replace("title: {type: varchar(200)", "title: {type: varchar(300)", 1))
    result = run("check", cwd=project)
    assert result.exit_code == 1
    line = GOOD.splitlines().index(next(x for x in GOOD.splitlines() if x.startswith("hash:"))) + 1
    assert f"manifests/memories.yaml:{line}:1: hash is stale" in result.output   # the hash: line itself
    assert "hash is stale" in result.output and "run `schemactl generate`" in result.output
    github = run("check", "--format", "github", cwd=project)
    assert f"::error file=manifests/memories.yaml,line={line},col=1,title=" in github.output


def test_check_on_invalid_manifest_exits_2(project):
    (project / "manifests/memories.yaml").write_text(GOOD.replace("type: uuid,", "type: uuidd,", 1))
    result = run("check", cwd=project)
    assert result.exit_code == 2
    assert 'unknown type "uuidd" (did you mean "uuid"?)' in result.output
    assert "Traceback" not in result.output


def test_check_without_manifests_is_an_input_error(tmp_path):
    result = run("check", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no manifests found" in result.output


def test_configuration_in_pyproject(tmp_path):
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "app.yaml").write_text(GOOD)
    (tmp_path / "pyproject.toml").write_text('[tool.schemactl]\nmanifests = ["schema/*.yaml"]\noutput = "out"\n')
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    assert run("generate", cwd=sub).exit_code == 0
    assert (tmp_path / "out/memories/sqlite.sql").is_file()
    assert "-- Source: schema/app.yaml" in (tmp_path / "out/memories/sqlite.sql").read_text()
    assert run("check", cwd=sub).exit_code == 0


def test_generate_writes_nothing_when_one_manifest_is_invalid(project):
    (project / "manifests/zz_bad.yaml").write_text("format: 1\nname: bad\nversion: 1\ntables: {t: {columns: {a: nope}}}\n")
    result = run("generate", cwd=project)
    assert result.exit_code == 2
    assert "manifests/zz_bad.yaml:4:" in result.output
    assert "nothing was written" in result.output
    assert not (project / "generated").exists()


def test_generate_writes_nothing_when_a_write_fails(project):
    second = GOOD.replace("name: memories", "name: second", 1)
    (project / "manifests/second.yaml").write_text(second)
    (project / "generated").mkdir()
    (project / "generated/second").write_text("a file where a directory must go")
    result = run("generate", cwd=project)
    assert result.exit_code == 2
    assert "nothing was written" in result.output and "Traceback" not in result.output
    assert not (project / "generated/memories").exists()
    assert sorted(p.name for p in (project / "generated").iterdir()) == ["second"]


def test_hash_write_changes_only_the_hash_value(project):
    path = project / "manifests/memories.yaml"
    original = GOOD.replace("\n", "\r\n").replace("hash: sha256:", "hash:   sha256:")
    original = original.replace("sha256:9", "sha256:0", 1) if "sha256:9" in original else original
    stale = "sha256:" + "0" * 64
    lines = original.split("\r\n")
    lines = [f"hash:   {stale}  # kept up to date by schemactl" if l.startswith("hash:") else l for l in lines]
    path.write_bytes("\r\n".join(lines).encode())
    want = run("hash", "manifests/memories.yaml", cwd=project).output.strip()
    assert run("hash", "--write", "manifests/memories.yaml", cwd=project).exit_code == 0
    expected = "\r\n".join(f"hash:   {want}  # kept up to date by schemactl" if l.startswith("hash:") else l
                           for l in lines)
    assert path.read_bytes() == expected.encode()


def test_hash_write_adds_a_missing_hash_after_version(project):
    path = project / "manifests/memories.yaml"
    text = "".join(l for l in GOOD.splitlines(keepends=True) if not l.startswith("hash:"))
    path.write_text(text)
    run("hash", "--write", "manifests/memories.yaml", cwd=project)
    new = path.read_text()
    want = run("hash", "manifests/memories.yaml", cwd=project).output.strip()
    assert new == text.replace("version: 1\n", f"version: 1\nhash: {want}\n", 1)


def test_validate_reports_all_problems_of_all_files(project):
    (project / "manifests/a.yaml").write_text("format: 1\nname: a\nversion: 1\ntables: {t: {columns: {x: textt}}}\n")
    (project / "manifests/b.yaml").write_text("format: 1\nname: b\nversion: 1\ntables: {t: {columns: {x: intt}}}\n")
    result = run("validate", cwd=project)
    assert result.exit_code == 2
    assert 'manifests/a.yaml:4:27: error: table "t", column "x": unknown type "textt" (did you mean "text"?)' \
        in result.output
    assert 'manifests/b.yaml:4:27: error: table "t", column "x": unknown type "intt" (did you mean "integer"?)' in result.output


def test_schema_command_prints_the_json_schema_that_accepts_real_manifests():
    schema = json.loads(CliRunner().invoke(main, ["schema"]).output)
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in (ROOT / "manifests").glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_missing_manifest_file_is_an_input_error(tmp_path):
    result = run("validate", "nope.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "nope.yaml:1:1: error: file not found" in result.output


def test_one_command_after_an_edit(project):
    """generate brings the hash up to date with the generated files; check then passes."""
    run("generate", cwd=project)
    path = project / "manifests/memories.yaml"
    path.write_text(path.read_text().replace("title: {type: varchar(200)", "title: {type: varchar(300)", 1))
    result = run("generate", cwd=project)
    assert "manifests/memories.yaml: written" in result.output
    assert run("check", cwd=project).exit_code == 0
    assert "varchar(300)" in path.read_text()          # only the hash: line changed
    before = path.read_text()
    path.write_text(before.replace("varchar(300)", "varchar(301)", 1))
    run("generate", "--no-hash", cwd=project)
    assert run("check", cwd=project).exit_code == 1


def test_one_command_with_a_migration(project):
    run("generate", cwd=project)
    assert run("migrate", "new", "manifests/memories.yaml", "--name", "init", cwd=project).exit_code == 0
    assert run("check", cwd=project).exit_code == 0
    path = project / "manifests/memories.yaml"
    text = path.read_text()
    last = "      updated_at: {type: timestamptz, nullable: false, default: {fn: now}}\n    indexes:\n      - columns: [capsule_id"
    path.write_text(text.replace(last, last.replace("    indexes:", "      mood: text\n    indexes:"), 1))   # added last
    stale = run("check", cwd=project)
    assert stale.exit_code == 1
    result = run("generate", "--migration", "add_mood", cwd=project)
    assert result.exit_code == 0, result.output
    assert "migration 0002_add_mood" in result.output
    assert (project / "generated/memories/migrations/sqlite/0002_add_mood.sql").is_file()
    assert "version: 2\n" in path.read_text()
    assert run("check", cwd=project).exit_code == 0, run("check", cwd=project).output
    again = run("generate", "--migration", "add_more", cwd=project)   # nothing changed: no new migration
    assert "0003" not in again.output and run("check", cwd=project).exit_code == 0


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts_as_the_readme_shows(shell):
    import os
    import subprocess
    env = {**os.environ, "_SCHEMACTL_COMPLETE": f"{shell}_source"}
    res = subprocess.run([shutil.which("schemactl") or "schemactl"], env=env, capture_output=True, text=True)
    assert res.returncode == 0 and "_SCHEMACTL_COMPLETE" in res.stdout
    assert f"_SCHEMACTL_COMPLETE={shell}_source schemactl" in (ROOT / "README.md").read_text()


def test_every_option_of_every_command_has_help():
    import click
    missing = []

    def walk(cmd, prefix):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, prefix + [name])
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.help:
                missing.append(f"{' '.join(prefix)} {p.opts[-1]}")
        if not isinstance(cmd, click.Group) and not cmd.help:
            missing.append(" ".join(prefix))
    walk(main, [])
    assert missing == []


def test_driver_log_lines_stay_out_of_the_report_unless_debug():
    """psycopg logs "error ignored in rollback …" when Ctrl-C cuts a COPY: not a line of schemactl's report
    (which ends in "interrupted", exit 130); --debug shows such lines."""
    code = ("import logging, sys\nfrom schemactl.cli import main\nsys.argv = ['schemactl', *sys.argv[1:], 'schema']\n"
            "try:\n    main(standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "logging.getLogger('psycopg').warning('error ignored in rollback of <psycopg.Transaction>')\n")
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    shown = subprocess.run([sys.executable, "-c", code, "--debug"], capture_output=True, text=True, cwd=ROOT)
    assert "error ignored" not in quiet.stderr
    assert "error ignored in rollback" in shown.stderr


# -- the console script's exit (cli.run)

def _script(code: str, *args: str, cwd=ROOT):
    return subprocess.run([sys.executable, "-c", "import sys\nfrom schemactl.cli import run\n" + code, *args],
                          capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("argv, status", [
    (["schema"], 0),                                    # a lot of output, all of it flushed
    (["validate", "no-such.yaml"], 2),
    (["no-such-command"], 2),
    (["generate", "--help"], 0),
])
def test_the_console_script_ends_as_main_would(argv, status, tmp_path):
    """run() ends the process itself once main() is done: the same status and every byte of the output."""
    ours = _script("sys.argv = ['schemactl', *sys.argv[1:]]\nrun()\n", *argv, cwd=tmp_path)
    plain = _script("from schemactl.cli import main\nsys.argv = ['schemactl', *sys.argv[1:]]\nmain()\n", *argv,
                    cwd=tmp_path)
    assert (ours.returncode, ours.stdout, ours.stderr) == (status, plain.stdout, plain.stderr)
    if argv == ["schema"]:
        assert json.loads(ours.stdout)["title"] == "schemactl manifest"


def test_the_console_script_reports_drift_with_status_1_and_runs_atexit_handlers(project):
    """Nothing generated yet: check finds every file missing (1); atexit handlers still run."""
    code = ("import atexit\natexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
            "sys.argv = ['schemactl', 'check']\nrun()\n")
    res = _script(code, cwd=project)
    plain = subprocess.run([sys.executable, "-m", "schemactl", "check"], capture_output=True, text=True, cwd=project)
    assert res.stderr.endswith("atexit ran\n")
    assert res.returncode == plain.returncode == 1 and res.stdout == plain.stdout


def test_the_console_script_waits_for_a_thread_still_running(tmp_path):
    """With another thread alive the process ends as Python ends it, which waits for that thread."""
    code = ("import threading, time, pathlib\n"
            "threading.Thread(target=lambda: (time.sleep(0.5), pathlib.Path('done').write_text('x'))).start()\n"
            "sys.argv = ['schemactl', '--help']\nrun()\n")
    res = _script(code, cwd=tmp_path)
    assert res.returncode == 0 and (tmp_path / "done").read_text() == "x"


def test_python_dash_m_uses_the_console_scripts_entry():
    assert (ROOT / "schemactl" / "__main__.py").read_text() == "from .console import run\n\nrun()\n"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'schemactl = "schemactl.console:run"' in pyproject


@pytest.mark.skipif(shutil.which("schemactl") is None, reason="the schemactl command is not installed")
def test_migrate_apply_on_a_terminal_applies_only_whats_pending(tmp_path):
    """On a terminal, apply runs the chain one migration at a time to show each one's time; it ran the cut
    [1..k] from k = 1, and the runtime called a database at version 2 'ahead of this build' (exit 2)."""
    from tests.conftest import on_terminal
    from tests.migrations.chain_support import BASE, new_project, run_ok
    root = new_project(tmp_path)
    db = f"sqlite:///{tmp_path / 'app.db'}"
    run_ok(root, ("migrate", "apply", "manifests/m.yaml", "--db", db))   # version 1, not on a terminal
    text = BASE.replace("version: 1", "version: 2").replace(
        "      status: {type: status, nullable: false, default: new}\n",
        "      status: {type: status, nullable: false, default: new}\n      memo: text\n")
    (root / "manifests" / "m.yaml").write_text(text)
    run_ok(root, ("hash", "--write", "manifests/m.yaml"), ("migrate", "new", "manifests/m.yaml", "--name", "memo"))
    code, out, shown = on_terminal(["migrate", "apply", "manifests/m.yaml", "--db", db], root)
    assert code == 0, shown
    assert "0002_memo: applied in" in shown and "0001" not in shown
    assert "applied 2" in out + shown
    code, out, shown = on_terminal(["migrate", "apply", "manifests/m.yaml", "--db", db], root)
    assert code == 0 and "database is up to date" in out + shown, shown


def test_validate_keeps_a_warning_a_warning_beside_an_error(project):
    """A manifest with an error and a warning printed the warning as "error:" and counted it as a problem: the
    project's loader wrote each diagnostic again with its file as shown, and dropped its severity."""
    (project / "manifests/a.yaml").write_text(
        "format: 1\nname: a\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"
        '      at: {type: timestamp, check: "at <= CURRENT_TIMESTAMP(3)"}\n      x: textt\n')
    result = run("validate", "manifests/a.yaml", cwd=project)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0].startswith('manifests/a.yaml:8:36: warning: table "t", column "at": check: CURRENT_TIMESTAMP(3)')
    assert lines[1:] == ['manifests/a.yaml:9:10: error: table "t", column "x": unknown type "textt" (did you mean '
                         '"text"?)', "1 problem found; nothing was written"]
    report = json.loads(run("validate", "--format", "json", "manifests/a.yaml", cwd=project).output)
    assert sorted(d["severity"] for d in report["problems"]) == ["error", "warning"]
