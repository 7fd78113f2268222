"""A column with a SQLite spelling of its own (`sqlite_type`, as import writes one where a type's columns
are spelled unalike: DATETIME beside TIMESTAMP, DECIMAL(10,2) beside NUMERIC(10,2)) holds the portable
type's values, as a manifest-wide `sqlite.spell` does: copy, backup and restore read, check and write them
as that type's.  They moved as the driver gave them: '2024-01-02T03:04:05+02:00' reached PostgreSQL's
timestamp as 03:04:05 (its offset dropped silently), a numeric read from PostgreSQL could not be bound
into SQLite (a Decimal), and backup refused every timestamp of such a column."""

from __future__ import annotations

import gzip
import json
import sqlite3

import pytest

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file, load_text
from tests.conftest import cli

TEXT = """\
format: 1
name: spelled
version: 1
tables:
  ev:
    columns:
      id: {type: integer, primary_key: true}
      at: {type: timestamp, sqlite_type: DATETIME}
      at2: {type: timestamp}
      price: {type: 'numeric(10,2)', sqlite_type: DECIMAL TEXT}
      u: {type: uuid, sqlite_type: UUID TEXT}
      n: {type: bigint, sqlite_type: INT8}
"""


def _setup(tmp_path):
    m = load_text(TEXT, "spelled.yaml")
    (tmp_path / "m.yaml").write_text(TEXT)

    def lite(name):
        conn = sqlite_engine.connect(str(tmp_path / name))
        sqlite_engine.apply(conn, render.ddl(m, "sqlite"))
        conn.commit()
        return conn
    return m, lite


def _one_error(result) -> str:
    assert "Traceback" not in result.output, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


ROW = (1, "2024-01-02 03:04:05", "2024-01-02 03:04:05", "12.50", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
       9223372036854775807)


def test_an_offset_in_a_spelled_timestamp_is_refused_not_dropped(pg, pg_server, tmp_path):
    m, lite = _setup(tmp_path)
    pg.execute(render.ddl(m, "postgres"))
    src = lite("src.db")
    src.execute("INSERT INTO ev VALUES (1, '2024-01-02T03:04:05+02:00', NULL, NULL, NULL, NULL)")
    src.commit()
    result = cli("copy", "--manifest", tmp_path / "m.yaml", "--from", f"sqlite:///{tmp_path / 'src.db'}",
                 "--to", pg_server.url("schemactl_tests"))
    assert result.exit_code == 2, result.output
    assert _one_error(result) == (
        "error: table ev, row id=1, column at: '2024-01-02T03:04:05+02:00' has a time zone offset, which timestamp "
        "does not hold (its meaning would change); correct it at the source; nothing was written")
    assert pg.execute("SELECT count(*) FROM ev").fetchone()[0] == 0


def test_spelled_columns_go_to_postgresql_and_back_unchanged(pg, pg_server, tmp_path):
    m, lite = _setup(tmp_path)
    pg.execute(render.ddl(m, "postgres"))
    src = lite("src.db")
    src.execute("INSERT INTO ev VALUES (?, ?, ?, ?, ?, ?)", ROW)
    src.commit()
    url = pg_server.url("schemactl_tests")
    result = cli("copy", "--manifest", tmp_path / "m.yaml", "--from", f"sqlite:///{tmp_path / 'src.db'}", "--to", url)
    assert result.exit_code == 0, result.output
    assert pg.execute("SELECT at::text, price::text, n FROM ev").fetchone() == \
        ("2024-01-02 03:04:05", "12.50", 9223372036854775807)
    back = lite("back.db")
    back.close()
    result = cli("copy", "--manifest", tmp_path / "m.yaml", "--from", url, "--to", f"sqlite:///{tmp_path / 'back.db'}")
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(tmp_path / "back.db").execute("SELECT * FROM ev").fetchall() == [ROW]


def test_backup_and_restore_of_spelled_columns(tmp_path):
    m, lite = _setup(tmp_path)
    src = lite("src.db")
    src.execute("INSERT INTO ev VALUES (?, ?, ?, ?, ?, ?)", ROW)
    src.commit()
    archive = tmp_path / "a.jsonl.gz"
    result = cli("backup", "--manifest", tmp_path / "m.yaml", "--db", f"sqlite:///{tmp_path / 'src.db'}",
                 "-o", archive)
    assert result.exit_code == 0, result.output
    assert any("2024-01-02T03:04:05" in line for line in gzip.open(archive, "rt"))
    lite("back.db").close()
    result = cli("restore", "--manifest", tmp_path / "m.yaml", "--db", f"sqlite:///{tmp_path / 'back.db'}", archive)
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(tmp_path / "back.db").execute("SELECT * FROM ev").fetchall() == [ROW]


