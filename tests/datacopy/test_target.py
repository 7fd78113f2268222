"""schemactl.datatarget and the ends of a copy: rows arrive as the source holds them.

Found by trying copy, backup and restore against real schemas: the target's triggers fired during the load
(updated_at stamped again, audit rows written twice, exit 0); a cycle of deferrable foreign keys could not be
loaded into PostgreSQL; identity and shared sequences were set wrong afterwards; a PostgreSQL source was read
in its own session settings (a double cut to 0.3); text PostgreSQL's uuid refuses was taken as a UUID; JSON
with a long integer was "not valid JSON"; an archive header with a list for its format was an internal error.
"""

from __future__ import annotations

import gzip
import json

import psycopg
import pytest

from schemactl import datacopy, render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.errors import SchemactlError
from schemactl.manifest.load import load_text
from tests.conftest import RESET_SQL, cli
from tests.datacopy.conftest import Engines

SHOP_TEXT = """\
format: 1
name: shop
version: 1
functions:
  touch:
    postgres: |
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.updated_at := '2030-01-01T00:00:00Z'; RETURN NEW; END $$
tables:
  items:
    columns:
      id: {type: integer, primary_key: true}
      name: {type: text, nullable: false}
      updated_at: timestamptz
      parent: {type: integer, references: {table: items, column: id, deferrable: true}}
  audit:
    columns:
      id: {type: integer, primary_key: true}
      item_id: integer
      what: text
triggers:
  items_touch:
    table: items
    timing: before
    on: [insert, update]
    function: touch
  items_audit:
    table: items
    timing: after
    on: insert
    do: ["INSERT INTO audit (id, item_id, what) VALUES (NEW.id + 100, NEW.id, 'created')"]
"""
SHOP = load_text(SHOP_TEXT, "shop.yaml")


@pytest.fixture
def engines(pg_test_db, pg_second_db, tmp_path):
    made = []

    def make(m):
        e = Engines(m, pg_test_db, pg_second_db, tmp_path / f"e{len(made)}")
        e.tmp.mkdir()
        made.append(e)
        return e
    yield make
    for e in made:
        e.close()


def _fill(conn, engine):
    stamp = 1577836800000 if engine == "sqlite" else "'2020-01-01T00:00:00Z'"
    cur = conn.cursor()
    cur.execute(f"INSERT INTO items VALUES (1, 'old', {stamp}, 1)")   # its audit row is written by the trigger
    # (a deferrable foreign key leaves events pending on items, which PostgreSQL refuses to ALTER then)
    conn.commit()


@pytest.mark.parametrize("src_engine, dst_engine", [("sqlite", "postgres"), ("postgres", "sqlite"),
                                                    ("postgres", "postgres")])
def test_the_targets_triggers_do_not_fire_while_rows_load(engines, src_engine, dst_engine):
    e = engines(SHOP)
    src, dst = e.db(src_engine), e.db(dst_engine, second=src_engine == dst_engine)
    _fill(src, src_engine)
    assert datacopy.copy(SHOP, src, src_engine, dst, dst_engine) == {"items": 1, "audit": 1}
    cur = dst.cursor()
    cur.execute("SELECT id, item_id, what FROM audit")
    assert cur.fetchall() == [(101, 1, "created")]   # once, as at the source (a primary key refused the copy)
    year = 2030 if src_engine == "postgres" else 2020   # stamped by the source's own trigger, or not
    cur.execute("SELECT updated_at FROM items")
    stamp = cur.fetchone()[0]
    assert stamp == {2020: 1577836800000, 2030: 1893456000000}[year] if dst_engine == "sqlite" else \
        stamp.year == year
    cur.execute("INSERT INTO items (id, name) VALUES (2, 'new')")   # the triggers are on again afterwards
    cur.execute("SELECT count(*) FROM audit")
    assert cur.fetchone()[0] == 2
    if dst_engine == "postgres":
        cur.execute("SELECT updated_at FROM items WHERE id = 2")
        assert cur.fetchone()[0].year == 2030


