"""Values at every type's edges, on real engines: each survives copy and backup/restore unchanged in every
direction (SQLite <-> PostgreSQL, PostgreSQL -> PostgreSQL, SQLite -> SQLite), or is refused before
anything is written, with one message naming the table, row and column - never silently changed.

A case is (column, the value as SQL on each source engine, outcome).  The outcome is KEPT, REFUSED (the
source value is outside the column's type: refused whatever the target) or a dict per target engine (and
"archive": REFUSED when no archive can hold it).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from schemactl import datacopy
from schemactl.errors import SchemactlError
from schemactl.manifest.load import load_text
from schemactl.naming import quote
from tests.datacopy.conftest import Engines, count, rows, same

M = load_text("""\
format: 1
name: edges
version: 1
enums: {mood: [happy, sad]}
tables:
  v:
    columns:
      id: {type: integer, primary_key: true}
      i16: smallint
      i32: integer
      i64: bigint
      r: real
      d: double
      n: "numeric(38,10)"
      b: boolean
      t: text
      vc: varchar(5)
      ch: character(3)
      u: uuid
      dd: date
      tm: time
      ts: timestamp
      tz: timestamptz
      j: json
      jb: jsonb
      by: bytes
      e: mood
      ta: "text[]"
      da: "double[]"
      ja: "json[]"
      tza: "timestamptz[]"
