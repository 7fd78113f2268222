"""A column kept in PostgreSQL's single-byte "char" (`postgres_type: '"char"'`, as import writes it) over a
portable text column: PostgreSQL's input keeps only the first byte of a longer text ('ab' became 'a', 'é' the
byte \\303), so copy and restore refuse a value it cannot hold exactly, naming table, row and column (exit 2,
nothing written), as they refuse a text too long for varchar(n).  What it holds (one ASCII character, a byte
above 127 as its text '\\303', the empty value) goes to SQLite and back unchanged."""

from __future__ import annotations

import pytest

from schemactl import datacopy, datafast, datavalues as dv
from schemactl.manifest.load import load_text
from tests.conftest import cli
from tests.datacopy.conftest import Engines

TEXT = """\
format: 1
name: bytechar
version: 1
tables:
  f:
    columns:
      id: {type: integer, primary_key: true}
      kind: {type: text, postgres_type: '"char"'}
      kinds: {type: text, postgres_type: '"char"[]'}
      each: {type: "text[]", postgres_type: 'pg_catalog."char"[]'}
"""
M = load_text(TEXT, "bytechar.yaml")


@pytest.fixture
def engines(pg_test_db, pg_second_db, pg_server, tmp_path):
    e = Engines(M, pg_test_db, pg_second_db, tmp_path)
    (tmp_path / "m.yaml").write_text(TEXT)
    e.url = {"postgres": pg_server.url("schemactl_tests"), "second": pg_server.url("schemactl_tests_second")}
    yield e
    e.close()


def _pg_text(conn) -> list[tuple]:
    return conn.execute("SELECT id, format('%s', kind), format('%s', kinds), format('%s', each) FROM f ORDER BY id"
                        ).fetchall()


def _error_line(result) -> str:
    assert "Traceback" not in result.output, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@pytest.mark.parametrize("column,value,shown", [
    ("kind", "'ab'", "'ab'"),                     # PostgreSQL kept 'a'
    ("kind", "'é'", "'é'"),                       # two bytes in UTF-8: it kept the byte \303
    ("kind", "'\\101'", "'\\\\101'"),             # read as the octal escape of 'A'
    ("kinds", "'{a,bc}'", "element 2"),
    ("each", "'[\"a\",\"bc\"]'", "element 2"),
])
def test_copy_from_sqlite_refuses_what_the_byte_cannot_hold(engines, column, value, shown):
    lite = engines.db("sqlite")
    lite.execute("INSERT INTO f (id) VALUES (1)")
    lite.execute(f"INSERT INTO f (id, {column}) VALUES (2, {value})")
    lite.commit()
    src = str(engines.tmp / f"db{engines.n}.db")
    dst = engines.db("postgres", second=True)
    # the fast path never takes such a table: every value goes through the checked neutral path
    assert datafast.plan(M, M.table("f"), dv.columns(M, M.table("f")), '"f"', '"id"') is None
    result = cli("copy", "--manifest", engines.tmp / "m.yaml", "--from", f"sqlite:///{src}", "--to",
                 engines.url["second"])
    line = _error_line(result)
    assert result.exit_code == 2, result.output
    assert line.startswith(f"error: the target refused table f, row id=2, column {column}: ") or \
        line.startswith(f"error: table f, row id=2, column {column}: "), line
    assert '"char"' in line and shown in line and "nothing was written" in line, line
    assert dst.execute("SELECT count(*) FROM f").fetchone()[0] == 0


def test_restore_refuses_what_the_byte_cannot_hold(engines):
    lite = engines.db("sqlite")
    lite.execute("INSERT INTO f (id, kind) VALUES (1, 'r'), (2, 'xyz')")
    lite.commit()
    src = str(engines.tmp / f"db{engines.n}.db")
    archive = engines.tmp / "f.jsonl.gz"
    assert cli("backup", "--manifest", engines.tmp / "m.yaml", "--db", f"sqlite:///{src}", "-o", archive
               ).exit_code == 0
    dst = engines.db("postgres", second=True)
    result = cli("restore", archive, "--manifest", engines.tmp / "m.yaml", "--db", engines.url["second"])
    line = _error_line(result)
    assert result.exit_code == 2, result.output
    assert "table f, row id=2, column kind: " in line and "'xyz'" in line and "nothing was written" in line, line
    assert dst.execute("SELECT count(*) FROM f").fetchone()[0] == 0


def _pg_source(engines):
    src = engines.db("postgres")
    src.execute("""INSERT INTO f VALUES (1, 'r', '{a,b}', '{x,NULL}'), (2, '', '{"",z}', '{""}'),
                   (3, '\\303', '{"\\\\377",q}', '{"\\\\200"}'), (4, '\\', '{"\\\\\\\\"}', '{"\\""}'),
                   (5, NULL, NULL, NULL)""")
    return src


def test_postgres_values_go_to_sqlite_and_back_unchanged(engines, tmp_path):
    """A byte above 127 travels as PostgreSQL's text of it ('\\303'), the empty value as '' (the byte 0),
    both read back by PostgreSQL as the same byte; PostgreSQL -> PostgreSQL and backup/restore as well."""
    src = _pg_source(engines)
    want = _pg_text(src)
    assert [r[1] for r in want] == ["r", "", "\\303", "\\", ""]
    lite = engines.db("sqlite")
    assert datacopy.copy(M, src, "postgres", lite, "sqlite") == {"f": 5}
    held = lite.execute("SELECT kind, kinds, each FROM f ORDER BY id").fetchall()
    assert held[:3] == [("r", "{a,b}", '["x",null]'), ("", '{"",z}', '[""]'),
                        ("\\303", '{"\\\\377",q}', '["\\\\200"]')]
    assert held[4] == (None, None, None)
    back = engines.db("postgres", second=True)
    assert datacopy.copy(M, lite, "sqlite", back, "postgres") == {"f": 5}
    assert _pg_text(back) == want
    assert back.execute("SELECT kind::int FROM f WHERE id = 3").fetchone() == (-61,)   # the byte 0xC3
    back.execute("TRUNCATE f")
    assert datacopy.copy(M, src, "postgres", back, "postgres") == {"f": 5}
    assert _pg_text(back) == want
    archive = tmp_path / "f.jsonl.gz"
    assert datacopy.backup(M, src, "postgres", archive) == {"f": 5}
    back.execute("TRUNCATE f")
    assert datacopy.restore(archive, M, back, "postgres") == {"f": 5}
    assert _pg_text(back) == want