def test_whole_numbers_of_a_numeric_affinity_column_are_copied(pg, pg_server, tmp_path):
    """DECIMAL(10,2) (Rails' decimal) has NUMERIC affinity: SQLite stores '3.00' as the integer 3, which copy
    refused ('holds the number 3, not a decimal number', at a source where no text can be kept).  An integer is
    the same number (a REAL: test_reals_of_a_numeric_affinity_column_are_copied_by_their_decimal_text)."""
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE p (id INTEGER PRIMARY KEY, price DECIMAL(10,2) NOT NULL);"
                       "INSERT INTO p VALUES (1, '3.00'), (2, -120), (3, 9999999);")
    conn.commit()
    out = tmp_path / "app.yaml"
    assert cli("import", "--db", f"sqlite:///{db}", "-o", out).exit_code == 0
    m = load_file(out)
    pg.execute(render.ddl(m, "postgres"))
    url = pg_server.url("schemactl_tests")
    result = cli("copy", "--manifest", out, "--from", f"sqlite:///{db}", "--to", url)
    assert result.exit_code == 0, result.output
    assert pg.execute("SELECT price::text FROM p ORDER BY id").fetchall() == [("3.00",), ("-120.00",), ("9999999.00",)]
    back = tmp_path / "back.db"
    sqlite_engine.apply(sqlite_engine.connect(str(back)), render.ddl(m, "sqlite"))
    result = cli("copy", "--manifest", out, "--from", url, "--to", f"sqlite:///{back}")
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(back).execute("SELECT id, price FROM p ORDER BY id").fetchall() == \
        conn.execute("SELECT id, price FROM p ORDER BY id").fetchall()


def test_reals_of_a_numeric_affinity_column_are_copied_by_their_decimal_text(pg, pg_server, tmp_path):
    """DECIMAL(10,2) has NUMERIC affinity: SQLite stores '12.50' and '12.34' as the REALs 12.5 and 12.34, and
    copy refused every such row ('a binary fraction, not a decimal number'), although SQLite's numeric storage
    makes them of any fractional value written there.  A REAL is now read as its shortest round-trip decimal text
    (12.34, not 12.339999999999999857…), which must fit the column's scale and precision: a REAL that does not
    (0.1 + 0.2, 12.345, 12345678901.5) is refused naming its row, and nothing is written."""
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE p (id INTEGER PRIMARY KEY, price DECIMAL(10,2) NOT NULL);"
                       "INSERT INTO p VALUES (1, '12.50'), (2, '12.34'), (3, -0.1), (4, '99999999.99'), (5, 3);")
    conn.commit()
    assert conn.execute("SELECT typeof(price) FROM p ORDER BY id").fetchall() == \
        [("real",), ("real",), ("real",), ("real",), ("integer",)]
    out = tmp_path / "app.yaml"
    assert cli("import", "--db", f"sqlite:///{db}", "-o", out).exit_code == 0
    m = load_file(out)
    pg.execute(render.ddl(m, "postgres"))
    url = pg_server.url("schemactl_tests")
    result = cli("copy", "--manifest", out, "--from", f"sqlite:///{db}", "--to", url)
    assert result.exit_code == 0, result.output
    assert pg.execute("SELECT price::text FROM p ORDER BY id").fetchall() == \
        [("12.50",), ("12.34",), ("-0.10",), ("99999999.99",), ("3.00",)]
    # each is the decimal that reads back as the very REAL (or integer) SQLite holds
    held = conn.execute("SELECT price FROM p ORDER BY id").fetchall()
    copied = pg.execute("SELECT price FROM p ORDER BY id").fetchall()
    assert [type(v)(d) for (v,), (d,) in zip(held, copied)] == [v for v, in held]
    for value, why in (("0.1 + 0.2", "holds the REAL 0.30000000000000004 (SQLite keeps a number written to a "
                                      "column of NUMERIC affinity, such as DECIMAL(10,2), as a REAL; its shortest "
                                      "decimal text is read): 0.30000000000000004 has more than 2 decimal places, "
                                      "which numeric(10,2) would round"),
                       ("'12.345'", "holds the REAL 12.345 (SQLite keeps"),
                       ("12345678901.5", "holds the REAL 12345678901.5 (SQLite keeps")):
        pg.execute("TRUNCATE p")
        conn.execute(f"INSERT INTO p VALUES (6, {value})")
        conn.commit()
        result = cli("copy", "--manifest", out, "--from", f"sqlite:///{db}", "--to", url)
        assert result.exit_code == 2, result.output
        assert _one_error(result).startswith(f"error: table p, row id=6, column price: {why}"), result.output
        assert pg.execute("SELECT count(*) FROM p").fetchone()[0] == 0
        conn.execute("DELETE FROM p WHERE id = 6")
        conn.commit()


