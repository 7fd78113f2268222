"""Generated rows (hypothesis, derandomized: the same examples on every run) over every portable type travel
PostgreSQL -> SQLite -> PostgreSQL and through a backup both ways, on real engines.  The oracle is not
schemactl's own reading: PostgreSQL's text form of each whole row (``SELECT v::text``) must be identical
after the trip, or the copy must be refused (exit 2, target empty) exactly when a row holds what SQLite
cannot (NaN or -0.0 in a REAL, NaN or infinity in a JSON array)."""

from __future__ import annotations

import datetime as dt
import json
import math
import struct
from decimal import Decimal

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from schemactl import datacopy, render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.errors import SchemactlError
from schemactl.manifest.load import load_text
from schemactl.naming import quote
from tests.conftest import RESET_SQL

M = load_text("""\
format: 1
name: generated
version: 1
sqlite: {timestamptz: iso_text}
tables:
  v:
    columns:
      id: {type: integer, primary_key: true}
      i16: smallint
      i32: integer
      i64: bigint
      r: real
      d: double
      n: "numeric(20,6)"
      b: boolean
      t: text
      vc: varchar(5)
      u: uuid
      dd: date
      tm: time
      ts: timestamp
      tz: timestamptz
      j: json
      jb: jsonb
      by: bytes
      ta: "text[]"
      da: "double[]"
""", "generated.yaml")

COLUMNS = [c.name for c in M.tables[0].columns]
UTC = dt.timezone.utc
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
text = st.text(CHARS, max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 30, 10 ** 30) | text |
    st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=6)
json_text = st.builds(lambda v, spaced: json.dumps(v, separators=(", ", ": ") if spaced else (",", ":")),
                      json_values, st.booleans())


# Each example runs real engines: shrinking a failure would take minutes, so a failing example is reported as found.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


def _nullable(strategy):
    return st.none() | strategy


ROW = st.tuples(
    _nullable(st.integers(-2 ** 15, 2 ** 15 - 1)), _nullable(st.integers(-2 ** 31, 2 ** 31 - 1)),
    _nullable(st.integers(-2 ** 63, 2 ** 63 - 1)), _nullable(st.floats(width=32)), _nullable(st.floats()),
    _nullable(st.decimals(min_value=Decimal("-99999999999999"), max_value=Decimal("99999999999999"), places=6,
                          allow_nan=False) | st.just(Decimal("NaN"))),
    _nullable(st.booleans()), _nullable(text), _nullable(st.text(max_size=5).filter(lambda s: "\x00" not in s and
                                                                                       not any(0xD800 <= ord(c) <= 0xDFFF
                                                                                               for c in s))),
    _nullable(st.uuids()), _nullable(st.dates()), _nullable(st.times()), _nullable(st.datetimes()),
    _nullable(st.datetimes(timezones=st.just(UTC))), _nullable(json_text), _nullable(json_text),
    _nullable(st.binary(max_size=64)), _nullable(st.lists(_nullable(text), max_size=4)),
    _nullable(st.lists(_nullable(st.floats()), max_size=4)),
)


def _sqlite_cannot(row) -> bool:
    """NaN or -0.0 in a REAL column (real r, double d), NaN or infinity in a JSON array (da)."""
    real, da = [x for x in row[3:5] if x is not None], row[-1]
    return any(x != x or (x == 0 and math.copysign(1, x) < 0) for x in real) or \
        da is not None and any(x is not None and not math.isfinite(x) for x in da)


def _pg(conninfo):
    conn = psycopg.connect(conninfo, autocommit=True)
    conn.execute(RESET_SQL)
    conn.execute(render.ddl(M, "postgres"))
    return conn


def _row_texts(conn):
    return [r[0] for r in conn.execute("SELECT v::text FROM v ORDER BY id")]


def _sqlite(path):
    path.unlink(missing_ok=True)
    conn = sqlite_engine.connect(str(path))
    sqlite_engine.apply(conn, render.ddl(M, "sqlite"))
    return conn


@pytest.mark.parametrize("way", ["copy", "backup"])
@settings(max_examples=15, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=4))
def test_generated_rows_survive_postgres_sqlite_postgres_or_are_refused(rows, way, pg_test_db, pg_second_db,
                                                                        tmp_path):
    src, back = _pg(pg_test_db), _pg(pg_second_db)
    lite = _sqlite(tmp_path / "gen.db")
    try:
        with src.cursor() as cur:
            marks = ["%s"] * len(COLUMNS)
            marks[COLUMNS.index("j")], marks[COLUMNS.index("jb")] = "%s::json", "%s::jsonb"   # their exact text
            cur.executemany(f"INSERT INTO v VALUES ({', '.join(marks)})", [(i, *r) for i, r in enumerate(rows)])
        original = _row_texts(src)
        refused = any(_sqlite_cannot(r) for r in rows)
        archive = tmp_path / "gen.jsonl.gz"
        try:
            if way == "copy":
                datacopy.copy(M, src, "postgres", lite, "sqlite")
                datacopy.copy(M, lite, "sqlite", back, "postgres")
            else:
                archive.unlink(missing_ok=True)
                datacopy.backup(M, src, "postgres", archive)
                datacopy.restore(archive, M, back, "postgres")          # PostgreSQL -> archive -> PostgreSQL
                assert _row_texts(back) == original
                back.execute("DELETE FROM v")
                datacopy.restore(archive, M, lite, "sqlite")
                archive.unlink()
                datacopy.backup(M, lite, "sqlite", archive)
                datacopy.restore(archive, M, back, "postgres")
        except SchemactlError as exc:
            assert refused, f"refused although SQLite holds every value: {exc}"
            assert exc.exit_code == 2 and "table v, row id=" in str(exc)
            assert lite.execute("SELECT count(*) FROM v").fetchone()[0] == 0
            return
        assert not refused, "a value SQLite cannot hold was written"
        assert _row_texts(back) == original
    finally:
        src.close(), back.close(), lite.close()


