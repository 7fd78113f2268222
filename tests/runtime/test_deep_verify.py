"""Deep verify beyond columns, keys and indexes (docs/runtime-protocol.md, section 5): CHECKs (the SQLite enum
CHECK included), defaults, PostgreSQL enum values, identity and views.  Each tamper changes a real migrated
database (a SQLite file, the throwaway PostgreSQL); the Python, TypeScript and Rust runtimes must all fail
with the same lines, and the untampered database passes in all three.  Every golden case and repo manifest,
migrated as it is, passes Python's deep verify on both engines (no false difference)."""

from __future__ import annotations

import copy
import os
import sqlite3
from pathlib import Path

import psycopg
import pytest

from schemactl import runtime as py
from schemactl.render.runtimes import pg_expected_check
from tests.conftest import CASES, ROOT
from tests.migrations.chain_support import BASE, SEED_ROWS, Chain
from tests.runtime.rust import support as rust_support
from tests.runtime.typescript import support as typescript_support

DEEP = BASE.replace("      name: {type: text, nullable: false}\n",
                    "      name: {type: text, nullable: false}\n    search: {columns: [name]}\n").replace(
    "  extra:\n    columns:\n      id: {type: integer, primary_key: true}\n",
                    "  extra:\n    sqlite: {strict: true}\n    columns:\n"
                    "      id: {type: integer, primary_key: true, identity: true}\n").replace(
    '      - {name: items_qty_check, expr: "qty >= 0"}\n',
    '      - {name: items_qty_check, expr: "qty >= 0"}\n      - {name: items_title_check, expr: "length(title) > 0"}\n'
).replace("      note: text\n", "      note: text\n      code: {type: text, default: {sql: {postgres: \"upper('x')\", sqlite: \"upper('x')\"}}}\n") + """\
views:
  item_titles:
    sql: "SELECT id, title FROM items"
triggers:
  items_touch:
    table: items
    timing: after
    on: update
    do: ["UPDATE owners SET name = name WHERE id = NEW.owner_id"]
"""

