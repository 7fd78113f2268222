"""Adopting production-style PostgreSQL schemas (pg_dump's spelling): what the import cannot hold is listed,
never mapped as if it were exact, and `diff` of the database built from the original DDL says so too.

Each test builds the database from the team's own DDL, imports the same file, and compares."""

from __future__ import annotations

import sqlite3

from schemactl import render
from schemactl.diff import diff
from schemactl.engines import sqlite as sqlite_engine
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from tests.conftest import cli


def _import(pg, pg_server, tmp_path, ddl: str):
    """Build the team's database from ``ddl`` and import the same file: (result, manifest path, findings of
    diff between the imported manifest and the team's database)."""
    pg.execute(ddl)
    src = tmp_path / "schema.sql"
    src.write_text(ddl)
    out = tmp_path / "app.yaml"
    result = cli("import", "--ddl", src, "--dialect", "postgres", "--postgres-url", pg_server.url(), "-o", out)
    assert result.exit_code == 0, result.output
    found = [f"{f.code} {f.message}" for f in diff(expect(load_file(out), "postgres"), introspect(pg, "postgres"))]
    return result, out, found


def test_a_tsvector_index_in_another_form_than_schemactls_search_is_not_mapped_as_one(pg, pg_server, tmp_path):
    """A GIN index on to_tsvector('english', title || ' ' || coalesce(body, '')) became `search: {columns:
    [body]}` (schemactl's 'simple' document of body alone: the configuration and title lost), counted exact."""
    result, out, found = _import(pg, pg_server, tmp_path, """
CREATE TABLE public.docs (id integer PRIMARY KEY, title text NOT NULL, body text);
CREATE INDEX docs_fts ON public.docs USING gin (to_tsvector('english'::regconfig, ((title || ' '::text) || COALESCE(body, ''::text))));
CREATE TABLE public.notes (id integer PRIMARY KEY, title text, body text);
CREATE INDEX notes_fts ON public.notes USING gin (to_tsvector('simple'::regconfig, ((COALESCE(title, ''::text) || ' '::text) || COALESCE(body, ''::text))));
""")
    assert 'not mapped: ' in result.output, result.output
    assert 'schema.sql:3: search "docs_fts" on table "docs": not a search schemactl writes' in result.output
    m = load_file(out)
    assert m.table("docs").search is None
    assert m.table("notes").search.columns == ("title", "body")       # schemactl's own form still is one
    assert found == ['SC362 search "docs_fts" is not in the manifest']


def test_on_delete_set_null_of_some_columns_is_listed_and_reported(pg, pg_server, tmp_path):
    """PostgreSQL 15's ON DELETE SET NULL (parent_id) of a composite key became `on_delete: set null` (which
    sets tenant_id to NULL too), counted exact; diff of the original database found nothing."""
    result, out, found = _import(pg, pg_server, tmp_path, """
CREATE TABLE public.parents (tenant_id integer NOT NULL, id integer NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE public.kids (id integer PRIMARY KEY, tenant_id integer, parent_id integer,
    CONSTRAINT kids_parent_fk FOREIGN KEY (tenant_id, parent_id) REFERENCES public.parents (tenant_id, id)
        ON DELETE SET NULL (parent_id));
""")
    assert ('schema.sql:4: table "kids", foreign key "kids_parent_fk": ON DELETE SET NULL (parent_id) left out: '
            "the manifest's ON DELETE sets every column of the key") in result.output, result.output
    assert "1 approximately, 0 not mapped" in result.output
    assert found == [
        'SC105 foreign key "kids_parent_fk" on "kids" holds what the manifest cannot declare']
    # the manifest's own key (every column) is no finding: a database built from it is clean
    pg.execute("DROP TABLE kids; DROP TABLE parents")
    pg.execute(render.ddl(load_file(out), "postgres"))
    assert list(diff(expect(load_file(out), "postgres"), introspect(pg, "postgres"))) == []


