"""import --drizzle starts Node once: the helper that reads the module also writes what `drizzle-kit export`
prints for it (through drizzle-kit's API), byte for byte; where it cannot be sure of that (exports whose
order it does not know), it writes nothing and the import runs `drizzle-kit export` as before."""

from __future__ import annotations

import json
import subprocess
from importlib import resources
from pathlib import Path

import pytest

from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
FIXTURES = ROOT / "tests" / "drizzle_import" / "fixtures"
KIT = ROOT / "node_modules" / ".bin" / "drizzle-kit"
FILES = {"ai-chatbot": (CORPUS / "ai-chatbot" / "schema.ts", "postgresql"),
         "t3-sqlite": (CORPUS / "t3-sqlite" / "schema.ts", "sqlite"),
         "team-pg": (FIXTURES / "team_pg.ts", "postgresql"),
         "team-sqlite": (FIXTURES / "team_sqlite.ts", "sqlite"),
         "pg-types": (FIXTURES / "pg_types.ts", "postgresql"),
         "views": (ROOT / "tests" / "cases" / "views" / "schema.pg.ts", "postgresql")}


def _helper(path: Path, dialect: str) -> dict:
    script = resources.files("schemactl").joinpath("drizzle_module.cjs")
    res = subprocess.run(["node", str(script), str(path), "--sql", dialect, "--kit", str(KIT)],
                         capture_output=True, text=True, cwd=path.parent, check=True)
    # lines of JSON: the snapshot where there is one, what the module says, then the SQL where it says it follows
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    snapshot = lines.pop(0)["snapshot"] if set(lines[0]) == {"snapshot"} else None
    out = lines.pop(0)
    if out.pop("snapshotValid", False):
        out["snapshot"] = snapshot
    if out.pop("ddlFollows", False):
        out.update(lines.pop(0))
    assert not lines
    return out


def _kit(path: Path, dialect: str) -> str:
    return subprocess.run([str(KIT), "export", "--dialect", dialect, "--schema", str(path)], capture_output=True,
                          text=True, cwd=path.parent, check=True).stdout


@pytest.mark.parametrize("name", FILES)
def test_the_helper_writes_drizzle_kit_exports_text(name):
    path, dialect = FILES[name]
    out = _helper(path, dialect)
    assert out["ddl"] == _kit(path, dialect)
    assert out["tables"]


def test_exports_in_an_order_it_does_not_know_leave_the_sql_to_drizzle_kit(tmp_path):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "s.ts").write_text('import { pgTable, text } from "drizzle-orm/pg-core";\n'
                                   'const zeta = pgTable("zeta", { a: text("a") });\n'
                                   'export const alpha = pgTable("alpha", { a: text("a") });\n'
                                   'export { zeta };\n')
    out = _helper(tmp_path / "s.ts", "postgresql")
    assert "ddl" not in out and "snapshot" not in out   # (the SQL thread's snapshot is of another loading)
    assert [t["export"] for t in out["tables"]] == ["alpha", "zeta"]   # typescript's order, as before


def test_tables_are_read_in_the_order_they_are_declared(tmp_path):
    """The module is loaded by esbuild (exports sorted by name); what is read of it keeps the declared order."""
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "s.ts").write_text('import { pgTable, text } from "drizzle-orm/pg-core";\n'
                                   'export const zeta = pgTable("zeta", { a: text("a") });\n'
                                   'export function helper() { return 1; }\n'
                                   'export const alpha = pgTable("alpha", { a: text("a") });\n'
                                   'export const again = zeta;\n')
    out = _helper(tmp_path / "s.ts", "postgresql")
    assert [t["export"] for t in out["tables"]] == ["zeta", "alpha"]
    assert out["ddl"] == _kit(tmp_path / "s.ts", "postgresql")


@pytest.mark.parametrize("read", [True, False], ids=["snapshot-read", "snapshot-not-read"])
def test_node_makes_the_sql_only_when_the_snapshot_was_not_read(tmp_path, read):
    """Once the caller has the schema from the snapshot, drizzle-kit's diff would only take a core from the
    reading of the source: Node is told to skip it.  Where the snapshot was not read, the SQL is export's."""
    from schemactl import drizzle_module
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    path = tmp_path / "schema.ts"
    path.write_text(FILES["team-pg"][0].read_text("utf-8"))
    out = drizzle_module.read_module(path, on_snapshot=lambda snapshot: ("read",) if read else None)
    assert out["snapshot"] == (("read",) if read else None)
    ddl = drizzle_module.exported(path, path.read_text("utf-8"))
    assert ddl == (None if read else _kit(path, "postgresql"))


