"""copy, backup and restore refuse what they cannot do faithfully, through the command line on real engines:
one line naming the object and the fix, exit 2 (exit 1 for a drifted schema), never a traceback, and the
target (or the archive's path) exactly as it was."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from schemactl import datacopy, render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.errors import SchemactlError
from schemactl.manifest.load import load_text
from tests.conftest import cli
from tests.datacopy.conftest import Engines, count, rows

TEXT = """\
format: 1
name: small
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
      code: {type: text, unique: true}
      data: bytes
      tag: uuid
      doc: jsonb
"""
M = load_text(TEXT, "small.yaml")


@pytest.fixture
def setup(pg_test_db, pg_second_db, pg_server, tmp_path):
    e = Engines(M, pg_test_db, pg_second_db, tmp_path)
    (tmp_path / "m.yaml").write_text(TEXT)
    e.url = {"postgres": pg_server.url("schemactl_tests"), "second": pg_server.url("schemactl_tests_second")}
    yield e
    e.close()


def _lite(setup, name: str, fill: str | None = None) -> str:
    path = setup.tmp / name
    conn = sqlite_engine.connect(str(path))
    sqlite_engine.apply(conn, render.ddl(M, "sqlite"))
    if fill:
        conn.executescript(fill)
    conn.close()
    return f"sqlite:///{path}"


FILL = """
INSERT INTO parents VALUES (1, 'one'), (2, 'two');
INSERT INTO kids VALUES (1, 1, 'a', X'00', '00000000-0000-0000-0000-000000000001', 'null'),
                        (2, 2, 'b', X'', NULL, '{"n": 1.0000000000000000001}');
"""


def _error_line(result) -> str:
    assert "Traceback" not in result.output, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@pytest.mark.parametrize("change,code", [
    ("ALTER TABLE kids DROP COLUMN doc", "SC201"),
    ("DROP TABLE kids", "SC101"),
])
def test_a_source_missing_a_table_or_column_stops_before_reading(setup, change, code):
    src = setup.db("postgres")
    src.execute("INSERT INTO parents VALUES (1, 'one')")
    src.execute(change)
    target = _lite(setup, "t.db")
    result = cli("copy", "--manifest", setup.tmp / "m.yaml", "--from", setup.url["postgres"], "--to", target)
    assert result.exit_code == 1, result.output
    assert "the source schema differs from the manifest; nothing was read" in result.output and code in result.output
    assert "Traceback" not in result.output
    archive = setup.tmp / "b.gz"
    result = cli("backup", "--manifest", setup.tmp / "m.yaml", "--db", setup.url["postgres"], "-o", archive)
    assert result.exit_code == 1 and code in result.output and not archive.exists()
    lite = sqlite_engine.connect(str(setup.tmp / "t.db"))
    assert count(lite, "parents") == 0
    lite.close()


def test_a_source_column_of_another_type_is_checked_value_by_value(setup):
    """An import's approximations (citext for text, a domain for its base type) copy; a value that does not
    fit the manifest's type is refused by its row instead of being written as it is."""
    src = setup.db("postgres")
    src.execute("ALTER TABLE kids ALTER COLUMN tag TYPE text")
    src.execute("ALTER TABLE parents ALTER COLUMN id TYPE numeric(30,0)")
    src.execute("INSERT INTO parents VALUES (1, 'one')")
    src.execute("INSERT INTO kids (id, parent_id, tag) VALUES (1, 1, '0000000A-0000-0000-0000-000000000000')")
    lite = setup.db("sqlite")
    assert datacopy.copy(M, src, "postgres", lite, "sqlite") == {"parents": 1, "kids": 1}
    assert lite.execute("SELECT tag FROM kids").fetchall() == [("0000000a-0000-0000-0000-000000000000",)]
    src.execute("INSERT INTO kids (id, parent_id, tag) VALUES (2, 1, 'nope')")
    target = _lite(setup, "t.db")
    result = cli("copy", "--manifest", setup.tmp / "m.yaml", "--from", setup.url["postgres"], "--to", target)
    assert result.exit_code == 2 and "table kids, row id=2, column tag: 'nope' is not a UUID" in _error_line(result)
    src.execute("DELETE FROM kids WHERE id = 2")
    src.execute("INSERT INTO parents VALUES (99999999999999999999, 'too big')")
    result = cli("copy", "--manifest", setup.tmp / "m.yaml", "--from", setup.url["postgres"], "--to", target)
    assert result.exit_code == 2 and "table parents, row id=99999999999999999999, column id: 99999999999999999999 " \
        "is out of range for bigint" in _error_line(result)
    lite = sqlite_engine.connect(str(setup.tmp / "t.db"))
    assert count(lite, "parents") == count(lite, "kids") == 0
    lite.close()


