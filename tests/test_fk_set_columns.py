"""PostgreSQL 15's ON DELETE SET NULL / SET DEFAULT (columns) of a foreign key.  A list of some of the key's
columns is listed by import (naming the constraint) and reported by diff as SC105, never taken for the plain
action; a list naming every column of the key is the plain action (PostgreSQL sets exactly those), and was
listed and reported as if it were not ("the manifest's ON DELETE sets every column of the key")."""

from __future__ import annotations

import yaml

from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from tests.conftest import cli


def test_a_column_list_of_the_whole_key_is_the_plain_action_and_a_partial_one_is_not(pg, pg_server, tmp_path):
    pg.execute("""
CREATE TABLE public.p (tenant integer, id integer, PRIMARY KEY (tenant, id));
CREATE TABLE public.k (id integer PRIMARY KEY, tenant integer DEFAULT 0, pid integer DEFAULT 0,
  CONSTRAINT k_whole FOREIGN KEY (tenant, pid) REFERENCES public.p ON DELETE SET NULL (pid, tenant),
  CONSTRAINT k_part FOREIGN KEY (tenant, pid) REFERENCES public.p ON DELETE SET DEFAULT (pid));
CREATE TABLE public.one (id integer PRIMARY KEY, k_id integer REFERENCES public.k ON DELETE SET DEFAULT (k_id));
""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    listed = [x for x in result.output.splitlines() if x.startswith("import: approximately")]
    assert listed == ['import: approximately: table "k", foreign key "k_part": ON DELETE SET DEFAULT (pid) left out: '
                      "the manifest's ON DELETE sets every column of the key"], result.output
    keys = {f["name"]: f.get("on_delete") for f in yaml.safe_load(out.read_text())["tables"]["k"]["foreign_keys"]}
    assert keys == {"k_whole": "set null", "k_part": "set default"}
    found = [f"{f.code} {f.message}" for f in diff(expect(load_file(out), "postgres"), introspect(pg, "postgres"))]
    assert found == ['SC105 foreign key "k_part" on "k" holds what the manifest cannot declare'], found