def test_an_unlogged_table_is_imported_and_listed(pg, pg_server, tmp_path):
    """CREATE UNLOGGED TABLE (a cache, sessions) was left out whole by import --ddl ('not a schema statement'),
    and import --db and diff took it for an ordinary table without a word."""
    result, out, found = _import(pg, pg_server, tmp_path, """
CREATE UNLOGGED TABLE public.cache (k text PRIMARY KEY, v jsonb NOT NULL);
CREATE TABLE public.kept (id integer PRIMARY KEY);
""")
    assert 'schema.sql:2: table "cache": UNLOGGED left out: the manifest\'s table is logged' in result.output
    m = load_file(out)
    assert {t.name for t in m.tables} == {"cache", "kept"}
    assert found == ['SC105 table "cache" holds what the manifest cannot declare']
    by_db = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", tmp_path / "db.yaml")
    assert by_db.exit_code == 0 and 'approximately: table "cache": UNLOGGED left out' in by_db.output, by_db.output
    assert cli("diff", out, "--db", pg_server.url("schemactl_tests")).exit_code == 1
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    pg.execute("DROP TABLE cache; DROP TABLE kept")
    pg.execute(render.ddl(m, "postgres"))
    assert cli("diff", out, "--db", pg_server.url("schemactl_tests")).exit_code == 0


def test_an_infinite_time_default_is_not_written_as_1970_on_sqlite(pg, pg_server, tmp_path):
    """DEFAULT 'infinity'::timestamptz became {sqlite: CAST('infinity' AS TIMESTAMPTZ)}, which SQLite reads as
    0 (1970-01-01): with a CHECK that PostgreSQL's default passes, SQLite refused every row the default filled."""
    result, out, found = _import(pg, pg_server, tmp_path, """
CREATE TABLE public.grants (
    id integer PRIMARY KEY,
    valid_until timestamp with time zone DEFAULT 'infinity'::timestamp with time zone NOT NULL,
    starts date DEFAULT '-infinity'::date,
    CONSTRAINT grants_valid_check CHECK ((valid_until > '2000-01-01 00:00:00+00'::timestamp with time zone)));
""")
    for col, value in (("valid_until", "'infinity'::timestamp with time zone"), ("starts", "'-infinity'::date")):
        assert any(line.startswith("import: not mapped: ") and f'table "grants", column "{col}", default: {value} '
                   "is a value SQLite's" in line for line in result.output.splitlines()), result.output
    m = load_file(out)
    assert m.table("grants").column("valid_until").default is None
    assert found == [
        'SC205 column "grants.valid_until" has another default',
        'SC205 column "grants.starts" has another default']
    lite = sqlite3.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO grants (id, valid_until) VALUES (1, 1700000000000)")


def test_a_sql_standard_function_body_is_one_statement(pg, pg_server, tmp_path):
    """pg_dump prints a function written BEGIN ATOMIC … END with its ';' inside: import --ddl cut it at the first
    one, so the function was rejected ('syntax error at end of input') and the table whose CHECK calls it with
    it: 'no tables found to import' (exit 2)."""
    result, out, found = _import(pg, pg_server, tmp_path, """
CREATE FUNCTION public.valid_code(c text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    BEGIN ATOMIC
 SELECT (length(c) = 3);
END;

CREATE TABLE public.items (
    id integer PRIMARY KEY,
    code text CONSTRAINT items_code_check CHECK (public.valid_code(code))
);
""")
    assert 'schema.sql:2: function "valid_code": write the body $-quoted' in result.output, result.output
    assert 'schema.sql:10: table "items": check "items_code_check": PostgreSQL has no function valid_code()' \
        in result.output
    assert [t.name for t in load_file(out).tables] == ["items"]
    assert found == ['SC332 "items" has an undeclared check',
                     'SC392 function "valid_code" is not in the manifest']


