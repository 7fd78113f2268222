"""Import defects the real-schema corpus (tests/corpus, tests/fixtures/corpus) found, one minimal reproduction
each: the manifest is written, loads, generates DDL both engines run, and what it cannot hold is listed."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.importer import _both
from schemactl.manifest.load import load_file
from tests.conftest import RESET_SQL, cli


def _applies_on_both(path, pg_conninfo):
    m = load_file(path)
    sqlite_engine.apply(sqlite_engine.connect(":memory:"), render.ddl(m, "sqlite"))
    with psycopg.connect(pg_conninfo, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute(render.ddl(m, "postgres"))
    return m


def _pg_import(tmp_path, pg_server, name: str, ddl: str):
    """import --ddl of PostgreSQL DDL written to tmp_path/name: (the command's result, the manifest path)."""
    (tmp_path / name).write_text(ddl)
    out = tmp_path / "app.yaml"
    res = cli("import", "--ddl", tmp_path / name, "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", out)
    assert res.exit_code == 0, res.output
    return res, out


def _sqlite_db(tmp_path, ddl):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript(ddl)
    conn.close()
    return f"sqlite:///{db}"


def test_sqlite_view_postgres_cannot_run_is_listed_never_none(tmp_path, pg_test_db):
    url = _sqlite_db(tmp_path, "create table t(id integer primary key, e integer);\n"
                               "create view v as select datetime(e/1000,'unixepoch') as e from t;")
    out = tmp_path / "app.yaml"
    res = cli("import", "--db", url, "-o", out)
    assert res.exit_code == 0, res.output
    assert 'import: not mapped: view "v": PostgreSQL has no function datetime()' in res.output
    m = _applies_on_both(out, pg_test_db)
    assert m.views == () and "None" not in render.ddl(m, "postgres")
    assert cli("validate", out).exit_code == 0


def test_pg_dump_extension_type_and_domain_are_applied_and_mapped(tmp_path, pg_server, pg_test_db):
    res, out = _pg_import(tmp_path, pg_server, "dump.sql",
                          "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;\n"
                          "CREATE EXTENSION plpython3u;\n"
                          "CREATE DOMAIN public.year AS integer CONSTRAINT year_check CHECK (((VALUE >= 1901) AND "
                          "(VALUE <= 2155)));\n"
                          "CREATE TABLE public.t (id integer PRIMARY KEY, email public.citext NOT NULL,\n"
                          "  y public.year, CONSTRAINT t_email_check CHECK ((email OPERATOR(public.~)"
                          " '@'::public.citext)));\n")
    # citext is kept (the manifest's DDL creates its extension): neither the column nor the extension is listed
    assert '"email": citext' not in res.output and 'extension "citext"' not in res.output
    assert 'dump.sql:5: table "t", column "y": year -> integer (domain year over integer; its CHECK' in res.output
    assert 'dump.sql:3: domain "year"' in res.output
    assert "dump.sql:2: CREATE EXTENSION plpython3u;: an extension an import does not create" in res.output
    m = _applies_on_both(out, pg_test_db)
    t = m.table("t")
    assert (t.column("email").type.name, t.column("y").type.name) == ("text", "integer")
    assert dict(t.column("email").engine_types) == {"postgres": "citext"}
    assert "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;" in render.ddl(m, "postgres")


def test_index_with_an_extension_operator_class_is_listed_not_generated(tmp_path, pg_server, pg_test_db):
    res, out = _pg_import(tmp_path, pg_server, "dump.sql",
                          "CREATE EXTENSION IF NOT EXISTS pg_trgm;\nCREATE TABLE r (id integer PRIMARY KEY, name"
                          " text);\n"
                          "CREATE INDEX r_name_trgm ON r USING gin (lower(name) gin_trgm_ops);\n")
    assert 'table "r", index "r_name_trgm": operator class gin_trgm_ops comes from the pg_trgm extension' in res.output
    assert _applies_on_both(out, pg_test_db).table("r").indexes == ()


def test_fts5_table_schemactl_does_not_write_is_listed_with_the_triggers_that_fill_it(tmp_path, pg_test_db):
    url = _sqlite_db(tmp_path, """
        CREATE TABLE node (value TEXT, title TEXT GENERATED ALWAYS AS (json_extract(value, '$.title')) NOT NULL);
        CREATE VIRTUAL TABLE node_fts USING fts5(title, content=node);
        CREATE TRIGGER node_ai AFTER INSERT ON node BEGIN
          INSERT INTO node_fts(rowid, title) VALUES (new.rowid, new.title);
        END;""")
    out = tmp_path / "app.yaml"
    res = cli("import", "--db", url, "-o", out)
    assert res.exit_code == 0, res.output
    assert 'not mapped: search "node_fts" on table "node": an FTS5 table with its own options' in res.output
    assert 'not mapped: trigger "node_ai" on table "node": writes to node_fts' in res.output
    assert 'approximately: table "node", column "title", generated: json_extract' in res.output
    m = _applies_on_both(out, pg_test_db)
    assert m.triggers == () and m.table("node").search is None


def test_sqlite_json_extract_reads_json_on_postgres():
    assert _both("json_extract(value, '$.title')", "sqlite")["postgres"] == \
        "CAST(value AS JSON) ->> CAST('title' AS TEXT)"
    assert _both("json_extract(value, '$.a.b')", "sqlite")["postgres"] == \
        "JSON_EXTRACT_PATH_TEXT(CAST(value AS JSON), 'a', 'b')"


def test_pg_objects_the_manifest_does_not_hold_are_listed(pg, pg_server, tmp_path):
    pg.execute("""
        CREATE TABLE p (id integer, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE p_2024 PARTITION OF p FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE q (id integer PRIMARY KEY);
        CREATE SEQUENCE tickets;
        CREATE MATERIALIZED VIEW mv AS SELECT id FROM q WITH NO DATA;
        CREATE FUNCTION twice(x integer) RETURNS integer LANGUAGE sql AS 'SELECT 2 * x';
        CREATE VIEW v AS SELECT twice(id) AS d FROM q;""")
    out = tmp_path / "app.yaml"
    res = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert res.exit_code == 0, res.output
    for line in ('not mapped: table "p_2024": partition of "p" FOR VALUES FROM',
                 'approximately: table "p": partitioned by RANGE (at) on PostgreSQL',
                 'not mapped: materialized view "mv"'):
        assert line in res.output
    m = load_file(out)
    assert [t.name for t in m.tables] == ["p", "q"] and "mv" not in [v.name for v in m.views]
    assert [v.name for v in m.views] == ["v"] or 'view "v"' in res.output   # mapped with twice(), or listed
    assert [s.name for s in m.sequences] == ["tickets"] or 'sequence "tickets"' in res.output


# ---- found by Temporal's visibility schemas (tests/fixtures/corpus/temporal-*) ------------------------------

def test_pg_generated_column_calling_a_database_function_applies_on_both(tmp_path, pg_server, pg_test_db):
    """A stored generated column that calls a function of the database: SQLite has no such function and refused
    the whole table ('no such function: CONVERT_TS'); the column and the index on it are left out, each listed,
    and the function is kept."""
    res, out = _pg_import(tmp_path, pg_server, "schema.sql",
                          "CREATE FUNCTION convert_ts(s VARCHAR) RETURNS TIMESTAMP AS $$\nBEGIN\n"
                          "  RETURN s::timestamptz at time zone 'UTC';\nEND\n$$ LANGUAGE plpgsql IMMUTABLE;\n"
                          "CREATE TABLE v (id integer PRIMARY KEY, attrs jsonb,\n"
                          "  at TIMESTAMP GENERATED ALWAYS AS (convert_ts(attrs->>'at')) STORED,\n"
                          "  kw VARCHAR(255) GENERATED ALWAYS AS (attrs->>'kw') STORED);\n"
                          "CREATE INDEX by_at ON v (id, at);\nCREATE INDEX by_kw ON v (kw);\n")
    assert 'schema.sql:7: table "v", column "at": generated by convert_ts(' in res.output
    assert "calls convert_ts(), a function of this database that sqlite does not have" in res.output
    assert 'schema.sql:9: table "v", index "by_at": reads column at, which is left out' in res.output   # its own line
    m = _applies_on_both(out, pg_test_db)
    assert [c.name for c in m.table("v").columns] == ["id", "attrs", "kw"]
    assert [i.name for i in m.table("v").indexes] == ["by_kw"]


def test_function_a_generated_column_calls_is_created_before_the_table(tmp_path, pg_test_db):
    man = tmp_path / "m.yaml"
    man.write_text("format: 1\nname: fn-first\nversion: 1\n"
                   "functions:\n  twice:\n    postgres: |\n"
                   "      CREATE FUNCTION twice(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2"
                   " $$\n"
                   "  count_t:\n    postgres: |\n"
                   "      CREATE FUNCTION count_t() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM t $$\n"
                   "tables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                   "      n: {type: integer}\n"
                   "      d:\n        type: integer\n        generated:\n"
                   "          expr: {postgres: twice(n), sqlite: n * 2}\n")
    m = load_file(man)
    pg = render.ddl(m, "postgres")
    # twice() before the table that calls it; count_t(), whose body reads t, after it
    assert pg.index("FUNCTION twice") < pg.index("CREATE TABLE t") < pg.index("FUNCTION count_t")
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute(pg)
        conn.execute("INSERT INTO t (id, n) VALUES (1, 21)")
        assert conn.execute("SELECT d FROM t").fetchone() == (42,)


def test_sqlite_double_quoted_json_path_is_a_string_and_generated_values_are_cast(tmp_path, pg_test_db):
    """SQLite reads "$.k" (a double-quoted word that names no column) as a string: the import said 'refers to
    missing column "$.k"' and left the column out.  PostgreSQL's reading of JSON_EXTRACT (->> text) is cast
    to the column's type (boolean, bigint: 'is of type boolean but default expression is of type text'), a
    reading PostgreSQL cannot compute immutably (strftime on text) is left out with its index, and an index
    key that compares a date/time column with text stays on SQLite (PostgreSQL shows another literal)."""
    url = _sqlite_db(tmp_path, 'CREATE TABLE v (id INTEGER PRIMARY KEY, attrs TEXT, closed TIMESTAMP,\n'
                               '  kw VARCHAR(255) GENERATED ALWAYS AS (JSON_EXTRACT(attrs, "$.kw")),\n'
                               '  ok BOOLEAN GENERATED ALWAYS AS (JSON_EXTRACT(attrs, "$.ok")),\n'
                               '  n BIGINT GENERATED ALWAYS AS (JSON_EXTRACT(attrs, "$.n")) STORED,\n'
                               "  at TIMESTAMP GENERATED ALWAYS AS (STRFTIME('%Y-%m-%d', JSON_EXTRACT(attrs,"
                               " \"$.at\"))));\n"
                               "CREATE INDEX by_kw ON v (kw, (COALESCE(closed, '9999-12-31 23:59:59+00:00')) DESC);\n"
                               "CREATE INDEX by_at ON v (at);\n")
    out = tmp_path / "app.yaml"
    res = cli("import", "--db", url, "-o", out)
    assert res.exit_code == 0, res.output
    assert "missing column" not in res.output
    assert ("""table "v", column "kw", generated: JSON_EXTRACT(attrs, "$.kw"): a double-quoted word that names no """
            """column is a string to SQLite; written as one: JSON_EXTRACT(attrs, '$.kw')""") in res.output
    assert 'table "v", column "at": generated by STRFTIME(' in res.output and "is not immutable" in res.output
    assert 'table "v", index "by_kw": an expression key compares a date/time column with text' in res.output
    m = _applies_on_both(out, pg_test_db)
    assert [c.name for c in m.table("v").columns] == ["id", "attrs", "closed", "kw", "ok", "n"]
    assert [(i.name, i.engines) for i in m.table("v").indexes] == [("by_kw", ("sqlite",))]
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute("""INSERT INTO v (id, attrs) VALUES (1, '{"kw": "x", "ok": true, "n": 7}')""")
        assert conn.execute("SELECT kw, ok, n FROM v").fetchone() == ("x", True, 7)


def test_index_with_an_extension_default_operator_class_is_listed(tmp_path, pg_server, pg_test_db):
    """GIN on (char, jsonb jsonb_path_ops) needs btree_gin's default operator class for the char column: the
    import from the database wrote the index without the extension and the DDL failed ('data type character
    has no default operator class for access method "gin"')."""
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute("CREATE EXTENSION btree_gin")
        conn.execute("CREATE TABLE v (ns CHAR(64), id integer PRIMARY KEY, attrs JSONB)")
        conn.execute("CREATE INDEX by_attrs ON v USING GIN (ns, attrs jsonb_path_ops)")
        conn.execute("CREATE INDEX by_attrs_only ON v USING GIN (attrs jsonb_path_ops)")
    out = tmp_path / "app.yaml"
    res = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert res.exit_code == 0, res.output
    assert 'table "v", index "by_attrs": operator class ' in res.output and "btree_gin extension" in res.output
    m = _applies_on_both(out, pg_test_db)
    assert [(i.name, i.method, i.columns[0].opclass) for i in m.table("v").indexes] == \
        [("by_attrs_only", "gin", "jsonb_path_ops")]


# ---- found by Danbooru's structure.sql (tests/fixtures/corpus/danbooru) ---------------------------------------

def test_timestamp_with_precision_maps_to_the_portable_type(tmp_path, pg_server, pg_test_db):
    """Rails writes timestamp(6): the column was left out ('postgres_type ... has the wrong form')."""
    res, out = _pg_import(tmp_path, pg_server, "structure.sql",
                          "CREATE TABLE public.t (id integer PRIMARY KEY, created_at timestamp(6) without time zone"
                          " NOT NULL,\n"
                          "  seen timestamp(3) with time zone, at time(6) without time zone);\n")
    assert 'column "created_at": timestamp(6) without time zone -> timestamp (the same values' in res.output
    assert 'column "seen": timestamp(3) with time zone -> timestamptz (PostgreSQL rounded the values to 3 ' \
           'fractional digits' in res.output
    m = _applies_on_both(out, pg_test_db)
    assert [(c.name, c.type.name, c.nullable) for c in m.table("t").columns] == \
        [("id", "integer", False), ("created_at", "timestamp", False), ("seen", "timestamptz", True),
         ("at", "time", True)]


def test_sql_function_reading_a_later_table_and_serial_sequences_are_listed_as_they_are(tmp_path, pg_server):
    """pg_dump writes functions before tables (with check_function_bodies off): a SQL function that reads a
    table was rejected and listed as 'engine-specific functions are not in the manifest model yet'; the
    sequence of a serial key was listed as a standalone sequence 'not in the manifest model yet' (it is the
    manifest's own sequence, the key's default nextval() of it, as the dump creates them)."""
    res, out = _pg_import(tmp_path, pg_server, "dump.sql",
                          "SET check_function_bodies = false;\n"
                          "CREATE FUNCTION public.stock(p integer) RETURNS bigint LANGUAGE sql AS $$ "
                          "SELECT count(*) FROM public.inventory WHERE film_id = p $$;\n"
                          "CREATE SEQUENCE public.inventory_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE "
                          "NO MAXVALUE CACHE 1;\n"
                          "CREATE TABLE public.inventory (id integer DEFAULT"
                          " nextval('public.inventory_id_seq'::regclass) "
                          "NOT NULL, film_id integer NOT NULL);\n"
                          "ALTER SEQUENCE public.inventory_id_seq OWNED BY public.inventory.id;\n"
                          "ALTER TABLE ONLY public.inventory ADD CONSTRAINT inventory_pkey PRIMARY KEY (id);\n")
    assert "not in the manifest model yet" not in res.output
    assert 'function "stock"' not in res.output
    assert 'warning: dump.sql:4: table "inventory", column "id": serial column: kept as sequence inventory_id_seq' \
           in res.output.replace(str(tmp_path) + "/", ""), res.output
    assert "0 approximately, 0 not mapped" in res.output, res.output
    m = load_file(out)
    assert [f.name for f in m.functions] == ["stock"]
    assert [(s.name, s.owned_by) for s in m.sequences] == [("inventory_id_seq", "inventory.id")]
    assert m.table("inventory").column("id").default.value == "inventory_id_seq"


def test_trigger_reading_transition_tables_is_listed_not_mapped_without_them(tmp_path, pg_server, pg_test_db):
    """Sourcegraph's codeintel schema: a statement trigger with REFERENCING NEW TABLE AS newtab was mapped
    without its REFERENCING clause; on the database built from the manifest every insert then failed
    (relation "newtab" does not exist).  It is listed as not mapped; its function is kept."""
    res, out = _pg_import(tmp_path, pg_server, "squashed.sql",
                          "CREATE TABLE docs (id integer PRIMARY KEY, upload_id integer NOT NULL);\n"
                          "CREATE TABLE versions (upload_id integer PRIMARY KEY, n integer);\n"
                          "CREATE FUNCTION docs_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n"
                          "  INSERT INTO versions SELECT upload_id, count(*) FROM newtab GROUP BY upload_id;\n"
                          "  RETURN NULL;\nEND $$;\n"
                          "CREATE TRIGGER docs_insert AFTER INSERT ON docs REFERENCING NEW TABLE AS newtab\n"
                          "  FOR EACH STATEMENT EXECUTE FUNCTION docs_insert();\n"
                          "CREATE INDEX docs_upload ON docs USING hash (upload_id);\n")
    assert 'squashed.sql:7: trigger "docs_insert" on table "docs": reads transition tables (REFERENCING OLD/NEW ' \
           'TABLE)' in res.output
    m = _applies_on_both(out, pg_test_db)
    assert m.triggers == () and [f.name for f in m.functions] == ["docs_insert"]
    assert [(i.name, i.method) for i in m.table("docs").indexes] == [("docs_upload", "hash")]
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute("INSERT INTO docs VALUES (1, 7)")   # failed: relation "newtab" does not exist


# ---- found by Hatchet's schema (tests/fixtures/corpus/hatchet-olap) -------------------------------------------

def test_identity_in_a_composite_key_becomes_an_owned_sequence(tmp_path, pg_server, pg_test_db):
    """An identity column that is part of a composite key: the import left the column out ('identity column
    must be the table's whole primary key') and with it the key and the table."""
    res, out = _pg_import(tmp_path, pg_server, "v1.sql",
                          "CREATE TABLE v1_dag (id bigint GENERATED ALWAYS AS IDENTITY, inserted_at timestamptz NOT"
                          " NULL,\n"
                          "  CONSTRAINT v1_dag_pkey PRIMARY KEY (id, inserted_at));\n")
    assert 'table "v1_dag", column "id": identity column in the composite primary key (id, inserted_at): the ' \
           "manifest's identity is a table's whole key, so it is numbered by sequence v1_dag_id_seq, owned by the " \
           "column" in res.output
    m = _applies_on_both(out, pg_test_db)
    assert [(s.name, s.type, s.owned_by) for s in m.sequences] == [("v1_dag_id_seq", "bigint", "v1_dag.id")]
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute("INSERT INTO v1_dag (inserted_at) VALUES (now()), (now())")
        assert conn.execute("SELECT id FROM v1_dag ORDER BY id").fetchall() == [(1,), (2,)]


def test_pg_objects_sqlite_lacks_or_the_manifest_does_not_create(tmp_path, pg_server, pg_test_db):
    """A generated column calling md5() (SQLite refused the table: no such function: MD5); a column of a range
    type of the database (the DDL from an import --db failed on a new database: type does not exist); a CHECK
    comparing an enum with 'value'::enum (SQLite read CAST('BASIC' AS auth_type) as NUMERIC 0 and refused
    every row)."""
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute("CREATE TYPE auth_type AS ENUM ('BASIC', 'HMAC')")
        conn.execute("CREATE TYPE uuidrange AS RANGE (SUBTYPE = uuid)")
        conn.execute("CREATE TABLE hook (id integer PRIMARY KEY, auth auth_type NOT NULL, username text,\n"
                     "  payload jsonb, payload_hash text GENERATED ALWAYS AS (md5(payload::text)) STORED,\n"
                     "  CONSTRAINT hook_check CHECK (auth = 'BASIC' AND username IS NOT NULL OR auth = 'HMAC'))")
        conn.execute("CREATE TABLE block (id integer PRIMARY KEY, ids uuidrange NOT NULL)")
    out = tmp_path / "app.yaml"
    res = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert res.exit_code == 0, res.output
    assert 'table "hook", column "payload_hash": generated by md5((payload)::text); SQLite has no function md5()' \
           in res.output
    assert 'table "block": column "ids" has type uuidrange, a range type of this database' in res.output
    m = _applies_on_both(out, pg_test_db)
    assert [t.name for t in m.tables] == ["hook"] and m.table("hook").column("payload_hash") is None
    conn = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(conn, render.ddl(m, "sqlite"))
    conn.execute("INSERT INTO hook (id, auth, username) VALUES (1, 'BASIC', 'ann')")   # refused before
    conn.execute("INSERT INTO hook (id, auth) VALUES (2, 'HMAC')")
    with __import__("pytest").raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO hook (id, auth) VALUES (3, 'BASIC')")


def test_policies_of_a_ddl_file_are_mapped_not_left_out(tmp_path, pg_server, pg_test_db):
    """CREATE POLICY runs nothing when created: a DDL file's policies reach the manifest, as the source
    database's do, the one naming a role with the role declared under postgres.roles (the import's scratch
    server creates it without LOGIN; before, that policy was listed as not mapped)."""
    res, out = _pg_import(tmp_path, pg_server, "rls.sql",
                          "CREATE TABLE public.notes (id integer PRIMARY KEY, owner text NOT NULL);\n"
                          "ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n"
                          "CREATE POLICY own_rows ON public.notes FOR SELECT USING ((owner = CURRENT_USER));\n"
                          "CREATE POLICY insert_own ON public.notes FOR INSERT WITH CHECK ((owner = CURRENT_USER));\n"
                          "CREATE POLICY for_auditors ON public.notes FOR SELECT TO auditors USING (true);\n")
    assert "0 not mapped" in res.output, res.output
    m = _applies_on_both(out, pg_test_db)
    assert [(p.table, p.name) for p in m.policies] == [("notes", "for_auditors"), ("notes", "insert_own"),
                                                       ("notes", "own_rows")]
    assert m.pg_roles == ("auditors",)
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        got = conn.execute("SELECT policyname, cmd, roles FROM pg_policies ORDER BY 1").fetchall()
    assert got == [("for_auditors", "SELECT", ["auditors"]), ("insert_own", "INSERT", ["public"]),
                   ("own_rows", "SELECT", ["public"])]


def test_postgres_checks_sqlite_can_say_too_become_portable(tmp_path, pg_server, pg_test_db):
    """octet_length(x) and x = ANY (ARRAY['a'::enum, …]) (pg_dump's spelling of IN) mean the same on SQLite as
    length(CAST(x AS BLOB)) and x IN ('a', …): the CHECK holds on both engines instead of PostgreSQL alone."""
    res, out = _pg_import(tmp_path, pg_server, "dump.sql",
                          "CREATE TYPE public.state AS ENUM ('new', 'sent', 'done');\n"
                          "CREATE TABLE public.tx (id integer PRIMARY KEY, hash bytea NOT NULL, note text,\n"
                          "    state public.state NOT NULL,\n"
                          "    CONSTRAINT chk_hash CHECK ((octet_length(hash) = 4)),\n"
                          "    CONSTRAINT chk_note CHECK ((octet_length(note) < 5)),\n"
                          "    CONSTRAINT chk_state CHECK ((state = ANY (ARRAY['new'::public.state,"
                          " 'sent'::public.state]))));\n")
    assert "kept for postgres only" not in res.output and "0 approximately, 0 not mapped" in res.output, res.output
    m = _applies_on_both(out, pg_test_db)
    conn = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(conn, render.ddl(m, "sqlite"))
    conn.execute("INSERT INTO tx (id, hash, note, state) VALUES (1, x'00ff00ff', 'żż', 'sent')")   # 'żż': 4 bytes
    for values in ("2, x'00ff00', 'a', 'new'", "3, x'00ff00ff', 'żżż', 'new'", "4, x'00ff00ff', 'a', 'done'"):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            conn.execute(f"INSERT INTO tx (id, hash, note, state) VALUES ({values})")


def test_import_shows_its_long_steps_on_a_terminal_only(tmp_path, pg_server):
    from tests.conftest import on_terminal
    (tmp_path / "s.sql").write_text("CREATE TABLE t (id integer PRIMARY KEY);\n")
    args = ["import", "--ddl", "s.sql", "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", "m.yaml"]
    code, _, shown = on_terminal(args, tmp_path)
    assert code == 0, shown
    assert [line.split(" (")[0] for line in shown.splitlines() if "scratch" in line] == [
        "import: schema applied to a scratch postgres database, read back and mapped"], shown
    piped = cli(*args, cwd=tmp_path)
    assert piped.exit_code == 0 and "scratch" not in piped.output


# ---- found by Morphic's Drizzle schema (tests/fixtures/corpus/morphic) --------------------------------------

def test_pg_in_list_on_a_varchar_column_is_kept_for_sqlite(tmp_path, pg_server, pg_test_db):
    """PostgreSQL writes `s IN ('a', 'b')` on a varchar column back as `(s)::text = ANY ((ARRAY['a'::character
    varying, ...])::text[])`: the cast around the array hid the IN list from the SQLite reading, so the CHECK
    was kept for PostgreSQL only ('SQLite rejects it'); it is an IN list on both engines."""
    res, out = _pg_import(tmp_path, pg_server, "schema.sql",
                          "CREATE TABLE parts (id integer PRIMARY KEY, tool_state varchar(256),\n"
                          "  CONSTRAINT tool_state_valid CHECK (tool_state IS NULL OR\n"
                          "    tool_state IN ('input-streaming', 'output-error')));\n")
    assert "kept for postgres only" not in res.output, res.output
    m = _applies_on_both(out, pg_test_db)
    (check,) = m.table("parts").checks
    assert check.expr.on("sqlite") and check.expr.on("postgres")
    conn = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(conn, render.ddl(m, "sqlite"))
    conn.execute("INSERT INTO parts VALUES (1, 'output-error'), (2, NULL)")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO parts VALUES (3, 'other')")


# ---- found by drizzle-supabase-rls (tests/fixtures/corpus/drizzle-supabase-rls) -----------------------------

def test_pg_policy_calling_another_schema_and_view_options_are_listed(pg, pg_server, pg_test_db, tmp_path):
    """Supabase's policies call auth.uid(): mapped as they were, the generated DDL failed on a database without
    that schema ('schema "auth" does not exist'); a view's WITH (security_invoker = true) was dropped without a
    word. The policy is not mapped and the view's options are listed, each said once."""
    pg.execute("""
        CREATE SCHEMA auth;
        CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS 'SELECT NULL::uuid';
        CREATE TABLE profiles (id uuid PRIMARY KEY, email text NOT NULL);
        ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
        CREATE POLICY "read all" ON profiles FOR SELECT USING (true);
        CREATE POLICY "owner can update" ON profiles FOR UPDATE USING (id = (SELECT auth.uid()));
        CREATE VIEW emails WITH (security_invoker = true) AS SELECT email FROM profiles;""")
    out = tmp_path / "app.yaml"
    res = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert res.exit_code == 0, res.output
    assert ('not mapped: policy "owner can update" on table "profiles": uses auth, another schema the manifest '
            'does not hold') in res.output
    assert res.output.count('policy "owner can update"') == 1, res.output
    assert 'approximately: view "emails": WITH (security_invoker=true) is not kept' in res.output
    m = _applies_on_both(out, pg_test_db)
    assert [p.name for p in m.policies] == ["read all"] and [v.name for v in m.views] == ["emails"]
