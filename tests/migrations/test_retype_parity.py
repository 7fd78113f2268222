"""A column's type changed by a migration on populated databases: the same chain, applied to the same rows, ends
the same on both engines -- the same values, or both refuse, naming the table and the column."""

from __future__ import annotations

import re
import sqlite3
import uuid
from decimal import Decimal

import pytest

from schemactl.diff import diff
from schemactl.errors import SchemactlError
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.runtime import MigrationError, migrate
from tests.migrations.chain_support import BASE, SEED_ROWS, Chain

ENGINES = ["sqlite", "postgres"]


def _connect(engine, tmp_path, request):
    return sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")


def _seed(conn):
    for stmt in SEED_ROWS:
        conn.execute(stmt)
    conn.commit()


def _plain(value):
    """A value as both engines' drivers can be compared: PostgreSQL's bool and UUID as SQLite holds them."""
    if isinstance(value, bool):
        return int(value)
    return str(value) if isinstance(value, uuid.UUID) else value


ITEMS_STATUS = "      status: {type: status, nullable: false, default: new}\n"
TOTAL = "      total: {type: bigint, generated: {expr: \"price * 2\", stored: true}}\n"
# a generated column last in its table: where a column added by a migration lands on both engines
GENERATED = BASE.replace("      note: text\n", "      note: text\n      price: integer\n").replace(
    ITEMS_STATUS, ITEMS_STATUS + TOTAL)


def test_a_type_change_under_a_generated_column_is_refused_with_the_way_to_do_it(tmp_path):
    """integer -> bigint of a column a generated column reads: PostgreSQL refused the migration ("cannot alter
    type of a column used by a generated column") while SQLite's rebuild applied it, so the chain never reached
    the new version on PostgreSQL.  `migrate new` now refuses it, naming the generated column, and writes nothing."""
    chain = Chain(tmp_path)
    chain.release(GENERATED, "init")
    retyped = GENERATED.replace("price: integer", "price: bigint")
    with pytest.raises(SchemactlError, match=r"column items\.price: integer -> bigint: the generated column "
                                             r"items\.total reads it.*drop items\.total in one version, then "
                                             r"change the type and add it again in the next"):
        chain.release(retyped, "retype")
    assert len(list((tmp_path / "generated" / "chain" / "migrations" / "sqlite").glob("*.sql"))) == 1
    # dropping the generated column in the same version does not help PostgreSQL either: refused alike
    with pytest.raises(SchemactlError, match=r"the generated column items\.total reads it"):
        chain.release(retyped.replace(TOTAL, ""), "retype")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_two_versions_a_generated_column_needs_end_alike(engine, tmp_path, request):
    """The way the refusal names: drop the generated column, then change the type and add it again; both engines
    end with the fresh DDL's columns, in its order, and the values computed from the new type."""
    conn = _connect(engine, tmp_path, request)
    chain = Chain(tmp_path)
    m1, _ = chain.release(GENERATED, "init")
    migrate(conn, chain.bundle(m1))
    _seed(conn)
    conn.execute("UPDATE items SET price = 1000 WHERE id = 1")
    conn.execute("UPDATE items SET price = 7 WHERE id = 2")
    conn.commit()
    dropped = GENERATED.replace(TOTAL, "")
    m2, _ = chain.release(dropped, "drop_total")
    m3, _ = chain.release(GENERATED.replace("price: integer", "price: bigint"), "retype")
    assert migrate(conn, chain.bundle(m3)) == [2, 3]
    conn.commit()
    got = conn.execute("SELECT id, price, total FROM items ORDER BY id").fetchall()
    assert [tuple(r) for r in got] == [(1, 1000, 2000), (2, 7, 14), (3, None, None)]
    assert [str(f) for f in diff(expect(m3, engine), introspect(conn, engine))] == []


