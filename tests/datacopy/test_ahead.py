"""copy's reading ahead (schemactl.datafast.Ahead, begun by datacopy.reading before the target is opened): it
reads the copy's own snapshot, the segments it reads are the ones taken, and whatever stops it -- a value to
check, a replaced file, a refused source, a stop -- the rows copied are the same as one reader's."""

from __future__ import annotations

import threading

import pytest

from schemactl import datacopy, datafast
from schemactl.errors import SchemactlError
from tests.datacopy.conftest import Engines
from tests.datacopy.test_fast import _capture, reader_of
from tests.datacopy.test_helper import (M, SAME, _fill, _helpers, _one_reader, _small_segments, replaced_when_started,
                                        try_to_commit)


@pytest.fixture
def engines(pg_test_db, pg_second_db, tmp_path):
    e = Engines(M, pg_test_db, pg_second_db, tmp_path)
    yield e
    e.close()


def _taken(mp) -> list[tuple[int, bool, int]]:
    """Per even segment taken from the thread: (segment, complete, rows)."""
    got: list = []
    real = datafast.Ahead.segment

    def segment(self, j, lo):
        done, lo, rows = yield from real(self, j, lo)
        got.append((j, done, rows))
        return done, lo, rows
    mp.setattr(datafast.Ahead, "segment", segment)
    return got


def _copy_reading_ahead(lite, pg, before_target=None):
    """As `schemactl copy` does: the source's snapshot (and the reading ahead) first, then the target."""
    reader = reader_of(lite)          # the file as opened
    with datacopy.reading(M, lite, "sqlite", reader, to_postgres=True) as source:
        if before_target is not None:
            before_target(source)
        return datacopy.copy(M, lite, "sqlite", pg, "postgres", reader=reader, source=source)


def _no_thread_left() -> bool:
    return not any(t.name == "schemactl-ahead" for t in threading.enumerate())


def _held(ahead) -> int:
    """Batches the thread holds."""
    return sum(len(part.items) for part in list(ahead.parts.values()))


def _asked_of_the_second_reader(mp) -> list:
    """One entry per segment the copy took from the second reader."""
    asked: list = []
    real = datafast._Helper.segment

    def segment(self):
        asked.append(self)
        return real(self)
    mp.setattr(datafast._Helper, "segment", segment)
    return asked


def _slow_second_reader(mp, tmp_path, seconds: float) -> None:
    """The second reader starts ``seconds`` late (then runs as always)."""
    script = tmp_path / "slow_helper.py"
    script.write_text(f"import runpy, time\ntime.sleep({seconds})\nrunpy.run_path({str(datafast._HELPER)!r}, "
                      "run_name='__main__')\n")
    mp.setattr(datafast, "_HELPER", script)


def test_the_first_large_table_is_read_ahead_and_its_segments_taken(engines, monkeypatch):
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    expected = _one_reader(engines, lite, monkeypatch)
    taken = _taken(monkeypatch)
    started = _helpers(monkeypatch)
    asked = _asked_of_the_second_reader(monkeypatch)
    _capture(monkeypatch, sent := [])
    pg = engines.db("postgres")
    assert _copy_reading_ahead(lite, pg) == {"events": 1000}
    assert pg.execute(SAME).fetchone() == expected
    # 20 segments of 50 rows (and an empty last one): the thread read every even one and whatever odd ones it
    # took over from the second process (which started and ended), every segment read by exactly one of them
    assert [x for x in taken if x[0] % 2 == 0] == [(j, True, 50) for j in range(0, 20, 2)] + [(20, True, 0)]
    odd = [j for j, _, _ in taken if j % 2]
    assert all(done for _, done, _ in taken) and odd == list(range(19, 0, -2))[:len(odd)][::-1]
    assert len(asked) + len(odd) == 10
    assert len(started) == 1 and started[0].proc.returncode is not None
    assert [name for name, _ in sent] == ["grouped_batches"] and _no_thread_left()


