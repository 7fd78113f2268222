"""Data moves between engines through the portable types: copy, backup and restore."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import uuid
from decimal import Decimal

import psycopg
import pytest
from psycopg.types.json import Jsonb

from schemactl import datacopy, render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.engines.providers import Server
from schemactl.errors import SchemactlError
from schemactl.manifest.load import load_text

MANIFEST = load_text("""\
format: 1
name: alltypes
version: 1
enums: {mood: [happy, "it's complicated"]}
tables:
  parents:
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      name: text
  things:
    columns:
      id: {type: integer, primary_key: true}
      parent_id: {type: bigint, references: parents.id}
      t_text: text
      t_varchar: varchar(20)
      t_uuid: uuid
      t_bool: boolean
      t_small: smallint
      t_int: integer
      t_big: bigint
      t_real: real
      t_double: double
      t_numeric: "numeric(38,10)"
      t_date: date
      t_time: time
      t_ts: timestamp
      t_tstz: timestamptz
      t_json: jsonb
      t_bytes: bytes
      t_mood: mood
""")

UTC = dt.timezone.utc
ROWS = [
    (1, 1, "żółć 🎉 'quoted' \\\\ back", "x" * 20, str(uuid.UUID(int=1)), True, 32767, 2147483647,
     9223372036854775807, 1.5, 1.7976931348623157e308, Decimal("1234567890123456789012345678.0123456789"),
     dt.date(2024, 2, 29), dt.time(23, 59, 59, 999999), dt.datetime(2024, 1, 1, 12, 0, 0, 123456),
     dt.datetime(2021, 3, 28, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))), {"a": [1, 2.5, "ü"], "n": None},
     bytes(range(256)) * 400 + b"\x00", "it's complicated"),
    (2, 2, "a" * 1_000_000, "", str(uuid.uuid4()), False, -32768, -2147483648, -9223372036854775808, -0.25,
     5e-324, Decimal("-0.0000000001"), dt.date(1, 1, 1), dt.time(0, 0), dt.datetime(1969, 12, 31, 23, 59, 59),
     dt.datetime(2021, 10, 31, 2, 30, 0, 999000, tzinfo=dt.timezone(dt.timedelta(hours=1))), [],
     b"", "happy"),
    (3, None, None, None, None, None, None, None, None, None, None, None, None, None, None,
     dt.datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), None, None, None),
    (4, 1, "far", "v", str(uuid.UUID(int=2 ** 128 - 1)), True, 0, 0, 0, 0.0, 0.0, Decimal("0"),
     dt.date(9999, 12, 31), dt.time(12, 0, 0, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
     dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), {"deep": {"x": [True, False]}}, b"\xff", None),
]


def _fill_postgres(conn):
    conn.execute(render.ddl(MANIFEST, "postgres"))
    conn.execute("INSERT INTO parents (name) VALUES ('one'), ('two')")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO things VALUES (" + ", ".join(["%s"] * 19) + ")",
                        [r[:16] + (Jsonb(r[16]) if r[16] is not None else None,) + r[17:] for r in ROWS])


def _all(conn, engine):
    return {t.name: [r for rows in datacopy.read_table(conn, engine, MANIFEST, t) for r in rows]
            for t in MANIFEST.tables}


def _sqlite(path, manifest=MANIFEST):
    conn = sqlite_engine.connect(str(path))
    sqlite_engine.apply(conn, render.ddl(manifest, "sqlite"))
    return conn


@pytest.fixture
def second_pg(pg_server):
    with Server(pg_server.conninfo(), "local").scratch() as conninfo, psycopg.connect(conninfo) as conn:
        conn.execute(render.ddl(MANIFEST, "postgres"))
        conn.commit()
        yield conn


def test_postgres_to_sqlite_to_postgres_keeps_every_value(pg, tmp_path, second_pg):
    _fill_postgres(pg)
    original = _all(pg, "postgres")
    lite = _sqlite(tmp_path / "copy.db")
    assert datacopy.copy(MANIFEST, pg, "postgres", lite, "sqlite") == {"parents": 2, "things": 4}
    assert _all(lite, "sqlite") == original
    datacopy.copy(MANIFEST, lite, "sqlite", second_pg, "postgres")
    assert _all(second_pg, "postgres") == original
    # identity continues after the copied rows
    second_pg.execute("INSERT INTO parents (name) VALUES ('three')")
    assert second_pg.execute("SELECT max(id) FROM parents").fetchone()[0] == 3


def test_backup_of_one_engine_restores_into_the_other(pg, tmp_path):
    _fill_postgres(pg)
    original = _all(pg, "postgres")
    archive = tmp_path / "backup.jsonl.gz"
    datacopy.backup(MANIFEST, pg, "postgres", archive)
    lite = _sqlite(tmp_path / "restored.db")
    assert datacopy.restore(archive, MANIFEST, lite, "sqlite") == {"parents": 2, "things": 4}
    assert _all(lite, "sqlite") == original


def _empty(conn) -> bool:
    return conn.execute("SELECT count(*) FROM things").fetchone()[0] == 0 and \
        conn.execute("SELECT count(*) FROM parents").fetchone()[0] == 0


def test_damaged_or_foreign_archives_are_refused_and_nothing_is_written(pg, tmp_path):
    _fill_postgres(pg)
    archive = tmp_path / "backup.jsonl.gz"
    datacopy.backup(MANIFEST, pg, "postgres", archive)
    lite = _sqlite(tmp_path / "target.db")
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(archive.read_bytes()[: len(archive.read_bytes()) // 2])
    with pytest.raises(SchemactlError, match="damaged"):
        datacopy.restore(truncated, MANIFEST, lite, "sqlite")
    assert _empty(lite)
    lines = gzip.decompress(archive.read_bytes()).decode().splitlines()
    lines[-1] = '{"end":true,"rows":{"parents":2,"things":5}}'
    miscounted = tmp_path / "miscounted.gz"
    miscounted.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(SchemactlError, match="row counts"):
        datacopy.restore(miscounted, MANIFEST, lite, "sqlite")
    assert _empty(lite)
    other = load_text(MANIFEST_TEXT_WITH_EXTRA_COLUMN)
    with pytest.raises(SchemactlError, match="--force"):
        datacopy.restore(archive, other, lite, "sqlite")
    assert _empty(lite)


MANIFEST_TEXT_WITH_EXTRA_COLUMN = """\
format: 1
name: other
version: 1
tables:
  parents:
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      name: text
      extra: text
