"""Issue 14, parts 2 and 3: an import that never refuses wholesale, and types with integrity.

Each test is one of the issue's minimal reproductions, on the real engines; every imported manifest must
also `generate` DDL that applies on BOTH engines."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from schemactl import render
from schemactl.diff import diff
from schemactl.engines import sqlite as sqlite_engine
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from schemactl.sqlsplit import split_sql
from tests.conftest import RESET_SQL, cli


def _applies_on_both(path, pg_conninfo):
    """The manifest's generated DDL runs on a fresh SQLite and a fresh PostgreSQL; returns the PG connection."""
    m = load_file(path)
    sqlite_engine.apply(sqlite_engine.connect(":memory:"), render.ddl(m, "sqlite"))
    conn = psycopg.connect(pg_conninfo, autocommit=True)
    from tests.conftest import RESET_SQL
    conn.execute(RESET_SQL)
    conn.execute(render.ddl(m, "postgres"))
    return m, conn


def _sqlite_import(tmp_path, ddl, *extra):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript(ddl)
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out, *extra)
    return result, out, db


def _pg_import(pg, pg_server, tmp_path, ddl, *extra):
    pg.execute(ddl)
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out, *extra)
    return result, out


# ------------------------------------------------------------------ part 3: never refuses wholesale

def test_fk_between_varchar_widths_and_text_imports_with_a_warning(pg, pg_server, pg_test_db, tmp_path):
    result, out = _pg_import(pg, pg_server, tmp_path, """
        CREATE TABLE items (id integer PRIMARY KEY, code varchar(64) UNIQUE, name varchar(40) UNIQUE);
        CREATE TABLE refs (id integer PRIMARY KEY, code varchar(128) REFERENCES items (code),
                           name text REFERENCES items (name));""")
    assert result.exit_code == 0, result.output
    assert 'import: warning: table "refs": foreign key "refs_code_fkey": column "code" is varchar(128) but ' \
           '"items.code" is varchar(64)' in result.output
    assert 'column "name" is text but "items.name" is varchar(40)' in result.output
    m = load_file(out)
    assert {f.name for f in m.table("refs").foreign_keys} == {"refs_code_fkey", "refs_name_fkey"}
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == []
    _applies_on_both(out, pg_test_db)
    res = cli("validate", out)
    assert res.exit_code == 0 and ": warning: " in res.output


def test_sqlite_ddl_splitter_keeps_a_trigger_body_whole(tmp_path, pg_test_db):
    text = ("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);\nCREATE TABLE log (id INTEGER);\n"
            "CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (new.id);\n"
            "  UPDATE t SET n = 1 WHERE id = new.id;\nEND;\nCREATE INDEX t_n ON t (n);\n")
    assert [s.line for s in split_sql(text, "sqlite")] == [1, 2, 3, 7]
    ddl = tmp_path / "schema.sql"
    ddl.write_text(text)
    out = tmp_path / "schema.yaml"
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", out)
    assert result.exit_code == 0, result.output
    m = load_file(out)
    assert [tr.name for tr in m.triggers] == ["t_ai"] and m.table("t").indexes[0].name == "t_n"
    _applies_on_both(out, pg_test_db)


def test_sqlite_raise_validation_trigger_through_db_is_mapped_for_sqlite(tmp_path, pg_test_db):
    result, out, db = _sqlite_import(tmp_path, """
        CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
        CREATE TRIGGER accounts_no_overdraft BEFORE UPDATE ON accounts BEGIN
          SELECT RAISE(ABORT, 'overdraft') WHERE EXISTS (SELECT 1 FROM accounts WHERE new.balance < 0);
        END;""")
    assert result.exit_code == 0, result.output
    assert "0 approximately, 0 not mapped" in result.output
    m = load_file(out)
    (tr,) = m.triggers
    assert tr.engines == ("sqlite",) and "RAISE(ABORT, 'overdraft')" in tr.body.on("sqlite")
    conn = sqlite3.connect(db)
    assert [str(f) for f in diff(expect(m, "sqlite"), introspect(conn, "sqlite"))] == []
    _, pg_conn = _applies_on_both(out, pg_test_db)
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO accounts (id, balance) VALUES (1, 5)")
    with pytest.raises(sqlite3.IntegrityError, match="overdraft"):
        lite.execute("UPDATE accounts SET balance = -1")


def test_pg_plpgsql_counter_trigger_through_db_is_mapped(pg, pg_server, pg_test_db, tmp_path):
    result, out = _pg_import(pg, pg_server, tmp_path, """
        CREATE TABLE counters (name text PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
        CREATE TABLE items (id integer PRIMARY KEY);
        CREATE FUNCTION count_items() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO counters (name, n) VALUES ('items', 1) ON CONFLICT (name) DO UPDATE SET n = counters.n + 1;
          IF NEW.id < 0 THEN RAISE EXCEPTION 'negative id'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER items_count AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION count_items();""")
    assert result.exit_code == 0, result.output
    assert "0 approximately, 0 not mapped" in result.output
    assert "Falling back" not in result.output          # sqlglot's own chatter stays out
    m = load_file(out)
    assert {t.name for t in m.tables} == {"counters", "items"}
    assert [(tr.name, tr.function, tr.engines) for tr in m.triggers] == [("items_count", "count_items", ("postgres",))]
    assert [f.name for f in m.functions] == ["count_items"]
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == []
    _, conn = _applies_on_both(out, pg_test_db)
    conn.execute("INSERT INTO items (id) VALUES (1), (2)")
    assert conn.execute("SELECT n FROM counters WHERE name = 'items'").fetchone()[0] == 2