# SQLite as the origin: rows in schemactl's SQLite storage form (canonical spellings: ISO text, lower-case
# UUIDs, numeric at the column's scale, instants as iso_text), checked on SQLite's own stored values.
def _canonical_numeric(d):
    return "NaN" if d.is_nan() else format(d.quantize(Decimal("0.000001")), "f")


def _iso_z(t):
    return f"{t.year:04d}-{t.strftime('%m-%dT%H:%M:%S')}.{t.microsecond:06d}Z"


def _float4_text(x: float) -> float:
    """A 4-byte float as PostgreSQL prints it (its shortest text) and psycopg reads it back: the double a
    real column of SQLite must hold to come back from PostgreSQL unchanged."""
    y = struct.unpack("f", struct.pack("f", x))[0]
    if not math.isfinite(y):
        return y
    return next(float(t) for t in (f"{y:.{d}g}" for d in range(1, 10))
                if struct.unpack("f", struct.pack("f", float(t)))[0] == y)


def _plain_json(values):
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


LITE_ROW = st.tuples(
    _nullable(st.integers(-2 ** 15, 2 ** 15 - 1)), _nullable(st.integers(-2 ** 31, 2 ** 31 - 1)),
    _nullable(st.integers(-2 ** 63, 2 ** 63 - 1)),
    _nullable(st.floats(width=32, allow_nan=False).filter(lambda x: not (x == 0 and math.copysign(1, x) < 0))
              .map(_float4_text)),
    _nullable(st.floats(allow_nan=False).filter(lambda x: not (x == 0 and math.copysign(1, x) < 0))),
    _nullable((st.decimals(min_value=Decimal("-99999999999999"), max_value=Decimal("99999999999999"), places=6,
                           allow_nan=False) | st.just(Decimal("NaN"))).map(_canonical_numeric)),
    _nullable(st.integers(0, 1)), _nullable(text), _nullable(st.text(CHARS, max_size=5)),
    _nullable(st.uuids().map(str)), _nullable(st.dates().map(dt.date.isoformat)),
    _nullable(st.times().map(dt.time.isoformat)), _nullable(st.datetimes().map(lambda t: t.isoformat(sep=" "))),
    _nullable(st.datetimes().map(_iso_z)), _nullable(json_text), _nullable(json_text),
    _nullable(st.binary(max_size=64)), _nullable(st.lists(_nullable(text), max_size=4).map(_plain_json)),
    _nullable(st.lists(_nullable(st.floats(allow_nan=False, allow_infinity=False)), max_size=4).map(_plain_json)),
)


def _stored(conn):
    return [tuple(r) for r in conn.execute(f"SELECT {', '.join(quote(c) for c in COLUMNS)} FROM v ORDER BY id")]


def _as_jsonb(rows):
    """jsonb compares as jsonb does (PostgreSQL writes it back in its canonical text)."""
    jb = COLUMNS.index("jb")
    return [r[:jb] + (None if r[jb] is None else json.loads(r[jb], parse_float=Decimal),) + r[jb + 1:] for r in rows]


@settings(max_examples=15, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(LITE_ROW, min_size=1, max_size=4))
def test_generated_sqlite_rows_survive_sqlite_postgres_sqlite(rows, pg_test_db, tmp_path):
    lite, pg = _sqlite(tmp_path / "origin.db"), _pg(pg_test_db)
    again = _sqlite(tmp_path / "again.db")
    try:
        lite.executemany(f"INSERT INTO v VALUES ({', '.join(['?'] * len(COLUMNS))})",
                         [(i, *r) for i, r in enumerate(rows)])
        original = _stored(lite)
        datacopy.copy(M, lite, "sqlite", pg, "postgres")
        datacopy.copy(M, pg, "postgres", again, "sqlite")
        assert _as_jsonb(_stored(again)) == _as_jsonb(original)
        assert [r[COLUMNS.index("j")] for r in _stored(again)] == [r[COLUMNS.index("j")] for r in original]
    finally:
        lite.close(), pg.close(), again.close()