"""


def test_copy_into_a_drifted_schema_stops_with_the_findings(pg, tmp_path):
    _fill_postgres(pg)
    lite = _sqlite(tmp_path / "drifted.db")
    lite.execute("ALTER TABLE things ADD COLUMN extra TEXT")
    with pytest.raises(SchemactlError) as info:
        datacopy.copy(MANIFEST, pg, "postgres", lite, "sqlite")
    assert info.value.exit_code == 1 and "SC202" in str(info.value)
    assert _empty(lite)


def test_a_failed_copy_leaves_the_target_unchanged(pg, tmp_path):
    _fill_postgres(pg)
    lite = _sqlite(tmp_path / "busy.db")
    lite.execute("INSERT INTO things (id, t_text) VALUES (4, 'already here')")
    with pytest.raises(Exception):
        datacopy.copy(MANIFEST, pg, "postgres", lite, "sqlite")
    assert lite.execute("SELECT id, t_text FROM things").fetchall() == [(4, "already here")]
    assert lite.execute("SELECT count(*) FROM parents").fetchone()[0] == 0


def test_cli_copy_backup_restore(pg_server, pg, tmp_path):
    from tests.conftest import cli
    _fill_postgres(pg)
    (tmp_path / "m.yaml").write_text(MANIFEST_TEXT)
    src = pg_server.url("schemactl_tests")
    small = load_text(MANIFEST_TEXT)
    _sqlite(tmp_path / "a.db", small).close()
    result = cli("copy", "--manifest", tmp_path / "m.yaml", "--from", src, "--to", f"sqlite:///{tmp_path}/a.db")
    assert result.exit_code == 0, result.output
    assert "copied 6 rows in 2 tables" in result.output
    result = cli("backup", "--manifest", tmp_path / "m.yaml", "--db", f"sqlite:///{tmp_path}/a.db", "-o",
                 tmp_path / "a.gz")
    assert result.exit_code == 0, result.output
    _sqlite(tmp_path / "b.db", small).close()
    result = cli("restore", tmp_path / "a.gz", "--manifest", tmp_path / "m.yaml", "--db", f"sqlite:///{tmp_path}/b.db")
    assert result.exit_code == 0 and "restored 6 rows" in result.output
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    result = cli("restore", tmp_path / "bad.gz", "--manifest", tmp_path / "m.yaml", "--db",
                 f"sqlite:///{tmp_path}/b.db")
    assert result.exit_code == 2 and "damaged" in result.output and "Traceback" not in result.output


MANIFEST_TEXT = """\
format: 1
name: small
version: 1
tables:
  parents:
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      name: text
  things:
    columns:
      id: {type: integer, primary_key: true}
      parent_id: {type: bigint, references: parents.id}
