"""Manifests that validated clean and then failed on an engine, or meant one thing on PostgreSQL and another on
SQLite.  Each verdict of `validate` is checked against what the real engines do with the DDL schemactl writes
(a throwaway PostgreSQL, the standard library's SQLite)."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.errors import ManifestInvalid
from schemactl.manifest import enginecheck, enginediff
from schemactl.manifest.load import load_text

HEAD = "format: 1\nname: e\nversion: 1\ntables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"


def _said(text: str) -> list[str]:
    """validate's errors, or its warnings when there is no error."""
    try:
        return [str(w) for w in load_text(text, "m.yaml").warnings]
    except ManifestInvalid as exc:
        return [str(d) for d in exc.diagnostics]


def _unchecked(text: str, monkeypatch):
    """The model with the engines' checks switched off: the DDL the engines saw before validate refused it."""
    with monkeypatch.context() as mp:
        mp.setattr(enginecheck, "check", lambda m, problems: None)
        return load_text(text, "m.yaml")


def _lite(m):
    db = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(db, render.ddl(m, "sqlite"))
    return db


# -- 1. a default its own CHECK refuses

def test_a_default_that_fails_its_columns_check_is_refused_at_the_default(pg, monkeypatch):
    text = HEAD + '      r: {type: varchar(3), default: ab, check: "length(r) = 3"}\n      n: {type: text, nullable: false}\n'
    assert _said(text) == ['m.yaml:8:38: error: table "t", column "r": default fails CHECK "t_r_check" (LENGTH(r) = '
                           "3): SQLite refuses a row of the defaults, so every insert that leaves r out fails; change "
                           "the default or the CHECK"]
    m = _unchecked(text, monkeypatch)     # what both engines then did: refuse every insert without r
    pg.execute(render.ddl(m, "postgres"))
    with pytest.raises(psycopg.errors.CheckViolation):
        pg.execute("INSERT INTO t (id, n) VALUES (1, 'x')")
    with pytest.raises(Exception, match="CHECK constraint failed"):
        _lite(m).execute("INSERT INTO t (id, n) VALUES (1, 'x')")
    # a default the CHECK takes passes; a CHECK reading a column without a constant default is not judged
    load_text(text.replace("default: ab", "default: abc"), "m.yaml")
    load_text(HEAD + '      a: {type: integer, default: 0}\n      b: integer\n    checks:\n      - "a + b > 0"\n',
              "m.yaml")


# -- 2. generated columns an engine refuses

GENERATED = HEAD + "      ts: timestamptz\n      d: date\n      p: timestamp\n      s: text\n      b: boolean\n" \
                   "      g: {type: %s, generated: {expr: %s, stored: true}}\n"
GENERATED_CASES = [
    ("text", "CAST(ts AS TEXT)"), ("integer", "extract(year from ts)"), ("integer", "date_part('year', ts)"),
    ("date", "CAST(ts AS DATE)"), ("text", "CAST(d AS TEXT)"), ("text", "CAST(p AS TEXT)"),
    ("timestamptz", "date_trunc('day', ts)"), ("timestamptz", "CAST(s AS TIMESTAMPTZ)"), ("date", "CAST(s AS DATE)"),
    ("timestamptz", "CAST(p AS TIMESTAMPTZ)"), ("timestamptz", "now()"), ("double", "random()"),
    # accepted by PostgreSQL
    ("integer", "extract(year from p)"), ("integer", "extract(year from ts AT TIME ZONE 'UTC')"),
    ("timestamp", "date_trunc('day', p)"), ("text", "lower(s)"), ("integer", "length(s)"),
    ("timestamp", "CAST(d AS TIMESTAMP)"), ("text", "CAST(b AS TEXT)"),
]


@pytest.mark.parametrize("kind, expr", GENERATED_CASES)
def test_validate_refuses_a_generated_column_exactly_where_postgresql_finds_it_not_immutable(kind, expr, pg,
                                                                                            monkeypatch):
    """CAST(ts AS TEXT) on a timestamptz passed validate; PostgreSQL refused the CREATE TABLE at parity."""
    m = _unchecked(GENERATED % (kind, json.dumps(expr)), monkeypatch)
    t = m.tables[0]
    col = t.column("g")
    said = enginediff.pg_generated_refusal(col.generated.expr.on("postgres"), enginediff.column_kinds(m, t),
                                           m.time_storage)
    try:
        pg.execute(render.ddl(m, "postgres"))
        refused = None
    except psycopg.Error as exc:
        refused = str(exc).splitlines()[0]
    assert (said is not None) == (refused is not None), (said, refused)
    if said:
        assert refused == "generation expression is not immutable" and said.startswith(
            "PostgreSQL refuses it (generation expression is not immutable): ")


def test_the_generated_columns_of_the_report_are_refused_with_the_fix(pg):
    head = HEAD + "      ts: timestamptz\n"
    assert _said(head + '      s: {type: text, generated: {expr: "CAST(ts AS TEXT)", stored: true}}\n') == [
        'm.yaml:9:41: error: table "t", column "s": generated: PostgreSQL refuses it (generation expression is not '
        "immutable): CAST(ts AS TEXT) writes the timestamptz as the session's DateStyle and TimeZone say; compute it "
        'where it is read (a view or the query), or give each engine its own form: {postgres: "…", sqlite: "…"}']
    said = _said(head + '      y: {type: integer, generated: {expr: "extract(year from ts)", stored: true}}\n')
    fix = ('{postgres: "EXTRACT(YEAR FROM ts AT TIME ZONE \'UTC\')", sqlite: "CAST(strftime(\'%Y\', ts / 1000, '
           "'unixepoch') AS INTEGER)\"}")
    assert said == ['m.yaml:9:44: error: table "t", column "y": generated: PostgreSQL refuses it (generation '
                    "expression is not immutable): EXTRACT(YEAR FROM ts) reads the instant in the session's TimeZone; "
                    f'give each engine its own form: {{postgres: "…", sqlite: "…"}}, e.g. {fix}']
    # the fix it names is taken by both engines and gives one year (2024-12-31T23:30:00-01:00 is 2025 in UTC)
    m = load_text(head + f"      y: {{type: integer, generated: {{expr: {fix}, stored: true}}}}\n", "m.yaml")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id, ts) VALUES (1, '2024-12-31T23:30:00-01:00')")
    lite = _lite(m)
    lite.execute("INSERT INTO t (id, ts) VALUES (1, 1735691400000)")   # the same instant, in Unix milliseconds
    assert pg.execute("SELECT y FROM t").fetchone() == lite.execute("SELECT y FROM t").fetchone() == (2025,)


