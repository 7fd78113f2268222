"""A clock default with a precision (timestamptz(0) DEFAULT CURRENT_TIMESTAMP(0), LOCALTIMESTAMP(3), …) was
imported as {sql: {postgres: CURRENT_TIMESTAMP(0), …}} but generated for PostgreSQL as CURRENT_TIMESTAMP (sqlglot
drops its precision): another default than the database's (diff: "has another default"), and the change was not
in the import's list (only the column's rounding was).  PostgreSQL now keeps the precision as written, and the
import's list names the precision SQLite's clock does not round to."""

from __future__ import annotations

import json

import psycopg

from schemactl import render
from schemactl.manifest.load import load_file
from tests.conftest import RESET_SQL, cli

TABLE = """CREATE TABLE stamps (id integer PRIMARY KEY, a timestamptz(0) DEFAULT CURRENT_TIMESTAMP(0),
                                 b timestamptz DEFAULT CURRENT_TIMESTAMP(2), c timestamp(3) DEFAULT LOCALTIMESTAMP(3),
                                 d time DEFAULT LOCALTIME(1), e timetz DEFAULT CURRENT_TIME(0))"""


def _defaults(conn) -> dict:
    return dict(conn.execute("""SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
                                JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                                WHERE d.adrelid = 'stamps'::regclass""").fetchall())


def test_clock_defaults_keep_their_precision_on_postgres_and_name_it_for_sqlite(pg, pg_server, pg_test_db, tmp_path):
    pg.execute(TABLE)
    want = _defaults(pg)
    out = tmp_path / "app.yaml"
    url = pg_server.url("schemactl_tests")
    result = cli("import", "--db", url, "-o", out)
    assert result.exit_code == 0, result.output
    for col, sql, digits, sqlite in (("a", "CURRENT_TIMESTAMP(0)", 0, "keeps milliseconds (3)"),
                                     ("b", "CURRENT_TIMESTAMP(2)", 2, "keeps milliseconds (3)"),
                                     ("c", "LOCALTIMESTAMP(3)", 3, "keeps whole seconds (0)"),
                                     ("d", "LOCALTIME(1)", 1, "keeps whole seconds (0)")):
        assert (f'approximately: table "stamps", column "{col}", default: {sql} -> ') in result.output, result.output
        assert (f"PostgreSQL rounds the clock to {digits} fractional digits, SQLite's {sqlite}") in result.output, \
            result.output
    res = cli("diff", out, "--db", url, "--format", "json")
    assert [f for f in json.loads(res.output)["findings"] if f["code"] == "SC205"] == [], res.output
    m = load_file(out)
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute(render.ddl(m, "postgres"))
        got = _defaults(conn)
    assert got == want
    res = cli("parity", out, "--postgres", "url", "--postgres-url", pg_server.url("postgres"))
    assert res.exit_code == 0, res.output


def test_a_clock_cast_to_a_precision_is_not_the_portable_now(pg, pg_server, pg_test_db, tmp_path):
    """now() cast to a precision ((now())::timestamp(0) without time zone, as PostgreSQL shows now()::timestamp(0))
    read as now(), cast and all: imported as {fn: now}, counted exact, and generated as now() / CURRENT_TIMESTAMP,
    which does not round (a row inserted without the column held microseconds on a timestamptz column); a clock
    shifted and then cast ((now() + interval '1 day')::timestamptz(0)) was left out.  Each is kept on PostgreSQL as
    written and listed with the precision SQLite's clock does not round to."""
    pg.execute("""CREATE TABLE rounded (id integer PRIMARY KEY, a timestamp DEFAULT now()::timestamp(0),
                                        b timestamptz DEFAULT now()::timestamptz(3), c time DEFAULT now()::time(0),
                                        d timestamptz DEFAULT (now() + interval '1 day')::timestamptz(0),
                                        e timestamp DEFAULT now()::timestamp)""")
    want = dict(pg.execute("""SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
                              JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                              WHERE d.adrelid = 'rounded'::regclass""").fetchall())
    out = tmp_path / "app.yaml"
    url = pg_server.url("schemactl_tests")
    result = cli("import", "--db", url, "-o", out)
    assert result.exit_code == 0, result.output
    for col, digits in (("a", 0), ("b", 3), ("c", 0), ("d", 0)):
        line = next((x for x in result.output.splitlines() if f'table "rounded", column "{col}", default: ' in x), "")
        assert line.startswith("import: approximately: ") and \
            f"PostgreSQL rounds the clock to {digits} fractional digits" in line, result.output
    assert 'column "e", default' not in result.output, result.output   # now()::timestamp is LOCALTIMESTAMP: {fn: now}
    m = load_file(out)
    assert m.table("rounded").column("e").default.kind == "fn"
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute(render.ddl(m, "postgres"))
        conn.execute("INSERT INTO rounded (id) VALUES (1)")
        a, b, c, d = conn.execute("SELECT a, b, c, d FROM rounded").fetchone()
        assert a.microsecond == c.microsecond == d.microsecond == 0 and b.microsecond % 1000 == 0
    res = cli("parity", out, "--postgres", "url", "--postgres-url", pg_server.url("postgres"))
    assert res.exit_code == 0, res.output


def test_diff_tells_a_rounded_clock_default_from_now(pg, tmp_path):
    """diff read (now())::timestamp(3) with time zone as now() (every cast of a default was unwrapped): a database
    whose default rounds the clock and a manifest's {fn: now}, which does not, were "no differences"."""
    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    from schemactl.manifest.load import load_text
    m = load_text("""format: 1
name: app
version: 1
tables:
  stamps:
    columns:
      id: {type: integer, primary_key: true}
      at: {type: timestamptz, default: {fn: now}}
      kept: {type: timestamptz, default: {sql: {postgres: "now()::timestamptz(3)", sqlite: "0"}}}
""", "app.yaml")
    pg.execute(render.ddl(m, "postgres"))
    assert [str(f.code) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == []
    pg.execute("ALTER TABLE stamps ALTER COLUMN at SET DEFAULT now()::timestamptz(0)")
    found = [f for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))]
    assert [(str(f.code), f.path) for f in found] == [("SC205", "stamps.at")], [str(f) for f in found]
