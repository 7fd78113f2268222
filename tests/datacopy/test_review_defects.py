"""Defects a review found in copy, backup and restore, each on real engines through the command line: nothing
changed silently, a damaged archive refused whole (exit 2), a failed run writes nothing."""

from __future__ import annotations

import gzip
import json
import os

import pytest

from schemactl import datacopy, render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_text
from schemactl.output import atomic_write_all
from tests.conftest import cli
from tests.datacopy.conftest import Engines, count

TEXT = """\
format: 1
name: review
version: 1
tables:
  items:
    columns:
      id: {type: bigint, identity: true, primary_key: true}
      name: {type: text, nullable: false}
      tags: "text[]"
      r: real
      amount: "numeric(10,2)"
  parent:
    columns:
      id: {type: integer, primary_key: true}
      self_id: {type: integer, references: parent.id}
"""
M = load_text(TEXT, "review.yaml")
FILL = """
INSERT INTO items VALUES (1, 'one', '["a","b"]', 1.5, '1.10'), (2, 'two', NULL, NULL, NULL);
INSERT INTO parent VALUES (1, 2), (2, NULL);
"""


@pytest.fixture
def setup(pg_test_db, pg_second_db, pg_server, tmp_path):
    e = Engines(M, pg_test_db, pg_second_db, tmp_path)
    (tmp_path / "m.yaml").write_text(TEXT)
    e.manifest = tmp_path / "m.yaml"
    e.url = {"postgres": pg_server.url("schemactl_tests"), "second": pg_server.url("schemactl_tests_second")}
    yield e
    e.close()


def _lite(setup, name: str, fill: str = "", ddl=lambda sql: sql) -> str:
    path = setup.tmp / name
    conn = sqlite_engine.connect(str(path))
    sqlite_engine.apply(conn, ddl(render.ddl(M, "sqlite")))
    conn.executescript(fill)
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def _error_line(result) -> str:
    assert "Traceback" not in result.output, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def _counts(setup, url: str) -> tuple[int, int]:
    if url.startswith("sqlite:///"):
        conn = sqlite_engine.connect(url[len("sqlite:///"):])
        try:
            return count(conn, "items"), count(conn, "parent")
        finally:
            conn.close()
    import psycopg
    with psycopg.connect(setup.conninfo[url == setup.url["second"]]) as conn:
        return count(conn, "items"), count(conn, "parent")


def _targets(setup) -> dict[str, str]:
    """An empty SQLite and an empty PostgreSQL target of the manifest."""
    setup.db("postgres")
    return {"sqlite": _lite(setup, f"t{len(setup.open)}.db"), "postgres": setup.url["postgres"]}


def _archive_lines(setup) -> list:
    """A good archive of FILL, as its JSON lines."""
    path = setup.tmp / "good.gz"
    assert cli("backup", "--manifest", setup.manifest, "--db", _lite(setup, "src.db", FILL), "-o", path).exit_code == 0
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode().splitlines()]


def _write(setup, lines: list, name: str = "edited.gz"):
    path = setup.tmp / name
    path.write_bytes(gzip.compress(("\n".join(json.dumps(o) for o in lines) + "\n").encode()))
    return path


def _restore(setup, archive, url, *more):
    return cli("restore", archive, "--manifest", setup.manifest, "--db", url, *more)


# ---------------------------------------------------------------- 1. NULL in a NOT NULL column

def test_a_null_primary_key_in_an_archive_is_refused_on_both_engines(setup):
    """SQLite gave a NULL for an INTEGER PRIMARY KEY a new rowid (exit 0, id invented); PostgreSQL refused."""
    lines = _archive_lines(setup)
    row = next(i for i, o in enumerate(lines) if isinstance(o, list) and o[:2] == [2, "two"])
    lines[row] = [None] + lines[row][1:]
    archive = _write(setup, lines)
    for engine, url in _targets(setup).items():
        result = _restore(setup, archive, url)
        line = _error_line(result)
        assert result.exit_code == 2, (engine, result.output)
        assert f"line {row + 1}: table items, row 2, column id: is NULL" in line, (engine, line)
        assert "the archive is damaged, nothing was written" in line and "id=None" not in line
        assert _counts(setup, url) == (0, 0), engine