def test_pg_dump_style_trigger_function_in_ddl_is_mapped(pg_server, pg_test_db, tmp_path):
    ddl = tmp_path / "dump.sql"
    ddl.write_text("CREATE TABLE counters (name text PRIMARY KEY, n bigint NOT NULL DEFAULT 0);\n"
                   "CREATE TABLE items (id integer PRIMARY KEY);\n"
                   "CREATE FUNCTION public.count_items() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\nBEGIN\n"
                   "  UPDATE counters SET n = n + 1 WHERE name = 'items';\n"
                   "  IF NEW.id < 0 THEN RAISE EXCEPTION 'negative'; END IF;\n  RETURN NEW;\nEND $$;\n"
                   "CREATE TRIGGER items_count AFTER INSERT ON public.items FOR EACH ROW EXECUTE FUNCTION "
                   "public.count_items();\n")
    out = tmp_path / "dump.yaml"
    result = cli("import", "--ddl", ddl, "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", out)
    assert result.exit_code == 0, result.output
    assert "0 approximately, 0 not mapped" in result.output, result.output
    m = load_file(out)
    assert [tr.function for tr in m.triggers] == ["count_items"] and [f.name for f in m.functions] == ["count_items"]
    _applies_on_both(out, pg_test_db)


def test_bigserial_in_a_composite_key_imports_and_applies_on_both_engines(pg, pg_server, pg_test_db, tmp_path):
    result, out = _pg_import(pg, pg_server, tmp_path, "CREATE TABLE x (a int, id bigserial, PRIMARY KEY (a, id));"
                                                      "CREATE TABLE y (id serial PRIMARY KEY, note text);")
    assert result.exit_code == 0, result.output
    m = load_file(out)
    assert [(s.name, s.owned_by) for s in m.sequences] == [("x_id_seq", "x.id"), ("y_id_seq", "y.id")]
    assert m.table("x").column("id").default.kind == "nextval"
    # the whole key too keeps its sequence, as the database holds it (SQLite numbers it by its row id)
    assert m.table("y").column("id").default.value == "y_id_seq" and not m.table("y").column("id").identity
    assert 'warning: table "y", column "id": serial column: kept as sequence y_id_seq' in result.output
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == []
    _, conn = _applies_on_both(out, pg_test_db)
    conn.execute("INSERT INTO x (a) VALUES (1), (1)")
    assert conn.execute("SELECT id FROM x ORDER BY id").fetchall() == [(1,), (2,)]


def test_rls_policies_and_standalone_sequence_are_imported_not_dropped(pg, pg_server, pg_test_db, tmp_path):
    result, out = _pg_import(pg, pg_server, tmp_path, """
        CREATE SEQUENCE order_numbers AS integer START WITH 500 INCREMENT BY 5;
        CREATE TABLE orders (id integer PRIMARY KEY, owner text NOT NULL, n integer DEFAULT nextval('order_numbers'));
        ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
        ALTER TABLE orders FORCE ROW LEVEL SECURITY;
        CREATE POLICY orders_own ON orders FOR SELECT USING (owner = current_user);
        CREATE POLICY orders_limit ON orders AS RESTRICTIVE FOR INSERT TO public WITH CHECK (id > 0);""")
    assert result.exit_code == 0, result.output
    assert "0 approximately, 0 not mapped" in result.output, result.output
    m = load_file(out)
    assert [(s.name, s.type, s.start, s.increment) for s in m.sequences] == [("order_numbers", "integer", 500, 5)]
    t = m.table("orders")
    assert t.row_level_security and t.force_row_level_security
    assert [(p.name, p.command, p.permissive) for p in m.policies] == [("orders_limit", "insert", False),
                                                                      ("orders_own", "select", True)]
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == []
    _applies_on_both(out, pg_test_db)


def test_create_table_as_select_and_other_data_statements_never_run(tmp_path, pg_server, pg_test_db):
    attached, vacuumed = tmp_path / "attached.db", tmp_path / "vacuumed.db"
    ddl = tmp_path / "hostile.sql"
    ddl.write_text(f"CREATE TABLE t (id INTEGER PRIMARY KEY);\nATTACH DATABASE '{attached}' AS a;\n"
                   "CREATE TABLE copy AS SELECT * FROM t;\nCREATE TABLE c2 AS\n  SELECT 1 AS x;\n"
                   f"VACUUM INTO '{vacuumed}';\nINSERT INTO t VALUES (1);\n")
    out = tmp_path / "hostile.yaml"
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", out)
    assert result.exit_code == 0, result.output
    assert not attached.exists() and not vacuumed.exists()
    assert f"import: not mapped: {ddl}:3: CREATE TABLE copy AS SELECT * FROM t;: creates a table from a query" \
        in result.output
    assert f"{ddl}:4: CREATE TABLE c2 AS SELECT 1 AS x;: creates a table from a query" in result.output
    assert f"{ddl}:2: ATTACH DATABASE" in result.output and f"{ddl}:7: INSERT INTO t" in result.output
    assert [t.name for t in load_file(out).tables] == ["t"]
    pgddl = tmp_path / "hostile_pg.sql"
    pgddl.write_text("CREATE TABLE t (id integer PRIMARY KEY);\nCREATE TABLE t2 AS SELECT 1 AS x;\n"
                     "CREATE TABLE t3 (a) AS VALUES (1);\nSELECT 1 AS x INTO t4;\n")
    result = cli("import", "--ddl", pgddl, "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", out, "--force")
    assert result.exit_code == 0, result.output
    assert [t.name for t in load_file(out).tables] == ["t"]
    assert result.output.count("not mapped: ") == 3
    _applies_on_both(out, pg_test_db)