"""


SECONDS_TEXT = """\
format: 1
name: seconds
version: 1
sqlite: {timestamptz: integer_s}
tables:
  events:
    columns:
      id: {type: integer, primary_key: true}
      at: timestamptz
"""
SECONDS = load_text(SECONDS_TEXT, "seconds.yaml")


def test_unix_seconds_storage_round_trips_and_refuses_a_fraction(pg, tmp_path):
    pg.execute(render.ddl(SECONDS, "postgres"))
    instants = [dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), dt.datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
                dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), None]
    with pg.cursor() as cur:
        cur.executemany("INSERT INTO events VALUES (%s, %s)", list(enumerate(instants)))
    lite = _sqlite(tmp_path / "s.db", SECONDS)
    assert datacopy.copy(SECONDS, pg, "postgres", lite, "sqlite") == {"events": 4}
    stored = [r[0] for r in lite.execute("SELECT at FROM events ORDER BY id")]
    assert stored == [-1, 2147483648, 253402300799, None]   # Unix seconds, as Drizzle's mode "timestamp" reads
    pg.execute("DROP TABLE events")
    pg.execute(render.ddl(SECONDS, "postgres"))
    datacopy.copy(SECONDS, lite, "sqlite", pg, "postgres")
    assert [r[0] for r in pg.execute("SELECT at FROM events ORDER BY id")] == instants
    # a fraction of a second does not fit: refused with the way out, and the target stays as it was
    pg.execute("INSERT INTO events VALUES (9, '2024-01-01 00:00:00.5+00')")
    empty = _sqlite(tmp_path / "empty.db", SECONDS)
    with pytest.raises(SchemactlError, match="fraction of a second.*integer_s") as refused:
        datacopy.copy(SECONDS, pg, "postgres", empty, "sqlite")
    assert empty.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert "choose sqlite.timestamptz: integer_ms or iso_text" in str(refused.value)


def test_a_default_now_row_is_refused_with_a_way_out_that_works(pg, tmp_path):
    """The starter schema's created_at (DEFAULT now(), integer_ms on SQLite): every row PostgreSQL stamped has
    microseconds, refused on the way to SQLite with "use sqlite.timestamptz: iso_text (or integer_ms)", advice
    that named the storage the schema already had.  The refusal now gives the UPDATE that rounds the values;
    run as given, the copy goes through."""
    m = load_text(SECONDS_TEXT.replace("integer_s", "integer_ms").replace("at: timestamptz",
                  "at: {type: timestamptz, nullable: false, default: {fn: now}}"), "stamped.yaml")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO events (id) VALUES (1)")   # now(): microseconds (one at least, for the test)
    pg.execute("UPDATE events SET at = date_trunc('milliseconds', at) + interval '1 microsecond'")
    lite = _sqlite(tmp_path / "s.db", m)
    with pytest.raises(SchemactlError) as refused:
        datacopy.copy(m, pg, "postgres", lite, "sqlite")
    said = str(refused.value)
    assert "fraction of a millisecond" in said and "choose sqlite.timestamptz: iso_text" in said, said
    update = re.search(r"UPDATE … SET (.+?\))\)", said).group(1)
    archive = tmp_path / "events.jsonl.gz"
    pg.execute("INSERT INTO events (id, at) VALUES (0, '2024-01-01 00:00:00Z')")
    datacopy.backup(m, pg, "postgres", archive)
    with pytest.raises(SchemactlError) as refused:   # restored, the value is named at its archive line too
        datacopy.restore(archive, m, lite, "sqlite")
    assert str(refused.value).startswith(f"{archive}: line 4: table events, row id=1, column at: "), refused.value
    pg.execute(f"UPDATE events SET {update}")
    assert datacopy.copy(m, pg, "postgres", lite, "sqlite") == {"events": 2}


SEQUENCES = load_text("""\
format: 1
name: seqs
version: 1
sequences:
  x_id_seq: {owned_by: x.id}
