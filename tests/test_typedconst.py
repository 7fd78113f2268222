"""schemactl.typedconst: a constant compared with a column, on SQLite as the column stores its values (a date/time
in its storage, a uuid in lower case, a boolean as 1 or 0, an enum's order as the members it admits), and read
alike from the manifest and from PostgreSQL's catalog.

Before: a portable CHECK ``at > '2020-01-01T00:00:00Z'`` on a timestamptz column was the same text on SQLite,
where the column holds Unix milliseconds and every text sorts after every number (the CHECK failed every row);
an import from PostgreSQL wrote ``CAST('2020-01-01 00:00:00+00' AS TIMESTAMPTZ)`` there (a number: 2020) and
counted it as mapped exactly; and parity reported SC333 for every such CHECK, PostgreSQL showing the constant as
'2020-01-01 00:00:00+00'::timestamp with time zone."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import sqlglot

from schemactl import importer, render, typedconst
from schemactl.diff import diff
from schemactl.engines import sqlite as sqlite_engine
from schemactl.errors import ManifestInvalid
from schemactl.expect import expect
from schemactl.importer_yaml import dump
from schemactl.introspect import introspect
from schemactl.manifest.load import load_text
from tests.conftest import findings

MANIFEST = """\
format: 1
name: m
version: 1
{storage}tables:
  ev:
    columns:
      id: {{type: integer, primary_key: true}}
      at: {{type: timestamptz, nullable: false, check: "at >= '2000-01-01T00:00:00Z'"}}
      d: {{type: date}}
      ts: {{type: timestamp}}
      t: {{type: time}}
    checks:
    - expr: "at < '2030-01-01T02:00:00+02:00'"
    - expr: "d >= '2000-01-01'"
    - expr: "ts BETWEEN '2000-01-01T10:00:00' AND '2030-01-01 00:00:00.5'"
    - expr: "t IN ('13:00', '14:00:00.5')"
    indexes:
    - columns: [at]
      where: "at > '2024-06-01T00:00:00+02:00'"
