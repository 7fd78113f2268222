"""User input runs on scratch databases (import's DDL, parity's generated DDL with `functions:` bodies, migration
chains): always through a role made for that database alone, which owns it and has no other right -- never as
the server's superuser (issue 16 item 0: two lines of imported DDL wrote a file onto the machine as `postgres`)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemactl.engines.postgres_local import LocalPostgres
from schemactl.engines.providers import Server
from schemactl.errors import EngineUnavailable
from schemactl.importer import TRUSTED_EXTENSIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def open_dir():
    """A directory the server's account may write and read (pytest's tmp_path is private to this user, and the
    server runs as `postgres` when the tests run as root): a file appearing there is one the server wrote."""
    d = Path(tempfile.mkdtemp(prefix="schemactl-priv-"))
    d.chmod(0o1777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _schemactl(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "schemactl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def _scratch_roles(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return {r for (r,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'schemactl\\_scratch\\_%'")}


def _databases(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return {r for (r,) in conn.execute("SELECT datname FROM pg_database")}


# -- the reproductions, through the command line (--postgres local: the throwaway server's first scratch)

def test_imported_ddl_cannot_write_a_file_on_the_server(tmp_path, open_dir):
    target = open_dir / "pwned_by_import"
    (tmp_path / "i0e.sql").write_text(
        "CREATE FUNCTION f1() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT lo_from_bytea(424244,"
        "'pwned by import'::bytea)::int $$;\n"
        f"CREATE FUNCTION f2() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT lo_export(424244,'{target}') $$;\n"
        "CREATE TABLE t (id int PRIMARY KEY);\n"
        "ALTER TABLE t ADD COLUMN a int DEFAULT f1();\n"
        "ALTER TABLE t ADD COLUMN b int DEFAULT f2();\n")
    res = _schemactl("import", "--ddl", "i0e.sql", "--dialect", "postgres", "--postgres", "local", "-o", "x.yaml",
                     cwd=tmp_path)
    assert not target.exists()
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert ("not mapped: i0e.sql:5: ALTER TABLE t ADD COLUMN b int DEFAULT f2();: postgres rejected it: "
            "permission denied for function lo_export") in res.stderr, res.stderr
    assert "permission denied for function lo_export" in (tmp_path / "x.yaml").read_text()


def test_imported_ddl_cannot_read_a_file_of_the_server(tmp_path, open_dir):
    secret = f"secret-{secrets.token_hex(8)}"
    source = open_dir / "secret.txt"
    source.write_text(secret + "\n")
    source.chmod(0o644)
    (tmp_path / "leak.sql").write_text(
        "CREATE FUNCTION leak() RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN "
        f"RAISE EXCEPTION '%', pg_read_file('{source}'); END $$;\n"
        "CREATE TABLE t (id int PRIMARY KEY);\n"
        "ALTER TABLE t ADD COLUMN a int DEFAULT leak();\n")
    res = _schemactl("import", "--ddl", "leak.sql", "--dialect", "postgres", "--postgres", "local", "-o", "x.yaml",
                     cwd=tmp_path)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    written = (tmp_path / "x.yaml").read_text()
    assert secret not in res.stdout + res.stderr + written
    assert ("leak.sql:3: ALTER TABLE t ADD COLUMN a int DEFAULT leak();: postgres rejected it: permission denied "
            "for function pg_read_file") in res.stderr, res.stderr


def test_parity_of_a_manifest_whose_functions_write_a_file_writes_none(tmp_path, open_dir):
    """An index expression over an IMMUTABLE function is evaluated when the index is made (on an empty table
    too): the manifest's own function bodies run during parity."""
    target = open_dir / "pwned_by_parity"
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "hostile.yaml").write_text(f"""\
format: 1
name: hostile
version: 1
tables:
  t:
    columns:
      id: {{type: integer, primary_key: true}}
      a: {{type: integer, nullable: true, default: {{sql: {{postgres: "pwn()", sqlite: "0"}}}}}}
    indexes:
      - {{name: t_a_idx, columns: [{{expr: "(id + mk())"}}], engines: [postgres]}}
      - {{name: t_b_idx, columns: [{{expr: "(id + pwn())"}}], engines: [postgres]}}
functions:
  mk:
    postgres: "CREATE FUNCTION mk() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT lo_from_bytea(0, 'pwned'::bytea)::int * 0 $$"
  pwn:
    postgres: "CREATE FUNCTION pwn() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT lo_export((SELECT max(oid) FROM pg_largeobject_metadata), '{target}') * 0 $$"
""")
    res = _schemactl("parity", "--postgres", "local", "manifests/hostile.yaml", cwd=tmp_path)
    assert not target.exists()
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert "rejected the generated DDL at index \"t_b_idx\"" in res.stderr
    assert "permission denied for function lo_export" in res.stderr


