"""`schemactl import`: adopt an existing schema from a database, DDL files (incl. pg_dump) or Drizzle.

Round trip: generate -> apply -> import -> `diff` against that same database gives zero findings,
on both engines, for every manifest in manifests/ and every golden case."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess

import pytest

from schemactl import render
from schemactl.diff import diff
from schemactl.engines import sqlite as sqlite_engine
from schemactl.expect import expect
from schemactl.importer import classify, dump, from_database, split_sql
from schemactl.introspect import introspect
from schemactl.manifest.load import load_file, load_text
from tests.conftest import CASES, ROOT, cli

SOURCES = sorted((ROOT / "manifests").glob("*.yaml")) + sorted(CASES.glob("*/manifest.yaml"))


def _id(p):
    return p.parent.name if p.name == "manifest.yaml" else p.stem


def _roundtrip(conn, engine, schema=None):
    """Differences between the source database and its import, except those the import listed as not mapped
    (honest parity: a default the other engine cannot take is left out and said so)."""
    doc, summary = from_database(conn, engine, "imported", schema)
    m = load_text(dump(doc, summary, "test", []), "imported.yaml")
    listed = {f"{e.path[1]}.{e.path[3]}" for e in summary.unmapped if e.path[:1] == ("tables",) and len(e.path) >= 4
              and e.path[2] == "columns"}
    return [str(f) for f in diff(expect(m, engine), introspect(conn, engine, m.pg_schema)) if f.path not in listed]


@pytest.mark.parametrize("src", SOURCES, ids=_id)
def test_sqlite_round_trip(src, sqlite_db):
    sqlite_engine.apply(sqlite_db, render.ddl(load_file(src), "sqlite"))
    assert _roundtrip(sqlite_db, "sqlite") == []


@pytest.mark.parametrize("src", SOURCES, ids=_id)
def test_postgres_round_trip(src, pg):
    m = load_file(src)
    pg.execute(render.ddl(m, "postgres"))
    assert _roundtrip(pg, "postgres", m.pg_schema) == []


def test_import_cli_from_a_database_writes_a_clean_manifest(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript((ROOT / "tests/fixtures/seeds/004_rag_studio.sql").read_text())
    conn.close()
    out = tmp_path / "imported.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert "objects mapped exactly," in result.output and "DATETIME -> timestamp" in result.output
    assert cli("validate", out).exit_code == 0
    assert cli("check", out).exit_code == 1          # fresh import: no generated files yet
    assert cli("hash", out).output.strip() in out.read_text()
    assert cli("diff", out, "--db", f"sqlite:///{db}").exit_code == 0


def test_ddl_statements_it_cannot_map_are_listed_with_their_line(tmp_path):
    ddl = tmp_path / "schema.sql"
    ddl.write_text("PRAGMA foreign_keys = ON;\nCREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n"
                   "CREATE INDEX t_v ON t (v);\n\nANALYZE t;\n")
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite")
    assert result.exit_code == 0, result.output
    assert f"import: not mapped: {ddl}:5: ANALYZE t;: not a schema statement" in result.output
    m = load_text(result.output.split("\n", result.output.count("import: "))[-1])
    assert [t.name for t in m.tables] == ["t"] and m.tables[0].indexes[0].name == "t_v"


def test_ddl_the_engine_rejects_is_left_out_and_reported_at_its_line(tmp_path):
    ddl = tmp_path / "bad.sql"
    ddl.write_text("CREATE TABLE a (id INTEGER PRIMARY KEY);\n\nCREATE INDEX i ON missing (x);\n"
                   "CREATE TABLE b (id INTEGER PRIMARY KEY);\n")
    out = tmp_path / "bad.yaml"
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", out)
    assert result.exit_code == 0, result.output
    assert (f"import: not mapped: {ddl}:3: CREATE INDEX i ON missing (x);: sqlite rejected it: no such table: "
            "main.missing") in result.output
    assert {t.name for t in load_file(out).tables} == {"a", "b"}


def test_pg_dump_schema_only_imports_and_matches_the_dumped_database(pg_server, pg, tmp_path):
    pg_dump = shutil.which("pg_dump", path=str(pg_server.binaries.bindir)) or shutil.which("pg_dump")
    if pg_dump is None:
        pytest.fail("pg_dump not found beside the server binaries")
    m = load_file(ROOT / "manifests/memories.yaml")
    pg.execute(render.ddl(m, "postgres"))
    dumped = tmp_path / "dump.sql"
    res = subprocess.run([pg_dump, "--schema-only", "-h", str(pg_server.base), "-p", str(pg_server.port),
                          "-U", "postgres", "-f", str(dumped), "schemactl_tests"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "from_dump.yaml"
    result = cli("import", "--ddl", dumped, "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", out)
    assert result.exit_code == 0, result.output
    imported = load_file(out)
    assert [str(f) for f in diff(expect(imported, "postgres"), introspect(pg, "postgres"))] == []
    assert {t.name for t in imported.tables} == {t.name for t in m.tables}


def test_drizzle_schema_imports(tmp_path):
    bin_dir = ROOT / "node_modules" / ".bin"
    if not (bin_dir / "drizzle-kit").exists():
        pytest.fail("Node tool chain missing; run `bash scripts/install.sh`")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    m = load_file(ROOT / "manifests/memories.yaml")
    ts = tmp_path / "schema.ts"
    ts.write_text(render.render_file(m, "schema.sqlite.ts"))
    out = tmp_path / "from_drizzle.yaml"
    result = cli("import", "--drizzle", ts, "-o", out)
    assert result.exit_code == 0, result.output
    imported = load_file(out)
    assert {t.name for t in imported.tables} == {t.name for t in m.tables}
    assert imported.table("memories").primary_key.columns == ("id",)


def test_exactly_one_source_is_required():
    assert cli("import").exit_code == 2
    assert cli("import", "--db", "sqlite:///x.db", "--drizzle", str(ROOT / "README.md")).exit_code == 2


def test_split_and_classify_keep_lines_and_dollar_quotes():
    stmts = split_sql("SET x = 1;\n-- c\nCREATE TABLE a (s text DEFAULT 'a;b');\n"
                      "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n")
    assert [s.line for s in stmts] == [1, 3, 4]
    keep, left = classify(stmts)
    assert [s.line for s in keep] == [3, 4]      # a function in a trusted language is created, never called
    assert left == []
    keep, left = classify(split_sql("CREATE FUNCTION f() RETURNS int AS 'libc', 'x' LANGUAGE c;"))
    assert keep == [] and "not a schema statement" in left[0][1]


PUBLIC = {"chinook_sqlite": "sqlite", "chinook_postgres": "postgres"}   # tests/fixtures/public/


@pytest.mark.parametrize("name", PUBLIC)
def test_public_schema_imports_and_round_trips(name, tmp_path, pg_server, pg, sqlite_db):
    engine = PUBLIC[name]
    fixture = ROOT / "tests" / "fixtures" / "public" / f"{name}.sql"
    out = tmp_path / f"{name}.yaml"
    result = cli("import", "--ddl", fixture, "--dialect", engine, "--postgres-url", pg_server.url(), "-o", out)
    assert result.exit_code == 0, result.output
    imported = load_file(out)
    assert len(imported.tables) == 11
    # The source database, built from the original statements, shows no difference from the import.
    conn = pg if engine == "postgres" else sqlite_db
    keep, _ = classify(split_sql(fixture.read_text()))
    for s in keep:
        conn.execute(s.text)
    assert [str(f) for f in diff(expect(imported, engine), introspect(conn, engine))] == []
    # ...and the adopted manifest now renders for the other engine too.
    other = "sqlite" if engine == "postgres" else "postgres"
    if other == "sqlite":
        sqlite_engine.apply(sqlite_db, render.ddl(imported, "sqlite"))
    else:
        pg.execute(render.ddl(imported, "postgres"))


def test_types_without_a_portable_equivalent_become_per_engine_overrides(pg, tmp_path):
    pg.execute("CREATE TABLE hosts (id integer PRIMARY KEY, addr inet NOT NULL, tags text[], nets inet[], "
               "seen interval DEFAULT '1 day')")
    doc, summary = from_database(pg, "postgres", "hosts")
    text = dump(doc, summary, "test", [])
    assert "postgres_type: inet" in text and "postgres_type: inet[]" in text
    assert doc["tables"]["hosts"]["columns"]["tags"] == {"type": "text[]"}   # an array of a portable type: exact
    assert any("inet has no portable type" in line for line in summary.lines())
    m = load_text(text)
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == []


def test_arrays_character_and_tsvector_import_exactly_from_postgres_and_sqlite(pg, tmp_path):
    pg.execute("CREATE TABLE docs (id integer PRIMARY KEY, code character(4) DEFAULT 'ab', doc tsvector, "
               "tags text[] NOT NULL DEFAULT '{}', nums integer[] DEFAULT ARRAY[1, NULL], "
               "names character varying(20)[] DEFAULT '{\"a b\",c}', stamps timestamp with time zone[])")
    doc, summary = from_database(pg, "postgres", "docs")
    cols = doc["tables"]["docs"]["columns"]
    assert cols["code"] == {"type": "character(4)", "default": "ab"} and cols["doc"] == {"type": "tsvector"}
    assert cols["tags"] == {"type": "text[]", "nullable": False, "default": []}
    assert cols["nums"] == {"type": "integer[]", "default": [1, None]}
    assert cols["names"] == {"type": "varchar(20)[]", "default": ["a b", "c"]}
    assert cols["stamps"] == {"type": "timestamptz[]"}
    assert not summary.approx and not summary.unmapped
    m = load_text(dump(doc, summary, "test", []))
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == []
    lite = sqlite3.connect(tmp_path / "c.db")
    lite.executescript(render.ddl(m, "sqlite"))
    doc, summary = from_database(lite, "sqlite", "docs")
    cols = doc["tables"]["docs"]["columns"]
    assert cols["code"]["type"] == "character(4)" and cols["tags"]["type"] == "text"   # SQLite: JSON text
    assert any("pads character(n)" in line for line in summary.lines())


def test_import_reads_a_named_postgres_schema(pg_server, pg, tmp_path):
    m = load_file(CASES / "postgres_schema" / "manifest.yaml")
    pg.execute(render.ddl(m, "postgres"))
    out = tmp_path / "billing.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "--schema", "billing", "-o", out)
    assert result.exit_code == 0, result.output
    imported = load_file(out)
    assert imported.pg_schema == "billing" and {t.name for t in imported.tables} == {"accounts", "invoices"}
    assert cli("diff", out, "--db", pg_server.url("schemactl_tests")).exit_code == 0


def test_items_are_placed_at_their_own_lines(tmp_path):
    """A column after a comment line, a column whose generated expression spells another column's name in a
    JSON path, an index listed as a part of its table, an FTS5 table: each at its own line, not its table's."""
    ddl = tmp_path / "s.sql"
    ddl.write_text("CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  data TEXT,\n  -- a comment\n"
                   '  Kind TEXT GENERATED ALWAYS AS (json_extract(data, "$.Kind")),\n  created TIMESTAMP\n);\n\n'
                   "CREATE INDEX t_created ON t (id, (COALESCE(created, '9999-12-31')) DESC);\n"
                   "CREATE VIRTUAL TABLE t_fts USING fts5(data, content='t', tokenize='trigram');\n")
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", tmp_path / "m.yaml")
    assert result.exit_code == 0, result.output
    where = {re.search(r'(column|index|search) "(\w+)"', line).group(2): re.search(r"s\.sql:(\d+)", line).group(1)
             for line in result.output.splitlines() if "s.sql:" in line}
    assert where == {"id": "2", "Kind": "5", "created": "6", "t_created": "9", "t_fts": "10"}, result.output


