"""Manifests that validated clean and then failed on an engine, or meant one thing on PostgreSQL and another on
SQLite.  Each verdict of `validate` is checked against what the real engines do with the DDL schemactl writes
(a throwaway PostgreSQL, the standard library's SQLite)."""

from __future__ import annotations

import psycopg

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_text

HEAD = "format: 1\nname: e\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"


def _lite(m):
    db = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(db, render.ddl(m, "sqlite"))
    return db


def test_ilike_with_a_backslash_matches_alike_on_both_engines(pg):
    """SQLite's LOWER(s) LIKE LOWER('a\\_%') had no escape character: 'a_b' was refused there, taken here."""
    m = load_text(HEAD + "      s: {type: text, check: \"s ILIKE 'a\\\\_%'\"}\n", "m.yaml")
    assert "ESCAPE '\\'" in render.ddl(m, "sqlite")
    pg.execute(render.ddl(m, "postgres"))
    lite = _lite(m)
    for i, value in enumerate(("a_b", "A_b", "axb")):
        try:
            pg.execute("INSERT INTO t (id, s) VALUES (%s, %s)", (i, value))
            on_pg = True
        except psycopg.errors.CheckViolation:
            on_pg = False
        try:
            lite.execute("INSERT INTO t (id, s) VALUES (?, ?)", (i, value))
            on_lite = True
        except Exception:   # noqa: BLE001
            on_lite = False
        assert on_pg == on_lite == (value != "axb"), value
