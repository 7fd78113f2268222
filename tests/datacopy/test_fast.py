"""SQLite -> PostgreSQL through COPY lines SQLite spells itself (schemactl.datafast) must change nothing: every
edge value of every type that path knows is copied by it and by the neutral path (the fast SELECT switched
off), and PostgreSQL must then hold the same text for every row, or both must refuse with the same message.
Which rows took the fast path is checked too, so a condition that lets too much through (or nothing) fails."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from schemactl import datacopy, datafast, render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.errors import SchemactlError
from schemactl.manifest.load import load_text
from schemactl.naming import quote
from tests.datacopy.conftest import Engines

SPEC = """\
format: 1
name: fast
version: 1
{storage}enums: {{mood: [happy, "it's"]}}
tables:
  f:
    columns:
      id: {{type: integer, primary_key: true}}
      i16: smallint
      i32: integer
      i64: bigint
      b: boolean
      t: text
      vc: varchar(5)
      ch: character(3)
      u: uuid
      by: bytes
      e: mood
      n: "numeric(12,2)"
      n0: "numeric(5,0)"
      tz: timestamptz
      uq: {{type: integer, unique: true}}
      nn: {{type: text, nullable: false}}
"""
M = load_text(SPEC.format(storage=""), "fast.yaml")
M_S = load_text(SPEC.format(storage="sqlite: {timestamptz: integer_s}\n"), "fast_s.yaml")

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MS_LO = (dt.datetime(1, 1, 1, tzinfo=UTC) - EPOCH) // dt.timedelta(milliseconds=1)
MS_HI = (dt.datetime.max.replace(tzinfo=UTC) - EPOCH) // dt.timedelta(milliseconds=1)
MS_1000 = (dt.datetime(1000, 1, 1, tzinfo=UTC) - EPOCH) // dt.timedelta(milliseconds=1)   # the first fast instant
FAST, SLOW = True, False
U = "0123abcd-4567-89ef-0123-456789abcdef"

# (column, the value as SQLite SQL, does the fast SELECT take it?).  A slow value is carried or refused by the
# neutral path, whichever it does: the test compares the two paths, not a fixed outcome.
CASES = [
    ("i16", "32767", FAST), ("i16", "-32768", FAST), ("i16", "32768", SLOW), ("i16", "-32769", SLOW),
    ("i16", "'12'", FAST), ("i16", "' 12 '", FAST), ("i16", "'12a'", SLOW), ("i16", "1.5", SLOW), ("i16", "2.0", FAST), ("i16", "x'01'", SLOW),
    ("i32", "2147483647", FAST), ("i32", "-2147483648", FAST), ("i32", "2147483648", SLOW),
    ("i64", "9223372036854775807", FAST), ("i64", "-9223372036854775808", FAST), ("i64", "'9223372036854775808'", SLOW),
    ("b", "0", FAST), ("b", "1", FAST), ("b", "2", SLOW), ("b", "-1", SLOW), ("b", "'true'", SLOW), ("b", "'t'", SLOW),
    ("b", "1.0", FAST), ("b", "0.5", SLOW),
    ("t", "'plain'", FAST), ("t", "''", FAST), ("t", "'żółć 🎉 ''q'''", FAST), ("t", "'tab' || char(9) || 'x'", SLOW),
    ("t", "'a' || char(10) || 'b'", SLOW), ("t", "'a' || char(13) || 'b'", SLOW), ("t", "'a' || char(13, 10)", SLOW),
    ("t", "'back\\slash'", SLOW), ("t", "'\\N'", SLOW), ("t", "'\\.'", SLOW), ("t", "'\\'", SLOW),
    ("t", "char(1, 8, 11, 12, 27, 127, 160, 8232)", FAST), ("t", "'a' || char(0) || 'b'", SLOW),
    ("t", "char(0)", SLOW), ("t", "CAST(x'61ff62' AS TEXT)", SLOW), ("t", "CAST(x'eda080' AS TEXT)", SLOW),
    ("t", "123", FAST), ("t", "x'68'", SLOW), ("t", "'N'", FAST), ("t", "'NULL'", FAST), ("t", "' '", FAST),
    ("vc", "'abcde'", FAST), ("vc", "'abcdef'", SLOW), ("vc", "'żółćx'", FAST), ("vc", "'żółćxy'", SLOW),
    ("vc", "'ab' || char(0) || 'cdefgh'", SLOW),
    ("ch", "'ab'", FAST), ("ch", "'abc'", FAST), ("ch", "'abcd'", SLOW), ("ch", "'a '", FAST), ("ch", "''", FAST),
    ("ch", "'żó'", FAST),
    ("u", f"'{U}'", FAST), ("u", f"'{U.upper()}'", SLOW), ("u", "'{" + U + "}'", SLOW), ("u", f"'{U.replace('-', '')}'", SLOW),
    ("u", "'not-a-uuid'", SLOW), ("u", f"'{U}' || char(0) || 'x'", SLOW), ("u", f"'{U} '", SLOW),
    ("u", f"'urn:uuid:{U}'", SLOW),
    ("by", "x''", FAST), ("by", "x'00ff5c0a09'", FAST), ("by", "'text'", SLOW), ("by", "7", SLOW),
    ("e", "'happy'", FAST), ("e", "'it''s'", FAST), ("e", "'HAPPY'", SLOW), ("e", "'happy '", SLOW),
    ("e", "'happy' || char(0)", SLOW), ("e", "''", SLOW),
    ("n", "'1.50'", FAST), ("n", "'-1.50'", FAST), ("n", "'0.00'", FAST), ("n", "'-0.00'", SLOW),
    ("n", "'9999999999.99'", FAST), ("n", "'-9999999999.99'", FAST), ("n", "'99999999999.99'", SLOW),
    ("n", "'-99999999999.99'", SLOW), ("n", "'1.5'", SLOW), ("n", "'1.500'", SLOW), ("n", "'1.505'", SLOW),
    ("n", "'007.50'", SLOW), ("n", "'1e2'", SLOW), ("n", "' 1.50'", SLOW), ("n", "'1.50 '", SLOW),
    ("n", "'NaN'", SLOW), ("n", "'Inf'", SLOW), ("n", "'-Infinity'", SLOW), ("n", "'1e999'", SLOW),
    ("n", "'.50'", SLOW), ("n", "'1.'", SLOW), ("n", "'+1.50'", SLOW), ("n", "'1.50' || char(0) || '7'", SLOW),
    ("n", "1.5", SLOW), ("n", "150", SLOW), ("n", "x'312e3530'", SLOW), ("n", "'1,50'", SLOW),
    ("n", "'12345678901234567890.12'", SLOW), ("n", "'0.01'", FAST), ("n", "'-0.01'", FAST),
    ("n0", "'12345'", FAST), ("n0", "'-12345'", FAST), ("n0", "'123456'", SLOW), ("n0", "'1.0'", SLOW),
    ("n0", "'0'", FAST), ("n0", "'-0'", SLOW), ("n0", "'00001'", SLOW),
    ("tz", "0", FAST), ("tz", "1", FAST), ("tz", "-1", FAST), ("tz", "-999", FAST), ("tz", "-1000", FAST),
    ("tz", "-1001", FAST), ("tz", "999", FAST), ("tz", "1000", FAST), ("tz", str(MS_LO), SLOW), ("tz", str(MS_1000), FAST), ("tz", str(MS_1000 - 1), SLOW),
    ("tz", str((dt.datetime(300, 3, 1, tzinfo=UTC) - EPOCH) // dt.timedelta(milliseconds=1)), SLOW),
    ("tz", str(MS_HI), FAST), ("tz", str(MS_LO - 1), SLOW), ("tz", str(MS_HI + 1), SLOW),
    ("tz", "951782400000", FAST), ("tz", "951868799999", FAST), ("tz", "-2203891200001", FAST),
    ("tz", "'2024-01-01T00:00:00Z'", SLOW), ("tz", "'2024-01-01 00:00:00.5+02:00'", SLOW), ("tz", "1.5", SLOW),
    ("tz", "'1700000000000'", FAST), ("tz", "9223372036854775807", SLOW), ("tz", "-9223372036854775808", SLOW),
    ("nn", "'x'", FAST),
    ("uq", "7", FAST), ("uq", "7", FAST),
]


def _source(e: Engines, m, cases):
    lite = e.db("sqlite", schema=False)
    # Without its UNIQUE (a source's missing constraint is no finding): the duplicate is PostgreSQL's refusal.
    ddl = render.ddl(m, "sqlite")
    assert "    CONSTRAINT f_uq_key UNIQUE (uq),\n" in ddl
    sqlite_engine.apply(lite, ddl.replace("    CONSTRAINT f_uq_key UNIQUE (uq),\n", ""))
    lite.execute("PRAGMA ignore_check_constraints = ON")     # values SQLite's CHECKs would refuse, as in old files
    for i, (col, sql, _) in enumerate(cases, start=1):
        nn = sql if col == "nn" else "'x'"
        cols = ["id", "nn"] + ([col] if col != "nn" else [])
        vals = [str(i), nn] + ([sql] if col != "nn" else [])
        lite.execute(f"INSERT INTO f ({', '.join(quote(c) for c in cols)}) VALUES ({', '.join(vals)})")
    lite.commit()
    return lite


def _texts(pg, table: str = "f") -> list[str]:
    return [r[0] for r in pg.execute(f"SELECT {table}::text FROM {table} ORDER BY id")]


def _per_row(real):
    """datafast.plan without its grouped queries: the lines come a row at a time."""
    def plan(*a):
        p = real(*a)
        if p is not None:
            p.grouped = None
        return p
    return plan


def _capture(mp, sent: list):
    """Record (the name of the feed, every piece of COPY data) of each COPY the fast path sends."""
    real = datacopy._copy_in

    def spy(conn, name, col_list, feed, progress, table):
        data: list = []
        sent.append((getattr(getattr(feed, "gi_code", None), "co_name", None), data))

        def tee():
            for piece, rows in feed:
                data.append(piece)
                yield piece, rows
        return real(conn, name, col_list, tee(), progress, table)
    mp.setattr(datacopy, "_copy_in", spy)


def _two_readers(mp) -> list[bool]:
    """Every table of three rows or more read in segments of two rows, every other one by the second reader
    (schemactl._copyhelper); the list records, per segment asked of it, whether it sent it (False: refused,
    read here instead)."""
    mp.setattr(datafast, "PARALLEL_FROM_ROWS", 3)
    mp.setattr(datafast, "SEGMENT_ROWS", (2, 2))
    return segments_sent(mp)


def segments_sent(mp) -> list[bool]:
    """Per segment asked of the second reader, whether it sent all of it."""
    delivered: list[bool] = []
    real = datafast._Helper.segment

    def segment(self):
        got = real(self)
        delivered.append(got.complete)
        return got
    mp.setattr(datafast._Helper, "segment", segment)
    return delivered


def reader_of(lite):
    """The SecondReader `schemactl copy` makes for the SQLite file it opens."""
    import os
    path = lite.execute("PRAGMA database_list").fetchone()[2]
    return datafast.SecondReader.of_file(path, os.stat(path))


def _run(m, lite, pg, fast, monkeypatch, slow_ids: list, sent: list | None = None):
    """Copy with or without the fast SELECT (fast="rows": its lines a row at a time, not joined by SQLite):
    (rows' text in PostgreSQL, None) or (None, the refusal)."""
    with monkeypatch.context() as mp:
        if sent is not None:
            _capture(mp, sent)
        if not fast:
            mp.setattr(datafast, "plan", lambda *a: None)
        else:
            if fast == "rows":
                mp.setattr(datafast, "plan", _per_row(datafast.plan))
            real = datafast._mixed

            def spy(conn, p, rows, lines, n, slow, factory):
                slow_ids.extend(r[1] for r, line in zip(rows, lines) if not datafast._fast_line(line))
                return real(conn, p, rows, lines, n, slow, factory)
            mp.setattr(datafast, "_mixed", spy)
        try:
            datacopy.copy(m, lite, "sqlite", pg, "postgres", replace=True, reader=reader_of(lite))
        except SchemactlError as exc:
            return None, str(exc)
    return _texts(pg, m.tables[0].name), None


@pytest.mark.parametrize("m, batch, readers", [(m, batch, 1) for m in (M, M_S) for batch in (3, 5000)] + [(M, 3, 2)],
                         ids=["integer_ms-3", "integer_ms-5000", "integer_s-3", "integer_s-5000",
                              "integer_ms-3-two_readers"])
def test_fast_path_carries_or_refuses_exactly_as_the_neutral_path(m, batch, readers, pg_test_db, pg_second_db,
                                                                   tmp_path, monkeypatch):
    monkeypatch.setattr(datacopy, "BATCH", batch)
    delivered = _two_readers(monkeypatch) if readers == 2 else []
    cases = CASES
    if m is M_S:   # whole seconds: the instants' edges in seconds
        lo, hi = MS_LO // 1000, MS_HI // 1000
        cases = [c for c in CASES if c[0] != "tz"] + [("tz", str(v), ok) for v, ok in (
            (lo, SLOW), (MS_1000 // 1000, FAST), (MS_1000 // 1000 - 1, SLOW), (hi, FAST), (lo - 1, SLOW), (hi + 1, SLOW), (-1, FAST), (0, FAST), (951868799, FAST),
            ("'x'", SLOW), (1.5, SLOW))]
    e = Engines(m, pg_test_db, pg_second_db, tmp_path)
    try:
        lite, pg = _source(e, m, cases), e.db("postgres")
        refused = []
        while True:
            slow_ids: list = []
            neutral, why = _run(m, lite, pg, False, monkeypatch, [])
            by_row, row_why = _run(m, lite, pg, "rows", monkeypatch, [], rows_sent := [])
            fast, fast_why = _run(m, lite, pg, True, monkeypatch, slow_ids, sent := [])
            assert fast_why == why, f"fast path: {fast_why}\nneutral path: {why}"
            assert row_why == why, f"fast path a row at a time: {row_why}\nneutral path: {why}"
            if why is None:
                assert fast == neutral == by_row
                # SQLite's joined batches send exactly the bytes of the lines read a row at a time, in key order
                assert [name for name, _ in sent] == ["grouped_batches"]
                assert [name for name, _ in rows_sent] == ["batches"]
                assert b"".join(sent[0][1]) == b"".join(rows_sent[0][1])
                assert [r[0] for r in pg.execute("SELECT id FROM f ORDER BY ctid")] == \
                    [r[0] for r in lite.execute("SELECT id FROM f ORDER BY id")]
                break
            # a refusal is found again a line per row (the joined batches are undone to their savepoint)
            assert [name for name, _ in sent][-1:] == ["batches"]
            found = re.search(r"row id=(\d+)", why)
            assert found, why
            refused.append(cases[int(found.group(1)) - 1])
            lite.execute("DELETE FROM f WHERE id = ?", (int(found.group(1)),))
            lite.commit()
        ids = {r[0]: r[1] for r in lite.execute("SELECT rowid, id FROM f")}
        kept = {r[0] for r in lite.execute("SELECT id FROM f")}
        went_slow = {ids[r] for r in slow_ids}
        assert len(went_slow) == len(slow_ids)
        wrong = [(cases[i - 1], i in went_slow) for i in sorted(kept) if (i in went_slow) == cases[i - 1][2]]
        assert not wrong, f"(case, took the neutral path): {wrong}"
        assert len(kept) > 60 and len(refused) > 30       # both outcomes were exercised
        assert [c for c in refused if c[2]] == [("uq", "7", FAST)]     # the duplicate: PostgreSQL's refusal
        if readers == 2:   # the second reader sent segments, and left those with a line to check to this one
            assert True in delivered and False in delivered
    finally:
        e.close()


def test_instants_match_the_neutral_path_across_years_1_to_9999(pg_test_db, pg_second_db, tmp_path, monkeypatch):
    """SQLite's datetime() spells the instant: PostgreSQL must hold exactly the neutral path's instant (EPOCH +
    the milliseconds) for every 7th day of years 1000 to 9999 at a time of day that moves, every day of the
    years where calendars go wrong, and the milliseconds either side of midnight and of the epoch.  Instants
    before year 1000 take the neutral path (SQLite spells 0300-03-01 as 0300-02-29)."""
    m = load_text("format: 1\nname: inst\nversion: 1\ntables:\n  s:\n    columns:\n"
                  "      id: {type: integer, primary_key: true}\n      tz: {type: timestamptz, nullable: false}\n",
                  "inst.yaml")
    day = 86_400_000
    values = {MS_1000 + d * day + (d * 7_919_993) % day for d in range(0, (MS_HI - MS_1000) // day + 1, 7)}
    values |= {MS_LO + d * day + (d * 7_919_993) % day for d in range(0, (MS_1000 - MS_LO) // day, 97)}
    for year in (300, 1000, 1100, 1500, 1582, 1600, 1700, 1800, 1900, 1969, 1970, 2000, 2038, 2100, 2400, 9999):
        start = (dt.datetime(year, 1, 1, tzinfo=UTC) - EPOCH) // dt.timedelta(milliseconds=1)
        values |= {start + d * day + off for d in range(366) for off in (-1, 0, day // 2 + 1)}
    values |= {v + off for v in (MS_LO, MS_1000, 0, MS_HI - day + 1) for off in (-1001, -1000, -999, -1, 0, 1, 999)}
    values = sorted(v for v in values if MS_LO <= v <= MS_HI)
    e = Engines(m, pg_test_db, pg_second_db, tmp_path)
    try:
        lite = e.db("sqlite")
        lite.execute("BEGIN")
        lite.executemany("INSERT INTO s VALUES (?, ?)", enumerate(values))
        lite.execute("COMMIT")
        pg = e.db("postgres")
        slow: list = []
        real = datafast._mixed

        def spy(conn, p, rows, lines, n, slow_fn, factory):
            slow.extend(r[1] for r, line in zip(rows, lines) if not datafast._fast_line(line))
            return real(conn, p, rows, lines, n, slow_fn, factory)
        monkeypatch.setattr(datafast, "_mixed", spy)
        datacopy.copy(m, lite, "sqlite", pg, "postgres")
        held = [r[0] for r in pg.execute("SELECT tz FROM s ORDER BY id")]
        wrong = [(v, h) for v, h in zip(values, held) if h != EPOCH + dt.timedelta(milliseconds=v)]
        assert not wrong[:5] and len(held) == len(values) > 400_000
        assert len(slow) == sum(v < MS_1000 for v in values) > 1000     # only those before year 1000
    finally:
        e.close()


def test_fast_select_is_used_only_where_every_column_has_a_plain_form():
    cols = lambda m: datacopy.dv.columns(m, m.tables[0])
    assert datafast.plan(M, M.tables[0], cols(M), "f", "id") is not None
    other = load_text("format: 1\nname: o\nversion: 1\ntables:\n  o:\n    columns:\n"
                      "      id: {type: integer, primary_key: true}\n      r: real\n", "o.yaml")
    assert datafast.plan(other, other.tables[0], cols(other), "o", "id") is None
    assert render.ddl(M, "sqlite")    # the manifest renders (the fixture builds the source from it)


KEYED = """\
format: 1
name: keyed
version: 1
tables:
  k:
    columns:
      id: {type: bigint, primary_key: true}
      v: text
"""


@pytest.mark.parametrize("ids", [
    [1, 2, 3, 3, 4, 5, 6],          # a key repeated across two batches of 3
    [None, None, None, 1, 2],       # NULL keys (a source without NOT NULL)
    [1, 2, 3, 3, 3, 3, 4],          # a repeated key filling a whole batch
])
def test_keys_the_joined_batches_cannot_follow_are_copied_a_line_per_row(ids, pg_test_db, pg_second_db, tmp_path,
                                                                        monkeypatch):
    """Batches joined by SQLite follow the rowid, so a repeated or NULL key is no obstacle to them; on any
    refusal (PostgreSQL's of the repeated key at the end of the COPY, the neutral path's of a NULL key) the
    table is copied again a line per row, which refuses exactly as the neutral path does."""
    m = load_text(KEYED, "keyed.yaml")
    monkeypatch.setattr(datacopy, "BATCH", 3)
    e = Engines(m, pg_test_db, pg_second_db, tmp_path)
    try:
        lite = e.db("sqlite", schema=False)
        ddl = render.ddl(m, "sqlite")
        assert "    id BIGINT NOT NULL,\n" in ddl and ",\n    CONSTRAINT k_pkey PRIMARY KEY (id)" in ddl
        sqlite_engine.apply(lite, ddl.replace("    id BIGINT NOT NULL,\n", "    id BIGINT,\n")
                            .replace(",\n    CONSTRAINT k_pkey PRIMARY KEY (id)", ""))
        lite.executemany("INSERT INTO k VALUES (?, ?)", [(i, f"v{n}") for n, i in enumerate(ids)])
        lite.commit()
        pg = e.db("postgres")
        _, why = _run(m, lite, pg, False, monkeypatch, [])
        ended = []
        real = datafast.grouped_batches

        def grouped_batches(*a, **k):      # named as the real one: _capture reports the feed's name
            try:
                yield from real(*a, **k)
            except BaseException as exc:
                ended.append(type(exc).__name__)
                raise
            ended.append("done")
        monkeypatch.setattr(datafast, "grouped_batches", grouped_batches)
        _, fast_why = _run(m, lite, pg, True, monkeypatch, [], sent := [])
        assert why is not None and fast_why == why
        assert ended == (["SchemactlError"] if None in ids else ["done"])
        assert [name for name, _ in sent] == ["grouped_batches", "batches"]
        assert pg.execute("SELECT count(*) FROM k").fetchone()[0] == 0
    finally:
        e.close()


@pytest.mark.parametrize("readers", [1, 2])
def test_joined_batches_of_a_table_with_a_text_key(readers, pg_test_db, pg_second_db, tmp_path, monkeypatch):
    """A text key: every row once, in the source's rowid order (also in segments: their bounds are rowids)."""
    m = load_text(KEYED.replace("id: {type: bigint", "id: {type: text"), "keyed.yaml")
    monkeypatch.setattr(datacopy, "BATCH", 4)
    delivered = _two_readers(monkeypatch) if readers == 2 else [True]
    e = Engines(m, pg_test_db, pg_second_db, tmp_path)
    try:
        lite = e.db("sqlite")
        keys = ["b", "a", "B", "ä", "a0", "", "10", "9", "z" * 50, "żółć", "A", "_", " "] + [f"k{i:03d}" for i in range(30)]
        lite.executemany("INSERT INTO k VALUES (?, ?)", [(k, f"v{k}") for k in keys])
        lite.commit()
        pg = e.db("postgres")
        _, why = _run(m, lite, pg, True, monkeypatch, [], sent := [])
        assert why is None and [name for name, _ in sent] == ["grouped_batches"]
        assert [r[0] for r in pg.execute("SELECT id FROM k ORDER BY ctid")] == keys
        assert sorted(pg.execute("SELECT id, v FROM k").fetchall()) == sorted((k, f"v{k}") for k in keys)
        assert delivered and all(delivered)
    finally:
        e.close()


ESCAPED = """\
format: 1
name: esc
version: 1
tables:
  f:
    columns:
      id: {type: integer, primary_key: true}
      t: text
      b: bytes
      n: {type: text, nullable: false}
"""
# Text values COPY's text format must escape (or that look like its NULL), beside NULLs and bytes: the one
# such value in a batch is spelled by the checked SELECT, the rest of the batch as SQLite joined it.
ESCAPES = ["\\N", "a\\Nb", "\\", "back\\slash", "\\t", "\\.", "tab\tx", "a\nb", "a\rb", "\r\n", "\t", "\n"]


@pytest.mark.parametrize("column", ["t", "n"])
@pytest.mark.parametrize("batch, readers", [(1, 1), (4, 1), (5000, 1), (1, 2), (5000, 2)])
def test_joined_batches_find_every_text_value_to_escape(column, batch, readers, pg_test_db, pg_second_db, tmp_path,
                                                        monkeypatch):
    m = load_text(ESCAPED, "esc.yaml")
    monkeypatch.setattr(datacopy, "BATCH", batch)
    delivered = _two_readers(monkeypatch) if readers == 2 else []
    e = Engines(m, pg_test_db, pg_second_db, tmp_path)
    try:
        lite = e.db("sqlite")
        rows = []
        for i, v in enumerate(ESCAPES):
            for j, (t, b) in enumerate([(None, None), ("plain", b"\\x"), (None, b"")]):
                values = {"t": t, "b": b, "n": "x", column: v} if j != 1 else {"t": t, "b": b, "n": "y"}
                rows.append((len(rows) + 1, values["t"], values["b"], values["n"]))
        lite.executemany("INSERT INTO f VALUES (?, ?, ?, ?)", rows)
        lite.commit()
        pg = e.db("postgres")
        neutral, why = _run(m, lite, pg, False, monkeypatch, [])
        by_row, _ = _run(m, lite, pg, "rows", monkeypatch, [], rows_sent := [])
        fast, _ = _run(m, lite, pg, True, monkeypatch, slow := [], sent := [])
        assert why is None and fast == neutral == by_row
        assert [name for name, _ in sent] == ["grouped_batches"]
        assert b"".join(sent[0][1]) == b"".join(rows_sent[0][1])
        assert sorted(slow) == [r[0] for r in rows if r[3 if column == "n" else 1] in ESCAPES]
        assert pg.execute("SELECT t, b, n FROM f ORDER BY id").fetchall() == [r[1:] for r in rows]
        assert readers == 1 or False in delivered    # every segment holds a value to escape: all read here
    finally:
        e.close()