def test_a_domains_default_and_collation_are_listed_with_its_columns(pg, pg_server, tmp_path):
    """A column of a domain with DEFAULT 1 (and a column of one with COLLATE "C") took the domain's default and
    collation on PostgreSQL; the import listed the column as its base type, naming the domain's CHECK and NOT
    NULL only: the default the rows got and the order they sort in were lost without a word."""
    result, out, found = _import(pg, pg_server, tmp_path, """
CREATE DOMAIN public.qty AS integer DEFAULT 1 NOT NULL CONSTRAINT qty_check CHECK (VALUE > 0);
CREATE DOMAIN public.label AS character varying(20) COLLATE "C" DEFAULT 'none'::character varying;
CREATE TABLE public.lines (id integer PRIMARY KEY, amount public.qty, tag public.label, own public.qty DEFAULT 5);
""")
    lines = {line.split('column "')[1].split('"')[0]: line for line in result.output.splitlines()
             if line.startswith("import: approximately: ") and 'column "' in line}
    assert "its DEFAULT 1 is not kept: the column has no default" in lines["amount"], result.output
    assert "its DEFAULT 'none'::character varying is not kept" in lines["tag"]
    assert 'its COLLATE "C" is not kept: the column compares by the database\'s default collation' in lines["tag"]
    assert "DEFAULT" not in lines["own"], lines["own"]      # its own default: the domain's is not taken
    assert load_file(out).table("lines").column("own").default.value == 5
    assert [f.split(" has ")[0] for f in found] == ['SC203 column "lines.amount"', 'SC203 column "lines.tag"',
                                                    'SC203 column "lines.own"']


def test_the_single_byte_char_type_is_kept_as_postgres_own_type(pg, pg_server, tmp_path):
    """A column of PostgreSQL's internal "char" (pg_class.relkind's type, spelled with the quotes) was left out
    ('postgres_type: "\\"char\\"" has the wrong form'), so diff of the same database found an undeclared column
    (SC202); it is kept as postgres_type "char", never taken for character(1) or bpchar."""
    result, out, found = _import(pg, pg_server, tmp_path, """
CREATE TABLE public.t (id integer PRIMARY KEY, kind "char" DEFAULT 'r' NOT NULL, one character(1), b bpchar,
    kinds "char"[] DEFAULT '{a,b}', CONSTRAINT t_kind_check CHECK (kind IN ('r', 'v')));
CREATE INDEX t_kind ON public.t (kind);
""")
    assert "not mapped" not in result.output.replace("0 not mapped", ""), result.output
    assert 'table "t", column "kind": "char" has no portable type: text on SQLite, postgres_type: "char" on ' \
        "PostgreSQL (PostgreSQL's internal single-byte type" in result.output
    assert found == []
    t = load_file(out).table("t")
    assert dict(t.column("kind").engine_types) == {"postgres": '"char"'}
    assert dict(t.column("kinds").engine_types) == {"postgres": '"char"[]'}
    assert t.column("one").type.spelled() == "character(1)" and not t.column("one").engine_types
    # the manifest's own DDL gives the same column on PostgreSQL (a byte, not character(1)) and applies on SQLite
    pg.execute("DROP TABLE t")
    pg.execute(render.ddl(load_file(out), "postgres"))
    assert list(diff(expect(load_file(out), "postgres"), introspect(pg, "postgres"))) == []
    assert pg.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass "
                      "AND attname = 'kind'").fetchone() == ('"char"',)
    lite = sqlite3.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(load_file(out), "sqlite"))
    lite.execute("INSERT INTO t (id) VALUES (1)")
    assert lite.execute("SELECT kind FROM t").fetchone() == ("r",)


