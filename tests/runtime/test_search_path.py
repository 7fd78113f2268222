"""Deep verify reads the PostgreSQL catalog under a fixed search_path, whatever the service's session has
(docs/runtime-protocol.md, section 5): format_type, regclass and pg_get_expr qualify a name by the path.
Under a role's path 'other, public' (ALTER ROLE … SET search_path) with a sequence other.seq beside the
manifest's own public.seq, every runtime read the manifest's default nextval('seq') as
nextval('public.seq'::regclass) (a false difference: the service refused to start) and another schema's
nextval('other.seq') as nextval('seq'::regclass) (a wrong database passed).  The path is the CLI's
(schemactl.introspect.postgres.READ_PATH), set for the reads only: the session's own path, a caller's transaction and
its SET LOCAL path are as they were afterwards.  Python, TypeScript and Rust alike."""

from __future__ import annotations

import contextlib
import os
import sqlite3

import psycopg
import pytest

from schemactl import runtime as py
from tests.migrations.chain_support import Chain
from tests.runtime.python import support as python_support
from tests.runtime.rust import support as rust_support
from tests.runtime.typescript import support as typescript_support

READER = "schemactl_runtime_reader"
ROLE_PATH = "other, public"
SESSION_PATH = '"$user", other, public'   # neither the role's path nor the one verify reads under

M = """\
format: 1
name: paths
version: 1
sequences: {seq: {type: bigint}}
enums: {mood: [ok, bad]}
tables:
  u:
    columns:
      id: {type: integer, primary_key: true}
  t:
    columns:
      id: {type: integer, primary_key: true}
      n: {type: bigint, default: {nextval: seq}, check: "n >= 0"}
      m: mood
      u_id: {type: integer, references: {table: u, column: id}}
"""

# SCHEMACTL_DEEP_RUNTIMES=typescript leaves the slow Rust build out (as in test_deep_verify)
RUNTIMES = ["python"] + [r for r in os.environ.get("SCHEMACTL_DEEP_RUNTIMES", "typescript,rust").split(",") if r]
BUILDERS = {"python": python_support.build_driver, "typescript": typescript_support.build_driver,
            "rust": rust_support.build_driver}
OTHER_SEQ = "column \"t.n\": expected default nextval('seq'::regclass), found default nextval('other.seq'::regclass)"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("search_path")
    chain = Chain(root / "chain")
    m, _ = chain.release(M, "init")
    return chain.bundle(m), {name: BUILDERS[name](chain.out, root / name) for name in RUNTIMES}


@pytest.fixture
def reader(pg, pg_test_db, built):
    """The chain migrated by its owner, a same-named sequence in schema ``other``, and the conninfo of a role
    whose own search_path is 'other, public'."""
    pg.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER}') THEN "
               f"CREATE ROLE {READER} LOGIN; END IF; END $$")
    pg.execute(f"ALTER ROLE {READER} SET search_path = {ROLE_PATH}")
    py.migrate(pg, built[0])
    pg.execute("CREATE SCHEMA other; CREATE SEQUENCE other.seq")
    pg.execute(f"GRANT USAGE ON SCHEMA other, public TO {READER}; GRANT SELECT ON ALL TABLES IN SCHEMA public "
               f"TO {READER}")
    target = pg_test_db.replace("user=postgres", f"user={READER}")
    with psycopg.connect(target, autocommit=True) as conn:
        assert conn.execute("SHOW search_path").fetchone() == (ROLE_PATH,)
    return target


def _differences(bundle: dict, conn) -> list[str]:
    try:
        py.verify(conn, bundle, deep=True)
        return []
    except py.SchemaMismatch as exc:
        return exc.differences


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_deep_verify_reads_the_catalog_as_the_cli_whatever_the_roles_path(built, pg, pg_test_db, reader, runtime):
    driver = built[1][runtime]
    for command, target in (("verify-deep", reader), ("verify-deep-in-transaction", reader),
                            ("verify-deep-session-path", pg_test_db)):
        assert driver.run(command, "postgres", target) == {"ok": True}, (runtime, command)
    pg.execute("ALTER TABLE t ALTER COLUMN n SET DEFAULT nextval('other.seq'::regclass)")
    for command, target in (("verify-deep", reader), ("verify-deep-in-transaction", reader),
                            ("verify-deep-session-path", pg_test_db)):
        out = driver.run(command, "postgres", target)
        assert out["error"] == "SchemaMismatch" and out["differences"] == [OTHER_SEQ], (runtime, command, out)


@pytest.mark.parametrize("autocommit", [True, False])
def test_python_leaves_the_sessions_path_and_transaction_state_as_they_were(built, pg, reader, autocommit):
    bundle = built[0]
    status = psycopg.pq.TransactionStatus
    with psycopg.connect(reader, autocommit=autocommit) as conn:
        assert _differences(bundle, conn) == []
        assert conn.info.transaction_status == status.IDLE
        assert conn.execute("SHOW search_path").fetchone() == (ROLE_PATH,)
        conn.rollback()
        conn.execute(f"SET search_path = {SESSION_PATH}")   # the session's own, set by the service
        conn.commit()
        pg.execute("ALTER TABLE t ALTER COLUMN n SET DEFAULT nextval('other.seq'::regclass)")
        assert _differences(bundle, conn) == [OTHER_SEQ]
        assert conn.info.transaction_status == status.IDLE
        assert conn.execute("SHOW search_path").fetchone() == (SESSION_PATH,)


