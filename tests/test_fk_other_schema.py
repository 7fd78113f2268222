"""A foreign key to a table of another PostgreSQL schema (public.orders -> billing.users) was read as a key to
the table of that name in the manifest's own schema: import wrote it as `references: {table: users}` (to
public.users when there is one), counted exact, and diff called the database identical to a manifest whose key
references its own users."""

from __future__ import annotations

import yaml

from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from tests.conftest import cli

DDL = """
CREATE SCHEMA billing;
CREATE TABLE billing.users (id integer PRIMARY KEY);
CREATE TABLE public.users (id integer PRIMARY KEY);
CREATE TABLE public.orders (id integer PRIMARY KEY, user_id integer,
    CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES billing.users (id));
"""


def test_a_key_to_another_schemas_table_is_not_one_to_the_own_schemas(pg, pg_server, tmp_path):
    pg.execute(DDL)
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    assert ('not mapped: table "orders", foreign key "orders_user_fk": references billing.users, a table of '
            "another PostgreSQL schema; a manifest holds one schema") in result.output, result.output
    assert "foreign_keys" not in yaml.safe_load(out.read_text())["tables"]["orders"]
    found = [f"{f.code} {f.message}" for f in diff(expect(load_file(out), "postgres"), introspect(pg, "postgres"))]
    assert found == ['SC322 "orders" has an undeclared foreign key'], found
    # a manifest whose key references its own users differs from the database's
    mine = tmp_path / "mine.yaml"
    mine.write_text("format: 1\nname: app\nversion: 1\ntables:\n  users:\n    columns:\n"
                    "      id: {type: integer, primary_key: true}\n  orders:\n    columns:\n"
                    "      id: {type: integer, primary_key: true}\n"
                    "      user_id: {type: integer, references: {table: users, column: id, name: orders_user_fk}}\n")
    assert cli("hash", "--write", mine).exit_code == 0
    found = [(f.code, f.actual) for f in diff(expect(load_file(mine), "postgres"), introspect(pg, "postgres"))]
    assert found == [("SC321", "(user_id) -> billing.users(id)")], found