def test_copy_and_restore_into_a_table_holding_rows_are_refused(setup):
    src = _lite(setup, "src.db", FILL)
    target = setup.db("postgres")
    target.execute("INSERT INTO parents VALUES (7, 'mine')")
    result = cli("copy", "--manifest", setup.tmp / "m.yaml", "--from", src, "--to", setup.url["postgres"])
    line = _error_line(result)
    assert result.exit_code == 2 and "table parents of the target already holds rows" in line
    assert target.execute("SELECT id, name FROM parents").fetchall() == [(7, "mine")]
    assert count(target, "kids") == 0
    assert cli("backup", "--manifest", setup.tmp / "m.yaml", "--db", src, "-o", setup.tmp / "a.gz").exit_code == 0
    result = cli("restore", setup.tmp / "a.gz", "--manifest", setup.tmp / "m.yaml", "--db", setup.url["postgres"])
    assert result.exit_code == 2 and "already holds rows" in _error_line(result)
    assert target.execute("SELECT id, name FROM parents").fetchall() == [(7, "mine")]


@pytest.mark.parametrize("source,fill,says", [
    ("sqlite", "INSERT INTO parents VALUES ('abc', 'x')", "table parents, row id='abc', column id: holds the text "
     "'abc', not a whole number"),
    ("sqlite", "INSERT INTO kids (id, tag) VALUES (6, 'nope')", "table kids, row id=6, column tag: 'nope' is not a UUID"),
    ("sqlite", "INSERT INTO kids (id, doc) VALUES (8, '{\"a\": NaN}')", "table kids, row id=8, column doc: .* is not "
     "valid JSON"),
    ("sqlite", "INSERT INTO kids (id, data) VALUES (9, 'text, not bytes')", "column data: holds the text"),
])
def test_a_malformed_source_value_is_one_line_naming_table_row_and_column(setup, source, fill, says):
    import re
    src = _lite(setup, "src.db", FILL + fill + ";")
    target = _lite(setup, "t.db")
    result = cli("copy", "--manifest", setup.tmp / "m.yaml", "--from", src, "--to", target)
    assert result.exit_code == 2 and re.search(says, _error_line(result)), result.output
    archive = setup.tmp / "a.gz"
    result = cli("backup", "--manifest", setup.tmp / "m.yaml", "--db", src, "-o", archive)
    assert result.exit_code == 2 and re.search(says, _error_line(result)) and not archive.exists()
    lite = sqlite_engine.connect(str(setup.tmp / "t.db"))
    assert count(lite, "parents") == count(lite, "kids") == 0
    lite.close()


def test_an_infinite_postgres_date_is_refused_by_backup_without_an_archive(setup, pg_server):
    m = load_text(TEXT.replace("doc: jsonb", "doc: jsonb\n      born: date"), "small.yaml")
    (setup.tmp / "d.yaml").write_text(TEXT.replace("doc: jsonb", "doc: jsonb\n      born: date"))
    src = setup.db("postgres", schema=False)
    src.execute(render.ddl(m, "postgres"))
    src.execute("INSERT INTO parents VALUES (1, 'one')")
    src.execute("INSERT INTO kids (id, parent_id, born) VALUES (3, 1, '2024-01-01'), (4, 1, 'infinity')")
    result = cli("backup", "--manifest", setup.tmp / "d.yaml", "--db", setup.url["postgres"], "-o", setup.tmp / "x.gz")
    line = _error_line(result)
    assert result.exit_code == 2 and "table kids, row id=4, column born" in line and "'infinity'" in line
    assert not (setup.tmp / "x.gz").exists()


