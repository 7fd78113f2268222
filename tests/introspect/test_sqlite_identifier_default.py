"""SQLite reads a DEFAULT that is one identifier ("active", active, [a b], `a`) as that name's string (a default
reads no column; only bare TRUE and FALSE are booleans).  Import took DEFAULT "active" for a column and left
the default out ('refers to column "active"'), and diff held the database's "active" apart from the
manifest's 'active'."""

from __future__ import annotations

import sqlite3

from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from tests.conftest import cli

DDL = ("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT \"active\", b TEXT DEFAULT draft, "
       "c TEXT DEFAULT [x y], d TEXT DEFAULT `it's`, e TEXT DEFAULT \"true\", f INTEGER DEFAULT true, "
       "g TEXT DEFAULT CURRENT_TIMESTAMP, h TEXT DEFAULT 'plain');")


def test_an_identifier_default_is_the_string_sqlite_stores(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript(DDL)
    conn.execute("INSERT INTO t (id) VALUES (1)")
    stored = conn.execute("SELECT a, b, c, d, e, f FROM t").fetchone()
    assert stored == ("active", "draft", "x y", "it's", "true", 1)
    defaults = {c.name: c.default for c in introspect(conn, "sqlite").tables[0].columns}
    assert defaults == {"id": None, "a": "'active'", "b": "'draft'", "c": "'x y'", "d": "'it''s'", "e": "'true'",
                        "f": "true", "g": "CURRENT_TIMESTAMP", "h": "'plain'"}
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert "not mapped:" not in result.output, result.output
    cols = {c.name: c for c in load_file(out).table("t").columns}
    assert [cols[n].default.value for n in "abcde"] == list(stored[:5])
    found = cli("diff", out, "--db", f"sqlite:///{db}")
    assert found.exit_code == 0, found.output