def test_bookkeeping_tables_are_left_out(tmp_path, pg_test_db):
    result, out, _ = _sqlite_import(tmp_path, """
        CREATE TABLE schema_version (version INTEGER PRIMARY KEY, hash TEXT NOT NULL, checksum TEXT NOT NULL,
                                     applied_at TEXT NOT NULL);
        CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL);
        CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, hash TEXT NOT NULL);
        CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);""")
    assert result.exit_code == 0, result.output
    assert [t.name for t in load_file(out).tables] == ["notes"]
    assert 'import: left out: table "schema_version": bookkeeping' in result.output
    assert 'import: left out: table "_sqlx_migrations": bookkeeping' in result.output
    _applies_on_both(out, pg_test_db)


def test_summary_counts_and_strict(tmp_path):
    ddl = tmp_path / "s.sql"
    ddl.write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME, v TEXT);\n"
                   "CREATE INDEX t_v ON t (v);\nANALYZE;\n")
    out = tmp_path / "s.yaml"
    result = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", out)
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if x.startswith("import: ")]
    # table, 3 columns, primary key, index: 6 objects; the DATETIME column approximate; ANALYZE not mapped
    assert lines[0] == "import: 5 objects mapped exactly, 1 approximately, 1 not mapped"
    assert lines[1] == f'import: approximately: {ddl}:1: table "t", column "at": DATETIME -> timestamp (could ' \
                       "also be timestamptz: change the type if the values carry a zone)"
    assert lines[2].startswith(f"import: not mapped: {ddl}:3: ANALYZE;")
    assert "# 5 objects mapped exactly, 1 approximately, 1 not mapped" in out.read_text()
    out.unlink()
    strict = cli("import", "--ddl", ddl, "--dialect", "sqlite", "-o", out, "--strict")
    assert strict.exit_code == 2 and "--strict" in strict.output and not out.exists()
    clean = tmp_path / "clean.sql"
    clean.write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n")
    assert cli("import", "--ddl", clean, "--dialect", "sqlite", "-o", out, "--strict").exit_code == 0
    assert out.exists()


# ------------------------------------------------------------------ part 2: types with integrity

def test_sqlite_integer_is_64_bit_and_a_rowid_key_stays_integer(tmp_path, pg_test_db):
    result, out, _ = _sqlite_import(tmp_path, "CREATE TABLE events (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
                                              " n INT);")
    assert result.exit_code == 0, result.output
    m, pg = _applies_on_both(out, pg_test_db)
    assert m.table("events").column("at_ms").type.name == "bigint"
    pg.execute("INSERT INTO events (id, at_ms, n) VALUES (1, 1700000000000, 1700000000000)")
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO events (at_ms) VALUES (1)")        # the rowid alias fills the key
    assert lite.execute("SELECT id FROM events").fetchone() == (1,)
    assert '"id" INTEGER' in render.ddl(m, "sqlite") or "id INTEGER" in render.ddl(m, "sqlite")


def test_sqlite_numeric_p_s_stays_numeric(tmp_path, pg_test_db):
    result, out, db = _sqlite_import(tmp_path, "CREATE TABLE prices (id INTEGER PRIMARY KEY, price NUMERIC(10,2), "
                                               "tax DECIMAL(5,3));")
    assert result.exit_code == 0, result.output
    m, pg = _applies_on_both(out, pg_test_db)
    assert m.table("prices").column("price").type.spelled() == "numeric(10,2)"
    row = pg.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'prices'::regclass "
                     "AND attname = 'price'").fetchone()
    assert row == ("numeric(10,2)",)
    src = sqlite3.connect(db)
    assert [str(f) for f in diff(expect(m, "sqlite"), introspect(src, "sqlite"))] == []


def test_sqlite_affinity_spellings_map_by_affinity(tmp_path, pg_test_db):
    result, out, db = _sqlite_import(tmp_path, """CREATE TABLE t (id INTEGER PRIMARY KEY, u INT UNSIGNED,
        tiny TINYINT, mid MEDIUMINT, b BOOL, h BINARY(16), vb VARBINARY(32), by BYTEA, bl BLOB, x STRINGY);""")
    assert result.exit_code == 0, result.output
    m, pg = _applies_on_both(out, pg_test_db)
    got = {c.name: c.type.spelled() for c in m.table("t").columns}
    assert got == {"id": "bigint", "u": "bigint", "tiny": "smallint", "mid": "integer", "b": "boolean",
                   "h": "bytes", "vb": "bytes", "by": "bytes", "bl": "bytes", "x": "double"}
    assert 'column "x": STRINGY -> double (STRINGY has NUMERIC affinity' in result.output   # a guess, said so
    pg.execute("INSERT INTO t (id, u, b, h) VALUES (1, 4294967295, true, '\\x00ff')")
    assert [str(f) for f in diff(expect(m, "sqlite"), introspect(sqlite3.connect(db), "sqlite"))] == []