def test_the_thread_takes_over_the_last_segments_of_a_slow_second_reader(engines, tmp_path, monkeypatch):
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    expected = _one_reader(engines, lite, monkeypatch)
    _slow_second_reader(monkeypatch, tmp_path, 3)
    taken = _taken(monkeypatch)
    started = _helpers(monkeypatch)
    asked = _asked_of_the_second_reader(monkeypatch)
    pg = engines.db("postgres")
    assert _copy_reading_ahead(lite, pg) == {"events": 1000}
    assert pg.execute(SAME).fetchone() == expected
    assert sorted(j for j, _, _ in taken) == list(range(21)) and asked == []
    assert started[0].proc.returncode is not None and started[0].proc.returncode < 0   # ended, not waited for


def test_the_second_readers_segments_are_not_taken_over_once_asked_for(engines, tmp_path, monkeypatch):
    """The thread reads slowly: the second process sends its segments, and the thread takes over none the copy
    has asked it for."""
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    expected = _one_reader(engines, lite, monkeypatch)
    real = datafast.Ahead._send

    def slow(self, *a):
        threading.Event().wait(0.01)
        return real(self, *a)
    monkeypatch.setattr(datafast.Ahead, "_send", slow)
    taken = _taken(monkeypatch)
    asked = _asked_of_the_second_reader(monkeypatch)
    pg = engines.db("postgres")
    assert _copy_reading_ahead(lite, pg) == {"events": 1000}
    assert pg.execute(SAME).fetchone() == expected
    odd = sorted(j for j, _, _ in taken if j % 2)
    assert len(asked) == 10 - len(odd) and asked and odd == list(range(21 - 2 * len(odd), 20, 2))


def test_it_reads_while_the_target_is_opened(engines, monkeypatch):
    """Before copy() is called, the thread has chosen the table and read its first batches."""
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    seen: list = []

    def before_target(source):
        ahead = source.ahead
        assert ahead is not None and ahead.ready.wait(10)
        deadline = threading.Event()
        while not _held(ahead) and not deadline.wait(0.01):
            pass
        seen.append((ahead.table, ahead.total, _held(ahead)))
    pg = engines.db("postgres")
    _copy_reading_ahead(lite, pg, before_target)
    assert seen and seen[0][:2] == ("events", 1000) and seen[0][2] > 0


def test_a_value_to_check_stops_the_thread_and_the_copy_reads_on(engines, monkeypatch):
    """A text value with a tab in the third even segment: the thread stops that segment before that batch and
    goes on with the next; the copy reads the segment on from there (escaping the value)."""
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    lite.execute("UPDATE events SET kind = 'a\tb' WHERE id = 230")     # segment 4 (rows 200-249)
    lite.commit()
    expected = _one_reader(engines, lite, monkeypatch)
    taken = _taken(monkeypatch)
    pg = engines.db("postgres")
    assert _copy_reading_ahead(lite, pg) == {"events": 1000}
    assert pg.execute(SAME).fetchone() == expected
    assert pg.execute("SELECT kind FROM events WHERE id = 230").fetchone()[0] == "a\tb"
    assert [x for x in taken if x[0] % 2 == 0] == [(0, True, 50), (2, True, 50), (4, False, 0)] + [
        (j, True, 50) for j in range(6, 20, 2)] + [(20, True, 0)]
    assert _no_thread_left()


def test_a_file_replaced_after_it_was_opened_is_not_read_ahead(engines, tmp_path, monkeypatch):
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 400)
    expected = _one_reader(engines, lite, monkeypatch)
    replaced_when_started(lite, tmp_path, monkeypatch, datafast.Ahead)
    taken = _taken(monkeypatch)
    pg = engines.db("postgres")
    assert _copy_reading_ahead(lite, pg) == {"events": 400}
    assert pg.execute(SAME).fetchone() == expected
    assert pg.execute("SELECT count(*) FROM events WHERE kind LIKE 'NEW-%'").fetchone()[0] == 0
    assert taken == [] and _no_thread_left()


def test_no_writer_commits_while_the_thread_reads(engines, monkeypatch):
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 400)
    expected = _one_reader(engines, lite, monkeypatch)
    path = lite.execute("PRAGMA database_list").fetchone()[2]
    tried: list = []

    def before_target(source):
        assert source.ahead.ready.wait(10)
        try_to_commit(path, tried)
    pg = engines.db("postgres")
    _copy_reading_ahead(lite, pg, before_target)
    assert tried and all("locked" in t for t in tried)
    assert pg.execute(SAME).fetchone() == expected