CONVERTING = """\
format: 1
name: converting
version: 1
sqlite:
  spell: {text: STRING, json: JSON}
tables:
  c:
    columns:
      id: {type: integer, primary_key: true}
      code: {type: text}
      doc: {type: json}
      price: {type: 'numeric(10,2)', sqlite_type: 'DECIMAL(10,2)'}
"""


@pytest.mark.parametrize("column,value,stored", [
    ("code", "0012", "12"), ("code", "1e3", "1000"), ("doc", "1.50", "1.5")])
def test_text_a_numeric_affinity_would_convert_is_refused_not_changed(pg, pg_server, tmp_path, column, value, stored):
    """STRING and JSON have NUMERIC affinity (validate warns of the spelling): SQLite stored PostgreSQL's text
    '0012' as the integer 12 and the JSON document 1.50 as 1.5, and copy said it copied the rows.  (numeric: the
    number SQLite makes of it is the decimal, or it is refused before it is written:
    test_decimals_a_numeric_affinity_holds_as_numbers_are_copied_to_sqlite.)"""
    m = load_text(CONVERTING, "converting.yaml")
    (tmp_path / "c.yaml").write_text(CONVERTING)
    pg.execute(render.ddl(m, "postgres"))
    pg.execute(f"INSERT INTO c (id, {column}) VALUES (1, %s), (2, NULL)", (value,))
    pg.execute("INSERT INTO c (id, code, doc, price) VALUES (3, 'abc', '{\"a\": 1.50}', 3)")
    target = tmp_path / "t.db"
    sqlite_engine.apply(sqlite_engine.connect(str(target)), render.ddl(m, "sqlite"))
    result = cli("copy", "--manifest", tmp_path / "c.yaml", "--from", pg_server.url("schemactl_tests"),
                 "--to", f"sqlite:///{target}")
    assert result.exit_code == 2, result.output
    assert _one_error(result).startswith(
        f"error: table c, row id=1, column {column}: SQLite stored the text written to it as the number {stored}")
    assert sqlite3.connect(target).execute("SELECT count(*) FROM c").fetchone() == (0,)
    pg.execute("DELETE FROM c WHERE id = 1")
    result = cli("copy", "--manifest", tmp_path / "c.yaml", "--from", pg_server.url("schemactl_tests"),
                 "--to", f"sqlite:///{target}")
    assert result.exit_code == 0, result.output   # text SQLite keeps, and numeric 3.00 stored as 3, go through
    assert sqlite3.connect(target).execute("SELECT code, doc, price FROM c WHERE id = 3").fetchone() == \
        ("abc", '{"a": 1.50}', 3)


AFFINITY = """\
format: 1
name: affinity
version: 1
tables:
  p:
    columns:
      id: {type: integer, primary_key: true}
      price: {type: 'numeric(10,2)', sqlite_type: 'DECIMAL(10,2)'}
      big: {type: 'numeric(21,2)', sqlite_type: 'DECIMAL(21,2)'}
      fine: {type: 'numeric(20,9)', sqlite_type: 'DECIMAL(20,9)'}
      rate: {type: 'numeric(20,2)', sqlite_type: 'DOUBLE'}
"""
# what SQLite holds of each (NUMERIC affinity: an integer where the number is whole; REAL affinity: a REAL)
CARRIED = [(1, "12.50", "123456789012345678.00", "12345678.123456780", "12.50"),
           (2, "12.34", "-3.00", "0.000000001", "3.00"),
           (3, "-0.10", "9223372036854775807.00", "-1.500000000", "0.00")]
HELD = [(1, 12.5, 123456789012345678, 12345678.12345678, 12.5), (2, 12.34, -3, 1e-09, 3.0),
        (3, -0.1, 9223372036854775807, -1.5, 0.0)]
# SQLite would hold another number: more significant digits than a REAL keeps, or beyond a 64-bit integer
CHANGED = [("fine", "12345678.123456789", "the REAL 12345678.12345679"),
           ("big", "99999999999999999.99", "the REAL 1e+17"),
           ("big", "9223372036854775808.00", "the REAL 9.223372036854776e+18"),
           ("rate", "123456789012345678.00", "the REAL 1.2345678901234568e+17")]