# The runtimes the matrix runs beside Python (SCHEMACTL_DEEP_RUNTIMES=typescript leaves the slow Rust build out).
RUNTIMES = [r for r in os.environ.get("SCHEMACTL_DEEP_RUNTIMES", "typescript,rust").split(",") if r]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The DEEP chain, its bundle, and the TypeScript and Rust drivers built against it (once)."""
    root = tmp_path_factory.mktemp("deep_verify")
    chain = Chain(root / "chain")
    m, _ = chain.release(DEEP, "init")
    bundle = chain.bundle(m)
    builders = {"typescript": typescript_support.build_driver, "rust": rust_support.build_driver}
    return bundle, {name: builders[name](chain.out, root / name) for name in RUNTIMES}


def sqlite_rebuild(conn: sqlite3.Connection, table: str, edit) -> None:
    """Rebuild ``table`` from its stored CREATE TABLE changed by ``edit`` (text -> text), rows and triggers
    kept (its indexes are not)."""
    sql = conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    triggers = [t for t, in conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?",
                                         (table,))]
    changed = edit(sql)
    assert changed != sql, "the tamper changed nothing"
    conn.executescript(f"""
        PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON;
        BEGIN;
        ALTER TABLE "{table}" RENAME TO "{table}__old";
        {changed};
        INSERT INTO "{table}" SELECT * FROM "{table}__old";
        DROP TABLE "{table}__old";
        {"".join(t + ";" for t in triggers)}
        COMMIT;
        PRAGMA legacy_alter_table = OFF;
    """)


def _drop(text: str):
    return lambda sql: sql.replace(text, "")


TAMPERS = {   # name -> (SQLite change, PostgreSQL change, {engine: the line deep verify must print})
    "check dropped": (
        lambda c: sqlite_rebuild(c, "items", _drop(",\n    CONSTRAINT items_qty_check CHECK (qty >= 0)")),
        "ALTER TABLE items DROP CONSTRAINT items_qty_check",
        {"sqlite": 'check "items_qty_check" on "items" (qty >= 0) is missing',
         "postgres": 'check "items_qty_check" on "items" ((qty >= 0)) is missing'}),
    "check changed": (     # the same name: PostgreSQL's text of this CHECK is in the bundle
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace("(qty >= 0)", "(qty >= -1)")),
        "ALTER TABLE items DROP CONSTRAINT items_qty_check, ADD CONSTRAINT items_qty_check CHECK (qty >= -1)",
        {"sqlite": 'check "items_qty_check" on "items" (qty >= -1) is not expected',
         "postgres": "check \"items_qty_check\" on \"items\" ((qty >= '-1'::integer)) is not expected"}),
    "check compared by name dropped": (   # PostgreSQL: a CHECK whose text the bundle cannot foretell
        lambda c: sqlite_rebuild(c, "items", _drop(",\n    CONSTRAINT items_title_check CHECK (LENGTH(title) > 0)")),
        "ALTER TABLE items DROP CONSTRAINT items_title_check",
        {"sqlite": 'check "items_title_check" on "items" (LENGTH(title) > 0) is missing',
         "postgres": 'check "items_title_check" on "items" ((length((title)::text) > 0)) is missing'}),
    "check added": (
        lambda c: sqlite_rebuild(c, "owners", lambda s: s[:s.rindex(")")] + ", CHECK (length(name) > 0))"),
        "ALTER TABLE owners ADD CONSTRAINT owners_name_check CHECK (length(name) > 0)",
        {"sqlite": 'check on "owners" (length(name) > 0) is not expected',
         "postgres": 'check "owners_name_check" on "owners" ((length(name) > 0)) is not expected'}),
    "check added, oddly written": (   # quotes, comments and spacing: every runtime cuts the same text
        lambda c: sqlite_rebuild(c, "owners", lambda s: s[:s.rindex(")")]
                                 + ',\n CONSTRAINT "we""ird ñ" CHECK ( length( name )  /* ) */ > 0 -- )\n ))'),
        'ALTER TABLE owners ADD CONSTRAINT "we""ird ñ" CHECK (length(name) > 0)',
        {"sqlite": 'check "we"ird ñ" on "owners" (length( name ) > 0) is not expected',
         "postgres": 'check "we"ird ñ" on "owners" ((length(name) > 0)) is not expected'}),
    "enum value removed": (    # SQLite: the enum CHECK no longer enforces the values
        lambda c: sqlite_rebuild(c, "items", _drop(",\n    CONSTRAINT items_status_enum_check CHECK "
                                                   "(status IN ('new', 'done'))")),
        "ALTER TYPE status RENAME TO status_old; CREATE TYPE status AS ENUM ('new'); "
        "ALTER TABLE items ALTER COLUMN status DROP DEFAULT, "
        "ALTER COLUMN status TYPE status USING status::text::status, ALTER COLUMN status SET DEFAULT 'new'; "
        "DROP TYPE status_old",
        {"sqlite": "check \"items_status_enum_check\" on \"items\" (status IN ('new', 'done')) is missing",
         "postgres": 'enum "status": expected values (new, done), found (new)'}),
    "enum value added": (
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace("('new', 'done')", "('new', 'done', 'lost')")),
        "ALTER TYPE status ADD VALUE 'lost'",
        {"sqlite": "check \"items_status_enum_check\" on \"items\" (status IN ('new', 'done', 'lost')) is not expected",
         "postgres": 'enum "status": expected values (new, done), found (new, done, lost)'}),
    "default changed": (
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace("qty INTEGER DEFAULT 0", "qty INTEGER DEFAULT 5")),
        "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 5",
        {"sqlite": 'column "items.qty": expected default 0, found default 5',
         "postgres": 'column "items.qty": expected default 0, found default 5'}),
    "default true where 0 is expected": (   # SQLite's TRUE is 1: another value
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace("qty INTEGER DEFAULT 0", "qty INTEGER DEFAULT TRUE")),
        "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 1",
        {"sqlite": 'column "items.qty": expected default 0, found default TRUE',
         "postgres": 'column "items.qty": expected default 0, found default 1'}),
    "unnamed check of other text": (   # an unnamed CHECK stands for the expected one only with its text
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace("CONSTRAINT items_qty_check CHECK (qty >= 0)",
                                                                 "CHECK (qty >= 1)")),
        "ALTER TABLE items DROP CONSTRAINT items_qty_check, ADD CONSTRAINT items_qty_check1 CHECK (qty >= 1)",
        {"sqlite": 'check on "items" (qty >= 1) is not expected',
         "postgres": 'check "items_qty_check" on "items" ((qty >= 0)) is missing'}),
    "a quoted identifier holding the whole expression": (   # a string to SQLite, not the CHECK's three tokens
        lambda c: (c.execute("DELETE FROM items"),
                   sqlite_rebuild(c, "items", lambda s: s.replace("CONSTRAINT items_qty_check CHECK (qty >= 0)",
                                                                  'CHECK ("qty >= 0")'))),
        "ALTER TABLE items DROP CONSTRAINT items_qty_check, ADD CONSTRAINT items_qty_check1 CHECK (qty >= 1)",
        {"sqlite": 'check on "items" ("qty >= 0") is not expected',
         "postgres": 'check "items_qty_check" on "items" ((qty >= 0)) is missing'}),
    "default FALſE (not ASCII) where 0 is expected": (   # a word SQLite stores as text, whatever upper() makes of it
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace("qty INTEGER DEFAULT 0", "qty INTEGER DEFAULT FALſE")),
        "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 7",
        {"sqlite": 'column "items.qty": expected default 0, found default FALſE',
         "postgres": 'column "items.qty": expected default 0, found default 7'}),
    "default dropped": (
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace(" DEFAULT 'new'", "")),
        "ALTER TABLE items ALTER COLUMN status DROP DEFAULT",
        {"sqlite": "column \"items.status\": expected default 'new', found no default",
         "postgres": "column \"items.status\": expected default 'new', found no default"}),
    "default added": (
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace("note TEXT", "note TEXT DEFAULT 'x'")),
        "ALTER TABLE items ALTER COLUMN note SET DEFAULT 'x'",
        {"sqlite": "column \"items.note\": expected no default, found default 'x'",
         "postgres": "column \"items.note\": expected no default, found default 'x'"}),
    "identity dropped": (
        lambda c: sqlite_rebuild(c, "extra", _drop(" AUTOINCREMENT")),
        "ALTER TABLE extra ALTER COLUMN id DROP IDENTITY",
        {"sqlite": 'column "extra.id": expected identity, found no identity',
         "postgres": 'column "extra.id": expected identity, found no identity'}),
    "check changed, spelled by the server": (   # the same name, a CHECK whose text the bundle cannot foretell
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace("LENGTH(title) > 0", "LENGTH(title) > 2")),
        "ALTER TABLE items DROP CONSTRAINT items_title_check, "
        "ADD CONSTRAINT items_title_check CHECK (length(title) > 2)",
        {"sqlite": 'check "items_title_check" on "items" (LENGTH(title) > 2) is not expected',
         "postgres": 'check "items_title_check" on "items" ((length((title)::text) > 2)) is not expected'}),
    "check not validated": (
        None,
        "ALTER TABLE items DROP CONSTRAINT items_qty_check; UPDATE items SET qty = -1 WHERE id = 1; "
        "ALTER TABLE items ADD CONSTRAINT items_qty_check CHECK (qty >= 0) NOT VALID",
        {"postgres": 'check "items_qty_check" on "items" is not validated'}),
    "foreign key not validated": (
        None,
        "ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey, ADD CONSTRAINT items_owner_id_fkey "
        "FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE NOT VALID",
        {"postgres": 'foreign key "items_owner_id_fkey" on "items" is not validated'}),
    "expression default changed": (
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace("UPPER('x')", "UPPER('y')")),
        "ALTER TABLE items ALTER COLUMN code SET DEFAULT upper('y')",
        {"sqlite": "column \"items.code\": expected default UPPER('x'), found default UPPER('y')",
         "postgres": "column \"items.code\": expected default upper('x'::text), found default upper('y'::text)"}),
    "expression default dropped": (
        lambda c: sqlite_rebuild(c, "items", lambda s: s.replace(" DEFAULT (UPPER('x'))", "")),
        "ALTER TABLE items ALTER COLUMN code DROP DEFAULT",
        {"sqlite": "column \"items.code\": expected default UPPER('x'), found no default",
         "postgres": "column \"items.code\": expected default upper('x'::text), found no default"}),
    "identity always": (
        None,
        "ALTER TABLE extra ALTER COLUMN id SET GENERATED ALWAYS",
        {"postgres": 'column "extra.id": expected identity by default, found identity always'}),
    "view changed": (
        "DROP VIEW item_titles; CREATE VIEW item_titles AS SELECT id, title FROM items WHERE qty > 0",
        "CREATE OR REPLACE VIEW item_titles AS SELECT id, title FROM items WHERE qty > 0",
        {"sqlite": 'view "item_titles": definition differs from the bundle\'s',
         "postgres": 'view "item_titles": definition differs from the bundle\'s'}),
    "trigger dropped": (
        "DROP TRIGGER items_touch", "DROP TRIGGER items_touch ON items",
        {"sqlite": 'trigger "items_touch" on "items" is missing',
         "postgres": 'trigger "items_touch" on "items" is missing'}),
    "trigger added": (
        "CREATE TRIGGER stray AFTER INSERT ON owners BEGIN SELECT 1; END",
        "CREATE FUNCTION stray_fn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; "
        "CREATE TRIGGER stray BEFORE INSERT ON owners FOR EACH ROW EXECUTE FUNCTION stray_fn()",
        {"sqlite": 'trigger "stray" on "owners" is not expected',
         "postgres": 'trigger "stray" on "owners" is not expected'}),
    # the search's FTS5 table dropped: its sync triggers stay, and every insert into owners then fails
    "virtual table dropped": ("DROP TABLE owners_search", None,
                              {"sqlite": 'virtual table "owners_search" is missing'}),
    "virtual table added": ("CREATE VIRTUAL TABLE stray_fts USING fts5(x)", None,
                            {"sqlite": 'virtual table "stray_fts" is not expected'}),
    # a STRICT table recreated without STRICT takes any value in any column again (the types read back alike),
    # and one recreated STRICT refuses values the manifest's ordinary table takes
    "strict lost": (lambda c: sqlite_rebuild(c, "extra", lambda s: s[:s.rindex(")") + 1]), None,
                    {"sqlite": 'table "extra": expected table options (STRICT), found ()'}),
    "strict gained": (lambda c: sqlite_rebuild(c, "owners", lambda s: s + " STRICT"), None,
                      {"sqlite": 'table "owners": expected table options (), found (STRICT)'}),
    "without rowid gained": (lambda c: sqlite_rebuild(c, "owners", lambda s: s + " WITHOUT ROWID"), None,
                             {"sqlite": 'table "owners": expected table options (), found (WITHOUT ROWID)'}),
    "view added": ("CREATE VIEW stray AS SELECT 1 AS x", "CREATE VIEW stray AS SELECT 1 AS x",
                   {"sqlite": 'view "stray" is not expected', "postgres": 'view "stray" is not expected'}),
    "view dropped": ("DROP VIEW item_titles", "DROP VIEW item_titles",
                     {"sqlite": 'view "item_titles" is missing', "postgres": 'view "item_titles" is missing'}),
}


def _python(engine: str, target: str, bundle: dict) -> dict:
    conn = sqlite3.connect(target) if engine == "sqlite" else psycopg.connect(target)
    try:
        py.verify(conn, bundle, deep=True)
        return {"ok": True}
    except py.SchemaMismatch as exc:
        return {"ok": False, "error": "SchemaMismatch", "message": str(exc), "differences": exc.differences}
    finally:
        conn.close()


def _all_three(built, engine: str, target: str) -> dict:
    bundle, drivers = built
    out = {"python": _python(engine, target, bundle)}
    for name, driver in drivers.items():
        out[name] = driver.run("verify-deep", engine, target)
    return out


def _passed(built) -> dict:
    return {name: {"ok": True} for name in ["python", *built[1]]}


@pytest.fixture(params=["sqlite", "postgres"])
def migrated(request, built, tmp_path):
    """(engine, target, run) for a database migrated by the Python runtime and seeded; untampered, all three
    runtimes pass it."""
    bundle, _ = built
    if request.param == "sqlite":
        target = str(tmp_path / "app.db")
        conn = sqlite3.connect(target, isolation_level=None)
        py.migrate(conn, bundle)
        conn.executescript(";\n".join(SEED_ROWS))
        def run(change):
            change(conn) if callable(change) else conn.executescript(change)
    else:
        conn = request.getfixturevalue("pg")
        target = request.getfixturevalue("pg_test_db")
        py.migrate(conn, bundle)
        conn.execute(";\n".join(SEED_ROWS))
        def run(change):
            conn.execute(change)
    try:
        assert _all_three(built, request.param, target) == _passed(built)
        yield request.param, target, run
    finally:
        if request.param == "sqlite":
            conn.close()


@pytest.mark.parametrize("migrated, tamper", [(e, t) for t in sorted(TAMPERS) for e in ("sqlite", "postgres")
                                               if e in TAMPERS[t][2]],   # a tamper of what the engine has
                         indirect=["migrated"])
def test_every_runtime_reports_the_tamper_with_the_same_line(built, migrated, tamper):
    engine, target, run = migrated
    lite, post, lines = TAMPERS[tamper]
    run(lite if engine == "sqlite" else post)
    out = _all_three(built, engine, target)
    assert out["python"]["ok"] is False, out
    assert lines[engine] in out["python"]["differences"], out["python"]["differences"]
    for name in built[1]:
        assert out[name] == out["python"], (name, out[name], out["python"])


# A team's own SQLite DDL spells the same schema otherwise: CHECKs without a name, in other spacing and case,
# a boolean default as TRUE.  `diff` finds no difference and `migrate baseline` adopts such a database; deep
# verify reported every CHECK missing and unexpected and the default as another, so the service would not start.
ADOPTED_SPELLING = [
    ("CONSTRAINT items_qty_check CHECK (qty >= 0)", "CHECK(qty>=0)"),
    ("CONSTRAINT items_status_enum_check CHECK (status IN ('new', 'done'))", "check (STATUS in ('new','done'))"),
    ("CONSTRAINT items_title_check CHECK (LENGTH(title) > 0)", 'CHECK ( length("title") > 0 )'),
    ("qty INTEGER DEFAULT 0", "qty INTEGER DEFAULT false"),
]


@pytest.mark.parametrize("migrated", ["sqlite"], indirect=True)
def test_every_runtime_passes_the_schema_as_a_team_s_own_sqlite_ddl_spells_it(built, migrated):
    engine, target, run = migrated

    def respell(sql: str) -> str:
        for ours, theirs in ADOPTED_SPELLING:
            assert ours in sql, ours
            sql = sql.replace(ours, theirs)
        return sql

    run(lambda c: sqlite_rebuild(c, "items", respell))
    run("CREATE INDEX items_title_idx ON items (title)")   # (the rebuild keeps no index)
    assert _all_three(built, engine, target) == _passed(built)


@pytest.mark.parametrize("migrated", ["postgres"], indirect=True)
def test_an_extension_s_views_and_enums_are_no_difference(built, migrated):
    """pg_stat_statements and the like put views (and maybe enum types) in the schema: not the service's."""
    engine, target, run = migrated
    run("CREATE EXTENSION pg_trgm; CREATE VIEW ext_view AS SELECT 1 AS x; ALTER EXTENSION pg_trgm ADD VIEW ext_view; "
        "CREATE TYPE ext_enum AS ENUM ('a'); ALTER EXTENSION pg_trgm ADD TYPE ext_enum")
    assert _all_three(built, engine, target) == _passed(built)
    run("ALTER EXTENSION pg_trgm DROP VIEW ext_view; ALTER EXTENSION pg_trgm DROP TYPE ext_enum")
    out = _all_three(built, engine, target)
    assert out["python"]["differences"] == ['enum "ext_enum" is not expected', 'view "ext_view" is not expected']
    assert all(out[name] == out["python"] for name in built[1])


