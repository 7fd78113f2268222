"""copy's second reader (schemactl._copyhelper, started by datafast.grouped_batches): where it is used, that it
reads the copy's own snapshot, and that whatever becomes of it the rows copied are the same.  (That its
segments carry or refuse every value exactly as one reader does: test_fast.py, with two readers.)"""

from __future__ import annotations

import sqlite3
import sys

import pytest

from schemactl import datacopy, datafast
from schemactl.manifest.load import load_text
from tests.datacopy.conftest import Engines

SPEC = """\
format: 1
name: big
version: 1
tables:
  events:
    columns:
      id: {type: bigint, primary_key: true}
      kind: {type: text, nullable: false}
      amount: {type: "numeric(12,2)", nullable: false}
      at: {type: timestamptz, nullable: false}
"""
M = load_text(SPEC, "big.yaml")
SAME = "SELECT count(*), md5(string_agg(e::text, ',' ORDER BY id)) FROM events e"


def _fill(lite, rows: int, start: int = 0) -> None:
    lite.execute("BEGIN")
    lite.executemany("INSERT INTO events VALUES (?, ?, ?, ?)",
                     ((i, f"kind-{i % 7}", f"{i // 100}.{i % 100:02d}", 1_700_000_000_000 + i) for i in
                      range(start, start + rows)))
    lite.execute("COMMIT")


def _helpers(mp) -> list:
    """Every second reader started, recorded."""
    started: list = []
    real = datafast._Helper.__init__

    def init(self, *a, **k):
        started.append(self)
        real(self, *a, **k)
    mp.setattr(datafast._Helper, "__init__", init)
    return started


def _small_segments(mp, rows: int = 50) -> None:
    mp.setattr(datafast, "PARALLEL_FROM_ROWS", 100)
    mp.setattr(datafast, "SEGMENT_ROWS", (rows, rows))


@pytest.fixture
def engines(pg_test_db, pg_second_db, tmp_path):
    e = Engines(M, pg_test_db, pg_second_db, tmp_path)
    yield e
    e.close()


def _one_reader(e, lite, monkeypatch):
    """(count, md5) of the rows as one reader copies them."""
    pg = e.db("postgres", second=True)
    with monkeypatch.context() as mp:
        mp.setenv("SCHEMACTL_NO_FORK", "1")
        datacopy.copy(M, lite, "sqlite", pg, "postgres")
    return pg.execute(SAME).fetchone()


def test_a_large_table_is_read_by_two_processes_with_the_default_sizes(engines, monkeypatch):
    lite = engines.db("sqlite")
    _fill(lite, datafast.PARALLEL_FROM_ROWS + 1234)
    expected = _one_reader(engines, lite, monkeypatch)
    started = _helpers(monkeypatch)
    pg = engines.db("postgres")
    assert datacopy.copy(M, lite, "sqlite", pg, "postgres") == {"events": datafast.PARALLEL_FROM_ROWS + 1234}
    assert pg.execute(SAME).fetchone() == expected
    assert len(started) == 1 and started[0].proc.returncode == 0   # it ran, ended well, and was waited for


def test_a_smaller_table_is_read_by_one(engines, monkeypatch):
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    started = _helpers(monkeypatch)
    datacopy.copy(M, lite, "sqlite", engines.db("postgres"), "postgres")
    assert started == []


def test_no_second_reader_where_it_could_read_another_snapshot(engines, tmp_path, monkeypatch):
    lite = engines.db("sqlite")
    assert datafast.helper_usable(lite) is not None   # a file with a rollback journal
    monkeypatch.setenv("SCHEMACTL_NO_FORK", "1")
    assert datafast.helper_usable(lite) is None
    monkeypatch.delenv("SCHEMACTL_NO_FORK")
    assert datafast.helper_usable(sqlite3.connect(":memory:")) is None
    wal = sqlite3.connect(tmp_path / "wal.db")
    assert wal.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    assert datafast.helper_usable(wal) is None
    monkeypatch.setattr(sys, "frozen", True, raising=False)   # an application bundle: no Python to start
    assert datafast.helper_usable(lite) is None


def test_a_callers_own_transaction_is_read_by_one_reader_alone(engines, monkeypatch):
    """Rows the caller inserted and did not commit are seen by its connection only: they are copied, so the
    second reader (another connection) is not used."""
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 300)
    lite.execute("BEGIN")
    lite.executemany("INSERT INTO events VALUES (?, 'late', '0.00', 0)", [(i,) for i in range(1000, 1100)])
    started = _helpers(monkeypatch)
    pg = engines.db("postgres")
    assert datacopy.copy(M, lite, "sqlite", pg, "postgres") == {"events": 400}
    assert started == [] and pg.execute("SELECT count(*) FROM events WHERE kind = 'late'").fetchone()[0] == 100
    lite.rollback()


def test_no_writer_commits_while_the_two_readers_read(engines, tmp_path, monkeypatch):
    """The copy's read transaction holds the file's shared lock from before the second reader starts until the
    end: a writer cannot commit in between, so both readers read the same rows."""
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 400)
    expected = _one_reader(engines, lite, monkeypatch)
    path = lite.execute("PRAGMA database_list").fetchone()[2]
    tried: list[str] = []
    real = datafast._Helper.segment

    def segment(self):
        writer = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO events VALUES (99999, 'late', '0.00', 0)")
            writer.execute("COMMIT")
            tried.append("committed")
        except sqlite3.OperationalError as exc:
            tried.append(str(exc))
            if writer.in_transaction:
                writer.execute("ROLLBACK")
        finally:
            writer.close()
        return real(self)
    monkeypatch.setattr(datafast._Helper, "segment", segment)
    started = _helpers(monkeypatch)
    pg = engines.db("postgres")
    datacopy.copy(M, lite, "sqlite", pg, "postgres")
    assert started and tried and all("locked" in t for t in tried)
    assert pg.execute(SAME).fetchone() == expected


@pytest.mark.parametrize("helper", [
    "import sys; sys.exit(1)",                                            # fails at once
    "import sys; sys.stdout.buffer.write(b'\\x01garbage'); sys.exit(0)",   # a damaged frame
    "import sys, struct; sys.stdout.buffer.write(struct.pack('>BQQ', 1, 5, 100) + b'short')",   # cut short
    "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",           # killed
])
def test_whatever_becomes_of_the_second_reader_the_rows_are_the_same(helper, engines, tmp_path, monkeypatch):
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 500)
    expected = _one_reader(engines, lite, monkeypatch)
    script = tmp_path / "helper.py"
    script.write_text(helper + "\n")
    monkeypatch.setattr(datafast, "_HELPER", script)
    started = _helpers(monkeypatch)
    pg = engines.db("postgres")
    assert datacopy.copy(M, lite, "sqlite", pg, "postgres") == {"events": 500}
    assert pg.execute(SAME).fetchone() == expected
    assert len(started) == 1 and started[0].proc.returncode is not None   # waited for