def test_an_integer_primary_key_sqlite_fills_is_said_to_be_left_to_postgresql(tmp_path):
    """SQLite's INTEGER PRIMARY KEY takes the row id when an INSERT leaves it out; PostgreSQL's key does not:
    the import maps it exactly and warns (a warning, so --strict still passes); AUTOINCREMENT (an identity),
    a composite key, a WITHOUT ROWID table and INT are not row ids and get no warning."""
    ddl = tmp_path / "s.sql"
    ddl.write_text("CREATE TABLE settings (id INTEGER PRIMARY KEY, k TEXT);\n"
                   "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);\n"
                   "CREATE TABLE b (x INTEGER, y INTEGER, PRIMARY KEY (x, y));\n"
                   "CREATE TABLE c (id INTEGER PRIMARY KEY) WITHOUT ROWID;\n"
                   "CREATE TABLE d (id INT PRIMARY KEY);\n")
    out = tmp_path / "m.yaml"
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", out, "--strict")
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if line.startswith("import: warning: ")]
    assert warned == [f'import: warning: {ddl}:1: table "settings", column "id": INTEGER PRIMARY KEY: SQLite fills '
                      "it from the row id when an INSERT leaves it out, PostgreSQL does not; add identity: true if "
                      "the application relies on that (SQLite then numbers it with AUTOINCREMENT, never reusing a "
                      "deleted row's id)"]
    assert "# warning: " in out.read_text() and load_file(out).table("a").column("id").identity


