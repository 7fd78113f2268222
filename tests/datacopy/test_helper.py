"""copy's second reader (schemactl._copyhelper, started by datafast.grouped_batches): where it is used, that it
reads the copy's own snapshot, and that whatever becomes of it the rows copied are the same.  (That its
segments carry or refuse every value exactly as one reader does: test_fast.py, with two readers.)"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys

import pytest

from schemactl import cores, datacopy, datafast
from schemactl.manifest.load import load_text
from tests.datacopy.conftest import Engines
from tests.datacopy.test_fast import _capture, _two_readers, reader_of, segments_sent

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
        datacopy.copy(M, lite, "sqlite", pg, "postgres", reader=reader_of(lite))
    return pg.execute(SAME).fetchone()


def _copy(lite, pg, reader="of the file"):
    return datacopy.copy(M, lite, "sqlite", pg, "postgres", reader=reader_of(lite) if reader else None)


def test_a_large_table_is_read_by_two_processes_with_the_default_sizes(engines, monkeypatch):
    lite = engines.db("sqlite")
    _fill(lite, datafast.PARALLEL_FROM_ROWS + 1234)
    expected = _one_reader(engines, lite, monkeypatch)
    started = _helpers(monkeypatch)
    delivered = segments_sent(monkeypatch)
    _capture(monkeypatch, sent := [])
    pg = engines.db("postgres")
    assert _copy(lite, pg) == {"events": datafast.PARALLEL_FROM_ROWS + 1234}
    assert pg.execute(SAME).fetchone() == expected
    assert len(started) == 1 and started[0].proc.returncode == 0   # it ran, ended well, and was waited for
    assert len(delivered) >= 2 and all(delivered)                   # every segment it was asked for, it sent
    assert [name for name, _ in sent] == ["grouped_batches"]        # and nothing was copied again


def test_a_smaller_table_is_read_by_one(engines, monkeypatch):
    lite = engines.db("sqlite")
    _fill(lite, 1000)
    started = _helpers(monkeypatch)
    _copy(lite, engines.db("postgres"))
    assert started == []


def test_a_callers_own_connection_is_read_by_one_reader(engines, monkeypatch):
    """Only a connection schemactl opened itself (cli copy passes its SecondReader): a caller's may hold what
    another connection cannot see (a temporary table of the same name, rows in memory, no locks)."""
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 300)
    lite.execute("CREATE TEMP TABLE events AS SELECT * FROM main.events WHERE id < 10")   # shadows main.events
    started = _helpers(monkeypatch)
    # what this connection sees is copied (the temporary table's 10 rows), never mixed with main.events' rows
    pg = engines.db("postgres")
    assert _copy(lite, pg, reader=None) == {"events": 10}
    assert pg.execute("SELECT max(id) FROM events").fetchone()[0] == 9
    assert started == []


def replaced_when_started(lite, tmp_path, mp, reader_class) -> tuple[str, list]:
    """(the path of ``lite``'s file, the readers started): the file is replaced by a copy whose every row
    differs (kind 'NEW-<id>') when a ``reader_class`` starts: after the copy's snapshot began, before that
    reader opens the file."""
    path = lite.execute("PRAGMA database_list").fetchone()[2]
    newer = tmp_path / "newer.db"
    shutil.copy(path, newer)
    with sqlite3.connect(newer) as other:
        other.execute("UPDATE events SET kind = 'NEW-' || id")
    real = reader_class.__init__
    started: list = []

    def init(self, *a, **k):
        os.replace(newer, path)
        real(self, *a, **k)
        started.append(self)
    mp.setattr(reader_class, "__init__", init)
    return path, started


def test_a_file_replaced_after_it_was_opened_is_not_read_by_a_second_process(engines, tmp_path, monkeypatch):
    """The second reader reads the file the copy has open, or nothing: a file put in its place meanwhile
    (backup-and-rename, VACUUM INTO and rename) is refused and the copy reads every segment itself."""
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 400)
    expected = _one_reader(engines, lite, monkeypatch)
    path, sent = replaced_when_started(lite, tmp_path, monkeypatch, datafast._Helper)
    delivered = _two_readers(monkeypatch)
    pg = engines.db("postgres")
    assert _copy(lite, pg) == {"events": 400}
    assert pg.execute(SAME).fetchone() == expected                        # the rows of the file as opened
    assert pg.execute("SELECT count(*) FROM events WHERE kind LIKE 'NEW-%'").fetchone()[0] == 0
    assert sent and sent[0].proc.returncode == 3 and not any(delivered)
    assert datafast.SecondReader.of_file(path, None) is None


def test_no_second_reader_where_it_could_read_another_snapshot(engines, tmp_path, monkeypatch):
    lite = engines.db("sqlite")
    assert datafast.helper_usable(lite)   # a file with a rollback journal
    monkeypatch.setenv("SCHEMACTL_NO_FORK", "1")
    assert not datafast.helper_usable(lite)
    monkeypatch.delenv("SCHEMACTL_NO_FORK")
    wal = sqlite3.connect(tmp_path / "wal.db")
    assert wal.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    assert not datafast.helper_usable(wal)
    monkeypatch.setattr(cores, "usable_cores", lambda: 1)
    assert not datafast.helper_usable(lite)
    monkeypatch.undo()
    monkeypatch.setattr(os, "name", "nt")      # select() waits on sockets only there, not on a pipe
    assert not datafast.helper_usable(lite)
    monkeypatch.undo()
    monkeypatch.setattr(sys, "frozen", True, raising=False)   # an application bundle: no Python to start
    assert not datafast.helper_usable(lite)


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
    assert _copy(lite, pg) == {"events": 400}
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
        try_to_commit(path, tried)
        return real(self)
    monkeypatch.setattr(datafast._Helper, "segment", segment)
    started = _helpers(monkeypatch)
    pg = engines.db("postgres")
    _copy(lite, pg)
    assert started and tried and all("locked" in t for t in tried)
    assert pg.execute(SAME).fetchone() == expected


def try_to_commit(path: str, tried: list) -> None:
    """A writer's attempt to commit a row to the file at ``path``: "committed" or the engine's refusal."""
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


@pytest.mark.parametrize("helper", [
    "import sys; sys.exit(1)",                                            # fails at once
    "import sys; sys.stdout.buffer.write(b'\\x01garbage' * 5); sys.exit(0)",   # not frames
    "import sys; sys.stdout.write('Traceback (most recent call last):' * 3)",  # text where frames go
    "import sys, struct; sys.stdout.buffer.write(struct.pack('>BQQBq', 1, 5, 100, 1, 7) + b'short')",   # cut short
    "import sys, struct; sys.stdout.buffer.write(struct.pack('>BQQBq', 1, 1, 2**62, 0, 0))",   # a huge length
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
    assert _copy(lite, pg) == {"events": 500}
    assert pg.execute(SAME).fetchone() == expected
    assert len(started) == 1 and started[0].proc.returncode is not None   # waited for


def test_schemactl_copy_reads_a_large_table_with_two_processes(engines, pg_server, tmp_path, monkeypatch):
    """The command hands the file it opened to the second reader (a library caller's connection does not),
    and reads ahead (datafast.Ahead, tests/datacopy/test_ahead.py): every odd segment is the second
    process's or one the thread took over from it."""
    from tests.conftest import cli
    _small_segments(monkeypatch)
    lite = engines.db("sqlite")
    _fill(lite, 500)
    path = lite.execute("PRAGMA database_list").fetchone()[2]
    lite.close()
    expected = _one_reader(engines, sqlite3.connect(path), monkeypatch)
    (tmp_path / "big.yaml").write_text(SPEC)
    engines.db("postgres").close()          # emptied, with the manifest's schema
    started = _helpers(monkeypatch)
    delivered = _two_readers(monkeypatch)
    monkeypatch.setattr(datafast, "PARALLEL_FROM_ROWS", 100)
    monkeypatch.setattr(datafast, "SEGMENT_ROWS", (50, 50))
    from tests.datacopy.test_ahead import _taken
    taken = _taken(monkeypatch)
    result = cli("copy", "--manifest", tmp_path / "big.yaml", "--from", f"sqlite:///{path}", "--to",
                 pg_server.url("schemactl_tests"))
    assert result.exit_code == 0, result.output
    assert len(started) == 1 and all(delivered) and all(done for _, done, _ in taken)
    assert sorted(j for j, _, _ in taken if j % 2 == 0) == list(range(0, 11, 2))
    assert len(delivered) + len([j for j, _, _ in taken if j % 2]) == 5
    import psycopg
    with psycopg.connect(engines.conninfo[False]) as pg:
        assert pg.execute(SAME).fetchone() == expected


def test_a_segment_the_second_reader_sent_in_part_is_finished_by_the_copy(engines, tmp_path, monkeypatch):
    """The helper sends the first batch of its first segment and dies: the copy sends that batch and reads the
    rest of the segment from after its last key (no row twice, none missed, nothing copied again)."""
    _small_segments(monkeypatch)
    monkeypatch.setattr(datacopy, "BATCH", 7)
    lite = engines.db("sqlite")
    _fill(lite, 500)
    expected = _one_reader(engines, lite, monkeypatch)
    script = tmp_path / "helper.py"
    script.write_text(f"""\
import importlib.util, json, os, sqlite3, sys
spec = importlib.util.spec_from_file_location("h", {str(datafast._HELPER)!r})
h = importlib.util.module_from_spec(spec)
spec.loader.exec_module(h)
job = json.load(sys.stdin)
conn = sqlite3.connect(job["uri"], uri=True)
conn.text_factory = bytes
conn.execute("BEGIN")
data, rows, last = h.segment(conn, job["queries"], job["batch"], job["tabs"], *job["segments"][0])[0]
sys.stdout.buffer.write(h.FRAME.pack(h.BATCH, rows, len(data), 1, last) + data)
sys.stdout.flush()
os._exit(1)
""")
    monkeypatch.setattr(datafast, "_HELPER", script)
    got: list = []
    real = datafast._Helper.segment

    def segment(self):
        sent = real(self)
        got.append((len(sent), sent.complete))
        return sent
    monkeypatch.setattr(datafast._Helper, "segment", segment)
    _capture(monkeypatch, sent := [])
    pg = engines.db("postgres")
    assert _copy(lite, pg) == {"events": 500}
    assert pg.execute(SAME).fetchone() == expected
    assert got[0] == (1, False) and all(n == 0 for n, _ in got[1:])   # one batch, then nothing more asked of it
    assert [name for name, _ in sent] == ["grouped_batches"]


def test_the_second_reader_opens_a_file_whose_name_is_not_utf8_or_holds_uri_characters(tmp_path, monkeypatch):
    """Its URI is made from the path's bytes, percent-encoded: '#', '?', '%' and a byte that is not UTF-8
    name the same file, never another."""
    from schemactl import render
    from schemactl.engines import sqlite as sqlite_engine
    from schemactl.naming import quote
    from schemactl.render.ddl import Renderer
    from schemactl import datavalues as dv
    if sys.platform != "linux":
        pytest.skip("a file name that is not UTF-8 needs a file system that takes any bytes")
    path = os.fsdecode(bytes(tmp_path) + b"/caf\xe9 #?%.db")
    lite = sqlite3.connect(path)
    sqlite_engine.apply(lite, render.ddl(M, "sqlite"))
    lite.commit()
    _fill(lite, 500)
    _small_segments(monkeypatch)
    delivered = segments_sent(monkeypatch)
    t = M.tables[0]
    p = datafast.plan(M, t, dv.columns(M, t), Renderer(M, "sqlite").q(t.name), quote("id"))
    reader = datafast.SecondReader.of_file(path, os.stat(path))
    assert reader.uri().startswith("file:") and "%E9%20%23%3F%25.db?mode=ro" in reader.uri()
    lite.execute("BEGIN")
    assert sum(rows for _, rows in datafast.grouped_batches(lite, p, 7, None, reader)) == 500
    assert len(delivered) >= 4 and all(delivered)
    lite.rollback()