def test_a_spelling_is_overridden_per_column_where_only_some_columns_have_it(tmp_path, pg_test_db):
    result, out, db = _sqlite_import(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, a BOOL, b BOOLEAN, "
                                               "c BOOLEAN);")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "boolean:" not in text and "sqlite_type: BOOL}" in text and text.count("sqlite_type") == 1
    m, _ = _applies_on_both(out, pg_test_db)
    assert [str(f) for f in diff(expect(m, "sqlite"), introspect(sqlite3.connect(db), "sqlite"))] == []


def test_key_not_null_is_decided_per_table(tmp_path, pg_test_db):
    result, out, db = _sqlite_import(tmp_path, "CREATE TABLE loose (k TEXT PRIMARY KEY);\n"
                                               "CREATE TABLE tight (k TEXT NOT NULL PRIMARY KEY);")
    assert result.exit_code == 0, result.output
    m, _ = _applies_on_both(out, pg_test_db)
    assert m.pk_not_null and m.table("loose").pk_not_null is False and m.table("tight").pk_not_null is None
    ddl = render.ddl(m, "sqlite")
    assert ddl.count("NOT NULL") == 1
    assert [str(f) for f in diff(expect(m, "sqlite"), introspect(sqlite3.connect(db), "sqlite"))] == []


def test_integer_default_false_becomes_an_integer_literal(tmp_path, pg_test_db):
    result, out, db = _sqlite_import(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, "
                                               "done integer DEFAULT false NOT NULL, on_ integer DEFAULT true);")
    assert result.exit_code == 0, result.output
    m, pg = _applies_on_both(out, pg_test_db)
    assert m.table("t").column("done").default.value == 0 and m.table("t").column("on_").default.value == 1
    pg.execute("INSERT INTO t (id) VALUES (1)")
    assert pg.execute("SELECT done, on_ FROM t").fetchone() == (0, 1)
    assert [str(f) for f in diff(expect(m, "sqlite"), introspect(sqlite3.connect(db), "sqlite"))] == []


def test_unixepoch_default_gets_a_postgres_form(tmp_path, pg_test_db):
    result, out, db = _sqlite_import(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, "
                                               "created_at integer DEFAULT (unixepoch()) NOT NULL);")
    assert result.exit_code == 0, result.output
    assert "unixepoch()" in result.output and "approximately" in result.output
    m, pg = _applies_on_both(out, pg_test_db)
    pg.execute("INSERT INTO t (id) VALUES (1)")
    seconds = pg.execute("SELECT created_at, extract(epoch FROM now())::bigint FROM t").fetchone()
    assert abs(seconds[0] - seconds[1]) <= 2


def test_pg_date_default_now_gives_sqlite_a_date(pg, pg_server, pg_test_db, tmp_path):
    result, out = _pg_import(pg, pg_server, tmp_path, "CREATE TABLE t (id integer PRIMARY KEY, "
                                                      "d date DEFAULT now(), d2 date DEFAULT CURRENT_DATE);")
    assert result.exit_code == 0, result.output
    m, _ = _applies_on_both(out, pg_test_db)
    assert m.table("t").column("d").default.value == "now"
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO t (id) VALUES (1)")
    d, d2 = lite.execute("SELECT d, d2 FROM t").fetchone()
    assert len(d) == 10 and d == d2                       # YYYY-MM-DD, not a timestamp


def test_uuid_ossp_random_uuid_default_is_fn_uuid(pg, pg_server, pg_test_db, tmp_path):
    """uuid_generate_v4() (uuid-ossp, as most PostgreSQL schemas of a certain age have it) was not mapped: "PostgreSQL
    has no function uuid_generate_v4()", and the key column lost its default.  It is {fn: uuid}, listed."""
    pg.execute('CREATE SCHEMA extensions; CREATE EXTENSION "uuid-ossp" SCHEMA extensions')
    result, out = _pg_import(pg, pg_server, tmp_path, "CREATE TABLE t (id uuid DEFAULT extensions.uuid_generate_v4() "
                                                      "PRIMARY KEY, n text)")
    assert result.exit_code == 0, result.output
    assert 'column "id", default: extensions.uuid_generate_v4() -> {fn: uuid} (gen_random_uuid() on postgres, ' \
           "the same value)" in result.output
    m, conn = _applies_on_both(out, pg_test_db)
    assert m.table("t").column("id").default.value == "uuid"
    conn.execute("INSERT INTO t (n) VALUES ('a')")
    assert conn.execute("SELECT count(id) FROM t").fetchone() == (1,)