def test_a_failed_load_keeps_the_sqlite_targets_triggers(engines):
    e = engines(SHOP)
    src, dst = e.db("postgres"), e.db("sqlite")
    _fill(src, "postgres")
    src.execute("INSERT INTO audit VALUES (7, 999, 'x')")
    dst.execute("INSERT INTO audit VALUES (7, 1, 'taken')")   # the target is not empty: refused
    dst.commit()
    with pytest.raises(SchemactlError):
        datacopy.copy(SHOP, src, "postgres", dst, "sqlite")
    names = {n for (n,) in dst.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert names == {"items_audit"}


CYCLE_TEXT = """\
format: 1
name: c
version: 1
tables:
  ca:
    columns:
      id: {type: integer, primary_key: true}
      cb_id: {type: integer, references: {table: cb, column: id, deferrable: true}}
  cb:
    columns:
      id: {type: integer, primary_key: true}
      ca_id: {type: integer, references: {table: ca, column: id, deferrable: true}}
"""
CYCLE = load_text(CYCLE_TEXT, "c.yaml")


def _fill_cycle(src) -> None:
    """A consistent cycle at the source: ca 1 -> cb 10 -> ca 1."""
    src.execute("INSERT INTO ca VALUES (1, NULL)")
    src.execute("INSERT INTO cb VALUES (10, 1)")
    src.execute("UPDATE ca SET cb_id = 10")
    src.commit()


def test_a_cycle_of_deferrable_foreign_keys_loads_into_postgresql(engines):
    e = engines(CYCLE)
    src, dst = e.db("sqlite"), e.db("postgres")
    _fill_cycle(src)
    assert datacopy.copy(CYCLE, src, "sqlite", dst, "postgres") == {"ca": 1, "cb": 1}
    assert dst.execute("SELECT cb_id FROM ca").fetchone() == (10,)


SEQUENCES = load_text("""\
format: 1
name: s
version: 1
sequences:
  gid: {type: bigint}
tables:
  a:
    columns:
      id: {type: bigint, primary_key: true, default: {nextval: gid}}
  b:
    columns:
      id: {type: bigint, primary_key: true, default: {nextval: gid}}
  items:
    columns:
      id: {type: integer, primary_key: true, identity: true}
      name: text
""", "s.yaml")


def test_sequences_continue_after_every_column_that_draws_from_them(engines):
    e = engines(SEQUENCES)
    src, dst = e.db("sqlite"), e.db("postgres")
    src.executemany("INSERT INTO a VALUES (?)", [(i,) for i in range(4, 104)])
    src.executemany("INSERT INTO b VALUES (?)", [(i,) for i in (1, 2, 3)])
    src.execute("INSERT INTO items VALUES (0, 'zero'), (-7, 'negative')")   # BY DEFAULT allows them
    src.commit()
    datacopy.copy(SEQUENCES, src, "sqlite", dst, "postgres")   # setval(…, 0) was out of bounds
    dst.execute("INSERT INTO a DEFAULT VALUES")   # gid was set after b's 3: a duplicate of a's 4
    assert dst.execute("SELECT max(id) FROM a").fetchone() == (104,)
    dst.execute("INSERT INTO items (name) VALUES ('next')")
    assert dst.execute("SELECT id FROM items WHERE name = 'next'").fetchone() == (1,)


UUIDS = load_text("""\
format: 1
name: u
version: 1
tables:
  things:
    columns:
      id: {type: integer, primary_key: true}
      ref: uuid
      doc: json
""", "u.yaml")


@pytest.mark.parametrize("text, kept", [
    ("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("+0000000000000000000000000000001", None),
    ("0000_000000000000000000000000001", None),
    (" 0000000000000000000000000000001", None),
    ("-".join("0" * 31) + "-1", None),
    ("urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", None),
    ("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", None),
])
def test_a_uuid_is_what_postgresqls_uuid_reads(engines, pg, text, kept):
    e = engines(UUIDS)
    src, dst = e.db("sqlite"), e.db("postgres")
    src.execute("INSERT INTO things VALUES (1, ?, NULL)", (text,))
    src.commit()
    try:
        pg.execute("SELECT %s::uuid", (text,))
        postgres_reads = True
    except psycopg.Error:
        postgres_reads = False
    assert postgres_reads == (kept is not None)
    if kept is None:
        with pytest.raises(SchemactlError, match="is not a UUID"):
            datacopy.copy(UUIDS, src, "sqlite", dst, "postgres")
    else:
        datacopy.copy(UUIDS, src, "sqlite", dst, "postgres")
        assert str(dst.execute("SELECT ref FROM things").fetchone()[0]) == kept


def test_json_with_a_long_integer_is_json(engines):
    e = engines(UUIDS)
    src, dst = e.db("sqlite"), e.db("postgres")
    doc = '{"n": ' + "9" * 5000 + "}"
    src.execute("INSERT INTO things VALUES (1, NULL, ?)", (doc,))
    src.commit()
    datacopy.copy(UUIDS, src, "sqlite", dst, "postgres")
    assert dst.execute("SELECT doc::text FROM things").fetchone()[0] == doc


@pytest.mark.parametrize("fmt", [["schemactl-backup/2"], {"v": 2}, 2])
def test_an_archive_header_of_another_shape_is_not_a_backup(tmp_path, fmt):
    archive = tmp_path / "x.jsonl.gz"
    with gzip.open(archive, "wt") as f:
        f.write(json.dumps({"format": fmt}) + "\n")
    conn = sqlite_engine.connect(str(tmp_path / "t.db"))
    sqlite_engine.apply(conn, render.ddl(UUIDS, "sqlite"))
    with pytest.raises(SchemactlError, match="not a schemactl backup"):
        datacopy.restore(archive, UUIDS, conn, "sqlite")


def test_a_postgresql_source_is_read_in_fixed_settings(pg_server, pg, tmp_path):
    """A database set to extra_float_digits 0 and DateStyle SQL, DMY gave 0.3 for 0.30000000000000004."""
    text = ("format: 1\nname: f\nversion: 1\ntables:\n  v:\n    columns:\n      id: {type: integer, primary_key: true}\n"
            "      d: double\n      day: date\n")
    (tmp_path / "f.yaml").write_text(text)
    m = load_text(text, "f.yaml")
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO v VALUES (1, 0.1::float8 + 0.2::float8, '2020-02-03')")
    pg.execute("ALTER DATABASE schemactl_tests SET extra_float_digits = 0")
    pg.execute("ALTER DATABASE schemactl_tests SET DateStyle = 'SQL, DMY'")
    try:
        db = tmp_path / "f.db"
        conn = sqlite_engine.connect(str(db))
        sqlite_engine.apply(conn, render.ddl(m, "sqlite"))
        conn.close()
        result = cli("copy", "--manifest", tmp_path / "f.yaml", "--from", pg_server.url("schemactl_tests"),
                     "--to", f"sqlite:///{db}")
        assert result.exit_code == 0, result.output
        conn = sqlite_engine.connect(str(db))
        assert conn.execute("SELECT d, day FROM v").fetchone() == (0.30000000000000004, "2020-02-03")
        conn.close()
    finally:
        pg.execute("ALTER DATABASE schemactl_tests RESET extra_float_digits")
        pg.execute("ALTER DATABASE schemactl_tests RESET DateStyle")


TIMES = load_text("""\
format: 1
name: tz
version: 1
tables:
  ev:
    columns:
      id: {type: integer, primary_key: true}
      at: timestamptz
""", "tz.yaml")


def test_a_timestamptz_python_cannot_hold_goes_postgresql_to_postgresql_as_it_is(engines):
    """A BC or year-10000 timestamptz was refused PostgreSQL -> PostgreSQL (dates and timestamps went): read in
    UTC, its text names its offset, which the target reads back as the same instant."""
    e = engines(TIMES)
    src, dst, lite = e.db("postgres"), e.db("postgres", second=True), e.db("sqlite")
    src.execute("INSERT INTO ev VALUES (1, '0044-03-15 12:00:00+00 BC'), (2, '10000-01-01 00:00:00+00'), "
                "(3, 'infinity'), (4, '2020-01-01 00:00:00+00')")
    datacopy.copy(TIMES, src, "postgres", dst, "postgres")
    query = "SELECT id, extract(epoch FROM at) FROM ev ORDER BY id"
    assert dst.execute(query).fetchall() == src.execute(query).fetchall()
    with pytest.raises(SchemactlError, match="outside what SQLite and archives hold"):
        datacopy.copy(TIMES, src, "postgres", lite, "sqlite")


ARRAYS = load_text("""\
format: 1
name: arr
version: 1
tables:
  arr:
    columns:
      id: {type: integer, primary_key: true}
      tags: "text[]"
""", "arr.yaml")


@pytest.mark.parametrize("target", ["postgres", "sqlite"])
def test_an_array_whose_indexes_do_not_start_at_one_is_refused_not_renumbered(engines, target, tmp_path):
    """'[0:1]={a,b}' arrived as {a,b}: tags[0] was 'a' and became NULL, exit 0."""
    e = engines(ARRAYS)
    src, dst = e.db("postgres"), e.db(target, second=True)
    src.execute("INSERT INTO arr VALUES (1, '{x,y}'), (2, '[0:1]={a,b}')")
    with pytest.raises(SchemactlError, match=r"table arr, row id=2, column tags: the array's indexes are \[0:1\]"):
        datacopy.copy(ARRAYS, src, "postgres", dst, target)
    with pytest.raises(SchemactlError, match="not from 1"):
        datacopy.backup(ARRAYS, src, "postgres", tmp_path / "a.jsonl.gz")
    assert not (tmp_path / "a.jsonl.gz").exists()
    src.execute("UPDATE arr SET tags = array(SELECT unnest(tags)) WHERE id = 2")   # the fix it names
    assert datacopy.copy(ARRAYS, src, "postgres", dst, target) == {"arr": 2}


def test_a_cycle_of_foreign_keys_not_deferrable_is_named_not_blamed_on_the_source(engines):
    """The source is consistent; the message said "correct the value at the source"."""
    m = load_text(CYCLE_TEXT.replace(", deferrable: true", ""), "c.yaml")
    e = engines(m)
    src, dst = e.db("sqlite"), e.db("postgres")
    _fill_cycle(src)
    with pytest.raises(SchemactlError, match=r"tables ca -> cb -> ca reference each other with foreign keys that are "
                                             r"not deferrable.*declare one of them deferrable: true") as info:
        datacopy.copy(m, src, "sqlite", dst, "postgres")
    assert "correct the value at the source" not in str(info.value)


def test_a_target_whose_triggers_this_role_cannot_disable_is_one_line(engines, pg_test_db):
    """DISABLE TRIGGER needs the table's owner: a psycopg error (exit 3) otherwise."""
    e = engines(SHOP)
    src, dst = e.db("sqlite"), e.db("postgres")
    _fill(src, "sqlite")
    dst.execute("DROP ROLE IF EXISTS schemactl_loader")
    dst.execute("CREATE ROLE schemactl_loader")
    try:
        dst.execute("GRANT USAGE ON SCHEMA public TO schemactl_loader")
        dst.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO schemactl_loader")
        dst.execute("SET ROLE schemactl_loader")
        with pytest.raises(SchemactlError, match="cannot keep the target's triggers from firing while rows load: "
                                                 ".*must be owner.*copy as the owner of the tables"):
            datacopy.copy(SHOP, src, "sqlite", dst, "postgres")
    finally:
        dst.execute("RESET ROLE")
        dst.execute("DROP OWNED BY schemactl_loader")
        dst.execute("DROP ROLE schemactl_loader")