tables:
  x:
    columns:
      a: {type: integer, nullable: false}
      id: {type: bigint, nullable: false, default: {nextval: x_id_seq}}
    primary_key: [a, id]
""")


def test_copy_of_a_sequence_column_round_trips_and_the_sequence_continues(pg, tmp_path):
    """SQLite has no sequences (no default there): values travel as they are, and PostgreSQL's sequence is
    set after the highest copied value."""
    pg.execute(render.ddl(SEQUENCES, "postgres"))
    pg.execute("INSERT INTO x (a) VALUES (1), (1), (2)")
    lite = _sqlite(tmp_path / "q.db", SEQUENCES)
    assert datacopy.copy(SEQUENCES, pg, "postgres", lite, "sqlite") == {"x": 3}
    assert lite.execute("SELECT a, id FROM x ORDER BY id").fetchall() == [(1, 1), (1, 2), (2, 3)]
    pg.execute("DROP TABLE x")
    pg.execute("DROP SEQUENCE IF EXISTS x_id_seq")
    pg.execute(render.ddl(SEQUENCES, "postgres"))
    datacopy.copy(SEQUENCES, lite, "sqlite", pg, "postgres")
    pg.execute("INSERT INTO x (a) VALUES (3)")
    assert pg.execute("SELECT max(id) FROM x").fetchone()[0] == 4


ARRAYS = load_text("""\
format: 1
name: arrays
version: 1
tables:
  things:
    columns:
      id: {type: integer, primary_key: true}
      code: character(4)
      codes: "character(3)[]"
      doc: tsvector
      tags: "text[]"
      names: "varchar(10)[]"
      ints: "integer[]"
      bigs: "bigint[]"
      ids: "uuid[]"
      flags: "boolean[]"
      ratios: "double[]"
      prices: "numeric(12,4)[]"
      days: "date[]"
      times: "time[]"
      stamps: "timestamp[]"
      instants: "timestamptz[]"
      docs: "json[]"
      bdocs: "jsonb[]"
      blobs: "bytes[]"