def test_schemactl_own_sqlite_defaults_are_recognised(tmp_path, pg_test_db):
    src = tmp_path / "own.yaml"
    src.write_text("format: 1\nname: own\nversion: 1\ntables:\n  a:\n    columns:\n"
                   "      id: {type: uuid, primary_key: true, default: {fn: uuid}}\n"
                   "      at: {type: timestamptz, nullable: false, default: {fn: now}}\n"
                   "  b:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                   "      a_id: {type: uuid, references: a.id}\n")
    db = tmp_path / "own.db"
    conn = sqlite_engine.connect(str(db))
    sqlite_engine.apply(conn, render.ddl(load_file(src), "sqlite"))
    conn.close()
    out = tmp_path / "back.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    m, pg = _applies_on_both(out, pg_test_db)
    a = m.table("a")
    assert (a.column("id").type.name, a.column("id").default.value) == ("uuid", "uuid")
    assert (a.column("at").type.name, a.column("at").default.value) == ("timestamptz", "now")
    assert m.table("b").column("a_id").type.name == "uuid"
    pg.execute("INSERT INTO a DEFAULT VALUES")



def test_pg_dump_meta_commands_are_psqls_not_sql(scratch_server):
    """pg_dump 15.14 and later write \\restrict KEY / \\unrestrict KEY around a dump: psql's meta-commands,
    skipped as psql reads them (they were 'not mapped', so --strict refused every current dump)."""
    from schemactl import importer
    dump = ("\\restrict 8sKq3\n\n--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n"
            "CREATE TABLE public.t (\n    id integer NOT NULL,\n    name text NOT NULL\n);\n"
            "ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n\n\\unrestrict 8sKq3\n")
    doc, summary, _ = importer.from_ddl([("dump.sql", dump)], "postgres", "dump", server=scratch_server)
    assert summary.unmapped == [] and summary.approx == [] and summary.strict_ok
    assert list(doc["tables"]) == ["t"]


def test_other_meta_commands_are_listed_never_run(scratch_server, tmp_path):
    """\\! (a shell command) and \\connect were dropped unsaid under --dialect postgres (SQLite's import lists
    them); they are listed, and never run."""
    from schemactl import importer
    marker = tmp_path / "ran"
    ddl = f"CREATE TABLE a (id int PRIMARY KEY);\n\\! touch {marker}\n\\connect other\nCREATE TABLE b (id int);\n"
    doc, summary, _ = importer.from_ddl([("meta.sql", ddl)], "postgres", "m", server=scratch_server)
    lines = summary.lines()
    assert any(x.startswith("not mapped: meta.sql:2: \\! touch ") and x.endswith(": a psql meta-command, psql's "
                                                                        "and not SQL: never run on import")
               for x in lines), lines
    assert "not mapped: meta.sql:3: \\connect other: a psql meta-command, psql's and not SQL: never run on import" \
        in lines
    assert sorted(doc["tables"]) == ["a", "b"] and not marker.exists()


def test_what_an_identity_or_a_comment_holds_is_kept_or_listed(scratch_server):
    """GENERATED ALWAYS and an identity's own sequence options are listed (the manifest's identity is BY
    DEFAULT from 1 by 1: they were dropped as 'mapped exactly'); an identity outside the key is said to be
    outside it; COMMENT ON TABLE/COLUMN is kept (the manifest holds comments: they were dropped)."""
    from schemactl import importer
    ddl = ("CREATE TABLE t (id integer GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 10) PRIMARY KEY,\n"
           "  code text NOT NULL, plain bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL);\n"
           "COMMENT ON TABLE t IS 'the table';\nCOMMENT ON COLUMN t.code IS 'it''s the code';\n")
    doc, summary, _ = importer.from_ddl([("s.sql", ddl)], "postgres", "s", server=scratch_server)
    lines = summary.lines()
    assert 'approximately: s.sql:1: table "t", column "id": GENERATED ALWAYS AS IDENTITY -> identity: true, which ' \
           "is BY DEFAULT on PostgreSQL: an INSERT may give the value itself" in lines
    assert 'approximately: s.sql:1: table "t", column "id": identity sequence options (START 100, INCREMENT 10) ' \
           "left out: the manifest's identity counts from 1 by 1" in lines
    assert any('column "plain": identity column outside the primary key (id)' in x for x in lines), lines
    t = doc["tables"]["t"]
    assert t["comment"] == "the table" and t["columns"]["code"]["comment"] == "it's the code"


def test_what_the_manifest_cannot_hold_is_listed_never_dropped_as_exact(scratch_server):
    """DEFERRABLE unique keys, EXCLUDE constraints, MATCH FULL, INCLUDE columns, NULLS NOT DISTINCT, a column's
    own collation, an index key's collation, NOT VALID and NO INHERIT checks, trigger arguments, constraint triggers, UPDATE OF columns and a sequence's CACHE: each
    was dropped while the import said 'mapped exactly' (and --strict passed)."""
    from schemactl import importer
    from tests.conftest import ROOT
    path = ROOT / "tests" / "fixtures" / "beyond_the_model.sql"
    doc, summary, _ = importer.from_ddl([(str(path), path.read_text())], "postgres", "b", server=scratch_server)
    lines = "\n".join(summary.lines())
    for said in ('table "r", foreign key "r_region_code_fkey": MATCH FULL left out',
                 'table "t", column "code": COLLATE "C" left out',
                 'table "t", constraint "t_pos_key": DEFERRABLE INITIALLY DEFERRED left out',
                 'table "t", index "t_ab_nnd": NULLS NOT DISTINCT left out',
                 'table "t", index "t_code_incl": its INCLUDE columns left out',
                 'trigger "t_args": its arguments left out', 'trigger "t_ct": a CONSTRAINT TRIGGER',
                 'trigger "t_upd_of": UPDATE OF its columns left out', 'sequence "ticket_seq": CACHE 20 left out',
                 'table "k", index "k_name_c": COLLATE "C" of a key left out',
                 'table "k", check "k_n_check": NOT VALID left out', 'table "k", check "k_n_small": NO INHERIT left out',
                 'not mapped: ' + str(path) + ':6: table "t", constraint "t_excl": EXCLUDE USING btree (a WITH =)'):
        assert said in lines, (said, lines)
    assert 'index "k_lower"' not in lines   # an expression key in the default collation: nothing left out
    assert not summary.strict_ok


def test_a_view_whose_sqlite_reading_may_mean_otherwise_is_listed(scratch_server):
    """sqlglot writes casts, dates, intervals and JSON for SQLite in words that mean otherwise there (at::date
    of Unix milliseconds is a date in year -4439): such a view is listed for review; a plain one is exact."""
    from schemactl import importer
    ddl = ("CREATE TABLE ev (id int PRIMARY KEY, data jsonb, at timestamptz NOT NULL);\n"
           "CREATE VIEW recent AS SELECT id, data->>'ip' AS ip, at::date AS d FROM ev WHERE at > now() - interval "
           "'7 days';\nCREATE VIEW plain AS SELECT id FROM ev WHERE id > 10;\n")
    doc, summary, _ = importer.from_ddl([("v.sql", ddl)], "postgres", "v", server=scratch_server)
    listed = [line for line in summary.lines() if line.startswith("approximately: ")]
    assert len(listed) == 1 and 'v.sql:2: view "recent": kept as postgres SQL; sqlite: sqlglot' in listed[0], listed
    assert set(doc["views"]) == {"recent", "plain"}


def test_an_enum_array_of_a_named_schema_is_spelled_as_in_the_schema(pg, pg_server, pg_test_db, tmp_path):
    """import --schema app of a column app.mood[]: diff of the source (its session without app on the search
    path) and a fresh build compared with the manifest (parity, the runtimes' expected catalog) read the type
    alike (parity and deep verify said 'expected app.mood[], found mood[]')."""
    pg.execute("CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('ok'); "
               "CREATE TABLE app.notes (id int PRIMARY KEY, moods app.mood[] NOT NULL DEFAULT '{}')")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "--schema", "app", "-o", out)
    assert result.exit_code == 0, result.output
    assert "postgres_type: 'app.mood[]'" in out.read_text()     # the DDL names the schema's type
    assert cli("diff", out, "--db", pg_server.url("schemactl_tests")).exit_code == 0
    m = load_file(out)
    pg.execute(RESET_SQL)
    pg.execute(render.ddl(m, "postgres"))
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres", m.pg_schema))] == []
    from schemactl.migrations.files import runtime_catalog
    assert runtime_catalog(m, "postgres")["tables"]["notes"]["columns"][1] == ["moods", "mood[]", False]