""", "edges.yaml")

PG, LT = "postgres", "sqlite"
KEPT, REFUSED = "kept", "refused"
# PostgreSQL's infinity, BC dates, year 10000+ and 24:00:00: carried to PostgreSQL, refused by SQLite and archives.
PG_ONLY = {PG: KEPT, LT: REFUSED, "archive": REFUSED}


def both(sql):
    return {PG: sql, LT: sql}


EXACT_JSON = '{"a":1.0000000000000000001,  "a": 2}'
CASES = [
    # (id, column, source SQL per engine, outcome, what a refusal says)
    ("int64-max", "i64", both("9223372036854775807"), KEPT, None),
    ("int64-min", "i64", both("-9223372036854775808"), KEPT, None),
    ("int16-max", "i16", both("32767"), KEPT, None),
    ("int32-out-of-range", "i32", {LT: "2147483648"}, REFUSED, "out of range for integer"),
    ("int-text", "i32", {LT: "'abc'"}, REFUSED, "not a whole number"),
    ("int-fraction", "i64", {LT: "2.5"}, REFUSED, "not a whole number"),
    ("real-max", "r", {PG: "'3.4028235e38'", LT: "3.4028235e38"}, KEPT, None),
    ("real-too-precise", "r", {LT: "0.123456789"}, {LT: KEPT, PG: REFUSED}, "4-byte real"),
    ("real-out-of-range", "r", {LT: "1e300"}, REFUSED, "beyond the range of a 4-byte real"),
    ("double-max", "d", both("1.7976931348623157e308"), KEPT, None),
    ("double-subnormal", "d", both("5e-324"), KEPT, None),
    ("double-infinity", "d", {PG: "'Infinity'", LT: "9e999"}, KEPT, None),
    ("double-minus-infinity", "d", {PG: "'-Infinity'", LT: "-9e999"}, KEPT, None),
    ("double-nan", "d", {PG: "'NaN'"}, {LT: REFUSED, PG: KEPT}, "NaN cannot be stored in SQLite"),
    ("double-minus-zero", "d", {PG: "'-0'"}, {LT: REFUSED, PG: KEPT}, "-0.0 cannot be stored in SQLite"),
    ("double-text", "d", {LT: "'x'"}, REFUSED, "not a number"),
    ("numeric-nan", "n", both("'NaN'"), KEPT, None),
    ("numeric-widest", "n", both("'-1234567890123456789012345678.0123456789'"), KEPT, None),
    ("numeric-too-many-places", "n", {LT: "'1.00000000001'"}, REFUSED, "more than 10 decimal places"),
    ("numeric-too-big", "n", {LT: "'1e30'"}, REFUSED, r"does not fit numeric\(38,10\)"),
    ("numeric-malformed", "n", {LT: "'1,5'"}, REFUSED, "not a decimal number"),
    ("boolean-two", "b", {LT: "2"}, REFUSED, "not 0 or 1"),
    ("boolean-text", "b", {LT: "'yes'"}, REFUSED, "not 0 or 1"),
    ("text-astral", "t", both("'𝄞🎉 żółć ''quoted'' \\'"), KEPT, None),
    ("text-nul", "t", {LT: "'a' || char(0) || 'b'"}, {LT: KEPT, PG: REFUSED}, "NUL"),
    ("text-invalid-utf8", "t", {LT: "CAST(X'C328' AS TEXT)"}, REFUSED, "not valid UTF-8"),
    ("text-blob", "t", {LT: "X'00FF'"}, REFUSED, "BLOB"),
    ("varchar-too-long", "vc", {LT: "'abcdef'"}, REFUSED, r"more than varchar\(5\)"),
    ("character-padded", "ch", both("'a'"), KEPT, None),
    ("uuid-max", "u", both("'ffffffff-ffff-ffff-ffff-ffffffffffff'"), KEPT, None),
    ("uuid-malformed", "u", {LT: "'not-a-uuid'"}, REFUSED, "not a UUID"),
    ("date-year-1", "dd", both("'0001-01-01'"), KEPT, None),
    ("date-year-9999", "dd", both("'9999-12-31'"), KEPT, None),
    ("date-infinity", "dd", {PG: "'infinity'"}, PG_ONLY, "'infinity'"),
    ("date-bc", "dd", {PG: "'0044-03-15 BC'"}, PG_ONLY, "BC"),
    ("date-year-10000", "dd", {PG: "'10000-01-01'"}, PG_ONLY, "10000-01-01"),
    ("date-invalid", "dd", {LT: "'2024-02-30'"}, REFUSED, "not a date"),
    # ISO 8601 spellings neither engine reads as this date (Python's fromisoformat does): refused, not converted
    ("date-iso-week", "dd", {LT: "'2024-W01-1'"}, REFUSED, "not a date"),
    ("date-basic-format", "dd", {LT: "'20240101'"}, REFUSED, "not a date"),
    ("time-basic-format", "tm", {LT: "'20240101'"}, REFUSED, "not a time of day"),
    ("time-hour-only", "tm", {LT: "'10'"}, REFUSED, "not a time of day"),
    ("timestamp-date-and-offset", "ts", {LT: "'2024-01-01+01:00'"}, REFUSED, "not a timestamp"),
    ("timestamp-other-separator", "ts", {LT: "'2024-01-01x10:00:00'"}, REFUSED, "not a timestamp"),
    ("timestamp-comma-fraction", "ts", {LT: "'2024-01-01 10:00:00,5'"}, REFUSED, "not a timestamp"),
    ("timestamptz-compact-offset", "tz", {LT: "'2024-01-01 10:00:00+0100'"}, REFUSED, "not a timestamp"),
    ("time-last-microsecond", "tm", both("'23:59:59.999999'"), KEPT, None),
    ("time-24", "tm", {PG: "'24:00:00'"}, PG_ONLY, "24:00:00"),
    ("time-below-microsecond", "tm", {LT: "'12:00:00.0000005'"}, REFUSED, "finer than a microsecond"),
    ("time-nanosecond-zeros", "tm", {LT: "'12:00:00.123456000'"}, KEPT, None),
    ("timestamp-below-microsecond", "ts", {LT: "'2024-01-01 00:00:00.9999999'"}, REFUSED,
     "finer than a microsecond"),
    ("timestamp-year-1", "ts", both("'0001-01-01 00:00:00'"), KEPT, None),
    ("timestamp-year-9999", "ts", both("'9999-12-31 23:59:59.999999'"), KEPT, None),
    ("timestamp-minus-infinity", "ts", {PG: "'-infinity'"}, PG_ONLY, "'-infinity'"),
    ("timestamp-bc", "ts", {PG: "'4713-01-01 00:00:00 BC'"}, PG_ONLY, "BC"),
    ("timestamp-offset", "ts", {LT: "'2024-01-01 00:00:00+02:00'"}, REFUSED, "time zone offset"),
    ("timestamptz-year-1", "tz", {PG: "'0001-01-01 00:00:00Z'", LT: "-62135596800000"}, KEPT, None),
    ("timestamptz-year-9999", "tz", {PG: "'9999-12-31 23:59:59.999Z'", LT: "253402300799999"}, KEPT, None),
    ("timestamptz-microsecond", "tz", {PG: "'2024-01-01 00:00:00.000001Z'"}, {LT: REFUSED, PG: KEPT},
     "fraction of a millisecond"),
    ("timestamptz-infinity", "tz", {PG: "'infinity'"}, PG_ONLY, "'infinity'"),
    ("timestamptz-bc", "tz", {PG: "'0044-03-15 12:00:00+00 BC'"}, PG_ONLY, "BC"),
    ("timestamptz-year-10000", "tz", {PG: "'10000-01-01 00:00:00+00'"}, PG_ONLY, "10000-01-01"),
    ("timestamptz-overflow", "tz", {LT: "9223372036854775807"}, REFUSED, "outside years 1 to 9999"),
    ("json-null", "j", both("'null'"), KEPT, None),
    ("json-exact-text", "j", both(f"'{EXACT_JSON}'"), KEPT, None),
    ("json-big-number", "j", both("'123456789012345678901234567890'"), KEPT, None),
    ("json-invalid", "j", {LT: "'{\"a\":'"}, REFUSED, "not valid JSON"),
    ("jsonb-null", "jb", both("'null'"), KEPT, None),
    ("jsonb-precise-number", "jb", both("'1.0000000000000000001'"), KEPT, None),
    ("jsonb-big-numbers", "jb", both("'[123456789012345678901234567890, -0.0, 1e400]'"), KEPT, None),
    ("jsonb-nan", "jb", {LT: "'NaN'"}, REFUSED, "not valid JSON"),
    ("jsonb-nul-escape", "jb", {LT: "'\"\\u0000\"'"}, {LT: KEPT, PG: REFUSED}, "Unicode escape"),
    ("bytes-4mb", "by", {PG: "decode(repeat('00ff', 2097152), 'hex')", LT: "randomblob(4194304)"}, KEPT, None),
    ("bytes-empty", "by", {PG: "''::bytea", LT: "X''"}, KEPT, None),
    ("bytes-text", "by", {LT: "'abc'"}, REFUSED, "not bytes"),
    ("text-array-edges", "ta", {PG: "ARRAY['𝄞', NULL, '', 'NULL']", LT: "'[\"𝄞\",null,\"\",\"NULL\"]'"}, KEPT, None),
    ("array-not-json", "ta", {LT: "'not an array'"}, REFUSED, "not a JSON array"),
    ("double-array-nan", "da", {PG: "ARRAY['NaN'::float8, 1]"}, {LT: REFUSED, PG: KEPT}, "NaN"),
    ("double-array-minus-zero", "da", {PG: "ARRAY['-0'::float8]", LT: "'[-0.0]'"}, KEPT, None),
    ("json-array-null-element", "ja", {PG: "ARRAY['null'::json, NULL]"}, {LT: REFUSED, PG: KEPT}, "JSON null"),
    # PostgreSQL -> SQLite -> PostgreSQL gave '{"a": 1}' for ' {"a": 1} ' (SQLite's JSON array reads the blanks)
    ("json-array-blanks-around", "ja", {PG: """ARRAY[' {"a": 1} '::json]"""}, {LT: REFUSED, PG: KEPT},
     "blanks around its JSON text"),
    ("json-array-exact-text", "ja", {PG: f"ARRAY['{EXACT_JSON}'::json, NULL]", LT: f"'[{EXACT_JSON},null]'"},
     KEPT, None),
    ("timestamptz-array-edges", "tza",
     {PG: "ARRAY['0001-01-01 00:00:00Z'::timestamptz, '9999-12-31 23:59:59.999999Z']",
      LT: "'[\"0001-01-01T00:00:00+00:00\",\"9999-12-31T23:59:59.999999+00:00\"]'"}, KEPT, None),
    ("timestamptz-array-infinity", "tza", {PG: "ARRAY['infinity'::timestamptz, NULL]"}, PG_ONLY, "'infinity'"),
]

PARAMS = [pytest.param(case, source, target, id=f"{case[0]}-{source}-to-{target}")
          for case in CASES for source in (LT, PG) if source in case[2] for target in (LT, PG)]


@pytest.fixture
def engines(pg_test_db, pg_second_db, tmp_path):
    e = Engines(M, pg_test_db, pg_second_db, tmp_path)
    yield e
    e.close()


def _outcome(case, target):
    outcome = case[3]
    return outcome[target] if isinstance(outcome, dict) else outcome


def _comparable(values, engines_differ: bool):
    """jsonb between engines compares as jsonb does (PostgreSQL keeps its canonical text)."""
    jb = [c.name for c in M.tables[0].data_columns].index("jb")
    if not engines_differ:
        return values
    return [tuple(json.loads(v, parse_float=Decimal, parse_int=Decimal) if i == jb and v is not None else v
                  for i, v in enumerate(r)) for r in values]


def _refused(info, column: str, says: str):
    err = info.value
    assert err.exit_code == 2
    message = str(err)
    assert "\n" not in message
    assert "table v, row id=1" in message and f"column {column}:" in message, message   # PostgreSQL's refusals too
    assert re.search(says, message), message


@pytest.mark.parametrize("case,source,target", PARAMS)
def test_edge_value_survives_copy_and_backup_or_is_refused(case, source, target, engines, tmp_path):
    name, column, sql, _, says = case
    src = engines.db(source)
    src.execute(f"INSERT INTO v (id, {quote(column)}) VALUES (1, {sql[source]})")
    dst = engines.db(target, second=source == target == PG)
    outcome = _outcome(case, target)
    differ = source != target

    if outcome == KEPT:
        original = rows(M, src, source)
        assert datacopy.copy(M, src, source, dst, target) == {"v": 1}
        assert same(_comparable(rows(M, dst, target), differ), _comparable(original, differ))
        dst.execute("DELETE FROM v")
    else:
        with pytest.raises(SchemactlError) as info:
            datacopy.copy(M, src, source, dst, target)
        _refused(info, column, says)
        assert count(dst, "v") == 0

    archive = tmp_path / "edges.jsonl.gz"
    if case[3] == REFUSED or isinstance(case[3], dict) and case[3].get("archive") == REFUSED:   # no archive
        with pytest.raises(SchemactlError) as info:
            datacopy.backup(M, src, source, archive)
        _refused(info, column, says)
        assert not archive.exists() and not list(tmp_path.glob(".edges*"))
        return
    datacopy.backup(M, src, source, archive)
    if outcome == KEPT:
        assert datacopy.restore(archive, M, dst, target) == {"v": 1}
        assert same(_comparable(rows(M, dst, target), differ), _comparable(rows(M, src, source), differ))
    else:
        with pytest.raises(SchemactlError) as info:
            datacopy.restore(archive, M, dst, target)
        _refused(info, column, says)
        assert count(dst, "v") == 0


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_checking_a_schema_leaves_the_callers_open_transaction_as_it_was(engine, pg_test_db, pg_second_db, tmp_path):
    """check_schema reads the catalog; it never ends a transaction its caller has open (a rollback there
    dropped the caller's uncommitted rows, and copy then copied the rows without them)."""
    from schemactl.datatarget import check_schema
    m = load_text("format: 1\nname: open\nversion: 1\ntables:\n  t:\n    columns:\n"
                  "      id: {type: integer, primary_key: true}\n", "open.yaml")
    e = Engines(m, pg_test_db, pg_second_db, tmp_path)
    try:
        conn = e.db(engine)
        if engine == "postgres":
            conn.autocommit = False
        else:
            conn.execute("BEGIN")
        conn.execute("INSERT INTO t VALUES (1)")
        check_schema(conn, engine, m, "source")
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
        conn.rollback()
    finally:
        e.close()