def test_bundle_carries_what_deep_verify_compares(built):
    bundle, _ = built
    pg, lite = bundle["engines"]["postgres"]["catalog"], bundle["engines"]["sqlite"]["catalog"]
    assert pg["enums"] == {"status": ["new", "done"]} and pg["views"] == lite["views"] == ["item_titles"]
    assert pg["tables"]["items"]["checks"] == [["items_qty_check", "(qty >= 0)"], ["items_title_check", ""]]
    assert pg["tables"]["items"]["defaults"] == {"qty": "0", "code": "(expression)", "status": "'new'"}
    # what the server spells at verify time: the SQL the PostgreSQL DDL writes
    assert pg["tables"]["items"]["check_sql"] == {"items_title_check": "LENGTH(title) > 0"}
    assert pg["tables"]["items"]["default_sql"] == {"code": "(UPPER('x'))"}
    assert pg["view_sql"] == {"item_titles": "SELECT id, title FROM items"}
    assert pg["tables"]["extra"]["identity_kind"] == {"id": "by default"}
    assert "identity_kind" not in pg["tables"]["items"] and "check_sql" not in pg["tables"]["owners"]
    assert lite["tables"]["items"]["checks"] == [["items_qty_check", "qty >= 0"],
                                                 ["items_status_enum_check", "status IN ('new', 'done')"],
                                                 ["items_title_check", "LENGTH(title) > 0"]]
    assert lite["tables"]["items"]["defaults"] == {"qty": "0", "code": "UPPER('x')", "status": "'new'"}
    assert pg["tables"]["extra"]["identity"] == lite["tables"]["extra"]["identity"] == ["id"]
    assert lite["view_sql"] == {"item_titles": "CREATE VIEW item_titles AS SELECT id, title FROM items"}
    assert pg["triggers"] == [["items", "items_touch"]]
    assert lite["triggers"] == [["items", "items_touch"], ["owners", "owners_search_ad"], ["owners", "owners_search_ai"],
                                ["owners", "owners_search_au"]]
    assert lite["virtual_tables"] == ["owners_search"] and "virtual_tables" not in pg
    assert lite["tables"]["extra"]["options"] == ["strict"] and lite["tables"]["owners"]["options"] == []
    assert all("options" not in t for t in pg["tables"].values())   # PostgreSQL has no table options