# -- what the scratch role is, may and may not do (a url server: the session's PostgreSQL)

def test_the_scratch_role_owns_its_database_and_has_no_other_right(pg_server):
    with Server(pg_server.conninfo(), "url").scratch() as conninfo, psycopg.connect(conninfo, autocommit=True) as c:
        me, db = c.execute("SELECT current_user, current_database()").fetchone()
        assert me.startswith("schemactl_scratch_") and me != "postgres" and conninfo_to_dict(conninfo)["user"] == me
        assert c.execute("SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, "
                         "rolinherit FROM pg_roles WHERE rolname = current_user").fetchone() == (
            False, False, False, False, False, True, True)
        assert c.execute("SELECT count(*) FROM pg_auth_members WHERE member = "
                         "(SELECT oid FROM pg_roles WHERE rolname = current_user)").fetchone() == (0,)
        for role in ("pg_read_server_files", "pg_write_server_files", "pg_execute_server_program"):
            assert c.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [role]).fetchone() == (False,)
        assert c.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [db]).fetchone() == (me,)
        # what DDL needs: schemas, tables, functions in trusted languages, trusted extensions
        c.execute("CREATE SCHEMA app")
        c.execute("CREATE TABLE app.t (id int PRIMARY KEY, email text)")
        c.execute("CREATE TABLE public.u (id int)")
        c.execute("CREATE FUNCTION app.f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$")
        for ext in TRUSTED_EXTENSIONS:   # every one import creates on its scratch database
            c.execute(sql.SQL("CREATE EXTENSION {}").format(sql.Identifier(ext)))
        c.execute("CREATE INDEX ON app.t USING gin (email gin_trgm_ops)")
        # what it may not
        refused = [
            "SELECT pg_read_file('/etc/hostname')",
            "SELECT pg_ls_dir('/')",
            "COPY app.t TO '/tmp/schemactl_priv_copy'",
            "COPY app.t FROM PROGRAM 'true'",
            "SELECT lo_import('/etc/hostname')",
            "CREATE EXTENSION file_fdw",           # untrusted
            "CREATE EXTENSION dblink",             # untrusted: no connections elsewhere
            "CREATE DATABASE schemactl_priv_other",
            "CREATE ROLE schemactl_priv_other",
            "SET ROLE postgres",
            "ALTER SYSTEM SET work_mem = '1GB'",
            "ALTER DATABASE " + db + " RENAME TO schemactl_priv_renamed",
        ]
        for statement in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute(statement)


def test_the_role_and_database_are_gone_after_the_scratch(pg_server):
    admin = pg_server.conninfo()
    roles_before, dbs_before = _scratch_roles(admin), _databases(admin)
    server = Server(admin, "url")
    with server.scratch() as conninfo:
        role, db = conninfo_to_dict(conninfo)["user"], conninfo_to_dict(conninfo)["dbname"]
        with psycopg.connect(conninfo, autocommit=True) as conn:   # still connected at the end: dropped with FORCE
            conn.execute("CREATE TABLE t (id int)")
            conn.execute("SELECT lo_from_bytea(0, 'x')")
            assert role in _scratch_roles(admin) and db in _databases(admin)
            with pytest.raises(RuntimeError):
                with server.scratch() as second:
                    second_role = conninfo_to_dict(second)["user"]
                    assert second_role != role
                    raise RuntimeError("an error inside the block")
    assert _scratch_roles(admin) == roles_before and _databases(admin) == dbs_before