def test_a_truncate_trigger_is_not_mapped_with_its_reason(scratch_server):
    from schemactl import importer
    ddl = ("CREATE TABLE t (id int PRIMARY KEY);\n"
           "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;\n"
           "CREATE TRIGGER t_trunc AFTER TRUNCATE ON t FOR EACH STATEMENT EXECUTE FUNCTION f();\n")
    doc, summary, _ = importer.from_ddl([("t.sql", ddl)], "postgres", "t", server=scratch_server)
    lines = [x for x in summary.lines() if x.startswith("not mapped: ")]
    assert any('trigger "t_trunc"' in x and "fires on TRUNCATE" in x for x in lines), lines
    assert "t_trunc" not in doc.get("triggers", {})


def test_a_shifted_clock_default_is_written_with_sqlites_date_functions(scratch_server, pg_test_db):
    """now() + interval '1 day' on a Unix-milliseconds timestamptz was sqlglot's text arithmetic on SQLite
    (CURRENT_TIMESTAMP + CAST('1 day' AS INTERVAL): the year plus one, stored as the instant 2027 ms); each
    clock default is now SQLite's date function with the interval as modifiers on the column's storage, and a
    clock default of another shape is listed as not mapped rather than written wrong."""
    import datetime
    import time

    from schemactl import importer
    from schemactl.manifest.load import load_text
    from schemactl.importer_yaml import dump
    ddl = ("CREATE TABLE t (id bigint PRIMARY KEY,\n"
           "  due timestamptz NOT NULL DEFAULT now() + interval '1 day',\n"
           "  d date DEFAULT current_date + 7, ts timestamp DEFAULT localtimestamp - interval '2 hours',\n"
           "  tt time DEFAULT current_time + interval '90 minutes',\n"
           "  odd timestamptz DEFAULT date_trunc('day', now()));\n")
    doc, summary, _ = importer.from_ddl([("s.sql", ddl)], "postgres", "s", server=scratch_server)
    lines = summary.lines()
    assert any('column "odd", default: date_trunc' in x and x.startswith("not mapped") for x in lines), lines
    assert "default" not in doc["tables"]["t"]["columns"]["odd"]
    assert sum(x.startswith("approximately") and "on SQLite, which counts days in UTC" in x for x in lines) == 4
    m = load_text(dump(doc), "s.yaml")
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    before = time.time() * 1000
    lite.execute("INSERT INTO t (id) VALUES (1)")
    due, d, ts, tt = lite.execute("SELECT due, d, ts, tt FROM t").fetchone()
    day = 86_400_000
    assert before + day - 2000 <= due <= time.time() * 1000 + day + 2000
    today = datetime.datetime.now(datetime.timezone.utc).date()
    assert d in {str(today + datetime.timedelta(days=7)), str(today + datetime.timedelta(days=8))}
    got = datetime.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - got).total_seconds() - 7200) < 5
    assert len(tt) == 8 and tt.count(":") == 2
    conn = psycopg.connect(pg_test_db, autocommit=True)
    conn.execute(RESET_SQL)
    conn.execute(render.ddl(m, "postgres"))   # CURRENT_TIME as PostgreSQL reads it (sqlglot: CURRENT_TIME())
    conn.execute("INSERT INTO t (id) VALUES (1)")
    assert conn.execute("SELECT due > now() + interval '23 hours', tt IS NOT NULL FROM t").fetchone() == (True, True)
    conn.close()