def _pg_verify(bundle: dict, conn) -> list[str]:
    try:
        py.verify(conn, bundle, deep=True)
        return []
    except py.SchemaMismatch as exc:
        return exc.differences


@pytest.mark.parametrize("migrated", ["postgres"], indirect=True)
def test_a_probe_that_cannot_run_falls_back_to_the_weaker_comparison(built, migrated):
    """An expected expression the live server cannot spell (it names something missing) is compared as
    before the probe existed: a CHECK by name, any default, a view by name; never an error."""
    engine, target, run = migrated
    bundle = copy.deepcopy(built[0])
    pg = bundle["engines"]["postgres"]["catalog"]
    pg["tables"]["items"]["check_sql"] = {"items_title_check": "no_such_function(title)"}
    pg["tables"]["items"]["default_sql"] = {"code": "no_such_function()"}
    pg["view_sql"] = {"item_titles": "SELECT id FROM no_such_table"}
    with psycopg.connect(target) as conn:
        assert _pg_verify(bundle, conn) == []
        run("ALTER TABLE items DROP CONSTRAINT items_title_check; ALTER TABLE items ALTER COLUMN code "
            "SET DEFAULT upper('y'); CREATE OR REPLACE VIEW item_titles AS SELECT id, title FROM items WHERE id > 0")
        assert _pg_verify(bundle, conn) == ['check "items_title_check" on "items" is missing']
        assert _pg_verify(built[0], conn) == [
            "column \"items.code\": expected default upper('x'::text), found default upper('y'::text)",
            'check "items_title_check" on "items" ((length((title)::text) > 0)) is missing',
            'view "item_titles": definition differs from the bundle\'s']


