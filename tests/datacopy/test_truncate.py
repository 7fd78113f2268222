"""copy --truncate and restore --truncate replace the target's rows in one transaction: a refused run
keeps the old rows; without the flag a non-empty target is refused (exit 2) and names the flag."""

from __future__ import annotations

import sqlite3

from tests.conftest import cli

TEXT = """\
format: 1
name: tiny
version: 1
tables:
  parents:
    columns:
      id: {type: bigint, primary_key: true}
      name: text
  kids:
    columns:
      id: {type: integer, primary_key: true}
      parent_id: {type: bigint, references: parents.id}
      score: real
"""


def _db(tmp_path, name, rows):
    path = tmp_path / name
    conn = sqlite3.connect(path)
    conn.executescript((tmp_path / "out" / "tiny" / "sqlite.sql").read_text())
    for sql in rows:
        conn.execute(sql)
    conn.commit()
    conn.close()
    return path


def _rows(path):
    conn = sqlite3.connect(path)
    try:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in ("parents", "kids")]
    finally:
        conn.close()


def test_truncate_replaces_the_rows_and_a_refusal_keeps_the_old_ones(tmp_path, pg, pg_server):
    (tmp_path / "m.yaml").write_text(TEXT)
    assert cli("generate", "m.yaml", "-o", "out", cwd=tmp_path).exit_code == 0
    src = _db(tmp_path, "src.db", ["INSERT INTO parents VALUES (1, 'new')", "INSERT INTO kids VALUES (1, 1, 0.5)"])
    old = ["INSERT INTO parents VALUES (7, 'old')", "INSERT INTO kids VALUES (9, 7, 2.0)"]
    dst = _db(tmp_path, "dst.db", old)
    args = ["copy", "--manifest", "m.yaml", "--from", f"sqlite:///{src}", "--to", f"sqlite:///{dst}"]
    refused = cli(*args, cwd=tmp_path)
    assert refused.exit_code == 2 and "--truncate" in refused.stderr
    assert _rows(dst) == [[(7, "old")], [(9, 7, 2.0)]]
    assert cli(*args, "--truncate", cwd=tmp_path).exit_code == 0
    assert _rows(dst) == _rows(src)

    # A refused run under --truncate keeps the old rows: NaN cannot be stored in SQLite's REAL.
    pg.execute((tmp_path / "out" / "tiny" / "postgres.sql").read_text())
    pg.execute("INSERT INTO parents VALUES (2, 'pg'); INSERT INTO kids VALUES (2, 2, 'NaN')")
    url = pg_server.url("schemactl_tests")
    nan = cli("copy", "--manifest", "m.yaml", "--from", url, "--to", f"sqlite:///{dst}", "--truncate", cwd=tmp_path)
    assert nan.exit_code == 2 and "NaN" in nan.stderr
    assert _rows(dst) == _rows(src)

    # restore --truncate into PostgreSQL
    assert cli("backup", "--manifest", "m.yaml", "--db", f"sqlite:///{src}", "-o", "a.gz", cwd=tmp_path).exit_code == 0
    assert cli("restore", "a.gz", "--manifest", "m.yaml", "--db", url, cwd=tmp_path).exit_code == 2
    done = cli("restore", "a.gz", "--manifest", "m.yaml", "--db", url, "--truncate", cwd=tmp_path)
    assert done.exit_code == 0, done.output
    assert pg.execute("SELECT id, name FROM parents ORDER BY id").fetchall() == [(1, "new")]
    assert pg.execute("SELECT id, parent_id, score FROM kids ORDER BY id").fetchall() == [(1, 1, 0.5)]