def test_extract_is_refused_for_sqlite_with_its_strftime_form(pg, monkeypatch):
    """SQLite: near "FROM": syntax error at parity (a generated column's expression was never compiled)."""
    text = HEAD + '      d: date\n      y: {type: integer, generated: {expr: "extract(year from d)", stored: true}}\n'
    assert _said(text) == ['m.yaml:9:44: error: table "t", column "y": generated: SQLite has no EXTRACT (EXTRACT(YEAR '
                           'FROM d)); give each engine its own form: {postgres: "…", sqlite: "…"}, e.g. {postgres: '
                           '"EXTRACT(YEAR FROM d)", sqlite: "CAST(strftime(\'%Y\', d) AS INTEGER)"}']
    with monkeypatch.context() as mp:   # what SQLite said of it
        mp.setattr(enginediff, "sqlite_extract", lambda *a: None)
        assert "near \"FROM\": syntax error" in _said(text)[0]
    fixed = text.replace('"extract(year from d)"', '{postgres: "EXTRACT(YEAR FROM d)", sqlite: "CAST(strftime(\'%Y\', '
                                                    'd) AS INTEGER)"}')
    m = load_text(fixed, "m.yaml")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id, d) VALUES (1, '2024-02-29')")
    lite = _lite(m)
    lite.execute("INSERT INTO t (id, d) VALUES (1, '2024-02-29')")
    assert pg.execute("SELECT y FROM t").fetchone() == lite.execute("SELECT y FROM t").fetchone() == (2024,)


# -- 3. a numeric column compared with a number compares text on SQLite

def test_a_portable_comparison_of_a_numeric_value_is_warned_about(pg):
    text = HEAD + ('      price: {type: "numeric(10,2)", check: "price <= 100"}\n'
                   '      cost: {type: "numeric(10,2)", check: "cost >= 0"}\n'
                   '    checks:\n      - {name: k, expr: "price > 9 OR price IS NULL"}\n')
    m = load_text(text, "m.yaml")
    assert [str(w) for w in m.warnings] == [
        'm.yaml:8:45: warning: table "t": check "t_price_check": price <= 100 compares numbers on PostgreSQL and text '
        "on SQLite, where numeric is stored as TEXT ('50.00' <= 100 and '9.50' > 10 there); write CAST(price AS "
        "DOUBLE PRECISION) <= 100 (numbers on both), or {postgres: …, sqlite: …}",
        'm.yaml:11:9: warning: table "t": check "k": price > 9 compares numbers on PostgreSQL and text on SQLite, '
        "where numeric is stored as TEXT ('50.00' <= 100 and '9.50' > 10 there); write CAST(price AS DOUBLE "
        "PRECISION) > 9 (numbers on both), or {postgres: …, sqlite: …}"]   # cost >= 0: the sign reads alike
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id, price) VALUES (1, 50.00)")    # PostgreSQL takes 50.00
    lite = _lite(m)
    for price in ("50.00", "9.50"):   # SQLite refuses 50.00 (price <= 100) and 9.50 (price > 9)
        with pytest.raises(Exception, match="CHECK constraint failed"):
            lite.execute("INSERT INTO t (id, price) VALUES (1, ?)", (price,))
    pg.execute("INSERT INTO t (id, price) VALUES (2, 9.50)")
    # the fix it names agrees: both take 50.00
    fixed = load_text(HEAD + '      price: {type: "numeric(10,2)", check: "CAST(price AS DOUBLE PRECISION) <= 100"}\n',
                      "m.yaml")
    assert fixed.warnings == ()
    _lite(fixed).execute("INSERT INTO t (id, price) VALUES (1, '50.00')")


# -- 4. portable texts both engines take and read otherwise

def test_date_arithmetic_in_a_portable_text_is_refused(pg, monkeypatch):
    text = HEAD + '      d: date\n      e: {type: date, generated: {expr: "d + 1", stored: true}}\n'
    assert _said(text) == ['m.yaml:9:41: error: table "t", column "e": generated: d + 1 is arithmetic on a date: '
                           "PostgreSQL computes a date (or refuses it), SQLite a number from what it stores "
                           "('2024-02-29' + 1 is 2025); give each engine its own form: {postgres: \"…\", sqlite: \"…\"}"
                           ", e.g. {postgres: \"d + 1\", sqlite: \"date(d, '+1 day')\"}"]
    m = _unchecked(text, monkeypatch)
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id, d) VALUES (1, '2024-02-29')")
    lite = _lite(m)
    lite.execute("INSERT INTO t (id, d) VALUES (1, '2024-02-29')")
    assert str(pg.execute("SELECT e FROM t").fetchone()[0]) == "2024-03-01"
    assert lite.execute("SELECT e FROM t").fetchone()[0] == 2025
    fixed = load_text(text.replace('"d + 1"', '{postgres: "d + 1", sqlite: "date(d, \'+1 day\')"}'), "m.yaml")
    fx = _lite(fixed)
    fx.execute("INSERT INTO t (id, d) VALUES (1, '2024-02-29')")
    assert fx.execute("SELECT e FROM t").fetchone()[0] == "2024-03-01"


def test_a_boolean_cast_to_text_in_a_portable_text_is_refused(pg, monkeypatch):
    text = HEAD + '      active: boolean\n      s: {type: text, generated: {expr: "CAST(active AS TEXT)", stored: true}}\n'
    assert _said(text) == ['m.yaml:9:41: error: table "t", column "s": generated: CAST(active AS TEXT) is '
                           "'true'/'false' on PostgreSQL and '1'/'0' on SQLite; write CASE WHEN active THEN 'true' "
                           "WHEN NOT active THEN 'false' END (the same on both), or {postgres: …, sqlite: …}"]
    for expr, same in (("CAST(active AS TEXT)", False),
                       ("CASE WHEN active THEN 'true' WHEN NOT active THEN 'false' END", True)):
        m = _unchecked(text.replace('"CAST(active AS TEXT)"', json.dumps(expr)), monkeypatch)
        pg.execute("DROP TABLE IF EXISTS t")
        pg.execute(render.ddl(m, "postgres"))
        pg.execute("INSERT INTO t (id, active) VALUES (1, true)")
        lite = _lite(m)
        lite.execute("INSERT INTO t (id, active) VALUES (1, 1)")
        got = pg.execute("SELECT s FROM t").fetchone(), lite.execute("SELECT s FROM t").fetchone()
        assert (got[0] == got[1]) == same, got


def test_ilike_with_a_backslash_is_refused_and_its_fix_matches_alike_on_both_engines(pg):
    """SQLite's LOWER(s) LIKE LOWER('a\\_%') had no escape character: 'a_b' was refused there, taken here.  The
    portable text is refused (writing it otherwise for SQLite would change the schema hash of released
    manifests); the per-engine form the message gives matches the same rows on both engines."""
    portable = HEAD + "      s: {type: text, check: \"s ILIKE 'a\\\\_%'\"}\n"
    with pytest.raises(ManifestInvalid, match=r"PostgreSQL's ILIKE takes a backslash as the escape"):
        load_text(portable, "m.yaml")
    m = load_text(HEAD + "      s: {type: text, check: {postgres: \"s ILIKE 'a\\\\_%'\", sqlite: \"LOWER(s) LIKE "
                         "LOWER('a\\\\_%') ESCAPE '\\\\'\"}}\n", "m.yaml")
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