def test_a_null_name_in_an_archive_is_refused_before_the_engine(setup):
    lines = _archive_lines(setup)
    row = next(i for i, o in enumerate(lines) if isinstance(o, list) and o[:2] == [1, "one"])
    lines[row][1] = None
    archive = _write(setup, lines)
    for engine, url in _targets(setup).items():
        result = _restore(setup, archive, url)
        assert result.exit_code == 2 and "table items, row id=1, column name: is NULL" in _error_line(result), engine
        assert _counts(setup, url) == (0, 0)


def test_a_null_key_of_a_loose_sqlite_source_is_refused_by_copy_and_backup(setup):
    """A SQLite source whose key column lost its PRIMARY KEY and NOT NULL (read as it is) holds a NULL id."""
    src = _lite(setup, "loose.db", "INSERT INTO items (id, name) VALUES (1, 'one'), (NULL, 'two');",
                ddl=lambda sql: sql.replace("id INTEGER NOT NULL CONSTRAINT items_pkey PRIMARY KEY AUTOINCREMENT",
                                            "id INTEGER"))
    for engine, url in _targets(setup).items():
        result = cli("copy", "--manifest", setup.manifest, "--from", src, "--to", url)
        assert result.exit_code == 2, (engine, result.output)
        assert "table items, row 1, column id: is NULL" in _error_line(result), engine
        assert _counts(setup, url) == (0, 0)
    archive = setup.tmp / "loose.gz"
    result = cli("backup", "--manifest", setup.manifest, "--db", src, "-o", archive)
    assert result.exit_code == 2 and "column id: is NULL" in _error_line(result) and not archive.exists()


# ---------------------------------------------------------------- 2. arrays of more than one dimension

def test_a_two_dimensional_postgres_array_is_refused_at_read(setup):
    src = setup.db("postgres", second=True)
    src.execute("INSERT INTO items (id, name, tags) VALUES (1, 'one', '{a}'), (7, 'seven', '{{a,b},{c,d}}')")
    target = _lite(setup, "t.db")
    result = cli("copy", "--manifest", setup.manifest, "--from", setup.url["second"], "--to", target)
    line = _error_line(result)
    assert result.exit_code == 2 and "table items, row id=7, column tags: the array has 2 dimensions" in line, line
    assert _counts(setup, target) == (0, 0)
    archive = setup.tmp / "two.gz"
    result = cli("backup", "--manifest", setup.manifest, "--db", setup.url["second"], "-o", archive)
    assert result.exit_code == 2 and "row id=7, column tags: the array has 2 dimensions" in _error_line(result)
    assert not archive.exists()


def test_a_nested_list_in_an_archive_is_refused(setup):
    lines = _archive_lines(setup)
    row = next(i for i, o in enumerate(lines) if isinstance(o, list) and o[:2] == [1, "one"])
    lines[row][2] = [["a", "b"], ["c", "d"]]
    archive = _write(setup, lines)
    for engine, url in _targets(setup).items():
        result = _restore(setup, archive, url)
        line = _error_line(result)
        assert result.exit_code == 2 and "row id=1, column tags: element 1 is itself an array" in line, (engine, line)
        assert "the archive is damaged" in line and _counts(setup, url) == (0, 0)


# ---------------------------------------------------------------- 5. a table missing from the archive