def test_a_url_role_without_createrole_is_used_as_it_is(pg_server):
    """The user's own server and role: no error; the role is used as before (it cannot be a superuser)."""
    name = f"schemactl_priv_{secrets.token_hex(4)}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(name)))
    try:
        url = make_conninfo(pg_server.conninfo(), user=name)
        roles_before, dbs_before = _scratch_roles(pg_server.conninfo()), _databases(pg_server.conninfo())
        with Server(url, "url").scratch(), Server(url, "url").scratch() as conninfo:
            assert conninfo_to_dict(conninfo)["user"] == name
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute("CREATE TABLE t (id int)")
                assert conn.execute("SELECT current_user").fetchone() == (name,)
        assert _scratch_roles(pg_server.conninfo()) == roles_before and _databases(pg_server.conninfo()) == dbs_before
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_a_url_role_with_createrole_but_no_superuser_makes_scratch_roles(pg_server):
    name = f"schemactl_priv_{secrets.token_hex(4)}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB CREATEROLE").format(sql.Identifier(name)))
    try:
        url = make_conninfo(pg_server.conninfo(), user=name)
        roles_before, dbs_before = _scratch_roles(pg_server.conninfo()), _databases(pg_server.conninfo())
        with Server(url, "url").scratch() as conninfo, psycopg.connect(conninfo, autocommit=True) as conn:
            me = conn.execute("SELECT current_user").fetchone()[0]
            assert me.startswith("schemactl_scratch_")
            assert conn.execute("SELECT rolcreaterole OR rolcreatedb OR rolsuper FROM pg_roles "
                                "WHERE rolname = current_user").fetchone() == (False,)
            conn.execute("CREATE EXTENSION citext")
        assert _scratch_roles(pg_server.conninfo()) == roles_before and _databases(pg_server.conninfo()) == dbs_before
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


# -- the throwaway server: its `postgres` database is handed over, and the superuser never goes back there

def test_the_throwaway_servers_first_scratch_is_its_postgres_database_owned_by_a_scratch_role():
    with LocalPostgres() as pg:
        server = Server(pg.conninfo(), "local", throwaway=True)
        with server.scratch() as first, psycopg.connect(first, autocommit=True) as conn:
            assert conninfo_to_dict(first)["dbname"] == "postgres"
            me = conn.execute("SELECT current_user").fetchone()[0]
            assert me.startswith("schemactl_scratch_")
            assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (False,)
            assert conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'postgres'"
                                ).fetchone() == (me,)
            conn.execute("CREATE EXTENSION citext")
            # the owner may set what the next session in its database starts with: the superuser's next
            # connection must not be to this database
            conn.execute("ALTER DATABASE postgres SET default_transaction_read_only = on")
        with server.scratch(roles=("schemactl_priv_reader",)) as second:
            assert conninfo_to_dict(second)["dbname"].startswith("schemactl_scratch_")
            with psycopg.connect(second, autocommit=True) as conn:
                conn.execute("CREATE TABLE t (id int)")
                conn.execute("CREATE POLICY p ON t TO schemactl_priv_reader USING (true)")
            second_role = conninfo_to_dict(second)["user"]
        assert second_role not in _scratch_roles(pg.conninfo("template1"))
        assert conninfo_to_dict(second)["dbname"] not in _databases(pg.conninfo("template1"))


# -- password authentication (a url server that does not trust its clients)

def _server_with_hba(lines: str, where: Path) -> LocalPostgres:
    hba = where / "pg_hba.conf"
    hba.write_text(lines)
    hba.chmod(0o644)
    return LocalPostgres(settings={"hba_file": str(hba)})


def test_the_scratch_role_logs_in_with_its_password(open_dir):
    with _server_with_hba("local all postgres trust\nlocal all all scram-sha-256\n", open_dir) as pg:
        with Server(pg.conninfo(), "url").scratch() as conninfo:
            params = conninfo_to_dict(conninfo)
            assert params["user"].startswith("schemactl_scratch_") and len(params["password"]) >= 40
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute("CREATE TABLE t (id int)")
            with pytest.raises(psycopg.OperationalError):
                psycopg.connect(make_conninfo(conninfo, password="wrong")).close()
        assert _scratch_roles(pg.conninfo()) == set()


def test_a_server_that_refuses_new_roles_says_so_and_leaves_nothing(open_dir):
    """Never a silent fall-back to the given role there: it may create roles, so it may be a superuser."""
    with _server_with_hba("local all postgres trust\nlocal all all reject\n", open_dir) as pg:
        before = _databases(pg.conninfo())
        with pytest.raises(EngineUnavailable, match="cannot log in.*pg_hba.conf"):
            with Server(pg.conninfo(), "url").scratch():
                pytest.fail("no scratch database without its role")
        assert _scratch_roles(pg.conninfo()) == set() and _databases(pg.conninfo()) == before