def test_python_inside_a_callers_transaction_keeps_its_local_path(built, pg, pg_test_db, reader):
    """A caller's SET LOCAL path holds again after verify, in the same transaction; the session's own path
    after it."""
    bundle = built[0]
    with psycopg.connect(pg_test_db) as conn:
        own = conn.execute("SHOW search_path").fetchone()[0]
        conn.commit()
        conn.execute(f"SET LOCAL search_path = {ROLE_PATH}")
        assert _differences(bundle, conn) == []
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        assert conn.execute("SELECT current_setting('search_path'), to_regclass('seq')::text").fetchone() == \
            (ROLE_PATH, "seq")   # other.seq, as the caller's path finds it
        pg.execute("ALTER TABLE t ALTER COLUMN n SET DEFAULT nextval('other.seq'::regclass)")
        assert _differences(bundle, conn) == [OTHER_SEQ]
        assert conn.execute("SHOW search_path").fetchone() == (ROLE_PATH,)
        conn.commit()
        assert conn.execute("SHOW search_path").fetchone() == (own,) != (ROLE_PATH,)


def test_deep_verify_names_an_enum_and_a_referenced_table_of_another_schema_with_their_schema(built, pg, reader):
    """columns.sql named an enum by its bare name and constraints.sql a referenced table by its own: a column moved
    to other.mood and a key moved to other.u passed every runtime's deep verify (and the CLI's diff) as the
    manifest's own mood and u."""
    pg.execute("CREATE TYPE other.mood AS ENUM ('ok', 'bad'); CREATE TABLE other.u (id integer PRIMARY KEY);"
               "ALTER TABLE t ALTER COLUMN m TYPE other.mood USING m::text::other.mood;"
               "ALTER TABLE t DROP CONSTRAINT t_u_id_fkey;"
               "ALTER TABLE t ADD CONSTRAINT t_u_id_fkey FOREIGN KEY (u_id) REFERENCES other.u (id)")
    outs = {runtime: built[1][runtime].run("verify-deep", "postgres", reader) for runtime in RUNTIMES}
    python = outs["python"]
    assert python["error"] == "SchemaMismatch", python
    assert any("other.mood" in d for d in python["differences"]), python
    assert any("other.u" in d for d in python["differences"]), python
    assert all(out == python for out in outs.values()), outs


OWN_TYPE = """\
format: 1
name: moods
version: 1
postgres: {schema: app}
enums: {mood: [ok, bad]}
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      m: {type: "text[]", postgres_type: "app.mood[]"}
"""


def test_deep_verify_reads_a_type_of_the_manifests_schema_as_the_cli_does(pg, pg_test_db, tmp_path):
    """postgres: {schema: app} with a column of app's own type (an enum array): under the read path, which does not
    reach app, format_type qualifies it (app.mood[]); the CLI reads it without its own schema, as the bundle
    expects it, but every runtime's deep verify reported 'expected type mood[], found app.mood[]' (the service
    refused to start on the database its own chain had built)."""
    from schemactl.diff import diff
    from schemactl.expect import expect
    from schemactl.introspect import introspect
    chain = Chain(tmp_path / "chain")
    m, _ = chain.release(OWN_TYPE, "init")
    bundle = chain.bundle(m)
    py.migrate(pg, bundle)
    assert [str(f) for f in diff(expect(m, "postgres"), introspect(pg, "postgres", "app"))] == []
    assert _differences(bundle, pg) == []
    for runtime in RUNTIMES[1:]:   # the TypeScript and Rust runtimes embed the same catalog queries
        driver = BUILDERS[runtime](chain.out, tmp_path / runtime)
        assert driver.run("verify-deep", "postgres", pg_test_db) == {"ok": True}, runtime


def test_deep_verify_probes_its_own_temporary_table_never_a_schemas_table_of_that_name(built, pg, reader):
    """The probe altered "schemactl_probe" unqualified: under the read path (pg_temp last) a table
    public.schemactl_probe of the database was altered instead of the probe's temporary copy."""
    pg.execute("CREATE TABLE public.schemactl_probe (id integer, n bigint, m text, u_id integer)")
    pg.execute(f"GRANT ALL ON public.schemactl_probe TO {READER}")
    try:
        for runtime in RUNTIMES:
            out = built[1][runtime].run("verify-deep", "postgres", reader)   # the table itself is a difference
            assert out["differences"] == ['table "schemactl_probe" is not expected'], (runtime, out)
        assert pg.execute("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.schemactl_probe'::regclass "
                          "AND attnum > 0").fetchone() == (4,)
    finally:
        pg.execute("DROP TABLE public.schemactl_probe")


MIGRATOR = "schemactl_runtime_migrator"