def test_serial_sequences_renamed_quoted_or_of_another_schema(pg, pg_server, tmp_path):
    """The sequence a nextval() default calls was read with its name folded to lower case and its schema
    dropped: a serial of table "Users" (nextval('"Users_id_seq"')) was not seen as one (its default 'not
    mapped: SQLite rejects it (no such function: NEXTVAL)', the sequence kept on its own), and a default calling
    seqs.t_id_seq was written {nextval: t_id_seq}, public's sequence of that name, counted exact."""
    result, out, found = _import(pg, pg_server, tmp_path, """
CREATE TABLE public."Users" (id serial PRIMARY KEY, n text);
CREATE TABLE public.plain (id bigserial PRIMARY KEY);
CREATE TABLE public.renamed (id integer PRIMARY KEY, n bigserial NOT NULL);
ALTER SEQUENCE public.renamed_n_seq RENAME TO "N.Seq";
CREATE SCHEMA seqs;
CREATE SEQUENCE seqs.t_id_seq AS integer;
CREATE SEQUENCE public.t_id_seq;
CREATE TABLE public.t (id integer DEFAULT nextval('seqs.t_id_seq'::regclass) PRIMARY KEY);
""")
    lines = result.output.splitlines()
    # "Users" is mapped as the plain serial is: its sequence and the default nextval() of it, said with it
    for table, seq, kind in (("Users", "Users_id_seq", "serial"), ("plain", "plain_id_seq", "bigserial")):
        assert any(f'table "{table}", column "id": {kind} column: kept as sequence {seq}, owned by the column'
                   in line for line in lines), result.output
    m = load_file(out)
    assert (m.table("Users").column("id").default.value, m.table("plain").column("id").default.value) == \
        ("Users_id_seq", "plain_id_seq")
    assert m.table("renamed").column("n").default.kind == "nextval" and \
        m.table("renamed").column("n").default.value == "N.Seq"
    assert m.table("t").column("id").default is None
    assert any(line.startswith("import: not mapped: ") and 'table "t", column "id", default: '
               "nextval('seqs.t_id_seq'::regclass): numbered by sequence seqs.t_id_seq, of another schema" in line
               and "ALTER SEQUENCE seqs.t_id_seq SET SCHEMA public" in line for line in lines), result.output
    assert "Traceback" not in result.output
    # diff finds nothing of "Users" nor of the plain serial (the manifest holds what the database holds), and
    # of t its default (another schema's sequence)
    assert sorted(found) == ['SC205 column "t.id" has another default']


def test_float_and_numeric_defaults_at_the_ends_of_their_range_are_carried_exactly(pg, pg_server, tmp_path):
    """numeric(1000,0) DEFAULT 1e300 (or numeric(40,0) with 38 digits) stopped the import with an internal
    error (decimal.InvalidOperation: the literal was quantized in Python's default 28-digit context, which a
    manifest's own numeric(40,0) default hit in `validate` too); the doubles next to them are checked to stay
    the same values (never rounded to infinity) on both engines."""
    big = "12345678901234567890123456789012345678"
    result, out, found = _import(pg, pg_server, tmp_path, f"""
CREATE TABLE public.t (id integer PRIMARY KEY,
    a double precision DEFAULT 1e308, b double precision DEFAULT -1e308,
    c double precision DEFAULT 1.7976931348623157e308, d double precision DEFAULT -1.7976931348623157e308,
    e numeric(1000,0) DEFAULT 1e300, f numeric(40,0) DEFAULT {big}, g numeric(1000,500) DEFAULT -1.5e-400);
""")
    assert "0 approximately, 0 not mapped" in result.output, result.output
    assert found == []
    m = load_file(out)
    values = {c.name: c.default.value for c in m.table("t").columns if c.default is not None}
    assert [float(values[k]) for k in "abcd"] == [1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308]
    from decimal import Decimal
    assert Decimal(values["e"]) == Decimal("1e300") and values["f"] == big
    assert Decimal(values["g"]) == Decimal("-1.5e-400")
    # the manifest's DDL applies on both engines and fills in the same values
    pg.execute("DROP TABLE t")
    pg.execute(render.ddl(m, "postgres"))
    pg.execute("INSERT INTO t (id) VALUES (1)")
    row = pg.execute("SELECT a, b, c, d, e::text, f::text, g FROM t").fetchone()
    assert row[:4] == (1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308)
    assert Decimal(row[4]) == Decimal("1e300") and row[5] == big and row[6] == Decimal("-1.5e-400")
    lite = sqlite3.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO t (id) VALUES (1)")
    got = lite.execute("SELECT a, b, c, d, e, f, g FROM t").fetchone()
    assert got[:4] == (1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308)
    assert Decimal(got[4]) == Decimal("1e300") and got[5] == big and Decimal(got[6]) == Decimal("-1.5e-400")
    # a default that differs from the manifest's in its 38th digit is drift (keys were rounded to 28 digits)
    pg.execute(f"ALTER TABLE t ALTER COLUMN f SET DEFAULT {big[:-1]}9")
    assert [str(f.code) for f in diff(expect(m, "postgres"), introspect(pg, "postgres"))] == ["SC205"]


