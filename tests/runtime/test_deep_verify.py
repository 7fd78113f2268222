"""Deep verify beyond columns, keys and indexes (docs/runtime-protocol.md, section 5): CHECKs (the SQLite enum
CHECK included), defaults, PostgreSQL enum values, identity and views.  Each tamper changes a real migrated
database (a SQLite file, the throwaway PostgreSQL); the Python, TypeScript and Rust runtimes must all fail
with the same lines, and the untampered database passes in all three.  Every golden case and repo manifest,
migrated as it is, passes Python's deep verify on both engines (no false difference)."""

from __future__ import annotations

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

DEEP = BASE.replace("  extra:\n    columns:\n      id: {type: integer, primary_key: true}\n",
                    "  extra:\n    columns:\n      id: {type: integer, primary_key: true, identity: true}\n").replace(
    '      - {name: items_qty_check, expr: "qty >= 0"}\n',
    '      - {name: items_qty_check, expr: "qty >= 0"}\n      - {name: items_title_check, expr: "length(title) > 0"}\n'
) + """\
views:
  item_titles:
    sql: "SELECT id, title FROM items"
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The DEEP chain, its bundle, and the TypeScript and Rust drivers built against it (once)."""
    root = tmp_path_factory.mktemp("deep_verify")
    chain = Chain(root / "chain")
    m, _ = chain.release(DEEP, "init")
    bundle = chain.bundle(m)
    ts = typescript_support.build_driver(chain.out, root / "ts")
    rust = rust_support.build_driver(chain.out, root / "rust")
    return bundle, {"typescript": ts, "rust": rust}


def sqlite_rebuild(conn: sqlite3.Connection, table: str, edit) -> None:
    """Rebuild ``table`` from its stored CREATE TABLE changed by ``edit`` (text -> text), rows kept."""
    sql = conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    changed = edit(sql)
    assert changed != sql, "the tamper changed nothing"
    conn.executescript(f"""
        PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON;
        BEGIN;
        ALTER TABLE "{table}" RENAME TO "{table}__old";
        {changed};
        INSERT INTO "{table}" SELECT * FROM "{table}__old";
        DROP TABLE "{table}__old";
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
         "postgres": 'check "items_title_check" on "items" is missing'}),
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
        assert _all_three(built, request.param, target) == {"python": {"ok": True}, "typescript": {"ok": True},
                                                           "rust": {"ok": True}}
        yield request.param, target, run
    finally:
        if request.param == "sqlite":
            conn.close()


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_every_runtime_reports_the_tamper_with_the_same_line(built, migrated, tamper):
    engine, target, run = migrated
    lite, post, lines = TAMPERS[tamper]
    run(lite if engine == "sqlite" else post)
    out = _all_three(built, engine, target)
    assert out["python"]["ok"] is False, out
    assert lines[engine] in out["python"]["differences"], out["python"]["differences"]
    assert out["typescript"] == out["python"], (out["typescript"], out["python"])
    assert out["rust"] == out["python"], (out["rust"], out["python"])


@pytest.mark.parametrize("migrated", ["postgres"], indirect=True)
def test_an_extension_s_views_and_enums_are_no_difference(built, migrated):
    """pg_stat_statements and the like put views (and maybe enum types) in the schema: not the service's."""
    engine, target, run = migrated
    run("CREATE EXTENSION pg_trgm; CREATE VIEW ext_view AS SELECT 1 AS x; ALTER EXTENSION pg_trgm ADD VIEW ext_view; "
        "CREATE TYPE ext_enum AS ENUM ('a'); ALTER EXTENSION pg_trgm ADD TYPE ext_enum")
    assert _all_three(built, engine, target) == {"python": {"ok": True}, "typescript": {"ok": True},
                                                 "rust": {"ok": True}}
    run("ALTER EXTENSION pg_trgm DROP VIEW ext_view; ALTER EXTENSION pg_trgm DROP TYPE ext_enum")
    out = _all_three(built, engine, target)
    assert out["python"]["differences"] == ['enum "ext_enum" is not expected', 'view "ext_view" is not expected']
    assert out["typescript"] == out["rust"] == out["python"]


def test_bundle_carries_what_deep_verify_compares(built):
    bundle, _ = built
    pg, lite = bundle["engines"]["postgres"]["catalog"], bundle["engines"]["sqlite"]["catalog"]
    assert pg["enums"] == {"status": ["new", "done"]} and pg["views"] == lite["views"] == ["item_titles"]
    assert pg["tables"]["items"]["checks"] == [["items_qty_check", "(qty >= 0)"], ["items_title_check", ""]]
    assert pg["tables"]["items"]["defaults"] == {"qty": "0", "status": "'new'"}
    assert lite["tables"]["items"]["checks"] == [["items_qty_check", "qty >= 0"],
                                                 ["items_status_enum_check", "status IN ('new', 'done')"],
                                                 ["items_title_check", "LENGTH(title) > 0"]]
    assert lite["tables"]["items"]["defaults"] == {"qty": "0", "status": "'new'"}
    assert pg["tables"]["extra"]["identity"] == lite["tables"]["extra"]["identity"] == ["id"]


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


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.parent.name if p.name == "manifest.yaml" else p.stem)
def test_every_golden_case_passes_deep_verify_as_migrated(path, tmp_path, pg):
    """No false difference: the expected defaults, CHECKs, identity, enums and views of each golden case and
    repo manifest are what both engines give back after the chain is applied."""
    chain = Chain(tmp_path)
    m, _ = chain.release(path.read_text(), "init")
    bundle = chain.bundle(m)
    conn = sqlite3.connect(str(tmp_path / "app.db"))
    try:
        py.migrate(conn, bundle)
        py.verify(conn, bundle, deep=True)
    finally:
        conn.close()
    py.migrate(pg, bundle)
    py.verify(pg, bundle, deep=True)