def test_the_catalog_is_read_in_the_settings_schemactl_reads_constants_in(pg, pg_test_db):
    """A database (or role) with IntervalStyle postgres_verbose, DateStyle SQL, DMY or extra_float_digits 0
    shows its defaults as '@ 1 day', '02/01/2020', rounded floats: the clock default was 'not mapped' and
    dropped, the date misread.  The catalog is now read in fixed settings, and the session's are kept."""
    from schemactl import importer
    pg.execute("CREATE TABLE t (id bigint PRIMARY KEY, a timestamptz DEFAULT now() + interval '1 day', "
               "d date DEFAULT '2020-01-02', f double precision DEFAULT 0.1, "
               "ts timestamptz CHECK (ts > '2020-01-01 00:00:00+00'::timestamptz))")
    conn = psycopg.connect(pg_test_db, autocommit=True, options="-c intervalstyle=postgres_verbose "
                           "-c datestyle=SQL,DMY -c extra_float_digits=0 -c timezone=Asia/Kolkata")
    try:
        doc, summary = importer.from_database(conn, "postgres", "app")
        assert conn.execute("SELECT current_setting('IntervalStyle'), current_setting('DateStyle'), "
                            "current_setting('extra_float_digits'), current_setting('TimeZone')").fetchone() == \
            ("postgres_verbose", "SQL, DMY", "0", "Asia/Kolkata")
    finally:
        conn.close()
    cols = doc["tables"]["t"]["columns"]
    assert cols["a"]["default"]["sql"]["sqlite"] == \
        "CAST(ROUND((julianday('now', '+1 days') - 2440587.5) * 86400000) AS INTEGER)"
    assert cols["d"]["default"] == "2020-01-02" and cols["f"]["default"] == 0.1
    assert "'2020-01-01 00:00:00+00'" in doc["tables"]["t"]["checks"][0]["expr"]["postgres"]   # not +05:30
    assert summary.unmapped == []


def test_the_sessions_settings_come_back_after_an_error_and_a_local_one_stays_local(pg, pg_test_db):
    from schemactl.introspect.postgres import read_settings
    conn = psycopg.connect(pg_test_db, autocommit=True, options="-c intervalstyle=sql_standard")
    try:
        with pytest.raises(psycopg.errors.UndefinedTable):
            with read_settings(conn):
                conn.execute("SELECT * FROM no_such_table")
        assert conn.execute("SHOW IntervalStyle").fetchone() == ("sql_standard",)
    finally:
        conn.close()
    conn = psycopg.connect(pg_test_db, options="-c intervalstyle=sql_standard")   # not autocommit
    try:
        conn.execute("SET LOCAL IntervalStyle = iso_8601")
        with read_settings(conn):
            assert conn.execute("SHOW IntervalStyle").fetchone() == ("postgres",)
        assert conn.execute("SHOW IntervalStyle").fetchone() == ("iso_8601",)
        conn.commit()
        assert conn.execute("SHOW IntervalStyle").fetchone() == ("sql_standard",)
    finally:
        conn.close()


def test_a_like_check_keeps_its_case_rule_on_the_other_engine(pg, pg_server, pg_test_db, tmp_path):
    """PostgreSQL's LIKE compares case and SQLite's ignores ASCII case: import wrote CHECK (sku LIKE 'AB%') as
    SQLite's LIKE (which took 'abzz') and a SQLite file's LIKE as PostgreSQL's (which refused 'abX'), "exact"."""
    result, out = _pg_import(pg, pg_server, tmp_path, "CREATE TABLE docs (id int PRIMARY KEY, "
                                                      "sku text CHECK (sku LIKE 'AB%'))")
    assert result.exit_code == 0, result.output
    m, conn = _applies_on_both(out, pg_test_db)
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    for db, refused in ((lite, sqlite3.IntegrityError), (conn, psycopg.errors.CheckViolation)):
        db.execute("INSERT INTO docs VALUES (1, 'ABzz')")
        with pytest.raises(refused):
            db.execute("INSERT INTO docs VALUES (2, 'abzz')")
    conn.execute(RESET_SQL)
    (tmp_path / "lite").mkdir()
    result, out, _ = _sqlite_import(tmp_path / "lite", "CREATE TABLE p (id INTEGER PRIMARY KEY, "
                                                       "code TEXT CHECK (code LIKE 'AB%'));")
    assert result.exit_code == 0, result.output
    m, conn = _applies_on_both(out, pg_test_db)
    conn.execute("INSERT INTO p VALUES (1, 'abX'), (2, 'ABx')")
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO p VALUES (3, 'xyz')")