def test_a_check_written_for_each_engine_still_comparing_the_stored_text_on_sqlite_is_warned(pg):
    """{postgres: …, sqlite: …} is the way out the portable warning names; written the same on both sides, the
    SQLite side still compares the TEXT a numeric is stored as (SQLite refused 50.00 under price <= 100)."""
    text = (HEAD + '      price: {type: "numeric(10,2)"}\n    checks:\n'
            '      - {name: k, expr: {postgres: "price <= 100", sqlite: "price <= 100"}}\n'
            '      - {name: sign, expr: {postgres: "price >= 0", sqlite: "price >= 0"}}\n'
            '      - {name: cast, expr: {postgres: "price < 1000", sqlite: "CAST(price AS REAL) < 1000"}}\n')
    m = load_text(text, "m.yaml")
    assert [str(w) for w in m.warnings] == [
        "m.yaml:10:9: warning: table \"t\": check \"k\": sqlite: price <= 100 compares text on SQLite, where numeric "
        "is stored as TEXT ('50.00' <= 100 and '9.50' > 10 there), not numbers as the postgres: side does; write "
        "CAST(price AS REAL) <= 100"]
    lite = _lite(m)
    with pytest.raises(Exception, match="CHECK constraint failed"):
        lite.execute("INSERT INTO t (id, price) VALUES (1, '50.00')")   # what the warning says
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id, price) VALUES (1, 50.00)")
    fixed = load_text(text.replace('sqlite: "price <= 100"', 'sqlite: "CAST(price AS REAL) <= 100"'), "m.yaml")
    assert fixed.warnings == ()
    _lite(fixed).execute("INSERT INTO t (id, price) VALUES (1, '50.00')")   # the fix it names agrees


# -- a clock default with a precision, written for both engines

CLOCK_PRECISION = [("timestamptz", "CURRENT_TIMESTAMP(0)", "CURRENT_TIMESTAMP"),
                   ("timestamp", "CURRENT_TIMESTAMP(3)", "CURRENT_TIMESTAMP"),
                   ("time", "CURRENT_TIME(2)", "CURRENT_TIME")]


@pytest.mark.parametrize("kind, clock, lite_clock", CLOCK_PRECISION)
def test_a_clock_default_with_a_precision_is_warned_where_sqlite_drops_it(kind, clock, lite_clock, pg):
    """{sql: {postgres: "CURRENT_TIMESTAMP(3)", sqlite: "CURRENT_TIMESTAMP(3)"}} (the form validate asks for a
    default's SQL) validated clean: PostgreSQL rounds the clock to 3 digits, while the generated sqlite.sql says
    DEFAULT (CURRENT_TIMESTAMP) (SQLite refuses the text as written), whole seconds as text, in an INTEGER column
    for a timestamptz held as Unix milliseconds."""
    text = HEAD + f'      at: {{type: {kind}, default: {{sql: {{postgres: "{clock}", sqlite: "{clock}"}}}}}}\n'
    m = load_text(text, "m.yaml")
    digits = clock.split("(")[1].rstrip(")")
    lite_ddl = render.ddl(m, "sqlite")
    assert f"DEFAULT ({lite_clock})" in lite_ddl and clock not in lite_ddl
    # PostgreSQL: the default is kept with its precision, and a row of defaults holds the rounded clock
    pg.execute(render.ddl(m, "postgres"))
    assert clock in pg.execute("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef").fetchone()[0].upper()
    pg.execute("INSERT INTO t (id) VALUES (1)")
    micro = pg.execute("SELECT (extract(microseconds FROM at) % 1000000)::bigint FROM t").fetchone()[0]
    assert micro % 10 ** (6 - int(digits)) == 0
    # SQLite: the text as written is refused; the DDL written holds whole seconds as text, whatever the column
    with pytest.raises(Exception, match="syntax error"):
        sqlite_engine.connect(":memory:").execute(f"SELECT {clock}")
    lite = _lite(m)
    lite.execute("INSERT INTO t (id) VALUES (1)")
    at, typ = lite.execute("SELECT at, typeof(at) FROM t").fetchone()
    assert typ == "text" and "." not in at and len(at) == (8 if kind == "time" else 19), at
    line = text.splitlines()[7]
    col = line.index("{sql:") + 1
    storage = (", stored as text in the INTEGER column of a timestamptz held as Unix milliseconds"
               if kind == "timestamptz" else "")
    rounded = "whole seconds" if digits == "0" else f"{digits} fractional digits"
    assert [str(w) for w in m.warnings] == [
        f'm.yaml:8:{col}: warning: table "t", column "at": default: {clock} is the clock rounded to {rounded} '
        f"on PostgreSQL, but SQLite has no precision there: the generated SQLite DDL writes "
        f"{lite_clock}, whole seconds cut off{storage}, so a row inserted with defaults holds another time on "
        f'each engine; write the SQLite side for its storage: {{postgres: "{clock}", sqlite: "…"}}']


def test_a_clock_default_without_a_precision_or_with_a_sqlite_text_of_its_own_is_not_warned():
    for sql in ('{postgres: "CURRENT_TIMESTAMP", sqlite: "CURRENT_TIMESTAMP"}',
                '{postgres: "CURRENT_TIMESTAMP(0)", sqlite: "datetime(\'now\')"}',
                '{postgres: "now()", sqlite: "CURRENT_TIMESTAMP"}'):
        assert load_text(HEAD + f"      at: {{type: timestamp, default: {{sql: {sql}}}}}\n", "m.yaml").warnings == ()


# -- a timestamptz default whose SQLite side is not of the column's storage

NOW_MS = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)"
STORED_CLOCKS = [
    ("integer_ms", "CURRENT_TIMESTAMP", "text"), ("integer_ms", "datetime('now')", "text"),
    ("integer_s", "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", "text"), ("integer_ms", "unixepoch()", "seconds"),
    ("iso_text", "unixepoch()", "number"),
    # of the column's storage: not warned
    ("integer_ms", NOW_MS, None), ("integer_s", "unixepoch()", None),
    ("iso_text", "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", None),
]


def _now_on_postgres(storage: str, lite_sql: str, pg):
    """(The manifest, its text) of a timestamptz defaulting to {sql: {postgres: now(), sqlite: lite_sql}} under ``storage``,
    its PostgreSQL side proved on a row of defaults (the instant, within a minute)."""
    text = HEAD.replace("tables:", f"sqlite: {{timestamptz: {storage}}}\ntables:") + \
        f'      at: {{type: timestamptz, default: {{sql: {{postgres: "now()", sqlite: {json.dumps(lite_sql)}}}}}}}\n'
    m = load_text(text, "m.yaml")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id) VALUES (1)")
    assert pg.execute("SELECT abs(extract(epoch FROM now() - at)) < 60 FROM t").fetchone() == (True,)
    return m, text


def _a_row_of_defaults(storage: str, lite_sql: str, pg):
    """(the manifest, the value SQLite stores for a row of defaults, its SQLite type) of _now_on_postgres."""
    m, text = _now_on_postgres(storage, lite_sql, pg)
    lite = _lite(m)
    lite.execute("INSERT INTO t (id) VALUES (1)")
    return (m, text, *lite.execute("SELECT at, typeof(at) FROM t").fetchone())


