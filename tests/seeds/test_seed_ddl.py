"""The seeds' own DDL against their manifests: a real SQLite database built from
the statements a team wrote (tests/fixtures/seeds/, copied from the seed
documents) shows zero differences from the manifest, and schemactl's own
generated DDL builds the same catalog."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from schemactl import render
from schemactl.catalog import CTable
from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from schemactl.normalize import default_key
from tests.conftest import ROOT, cli

FIXTURES = ROOT / "tests" / "fixtures" / "seeds"
SEEDS = {
    "004": ("004_rag_studio.sql", "manifests/rag_studio.yaml", frozenset()),
    "002": ("002_lms_core_and_integrations.sql", "manifests/lms.yaml", frozenset({"canvas", "discourse"})),
}


def _build(tmp_path, sql: str):
    path = tmp_path / "seed.db"
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()
    return path


@pytest.mark.parametrize("seed", SEEDS)
def test_schemactl_diff_of_the_seed_database_is_clean(seed, tmp_path):
    fixture, manifest, features = SEEDS[seed]
    db = _build(tmp_path, (FIXTURES / fixture).read_text())
    args = ["diff", manifest, "--db", f"sqlite:///{db}"]
    if features:
        args += ["--features", ",".join(sorted(features))]
    result = cli(*args)
    assert result.exit_code == 0, result.output


def _comparable(table: CTable, kinds: dict) -> CTable:
    """Names the seed leaves unnamed are dropped; defaults become typed keys."""
    cols = tuple(replace(c, default=default_key(c.default, "sqlite", kinds.get(c.name)), shown_default=None)
                 for c in table.columns)
    key = lambda objs: tuple(sorted((replace(o, name=None) for o in objs), key=repr))  # noqa: E731
    return replace(table, columns=cols, primary_key=table.primary_key and replace(table.primary_key, name=None),
                   uniques=key(table.uniques), foreign_keys=key(table.foreign_keys), checks=key(table.checks),
                   indexes=tuple(sorted(table.indexes, key=lambda i: i.name)))


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_sqlite_ddl_builds_the_seeds_catalog(seed, tmp_path):
    fixture, manifest, features = SEEDS[seed]
    m = load_file(ROOT / manifest, features)
    for d in ("theirs", "ours"):
        (tmp_path / d).mkdir()
    theirs = introspect(sqlite3.connect(_build(tmp_path / "theirs", (FIXTURES / fixture).read_text())), "sqlite")
    ours = introspect(sqlite3.connect(_build(tmp_path / "ours", render.ddl(m, "sqlite"))), "sqlite")
    kinds = {c.name: ("enum" if c.type.enum else c.type.row.value) for t in m.tables for c in t.columns}
    assert sorted(t.name for t in theirs.tables) == sorted(t.name for t in ours.tables)
    mine = {t.name: _comparable(t, kinds) for t in ours.tables}
    for t in theirs.tables:
        assert _comparable(t, kinds) == mine[t.name], t.name
