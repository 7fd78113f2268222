"""The parity gate and `diff`: convergence on every manifest and golden case,
exit codes, reporters, read-only diff of tampered databases, and cleanup."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import psycopg
import pytest

from schemactl import render
from schemactl.engines.providers import Server
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from schemactl.parity import parity, parse_url, postgres_target, sqlite_target
from tests.conftest import CASES, ROOT, cli
from tests.faults.procs import gone, local_server_of

ALL = sorted((ROOT / "manifests").glob("*.yaml")) + sorted(CASES.glob("*/manifest.yaml"))


def _id(p: Path) -> str:
    return p.parent.name if p.name == "manifest.yaml" else p.stem


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_converges_on_postgres(path, scratch_server):
    t = postgres_target(load_file(path), scratch_server)
    assert [str(f) for f in t.findings] == []


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_converges_on_sqlite(path):
    t = sqlite_target(load_file(path))
    assert [str(f) for f in t.findings] == []


def _run(*args, env=None, catch_exceptions=True):
    return cli(*args, env=env, catch_exceptions=catch_exceptions)


def test_parity_cli_on_the_repository_is_clean(pg_server):
    result = _run("parity", "--postgres-url", pg_server.url())
    assert result.exit_code == 0, result.output
    assert "no differences" in result.output


def _tampered_sqlite(tmp_path) -> Path:
    m = load_file(ROOT / "manifests/memories.yaml")
    path = tmp_path / "app.db"
    conn = sqlite_engine.connect(str(path))
    sqlite_engine.apply(conn, render.ddl(m, "sqlite"))
    conn.execute("DROP INDEX memories_kind_idx")
    conn.close()
    return path


def test_diff_sqlite_reports_drift_with_exit_1(tmp_path):
    db = _tampered_sqlite(tmp_path)
    before = db.read_bytes()
    result = _run("diff", "manifests/memories.yaml", "--db", f"sqlite:///{db}")
    assert result.exit_code == 1
    assert "SC341" in result.output and 'index "memories_kind_idx"' in result.output
    assert "manifests/memories.yaml:" in result.output
    assert db.read_bytes() == before  # read-only


def test_diff_postgres_clean_then_tampered(pg_server):
    m = load_file(ROOT / "manifests/memories.yaml")
    with Server(pg_server.conninfo(), "local").scratch() as conninfo:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(render.ddl(m, "postgres"))
        url = "postgresql://postgres@/" + psycopg.conninfo.conninfo_to_dict(conninfo)["dbname"] + \
            "?host=" + str(pg_server.base)
        assert _run("diff", "manifests/memories.yaml", "--db", url).exit_code == 0
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("ALTER TABLE memories ALTER COLUMN title DROP NOT NULL")
        result = _run("diff", "manifests/memories.yaml", "--db", url, "--format", "json")
        assert result.exit_code == 1
        report = json.loads(result.output)
        assert [(f["code"], f["engine"], f["object"]) for f in report["findings"]] == \
            [("SC204", "postgres", "memories.title")]


def test_reporters(tmp_path):
    db = _tampered_sqlite(tmp_path)
    url = f"sqlite:///{db}"
    junit = _run("diff", "manifests/memories.yaml", "--db", url, "--format", "junit").output
    root = ET.fromstring(junit)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["memories"].find("failure") is not None
    assert cases["capsules"].find("failure") is None
    gh = _run("diff", "manifests/memories.yaml", "--db", url, "--format", "github").output
    line = next(l for l in gh.splitlines() if l.startswith("::error"))
    assert line.startswith("::error file=manifests/memories.yaml,line=")
    assert "SC341" in line
    text = _run("diff", "manifests/memories.yaml", "--db", url).output
    assert "expected:" in text and "actual:" in text and "\033[" not in text


def test_bad_urls_and_missing_files_exit_2(tmp_path):
    assert _run("diff", "manifests/memories.yaml", "--db", "mysql://x").exit_code == 2
    result = _run("diff", "manifests/memories.yaml", "--db", f"sqlite:///{tmp_path}/none.db")
    assert result.exit_code == 2 and "does not exist" in result.output


def test_unreachable_postgres_url_exits_2_and_says_so():
    result = _run("parity", "--postgres-url", "postgresql://nobody@127.0.0.1:1/x", "manifests/memories.yaml")
    assert result.exit_code == 2
    assert "cannot connect" in result.output


def test_docker_provider_without_docker_exits_2_with_the_reason():
    from schemactl.engines.providers import docker_available
    ok, why = docker_available()
    if ok:
        pytest.skip("a Docker engine is reachable here; the testcontainers path is exercised instead")
    result = _run("parity", "--postgres", "docker", "manifests/memories.yaml")
    assert result.exit_code == 2
    assert "Docker" in result.output


def test_docker_provider_when_available():
    from schemactl.engines.providers import docker_available
    ok, why = docker_available()
    if not ok:
        pytest.skip(f"testcontainers path not exercised: {why}")
    targets = parity([load_file(ROOT / "manifests/memories.yaml")], ("postgres",), "docker")
    assert targets[0].findings == []


def test_parse_url():
    assert parse_url("sqlite:///rel.db") == ("sqlite", "rel.db")
    assert parse_url("sqlite:////abs/x.db") == ("sqlite", "/abs/x.db")
    assert parse_url("postgres://u@h/d")[0] == "postgres"


def _parity_process(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "schemactl", "parity", "--postgres", "local", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_parity_with_local_provider_leaves_nothing_behind():
    proc = _parity_process()
    postmaster, base = local_server_of(proc.pid)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, (out + err).decode()
    assert gone(postmaster, base), "the server or its directory outlived parity"


@pytest.fixture(scope="module")
def busy_project(tmp_path_factory):
    """A project whose parity keeps the server busy for a second or more after it is ready (300 tables),
    so a signal sent once the server is up lands while parity works, never after it has finished."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from _common import project
    finally:
        sys.path.remove(str(ROOT / "bench"))
    path = project(tmp_path_factory.mktemp("busy"), 300)
    assert subprocess.run([sys.executable, "-m", "schemactl", "generate"], cwd=path, capture_output=True).returncode == 0
    return path


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
                         ids=["ctrl-c", "sigterm", "sighup", "sigkill"])
