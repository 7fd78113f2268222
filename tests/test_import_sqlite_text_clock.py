"""A SQLite TEXT column stamped by DEFAULT (datetime('now')) (most app databases have one) imports with PostgreSQL's to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS').  PostgreSQL's
catalog shows the default as to_char(…, 'YYYY-MM-DD HH24:MI:SS'::text), a format sqlglot keeps as written
where it reads the uncast one in its own words (%Y-%m-%d …): parity and diff reported SC205 'another default'
on a database built from the generated DDL itself."""

from __future__ import annotations

import sqlite3

from schemactl import render
from schemactl.manifest.load import load_file
from tests.conftest import RESET_SQL, cli, findings


def test_a_text_clock_default_builds_postgresql_as_the_manifest_says(pg, tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE a (id INTEGER PRIMARY KEY, created TEXT DEFAULT (datetime('now')));")
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    m = load_file(out)
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(m, "postgres"))
    assert findings(m, pg, "postgres") == []
    pg.execute("INSERT INTO a (id) VALUES (1)")
    assert len(pg.execute("SELECT created FROM a").fetchone()[0]) == 19


def test_a_to_char_check_of_postgresql_is_read_back_as_written(pg, tmp_path):
    """The same reading of a manifest's own to_char() CHECK (PostgreSQL only)."""
    from schemactl.manifest.load import load_text
    m = load_text("format: 1\nname: c\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, "
                  "primary_key: true}\n      d: {type: date}\n    checks:\n    - expr: {postgres: \"to_char(d, "
                  "'YYYY') >= '2000'\", sqlite: \"strftime('%Y', d) >= '2000'\"}\n", "c.yaml")
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(m, "postgres"))
    assert findings(m, pg, "postgres") == []