# (old type, new type, values written into the column before the change, the values after it or the refusal)
RETYPES = [
    # integer -> boolean: PostgreSQL's cast made 2 (and -1) true, SQLite kept 2
    ("integer", "boolean", ["0", "1", "NULL"], [0, 1]),
    ("integer", "boolean", ["1", "2"], "items_score_fits_boolean"),
    ("bigint", "boolean", ["-1"], "items_score_fits_boolean"),
    ("boolean", "integer", ["true", "false"], [1, 0]),
    ("boolean", "bigint", ["false", "true"], [0, 1]),
    # text -> boolean: PostgreSQL reads its spellings of true and false, SQLite kept the text
    ("text", "boolean", ["'true'", "' 0 '", "'Yes'", "'off'", "'T'", "'1'"], [1, 0, 1, 0, 1, 1]),
    ("text", "boolean", ["'true'", "'maybe'"], "items_score_fits_boolean"),
    # text -> uuid: PostgreSQL refused what is no uuid and wrote the rest in lower case; SQLite kept the text
    ("text", "uuid", ["'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'00000000-0000-0000-0000-000000000000'"],
     ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000"]),
    ("text", "uuid", ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'not a uuid'"], "items_score_fits_uuid"),
    ('"varchar(40)"', "uuid", ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1'"], "items_score_fits_uuid"),   # 35 digits
    # forms PostgreSQL's cast takes but SQLite's text would keep as written: refused on both
    ("text", "uuid", ["'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'"], "items_score_fits_uuid"),
    ("text", "uuid", ["'a0eebc999c0b4ef8bb6d6bb9bd380a11'"], "items_score_fits_uuid"),
    # text -> numeric(p, s): PostgreSQL refused what is no number, SQLite kept the text
    ("text", '"numeric(8,2)"', ["'12.5'", "' -3 '", "'1e3'", "'+.5'"], ["12.5", "-3", "1000", "0.5"]),
    ("text", '"numeric(8,2)"', ["'12.5'", "'abc'"], "items_score_fits_numeric"),
    ("text", '"numeric(8,2)"', ["'12abc'"], "items_score_fits_numeric"),
    ("text", '"numeric(8,2)"', ["''"], "items_score_fits_numeric"),
    ("text", '"numeric(8,2)"', ["'NaN'"], "items_score_fits_numeric"),   # PostgreSQL's numeric holds NaN
    # text -> double/real past the type's range: PostgreSQL refused it, SQLite's REAL kept Inf or a double
    ("text", "double", ["'1.5'", "'1e400'"], "items_score_fits_float|out of range"),
    ("text", "double", ["'-1e400'"], "items_score_fits_float|out of range"),
    ("text", "real", ["'1e39'"], "items_score_fits_float|out of range"),
    ("text", "real", ["'3e38'", "'-2.5'"], [3e38, -2.5]),
    # double -> real, numeric -> double past the new type's range: likewise
    ("double", "real", ["1.5", "1e300"], "items_score_fits_float|out of range"),
    ("double", "real", ["1.5", "-0.25"], [1.5, -0.25]),
    ('"numeric(12,2)"', "real", ["'12.5'"], [12.5]),
    # character(n) -> character(m): PostgreSQL pads to the new length (and cuts blanks only), SQLite kept the value
    ('"character(3)"', '"character(5)"', ["'ab'", "'abc'"], ["ab   ", "abc  "]),
    ('"character(5)"', '"character(3)"', ["'ab'", "'abc  '"], ["ab ", "abc"]),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("before,after,values,outcome", RETYPES)
def test_a_type_change_ends_alike_on_both_engines(engine, before, after, values, outcome, tmp_path, request):
    """Each change either arrives with the same values on both engines, diff-clean, or fails on both under one
    constraint that names the table and the column, rolled back."""
    conn = _connect(engine, tmp_path, request)
    chain = Chain(tmp_path)
    base = BASE.replace("      note: text\n", f"      note: text\n      score: {{type: {before}}}\n")
    m1, _ = chain.release(base, "init")
    migrate(conn, chain.bundle(m1))
    _seed(conn)
    conn.execute("INSERT INTO items (id, owner_id, title) VALUES (4, 2, 'four'), (5, 2, 'five'), (6, 2, 'six')")
    for i, v in enumerate(values, 1):
        conn.execute(f"UPDATE items SET score = {v} WHERE id = {i}")
    conn.commit()
    m2, _ = chain.release(base.replace(f"score: {{type: {before}}}", f"score: {{type: {after}}}"), "retype")
    if isinstance(outcome, str):
        with pytest.raises(MigrationError, match=outcome):
            migrate(conn, chain.bundle(m2))
        conn.rollback()
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
        return
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    got = [_plain(r[0]) for r in conn.execute("SELECT score FROM items WHERE score IS NOT NULL ORDER BY id")]
    if "numeric" in after:   # the same numbers (SQLite's numeric is their text, without blanks)
        assert all(str(g) == str(g).strip() for g in got)
        got, outcome = [Decimal(str(g)) for g in got], [Decimal(v) for v in outcome]
    assert got == outcome
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


@pytest.mark.parametrize("before,after", [("text", "timestamp"), ("text", "timestamptz"), ("varchar(30)", "date"),
                                          ("timestamptz", "text")])
def test_a_type_change_to_or_from_a_time_is_refused_before_anything_is_written(before, after, tmp_path):
    """text -> date, timestamp or timestamptz: PostgreSQL parses the text, SQLite's rebuild would keep it as
    written (and an integer_ms timestamptz column would hold text beside numbers); refused when planned."""
    chain = Chain(tmp_path)
    base = BASE.replace("      note: text\n", f"      note: text\n      at: {before}\n")
    chain.release(base, "init")
    with pytest.raises(SchemactlError, match=rf"column items\.at: {re.escape(before)} -> {after} changes how SQLite "
                                             r"stores"):
        chain.release(base.replace(f"      at: {before}\n", f"      at: {after}\n"), "retype")


def test_jsonb_to_text_is_refused_before_anything_is_written(tmp_path):
    """jsonb -> text was planned: PostgreSQL's cast wrote jsonb's own text of each document ('{"a": 2, "b": 1}'),
    SQLite's rebuild kept the JSON text as the application wrote it ('{"b":1,"a":2}'), so the same rows ended as
    different strings on the two engines.  Refused when planned, as boolean -> text is; json -> text (whose text
    PostgreSQL keeps as written) is still planned."""
    chain = Chain(tmp_path)
    base = BASE.replace("      note: text\n", "      note: text\n      doc: jsonb\n      raw: json\n")
    chain.release(base, "init")
    with pytest.raises(SchemactlError, match=r"column items\.doc: jsonb -> text is no change both engines make alike "
                                             r"\(PostgreSQL writes jsonb's own text"):
        chain.release(base.replace("doc: jsonb", "doc: text"), "retype")
    chain.release(base.replace("raw: json", "raw: text"), "retype")


@pytest.mark.parametrize("before,after", [("json", "jsonb"), ("jsonb", "json"), ("text", "jsonb"),
                                          ("varchar(200)", "jsonb")])
def test_a_change_into_or_out_of_jsonb_is_refused_before_anything_is_written(before, after, tmp_path):
    """json <-> jsonb and text -> jsonb were planned (one kind, or a text becoming JSON): PostgreSQL's cast writes
    each document in jsonb's own words ('{"a": 2, "b": 1}'), SQLite's rebuild kept the text as written
    ('{"b":1,"a":2}')."""
    chain = Chain(tmp_path)
    base = BASE.replace("      note: text\n", f"      note: text\n      doc: {before}\n")
    chain.release(base, "init")
    with pytest.raises(SchemactlError, match=rf"column items\.doc: {re.escape(before)} -> {after} is no change both "
                                             r"engines make alike \(PostgreSQL writes jsonb's own text"):
        chain.release(base.replace(f"doc: {before}", f"doc: {after}"), "retype")