def test_parity_interrupted_leaves_nothing_behind(sig, busy_project):
    """A Ctrl-C, a CI job's cancel (SIGTERM, or SIGKILL after its grace period) and a terminal hang-up
    (SIGHUP) while the server runs: the server stops and its directory goes, within seconds."""
    proc = subprocess.Popen([sys.executable, "-m", "schemactl", "parity", "--postgres", "local"], cwd=busy_project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    try:
        postmaster, base = local_server_of(proc.pid)
    except AssertionError:
        proc.kill()
        raise
    assert proc.poll() is None, "parity finished before it could be interrupted"
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)   # faulthandler prints where every thread is
        out, err = proc.communicate()
        pytest.fail(f"parity still ran 30 s after {sig.name}:\n{err.decode(errors='replace')}")
    assert proc.returncode != 0, f"parity was not interrupted: {(out + err).decode(errors='replace')}"
    assert b"Traceback" not in err, err.decode()
    assert gone(postmaster, base), f"postgres {postmaster} or {base} left behind after {sig.name}"


def test_parity_on_1000_tables_with_the_local_server():
    """The whole DDL runs in one transaction and holds a lock per table, index, sequence and TOAST table."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate_1000 import manifest
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from schemactl.manifest.load import load_text
    m = load_text(manifest(1000), "bench.yaml")
    targets = parity([m], ("postgres",), "local")
    assert [str(f) for f in targets[0].findings] == []


REJECTED_BY_POSTGRES = """\
format: 1
name: rejected
version: 1
tables:
  counters:
    columns:
      name: {type: text, primary_key: true}
      total: {type: bigint, nullable: false, default: 0}