@pytest.mark.parametrize("migrated", ["postgres"], indirect=True)
def test_the_probe_leaves_the_session_as_it_found_it(built, migrated):
    """The probe's temporary table, view and search_path are rolled back: in the caller's open transaction
    (a savepoint; the caller's work kept), on a connection in autocommit (its own transaction), and after a
    difference was found."""
    engine, target, run = migrated
    bundle = built[0]
    gone = "SELECT to_regclass('pg_temp.schemactl_probe'), current_setting('search_path')"
    with psycopg.connect(target) as conn:
        conn.execute("CREATE SCHEMA svc; CREATE TABLE svc.work (x integer)")
        conn.commit()
        path = conn.execute("SELECT current_setting('search_path')").fetchone()[0]
        conn.execute("INSERT INTO svc.work VALUES (1)")
        assert _pg_verify(bundle, conn) == []
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        assert conn.execute(gone).fetchone() == (None, path)
        conn.commit()
        conn.autocommit = True
        run("ALTER TABLE items ALTER COLUMN code SET DEFAULT upper('y')")
        assert _pg_verify(bundle, conn) == [
            "column \"items.code\": expected default upper('x'::text), found default upper('y'::text)"]
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert conn.execute(gone).fetchone() == (None, path)
        assert conn.execute("SELECT x FROM svc.work").fetchall() == [(1,)]
    # the other runtimes, inside a transaction the caller has open (their drivers check it stays as it was)
    # and on a connection with none (autocommit)
    for name, driver in built[1].items():
        for command in ("verify-deep-in-transaction", "verify-deep"):
            out = driver.run(command, engine, target)
            assert out["differences"] == [
                "column \"items.code\": expected default upper('x'::text), found default upper('y'::text)"], (name, out)