def _holds_on_both(m, pg, first: str, read: tuple, refused: list, match: str) -> None:
    """On both engines built from ``m``: ``first`` is taken, ``read`` (SELECT, row) reads that row back, and
    each of ``refused`` is refused with an error matching ``match``."""
    for engine, cur in _built_on_both(m, pg):
        cur.execute(first)
        cur.execute(read[0])
        assert cur.fetchone() == read[1], engine
        for sql in refused:
            with pytest.raises(Exception, match=match):
                cur.execute(sql)


def _sqlite_imported(tmp_path, ddl: str):
    """(the CLI's result, the manifest's path, the database's path) of `import --db` of a SQLite file holding
    ``ddl``; the import succeeded."""
    db = tmp_path / "src.db"
    conn = sqlite3.connect(db)
    conn.executescript(ddl)
    conn.close()
    out = tmp_path / "imported.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    return result, out, db


def _built_on_both(m, pg):
    """(engine, cursor) of a fresh SQLite and of ``pg`` (autocommit), each holding the manifest's DDL."""
    for engine, conn in (("sqlite", sqlite3.connect(":memory:")), ("postgres", pg)):
        if engine == "sqlite":
            conn.executescript(render.ddl(m, "sqlite"))
        else:
            conn.execute(render.ddl(m, "postgres"))
        yield engine, conn.cursor()