functions:
  bump:
    postgres: |
      CREATE FUNCTION bump(counter text) RETURNS bigint
      LANGUAGE plpgsql AS $$
      BEGIN
        RETURN (SELECT total FROM counters WHERE name = counter) +;
      END;
      $$;
"""


def _databases(pg_server) -> set[str]:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}


def test_ddl_postgres_rejects_is_one_line_exit_2_naming_the_object(tmp_path, pg_server):
    """A PL/pgSQL body is only parsed by PostgreSQL itself: validate passes, the server refuses."""
    path = tmp_path / "rejected.yaml"
    path.write_text(REJECTED_BY_POSTGRES)
    before = _databases(pg_server)
    result = _run("parity", "--postgres-url", pg_server.url(), path, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert f"{path}: PostgreSQL rejected the generated DDL at function \"bump\"" in lines[0]
    assert "syntax error" in lines[0] and f'change function "bump" in {path}' in lines[0]
    assert _databases(pg_server) == before   # the scratch database is dropped


def test_ddl_sqlite_rejects_is_one_line_exit_2_naming_the_object(monkeypatch):
    """SQLite refusing a statement of the generated DDL (validate runs SQLite itself, so a real manifest rarely
    gets here: the refused statement is appended to real generated DDL)."""
    from schemactl import parity as parity_module
    from schemactl.errors import SchemactlError
    real = render.ddl

    def ddl(m, engine):
        out = real(m, engine)
        return out + ("\nCREATE INDEX memories_odd_idx ON memories (no_such_column);\n" if engine == "sqlite" else "")
    monkeypatch.setattr(parity_module.render, "ddl", ddl)
    with pytest.raises(SchemactlError) as info:
        sqlite_target(load_file(ROOT / "manifests/memories.yaml"))
    message = str(info.value)
    assert "\n" not in message
    assert 'SQLite rejected the generated DDL at index "memories_odd_idx"' in message
    assert "no such column: no_such_column" in message


def test_a_server_out_of_lock_space_is_exit_2_naming_the_setting(tmp_path):
    """A server of the user's (--postgres-url) with a small lock table: the fix is a server setting."""
    from schemactl.engines.postgres_local import LocalPostgres
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate_1000 import manifest
    finally:
        sys.path.remove(str(ROOT / "bench"))
    path = tmp_path / "bench.yaml"
    path.write_text(manifest(100))
    with LocalPostgres(settings={"max_locks_per_transaction": "10", "max_connections": "5"}) as small:
        result = _run("parity", "--engine", "postgres", "--postgres-url", small.url(), path, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "ran out of lock space" in result.output and "raise max_locks_per_transaction" in result.output


def test_a_manifest_that_does_not_load_stops_the_server_begun_early(tmp_path):
    """parity begins the server's start before it loads the manifests: a manifest that fails to load still
    exits 2 with its located error, and the server started meanwhile is stopped and its directory removed."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "bad.yaml").write_text("format: 1\nname: bad\nversion: 1\ntables: [\n")
    env = {**os.environ, "SCHEMACTL_RUN_DIR": str(run_dir)}
    res = subprocess.run([sys.executable, "-m", "schemactl", "parity", "--postgres", "local"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 2, res.stderr
    assert "manifests/bad.yaml:5:1: error" in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert [p.name for p in run_dir.iterdir() if p.name.startswith("schemactl-pg-")] == []


def test_parity_shows_each_build_on_a_terminal_only():
    from tests.conftest import on_terminal
    code, out, shown = on_terminal(["parity", "--postgres", "local", "manifests/memories.yaml"], ROOT)
    assert code == 0, shown
    lines = sorted(line.split(" (")[0] for line in shown.splitlines())
    assert lines == ["parity: postgres, memories: built by its migration chain and compared",
                     "parity: postgres, memories: built from its DDL and compared",
                     "parity: postgres: server ready",
                     "parity: sqlite, memories: built by its migration chain and compared",
                     "parity: sqlite, memories: built from its DDL and compared"], shown
    piped = subprocess.run([sys.executable, "-m", "schemactl", "parity", "--postgres", "local",
                            "manifests/memories.yaml"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0 and "parity:" not in piped.stderr


def test_a_view_as_postgresql_stores_it_is_the_same_view(scratch_server):
    """PostgreSQL stores trim(x) as TRIM(BOTH FROM x) and CASE … END as CASE … ELSE NULL::text END: the same
    view, no SC354 (the catalog's spelling of an argument left out is no difference)."""
    from schemactl.manifest.load import load_text
    from schemactl.parity import postgres_target, sqlite_target
    m = load_text("format: 1\nname: v\nversion: 1\ntables:\n  hosts:\n    columns:\n"
                  "      id: {type: integer, primary_key: true}\n      code: {type: text}\n"
                  "views:\n  trimmed:\n    sql: \"SELECT id, trim(code) AS t, upper(trim(code)) AS u, "
                  "CASE WHEN code = 'a' THEN 'x' END AS c, CASE WHEN id > 1 THEN id END AS n FROM hosts\"\n")
    assert postgres_target(m, scratch_server).findings == []
    assert sqlite_target(m).findings == []


def test_subqueries_as_postgresql_stores_them_are_the_same_view(scratch_server):
    """PostgreSQL names a scalar subquery's output (count(*) AS count, max(a.id) AS max): no SC354 for
    that; a derived table's output names still count (the outer query reads them).  A JOIN (SELECT …)
    is no call of a function join() either (validate refused such a view)."""
    from schemactl.manifest.load import load_text
    from schemactl.parity import postgres_target, sqlite_target
    m = load_text("format: 1\nname: v\nversion: 1\ntables:\n  hosts:\n    columns:\n"
                  "      id: {type: integer, primary_key: true}\n  audit:\n    columns:\n"
                  "      id: {type: integer, primary_key: true}\n      host: {type: integer}\n"
                  "views:\n  counted:\n    sql: \"SELECT h.id, (SELECT count(*) FROM audit a WHERE a.host = h.id) AS n, "
                  "(SELECT max(a.id) FROM audit a WHERE a.host = h.id) AS last, s.c FROM hosts h "
                  "JOIN (SELECT host, count(*) AS c FROM audit GROUP BY host) s ON s.host = h.id "
                  "WHERE EXISTS (SELECT a.id FROM audit a WHERE a.host = h.id) AND h.id IN (SELECT host AS x FROM audit)\"\n")
    assert postgres_target(m, scratch_server).findings == []
    assert sqlite_target(m).findings == []
    from schemactl.normalize import expr_key
    assert expr_key("SELECT x FROM (SELECT a AS x FROM t) AS s", "postgres") != \
        expr_key("SELECT x FROM (SELECT a AS y FROM t) AS s", "postgres")


def test_a_multidimensional_own_array_type_is_what_postgresql_records(scratch_server):
    """postgres_type cidr[][] is created as written; PostgreSQL's catalog records any array as cidr[]: no
    SC203 (a false type difference before)."""
    from schemactl.manifest.load import load_text
    from schemactl.parity import postgres_target
    m = load_text("format: 1\nname: v\nversion: 1\ntables:\n  hosts:\n    columns:\n"
                  "      id: {type: integer, primary_key: true}\n      nets: {type: text, postgres_type: 'cidr[][]'}\n"
                  "      tags: {type: text, postgres_type: 'text[][][]'}\n")
    assert postgres_target(m, scratch_server).findings == []


def test_an_expression_key_is_linear_in_the_depth_of_the_expression(monkeypatch):
    """Each node's key is computed once: a second computation per level (as an argument filter once did)
    doubles the work at every level, and a real schema's CHECK never finished comparing."""
    from schemactl import normalize
    calls = []
    real = normalize._key

    def counted(node):
        calls.append(1)
        return real(node)
    monkeypatch.setattr(normalize, "_key", counted)
    expr = "x"
    for i in range(8):
        expr = f"(coalesce({expr}, {i}) + {i})"
    normalize.expr_key(f"({expr}) > 0", "postgres")
    assert len(calls) < 500, len(calls)


_HUNG_CLEAN_UP = """\
import sys, time
from schemactl import cli
cli.CLEAN_UP_GRACE_S = 1
with cli._clean_interruption():
    try:
        print("ready", flush=True)
        time.sleep(60)
    finally:
        time.sleep(60)   # a clean-up that never ends (a lock an interrupted thread left held)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "sigterm", "sighup"])
def test_a_clean_up_that_hangs_is_cut_short_with_the_signals_exit_code(sig):
    """The first signal arms an alarm: parity never outlives an interruption by more than the grace period."""
    proc = subprocess.Popen([sys.executable, "-c", _HUNG_CLEAN_UP], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 128 + sig
    assert b"stopped without finishing it" in err and b"Traceback" not in err


def test_the_previous_signal_handlers_come_back_when_the_command_ends():
    """A command run inside another program (CliRunner, a service) leaves its signal handlers as they were."""
    from schemactl import cli
    caught = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM)
    before = [signal.getsignal(s) for s in caught]
    with cli._clean_interruption():
        assert signal.getsignal(signal.SIGTERM) is not before[1]
    assert [signal.getsignal(s) for s in caught] == before
    assert signal.alarm(0) == 0   # no alarm left behind
    res = _run("parity", "manifests/memories.yaml", "--engine", "sqlite")
    assert res.exit_code == 0, res.output
    assert [signal.getsignal(s) for s in caught] == before


_ORDER = """\
import sys
from schemactl.engines import providers
real = providers.postgres
def postgres(*args, **kwargs):
    print("parity imported when the start was asked:", "schemactl.parity" in sys.modules, file=sys.stderr)
    return real(*args, **kwargs)
providers.postgres = postgres
from schemactl.cli import main
sys.argv = ["schemactl", "parity", "--postgres", "local", "manifests/memories.yaml"]
main()
"""


def test_the_server_start_is_asked_for_before_paritys_modules_are_imported():
    """The start (a process of its own, mostly waiting) overlaps with importing parity's modules (rendering,
    catalogs, expectations: a tenth of a second or more) instead of following it."""
    res = subprocess.run([sys.executable, "-c", _ORDER], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "parity imported when the start was asked: False" in res.stderr, res.stderr


def test_a_signal_that_lands_in_import_machinery_is_raised_once_out_of_it():
    """Raised inside importlib's bookkeeping (another thread importing meanwhile), SystemExit would leave a
    module lock held that the clean-up then waits for: it is raised a few milliseconds later instead."""
    import time
    from schemactl import cli
    code = compile("import sys\nframe = sys._getframe()\n", "<frozen importlib._bootstrap>", "exec")
    inside: dict = {}
    exec(code, inside)
    deferred = False
    with pytest.raises(SystemExit) as stopped:
        with cli._clean_interruption():
            signal.getsignal(signal.SIGTERM)(signal.SIGTERM, inside["frame"])   # as if it landed there
            deferred = True
            time.sleep(5)   # the alarm raises it here
    assert deferred and stopped.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is not None and signal.setitimer(signal.ITIMER_REAL, 0) == (0.0, 0.0)


_SECOND_SIGNAL = """\
import sys, time
from schemactl import cli
with cli._clean_interruption():
    try:
        print("ready", flush=True)
        time.sleep(60)
    finally:
        print("cleaning", flush=True)
        time.sleep(60)   # a long clean-up
"""


def test_a_second_signal_during_the_clean_up_stops_at_once():
    import time
    proc = subprocess.Popen([sys.executable, "-c", _SECOND_SIGNAL], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGINT)
    assert proc.stdout.readline() == b"cleaning\n"
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 5
    assert proc.returncode == 130
    assert b"second interruption" in err and b"Traceback" not in err


def test_an_interval_constant_reads_alike_as_written_and_as_postgresql_shows_it(tmp_path, pg, pg_test_db):
    """interval '2 hours' (sqlglot writes INTERVAL '2 HOURS') is '02:00:00'::interval in PostgreSQL's catalog:
    a CHECK holding one was SC333 'another expression' on every parity run."""
    from tests.conftest import cli
    path = tmp_path / "m.yaml"
    path.write_text("format: 1\nname: m\nversion: 1\ntables:\n  t:\n    columns:\n"
                    "      id: {type: bigint, primary_key: true}\n      due: {type: timestamptz, nullable: false}\n"
                    "    checks:\n      - name: t_due\n        expr:\n"
                    "          postgres: \"due <= now() + interval '2 hours' + interval '1 day'\"\n"
                    "          sqlite: \"due <= CAST(ROUND((julianday(CURRENT_TIMESTAMP) - 2440587.5) * 86400000) AS INTEGER) "
                    "+ 93600000\"\n")
    assert cli("hash", "--write", path).exit_code == 0
    result = cli("parity", path, "--postgres-url", pg_test_db)
    assert result.exit_code == 0, result.output


def test_expressions_postgresql_stores_in_other_words_are_the_same(pg, pg_test_db):
    """IN ('open') is stored as = 'open', IS NOT DISTINCT FROM as NOT (… IS DISTINCT FROM …), BETWEEN SYMMETRIC
    as two ranges, LIKE … ESCAPE as ~~ like_escape(…), ->> as json_extract_path_text(…, VARIADIC ARRAY[…]):
    each was SC333 or SC345 on a freshly built schema."""
    from schemactl import render
    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    from schemactl.manifest.load import load_text
    m = load_text("""\
format: 1
name: m
version: 1
enums: {kind: [note, video]}
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      status: {type: text, check: "status IN ('open')"}
      k: {type: kind, check: "NOT k IN ('video')"}
      i: {type: integer, check: "i BETWEEN SYMMETRIC 10 AND 1"}
      j: {type: integer, check: "j IS NOT DISTINCT FROM i"}
      s: {type: text, check: "s LIKE 'a!%' ESCAPE '!'"}
      payload: {type: json, check: "payload ->> 'v' <> 'x'"}
    indexes:
      - {name: t_flag_idx, columns: [id], where: "payload ->> 'on' = 'yes' AND status NOT IN ('gone')"}
""", "m.yaml")
    pg.execute(render.ddl(m, "postgres"))
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == []
    pg.execute("ALTER TABLE t DROP CONSTRAINT t_i_check, ADD CONSTRAINT t_i_check CHECK (i BETWEEN 10 AND 1)")
    assert [f.code for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == ["SC333"]   # not SYMMETRIC


def test_each_engines_expectation_is_made_once_per_run(monkeypatch):
    """parity makes PostgreSQL's expected catalog in the main thread while the PostgreSQL thread waits on the
    server; whichever thread asks first makes it, the other takes the same one (parity._Expectations)."""
    import threading
    import time

    from schemactl import parity
    from schemactl.manifest.load import load_text
    m = load_text("format: 1\nname: s\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n")
    made = []

    def slow(m, engine):
        made.append((engine, threading.current_thread().name))
        time.sleep(0.2)
        return object()
    monkeypatch.setattr(parity, "expect", slow)
    expectations = parity._Expectations()
    got = []
    other = threading.Thread(target=lambda: got.append(expectations(m, "postgres")), name="pg")
    other.start()
    time.sleep(0.05)
    got.append(expectations(m, "postgres"))
    other.join()
    assert len(made) == 1 and got[0] is got[1]
    assert expectations(m, "sqlite") is not got[0] and len(made) == 2