""")

_TAGS = ["żółć 🎉", "it's \"quoted\"", "back\\\\slash", "{braces}", "comma, here", "NULL", "", " lead", None]
_ARRAY_ROWS = [
    (1, "ab", ["a", None, "abc"], "'fat':2 'rat':3 'the':1", _TAGS, ["x" * 10, "ü"], [1, None, -2147483648],
     [9223372036854775807], [str(uuid.UUID(int=1)), None], [True, False, None], [1.5, -0.25, 5e-324],
     [Decimal("1.5000"), None, Decimal("-12345678.1234")], [dt.date(2024, 2, 29)], [dt.time(23, 59, 59, 999999)],
     [dt.datetime(2024, 1, 1, 12, 0, 0, 123456)],
     [dt.datetime(2021, 3, 28, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))), None],
     [{"a": [1, "ü"]}, [1, 2], "s", None], [{"n": None}, 3], [b"\x00\xff", b"", None]),
    (2, "abcd", [], "", [], [], [], [], [], [], [], [], [], [], [], [], [], [], []),
    (3, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None),
]


def _fill_arrays(conn):
    from psycopg.types.json import Json
    conn.execute(render.ddl(ARRAYS, "postgres"))
    rows = [r[:16] + tuple(None if v is None else [None if x is None else Json(x) for x in v] for v in r[16:18])
            + r[18:] for r in _ARRAY_ROWS]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO things VALUES (" + ", ".join(["%s"] * 19) + ")", rows)


def _all_arrays(conn, engine):
    return [r for rows in datacopy.read_table(conn, engine, ARRAYS, ARRAYS.tables[0]) for r in rows]


def test_arrays_character_and_tsvector_round_trip_postgres_sqlite_postgres(pg, pg_server, tmp_path):
    _fill_arrays(pg)
    original = _all_arrays(pg, "postgres")
    assert original[0][1] == "ab  " and original[0][2] == ["a  ", None, "abc"]   # PostgreSQL pads
    assert original[0][4] == _TAGS and original[1][4] == [] and original[2][4] is None
    lite = _sqlite(tmp_path / "arrays.db", ARRAYS)
    datacopy.copy(ARRAYS, pg, "postgres", lite, "sqlite")
    assert _all_arrays(lite, "sqlite") == original
    stored = lite.execute("SELECT code, tags, flags, prices, instants, blobs FROM things WHERE id = 1").fetchone()
    assert stored[0] == "ab  "                                      # padded on SQLite too
    assert json.loads(stored[1]) == _TAGS and json.loads(stored[2]) == [True, False, None]
    assert json.loads(stored[3]) == ["1.5000", None, "-12345678.1234"]
    assert json.loads(stored[4]) == ["2021-03-27T23:30:00+00:00", None]
    assert json.loads(stored[5]) == ["AP8=", "", None]
    archive = tmp_path / "arrays.jsonl.gz"
    datacopy.backup(ARRAYS, lite, "sqlite", archive)
    with Server(pg_server.conninfo(), "local").scratch() as conninfo, psycopg.connect(conninfo) as back:
        back.execute(render.ddl(ARRAYS, "postgres"))
        back.commit()
        datacopy.copy(ARRAYS, lite, "sqlite", back, "postgres")
        assert _all_arrays(back, "postgres") == original
        back.execute("DELETE FROM things")
        back.commit()
        datacopy.restore(archive, ARRAYS, back, "postgres")
        assert _all_arrays(back, "postgres") == original


def test_character_values_from_sqlite_are_padded_and_too_long_ones_refused(pg, tmp_path):
    pg.execute(render.ddl(ARRAYS, "postgres"))
    pg.commit()
    lite = _sqlite(tmp_path / "short.db", ARRAYS)
    lite.execute("INSERT INTO things (id, code, codes) VALUES (1, 'ab', '[\"x\", null]')")
    lite.commit()
    datacopy.copy(ARRAYS, lite, "sqlite", pg, "postgres")
    assert pg.execute("SELECT code, codes FROM things").fetchone() == ("ab  ", ["x  ", None])
    assert _all_arrays(lite, "sqlite")[0][1:3] == ("ab  ", ["x  ", None])   # read as PostgreSQL holds it
    pg.execute("DELETE FROM things")
    pg.commit()
    lite.execute("UPDATE things SET code = 'abcd  '")
    lite.commit()
    with pytest.raises(SchemactlError, match=r"more than character\(4\)"):
        datacopy.copy(ARRAYS, lite, "sqlite", pg, "postgres")
    assert pg.execute("SELECT count(*) FROM things").fetchone()[0] == 0


EARLY = load_text("""\
format: 1
name: early
version: 1
sqlite: {timestamptz: iso_text}
tables:
  events:
    columns:
      id: {type: integer, primary_key: true}
      at: {type: timestamptz, default: "0001-01-01T00:00:00Z"}