def test_migrate_refuses_a_path_that_creates_the_tables_outside_public(built, pg, pg_test_db):
    """A manifest without a named schema: its statements create where the session's search_path says.  Under a role
    path 'other, public' (other the role's own schema) every runtime's migrate created the tables and
    schema_version in other, and its shallow verify passed there, while `schemactl diff` and deep verify read
    public: 'table "t" is missing'.  migrate now refuses before creating anything, naming the schema and the fix;
    under a path that starts at public it migrates as before."""
    pg.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{MIGRATOR}') THEN "
               f"CREATE ROLE {MIGRATOR} LOGIN; END IF; END $$")
    pg.execute(f"CREATE SCHEMA other AUTHORIZATION {MIGRATOR}; GRANT CREATE, USAGE ON SCHEMA public TO {MIGRATOR}")
    target = pg_test_db.replace("user=postgres", f"user={MIGRATOR}")
    try:
        pg.execute(f"ALTER ROLE {MIGRATOR} SET search_path = {ROLE_PATH}")
        for runtime in RUNTIMES:
            out = built[1][runtime].run("migrate", "postgres", target)
            assert out["error"] == "MigrationError", (runtime, out)
            assert out["message"] == py.outside_public("other"), (runtime, out)
        assert 'creates tables in schema "other"' in py.outside_public("other")
        assert pg.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname IN ('other', 'public') AND c.relkind = 'r'").fetchone() == (0,)
        pg.execute(f"ALTER ROLE {MIGRATOR} SET search_path = nowhere")   # no schema of the path exists
        for runtime in RUNTIMES:
            out = built[1][runtime].run("migrate", "postgres", target)
            assert out["message"] == py.outside_public(None), (runtime, out)
        pg.execute(f"ALTER ROLE {MIGRATOR} SET search_path = public, other")
        assert [built[1][runtime].run("migrate", "postgres", target)["ok"] for runtime in RUNTIMES] == \
            [True] * len(RUNTIMES)
        assert pg.execute("SELECT to_regclass('public.t') IS NOT NULL, to_regclass('other.t')").fetchone() == \
            (True, None)
    finally:
        pg.execute(f"ALTER ROLE {MIGRATOR} RESET search_path")
        pg.execute(f"DROP SCHEMA IF EXISTS other CASCADE; DROP OWNED BY {MIGRATOR}")


def test_verify_inside_a_callers_failed_transaction_says_so_and_leaves_it_failed(built, pg, pg_test_db):
    """Protocol section 5: inside a caller's failed transaction verify raises MigrationError ("roll it back
    first") and leaves that transaction as it was.  Python did; the TypeScript and Rust runtimes threw the
    driver's own 'current transaction is aborted' error."""
    py.migrate(pg, built[0])
    want = {"ok": False, "error": "MigrationError", "differences": [],
            "message": "the connection's transaction has failed; roll it back before verify()"}
    for runtime in RUNTIMES:
        assert built[1][runtime].run("verify-deep-in-failed-transaction", "postgres", pg_test_db) == want, runtime


def test_verify_inside_a_callers_transaction_leaves_it_usable_whatever_the_version_table_read_finds(
        built, pg, pg_test_db, tmp_path):
    """Protocol section 5: inside a transaction the caller has open, verify's reads run in a savepoint, so the
    caller's work is neither committed nor rolled back.  On a PostgreSQL database never migrated (or whose
    schema_version is another tool's) the TypeScript and Rust runtimes read the version table in the caller's
    transaction itself: the failed read aborted it ("current transaction is aborted"), the service's next query
    was refused and its COMMIT rolled its work back.  Python read in a savepoint.  A migrated database passes as
    before; on SQLite a failed read never ended the caller's transaction (each driver checks both)."""
    def found(runtime: str, engine: str, target) -> tuple:   # the driver fails (a crash) on a spoiled transaction
        out = built[1][runtime].run("verify-in-transaction", engine, str(target))
        return out.get("error"), out.get("differences")

    never = ("SchemaMismatch", ["no schema_version table; run migrate() first"])
    for runtime in RUNTIMES:
        assert found(runtime, "postgres", pg_test_db) == never, runtime
        assert found(runtime, "sqlite", tmp_path / f"{runtime}.db") == never, runtime
    foreign, migrated = tmp_path / "foreign.db", tmp_path / "migrated.db"
    pg.execute("CREATE TABLE schema_version (installed_rank integer PRIMARY KEY, script text)")   # Flyway's, say
    with contextlib.closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE schema_version (installed_rank integer PRIMARY KEY, script text)")
        conn.commit()
    for runtime in RUNTIMES:
        for engine, target in (("postgres", pg_test_db), ("sqlite", foreign)):
            assert found(runtime, engine, target) == ("SchemaMismatch", [py.FOREIGN_VERSION_TABLE]), (runtime, engine)
    pg.execute("DROP TABLE schema_version")
    py.migrate(pg, built[0])
    with contextlib.closing(sqlite3.connect(migrated)) as conn:
        py.migrate(conn, built[0])
    for runtime in RUNTIMES:
        for engine, target in (("postgres", pg_test_db), ("sqlite", migrated)):
            assert found(runtime, engine, target) == (None, None), (runtime, engine)