@pytest.mark.parametrize("storage, lite_sql, wrong", STORED_CLOCKS)
def test_a_timestamptz_default_whose_sqlite_side_is_not_of_the_storage_is_warned(storage, lite_sql, wrong, pg):
    """{sql: {postgres: "now()", sqlite: "CURRENT_TIMESTAMP"}} on a timestamptz validated clean: PostgreSQL holds
    the instant, SQLite wrote '2026-12-03 14:05:00' into the INTEGER column of Unix milliseconds (unixepoch()'s
    seconds there read as January 1970; a number in the TEXT of iso_text)."""
    m, text, value, typ = _a_row_of_defaults(storage, lite_sql, pg)
    if storage == "iso_text":   # TEXT affinity keeps the number's digits as text
        assert typ == "text" and value.isdigit() == (wrong == "number")
    else:
        unit = 1000 if storage == "integer_ms" else 1
        assert (typ == "text") == (wrong == "text")
        if typ == "integer":   # the instant as the storage reads it: 1970 for seconds read as milliseconds
            assert (abs(value / unit - __import__("time").time()) > 86400) == (wrong == "seconds")
    said = [str(w) for w in m.warnings]
    if wrong is None:
        assert said == []
        return
    line = text.splitlines()[8]
    col = line.index("{sql:") + 1
    held = {"integer_ms": "an INTEGER of Unix milliseconds", "integer_s": "an INTEGER of Unix seconds",
            "iso_text": "ISO 8601 TEXT"}[storage]
    gives = {"text": "a text", "seconds": "Unix seconds, read as milliseconds (January 1970)",
             "number": "a number"}[wrong]
    from schemactl.literals import FUNCTIONS
    fix = FUNCTIONS["now"]["timestamptz"]["sqlite"][storage]
    assert said == [f'm.yaml:9:{col}: warning: table "t", column "at": default: the SQLite side gives {gives}, '
                    f"but a timestamptz is held there as {held} "
                    f"(sqlite: timestamptz: {storage}), so a row inserted with defaults holds no instant there while "
                    f'PostgreSQL holds one; write {{fn: now}}, or sqlite: {json.dumps(fix)}']


@pytest.mark.parametrize("column", [
    'n: {type: integer, default: 1, check: "length(randomblob(900000000)) > n"}',
    'at: {type: timestamptz, default: {sql: {postgres: "now()", sqlite: "length(randomblob(900000000))"}}}',
], ids=["check-on-defaults", "clock-default"])
def test_validate_evaluates_a_manifests_expressions_within_bounds(column, tmp_path):
    """validate runs a CHECK on a row of defaults, and a timestamptz default's SQLite side, in SQLite: a
    manifest is input, and randomblob(900000000) there took 0.9-1.8 GB of memory.  The evaluation is bounded
    (a value too large or slow to evaluate is not judged there): validate answers within a few hundred MB."""
    import subprocess
    import sys
    path = tmp_path / "m.yaml"
    path.write_text(HEAD + "      " + column + "\n")
    script = ("import resource, subprocess, sys; "
              "subprocess.run([sys.executable, '-m', 'schemactl', 'validate', sys.argv[1]]); "
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    res = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True)
    assert "Traceback" not in res.stderr, res.stderr
    peak_kb = int(res.stdout.strip().splitlines()[-1])
    assert peak_kb < 300_000, f"validate peaked at {peak_kb // 1024} MB"


# -- a timestamptz default whose SQLite side is a REAL

JD = "julianday('now')"
REAL_CLOCKS = [   # (storage, SQLite side, the scale validate names, the fix it names); None: not warned
    ("integer_ms", JD, "a Julian day number", "CAST(ROUND((JULIANDAY('now') - 2440587.5) * 86400000) AS INTEGER)"),
    ("integer_s", JD, "a Julian day number", "CAST(strftime('%s', JULIANDAY('now')) AS INTEGER)"),
    ("iso_text", JD, "a Julian day number", "strftime('%Y-%m-%dT%H:%M:%fZ', JULIANDAY('now'))"),
    ("integer_ms", "unixepoch() + 0.5", "Unix seconds", "CAST(ROUND((UNIXEPOCH() + 0.5) * 1000) AS INTEGER)"),
    ("integer_s", "unixepoch() + 0.5", "Unix seconds", "CAST(UNIXEPOCH() + 0.5 AS INTEGER)"),
    ("integer_ms", "unixepoch() * 1000.0 + 0.25", "Unix milliseconds",
     "CAST(ROUND(UNIXEPOCH() * 1000.0 + 0.25) AS INTEGER)"),
    ("iso_text", "unixepoch() * 1000.0 + 0.25", "Unix milliseconds",
     "strftime('%Y-%m-%dT%H:%M:%fZ', (UNIXEPOCH() * 1000.0 + 0.25) / 1000.0, 'unixepoch')"),
    ("integer_ms", "0.5", None, None),
    # a whole number as a REAL: the INTEGER column keeps it as an INTEGER of the storage's unit
    ("integer_ms", "ROUND((julianday('now') - 2440587.5) * 86400000)", "", None),
    ("integer_s", "unixepoch() + 0.0", "", None),
]


@pytest.mark.parametrize("storage, lite_sql, scale, fix", REAL_CLOCKS)
def test_a_timestamptz_default_whose_sqlite_side_is_a_real_is_warned_with_the_storages_form(storage, lite_sql,
                                                                                             scale, fix, pg):
    """{sql: {postgres: "now()", sqlite: "julianday('now')"}} on a timestamptz validated clean under integer_ms
    and integer_s: PostgreSQL holds the instant, SQLite a REAL (2461378.12...) that the INTEGER column keeps as a
    REAL, neither the Unix milliseconds nor the seconds the storage reads.  validate warns, naming the scale and
    the SQLite text of that instant for the storage, which SQLite then stores as the storage holds now."""
    import time
    m, text, value, typ = _a_row_of_defaults(storage, lite_sql, pg)
    said = [str(w) for w in m.warnings]
    if scale == "":   # of the storage: an INTEGER of the storage's unit near now
        assert typ == "integer" and abs(value / (1000 if storage == "integer_ms" else 1) - time.time()) < 60
        assert said == []
        return
    if storage == "iso_text":    # TEXT affinity keeps the REAL's digits as text
        assert typ == "text" and float(value) > 0 and "T" not in value
    else:
        assert typ == "real"
    held = {"integer_ms": "an INTEGER of Unix milliseconds", "integer_s": "an INTEGER of Unix seconds",
            "iso_text": "ISO 8601 TEXT"}[storage]
    col = text.splitlines()[8].index("{sql:") + 1
    head = (f'm.yaml:9:{col}: warning: table "t", column "at": default: the SQLite side gives a REAL'
            f"{f' ({scale})' if scale else ''}, but a timestamptz is held there as {held} (sqlite: timestamptz: "
            f"{storage}), so a row inserted with defaults holds no instant there while PostgreSQL holds one; ")
    if fix is None:   # a REAL of no known scale: the storage's own clock
        from schemactl.literals import FUNCTIONS
        now = FUNCTIONS["now"]["timestamptz"]["sqlite"][storage]
        assert said == [head + f"write {{fn: now}}, or sqlite: {json.dumps(now)}"]
        return
    assert said == [head + f"write sqlite: {json.dumps(fix)}, the same instant as the storage holds it ({{fn: now}} "
                           "for the clock itself)"]
    # the fix it names: no warning, and SQLite stores the instant as the storage holds it
    fixed = load_text(text.replace(json.dumps(lite_sql), json.dumps(fix)), "m.yaml")
    assert fixed.warnings == ()
    lite = _lite(fixed)
    lite.execute("INSERT INTO t (id) VALUES (1)")
    value, typ = lite.execute("SELECT at, typeof(at) FROM t").fetchone()
    if storage == "iso_text":
        from datetime import datetime
        assert typ == "text" and value.endswith("Z")
        assert abs(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() - time.time()) < 60
    else:
        assert typ == "integer" and abs(value / (1000 if storage == "integer_ms" else 1) - time.time()) < 60