@pytest.mark.parametrize("ddl, why", [
    ("CREATE TABLE a (id int primary key, b text;\n", 'CREATE TABLE a (id int primary key, b text;: sqlite rejected '
                                                      'it: near ";": syntax error'),
    ("CREATE TABLE " + "x" * 70 + " (id INTEGER PRIMARY KEY);\n", "is 70 bytes; PostgreSQL allows 63: choose a "
                                                                  "shorter name"),
])
def test_when_no_table_is_left_the_error_says_why_each_was_left_out(tmp_path, ddl, why):
    """A file whose one table the engine rejected said only "no tables found to import"; one whose table had a
    name over 63 bytes said "import produced a manifest it cannot repair (please report)"."""
    (tmp_path / "app.sql").write_text(ddl)
    result = cli("import", "--ddl", tmp_path / "app.sql", "--dialect", "sqlite", "-o", tmp_path / "app.yaml")
    assert result.exit_code == 2, result.output
    assert "error: no tables found to import; what was left out:\n  not mapped: " in result.output
    assert why in result.output and "please report" not in result.output
    assert not (tmp_path / "app.yaml").exists()


def test_sqlite_on_conflict_clauses_are_listed_and_diff_sees_them(tmp_path):
    """UNIQUE ON CONFLICT REPLACE (a second row with the name deletes the first) and NOT NULL ON CONFLICT IGNORE
    (a NULL skips the row) were dropped while the import said "exact", and diff found no difference."""
    result, out, db = _sqlite_import(tmp_path, "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT UNIQUE ON "
                                               "CONFLICT REPLACE, q INTEGER NOT NULL ON CONFLICT IGNORE DEFAULT 1, "
                                               "note TEXT DEFAULT 'on conflict');")
    assert result.exit_code == 0, result.output
    assert 'approximately: table "p": ON CONFLICT IGNORE, REPLACE left out: a statement that breaks the ' \
           "constraint fails, where SQLite replaced or skipped rows" in result.output
    found = cli("diff", out, "--db", f"sqlite:///{db}")
    assert found.exit_code == 1 and 'SC103 [sqlite] table options of "p" differ' in found.output
    assert "actual:   (on_conflict ignore, replace)" in found.output


def test_a_sqlite_blob_default_is_bytea_on_postgresql(tmp_path, pg_test_db):
    """x'00ff' was copied to PostgreSQL, which reads it as a bit string: parity stopped at the CREATE TABLE
    ("column b is of type bytea but default expression is of type bit")."""
    result, out, _ = _sqlite_import(tmp_path, "CREATE TABLE p (id INTEGER PRIMARY KEY, b BLOB DEFAULT x'00ff', "
                                              "e BLOB DEFAULT x'');")
    assert result.exit_code == 0, result.output
    m, conn = _applies_on_both(out, pg_test_db)
    conn.execute("INSERT INTO p (id) VALUES (1)")
    assert conn.execute("SELECT b, e FROM p").fetchone() == (b"\x00\xff", b"")


def test_a_date_part_check_is_written_back_as_postgresql_reads_it(pg, pg_server, pg_test_db, tmp_path):
    """CHECK (date_part('year', d) >= 2000): the catalog's date_part('year'::text, d) was written back by sqlglot as
    EXTRACT(CAST('year' AS TEXT) FROM d), which PostgreSQL refused: parity stopped at the CREATE TABLE."""
    from tests.conftest import findings
    result, out = _pg_import(pg, pg_server, tmp_path, "CREATE TABLE t (id int PRIMARY KEY, d date CHECK "
                                                      "(date_part('year', d) >= 2000))")
    assert result.exit_code == 0, result.output
    m, conn = _applies_on_both(out, pg_test_db)
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO t VALUES (1, '1999-12-31')")
    conn.execute("INSERT INTO t VALUES (2, '2000-01-01')")
    assert findings(m, conn, "postgres") == []


def test_schema_option_chooses_the_schema_of_a_ddl_file_and_is_refused_where_it_cannot_apply(pg_server, tmp_path):
    """--schema was ignored by import --ddl (it took the schema holding most tables, silently); it now names the
    schema read, is refused when the file creates no table there, and where no PostgreSQL schema is read."""
    ddl = tmp_path / "two.sql"
    ddl.write_text("CREATE SCHEMA app;\nCREATE TABLE app.users (id integer PRIMARY KEY, name text);\n"
                   "CREATE SCHEMA private;\nCREATE TABLE private.a (id integer PRIMARY KEY);\n"
                   "CREATE TABLE private.b (id integer PRIMARY KEY);\n")
    out = tmp_path / "app.yaml"
    args = ("import", "--ddl", ddl, "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", out)
    result = cli(*args, "--schema", "app")
    assert result.exit_code == 0, result.output
    assert [t.name for t in load_file(out).tables] == ["users"]
    assert cli(*args, "--force").exit_code == 0 and [t.name for t in load_file(out).tables] == ["a", "b"]
    result = cli(*args, "--force", "--schema", "nowhere")
    assert result.exit_code == 2 and "schemas with tables: app, private" in result.output, result.output
    assert [t.name for t in load_file(out).tables] == ["a", "b"]     # nothing written
    result = cli("import", "--ddl", ddl, "--schema", "app", "-o", tmp_path / "o.yaml")   # the missing --dialect first
    assert result.exit_code == 2 and "--ddl needs --dialect" in result.output, result.output
    lite = tmp_path / "lite.sql"
    lite.write_text("CREATE TABLE t (id integer PRIMARY KEY);\n")
    for other in (("--ddl", lite, "--dialect", "sqlite"), ("--db", f"sqlite:///{tmp_path / 'x.db'}")):
        result = cli("import", *other, "--schema", "app", "-o", tmp_path / "o.yaml")
        assert result.exit_code == 2 and "--schema names a PostgreSQL schema" in result.output, result.output
        assert not (tmp_path / "o.yaml").exists()
