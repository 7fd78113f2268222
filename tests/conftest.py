"""Shared fixtures: real engines (one throwaway PostgreSQL per test session,
a fresh database per test; SQLite files in tmp_path) and the golden flag."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from schemactl.engines.providers import Server

ROOT = Path(__file__).resolve().parent.parent
# `check` remembers clean results in the user's cache directory: tests use their own (one per process;
# with pytest-xdist, one per worker).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="schemactl-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject's addopts): one worker per CPU, at most four; each runs its own PostgreSQL."""
    return max(1, min(len(os.sched_getaffinity(0)), 4))


def pytest_configure(config):
    """The Rust tests' dependencies compile once per run: the controller (or a run without workers) names
    one CARGO_TARGET_DIR that every xdist worker inherits and cargo's own lock serialises."""
    if os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get("SCHEMACTL_CARGO_TARGET_DIR"):
        return
    target = tempfile.mkdtemp(prefix="schemactl-cargo-")
    os.environ["SCHEMACTL_CARGO_TARGET_DIR"] = target
    config.add_cleanup(lambda: (shutil.rmtree(target, True), os.environ.pop("SCHEMACTL_CARGO_TARGET_DIR", None)))
CASES = ROOT / "tests" / "cases"


def _same(a, b) -> bool:
    """Equal and of the same types all the way down (1, 1.0 and True are three values here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


@pytest.fixture(autouse=True, scope="session")
def _imported_text_reads_as_its_doc():
    """import hands load_text the doc it dumped along with the text (which is then read only to locate a
    problem): every such load in the suite checks that the text reads back as exactly that doc; engine checks
    an import worked out ahead are checked against checking the model, and every imported manifest's hash
    against its model's."""
    from schemactl.manifest import load as manifest_load
    from schemactl.manifest import yamlpos
    real = manifest_load.load_text

    def load_text(text, *args, data=None, **kwargs):
        if data is not None:
            read = yamlpos.load(text() if callable(text) else text).data
            assert _same(read, manifest_load._plain(data)), "the manifest's text does not read as its doc"
        return real(text, *args, data=data, **kwargs)
    from schemactl import importer
    from schemactl.manifest import enginecheck, rules
    from schemactl.manifest.hashing import schema_hash
    real_check, real_finish = rules.check, importer.finish

    def check(m, problems, engines=None):
        # engine checks worked out ahead (import --drizzle: checks_ahead) are what checking this model says
        engines = engines() if callable(engines) else engines
        if engines is not None:
            assert engines == enginecheck.recorded(m), "the engine checks worked out ahead are another model's"
        return real_check(m, problems, engines)

    def finish(*args, **kwargs):
        text, m = real_finish(*args, **kwargs)
        assert f"\nhash: {schema_hash(m)}\n" in text, "the imported manifest's hash is another model's"
        return text, m
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(manifest_load, "load_text", load_text)
        mp.setattr(rules, "check", check)
        mp.setattr(importer, "finish", finish)
        yield


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite expected files of golden tests from the current output")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL for the whole session, from the local server binaries."""
    from schemactl.engines.postgres_local import LocalPostgres
    with LocalPostgres() as server:
        yield server


RESET_SQL = """
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  CREATE SCHEMA public;
END $$
"""


@pytest.fixture(scope="session")
def pg_test_db(pg_server):
    """One database for the session's tests; emptied (every schema dropped) before each use."""
    import psycopg
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE schemactl_tests")
    # the roles the golden cases' policies name, as a deployment provides them (the DDL's header lists them)
    from schemactl.manifest.load import load_file
    Server(pg_server.conninfo(), "test").ensure_roles(
        {r for case in sorted(CASES.iterdir()) if (case / "manifest.yaml").exists()
         for r in load_file(case / "manifest.yaml").pg_roles})
    return pg_server.conninfo("schemactl_tests")


class ResettingServer(Server):
    """Test stand-in for providers.Server: scratch() empties one database instead of
    creating a new one (the real engine, a tenth of the time)."""

    def __init__(self, conninfo: str):
        super().__init__(conninfo, "test")

    @contextlib.contextmanager
    def scratch(self, roles=()):
        self.ensure_roles(roles)
        import psycopg
        with psycopg.connect(self.admin_conninfo, autocommit=True) as conn:
            conn.execute(RESET_SQL)
        yield self.admin_conninfo


@pytest.fixture(scope="session")
def scratch_server(pg_test_db):
    return ResettingServer(pg_test_db)


@pytest.fixture
def pg(pg_test_db):
    """A psycopg connection (autocommit) to an empty database."""
    import psycopg
    conn = psycopg.connect(pg_test_db, autocommit=True)
    conn.execute(RESET_SQL)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def sqlite_db(tmp_path):
    from schemactl.engines.sqlite import connect
    conn = connect(str(tmp_path / "test.db"))
    try:
        yield conn
    finally:
        conn.close()


def findings(m, conn, engine: str) -> list[str]:
    """What diff finds between the manifest and a live database of ``engine`` (none: the parity gate passes)."""
    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    return [str(f) for f in diff(expect(m, engine), introspect(conn, engine))]


def cli(*args, cwd: Path = ROOT, env=None, catch_exceptions: bool = True):
    """Run the schemactl CLI in-process from ``cwd`` (as a user would from that directory)."""
    import os
    from click.testing import CliRunner
    from schemactl.cli import main
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=catch_exceptions)
    finally:
        os.chdir(old)


def golden(path: Path, actual: str, update: bool) -> None:
    """Compare ``actual`` with the file at ``path`` (or rewrite it with --update-golden)."""
    if update or not path.exists():
        if not update:
            pytest.fail(f"{path} does not exist; run pytest --update-golden and review the diff")
        path.write_text(actual, encoding="utf-8", newline="")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs from the rendered output; run pytest --update-golden and review"


def on_terminal(args, cwd) -> tuple[int, str, str]:
    """Run the installed schemactl with stderr on a pseudo-terminal: (exit code, stdout, what the terminal showed)."""
    import os
    import pty
    import shutil
    import subprocess
    main, secondary = pty.openpty()
    proc = subprocess.run([shutil.which("schemactl") or "schemactl", *map(str, args)], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=secondary, text=True)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:      # the terminal's other end is closed: all was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return proc.returncode, proc.stdout, shown.decode()
