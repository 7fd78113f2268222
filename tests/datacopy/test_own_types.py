"""Columns kept in a PostgreSQL type of their own (`postgres_type`: interval, inet, cidr, macaddr, a range,
an array of inet or of an enum) over a portable text column: `copy` and backup/restore carry PostgreSQL's
text form of each value to SQLite and back, so the value PostgreSQL reads back is the one it gave.

psycopg reads these types as timedelta, ipaddress, Range or list values, which SQLite's text column cannot
hold: before, `copy` to SQLite refused such a table and a real schema (danbooru's bans.duration, ip_addr)
could not make the round trip."""

from __future__ import annotations

import pytest

from schemactl import datacopy
from schemactl.manifest.load import load_text
from tests.datacopy.conftest import Engines

M = load_text("""\
format: 1
name: own-types
version: 1
enums: {mood: [happy, sad]}
tables:
  v:
    columns:
      id: {type: integer, primary_key: true}
      span: {type: text, postgres_type: interval}
      ip: {type: text, postgres_type: inet}
      net: {type: text, postgres_type: cidr}
      mac: {type: text, postgres_type: macaddr}
      r: {type: text, postgres_type: int4range}
      ips: {type: text, postgres_type: "inet[]"}
      moods: {type: text, postgres_type: "mood[]"}
      ipa: {type: "text[]", postgres_type: "inet[]"}
""", "own-types.yaml")

COLUMNS = ["span", "ip", "net", "mac", "r", "ips", "moods", "ipa"]
# each row as SQL literals, the last one all NULL
ROWS = [
    ["'1 year 2 mons 3 days 04:05:06.789'", "'192.168.0.1/24'", "'10.0.0.0/8'", "'08:00:2b:01:02:03'",
     "'[1,5)'", "'{10.0.0.1,::1}'", "'{happy,sad,NULL}'", "'{2001:db8::1,127.0.0.1}'"],
    ["'-00:00:01'", "'::1'", "'2001:db8::/32'", "'00:00:00:00:00:00'", "'empty'", "'{}'", "'{}'", "'{}'"],
    ["NULL"] * 8,
]


@pytest.fixture
def engines(pg_test_db, pg_second_db, tmp_path):
    e = Engines(M, pg_test_db, pg_second_db, tmp_path)
    yield e
    e.close()


def _source(engines):
    src = engines.db("postgres")
    for i, row in enumerate(ROWS):
        src.execute(f"INSERT INTO v (id, {', '.join(COLUMNS)}) VALUES ({i}, {', '.join(row)})")
    return src


def _pg_text(conn) -> list[tuple]:
    """Each value as its type's output function spells it (format's %s; a cast of inet to text adds the mask)."""
    return conn.execute(f"SELECT id, {', '.join(f'format($$%s$$, {c})' for c in COLUMNS)} FROM v ORDER BY id"
                        ).fetchall()


def test_copy_to_sqlite_and_back_keeps_postgres_values(engines):
    src = _source(engines)
    want = _pg_text(src)
    lite = engines.db("sqlite")
    assert datacopy.copy(M, src, "postgres", lite, "sqlite") == {"v": 3}
    held = lite.execute(f"SELECT id, {', '.join(COLUMNS)} FROM v ORDER BY id").fetchall()
    # SQLite holds PostgreSQL's own text of each value (ipa, a portable text[], as its JSON array)
    assert held[0][1:8] == want[0][1:8]
    assert held[0][8] == '["2001:db8::1","127.0.0.1"]'
    assert held[2][1:] == (None,) * 8
    assert held[1][2] == "::1"
    back = engines.db("postgres", second=True)
    assert datacopy.copy(M, lite, "sqlite", back, "postgres") == {"v": 3}
    assert _pg_text(back) == want


def test_copy_postgres_to_postgres_keeps_values(engines):
    src = _source(engines)
    dst = engines.db("postgres", second=True)
    assert datacopy.copy(M, src, "postgres", dst, "postgres") == {"v": 3}
    assert _pg_text(dst) == _pg_text(src)


@pytest.mark.parametrize("target", ["postgres", "sqlite"])
def test_backup_and_restore_keep_values(engines, tmp_path, target):
    src = _source(engines)
    archive = tmp_path / "v.jsonl.gz"
    assert datacopy.backup(M, src, "postgres", archive) == {"v": 3}
    dst = engines.db(target, second=True)
    assert datacopy.restore(archive, M, dst, target) == {"v": 3}
    if target == "sqlite":   # and on to PostgreSQL again
        back = engines.db("postgres", second=True)
        assert datacopy.copy(M, dst, "sqlite", back, "postgres") == {"v": 3}
        dst = back
    assert _pg_text(dst) == _pg_text(src)


def test_text_postgres_refuses_is_refused_before_writing(engines):
    """SQLite text that is no value of the PostgreSQL type: refused, naming the column; nothing written."""
    lite = engines.db("sqlite")
    lite.execute("INSERT INTO v (id, span) VALUES (1, 'not an interval')")
    lite.commit()
    dst = engines.db("postgres", second=True)
    with pytest.raises(Exception) as exc:
        datacopy.copy(M, lite, "sqlite", dst, "postgres")
    assert "interval" in str(exc.value)
    assert dst.execute("SELECT count(*) FROM v").fetchone()[0] == 0