@pytest.mark.parametrize("sql,checks,identity", [
    ('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, "a ""b" INT CONSTRAINT [c 1] CHECK ( "a ""b"  >\n0 ) '
     "DEFAULT (1), s TEXT CHECK (s <> ')' /* ) */ AND s <> '--'), CONSTRAINT `k``2` CHECK (f(a, (b)) = 1), "
     "CHECK(x))",
     [["", "s <> ')' AND s <> '--'"], ["", "x"], ["c 1", '"a ""b" > 0'], ["k`2", "f(a, (b)) = 1"]], ["id"]),
    ("CREATE TABLE t (x)", [], []),
    ("CREATE TABLE t (autoincrement INTEGER, [check] INT, CONSTRAINT pk PRIMARY KEY (x AUTOINCREMENT))", [], []),
    ("CREATE TABLE \"t(\" (ñame TEXT CHECK (ñame = 'é'), -- CHECK (no)\n y AUTOINCREMENT)",
     [["", "ñame = 'é'"]], ["y"]),
])
def test_sqlite_check_reader(sql, checks, identity):
    """The reader every runtime shares cuts CHECKs out of a CREATE TABLE by tokens: quotes, comments,
    nested parentheses and names in any quoting."""
    found, ident = py.sqlite_table_facts(sql)
    assert sorted(found) == checks and ident == identity


