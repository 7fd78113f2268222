"""The repository's own manifests: current, and executable on both engines."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from tests.conftest import ROOT, cli

MANIFESTS = sorted((ROOT / "manifests").glob("*.yaml"))


def test_repository_passes_its_own_drift_check():
    result = cli("check")
    assert result.exit_code == 0, result.output


def test_seed_manifests_are_present():
    names = {load_file(p).name for p in MANIFESTS}
    assert {"memories", "neoprism", "lms", "ait42", "rag-studio"} <= names   # seeds 000-004


def _generated(path, engine):
    m = load_file(path)
    return m, (ROOT / "generated" / m.name / f"{engine}.sql").read_text()


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.stem)
def test_committed_sqlite_ddl_applies_and_accepts_default_rows(path, sqlite_db):
    m, ddl = _generated(path, "sqlite")
    sqlite_engine.apply(sqlite_db, ddl)
    tables = {r[0] for r in sqlite_db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert {t.name for t in m.tables} <= tables


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.stem)
def test_committed_postgres_ddl_applies(path, pg):
    m, ddl = _generated(path, "postgres")
    with pg.transaction():
        pg.execute(ddl)
    got = {r[0] for r in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (m.pg_schema or "public",))}
    assert got == {t.name for t in m.tables}


def test_memories_defaults_work_on_both_engines(sqlite_db, pg):
    _, lite = _generated(ROOT / "manifests/memories.yaml", "sqlite")
    _, post = _generated(ROOT / "manifests/memories.yaml", "postgres")
    sqlite_engine.apply(sqlite_db, lite)
    pg.execute(post)
    for conn, ph in ((sqlite_db, "?"), (pg, "%s")):
        conn.execute(f"INSERT INTO capsules (owner_principal, title) VALUES ({ph}, {ph})", ("p1", "trip"))
        cid = conn.execute("SELECT id FROM capsules").fetchone()[0]
        conn.execute(f"INSERT INTO memories (capsule_id, title) VALUES ({ph}, {ph})", (cid, "day one"))
        kind, meta, deleted, size = conn.execute("SELECT kind, metadata, is_deleted, size_bytes FROM memories").fetchone()
        assert (str(kind), size) == ("note", 0)
        assert meta in ("{}", {})
        assert deleted in (0, False)
        assert len(str(cid)) == 36 and str(cid)[14] == "4"
    ms = sqlite_db.execute("SELECT created_at FROM memories").fetchone()[0]
    assert isinstance(ms, int) and ms > 1_600_000_000_000


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.stem)
def test_every_manifest_has_its_migration_chain_and_bundle(path, sqlite_db):
    import json
    import runpy
    from schemactl.runtime import migrate, verify
    m = load_file(path)
    out = ROOT / "generated" / m.name
    lock = json.loads((out / "migrations" / "lock.json").read_text())
    assert lock["migrations"][0]["name"] == "0001_init"
    bundle = runpy.run_path(str(out / "bundle.py"))["BUNDLE"]
    assert bundle == json.loads((out / "bundle.json").read_text())
    conn = sqlite3.connect(":memory:")
    assert migrate(conn, bundle) == [e["version"] for e in lock["migrations"]]
    verify(conn, bundle, deep=True)