# -- a CHECK comparing with the clock rounded to a precision, written once for both engines

CHECK_CLOCKS = [   # (how the check is written, the clock PostgreSQL reads, what SQLite's DDL writes)
    ('checks: ["d <= CURRENT_TIMESTAMP(3)"]', "CURRENT_TIMESTAMP(3)", "CURRENT_TIMESTAMP"),
    ('checks: [{name: t_d_check, expr: {postgres: "d <= CURRENT_TIMESTAMP(3)", sqlite: "d <= CURRENT_TIMESTAMP(3)"}}]',
     "CURRENT_TIMESTAMP(3)", "CURRENT_TIMESTAMP"),
    ('checks: ["d <= CURRENT_TIMESTAMP::timestamp(3)"]', "CAST(CURRENT_TIMESTAMP AS TIMESTAMP(3))",
     "DATETIME(CURRENT_TIMESTAMP)"),
]


@pytest.mark.parametrize("written, clock, lite_clock", CHECK_CLOCKS)
def test_a_check_with_a_clock_rounded_to_a_precision_is_warned_where_sqlite_drops_it(written, clock, lite_clock, pg,
                                                                                       monkeypatch):
    """A CHECK d <= CURRENT_TIMESTAMP(3) validated clean: PostgreSQL compares with the clock rounded to
    milliseconds, while the generated sqlite.sql compares with CURRENT_TIMESTAMP (whole seconds), so the same
    value, the current millisecond, passes on PostgreSQL and is refused on SQLite.  validate warns at the check,
    as it does for such a default; the SQLite side it asks for takes the value."""
    text = HEAD + "      d: {type: timestamp}\n    " + written + "\n"
    m = load_text(text, "m.yaml")
    assert f"{lite_clock}" in render.ddl(m, "sqlite") and clock not in render.ddl(m, "sqlite")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("SET TIME ZONE 'UTC'")
    pg.execute("INSERT INTO t (id, d) VALUES (1, LOCALTIMESTAMP(3))")     # the clock's millisecond: taken
    with pytest.raises(Exception, match="CHECK constraint failed"):
        _lite(m).execute("INSERT INTO t (id, d) VALUES (1, strftime('%Y-%m-%d %H:%M:%f', 'now'))")
    pg_text = written.split('"')[1]
    line = text.splitlines()[8]
    col = (line.index("{postgres:") if "{postgres:" in line else line.index('"')) + 1
    assert [str(w) for w in m.warnings] == [
        f'm.yaml:9:{col}: warning: table "t": check: {clock} is the clock rounded to 3 fractional digits on '
        f"PostgreSQL, but SQLite has no precision there: the generated SQLite DDL writes {lite_clock}, whole seconds "
        "cut off, so the check compares with another time on each engine (a value of the current second passes on "
        "one and is refused on the other); write the SQLite side with the clock as a SQLite CHECK reads it, "
        "CURRENT_TIMESTAMP in whole seconds (strftime() or julianday() of 'now' are refused there at every insert), "
        "e.g. datetime(CURRENT_TIMESTAMP, '+1 second') for the end of the current second: "
        f'{{postgres: "{pg_text}", sqlite: "…"}}']
    # SQLite refuses the clock's milliseconds in a CHECK at insert, as the warning says (and validate refuses it)
    ms = _unchecked(HEAD + "      d: {type: timestamp}\n    checks: [{expr: {postgres: \"" + pg_text +
                    "\", sqlite: \"d <= strftime('%Y-%m-%d %H:%M:%f', 'now')\"}}]\n", monkeypatch)
    with pytest.raises(Exception, match="non-deterministic use of strftime"):
        _lite(ms).execute("INSERT INTO t (id, d) VALUES (1, '2020-01-01 00:00:00')")
    # the SQLite side it names: no warning, and the value of the current millisecond is taken
    fixed = load_text(HEAD + "      d: {type: timestamp}\n    checks: [{expr: {postgres: \"" + pg_text +
                      "\", sqlite: \"d < datetime(CURRENT_TIMESTAMP, '+1 second')\"}}]\n", "m.yaml")
    assert fixed.warnings == ()
    _lite(fixed).execute("INSERT INTO t (id, d) VALUES (1, strftime('%Y-%m-%d %H:%M:%f', 'now'))")


def test_a_column_check_or_default_with_a_clock_cast_to_a_precision_is_warned_and_one_without_is_not():
    text = HEAD + '      at: {type: timestamp, check: "at <= CURRENT_TIMESTAMP(0)"}\n'
    col = text.splitlines()[7].index('"') + 1
    assert [str(w) for w in load_text(text, "m.yaml").warnings] == [
        f'm.yaml:8:{col}: warning: table "t", column "at": check: CURRENT_TIMESTAMP(0) is the clock rounded to whole '
        "seconds on PostgreSQL, but SQLite has no precision there: the generated SQLite DDL writes CURRENT_TIMESTAMP, "
        "whole seconds cut off, so the check compares with another time on each engine (a value of the current "
        "second passes on one and is refused on the other); write the SQLite side with the clock as a SQLite CHECK "
        "reads it, CURRENT_TIMESTAMP in whole seconds (strftime() or julianday() of 'now' are refused there at every "
        "insert), e.g. datetime(CURRENT_TIMESTAMP, '+1 second') for the end of the current second: "
        '{postgres: "at <= CURRENT_TIMESTAMP(0)", sqlite: "…"}']
    cast = "CURRENT_TIMESTAMP::timestamp(0)"
    text = HEAD + f'      at: {{type: timestamp, default: {{sql: {{postgres: "{cast}", sqlite: "{cast}"}}}}}}\n'
    col = text.splitlines()[7].index("{sql:") + 1
    assert [str(w) for w in load_text(text, "m.yaml").warnings] == [
        f'm.yaml:8:{col}: warning: table "t", column "at": default: CAST(CURRENT_TIMESTAMP AS TIMESTAMP(0)) is the clock '
        "rounded to whole seconds on PostgreSQL, but SQLite has no precision there: the generated SQLite DDL writes "
        "DATETIME(CURRENT_TIMESTAMP), whole seconds cut off, so a row inserted with defaults holds another time on "
        f'each engine; write the SQLite side for its storage: {{postgres: "{cast}", sqlite: "…"}}']
    for check in ('"at <= CURRENT_TIMESTAMP"', '"at <= CURRENT_TIMESTAMP::timestamp"', '"at <= \'2020-01-01\'::timestamp(0)"',
                  '{postgres: "at <= CURRENT_TIMESTAMP(3)", sqlite: "at < datetime(CURRENT_TIMESTAMP, \'+1 second\')"}'):
        assert load_text(HEAD + f"      at: {{type: timestamp, check: {check}}}\n", "m.yaml").warnings == (), check