@pytest.mark.parametrize("expr,expected", [
    ("qty >= 0", "(qty >= 0)"), ("qty!=7", "(qty <> 7)"), ('"Odd Col" < 3', '("Odd Col" < 3)'),
    ("code <> ''", "(code <> ''::text)"), ("code = 'it''s'", "(code = 'it''s'::text)"),
    ("qty >= -1", ""), ("qty > 3000000000", ""), ("label <> ''", ""), ("qty > 0 AND qty < 9", ""),
    ("user > 1", ""), ("length(code) > 0", ""),
    ("code IN ('a', 'it''s')", "(code = ANY (ARRAY['a'::text, 'it''s'::text]))"),
    ("code in('x')", "(code = ANY (ARRAY['x'::text]))"),
    ("label IN ('a')", ""), ("code IN ('a', 1)", ""), ("code NOT IN ('a')", ""),
])
def test_postgres_check_text_is_foretold_only_where_certain(expr, expected):
    """The bundle carries PostgreSQL's own text of a CHECK only for forms whose text is certain (an integer
    column against a whole number, a text column against a string); the rest compare by name."""
    types = {"qty": "integer", '"Odd Col"'[1:-1]: "bigint", "code": "text", "label": "character varying(9)",
             "user": "integer"}
    assert pg_expected_check(expr, types) == expected


MANIFESTS = sorted(CASES.glob("*/manifest.yaml")) + sorted((ROOT / "manifests").glob("*.yaml"))


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    """Each golden case's and repo manifest's chain, its bundle and its TypeScript driver (one tsc run)."""
    root = tmp_path_factory.mktemp("golden")
    chains = {}
    for i, path in enumerate(MANIFESTS):
        chain = Chain(root / f"chain{i}")
        m, _ = chain.release(path.read_text(), "init")
        chains[path] = (chain, chain.bundle(m))
    drivers = {}
    if "typescript" in RUNTIMES:
        made = typescript_support.build_drivers([(c.out, root / f"ts{i}") for i, (c, _) in enumerate(chains.values())])
        drivers = dict(zip(chains, made))
    return chains, drivers


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.parent.name if p.name == "manifest.yaml" else p.stem)
def test_every_golden_case_passes_deep_verify_as_migrated(path, golden, tmp_path, pg, pg_test_db):
    """No false difference: the expected defaults, CHECKs (spelled by the server where the bundle cannot),
    identity, enums, views and triggers of each golden case and repo manifest are what both engines give
    back after the chain is applied, for Python and TypeScript."""
    (chain, bundle), driver = golden[0][path], golden[1].get(path)
    target = str(tmp_path / "app.db")
    conn = sqlite3.connect(target)
    try:
        py.migrate(conn, bundle)
        py.verify(conn, bundle, deep=True)
    finally:
        conn.close()
    py.migrate(pg, bundle)
    py.verify(pg, bundle, deep=True)
    if driver is not None:
        assert driver.run("verify-deep", "sqlite", target) == {"ok": True}
        assert driver.run("verify-deep", "postgres", pg_test_db) == {"ok": True}


GENERATED = sorted(p.parent for p in (ROOT / "generated").glob("*/bundle.json"))


@pytest.mark.skipif("rust" not in RUNTIMES, reason="SCHEMACTL_DEEP_RUNTIMES leaves Rust out")
@pytest.mark.parametrize("out", GENERATED, ids=lambda p: p.name)
def test_every_committed_crate_passes_deep_verify_as_migrated(out, tmp_path, pg, pg_test_db):
    """The Rust crates committed under generated/ pass their own deep verify on both engines, migrated by
    Python from the committed bundle (no false difference from the probe or the new facts)."""
    import json
    bundle = json.loads((out / "bundle.json").read_text("utf-8"))
    driver = rust_support.build_driver(out, tmp_path / "rust")
    target = str(tmp_path / "app.db")
    conn = sqlite3.connect(target)
    try:
        py.migrate(conn, bundle)
    finally:
        conn.close()
    py.migrate(pg, bundle)
    assert driver.run("verify-deep", "sqlite", target) == {"ok": True}
    assert driver.run("verify-deep", "postgres", pg_test_db) == {"ok": True}


def test_the_probe_spells_under_the_migrations_search_path(tmp_path, pg, pg_test_db):
    """A named schema: the expressions resolve (and read back) as the migrations' SET LOCAL search_path had
    them, so an untampered database passes with every probe run, and a changed one is found, by every
    runtime alike."""
    chain = Chain(tmp_path / "chain")
    m, _ = chain.release(DEEP.replace("version: 1\n", "version: 1\npostgres: {schema: \"Sales Data\"}\n", 1), "init")
    bundle = chain.bundle(m)
    builders = {"typescript": typescript_support.build_driver, "rust": rust_support.build_driver}
    drivers = {name: builders[name](chain.out, tmp_path / name) for name in RUNTIMES}
    py.migrate(pg, bundle)
    assert _pg_verify(bundle, pg) == []
    for name, driver in drivers.items():
        assert driver.run("verify-deep", "postgres", pg_test_db) == {"ok": True}, name
    pg.execute('SET search_path TO "Sales Data", public')
    pg.execute("ALTER TABLE items DROP CONSTRAINT items_title_check, "
               "ADD CONSTRAINT items_title_check CHECK (length(title) > 2); "
               "CREATE OR REPLACE VIEW item_titles AS SELECT id, title FROM items WHERE qty > 0; "
               "ALTER TABLE items ALTER COLUMN code SET DEFAULT upper('y')")
    pg.execute("RESET search_path")
    pg.commit()
    assert _pg_verify(bundle, pg) == [
        "column \"items.code\": expected default upper('x'::text), found default upper('y'::text)",
        'check "items_title_check" on "items" ((length((title)::text) > 0)) is missing',
        'check "items_title_check" on "items" ((length((title)::text) > 2)) is not expected',
        'view "item_titles": definition differs from the bundle\'s']
    for name, driver in drivers.items():
        assert driver.run("verify-deep", "postgres", pg_test_db)["differences"] == _pg_verify(bundle, pg), name