def test_sqlite_constants_and_collations_are_not_changed_silently(tmp_path, pg):
    """A default made of literals and operators is what SQLite stores (-'a' is 0: '0' in a TEXT column; it
    was read as the text '-a'), and an index key with COLLATE NOCASE keeps its collation on SQLite and is
    lower(…) on PostgreSQL (it was dropped: the unique index became case-sensitive), each listed."""
    result, out, db = _sqlite_imported(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, e TEXT, b TEXT DEFAULT "
                                       "(-'a'), c TEXT DEFAULT ('x' || 'y'), d INTEGER DEFAULT (-5));"
                                       "CREATE UNIQUE INDEX t_e_key ON t (e COLLATE NOCASE);")
    assert 'column "b", default: -\'a\' does arithmetic on text, which PostgreSQL refuses: SQLite stores \'0\' in ' \
           "this column" in result.output
    assert 'index "t_e_key": key e COLLATE NOCASE: PostgreSQL has no such collation' in result.output
    m = load_file(out)
    t = m.table("t")
    assert (t.column("b").default.value, t.column("d").default.value) == ("0", -5)
    assert t.column("c").default.expr.on("sqlite") == "'x' || 'y'"        # kept as SQL, as before
    (key,) = t.indexes[0].columns
    assert key.expr.on("sqlite") == "e COLLATE NOCASE" and key.expr.on("postgres").lower() == "lower(e)"
    assert cli("diff", out, "--db", f"sqlite:///{db}").exit_code == 1     # the default's text differs (listed)
    _holds_on_both(m, pg, "INSERT INTO t (id, e) VALUES (1, 'Ann')", ("SELECT b, c FROM t", ("0", "xy")),
                   ["INSERT INTO t (id, e) VALUES (2, 'ANN')"], "(?i)unique|duplicate")


def test_sqlite_unique_constraints_and_columns_with_a_collation_keep_comparing_so(tmp_path, pg):
    """A UNIQUE constraint over a collated key (UNIQUE (e COLLATE NOCASE), or a column declared COLLATE NOCASE
    UNIQUE) was 'not mapped: expected a string, got null' and dropped; a unique index over such a column became
    case-sensitive; the column's own collation went without a word.  Each is now the unique index that compares
    as SQLite did (lower(…) on PostgreSQL), and the column's collation is listed."""
    result, out, _ = _sqlite_imported(
        tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, UNIQUE (email COLLATE NOCASE));"
                  "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE, "
                  "  name TEXT COLLATE NOCASE CHECK (name <> 'x' COLLATE BINARY));"
                  "CREATE UNIQUE INDEX u_name ON u (name);"
                  "CREATE TABLE v (id INTEGER PRIMARY KEY, a TEXT, b TEXT, CONSTRAINT ab_key UNIQUE (a, b COLLATE NOCASE));")
    assert "expected a string" not in result.output and ", 0 not mapped" in result.output
    # six lines, six objects: each index of a table is counted as one (they were counted as their table: 5)
    assert sum(x.startswith("import: approximately:") for x in result.output.splitlines()) == 6
    assert ", 6 approximately, 0 not mapped" in result.output
    for column in ("email", "name"):
        assert (f'table "u", column "{column}": COLLATE NOCASE left out: the column compares by BINARY on SQLite '
                "and the database's default collation on PostgreSQL") in result.output
    m = load_file(out)
    shown = {(t.name, ix.name): [getattr(k, "expr", None) and k.expr.on("sqlite") or k.name for k in ix.columns]
             for t in m.tables for ix in t.indexes}
    assert shown == {("t", "t_email_collate_key"): ["email COLLATE NOCASE"],
                     ("u", "u_email_collate_key"): ["email COLLATE NOCASE"],
                     ("u", "u_name"): ["name COLLATE NOCASE"], ("v", "ab_key"): ["a", "b COLLATE NOCASE"]}
    assert cli("parity", out, "--postgres", "local").exit_code == 0
    for engine, cur in _built_on_both(m, pg):
        cur.execute("INSERT INTO t (id, email) VALUES (1, 'Ann@x')")
        cur.execute("INSERT INTO u (id, email, name) VALUES (1, 'Ann@x', 'Bob')")
        cur.execute("INSERT INTO v (id, a, b) VALUES (1, 'a', 'B')")
        for bad in ("INSERT INTO t (id, email) VALUES (2, 'ann@X')", "INSERT INTO u (id, email, name) VALUES "
                    "(2, 'ann@X', 'z')", "INSERT INTO u (id, email, name) VALUES (3, 'q', 'BOB')",
                    "INSERT INTO v (id, a, b) VALUES (2, 'a', 'b')"):
            with pytest.raises(Exception, match="(?i)unique|duplicate"):
                cur.execute(bad)