# -- the clock (or the session's TimeZone) in an index: refused by the engines, not warned of

INDEX_CLOCKS = [   # (index, where/expression, column of the problem, PostgreSQL's words, SQLite's)
    ('{columns: [d], where: "d > CURRENT_TIMESTAMP(0)"}', "where", "CURRENT_TIMESTAMP",
     "functions in index predicate must be marked IMMUTABLE", "non-deterministic functions prohibited in partial index"),
    ('{columns: [d], where: "d > CURRENT_TIMESTAMP::timestamp(0)"}', "where", "CURRENT_TIMESTAMP",
     "functions in index predicate must be marked IMMUTABLE", "non-deterministic functions prohibited in partial index"),
    ('{columns: [{expr: "CAST(CURRENT_TIMESTAMP(2) AS text)"}]}', "expression", "CURRENT_TIMESTAMP",
     "functions in index expression must be marked IMMUTABLE", "non-deterministic functions prohibited in index"),
]


@pytest.mark.parametrize("index, place, clock, pg_says, lite_says", INDEX_CLOCKS)
def test_the_clock_in_an_index_is_refused_as_both_engines_refuse_it(index, place, clock, pg_says, lite_says, pg,
                                                                     monkeypatch):
    """An index whose predicate or expression reads the clock (with a precision or without) validated clean,
    and then neither engine created it: PostgreSQL's index must be immutable, SQLite's deterministic.  validate
    refuses it at the predicate or expression, as it does a generated column (PostgreSQL's own words)."""
    text = HEAD + "      d: {type: timestamp}\n    indexes:\n      - " + index + "\n"
    m = _unchecked(text, monkeypatch)
    with pytest.raises(psycopg.Error, match=pg_says):
        pg.execute(render.ddl(m, "postgres"))
    with pytest.raises(Exception, match=lite_says):
        _lite(m)
    line = text.splitlines()[9]
    col = (line.index("where:") + 7 if place == "where" else line.index("{expr:") + 7) + 1
    what = "where" if place == "where" else "expression"
    name = "t_d_idx" if place == "where" else "t_expr_idx"
    assert _said(text) == [
        f'm.yaml:10:{col}: error: table "t": index "{name}" {what}: PostgreSQL refuses it ({pg_says}): {clock} '
        "depends on the session (its locale, TimeZone or clock) or is random; an index cannot hold it on either "
        "engine: compare with a constant, or keep it in the query"]


def test_a_timestamptz_read_in_the_sessions_timezone_in_an_index_is_refused_with_the_utc_form(pg, monkeypatch):
    text = HEAD + "      at: {type: timestamptz}\n    indexes:\n      - {columns: [{expr: \"CAST(at AS date)\"}]}\n"
    with pytest.raises(psycopg.Error, match="functions in index expression must be marked IMMUTABLE"):
        pg.execute(render.ddl(_unchecked(text, monkeypatch), "postgres"))
    col = text.splitlines()[9].index("{expr:") + 8
    assert _said(text) == [
        f'm.yaml:10:{col}: error: table "t": index "t_at_idx" expression: PostgreSQL refuses it (functions in index '
        "expression must be marked IMMUTABLE): CAST(at AS DATE) reads the instant in the session's TimeZone; read it "
        "as UTC (at AT TIME ZONE 'UTC' cast to DATE)"]
    fixed = load_text(text.replace('"CAST(at AS date)"', "{postgres: \"CAST(at AT TIME ZONE 'UTC' AS date)\", "
                                   "sqlite: \"date(at / 1000, 'unixepoch')\"}"), "m.yaml")
    pg.execute(render.ddl(fixed, "postgres"))     # the form it names is created
    _lite(fixed)


def test_a_check_with_the_clock_cast_to_timestamptz_with_a_precision_says_sqlite_reads_the_year(pg):
    """CURRENT_TIMESTAMP::timestamptz(3) in a portable CHECK: sqlglot writes CAST(CURRENT_TIMESTAMP AS
    TIMESTAMPTZ(3)) for SQLite, a type name of NUMERIC affinity there, so SQLite compares with the year (2026),
    not with whole seconds as the warning said: every timestamp text is refused there, taken on PostgreSQL."""
    text = HEAD + '      d: {type: timestamp, check: "d <= CURRENT_TIMESTAMP::timestamptz(3)"}\n'
    m = load_text(text, "m.yaml")
    lite = _lite(m)
    year, = lite.execute("SELECT CAST(CURRENT_TIMESTAMP AS TIMESTAMPTZ(3))").fetchone()
    assert year == int(lite.execute("SELECT strftime('%Y', 'now')").fetchone()[0])
    with pytest.raises(Exception, match="CHECK constraint failed"):
        lite.execute("INSERT INTO t (id, d) VALUES (1, '2000-01-01 00:00:00')")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id, d) VALUES (1, '2000-01-01 00:00:00')")
    col = text.splitlines()[7].index('"') + 1
    assert [str(w) for w in m.warnings] == [
        f'm.yaml:8:{col}: warning: table "t", column "d": check: CAST(CURRENT_TIMESTAMP AS TIMESTAMPTZ(3)) is the '
        "clock rounded to 3 fractional digits on PostgreSQL, but SQLite has no precision there: the generated SQLite "
        "DDL writes CAST(CURRENT_TIMESTAMP AS TIMESTAMPTZ(3)), the year alone, a number (SQLite casts the text to the "
        "NUMERIC affinity of that type name: '2026-12-03 15:00:00' is 2026), so the check compares with another "
        "time on each engine (a value of the current second passes on one and is refused on the other); write the "
        "SQLite side with the clock as a SQLite CHECK reads it, CURRENT_TIMESTAMP in whole seconds (strftime() or "
        "julianday() of 'now' are refused there at every insert), e.g. datetime(CURRENT_TIMESTAMP, '+1 second') for "
        'the end of the current second: {postgres: "d <= CURRENT_TIMESTAMP::timestamptz(3)", sqlite: "…"}']


INTEGER_CLOCKS = [   # (storage, SQLite side, the scale validate names, the fix it names)
    ("integer_s", NOW_MS, "Unix milliseconds",
     "CAST(CAST(ROUND((JULIANDAY('now') - 2440587.5) * 86400000) AS INTEGER) / 1000 AS INTEGER)"),
    ("integer_s", "CAST(julianday('now') AS INTEGER)", "a Julian day number",
     "CAST(strftime('%s', CAST(JULIANDAY('now') AS INTEGER)) AS INTEGER)"),
    ("integer_ms", "CAST(julianday('now') AS INTEGER)", "a Julian day number",
     "CAST(ROUND((CAST(JULIANDAY('now') AS INTEGER) - 2440587.5) * 86400000) AS INTEGER)"),
]