@pytest.mark.parametrize("fast", [True, False], ids=["one-node", "drizzle-kit-export"])
def test_a_module_that_prints_on_stdout_imports(tmp_path, fast, pg_server):
    """import "dotenv/config" prints a notice on stdout: the helper's JSON answer was read with it in front
    ("loading the module with Node failed: [dotenv] … {"core": …}"), and drizzle-kit export's DDL began with it
    (every table rejected: "no tables found to import")."""
    from tests.conftest import cli
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    exports = "" if fast else "const x = 1;\nexport { x as y };\n"   # an export form the one-Node path leaves
    (tmp_path / "s.ts").write_text('import { pgTable, integer } from "drizzle-orm/pg-core";\n'
                                   'console.log("[dotenv] injecting env (0) from .env");\n'
                                   'export const t = pgTable("t", { id: integer("id").primaryKey() });\n' + exports)
    result = cli("import", "--drizzle", "s.ts", "--postgres-url", pg_server.url(), "-o", "s.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "import: 3 objects mapped exactly, 0 approximately, 0 not mapped" in result.output
    # what the module printed is shown (on stderr), once, and never in the manifest
    assert result.stderr.count("[dotenv] injecting env (0) from .env") == 1
    assert "s.ts: the module printed while Node loaded it:\n  [dotenv] injecting env" in result.stderr
    assert "dotenv" not in (tmp_path / "s.yaml").read_text()


def test_a_module_that_ends_node_is_named_so(tmp_path):
    from schemactl.drizzle_module import read_module
    from schemactl.errors import SchemactlError
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "s.ts").write_text('import { pgTable, integer } from "drizzle-orm/pg-core";\n'
                                   'export const t = pgTable("t", { id: integer("id").primaryKey() });\n'
                                   "process.exit(0);\n")
    with pytest.raises(SchemactlError, match=r"s.ts: loading the module with Node ended the process before the "
                                             r"module could be read \(exit code 0; a process.exit\(\)"):
        read_module(tmp_path / "s.ts")


def test_node_ended_by_ctrl_c_is_the_command_interrupted(tmp_path):
    """Ctrl-C reaches Node (in the command's process group) before the command sees it: the command ends as
    interrupted (exit 130, its one line), not as a module that ended Node (exit 2)."""
    import subprocess
    import sys
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "s.ts").write_text('import { pgTable, integer } from "drizzle-orm/pg-core";\n'
                                   'export const t = pgTable("t", { id: integer("id").primaryKey() });\n'
                                   'process.kill(process.pid, "SIGINT");\n')
    res = subprocess.run([sys.executable, "-m", "schemactl", "import", "--drizzle", "s.ts"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 130, res.stderr
    assert "interrupted" in res.stderr and "Traceback" not in res.stderr


def test_an_error_written_while_the_sql_thread_writes_its_line_is_still_the_located_error(tmp_path):
    """The main thread's error is a line of its own, which a pipe keeps whole, even inside the snapshot's line."""
    from schemactl.drizzle_module import _answer, _Node
    from schemactl.errors import SchemactlError
    script = """printf '{"snapshot": {"ta'; printf '\\n{"error": "boom", "file": "%s", "line": 3}\\n'; printf 'bles": {}}}\\n'"""
    run = _Node(["sh", "-c", script % (tmp_path / "s.ts")], str(tmp_path), tmp_path / "s.ts")
    with pytest.raises(SchemactlError, match=r"s\.ts:3: boom"):
        _answer(run, tmp_path / "s.ts")


def _without_sql_thread(path: Path) -> dict:
    """What the main thread reads of the module loading it itself (no --sql: no SQL thread)."""
    script = resources.files("schemactl").joinpath("drizzle_module.cjs")
    res = subprocess.run(["node", str(script), str(path)], capture_output=True, text=True, cwd=path.parent,
                         check=True)
    return json.loads(res.stdout.splitlines()[0])


@pytest.mark.parametrize("name", ["ai-chatbot", "t3-sqlite", "team-pg", "team-sqlite", "pg-types"])
def test_what_the_sql_threads_loading_says_is_what_loading_it_here_says(name, tmp_path):
    """Where the SQL thread loads the module (the fast way), the main thread reads its tables, columns, creators,
    relations, enums and schemas from that loading (moduleFacts) and does not load it again: the same answer as
    the main thread's own loading, and the module runs once."""
    path, dialect = FILES[name]
    copy = tmp_path / path.name
    loads = tmp_path / "loads.txt"
    copy.write_text(path.read_text("utf-8") + f'\nimport {{ appendFileSync }} from "fs";\n'
                    f'appendFileSync({json.dumps(str(loads))}, "loaded\\n");\n')
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    for module in ("_components", "lib", "src"):   # (what a corpus schema imports beside it, where it has any)
        if (path.parent / module).exists():
            (tmp_path / module).symlink_to(path.parent / module)
    out = _helper(copy, dialect)
    assert loads.read_text() == "loaded\n"   # once: by the SQL thread
    alone = _without_sql_thread(copy)
    assert loads.read_text() == "loaded\n" * 2
    for key in ("core", "tables", "creators", "enums", "schemas", "relations", "types"):
        assert out[key] == alone[key], key
    assert out["tables"] and out["snapshot"] is not None


def test_a_module_the_sql_thread_cannot_load_is_loaded_here(tmp_path):
    """A module that ends the SQL thread as it loads (a process.exit() there ends only that thread) leaves its
    loading to the main thread, where it ends Node as it always did, at once (not after a wait)."""
    import time
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "s.ts").write_text('import { pgTable, integer } from "drizzle-orm/pg-core";\n'
                                   'import { isMainThread } from "worker_threads";\n'
                                   'export const t = pgTable("t", { id: integer("id").primaryKey() });\n'
                                   'if (!isMainThread) process.exit(0);\n')
    script = resources.files("schemactl").joinpath("drizzle_module.cjs")
    started = time.monotonic()
    res = subprocess.run(["node", str(script), str(tmp_path / "s.ts"), "--sql", "postgresql", "--kit", str(KIT)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert time.monotonic() - started < 30
    assert res.returncode == 0, res.stderr
    answer = json.loads(res.stdout.splitlines()[0])
    assert [t["export"] for t in answer["tables"]] == ["t"] and not answer.get("snapshotValid")