""", "early.yaml")


def test_years_before_1000_keep_four_digits(pg, tmp_path):
    """Year 1 is written 0001: PostgreSQL would read '1-01-01' as 2001, and fromisoformat refuses it."""
    assert "'0001-01-01T00:00:00.000Z'" in render.ddl(EARLY, "postgres")
    pg.execute(render.ddl(EARLY, "postgres"))
    pg.execute("INSERT INTO events (id) VALUES (1)")
    pg.execute("INSERT INTO events VALUES (2, '0999-12-31 23:59:59.5+00')")
    original = [r[0] for r in pg.execute("SELECT at FROM events ORDER BY id")]
    assert original[0].year == 1
    lite = _sqlite(tmp_path / "early.db", EARLY)
    datacopy.copy(EARLY, pg, "postgres", lite, "sqlite")
    assert [r[0] for r in lite.execute("SELECT at FROM events ORDER BY id")] == \
        ["0001-01-01T00:00:00.000000Z", "0999-12-31T23:59:59.500000Z"]
    pg.execute("DROP TABLE events")
    pg.execute(render.ddl(EARLY, "postgres"))
    datacopy.copy(EARLY, lite, "sqlite", pg, "postgres")
    assert [r[0] for r in pg.execute("SELECT at FROM events ORDER BY id")] == original


def test_an_instant_finer_than_a_microsecond_is_refused_not_truncated(pg, tmp_path):
    """ISO text with nanoseconds (SQLite iso_text): Python's parser drops the digits past the sixth, so the
    value would arrive changed; copy and backup refuse it, naming it, and write nothing.  A zero tail is
    exact and kept."""
    lite = _sqlite(tmp_path / "fine.db", EARLY)
    lite.execute("INSERT INTO events VALUES (1, '2024-01-01T00:00:00.123456000Z')")
    lite.commit()
    pg.execute(render.ddl(EARLY, "postgres"))
    assert datacopy.copy(EARLY, lite, "sqlite", pg, "postgres") == {"events": 1}
    lite.execute("INSERT INTO events VALUES (2, '2024-01-01T00:00:00.123456789Z')")
    lite.commit()
    pg.execute("DROP TABLE events")
    pg.execute(render.ddl(EARLY, "postgres"))
    with pytest.raises(SchemactlError, match="finer than a microsecond"):
        datacopy.copy(EARLY, lite, "sqlite", pg, "postgres")
    assert pg.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    with pytest.raises(SchemactlError, match="finer than a microsecond"):
        datacopy.backup(EARLY, lite, "sqlite", tmp_path / "fine.jsonl.gz")
    assert not (tmp_path / "fine.jsonl.gz").exists()


def test_a_flipped_bit_trailing_data_or_rows_after_the_footer_restore_nothing(pg, tmp_path):
    """gzip checks its CRC only at the end of the stream: restore reads to the end before it commits."""
    _fill_postgres(pg)
    archive = tmp_path / "backup.jsonl.gz"
    datacopy.backup(MANIFEST, pg, "postgres", archive)
    raw = archive.read_bytes()
    plain = gzip.decompress(raw)
    flipped = bytearray(gzip.compress(plain, compresslevel=0))   # stored uncompressed: one bit of one value
    at = flipped.index(b"far")
    flipped[at] ^= 0x01
    damaged = {
        "flipped bit": bytes(flipped),
        "second member": raw + gzip.compress(b'[999, null]\n'),
        "rows after the footer": gzip.compress(plain + b'[1000, null]\n'),
        "trailing garbage": raw + b"\x00garbage",
    }
    for name, data in damaged.items():
        lite = _sqlite(tmp_path / f"{name}.db")
        path = tmp_path / f"{name}.gz"
        path.write_bytes(data)
        with pytest.raises(SchemactlError, match="damaged"):
            datacopy.restore(path, MANIFEST, lite, "sqlite")
        assert _empty(lite), name


def test_orphan_rows_are_refused_on_sqlite_and_nothing_is_committed(pg, tmp_path):
    """The source has a row whose parent is missing (written without its foreign key): SQLite enforces it too."""
    _fill_postgres(pg)
    pg.execute("ALTER TABLE things DROP CONSTRAINT things_parent_id_fkey")
    pg.execute("UPDATE things SET parent_id = 99 WHERE id = 4")
    lite = _sqlite(tmp_path / "orphans.db")
    with pytest.raises(SchemactlError, match=r"violate foreign keys \(first: table things, row id=4, referencing "
                       r"parents\); nothing was written: add the missing rows to parents at the source"):
        datacopy.copy(MANIFEST, pg, "postgres", lite, "sqlite")
    assert _empty(lite)