@pytest.mark.parametrize("storage, lite_sql, scale, fix", INTEGER_CLOCKS)
def test_a_timestamptz_default_giving_an_integer_of_another_scale_is_warned(storage, lite_sql, scale, fix, pg):
    """Unix milliseconds (schemactl's own integer_ms now) under integer_s, or a Julian day number cast to an
    INTEGER, validated clean: SQLite stores an INTEGER, read as Unix seconds it is the year 57000 or January 1970,
    while PostgreSQL holds now.  Only seconds under integer_ms were told before."""
    import time
    m, text = _now_on_postgres(storage, lite_sql, pg)
    unit = 1000 if storage == "integer_ms" else 1
    lite = _lite(m)
    lite.execute("INSERT INTO t (id) VALUES (1)")
    value, typ = lite.execute("SELECT at, typeof(at) FROM t").fetchone()
    assert typ == "integer" and abs(value / unit - time.time()) > 10 * 365 * 86400
    held = {"integer_ms": "an INTEGER of Unix milliseconds", "integer_s": "an INTEGER of Unix seconds"}[storage]
    col = text.splitlines()[8].index("{sql:") + 1
    assert [str(w) for w in m.warnings] == [
        f'm.yaml:9:{col}: warning: table "t", column "at": default: the SQLite side gives {scale} as an INTEGER, but '
        f"a timestamptz is held there as {held} (sqlite: timestamptz: {storage}), so a row inserted with defaults "
        f"holds no instant there while PostgreSQL holds one; write sqlite: {json.dumps(fix)}, the same instant as the "
        "storage holds it ({fn: now} for the clock itself)"]
    fixed = load_text(text.replace(json.dumps(lite_sql), json.dumps(fix)), "m.yaml")
    assert fixed.warnings == ()
    lite = _lite(fixed)
    lite.execute("INSERT INTO t (id) VALUES (1)")
    value, typ = lite.execute("SELECT at, typeof(at) FROM t").fetchone()
    assert typ == "integer" and abs(value / unit - time.time()) < 86400    # (a Julian day cut to a whole day)


def test_an_index_expression_casting_to_a_type_sqlglot_does_not_know_is_judged_not_crashed_on(pg):
    """PostgreSQL's immutability rule, applied to index expressions, read the name of a cast's type as sqlglot's
    own: a cast to regconfig (to_tsvector('english'::regconfig, body), as danbooru's structure.sql has it) is a
    type sqlglot keeps as text, and validate (and import) stopped with an internal error."""
    text = (HEAD + "      body: {type: text}\n    indexes:\n      - {name: t_body_fts, method: gin, engines: [postgres], "
            "columns: [{expr: \"to_tsvector('english'::regconfig, body)\"}]}\n")
    m = load_text(text, "m.yaml")
    assert m.warnings == ()
    pg.execute(render.ddl(m, "postgres"))
    assert pg.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 't_body_fts'").fetchone() == (1,)


# -- the clock in a CHECK on SQLite, and in an index SQLite holds alone

def _check_at(text: str) -> tuple[int, int]:
    """line:col of the one check in ``text``: a table's check (the item of checks:), or a column's (its value)."""
    for n, line in enumerate(text.splitlines(), 1):
        if "checks:" in line:
            return n, line.index("{expr:") + 1
        if "check:" in line:
            return n, line.index("check:") + 8
    raise AssertionError(text)


SQLITE_CHECK_CLOCKS = [   # (the column and its check, the function SQLite names, the call shown, the fix named or None)
    ("d: {type: timestamp}\n    checks: [{expr: {postgres: \"d <= LOCALTIMESTAMP\", "
     "sqlite: \"d <= strftime('%Y-%m-%d %H:%M:%S', 'now')\"}}]",
     "strftime", "STRFTIME('%Y-%m-%d %H:%M:%S', 'now')", "STRFTIME('%Y-%m-%d %H:%M:%S', CURRENT_TIMESTAMP)"),
    ("d: {type: timestamp, check: {postgres: \"d <= LOCALTIMESTAMP\", sqlite: \"d <= datetime('now')\"}}",
     "datetime", "DATETIME('now')", "DATETIME(CURRENT_TIMESTAMP)"),
    ("d: {type: timestamp, check: {postgres: \"d <= LOCALTIMESTAMP\", sqlite: \"julianday(d) <= julianday('NOW')\"}}",
     "julianday", "JULIANDAY('NOW')", "JULIANDAY(CURRENT_TIMESTAMP)"),
    ("d: {type: timestamp, check: {postgres: \"d <= LOCALTIMESTAMP\", sqlite: \"unixepoch(d) <= unixepoch('now')\"}}",
     "unixepoch", "UNIXEPOCH('now')", "UNIXEPOCH(CURRENT_TIMESTAMP)"),
    ("d: {type: timestamp, check: {postgres: \"d <= LOCALTIMESTAMP\", sqlite: \"d <= datetime()\"}}",
     "datetime", "DATETIME()", "DATETIME(CURRENT_TIMESTAMP)"),
    ("d: {type: timestamp, check: {postgres: \"d <= LOCALTIMESTAMP\", sqlite: \"d <= datetime('now', '+1 day')\"}}",
     "datetime", "DATETIME('now', '+1 day')", "DATETIME(CURRENT_TIMESTAMP, '+1 day')"),
    ("d: {type: timestamp, check: {postgres: \"d <= LOCALTIMESTAMP\", sqlite: \"date(d, 'localtime') <= '2100-01-01'\"}}",
     "date", "DATE(d, 'localtime')", None),
    # one text for both engines: PostgreSQL takes date('now') in a CHECK, SQLite refuses it at every insert
    ("d: {type: date, check: \"d <= date('now')\"}", "date", "DATE('now')", "DATE(CURRENT_TIMESTAMP)"),
]


@pytest.mark.parametrize("column, fn, shown, fix", SQLITE_CHECK_CLOCKS)
def test_a_check_whose_sqlite_side_reads_the_clock_is_refused_as_sqlite_refuses_every_insert(column, fn, shown, fix,
                                                                                              pg, monkeypatch):
    """A CHECK whose SQLite text calls one of SQLite's date and time functions of 'now' (or of no time value, or
    with 'localtime' or 'utc') validated clean; SQLite creates the table and then refuses every insert that
    checks it ("non-deterministic use of strftime() in a CHECK constraint").  validate refuses it at the check, with
    SQLite's words and what to write instead; CURRENT_TIMESTAMP, which SQLite takes in a CHECK, is the fix named
    for the clock."""
    text = HEAD + "      " + column + "\n"
    m = _unchecked(text, monkeypatch)
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id, d) VALUES (1, '2000-01-01')")          # PostgreSQL takes the row
    lite = _lite(m)                                                        # SQLite creates the table …
    with pytest.raises(Exception, match=rf"non-deterministic use of {fn}\(\) in a CHECK constraint"):
        lite.execute("INSERT INTO t (id, d) VALUES (1, '2000-01-01')")     # … and refuses every row
    line, col = _check_at(text)
    how = (f"write {fix} (SQLite takes the clock as CURRENT_TIMESTAMP in a CHECK, in whole seconds), move the check "
           "to a trigger, or compare with a column's value" if fix else
           "move the check to a trigger, or compare with a column's value")
    reads = "the clock" if fix else "the machine's time zone"
    assert _said(text) == [
        f'm.yaml:{line}:{col}: error: table "t": check "t_d_check": SQLite refuses it at every insert (non-deterministic '
        f"use of {fn}() in a CHECK constraint): {shown} reads {reads}; {how}"]
    if fix:   # the form named validates, and SQLite takes the row
        fixed = load_text(_with_sqlite(text, shown, fix), "m.yaml")
        assert fixed.warnings == ()
        _lite(fixed).execute("INSERT INTO t (id, d) VALUES (1, '2000-01-01')")


