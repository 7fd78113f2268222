"""Policies TO the deployment's roles (`TO app_user`, Supabase's `authenticated`): the manifest declares them
under postgres.roles, the generated DDL lists them in its header and never creates them, and the scratch
servers of `import` and `parity` create the missing ones without LOGIN, so such policies map exactly."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.engines.providers import Server
from schemactl.errors import EngineUnavailable
from schemactl.manifest.load import load_file
from tests.conftest import cli

DDL = """\
CREATE TABLE t (id integer PRIMARY KEY, owner text NOT NULL);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON t FOR SELECT TO app_user, "Audit Team" USING (owner = current_user);
CREATE POLICY all_rows ON t TO PUBLIC USING (true);
"""


def _role(conninfo: str, name: str):
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = %s",
                            [name]).fetchone()


def test_import_from_ddl_maps_policies_to_roles_and_parity_is_clean(tmp_path, pg_server):
    (tmp_path / "schema.sql").write_text(DDL)
    res = cli("import", "--ddl", "schema.sql", "--dialect", "postgres", "--postgres-url", pg_server.url(),
              "-o", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert "0 not mapped" in res.output, res.output
    m = load_file(tmp_path / "app.yaml")
    assert m.pg_roles == ("Audit Team", "app_user")
    assert [(p.name, p.roles) for p in m.policies] == [("all_rows", ("public",)),
                                                       ("own_rows", ("Audit Team", "app_user"))]
    assert _role(pg_server.conninfo(), "Audit Team") == (False, False, False)   # no LOGIN, no rights
    res = cli("generate", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    ddl = next(tmp_path.glob("generated/*/postgres.sql")).read_text()
    assert '-- Roles (the deployment creates them; schemactl never does): "Audit Team", app_user' in ddl
    assert "CREATE ROLE" not in ddl
    res = cli("parity", "app.yaml", "--postgres-url", pg_server.url(), cwd=tmp_path)
    assert res.exit_code == 0, res.output


def test_import_from_a_database_declares_the_roles_its_policies_name(tmp_path, pg_server):
    db = "roles_src"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {db}")
        admin.execute(f"CREATE DATABASE {db}")
    Server(pg_server.conninfo(), "test").ensure_roles(["app_user", "Audit Team"])
    with psycopg.connect(pg_server.conninfo(db), autocommit=True) as conn:
        conn.execute(DDL)
    res = cli("import", "--db", pg_server.url(db), "-o", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    m = load_file(tmp_path / "app.yaml")
    assert m.pg_roles == ("Audit Team", "app_user")
    res = cli("diff", "app.yaml", "--db", pg_server.url(db), cwd=tmp_path)
    assert res.exit_code == 0, res.output


def test_ensure_roles_creates_only_what_is_missing(pg_server):
    info = pg_server.conninfo()
    with psycopg.connect(info, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS existing_login")
        admin.execute("CREATE ROLE existing_login LOGIN")
    server = Server(info, "test")
    server.ensure_roles(["existing_login", "fresh role"])
    assert _role(info, "existing_login") == (True, False, False)   # left as it was
    assert _role(info, "fresh role") == (False, False, False)
    server.ensure_roles(["fresh role"])   # known now: nothing asked again


def test_a_server_that_refuses_the_role_says_what_to_do(pg_server):
    info = pg_server.conninfo()
    with psycopg.connect(info, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS no_createrole")
        admin.execute("CREATE ROLE no_createrole LOGIN")
    from psycopg.conninfo import make_conninfo
    server = Server(make_conninfo(info, user="no_createrole"), "url")
    with pytest.raises(EngineUnavailable) as exc:
        server.ensure_roles(["needed_here"])
    msg = str(exc.value)
    assert msg.startswith('cannot create role "needed_here", which the manifest\'s policies name, on the url '
                          "PostgreSQL server: permission denied"), msg
    assert msg.endswith("create it there (CREATE ROLE … NOLOGIN) or connect as a role with CREATEROLE")


def test_a_policy_to_current_user_is_listed_not_declared_with_a_scratch_role(tmp_path, pg_server):
    """TO CURRENT_USER is recorded as the creating role: on the import's scratch database, a role of
    schemactl's own, which must not reach the manifest; the policy is listed at its line instead."""
    (tmp_path / "schema.sql").write_text(DDL + "CREATE POLICY mine ON t TO CURRENT_USER USING (true);\n")
    res = cli("import", "--ddl", "schema.sql", "--dialect", "postgres", "--postgres-url", pg_server.url(),
              "-o", "app.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert 'not mapped: schema.sql:5: policy "mine" on table "t": names CURRENT_USER' in res.output, res.output
    m = load_file(tmp_path / "app.yaml")
    assert m.pg_roles == ("Audit Team", "app_user")
    assert [p.name for p in m.policies] == ["all_rows", "own_rows"]
    assert "schemactl_scratch" not in (tmp_path / "app.yaml").read_text()