def test_a_sqlite_collation_changes_no_value_and_compares_both_operands_on_postgresql(tmp_path, pg):
    """x COLLATE NOCASE was lower(x) wherever it stood: a default 'A' COLLATE NOCASE stored 'a' on PostgreSQL,
    a generated column held lowered text, and CHECK (i <> 'x' COLLATE NOCASE) became i <> lower('x'), which let
    'X' in.  A collation changes no value (it goes), a comparison compares both operands through lower(), and an
    index key stays lower(key)."""
    result, out, _ = _sqlite_imported(
        tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, i TEXT CHECK (i <> 'x' COLLATE NOCASE), "
                  "d TEXT DEFAULT ('A' COLLATE NOCASE), g TEXT GENERATED ALWAYS AS (i COLLATE NOCASE) VIRTUAL);"
                  "CREATE UNIQUE INDEX ti ON t (i COLLATE NOCASE);")
    assert "there the comparison is LOWER(i) <> LOWER('x')" in result.output
    m = load_file(out)
    t = m.table("t")
    assert t.checks[0].expr.on("postgres") == "LOWER(i) <> LOWER('x')"
    assert t.indexes[0].columns[0].expr.on("postgres") == "LOWER(i)"
    _holds_on_both(m, pg, "INSERT INTO t (id, i) VALUES (1, 'Ann')", ("SELECT d, g FROM t", ("A", "Ann")),
                   ["INSERT INTO t (id, i) VALUES (2, 'X')"], "(?i)check")


def test_a_foreign_key_to_a_nocase_unique_column_is_kept(tmp_path, pg):
    """e TEXT COLLATE NOCASE UNIQUE is a unique index over e COLLATE NOCASE (lower(e) on PostgreSQL), which no
    foreign key can reference: r's foreign key to u(e) was dropped ('(e) of "u" is neither').  u gets a unique
    constraint on e too (unique by NOCASE is unique), listed, and the foreign key holds on both engines."""
    result, out, _ = _sqlite_imported(tmp_path, "CREATE TABLE u (id INTEGER PRIMARY KEY, e TEXT COLLATE NOCASE UNIQUE,"
                                                " k TEXT COLLATE NOCASE GENERATED ALWAYS AS (trim(e)) STORED);"
                                                "CREATE TABLE r (id INTEGER PRIMARY KEY, ue TEXT REFERENCES u(e));")
    assert ", 0 not mapped" in result.output, result.output
    assert ('table "u", unique (e): unique (e) added beside the unique index u_e_collate_key, which compares by a '
            "collation: the foreign key of r references these columns") in result.output
    assert 'table "u", column "k": COLLATE NOCASE left out' in result.output
    m = load_file(out)
    assert [fk.ref_columns for fk in m.table("r").foreign_keys] == [("e",)]
    for engine, cur in _built_on_both(m, pg):
        if engine == "sqlite":
            cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("INSERT INTO u (id, e) VALUES (1, 'Ann')")
        cur.execute("INSERT INTO r (id, ue) VALUES (1, 'Ann')")
        with pytest.raises(Exception, match="(?i)foreign key"):
            cur.execute("INSERT INTO r (id, ue) VALUES (2, 'nobody')")
        with pytest.raises(Exception, match="(?i)unique|duplicate"):
            cur.execute("INSERT INTO u (id, e) VALUES (2, 'ANN')")