class _Opaque:
    """A DB-API connection that does not tell its transaction state (as some drivers do not)."""

    def __init__(self, conn):
        self._conn = conn

    @property
    def autocommit(self):
        return self._conn.autocommit

    def cursor(self):
        return self._conn.cursor()

    def rollback(self):
        self._conn.rollback()


@pytest.mark.parametrize("migrated", ["postgres"], indirect=True)
@pytest.mark.parametrize("autocommit", [False, True])
def test_the_probe_asks_a_driver_that_does_not_tell_its_transaction_state(built, migrated, autocommit):
    """Where the driver does not say whether a transaction is open, the probe tries its savepoint and falls
    back to a transaction of its own; either way it spells the expressions and leaves nothing behind."""
    engine, target, run = migrated
    run("ALTER TABLE items ALTER COLUMN code SET DEFAULT upper('y')")
    with psycopg.connect(target, autocommit=autocommit) as conn:
        with pytest.raises(py.SchemaMismatch) as found:
            py.verify(_Opaque(conn), built[0], deep=True)
        assert found.value.differences == [
            "column \"items.code\": expected default upper('x'::text), found default upper('y'::text)"]
        assert conn.execute("SELECT to_regclass('pg_temp.schemactl_probe')").fetchone() == (None,)


@pytest.mark.parametrize("live, expected", [('"owner_id > 0"', "owner_id > 0"), ("code <> \"'NONE'\"", "code <> 'NONE'")])
def test_a_quoted_identifier_is_never_the_tokens_it_holds(live, expected):
    """A double-quoted text that names no column is a string to SQLite: it must not stand for the expected CHECK
    whose tokens it spells (deep verify passed CHECK ("owner_id > 0"), which refuses every row)."""
    assert py.check_key(live) != py.check_key(expected)
    assert py.check_key('"Owner_Id" > 0') == py.check_key("owner_id > 0")   # one word quoted: that word
    assert py.claim_unnamed_checks([["t_check", expected]], [["", live]]) == [["", live]]


def test_a_strict_table_that_lost_strict_is_drift_for_deep_verify_and_diff(tmp_path):
    """ait42's tables are STRICT (`sqlite: {strict: true}`).  Recreated without STRICT, a table reads back with
    the same column types (STRICT spells every type as INTEGER, TEXT, ...), so deep verify passed it while the
    table took any value in any column again.  Python's deep verify (from the committed bundle) and the CLI's
    `diff` both report it; the database as the chain left it passes both."""
    import json
    from tests.conftest import cli
    bundle = json.loads((ROOT / "generated" / "ait42" / "bundle.json").read_text("utf-8"))
    target = tmp_path / "app.db"
    conn = sqlite3.connect(str(target), isolation_level=None)
    try:
        py.migrate(conn, bundle)
        py.verify(conn, bundle, deep=True)
        clean = cli("diff", "manifests/ait42.yaml", "--db", f"sqlite:///{target}")
        assert clean.exit_code == 0, clean.output
        indexes = [sql for sql, in conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'index' "
                                                "AND tbl_name = 'workspaces' AND sql IS NOT NULL")]
        sqlite_rebuild(conn, "workspaces", lambda s: s[:s.rindex(")") + 1])
        for sql in indexes:   # (the rebuild keeps no index)
            conn.execute(sql)
        with pytest.raises(py.SchemaMismatch) as found:
            py.verify(conn, bundle, deep=True)
        assert found.value.differences == ['table "workspaces": expected table options (STRICT), found ()']
    finally:
        conn.close()
    drift = cli("diff", "manifests/ait42.yaml", "--db", f"sqlite:///{target}")
    assert drift.exit_code == 1 and 'SC103 [sqlite] table options of "workspaces" differ' in drift.output, drift.output
