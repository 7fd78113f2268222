"""The console script (schemactl.console): `import --drizzle FILE` starts Node on FILE from the arguments alone,
before the command-line interface and the import's modules are loaded, with the casing the command would use;
the command then uses that process (Node starts once).  Any other arguments start nothing ahead."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from schemactl.console import import_drizzle_options
from tests.conftest import ROOT

SCHEMA = '''import { pgTable, integer, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: integer().primaryKey(), firstName: text() });
'''


@pytest.mark.parametrize("argv, given", [
    (["import", "--drizzle", "s.ts"], {"--drizzle": "s.ts"}),
    (["--debug", "import", "--drizzle=s.ts", "-o", "m.yaml", "--force"], {"--drizzle": "s.ts", "-o": "m.yaml",
                                                                          "--force": ""}),
    (["import", "--casing", "snake_case", "--drizzle", "s.ts", "--postgres", "local"],
     {"--casing": "snake_case", "--drizzle": "s.ts", "--postgres": "local"}),
    (["import", "--drizzle", "a.ts", "--drizzle", "b.ts"], {"--drizzle": "b.ts"}),   # click keeps the last
    (["import", "--ddl", "x.sql", "--drizzle", "s.ts"], None),     # an option not read here: the CLI's
    (["import", "--drizzle", "s.ts", "--help"], None),
    (["import", "--drizzle", "s.ts", "extra"], None),
    (["import", "--drizzle"], None),
    (["import", "--force=1", "--drizzle", "s.ts"], None),
    (["import", "-o", "m.yaml"], None),                            # no --drizzle
    (["generate", "--drizzle", "s.ts"], None),
    ([], None),
])
def test_only_import_drizzle_with_imports_own_options_is_read(argv, given):
    assert import_drizzle_options(argv) == given


def _project(tmp_path, config: str | None = None):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "schema.ts").write_text(SCHEMA)
    if config is not None:
        (tmp_path / "drizzle.config.ts").write_text(config)
    return tmp_path


AHEAD = """
import json, sys
from schemactl import console, drizzle_module
console.start_ahead(sys.argv[1:])
print(json.dumps({"cli": "schemactl.cli" in sys.modules, "importer": "schemactl.importer" in sys.modules,
                  "started": sorted([p, c] for p, c in drizzle_module._STARTED)}))
for run in drizzle_module._STARTED.values():
    run.stop()
"""


def _ahead(cwd, *argv) -> dict:
    res = subprocess.run([sys.executable, "-c", AHEAD, *argv], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_node_starts_before_the_cli_is_loaded_with_the_projects_casing(tmp_path):
    project = _project(tmp_path, 'export default { dialect: "postgresql", schema: "./schema.ts", '
                                 'casing: "snake_case" };\n')
    path = str((project / "schema.ts").resolve())
    assert _ahead(project, "import", "--drizzle", "schema.ts") == {"cli": False, "importer": False,
                                                                   "started": [[path, "snake_case"]]}
    # --casing none: the key as written (no casing), as the command reads it
    assert _ahead(project, "import", "--drizzle", "schema.ts", "--casing", "none")["started"] == [[path, None]]
    assert _ahead(project, "import", "--drizzle", "schema.ts", "--casing", "camelCase")["started"] == [
        [path, "camelCase"]]


@pytest.mark.parametrize("argv", [
    ["import", "--drizzle", "missing.ts"],                        # the command says it does not exist
    ["import", "--drizzle", "schema.ts", "--casing", "kebab"],    # the command refuses the choice
    ["import", "--drizzle", "schema.ts", "--dialect", "postgres"],
    ["validate"],
])
def test_nothing_starts_ahead_where_the_command_would_not_start_node(tmp_path, argv):
    assert _ahead(_project(tmp_path), *argv)["started"] == []


def test_a_project_whose_casing_is_an_error_leaves_it_to_the_command(tmp_path):
    project = _project(tmp_path, 'export default { dialect: "postgresql", casing: "snake_case" };\n')
    (project / "db.ts").write_text('import { drizzle } from "drizzle-orm/node-postgres";\n'
                                   'export const db = drizzle(process.env.URL!, { casing: "camelCase" });\n')
    assert _ahead(project, "import", "--drizzle", "schema.ts")["started"] == []
    res = subprocess.run([sys.executable, "-m", "schemactl", "import", "--drizzle", "schema.ts"], cwd=project,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "two casings" in res.stderr and "Traceback" not in res.stderr


def test_the_command_uses_the_node_started_ahead(tmp_path):
    """python -m schemactl (the console script's entry) starts Node once: a `node` first on PATH counts its starts."""
    project = _project(tmp_path)
    shim = tmp_path / "bin"
    shim.mkdir()
    real = subprocess.run(["sh", "-c", "command -v node"], capture_output=True, text=True).stdout.strip()
    (shim / "node").write_text(f'#!/bin/sh\necho "$2" >> "{tmp_path}/starts"\nexec "{real}" "$@"\n')
    (shim / "node").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    res = subprocess.run([sys.executable, "-m", "schemactl", "import", "--drizzle", "schema.ts", "-o", "app.yaml"],
                         cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "drizzle: {key: firstName}" in (project / "app.yaml").read_text()
    starts = (tmp_path / "starts").read_text().splitlines()
    assert starts == [str((project / "schema.ts").resolve())]


def test_ctrl_c_while_node_starts_ahead_is_exit_130_without_a_traceback(tmp_path):
    project = _project(tmp_path)
    code = ("import sys\nfrom schemactl import console, drizzle_module\n"
            "def stop(*a, **k):\n    raise KeyboardInterrupt\n"
            "drizzle_module.start_ahead = stop\n"
            "sys.argv = ['schemactl', 'import', '--drizzle', 'schema.ts']\nconsole.run()\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=120)
    assert res.returncode == 130 and "Traceback" not in res.stderr and "interrupted" in res.stderr


def test_the_options_read_here_are_imports_own():
    """What the console script reads ahead is what the import command takes: each option it knows is one of
    import's, a flag where import's is a flag; and --casing's choices are the command's (a drizzle.config's casings,
    or none)."""
    from schemactl import cli, console, drizzle_files
    params = {opt: p for p in cli.main.commands["import"].params for opt in p.opts}
    for name, takes in console._IMPORT_OPTIONS.items():
        assert name in params, name
        assert params[name].is_flag is (not takes), name
    assert tuple(params["--casing"].type.choices) == console.CASING_CHOICES == (*drizzle_files._CASINGS, "none")