"""
STORAGES = {"integer_ms": "", "iso_text": "sqlite:\n  timestamptz: iso_text\n"}


def _manifest(storage: str):
    return load_text(MANIFEST.format(storage=STORAGES[storage]), "m.yaml")


@pytest.mark.parametrize("storage", sorted(STORAGES))
def test_sqlite_checks_compare_constants_as_the_columns_store_values(storage):
    from schemactl.datastorage import sqlite_stored
    import datetime as dt
    m = _manifest(storage)
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    at = sqlite_stored("timestamptz", storage)
    utc = dt.timezone.utc
    ok = (1, at(dt.datetime(2020, 5, 1, tzinfo=utc)), "2001-01-01", "2020-01-01 10:00:00", "14:00:00.500000")
    lite.execute("INSERT INTO ev VALUES (?, ?, ?, ?, ?)", ok)   # every row was refused on integer_ms
    for bad in ((2, at(dt.datetime(1999, 12, 31, 23, 59, tzinfo=utc)), None, None, None),   # column check
                (3, at(dt.datetime(2030, 1, 1, 0, 0, 1, tzinfo=utc)), None, None, None),    # +02:00 is 00:00 UTC
                (4, ok[1], "1999-12-31", None, None),
                (5, ok[1], None, "2030-01-01 00:00:00.600000", None),
                (6, ok[1], None, None, "14:00:00")):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            lite.execute("INSERT INTO ev VALUES (?, ?, ?, ?, ?)", bad)
    where = dict(lite.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall())["ev_at_idx"]
    assert ("1717192800000" if storage == "integer_ms" else "'2024-05-31T22:00:00.000000Z'") in where


def test_an_engines_own_text_is_left_as_written():
    m = load_text(MANIFEST.format(storage="").replace(
        "- expr: \"d >= '2000-01-01'\"", "- expr: {postgres: \"at <> '2021-01-01T00:00:00Z'\", sqlite: \"at <> 5\"}"),
        "m.yaml")
    assert "CHECK (at <> 5)" in render.ddl(m, "sqlite")


@pytest.mark.parametrize("storage", sorted(STORAGES))
def test_parity_reads_postgres_typed_constants_as_the_manifests(storage, pg, pg_test_db):
    m = _manifest(storage)
    pg.execute(render.ddl(m, "postgres"))
    assert findings(m, pg, "postgres") == []
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    assert findings(m, lite, "sqlite") == []


def test_parity_still_sees_another_constant(pg, pg_test_db):
    m = _manifest("integer_ms")
    pg.execute(render.ddl(m, "postgres").replace("2000-01-01 00:00:00+00", "2000-01-02 00:00:00+00")
               .replace("'2000-01-01T00:00:00Z'", "'2000-01-02T00:00:00Z'"))
    assert [f.code for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == ["SC333"]


def test_a_constant_cast_to_another_type_than_its_columns_keeps_that_type(pg, pg_test_db):
    """PostgreSQL keeps a constant's own cast where it is compared with a column of another type (a timestamptz
    with '2020-01-01'::date, a date with '…'::timestamp): the expected key cast it to the column's type instead,
    so parity reported SC333 for such a CHECK (which import --ddl keeps for PostgreSQL) on the database built
    from the manifest's own DDL."""
    own = ("    checks:\n"
           "    - {name: ev_at_date, expr: {postgres: \"(at > '2020-01-01'::date)\"}}\n"
           "    - {name: ev_at_ts, expr: {postgres: \"(at > '2020-01-01 10:00'::timestamp)\"}}\n"
           "    - {name: ev_d_ts, expr: {postgres: \"(d > '2020-01-01 10:00'::timestamp without time zone)\"}}\n"
           "    - {name: ev_ts_tz, expr: {postgres: \"(ts > '2020-01-01T10:00:00+02'::timestamptz)\"}}\n")
    m = load_text(MANIFEST.format(storage="").replace("    checks:\n", own), "m.yaml")
    pg.execute(render.ddl(m, "postgres"))
    assert findings(m, pg, "postgres") == []
    pg.execute("ALTER TABLE ev DROP CONSTRAINT ev_at_date, ADD CONSTRAINT ev_at_date CHECK (at > '2020-01-02'::date)")
    assert [f.code for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == ["SC333"]


@pytest.mark.parametrize("expr, message", [
    ("at > '2020-01-01'", "names no offset"),
    ("d >= '2000-13-01'", "is not a date SQLite can hold"),
    ("ts > '2020-01-01T00:00:00Z'", "names an offset, which a timestamp does not hold"),
])
def test_a_constant_that_is_no_value_of_the_column_is_located(expr, message):
    text = MANIFEST.format(storage="").replace("\"d >= '2000-01-01'\"", f'"{expr}"')
    with pytest.raises(ManifestInvalid) as exc:
        load_text(text, "m.yaml")
    shown = [str(d) for d in exc.value.diagnostics]
    assert any(s.startswith("m.yaml:14:13:") and message in s for s in shown), shown


def test_typed_key_and_pg_shown_agree_with_the_catalogs_spelling():
    assert typedconst.pg_shown("2024-06-01T00:00:00+02:00", "timestamptz") == "2024-05-31 22:00:00+00"
    assert typedconst.pg_shown("12:00:00.250", "time") == "12:00:00.25"
    assert typedconst.typed_key("at > '2020-01-01T00:00:00Z'", {"at": "timestamptz"}) == \
        typedconst.typed_key("(at > '2020-01-01 00:00:00+00'::timestamp with time zone)", {"at": "timestamptz"})
    assert typedconst.typed_key("n > 'x'", {"at": "timestamptz"}) is None


@pytest.mark.parametrize("sql, why", [
    ("(dur < '1 day'::interval)", "SQLite has no INTERVAL type"),
    ("(at < (now() + '1 year'::interval))", "reads the clock"),
    ("((at)::date > '2020-01-01'::date)", "SQLite has no DATE type"),
    ("(d > '2000-01-01'::date)", None),
])
def test_reads_otherwise_names_what_sqlite_has_no_form_of(sql, why):
    tree = sqlglot.parse_one(sql, read="postgres")
    tree, _ = typedconst.stored(tree, {"at": "timestamptz", "d": "date"}, "integer_ms")
    got = typedconst.reads_otherwise(tree)
    assert (got is None) if why is None else why in got


def test_import_writes_sqlite_constants_stored_and_keeps_the_rest_on_postgres(scratch_server, pg_test_db):
    import psycopg
    from tests.conftest import RESET_SQL
    ddl = ("CREATE TABLE ev (id integer PRIMARY KEY, at timestamptz NOT NULL, d date, dur interval,\n"
           "  CHECK (at > '2020-01-01 00:00:00+00'), CHECK (d >= DATE '2000-01-01'),\n"
           "  CHECK (dur < interval '1 day'), CHECK (at < now() + interval '1 year'));\n"
           "CREATE INDEX ev_recent ON ev (at) WHERE dur > interval '1 hour';\n"
           "CREATE INDEX ev_late ON ev (at) WHERE at > '2024-01-01 00:00:00+00';\n")
    doc, summary, _ = importer.from_ddl([("s.sql", ddl)], "postgres", "s", server=scratch_server)
    checks = {c["name"]: c["expr"] for c in doc["tables"]["ev"]["checks"]}
    assert checks["ev_at_check"]["sqlite"] == "(at > 1577836800000)"
    assert checks["ev_d_check"]["sqlite"] == "(d >= '2000-01-01')"
    assert set(checks["ev_dur_check"]) == set(checks["ev_at_check1"]) == {"postgres"}
    indexes = {i["name"]: i for i in doc["tables"]["ev"]["indexes"]}
    assert indexes["ev_recent"]["engines"] == ["postgres"] and "engines" not in indexes["ev_late"]
    lines = summary.lines()
    assert sum(x.startswith("approximately") and "postgres only" in x for x in lines) == 3, lines
    m = load_text(dump(doc), "s.yaml")
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO ev (id, at) VALUES (1, 1700000000000)")   # CAST(… AS TIMESTAMPTZ) was 2020
    with pytest.raises(sqlite3.IntegrityError):
        lite.execute("INSERT INTO ev (id, at) VALUES (2, 1000)")
    conn = psycopg.connect(pg_test_db, autocommit=True)
    conn.execute(RESET_SQL)
    conn.execute(render.ddl(m, "postgres"))
    assert findings(m, conn, "postgres") == []
    conn.close()


KINDS = """\
format: 1
name: k
version: 1
enums: {severity: [low, medium, high]}
tables:
  alerts:
    columns:
      id: {type: integer, primary_key: true}
      level: {type: severity, nullable: false, check: "level >= 'medium'"}
      owner: {type: uuid, check: "owner <> 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'"}
      active: {type: boolean, nullable: false, check: "active = 'true'"}
    checks:
    - expr: "'high' > level OR active = 't'"
    - expr: "level BETWEEN 'low' AND 'medium' OR id > 0"
    indexes:
    - {name: alerts_urgent_idx, columns: [id], where: "level > 'medium' AND active = 'yes'"}
"""


def test_uuid_boolean_and_enum_constants_mean_on_sqlite_what_they_mean_on_postgresql(pg):
    """SQLite compared level >= 'medium' alphabetically ('high' < 'medium': refused), 'A0EE…' with the lower-case
    uuid it stores (never equal), and active = 'true' with the integer 1 (never equal)."""
    m = load_text(KINDS, "k.yaml")
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    pg.execute(render.ddl(m, "postgres"))
    rows = [((1, "high", None, True), True), ((2, "low", None, True), False),
            ((3, "medium", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", True), False),
            ((4, "medium", "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", True), True), ((5, "high", None, False), False)]
    for row, accepted in rows:
        for engine, conn, value in (("sqlite", lite, row[:3] + (int(row[3]),)), ("postgres", pg, row)):
            ph = "?" if engine == "sqlite" else "%s"
            try:
                conn.execute(f"INSERT INTO alerts VALUES ({ph}, {ph}, {ph}, {ph})", value)
                got = True
            except (sqlite3.IntegrityError, psycopg.errors.CheckViolation):
                got = False
            assert got == accepted, (engine, row)
    index = dict(lite.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall())
    assert index["alerts_urgent_idx"].endswith("WHERE level IN ('high') AND active = 1")
    assert findings(m, pg, "postgres") == []
    assert findings(m, lite, "sqlite") == []


@pytest.mark.parametrize("expr, message", [
    ("level >= 'urgent'", "'urgent' is not a member of the enum (low, medium, high)"),
    ("level = 'urgent'", "'urgent' is not a member of the enum"),
    ("owner = 'not-a-uuid'", "'not-a-uuid' is not a uuid"),
    ("active = 'maybe'", "'maybe' is not a boolean"),
])
def test_a_constant_no_value_of_its_column_is_refused_as_postgresql_would(expr, message):
    with pytest.raises(ManifestInvalid) as exc:
        load_text(KINDS.replace("\"'high' > level OR active = 't'\"", f'"{expr}"'), "k.yaml")
    assert any(message in str(d) for d in exc.value.diagnostics), [str(d) for d in exc.value.diagnostics]


@pytest.mark.parametrize("text, value", [("t", True), ("TRUE", True), (" yes ", True), ("on", True), ("1", True),
                                         ("f", False), ("of", False), ("No", False), ("0", False)])
def test_boolean_text_is_read_as_postgresql_reads_it(text, value):
    assert typedconst.boolean_of(text) is value


@pytest.mark.parametrize("text", ["o", "", "2", "tx", "yess"])
def test_boolean_text_postgresql_refuses_is_refused(text):
    with pytest.raises(ValueError):
        typedconst.boolean_of(text)


def test_import_orders_an_enum_on_sqlite_by_its_members(scratch_server):
    ddl = ("CREATE TYPE severity AS ENUM ('low', 'medium', 'high');\n"
           "CREATE TABLE alerts (id integer PRIMARY KEY, level severity NOT NULL CHECK (level >= 'medium'));\n")
    doc, _, _ = importer.from_ddl([("s.sql", ddl)], "postgres", "s", server=scratch_server)
    check = doc["tables"]["alerts"]["checks"][0]["expr"]
    assert check["sqlite"] == "(level IN ('medium', 'high'))", check


@pytest.mark.parametrize("expr, message", [
    ("active = 1", "active is boolean, compared with the number 1, which has no operator on PostgreSQL: write TRUE"),
    ("note <> 5", "note is text, compared with the number 5, which has no operator on PostgreSQL: write '5' (text)"),
    ("note IN ('a', -2)", "note is text, compared with the number 2"),
])
def test_a_number_compared_with_text_or_a_boolean_is_refused_as_postgresql_refuses_it(expr, message, pg):
    """validate said ok, and PostgreSQL refused the CREATE TABLE (parity exit 2)."""
    text = KINDS.replace("\"'high' > level OR active = 't'\"", f'"{expr}"').replace(
        "      active: {type: boolean", "      note: text\n      active: {type: boolean")
    with pytest.raises(ManifestInvalid) as exc:
        load_text(text, "k.yaml")
    assert any(message in str(d) for d in exc.value.diagnostics), [str(d) for d in exc.value.diagnostics]
    with pytest.raises(psycopg.errors.UndefinedFunction):   # and PostgreSQL does refuse it
        pg.execute(f"CREATE TABLE x (note text, active boolean, CHECK ({expr}))")


ENUM3 = ("low", "medium", "high")


@pytest.mark.parametrize("text, kinds", [
    ("length(name) > 0", (("name", "text"),)), ("state <> 'closed'", (("state", ("open", "closed")),)),
    ("qty_note > 0", (("note", "text"),)), ("name = 'x' OR name IS NULL", (("name", "text"),)),
    ("level IN ('low', 'high')", (("level", ENUM3),)), ("at IS NOT NULL", (("at", "timestamptz"),)),
    ("lower(note) <> 'a1'", (("note", "text"),)), ("active AND id > 2", (("active", "boolean"),)),
    ("state >= 'closed'", (("state", ("open", "closed")),)), ("note <> 5", (("note", "text"),)),
    ("at > '2020-01-01T00:00:00Z'", (("at", "timestamptz"),)), ("level = 'urgent'", (("level", ENUM3),)),
])
def test_a_text_may_change_says_false_only_where_stored_finds_nothing(text, kinds):
    """may_change spares the parse (and sqlglot's import: a 1,000-table generate imported it for length(name) > 0)."""
    tree = sqlglot.parse_one(text)
    try:
        _, changed = typedconst.stored(tree, dict(kinds), "integer_ms")
        found = changed
    except ValueError:
        found = True
    assert not found or typedconst.may_change(text, kinds)


def test_import_from_sqlite_compares_a_boolean_with_true_and_false_on_postgresql(tmp_path, pg):
    """flag BOOLEAN CHECK (flag IN (0, 1)) was imported with the PostgreSQL form flag IN (0, 1), which
    PostgreSQL refused to create (no boolean = integer)."""
    db = sqlite3.connect(tmp_path / "b.db")
    db.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, flag BOOLEAN NOT NULL CHECK (flag IN (0, 1)), "
                     "done BOOLEAN CHECK (done = 0 OR id > 1), odd BOOLEAN CHECK (odd IN (0, 1, 2)));\n"
                     "CREATE INDEX t_open ON t (id) WHERE done = 0;")
    doc, summary = importer.from_database(db, "sqlite", "b")
    checks = [c["expr"] for c in doc["tables"]["t"]["checks"]]
    assert checks[0]["postgres"] == "flag IN (FALSE, TRUE)" and checks[1]["postgres"] == "done = FALSE OR id > 1"
    assert set(checks[2]) == {"sqlite"}   # 2 is no boolean: kept on SQLite, listed
    assert any("kept for sqlite only" in x and "odd IN (0, 1, 2)" in x for x in summary.lines())
    assert doc["tables"]["t"]["indexes"][0]["where"]["postgres"] == "done = FALSE"
    m = load_text(importer.dump(doc, summary, "b.db"), "b.yaml")
    pg.execute(render.ddl(m, "postgres"))
    assert findings(m, pg, "postgres") == []
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    assert findings(m, lite, "sqlite") == []
