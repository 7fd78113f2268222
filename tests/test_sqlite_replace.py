"""SQLite's dialect of sqlglot reads a text that starts with replace( as SQLite's REPLACE statement: a SQLite
default {sql: {sqlite: "replace(…)"}} was refused as "not a plain expression (COMMAND …)" with sqlglot's own
warning on stderr, an imported SQLite CHECK or default that starts with replace( was kept as a raw command, and
diff of a database built from schemactl's own DDL reported its default and expression index as other."""

from __future__ import annotations

import sqlite3

from tests.conftest import cli

MANIFEST = """\
format: 1
name: rep
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      s: {type: text, check: "replace(s, 'a', 'b') <> ''",
          default: {sql: {postgres: "replace('xa', 'a', 'b')", sqlite: "replace('xa', 'a', 'b')"}}}
      g: {type: text, generated: {expr: "replace(s, 'a', 'b')"}}
    indexes:
      - {name: t_r, columns: [{expr: "replace(s, 'a', 'b')"}]}
"""


def test_replace_is_the_function_on_both_engines(tmp_path, pg, pg_test_db):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    generated = cli("generate", "m.yaml", "-o", "out", cwd=tmp_path)
    assert generated.exit_code == 0, generated.output
    assert "unsupported syntax" not in generated.stderr and "Command" not in generated.stderr
    lite = tmp_path / "live.db"
    sqlite3.connect(lite).executescript((tmp_path / "out" / "rep" / "sqlite.sql").read_text())
    pg.execute((tmp_path / "out" / "rep" / "postgres.sql").read_text())
    for url in (f"sqlite:///{lite}", pg_test_db):
        result = cli("diff", "m.yaml", "--db", url, cwd=tmp_path)
        assert result.exit_code == 0, result.output
    conn = sqlite3.connect(lite)
    conn.execute("INSERT INTO t (id) VALUES (1)")
    assert conn.execute("SELECT s, g FROM t").fetchone() == ("xb", "xb")


def test_an_imported_sqlite_replace_is_the_function(tmp_path):
    (tmp_path / "s.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT DEFAULT (replace('xa', 'a', 'b')) "
                                    "CHECK (replace(s, 'a', 'b') <> ''));\n")
    result = cli("import", "--ddl", "s.sql", "--dialect", "sqlite", "-o", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    from schemactl.manifest.load import load_file
    t = load_file(tmp_path / "m.yaml").table("t")
    assert t.checks[0].expr.on("postgres") == "REPLACE(s, 'a', 'b') <> ''"
    assert t.column("s").default.expr.on("postgres") == "REPLACE('xa', 'a', 'b')"
    assert "0 not mapped" in result.output