def test_a_refused_source_stops_the_thread(engines, monkeypatch):
    """The source's schema check fails after the reading began: nothing is written, no thread is left."""
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    lite.execute("ALTER TABLE events RENAME COLUMN kind TO sort")
    lite.commit()
    pg = engines.db("postgres")
    with pytest.raises(SchemactlError):
        _copy_reading_ahead(lite, pg)
    assert pg.execute("SELECT count(*) FROM events").fetchone()[0] == 0 and _no_thread_left()


def test_a_stop_while_the_thread_waits_for_room_ends_it(engines, monkeypatch):
    """Its memory is bounded: beyond the segment the copy takes (the first, before the copy comes), it holds
    nothing more with no room, and a stop ends it at once."""
    _small_segments(monkeypatch)
    monkeypatch.setattr(datafast, "AHEAD_BYTES", 1)
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    lite.execute("BEGIN")
    ahead = datafast.Ahead.start(lite, reader_of(lite), [(t, t.name) for t in M.tables],
                                 lambda t: datacopy._fast_plan(M, t), 10)
    assert ahead.ready.wait(10)
    deadline = threading.Event()
    while 2 not in ahead.parts and not deadline.wait(0.01):
        pass
    deadline.wait(0.1)
    # segment 0 whole (5 batches of 10 rows), segment 2's first batch waiting for room
    assert ahead.parts[0].end is True and len(ahead.parts[0].items) == 5 and not ahead.parts[2].items
    assert ahead.thread.is_alive()
    ahead.stop()
    assert not ahead.thread.is_alive() and not ahead.parts and _no_thread_left()
    lite.rollback()


def test_no_reading_ahead_where_a_second_reader_may_not_read(engines, monkeypatch):
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    monkeypatch.setenv("SCHEMACTL_NO_FORK", "1")
    with datacopy.reading(M, lite, "sqlite", reader_of(lite), to_postgres=True) as source:
        assert source.ahead is None and source.own
    with datacopy.reading(M, lite, "sqlite", None, to_postgres=True) as source:   # a caller's connection
        assert source.ahead is None
    monkeypatch.delenv("SCHEMACTL_NO_FORK")
    with datacopy.reading(M, lite, "sqlite", reader_of(lite), to_postgres=False) as source:   # to SQLite
        assert source.ahead is None


TWO = """\
format: 1
name: two
version: 1
tables:
  codes:
    columns:
      code: {type: text, primary_key: true}
  events:
    columns:
      id: {type: bigint, primary_key: true}
      kind: {type: text, nullable: false}
      amount: {type: "numeric(12,2)", nullable: false}
      at: {type: timestamptz, nullable: false}
"""


def test_a_small_table_first_is_copied_while_the_large_one_is_read_ahead(pg_test_db, pg_second_db, tmp_path,
                                                                          monkeypatch):
    from schemactl.manifest.load import load_text
    m = load_text(TWO, "two.yaml")
    assert [t.name for t in m.tables] == ["codes", "events"]
    e = Engines(m, pg_test_db, pg_second_db, tmp_path)
    try:
        _small_segments(monkeypatch)
        lite = e.db("sqlite")
        lite.executemany("INSERT INTO codes VALUES (?)", [(f"c{i}",) for i in range(5)])
        lite.commit()
        _fill(lite, 600)
        taken = _taken(monkeypatch)
        pg = e.db("postgres")
        reader = reader_of(lite)
        with datacopy.reading(m, lite, "sqlite", reader, to_postgres=True) as source:
            assert source.ahead.ready.wait(10) and source.ahead.table == "events"
            assert datacopy.copy(m, lite, "sqlite", pg, "postgres", reader=reader, source=source) == \
                {"codes": 5, "events": 600}
        assert [j for j, _, _ in taken if j % 2 == 0] == list(range(0, 13, 2)) and all(d for _, d, _ in taken)
        one = e.db("postgres", second=True)
        with monkeypatch.context() as mp:
            mp.setenv("SCHEMACTL_NO_FORK", "1")
            datacopy.copy(m, lite, "sqlite", one, "postgres", reader=reader)
        assert pg.execute(SAME).fetchone() == one.execute(SAME).fetchone() and one.execute(SAME).fetchone()[0] == 600
        assert pg.execute("SELECT count(*) FROM codes").fetchone()[0] == 5 and _no_thread_left()
    finally:
        e.close()