def test_an_archive_missing_a_table_is_refused(setup):
    """The table left out of the header, its section and the footer, consistently."""
    lines = _archive_lines(setup)
    start = next(i for i, o in enumerate(lines) if isinstance(o, dict) and o.get("table") == "parent")
    kept = lines[:start] + [o for o in lines[start:] if not isinstance(o, list) and o.get("table") != "parent"]
    kept[0]["tables"] = ["items"]
    del kept[-1]["rows"]["parent"]
    archive = _write(setup, kept)
    setup.db("postgres").execute("INSERT INTO parent VALUES (5, NULL)")
    for engine, url in (("sqlite", _lite(setup, "old.db", FILL)), ("postgres", setup.url["postgres"])):
        before = _counts(setup, url)
        assert before[1] > 0
        for more in ((), ("--truncate",)):
            result = _restore(setup, archive, url, *more)
            line = _error_line(result)
            assert result.exit_code == 2 and "it holds no table parent of the manifest" in line, (engine, line)
            assert _counts(setup, url) == before, (engine, more)


# ---------------------------------------------------------------- 3. a self-reference across batches

def test_restore_into_postgres_loads_a_table_in_one_copy(setup):
    """Row n references row n+1: with a COPY per 5,000-row batch, the first batch's last row referenced a row
    of the next one and PostgreSQL refused a valid archive."""
    n = datacopy.BATCH + 1000
    values = ", ".join(f"({i}, {i + 1 if i < n else 'NULL'})" for i in range(1, n + 1))
    src = _lite(setup, "src.db", f"INSERT INTO parent VALUES {values};")
    archive = setup.tmp / "self.gz"
    assert cli("backup", "--manifest", setup.manifest, "--db", src, "-o", archive).exit_code == 0
    for engine, url in _targets(setup).items():
        result = _restore(setup, archive, url)
        assert result.exit_code == 0, (engine, result.output)
        assert _counts(setup, url) == (0, n)


def test_postgres_refusing_an_archive_row_blames_the_archive(setup):
    lines = _archive_lines(setup)
    row = next(i for i, o in enumerate(lines) if isinstance(o, list) and o == [2, None])
    lines[row] = [1, None]       # a duplicate key, each row of it valid
    archive = _write(setup, lines)
    setup.db("postgres")
    result = _restore(setup, archive, setup.url["postgres"])
    line = _error_line(result)
    assert result.exit_code == 2 and "the target refused table parent, row id=1" in line, line
    assert "correct the value in the archive" in line and "at the source" not in line


# ---------------------------------------------------------------- 4. where backup writes

def test_backup_writes_through_a_symlink_and_keeps_it(setup):
    src = _lite(setup, "src.db", FILL)
    real = setup.tmp / "real"
    real.mkdir()
    (real / "a.gz").write_bytes(b"old")
    link = setup.tmp / "link.gz"
    link.symlink_to(real / "a.gz")
    dangling = setup.tmp / "dangling.gz"
    dangling.symlink_to("real/new.gz")
    for path, target in ((link, real / "a.gz"), (dangling, real / "new.gz")):
        result = cli("backup", "--manifest", setup.manifest, "--db", src, "-o", path)
        assert result.exit_code == 0, result.output
        assert path.is_symlink() and path.resolve() == target.resolve()
        assert json.loads(gzip.decompress(target.read_bytes()).splitlines()[0])["schema"] == "review"
    assert sorted(p.name for p in real.iterdir()) == ["a.gz", "new.gz"]   # no temporary left


