"""A json (not jsonb) column default such as '{"b": 1, "a": 2}'::json was imported as a JSON value and written
back with its keys sorted and its spaces dropped ('{"a":2,"b":1}'): json keeps its text as written, so the
generated PostgreSQL DDL gave another default than the database's (a row inserted without the column held other
text), while diff, comparing JSON values, stayed silent.  A json default whose text is not its canonical form now
keeps that text on both engines; a jsonb default (normalised by PostgreSQL) is still a JSON value."""

from __future__ import annotations

import json

import psycopg
import yaml

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from tests.conftest import RESET_SQL, cli

TEXTS = {"a": '{"b": 1, "a": 2}', "b": '[3, {"z": null, "y": [1, 2]}]', "c": '{"k":1,"k":2}'}


def test_json_defaults_keep_their_text_as_written(pg, pg_server, pg_test_db, tmp_path):
    pg.execute("""CREATE TABLE docs (id integer PRIMARY KEY,
                                     a json DEFAULT '{"b": 1, "a": 2}'::json,
                                     b json NOT NULL DEFAULT '[3, {"z": null, "y": [1, 2]}]',
                                     c json DEFAULT '{"k":1,"k":2}',
                                     d json DEFAULT '{"a":1}',
                                     e jsonb DEFAULT '{"b": 1, "a": 2}')""")
    pg.execute("INSERT INTO docs (id) VALUES (1)")
    want = pg.execute("SELECT a::text, b::text, c::text, d::text, e::text FROM docs").fetchone()
    out = tmp_path / "app.yaml"
    url = pg_server.url("schemactl_tests")
    result = cli("import", "--db", url, "-o", out)
    assert result.exit_code == 0, result.output
    res = cli("diff", out, "--db", url, "--format", "json")
    assert json.loads(res.output)["findings"] == [], res.output
    m = load_file(out)
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute(render.ddl(m, "postgres"))
        conn.execute("INSERT INTO docs (id) VALUES (1)")
        assert conn.execute("SELECT a::text, b::text, c::text, d::text, e::text FROM docs").fetchone() == want
        res = cli("diff", out, "--db", url, "--format", "json")
        assert json.loads(res.output)["findings"] == [], res.output
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO docs (id) VALUES (1)")
    assert lite.execute("SELECT a, b, c, d FROM docs").fetchone() == want[:4]
    res = cli("parity", out, "--postgres", "url", "--postgres-url", pg_server.url("postgres"))
    assert res.exit_code == 0, res.output
    columns = yaml.safe_load(out.read_text())["tables"]["docs"]["columns"]
    assert columns["d"]["default"] == {"value": {"a": 1}} and columns["e"]["default"] == {"value": {"a": 2, "b": 1}}


# json columns a and c (a value, and a text of its own), jsonb column b: the defaults diff compares
DOCS = """format: 1
name: app
version: 1
tables:
  docs:
    columns:
      id: {type: integer, primary_key: true}
      a: {type: json, default: {value: {a: 2, b: 1}}}
      b: {type: jsonb, default: {value: {a: 2, b: 1}}}
      c: {type: json, default: {sql: {postgres: "'{\\"b\\": 1, \\"a\\": 2}'::json", sqlite: "'{\\"b\\": 1, \\"a\\": 2}'"}}}
"""


def test_diff_tells_json_defaults_by_their_text(pg, tmp_path):
    """diff compared a json column's defaults as JSON values: a database whose default is '{"b":1,"a":2}' and a
    manifest whose default gives '{"a":2,"b":1}' (another text in every row that takes it) were "no differences".
    json's defaults compare as text now; jsonb's (normalised by PostgreSQL) still as values."""
    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    from schemactl.manifest.load import load_text
    m = load_text(DOCS, "app.yaml")
    pg.execute(render.ddl(m, "postgres"))
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == []
    pg.execute("""ALTER TABLE docs ALTER COLUMN a SET DEFAULT '{"b":1,"a":2}', ALTER COLUMN b SET DEFAULT '{"b":1,"a":2}',
                  ALTER COLUMN c SET DEFAULT '{"a":2,"b":1}'""")
    found = diff(expect(m, "postgres"), introspect(pg, "postgres"))
    assert sorted((str(f.code), f.path) for f in found) == [("SC205", "docs.a"), ("SC205", "docs.c")], \
        [str(f) for f in found]


def test_diff_on_sqlite_tells_json_defaults_by_their_text(tmp_path):
    """On SQLite diff compared every json/jsonb column's default as a JSON value (the catalog type is TEXT for
    both): a SQLite file whose json default is '{"b":1,"a":2}' and a manifest whose default gives '{"a":2,"b":1}'
    (another text in every row that takes it, as on PostgreSQL) were "no differences".  The manifest says json:
    its default compares as text now; a jsonb column's (a JSON value for the application) still as values."""
    import sqlite3

    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    from schemactl.manifest.load import load_text
    m = load_text(DOCS, "app.yaml")
    ddl = render.ddl(m, "sqlite")
    clean = tmp_path / "clean.db"
    sqlite_engine.apply(sqlite_engine.connect(str(clean)), ddl)
    assert [str(f) for f in diff(expect(m, "sqlite"), introspect(sqlite3.connect(clean), "sqlite"))] == []
    other = ddl.replace("""a TEXT DEFAULT '{"a":2,"b":1}'""", """a TEXT DEFAULT '{"b":1,"a":2}'""") \
               .replace("""b TEXT DEFAULT '{"a":2,"b":1}'""", """b TEXT DEFAULT '{"b":1,"a":2}'""") \
               .replace("""c TEXT DEFAULT ('{"b": 1, "a": 2}')""", """c TEXT DEFAULT ('{"a": 2, "b": 1}')""")
    assert other.count('{"b":1,"a":2}') == 2 and '{"a": 2, "b": 1}' in other
    db = tmp_path / "other.db"
    conn = sqlite_engine.connect(str(db))
    sqlite_engine.apply(conn, other)
    conn.execute("INSERT INTO docs (id) VALUES (1)")      # what a row taking the defaults holds
    assert conn.execute("SELECT a, b, c FROM docs").fetchone() == ('{"b":1,"a":2}', '{"b":1,"a":2}', '{"a": 2, "b": 1}')
    conn.commit()
    found = diff(expect(m, "sqlite"), introspect(sqlite3.connect(db), "sqlite"))
    assert sorted((str(f.code), f.path) for f in found) == [("SC205", "docs.a"), ("SC205", "docs.c")], \
        [str(f) for f in found]