def _affinity_target(tmp_path):
    m = load_text(AFFINITY, "affinity.yaml")
    (tmp_path / "a.yaml").write_text(AFFINITY)
    target = tmp_path / "t.db"
    sqlite_engine.apply(sqlite_engine.connect(str(target)), render.ddl(m, "sqlite"))
    return m, target


def test_decimals_a_numeric_affinity_holds_as_numbers_are_copied_to_sqlite(pg, pg_server, tmp_path):
    """DECIMAL(10,2) (NUMERIC affinity) stores the text '12.50' copy wrote as the REAL 12.5, which copy's check
    after the write refused ('SQLite stored the text written to it as the number 12.5'), although it is the value
    written, and copy reads it back as 12.50.  A number SQLite holds exactly (a REAL whose shortest text is the
    decimal, a whole number in 64 bits) is carried; one it would hold as another number is refused before it is
    written, naming its row, and nothing is written."""
    m, target = _affinity_target(tmp_path)
    pg.execute(render.ddl(m, "postgres"))
    for row in CARRIED:
        pg.execute("INSERT INTO p VALUES (%s, %s, %s, %s, %s)", row)
    url, lite = pg_server.url("schemactl_tests"), f"sqlite:///{target}"
    result = cli("copy", "--manifest", tmp_path / "a.yaml", "--from", url, "--to", lite)
    assert result.exit_code == 0, result.output
    held = sqlite3.connect(target).execute("SELECT * FROM p ORDER BY id").fetchall()
    assert held == HELD and [list(map(type, r)) for r in held] == [list(map(type, r)) for r in HELD]
    # and back: the same decimals
    pg.execute("TRUNCATE p")
    result = cli("copy", "--manifest", tmp_path / "a.yaml", "--from", lite, "--to", url)
    assert result.exit_code == 0, result.output
    assert pg.execute("SELECT id, price::text, big::text, fine::text, rate::text FROM p ORDER BY id").fetchall() == \
        CARRIED
    for column, value, held in CHANGED:
        sqlite3.connect(target).execute("DELETE FROM p").connection.commit()
        pg.execute("TRUNCATE p")
        pg.execute(f"INSERT INTO p (id, {column}) VALUES (1, 1), (7, %s)", (value,))
        result = cli("copy", "--manifest", tmp_path / "a.yaml", "--from", url, "--to", lite)
        assert result.exit_code == 2, result.output
        assert _one_error(result).startswith(f"error: table p, row id=7, column {column}: {value} would be held as "
                                             f"{held} by SQLite"), result.output
        assert sqlite3.connect(target).execute("SELECT count(*) FROM p").fetchone() == (0,)


def test_restore_into_a_numeric_affinity_column_carries_what_sqlite_holds_exactly(tmp_path):
    """restore writes as copy does: an archive's "12.50" into DECIMAL(10,2) is the REAL 12.5 (it was refused
    after the write); "12345678.123456789" into DECIMAL(20,9) is refused with its row, and the old rows kept."""
    m, target = _affinity_target(tmp_path)

    def archive(rows):
        from schemactl.manifest.hashing import schema_hash
        path = tmp_path / "a.jsonl.gz"
        cols = [c.name for c in m.tables[0].columns]
        lines = [{"format": "schemactl-backup/2", "schema": "affinity", "hash": schema_hash(m), "tables": ["p"]},
                 {"table": "p", "columns": cols, "kinds": ["int32"] + ["numeric"] * 4},
                 *[list(r) for r in rows], {"end": True, "rows": {"p": len(rows)}}]
        with gzip.open(path, "wt") as f:
            f.write("".join(json.dumps(x) + "\n" for x in lines))
        return path

    result = cli("restore", "--manifest", tmp_path / "a.yaml", "--db", f"sqlite:///{target}", archive(CARRIED))
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(target).execute("SELECT * FROM p ORDER BY id").fetchall() == HELD
    refused = archive([(7, None, None, "12345678.123456789", None)])
    result = cli("restore", "--manifest", tmp_path / "a.yaml", "--db", f"sqlite:///{target}", "--truncate", refused)
    assert result.exit_code == 2, result.output
    assert _one_error(result).startswith(f"error: {refused}: line 3: table p, row id=7, column fine: "
                                         "12345678.123456789 would be held as the REAL 12345678.12345679 by SQLite")
    assert sqlite3.connect(target).execute("SELECT count(*) FROM p").fetchone() == (3,)   # the old rows kept