def test_collated_keys_of_quoted_names_composite_and_permuted_keep_their_foreign_keys(tmp_path, pg):
    """A collated key of a quoted name with a space was 'my AS col' (the index and the foreign key to it were
    lost); a foreign key to a unique key of a NOCASE column and a plain one, or naming the columns in another
    order, was dropped."""
    result, out, _ = _sqlite_imported(
        tmp_path, 'CREATE TABLE "p 4"(id INTEGER PRIMARY KEY, "my col" TEXT COLLATE NOCASE UNIQUE, '
                  '"x y" TEXT COLLATE NOCASE);'
                  'CREATE INDEX i4 ON "p 4"("x y" DESC);'
                  'CREATE TABLE c4 (id INTEGER PRIMARY KEY, r TEXT REFERENCES "p 4"("my col"));'
                  "CREATE TABLE p3(id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, b INTEGER, UNIQUE(a, b));"
                  "CREATE TABLE c3(id INTEGER PRIMARY KEY, x TEXT, y INTEGER, FOREIGN KEY(y, x) REFERENCES p3(b, a));")
    assert ", 0 not mapped" in result.output, result.output
    m = load_file(out)
    assert [f.ref_columns for f in m.table("c4").foreign_keys] == [("my col",)]
    assert [f.ref_columns for f in m.table("c3").foreign_keys] == [("b", "a")]
    i4 = next(i for i in m.table("p 4").indexes if i.name == "i4")
    assert i4.columns[0].expr.on("sqlite") == '"x y" COLLATE NOCASE'
    assert cli("parity", out, "--postgres", "local").exit_code == 0
    for engine, cur in _built_on_both(m, pg):
        cur.execute("""INSERT INTO "p 4" (id, "my col") VALUES (1, 'Ann')""")
        with pytest.raises(Exception, match="(?i)unique|duplicate"):
            cur.execute("""INSERT INTO "p 4" (id, "my col") VALUES (2, 'ANN')""")


def test_between_is_and_concatenations_compare_by_their_collation_and_the_rest_is_listed(tmp_path, pg):
    """BETWEEN, IS and a COLLATE inside a concatenation lost NOCASE on PostgreSQL ('A' fell outside
    f COLLATE NOCASE BETWEEN 'a' AND 'z'); a view ordering by a collation and a partial index whose WHERE compares
    by one were not listed."""
    result, out, _ = _sqlite_imported(
        tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, f TEXT, "
                  "CHECK (f COLLATE NOCASE BETWEEN 'a' AND 'm'), CHECK (f IS NOT 'zz' COLLATE NOCASE), "
                  "CHECK (f || 'x' COLLATE NOCASE <> 'QX'));"
                  "CREATE INDEX t_f ON t (f) WHERE f <> 'skip' COLLATE NOCASE;"
                  "CREATE VIEW v AS SELECT f FROM t ORDER BY f COLLATE NOCASE;")
    assert 'view "v": kept as sqlite SQL' in result.output and "collations mean otherwise" in result.output
    assert "table \"t\", index \"t_f\": WHERE f <> 'skip' COLLATE NOCASE: PostgreSQL has no such collation" \
        in result.output
    m = load_file(out)
    assert [c.expr.on("postgres") for c in m.table("t").checks] == [
        "LOWER(f) BETWEEN LOWER('a') AND LOWER('m')", "LOWER(f) IS DISTINCT FROM LOWER('zz')",
        "LOWER(f || 'x') <> LOWER('QX')"]
    for engine, cur in _built_on_both(m, pg):
        cur.execute("INSERT INTO t (id, f) VALUES (1, 'A')")      # within a..m by NOCASE
        for bad in ("ZZ", "Q", "N"):
            with pytest.raises(Exception, match="(?i)check"):
                cur.execute(f"INSERT INTO t (id, f) VALUES (2, '{bad}')")


def test_a_column_without_a_declared_type_and_a_line_break_in_the_path_import(tmp_path):
    """A column declared without a type (legal in SQLite, BLOB affinity) made the whole import fail ('"" has the
    wrong form': an empty sqlite_type); a line break in the database's path ended the header comment, and the
    import failed with 'cannot repair (please report)'."""
    db = tmp_path / "a\nname: evil.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE a (id INTEGER PRIMARY KEY, loose, n2 COLLATE NOCASE);")
    conn.close()
    out = tmp_path / "a.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert 'table "a", column "loose": -> text (no declared type (SQLite keeps each value as given)' in result.output
    t = load_file(out).table("a")
    assert (t.column("loose").type.name, t.column("n2").type.name) == ("text", "text")
    assert "a\\nname: evil.db." in out.read_text().splitlines()[0]


def test_a_negated_string_is_no_literal_default():
    from schemactl.normalize import default_key
    assert default_key("-'a'", "sqlite", "text") != default_key("'-a'", "sqlite", "text")
    assert default_key("(-5)", "sqlite", "int64") == default_key("-5", "sqlite", "int64") == "lit:-5"


