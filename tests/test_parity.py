"""The parity gate and `diff`: convergence on every manifest and golden case,
exit codes, reporters, read-only diff of tampered databases, and cleanup."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import psycopg
import pytest

from schemactl import render
from schemactl.engines import postgres_local
from schemactl.engines.providers import Server
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from schemactl.parity import parity, parse_url, postgres_target, sqlite_target
from tests.conftest import CASES, ROOT, cli

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


def _run(*args, env=None):
    return cli(*args, env=env)


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


def _pg_pids() -> set[int]:
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def _tmp_entries() -> set[str]:
    return {p for p in os.listdir(postgres_local.run_dir()) if p.startswith("schemactl-")}


def test_parity_with_local_provider_leaves_nothing_behind():
    pids, dirs = _pg_pids(), _tmp_entries()
    result = subprocess.run([sys.executable, "-m", "schemactl", "parity", "--postgres", "local"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not _pg_pids() - pids  # nothing new left running (others may come and go)
    assert not _tmp_entries() - dirs


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_parity_interrupted_leaves_nothing_behind(sig):
    pids, dirs = _pg_pids(), _tmp_entries()
    proc = subprocess.Popen([sys.executable, "-m", "schemactl", "parity", "--postgres", "local"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (_pg_pids() - pids) and proc.poll() is None:
        time.sleep(0.005)
    assert proc.poll() is None, "parity finished before it could be interrupted"
    proc.send_signal(sig)
    assert proc.wait(timeout=30) != 0, "parity was not interrupted"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (_pg_pids() - pids or _tmp_entries() - dirs):
        time.sleep(0.05)
    assert not _pg_pids() - pids, "postgres processes left running"
    assert not _tmp_entries() - dirs, "temporary directories left behind"