def test_atomic_write_all_keeps_a_symlink_for_generate_too(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to("real.txt")
    assert atomic_write_all({tmp_path / "link.txt": "new"}) == [tmp_path / "link.txt"]
    assert (tmp_path / "link.txt").is_symlink() and (tmp_path / "real.txt").read_text() == "new"


def test_backup_refuses_a_fifo_and_standard_output(setup):
    src = _lite(setup, "src.db", FILL)
    fifo = setup.tmp / "pipe"
    os.mkfifo(fifo)
    result = cli("backup", "--manifest", setup.manifest, "--db", src, "-o", fifo)
    line = _error_line(result)
    assert result.exit_code == 2 and "exists and is not a regular file" in line and "no archive was written" in line
    assert fifo.is_fifo()
    with pytest.raises(OSError, match="not a regular file"):
        atomic_write_all({fifo: "text"})
    assert fifo.is_fifo()
    result = cli("backup", "--manifest", setup.manifest, "--db", src, "-o", "-", cwd=setup.tmp)
    assert result.exit_code == 2 and "not to standard output" in _error_line(result)
    assert not (setup.tmp / "-").exists()


# ---------------------------------------------------------------- 6. real and numeric

def test_a_real_beyond_four_bytes_is_refused_on_both_engines(setup):
    lines = _archive_lines(setup)
    row = next(i for i, o in enumerate(lines) if isinstance(o, list) and o[:2] == [1, "one"])
    lines[row][3] = 1e39
    archive = _write(setup, lines)
    said = set()
    for engine, url in _targets(setup).items():
        result = _restore(setup, archive, url)
        line = _error_line(result)
        assert result.exit_code == 2 and "table items, row id=1, column r: 1e+39 is beyond the range of a 4-byte " \
            "real" in line, (engine, line)
        said.add(line)
        assert _counts(setup, url) == (0, 0)
    assert len(said) == 1     # the same refusal on both engines


def test_a_double_source_into_a_real_column_is_refused_on_both_engines(setup):
    src = setup.db("postgres", second=True)
    src.execute("ALTER TABLE items ALTER COLUMN r TYPE double precision")
    src.execute("INSERT INTO items (id, name, r) VALUES (3, 'big', 1e300)")
    targets = {"sqlite": _lite(setup, "t.db"), "postgres": setup.url["postgres"]}
    setup.db("postgres")
    for engine, url in targets.items():
        result = cli("copy", "--manifest", setup.manifest, "--from", setup.url["second"], "--to", url)
        line = _error_line(result)
        assert result.exit_code == 2 and "row id=3, column r: 1e+300 is beyond the range of a 4-byte real" in line, \
            (engine, line)
        assert _counts(setup, url) == (0, 0)


def test_numeric_text_of_other_digits_is_refused(setup):
    src = _lite(setup, "src.db", "INSERT INTO items (id, name, amount) VALUES (1, 'one', '١٢');")
    target = _lite(setup, "t.db")
    result = cli("copy", "--manifest", setup.manifest, "--from", src, "--to", target)
    assert result.exit_code == 2 and "row id=1, column amount: holds the text '١٢', not a decimal number" in \
        _error_line(result)
    assert _counts(setup, target) == (0, 0)


# ---------------------------------------------------------------- wording

def test_a_numeric_refusal_shows_the_number(setup):
    src = setup.db("postgres", second=True)
    src.execute("ALTER TABLE items ALTER COLUMN amount TYPE numeric(20,5)")
    src.execute("INSERT INTO items (id, name, amount) VALUES (1, 'one', 1.12345)")
    target = _lite(setup, "t.db")
    result = cli("copy", "--manifest", setup.manifest, "--from", setup.url["second"], "--to", target)
    line = _error_line(result)
    assert result.exit_code == 2 and "column amount: 1.12345 has more than 2 decimal places" in line, line
    assert "Decimal(" not in line


def test_a_sqlite_url_naming_a_directory_says_so(setup):
    folder = setup.tmp / "folder"
    folder.mkdir()
    src = _lite(setup, "src.db", FILL)
    result = cli("copy", "--manifest", setup.manifest, "--from", src, "--to", f"sqlite:///{folder}")
    assert result.exit_code == 2 and f"SQLite database {folder} is a directory" in _error_line(result)
    result = cli("backup", "--manifest", setup.manifest, "--db", f"sqlite:///{folder}", "-o", setup.tmp / "x.gz")
    assert result.exit_code == 2 and f"SQLite database {folder} is a directory" in _error_line(result)