def test_storage_parameters_are_listed_and_reported(pg, pg_server, tmp_path):
    """CREATE TABLE … WITH (fillfactor=70), an index's WITH (fillfactor=50), TOAST options and a column's SET
    STORAGE / SET (n_distinct) / SET STATISTICS were dropped without a word: import counted the table exact and
    diff of the same database said "no differences"."""
    result, out, found = _import(pg, pg_server, tmp_path, """
CREATE TABLE public.t (id integer PRIMARY KEY, n text, m text)
    WITH (fillfactor='70', autovacuum_enabled='false', toast.autovacuum_enabled='false');
CREATE INDEX t_n ON public.t USING btree (n) WITH (fillfactor='50');
ALTER TABLE ONLY public.t ALTER COLUMN n SET STORAGE EXTERNAL;
ALTER TABLE ONLY public.t ALTER COLUMN m SET (n_distinct=100);
ALTER TABLE ONLY public.t ALTER COLUMN m SET STATISTICS 500;
CREATE TABLE public.plain (id integer PRIMARY KEY, n text);
""")
    out_lines = result.output.splitlines()
    for said in ('table "t": WITH (fillfactor=70, autovacuum_enabled=false, toast.autovacuum_enabled=false) left '
                 "out: the manifest's table has the server's default storage parameters",
                 'table "t", index "t_n": WITH (fillfactor=50) left out',
                 'table "t", column "n": SET STORAGE EXTERNAL left out',
                 'table "t", column "m": SET (n_distinct=100); SET STATISTICS 500 left out'):
        assert any(line.startswith("import: approximately: ") and said in line for line in out_lines), \
            (said, result.output)
    assert "plain" not in result.output.replace("written", "")
    assert sorted(found) == sorted([
        'SC105 table "t" holds what the manifest cannot declare',
        'SC105 index "t_n" on "t" holds what the manifest cannot declare',
        'SC105 column "n" on "t" holds what the manifest cannot declare',
        'SC105 column "m" on "t" holds what the manifest cannot declare'])
    # the manifest's own DDL holds none of them: a database built from it is clean
    pg.execute("DROP TABLE t; DROP TABLE plain")
    pg.execute(render.ddl(load_file(out), "postgres"))
    assert list(diff(expect(load_file(out), "postgres"), introspect(pg, "postgres"))) == []


def test_a_default_calling_publics_sequence_is_not_the_imported_schemas(pg, pg_server, tmp_path):
    """import --schema app reads the catalog under the path pg_catalog, public, pg_temp, where PostgreSQL shows
    public's sequence by its bare name (nextval('seq'::regclass)) and app's own with its schema: a bare name was
    taken for the imported schema's, so a default calling public.seq was written {nextval: seq}, app's sequence
    of that name, counted exact."""
    pg.execute("""
CREATE SCHEMA app;
CREATE SEQUENCE public.seq;
CREATE SEQUENCE app.seq;
CREATE TABLE app.t (id integer PRIMARY KEY, n bigint DEFAULT nextval('public.seq'::regclass),
    m bigint DEFAULT nextval('app.seq'::regclass));
CREATE TABLE app.u (a integer NOT NULL, id bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL, PRIMARY KEY (a, id));
CREATE TABLE app.w (id serial PRIMARY KEY);
""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "--schema", "app", "-o", out)
    assert result.exit_code == 0, result.output
    m = load_file(out)
    assert m.table("t").column("n").default is None, result.output
    assert any(line.startswith("import: not mapped: ") and 'table "t", column "n", default: '
               "nextval('seq'::regclass): numbered by sequence public.seq, of another schema than the one imported "
               "(app)" in line and "ALTER SEQUENCE public.seq SET SCHEMA app" in line
               for line in result.output.splitlines()), result.output
    # app's own sequences stay the manifest's: a qualified default, an identity's sequence, a serial
    assert (m.table("t").column("m").default.kind, m.table("t").column("m").default.value) == ("nextval", "seq")
    assert m.table("u").column("id").default.value == "u_id_seq", result.output
    assert m.table("w").column("id").default.value == "w_id_seq", result.output