def test_a_table_qualified_column_is_no_string(tmp_path, pg):
    """drizzle-kit's sqlite-core SQL writes a check's column as "notes"."qty": the qualifier is the table
    itself, dropped as the manifest names its own columns (it became the string 'notes'."qty", which
    PostgreSQL refused), and the import is exact: diff against the source finds nothing."""
    ddl = tmp_path / "s.sql"
    ddl.write_text('CREATE TABLE notes (id integer PRIMARY KEY NOT NULL, qty integer NOT NULL, deleted integer, '
                   'CONSTRAINT qty_pos CHECK ("notes"."qty" > 0));\n'
                   'CREATE INDEX notes_live_idx ON notes (id) WHERE "notes"."deleted" = 0;\n')
    out = tmp_path / "m.yaml"
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", out)
    assert result.exit_code == 0, result.output
    assert "a double-quoted word" not in result.output
    m = load_file(out)
    t = m.table("notes")
    assert t.checks[0].expr.on("sqlite") == '"qty" > 0'
    assert t.indexes[0].where.on("sqlite") == '"deleted" = 0'
    assert "0 approximately, 0 not mapped" in result.output
    pg.execute(render.ddl(m, "postgres"))
    db = tmp_path / "src.db"
    conn = sqlite3.connect(db)
    conn.executescript(ddl.read_text())
    conn.close()
    assert cli("diff", out, "--db", f"sqlite:///{db}").exit_code == 0


def test_a_partition_is_a_schema_statement_and_create_table_as_values_is_not():
    """CREATE TABLE … PARTITION OF … FOR VALUES FROM … was left out as "creates a table from a query"."""
    keep, left = classify(split_sql("CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO "
                                    "('2025-01-01');\nCREATE TABLE c AS VALUES (1);\nCREATE TABLE d VALUES;\n"))
    assert [s.line for s in keep] == [1]
    assert [(s.line, why.split(" (")[0]) for s, why in left] == [(2, "creates a table from a query"),
                                                                 (3, "creates a table from a query")]


def test_a_ddl_file_that_is_not_utf8_is_named_with_the_place(tmp_path):
    """It was "error: a file is not valid UTF-8 (invalid start byte at byte 36)": which file, where?"""
    (tmp_path / "good.sql").write_text("CREATE TABLE a (id integer PRIMARY KEY);\n")
    (tmp_path / "bin.sql").write_bytes(b"CREATE TABLE b (id integer PRIMARY KEY);\n-- caf\xe9\n")
    result = cli("import", "--ddl", tmp_path / "good.sql", "--ddl", tmp_path / "bin.sql", "--dialect", "sqlite",
                 "-o", tmp_path / "x.yaml")
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'bin.sql'}:2:7: byte 0xE9 is not UTF-8 (the file was saved in another encoding); " \
           "save it as UTF-8" in result.output