def test_an_engine_refusal_while_writing_names_the_row(setup):
    """A source whose unique constraint is missing (not a finding that changes what is read) holds duplicates:
    each target refuses them; the message names the row instead of a driver traceback."""
    src = setup.db("sqlite", schema=False)
    sqlite_engine.apply(src, render.ddl(M, "sqlite").replace("CONSTRAINT kids_code_key UNIQUE (code),", ""))
    src.executescript(FILL.replace("'b'", "'a'"))
    for target_engine in ("sqlite", "postgres"):
        target = setup.db(target_engine)
        with pytest.raises(SchemactlError) as info:
            datacopy.copy(M, src, "sqlite", target, target_engine)
        assert info.value.exit_code == 2
        where = ", constraint kids_code_key (Key (code)=(a) already exists)" if target_engine == "postgres" else ""
        assert f"the target refused table kids, row id=2{where}:" in str(info.value), str(info.value)
        assert count(target, "parents") == count(target, "kids") == 0


def _archive(setup) -> tuple[list[str], object]:
    src = setup.db("sqlite")
    src.executescript(FILL)
    path = setup.tmp / "good.gz"
    datacopy.backup(M, src, "sqlite", path)
    return gzip.decompress(path.read_bytes()).decode().splitlines(), src


def _kid_line(lines, key) -> int:
    start = next(i for i, line in enumerate(lines) if line.startswith('{"table":"kids"'))
    return next(i for i, line in enumerate(lines) if i > start and line.startswith(f"[{key},"))


@pytest.mark.parametrize("damage,says", [
    (lambda row: row + ["extra"], "7 values for 6 columns"),
    (lambda row: row[:3] + ["not base64!"] + row[4:], "column data: 'not base64!' is not base64"),
    (lambda row: [row[0], "1"] + row[2:], "column parent_id: holds the text '1', not a whole number"),
    (lambda row: row[:4] + ["{not-a-uuid}"] + row[5:], "column tag: .* is not a UUID"),
    (lambda row: row[:5] + ["{\"a\":"] + row[6:], "column doc: .* is not valid JSON"),
])
def test_a_damaged_archive_row_is_refused_naming_line_table_row_and_column(setup, damage, says):
    import re
    lines, _ = _archive(setup)
    at = _kid_line(lines, 1)
    lines[at] = json.dumps(damage(json.loads(lines[at])))
    path = setup.tmp / "damaged.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    target = _lite(setup, "t.db")
    result = cli("restore", path, "--manifest", setup.tmp / "m.yaml", "--db", target)
    line = _error_line(result)
    assert result.exit_code == 2 and f"line {at + 1}: table kids, row id=1" in line and re.search(says, line), line
    assert "damaged" in line
    lite = sqlite_engine.connect(str(setup.tmp / "t.db"))
    assert count(lite, "parents") == count(lite, "kids") == 0
    lite.close()


def test_json_travels_as_text_and_a_format_1_archive_still_restores(setup):
    """Format 2 holds json as its text (JSON null, every digit); format 1 held parsed values and still restores."""
    lines, src = _archive(setup)
    assert json.loads(lines[0])["format"] == "schemactl-backup/2"
    assert json.loads(lines[_kid_line(lines, 1)])[5] == "null"
    assert json.loads(lines[_kid_line(lines, 2)])[5] == '{"n": 1.0000000000000000001}'
    old = [json.loads(line) for line in lines]
    old[0]["format"] = "schemactl-backup/1"
    old[_kid_line(lines, 1)][5] = {"k": [1, None]}
    old[_kid_line(lines, 2)][5] = None
    path = setup.tmp / "v1.gz"
    path.write_bytes(gzip.compress(("\n".join(json.dumps(o) for o in old) + "\n").encode()))
    target = setup.db("postgres")
    assert datacopy.restore(path, M, target, "postgres") == {"parents": 2, "kids": 2}
    assert [r[5] for r in rows(M, target, "postgres", "kids")] == ['{"k": [1, null]}', None]
    assert base64.b64encode(b"\x00").decode() == json.loads(lines[_kid_line(lines, 1)])[3]


