"""import --drizzle of a pg-core schema reads drizzle-kit's snapshot without a server where it can
(schemactl.drizzle_snapshot), and otherwise starts the throwaway PostgreSQL while Node writes the SQL; what the
user sees is unchanged: a module that does not load is still its own located error, a server that cannot be
had (when one is needed) is still exit 2, and a sqlite-core schema never asks for PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import pytest

from schemactl import cli as cli_module
from schemactl.engines import providers
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "drizzle_import" / "fixtures"
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"


def _import(cwd, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "schemactl", "import", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    return tmp_path


def _events(project, monkeypatch, fixture: str) -> list:
    from click.testing import CliRunner
    from schemactl import drizzle_module
    shutil.copy(FIXTURES / fixture, project / "schema.ts")
    events = []
    real_postgres, real_read = providers.postgres, drizzle_module.read_module

    def postgres(*args, **kwargs):
        events.append(("server asked", threading.current_thread() is threading.main_thread()))
        return real_postgres(*args, **kwargs)

    def read_module(path, casing=None, **kwargs):
        events.append(("node", True))
        return real_read(path, casing, **kwargs)
    monkeypatch.setattr(providers, "postgres", postgres)
    monkeypatch.setattr(drizzle_module, "read_module", read_module)
    monkeypatch.chdir(project)
    res = CliRunner().invoke(cli_module.main, ["import", "--drizzle", "schema.ts", "--postgres", "local",
                                               "-o", "m.yaml"])
    assert res.exit_code == 0, res.output
    assert "\ntables:\n" in (project / "m.yaml").read_text()
    return events


def test_a_schema_its_snapshot_says_all_of_needs_no_server(project, monkeypatch):
    assert _events(project, monkeypatch, "snapshot_forms.ts") == [("node", True)]


def test_the_server_starts_once_the_snapshot_is_not_enough_while_node_writes_the_sql(project, monkeypatch):
    """pg_types.ts has a point column, whose catalog rows only the server knows."""
    events = _events(project, monkeypatch, "pg_types.ts")
    assert events[:2] == [("node", True), ("server asked", True)]
    assert events.count(("server asked", True)) == 1   # the same server: none started a second time


def test_a_schema_its_snapshot_says_all_of_imports_with_no_server_to_be_had(project):
    shutil.copy(FIXTURES / "snapshot_forms.ts", project / "schema.ts")
    res = _import(project, "--drizzle", "schema.ts", "--postgres", "url", "--postgres-url", UNREACHABLE, "-o", "m.yaml")
    assert res.returncode == 0, res.stderr
    assert "accounts:" in (project / "m.yaml").read_text()


def test_a_module_that_does_not_load_is_reported_before_an_unreachable_server(project):
    (project / "bad.ts").write_text('import { pgTable, text } from "drizzle-orm/pg-core";\nthrow new Error("boom");\n')
    res = _import(project, "--drizzle", "bad.ts", "--postgres", "url", "--postgres-url", UNREACHABLE)
    assert res.returncode == 2
    assert res.stderr.startswith("error: bad.ts: loading the module failed: boom"), res.stderr
    assert "Traceback" not in res.stderr


def test_an_unreachable_server_is_still_exit_2_with_the_reason(project):
    shutil.copy(FIXTURES / "pg_types.ts", project / "schema.ts")
    res = _import(project, "--drizzle", "schema.ts", "--postgres", "url", "--postgres-url", UNREACHABLE)
    assert res.returncode == 2
    assert "cannot connect" in res.stderr and "Traceback" not in res.stderr


def test_a_sqlite_core_schema_never_asks_for_postgres(project):
    shutil.copy(FIXTURES / "team_sqlite.ts", project / "schema.ts")
    res = _import(project, "--drizzle", "schema.ts", "--postgres", "url", "--postgres-url", UNREACHABLE, "-o", "m.yaml")
    assert res.returncode == 0, res.stderr
    assert (project / "m.yaml").is_file()