def test_the_schema_is_named_after_the_manifest_written(tmp_path):
    """`import --ddl schema.sql -o manifests/app.yaml` named the schema "schema" (generated/schema/), so the
    README's `ln -sf ../../generated/app/schema.pg.ts src/db/schema.ts` left a dangling link in place of the
    team's file; --name still decides, and without -o the source names it."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "schema.sql").write_text("CREATE TABLE a (id integer PRIMARY KEY);\n")
    for extra, want in (((), "app"), (("--name", "shop", "--force"), "shop")):
        result = cli("import", "--ddl", "schema.sql", "--dialect", "sqlite", "-o", "manifests/app.yaml", *extra,
                     cwd=tmp_path)
        assert result.exit_code == 0, result.output
        assert f"\nname: {want}\n" in (tmp_path / "manifests" / "app.yaml").read_text()
    printed = cli("import", "--ddl", "schema.sql", "--dialect", "sqlite", cwd=tmp_path)
    assert "\nname: schema\n" in printed.stdout
    dotted = cli("import", "--ddl", "schema.sql", "--dialect", "sqlite", "-o", "manifests/app.v2.yaml", cwd=tmp_path)
    assert dotted.exit_code == 0 and "\nname: app-v2\n" in (tmp_path / "manifests" / "app.v2.yaml").read_text()


def test_import_never_replaces_another_manifest_without_force(tmp_path):
    """import -o over a manifest that holds something else (one edited by hand since the last import, say)
    replaced it silently; it is kept now, nothing written, unless --force.  The same manifest again is fine."""
    (tmp_path / "s.sql").write_text("CREATE TABLE a (id integer PRIMARY KEY);\n")
    out = tmp_path / "m.yaml"
    assert cli("import", "--ddl", "s.sql", "--dialect", "sqlite", "-o", "m.yaml", cwd=tmp_path).exit_code == 0
    assert cli("import", "--ddl", "s.sql", "--dialect", "sqlite", "-o", "m.yaml", cwd=tmp_path).exit_code == 0
    edited = out.read_text() + "# my note\n"
    out.write_text(edited)
    refused = cli("import", "--ddl", "s.sql", "--dialect", "sqlite", "-o", "m.yaml", cwd=tmp_path)
    assert refused.exit_code == 2
    assert "m.yaml exists and holds another manifest; nothing was written: pass --force" in refused.output
    assert out.read_text() == edited
    forced = cli("import", "--ddl", "s.sql", "--dialect", "sqlite", "-o", "m.yaml", "--force", cwd=tmp_path)
    assert forced.exit_code == 0 and out.read_text() != edited


@pytest.mark.parametrize("view, why", [
    ("CREATE TABLE old (id INTEGER); CREATE VIEW v_old AS SELECT * FROM old; DROP TABLE old;",
     'view "v_old" reads missing table or view "old"'),
    ("CREATE VIEW v_old AS SELECT load_extension('x') AS q;", 'view "v_old": PostgreSQL has no function load_extension()'),
], ids=["table-dropped-under-it", "direct-only-function"])
def test_a_sqlite_view_sqlite_cannot_compile_is_one_finding_not_an_unusable_database(tmp_path, view, why):
    """A view over a table dropped after it (SQLite's DROP TABLE leaves it: common in old databases), or calling a
    function SQLite allows in no view, fails SQLite's PRAGMA table_info: import --db stopped whole (exit 2, 'the
    SQLite database cannot be used'), and so did diff, copy and backup of such a database."""
    db = tmp_path / "legacy.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);" + view)
    conn.close()
    out = tmp_path / "legacy.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert f"import: not mapped: {why}" in result.output
    assert [t.name for t in load_file(out).tables] == ["a"] and not load_file(out).views
    result = cli("diff", out, "--db", f"sqlite:///{db}")
    assert result.exit_code == 1, result.output
    assert 'SC352 [sqlite] view "v_old" is not in the manifest' in result.output


@pytest.mark.parametrize("table", ["sqlitedata", "SQLiteUsers"])
def test_a_table_whose_name_begins_with_sqlite_but_not_sqlite_underscore_is_read(tmp_path, table):
    """The catalog read left out SQLite's own tables with LIKE 'sqlite_%', where '_' is any character (and LIKE
    ignores case): a table sqlitedata or SQLiteUsers, which validate accepts and SQLite creates, was not read
    at all - import --db dropped it (and its data) without a word, diff of the manifest's own database found
    it missing (exit 1)."""
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"format: 1\nname: m\nversion: 1\ntables:\n  {table}:\n    columns:\n"
                        "      id: {type: integer, primary_key: true}\n")
    assert cli("hash", "--write", manifest).exit_code == 0
    db = tmp_path / "app.db"
    conn = sqlite_engine.connect(str(db))
    sqlite_engine.apply(conn, render.ddl(load_file(manifest), "sqlite"))
    conn.commit()
    conn.close()
    result = cli("diff", manifest, "--db", f"sqlite:///{db}")
    assert result.exit_code == 0, result.output
    out = tmp_path / "imported.yaml"
    assert cli("import", "--db", f"sqlite:///{db}", "-o", out).exit_code == 0
    assert [t.name for t in load_file(out).tables] == [table]


def test_a_sqlite_view_naming_its_columns_in_a_column_list_is_not_mapped_as_its_select_alone(tmp_path):
    """CREATE VIEW v (x, y) AS SELECT id, id FROM t: the import wrote the SELECT alone and said it mapped exactly -
    a view of columns (id, id), which diff of the same database reported (SC353, exit 1) and PostgreSQL refuses
    (column "id" specified more than once).  It is listed, at its line, with what to write."""
    ddl = tmp_path / "views.sql"
    ddl.write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);\n\nCREATE VIEW v (x, y) AS SELECT id, id FROM t;\n"
                   "CREATE VIEW w AS SELECT (id) AS z FROM t;\n")
    out = tmp_path / "views.yaml"
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", out)
    assert result.exit_code == 0, result.output
    assert (f'import: not mapped: {ddl}:3: view "v": its column list (x, y) names the columns, which a manifest\'s '
            "view takes from its SELECT: write each name as an alias there") in result.output
    assert [v.name for v in load_file(out).views] == ["w"]