def test_backup_to_an_unwritable_place_is_one_line_and_leaves_nothing(setup):
    src = _lite(setup, "src.db", FILL)
    out = setup.tmp / "missing-dir" / "a.gz"
    result = cli("backup", "--manifest", setup.tmp / "m.yaml", "--db", src, "-o", out)
    assert result.exit_code == 2 and f"cannot write {out}" in _error_line(result)
    assert sorted(p.name for p in setup.tmp.iterdir()) == ["m.yaml", "src.db"]


def test_a_locked_sqlite_target_is_one_line_and_keeps_its_rows(setup):
    import sqlite3
    src = _lite(setup, "src.db", FILL)
    _lite(setup, "t.db")
    holder = sqlite3.connect(str(setup.tmp / "t.db"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    target = sqlite3.connect(str(setup.tmp / "t.db"), timeout=0.2)
    source = sqlite3.connect(src[len("sqlite:///"):])
    try:
        with pytest.raises(SchemactlError, match="cannot start writing to the target: database is locked; "
                                                 "nothing was written") as info:
            datacopy.copy(M, source, "sqlite", target, "sqlite")
        assert info.value.exit_code == 2
    finally:
        holder.execute("ROLLBACK")
        for c in (holder, target, source):
            c.close()


def test_copy_into_its_own_source_is_refused_at_once(setup):
    """copy --from x.db --to x.db --truncate waited on its own lock, then said "database is locked"; a path
    spelled otherwise (./x.db, a symbolic link) names the same file too."""
    src = _lite(setup, "src.db", FILL)
    (setup.tmp / "link.db").symlink_to(setup.tmp / "src.db")
    for target in (src, f"sqlite:///{setup.tmp}/./src.db", f"sqlite:///{setup.tmp / 'link.db'}"):
        result = cli("copy", "--manifest", setup.tmp / "m.yaml", "--from", src, "--to", target, "--truncate")
        assert result.exit_code == 2 and "--from and --to name the same SQLite file" in _error_line(result), target
    import sqlite3
    assert sqlite3.connect(src[len("sqlite:///"):]).execute("SELECT count(*) FROM kids").fetchone()[0] == 2


def test_rows_written_to_a_sqlite_source_during_a_copy_are_all_in_it_or_none(setup):
    """Every table is read in one read transaction: a parent and its child committed while the copy runs
    (between its tables) are both left out, instead of the child arriving without its parent."""
    import sqlite3
    path = setup.tmp / "live.db"
    _lite(setup, "live.db", FILL)
    writer = sqlite3.connect(str(path), isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    source = sqlite3.connect(str(path))
    target = setup.db("sqlite")

    def progress(table, rows):
        if table == "parents":
            writer.execute("INSERT INTO parents VALUES (3, 'late')")
            writer.execute("INSERT INTO kids (id, parent_id) VALUES (3, 3)")
    try:
        assert datacopy.copy(M, source, "sqlite", target, "sqlite", progress) == {"parents": 2, "kids": 2}
        assert not source.in_transaction
    finally:
        writer.close(), source.close()


@pytest.mark.parametrize("raw,says", [
    ('[1,1e999,"a",null,null,null]', "1e999 is beyond a double's range"),
    ('[1,Infinity,"a",null,null,null]', "Infinity is not a JSON number"),
    ('[1,-Infinity,"a",null,null,null]', "-Infinity is not a JSON number"),
    ('[1,NaN,"a",null,null,null]', "NaN is not a JSON number"),
    ('[1,1,"\\ud800",null,null,null]', "half a surrogate pair"),
    ('[1,1,{"\\udfff":1},null,null,null]', "half a surrogate pair"),
])
def test_a_line_json_allows_but_no_backup_writes_is_a_damaged_archive(setup, raw, says):
    """Python's json reads these (an infinite float, a lone surrogate); an archive never holds them: the
    restore is refused as damaged (exit 2), not stored as Infinity nor failed as an internal error."""
    lines, _ = _archive(setup)
    at = _kid_line(lines, 1)
    lines[at] = raw
    path = setup.tmp / "odd.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    target = _lite(setup, "t.db")
    result = cli("restore", path, "--manifest", setup.tmp / "m.yaml", "--db", target)
    line = _error_line(result)
    assert result.exit_code == 2 and f"line {at + 1} is not JSON" in line and says in line and "damaged" in line, line
    lite = sqlite_engine.connect(str(setup.tmp / "t.db"))
    assert count(lite, "parents") == count(lite, "kids") == 0
    lite.close()


def test_an_escaped_surrogate_pair_is_one_character_and_restores(setup):
    lines, _ = _archive(setup)
    at = _kid_line(lines, 1)
    row = json.loads(lines[at])
    row[2] = "\U0001F600"
    lines[at] = json.dumps(row)           # ensure_ascii: written as the pair \ud83d\ude00
    assert "\\ud83d\\ude00" in lines[at]
    path = setup.tmp / "pair.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    target = _lite(setup, "t.db")
    assert cli("restore", path, "--manifest", setup.tmp / "m.yaml", "--db", target).exit_code == 0
    lite = sqlite_engine.connect(str(setup.tmp / "t.db"))
    assert lite.execute("SELECT code FROM kids WHERE id = 1").fetchone() == ("\U0001F600",)
    lite.close()


@pytest.mark.parametrize("edit,says", [
    (lambda lines: lines[:-1] + [lines[-1].replace('"parents":2', '"parents":2.0')], "row counts do not match"),
    (lambda lines: [lines[0].replace('"tables":["parents","kids"]', '"tables":[]')] + lines[1:],
     "the header lists no tables"),
    (lambda lines: [lines[0].replace(',"tables":["parents","kids"]', '')] + lines[1:], "the header lists no tables"),
    (lambda lines: [lines[0].replace('"tables":["parents","kids"]', '"tables":["parents","kids","gone"]')]
     + lines[1:], "its header lists gone, kids, parents"),
])
def test_a_header_or_footer_no_backup_writes_is_a_damaged_archive(setup, edit, says):
    lines, _ = _archive(setup)
    assert '"tables":["parents","kids"]' in lines[0] and '"parents":2' in lines[-1], (lines[0], lines[-1])
    path = setup.tmp / "odd.gz"
    path.write_bytes(gzip.compress(("\n".join(edit(lines)) + "\n").encode()))
    target = _lite(setup, "t.db")
    result = cli("restore", path, "--manifest", setup.tmp / "m.yaml", "--db", target)
    line = _error_line(result)
    assert result.exit_code == 2 and says in line and "damaged" in line, line
    lite = sqlite_engine.connect(str(setup.tmp / "t.db"))
    assert count(lite, "parents") == count(lite, "kids") == 0
    lite.close()


@pytest.mark.parametrize("edit", [
    lambda lines: [lines[0].replace('"schema":"small"', '"schema":"s\\n\\u001b[2Jx"').replace('"hash":"', '"hash":"\\r')]
    + lines[1:],
    lambda lines: [lines[0].replace('"tables":["parents","kids"]', '"tables":["parents","kids","g\\none\\u001b[2J"]')]
    + lines[1:],
], ids=["schema-and-hash", "table-listed"])
def test_the_texts_of_an_archives_header_are_shown_on_one_line_with_control_characters_escaped(setup, edit):
    """The header's schema and hash (a foreign archive) and its table names (a damaged one) went into the message
    as written: a line break split the one-line error, an escape sequence reached the terminal."""
    lines, _ = _archive(setup)
    assert '"schema":"small"' in lines[0], lines[0]
    path = setup.tmp / "odd.gz"
    path.write_bytes(gzip.compress(("\n".join(edit(lines)) + "\n").encode()))
    target = _lite(setup, "t.db")
    result = cli("restore", path, "--manifest", setup.tmp / "m.yaml", "--db", target)
    line = _error_line(result)
    assert result.exit_code == 2 and "\x1b" not in result.output and "\r" not in result.output, result.output
    assert "\\x1b[2J" in line and ("'s\\n\\x1b[2Jx'" in line or "'g\\none\\x1b[2J'" in line), line