def _with_sqlite(text: str, shown: str, fix: str) -> str:
    """``text`` with the call validate showed (as written, in any case) replaced by the fix it named."""
    at = text.lower().index(shown.lower())
    return text[:at] + fix + text[at + len(shown):]


SQLITE_CHECKS_TAKEN = [   # SQLite's date and time functions of a column's value, and the clock as CURRENT_TIMESTAMP
    "strftime('%Y', d) >= '2000'", "date(d) <= d", "julianday(d, 'start of day') > 0", "unixepoch(d) > 0",
    "d <= CURRENT_TIMESTAMP", "d < datetime(CURRENT_TIMESTAMP, '+1 second')", "datetime(d, '+1 day') > d",
]


@pytest.mark.parametrize("lite_sql", SQLITE_CHECKS_TAKEN)
def test_a_check_whose_sqlite_side_reads_a_columns_value_or_current_timestamp_is_taken(lite_sql):
    text = (HEAD + "      d: {type: timestamp, check: {postgres: \"d <= LOCALTIMESTAMP\", sqlite: " + json.dumps(lite_sql)
            + "}}\n")
    m = load_text(text, "m.yaml")
    assert m.warnings == ()
    _lite(m).execute("INSERT INTO t (id, d) VALUES (1, '2000-01-01 00:00:00')")


def test_validate_exits_2_at_a_check_whose_sqlite_side_reads_the_clock(tmp_path):
    from tests.conftest import cli
    (tmp_path / "m.yaml").write_text(HEAD + "      d: {type: timestamp, check: {postgres: \"d <= LOCALTIMESTAMP\", "
                                            "sqlite: \"d <= strftime('%Y-%m-%d', 'now')\"}}\n")
    result = cli("validate", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "m.yaml:8:35: error: " in result.output and "Traceback" not in result.output
    assert "non-deterministic use of strftime() in a CHECK constraint" in result.output


SQLITE_INDEX_CLOCKS = [   # (index, where/expression, the call shown, what it reads, SQLite's words)
    ("{columns: [d], where: \"d > datetime('now')\", engines: [sqlite]}", "where", "DATETIME('now')", "the clock",
     "non-deterministic use of datetime() in an index"),
    ("{columns: [d], where: \"d > CURRENT_TIMESTAMP\", engines: [sqlite]}", "where", "CURRENT_TIMESTAMP", "the clock",
     "non-deterministic functions prohibited in partial index WHERE clauses"),
    ("{columns: [{expr: \"julianday('now') - julianday(d)\"}], engines: [sqlite]}", "expression", "JULIANDAY('now')",
     "the clock", "non-deterministic use of julianday() in an index"),
    ("{columns: [d], where: {postgres: \"d > '2020-01-01'\", sqlite: \"d > date('now')\"}}", "where", "DATE('now')",
     "the clock", "non-deterministic use of date() in an index"),
    ("{columns: [{expr: {postgres: \"CAST(d AS date)\", sqlite: \"date(d, 'localtime')\"}}]}", "expression",
     "DATE(d, 'localtime')", "the machine's time zone", "non-deterministic use of date() in an index"),
    ("{columns: [{expr: {postgres: \"CAST(d AS date)\", sqlite: \"CURRENT_DATE\"}}]}", "expression", "CURRENT_DATE",
     "the clock", "non-deterministic functions prohibited in index expressions"),
]


@pytest.mark.parametrize("index, place, shown, reads, lite_says", SQLITE_INDEX_CLOCKS)
def test_the_clock_in_an_index_sqlite_holds_alone_is_refused(index, place, shown, reads, lite_says, monkeypatch):
    """The rule for the clock in an index read the PostgreSQL text alone: an index for SQLite only (engines:
    [sqlite]), or one whose sqlite: side reads the clock where the postgres: side does not, validated clean, and
    SQLite did not create it (CURRENT_TIMESTAMP) or refused every row (its date and time functions of 'now')."""
    text = HEAD + "      d: {type: timestamp}\n    indexes:\n      - " + index + "\n"
    with pytest.raises(Exception, match=re.escape(lite_says)):   # at CREATE INDEX, or at the first row
        _lite(_unchecked(text, monkeypatch)).execute("INSERT INTO t (id, d) VALUES (1, '2000-01-01')")
    line = text.splitlines()[9]
    col = (line.index("where:") + 7 if place == "where" else line.index("{expr:") + 7) + 1
    assert _said(text) == [
        f'm.yaml:10:{col}: error: table "t": index "t_d_idx" {place}: SQLite refuses it ({lite_says}): {shown} reads '
        f"{reads}; an index cannot hold it on SQLite: compare with a constant, or keep it in the query"]


SQLITE_GENERATED_CLOCKS = [   # (the SQLite side, what validate shows, SQLite's words)
    ("julianday('now')", "JULIANDAY('now') reads the clock", "non-deterministic use of julianday() in a generated column"),
    ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP reads the clock", "non-deterministic functions prohibited in generated columns"),
]


@pytest.mark.parametrize("lite_sql, shown, lite_says", SQLITE_GENERATED_CLOCKS)
def test_a_generated_column_whose_sqlite_side_reads_the_clock_is_refused(lite_sql, shown, lite_says, monkeypatch):
    text = (HEAD + "      d: {type: double}\n      g: {type: double, generated: {expr: {postgres: \"d + 1\", sqlite: "
            + json.dumps(lite_sql) + "}, stored: true}}\n")
    with pytest.raises(Exception, match=re.escape(lite_says)):   # at CREATE TABLE, or at the first row
        _lite(_unchecked(text, monkeypatch)).execute("INSERT INTO t (id, d) VALUES (1, 2.0)")
    col = text.splitlines()[8].index("{postgres:") + 1
    assert _said(text) == [f'm.yaml:9:{col}: error: table "t", column "g": generated: SQLite refuses it ({lite_says}): '
                           f"{shown}; compute it where it is read (a view or the query)"]
    taken = load_text(text.replace(json.dumps(lite_sql), '"julianday(d)"'), "m.yaml")   # of a column's value
    _lite(taken).execute("INSERT INTO t (id, d) VALUES (1, 2.0)")
